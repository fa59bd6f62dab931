//! Text positions and value descriptions shared by the JSON readers (lm-evaluation-harness,
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
