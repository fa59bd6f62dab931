//! Question 3 of the verdict: is the jump an artefact of the metric? (Schaeffer, Miranda
//! & Koyejo 2023, "Are Emergent Abilities of Large Language Models a Mirage?", NeurIPS.)
//!
//! `--pair STRICT=CONTINUOUS` names the same outputs scored two ways: two metrics of one
//! task in the input (`exact_match=edit_distance`, `accuracy=tc_brier`), or two `--compose`
//! operators of one group (`all=mean`). Each side is one series over model size: the
//! task-level row when both metrics have one, else the subtasks both share pooled (items
//! added up), or the compound itself. Three tests, each at the series' own sizes:
//!
//! - the break test of question 1 ([`super::breaks`]) on STRICT: does it jump?
//! - the same test on CONTINUOUS: does the jump show there too? A continuous score has no
//!   binomial counts, so it is tested on pseudo-counts round(score·n) of n items, as is a
//!   compound. For a mean of [0, 1]-valued item scores, Var ≤ μ(1 − μ)/n (Bhatia & Davis
//!   2000, "A better bound on the variance", Amer. Math. Monthly 107(4)), the binomial
//!   variance; for ∏ of k equal rates the delta-method variance is at most the binomial's
//!   at the smallest n. Data less variable than the bootstrap's binomial make the test
//!   conservative: it calls a jump only where one is plain.
//! - D = S(STRICT) − S(CONTINUOUS), S the normalised emergence score (Srivastava et al.
//!   2022; B/(n − 1), 1 = steady change, each side in its preferred direction), with a
//!   percentile interval and a one-sided bootstrap p for "STRICT is more abrupt",
//!   p = (1 + #{D* ≤ 0})/(R + 1) over R replicates. Draws: a compound pair is paired by
//!   construction (the same subtask draws, items whole with item-level input, composed two
//!   ways). Two input metrics are not: the input does not link their items, so each side is
//!   drawn on its own, real counts from their Jeffreys posterior, scores without counts
//!   from N(μ, μ̃(1 − μ̃)/n), μ̃ = (nμ + ½)/(n + 1) (the Bhatia–Davis bound). Both are
//!   scores of the same outputs, positively correlated, so independent draws overstate
//!   Var(D): conservative again.
//!
//! Outcomes, in this order: CONTINUOUS breaks upward → "persists under CONTINUOUS" (the
//! ability itself jumps). Else D > 0 → "metric artefact: abrupt under STRICT, smooth under
//! CONTINUOUS". Else STRICT breaks upward → "no evidence either way". Else "no jump under
//! STRICT to explain" (with the break test's power). Abruptness is judged by D, not by
//! STRICT's break test alone: p^L of a logistic p is concave on the logit scale, so exact
//! match rarely shows as an upward break there. A non-rejection is never a finding; each
//! outcome needs every test it names to reject (an intersection–union test, Berger 1982,
//! Technometrics 24(4)); the three p-values of every pair in a family (`--fdr-family`)
//! are adjusted together by Benjamini–Hochberg.

use std::collections::HashMap;

use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use super::bootstrap::{cell_n, replicate_rng, CellPosterior, RowDraws, ITEM_BAYESIAN_BOOTSTRAP, NO_COUNTS};
use super::breaks::{break_test, BreakData, BreakOptions, BreakTest};
use super::emergence::score_series;
use super::interval::percentile_interval;
use super::jumps::series_seed;
use super::multitest::benjamini_hochberg;
use super::options::FdrFamily;
use super::verdict::{Outcome, Verdict};
use super::AnalyzeOptions;
use crate::compose::{Cell, Group, GroupKey};
use crate::ingest::items::JointCounts;

/// Fewest bootstrap replicates behind D's p-value, whatever `--bootstrap` says.
const MIN_REPLICATES: usize = 200;

/// `--pair STRICT=CONTINUOUS`: two metrics of one task, or two compose operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricPair {
    pub strict: String,
    pub continuous: String,
}

impl std::str::FromStr for MetricPair {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, b) = s.split_once('=').ok_or_else(|| {
            format!("`{s}`: write STRICT=CONTINUOUS, e.g. exact_match=edit_distance or all=mean")
        })?;
        let (a, b) = (a.trim(), b.trim());
        if a.is_empty() || b.is_empty() || a == b {
            return Err(format!("`{s}`: name two different metrics, STRICT=CONTINUOUS"));
        }
        Ok(MetricPair { strict: a.to_string(), continuous: b.to_string() })
    }
}

/// Whether a metric's larger values are better, from its name: Brier scores, distances,
/// losses, perplexities and error rates are lower-is-better; everything else higher.
pub fn metric_higher_is_better(metric: &str) -> bool {
    const LOWER: [&str; 13] = [
        "brier",
        "distance",
        "edit",
        "loss",
        "perplexity",
        "ppl",
        "error",
        "nll",
        "bpb",
        "wer",
        "cer",
        "ter",
        "bits",
    ];
    let lower = metric.to_ascii_lowercase();
    !lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| LOWER.contains(&w))
}

