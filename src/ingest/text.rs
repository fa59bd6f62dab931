//! Text plumbing every reader shares: the UTF-8 byte-order mark, and line numbers (and
//! columns) for located messages. `\n`, `\r\n` and a lone `\r` each end a line.

/// The bytes after a UTF-8 byte-order mark, if there is one.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
}

/// Line numbers from byte offsets. The csv crate's own line counter miscounts CRLF
/// files and rows after blank lines (BurntSushi/rust-csv#395, #208); its byte offsets
/// are exact, so lines are counted here: `\n`, `\r\n` and a lone `\r` each end a line.
pub struct LineIndex<'a> {
    bytes: &'a [u8],
    /// Byte offset at which each line after the first starts.
    starts: Vec<u64>,
}

impl<'a> LineIndex<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        let mut starts = Vec::new();
        for (i, &b) in bytes.iter().enumerate() {
            let ends_line = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends_line {
                starts.push(i as u64 + 1);
            }
        }
        LineIndex { bytes, starts }
    }

    /// 1-based line of the record starting at byte `offset`. The csv crate reports a
    /// record as starting at the terminator (or blank lines) before it, so those bytes
    /// are skipped first.
    pub fn line_of(&self, offset: u64) -> u64 {
        let mut at = offset as usize;
        while matches!(self.bytes.get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        self.starts.partition_point(|&s| s <= at as u64) as u64 + 1
    }

    /// 1-based line and byte column of byte `offset` itself (no skipping).
    pub fn position(&self, offset: usize) -> (u64, usize) {
        let line = self.starts.partition_point(|&s| s <= offset as u64) as u64 + 1;
        let before = self.bytes.get(..offset).unwrap_or(self.bytes);
        let start = before.iter().rposition(|&b| b == b'\n' || b == b'\r').map_or(0, |s| s + 1);
        (line, offset - start + 1)
    }
}

/// 1-based line and byte column of `offset` in `bytes`.
pub fn position(bytes: &[u8], offset: usize) -> (u64, usize) {
    LineIndex::new(bytes).position(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_lf_crlf_and_lone_cr() {
        let idx = LineIndex::new(b"a\r\nb\n\nc\rd");
        // "a" line 1, "b" line 2, blank line 3, "c" line 4, "d" line 5; an offset on a
        // terminator or blank line belongs to the record after it.
        assert_eq!([0, 3, 6, 8].map(|o| idx.line_of(o)), [1, 2, 4, 5]);
        assert_eq!([2, 4, 5, 7].map(|o| idx.line_of(o)), [2, 4, 4, 5]);
    }

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
