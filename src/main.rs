//! The `huntbench` binary: parse arguments, run the library, report errors plainly.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    huntbench::huge_pages::opt_out();
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

// glibc's per-thread arenas fragment under tantivy's indexing threads and keep freed memory;
// mimalloc returns it, which keeps a million-event ingest well inside its memory budget.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
