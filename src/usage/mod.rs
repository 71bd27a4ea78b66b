//! Usage and capacity beside the licences (spec section 8), the pure part: the readers' sums
//! (cost per bill line and calendar month, capacity consumption per resource and month) in,
//! typed results out — usage per line per month, the monthly run rate and its annual value,
//! the rows no rule matched, and each resource's peak full month inside the analysis window.
//! Knows nothing of files; the readers are `ingest::costs` and `ingest::capacity`.

pub mod lines;
mod month;

pub use month::Month;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

/// A capacity resource (the shared vocabulary of the capacity file and the price book).
pub use crate::model::Resource;

/// One distinct (service, category, subcategory, meter) of a cost export, with its sums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CostGroup {
    pub service: String,
    pub category: String,
    pub subcategory: String,
    pub meter: String,
    /// The bill line the rules put it on (`None`: off the bill).
    pub line: Option<String>,
    pub rows: u64,
    /// Cost per calendar month.
    pub months: BTreeMap<Month, Decimal>,
}

/// What the cost readers found: per distinct meter, rows and cost per month; every month in
/// which any valid row falls. Already in the run's currency (another one is an error).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CostTotals {
    pub groups: Vec<CostGroup>,
    pub months: BTreeSet<Month>,
    /// Whether any cost export was read at all.
    pub present: bool,
    /// What the readers noticed across files (e.g. two exports holding the same month).
    pub notes: Vec<String>,
}

/// Power Pages users of one site in one month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Mau {
    pub authenticated: Decimal,
    pub anonymous: Decimal,
}

/// A Power Pages site of the capacity report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Site {
    pub environment: String,
    /// The site's resource id (or name, when the report has no id).
    pub resource: String,
}

/// What the capacity readers found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapacityTotals {
    pub consumed: BTreeMap<(Resource, Month), Decimal>,
    pub pages: BTreeMap<(Site, Month), Mau>,
}

/// The analysis window the run rate and the peaks are taken over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One bill line's usage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineUsage {
    pub line: String,
    pub rows: u64,
    /// Cost per calendar month (every month of the export in which the line has rows).
    pub months: BTreeMap<Month, Decimal>,
    /// Mean over the run-rate months; `None` when there is none.
    pub monthly: Option<Decimal>,
    /// 12 × the mean (computed as 12 × sum ÷ months, so it is exact when the mean is not).
    pub annual: Option<Decimal>,
}

/// Rows no rule put on a bill line: counted and totalled, left out of the bill.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Unmatched {
    pub rows: u64,
    pub total: Decimal,
    /// Per (service, meter category), largest cost first, for the reader to check the rules.
    pub by_category: Vec<UnmatchedCategory>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmatchedCategory {
    pub service: String,
    pub category: String,
    pub rows: u64,
    pub total: Decimal,
}

/// A month's consumption and which month it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Peak {
    pub month: Month,
    pub consumed: Decimal,
}

/// One capacity resource's consumption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceUse {
    pub resource: Resource,
    pub months: BTreeMap<Month, Decimal>,
    /// The largest month among the months wholly inside the window (the conservative basis of
    /// the bill); `None` when no such month has data.
    pub peak: Option<Peak>,
}

/// One Power Pages site's monthly users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteUse {
    pub site: Site,
    pub months: BTreeMap<Month, Mau>,
    pub peak_authenticated: Option<Peak>,
    pub peak_anonymous: Option<Peak>,
}

/// Usage and capacity of the run, as the bill and the report read them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Whether a cost export was read (without one, usage is unknown, not zero).
    pub cost_data: bool,
    /// Every bill line of the rules, in rule order (lines without rows too).
    pub lines: Vec<LineUsage>,
    pub unmatched: Unmatched,
    /// Months in which the export has any valid row, matched or not.
    pub months: Vec<Month>,
    /// Months wholly inside the window in which the export has any row: the run rate's basis.
    pub run_rate_months: Vec<Month>,
    /// Capacity resources with data, in `Resource::ALL` order.
    pub capacity: Vec<ResourceUse>,
    pub pages: Vec<SiteUse>,
    /// What the reader of the bill should know about these numbers.
    pub notes: Vec<String>,
}

