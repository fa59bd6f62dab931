//! `--params-file`: the sizes of models whose size no file states.

use std::collections::BTreeMap;

use crate::ingest::record::Problem;
use crate::ingest::{IngestError, IngestOptions};

/// `--params-file`: CSV with columns model and params (K/M/B/T suffixes allowed).
pub(in crate::ingest) fn params_file(options: &IngestOptions) -> Result<BTreeMap<String, f64>, IngestError> {
    let Some(file) = &options.params_file else { return Ok(BTreeMap::new()) };
    let shown = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|source| IngestError::Io { path: shown.clone(), source })?;
    read_params_csv(&shown, &bytes)
}

fn read_params_csv(shown: &str, bytes: &[u8]) -> Result<BTreeMap<String, f64>, IngestError> {
    let content = crate::ingest::text::strip_bom(bytes);
    let index = crate::ingest::text::LineIndex::new(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(content);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_ascii_lowercase()).collect(),
        Err(e) => {
            return Err(IngestError::Header {
                path: shown.into(),
                message: format!("cannot read the header row: {e}"),
            })
        }
    };
    let (Some(m), Some(p)) =
        (headers.iter().position(|h| h == "model"), headers.iter().position(|h| h == "params"))
    else {
        return Err(IngestError::Header {
            path: shown.into(),
            message: format!("a params file needs columns model and params; found {}", headers.join(", ")),
        });
    };
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        let problem = |line: u64, column: Option<usize>, message: String| Problem {
            file: shown.into(),
            line,
            column,
            message,
        };
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |pos| index.line_of(pos.byte()));
                let (Some(model), Some(params)) = (r.get(m), r.get(p)) else {
                    problems.push(problem(line, None, "the row has no model or params field".into()));
                    continue;
                };
                match crate::ingest::parse_params(params) {
                    Ok(v) => {
                        if out.insert(model.trim().to_string(), v).is_some_and(|old| old != v) {
                            problems.push(problem(
                                line,
                                Some(p + 1),
                                format!("model {model:?} is given two sizes"),
                            ));
                        }
                    }
                    Err(e) => problems.push(problem(
                        line,
                        Some(p + 1),
                        format!("cannot parse params {params:?}: {e}"),
                    )),
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |pos| index.line_of(pos.byte()));
                problems.push(problem(line, None, format!("malformed CSV: {e}")));
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(IngestError::Problems(problems))
    }
}
