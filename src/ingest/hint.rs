//! Numbers written the way a spreadsheet shows them (`45%`, `0,7`), recognised once for
//! every reader; each reader words its advice for its own format (a table can pass
//! `--percent`, a JSON rate cannot).

/// A number as a spreadsheet shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Spreadsheet<'a> {
    /// `45%`: `number` as written before the sign, `fraction` what it stands for (0.45).
    Percent { number: &'a str, fraction: f64 },
    /// `0,7`: digits, one decimal comma, digits.
    DecimalComma { whole: &'a str, decimals: &'a str },
}

impl Spreadsheet<'_> {
    /// Recognises a finite percentage or a decimal comma in `text` (trimmed first).
    pub fn of(text: &str) -> Option<Spreadsheet<'_>> {
        let text = text.trim();
        if let Some((number, percent)) = percent(text) {
            // Rounded so that 7.1% reads 0.071, not 0.07100000000000001.
            let fraction = (percent / 100.0 * 1e12).round() / 1e12;
            return percent.is_finite().then_some(Spreadsheet::Percent { number, fraction });
        }
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let (whole, decimals) = text.split_once(',')?;
        (digits(whole.trim_start_matches('-')) && digits(decimals))
            .then_some(Spreadsheet::DecimalComma { whole, decimals })
    }
}

/// `45%` (or `45 %`) as the number before the sign and its value, finite or not.
fn percent(text: &str) -> Option<(&str, f64)> {
    let number = text.strip_suffix('%')?.trim_end();
    Some((number, number.parse::<f64>().ok()?))
}

/// What to do about a number in a table that does not parse, when its form gives it away.
pub fn number_hint(value: &str) -> String {
    let v = value.trim();
    if let Some((number, _)) = percent(v) {
        return format!("; write {number} and pass --percent, or write the fraction");
    }
    if v.matches(',').count() == 1 && v.replace(',', ".").parse::<f64>().is_ok() {
        return format!("; use a decimal point: {}", v.replace(',', "."));
    }
    "; give a number such as 0.42".to_string()
}
