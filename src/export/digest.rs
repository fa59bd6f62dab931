//! The digest of a run: what the terminal prints by default and what `report.html`
//! opens with. One computation for both, so that they always agree: counts of groups by
//! verdict outcome, the most abrupt series by normalised emergence score (Srivastava et
//! al. 2022's breakthroughness per step, 1 = steady change), forecasts that cross a
//! threshold within one decade beyond the largest model, and warnings folded by code.

use crate::analyze::{Crossing, Forecast, Outcome, Series, Verdict};
use crate::report::Report;

/// How many series the digest lists as the most abrupt.
pub const TOP_SERIES: usize = 10;
/// A forecast is "near" when it crosses at most this many decades beyond the largest model.
pub const NEAR_DECADES: f64 = 1.0;

/// Every verdict outcome in the order the digest lists them, with its summary.json name.
pub const OUTCOMES: [(Outcome, &str); 6] = [
    (Outcome::Emergent, "emergent"),
    (Outcome::NotSmooth, "not-smooth"),
    (Outcome::Departs, "departs"),
    (Outcome::MetricArtefact, "metric-artefact"),
    (Outcome::NoEvidence, "no-evidence"),
    (Outcome::Insufficient, "insufficient"),
];

/// The name summary.json gives an outcome.
pub fn outcome_name(outcome: Outcome) -> &'static str {
    OUTCOMES.iter().find(|(o, _)| *o == outcome).map_or("insufficient", |(_, n)| n)
}

/// A forecast crossing within [`NEAR_DECADES`] beyond the largest model.
pub struct Near<'a> {
    pub series: &'a Series,
    pub forecast: &'a Forecast,
    /// Where it crosses, log10 of the scale.
    pub x: f64,
    pub decades: f64,
}

/// A warning code with how often it was raised and its first message.
pub struct Folded<'a> {
    pub code: &'static str,
    pub count: usize,
    pub first: &'a str,
}

pub struct Digest<'a> {
    pub groups: usize,
    pub series: usize,
    /// Groups per outcome, in [`OUTCOMES`] order, only outcomes that occur.
    pub outcomes: Vec<(&'static str, usize)>,
    /// Groups without a verdict (neither subtasks nor a task-level row).
    pub without_verdict: usize,
    /// The [`TOP_SERIES`] series with the highest normalised emergence score.
    pub top: Vec<&'a Series>,
    /// Near crossings, earliest first.
    pub near: Vec<Near<'a>>,
    /// Warnings by code, in order of first appearance.
    pub warnings: Vec<Folded<'a>>,
}

impl<'a> Digest<'a> {
    pub fn of(report: &'a Report) -> Self {
        let a = &report.analysis;
        let outcomes = OUTCOMES
            .iter()
            .map(|&(o, name)| (name, a.verdicts.iter().filter(|v| v.outcome == o).count()))
            .filter(|&(_, n)| n > 0)
            .collect();
        let mut top: Vec<&Series> =
            a.series.iter().filter(|s| s.emergence_score_normalized.is_some_and(f64::is_finite)).collect();
        // Stable: ties keep the input order.
        top.sort_by(|x, y| {
            y.emergence_score_normalized.unwrap().total_cmp(&x.emergence_score_normalized.unwrap())
        });
        top.truncate(TOP_SERIES);
        let mut near: Vec<Near> = a
            .series
            .iter()
            .flat_map(|s| s.forecasts.iter().map(move |f| (s, f)))
            .filter_map(|(series, forecast)| match (forecast.crossing, forecast.extrapolation_decades) {
                (Crossing::At(x), Some(d)) if d <= NEAR_DECADES => {
                    Some(Near { series, forecast, x, decades: d })
                }
                _ => None,
            })
            .collect();
        near.sort_by(|p, q| p.decades.total_cmp(&q.decades));
        let mut warnings: Vec<Folded> = Vec::new();
        for w in &report.warnings {
            match warnings.iter_mut().find(|f| f.code == w.code) {
                Some(f) => f.count += 1,
                None => warnings.push(Folded { code: w.code, count: 1, first: &w.message }),
            }
        }
        Digest {
            groups: a.groups.len(),
            series: a.series.len(),
            outcomes,
            without_verdict: a.groups.len().saturating_sub(a.verdicts.len()),
            top,
            near,
            warnings,
        }
    }
}

/// A group's verdict, if it has one.
pub fn verdict_of<'a>(report: &'a Report, key: &crate::compose::GroupKey) -> Option<&'a Verdict> {
    report.analysis.verdicts.iter().find(|v| &v.key == key)
}
