//! `report.html`: one self-contained page per run (inline CSS, JavaScript and data; the
//! charts are the image files beside it), the first thing to open. From the top: the
//! run, the digest ([`super::digest`], as the terminal prints it), an overview table of
//! every group (sortable by clicking a header, filtered by the search box), one section
//! per group (built by the script when opened, from the JSON data at the end of the page,
//! so a corpus of thousands of groups opens fast), the warnings folded by code, and the
//! methods (the README's own text, [`markdown`]).
//!
//! Every string from the data is escaped ([`esc`]) or, in the group sections, set as text
//! by the script, never parsed as markup. The page has no timestamps: the same run gives
//! the same bytes.

mod data;
mod markdown;

use std::path::{Path, PathBuf};

use super::digest::{outcome_name, verdict_of, Digest};
use super::terminal::{fmt_scale, gain_text, group_label};
use super::ExportError;
use crate::files::write_atomically_with;
use crate::render::{ChartIndex, ChartSelection};
use crate::report::Report;
use crate::units::fmt_percent;

pub const FILE_NAME: &str = "report.html";

const CSS: &str = include_str!("report.css");
const JS: &str = include_str!("report.js");

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Writes `report.html` into `dir`, linking the charts in `charts`.
pub fn write_report(report: &Report, charts: &ChartIndex, dir: &Path) -> Result<PathBuf, ExportError> {
    let path = dir.join(FILE_NAME);
    write_atomically_with(&path, |w| w.write_all(page(report, charts).as_bytes()))?;
    Ok(path)
}

/// The whole page.
pub fn page(report: &Report, charts: &ChartIndex) -> String {
    let input = &report.input;
    let mut h = String::with_capacity(64 * 1024 + report.analysis.series.len() * 1024);
    h.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>emerge report: {}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        esc(&input.path)
    ));
    h.push_str(&header(report, charts));
    h.push_str(&digest(report));
    h.push_str(&overview(report, charts));
    h.push_str(&run_charts(charts));
    h.push_str(&details(report, charts));
    h.push_str(&warnings(report));
    h.push_str("<section id=\"methods\">\n<h2>Methods</h2>\n<p class=\"note\">From the README of emerge ");
    h.push_str(env!("CARGO_PKG_VERSION"));
    h.push_str(", which documents every flag and the JSON schema.</p>\n");
    h.push_str(&markdown::methods());
    h.push_str(
        "</section>\n<pre id=\"selftest\" hidden></pre>\n<script type=\"application/json\" id=\"data\">",
    );
    // JSON can hold "</script>" in a string: no '<' reaches the page unescaped.
    h.push_str(&data::json(report, charts).replace('<', "\\u003c"));
    h.push_str("</script>\n<script>\n");
    h.push_str(JS);
    h.push_str("</script>\n</body>\n</html>\n");
    h
}

fn header(report: &Report, charts: &ChartIndex) -> String {
    let input = &report.input;
    let o = &report.analysis.options;
    let drawn = charts.groups.iter().filter(|c| !c.is_empty()).count();
    let compose: Vec<&str> = report.operators.iter().map(|op| op.name()).collect();
    format!(
        "<header>\n<h1>emerge report</h1>\n<p class=\"meta\"><b>{}</b> ({}): {} rows read, {} used, {} dropped · \
         {} groups, {} series · compounds {} · {:.0}% intervals, {} bootstrap draws, seed {} · charts: \
         --charts {} ({drawn} of {} groups drawn) · emerge {}</p>\n<nav><a href=\"#digest\">Digest</a> \
         <a href=\"#overview\">Overview</a> <a href=\"#groups\">Groups</a> <a href=\"#across\">Across groups</a> <a href=\"#warnings\">Warnings</a> \
         <a href=\"#methods\">Methods</a></nav>\n</header>\n",
        esc(&input.path),
        esc(input.format.name()),
        input.rows_read,
        input.rows_used,
        input.rows_dropped,
        report.analysis.groups.len(),
        report.analysis.series.len(),
        esc(&compose.join(", ")),
        o.confidence * 100.0,
        o.bootstrap,
        o.seed,
        charts.selection.name(),
        report.analysis.groups.len(),
        env!("CARGO_PKG_VERSION"),
    )
}

