//! The charts of one group (task × family × metric × shots) of an analysis.

use plotters::style::RGBColor;

use super::chart::{Figure, Line, Panel, RefLine, Scale, Stroke};
use super::{surface, theme};
use crate::analyze::breaks::BreakKind;
use crate::analyze::composition::CompositionOutcome;
use crate::analyze::independence::IndependenceCheck;
use crate::analyze::jumps::JumpOutcome;
use crate::analyze::{AnalyzeOptions, Outcome, Series, SeriesKind, Verdict, XAxis};
use crate::compose::{Group, GroupKey, OperatorKind};
use crate::report::Report;

pub fn points(s: &Series) -> Vec<(f64, f64)> {
    s.points.iter().map(|p| (p.params, p.value)).collect()
}

/// Interval bars of the points that have intervals.
fn errors(s: &Series) -> Vec<(f64, f64, f64)> {
    s.points.iter().filter_map(|p| p.ci.map(|(lo, hi)| (p.params, lo, hi))).collect()
}

/// Points on the composed-model curve: 80 steps across the observed sizes.
const CURVE_STEPS: usize = 80;

/// The composed model of a compound as a dashed curve with its interval band.
/// Drawn only on the params axis: fits against FLOPs have no place on it.
fn composed_line(s: &Series, color: RGBColor, options: &AnalyzeOptions) -> Option<Line> {
    let c = s.composed.as_ref()?;
    if options.x_axis != XAxis::Params {
        return None;
    }
    let (lo, hi) = (c.x.iter().copied().reduce(f64::min)?, c.x.iter().copied().reduce(f64::max)?);
    let grid: Vec<f64> = (0..=CURVE_STEPS).map(|i| lo + (hi - lo) * i as f64 / CURVE_STEPS as f64).collect();
    let points = grid.iter().map(|&x| (10f64.powf(x), c.model.predict(x))).collect();
    let band: Vec<(f64, f64, f64)> = grid
        .iter()
        .filter_map(|&x| c.model.band(x, options.confidence).map(|(a, b)| (10f64.powf(x), a, b)))
        .collect();
    // Dark over the compound's own colour: the curve usually runs through the points.
    let label = if band.is_empty() {
        format!("composed subtask trends ({})", s.name)
    } else {
        format!("composed subtask trends ({}), {:.0}% band", s.name, options.confidence * 100.0)
    };
    Some(Line { band_color: Some(color), band, ..Line::curve(label, theme::BLACK, 2, points) })
}

/// Subtask lines: coloured and listed when few, grey and summarised when many.
pub fn subtask_lines(subtasks: &[&Series], emphasised: bool) -> Vec<Line> {
    let many = subtasks.len() > theme::SERIES.len();
    subtasks
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (color, label, in_legend) = if many || !emphasised {
                let label = match subtasks {
                    [only] => format!("subtask: {}", only.name),
                    _ => format!("subtasks ({})", subtasks.len()),
                };
                (theme::LIGHT_GREY, label, i == 0)
            } else {
                (theme::SERIES[i % theme::SERIES.len()], s.name.clone(), true)
            };
            let mut line = Line::observed(label, color, if emphasised && !many { 3 } else { 2 }, points(s));
            line.in_legend = in_legend;
            if emphasised && !many {
                line.errors = errors(s);
            }
            line
        })
        .collect()
}

