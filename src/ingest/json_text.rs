//! JSON plumbing shared by the JSON readers (lm-evaluation-harness, BIG-bench): parsing
//! with Python's bare `NaN`/`Infinity`, serde's messages without their positions, value
//! descriptions and number hints. serde_json values carry no positions, so the readers
//! locate keys and elements in the raw text with [`scan`] (and bytes with
//! [`super::text::position`]).

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

/// One step into a JSON document: a key of an object or an index of an array.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// What [`scan`] finds: a key, or where an array element (or the top-level value) starts.
#[derive(Debug)]
pub struct Spot<'a> {
    /// The steps from the top-level value to it, the last one its own key or index
    /// (empty for the top-level value).
    pub path: &'a [Step],
    /// A key, rather than an element.
    pub key: bool,
    /// 1-based line and byte column.
    pub line: u64,
    pub column: usize,
    /// For a key, the byte just after its closing quote (where its value follows); 0
    /// for an element.
    pub after: usize,
}

impl Spot<'_> {
    fn element(path: &[Step], line: u64, column: usize) -> Spot<'_> {
        Spot { path, key: false, line, column, after: 0 }
    }
}

/// Walks JSON text and shows `visit` every key and every array element (an element once
/// per byte of a number or literal; the first is where it starts). Lines end at `\n`,
/// `\r\n` or a lone `\r`, as in `text.rs`. Damaged text is walked as far as it goes.
pub fn scan(text: &str, mut visit: impl FnMut(&Spot)) {
    // Per open container: whether it is an object, and whether a key comes next.
    let mut frames: Vec<(bool, bool)> = Vec::new();
    let mut path: Vec<Step> = Vec::new();
    let bytes = text.as_bytes();
    let (mut line, mut line_start, mut i) = (1u64, 0usize, 0usize);
    while let Some(&b) = bytes.get(i) {
        let (column, in_array) = (i - line_start + 1, frames.last().is_none_or(|f| !f.0));
        match b {
            b'\n' => (line, line_start) = (line + 1, i + 1),
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => (line, line_start) = (line + 1, i + 1),
            b'"' => {
                let start = i;
                i += 1;
                while let Some(&c) = bytes.get(i).filter(|&&c| c != b'"') {
                    i += if c == b'\\' { 2 } else { 1 };
                }
                if let Some(f) = frames.last_mut().filter(|f| f.1) {
                    f.1 = false;
                    let key =
                        serde_json::from_str::<String>(text.get(start..=i).unwrap_or("")).unwrap_or_default();
                    if let Some(last) = path.last_mut() {
                        *last = Step::Key(key);
                    }
                    visit(&Spot { path: &path, key: true, line, column, after: i + 1 });
                } else if in_array {
                    visit(&Spot::element(&path, line, column));
                }
            }
            b'{' | b'[' => {
                if in_array {
                    visit(&Spot::element(&path, line, column));
                }
                let object = b == b'{';
                frames.push((object, object));
                path.push(if object { Step::Key(String::new()) } else { Step::Index(0) });
            }
            b'}' | b']' => {
                frames.pop();
                path.pop();
            }
            b',' => {
                if let Some(f) = frames.last_mut() {
                    f.1 = f.0;
                }
                if let Some(Step::Index(index)) = path.last_mut() {
                    *index += 1;
                }
            }
            b':' | b' ' | b'\t' | b'\r' => {}
            _ => {
                if in_array {
                    visit(&Spot::element(&path, line, column));
                }
            }
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every spot of a small document, as (path, key, line, column, after), worked out by
    /// counting bytes by hand.
    #[test]
    fn scan_finds_keys_and_elements() {
        let mut found = Vec::new();
        scan("{\"a\": [1, \"x\"],\r\n \"b\": {\"c\": 2}}", |s| {
            found.push((s.path.to_vec(), s.key, s.line, s.column, s.after));
        });
        let key = |k: &str| Step::Key(k.into());
        assert_eq!(
            found,
            [
                (vec![], false, 1, 1, 0),
                (vec![key("a")], true, 1, 2, 4),
                (vec![key("a"), Step::Index(0)], false, 1, 8, 0),
                (vec![key("a"), Step::Index(1)], false, 1, 11, 0),
                (vec![key("b")], true, 2, 2, 21),
                (vec![key("b"), key("c")], true, 2, 8, 27),
            ]
        );
    }
}
