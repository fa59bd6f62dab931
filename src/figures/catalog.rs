//! The numbered figures. Each reads datasets/ through the same pipeline as
//! `emerge analyze` and draws with the same chart code; every number a title or note
//! quotes is computed from the data here.

use anyhow::{bail, Context};
use plotters::style::RGBColor;

use super::{Datasets, FigureDef};
use crate::analyze::{Series, SeriesKind};
use crate::compose::OperatorKind;
use crate::render::group::{coincidence_notes, compound_lines, describe, points, shown_on, subtask_lines};
use crate::render::overview::grid_size;
use crate::render::surface::{self, Trajectory};
use crate::render::theme;
use crate::render::{Figure, Label, Line, Panel, RefLine, Scale, Shape, Strip, Stroke};
use crate::report::Report;
use crate::units::{fmt_params, fmt_percent};

pub const CATALOG: &[FigureDef] = &[
    FigureDef {
        number: 1,
        stem: "fig1_seed_example",
        title: "Five smooth subtasks, one \"emergent\" compound",
        caption: "Five independent subtasks each improve from 40% to 60% across six model sizes; the \
                  share of items with all five correct rises from 0.4^5 = 1.02% to 0.6^5 = 7.78%. On a \
                  linear axis (a) the compound lies flat and then turns up; on a log axis (b) it is a \
                  steady line. The dashed curve composes the subtasks' fitted trends.",
        sources: &["seed_example.csv"],
        build: seed_example,
    },
    FigureDef {
        number: 2,
        stem: "fig2_mirage_mechanism",
        title: "Schaeffer et al. (2023), Fig. 2: the metric makes the jump",
        caption: "A per-token probability p that improves smoothly with size (a), scored by exact match of \
                  an L-token answer, p^L (b), rises ever more abruptly as L grows; scored by expected \
                  token edit distance, L(1 − p) (c), it improves smoothly for every L. The four sizes are \
                  the GPT-3 API models.",
        sources: &["mirage_toy_model.csv"],
        build: mirage,
    },
    FigureDef {
        number: 3,
        stem: "fig3_gpt3_arithmetic",
        title: "GPT-3 arithmetic by size",
        caption: "Two-digit addition (a) and subtraction (b) for the eight GPT-3 sizes, zero-, one- and \
                  few-shot (Brown et al. 2020), and all ten arithmetic tasks at 175B (c). The sharp rise \
                  between 6.7B and 13B is the textbook example of an emergent ability.",
        sources: &["gpt3_arithmetic.csv"],
        build: gpt3_arithmetic,
    },
    FigureDef {
        number: 4,
        stem: "fig4_bbh_architectures",
        title: "BIG-Bench Hard by architecture and prompting",
        caption: "The 18 BBH subtasks of Chung et al. (2022), composed into the subtask mean, \"at least \
                  half (9 of 18) correct\" and \"all 18 correct\", for T5 and Flan-T5 (encoder–decoder) \
                  and PaLM and Flan-PaLM (causal decoder), with direct answers (a, b) and chain-of-thought \
                  prompting (c, d). Instruction-tuned models solid, base models dotted.",
        sources: &["flan_bbh_subtasks_by_size.csv"],
        build: bbh,
    },
    FigureDef {
        number: 5,
        stem: "fig5_mmlu_architectures",
        title: "MMLU across families and architectures",
        caption: "Five-shot MMLU accuracy against size for every family in the bundled tables, coloured by \
                  architecture (causal decoder, prefix decoder, encoder–decoder): published results across \
                  papers (a) and Chung et al.'s (2022) matched base and instruction-tuned pairs (b). The \
                  grey line is chance (25%).",
        sources: &["mmlu_multifamily_by_size.csv"],
        build: mmlu,
    },
    FigureDef {
        number: 6,
        stem: "fig6_emergence_surface",
        title: "The emergence surface",
        caption: "P(all k subtasks correct) = p^k for independent subtasks, over the per-subtask rate p and \
                  the number of subtasks k, with its 1%, 5% and 50% contours. The seed example's models \
                  (k = 5, p from 40% to 60%) move smoothly in p, yet cross the contours late and fast. \
                  Flan-PaLM on BBH with direct answers (k = 18, at the per-subtask rate each model's \
                  all-correct rate implies) improves too, but stays far from even the 1% contour.",
        sources: &["seed_example.csv", "flan_bbh_subtasks_by_size.csv"],
        build: emergence_surface,
    },
    FigureDef {
        number: 7,
        stem: "fig7_wei_emergence_scales",
        title: "Wei et al. (2022): reported emergence scales on the curves",
        caption: "The model sizes at which Wei et al. (2022, Table 1) report an ability emerging, drawn as \
                  vertical lines on the size curves that the bundled datasets hold for the same task and \
                  family.",
        sources: &[
            "wei2022_emergence_scales.csv",
            "mmlu_multifamily_by_size.csv",
            "wei2022_cot_arithmetic_reasoning_by_size.csv",
        ],
        build: wei_scales,
    },
    FigureDef {
        number: 8,
        stem: "fig8_pythia_mmlu",
        title: "Pythia on MMLU: 57 subjects vs at-least-K",
        caption: "The 16 Pythia final checkpoints (standard and deduplicated training data) on MMLU's 57 \
                  subjects, zero- and five-shot, read directly from the lm-evaluation-harness 0.3 output. \
                  Grey: each subject; coloured: the subject mean, and the chance of answering at least \
                  15 (or 29) of 57 questions correctly, one per subject, if subjects were independent. \
                  Near chance (25%), the strictest compound stays at 0%.",
        sources: &["pythia-lm-eval-0.3/"],
        build: pythia,
    },
    FigureDef {
        number: 9,
        stem: "fig9_emergence_scores",
        title: "Emergence scores by metric over every series in datasets/",
        caption: "The emergence score (Srivastava et al. 2022) of every series that the figures above \
                  analyse, grouped by the metric that scores it, on a symmetric log axis, coloured by \
                  dataset; the notes give each metric's median. Subtask scores fall as often as they rise \
                  at these sizes (negative scores); the extreme scores belong to strict compounds that sit \
                  near 0% and then move once.",
        sources: &[
            "seed_example.csv",
            "mirage_toy_model.csv",
            "gpt3_arithmetic.csv",
            "flan_bbh_subtasks_by_size.csv",
            "mmlu_multifamily_by_size.csv",
            "wei2022_cot_arithmetic_reasoning_by_size.csv",
            "pythia-lm-eval-0.3/",
        ],
        build: emergence_scores,
    },
];