/// The colour a compound is drawn in: blue for the smooth mean, vermillion for the
/// strict all-correct, the rest of the palette for the others in turn.
/// Two or more compounds of one parametrised kind (`exact:1` … `exact:5`) are shaded
/// along viridis instead, in order of their parameter, so that none share a colour.
pub fn compound_colors(compounds: &[&Series]) -> Vec<RGBColor> {
    use crate::compose::Operator;
    let family = |s: &Series| -> Option<(u8, f64)> {
        match s.name.parse::<Operator>().ok()?.kind() {
            OperatorKind::Exact(l) => Some((0, f64::from(l))),
            OperatorKind::EditDist(l) => Some((1, f64::from(l))),
            OperatorKind::AtLeast(k) => Some((2, k as f64)),
            OperatorKind::AllRho(r) => Some((3, r)),
            _ => None,
        }
    };
    let mut palette =
        [theme::BLUISH_GREEN, theme::ORANGE, theme::REDDISH_PURPLE, theme::SKY_BLUE].iter().cycle();
    compounds
        .iter()
        .map(|s| match s.name.as_str() {
            "mean" => theme::BLUE,
            "all" => theme::VERMILLION,
            _ => {
                let sequence = family(s).map(|(kind, param)| {
                    let mut params: Vec<f64> = compounds
                        .iter()
                        .filter_map(|o| family(o))
                        .filter(|o| o.0 == kind)
                        .map(|o| o.1)
                        .collect();
                    params.sort_by(f64::total_cmp);
                    params.dedup();
                    let rank = params.iter().position(|&p| p == param).unwrap_or(0);
                    (rank, params.len())
                });
                match sequence {
                    Some((rank, n)) if n >= 2 => theme::viridis(0.82 * rank as f64 / (n - 1) as f64),
                    _ => *palette.next().expect("cycle never ends"),
                }
            }
        })
        .collect()
}

/// Composed-model bands drawn on one chart at most; beyond this they hide each other
/// and the data, and only the curves are drawn (the bands stay in summary.json).
const MAX_BANDS: usize = 2;

/// Compound lines, the strict ones drawn boldest and last, each followed by its
/// composed-model curve when it has one.
pub fn compound_lines(compounds: &[&Series], options: &AnalyzeOptions) -> Vec<Line> {
    let banded = compounds.iter().filter(|s| s.composed.is_some()).count() <= MAX_BANDS;
    let mut lines: Vec<(u8, Vec<Line>)> = compounds
        .iter()
        .zip(compound_colors(compounds))
        .map(|(s, color)| {
            let (rank, width) = match s.name.as_str() {
                "mean" => (1, 5),
                "all" => (2, 5),
                _ => (0, 4),
            };
            let label = format!("{} ({})", describe(s), s.name);
            let mut line = Line::observed(label, color, width, points(s));
            line.errors = errors(s);
            let mut lines = vec![line];
            lines.extend(composed_line(s, color, options).map(|mut c| {
                if !banded {
                    c.band.clear();
                    // One legend entry for all of them: the curves are alike, black and dashed.
                    c.label = "composed subtask trends (one per compound)".into();
                }
                c
            }));
            (rank, lines)
        })
        .collect();
    lines.sort_by_key(|(rank, _)| *rank);
    lines.into_iter().flat_map(|(_, l)| l).collect()
}

pub fn describe(s: &Series) -> String {
    match s.name.parse::<crate::compose::Operator>() {
        Ok(op) if op.kind() == OperatorKind::Mean => "subtask mean".into(),
        Ok(op) => op.describe(),
        Err(_) => s.name.clone(),
    }
}

/// Says which legend entries are hidden under another line with identical points.
pub fn coincidence_notes(lines: &[Line]) -> Vec<String> {
    let mut notes = Vec::new();
    let mut done = vec![false; lines.len()];
    for i in 0..lines.len() {
        if done[i] || !lines[i].in_legend {
            continue;
        }
        let same: Vec<usize> = (i..lines.len())
            .filter(|&j| {
                lines[j].in_legend && lines[j].points == lines[i].points && lines[j].label != lines[i].label
            })
            .collect();
        if !same.is_empty() {
            let mut names = vec![lines[i].label.clone()];
            for j in same {
                done[j] = true;
                names.push(lines[j].label.clone());
            }
            notes.push(format!("Identical values, lines coincide: {}.", names.join(", ")));
        }
    }
    notes
}

