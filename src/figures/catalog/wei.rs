//! Wei et al. (2022): the emergence scales of their Table 1 on the size curves (Figure 7).

use anyhow::Context;
use plotters::style::RGBColor;

use super::selection::series_of;
use super::styles::titled;
use super::{figure, SEED_OPS};
use crate::analyze::SeriesKind;
use crate::figures::Datasets;
use crate::render::group::points;
use crate::render::theme;
use crate::render::{Figure, Label, Line, Panel, RefLine, Scale};
use crate::units::fmt_params;

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

pub(super) fn wei_scales(d: &Datasets) -> anyhow::Result<Figure> {
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
