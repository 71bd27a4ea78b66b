//! The command line (clap derive) and its translation into validated options before any work.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

use crate::report::Format;

/// Right-sizes Dynamics 365 Customer Service / Contact Center licences from the tenant's exports.
#[derive(Debug, Parser)]
#[command(name = "rightsize", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read every export in DIR and write the savings report folder.
    Analyze(AnalyzeArgs),
    /// Read and check every export in DIR; print what was found and every data problem; write nothing.
    Validate(InputArgs),
    /// Write a deterministic synthetic tenant (canonical inputs) for demos, tests and benchmarks.
    Generate(GenerateArgs),
    /// Compare two report folders (e.g. last quarter's and this one's): seats, classes, savings.
    Diff(DiffArgs),
    /// Email a report folder to finance over SMTP (or write the message with --eml).
    Send(SendArgs),
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// Folder holding the exports (files are recognised by their header row).
    #[arg(default_value = "sample-data")]
    pub dir: PathBuf,
    /// Price book overriding the built-in one (default: prices.toml in DIR, if present).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Policy overriding the built-in one (default: policy.toml in DIR, if present).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// What-if scenarios (default: scenarios.toml in DIR, if present).
    #[arg(long, value_name = "FILE")]
    pub scenarios: Option<PathBuf>,
    /// End of the analysis window (default: the latest activity timestamp).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// Encoding of CSV files that have no byte-order mark (e.g. windows-1252); default UTF-8.
    #[arg(long, value_name = "LABEL", value_parser = parse_encoding)]
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// No progress indicators.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Report folder (default: reports/<as-of date>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Formats to write, comma-separated: csv, html, json, xlsx (manifest.json is always written).
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "csv,html,json,xlsx", value_parser = parse_format)]
    pub format: Vec<Format>,
    /// An earlier report folder (e.g. last quarter's): the report gets the trend against it.
    #[arg(long, value_name = "DIR")]
    pub previous: Option<PathBuf>,
    /// Replace user ids, UPNs and names with keyed pseudonyms (HMAC-SHA-256) in every output.
    /// The key comes from RIGHTSIZE_PSEUDONYM_KEY or --pseudonym-key-file.
    #[arg(long)]
    pub pseudonymise: bool,
    /// File holding the pseudonym key (instead of RIGHTSIZE_PSEUDONYM_KEY).
    #[arg(long, value_name = "FILE", requires = "pseudonymise")]
    pub pseudonym_key_file: Option<PathBuf>,
    /// Also write the pseudonym → original mapping (CSV) to FILE, for the admin only.
    #[arg(long, value_name = "FILE", requires = "pseudonymise")]
    pub pseudonym_map: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier report folder (holding report.json).
    pub old: PathBuf,
    /// The later report folder.
    pub new: PathBuf,
    /// Also write trend.csv and user-changes.csv into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The report folder to send (written by `rightsize analyze`).
    pub report_dir: PathBuf,
    /// Recipients (repeat the option or separate with commas).
    #[arg(long, value_name = "ADDR", required = true, num_args = 1.., value_delimiter = ',')]
    pub to: Vec<String>,
    /// Copy recipients.
    #[arg(long, value_name = "ADDR", num_args = 1.., value_delimiter = ',')]
    pub cc: Vec<String>,
    /// Subject (default: "Dynamics 365 licence right-sizing as of <as-of>").
    #[arg(long)]
    pub subject: Option<String>,
    /// SMTP settings file (url, from, user, password); default: the RIGHTSIZE_SMTP_* environment.
    #[arg(long, value_name = "FILE")]
    pub smtp_config: Option<PathBuf>,
    /// Write the message to FILE (.eml) instead of sending it.
    #[arg(long, value_name = "FILE")]
    pub eml: Option<PathBuf>,
    /// Send even though this report folder was already sent.
    #[arg(long)]
    pub force: bool,
    /// No progress indicators.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of licensed users.
    #[arg(long, default_value_t = 150, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub users: u64,
    /// Days of activity, ending on --as-of.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: u32,
    /// Seed: the same seed gives the same tenant.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Last day of the generated activity.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, default_value = "2026-10-31")]
    pub as_of: NaiveDate,
    /// Folder to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Which files to write: rightsize's canonical CSVs, or Microsoft's own exports of the same
    /// tenant (admin-center users, sign-ins, audit, conversations, systemuser, subscribedSkus).
    #[arg(long, value_enum, default_value = "canonical")]
    pub format: crate::generate::Format,
    /// Write the canonical activity events as Parquet (activity.parquet) instead of CSV.
    #[arg(long)]
    pub parquet: bool,
    /// Write an earlier quarter of another tenant: the one this seed gives as of DATE. Most
    /// users are the same (same ids and names); some behave differently, a few have left since
    /// and that tenant's new hires are not there yet.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub roster_as_of: Option<NaiveDate>,
    /// Schema of the Azure Cost Management export written beside the tenant (cost-export.csv,
    /// with a capacity.csv of the tenant's monthly consumption).
    #[arg(long, value_enum, default_value = "ea")]
    pub cost_schema: crate::generate::CostSchema,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("\"{s}\" is not a date like 2026-10-31"))
}

fn parse_encoding(s: &str) -> Result<&'static encoding_rs::Encoding, String> {
    crate::ingest::decode::encoding_for_label(s)
        .ok_or_else(|| format!("unknown encoding \"{s}\" (e.g. utf-8, windows-1252, utf-16le)"))
}

fn parse_format(s: &str) -> Result<Format, String> {
    // clap splits the list on commas and calls this once per item.
    Format::parse_list(s).map(|v| v[0])
}
