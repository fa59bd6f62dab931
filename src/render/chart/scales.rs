//! Axis mathematics: each [`Scale`]'s transform into plotting space and back, the range
//! shown for the data, tick positions and their labels, and the [`Axis`] coordinate
//! that plotters draws on.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;

use super::{Panel, Scale};
use crate::units::{fmt_params, fmt_percent};

/// A linear plotting-space axis with the tick positions chosen by a [`Scale`]; labels
/// come from the mesh's formatters.
#[derive(Debug, Clone)]
pub(super) struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    /// As plotters' `RangedCoordf64`.
    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let logic = (*v - self.lo) / (self.hi - self.lo);
        let actual = limit.1 - limit.0;
        if actual == 0 {
            return limit.1;
        }
        limit.0 + (f64::from(actual) * logic + 1e-3).floor() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Only bold grid lines: the light ones would be invisible anyway.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

const LOGIT_TICKS: [f64; 13] = [1e-4, 1e-3, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999];

impl Scale {
    /// The value in plotting space; not finite where the scale cannot show it.
    pub fn forward(&self, v: f64) -> f64 {
        match self {
            Scale::Log | Scale::LogPercent => {
                if v > 0.0 {
                    v.log10()
                } else {
                    f64::NAN
                }
            }
            Scale::Logit => {
                if v > 0.0 && v < 1.0 {
                    (v / (1.0 - v)).ln()
                } else {
                    f64::NAN
                }
            }
            Scale::SymLog => v.signum() * v.abs().ln_1p() / std::f64::consts::LN_10,
            Scale::Percent | Scale::Linear | Scale::Categories(_) => v,
        }
    }

    fn inverse(&self, t: f64) -> f64 {
        match self {
            Scale::Log | Scale::LogPercent => 10f64.powf(t),
            Scale::Logit => 1.0 / (1.0 + (-t).exp()),
            Scale::SymLog => t.signum() * (10f64.powf(t.abs()) - 1.0),
            Scale::Percent | Scale::Linear | Scale::Categories(_) => t,
        }
    }

    /// The plotting-space range shown for data spanning `lo..=hi` (untransformed).
    pub(super) fn range(&self, lo: f64, hi: f64) -> (f64, f64) {
        match self {
            Scale::Log => {
                let (lo, hi) = (lo.log10(), hi.log10());
                let pad = ((hi - lo) * 0.06).max(0.1);
                (lo - pad, hi + pad)
            }
            Scale::Percent => (0.0, 1.0),
            Scale::LogPercent => {
                let (lo, hi) = (lo / 2.0, (hi * 2.0).min(1.0));
                (lo.log10(), hi.max(lo * 10.0).log10())
            }
            Scale::Logit => {
                let (lo, hi) = (self.forward(lo) - 0.4, self.forward(hi) + 0.4);
                if hi - lo < 2.0 {
                    let mid = 0.5 * (lo + hi);
                    (mid - 1.0, mid + 1.0)
                } else {
                    (lo, hi)
                }
            }
            Scale::Linear => {
                let (lo, hi) = if lo >= 0.0 { (0.0, hi) } else { (lo, hi) };
                let span = (hi - lo).max(1e-9);
                (if lo < 0.0 { lo - 0.06 * span } else { lo }, hi + 0.08 * span)
            }
            Scale::SymLog => {
                let (lo, hi) = (self.forward(lo.min(0.0)), self.forward(hi.max(0.0)));
                let pad = 0.05 * (hi - lo).max(1.0);
                (if lo < 0.0 { lo - pad } else { lo }, hi + pad)
            }
            Scale::Categories(names) => (-0.6, names.len().max(1) as f64 - 0.4),
        }
    }

