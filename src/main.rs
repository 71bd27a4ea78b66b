//! The `rightsize` binary: parse, tune Polars, run, print the error chain, exit (0 ok, 1 error,
//! 2 usage).

use clap::Parser;

/// jemalloc, as Python Polars uses: on the 40M-event benchmark it lowers the peak resident set
/// of the Parquet run from 1.55 to 1.28 GB and the CSV run's time by a tenth against glibc's
/// allocator (mimalloc was faster on CSV but peaked at 2.3 GB on Parquet); see BENCHMARKS.md.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options (its `malloc_conf`): freed pages go back to the system from a background
/// thread, after jemalloc's usual delay, instead of from the thread that happens to allocate
/// or free next. Without it, the streaming passes' buffers were returned and faulted back in
/// over and over: on the 10M-event wide CSV tenant 4 of 13 CPU seconds were the kernel's, and
/// the run took 7.5 s against 6.0 s with it (BENCHMARKS.md). `_RJEM_MALLOC_CONF` in the
/// environment still overrides it.
#[allow(unsafe_code)]
// SAFETY: jemalloc reads this NUL-terminated string (its `const char *malloc_conf`, prefixed
// `_rjem_` by tikv-jemalloc-sys, and declared weak there so this definition wins) once, when
// it initialises; nothing writes it.
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: &[u8; 23] = b"background_thread:true\0";

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
