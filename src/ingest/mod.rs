//! Ingestion: one folder in, typed inputs out. Every file is recognised by its header row (not
//! its name), decoded to UTF-8, and read by the reader of its kind; a file that matches no kind
//! is listed as ignored. Rejected rows are collected with file, line and column.

pub mod assignments;
pub mod bill;
pub mod capacity;
pub mod costs;
pub mod decode;
pub mod rejects;
pub mod subscriptions;
pub mod systemusers;
pub mod table;
pub mod timeparse;

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};

use decode::Decoded;

/// What a file in the input folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Assignments,
    Subscriptions,
    Activity,
    /// Canonical events rolled up per user and day (`events` counts), e.g. by `sql/`.
    ActivityDaily,
    Prices,
    Policy,
    /// What-if scenarios (`scenarios.toml`).
    Scenarios,
    SignIns,
    Audit,
    Conversations,
    SystemUsers,
    AdminCenterUsers,
    /// An Azure Cost Management export (EA, MCA, pay-as-you-go or FOCUS).
    Usage,
    /// Capacity consumption: the canonical file or the Power Pages capacity report.
    Capacity,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Assignments => "assignments",
            Kind::Subscriptions => "subscriptions",
            Kind::Activity => "activity",
            Kind::ActivityDaily => "activity-daily",
            Kind::Prices => "prices",
            Kind::Policy => "policy",
            Kind::Scenarios => "scenarios",
            Kind::SignIns => "sign-ins",
            Kind::Audit => "audit",
            Kind::Conversations => "conversations",
            Kind::SystemUsers => "users",
            Kind::AdminCenterUsers => "admin-center-users",
            Kind::Usage => "usage",
            Kind::Capacity => "capacity",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rejected row: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Rejected {
    pub file: String,
    /// 1-based line in the file (CSV), or 0 when unknown.
    pub line: u64,
    /// 1-based row for Parquet inputs, else 0.
    pub row: u64,
    pub column: String,
    pub problem: String,
}

