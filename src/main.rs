//! The `huntbench` binary: parse arguments, run the library, report errors plainly.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = huntbench::cli::Cli::parse();
    match huntbench::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            let msg = format!("{e:#}");
            eprintln!("huntbench: {}", huntbench::sanitize::inert_line(&msg));
            ExitCode::from(2)
        }
    }
}
