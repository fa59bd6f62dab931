//! Per-task metadata read from the data rather than from flags: a metric's direction
//! (`higher_is_better`), the task's chance level (`chance`), and the scale of each
//! metric's scores.
//!
//! - [`direction`] and [`chance`] parse one cell; the readers locate what they return.
//! - [`conflicts`] finds rows that contradict the others of their (task, metric): a
//!   direction or a chance level is a property of the metric on the task, so every row of
//!   it says the same or nothing (an empty cell takes the others' value).
//! - [`Scales`] judges each metric's scale as a whole. A metric on 0–100 (BLEU) in a file
//!   of fractions is one error that names it and suggests `--percent-metric`, never rows
//!   dropped one by one with the rest read as fractions: with `--on-error skip` too, a
//!   scale problem stops the run.

use std::collections::HashMap;

use super::record::Problem;
use super::Observation;
use super::Role;

/// A `higher_is_better` cell: true/false, 1/0, yes/no (any case); empty is not stated.
pub fn direction(text: &str) -> Result<Option<bool>, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "1" | "yes" => Ok(Some(true)),
        "false" | "0" | "no" => Ok(Some(false)),
        _ => Err(format!(
            "cannot read {:?} as a direction: write true or false (also 1/0, yes/no), or leave the cell empty",
            super::clip(text.trim())
        )),
    }
}

/// A `chance` cell: a fraction in [0, 1) (0.25 for 4-way multiple choice); empty is not
/// stated.
pub fn chance(text: &str) -> Result<Option<f64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..1.0).contains(&v) => Ok(Some(v)),
        Ok(v) if v.is_finite() && v > 1.0 && v < 100.0 => Err(format!(
            "chance {} is outside [0, 1): write the chance level as a fraction ({})",
            super::clip(t),
            v / 100.0
        )),
        Ok(v) if v.is_finite() => Err(format!(
            "chance {} is outside [0, 1): the chance level is a fraction below 1 (0.25 for 4-way multiple choice)",
            super::clip(t)
        )),
        _ => Err(format!(
            "cannot parse {:?} as a chance level{}",
            super::clip(t),
            super::number_hint(t).replace("0.42", "0.25")
        )),
    }
}

/// One row that contradicts an earlier row of its (task, metric).
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// Index of the offending observation.
    pub index: usize,
    /// The column at fault.
    pub role: Role,
    pub message: String,
}

/// Rows whose direction or chance level differs from the first row of their (task,
/// metric) that states one, and chance levels given for a lower-is-better metric (a
/// chance floor is where a rate that rises with scale starts). `at` says where an
/// observation was read (`line 4`, `results.json:12`).
pub fn conflicts(observations: &[Observation], at: impl Fn(usize) -> String) -> Vec<Conflict> {
    type Key<'a> = (&'a str, &'a str);
    let mut directions: HashMap<Key, (bool, usize)> = HashMap::new();
    let mut chances: HashMap<Key, (f64, usize)> = HashMap::new();
    let mut out = Vec::new();
    for (i, o) in observations.iter().enumerate() {
        let key = (o.key.task.as_str(), o.key.metric.as_str());
        if let Some(d) = o.higher_is_better {
            match directions.get(&key) {
                Some(&(first, j)) if first != d => out.push(Conflict {
                    index: i,
                    role: Role::HigherIsBetter,
                    message: format!(
                        "task {:?}, metric {:?}: higher_is_better is {d} here but {first} at {}; a metric has \
                         one direction on a task: fix one of them",
                        o.key.task,
                        o.key.metric,
                        at(j)
                    ),
                }),
                Some(_) => {}
                None => {
                    directions.insert(key, (d, i));
                }
            }
        }
        if let Some(c) = o.chance {
            match chances.get(&key) {
                Some(&(first, j)) if first != c => out.push(Conflict {
                    index: i,
                    role: Role::Chance,
                    message: format!(
                        "task {:?}, metric {:?}: chance is {c} here but {first} at {}; a task has one chance \
                         level per metric: fix one of them",
                        o.key.task,
                        o.key.metric,
                        at(j)
                    ),
                }),
                Some(_) => {}
                None => {
                    chances.insert(key, (c, i));
                }
            }
        }
    }
    for (key, &(_, i)) in &chances {
        if let Some(&(false, j)) = directions.get(key) {
            out.push(Conflict {
                index: i,
                role: Role::Chance,
                message: format!(
                    "task {:?}, metric {:?} is lower-is-better (higher_is_better false at {}), but this row gives \
                     it a chance level: a chance floor is where a rate that rises with scale starts; leave chance \
                     empty for this metric",
                    key.0,
                    key.1,
                    at(j)
                ),
            });
        }
    }
    out.sort_by_key(|c| c.index);
    out
}

