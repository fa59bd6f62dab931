//! `backtest_errors`: the back-test's absolute errors by method, one panel per horizon
//! (one size out, two sizes out, and under `--x flops` beyond the FLOPs cutoff), each
//! method's errors as jittered points over a box of their quartiles.

use std::path::{Path, PathBuf};

use super::{theme, write_charts, Figure, ImageFormat, Panel, RenderError, Scale, Shape, Strip};
use crate::analyze::forecast::backtest::{Backtest, Method, CUTOFF};

/// Panels of the size horizons; the image widens by 600 px for a third.
const HORIZON_PANELS: usize = 2;

/// Draws the chart in every format into `dir`; nothing when no series was back-tested.
pub fn draw(b: &Backtest, dir: &Path, formats: &[ImageFormat]) -> Result<Vec<PathBuf>, RenderError> {
    match figure(b) {
        Some(f) => write_charts(&[("backtest_errors".to_string(), f)], dir, formats),
        None => Ok(Vec::new()),
    }
}

/// The chart, or None without predictions.
pub fn figure(b: &Backtest) -> Option<Figure> {
    let methods: Vec<String> = Method::ALL.iter().map(|m| m.name().to_string()).collect();
    let mut panels = Vec::new();
    let mut notes = Vec::new();
    let mut drew_cutoff = false;
    for h in b.horizons() {
        let mut strips = Vec::new();
        for (i, &method) in Method::ALL.iter().enumerate() {
            let values: Vec<(usize, f64)> = b
                .outcome
                .rows
                .iter()
                .filter(|r| r.horizon == h && r.method == method)
                .filter_map(|r| r.error().map(|e| (i, 100.0 * e.abs())))
                .collect();
            if values.is_empty() {
                continue;
            }
            strips.push(Strip {
                label: method.name().to_string(),
                color: theme::SERIES[i % theme::SERIES.len()],
                shape: Shape::Circle,
                values,
                jitter: true,
                points: true,
                boxes: true,
                offset: 0.0,
            });
        }
        if strips.is_empty() {
            continue;
        }
        let maes: Vec<String> = b
            .summaries
            .iter()
            .filter(|s| s.horizon == h)
            .filter_map(|s| {
                // A method that could not predict everywhere (the logistic, when its fit fails)
                // is scored on fewer predictions: say on how many.
                let of = if s.failed > 0 {
                    format!(" ({} of {})", s.predicted, s.predicted + s.failed)
                } else {
                    String::new()
                };
                Some(format!("{} {:.2}{of}", s.method.name(), s.mae?))
            })
            .collect();
        let predictions = strips.first().map_or(0, |s| s.values.len());
        let series: std::collections::BTreeSet<usize> =
            b.outcome.rows.iter().filter(|r| r.horizon == h).map(|r| r.series).collect();
        if h == CUTOFF {
            notes.push(format!(
                "MAE, {} ({predictions} models of {} series): {}.",
                b.label(h),
                series.len(),
                maes.join(", ")
            ));
        } else {
            notes.push(format!("MAE, {}: {}.", b.label(h), maes.join(", ")));
        }
        let mut panel = Panel::new(
            Scale::Categories(methods.clone()),
            "method".into(),
            Scale::Linear,
            "absolute error (points)".into(),
        );
        panel.title = if h == CUTOFF {
            let above = b.cutoff.as_ref().map_or(0.0, |c| c.flops);
            format!("above {above:e} FLOPs ({predictions} models)")
        } else {
            format!("{} ({predictions} series)", b.label(h))
        };
        panel.strips = strips;
        panels.push(panel);
        drew_cutoff |= h == CUTOFF;
    }
    if panels.is_empty() {
        return None;
    }
    notes.push("Boxes: quartiles and median of each method's absolute errors.".into());
    let columns = panels.len();
    let (title, subtitle) = match &b.cutoff {
        Some(c) if drew_cutoff => (
            "Back-test: errors predicting held-out models".to_string(),
            format!(
                "each series' largest model predicted from its smaller ones; right: every model above {:e} FLOPs \
                 predicted from the series' models at or below it",
                c.flops
            ),
        ),
        _ => (
            "Back-test: errors predicting the largest model".to_string(),
            "each series' largest model predicted from its smaller ones".to_string(),
        ),
    };
    Some(Figure {
        title,
        subtitle,
        footer: format!("emerge {} backtest", env!("CARGO_PKG_VERSION")),
        panels,
        columns,
        notes,
        size: (theme::SIZE.0 + 400 + 600 * columns.saturating_sub(HORIZON_PANELS) as u32, theme::SIZE.1),
    })
}
