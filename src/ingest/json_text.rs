//! JSON plumbing shared by the JSON readers (lm-evaluation-harness, BIG-bench): parsing
//! with Python's bare `NaN`/`Infinity`, serde's messages without their positions, value
//! descriptions and number hints. serde_json values carry no positions, so the readers
//! locate keys in the raw text and report them with [`super::text::position`].

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::hint::Spreadsheet;
use super::record::Problem;
use super::text::{position, strip_bom};

/// The text of a JSON file after any byte-order mark, or the problem at its first byte
/// that is not UTF-8.
pub fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, Problem> {
    let content = strip_bom(bytes);
    std::str::from_utf8(content).map_err(|e| {
        let (line, column) = position(content, e.valid_up_to());
        let message = "the file is not valid UTF-8; re-save it as UTF-8".to_string();
        Problem { file: file.to_string(), line, column: Some(column), message }
    })
}

/// A JSON value as messages show it.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// What to write instead of a score written as a spreadsheet shows it: `"45%"` → the
/// fraction 0.45 (the JSON formats' rates are fractions, so `--percent` does not apply);
/// `"0,7"` → 0.7.
pub fn spreadsheet_number(s: &str) -> Option<String> {
    Some(match Spreadsheet::of(s)? {
        Spreadsheet::Percent { fraction, .. } => format!("write the fraction {fraction}, unquoted"),
        Spreadsheet::DecimalComma { whole, decimals } => {
            format!("use a decimal point, unquoted: {whole}.{decimals}")
        }
    })
}

/// serde's message without its position, which the caller reports as a location.
pub fn json_detail(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let at = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&at).unwrap_or(&full).to_string()
}

/// The bare token (`NaN`, `Infinity`, `-Infinity`, `null`) of the value after the key
/// that ends at byte `after`, if the value is one.
pub fn bare_token(text: &str, after: usize) -> Option<&'static str> {
    let rest = text.get(after..)?.trim_start().strip_prefix(':')?.trim_start();
    ["NaN", "Infinity", "-Infinity", "null"].into_iter().find(|t| rest.starts_with(t))
}

/// Parses JSON, accepting the `NaN`, `Infinity` and `-Infinity` that Python writes (as
/// null). Errors are those of the text as written, so their positions are exact.
pub fn parse_json<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str(text).or_else(|e| {
        let cleaned = without_non_finite(text);
        if cleaned == text {
            return Err(e);
        }
        serde_json::from_str(&cleaned).map_err(|_| e)
    })
}

/// Python's bare `NaN`, `Infinity` and `-Infinity` (outside strings) as `null`.
fn without_non_finite(text: &str) -> String {
    let (mut out, mut rest, mut in_string) = (String::with_capacity(text.len()), text, false);
    while let Some(c) = rest.chars().next() {
        let token = ["-Infinity", "Infinity", "NaN"].into_iter().find(|t| !in_string && rest.starts_with(t));
        let taken = match token {
            Some(token) => {
                out.push_str("null");
                token.len()
            }
            None => {
                let escaped = if in_string && c == '\\' { rest.chars().nth(1) } else { None };
                in_string ^= c == '"';
                out.push(c);
                out.extend(escaped);
                c.len_utf8() + escaped.map_or(0, char::len_utf8)
            }
        };
        rest = rest.get(taken..).unwrap_or("");
    }
    out
}
