//! `emerge simulate`: writes item-level data (see [`crate::simulate`]).
//!
//! Its command-line arguments ([`SimulateArgs`]), their conversion into a validated
//! [`SimulateConfig`], and the run that writes the rows.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::shared::unit_interval;
use crate::analyze::DEFAULT_SEED;
use crate::simulate::Simulation;

/// Shown at the end of `emerge simulate --help`.
const SIMULATE_EXAMPLES: &str = "\
Examples:

  emerge simulate --rho 0.3 --items 500 --out items.csv

  emerge simulate --subtasks 3 --rates 0.2:0.9 --sizes 100M:10B --steps 5 --out -";

/// Write item-level data with known subtask rates and correlation (seeded).
///
/// One row per (model, subtask, item) with the item's 0/1 outcome: columns model,
/// params, family, task, subtask, item, correct, which `emerge analyze` reads as
/// item-level data. Subtask rates rise linearly in log10(params) from the smallest to
/// the largest size. --rho sets the correlation between two subtasks' outcomes on the
/// same item (0: independent subtasks, so the all-correct rate is the product of the
/// subtask rates; larger values make the product underestimate it).
#[derive(Debug, Args)]
#[command(verbatim_doc_comment, after_long_help = SIMULATE_EXAMPLES)]
pub struct SimulateArgs {
    /// Output CSV; `-` writes to standard output.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,

    /// Number of subtasks.
    #[arg(long, value_name = "K", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub subtasks: u32,

    /// Subtask rate at the smallest and largest size, LOW:HIGH; once for every subtask,
    /// or once per subtask [default: 0.4:0.6].
    #[arg(long = "rates", value_name = "LOW:HIGH", value_parser = rate_pair)]
    pub rates: Vec<(f64, f64)>,

    /// Smallest and largest parameter count, MIN:MAX (suffixes K/M/B/T allowed).
    #[arg(long, value_name = "MIN:MAX", default_value = "100M:100B", value_parser = size_pair)]
    pub sizes: (f64, f64),

    /// Number of model sizes, log-spaced between MIN and MAX.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub steps: u32,

    /// Items per subtask and model.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub items: u64,

    /// Correlation between two subtasks' outcomes on one item, in [0, 1].
    #[arg(long, value_name = "RHO", default_value_t = 0.0, value_parser = unit_interval)]
    pub rho: f64,

    /// Seed of the random draws; the same settings and seed give the same bytes.
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED)]
    pub seed: u64,

    /// Task name written in every row.
    #[arg(long, value_name = "NAME", default_value = "simulated")]
    pub task: String,

    /// Family name written in every row.
    #[arg(long, value_name = "NAME", default_value = "sim")]
    pub family: String,
}

fn rate_pair(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s.split_once(':').ok_or_else(|| format!("expected LOW:HIGH such as 0.4:0.6, got {s:?}"))?;
    Ok((unit_interval(a)?, unit_interval(b)?))
}

fn size_pair(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s.split_once(':').ok_or_else(|| format!("expected MIN:MAX such as 100M:100B, got {s:?}"))?;
    let parse = |t: &str| crate::ingest::parse_params(t).map_err(|e| format!("{t:?}: {e}"));
    let (a, b) = (parse(a)?, parse(b)?);
    if a > b {
        return Err(format!("{s}: MIN is larger than MAX"));
    }
    Ok((a, b))
}

/// A validated `emerge simulate` configuration.
#[derive(Debug, Clone)]
pub struct SimulateConfig {
    pub simulation: Simulation,
    /// Output CSV; `-` is standard output.
    pub out_file: PathBuf,
}

/// Writes the simulation to `config.out_file` (atomically) or, for `-`, to `out`.
pub fn run(config: &SimulateConfig, out: &mut dyn Write) -> anyhow::Result<()> {
    let (simulation, out_file) = (&config.simulation, &config.out_file);
    if out_file.as_os_str() == "-" {
        simulation.write_csv(out)?;
        return Ok(());
    }
    crate::files::write_atomically_with(out_file, |w| simulation.write_csv(w))
        .with_context(|| format!("cannot write {}", out_file.display()))?;
    Ok(())
}

impl SimulateArgs {
    /// The one place where `emerge simulate`'s arguments become a configuration.
    pub fn into_config(self) -> anyhow::Result<SimulateConfig> {
        let k = self.subtasks as usize;
        let rates = match self.rates.len() {
            0 => vec![(0.4, 0.6); k],
            1 => vec![self.rates[0]; k],
            n if n == k => self.rates,
            n => anyhow::bail!(
                "--rates was given {n} times for {k} subtasks: give it once, or once per subtask"
            ),
        };
        let simulation = Simulation {
            rates,
            sizes: self.sizes,
            steps: self.steps as usize,
            items: self.items,
            rho: self.rho,
            seed: self.seed,
            task: self.task,
            family: self.family,
        };
        Ok(SimulateConfig { simulation, out_file: self.out })
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn config(args: &[&str]) -> anyhow::Result<SimulateConfig> {
        let argv = ["emerge", "simulate", "--out", "items.csv"].iter().chain(args);
        match Cli::try_parse_from(argv).expect("valid command line").command {
            Command::Simulate(args) => args.into_config(),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let c = config(&[]).expect("valid");
        assert_eq!(c.out_file, PathBuf::from("items.csv"));
        let s = &c.simulation;
        assert_eq!(s.rates, vec![(0.4, 0.6); 5]);
        assert_eq!(s.sizes, (1e8, 1e11));
        assert_eq!((s.steps, s.items, s.rho, s.seed), (8, 1000, 0.0, DEFAULT_SEED));
        assert_eq!((s.task.as_str(), s.family.as_str()), ("simulated", "sim"));
    }

    #[test]
    fn rates_once_for_all_or_once_per_subtask() {
        let one = config(&["--subtasks", "3", "--rates", "0.2:0.9"]).expect("valid");
        assert_eq!(one.simulation.rates, vec![(0.2, 0.9); 3]);
        let each = config(&["--subtasks", "2", "--rates", "0.1:0.2", "--rates", "0.3:0.4"]).expect("valid");
        assert_eq!(each.simulation.rates, [(0.1, 0.2), (0.3, 0.4)]);
        let err =
            config(&["--subtasks", "3", "--rates", "0.1:0.2", "--rates", "0.3:0.4"]).expect_err("2 of 3");
        assert!(err.to_string().contains("--rates was given 2 times for 3 subtasks"), "{err}");
    }

    #[test]
    fn sizes_take_suffixes_smallest_first() {
        assert_eq!(size_pair("1B:2T"), Ok((1e9, 2e12)));
        assert!(size_pair("10B:1B").is_err());
        assert!(rate_pair("0.5").is_err() && rate_pair("0.2:1.5").is_err());
    }
}
