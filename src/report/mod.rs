//! Reports: every format renders the same `Analysis` to bytes (tested in memory); writing the
//! folder is a separate, atomic step (a temporary folder renamed into place).

pub mod charts;
pub mod csv_out;
pub mod html;
pub mod json;
pub mod xlsx;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rust_decimal::Decimal;

use crate::analysis::Analysis;
use crate::diff::Diff;
use crate::ingest::sha256_hex;
use crate::savings::Priced;

/// Output formats a run can write (the manifest is always written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Csv,
    Html,
    Json,
    Xlsx,
}

impl Format {
    pub fn parse_list(s: &str) -> Result<Vec<Format>, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            out.push(match part.to_ascii_lowercase().as_str() {
                "csv" => Format::Csv,
                "html" => Format::Html,
                "json" => Format::Json,
                "xlsx" => Format::Xlsx,
                other => {
                    return Err(format!(
                        "unknown format \"{other}\" (csv, html, json, xlsx)"
                    ));
                }
            });
        }
        if out.is_empty() {
            return Err("no format given".into());
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// What a report holds besides the analysis itself.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// The trend against the previous report (`analyze --previous`).
    pub trend: Option<Diff>,
    /// User ids, UPNs and names were replaced by keyed pseudonyms.
    pub pseudonymised: bool,
}

/// Renders every requested format, then the manifest over them.
pub fn render(
    a: &Analysis,
    formats: &[Format],
    extras: &Extras,
    progress: &crate::progress::Progress,
) -> Result<Vec<(String, Vec<u8>)>> {
    type Rendered = Result<Vec<(String, Vec<u8>)>>;
    let one = |name: &str, bytes: Result<Vec<u8>>| -> Rendered { Ok(vec![(name.into(), bytes?)]) };
    let mut jobs: Vec<Box<dyn FnOnce() -> Rendered + Send + '_>> = Vec::new();
    if formats.contains(&Format::Csv) {
        jobs.push(Box::new(move || {
            let _t = progress.timing("rendering csv");
            let mut files = csv_out::render(a)?;
            if let Some(d) = &extras.trend {
                files.extend(csv_out::render_trend(d)?);
            }
            Ok(files)
        }));
    }
    if formats.contains(&Format::Json) {
        jobs.push(Box::new(move || {
            let _t = progress.timing("rendering json");
            one("report.json", json::report(a, extras))
        }));
    }
    if formats.contains(&Format::Html) {
        jobs.push(Box::new(move || {
            let _t = progress.timing("rendering html");
            one("report.html", html::render(a, extras))
        }));
    }
    if formats.contains(&Format::Xlsx) {
        jobs.push(Box::new(move || {
            let _t = progress.timing("rendering xlsx");
            one("report.xlsx", xlsx::render(a, extras))
        }));
    }
    // The formats are independent: each renders on its own thread (for a 100k-user tenant the
    // XLSX and JSON take seconds each).
    let results: Vec<Rendered> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs.into_iter().map(|job| scope.spawn(job)).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a report renderer stopped")))
            })
            .collect()
    });
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for r in results {
        files.extend(r?);
    }
    files.sort_by(|x, y| x.0.cmp(&y.0));
    let manifest = json::manifest(a, &files)?;
    files.push(("manifest.json".into(), manifest));
    Ok(files)
}

/// Writes `files` into `dir` completely or not at all: a temporary sibling folder is filled,
/// then renamed into place (an earlier folder of that name is replaced).
pub fn write_atomic(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    if dir.exists() && !dir.is_dir() {
        bail!("{} exists and is not a folder", dir.display());
    }
    let tmp = tempfile::Builder::new()
        .prefix(".rightsize-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot create a temporary folder in {}", parent.display()))?;
    for (name, bytes) in files {
        std::fs::write(tmp.path().join(name), bytes)
            .with_context(|| format!("cannot write {name} in {}", tmp.path().display()))?;
    }
    let old = if dir.exists() {
        let old = tempfile::Builder::new()
            .prefix(".rightsize-old-")
            .tempdir_in(&parent)
            .context("cannot create a temporary folder")?;
        let old_path = old.path().join("previous");
        std::fs::rename(dir, &old_path)
            .with_context(|| format!("cannot move the earlier {} aside", dir.display()))?;
        Some(old)
    } else {
        None
    };
    let tmp_path = tmp.keep();
    if let Err(e) = std::fs::rename(&tmp_path, dir) {
        let _ = std::fs::remove_dir_all(&tmp_path);
        return Err(e).with_context(|| format!("cannot move the report into {}", dir.display()));
    }
    drop(old); // removes the previous report
    Ok(())
}