/// The compounds' detection floor as a reference line: the highest floor among
/// their points (the smallest evaluation), where any point has one.
pub fn detection_floor(compounds: &[&Series]) -> Option<RefLine> {
    let (floor, n) = compounds
        .iter()
        .flat_map(|s| &s.points)
        .filter_map(|p| Some((p.detection_floor?, p.n?)))
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(RefLine {
        at: floor,
        label: format!("detection floor, {n} items ({})", crate::units::fmt_percent(floor)),
        color: theme::GREY,
    })
}

/// A vertical line where the verdict found a break: a subtask's (question 1) or the task's
/// beyond its composed subtasks (question 2), at the break's τ.
fn break_lines(v: &Verdict) -> Vec<RefLine> {
    let mut out = Vec::new();
    if let Some(q) =
        v.jumps.as_ref().filter(|q| matches!(q.outcome, JumpOutcome::Emergent | JumpOutcome::NotSmooth))
    {
        if let Some(Ok(t)) = q.strongest.map(|i| &q.series[i].test) {
            let who =
                q.strongest.and_then(|i| q.series[i].subtask.clone()).unwrap_or_else(|| "task-level".into());
            out.push(RefLine {
                at: 10f64.powf(t.strongest.tau),
                label: format!("break in {who} ({})", kind_name(t.strongest.kind)),
                color: theme::GREY,
            });
        }
    }
    if let Some(q) = v.composition.as_ref().filter(|q| {
        matches!(
            q.outcome,
            CompositionOutcome::Emergent | CompositionOutcome::Departs | CompositionOutcome::FallsShort
        )
    }) {
        if let Some(t) = &q.test {
            out.push(RefLine {
                at: 10f64.powf(t.strongest.tau),
                label: format!("task-level vs composed subtasks ({})", kind_name(t.strongest.kind)),
                color: theme::GREY,
            });
        }
    }
    out
}

fn kind_name(kind: BreakKind) -> &'static str {
    match kind {
        BreakKind::Jump => "jump",
        BreakKind::Hinge => "hinge",
    }
}

/// The group's chance level (the input's `chance`, else `--chance`), as a reference line.
pub fn chance_line(g: &Group, options: &AnalyzeOptions) -> Option<RefLine> {
    g.chance(options.chance).map(|c| RefLine {
        at: c,
        label: format!("chance ({})", crate::units::fmt_percent(c)),
        color: theme::GREY,
    })
}

/// "family F · metric M · S-shot · N models".
pub fn subtitle(key: &GroupKey, models: usize) -> String {
    let shots = key.shots.as_deref().map(|s| format!(" · {s}-shot")).unwrap_or_default();
    format!("family {} · metric {}{shots} · {models} models", key.family, key.metric)
}

pub fn footer(report: &Report) -> String {
    format!("emerge {} · data: {}", env!("CARGO_PKG_VERSION"), report.input.path)
}

/// Copies of `lines` with the points (and band and interval ends) that `scale` cannot
/// show left out, and a note saying how many points that was.
pub fn shown_on(scale: &Scale, lines: &[Line], what: &str) -> (Vec<Line>, Option<String>) {
    let ok = |y: f64| scale.forward(y).is_finite();
    let hidden = lines.iter().flat_map(|l| &l.points).filter(|(_, y)| !ok(*y)).count();
    let lines = lines
        .iter()
        .cloned()
        .map(|mut l| {
            l.points.retain(|(_, y)| ok(*y));
            l.band.retain(|(_, lo, hi)| ok(*lo) && ok(*hi));
            l
        })
        .collect();
    let note = (hidden > 0)
        .then(|| format!("{hidden} values of {what} cannot be shown on this axis and are left out."));
    (lines, note)
}

