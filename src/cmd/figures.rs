//! `emerge figures`: draws the numbered paper figures ([`crate::figures`]) and writes
//! them with their MANIFEST, or checks them against it.
//!
//! Its command-line arguments ([`FiguresArgs`]), their conversion into a
//! [`FiguresConfig`], and the run.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;

use super::shared::dedup;
use crate::figures::{build_all, manifest, Datasets, MANIFEST};
use crate::files;
use crate::render::ImageFormat;

/// Shown at the end of `emerge figures --help`.
const FIGURES_EXAMPLES: &str = "\
Examples:

  emerge figures

  emerge figures --check

  emerge figures --out figures-png --chart-format png";

/// Regenerate the numbered paper figures from datasets/, byte for byte.
///
/// Draws figures 1–9 (listed in figures/README.md, which it also writes) from the
/// files in --datasets only, as PNG and SVG, and writes their SHA-256 to
/// <OUT>/MANIFEST. With --check, draws them into memory instead and exits 1 naming
/// every file whose hash differs from the manifest.
#[derive(Debug, Args)]
#[command(after_long_help = FIGURES_EXAMPLES)]
pub struct FiguresArgs {
    /// Directory for the figures, README.md and MANIFEST; created if needed.
    #[arg(long, value_name = "DIR", default_value = "figures")]
    pub out: PathBuf,

    /// Compare with <OUT>/MANIFEST instead of writing; exit 1 naming any figure that differs.
    #[arg(long)]
    pub check: bool,

    /// The bundled datasets directory.
    #[arg(long, value_name = "DIR", default_value = "datasets")]
    pub datasets: PathBuf,

    /// Image formats, comma-separated.
    #[arg(long, value_name = "FORMATS", value_delimiter = ',', default_value = "png,svg")]
    pub chart_format: Vec<ImageFormat>,
}

impl FiguresArgs {
    /// The one place where `emerge figures`' arguments become a configuration.
    pub fn into_config(self) -> FiguresConfig {
        FiguresConfig {
            datasets: self.datasets,
            out: self.out,
            check: self.check,
            formats: dedup(self.chart_format),
        }
    }
}

/// What `emerge figures` does.
#[derive(Debug, Clone)]
pub struct FiguresConfig {
    pub datasets: PathBuf,
    pub out: PathBuf,
    pub check: bool,
    pub formats: Vec<ImageFormat>,
}

/// Runs `emerge figures`.
pub fn run(config: &FiguresConfig, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let datasets = Datasets::new(&config.datasets);
    if !config.datasets.is_dir() {
        bail!(
            "{} is not a directory: run `emerge figures` from the repository root, or give --datasets DIR",
            config.datasets.display()
        );
    }
    let files = build_all(&datasets, &config.formats)?;
    let fresh = manifest(&files);
    if config.check {
        let path = config.out.join(MANIFEST);
        let committed =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let differences = compare(&committed, &fresh);
        if !differences.is_empty() {
            bail!(
                "{} of the figures differ from {}:\n{}\nRegenerate them with `emerge figures --out {}` and look at them before committing.",
                differences.len(),
                path.display(),
                differences.join("\n"),
                config.out.display()
            );
        }
        writeln!(out, "{} files match {}", files.len(), path.display())?;
        return Ok(());
    }
    files::create_dir(&config.out)?;
    for (name, bytes) in &files {
        files::write_atomically(&config.out.join(name), bytes)?;
    }
    files::write_atomically(&config.out.join(MANIFEST), fresh.as_bytes())?;
    writeln!(out, "wrote {} figure files and {MANIFEST} to {}", files.len(), config.out.display())?;
    Ok(())
}

/// One line per file whose hash differs, is missing from the manifest, or is listed
/// but no longer drawn.
fn compare(committed: &str, fresh: &str) -> Vec<String> {
    let parse = |text: &str| -> Vec<(String, String)> {
        text.lines()
            .filter_map(|l| l.split_once("  "))
            .map(|(hash, name)| (name.to_string(), hash.to_string()))
            .collect()
    };
    let (old, new) = (parse(committed), parse(fresh));
    let mut out = Vec::new();
    for (name, hash) in &new {
        match old.iter().find(|(n, _)| n == name) {
            Some((_, h)) if h == hash => {}
            Some(_) => out.push(format!("  {name}: differs")),
            None => out.push(format!("  {name}: not in the manifest")),
        }
    }
    for (name, _) in &old {
        if !new.iter().any(|(n, _)| n == name) {
            out.push(format!("  {name}: in the manifest but no longer drawn"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn config(args: &[&str]) -> FiguresConfig {
        let argv = ["emerge", "figures"].iter().chain(args);
        match Cli::try_parse_from(argv).expect("valid command line").command {
            Command::Figures(args) => args.into_config(),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let c = config(&[]);
        assert_eq!(c.datasets, PathBuf::from("datasets"));
        assert_eq!(c.out, PathBuf::from("figures"));
        assert!(!c.check);
        assert_eq!(c.formats, [ImageFormat::Png, ImageFormat::Svg]);
    }

    #[test]
    fn formats_keep_their_order_each_once() {
        assert_eq!(config(&["--chart-format", "svg,png,svg"]).formats, [ImageFormat::Svg, ImageFormat::Png]);
    }

    #[test]
    fn compare_names_every_kind_of_difference() {
        let old = "aa  one.png\nbb  two.png\ncc  gone.png\n";
        let new = "aa  one.png\nxx  two.png\ndd  new.png\n";
        assert_eq!(
            compare(old, new),
            [
                "  two.png: differs",
                "  new.png: not in the manifest",
                "  gone.png: in the manifest but no longer drawn"
            ]
        );
        assert!(compare(old, old).is_empty());
    }
}