impl Usage {
    /// Usage per line, run rates and peaks for `window`.
    pub fn build(
        costs: &CostTotals,
        capacity: &CapacityTotals,
        rules: &lines::LineRules,
        window: Window,
    ) -> Usage {
        let run_rate_months: Vec<Month> = costs
            .months
            .iter()
            .copied()
            .filter(|m| m.inside(window.from, window.to))
            .collect();
        let mut lines: Vec<LineUsage> = rules
            .names()
            .iter()
            .map(|name| LineUsage {
                line: name.clone(),
                rows: 0,
                months: BTreeMap::new(),
                monthly: None,
                annual: None,
            })
            .collect();
        let mut unmatched = Unmatched::default();
        let mut by_category: BTreeMap<(String, String), (u64, Decimal)> = BTreeMap::new();
        for g in &costs.groups {
            let target = g
                .line
                .as_ref()
                .and_then(|l| lines.iter_mut().find(|x| &x.line == l));
            match target {
                Some(line) => {
                    line.rows += g.rows;
                    for (m, v) in &g.months {
                        *line.months.entry(*m).or_default() += v;
                    }
                }
                None => {
                    let total: Decimal = g.months.values().sum();
                    unmatched.rows += g.rows;
                    unmatched.total += total;
                    let e = by_category
                        .entry((g.service.clone(), g.category.clone()))
                        .or_default();
                    e.0 += g.rows;
                    e.1 += total;
                }
            }
        }
        unmatched.by_category = by_category
            .into_iter()
            .map(|((service, category), (rows, total))| UnmatchedCategory {
                service,
                category,
                rows,
                total,
            })
            .collect();
        unmatched
            .by_category
            .sort_by_key(|c| std::cmp::Reverse(c.total.abs()));
        if costs.present {
            for line in &mut lines {
                (line.monthly, line.annual) = run_rate(&line.months, &run_rate_months);
            }
        }
        let resources: Vec<ResourceUse> = Resource::ALL
            .into_iter()
            .filter_map(|r| {
                let months: BTreeMap<Month, Decimal> = capacity
                    .consumed
                    .iter()
                    .filter(|((res, _), _)| *res == r)
                    .map(|((_, m), v)| (*m, *v))
                    .collect();
                (!months.is_empty()).then(|| ResourceUse {
                    resource: r,
                    peak: peak_full_month(&months, window),
                    months,
                })
            })
            .collect();
        let mut sites: BTreeMap<Site, BTreeMap<Month, Mau>> = BTreeMap::new();
        for ((site, m), mau) in &capacity.pages {
            sites.entry(site.clone()).or_default().insert(*m, *mau);
        }
        let pages = sites
            .into_iter()
            .map(|(site, months)| {
                let pick = |f: fn(&Mau) -> Decimal| -> BTreeMap<Month, Decimal> {
                    months.iter().map(|(m, v)| (*m, f(v))).collect()
                };
                SiteUse {
                    peak_authenticated: peak_full_month(&pick(|m| m.authenticated), window),
                    peak_anonymous: peak_full_month(&pick(|m| m.anonymous), window),
                    site,
                    months,
                }
            })
            .collect();
        let notes = notes(costs, &unmatched, &run_rate_months, window);
        Usage {
            notes,
            cost_data: costs.present,
            lines,
            unmatched,
            months: costs.months.iter().copied().collect(),
            run_rate_months,
            capacity: resources,
            pages,
        }
    }

    /// The peak full month's consumption of each resource that has one.
    pub fn peaks(&self) -> BTreeMap<Resource, Decimal> {
        self.capacity
            .iter()
            .filter_map(|c| c.peak.map(|p| (c.resource, p.consumed)))
            .collect()
    }

    /// Usage a year over every bill line (a line without a run rate counts 0); `None` without
    /// a cost export.
    pub fn annual(&self) -> Option<Decimal> {
        if !self.cost_data {
            return None;
        }
        self.lines
            .iter()
            .map(|l| l.annual.or(Some(Decimal::ZERO)))
            .sum()
    }

    /// The usage of one bill line.
    pub fn line(&self, name: &str) -> Option<&LineUsage> {
        self.lines.iter().find(|l| l.line == name)
    }

    /// The consumption of one capacity resource.
    pub fn resource(&self, r: Resource) -> Option<&ResourceUse> {
        self.capacity.iter().find(|c| c.resource == r)
    }
}