/// Where each score record was read: its file and column (its line is the observation's).
pub type Location = (String, Option<usize>);

/// [`conflicts`] for score records: each contradicting record becomes a problem at its
/// location and is left out (with `--on-error skip` the rest go on).
pub fn drop_conflicts(
    observations: Vec<Observation>,
    locations: Vec<Location>,
    problems: &mut Vec<Problem>,
) -> (Vec<Observation>, Vec<Location>) {
    let found = conflicts(&observations, |i| format!("{}:{}", locations[i].0, observations[i].line));
    let contradicting: std::collections::BTreeSet<usize> = found.iter().map(|c| c.index).collect();
    problems.extend(found.into_iter().map(|c| Problem {
        file: locations[c.index].0.clone(),
        line: observations[c.index].line,
        column: locations[c.index].1,
        message: c.message,
    }));
    observations
        .into_iter()
        .zip(locations)
        .enumerate()
        .filter(|(i, _)| !contradicting.contains(i))
        .map(|(_, pair)| pair)
        .unzip()
}

/// How each metric of a file writes its scores, to judge its scale as a whole: the lines
/// with percentage-like values (above 1, at most 100) and the first fraction strictly
/// between 0 and 1, per metric, in order of first appearance.
#[derive(Debug, Default)]
pub struct Scales {
    metrics: Vec<MetricScale>,
}

#[derive(Debug)]
struct MetricScale {
    name: String,
    /// Lines with a value in (1, 100], and the first such value.
    percent_lines: Vec<u64>,
    first_percent: Option<(u64, f64)>,
    fraction: Option<(u64, f64)>,
}

/// A metric on 0–100 in a file whose other metrics are fractions.
#[derive(Debug, Clone, PartialEq)]
pub struct PercentMetric {
    pub metric: String,
    /// Its first score above 1, and where.
    pub line: u64,
    pub value: f64,
    /// A metric of fractions, and one of its fractions with its line.
    pub other: String,
    pub other_line: u64,
    pub other_value: f64,
}

impl PercentMetric {
    /// The one error for the metric.
    pub fn message(&self) -> String {
        let PercentMetric { metric, value, other, other_line, other_value, .. } = self;
        format!(
            "metric {metric:?} is on a 0–100 scale (score {value} here) but metric {other:?} holds fractions \
             ({other_value} on line {other_line}): pass --percent-metric {metric} to divide its scores by 100 \
             (no row of it was read)"
        )
    }
}

/// The verdict on a file's scales.
#[derive(Debug, Default, PartialEq)]
pub struct ScaleProblems {
    /// Metrics on 0–100 in a file whose other metrics are fractions, one error each.
    pub percent_metrics: Vec<PercentMetric>,
    /// Lines with percentage-like values that are not explained by a metric of their own.
    pub percent_lines: Vec<u64>,
}

impl ScaleProblems {
    /// Whether any score was written on 0–100: such a file is never read in part.
    pub fn any(&self) -> bool {
        !self.percent_metrics.is_empty() || !self.percent_lines.is_empty()
    }

    /// For score records (one problem each, `metric "M": score ...`): a metric on 0–100
    /// among fractions becomes one problem, at its first score above 1.
    pub fn fold_into(&self, problems: &mut Vec<Problem>) {
        let mut told = std::collections::BTreeSet::new();
        problems.retain_mut(|p| {
            let scale_of =
                |m: &&PercentMetric| p.message.starts_with(&format!("metric {:?}: score", m.metric));
            match self.percent_metrics.iter().find(scale_of) {
                Some(m) if told.insert(m.metric.clone()) => {
                    p.message = m.message();
                    true
                }
                Some(_) => false,
                None => true,
            }
        });
    }
}

impl Scales {
    fn entry(&mut self, metric: &str) -> &mut MetricScale {
        let i = match self.metrics.iter().position(|m| m.name == metric) {
            Some(i) => i,
            None => {
                self.metrics.push(MetricScale {
                    name: metric.to_string(),
                    percent_lines: Vec::new(),
                    first_percent: None,
                    fraction: None,
                });
                self.metrics.len() - 1
            }
        };
        &mut self.metrics[i]
    }