/// One model's value of one side.
#[derive(Debug, Clone, PartialEq)]
pub struct SidePoint {
    pub model: String,
    pub params: f64,
    /// log10 of params (or FLOPs): the break test's axis.
    pub x: f64,
    /// In [0, 1].
    pub value: f64,
    /// Items behind the value.
    pub n: u64,
    /// Items correct, when the value is a binomial rate; None for a continuous score or a
    /// compound (tested on pseudo-counts).
    pub correct: Option<u64>,
}

/// One side of a pair: a series over model size.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    pub name: String,
    pub higher_is_better: bool,
    pub points: Vec<SidePoint>,
}

impl Side {
    fn counts(&self) -> (Vec<u64>, Vec<u64>) {
        let k = self.points.iter().map(|p| {
            p.correct.unwrap_or_else(|| {
                let good = if self.higher_is_better { p.value } else { 1.0 - p.value };
                (good * p.n as f64).round() as u64
            })
        });
        (self.points.iter().map(|p| p.n).collect(), k.collect())
    }

    fn score(&self, values: &[f64]) -> Option<f64> {
        let params: Vec<f64> = self.points.iter().map(|p| p.params).collect();
        score_series(&params, values, self.higher_is_better).normalized
    }

    fn draw(&self, rng: &mut ChaCha8Rng) -> Vec<f64> {
        self.points
            .iter()
            .map(|p| match p.correct {
                Some(k) => CellPosterior::new(p.n, k as f64).draw(rng),
                None => {
                    let z: f64 = StandardNormal.sample(rng);
                    (p.value + z * bhatia_davis_sd(p.value, p.n)).clamp(0.0, 1.0)
                }
            })
            .collect()
    }
}

/// The largest standard deviation a mean of n scores in [0, 1] with mean `value` can have
/// (Bhatia–Davis), the mean shrunk to (n·value + ½)/(n + 1) so that 0 and 1 keep some.
fn bhatia_davis_sd(value: f64, n: u64) -> f64 {
    let m = (value * n as f64 + 0.5) / (n as f64 + 1.0);
    (m * (1.0 - m) / n as f64).sqrt()
}

/// Draws of both sides: replicate b → (STRICT values, CONTINUOUS values), point-aligned.
pub type PairedDraws<'a> = &'a (dyn Fn(usize) -> (Vec<f64>, Vec<f64>) + Sync);

/// What the question concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArtefactOutcome {
    /// STRICT jumps; CONTINUOUS does not, and is significantly less abrupt.
    MetricArtefact,
    /// STRICT jumps, and CONTINUOUS jumps too.
    Persists,
    /// STRICT jumps; CONTINUOUS neither jumps nor is significantly less abrupt.
    NoEvidence,
    /// No upward break under STRICT.
    NoStrictJump,
    Insufficient,
}

/// One side's break test and score.
#[derive(Debug, Clone, PartialEq)]
pub struct SideReport {
    pub name: String,
    pub higher_is_better: bool,
    /// `binomial` (counts in the input) or `pseudo-binomial`.
    pub counts: &'static str,
    pub score_normalized: Option<f64>,
    /// Why there is no score, or which sizes were merged.
    pub note: Option<String>,
    pub test: Result<BreakTest, String>,
    pub p_adjusted: Option<f64>,
    /// Models on either side of the strongest break.
    pub between: Option<(String, String)>,
}

impl SideReport {
    /// Whether the side breaks upward at the adjusted level.
    fn jumps(&self, alpha: f64) -> bool {
        matches!((&self.test, self.p_adjusted), (Ok(t), Some(q)) if q < alpha && t.strongest.delta > 0.0)
    }

    fn p_phrase(&self) -> String {
        match (&self.test, self.p_adjusted) {
            (Ok(t), Some(q)) => format!("{}, adjusted {}", p_eq(t.p_value), p_text(q)),
            (Ok(t), None) => p_eq(t.p_value),
            (Err(e), _) => format!("not tested: {e}"),
        }
    }

    fn where_phrase(&self) -> String {
        self.between.as_ref().map(|(a, b)| format!(" between {a} and {b}")).unwrap_or_default()
    }
}

/// The answer for one pair.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtefactQuestion {
    pub strict: SideReport,
    pub continuous: SideReport,
    /// Which series were compared: `task-level`, `subtasks pooled: a, b`, `compound`.
    pub series: String,
    /// How the bootstrap draws the two sides.
    pub draws: &'static str,
    pub outcome: ArtefactOutcome,
    pub text: String,
    /// D = S(STRICT) − S(CONTINUOUS), normalised emergence scores.
    pub difference: Option<f64>,
    pub difference_ci: Option<(f64, f64)>,
    pub p_value: Option<f64>,
    pub p_adjusted: Option<f64>,
    /// Replicates with both scores defined.
    pub replicates: usize,
    /// STRICT's power to see a +10-point jump at the two largest sizes (no-jump outcomes).
    pub power: Option<f64>,
}

