//! `emerge simulate`: writes item-level data (see [`crate::simulate`]).

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::simulate::Simulation;

/// Writes the simulation to `out_file` (atomically) or, for `-`, to `out`.
pub fn run(simulation: &Simulation, out_file: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
    if out_file.as_os_str() == "-" {
        simulation.write_csv(out)?;
        return Ok(());
    }
    crate::files::write_atomically_with(out_file, |w| simulation.write_csv(w))
        .with_context(|| format!("cannot write {}", out_file.display()))?;
    Ok(())
}
