//! The rows of `series.csv` and `series.parquet`: one per point of every series. The
//! columns (name, type and value) are defined once, in [`COLUMNS`], for both files.

use std::borrow::Cow;

use crate::analyze::{Point, Series};
use crate::report::Report;

/// One point of one series.
#[derive(Clone, Copy)]
pub(super) struct SeriesRow<'a> {
    pub series: &'a Series,
    pub point: &'a Point,
}

/// Every row of `report`: the series in order, each one's points in order.
pub(super) fn rows(report: &Report) -> impl Iterator<Item = SeriesRow<'_>> {
    report
        .analysis
        .series
        .iter()
        .flat_map(|series| series.points.iter().map(move |point| SeriesRow { series, point }))
}

/// A column's type and how to read its value from a row. Parquet stores the types;
/// CSV writes a missing value (`Opt…`) as an empty field.
pub(super) enum Value {
    Text(for<'a> fn(&SeriesRow<'a>) -> &'a str),
    OptText(for<'a> fn(&SeriesRow<'a>) -> Option<&'a str>),
    Float(fn(&SeriesRow) -> f64),
    OptFloat(fn(&SeriesRow) -> Option<f64>),
    Bool(fn(&SeriesRow) -> bool),
    OptBool(fn(&SeriesRow) -> Option<bool>),
    OptCount(fn(&SeriesRow) -> Option<u64>),
}

/// One column of `series.csv` and `series.parquet`.
pub(super) struct Column {
    pub name: &'static str,
    pub value: Value,
}

/// The columns of `series.csv` and `series.parquet`, in order.
pub(super) const COLUMNS: [Column; 17] = [
    Column { name: "task", value: Value::Text(|r| &r.series.key.task) },
    Column { name: "family", value: Value::Text(|r| &r.series.key.family) },
    Column { name: "metric", value: Value::Text(|r| &r.series.key.metric) },
    Column { name: "shots", value: Value::OptText(|r| r.series.key.shots.as_deref()) },
    Column { name: "kind", value: Value::Text(|r| r.series.kind.as_str()) },
    Column { name: "name", value: Value::Text(|r| &r.series.name) },
    Column { name: "model", value: Value::Text(|r| &r.point.model) },
    Column { name: "params", value: Value::Float(|r| r.point.params) },
    Column { name: "value", value: Value::Float(|r| r.point.value) },
    Column { name: "implied_subtask_rate", value: Value::OptFloat(|r| r.point.implied_subtask_rate) },
    Column { name: "higher_is_better", value: Value::Bool(|r| r.series.higher_is_better) },
    Column { name: "n", value: Value::OptCount(|r| r.point.n) },
    Column { name: "ci_low", value: Value::OptFloat(|r| r.point.ci.map(|c| c.0)) },
    Column { name: "ci_high", value: Value::OptFloat(|r| r.point.ci.map(|c| c.1)) },
    Column { name: "se", value: Value::OptFloat(|r| r.point.se) },
    Column { name: "detection_floor", value: Value::OptFloat(|r| r.point.detection_floor) },
    Column { name: "below_detection_floor", value: Value::OptBool(|r| r.point.below_floor()) },
];

impl Column {
    /// The value in `row` as `series.csv` writes it: Rust's shortest round-trip form
    /// for numbers, `true`/`false`, and an empty field for a missing value.
    pub fn text<'a>(&self, row: &SeriesRow<'a>) -> Cow<'a, str> {
        fn opt<'a, T: ToString>(v: Option<T>) -> Cow<'a, str> {
            Cow::Owned(v.map(|v| v.to_string()).unwrap_or_default())
        }
        match self.value {
            Value::Text(f) => Cow::Borrowed(f(row)),
            Value::OptText(f) => Cow::Borrowed(f(row).unwrap_or("")),
            Value::Float(f) => Cow::Owned(f(row).to_string()),
            Value::OptFloat(f) => opt(f(row)),
            Value::Bool(f) => Cow::Borrowed(if f(row) { "true" } else { "false" }),
            Value::OptBool(f) => opt(f(row)),
            Value::OptCount(f) => opt(f(row)),
        }
    }
}
