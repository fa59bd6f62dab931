//! The mirage: the seed example (Figure 1), Schaeffer et al.'s (2023) Fig. 2 (Figure 2)
//! and the emergence surface p^k (Figure 6).

use anyhow::Context;

use super::selection::{ends, named, of_kind, score, series_of};
use super::styles::{sequential, titled};
use super::{figure, MIRAGE_OPS, SEED_OPS};
use crate::analyze::{Series, SeriesKind};
use crate::compose::OperatorKind;
use crate::figures::Datasets;
use crate::render::group::{coincidence_notes, compound_lines, points, shown_on, subtask_lines};
use crate::render::surface::{self, Trajectory};
use crate::render::theme;
use crate::render::{Figure, Line, Panel, Scale};
use crate::report::Report;
use crate::units::fmt_percent;

pub(super) fn seed_example(d: &Datasets) -> anyhow::Result<Figure> {
    let report = d.analyze("seed_example.csv", SEED_OPS, None)?;
    let series: Vec<&Series> = report.analysis.series.iter().collect();
    let subtasks = of_kind(&series, SeriesKind::Subtask);
    let compounds = of_kind(&series, SeriesKind::Compound);
    let mut lines = subtask_lines(&subtasks, false);
    lines.extend(compound_lines(&compounds, &report.analysis.options));
    let (all, mean) = (named(&series, "all")?, named(&series, "mean")?);
    let (a0, a1) = ends(all)?;
    let (m0, m1) = ends(mean)?;
    let (log_lines, _) = shown_on(&Scale::LogPercent, &lines, "zero");
    let mut notes = coincidence_notes(&lines);
    let under_mean = subtasks.iter().all(|s| {
        s.points.len() == mean.points.len()
            && s.points.iter().zip(&mean.points).all(|(a, b)| (a.value - b.value).abs() < 1e-12)
    });
    if under_mean {
        notes.push(format!(
            "The {} subtasks have identical scores: their grey lines lie under the mean.",
            subtasks.len()
        ));
    }
    let panels = vec![
        titled(Panel::over_params(Scale::Percent, "accuracy (%)".into(), lines), "(a) linear y"),
        titled(
            Panel::over_params(Scale::LogPercent, "accuracy (%, log scale)".into(), log_lines),
            "(b) log y",
        ),
    ];
    let k = all.subtasks_composed.unwrap_or(subtasks.len());
    Ok(figure(
        1,
        format!(
            "{k} subtasks, each {} → {}; all {k} correct: {} → {}",
            fmt_percent(m0),
            fmt_percent(m1),
            fmt_percent(a0),
            fmt_percent(a1)
        ),
        panels,
        2,
        {
            notes.push(format!(
                "Emergence score: subtask mean {}, all {k} correct {}, from the same smooth subtasks.",
                score(mean),
                score(all)
            ));
            notes
        },
    ))
}

pub(super) fn mirage(d: &Datasets) -> anyhow::Result<Figure> {
    let report = d.analyze("mirage_toy_model.csv", MIRAGE_OPS, None)?;
    let series: Vec<&Series> = report.analysis.series.iter().collect();
    let token = of_kind(&series, SeriesKind::Subtask);
    let p_lines: Vec<Line> = token
        .iter()
        .map(|s| Line::observed("per-token probability p".into(), theme::BLACK, 4, points(s)))
        .collect();
    let by_l = |kind: fn(OperatorKind) -> Option<u32>| -> Vec<Line> {
        let matching: Vec<(u32, &Series)> = series
            .iter()
            .filter_map(|s| {
                let op: crate::compose::Operator = s.name.parse().ok()?;
                Some((kind(op.kind())?, *s))
            })
            .collect();
        matching
            .iter()
            .enumerate()
            .map(|(i, (l, s))| {
                let label = format!("L = {l} token{}", if *l == 1 { "" } else { "s" });
                Line::observed(label, sequential(i, matching.len()), 4, points(s))
            })
            .collect()
    };
    let exact = by_l(|k| if let OperatorKind::Exact(l) = k { Some(l) } else { None });
    let edit = by_l(|k| if let OperatorKind::EditDist(l) = k { Some(l) } else { None });
    let (e5, d5) = (named(&series, "exact:5")?, named(&series, "editdist:5")?);
    let panels = vec![
        titled(
            Panel::over_params(Scale::Percent, "per-token probability p (%)".into(), p_lines),
            "(a) per-token p",
        ),
        titled(Panel::over_params(Scale::Percent, "exact match (%)".into(), exact), "(b) exact match, p^L"),
        titled(
            Panel::over_params(Scale::Linear, "expected tokens wrong".into(), edit),
            "(c) edit distance, L(1 − p)",
        ),
    ];
    Ok(figure(
        2,
        "p = exp(−(N/c)^α) with α = −0.5, c = 2e9, at 350M, 1.3B, 6.7B and 175B parameters".into(),
        panels,
        3,
        vec![format!(
            "Emergence score at L = 5: exact match {}, edit distance {} (lower is better, so its fall scores \
             positive).",
            score(e5),
            score(d5)
        )],
    ))
}

pub(super) fn emergence_surface(d: &Datasets) -> anyhow::Result<Figure> {
    let seed = d.analyze("seed_example.csv", SEED_OPS, None)?;
    let bbh = d.analyze("flan_bbh_subtasks_by_size.csv", &["all"], None)?;
    let path = |report: &Report, task: &str, family: &str, label: &str| -> anyhow::Result<Trajectory> {
        let all = named(&series_of(report, task, family, None), "all")?;
        let rates: Vec<f64> = all.points.iter().filter_map(|p| p.implied_subtask_rate).collect();
        let k = all.subtasks_composed.context("`all` has k")?;
        let (first, last) = (rates.first().context("no points")?, rates.last().context("no points")?);
        Ok(Trajectory {
            label: format!("{label}: k = {k}, p {} → {}", fmt_percent(*first), fmt_percent(*last)),
            k,
            rates,
        })
    };
    let seed_path = path(&seed, "seed_example", "all", "seed example")?;
    let bbh_path = path(&bbh, "bbh-direct", "Flan-PaLM", "Flan-PaLM, BBH direct")?;
    let panel = surface::panel(20, &[seed_path, bbh_path]);
    let mut notes = surface::notes(5);
    notes.truncate(1);
    notes.push(format!(
        "p^k reaches 1% at p = {} for k = 5 and {} for k = 18.",
        fmt_percent(0.01f64.powf(1.0 / 5.0)),
        fmt_percent(0.01f64.powf(1.0 / 18.0))
    ));
    let mut figure = figure(
        6,
        "P(all k correct) = p^k for k independent subtasks of success rate p".into(),
        vec![panel],
        1,
        notes,
    );
    figure.size = theme::SIZE;
    figure.size.1 = 1100;
    Ok(figure)
}
