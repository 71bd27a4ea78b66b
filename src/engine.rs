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
//!   4,096 slots, 0.26 GB with 2^20). The table is allocated (and filled) up front in every
//!   group-by of every pass, so it is sized from the largest pass: about one slot per KiB of
//!   it, between 4,096 and 2^20. A Parquet file is one pass (a byte of it counts as 16:
//!   columnar compression); a CSV activity file is read in windows of
//!   `profile::CSV_WINDOW_BYTES`, one pass each, so it counts as one window at most. Sized
//!   from the whole CSV instead (2^20 slots, 12 MiB per table), the tables of the hundred
//!   passes over a 3 GB export were a third of all CPU time, mostly the kernel faulting in
//!   their pages. With `audit_own_record = "creator"` in the policy an audit CSV is read in one
//!   pass (its creates are joined across the file), so CSV files then count whole.
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
    let input = match &cli.command {
        Command::Analyze(a) => &a.input,
        Command::Validate(i) => i,
        _ => return Vec::new(),
    };
    let dir = &input.dir;
    let whole_csv = input
        .policy
        .clone()
        .or_else(|| policy_in(dir))
        .is_some_and(|p| reads_audit_whole(&p));
    let mut out = Vec::new();
    if !is_set(FORCE_ASYNC) {
        out.push((FORCE_ASYNC, "1".to_string()));
    }
    if !is_set(HOT_TABLE_SIZE) {
        out.push((
            HOT_TABLE_SIZE,
            hot_table_size(input_bytes(dir, whole_csv)).to_string(),
        ));
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

/// The folder's own policy file, named as `ingest` recognises it (any case).
fn policy_in(dir: &Path) -> Option<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.eq_ignore_ascii_case("policy.toml"))
        })
}

/// Whether the policy finds own records by their creator (`audit_own_record = "creator"`):
/// an audit CSV is then read in one pass, joining its creates across the whole file. A policy
/// that cannot be read counts as not (the run itself reports it).
fn reads_audit_whole(policy: &Path) -> bool {
    std::fs::read_to_string(policy)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .and_then(|t| Some(t.get("audit_own_record")?.as_str()? == "creator"))
        .unwrap_or(false)
}

/// The bytes of CSV the largest single pass over a file directly in `dir` reads (0 when the
/// folder cannot be read: the run itself will report that); `whole_csv` when a CSV file may
/// be read in one pass.
fn input_bytes(dir: &Path, whole_csv: bool) -> u64 {
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
            Some(pass_bytes(m.len(), parquet, whole_csv))
        })
        .max()
        .unwrap_or(0)
}

/// The bytes of CSV one pass over a file of `len` bytes reads (`whole_csv`: a CSV file may be
/// read in one pass).
fn pass_bytes(len: u64, parquet: bool, whole_csv: bool) -> u64 {
    match (parquet, whole_csv) {
        (true, _) => len.saturating_mul(PARQUET_FACTOR),
        (false, true) => len,
        (false, false) => len.min(crate::profile::CSV_WINDOW_BYTES as u64),
    }
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
    fn a_csv_file_counts_one_window_and_parquet_all_of_it() {
        let window = crate::profile::CSV_WINDOW_BYTES as u64;
        assert_eq!(pass_bytes(1 << 20, false, false), 1 << 20);
        assert_eq!(pass_bytes(3 << 30, false, false), window);
        assert_eq!(pass_bytes(3 << 30, false, true), 3 << 30);
        assert_eq!(pass_bytes(1 << 30, true, false), 16 << 30);
        assert_eq!(hot_table_size(pass_bytes(3 << 30, false, false)), 32_768);
    }

    #[test]
    fn the_largest_file_sizes_the_table() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        for (name, len) in [
            ("a.csv", 5 << 10),
            ("b.parquet", 1 << 10),
            ("c.csv", 3 << 10),
        ] {
            std::fs::write(dir.path().join(name), vec![b'x'; len]).expect("a test file");
        }
        assert_eq!(input_bytes(dir.path(), false), 16 << 10);
        assert_eq!(input_bytes(&dir.path().join("missing"), false), 0);
    }

    #[test]
    fn an_audit_log_joined_by_creator_counts_whole() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let big = crate::profile::CSV_WINDOW_BYTES + (1 << 20);
        std::fs::write(dir.path().join("audit.csv"), vec![b'x'; big]).expect("a test file");
        let policy = dir.path().join("Policy.toml");
        assert!(!reads_audit_whole(&policy));
        std::fs::write(&policy, "audit_own_record = \"never\"\n").expect("a policy");
        assert!(!reads_audit_whole(&policy));
        let cli = Cli::parse_from(["rightsize", "analyze", dir.path().to_str().expect("utf-8")]);
        let hot = || hot_of(&cli);
        assert_eq!(hot(), Some("32768".to_string()));
        std::fs::write(&policy, "audit_own_record = \"creator\"\n").expect("a policy");
        assert!(reads_audit_whole(&policy));
        assert_eq!(hot(), Some("65536".to_string()));
        // `--policy` overrides the folder's own.
        std::fs::write(&policy, "audit_own_record = \"never\"\n").expect("a policy");
        let elsewhere = tempfile::tempdir().expect("a temporary folder");
        let given = elsewhere.path().join("mine.toml");
        std::fs::write(&given, "audit_own_record = \"creator\"\n").expect("a policy");
        let cli = Cli::parse_from([
            "rightsize",
            "analyze",
            dir.path().to_str().expect("utf-8"),
            "--policy",
            given.to_str().expect("utf-8"),
        ]);
        assert_eq!(hot_of(&cli), Some("65536".to_string()));
    }

    /// The hot table size `settings` sets for a command line.
    fn hot_of(cli: &Cli) -> Option<String> {
        settings(cli, |_| false)
            .into_iter()
            .find(|(v, _)| *v == HOT_TABLE_SIZE)
            .map(|(_, n)| n)
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