fn notes(
    costs: &CostTotals,
    unmatched: &Unmatched,
    run_rate_months: &[Month],
    window: Window,
) -> Vec<String> {
    let mut out = costs.notes.clone();
    if !costs.present {
        return out;
    }
    if run_rate_months.is_empty() {
        out.push(format!(
            "the cost export has no row in a calendar month wholly inside the window ({} to {}): \
             the usage run rate is unknown",
            window.from, window.to
        ));
    }
    let mut empty = Vec::new();
    let mut m = Month::of(window.from);
    while m <= Month::of(window.to) {
        if m.inside(window.from, window.to) && !costs.months.contains(&m) {
            empty.push(m.to_string());
        }
        m = m.next();
    }
    if !empty.is_empty() && !run_rate_months.is_empty() {
        out.push(format!(
            "the cost export has no row in {} (wholly inside the window): the run rate is the \
             mean over the months it has",
            empty.join(", ")
        ));
    }
    if unmatched.rows > 0 {
        let top: Vec<String> = unmatched
            .by_category
            .iter()
            .take(3)
            .map(|c| format!("{} / {}", c.service, c.category))
            .collect();
        out.push(format!(
            "{} cost row(s) totalling {} match no [[usage.line]] rule and are left off the bill \
             (largest: {})",
            unmatched.rows,
            crate::money::fmt2(unmatched.total),
            top.join("; ")
        ));
    }
    out
}

/// The monthly run rate (mean over `basis`; a basis month without rows counts as 0) and the
/// annual value (12 × sum ÷ months); both `None` without a basis month.
pub fn run_rate(
    months: &BTreeMap<Month, Decimal>,
    basis: &[Month],
) -> (Option<Decimal>, Option<Decimal>) {
    if basis.is_empty() {
        return (None, None);
    }
    let n = Decimal::from(basis.len() as u64);
    let sum: Decimal = basis.iter().filter_map(|m| months.get(m)).sum();
    (Some(sum / n), Some(sum * Decimal::from(12) / n))
}

