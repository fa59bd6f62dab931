//! `emerge power`: how many items an evaluation needs to see a small rate.

use std::io::Write;

use crate::analyze::resolution::{explain, power, PowerQuery};

/// Prints the item counts and the reasoning behind them.
pub fn run(query: &PowerQuery, out: &mut dyn Write) -> anyhow::Result<()> {
    let answer = power(query)?;
    write!(out, "{}", explain(query, &answer))?;
    Ok(())
}
