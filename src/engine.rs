//! Polars engine settings the binary applies (as environment variables, Polars' only interface
//! for them) before any Polars thread starts. Measured on the benchmark tenants (see
//! `BENCHMARKS.md`):
//!
//! - `POLARS_FORCE_ASYNC=1`: read local files through the chunked asynchronous source instead
//!   of memory-mapping them. With a mapping, every page of a multi-gigabyte export stays in the
//!   resident set until the scan ends (4.4 GB of file pages for the 40M-event CSV); chunked
//!   reads keep it at a few 32 MiB buffers, at the same speed.
//! - `POLARS_HOT_TABLE_SIZE`: the streaming group-by aggregates keys in a "hot" table and keeps
//!   every row whose key does not fit ("cold") until the end, so with more users than slots
//!   memory grows with events (1.8 GB for a per-user count over 40M events with the default
//!   4,096 slots, 0.26 GB with 2^20). The table is allocated up front, so it is sized from the
//!   input: about one slot per KiB of CSV (a Parquet byte counts as 16: columnar compression),
//!   between 4,096 and 2^20.
//!
//! A variable the user already set is left alone.

use std::path::Path;

use crate::cli::{Cli, Command};

pub const FORCE_ASYNC: &str = "POLARS_FORCE_ASYNC";
pub const HOT_TABLE_SIZE: &str = "POLARS_HOT_TABLE_SIZE";

const MIN_HOT: u64 = 4_096;
const MAX_HOT: u64 = 1 << 20;

/// The variables to set for this command line, given the variables already set (`is_set`).
pub fn settings(cli: &Cli, is_set: impl Fn(&str) -> bool) -> Vec<(&'static str, String)> {
    let dir = match &cli.command {
        Command::Analyze(a) => &a.input.dir,
        Command::Validate(i) => &i.dir,
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    if !is_set(FORCE_ASYNC) {
        out.push((FORCE_ASYNC, "1".to_string()));
    }
    if !is_set(HOT_TABLE_SIZE) {
        out.push((HOT_TABLE_SIZE, hot_table_size(input_bytes(dir)).to_string()));
    }
    out
}

/// Slots of the group-by hot table for this many input bytes: a power of two, about one per
/// KiB, within `MIN_HOT..=MAX_HOT`.
pub fn hot_table_size(bytes: u64) -> u64 {
    (bytes / 1024).clamp(MIN_HOT, MAX_HOT).next_power_of_two()
}

/// How many bytes of CSV a byte of Parquet stands for, roughly (the benchmark tenants' Parquet
/// is 17 times smaller than their CSV).
const PARQUET_FACTOR: u64 = 16;

/// Size of the files directly in `dir`, as CSV bytes (0 when it cannot be read: the run itself
/// will report that).
fn input_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter_map(|e| {
            let m = e.metadata().ok().filter(|m| m.is_file())?;
            let parquet = e
                .path()
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("parquet"));
            Some(if parquet {
                m.len().saturating_mul(PARQUET_FACTOR)
            } else {
                m.len()
            })
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn hot_table_grows_with_the_input_within_bounds() {
        assert_eq!(hot_table_size(0), 4_096);
        assert_eq!(hot_table_size(100 << 20), 131_072);
        assert_eq!(hot_table_size(1 << 30), 1 << 20);
        assert_eq!(hot_table_size(50 << 30), 1 << 20);
    }

    #[test]
    fn only_reading_commands_get_settings_and_user_values_win() {
        let cli = Cli::parse_from(["rightsize", "analyze", "sample-data"]);
        let all = settings(&cli, |_| false);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0], (FORCE_ASYNC, "1".to_string()));
        let none = settings(&cli, |_| true);
        assert!(none.is_empty());
        let cli = Cli::parse_from(["rightsize", "diff", "a", "b"]);
        assert!(settings(&cli, |_| false).is_empty());
    }
}
