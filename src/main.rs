//! The `rightsize` binary: parse, tune Polars, run, print the error chain, exit (0 ok, 1 error,
//! 2 usage).

use clap::Parser;

/// jemalloc, as Python Polars uses: on the 40M-event benchmark it lowers the peak resident set
/// of the Parquet run from 1.55 to 1.28 GB and the CSV run's time by a tenth against glibc's
/// allocator (mimalloc was faster on CSV but peaked at 2.3 GB on Parquet); see BENCHMARKS.md.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let cli = rightsize::cli::Cli::parse();
    apply_engine_settings(&cli);
    if let Err(err) = rightsize::run(cli) {
        if rightsize::is_broken_pipe(&err) {
            // `rightsize … | head`: the reader closed the pipe; nothing is wrong.
            return;
        }
        eprintln!("error: {err:#}");
        std::process::exit(rightsize::exit_code(&err));
    }
}

/// Polars reads its engine settings from the environment only (see `rightsize::engine`).
#[allow(unsafe_code)]
fn apply_engine_settings(cli: &rightsize::cli::Cli) {
    for (var, value) in rightsize::engine::settings(cli, |v| std::env::var_os(v).is_some()) {
        // SAFETY: nothing else runs yet: `main` has only parsed the command line, no thread has
        // been started (Polars starts its pools on first use), so no one reads the environment
        // concurrently.
        unsafe { std::env::set_var(var, value) };
    }
}