pub fn charts_for(report: &Report, g: &Group, series: &[&Series]) -> Vec<(&'static str, Figure)> {
    let options = &report.analysis.options;
    let key = &g.key;
    let subtitle = subtitle(key, g.models.len());
    let footer = footer(report);
    let of_kind =
        |kind: SeriesKind| -> Vec<&Series> { series.iter().copied().filter(|s| s.kind == kind).collect() };
    let subtasks = of_kind(SeriesKind::Subtask);
    let task_level = of_kind(SeriesKind::Task);
    let compounds = of_kind(SeriesKind::Compound);
    let rate_compounds: Vec<&Series> = compounds.iter().copied().filter(|s| s.is_rate).collect();
    let other_compounds: Vec<&Series> = compounds.iter().copied().filter(|s| !s.is_rate).collect();
    let task_lines = || {
        task_level.iter().map(|s| {
            let mut line = Line::observed("task-level score".into(), theme::BLACK, 4, points(s));
            line.stroke = Stroke::Dashed;
            line.errors = errors(s);
            line
        })
    };
    let y_label = format!("{} (%)", key.metric);
    let single = |title: String, panel: Panel, notes: Vec<String>| {
        Figure::single(title, subtitle.clone(), footer.clone(), panel, notes)
    };
    let mut charts = Vec::new();
    if !subtasks.is_empty() || !task_level.is_empty() {
        let mut lines = subtask_lines(&subtasks, true);
        lines.extend(task_lines());
        let notes = coincidence_notes(&lines);
        let mut panel = Panel::over_params(Scale::Percent, y_label.clone(), lines);
        panel.hlines.extend(chance_line(g, options));
        let verdict = report.analysis.verdicts.iter().find(|v| v.key == g.key);
        panel.vlines.extend(verdict.map(break_lines).unwrap_or_default());
        charts.push(("subtasks", single(format!("{}: subtask scores", key.task), panel, notes)));
    }
    if !rate_compounds.is_empty() {
        let mut lines = subtask_lines(&subtasks, false);
        lines.extend(task_lines());
        lines.extend(compound_lines(&rate_compounds, options));
        let mut notes = coincidence_notes(&lines);
        // Charts state findings; why a verdict could not be reached is in the summary.
        let verdict = report.analysis.verdicts.iter().find(|v| v.key == g.key);
        if let Some(v) = verdict.filter(|v| v.outcome != Outcome::Insufficient) {
            notes.push(format!("Verdict, {} of smooth subtask trends: {}.", v.operator, v.text));
        }
        let incomplete = rate_compounds.iter().map(|s| g.models.len() - s.points.len()).max().unwrap_or(0);
        if incomplete > 0 {
            notes.push(format!("{incomplete} models lack a subtask score and have no compound value."));
        }
        charts.push((
            "compound",
            single(
                format!("{}: strict vs smooth compound", key.task),
                Panel::over_params(Scale::Percent, y_label.clone(), lines.clone()),
                notes.clone(),
            ),
        ));
        let (log_lines, hidden) = shown_on(&Scale::LogPercent, &lines, "zero");
        let mut panel =
            Panel::over_params(Scale::LogPercent, format!("{} (%, log scale)", key.metric), log_lines);
        panel.hlines.extend(detection_floor(&rate_compounds));
        charts.push((
            "compound_log",
            single(
                format!("{}: compound on a log scale", key.task),
                panel,
                notes.iter().cloned().chain(hidden).collect(),
            ),
        ));
        let (logit_lines, hidden) = shown_on(&Scale::Logit, &lines, "exactly 0% or 100%");
        let mut logit_notes = notes;
        logit_notes.push(
            "A logit axis stretches both ends: a logistic trend is a straight line, and a rate near 0% \
             or near 100% keeps its detail."
                .into(),
        );
        charts.push((
            "compound_logit",
            single(
                format!("{}: compound on a logit scale", key.task),
                Panel::over_params(Scale::Logit, format!("{} (%, logit scale)", key.metric), logit_lines),
                logit_notes.into_iter().chain(hidden).collect(),
            ),
        ));
        if let Some(figure) = surface_chart(key, &rate_compounds, subtitle.clone(), footer.clone()) {
            charts.push(("surface", figure));
        }
        if let Some(figure) = resolution_chart(key, &rate_compounds, subtitle.clone(), footer.clone()) {
            charts.push(("resolution", figure));
        }
    }
    if let Some(spec) = independence_chart(report, g, &subtitle, &footer) {
        charts.push(("independence", spec));
    }
    if !other_compounds.is_empty() {
        charts.push((
            "editdist",
            single(
                format!("{}: expected edit distance", key.task),
                Panel::over_params(
                    Scale::Linear,
                    "tokens wrong (lower is better)".into(),
                    compound_lines(&other_compounds, options),
                ),
                Vec::new(),
            ),
        ));
    }
    charts
}