/// The largest value among the months wholly inside the window (the earliest such month on a
/// tie).
pub fn peak_full_month(months: &BTreeMap<Month, Decimal>, window: Window) -> Option<Peak> {
    let mut best: Option<Peak> = None;
    for (m, v) in months {
        if !m.inside(window.from, window.to) {
            continue;
        }
        if best.is_none_or(|b| *v > b.consumed) {
            best = Some(Peak {
                month: *m,
                consumed: *v,
            });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    fn m(s: &str) -> Month {
        Month::parse(s).expect("month")
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn window(from: &str, to: &str) -> Window {
        Window {
            from: date(from),
            to: date(to),
        }
    }

    #[test]
    fn months_parse_and_fit_the_window() {
        let cases = [
            ("plain", "2026-02", Some((2026, 2))),
            ("spaces", " 2026-12 ", Some((2026, 12))),
            ("month 13", "2026-13", None),
            ("one digit", "2026-2", None),
            ("a date", "2026-02-01", None),
            ("words", "Feb 2026", None),
        ];
        for (name, input, want) in cases {
            assert_eq!(
                Month::parse(input).map(|x| (x.year, x.month)),
                want,
                "{name}"
            );
        }
        let w = window("2026-08-02", "2026-10-31");
        let inside = [
            ("starts before the window", "2026-08", false),
            ("whole month", "2026-09", true),
            ("ends on the last day", "2026-10", true),
            ("after", "2026-11", false),
        ];
        for (name, month, want) in inside {
            assert_eq!(m(month).inside(w.from, w.to), want, "{name}");
        }
        assert_eq!(m("2024-02").last_day(), Some(date("2024-02-29")));
        assert_eq!(m("2026-12").next(), m("2027-01"));
    }

    #[test]
    fn run_rate_is_the_mean_over_the_basis_months() {
        let months: BTreeMap<Month, Decimal> = [
            (m("2026-07"), d("1000")),
            (m("2026-08"), d("100.10")),
            (m("2026-09"), d("200.20")),
        ]
        .into();
        type Case<'a> = (&'a str, Vec<Month>, Option<&'a str>, Option<&'a str>);
        let cases: [Case; 4] = [
            ("no basis", vec![], None, None),
            (
                "two months",
                vec![m("2026-08"), m("2026-09")],
                Some("150.15"),
                Some("1801.80"),
            ),
            (
                "a basis month without rows counts as zero",
                vec![m("2026-08"), m("2026-09"), m("2026-10")],
                Some("100.1"),
                Some("1201.2"),
            ),
            (
                "a third stays exact in the annual value",
                vec![m("2026-10"), m("2026-11"), m("2026-07")],
                Some("333.33333333333333333333333333"),
                Some("4000"),
            ),
        ];
        for (name, basis, monthly, annual) in cases {
            let (got_m, got_a) = run_rate(&months, &basis);
            assert_eq!(got_m, monthly.map(d), "{name} monthly");
            assert_eq!(got_a, annual.map(d), "{name} annual");
        }
    }

    #[test]
    fn peak_is_the_largest_full_month_inside_the_window() {
        let months: BTreeMap<Month, Decimal> = [
            (m("2026-07"), d("90000")),
            (m("2026-08"), d("30000")),
            (m("2026-09"), d("35000")),
            (m("2026-10"), d("35000")),
            (m("2026-11"), d("99999")),
        ]
        .into();
        let cases = [
            (
                "partial and later months do not count; ties keep the earliest",
                window("2026-08-02", "2026-10-31"),
                Some(("2026-09", "35000")),
            ),
            (
                "the whole year",
                window("2026-01-01", "2026-12-31"),
                Some(("2026-11", "99999")),
            ),
            (
                "no full month with data",
                window("2026-12-01", "2026-12-31"),
                None,
            ),
        ];
        for (name, w, want) in cases {
            assert_eq!(
                peak_full_month(&months, w),
                want.map(|(mo, v)| Peak {
                    month: m(mo),
                    consumed: d(v)
                }),
                "{name}"
            );
        }
    }

    #[test]
    fn build_puts_groups_on_lines_and_counts_the_rest() {
        let book = crate::prices::PriceBook::load(None).expect("book");
        let policy = crate::policy::Policy::load(None, &book).expect("policy");
        let group = |line: Option<&str>, category: &str, rows, months: &[(&str, &str)]| CostGroup {
            service: "svc".into(),
            category: category.into(),
            subcategory: String::new(),
            meter: String::new(),
            line: line.map(str::to_string),
            rows,
            months: months.iter().map(|(k, v)| (m(k), d(v))).collect(),
        };
        let costs = CostTotals {
            groups: vec![
                group(
                    Some("voice"),
                    "Voice",
                    3,
                    &[("2026-09", "10.50"), ("2026-10", "20")],
                ),
                group(Some("voice"), "Voice", 1, &[("2026-10", "-0.50")]),
                group(
                    None,
                    "Virtual Machines",
                    2,
                    &[("2026-08", "7"), ("2026-09", "1.25")],
                ),
            ],
            months: [m("2026-08"), m("2026-09"), m("2026-10")].into(),
            present: true,
            notes: Vec::new(),
        };
        let u = Usage::build(
            &costs,
            &CapacityTotals::default(),
            &policy.usage_lines,
            window("2026-08-02", "2026-10-31"),
        );
        let voice = u.line("voice").expect("voice line");
        assert_eq!(voice.rows, 4);
        assert_eq!(voice.months[&m("2026-10")], d("19.50"));
        assert_eq!(voice.monthly, Some(d("15")));
        assert_eq!(voice.annual, Some(d("180")));
        assert_eq!(u.line("sms").and_then(|l| l.monthly), Some(Decimal::ZERO));
        assert_eq!(u.run_rate_months, vec![m("2026-09"), m("2026-10")]);
        assert_eq!(u.unmatched.rows, 2);
        assert_eq!(u.unmatched.total, d("8.25"));
        assert_eq!(u.lines.len(), policy.usage_lines.names().len());
        assert_eq!(
            u.notes,
            vec![
                "2 cost row(s) totalling 8.25 match no [[usage.line]] rule and are left off the \
                 bill (largest: svc / Virtual Machines)"
                    .to_string()
            ]
        );
        let later = Usage::build(
            &costs,
            &CapacityTotals::default(),
            &policy.usage_lines,
            window("2026-08-02", "2026-12-31"),
        );
        assert!(
            later.notes[0].contains("no row in 2026-11, 2026-12"),
            "{:?}",
            later.notes
        );
        let early = Usage::build(
            &costs,
            &CapacityTotals::default(),
            &policy.usage_lines,
            window("2026-07-02", "2026-08-30"),
        );
        assert!(
            early.notes[0].contains("run rate is unknown"),
            "{:?}",
            early.notes
        );
        assert_eq!(early.line("voice").and_then(|l| l.monthly), None);
    }
}