impl Rejected {
    pub fn at_line(file: &str, line: u64, column: &str, problem: impl Into<String>) -> Rejected {
        Rejected {
            file: file.to_string(),
            line,
            row: 0,
            column: column.to_string(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.row > 0 {
            write!(f, "{}: row {}", self.file, self.row)?;
        } else {
            write!(f, "{}:{}", self.file, self.line)?;
        }
        if !self.column.is_empty() {
            write!(f, ": {}", self.column)?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// One file of the input folder, as the manifest and the data-quality section describe it.
#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    /// File name relative to the input folder.
    pub name: String,
    #[serde(skip)]
    pub path: PathBuf,
    pub size: u64,
    pub sha256: String,
    pub kind: Option<Kind>,
    pub format: String,
    /// Why the file is not analysed, when it is not.
    pub ignored: Option<String>,
    pub rows_read: u64,
    pub rows_rejected: u64,
    /// Valid rows that are not activity (failed sign-ins, other apps, unassigned conversations).
    pub rows_skipped: u64,
    /// First and last timestamp (UTC, ISO) an activity source holds.
    pub covers_from: Option<String>,
    pub covers_to: Option<String>,
}

/// A recognised file, ready for its reader.
pub struct Source {
    pub index: usize,
    pub kind: Kind,
    pub name: String,
    pub path: PathBuf,
    /// `None` for Parquet.
    pub decoded: Option<Decoded>,
    /// Column names as written, in file order.
    pub columns: Vec<String>,
}

/// Everything found in the input folder.
pub struct Folder {
    pub files: Vec<InputFile>,
    pub sources: Vec<Source>,
    /// The files' SHA-256 digests, computed on a thread of their own while the analysis reads
    /// the data (hashing a 4 GB export takes seconds); `finish_hashes` puts them in `files`.
    hashing: Option<std::thread::JoinHandle<Result<Vec<String>>>>,
}

impl Folder {
    /// Waits for the digests and writes them into `files`.
    pub fn finish_hashes(&mut self) -> Result<()> {
        let Some(handle) = self.hashing.take() else {
            return Ok(());
        };
        let digests = handle
            .join()
            .map_err(|_| anyhow::anyhow!("the thread hashing the input files stopped"))??;
        for (f, d) in self.files.iter_mut().zip(digests) {
            f.sha256 = d;
        }
        Ok(())
    }

    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Source> {
        self.sources.iter().filter(move |s| s.kind == kind)
    }

    pub fn path_of(&self, kind: Kind) -> Option<&Path> {
        self.of_kind(kind).next().map(|s| s.path.as_path())
    }
}

/// Header names are compared trimmed, with runs of white space folded and case ignored.
pub fn norm_header(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Recognises a kind from a header row.
pub fn detect(columns: &[String]) -> Option<Kind> {
    let cols: Vec<String> = columns.iter().map(|c| norm_header(c)).collect();
    let has = |n: &str| cols.iter().any(|c| c == n);
    let any = |ns: &[&str]| ns.iter().any(|n| has(n));
    if has("user_id") && has("date") && has("operation") && has("events") {
        return Some(Kind::ActivityDaily);
    }
    if has("user_id") && has("timestamp") && has("operation") {
        return Some(Kind::Activity);
    }
    if has("createdon") && has("operation") && any(&["objecttypecode", "_userid_value"]) {
        return Some(Kind::Audit);
    }
    if has("date (utc)") && has("application id") && any(&["user id", "username"]) {
        return Some(Kind::SignIns);
    }
    if has("msdyn_channel") && any(&["_msdyn_activeagentid_value", "msdyn_activeagentid"]) {
        return Some(Kind::Conversations);
    }
    if has("systemuserid") && has("azureactivedirectoryobjectid") {
        return Some(Kind::SystemUsers);
    }
    if has("user principal name") && has("licenses") {
        return Some(Kind::AdminCenterUsers);
    }
    if costs::Schema::detect(&cols).is_some() {
        return Some(Kind::Usage);
    }
    if capacity::Format::detect(&cols).is_some() {
        return Some(Kind::Capacity);
    }
    let sku = any(&["sku", "skuid", "skupartnumber"]);
    if sku && any(&["purchased", "prepaidunits.enabled", "totallicenses"]) {
        return Some(Kind::Subscriptions);
    }
    if sku && any(&["user_id", "userid", "userprincipalname", "upn"]) {
        return Some(Kind::Assignments);
    }
    None
}

/// Lists, hashes and recognises every file of `dir` (sorted by name, so runs are deterministic).
pub fn scan(dir: &Path, forced_encoding: Option<&'static encoding_rs::Encoding>) -> Result<Folder> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read input folder {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("cannot list input folder {}", dir.display()))?;
    entries.sort();
    let mut files = Vec::new();
    let mut sources = Vec::new();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            continue;
        }
        let size = std::fs::metadata(&path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let mut info = InputFile {
            name: name.clone(),
            path: path.clone(),
            size,
            sha256: String::new(),
            kind: None,
            format: ext.clone(),
            ignored: None,
            rows_read: 0,
            rows_rejected: 0,
            rows_skipped: 0,
            covers_from: None,
            covers_to: None,
        };
        let index = files.len();
        if size == 0 {
            info.ignored = Some("empty file".into());
            files.push(info);
            continue;
        }
        let found: Option<(Kind, Option<Decoded>, Vec<String>)> = match ext.as_str() {
            "toml" if name.eq_ignore_ascii_case("prices.toml") => {
                Some((Kind::Prices, None, vec![]))
            }
            "toml" if name.eq_ignore_ascii_case("policy.toml") => {
                Some((Kind::Policy, None, vec![]))
            }
            "toml" if name.eq_ignore_ascii_case("scenarios.toml") => {
                Some((Kind::Scenarios, None, vec![]))
            }
            "csv" | "tsv" | "txt" => {
                // decode's errors name the file and line already
                let dec = decode::open(&path, forced_encoding)?;
                info.format = format!(
                    "csv ({}, delimiter {}{}{})",
                    dec.encoding,
                    show_delim(dec.delimiter),
                    if dec.preamble.is_empty() { "" } else { "; " },
                    dec.preamble
                );
                let cols = dec.header.clone();
                detect(&cols).map(|k| (k, Some(dec), cols))
            }
            "parquet" => {
                let cols = parquet_columns(&path).with_context(|| format!("reading {name}"))?;
                info.format = "parquet".into();
                detect(&cols).map(|k| (k, None, cols))
            }
            _ => None,
        };
        match found {
            Some((kind, decoded, columns)) => {
                info.kind = Some(kind);
                sources.push(Source {
                    index,
                    kind,
                    name: name.clone(),
                    path: path.clone(),
                    decoded,
                    columns,
                });
            }
            None => {
                info.ignored = Some(match ext.as_str() {
                    "csv" | "tsv" | "txt" | "parquet" => {
                        "header matches no known input kind".to_string()
                    }
                    "toml" => {
                        "only prices.toml, policy.toml and scenarios.toml are read".to_string()
                    }
                    _ => "not a .csv, .parquet or .toml file".to_string(),
                })
            }
        }
        files.push(info);
    }
    let paths: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    let hashing = std::thread::spawn(move || {
        paths
            .iter()
            .map(|p| hash_file(p).map(|(_, digest)| digest))
            .collect()
    });
    Ok(Folder {
        files,
        sources,
        hashing: Some(hashing),
    })
}

fn show_delim(d: u8) -> String {
    match d {
        b'\t' => "tab".into(),
        other => format!("'{}'", other as char),
    }
}

fn parquet_columns(path: &Path) -> Result<Vec<String>> {
    use polars::prelude::*;
    let pl_path = PlRefPath::try_from_path(path)?;
    let mut lf = LazyFrame::scan_parquet(pl_path, ScanArgsParquet::default())?;
    let schema = lf.collect_schema()?;
    Ok(schema.iter_names().map(|n| n.to_string()).collect())
}

fn hash_file(path: &Path) -> Result<(u64, String)> {
    let mut f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((size, hex::encode(hasher.finalize())))
}

/// SHA-256 of a text, hex.
pub fn sha256_hex(text: &[u8]) -> String {
    hex::encode(Sha256::digest(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(s: &str) -> Vec<String> {
        s.split(',').map(str::to_string).collect()
    }

    #[test]
    fn kinds_are_detected_by_header() {
        let cases = [
            (
                "canonical assignments",
                "user_id,sku,upn",
                Some(Kind::Assignments),
            ),
            (
                "graph licence details",
                "userPrincipalName,skuId,skuPartNumber",
                Some(Kind::Assignments),
            ),
            (
                "canonical subscriptions",
                "sku,purchased,assigned",
                Some(Kind::Subscriptions),
            ),
            (
                "graph subscribedSkus",
                "skuId,skuPartNumber,prepaidUnits.enabled,consumedUnits",
                Some(Kind::Subscriptions),
            ),
            (
                "graph directory/subscriptions",
                "id,skuId,skuPartNumber,isTrial,status,totalLicenses,nextLifecycleDateTime",
                Some(Kind::Subscriptions),
            ),
            (
                "directory/subscriptions by PowerShell Export-Csv",
                "CommerceSubscriptionId,CreatedDateTime,Id,IsTrial,NextLifecycleDateTime,OwnerId,\
                 ServiceStatus,SkuId,SkuPartNumber,Status,TotalLicenses,AdditionalProperties",
                Some(Kind::Subscriptions),
            ),
            (
                "canonical activity, odd case and spaces",
                " User_ID ,TIMESTAMP,operation,table",
                Some(Kind::Activity),
            ),
            (
                "audit",
                "auditid,createdon,operation,action,objecttypecode,_userid_value",
                Some(Kind::Audit),
            ),
            (
                "sign-ins with trailing space",
                "Date (UTC),User ID,Username,Application ID ,Status",
                Some(Kind::SignIns),
            ),
            (
                "conversations",
                "activityid,msdyn_channel,_msdyn_activeagentid_value",
                Some(Kind::Conversations),
            ),
            (
                "admin center",
                "Display name,User principal name,Licenses,Object Id",
                Some(Kind::AdminCenterUsers),
            ),
            (
                "daily roll-up",
                "user_id,date,operation,table,events",
                Some(Kind::ActivityDaily),
            ),
            (
                "cost export, EA",
                "Date,MeterCategory,MeterSubCategory,MeterName,Quantity,CostInBillingCurrency,BillingCurrencyCode,ConsumedService",
                Some(Kind::Usage),
            ),
            (
                "cost export, MCA",
                "date,meterCategory,meterName,costInBillingCurrency,billingCurrency,consumedService",
                Some(Kind::Usage),
            ),
            (
                "cost export, pay-as-you-go",
                "UsageDateTime,MeterCategory,MeterName,UsageQuantity,PreTaxCost,ConsumedService,Currency",
                Some(Kind::Usage),
            ),
            (
                "cost export, FOCUS 1.2 (has SkuId)",
                "ChargePeriodStart,BilledCost,BillingCurrency,ServiceName,SkuId,SkuMeter,x_SkuMeterCategory",
                Some(Kind::Usage),
            ),
            (
                "capacity, canonical",
                "month,resource,consumed",
                Some(Kind::Capacity),
            ),
            (
                "capacity, Power Pages report with odd spacing",
                "Environment ID,Environment Name,Resource Type,Resource ID,Meter Category,Meter  Subcategory,Usage Datetime,Billed Quantity ,Unit of Measure,Website License Type",
                Some(Kind::Capacity),
            ),
            ("unknown", "a,b,c", None),
        ];
        for (name, header, want) in cases {
            assert_eq!(detect(&cols(header)), want, "{name}");
        }
    }
}