/// The `all` compound's models placed on the emergence surface: the per-subtask rate
/// each implies, P^(1/k), at k subtasks.
fn surface_chart(key: &GroupKey, compounds: &[&Series], subtitle: String, footer: String) -> Option<Figure> {
    let all = compounds.iter().find(|s| s.name == "all")?;
    // One subtask is no compound: the surface has nothing to show.
    let k = all.subtasks_composed.filter(|&k| k >= 2)?;
    let path: Vec<f64> = all.points.iter().filter_map(|p| p.implied_subtask_rate).collect();
    if path.is_empty() {
        return None;
    }
    let (first, last) = (path[0], path[path.len() - 1]);
    let label = format!(
        "{}: k = {k}, implied per-subtask rate {} → {}",
        key.task,
        crate::units::fmt_percent(first),
        crate::units::fmt_percent(last)
    );
    let panel = surface::panel((2 * k).max(10), &[surface::Trajectory { label, k, rates: path }]);
    Some(Figure::single(
        format!("{}: where the models sit on the emergence surface", key.task),
        subtitle,
        footer,
        panel,
        surface::notes(k),
    ))
}

/// Item counts on the x axis of the resolution chart: 10 to 10 million.
const RESOLUTION_ITEMS: (f64, f64) = (10.0, 1e7);

/// Where the compounds' values sit against the resolution floor of an evaluation:
/// the rate 1 − 2^(−1/n) under which n items most likely show no success at all,
/// over n, with each value at its own item count and a marker at the count its
/// smallest value needs. Drawn when the compounds have item counts.
fn resolution_chart(
    key: &GroupKey,
    compounds: &[&Series],
    subtitle: String,
    footer: String,
) -> Option<Figure> {
    use crate::analyze::resolution::detection_floor;
    let with_n: Vec<(&Series, Vec<(f64, f64)>)> = compounds
        .iter()
        .map(|s| {
            (*s, s.points.iter().filter_map(|p| Some((p.n? as f64, p.value))).filter(|p| p.1 > 0.0).collect())
        })
        .filter(|(_, pts): &(&Series, Vec<(f64, f64)>)| !pts.is_empty())
        .collect();
    if with_n.is_empty() {
        return None;
    }
    // From 10 items to ten times the largest count in play (the data's, or the count
    // the smallest value needs), at most 10 million.
    let needs = |v: f64| std::f64::consts::LN_2 / -(-v).ln_1p();
    let largest =
        with_n.iter().flat_map(|(_, pts)| pts.iter().map(|&(n, v)| n.max(needs(v)))).fold(0.0f64, f64::max);
    let lo = RESOLUTION_ITEMS.0;
    let hi = (10.0 * largest).clamp(1e3, RESOLUTION_ITEMS.1);
    let steps = 120;
    let floor: Vec<(f64, f64)> = (0..=steps)
        .map(|i| lo * (hi / lo).powf(i as f64 / steps as f64))
        .filter_map(|n| detection_floor(n).map(|f| (n, f)))
        .collect();
    let mut floor_line = Line::curve("detection floor, 1 − 2^(−1/n)".into(), theme::BLACK, 3, floor);
    floor_line.stroke = Stroke::Solid;
    let mut lines = vec![floor_line];
    let mut vlines = Vec::new();
    let mut notes =
        vec!["Under the detection floor, an evaluation of n items most likely shows no success at all."
            .to_string()];
    let all: Vec<&Series> = with_n.iter().map(|(s, _)| *s).collect();
    for ((s, pts), color) in with_n.iter().zip(compound_colors(&all)) {
        let mut line =
            Line::observed(format!("{} ({}), at its item count", describe(s), s.name), color, 3, pts.clone());
        line.stroke = Stroke::Dotted;
        lines.push(line);
        let smallest = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        // floor(n) = v  ⇔  n = ln 2 / −ln(1 − v).
        let needed = needs(smallest);
        if needed.is_finite() && needed >= lo && needed <= hi {
            vlines.push(RefLine {
                at: needed,
                label: format!(
                    "items for {} ({}) to show at all",
                    s.name,
                    crate::units::fmt_percent(smallest)
                ),
                color,
            });
        }
        notes.push(format!(
            "{}: its smallest value, {}, needs about {} items before one success is more likely than none.",
            s.name,
            crate::units::fmt_percent(smallest),
            crate::units::fmt_params(needed.ceil())
        ));
    }
    let mut panel = Panel::over_params(Scale::LogPercent, format!("{} (%, log scale)", key.metric), lines);
    panel.x_label = "items in the evaluation, n (log scale)".into();
    panel.x_range = Some((lo, hi));
    panel.vlines = vlines;
    Some(Figure::single(
        format!("{}: can the evaluation resolve the compound?", key.task),
        subtitle,
        footer,
        panel,
        notes,
    ))
}