    /// Notes a metric seen in the input, whatever its scale.
    pub fn seen(&mut self, metric: &str) {
        self.entry(metric);
    }

    /// The metrics seen, in order of first appearance.
    pub fn names(&self) -> Vec<&str> {
        self.metrics.iter().map(|m| m.name.as_str()).collect()
    }

    /// Notes a score of `metric` as written (before any division by 100), for metrics read
    /// as fractions.
    pub fn note(&mut self, metric: &str, line: u64, value: f64) {
        let m = self.entry(metric);
        if value > 1.0 && value <= 100.0 {
            m.percent_lines.push(line);
            m.first_percent.get_or_insert((line, value));
        } else if value > 0.0 && value < 1.0 {
            m.fraction.get_or_insert((line, value));
        }
    }

    /// The first fraction of the file, of any metric.
    pub fn first_fraction(&self) -> Option<(u64, f64)> {
        self.metrics.iter().filter_map(|m| m.fraction).min_by_key(|f| f.0)
    }

    /// A metric with percentage-like scores is on 0–100 when another metric of the file
    /// holds fractions and none of its own scores above 1: `--percent-metric` is the
    /// advice. Otherwise (one metric, or every metric above 1) the lines stay row
    /// problems with the advice of `--percent` or of the mixture.
    pub fn judge(&self) -> ScaleProblems {
        let mut out = ScaleProblems::default();
        let fractions_only: Vec<&MetricScale> =
            self.metrics.iter().filter(|m| m.percent_lines.is_empty() && m.fraction.is_some()).collect();
        for m in self.metrics.iter().filter(|m| !m.percent_lines.is_empty()) {
            match (fractions_only.first(), m.first_percent) {
                (Some(other), Some((line, value))) => {
                    let (other_line, other_value) = other.fraction.expect("a fraction");
                    out.percent_metrics.push(PercentMetric {
                        metric: m.name.clone(),
                        line,
                        value,
                        other: other.name.clone(),
                        other_line,
                        other_value,
                    });
                }
                _ => out.percent_lines.extend(&m.percent_lines),
            }
        }
        out
    }

    /// Lines of a metric judged to be on 0–100.
    pub fn lines_of(&self, metric: &str) -> &[u64] {
        self.metrics.iter().find(|m| m.name == metric).map_or(&[], |m| m.percent_lines.as_slice())
    }
}

