//! Line numbers for located error messages.

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
}