/// What [`judge_pair`] needs besides the data.
#[derive(Debug, Clone, PartialEq)]
pub struct PairOptions {
    pub alpha: f64,
    /// Confidence level of D's interval.
    pub level: f64,
    /// STRICT's chance floor (CONTINUOUS has none).
    pub chance: f64,
    pub replicates: usize,
    /// Compute STRICT's power when it shows no jump.
    pub power: bool,
}

pub const PAIRED_DRAWS: &str =
    "paired: the same subtask draws (Jeffreys posterior per cell) composed both ways";
pub const PAIRED_ITEM_DRAWS: &str =
    "paired: the same items drawn whole (Bayesian bootstrap) composed both ways";
pub const INDEPENDENT_DRAWS: &str =
    "independent: counts from their Jeffreys posterior, scores without counts \
     normal with the Bhatia-Davis variance bound (conservative)";

/// The tests before any adjustment.
struct Tested {
    q: ArtefactQuestion,
    seeds: (u64, u64),
}

fn break_options(p: &PairOptions, chance: f64, power: bool) -> BreakOptions {
    BreakOptions { chance, alpha: p.alpha, power, ..BreakOptions::default() }
}

fn test_side(side: &Side, chance: f64, o: &PairOptions, seed: u64, power: bool) -> SideReport {
    let (n, k) = side.counts();
    let x: Vec<f64> = side.points.iter().map(|p| p.x).collect();
    let test = BreakData::new(&x, &n, &k)
        .and_then(|d| break_test(&d, &break_options(o, chance, power), seed).map(|t| (d, t)))
        .map_err(|e| e.to_string());
    let between = test.as_ref().ok().map(|(d, t)| {
        let name = |i: usize| {
            let xi = d.log10_sizes()[i];
            let names: Vec<&str> =
                side.points.iter().filter(|p| p.x == xi).map(|p| p.model.as_str()).collect();
            names.join("/")
        };
        (name(t.strongest.between.0), name(t.strongest.between.1))
    });
    let values: Vec<f64> = side.points.iter().map(|p| p.value).collect();
    let params: Vec<f64> = side.points.iter().map(|p| p.params).collect();
    let scores = score_series(&params, &values, side.higher_is_better);
    SideReport {
        name: side.name.clone(),
        higher_is_better: side.higher_is_better,
        counts: if side.points.iter().all(|p| p.correct.is_some()) { "binomial" } else { "pseudo-binomial" },
        score_normalized: scores.normalized,
        note: scores.note,
        test: test.map(|(_, t)| t),
        p_adjusted: None,
        between,
    }
}

fn test_pair(
    strict: &Side,
    cont: &Side,
    draws: Option<PairedDraws>,
    o: &PairOptions,
    seeds: (u64, u64, u64),
) -> Tested {
    let s = test_side(strict, o.chance, o, seeds.0, false);
    let c = test_side(cont, 0.0, o, seeds.1, false);
    let independent = |b: usize| {
        let mut rng = replicate_rng(seeds.2, 0, b);
        (strict.draw(&mut rng), cont.draw(&mut rng))
    };
    let draw: PairedDraws = draws.unwrap_or(&independent);
    let d: Vec<f64> = (0..o.replicates)
        .into_par_iter()
        .filter_map(|b| {
            let (a, c) = draw(b);
            Some(strict.score(&a)? - cont.score(&c)?)
        })
        .collect();
    let difference = s.score_normalized.zip(c.score_normalized).map(|(a, b)| a - b);
    // Half the replicates undefined (flat draws): the interval would mislead. The observed
    // difference may be undefined while the draws are not: a STRICT series flat at 0 over
    // most sizes has an unbounded score (median step 0), its posterior draws do not.
    let enough = d.len() * 2 >= o.replicates.max(1);
    let p_value = enough.then(|| (1 + d.iter().filter(|&&v| v <= 0.0).count()) as f64 / (d.len() + 1) as f64);
    let q = ArtefactQuestion {
        strict: s,
        continuous: c,
        series: String::new(),
        draws: if draws.is_some() { PAIRED_DRAWS } else { INDEPENDENT_DRAWS },
        outcome: ArtefactOutcome::Insufficient,
        text: String::new(),
        difference,
        difference_ci: if enough { percentile_interval(&d, o.level) } else { None },
        p_value,
        p_adjusted: None,
        replicates: d.len(),
        power: None,
    };
    Tested { q, seeds: (seeds.0, seeds.1) }
}

