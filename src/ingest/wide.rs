//! The wide table reader: one row per model, one column per subtask.
//!
//! ```text
//! model,params,addition,subtraction
//! tiny,125M,0.12,0.08
//! big,7B,0.81,
//! ```
//!
//! The id columns (model, params and optionally family, task, shots, metric) are found
//! by header name, case-insensitively; every other column is a subtask named by its
//! header. Each score cell becomes one [`ScoreRecord`] located at its line and field
//! number; an empty cell is a missing score, kept as [`Skipped`] so it is counted. A
//! problem in a cell names its field number and header in the message too, so that two
//! problems of one row stay distinct where only file, line and message are kept (the
//! dropped rows of `--on-error skip`). As in
//! `tidy.rs`, problems are located grep-style and all of a file's are collected, and
//! lines come from [`LineIndex`] on each row's byte offset, so quoted newlines and CRLF
//! files keep them right. A row's line is where the row starts.

use super::hint::Spreadsheet;
use super::parse_params;
use super::record::{Parsed, Problem, RunKey, ScoreRecord, Skipped};
use super::text::LineIndex;

/// Header names of the id columns. `family`, `task`, `shots` and `metric` are id columns
/// only when a header of that name is present.
#[derive(Debug, Clone, PartialEq)]
pub struct WideLayout {
    pub model: String,
    pub params: String,
    pub family: Option<String>,
    pub task: Option<String>,
    pub shots: Option<String>,
    pub metric: Option<String>,
}

impl Default for WideLayout {
    fn default() -> Self {
        WideLayout {
            model: "model".into(),
            params: "params".into(),
            family: Some("family".into()),
            task: Some("task".into()),
            shots: Some("shots".into()),
            metric: Some("metric".into()),
        }
    }
}

/// The metric of a table without a metric column, as for tidy tables.
const DEFAULT_METRIC: &str = "accuracy";

/// Where the id columns are (0-based field indices) and which columns are subtasks.
struct Columns {
    model: usize,
    params: usize,
    family: Option<usize>,
    task: Option<usize>,
    shots: Option<usize>,
    metric: Option<usize>,
    subtasks: Vec<usize>,
}

impl Columns {
    /// Finds the columns, or says (as (column, message)) everything wrong with the header.
    fn resolve(names: &[String], layout: &WideLayout) -> Result<Columns, Vec<(Option<usize>, String)>> {
        let mut problems = Vec::new();
        let found = names.iter().map(|h| format!("{h:?}")).collect::<Vec<_>>().join(", ");
        let mut find = |name: &str, role: &str, required: bool| -> Option<usize> {
            let hits: Vec<usize> = (0..names.len())
                .filter(|&i| names.get(i).is_some_and(|h| h.eq_ignore_ascii_case(name.trim())))
                .collect();
            match hits.as_slice() {
                [] if required => {
                    let message = format!(
                        "no column {name:?} for the {role}; columns found: {found}; name it with --col {role}=HEADER"
                    );
                    problems.push((None, message));
                    None
                }
                [] => None,
                [i] => Some(*i),
                [a, b, ..] => {
                    let message = format!(
                        "column {name:?} appears more than once (columns {} and {}); rename one, or pick one with --col",
                        a + 1,
                        b + 1
                    );
                    problems.push((Some(b + 1), message));
                    None
                }
            }
        };
        let model = find(&layout.model, "model", true);
        let params = find(&layout.params, "params", true);
        let mut optional =
            |name: &Option<String>, role: &str| name.as_ref().and_then(|n| find(n, role, false));
        let family = optional(&layout.family, "family");
        let task = optional(&layout.task, "task");
        let shots = optional(&layout.shots, "shots");
        let metric = optional(&layout.metric, "metric");
        let ids = [model, params, family, task, shots, metric];
        let subtasks: Vec<usize> = (0..names.len()).filter(|i| !ids.contains(&Some(*i))).collect();
        for (k, &i) in subtasks.iter().enumerate() {
            let name = names.get(i).map_or("", String::as_str);
            if name.is_empty() {
                let message = format!(
                    "column {} has an empty header: name the subtask it holds, or delete the column (a trailing delimiter adds one)",
                    i + 1
                );
                problems.push((Some(i + 1), message));
            } else if let Some(&j) =
                subtasks.get(..k).and_then(|s| s.iter().find(|&&j| names.get(j) == names.get(i)))
            {
                let message = format!(
                    "subtask column {name:?} appears more than once (columns {} and {}); each subtask needs \
                     one column: rename one of them, or delete the duplicate",
                    j + 1,
                    i + 1
                );
                problems.push((Some(i + 1), message));
            }
        }
        if subtasks.is_empty() && model.is_some() && params.is_some() {
            let message = format!(
                "no subtask columns: a wide table needs one column per subtask beside the model and params \
                 columns (and family, task, shots, metric); columns found: {found}; add the subtask columns, \
                 or for one row per score (columns subtask and score) leave out --wide"
            );
            problems.push((None, message));
        }
        match (model, params) {
            (Some(model), Some(params)) if problems.is_empty() => {
                Ok(Columns { model, params, family, task, shots, metric, subtasks })
            }
            _ => Err(problems),
        }
    }
}

