//! Schaeffer, Miranda & Koyejo (2023), Fig. 2: a per-token probability that improves
//! smoothly looks emergent under exact match (p^L) and does not under edit distance
//! (L(1 − p)). Runs datasets/mirage_toy_model.csv through ingest → compose → analyze.
//!
//! Reference scores: tests/reference/spine_reference.py (numpy), lines score_exact:L of
//! spine_reference.txt, and tests/reference/emergence_reference.py, lines
//! editdist_improving:L of emergence_reference.txt: edit distance is lower-is-better, so it
//! is scored in that direction, where it improves.

use approx::assert_relative_eq;
use emerge::analyze::{analyze, AnalyzeOptions, SeriesKind};
use emerge::compose::{compose, Operator};
use emerge::ingest::{read, IngestOptions};

const EXACT: [f64; 5] =
    [2.7850398939284489, 3.175886864275121, 4.2651332593224609, 6.1843505686852627, 9.2893776558400614];
const EDIT: [f64; 5] =
    [2.7850398939284489, 2.7850398939284489, 2.785039893928448, 2.7850398939284489, 2.7850398939284493];

#[test]
fn exact_match_sharpens_with_length_and_edit_distance_does_not() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/mirage_toy_model.csv");
    let dataset = read(path, &IngestOptions::default()).expect("toy model reads");
    let operators: Vec<Operator> = (1..=5)
        .flat_map(|l| [format!("exact:{l}"), format!("editdist:{l}")])
        .map(|s| s.parse().expect("valid operator"))
        .collect();
    let analysis = analyze(compose(&dataset, &operators), &[], &AnalyzeOptions::default());
    for l in 1..=5 {
        let score = |name: &str| {
            let s = analysis
                .series
                .iter()
                .find(|s| s.kind == SeriesKind::Compound && s.name == name)
                .unwrap_or_else(|| panic!("series {name}"));
            assert_eq!(s.points.len(), 4);
            s.emergence_score.expect("defined")
        };
        assert_relative_eq!(score(&format!("exact:{l}")), EXACT[l - 1], max_relative = 1e-12);
        assert_relative_eq!(score(&format!("editdist:{l}")), EDIT[l - 1], max_relative = 1e-12);
    }
    let edit = analysis.series.iter().find(|s| s.name == "editdist:3").expect("editdist:3");
    assert!(!edit.higher_is_better);
}
