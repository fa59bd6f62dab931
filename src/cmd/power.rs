//! `emerge power`: how many items an evaluation needs to see a small rate.

use std::io::Write;

use clap::Args;

use super::shared::open_unit;
use crate::analyze::resolution::{explain, power, PowerQuery};

/// Shown at the end of `emerge power --help`.
const POWER_EXAMPLES: &str = "\
Examples:

  emerge power --rate 0.011

  emerge power --rate 0.001 --confidence 0.99 --power 0.9";

/// How many items an evaluation needs to see a small success rate.
///
/// Prints, with the exact binomial reasoning: the items needed to see at least
/// one success, to rule the rate out after seeing none, and to tell the rate from
/// zero with a one-sided exact test.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment, after_long_help = POWER_EXAMPLES)]
pub struct PowerArgs {
    /// The true success rate to detect, in (0, 1).
    #[arg(long, value_name = "P", value_parser = open_unit)]
    pub rate: f64,

    /// Confidence level (1 − significance level of the test).
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95, value_parser = open_unit)]
    pub confidence: f64,

    /// Probability of seeing the success / rejecting zero when the rate is true.
    #[arg(long, value_name = "POWER", default_value_t = 0.8, value_parser = open_unit)]
    pub power: f64,
}

/// Prints the item counts and the reasoning behind them.
pub fn run(query: &PowerQuery, out: &mut dyn Write) -> anyhow::Result<()> {
    let answer = power(query)?;
    write!(out, "{}", explain(query, &answer))?;
    Ok(())
}

impl PowerArgs {
    pub fn into_query(self) -> PowerQuery {
        PowerQuery { rate: self.rate, confidence: self.confidence, power: self.power }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn query(args: &[&str]) -> PowerQuery {
        let argv = ["emerge", "power"].iter().chain(args);
        match Cli::try_parse_from(argv).expect("valid command line").command {
            Command::Power(args) => args.into_query(),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let q = query(&["--rate", "0.011"]);
        assert_eq!((q.rate, q.confidence, q.power), (0.011, 0.95, 0.8));
    }

    #[test]
    fn rate_is_strictly_between_0_and_1() {
        for bad in ["0", "1", "-0.5", "x"] {
            assert!(Cli::try_parse_from(["emerge", "power", "--rate", bad]).is_err(), "{bad}");
        }
    }
}