/// Reads a wide table from memory. `file` is only used in messages; `default_task` names
/// the task when there is no task column (or its cell is empty).
pub fn parse_wide(
    file: &str,
    bytes: &[u8],
    delimiter: u8,
    layout: &WideLayout,
    default_task: &str,
) -> Parsed<ScoreRecord> {
    let mut out = Parsed::default();
    let problem =
        |line: u64, column: Option<usize>, message: String| Problem::new(file, line, column, message);
    let content = super::text::strip_bom(bytes);
    if content.iter().all(|b| b.is_ascii_whitespace()) {
        let message =
            "the file is empty: expected a header row naming model, params and one column per subtask";
        out.problems.push(problem(0, None, message.into()));
        return out;
    }
    let lines = LineIndex::new(bytes);
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(bytes);
    let header = match reader.byte_headers() {
        Ok(header) => header.clone(),
        Err(e) => {
            let line = e.position().map_or(1, |p| lines.line_of(p.byte()));
            out.problems.push(problem(line, None, format!("cannot read the header row: {e}")));
            return out;
        }
    };
    let header_line = header.position().map_or(1, |p| lines.line_of(p.byte()));
    let mut names = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let name = match std::str::from_utf8(h) {
            Ok(name) => name,
            Err(_) => {
                let message =
                    format!("the header of column {} is not valid UTF-8; re-save the file as UTF-8", i + 1);
                out.problems.push(problem(header_line, Some(i + 1), message));
                ""
            }
        };
        let name = if i == 0 { name.trim_start_matches('\u{feff}') } else { name };
        names.push(name.trim().to_string());
    }
    let columns = match Columns::resolve(&names, layout) {
        Ok(columns) if out.problems.is_empty() => columns,
        Ok(_) => return out,
        Err(found) => {
            out.problems
                .extend(found.into_iter().map(|(column, message)| problem(header_line, column, message)));
            return out;
        }
    };

    let mut rows = 0u64;
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                rows += 1;
                let line = record.position().map_or(0, |p| lines.line_of(p.byte()));
                let row = Row { file, line, names: &names, columns: &columns, default_task };
                row.read(&record, &mut out);
            }
            Err(e) => {
                rows += 1;
                let line = e.position().map_or(0, |p| lines.line_of(p.byte()));
                out.problems.push(problem(line, None, format!("malformed CSV: {e}")));
                if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    if rows == 0 {
        out.problems.push(problem(header_line, None, "the file has a header but no data rows".into()));
    }
    out
}

/// One data row being read.
struct Row<'a> {
    file: &'a str,
    line: u64,
    names: &'a [String],
    columns: &'a Columns,
    default_task: &'a str,
}

