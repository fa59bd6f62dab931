//! Pythia (Biderman et al. 2023) on MMLU from lm-evaluation-harness output (Figure 8).

use super::selection::{of_kind, series_of};
use super::styles::{chance, compound_color, titled};
use super::{figure, PYTHIA_OPS};
use crate::analyze::{Series, SeriesKind};
use crate::figures::Datasets;
use crate::render::group::{describe, points, subtask_lines};
use crate::render::theme;
use crate::render::{Figure, Line, Panel, Scale};

pub(super) fn pythia(d: &Datasets) -> anyhow::Result<Figure> {
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
