//! `emerge figures`: the numbered paper figures, drawn from the files in `datasets/`
//! only, byte-identical on every run and machine.
//!
//! `figures/MANIFEST` holds the SHA-256 of every file in `sha256sum` format;
//! `--check` draws the figures into a temporary directory and compares them with it.
//! The command itself (arguments, writing, checking) is [`crate::cmd::figures`].

mod catalog;

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::analyze::AnalyzeOptions;
use crate::compose::Operator;
use crate::ingest::IngestOptions;
use crate::render::{self, Figure, ImageFormat};
use crate::report::Report;

pub use catalog::CATALOG;

/// One numbered figure: what it shows, where its numbers come from, how it is drawn.
pub struct FigureDef {
    pub number: u8,
    /// File stem, e.g. `fig1_seed_example`.
    pub stem: &'static str,
    pub title: &'static str,
    /// What a reader sees and why it matters, for figures/README.md.
    pub caption: &'static str,
    /// The datasets/ files it reads.
    pub sources: &'static [&'static str],
    pub build: fn(&Datasets) -> anyhow::Result<Figure>,
}

/// The bundled datasets directory, and the analyses the figures run on it.
pub struct Datasets {
    dir: PathBuf,
}

impl Datasets {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Datasets { dir: dir.into() }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// `name` (a file or directory under datasets/) through ingest → compose → analyze,
    /// with `operators` and no bootstrap (the figures draw points and fitted curves).
    pub fn analyze(&self, name: &str, operators: &[&str], chance: Option<f64>) -> anyhow::Result<Report> {
        let path = self.path(name);
        let path = path.to_str().with_context(|| format!("{} is not valid UTF-8", path.display()))?;
        let operators: Vec<Operator> = operators
            .iter()
            .map(|o| o.parse())
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let dataset = crate::ingest::read(path, &IngestOptions::default())?;
        let composition = crate::compose::compose(&dataset, &operators);
        let options = AnalyzeOptions { bootstrap: 0, chance, ..AnalyzeOptions::default() };
        let analysis = crate::analyze::analyze(composition, &dataset.joint, &options);
        Ok(Report::new(&dataset, &operators, analysis))
    }

    /// The rows of a CSV under datasets/ as header → value maps, for columns emerge's
    /// tidy schema does not carry (a family's architecture).
    pub fn table(&self, name: &str) -> anyhow::Result<Vec<std::collections::BTreeMap<String, String>>> {
        let path = self.path(name);
        let mut reader =
            csv::Reader::from_path(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let headers = reader.headers()?.clone();
        reader
            .records()
            .map(|r| {
                let r = r.with_context(|| format!("cannot read {}", path.display()))?;
                Ok(headers.iter().zip(r.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect())
            })
            .collect()
    }
}

/// The name of the hash list in the figures directory.
pub const MANIFEST: &str = "MANIFEST";

/// Draws every figure in every format, returning (file name, bytes) in catalogue order,
/// with the generated README.md last.
pub fn build_all(datasets: &Datasets, formats: &[ImageFormat]) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    use rayon::prelude::*;
    let figures: Vec<(&FigureDef, Figure)> = CATALOG
        .par_iter()
        .map(|def| {
            let figure =
                (def.build)(datasets).with_context(|| format!("figure {} ({})", def.number, def.stem))?;
            Ok((def, figure))
        })
        .collect::<anyhow::Result<_>>()?;
    let jobs: Vec<(&FigureDef, &Figure, ImageFormat)> =
        figures.iter().flat_map(|(def, fig)| formats.iter().map(move |&f| (*def, fig, f))).collect();
    let mut files: Vec<(String, Vec<u8>)> = jobs
        .par_iter()
        .map(|&(def, fig, format)| {
            Ok((format!("{}.{}", def.stem, format.extension()), render::encode(fig, format)?))
        })
        .collect::<anyhow::Result<_>>()?;
    files.push(("README.md".into(), readme(formats).into_bytes()));
    Ok(files)
}

/// `sha256sum`-format lines for `files`, sorted by name.
pub fn manifest(files: &[(String, Vec<u8>)]) -> String {
    let mut lines: Vec<String> =
        files.iter().map(|(name, bytes)| format!("{}  {name}", hex(&Sha256::digest(bytes)))).collect();
    lines.sort_by(|a, b| a[66..].cmp(&b[66..]));
    lines.into_iter().map(|l| l + "\n").collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// figures/README.md, generated from the catalogue so that it cannot drift.
fn readme(formats: &[ImageFormat]) -> String {
    let mut s = String::new();
    let exts: Vec<&str> = formats.iter().map(|f| f.extension()).collect();
    s.push_str("# Figures\n\n");
    s.push_str(
        "Generated by `emerge figures` from the files in `datasets/` only (their provenance is in\n\
         `datasets/README.md`); do not edit. `MANIFEST` holds each file's SHA-256 (`sha256sum -c MANIFEST`\n\
         checks them), and `emerge figures --check` redraws everything into a temporary directory and\n\
         fails naming any file that differs. CI runs the check.\n\n",
    );
    for def in CATALOG {
        let _ = writeln!(s, "## Figure {}. {}\n", def.number, def.title);
        let files: Vec<String> =
            exts.iter().map(|e| format!("[`{}.{e}`]({}.{e})", def.stem, def.stem)).collect();
        let _ = writeln!(s, "{}\n", files.join(" · "));
        let _ = writeln!(s, "{}\n", def.caption);
        let sources: Vec<String> = def.sources.iter().map(|p| format!("`datasets/{p}`")).collect();
        let _ = writeln!(s, "Data: {}.\n", sources.join(", "));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_is_sha256sum_format_sorted_by_name() {
        let files = vec![("b.png".to_string(), b"abc".to_vec()), ("a.svg".to_string(), Vec::new())];
        // sha256sum of the empty string and of "abc" (FIPS 180-2 test vector).
        assert_eq!(
            manifest(&files),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.svg\n\
             ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  b.png\n"
        );
    }

    #[test]
    fn catalogue_is_numbered_in_order_with_unique_stems() {
        for (i, def) in CATALOG.iter().enumerate() {
            assert_eq!(usize::from(def.number), i + 1, "{}", def.stem);
            assert!(def.stem.starts_with(&format!("fig{}_", def.number)), "{}", def.stem);
            assert!(!def.sources.is_empty() && !def.caption.is_empty(), "{}", def.stem);
        }
        let readme = readme(&[ImageFormat::Png, ImageFormat::Svg]);
        for def in CATALOG {
            assert!(readme.contains(&format!("## Figure {}. {}", def.number, def.title)));
            assert!(readme.contains(&format!("({}.svg)", def.stem)));
        }
    }
}
