//! The `rightsize` binary: parse, run, print the error chain, exit (0 ok, 1 error, 2 usage).

use clap::Parser;

fn main() {
    let cli = rightsize::cli::Cli::parse();
    if let Err(err) = rightsize::run(cli) {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
