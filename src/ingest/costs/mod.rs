//! The Azure Cost Management export (spec section 8, facts section 5) in its four schemas — EA,
//! MCA, pay-as-you-go and FOCUS 1.0/1.2 — CSV or Parquet, read once with Polars' streaming
//! engine and summed in the same pass to (service, category, subcategory, meter) × month: an
//! export of ten million rows is never held. Costs are parsed from their text to `Decimal`
//! (exact, refunds kept); the date format is decided once per file from its first value.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use anyhow::{Result, anyhow, bail};
use polars::prelude::*;
use rust_decimal::Decimal;

mod frame;

use crate::ingest::decode::lines_of_rows;
use frame::{first_format, header, internal, open, structural_error};

use super::timeparse::TimeFormat;
use super::{Rejected, Source, norm_header};
use crate::usage::lines::{LineRules, Meter};
use crate::usage::{CostGroup, CostTotals, Month};

/// How many rejected rows per file are kept with their details (all are counted).
const MAX_REJECTS_KEPT: usize = 10_000;

/// Which Cost Management schema a file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    Ea,
    Mca,
    PayAsYouGo,
    Focus,
}

/// The columns of a schema, each as the normalised header names to try in order.
struct Names {
    date: &'static [&'static str],
    cost: &'static [&'static str],
    currency: &'static [&'static str],
    service: &'static [&'static str],
    category: &'static [&'static str],
    subcategory: &'static [&'static str],
    meter: &'static [&'static str],
}

impl Schema {
    /// The schema of a header (normalised names, see `norm_header`).
    pub fn detect(cols: &[String]) -> Option<Schema> {
        let has = |n: &str| cols.iter().any(|c| c == n);
        if has("chargeperiodstart") && has("billedcost") && has("billingcurrency") {
            Some(Schema::Focus)
        } else if has("usagedatetime") && has("pretaxcost") {
            Some(Schema::PayAsYouGo)
        } else if has("date") && has("costinbillingcurrency") && has("billingcurrencycode") {
            Some(Schema::Ea)
        } else if has("date") && has("costinbillingcurrency") && has("billingcurrency") {
            Some(Schema::Mca)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Schema::Ea => "EA",
            Schema::Mca => "MCA",
            Schema::PayAsYouGo => "pay-as-you-go",
            Schema::Focus => "FOCUS",
        }
    }

    fn names(self) -> Names {
        let (date, cost, currency): (&[&str], &[&str], &[&str]) = match self {
            Schema::Ea => (
                &["date"],
                &["costinbillingcurrency"],
                &["billingcurrencycode"],
            ),
            Schema::Mca => (&["date"], &["costinbillingcurrency"], &["billingcurrency"]),
            Schema::PayAsYouGo => (&["usagedatetime"], &["pretaxcost"], &["currency"]),
            Schema::Focus => (
                &["chargeperiodstart"],
                &["billedcost"],
                &["billingcurrency"],
            ),
        };
        match self {
            Schema::Focus => Names {
                date,
                cost,
                currency,
                service: &["servicename"],
                category: &["x_skumetercategory"],
                subcategory: &["x_skumetersubcategory"],
                // FOCUS 1.2 `SkuMeter`, 1.0 `x_SkuMeterName`
                meter: &["skumeter", "x_skumetername"],
            },
            _ => Names {
                date,
                cost,
                currency,
                service: &["consumedservice"],
                category: &["metercategory"],
                subcategory: &["metersubcategory"],
                meter: &["metername"],
            },
        }
    }
}

/// What one cost file held.
#[derive(Debug, Clone)]
pub struct FileTotals {
    /// Index of the file in the folder listing.
    pub index: usize,
    pub schema: Schema,
    pub rows: u64,
    pub rejected: u64,
    pub first: Option<Month>,
    pub last: Option<Month>,
}