/// The index of each group, by key.
fn group_index(report: &Report) -> std::collections::HashMap<&crate::compose::GroupKey, usize> {
    report.analysis.groups.iter().enumerate().map(|(i, g)| (&g.key, i)).collect()
}

fn digest(report: &Report) -> String {
    let d = Digest::of(report);
    let index = group_index(report);
    let mut h = String::from("<section id=\"digest\">\n<h2>Digest</h2>\n<div class=\"counts\">");
    for (name, n) in &d.outcomes {
        h.push_str(&format!(
            "<button class=\"count o-{name}\" data-q=\"{name}\" title=\"show these groups in the overview\">\
             <b>{n}</b> {name}</button>"
        ));
    }
    if d.without_verdict > 0 {
        h.push_str(&format!("<span class=\"count\"><b>{}</b> without a verdict</span>", d.without_verdict));
    }
    h.push_str(
        "</div>\n<p class=\"note\">Groups by verdict outcome (one verdict per task, family, metric and \
                shots; see Methods). Click an outcome to list its groups.</p>\n",
    );
    h.push_str(
        "<h3>Most abrupt series</h3>\n<table class=\"plain\"><thead><tr><th>#</th><th>group</th>\
         <th>series</th><th class=\"num\">per step</th><th class=\"num\">gain</th><th>verdict</th></tr></thead><tbody>\n",
    );
    for (rank, s) in d.top.iter().enumerate() {
        let g = index[&s.key];
        let outcome = verdict_of(report, &s.key).map_or("", |v| outcome_name(v.outcome));
        h.push_str(&format!(
            "<tr><td>{}</td><td><a href=\"#g{g}\">{}</a></td><td>{}</td><td class=\"num\">{:.2}</td>\
             <td class=\"num\">{}</td><td><span class=\"o o-{outcome}\">{outcome}</span></td></tr>\n",
            rank + 1,
            esc(&group_label(&s.key)),
            esc(&s.name),
            s.emergence_score_normalized.unwrap_or(f64::NAN),
            esc(&gain_text(s)),
        ));
    }
    h.push_str("</tbody></table>\n<p class=\"note\">Normalised emergence score: Srivastava et al. (2022)'s \
                breakthroughness divided by the number of steps between sizes; 1 is steady change, far above 1 \
                a jump.</p>\n");
    h.push_str("<h3>Forecasts within one decade of the largest model</h3>\n");
    if d.near.is_empty() {
        h.push_str(
            "<p>None: no forecast crosses a threshold within one decade beyond the largest model.</p>\n",
        );
    } else {
        h.push_str(
            "<table class=\"plain\"><thead><tr><th>group</th><th>series</th><th>threshold</th><th>at</th>\
             <th class=\"num\">decades beyond</th><th>from</th></tr></thead><tbody>\n",
        );
        for n in &d.near {
            h.push_str(&format!(
                "<tr><td><a href=\"#g{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{:.1}</td>\
                 <td>{}</td></tr>\n",
                index[&n.series.key],
                esc(&group_label(&n.series.key)),
                esc(&n.series.name),
                fmt_percent(n.forecast.threshold),
                esc(&fmt_scale(n.x, report.analysis.options.x_axis)),
                n.decades,
                n.forecast.source
            ));
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("</section>\n");
    h
}

/// The cross-group charts, after the overview: they are large and the table comes first.
fn run_charts(charts: &ChartIndex) -> String {
    let mut h = String::new();
    if charts.run.is_empty() {
        return h;
    }
    h.push_str("<section id=\"across\">\n<h2>Across groups</h2>\n<ul class=\"files\">");
    for f in &charts.run {
        h.push_str(&format!("<li><a href=\"{0}\">{0}</a></li>", esc(f)));
    }
    h.push_str("</ul>\n");
    if let Some(f) = charts.run.iter().find(|f| f.starts_with("emergence_scores.")) {
        h.push_str(&format!(
            "<a href=\"{0}\"><img class=\"chart\" src=\"{0}\" alt=\"emergence scores of every series by metric\" \
             loading=\"lazy\"></a>\n",
            esc(f)
        ));
    }
    h.push_str("</section>\n");
    h
}

/// One row per group; sort keys in `data-v` where the text does not sort.
fn overview(report: &Report, charts: &ChartIndex) -> String {
    let mut h = String::from(
        "<section id=\"overview\">\n<h2>Overview</h2>\n<p class=\"tools\"><input id=\"search\" type=\"search\" \
         placeholder=\"Filter: task, family, metric, outcome…\" aria-label=\"filter the groups\"> \
         <span id=\"shown\"></span></p>\n<div class=\"scroll\"><table id=\"table\" class=\"sortable\"><thead><tr>\
         <th data-type=\"text\">task</th><th data-type=\"text\">family</th><th data-type=\"text\">metric</th>\
         <th data-type=\"num\">shots</th><th data-type=\"num\" class=\"num\">sizes</th>\
         <th data-type=\"num\" class=\"num\" title=\"highest normalised emergence score among the group's series\">\
         per step</th><th data-type=\"text\">series</th><th data-type=\"text\">verdict</th>\
         <th data-type=\"num\" title=\"the nearest threshold crossing beyond the largest model\">forecast</th>\
         <th data-type=\"text\">charts</th></tr></thead>\n<tbody>\n",
    );
    let best = crate::render::select::group_abruptness(report);
    for (i, g) in report.analysis.groups.iter().enumerate() {
        let key = &g.key;
        let sizes = crate::analyze::distinct_sizes(&g.models.iter().map(|m| m.params).collect::<Vec<_>>());
        let top = report
            .analysis
            .series_of(key)
            .filter(|s| s.emergence_score_normalized.is_some_and(f64::is_finite))
            .max_by(|a, b| {
                a.emergence_score_normalized.unwrap().total_cmp(&b.emergence_score_normalized.unwrap())
            });
        let (step, step_v) =
            best[i].map_or((String::new(), String::new()), |v| (format!("{v:.2}"), format!("{v}")));
        let outcomes = data::outcomes(report, key);
        let (forecast, forecast_v) = data::nearest_forecast(report, key);
        let drawn = match (charts.groups[i].is_empty(), &charts.flags[i]) {
            (false, _) => "drawn".to_string(),
            (true, Some(_)) if charts.selection == ChartSelection::Flagged => "flagged, not drawn".into(),
            (true, _) => "—".into(),
        };
        h.push_str(&format!(
            "<tr id=\"r{i}\"><td><a href=\"#g{i}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{sizes}</td>\
             <td class=\"num\" data-v=\"{step_v}\">{step}</td><td>{}</td><td>{}</td><td data-v=\"{forecast_v}\">{}</td>\
             <td>{drawn}</td></tr>\n",
            esc(&key.task),
            esc(&key.family),
            esc(&key.metric),
            esc(key.shots.as_deref().unwrap_or("")),
            esc(top.map_or("", |s| s.name.as_str())),
            outcomes.iter().map(|o| format!("<span class=\"o o-{o}\">{o}</span>")).collect::<Vec<_>>().join(" "),
            esc(&forecast),
        ));
    }
    h.push_str("</tbody></table></div>\n</section>\n");
    h
}

/// A closed section per group; the script fills it from the data when it is opened.
fn details(report: &Report, charts: &ChartIndex) -> String {
    let mut h = String::from(
        "<section id=\"groups\">\n<h2>Groups</h2>\n<p class=\"note\">One section per task, family, metric and \
         shots: open one (or click a group above) for its verdict, charts and numbers.</p>\n",
    );
    for (i, g) in report.analysis.groups.iter().enumerate() {
        let outcome = verdict_of(report, &g.key).map_or("no verdict", |v| outcome_name(v.outcome));
        let flag = charts.flags[i].as_ref().map(|f| format!(" · {f}")).unwrap_or_default();
        h.push_str(&format!(
            "<details id=\"g{i}\" class=\"group\"><summary>{} <span class=\"o o-{outcome}\">{outcome}</span>\
             <span class=\"note\">{}</span></summary><div class=\"body\"></div></details>\n",
            esc(&group_label(&g.key)),
            esc(&flag)
        ));
    }
    h.push_str("</section>\n");
    h
}

/// Warnings folded by code, each code's messages listed under it.
fn warnings(report: &Report) -> String {
    let d = Digest::of(report);
    let mut h = String::from("<section id=\"warnings\">\n<h2>Warnings</h2>\n");
    if d.warnings.is_empty() {
        h.push_str("<p>None.</p>\n");
    }
    for f in &d.warnings {
        h.push_str(&format!(
            "<details><summary><code>{}</code> ×{}: {}</summary><ul>",
            esc(f.code),
            f.count,
            esc(f.first)
        ));
        for w in report.warnings.iter().filter(|w| w.code == f.code) {
            h.push_str(&format!("<li>{}</li>", esc(&w.message)));
        }
        h.push_str("</ul></details>\n");
    }
    if !report.input.dropped.is_empty() {
        h.push_str(&format!(
            "<p>{} rows dropped (<code>--on-error skip</code>), all listed in summary.json under \
             <code>input.dropped</code>.</p>\n",
            report.input.rows_dropped
        ));
    }
    h.push_str("</section>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::digest::OUTCOMES;

    #[test]
    fn markup_in_the_data_is_escaped() {
        assert_eq!(
            esc(r#"<script>"a" & 'b'</script>"#),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }

    /// The page of the seed example, analysed with `predict_at` (sizes in params), and the
    /// data its script builds the group sections from.
    fn seed_page(predict_at: Vec<f64>) -> (String, String) {
        let dataset =
            crate::ingest::read("datasets/seed_example.csv", &Default::default()).expect("seed example");
        let composition = crate::compose::compose(&dataset, &[]);
        let options = crate::analyze::AnalyzeOptions { predict_at, bootstrap: 0, ..Default::default() };
        let analysis = crate::analyze::analyze(composition, &dataset.joint, &options);
        let report = Report::new(&dataset, &[], analysis);
        let groups = report.analysis.groups.len();
        let charts = ChartIndex {
            selection: ChartSelection::None,
            groups: vec![Vec::new(); groups],
            flags: vec![None; groups],
            run: Vec::new(),
            paths: Vec::new(),
        };
        (page(&report, &charts), data::json(&report, &charts))
    }

    /// `--predict-at` answers reach the group sections' data, formatted (the seed example's
    /// subtask 1 rises 4 points a decade to 60% at 1T; at 10T, damped by half: 62.0%, see
    /// tests/cli/backtest.rs), with how the intervals were made; without it, nothing.
    #[test]
    fn predictions_reach_the_page_only_when_asked_for() {
        let (page_with, with) = seed_page(vec![1e13]);
        assert!(
            with.contains(r#""predictions":[{"size":"10T params","value":"62.0%","interval":"#),
            "{with}"
        );
        assert!(with.contains(r#""method":"emerge","beyond":"+1.0"}]"#));
        assert!(with.contains(r#""predictions":"95% intervals, "#));
        assert!(page_with.contains(&with.replace('<', "\\u003c")));
        assert!(JS.contains("Predicted scores (--predict-at)"));
        let (_, without) = seed_page(Vec::new());
        assert!(!without.contains("predictions"), "{without}");
        // Deterministic: the same run, the same bytes.
        assert_eq!(page_with, seed_page(vec![1e13]).0);
    }

    #[test]
    fn every_outcome_has_a_style() {
        for (_, name) in OUTCOMES {
            assert!(CSS.contains(&format!(".o-{name}")), "report.css has no .o-{name}");
        }
    }
}
