use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = emerge::cli::Cli::parse_checked();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = emerge::run(cli, &mut out).and_then(|()| Ok(std::io::Write::flush(&mut out)?));
    match result {
        Ok(()) => ExitCode::from(emerge::exit::SUCCESS),
        Err(e) if emerge::is_broken_pipe(&e) => ExitCode::from(emerge::exit::SUCCESS),
        Err(e) => {
            eprintln!("emerge: {e:#}");
            ExitCode::from(emerge::exit::DATA_ERROR)
        }
    }
}