const SEED_OPS: &[&str] = &["all", "mean"];
const MIRAGE_OPS: &[&str] = &[
    "exact:1",
    "exact:2",
    "exact:3",
    "exact:4",
    "exact:5",
    "editdist:1",
    "editdist:2",
    "editdist:3",
    "editdist:4",
    "editdist:5",
];
const BBH_OPS: &[&str] = &["mean", "atleast:9", "all"];
const PYTHIA_OPS: &[&str] = &["mean", "atleast:15", "atleast:29"];

fn footer(sources: &[&str]) -> String {
    if sources.len() > 2 {
        return format!(
            "emerge figures · data: {} files in datasets/, listed in figures/README.md (provenance: datasets/README.md)",
            sources.len()
        );
    }
    let files: Vec<String> = sources.iter().map(|s| format!("datasets/{s}")).collect();
    format!("emerge figures · data: {} (provenance: datasets/README.md)", files.join(", "))
}

fn figure(number: u8, subtitle: String, panels: Vec<Panel>, columns: usize, notes: Vec<String>) -> Figure {
    let def = &CATALOG[usize::from(number) - 1];
    Figure {
        title: format!("Figure {number}. {}", def.title),
        subtitle,
        footer: footer(def.sources),
        size: grid_size(panels.len(), columns),
        panels,
        columns,
        notes,
    }
}

/// Series of `report` in the group with this task and family (and shots, when given).
fn series_of<'a>(report: &'a Report, task: &str, family: &str, shots: Option<&str>) -> Vec<&'a Series> {
    report
        .analysis
        .series
        .iter()
        .filter(|s| {
            s.key.task == task
                && s.key.family == family
                && shots.is_none_or(|x| s.key.shots.as_deref() == Some(x))
        })
        .collect()
}

fn named<'a>(series: &[&'a Series], name: &str) -> anyhow::Result<&'a Series> {
    series.iter().copied().find(|s| s.name == name).with_context(|| format!("no series {name:?}"))
}

fn of_kind<'a>(series: &[&'a Series], kind: SeriesKind) -> Vec<&'a Series> {
    series.iter().copied().filter(|s| s.kind == kind).collect()
}

