//! The emergence surface: P(all k subtasks correct) = p^k for independent subtasks of
//! per-subtask success rate p, as a heatmap over p (x) and k (y), with the contours
//! where it crosses 1%, 5% and 50%. A smooth path in p at fixed k crosses the
//! contours late and fast: the compound looks flat, then "emerges".

use super::chart::{Heatmap, Label, Line, Panel, Scale, Shape, Stroke};
use super::theme;

/// The levels the contours mark.
pub const CONTOURS: [f64; 3] = [0.01, 0.05, 0.5];

/// Cells across p: one per percentage point.
const P_STEPS: usize = 100;

/// The lowest rate the colour scale tells apart; below it, everything is the darkest colour.
const FLOOR: f64 = 1e-4;

/// A path of models across the surface: per-subtask rates at k subtasks.
#[derive(Debug, Clone)]
pub struct Trajectory {
    pub label: String,
    pub k: usize,
    /// Per-subtask rates in model-size order.
    pub rates: Vec<f64>,
}

/// The surface for k = 1..=k_max with `paths` drawn on it.
pub fn panel(k_max: usize, paths: &[Trajectory]) -> Panel {
    let mut cells = Vec::with_capacity(P_STEPS * k_max);
    for k in 1..=k_max {
        for i in 0..P_STEPS {
            let (p0, p1) = (i as f64 / P_STEPS as f64, (i + 1) as f64 / P_STEPS as f64);
            let mid = 0.5 * (p0 + p1);
            cells.push((p0, p1, k as f64 - 0.5, k as f64 + 0.5, mid.powi(k as i32)));
        }
    }
    let mut lines = Vec::new();
    let mut labels = Vec::new();
    let k_top = k_max as f64 + 0.5;
    for (c, level) in CONTOURS.iter().enumerate() {
        // p^k = level ⇔ p = level^(1/k), over continuous k.
        let steps = 200;
        let points: Vec<(f64, f64)> = (0..=steps)
            .map(|i| 0.5 + (k_top - 0.5) * i as f64 / steps as f64)
            .map(|k| (level.powf(1.0 / k), k))
            .collect();
        let mut line = Line::curve("contours of P(all k correct)".into(), theme::BLACK, 3, points);
        line.in_legend = c == 0;
        line.stroke = Stroke::Dashed;
        lines.push(line);
        // Low enough that the contours have spread apart, between two rows of cells.
        let k_label = (0.6 * k_max as f64).round() + 0.5;
        labels.push(Label {
            x: level.powf(1.0 / k_label),
            y: k_label,
            text: crate::units::fmt_percent(*level).replace(".0%", "%").replace(".00%", "%"),
            color: theme::BLACK,
        });
    }
    let colors = [theme::VERMILLION, theme::SKY_BLUE, theme::ORANGE, theme::REDDISH_PURPLE];
    for (path, color) in paths.iter().zip(colors.iter().cycle()) {
        let points = path.rates.iter().map(|&p| (p, path.k as f64)).collect();
        let mut line = Line::observed(path.label.clone(), *color, 4, points);
        line.marker = Some(Shape::Diamond);
        lines.push(line);
    }
    Panel {
        x_range: Some((0.0, 1.0)),
        y_range: Some((0.5, k_top)),
        lines,
        heatmap: Some(Heatmap { cells, lo: FLOOR, hi: 1.0, bar_label: "P(all k correct) = p^k".into() }),
        labels,
        ..Panel::new(
            Scale::Percent,
            "per-subtask success rate p".into(),
            Scale::Linear,
            "subtasks that must all be correct (k)".into(),
        )
    }
}

/// What the surface shows, for the notes under its legend, for a path at `k` subtasks.
pub fn notes(k: usize) -> Vec<String> {
    let one_percent = 0.01f64.powf(1.0 / k as f64);
    vec![
        "Colour: p^k, the chance that all k independent subtasks are correct (log scale).".into(),
        format!(
            "At k = {k}, p^k stays under 1% until p passes {}, however smoothly p improves.",
            crate::units::fmt_percent(one_percent)
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_hold_p_to_the_k() {
        let panel = panel(5, &[]);
        let heat = panel.heatmap.expect("surface has a heatmap");
        assert_eq!(heat.cells.len(), 500);
        // Row k = 5, cell 50..51%: 0.505^5.
        let cell = heat.cells[4 * 100 + 50];
        assert_eq!((cell.2, cell.3), (4.5, 5.5));
        assert!((cell.4 - 0.505f64.powi(5)).abs() < 1e-15);
    }

    #[test]
    fn contours_sit_where_p_to_the_k_equals_the_level() {
        let panel = panel(5, &[]);
        for (line, level) in panel.lines.iter().zip(CONTOURS) {
            for &(p, k) in &line.points {
                assert!((p.powf(k) - level).abs() < 1e-12);
            }
        }
    }
}