/// Text safe to open in a spreadsheet: a cell that starts like a formula gets a leading `'`.
pub fn safe_text(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '\0') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// Digest of the texts a policy or price book was built from.
pub fn digest(texts: &[String]) -> String {
    sha256_hex(texts.join("\n\u{0}\n").as_bytes())
}

/// The figures finance reads first.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    pub monthly: Decimal,
    pub annual: Decimal,
    /// Users whose saving is unknown (a price is missing); not in the amounts.
    pub unknown: u64,
    /// Seats held now (bought, else assigned) minus seats recommended, summed over the SKUs
    /// that shrink.
    pub seats_to_reduce: i64,
}

pub fn headline(a: &Analysis) -> Headline {
    let total = a.summary.iter().find(|s| s.group == "total");
    Headline {
        monthly: total.map_or(Decimal::ZERO, |t| t.monthly_saving),
        annual: total.map_or(Decimal::ZERO, |t| t.annual_saving),
        unknown: total.map_or(0, |t| t.unknown),
        seats_to_reduce: a
            .renewal
            .iter()
            .map(|r| (r.bought.unwrap_or(r.assigned) as i64 - r.recommended as i64).max(0))
            .sum(),
    }
}

/// One department's users and savings.
#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentRow {
    pub name: String,
    pub users: u64,
    /// Users whose recommended licences differ from their current ones.
    pub changes: u64,
    pub monthly_saving: Decimal,
}

/// Departments by known monthly saving, largest first (ties by name).
pub fn departments(a: &Analysis) -> Vec<DepartmentRow> {
    let mut dept: std::collections::BTreeMap<String, DepartmentRow> = Default::default();
    for p in &a.priced {
        let name = if p.rec.user.department.is_empty() {
            "(none)".to_string()
        } else {
            p.rec.user.department.clone()
        };
        let e = dept.entry(name.clone()).or_insert(DepartmentRow {
            name,
            users: 0,
            changes: 0,
            monthly_saving: Decimal::ZERO,
        });
        e.users += 1;
        if p.rec.recommended != p.rec.current || p.rec.device.is_some() {
            e.changes += 1;
        }
        e.monthly_saving += p.monthly_saving.unwrap_or(Decimal::ZERO);
    }
    let mut out: Vec<_> = dept.into_values().collect();
    out.sort_by(|x, y| {
        y.monthly_saving
            .cmp(&x.monthly_saving)
            .then(x.name.cmp(&y.name))
    });
    out
}

/// The policy's thresholds and targets as (setting, value) text, for the method sections.
pub fn settings(a: &Analysis) -> Vec<(String, String)> {
    let p = &a.policy;
    vec![
        ("lookback_days".into(), p.lookback_days.to_string()),
        ("grace_days".into(), p.grace_days.to_string()),
        (
            "occasional_days (per 30)".into(),
            p.occasional_days.to_string(),
        ),
        ("premium_features".into(), p.premium_features.join(", ")),
        ("device.user_share".into(), p.device.user_share.to_string()),
        ("device.min_users".into(), p.device.min_users.to_string()),
        (
            "device.max_dominant_share".into(),
            p.device.max_dominant_share.to_string(),
        ),
        ("target team-member".into(), p.targets.team_member.clone()),
        ("target activity".into(), p.targets.activity.clone()),
        ("target full".into(), p.targets.full.clone()),
        ("target device".into(), p.targets.device.clone()),
        (
            "renewal_date".into(),
            p.renewal_date.map_or("not set".into(), |d| d.to_string()),
        ),
    ]
}

/// Total of the known monthly savings.
pub fn total_monthly(priced: &[Priced]) -> Decimal {
    priced.iter().filter_map(|p| p.monthly_saving).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_injection_is_neutralised() {
        let cases = [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-cmd", "'-cmd"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("Anna", "Anna"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(safe_text(input), want, "{input:?}");
        }
    }

    #[test]
    fn formats_parse() {
        assert_eq!(
            Format::parse_list("json,csv"),
            Ok(vec![Format::Csv, Format::Json])
        );
        assert_eq!(Format::parse_list("XLSX"), Ok(vec![Format::Xlsx]));
        assert!(Format::parse_list("pdf").is_err());
        assert!(Format::parse_list("").is_err());
    }

    #[test]
    fn atomic_write_replaces_a_folder() {
        let root = tempfile::tempdir().expect("temp");
        let dir = root.path().join("r");
        write_atomic(&dir, &[("a.txt".into(), b"1".to_vec())]).expect("first");
        write_atomic(&dir, &[("b.txt".into(), b"2".to_vec())]).expect("second");
        assert!(!dir.join("a.txt").exists());
        assert_eq!(std::fs::read(dir.join("b.txt")).expect("b"), b"2");
        let leftovers = std::fs::read_dir(root.path()).expect("list").count();
        assert_eq!(leftovers, 1, "no temporary folders left behind");
    }
}