/// Benjamini–Hochberg over the raw p-values of every pair given (one family).
fn adjust(family: &mut [&mut Tested], none: bool) {
    let mut raw: Vec<f64> = Vec::new();
    for t in family.iter() {
        let q = &t.q;
        raw.extend([side_p(&q.strict), side_p(&q.continuous), q.p_value.unwrap_or(f64::NAN)]);
    }
    let finite: Vec<usize> = (0..raw.len()).filter(|&i| raw[i].is_finite()).collect();
    let adjusted = if none {
        finite.iter().map(|&i| raw[i]).collect()
    } else {
        benjamini_hochberg(&finite.iter().map(|&i| raw[i]).collect::<Vec<_>>())
    };
    let mut out = vec![None; raw.len()];
    for (&i, a) in finite.iter().zip(adjusted) {
        out[i] = Some(a);
    }
    for (t, chunk) in family.iter_mut().zip(out.chunks(3)) {
        t.q.strict.p_adjusted = chunk[0];
        t.q.continuous.p_adjusted = chunk[1];
        t.q.p_adjusted = chunk[2];
    }
}

fn side_p(s: &SideReport) -> f64 {
    s.test.as_ref().map_or(f64::NAN, |t| t.p_value)
}

fn conclude(t: Tested, strict: &Side, o: &PairOptions) -> ArtefactQuestion {
    let mut q = t.q;
    let (sn, cn) = (q.strict.name.clone(), q.continuous.name.clone());
    let alpha = o.alpha;
    let scores = match (q.strict.score_normalized, q.continuous.score_normalized) {
        (Some(a), Some(b)) => format!("normalised emergence score {a:.2} under {sn}, {b:.2} under {cn}"),
        _ => String::new(),
    };
    let insufficient = |why: String| (ArtefactOutcome::Insufficient, format!("insufficient data: {why}"));
    let strict_jump = format!("{} breaks{} ({})", sn, q.strict.where_phrase(), q.strict.p_phrase());
    let significant = q.p_adjusted.is_some_and(|pa| pa < alpha);
    let ci = q.difference_ci.map_or_else(String::new, |(lo, hi)| format!(" [{lo:.2}, {hi:.2}]"));
    let diff = match (q.difference, q.p_value, q.p_adjusted) {
        (Some(d), Some(p), Some(pa)) => {
            format!("{scores}, difference {d:.2}{ci}, {}, adjusted {}", p_eq(p), p_text(pa))
        }
        (None, Some(p), Some(pa)) => format!(
            "observed difference undefined ({}), bootstrap difference{ci}, {}, adjusted {}",
            q.strict.note.clone().or(q.continuous.note.clone()).unwrap_or_default(),
            p_eq(p),
            p_text(pa)
        ),
        _ => format!("{scores}; the difference has no bootstrap p (most draws flat)"),
    };
    (q.outcome, q.text) = if let (Err(e), Err(_)) = (&q.strict.test, &q.continuous.test) {
        insufficient(format!("neither metric can be tested: {e}"))
    } else if q.continuous.jumps(alpha) {
        (
            ArtefactOutcome::Persists,
            format!(
                "persists under {cn}: {cn} itself jumps{} ({}); {strict_jump}; {diff}",
                q.continuous.where_phrase(),
                q.continuous.p_phrase()
            ),
        )
    } else if significant {
        (
            ArtefactOutcome::MetricArtefact,
            format!(
                "metric artefact: abrupt under {sn}, smooth under {cn}: {sn} is significantly more abrupt ({diff}) \
                 and {cn} shows no break ({})",
                q.continuous.p_phrase()
            ),
        )
    } else if q.strict.jumps(alpha) {
        (
            ArtefactOutcome::NoEvidence,
            format!(
                "no evidence either way: {sn} jumps{} ({}), but {cn} neither jumps ({}) nor is significantly \
                 less abrupt ({diff})",
                q.strict.where_phrase(),
                q.strict.p_phrase(),
                q.continuous.p_phrase()
            ),
        )
    } else if q.p_value.is_none() {
        insufficient(format!(
            "{sn} shows no upward break and the emergence scores cannot be compared: {diff}"
        ))
    } else {
        if o.power && q.strict.test.is_ok() {
            let again = test_side(strict, o.chance, o, t.seeds.0, true);
            q.power = again.test.ok().and_then(|t| t.power.map(|p| p.power));
        }
        let power = q.power.map_or_else(String::new, |p| {
            format!("; power {:.0}% to detect a +10-point jump at the two largest sizes", 100.0 * p)
        });
        (
            ArtefactOutcome::NoStrictJump,
            format!(
                "no jump under {sn} to explain: no upward break (break test {}{power}) and not significantly \
                 more abrupt than {cn} ({diff})",
                q.strict.p_phrase()
            ),
        )
    };
    q
}

/// Question 3 for one pair on its own (a family of one): tests, adjustment, outcome.
/// `draws` None: each side drawn on its own ([`INDEPENDENT_DRAWS`]). `seed` identifies the
/// pair; the two break tests and the bootstrap get streams derived from it.
pub fn judge_pair(
    strict: &Side,
    cont: &Side,
    draws: Option<PairedDraws>,
    o: &PairOptions,
    seed: u64,
) -> ArtefactQuestion {
    let mut t = test_pair(strict, cont, draws, o, (seed ^ 1, seed ^ 2, seed ^ 3));
    adjust(&mut [&mut t], false);
    conclude(t, strict, o)
}