fn ends(s: &Series) -> anyhow::Result<(f64, f64)> {
    match (s.points.first(), s.points.last()) {
        (Some(a), Some(b)) => Ok((a.value, b.value)),
        _ => bail!("series {} has no points", s.name),
    }
}

fn score(s: &Series) -> String {
    s.emergence_score.map_or_else(|| "none".into(), |v| format!("{v:.1}"))
}

fn titled(mut panel: Panel, title: &str) -> Panel {
    panel.title = title.into();
    panel
}

fn chance(at: f64) -> RefLine {
    RefLine { at, label: format!("chance ({})", fmt_percent(at)), color: theme::GREY }
}

fn seed_example(d: &Datasets) -> anyhow::Result<Figure> {
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

/// Colours for L = 1..=n: viridis from dark to light (never the palest yellow).
fn sequential(i: usize, n: usize) -> RGBColor {
    theme::viridis(0.82 * i as f64 / (n.max(2) - 1) as f64)
}

fn mirage(d: &Datasets) -> anyhow::Result<Figure> {
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

/// Zero-, one- and few-shot colours and labels.
fn shot_style(shots: &str) -> (RGBColor, String, Shape) {
    match shots {
        "0" => (theme::ORANGE, "zero-shot".into(), Shape::Triangle),
        "1" => (theme::BLUISH_GREEN, "one-shot".into(), Shape::Square),
        other => (theme::BLUE, format!("few-shot ({other})"), Shape::Circle),
    }
}

fn gpt3_arithmetic(d: &Datasets) -> anyhow::Result<Figure> {
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

/// Base models dotted with triangles, instruction-tuned ones solid with circles.
fn tuned_style(family: &str) -> (Stroke, Shape) {
    if family.starts_with("Flan") {
        (Stroke::Solid, Shape::Circle)
    } else {
        (Stroke::Dotted, Shape::Triangle)
    }
}

fn compound_color(name: &str) -> RGBColor {
    match name {
        "mean" => theme::BLUE,
        "all" => theme::VERMILLION,
        _ => theme::BLUISH_GREEN,
    }
}

fn bbh(d: &Datasets) -> anyhow::Result<Figure> {
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

fn architecture_color(arch: &str) -> RGBColor {
    match arch {
        "causal-decoder" => theme::BLUE,
        "prefix-decoder" => theme::VERMILLION,
        "encoder-decoder" => theme::BLUISH_GREEN,
        _ => theme::GREY,
    }
}

/// A legend entry without anything drawn: the line has no points.
fn legend_only(label: &str, color: RGBColor, shape: Shape) -> Line {
    let mut line = Line::observed(label.into(), color, 4, Vec::new());
    line.marker = Some(shape);
    line
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

fn mmlu(d: &Datasets) -> anyhow::Result<Figure> {
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

fn emergence_surface(d: &Datasets) -> anyhow::Result<Figure> {
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

/// A reported emergence scale and the dataset curves it belongs on.
struct WeiMatch {
    wei_task: &'static str,
    wei_family: &'static str,
    title: &'static str,
    file: &'static str,
    /// (task, family, subtask: None for the task-level score, label, colour)
    curves: &'static [(&'static str, &'static str, Option<&'static str>, &'static str, RGBColor)],
}

const WEI_MATCHES: &[WeiMatch] = &[
    WeiMatch {
        wei_task: "MMLU Benchmark (57 topic avg.)",
        wei_family: "GPT-3",
        title: "(a) MMLU, GPT-3, five-shot",
        file: "mmlu_multifamily_by_size.csv",
        curves: &[("mmlu", "GPT-3", None, "GPT-3, MMLU five-shot", theme::BLUE)],
    },
    WeiMatch {
        wei_task: "Chain-of-thought: Math word problems",
        wei_family: "LaMDA",
        title: "(b) GSM8K, LaMDA",
        file: "wei2022_cot_arithmetic_reasoning_by_size.csv",
        curves: &[
            (
                "arithmetic-reasoning-cot",
                "LaMDA",
                Some("GSM8K"),
                "LaMDA, GSM8K, chain of thought",
                theme::BLUISH_GREEN,
            ),
            (
                "arithmetic-reasoning-standard",
                "LaMDA",
                Some("GSM8K"),
                "LaMDA, GSM8K, standard prompting",
                theme::ORANGE,
            ),
        ],
    },
    WeiMatch {
        wei_task: "Multilingual chain-of-thought reasoning",
        wei_family: "PaLM",
        title: "(c) MGSM, PaLM, chain of thought",
        file: "mmlu_multifamily_by_size.csv",
        curves: &[("mgsm-cot", "PaLM", None, "PaLM, MGSM, chain of thought", theme::REDDISH_PURPLE)],
    },
];

fn wei_scales(d: &Datasets) -> anyhow::Result<Figure> {
    let table = d.table("wei2022_emergence_scales.csv")?;
    let mut panels = Vec::new();
    for m in WEI_MATCHES {
        let row = table
            .iter()
            .find(|r| {
                r.get("task").map(String::as_str) == Some(m.wei_task)
                    && r.get("family").map(String::as_str) == Some(m.wei_family)
            })
            .with_context(|| {
                format!("no row {:?} / {:?} in wei2022_emergence_scales.csv", m.wei_task, m.wei_family)
            })?;
        let scale: f64 = row
            .get("emergent_scale_params_num")
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("{:?} has no numeric emergent_scale_params_num", m.wei_task))?;
        let report = d.analyze(m.file, SEED_OPS, None)?;
        let mut lines = Vec::new();
        for (task, family, subtask, label, color) in m.curves {
            let series = series_of(&report, task, family, None);
            let s = match subtask {
                Some(name) => {
                    series.iter().copied().find(|s| s.kind == SeriesKind::Subtask && s.name == *name)
                }
                None => series.iter().copied().find(|s| s.kind == SeriesKind::Task),
            }
            .with_context(|| format!("no curve {task}/{family}/{subtask:?} in {}", m.file))?;
            lines.push(Line::observed((*label).into(), *color, 4, points(s)));
        }
        let mut panel =
            titled(Panel::over_params(Scale::Percent, "accuracy / solve rate (%)".into(), lines), m.title);
        panel.vlines.push(RefLine {
            at: scale,
            label: "emergence scale reported by Wei et al. 2022".into(),
            color: theme::VERMILLION,
        });
        panel.labels.push(Label {
            x: scale * 1.15,
            y: 0.93,
            text: fmt_params(scale),
            color: theme::VERMILLION,
        });
        panels.push(panel);
    }
    let numeric = table
        .iter()
        .filter(|r| r.get("emergent_scale_params_num").is_some_and(|v| v.parse::<f64>().is_ok()))
        .count();
    Ok(figure(
        7,
        format!(
            "{} of the {} table rows with a numeric scale have a matching size curve in datasets/",
            WEI_MATCHES.len(),
            numeric
        ),
        panels,
        3,
        vec!["Dashed vertical line: the scale Wei et al. report; the curves are the published scores.".into()],
    ))
}

fn pythia(d: &Datasets) -> anyhow::Result<Figure> {
    let report = d.analyze("pythia-lm-eval-0.3", PYTHIA_OPS, Some(0.25))?;
    let mut panels = Vec::new();
    let families = ["pythia-v1.1", "pythia-v1.1-deduped"];
    let mut subjects = 0;
    for (i, (shots, family)) in
        [("0", families[0]), ("0", families[1]), ("5", families[0]), ("5", families[1])].iter().enumerate()
    {
        let series: Vec<&Series> = series_of(&report, "hendrycksTest", family, Some(shots))
            .into_iter()
            .filter(|s| s.key.metric == "acc")
            .collect();
        let subtasks = of_kind(&series, SeriesKind::Subtask);
        subjects = subtasks.len();
        let compounds = of_kind(&series, SeriesKind::Compound);
        let mut lines = subtask_lines(&subtasks, false);
        for s in &compounds {
            let mut line = Line::observed(describe(s), compound_color(&s.name), 4, points(s));
            if s.name == "atleast:29" {
                line.color = theme::REDDISH_PURPLE;
            }
            lines.push(line);
        }
        let letter = (b'a' + i as u8) as char;
        let mut panel = titled(
            Panel::over_params(Scale::Percent, "accuracy (%)".into(), lines),
            &format!("({letter}) {family}, {shots}-shot"),
        );
        panel.hlines.push(chance(0.25));
        panels.push(panel);
    }
    Ok(figure(
        8,
        format!("MMLU (hendrycksTest) accuracy, {subjects} subjects, lm-evaluation-harness 0.3"),
        panels,
        2,
        vec!["At least K of 57: the Poisson-binomial tail of the subject accuracies, as if subjects were independent.".into()],
    ))
}

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

fn emergence_scores(d: &Datasets) -> anyhow::Result<Figure> {
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