impl Row<'_> {
    fn problem(&self, index: Option<usize>, message: String) -> Problem {
        let message = match index.and_then(|i| Some((i + 1, self.names.get(i)?))) {
            Some((number, name)) => format!("column {number} {name:?}: {message}"),
            None => message,
        };
        Problem { file: self.file.to_string(), line: self.line, column: index.map(|i| i + 1), message }
    }

    /// The trimmed text of field `i`; `None` (with a problem) when it is not UTF-8.
    fn text(&self, record: &csv::ByteRecord, i: usize, problems: &mut Vec<Problem>) -> Option<String> {
        match std::str::from_utf8(record.get(i).unwrap_or_default()) {
            Ok(s) => Some(s.trim().to_string()),
            Err(_) => {
                let message = "the value is not valid UTF-8; re-save the file as UTF-8".to_string();
                problems.push(self.problem(Some(i), message));
                None
            }
        }
    }

    fn read(&self, record: &csv::ByteRecord, out: &mut Parsed<ScoreRecord>) {
        if record.len() != self.names.len() {
            let message = format!(
                "row has {} fields but the header has {}; check for an unquoted delimiter or a missing value",
                record.len(),
                self.names.len()
            );
            out.problems.push(self.problem(None, message));
            return;
        }
        let c = self.columns;
        let problems = &mut out.problems;
        let before = problems.len();
        let optional = |i: Option<usize>, problems: &mut Vec<Problem>| {
            i.and_then(|i| self.text(record, i, problems)).filter(|s| !s.is_empty())
        };
        let model = self.text(record, c.model, problems);
        let params = self.text(record, c.params, problems);
        let family = optional(c.family, problems);
        let task = optional(c.task, problems).unwrap_or_else(|| self.default_task.to_string());
        let shots = optional(c.shots, problems);
        let metric = optional(c.metric, problems).unwrap_or_else(|| DEFAULT_METRIC.to_string());
        let model = match model {
            Some(m) if m.is_empty() => {
                problems.push(self.problem(Some(c.model), "the model name is empty".into()));
                None
            }
            other => other,
        };
        let params = params.and_then(|p| match parse_params(&p) {
            Ok(v) => Some(v),
            Err(e) => {
                let message = format!("cannot parse {p:?} as a parameter count: {e}");
                problems.push(self.problem(Some(c.params), message));
                None
            }
        });
        // A row whose model cannot be read yields nothing beyond its problems.
        let usable = problems.len() == before;
        for &i in &c.subtasks {
            let Some(cell) = self.text(record, i, problems) else {
                continue;
            };
            let subtask = self.names.get(i).cloned().unwrap_or_default();
            let score = match cell.parse::<f64>() {
                _ if cell.is_empty() => None,
                Ok(v) if v.is_finite() => Some(v),
                Ok(_) => {
                    let message =
                        format!("{cell:?} is not a finite number; leave the cell empty if there is no score");
                    problems.push(self.problem(Some(i), message));
                    continue;
                }
                Err(_) => {
                    let message = spreadsheet_number(&cell).unwrap_or_else(|| {
                        format!(
                            "cannot parse {cell:?} as a number; leave the cell empty if there is no score"
                        )
                    });
                    problems.push(self.problem(Some(i), message));
                    continue;
                }
            };
            let (Some(model), Some(params), true) = (&model, params, usable) else {
                continue;
            };
            let Some(score) = score else {
                let reason = format!("empty cell: no score for subtask {subtask}");
                out.skipped.push(Skipped { file: self.file.to_string(), line: self.line, reason });
                continue;
            };
            out.records.push(ScoreRecord {
                file: self.file.to_string(),
                line: self.line,
                column: Some(i + 1),
                key: RunKey {
                    model: model.clone(),
                    params: Some(params),
                    task: task.clone(),
                    family: family.clone(),
                    metric: metric.clone(),
                    shots: shots.clone(),
                },
                subtask: Some(subtask),
                score,
                stderr: None,
                n: None,
                higher_is_better: None,
                chance: None,
            });
        }
    }
}