/// Item-level inputs: the items' observed all-correct rate, with its exact intervals,
/// against the product of the subtask rates that independence predicts.
fn independence_chart(report: &Report, g: &Group, subtitle: &str, footer: &str) -> Option<Figure> {
    let key = &g.key;
    let checks: Vec<&IndependenceCheck> = report
        .analysis
        .independence
        .iter()
        .filter(|c| {
            c.task == key.task && c.family == key.family && c.metric == key.metric && c.shots == key.shots
        })
        .collect();
    if checks.is_empty() {
        return None;
    }
    let mut observed = Line::observed(
        "all subtasks correct on the same item (observed)".into(),
        theme::VERMILLION,
        4,
        checks.iter().map(|c| (c.params, c.joint_rate)).collect(),
    );
    observed.errors = checks.iter().filter_map(|c| c.joint_ci.map(|(lo, hi)| (c.params, lo, hi))).collect();
    let mut product = Line::observed(
        "product of subtask rates (independence)".into(),
        theme::BLACK,
        3,
        checks.iter().map(|c| (c.params, c.independence_prediction)).collect(),
    );
    product.stroke = Stroke::Dashed;
    let iccs: Vec<f64> = checks.iter().filter_map(|c| c.icc).collect();
    let mut notes = Vec::new();
    if let (Some(lo), Some(hi)) =
        (iccs.iter().copied().reduce(f64::min), iccs.iter().copied().reduce(f64::max))
    {
        notes.push(format!(
            "Intra-class correlation ICC(3,1) of the items' outcomes across subtasks: {lo:.2} to {hi:.2} \
             over sizes (0: independent subtasks)."
        ));
    }
    let outside = checks.iter().filter(|c| c.prediction_in_ci == Some(false)).count();
    notes.push(format!(
        "The product lies outside the observed rate's {:.0}% exact interval at {outside} of {} sizes.",
        report.analysis.options.confidence * 100.0,
        checks.len()
    ));
    Some(Figure::single(
        format!("{}: do subtasks fail independently?", key.task),
        subtitle.to_string(),
        footer.to_string(),
        Panel::over_params(Scale::Percent, format!("{} (%)", key.metric), vec![product, observed]),
        notes,
    ))
}
