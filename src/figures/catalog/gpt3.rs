//! GPT-3 arithmetic (Brown et al. 2020): Figure 3.

use anyhow::Context;

use super::selection::score;
use super::styles::{shot_style, titled};
use super::{figure, SEED_OPS};
use crate::analyze::SeriesKind;
use crate::figures::Datasets;
use crate::render::group::points;
use crate::render::{Figure, Line, Panel, Scale, Strip};
use crate::units::fmt_params;

pub(super) fn gpt3_arithmetic(d: &Datasets) -> anyhow::Result<Figure> {
    let report = d.analyze("gpt3_arithmetic.csv", SEED_OPS, None)?;
    let mut shots: Vec<&str> = report.analysis.groups.iter().filter_map(|g| g.key.shots.as_deref()).collect();
    shots.sort_by_key(|s| s.parse::<u32>().unwrap_or(u32::MAX));
    let size_panel = |subtask: &str, title: &str| -> Panel {
        let lines = shots
            .iter()
            .filter_map(|&shot| {
                let s = report.analysis.series.iter().find(|s| {
                    s.kind == SeriesKind::Subtask && s.name == subtask && s.key.shots.as_deref() == Some(shot)
                })?;
                let (color, label, shape) = shot_style(shot);
                let mut line = Line::observed(label, color, 4, points(s));
                line.marker = Some(shape);
                Some(line)
            })
            .collect();
        titled(Panel::over_params(Scale::Percent, "accuracy (%)".into(), lines), title)
    };
    // All ten tasks at the largest size, in the paper's order.
    let order = ["2D+", "2D-", "3D+", "3D-", "4D+", "4D-", "5D+", "5D-", "2Dx", "1DC"];
    let largest = report.analysis.series.iter().flat_map(|s| &s.points).map(|p| p.params).fold(0.0, f64::max);
    let strips: Vec<Strip> = shots
        .iter()
        .enumerate()
        .map(|(i, &shot)| {
            let (color, label, shape) = shot_style(shot);
            let values = report
                .analysis
                .series
                .iter()
                .filter(|s| s.kind == SeriesKind::Subtask && s.key.shots.as_deref() == Some(shot))
                .filter_map(|s| {
                    let c = order.iter().position(|o| *o == s.name)?;
                    let p = s.points.iter().find(|p| p.params == largest)?;
                    Some((c, p.value))
                })
                .collect();
            Strip {
                label,
                color,
                shape,
                values,
                jitter: false,
                points: true,
                boxes: false,
                offset: (i as f64 - (shots.len() as f64 - 1.0) / 2.0) * 0.22,
            }
        })
        .collect();
    let mut tasks = Panel::over_params(Scale::Percent, "accuracy (%)".into(), Vec::new());
    tasks.title = format!("(c) all ten tasks at {}", fmt_params(largest));
    tasks.x = Scale::Categories(order.iter().map(|s| s.to_string()).collect());
    tasks.x_label = "task (D: digits; + add, − subtract, x multiply, C composite)".into();
    tasks.strips = strips;
    let few = report
        .analysis
        .series
        .iter()
        .find(|s| {
            s.kind == SeriesKind::Subtask
                && s.name == "2D+"
                && s.key.shots.as_deref() == shots.last().copied()
        })
        .context("no few-shot 2D+ series")?;
    let panels =
        vec![size_panel("2D+", "(a) 2-digit addition"), size_panel("2D-", "(b) 2-digit subtraction"), tasks];
    Ok(figure(
        3,
        format!(
            "GPT-3, {} sizes from {} to {}",
            few.points.len(),
            fmt_params(few.points.first().map_or(0.0, |p| p.params)),
            fmt_params(largest)
        ),
        panels,
        3,
        {
            let mut notes = vec![format!("Emergence score of few-shot 2D+ over size: {}.", score(few))];
            for s in
                report.analysis.series.iter().filter(|s| s.kind == SeriesKind::Subtask && s.points.len() == 1)
            {
                if let Some(p) = s.points.first().filter(|_| ["2D+", "2D-"].contains(&s.name.as_str())) {
                    let (_, label, _) = shot_style(s.key.shots.as_deref().unwrap_or(""));
                    notes.push(format!("{} {label} is published at {} only.", s.name, fmt_params(p.params)));
                }
            }
            notes
        },
    ))
}