/// Whether every `--pair` names two metrics of the input, or two compose operators of a
/// group: an error message that says what the input has when not.
pub fn check_pairs(groups: &[Group], pairs: &[MetricPair]) -> Result<(), String> {
    let metrics: std::collections::BTreeSet<&str> = groups.iter().map(|g| g.key.metric.as_str()).collect();
    let has_op = |name: &str| groups.iter().any(|g| g.compounds.iter().any(|c| c.operator.name() == name));
    for p in pairs {
        let ok = if metrics.contains(p.strict.as_str()) {
            metrics.contains(p.continuous.as_str())
        } else {
            has_op(&p.strict) && has_op(&p.continuous)
        };
        if !ok {
            let missing = [&p.strict, &p.continuous]
                .into_iter()
                .find(|m| !metrics.contains(m.as_str()) && !has_op(m))
                .unwrap_or(&p.continuous);
            return Err(format!(
                "--pair {}={}: the input has no metric {missing:?} (its metrics: {}); name two metrics of \
                 one task, or two --compose operators such as all=mean",
                p.strict,
                p.continuous,
                metrics.iter().copied().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    Ok(())
}

/// One pair to judge: the group it is reported under, its sides and seeds.
struct Job<'g> {
    key: GroupKey,
    group: &'g Group,
    sides: Result<(Side, Side, String), String>,
    compounds: Option<(usize, usize)>,
    pair: MetricPair,
}

/// Question 3 for every `--pair`, into the verdicts of the STRICT groups (a group without
/// subtasks, which has no verdict, gets one whose other questions are insufficient).
pub fn attach(verdicts: &mut Vec<Verdict>, groups: &[Group], joint: &[JointCounts], o: &AnalyzeOptions) {
    let jobs: Vec<Job> = o.pairs.iter().flat_map(|p| jobs_for(groups, p, o)).collect();
    if jobs.is_empty() {
        return;
    }
    let po = PairOptions {
        alpha: o.alpha(),
        level: o.confidence,
        chance: o.chance.unwrap_or(0.0),
        replicates: o.bootstrap.max(MIN_REPLICATES),
        power: true,
    };
    // STRICT's floor is its own group's chance level.
    let po_of = |j: &Job| PairOptions { chance: j.group.chance(o.chance).unwrap_or(0.0), ..po.clone() };
    let mut tested: Vec<Option<Tested>> = jobs
        .par_iter()
        .map(|j| {
            let po = po_of(j);
            let (s, c, _) = j.sides.as_ref().ok()?;
            let tag = format!("\u{2}pair={}={}", j.pair.strict, j.pair.continuous);
            let seeds = (
                series_seed(o.seed, &j.key, Some(&format!("{tag}:strict"))),
                series_seed(o.seed, &j.key, Some(&format!("{tag}:continuous"))),
                series_seed(o.seed, &j.key, Some(&tag)),
            );
            let rows = j.compounds.map(|_| RowDraws::new(j.group, joint, o.n_items));
            let paired = |b: usize| {
                let (g, (cs, cc)) = (j.group, j.compounds.expect("compound pair"));
                let rows = rows.as_ref().expect("compound pair");
                let v = rows.draw(g, &mut replicate_rng(seeds.2, 0, b));
                let m = g.models.len();
                let pick = |ci: usize, side: &Side| {
                    let r = RowDraws::compound_row(g, ci);
                    side.points.iter().map(|p| v[r * m + model_index(g, &p.model)]).collect()
                };
                (pick(cs, s), pick(cc, c))
            };
            let draws: Option<PairedDraws> = if j.compounds.is_some() { Some(&paired) } else { None };
            let mut t = test_pair(s, c, draws, &po, seeds);
            if rows.as_ref().is_some_and(|r| r.method == ITEM_BAYESIAN_BOOTSTRAP) {
                t.q.draws = PAIRED_ITEM_DRAWS;
            }
            Some(t)
        })
        .collect();
    let mut families: HashMap<Option<&str>, Vec<&mut Tested>> = HashMap::new();
    for (j, t) in jobs.iter().zip(tested.iter_mut()) {
        if let Some(t) = t {
            let name = (o.fdr_family == FdrFamily::Task).then_some(j.key.task.as_str());
            families.entry(name).or_default().push(t);
        }
    }
    for members in families.values_mut() {
        adjust(members, o.fdr_family == FdrFamily::None);
    }
    let answers: Vec<ArtefactQuestion> = jobs
        .par_iter()
        .zip(tested)
        .map(|(j, t)| match (t, &j.sides) {
            (Some(t), Ok((s, _, series))) => {
                ArtefactQuestion { series: series.clone(), ..conclude(t, s, &po_of(j)) }
            }
            (_, sides) => unanswered(j, sides.as_ref().err().cloned().unwrap_or_default()),
        })
        .collect();
    for (j, a) in jobs.iter().zip(answers) {
        let at = match verdicts.iter().position(|v| v.key == j.key) {
            Some(i) => i,
            None => {
                verdicts.push(bare_verdict(&j.key));
                verdicts.len() - 1
            }
        };
        verdicts[at].artefact.get_or_insert_with(Vec::new).push(a);
    }
    let order: HashMap<&GroupKey, usize> = groups.iter().enumerate().map(|(i, g)| (&g.key, i)).collect();
    verdicts.sort_by_key(|v| order.get(&v.key).copied().unwrap_or(usize::MAX));
}

fn model_index(g: &Group, name: &str) -> usize {
    g.models.iter().position(|m| m.name == name).expect("a model of the group")
}

fn unanswered(j: &Job, why: String) -> ArtefactQuestion {
    let side = |name: &str| SideReport {
        name: name.to_string(),
        higher_is_better: metric_higher_is_better(name),
        counts: "binomial",
        score_normalized: None,
        note: None,
        test: Err(why.clone()),
        p_adjusted: None,
        between: None,
    };
    ArtefactQuestion {
        strict: side(&j.pair.strict),
        continuous: side(&j.pair.continuous),
        series: String::new(),
        draws: if j.compounds.is_some() { PAIRED_DRAWS } else { INDEPENDENT_DRAWS },
        outcome: ArtefactOutcome::Insufficient,
        text: format!("insufficient data: {why}"),
        difference: None,
        difference_ci: None,
        p_value: None,
        p_adjusted: None,
        replicates: 0,
        power: None,
    }
}

/// A verdict for a group with no subtasks, which only question 3 is asked of.
fn bare_verdict(key: &GroupKey) -> Verdict {
    Verdict {
        key: key.clone(),
        operator: String::new(),
        outcome: Outcome::Insufficient,
        text: "insufficient data: no subtasks to compose".to_string(),
        jumps: None,
        composition: None,
        dependence: None,
        artefact: None,
    }
}

fn jobs_for<'g>(groups: &'g [Group], p: &MetricPair, o: &AnalyzeOptions) -> Vec<Job<'g>> {
    let is_metric = groups.iter().any(|g| g.key.metric == p.strict);
    let mut jobs = Vec::new();
    for g in groups {
        if is_metric {
            if g.key.metric != p.strict {
                continue;
            }
            let twin = groups.iter().find(|c| {
                c.key.metric == p.continuous
                    && c.key.task == g.key.task
                    && c.key.family == g.key.family
                    && c.key.shots == g.key.shots
            });
            let sides = match twin {
                Some(c) => metric_sides(g, c, o),
                None => Err(format!("no {} scores for this task, family and shots", p.continuous)),
            };
            jobs.push(Job { key: g.key.clone(), group: g, sides, compounds: None, pair: p.clone() });
        } else {
            let find = |name: &str| g.compounds.iter().position(|c| c.operator.name() == name);
            let (Some(cs), Some(cc)) = (find(&p.strict), find(&p.continuous)) else { continue };
            let sides = compound_sides(g, cs, cc, o);
            jobs.push(Job {
                key: g.key.clone(),
                group: g,
                sides,
                compounds: Some((cs, cc)),
                pair: p.clone(),
            });
        }
    }
    jobs
}

fn x_of(g: &Group, m: usize, o: &AnalyzeOptions) -> Result<f64, String> {
    let model = &g.models[m];
    o.x_axis
        .log10_of(model.params, model.flops)
        .ok_or_else(|| format!("model {:?} has no flops value", model.name))
}

/// One row of cells (a subtask or the task-level row), per model.
type Row<'a> = &'a [Option<Cell>];

/// Two metrics' sides: task-level rows when both have them, else their shared subtasks
/// pooled, over the models both have.
fn metric_sides(gs: &Group, gc: &Group, o: &AnalyzeOptions) -> Result<(Side, Side, String), String> {
    let shared: Vec<(usize, usize)> = gs
        .subtasks
        .iter()
        .enumerate()
        .filter_map(|(i, name)| Some((i, gc.subtasks.iter().position(|s| s == name)?)))
        .collect();
    let (rows_s, rows_c, series): (Vec<Row>, Vec<Row>, String) = match (&gs.task_level, &gc.task_level) {
        (Some(a), Some(b)) => (vec![a], vec![b], "task-level".to_string()),
        _ if !shared.is_empty() => (
            shared.iter().map(|&(i, _)| gs.cells[i].as_slice()).collect(),
            shared.iter().map(|&(_, j)| gc.cells[j].as_slice()).collect(),
            format!(
                "subtasks pooled: {}",
                shared.iter().map(|&(i, _)| gs.subtasks[i].as_str()).collect::<Vec<_>>().join(", ")
            ),
        ),
        _ => return Err("the two metrics share no task-level row and no subtask".to_string()),
    };
    // The input's direction where it states one; else the metric's name says.
    let direction =
        |g: &Group| g.meta.higher_is_better.unwrap_or_else(|| metric_higher_is_better(&g.key.metric));
    let mut strict =
        Side { name: gs.key.metric.clone(), higher_is_better: direction(gs), points: Vec::new() };
    let mut cont = Side { name: gc.key.metric.clone(), higher_is_better: direction(gc), points: Vec::new() };
    for (ms, model) in gs.models.iter().enumerate() {
        let Some(mc) = gc.models.iter().position(|m| m.name == model.name) else { continue };
        let cells_s: Option<Vec<&Cell>> = rows_s.iter().map(|r| r[ms].as_ref()).collect();
        let cells_c: Option<Vec<&Cell>> = rows_c.iter().map(|r| r[mc].as_ref()).collect();
        let (Some(cells_s), Some(cells_c)) = (cells_s, cells_c) else { continue };
        let x = x_of(gs, ms, o)?;
        let pool = |cells: &[&Cell]| -> Result<(f64, u64, u64), String> {
            let (mut n, mut k, mut sum) = (0u64, 0u64, 0.0);
            for c in cells {
                let ni = cell_n(c, o.n_items).ok_or(NO_COUNTS)?;
                n += ni;
                k += c.correct.unwrap_or_else(|| (c.value * ni as f64).round() as u64);
                sum += c.value * ni as f64;
            }
            Ok((sum / n as f64, n, k))
        };
        let (vs, ns, ks) = pool(&cells_s)?;
        let (vc, nc, _) = pool(&cells_c)?;
        let point = |value, n, correct| SidePoint {
            model: model.name.clone(),
            params: model.params,
            x,
            value,
            n,
            correct,
        };
        strict.points.push(point(vs, ns, Some(ks)));
        cont.points.push(point(vc, nc, None));
    }
    if strict.points.is_empty() {
        return Err("no model has scores under both metrics".to_string());
    }
    Ok((strict, cont, series))
}

/// A strict compound and another of the same group, n the smallest subtask count.
fn compound_sides(
    g: &Group,
    cs: usize,
    cc: usize,
    o: &AnalyzeOptions,
) -> Result<(Side, Side, String), String> {
    let side = |ci: usize| Side {
        name: g.compounds[ci].operator.name().to_string(),
        higher_is_better: g.compounds[ci].operator.higher_is_better() && g.higher_is_better(),
        points: Vec::new(),
    };
    let (mut strict, mut cont) = (side(cs), side(cc));
    if !g.compounds[cs].operator.is_rate() || !g.compounds[cc].operator.is_rate() {
        return Err("both compounds must be rates in [0, 1]".to_string());
    }
    for (m, model) in g.models.iter().enumerate() {
        let (Some(a), Some(b)) = (g.compounds[cs].values[m], g.compounds[cc].values[m]) else { continue };
        let n = g
            .cells
            .iter()
            .map(|r| r[m].as_ref().and_then(|c| cell_n(c, o.n_items)))
            .min()
            .flatten()
            .ok_or(NO_COUNTS)?;
        let x = x_of(g, m, o)?;
        let point =
            |value| SidePoint { model: model.name.clone(), params: model.params, x, value, n, correct: None };
        strict.points.push(point(a));
        cont.points.push(point(b));
    }
    Ok((strict, cont, "compound".to_string()))
}

fn p_text(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".to_string()
    } else {
        format!("{p:.3}")
    }
}

