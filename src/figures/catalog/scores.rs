//! Srivastava et al.'s (2022) emergence score of every series the figures analyse, by
//! metric (Figure 9).

use anyhow::Context;

use super::{figure, BBH_OPS, MIRAGE_OPS, PYTHIA_OPS, SEED_OPS};
use crate::analyze::{Series, SeriesKind};
use crate::compose::OperatorKind;
use crate::figures::Datasets;
use crate::render::theme;
use crate::render::{Figure, Panel, Scale, Shape, Strip};

/// The median of sorted values.
fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
    }
}

/// Short metric names for the emergence-score strips.
fn metric_group(s: &Series) -> &'static str {
    match s.kind {
        SeriesKind::Subtask => "subtask",
        SeriesKind::Task => "task-level",
        SeriesKind::Compound => match s.name.parse::<crate::compose::Operator>().map(|o| o.kind()) {
            Ok(OperatorKind::Mean) => "mean",
            Ok(OperatorKind::AtLeast(_)) => "at least K",
            Ok(OperatorKind::All) => "all",
            Ok(OperatorKind::Exact(_)) => "exact p^L",
            Ok(OperatorKind::EditDist(_)) => "edit dist.",
            _ => "other",
        },
    }
}

pub(super) fn emergence_scores(d: &Datasets) -> anyhow::Result<Figure> {
    const ORDER: [&str; 7] =
        ["subtask", "task-level", "mean", "at least K", "all", "exact p^L", "edit dist."];
    let runs: [(&str, &str, &[&str], Option<f64>); 7] = [
        ("seed example", "seed_example.csv", SEED_OPS, None),
        ("Mirage toy model", "mirage_toy_model.csv", MIRAGE_OPS, None),
        ("GPT-3 arithmetic", "gpt3_arithmetic.csv", SEED_OPS, None),
        ("BBH (Flan)", "flan_bbh_subtasks_by_size.csv", BBH_OPS, None),
        ("MMLU and others (Flan, LLaMA)", "mmlu_multifamily_by_size.csv", SEED_OPS, None),
        ("chain of thought (Wei)", "wei2022_cot_arithmetic_reasoning_by_size.csv", SEED_OPS, None),
        ("Pythia (lm-eval)", "pythia-lm-eval-0.3", PYTHIA_OPS, Some(0.25)),
    ];
    let colors = [
        theme::BLACK,
        theme::REDDISH_PURPLE,
        theme::ORANGE,
        theme::VERMILLION,
        theme::BLUE,
        theme::BLUISH_GREEN,
        theme::SKY_BLUE,
    ];
    let shapes = [Shape::Circle, Shape::Diamond, Shape::Triangle, Shape::Square];
    let mut strips = Vec::new();
    let mut all_values = Vec::new();
    let mut unscored = 0;
    let mut total = 0;
    for (i, (label, file, ops, chance)) in runs.iter().enumerate() {
        let report = d.analyze(file, ops, *chance)?;
        let mut values = Vec::new();
        for s in &report.analysis.series {
            total += 1;
            let Some(v) = s.emergence_score else {
                unscored += 1;
                continue;
            };
            let c = ORDER
                .iter()
                .position(|m| *m == metric_group(s))
                .context("metric outside the figure's groups")?;
            values.push((c, v));
        }
        all_values.extend(values.iter().copied());
        strips.push(Strip {
            label: format!("{label} ({})", values.len()),
            color: colors[i],
            shape: shapes[i % shapes.len()],
            values,
            jitter: true,
            points: true,
            boxes: false,
            offset: 0.0,
        });
    }
    strips.insert(
        0,
        Strip {
            label: "quartiles and median".into(),
            color: theme::GREY,
            shape: Shape::Circle,
            values: all_values,
            jitter: false,
            points: false,
            boxes: true,
            offset: 0.0,
        },
    );
    let mut panel =
        Panel::over_params(Scale::SymLog, "emergence score (symmetric log scale)".into(), Vec::new());
    panel.x = Scale::Categories(ORDER.iter().map(|s| s.to_string()).collect());
    panel.x_label = "metric".into();
    panel.strips = strips;
    let mut notes = crate::render::overview::emergence_notes(unscored);
    notes.remove(1);
    let medians: Vec<String> = ORDER
        .iter()
        .enumerate()
        .filter_map(|(c, name)| {
            let mut v: Vec<f64> = panel.strips[0].values.iter().filter(|x| x.0 == c).map(|x| x.1).collect();
            v.sort_by(f64::total_cmp);
            (!v.is_empty()).then(|| format!("{name} {:.1}", median(&v)))
        })
        .collect();
    notes.push(format!("Median by metric: {}.", medians.join(", ")));
    notes.push(
        "A strict compound that stays near 0% and then moves at all has a tiny median step, hence a huge \
         score: the axis is logarithmic beyond ±1."
            .into(),
    );
    let mut figure =
        figure(9, format!("{} scored series of {total}", total - unscored), vec![panel], 1, notes);
    figure.size = (2200, 1100);
    Ok(figure)
}
