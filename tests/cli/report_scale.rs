//! Charts that scale (issue 16): on a generated corpus of 2,000 series, the default
//! `--charts flagged` keeps the output directory to at most 150 files and 50 MB, while
//! report.html still lists every group.
//!
//! The corpus: 40 tasks × 10 families, 3 subtasks each at 5 sizes with 200 items; with the
//! default compounds `all` and `mean`, 5 series per group: 400 × 5 = 2,000 series.
//! Subtasks rise smoothly on the logit scale; in every 7th group one subtask jumps at the
//! largest size, so more groups are flagged than are drawn and the cap is exercised.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

/// A fixed pseudo-random stream (xorshift64*), so the corpus is the same on every run.
struct Stream(u64);

impl Stream {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn corpus() -> (String, usize, usize) {
    let mut rng = Stream(0x9E37_79B9_7F4A_7C15);
    let mut csv = String::from("model,params,family,task,subtask,metric,n,correct\n");
    let sizes: [f64; 5] = [1e8, 4e8, 1.6e9, 6.4e9, 2.56e10];
    let items = 200u32;
    let (tasks, families, subtasks) = (40, 10, 3);
    let mut group = 0;
    for t in 0..tasks {
        for f in 0..families {
            group += 1;
            let jumps = group % 7 == 0;
            for (i, &params) in sizes.iter().enumerate() {
                let model = format!("fam{f}-{i}");
                for s in 0..subtasks {
                    let x = params.log10();
                    let mid = 9.0 + ((t + 2 * f + s) % 5) as f64 * 0.4;
                    let mut p = 1.0 / (1.0 + (-(0.9 + 0.1 * s as f64) * (x - mid)).exp());
                    if jumps && s == 0 {
                        p = if i == sizes.len() - 1 { 0.9 } else { 0.1 };
                    }
                    let correct = (0..items).filter(|_| rng.uniform() < p).count();
                    writeln!(csv, "{model},{params},fam{f},task{t:02},s{s},accuracy,{items},{correct}")
                        .unwrap();
                }
            }
        }
    }
    (csv, tasks * families, tasks * families * (subtasks + 2))
}

#[test]
fn default_charts_on_2000_series_stay_within_150_files_and_50_mb() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (csv, groups, series) = corpus();
    assert_eq!(series, 2000);
    let input = dir.path().join("corpus.csv");
    std::fs::write(&input, csv).unwrap();
    let out = dir.path().join("out");
    let start = Instant::now();
    // Fewer bootstrap draws than the default only to keep the test quick: the draws do
    // not change which groups are drawn.
    let output = Command::new(env!("CARGO_BIN_EXE_emerge"))
        .args(["analyze", "--bootstrap", "100", "--out"])
        .arg(&out)
        .arg(&input)
        .output()
        .expect("emerge runs");
    let elapsed = start.elapsed();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let files: Vec<(String, u64)> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), e.metadata().unwrap().len())
        })
        .collect();
    let bytes: u64 = files.iter().map(|f| f.1).sum();
    eprintln!(
        "{series} series, {groups} groups: {} files, {:.1} MB, {:.1} s (debug build)",
        files.len(),
        bytes as f64 / 1e6,
        elapsed.as_secs_f64()
    );
    let mut largest = files.clone();
    largest.sort_by_key(|f| std::cmp::Reverse(f.1));
    eprintln!("largest: {:?}", &largest[..largest.len().min(8)]);
    if std::env::var_os("EMERGE_KEEP_CORPUS").is_some() {
        eprintln!("kept in {}", dir.keep().display());
    }
    assert!(files.len() <= 150, "{} files", files.len());
    assert!(bytes <= 50_000_000, "{bytes} bytes");

    // Charts were drawn: the run-level ones and at most 20 groups, the verdicts' first.
    let pngs: Vec<&str> = files.iter().map(|f| f.0.as_str()).filter(|f| f.ends_with(".png")).collect();
    assert!(pngs.contains(&"emergence_scores.png"), "{pngs:?}");
    let drawn: std::collections::BTreeSet<&str> =
        pngs.iter().filter_map(|f| f.strip_suffix("_compound.png")).collect();
    assert!(!drawn.is_empty() && drawn.len() <= 20, "{drawn:?}");

    // report.html lists every group, and says which are not drawn.
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert_eq!(html.matches("<tr id=\"r").count(), groups);
    assert_eq!(html.matches("<details id=\"g").count(), groups);
    assert!(html.contains("not drawn (--charts flagged"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("verdicts by outcome:"), "the digest, not every series: {stdout}");
    assert!(stdout.lines().count() < 80, "the digest is short: {} lines", stdout.lines().count());
}