    /// Tick positions (plotting space) within `lo..hi` (plotting space).
    pub(super) fn ticks(&self, lo: f64, hi: f64) -> Vec<f64> {
        let within = |t: &f64| *t >= lo - 1e-9 && *t <= hi + 1e-9;
        match self {
            Scale::Log => {
                let decades: Vec<f64> =
                    (lo.floor() as i32..=hi.ceil() as i32).map(f64::from).filter(within).collect();
                if decades.len() >= 2 {
                    return decades;
                }
                (lo.floor() as i32..=hi.ceil() as i32)
                    .flat_map(|e| [1.0f64, 2.0, 5.0].map(|m| m.log10() + f64::from(e)))
                    .filter(within)
                    .collect()
            }
            Scale::LogPercent => {
                let decades: Vec<f64> =
                    (lo.floor() as i32..=hi.ceil() as i32).map(f64::from).filter(within).collect();
                // Few decades: 1-2-5 steps between them; many: every other one, keeping 100%.
                if decades.len() <= 3 {
                    return (lo.floor() as i32..=hi.ceil() as i32)
                        .flat_map(|e| [1.0f64, 2.0, 5.0].map(|m| m.log10() + f64::from(e)))
                        .filter(within)
                        .collect();
                }
                if decades.len() > 9 {
                    let last = *decades.last().expect("more than nine");
                    return decades.into_iter().filter(|d| ((last - d) as i64) % 2 == 0).collect();
                }
                decades
            }
            Scale::Logit => LOGIT_TICKS.iter().map(|&p| self.forward(p)).filter(within).collect(),
            Scale::Percent => {
                let step = if hi - lo > 0.5 { 0.1 } else { nice_step((hi - lo) / 6.0) };
                steps(lo, hi, step)
            }
            Scale::Linear => steps(lo, hi, nice_step((hi - lo) / 6.0)),
            // ±1, ±10, ±100, ...; 0 only where no negative tick sits close under 1.
            Scale::SymLog => {
                let ticks: Vec<f64> = (-(lo.abs().ceil() as i32)..=hi.ceil() as i32)
                    .map(|e| match e.cmp(&0) {
                        std::cmp::Ordering::Equal => 0.0,
                        std::cmp::Ordering::Greater => self.forward(10f64.powi(e - 1)),
                        std::cmp::Ordering::Less => -self.forward(10f64.powi(-e - 1)),
                    })
                    .filter(within)
                    .collect();
                let negative = ticks.iter().any(|&t| t < 0.0);
                ticks.into_iter().filter(|&t| t != 0.0 || !negative).collect()
            }
            Scale::Categories(names) => (0..names.len()).map(|i| i as f64).collect(),
        }
    }

    pub(super) fn label(&self, t: f64) -> String {
        match self {
            Scale::Log => fmt_params(self.inverse(t)),
            Scale::Percent => percent_label(t),
            Scale::LogPercent => {
                let v = self.inverse(t);
                let decade = 10f64.powf(t.round());
                if (v / decade - 1.0).abs() < 1e-9 {
                    decade_percent_label(decade)
                } else {
                    // A 1-2-5 step: the decade's label with its leading digit replaced.
                    let m = (v / 10f64.powf(t.floor())).round();
                    decade_percent_label(10f64.powf(t.floor())).replacen('1', &format!("{m}"), 1)
                }
            }
            Scale::Logit => percent_label(self.inverse(t)),
            Scale::Linear => trim_decimal(t),
            Scale::SymLog => {
                let v = self.inverse(t).round();
                if v.abs() >= 1e5 {
                    format!("{v:.0e}")
                } else {
                    format!("{v:.0}")
                }
            }
            Scale::Categories(names) => {
                let i = t.round();
                if (t - i).abs() < 1e-6 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            }
        }
    }
}