/// The error for `--percent-metric` names that no row of the input has, listing the
/// metrics there are.
pub fn unknown_percent_metrics(wanted: &[String], observed: &[&str]) -> Option<String> {
    let unknown: Vec<String> =
        wanted.iter().filter(|w| !observed.contains(&w.as_str())).map(|w| format!("{w:?}")).collect();
    let found: Vec<String> = observed.iter().map(|m| format!("{m:?}")).collect();
    (!unknown.is_empty()).then(|| {
        format!(
            "--percent-metric {}: no row has this metric; check the name (metrics found: {})",
            unknown.join(", "),
            found.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(task: &str, metric: &str, hib: Option<bool>, chance: Option<f64>) -> Observation {
        Observation {
            line: 0,
            key: crate::ingest::record::RunKey {
                model: "m".into(),
                params: 1e9,
                task: task.into(),
                family: "all".into(),
                metric: metric.into(),
                shots: None,
            },
            subtask: Some("s".into()),
            score: 0.5,
            n: None,
            correct: None,
            flops: None,
            higher_is_better: hib,
            chance,
        }
    }

    #[test]
    fn directions_are_read_in_their_usual_spellings() {
        for t in ["true", "TRUE", "1", "yes", " Yes "] {
            assert_eq!(direction(t), Ok(Some(true)), "{t}");
        }
        for t in ["false", "False", "0", "no", "NO"] {
            assert_eq!(direction(t), Ok(Some(false)), "{t}");
        }
        assert_eq!(direction(""), Ok(None));
        let e = direction("lower").unwrap_err();
        assert!(e.contains("\"lower\"") && e.contains("true or false"), "{e}");
    }

    #[test]
    fn chance_levels_are_fractions_below_one() {
        assert_eq!(chance("0.25"), Ok(Some(0.25)));
        assert_eq!(chance("0"), Ok(Some(0.0)));
        assert_eq!(chance(" "), Ok(None));
        assert!(chance("1").unwrap_err().contains("outside [0, 1)"));
        assert!(chance("25").unwrap_err().contains("(0.25)"));
        assert!(chance("-0.1").unwrap_err().contains("outside [0, 1)"));
        assert!(chance("NaN").unwrap_err().contains("cannot parse"));
        assert!(chance("quarter").unwrap_err().contains("such as 0.25"));
    }

    #[test]
    fn one_direction_and_one_chance_per_task_and_metric() {
        let rows = vec![
            obs("t", "brier", Some(false), None),
            obs("t", "brier", None, None),
            obs("t", "acc", Some(true), Some(0.25)),
            obs("u", "brier", Some(true), None),
            obs("t", "brier", Some(true), None),
            obs("t", "acc", None, Some(0.5)),
        ];
        let c = conflicts(&rows, |i| format!("row {i}"));
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!((c[0].index, c[0].role), (4, Role::HigherIsBetter));
        assert!(c[0].message.contains("true here but false at row 0"), "{}", c[0].message);
        assert_eq!((c[1].index, c[1].role), (5, Role::Chance));
        assert!(c[1].message.contains("0.5 here but 0.25 at row 2"), "{}", c[1].message);
    }

    #[test]
    fn a_lower_is_better_metric_has_no_chance_floor() {
        let rows = vec![obs("t", "brier", Some(false), None), obs("t", "brier", None, Some(0.25))];
        let c = conflicts(&rows, |i| format!("row {i}"));
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].index, c[0].role), (1, Role::Chance));
        assert!(c[0].message.contains("lower-is-better"), "{}", c[0].message);
    }

    #[test]
    fn a_metric_on_0_100_among_fractions_is_judged_as_a_whole() {
        let mut s = Scales::default();
        s.note("acc", 2, 0.42);
        s.note("bleu", 3, 0.58);
        s.note("bleu", 4, 57.0);
        s.note("bleu", 5, 23.0);
        let j = s.judge();
        assert!(j.any());
        let want = PercentMetric {
            metric: "bleu".into(),
            line: 4,
            value: 57.0,
            other: "acc".into(),
            other_line: 2,
            other_value: 0.42,
        };
        assert_eq!(j.percent_metrics, vec![want]);
        assert!(j.percent_lines.is_empty());
        assert_eq!(s.lines_of("bleu"), &[4, 5]);
        let m = j.percent_metrics[0].message();
        assert!(m.contains("--percent-metric bleu") && m.contains("\"acc\""), "{m}");
    }

    /// Score records (JSON and wide inputs): a contradicting record is a problem at its own
    /// file and column and leaves the data; a metric on 0–100 is one problem, not one per
    /// record.
    #[test]
    fn score_records_are_checked_the_same_way() {
        let rows = vec![obs("t", "brier", Some(false), None), obs("t", "brier", Some(true), None)];
        let at = vec![("a.json".to_string(), Some(3)), ("b.json".to_string(), Some(7))];
        let mut problems = Vec::new();
        let (kept, at) = drop_conflicts(rows, at, &mut problems);
        assert_eq!((kept.len(), at[0].0.as_str()), (1, "a.json"));
        assert_eq!((problems[0].file.as_str(), problems[0].column), ("b.json", Some(7)));
        assert!(problems[0].message.contains("false at a.json:0"), "{}", problems[0].message);

        let mut s = Scales::default();
        s.note("acc", 2, 0.42);
        s.note("bleu", 4, 57.0);
        s.note("bleu", 5, 23.0);
        let problem = |line: u64, message: &str| Problem {
            file: "w.csv".into(),
            line,
            column: None,
            message: message.into(),
        };
        let mut problems = vec![
            problem(3, "model \"m\": no parameter count"),
            problem(4, "metric \"bleu\": score 57 is outside the range"),
            problem(5, "metric \"bleu\": score 23 is outside the range"),
        ];
        s.judge().fold_into(&mut problems);
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[1].line, 4);
        assert!(problems[1].message.contains("--percent-metric bleu"), "{}", problems[1].message);
    }

    #[test]
    fn one_metric_on_0_100_keeps_the_advice_of_percent() {
        let mut s = Scales::default();
        s.note("acc", 2, 42.0);
        s.note("acc", 3, 0.5);
        let j = s.judge();
        assert!(j.percent_metrics.is_empty());
        assert_eq!(j.percent_lines, vec![2]);
        assert_eq!(s.first_fraction(), Some((3, 0.5)));
        let mut clean = Scales::default();
        clean.note("acc", 2, 0.42);
        clean.note("acc", 3, 1.0);
        assert!(!clean.judge().any());
    }
}