/// Reads every cost export, checks its currency against the run's and sums its rows; the
/// bill line of each distinct meter comes from `rules`.
pub fn read(
    sources: &[&Source],
    rules: &LineRules,
    currency: &str,
    progress: &crate::progress::Progress,
    rejected: &mut Vec<Rejected>,
) -> Result<(CostTotals, Vec<FileTotals>)> {
    let mut groups: BTreeMap<[String; 4], (u64, BTreeMap<Month, Decimal>)> = BTreeMap::new();
    let mut totals = CostTotals {
        present: !sources.is_empty(),
        ..CostTotals::default()
    };
    let mut files = Vec::new();
    let mut month_files: BTreeMap<Month, Vec<&str>> = BTreeMap::new();
    for src in sources {
        let step = progress.rows(format!("reading {}", src.name));
        let (acc, file) = read_one(src, currency, &step.counter(), rejected)?;
        step.finish_and_clear();
        let months: std::collections::BTreeSet<Month> = acc.sums.keys().map(|(_, m)| *m).collect();
        for m in months {
            month_files.entry(m).or_default().push(src.name.as_str());
        }
        for ((k, m), v) in &acc.sums {
            let g = groups.entry(acc.keys[*k as usize].clone()).or_default();
            *g.1.entry(*m).or_default() += v;
            totals.months.insert(*m);
        }
        for (key, rows) in acc.keys.iter().zip(&acc.rows_of) {
            groups.entry(key.clone()).or_default().0 += rows;
        }
        files.push(file);
    }
    let shared: Vec<String> = month_files
        .iter()
        .filter(|(_, f)| f.len() > 1)
        .map(|(m, f)| format!("{m} ({})", f.join(", ")))
        .collect();
    if !shared.is_empty() {
        totals.notes.push(format!(
            "several cost exports hold rows for the same month, and their costs are added: {}; \
             if one is a later download of the same export, remove the other",
            shared.join("; ")
        ));
    }
    totals.groups = groups
        .into_iter()
        .map(
            |([service, category, subcategory, meter], (rows, months))| {
                let line = rules
                    .classify(Meter {
                        service: &service,
                        category: &category,
                        subcategory: &subcategory,
                        meter: &meter,
                    })
                    .map(|i| rules.name(i).to_string());
                CostGroup {
                    service,
                    category,
                    subcategory,
                    meter,
                    line,
                    rows,
                    months,
                }
            },
        )
        .collect();
    Ok((totals, files))
}

/// The column roles, in the order of the slim frame.
const ROLES: [&str; 7] = [
    "service",
    "category",
    "subcategory",
    "meter",
    "date",
    "cost",
    "currency",
];
const DATE: usize = 4;
const COST: usize = 5;
const CURRENCY: usize = 6;

/// One file's sums, built batch by batch.
struct Acc {
    format: TimeFormat,
    /// Distinct meters: key text → index, and the four values per index.
    index: HashMap<String, u32>,
    keys: Vec<[String; 4]>,
    rows_of: Vec<u64>,
    sums: HashMap<(u32, Month), Decimal>,
    /// Currencies seen, with the first data row (0-based) of each.
    currencies: Vec<(String, u64)>,
    /// Data rows seen so far (the next row's 0-based index).
    row: u64,
    rejected: u64,
    /// (row, role index, problem) of the first rejected rows.
    kept: Vec<(u64, usize, String)>,
    key_buf: String,
}

impl Acc {
    fn batch(&mut self, df: &DataFrame, bar: &indicatif::ProgressBar) -> PolarsResult<()> {
        let cols: Vec<&StringChunked> = ROLES
            .iter()
            .map(|r| df.column(r).and_then(|c| c.str()))
            .collect::<PolarsResult<_>>()?;
        // Iterating is cheaper than indexing a chunked column row by row.
        let mut iters: Vec<_> = cols.iter().map(|c| c.iter()).collect();
        let mut last_date = String::new();
        let mut last_month: Option<Month> = None;
        for _ in 0..df.height() {
            let row = self.row;
            self.row += 1;
            let values: [&str; 7] =
                std::array::from_fn(|k| iters[k].next().flatten().map_or("", str::trim));
            let value = |k: usize| values[k];
            let date = value(DATE);
            // Exports hold many rows per day: parse a date once per run of equal values.
            let month = if last_month.is_some() && date == last_date {
                last_month
            } else {
                let m = self.format.parse(date).and_then(Month::of_ms);
                last_date.clear();
                last_date.push_str(date);
                last_month = m;
                m
            };
            let Some(month) = month else {
                let problem = if date.is_empty() {
                    "no date".to_string()
                } else {
                    format!(
                        "\"{date}\" is not a date in the file's format ({}, from its first value)",
                        self.format.describe()
                    )
                };
                self.reject(row, DATE, problem);
                continue;
            };
            let cost_text = value(COST);
            let Some(cost) = parse_decimal(cost_text) else {
                let problem = if cost_text.is_empty() {
                    "no cost".to_string()
                } else {
                    decimal_problem(cost_text)
                };
                self.reject(row, COST, problem);
                continue;
            };
            let cur = value(CURRENCY);
            if cur.is_empty() {
                self.reject(row, CURRENCY, "no currency".to_string());
                continue;
            }
            if !self
                .currencies
                .iter()
                .any(|(c, _)| c.eq_ignore_ascii_case(cur))
            {
                self.currencies.push((cur.to_string(), row));
            }
            self.key_buf.clear();
            for k in 0..4 {
                self.key_buf.push_str(value(k));
                self.key_buf.push('\u{1f}');
            }
            let id = match self.index.get(self.key_buf.as_str()) {
                Some(id) => *id,
                None => {
                    let id = self.keys.len() as u32;
                    self.index.insert(self.key_buf.clone(), id);
                    self.keys.push([0, 1, 2, 3].map(|k| value(k).to_string()));
                    self.rows_of.push(0);
                    id
                }
            };
            self.rows_of[id as usize] += 1;
            *self.sums.entry((id, month)).or_default() += cost;
        }
        bar.inc(df.height() as u64);
        Ok(())
    }

