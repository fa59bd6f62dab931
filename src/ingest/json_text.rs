//! Text positions, value descriptions and number hints shared by the JSON readers (lm-evaluation-harness,
//! BIG-bench): serde_json values carry no positions, so the readers locate keys in the
//! raw text and report them with these.

use serde_json::Value;

/// 1-based line and byte column of `offset`. `\n`, `\r\n` and a lone `\r` each end a line.
pub fn position(bytes: &[u8], offset: usize) -> (u64, usize) {
    let before = bytes.get(..offset).unwrap_or(bytes);
    let ends = |i: usize, b: u8| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
    let line = 1 + before.iter().enumerate().filter(|&(i, &b)| ends(i, b)).count() as u64;
    let start = before.iter().rposition(|&b| b == b'\n' || b == b'\r').map_or(0, |s| s + 1);
    (line, offset - start + 1)
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
    let s = s.trim();
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if let Some(percent) = s.strip_suffix('%').map(str::trim_end).and_then(|p| p.parse::<f64>().ok()) {
        // Rounded so that 7.1% reads 0.071, not 0.07100000000000001.
        let fraction = (percent / 100.0 * 1e12).round() / 1e12;
        return percent.is_finite().then(|| format!("write the fraction {fraction}, unquoted"));
    }
    let (whole, decimals) = s.split_once(',')?;
    (digits(whole.trim_start_matches('-')) && digits(decimals))
        .then(|| format!("use a decimal point, unquoted: {whole}.{decimals}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lf_crlf_and_lone_cr() {
        let text = b"a\r\nbc\nd\re";
        assert_eq!(position(text, 0), (1, 1));
        assert_eq!(position(text, 4), (2, 2));
        // "d" starts line 3; "e" follows a lone carriage return, on line 4.
        assert_eq!(position(text, 6), (3, 1));
        assert_eq!(position(text, 8), (4, 1));
    }
}
