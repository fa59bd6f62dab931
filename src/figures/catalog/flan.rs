//! Chung et al. (2022), Flan: BIG-Bench Hard by architecture and prompting (Figure 4)
//! and MMLU across families and architectures (Figure 5).

use anyhow::Context;

use super::selection::{named, of_kind, series_of};
use super::styles::{architecture_color, chance, compound_color, legend_only, titled, tuned_style};
use super::{figure, BBH_OPS, SEED_OPS};
use crate::analyze::SeriesKind;
use crate::figures::Datasets;
use crate::render::group::points;
use crate::render::{Figure, Label, Line, Panel, Scale, Shape};
use crate::report::Report;
use crate::units::fmt_percent;

pub(super) fn bbh(d: &Datasets) -> anyhow::Result<Figure> {
    let report = d.analyze("flan_bbh_subtasks_by_size.csv", BBH_OPS, None)?;
    let mut best_all: Option<(f64, String)> = None;
    let mut panels = Vec::new();
    let layout = [
        ("bbh-direct", ["T5", "Flan-T5"], "(a) encoder–decoder, direct"),
        ("bbh-direct", ["PaLM", "Flan-PaLM"], "(b) causal decoder, direct"),
        ("bbh-cot", ["T5", "Flan-T5"], "(c) encoder–decoder, chain of thought"),
        ("bbh-cot", ["PaLM", "Flan-PaLM"], "(d) causal decoder, chain of thought"),
    ];
    let mut k = 0;
    for (task, families, title) in layout {
        let mut lines = Vec::new();
        for family in families {
            let series = series_of(&report, task, family, None);
            k = of_kind(&series, SeriesKind::Subtask).len();
            let (stroke, shape) = tuned_style(family);
            for name in BBH_OPS {
                let s = named(&series, name)?;
                let what = match *name {
                    "mean" => "subtask mean".to_string(),
                    "all" => format!("all {k} correct"),
                    other => format!("at least {} of {k} correct", other.trim_start_matches("atleast:")),
                };
                let mut line =
                    Line::observed(format!("{family}: {what}"), compound_color(name), 4, points(s));
                line.stroke = stroke;
                line.marker = Some(shape);
                lines.push(line);
                if *name == "all" {
                    for p in &s.points {
                        if best_all.as_ref().is_none_or(|(v, _)| p.value > *v) {
                            best_all = Some((
                                p.value,
                                format!(
                                    "{}, {}",
                                    p.model,
                                    if task == "bbh-cot" { "chain of thought" } else { "direct" }
                                ),
                            ));
                        }
                    }
                }
            }
        }
        let mut panel = titled(Panel::over_params(Scale::Percent, "accuracy (%)".into(), lines), title);
        // One size axis for all four panels, so that the architectures' sizes compare.
        panel.x_range = Some((5e7, 1e12));
        panels.push(panel);
    }
    let (v, model) = best_all.context("no `all` values")?;
    Ok(figure(
        4,
        format!("{k} subtasks, three-shot; compounds assume independent subtasks"),
        panels,
        2,
        vec![format!("The highest all-{k}-correct rate of any model is {} ({model}).", fmt_percent(v))],
    ))
}

/// Task-level series of `task` at `shots`, a line (or a lone point) per family,
/// coloured by architecture and labelled at its largest model.
fn family_lines(
    report: &Report,
    arch: &std::collections::BTreeMap<String, String>,
    task: &str,
    shots: &str,
) -> (Vec<Line>, Vec<Label>) {
    let shapes = [Shape::Circle, Shape::Square, Shape::Triangle, Shape::Diamond];
    let mut lines = Vec::new();
    let mut labels = Vec::new();
    let mut per_arch: std::collections::BTreeMap<&str, usize> = Default::default();
    for s in
        report.analysis.series.iter().filter(|s| {
            s.key.task == task && s.key.shots.as_deref() == Some(shots) && s.kind == SeriesKind::Task
        })
    {
        let a = arch.get(&s.key.family).map_or("unknown", String::as_str);
        let n = per_arch.entry(a).or_default();
        let color = architecture_color(a);
        let mut line = Line::observed(s.key.family.clone(), color, 3, points(s));
        line.marker = Some(shapes[*n % shapes.len()]);
        line.in_legend = false;
        if s.key.family.starts_with("Flan") {
            line.width = 4;
        }
        *n += 1;
        if let Some(last) = s.points.last() {
            labels.push(Label { x: last.params, y: last.value, text: s.key.family.clone(), color });
        }
        lines.push(line);
    }
    (lines, labels)
}

pub(super) fn mmlu(d: &Datasets) -> anyhow::Result<Figure> {
    const FILE: &str = "mmlu_multifamily_by_size.csv";
    let report = d.analyze(FILE, SEED_OPS, None)?;
    let arch: std::collections::BTreeMap<String, String> = d
        .table(FILE)?
        .into_iter()
        .filter_map(|r| Some((r.get("family")?.clone(), r.get("architecture")?.clone())))
        .collect();
    let legend: Vec<Line> = [
        ("causal decoder", "causal-decoder"),
        ("prefix decoder", "prefix-decoder"),
        ("encoder–decoder", "encoder-decoder"),
    ]
    .iter()
    .map(|(label, a)| legend_only(label, architecture_color(a), Shape::Circle))
    .collect();
    let mut panels = Vec::new();
    for (task, title) in
        [("mmlu", "(a) published five-shot results"), ("mmlu-direct", "(b) Chung et al. 2022, direct")]
    {
        let (mut lines, labels) = family_lines(&report, &arch, task, "5");
        lines.splice(0..0, legend.iter().cloned());
        let mut panel = titled(Panel::over_params(Scale::Percent, "MMLU accuracy (%)".into(), lines), title);
        panel.labels = labels;
        panel.hlines.push(chance(0.25));
        panel.x_range = Some((5e7, 2e12));
        panels.push(panel);
    }
    let left_out = report
        .analysis
        .series
        .iter()
        .filter(|s| s.key.task == "mmlu" && s.kind == SeriesKind::Task && s.key.shots.as_deref() != Some("5"))
        .map(|s| format!("{} ({})", s.key.family, s.key.shots.as_deref().unwrap_or("?")))
        .collect::<Vec<_>>();
    let mut figure = figure(
        5,
        "five-shot MMLU accuracy; each family labelled at its largest model".into(),
        panels,
        2,
        vec![format!("Not five-shot, left out of (a): {}.", left_out.join(", "))],
    );
    // Tall panels give the labels of the many 60–70% models room.
    figure.size.1 = 1300;
    Ok(figure)
}