    fn reject(&mut self, row: u64, role: usize, problem: String) {
        self.rejected += 1;
        if self.kept.len() < MAX_REJECTS_KEPT {
            self.kept.push((row, role, problem));
        }
    }
}

/// A decimal as the exports write it: plain (`-0.25`, `1000`) or scientific (`1.5E-05`), and
/// below 10^15 in size (so that the sums of any export stay far from `Decimal`'s limit).
pub fn parse_decimal(s: &str) -> Option<Decimal> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let d = Decimal::from_str(s).ok().or_else(|| {
        s.contains(['e', 'E'])
            .then(|| Decimal::from_scientific(s).ok())
            .flatten()
    })?;
    (d.abs() < Decimal::from(1_000_000_000_000_000i64)).then_some(d)
}

/// Why `parse_decimal` refused a non-empty text.
pub fn decimal_problem(s: &str) -> String {
    let s = s.trim();
    if Decimal::from_str(s).is_ok() || Decimal::from_scientific(s).is_ok() {
        format!("\"{s}\" is too large (10^15 or more)")
    } else {
        format!("\"{s}\" is not a number")
    }
}

fn read_one(
    src: &Source,
    currency: &str,
    bar: &indicatif::ProgressBar,
    rejected: &mut Vec<Rejected>,
) -> Result<(Acc, FileTotals)> {
    let normalised: Vec<String> = src.columns.iter().map(|c| norm_header(c)).collect();
    let schema = Schema::detect(&normalised)
        .ok_or_else(|| anyhow!("{}: not a Cost Management export", src.name))?;
    let names = schema.names();
    let find = |ns: &[&str]| {
        ns.iter()
            .find_map(|n| normalised.iter().position(|c| c == n))
    };
    let need = |ns: &[&str]| {
        find(ns).ok_or_else(|| {
            anyhow!(
                "{}: a {} cost export without a `{}` column",
                src.name,
                schema.as_str(),
                ns[0]
            )
        })
    };
    let idx: [Option<usize>; 7] = [
        Some(need(names.service)?),
        Some(need(names.category)?),
        find(names.subcategory),
        Some(need(names.meter)?),
        Some(need(names.date)?),
        Some(need(names.cost)?),
        Some(need(names.currency)?),
    ];
    let lf = open(src)?;
    let exprs: Vec<Expr> = idx
        .iter()
        .zip(ROLES)
        .map(|(i, role)| match i {
            Some(i) => col(internal(*i)).cast(DataType::String).alias(role),
            None => lit(NULL).cast(DataType::String).alias(role),
        })
        .collect();
    let slim = lf.select(exprs);
    let date_header = header(src, idx[DATE]);
    let format = first_format(&slim, src, &date_header)?;
    let acc = Arc::new(Mutex::new(Acc {
        format,
        index: HashMap::new(),
        keys: Vec::new(),
        rows_of: Vec::new(),
        sums: HashMap::new(),
        currencies: Vec::new(),
        row: 0,
        rejected: 0,
        kept: Vec::new(),
        key_buf: String::new(),
    }));
    let sink_acc = Arc::clone(&acc);
    let sink_bar = bar.clone();
    slim.sink_batches(
        PlanCallback::new(move |df: DataFrame| {
            let mut a = sink_acc
                .lock()
                .map_err(|_| polars_err!(ComputeError: "a reader thread stopped"))?;
            a.batch(&df, &sink_bar)?;
            Ok(false)
        }),
        true,
        None,
    )?
    .collect_with_engine(Engine::Streaming)
    .map_err(|e| structural_error(src, e))?;
    let acc = Arc::try_unwrap(acc)
        .map_err(|_| anyhow!("{}: the reader is still in use", src.name))?
        .into_inner()
        .map_err(|_| anyhow!("{}: a reader thread stopped", src.name))?;
    let lines = match &src.decoded {
        Some(dec) => lines_of_rows(
            dec,
            acc.kept
                .iter()
                .map(|k| k.0)
                .chain(acc.currencies.iter().map(|c| c.1)),
        )?,
        None => BTreeMap::new(),
    };
    let at = |row: u64| match &src.decoded {
        Some(_) => format!("{}:{}", src.name, lines.get(&row).copied().unwrap_or(0)),
        None => format!("{}: row {}", src.name, row + 1),
    };
    if let Some((other, row)) = acc
        .currencies
        .iter()
        .find(|(c, _)| !c.eq_ignore_ascii_case(currency))
    {
        bail!(
            "{}: {}: costs in {other}, but the run's currency (the price book's) is {currency}; \
             convert the export or use a price book in {other}",
            at(*row),
            header(src, idx[CURRENCY])
        );
    }
    for (row, role, problem) in &acc.kept {
        let mut r = Rejected::at_line(&src.name, 0, &header(src, idx[*role]), problem.clone());
        match &src.decoded {
            Some(_) => r.line = lines.get(row).copied().unwrap_or(0),
            None => r.row = row + 1,
        }
        rejected.push(r);
    }
    let months: Vec<Month> = acc.sums.keys().map(|(_, m)| *m).collect();
    let file = FileTotals {
        index: src.index,
        schema,
        rows: acc.row - acc.rejected,
        rejected: acc.rejected,
        first: months.iter().min().copied(),
        last: months.iter().max().copied(),
    };
    Ok((acc, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_as_the_exports_write_them() {
        let d = |s: &str| Decimal::from_str(s).expect("decimal");
        let cases = [
            ("plain", "12.3456", Some(d("12.3456"))),
            ("refund", " -0.50 ", Some(d("-0.50"))),
            ("integer", "1000", Some(d("1000"))),
            ("scientific", "1.5E-05", Some(d("0.000015"))),
            ("scientific lower", "2e3", Some(d("2000"))),
            (
                "many places",
                "0.0000123456789012",
                Some(d("0.0000123456789012")),
            ),
            ("words", "n/a", None),
            ("comma decimal", "1,5", None),
            ("empty", "", None),
        ];
        for (name, input, want) in cases {
            assert_eq!(parse_decimal(input), want, "{name}");
        }
        assert_eq!(
            decimal_problem("1e27"),
            "\"1e27\" is too large (10^15 or more)"
        );
        assert_eq!(decimal_problem(" n/a"), "\"n/a\" is not a number");
    }

    #[test]
    fn schemas_by_header() {
        let cols = |s: &str| -> Vec<String> { s.split(',').map(norm_header).collect() };
        let cases = [
            (
                "EA",
                "Date,CostInBillingCurrency,BillingCurrencyCode",
                Some(Schema::Ea),
            ),
            (
                "MCA",
                "date,costInBillingCurrency,billingCurrency",
                Some(Schema::Mca),
            ),
            (
                "PAYG",
                "UsageDateTime,PreTaxCost,Currency",
                Some(Schema::PayAsYouGo),
            ),
            (
                "FOCUS",
                "ChargePeriodStart,BilledCost,BillingCurrency",
                Some(Schema::Focus),
            ),
            ("no cost", "Date,BillingCurrencyCode", None),
        ];
        for (name, header, want) in cases {
            assert_eq!(Schema::detect(&cols(header)), want, "{name}");
        }
    }
}
