//! Parameter counts as people write them: `7B`, `1.3b`, `350M`, `1e9`, `175000000000`.

/// Why a parameter count could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamsError {
    /// Nothing numeric could be read.
    NotANumber,
    /// A number followed by a suffix other than K, M, B or T.
    UnknownSuffix(String),
    /// Zero, negative, infinite or NaN.
    NotPositive,
}

impl std::fmt::Display for ParamsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamsError::NotANumber => {
                write!(f, "expected a parameter count such as 7B, 350M or 1.3e9")
            }
            ParamsError::UnknownSuffix(s) => {
                write!(f, "unknown suffix {s:?}: use K (thousand), M (million), B (billion) or T (trillion)")
            }
            ParamsError::NotPositive => write!(f, "a parameter count must be a positive, finite number"),
        }
    }
}

/// Parses a parameter count. Suffixes K/M/B/T are case-insensitive; results are rounded
/// to whole parameters so that `1.3B` is exactly 1,300,000,000.
pub fn parse_params(text: &str) -> Result<f64, ParamsError> {
    let t = text.trim();
    let value = match t.parse::<f64>() {
        Ok(v) => v,
        Err(_) => {
            let split = t
                .char_indices()
                .find(|&(i, c)| c.is_alphabetic() && t[..i].parse::<f64>().is_ok())
                .map(|(i, _)| i);
            let Some(i) = split else {
                return Err(ParamsError::NotANumber);
            };
            let (number, suffix) = t.split_at(i);
            let scale = match suffix {
                "k" | "K" => 1e3,
                "m" | "M" => 1e6,
                "b" | "B" => 1e9,
                "t" | "T" => 1e12,
                other => return Err(ParamsError::UnknownSuffix(other.to_string())),
            };
            number.parse::<f64>().map_err(|_| ParamsError::NotANumber)? * scale
        }
    };
    if !value.is_finite() || value <= 0.0 {
        return Err(ParamsError::NotPositive);
    }
    Ok(if value >= 1.0 { value.round() } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_in_either_case() {
        assert_eq!(parse_params("7B"), Ok(7e9));
        assert_eq!(parse_params("1.3b"), Ok(1_300_000_000.0));
        assert_eq!(parse_params("350M"), Ok(350e6));
        assert_eq!(parse_params("125m"), Ok(125e6));
        assert_eq!(parse_params("2k"), Ok(2000.0));
        assert_eq!(parse_params("1T"), Ok(1e12));
        assert_eq!(parse_params(" 6.7B "), Ok(6_700_000_000.0));
    }

    #[test]
    fn plain_and_scientific() {
        assert_eq!(parse_params("1e9"), Ok(1e9));
        assert_eq!(parse_params("175000000000"), Ok(175e9));
        assert_eq!(parse_params("2.7E9"), Ok(2.7e9));
    }

    #[test]
    fn rejects_bad_counts() {
        assert_eq!(parse_params("7X"), Err(ParamsError::UnknownSuffix("X".into())));
        assert_eq!(parse_params("7Bn"), Err(ParamsError::UnknownSuffix("Bn".into())));
        assert_eq!(parse_params("big"), Err(ParamsError::NotANumber));
        assert_eq!(parse_params(""), Err(ParamsError::NotANumber));
        assert_eq!(parse_params("0"), Err(ParamsError::NotPositive));
        assert_eq!(parse_params("-7B"), Err(ParamsError::NotPositive));
        assert_eq!(parse_params("inf"), Err(ParamsError::NotPositive));
        assert_eq!(parse_params("NaN"), Err(ParamsError::NotPositive));
    }
}