/// A round step near `raw`: 1, 2, 2.5 or 5 times a power of ten.
fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let m = raw / magnitude;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 2.5 {
        2.5
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// Multiples of `step` within `lo..=hi`, computed from integers so that they print
/// without rounding noise.
fn steps(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// `2.50` → `2.5`, `4.00` → `4`.
fn trim_decimal(y: f64) -> String {
    let s = format!("{y:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Decade ticks on a log rate axis: `100%`, `1%`, `0.1%`, `0.001%`, `1e-6%`.
pub(super) fn decade_percent_label(y: f64) -> String {
    let pct = y * 100.0;
    if pct >= 1.0 {
        return format!("{pct:.0}%");
    }
    let digits = (-pct.log10()).round() as usize;
    if digits <= 4 {
        format!("{pct:.digits$}%")
    } else {
        format!("{pct:.0e}%")
    }
}

fn percent_label(y: f64) -> String {
    if y >= 0.01 || y <= 0.0 {
        let pct = y * 100.0;
        if (pct - pct.round()).abs() < 1e-9 {
            format!("{:.0}%", pct.round())
        } else {
            format!("{pct:.1}%")
        }
    } else if y >= 1e-4 && ((y * 1e4).round() - y * 1e4).abs() < 1e-6 {
        format!("{}%", trim_decimal(y * 100.0))
    } else {
        fmt_percent(y)
    }
}

/// The untransformed data extent of a panel along x and y, over everything drawn.
pub(super) fn extent(panel: &Panel) -> ((f64, f64), (f64, f64)) {
    let xs = &panel.x;
    let ys = &panel.y;
    let shown = |s: &Scale, v: f64| s.forward(v).is_finite();
    let mut x: Vec<f64> = Vec::new();
    let mut y: Vec<f64> = Vec::new();
    for l in &panel.lines {
        x.extend(l.points.iter().map(|p| p.0));
        y.extend(l.points.iter().map(|p| p.1));
        // Interval bars widen the axis; bands follow the data.
        y.extend(l.errors.iter().flat_map(|e| [e.1, e.2]));
    }
    x.extend(panel.vlines.iter().map(|v| v.at));
    y.extend(panel.hlines.iter().map(|h| h.at));
    y.extend(panel.strips.iter().flat_map(|s| s.values.iter().map(|v| v.1)));
    if let Some(h) = &panel.heatmap {
        x.extend(h.cells.iter().flat_map(|c| [c.0, c.1]));
        y.extend(h.cells.iter().flat_map(|c| [c.2, c.3]));
    }
    let fold = |v: Vec<f64>, s: &Scale, default: (f64, f64)| {
        let (lo, hi) = v
            .into_iter()
            .filter(|&v| shown(s, v))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if lo.is_finite() {
            (lo, hi)
        } else {
            default
        }
    };
    let x_default = if matches!(xs, Scale::Log) { (1e8, 1e10) } else { (0.0, 1.0) };
    let y_default = match ys {
        Scale::LogPercent => (1e-3, 1.0),
        Scale::Logit => (0.01, 0.99),
        _ => (0.0, 1.0),
    };
    (fold(x, xs, x_default), fold(y, ys, y_default))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(scale: &Scale, lo: f64, hi: f64) -> Vec<String> {
        let (a, b) = (scale.forward(lo), scale.forward(hi));
        scale.ticks(a, b).into_iter().map(|t| scale.label(t)).collect()
    }

    #[test]
    fn decade_ticks_and_fallback() {
        assert_eq!(labels(&Scale::Log, 5e6, 2e12), ["10M", "100M", "1B", "10B", "100B", "1T"]);
        assert_eq!(labels(&Scale::Log, 1.5e9, 9e9), ["2B", "5B"]);
    }

    #[test]
    fn decade_labels() {
        let labels: Vec<String> =
            [1.0, 0.1, 0.01, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8].map(decade_percent_label).to_vec();
        assert_eq!(labels, ["100%", "10%", "1%", "0.1%", "0.01%", "0.001%", "0.0001%", "1e-6%"]);
    }

    #[test]
    fn logit_ticks_are_symmetric_percentages() {
        assert_eq!(
            labels(&Scale::Logit, 0.004, 0.996),
            ["1%", "5%", "10%", "25%", "50%", "75%", "90%", "95%", "99%"]
        );
        let s = Scale::Logit;
        assert!((s.inverse(s.forward(0.3)) - 0.3).abs() < 1e-15);
        assert!(s.forward(0.0).is_nan() && s.forward(1.0).is_nan());
    }

    #[test]
    fn linear_ticks_are_round() {
        assert_eq!(labels(&Scale::Linear, 0.0, 4.3), ["0", "1", "2", "3", "4"]);
        assert_eq!(labels(&Scale::Linear, 0.0, 2.2), ["0", "0.5", "1", "1.5", "2"]);
        assert_eq!(labels(&Scale::Linear, -2.0, 10.0), ["-2", "0", "2", "4", "6", "8", "10"]);
        assert_eq!(labels(&Scale::Percent, 0.0, 1.0).len(), 11);
    }

    #[test]
    fn symlog_ticks_are_powers_of_ten_both_ways() {
        assert_eq!(
            labels(&Scale::SymLog, -30.0, 5e5),
            ["-10", "-1", "1", "10", "100", "1000", "10000", "1e5"]
        );
        let s = Scale::SymLog;
        for v in [-123.0, -1.0, 0.0, 0.5, 9.0, 1e6] {
            assert!((s.inverse(s.forward(v)) - v).abs() < 1e-9 * v.abs().max(1.0));
        }
    }

    #[test]
    fn categories_label_integers_only() {
        let s = Scale::Categories(vec!["a".into(), "b".into()]);
        assert_eq!(s.label(1.0), "b");
        assert_eq!(s.label(0.5), "");
    }
}