/// What to write instead of a score written as a spreadsheet shows it: `45%` → 45 with
/// `--percent`, or 0.45; `0,7` → 0.7.
fn spreadsheet_number(cell: &str) -> Option<String> {
    Some(match Spreadsheet::of(cell)? {
        Spreadsheet::Percent { number, fraction } => {
            format!("{cell:?} is a percentage: write {number} and pass --percent, or {fraction}")
        }
        Spreadsheet::DecimalComma { whole, decimals } => {
            format!("{cell:?} has a decimal comma: use a decimal point: {whole}.{decimals}")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &[u8]) -> Parsed<ScoreRecord> {
        parse_wide("w.csv", text, b',', &WideLayout::default(), "arith")
    }

    fn problems(text: &[u8]) -> Vec<(u64, Option<usize>, String)> {
        parse(text).problems.into_iter().map(|p| (p.line, p.column, p.message)).collect()
    }

    const TABLE: &[u8] = b"model,params,addition,subtraction\ntiny,125M,0.12,0.08\nbig,7B,0.81,\n";

    #[test]
    fn one_record_per_score_cell() {
        let parsed = parse(TABLE);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.records.len(), 3);
        let expected = ScoreRecord {
            file: "w.csv".into(),
            line: 3,
            column: Some(3),
            key: RunKey {
                model: "big".into(),
                params: Some(7e9),
                task: "arith".into(),
                family: None,
                metric: "accuracy".into(),
                shots: None,
            },
            subtask: Some("addition".into()),
            score: 0.81,
            stderr: None,
            n: None,
            higher_is_better: None,
            chance: None,
        };
        assert_eq!(parsed.records[2], expected);
        assert_eq!(
            (parsed.records[1].subtask.as_deref(), parsed.records[1].column),
            (Some("subtraction"), Some(4))
        );
        let skipped = &parsed.skipped;
        assert_eq!(skipped.len(), 1);
        assert_eq!(
            (skipped[0].line, skipped[0].reason.as_str()),
            (3, "empty cell: no score for subtask subtraction")
        );
    }

    #[test]
    fn optional_id_columns_any_case() {
        let text = b"Shots,MODEL,Family,Params,Task,Metric,a\n5,m1,gpt,1B,t1,exact,0.5\n,m2,,2B,,,0.25\n";
        let parsed = parse(text);
        assert!(parsed.problems.is_empty());
        let r = &parsed.records[0];
        let got = (
            r.key.shots.as_deref(),
            r.key.family.as_deref(),
            r.key.task.as_str(),
            r.key.metric.as_str(),
            r.column,
        );
        assert_eq!(got, (Some("5"), Some("gpt"), "t1", "exact", Some(7)));
        // Empty optional cells fall back to none, the default task and the default metric.
        let r = &parsed.records[1];
        let got =
            (r.key.shots.as_deref(), r.key.family.as_deref(), r.key.task.as_str(), r.key.metric.as_str());
        assert_eq!(got, (None, None, "arith", "accuracy"));
    }

    #[test]
    fn custom_headers_and_tabs() {
        let layout =
            WideLayout { model: "Name".into(), params: "size".into(), task: None, ..Default::default() };
        let text = b"name\tsize\ttask\n\"a\"\t1e9\t0.5\n";
        let parsed = parse_wide("w.tsv", text, b'\t', &layout, "arith");
        // With no task id column, a header called "task" is a subtask.
        assert_eq!(parsed.records[0].subtask.as_deref(), Some("task"));
        assert_eq!((parsed.records[0].key.model.as_str(), parsed.records[0].key.params), ("a", Some(1e9)));
    }

    #[test]
    fn bad_scores_are_located() {
        let text = b"model,params,a,b,c\nm,1B,n/a,NaN,inf\n";
        let parsed = parse(text);
        assert!(parsed.records.is_empty());
        let found: Vec<_> = parsed.problems.iter().map(|p| (p.line, p.column, p.message.as_str())).collect();
        assert_eq!(
            found,
            [
                (2, Some(3), "column 3 \"a\": cannot parse \"n/a\" as a number; leave the cell empty if there is no score"),
                (2, Some(4), "column 4 \"b\": \"NaN\" is not a finite number; leave the cell empty if there is no score"),
                (2, Some(5), "column 5 \"c\": \"inf\" is not a finite number; leave the cell empty if there is no score"),
            ]
        );
    }

    /// "45%" and "0,7" say what to write instead.
    #[test]
    fn spreadsheet_numbers_say_what_to_write() {
        let found = problems(b"model,params,a,b,c,d\nm,1B,45%,\"0,7\",7.1 %,\"1,2,3\"\n");
        let expected = [
            (3, "column 3 \"a\": \"45%\" is a percentage: write 45 and pass --percent, or 0.45"),
            (4, "column 4 \"b\": \"0,7\" has a decimal comma: use a decimal point: 0.7"),
            (5, "column 5 \"c\": \"7.1 %\" is a percentage: write 7.1 and pass --percent, or 0.071"),
            (
                6,
                "column 6 \"d\": cannot parse \"1,2,3\" as a number; leave the cell empty if there is no \
                 score",
            ),
        ];
        assert_eq!(found, expected.map(|(c, m)| (2, Some(c), m.to_string())));
    }

    /// Every record carries its cell's field number, and two problems in one row differ in
    /// their messages (the battery's wide-params-disagree case listed two identical entries).
    #[test]
    fn cells_are_told_apart() {
        let parsed = parse(b"model,params,task,alpha,beta\nsmall,2B,words,0.3,0.2\nm,1B,t,x,y\n");
        let columns: Vec<_> = parsed.records.iter().map(|r| (r.column, r.subtask.as_deref())).collect();
        assert_eq!(columns, [(Some(4), Some("alpha")), (Some(5), Some("beta"))]);
        let messages: Vec<&str> = parsed.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 2);
        assert!(
            messages[0].starts_with("column 4 \"alpha\": ") && messages[1].starts_with("column 5 \"beta\": ")
        );
    }

    #[test]
    fn bad_ids_yield_only_problems() {
        let text = b"model,params,a,b\nm,7X,0.5,\n,1B,0.5,\n";
        let parsed = parse(text);
        assert!(parsed.records.is_empty() && parsed.skipped.is_empty());
        let found: Vec<_> = parsed.problems.iter().map(|p| (p.line, p.column, p.message.as_str())).collect();
        assert_eq!((found[0].0, found[0].1), (2, Some(2)));
        assert_eq!(
            found[0].2,
            "column 2 \"params\": cannot parse \"7X\" as a parameter count: unknown suffix \"X\": use K (thousand), M (million), B (billion) or T (trillion)"
        );
        assert_eq!(found[1], (3, Some(1), "column 1 \"model\": the model name is empty"));
    }

    #[test]
    fn header_problems() {
        let found = problems(b"model,params,a,A,a\nm,1B,0.1,0.2,0.3\n");
        let expected =
            "subtask column \"a\" appears more than once (columns 3 and 5); each subtask needs one \
                        column: rename one of them, or delete the duplicate";
        assert_eq!(found, [(1, Some(5), expected.to_string())]);
        let found = problems(b"model,params,Model,a\n");
        assert!(found[0].2.starts_with("column \"model\" appears more than once (columns 1 and 3)"));
        assert_eq!(found[0].1, Some(3));
        let found = problems(b"model,params,a,\nm,1B,0.5,\n");
        assert_eq!((found[0].0, found[0].1), (1, Some(4)));
        assert!(found[0].2.starts_with("column 4 has an empty header"));
        let found = problems(b"family,model,params\ng,m,1B\n");
        assert!(found[0].2.starts_with("no subtask columns"), "{}", found[0].2);
        assert!(found[0].2.ends_with("leave out --wide"), "{}", found[0].2);
    }

    #[test]
    fn missing_id_columns_name_what_was_found() {
        let found = problems(b"name,size,a\nm,1B,0.5\n");
        let expected = [
            "no column \"model\" for the model; columns found: \"name\", \"size\", \"a\"; name it with --col model=HEADER",
            "no column \"params\" for the params; columns found: \"name\", \"size\", \"a\"; name it with --col params=HEADER",
        ];
        assert_eq!(found, expected.map(|m| (1, None, m.to_string())));
    }

    #[test]
    fn ragged_rows() {
        let found = problems(b"model,params,a\nm,1B\nn,2B,0.5,0.6\n");
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0],
            (
                2,
                None,
                "row has 2 fields but the header has 3; check for an unquoted delimiter or a missing value"
                    .into()
            )
        );
        assert_eq!(found[1].0, 3);
    }

    #[test]
    fn non_utf8_cells_and_headers() {
        let found = problems(b"model,params,a\nm\xff,1B,0.5\n");
        let expected = "column 1 \"model\": the value is not valid UTF-8; re-save the file as UTF-8";
        assert_eq!(found, [(2, Some(1), expected.to_string())]);
        let found = problems(b"model,params,\xe9t\xe9\nm,1B,0.5\n");
        assert_eq!((found[0].0, found[0].1), (1, Some(3)));
        assert!(found[0].2.contains("not valid UTF-8"));
        let parsed = parse(b"model,params,a\nm,1B,0.5\xff\n");
        assert_eq!((parsed.problems[0].line, parsed.problems[0].column), (2, Some(3)));
    }

    #[test]
    fn bom_crlf_and_quoted_newlines() {
        let mut with_bom = b"\xef\xbb\xbf".to_vec();
        with_bom.extend_from_slice(TABLE);
        assert_eq!(parse(&with_bom).records, parse(TABLE).records);
        let text = b"model,params,a\r\n\"two\r\nlines\",1B,0.5\r\n\r\nm,2B,x\r\n";
        let parsed = parse(text);
        assert_eq!(parsed.records[0].key.model, "two\r\nlines");
        assert_eq!(parsed.records[0].line, 2);
        // After a quoted line break and a blank line, the bad cell is still on line 5.
        assert_eq!((parsed.problems[0].line, parsed.problems[0].column), (5, Some(3)));
    }

    #[test]
    fn empty_and_header_only() {
        assert_eq!(problems(b"\xef\xbb\xbf \n")[0].0, 0);
        assert_eq!(
            problems(b"model,params,a\n"),
            [(1, None, "the file has a header but no data rows".to_string())]
        );
    }

    #[test]
    fn never_panics_on_damaged_input() {
        let text = b"model,params,family,a,b\n\"m 1\",1B,g,0.5,\nm2,2B,g,0.25,1\n";
        for end in 0..text.len() {
            let _ = parse(&text[..end]);
        }
        for i in 0..text.len() {
            for replacement in [b'"', b',', b'\n', b'\r', 0xff, 0xc3, b'x'] {
                let mut damaged = text.to_vec();
                damaged[i] = replacement;
                let _ = parse(&damaged);
            }
        }
    }
}