fn p_eq(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".to_string()
    } else {
        format!("p = {p:.3}")
    }
}

#[cfg(test)]
mod tests {
    //! Reference values: tests/reference/artefact_reference.py (numpy), artefact_reference.txt.
    use super::*;
    use crate::compose::Model;
    use approx::assert_relative_eq;

    fn side(name: &str, higher_is_better: bool, values: &[f64], counts: bool) -> Side {
        let points = values
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let params = 1e8 * 4f64.powi(i as i32);
                let correct = counts.then(|| (v * 300.0).round() as u64);
                SidePoint { model: format!("m{i}"), params, x: params.log10(), value: v, n: 300, correct }
            })
            .collect();
        Side { name: name.into(), higher_is_better, points }
    }

    #[test]
    fn pairs_parse_and_reject_what_is_not_two_names() {
        let p: MetricPair = " exact_match = edit_distance ".parse().expect("valid");
        assert_eq!((p.strict.as_str(), p.continuous.as_str()), ("exact_match", "edit_distance"));
        assert!("exact_match".parse::<MetricPair>().is_err());
        assert!("acc=acc".parse::<MetricPair>().is_err());
        assert!("=mean".parse::<MetricPair>().is_err());
    }

    #[test]
    fn lower_is_better_metrics_are_known_by_name() {
        for m in ["tc_brier", "edit_distance", "word_perplexity", "loss", "bits_per_byte", "ter"] {
            assert!(!metric_higher_is_better(m), "{m}");
        }
        for m in ["exact_match", "acc", "acc_norm", "f1", "bleu", "interest"] {
            assert!(metric_higher_is_better(m), "{m}");
        }
    }

    #[test]
    fn scores_counts_and_variance_bound_match_the_reference() {
        let strict = side("exact_match", true, &[0.0, 0.01, 0.02, 0.1, 0.4, 0.8], true);
        let edit = side("edit_distance", false, &[0.9, 0.8, 0.65, 0.5, 0.3, 0.15], false);
        let values = |s: &Side| s.points.iter().map(|p| p.value).collect::<Vec<_>>();
        // Reference: strict_normalized 2, edit_normalized 0.99999999999999978, difference 1.
        let (a, b) = (strict.score(&values(&strict)).unwrap(), edit.score(&values(&edit)).unwrap());
        assert_relative_eq!(a, 2.0, max_relative = 1e-12);
        assert_relative_eq!(b, 0.99999999999999978, max_relative = 1e-12);
        // Reference: edit_pseudo_count:0..5 (goodness 1 − value, of 300).
        assert_eq!(edit.counts().1, vec![30, 60, 105, 150, 210, 255]);
        // Reference: bhatia_davis_sd at 0, 0.15, 0.5 with n = 300.
        assert_relative_eq!(bhatia_davis_sd(0.0, 300), 0.0023511488090323528, max_relative = 1e-12);
        assert_relative_eq!(bhatia_davis_sd(0.15, 300), 0.020681118716207907, max_relative = 1e-12);
        assert_relative_eq!(bhatia_davis_sd(0.5, 300), 0.028867513459481291, max_relative = 1e-12);
    }

    #[test]
    fn shared_subtasks_are_pooled_over_their_items() {
        let key = |metric: &str| GroupKey {
            task: "t".into(),
            family: "f".into(),
            metric: metric.into(),
            shots: None,
        };
        let cell =
            |value: f64, n: u64, correct: Option<u64>| Some(Cell { value, n: Some(n), correct, line: 2 });
        let group = |metric: &str, cells: Vec<Vec<Option<Cell>>>| Group {
            key: key(metric),
            models: vec![Model { name: "m".into(), params: 1e9, flops: None }],
            subtasks: vec!["a".into(), "b".into()],
            cells,
            task_level: None,
            compounds: Vec::new(),
            meta: Default::default(),
        };
        let gs = group("exact_match", vec![vec![cell(0.12, 100, Some(12))], vec![cell(0.15, 200, Some(30))]]);
        let gc = group("edit_distance", vec![vec![cell(0.4, 100, None)], vec![cell(0.25, 200, None)]]);
        let (s, c, series) = metric_sides(&gs, &gc, &AnalyzeOptions::default()).expect("sides");
        assert_eq!(series, "subtasks pooled: a, b");
        // Reference: pooled_strict_rate 0.14 (42 of 300), pooled_continuous 0.3.
        assert_eq!((s.points[0].n, s.points[0].correct), (300, Some(42)));
        assert_relative_eq!(s.points[0].value, 0.14000000000000001, max_relative = 1e-12);
        assert_relative_eq!(c.points[0].value, 0.29999999999999999, max_relative = 1e-12);
        assert_eq!(c.points[0].correct, None);
    }

    #[test]
    fn a_pair_is_reproducible_and_a_step_in_both_persists() {
        let o = PairOptions { alpha: 0.05, level: 0.95, chance: 0.0, replicates: 400, power: false };
        let strict = side("exact_match", true, &[0.002, 0.003, 0.002, 0.6, 0.61, 0.6], true);
        let edit = side("edit_distance", false, &[0.7, 0.69, 0.7, 0.1, 0.11, 0.1], false);
        let a = judge_pair(&strict, &edit, None, &o, 7);
        assert_eq!(a, judge_pair(&strict, &edit, None, &o, 7));
        assert_eq!(a.outcome, ArtefactOutcome::Persists, "{}", a.text);
        assert!(a
            .text
            .starts_with("persists under edit_distance: edit_distance itself jumps between m2 and m3"));
    }

    #[test]
    fn a_strict_metric_that_cannot_be_tested_says_why() {
        let o = PairOptions { alpha: 0.05, level: 0.95, chance: 0.0, replicates: 200, power: false };
        let strict = side("exact_match", true, &[0.1, 0.2, 0.3], true);
        let edit = side("edit_distance", false, &[0.5, 0.4, 0.3], false);
        let a = judge_pair(&strict, &edit, None, &o, 1);
        assert_eq!(a.outcome, ArtefactOutcome::Insufficient);
        assert!(a.text.starts_with("insufficient data: neither metric can be tested"), "{}", a.text);
    }
}
