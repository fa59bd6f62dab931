//! How quantities are written for people: parameter counts and rates.

/// `1.3e9` → `1.3B`, `350e6` → `350M`, `175e9` → `175B`, `1e12` → `1T`.
pub fn fmt_params(params: f64) -> String {
    if params >= 999.5e12 {
        // Past a thousand trillion (forecasts far beyond today's models), powers of ten read better.
        let exp = params.log10().floor();
        return format!("{}e{}", trim_number(params / 10f64.powf(exp)), exp as i64);
    }
    const SCALES: [(f64, &str); 4] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")];
    for (scale, suffix) in SCALES {
        if params >= scale * 0.9995 {
            return format!("{}{suffix}", trim_number(params / scale));
        }
    }
    trim_number(params)
}

/// A number with at most three significant decimals and no trailing zeros.
fn trim_number(x: f64) -> String {
    let digits = if x >= 100.0 {
        0
    } else if x >= 10.0 {
        1
    } else {
        2
    };
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A fraction as a percentage with enough digits to tell small rates apart:
/// `0.01024` → `1.02%`, `0.4` → `40.0%`, `0.000064` → `0.0064%`.
pub fn fmt_percent(p: f64) -> String {
    let pct = p * 100.0;
    if pct == 0.0 {
        "0%".into()
    } else if pct.abs() >= 10.0 {
        format!("{pct:.1}%")
    } else if pct.abs() >= 0.01 {
        format!("{pct:.2}%")
    } else {
        format!("{pct:.2e}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_read_like_papers() {
        assert_eq!(fmt_params(350e6), "350M");
        assert_eq!(fmt_params(1.3e9), "1.3B");
        assert_eq!(fmt_params(6.7e9), "6.7B");
        assert_eq!(fmt_params(175e9), "175B");
        assert_eq!(fmt_params(1e12), "1T");
        assert_eq!(fmt_params(70e6), "70M");
        assert_eq!(fmt_params(12.5e3), "12.5K");
        assert_eq!(fmt_params(999.0), "999");
        assert_eq!(fmt_params(1.6e21), "1.6e21");
        assert_eq!(fmt_params(1e15), "1e15");
    }

    #[test]
    fn percentages() {
        assert_eq!(fmt_percent(0.01024), "1.02%");
        assert_eq!(fmt_percent(0.07776), "7.78%");
        assert_eq!(fmt_percent(0.4), "40.0%");
        assert_eq!(fmt_percent(0.0), "0%");
        assert_eq!(fmt_percent(6.4e-8), "6.40e-6%");
    }
}
