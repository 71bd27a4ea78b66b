//! Capacity consumption (spec section 8, facts section 6): the canonical `month, resource,
//! consumed` file (Copilot credits, IVR and Call Intelligence minutes, record routes, Dataverse
//! GB in use at month end) and the Power Pages capacity report (monthly authenticated and
//! anonymous users per site: the sum of `Billed Quantity` per site and month). Small files,
//! read row by row so every problem names its line.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};

use super::costs::{decimal_problem, parse_decimal};
use super::table::Table;
use super::timeparse::TimeFormat;
use super::{Rejected, Source, norm_header};
use crate::usage::{CapacityTotals, Mau, Month, Resource, Site};

/// Which capacity file a header is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Canonical,
    PowerPages,
}

impl Format {
    /// The format of a header (normalised names, see `norm_header`).
    pub fn detect(cols: &[String]) -> Option<Format> {
        let has = |n: &str| cols.iter().any(|c| c == n);
        if has("month") && has("resource") && has("consumed") {
            Some(Format::Canonical)
        } else if has("environment id")
            && has("meter subcategory")
            && has("usage datetime")
            && has("billed quantity")
        {
            Some(Format::PowerPages)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Canonical => "canonical capacity",
            Format::PowerPages => "Power Pages capacity report",
        }
    }
}

/// What one capacity file held.
#[derive(Debug, Clone)]
pub struct FileTotals {
    pub index: usize,
    pub format: Format,
    pub rows: u64,
    pub rejected: u64,
    pub first: Option<Month>,
    pub last: Option<Month>,
}

/// Reads every capacity file; rows of one resource (or site) and month add up.
pub fn read(
    sources: &[&Source],
    rejected: &mut Vec<Rejected>,
) -> Result<(CapacityTotals, Vec<FileTotals>)> {
    let mut totals = CapacityTotals::default();
    let mut files = Vec::new();
    for src in sources {
        let before = rejected.len();
        let t = Table::from_source(src, "capacity files", rejected)?;
        let normalised: Vec<String> = src.columns.iter().map(|c| norm_header(c)).collect();
        let format = Format::detect(&normalised)
            .ok_or_else(|| anyhow!("{}: not a capacity file", src.name))?;
        let months = match format {
            Format::Canonical => canonical(&t, &mut totals, rejected)?,
            Format::PowerPages => power_pages(&t, &mut totals, rejected)?,
        };
        let bad = (rejected.len() - before) as u64;
        files.push(FileTotals {
            index: src.index,
            format,
            rows: months.len() as u64,
            rejected: bad,
            first: months.iter().min().copied(),
            last: months.iter().max().copied(),
        });
    }
    Ok((totals, files))
}

fn need(t: &Table, name: &str) -> Result<usize> {
    t.col(&[name])
        .ok_or_else(|| anyhow!("{}: no `{name}` column", t.name))
}

/// A consumption: a decimal, not negative.
fn amount(text: &str) -> Result<rust_decimal::Decimal, String> {
    match parse_decimal(text) {
        Some(d) if d.is_sign_negative() && !d.is_zero() => {
            Err(format!("\"{text}\" is negative: consumption cannot be"))
        }
        Some(d) => Ok(d),
        None if text.is_empty() => Err("no value".into()),
        None => Err(decimal_problem(text)),
    }
}

/// The months of the valid rows, one per row.
fn canonical(
    t: &Table,
    totals: &mut CapacityTotals,
    rejected: &mut Vec<Rejected>,
) -> Result<Vec<Month>> {
    let (c_month, c_res, c_cons) = (
        need(t, "month")?,
        need(t, "resource")?,
        need(t, "consumed")?,
    );
    let mut months = Vec::new();
    for row in &t.rows {
        let get = |c: usize| row.record.get(c).unwrap_or("").trim();
        let Some(month) = Month::parse(get(c_month)) else {
            let v = get(c_month);
            rejected.push(t.reject(
                row.line,
                Some(c_month),
                format!("\"{v}\" is not a month like 2026-10"),
            ));
            continue;
        };
        let Some(resource) = Resource::parse(get(c_res)) else {
            let names: Vec<&str> = Resource::ALL.iter().map(|r| r.as_str()).collect();
            rejected.push(t.reject(
                row.line,
                Some(c_res),
                format!(
                    "unknown resource \"{}\" (one of {})",
                    get(c_res),
                    names.join(", ")
                ),
            ));
            continue;
        };
        let consumed = match amount(get(c_cons)) {
            Ok(v) => v,
            Err(p) => {
                rejected.push(t.reject(row.line, Some(c_cons), p));
                continue;
            }
        };
        *totals.consumed.entry((resource, month)).or_default() += consumed;
        months.push(month);
    }
    Ok(months)
}

fn power_pages(
    t: &Table,
    totals: &mut CapacityTotals,
    rejected: &mut Vec<Rejected>,
) -> Result<Vec<Month>> {
    let c_env = need(t, "environment id")?;
    let c_env_name = t.col(&["environment name"]);
    let c_site = t.col(&["resource id"]);
    let c_sub = need(t, "meter subcategory")?;
    let c_when = need(t, "usage datetime")?;
    let c_qty = need(t, "billed quantity")?;
    let first = t
        .rows
        .iter()
        .filter_map(|r| r.record.get(c_when).map(str::trim))
        .find(|v| !v.is_empty());
    let format = match first {
        None => TimeFormat::Iso,
        Some(s) => TimeFormat::detect(s).ok_or_else(|| {
            anyhow!(
                "{}: {}: the first date \"{s}\" is neither ISO 8601 nor M/D/YYYY; the format of a \
                 file is decided from its first value",
                t.name,
                t.header_name(c_when)
            )
        })?,
    };
    let mut months = Vec::new();
    let mut sums: BTreeMap<(Site, Month), Mau> = BTreeMap::new();
    for row in &t.rows {
        let get = |c: usize| row.record.get(c).unwrap_or("").trim();
        let when = get(c_when);
        let Some(month) = format.parse(when).and_then(Month::of_ms) else {
            rejected.push(t.reject(
                row.line,
                Some(c_when),
                format!(
                    "\"{when}\" is not a date in the file's format ({})",
                    format.describe()
                ),
            ));
            continue;
        };
        let anonymous = match get(c_sub).to_ascii_lowercase().as_str() {
            "authenticated mau" => false,
            "anonymous mau" => true,
            other => {
                rejected.push(t.reject(
                    row.line,
                    Some(c_sub),
                    format!("\"{other}\" is neither \"authenticated mau\" nor \"anonymous mau\""),
                ));
                continue;
            }
        };
        let qty = match amount(get(c_qty)) {
            Ok(v) => v,
            Err(p) => {
                rejected.push(t.reject(row.line, Some(c_qty), p));
                continue;
            }
        };
        let environment = match c_env_name.map(get).filter(|n| !n.is_empty()) {
            Some(name) => name.to_string(),
            None => get(c_env).to_string(),
        };
        let site = Site {
            environment,
            resource: c_site.map(get).unwrap_or_default().to_string(),
        };
        let mau = sums.entry((site, month)).or_default();
        if anonymous {
            mau.anonymous += qty;
        } else {
            mau.authenticated += qty;
        }
        months.push(month);
    }
    for (k, v) in sums {
        let mau = totals.pages.entry(k).or_default();
        mau.authenticated += v.authenticated;
        mau.anonymous += v.anonymous;
    }
    Ok(months)
}
