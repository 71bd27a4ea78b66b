//! The quarter-to-quarter trend (pure): two reports' `report.json` → change per class, flag and
//! SKU (users or seats, and money), and the users whose class or flags changed, with why, plus
//! the new and departed users. Both sides are the typed report model: `rightsize diff` reads two
//! `report.json` files back, `analyze --previous` compares the earlier one with the model it has
//! just built (no JSON round trip).

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::{Class, Flag};
use crate::report::model::{Group, RenewalRow, Report, UserRow, money_opt};

/// Which part of the report a trend row compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    Total,
    Class,
    Flag,
    Sku,
}

impl Section {
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Total => "total",
            Section::Class => "class",
            Section::Flag => "flag",
            Section::Sku => "sku",
        }
    }
}

impl std::fmt::Display for Section {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the trend: a class, a flag, the total, or a SKU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrendRow {
    pub section: Section,
    pub name: String,
    /// Users (total, class, flag) or seats held: bought, else assigned (sku).
    pub old_count: u64,
    pub new_count: u64,
    /// Seats the recommendations need (sku rows only).
    pub old_recommended: Option<u64>,
    pub new_recommended: Option<u64>,
    /// Annual saving (class, flag, total) or annual saving at renewal (sku); `None` = unknown.
    #[serde(with = "money_opt")]
    pub old_annual: Option<Decimal>,
    #[serde(with = "money_opt")]
    pub new_annual: Option<Decimal>,
}

impl TrendRow {
    pub fn count_change(&self) -> i64 {
        self.new_count as i64 - self.old_count as i64
    }
    pub fn recommended_change(&self) -> Option<i64> {
        Some(self.new_recommended? as i64 - self.old_recommended? as i64)
    }
    pub fn annual_change(&self) -> Option<Decimal> {
        Some(self.new_annual? - self.old_annual?)
    }
}

/// What happened to one user between the two reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// The class changed.
    Class,
    /// Same class, other flags or recommended SKUs.
    Flags,
    /// Licensed now, not in the earlier report.
    New,
    /// In the earlier report, not licensed now.
    Departed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Class => "class changed",
            ChangeKind::Flags => "flags changed",
            ChangeKind::New => "new user",
            ChangeKind::Departed => "departed user",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    pub kind: ChangeKind,
    pub user_id: String,
    pub upn: String,
    pub display_name: String,
    pub department: String,
    pub old_class: Option<Class>,
    pub new_class: Option<Class>,
    pub old_flags: Vec<Flag>,
    pub new_flags: Vec<Flag>,
    #[serde(with = "money_opt")]
    pub old_annual: Option<Decimal>,
    #[serde(with = "money_opt")]
    pub new_annual: Option<Decimal>,
    /// The current report's reasons (the earlier one's for a departed user).
    pub why: String,
    pub old_reasons: String,
}

/// One figure of the whole bill then and now (PRODUCT.md section 8): a total a year, a usage
/// line's run rate a year, or a pool's peak full month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillChange {
    /// `licences`, `usage`, `overage`, `bill`, `bill after`, `net saving` (a year, today's
    /// seats where it says so), `usage: LINE`, or `peak: RESOURCE`.
    pub name: String,
    /// The currency for money; for a pool's peak, `units` of the resource.
    pub unit: String,
    /// `None`: unknown or no data in that report.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub old: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub new: Option<Decimal>,
}

impl BillChange {
    pub fn change(&self) -> Option<Decimal> {
        Some(self.new? - self.old?)
    }
}

/// The trend between an earlier and a later report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diff {
    pub old_as_of: String,
    pub new_as_of: String,
    pub currency: String,
    #[serde(with = "money_opt")]
    pub old_realisable: Option<Decimal>,
    #[serde(with = "money_opt")]
    pub new_realisable: Option<Decimal>,
    pub rows: Vec<TrendRow>,
    /// The whole bill then and now; empty when neither report has cost or capacity data.
    #[serde(default)]
    pub bill: Vec<BillChange>,
    pub users: Vec<UserChange>,
    pub warnings: Vec<String>,
}

impl Diff {
    pub fn total(&self) -> Option<&TrendRow> {
        self.rows.iter().find(|r| r.section == Section::Total)
    }
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.users.iter().filter(|u| u.kind == kind).count()
    }
}

/// Compares two reports. Money in different currencies cannot be compared: that is an error.
pub fn diff(old: &Report, new: &Report) -> Result<Diff> {
    if old.currency != new.currency {
        bail!(
            "the reports are in different currencies ({} as of {}, {} as of {}): the money cannot \
             be compared",
            old.currency,
            old.as_of,
            new.currency,
            new.as_of
        );
    }
    let mut warnings = Vec::new();
    if old.pseudonymised != new.pseudonymised {
        warnings.push(
            "one report is pseudonymised and the other is not: users cannot be matched, so they \
             show as departed and new"
                .to_string(),
        );
    }
    if old.as_of >= new.as_of {
        warnings.push(format!(
            "the earlier report (as of {}) is not earlier than the later one (as of {})",
            old.as_of, new.as_of
        ));
    }
    let mut rows = Vec::new();
    let groups = |s: &Report| -> BTreeMap<(Group, String), (u64, Decimal)> {
        s.summary
            .iter()
            .map(|g| ((g.group, g.name.clone()), (g.users, g.annual_saving)))
            .collect()
    };
    let (og, ng) = (groups(old), groups(new));
    // Sections in reading order: the total, then classes and flags as the later report lists them.
    for (group, section) in [
        (Group::Total, Section::Total),
        (Group::Class, Section::Class),
        (Group::Flag, Section::Flag),
    ] {
        let mut names: Vec<&String> = Vec::new();
        for s in [new, old] {
            for g in s.rows(group) {
                if !names.contains(&&g.name) {
                    names.push(&g.name);
                }
            }
        }
        for name in names {
            let key = (group, name.clone());
            let (o, n) = (og.get(&key), ng.get(&key));
            rows.push(TrendRow {
                section,
                name: name.clone(),
                old_count: o.map_or(0, |x| x.0),
                new_count: n.map_or(0, |x| x.0),
                old_recommended: None,
                new_recommended: None,
                old_annual: Some(o.map_or(Decimal::ZERO, |x| x.1)),
                new_annual: Some(n.map_or(Decimal::ZERO, |x| x.1)),
            });
        }
    }
    let skus = |s: &Report| -> BTreeMap<String, RenewalRow> {
        s.renewal
            .iter()
            .map(|r| (r.sku.clone(), r.clone()))
            .collect()
    };
    let (os, ns) = (skus(old), skus(new));
    let mut names: Vec<&String> = os.keys().chain(ns.keys()).collect();
    names.sort();
    names.dedup();
    for sku in names {
        let (o, n) = (os.get(sku), ns.get(sku));
        let held = |r: Option<&RenewalRow>| r.map_or(0, RenewalRow::held);
        // A SKU absent from one report has no seats and no saving there, which is known.
        let annual = |r: Option<&RenewalRow>| match r {
            Some(r) => r.annual_saving_at_renewal,
            None => Some(Decimal::ZERO),
        };
        rows.push(TrendRow {
            section: Section::Sku,
            name: sku.clone(),
            old_count: held(o),
            new_count: held(n),
            old_recommended: Some(o.map_or(0, |r| r.recommended)),
            new_recommended: Some(n.map_or(0, |r| r.recommended)),
            old_annual: annual(o),
            new_annual: annual(n),
        });
    }
    Ok(Diff {
        old_as_of: old.as_of.to_string(),
        new_as_of: new.as_of.to_string(),
        currency: new.currency.clone(),
        old_realisable: old.headline.realisable.as_ref().map(|r| r.this_fiscal_year),
        new_realisable: new.headline.realisable.as_ref().map(|r| r.this_fiscal_year),
        rows,
        bill: bill_changes(old, new),
        users: user_changes(old, new),
        warnings,
    })
}

/// The bill's totals, each usage line and each pool's peak, then and now. A figure a report
/// has no data for is `None` there (usage without a cost export, overage and peaks without
/// capacity data), never 0.
fn bill_changes(old: &Report, new: &Report) -> Vec<BillChange> {
    let (o, n) = (&old.bill, &new.bill);
    if !(o.cost_data || o.capacity_data || n.cost_data || n.capacity_data) {
        return Vec::new();
    }
    let money =
        |name: &str, f: &dyn Fn(&crate::report::model::Bill) -> Option<Decimal>| BillChange {
            name: name.to_string(),
            unit: new.currency.clone(),
            old: f(o),
            new: f(n),
        };
    let mut out = vec![
        money("licences", &|b| b.annual_licences_now),
        money("usage", &|b| b.annual_usage.filter(|_| b.cost_data)),
        money("overage", &|b| {
            b.annual_overage_now.filter(|_| b.capacity_data)
        }),
        money("bill", &|b| b.annual_total_now),
        money("bill after", &|b| b.annual_total_after),
        money("net saving", &|b| b.net_annual_saving),
    ];
    let mut lines: Vec<&String> = Vec::new();
    for b in [n, o] {
        for l in b.lines.iter().filter(|l| l.rows > 0) {
            if !lines.contains(&&l.line) {
                lines.push(&l.line);
            }
        }
    }
    for line in lines {
        let annual = |b: &crate::report::model::Bill| -> Option<Decimal> {
            if !b.cost_data {
                return None;
            }
            // A line a report's export has no rows for costs 0 there.
            b.lines
                .iter()
                .find(|l| &l.line == line)
                .map_or(Some(Decimal::ZERO), |l| l.annual)
        };
        out.push(money(&format!("usage: {line}"), &annual));
    }
    let mut resources: Vec<crate::model::Resource> = Vec::new();
    for b in [n, o] {
        for p in b.pools.iter().filter(|p| p.peak.is_some()) {
            if !resources.contains(&p.resource) {
                resources.push(p.resource);
            }
        }
    }
    for r in resources {
        let peak = |b: &crate::report::model::Bill| {
            b.pools
                .iter()
                .find(|p| p.resource == r)
                .and_then(|p| p.peak)
        };
        out.push(BillChange {
            name: format!("peak: {r}"),
            unit: "units".into(),
            old: peak(o),
            new: peak(n),
        });
    }
    out
}

fn user_changes(old: &Report, new: &Report) -> Vec<UserChange> {
    let key = |u: &UserRow| u.user_id.to_lowercase();
    let old_users: BTreeMap<String, &UserRow> = old.users.iter().map(|u| (key(u), u)).collect();
    let new_users: BTreeMap<String, &UserRow> = new.users.iter().map(|u| (key(u), u)).collect();
    let mut out = Vec::new();
    for (k, n) in &new_users {
        let change = |kind, o: Option<&UserRow>| UserChange {
            kind,
            user_id: n.user_id.clone(),
            upn: n.upn.clone(),
            display_name: n.display_name.clone(),
            department: n.department.clone(),
            old_class: o.map(|o| o.class),
            new_class: Some(n.class),
            old_flags: o.map(|o| o.flags.clone()).unwrap_or_default(),
            new_flags: n.flags.clone(),
            old_annual: o.and_then(|o| o.annual_saving),
            new_annual: n.annual_saving,
            why: n.reasons.join("; "),
            old_reasons: o.map(|o| o.reasons.join("; ")).unwrap_or_default(),
        };
        match old_users.get(k) {
            None => out.push(change(ChangeKind::New, None)),
            Some(o) if o.class != n.class => out.push(change(ChangeKind::Class, Some(o))),
            Some(o) if o.flags != n.flags || o.recommended_skus != n.recommended_skus => {
                out.push(change(ChangeKind::Flags, Some(o)))
            }
            Some(_) => {}
        }
    }
    for (k, o) in &old_users {
        if !new_users.contains_key(k) {
            out.push(UserChange {
                kind: ChangeKind::Departed,
                user_id: o.user_id.clone(),
                upn: o.upn.clone(),
                display_name: o.display_name.clone(),
                department: o.department.clone(),
                old_class: Some(o.class),
                new_class: None,
                old_flags: o.flags.clone(),
                new_flags: Vec::new(),
                old_annual: o.annual_saving,
                new_annual: None,
                why: "no longer holds an in-scope licence".into(),
                old_reasons: o.reasons.join("; "),
            });
        }
    }
    out.sort_by(|a, b| a.kind.cmp(&b.kind).then(a.user_id.cmp(&b.user_id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::fixtures::{report, sku, summary};

    fn user(id: &str, class: &str, flags: &[&str], annual: Option<&str>) -> UserRow {
        let class: Class = serde_json::from_value(serde_json::json!(class)).expect("class");
        let flags: Vec<Flag> = flags
            .iter()
            .map(|f| serde_json::from_value(serde_json::json!(f)).expect("flag"))
            .collect();
        crate::report::model::fixtures::user(id, class, &flags, annual)
    }

    fn snap(as_of: &str, currency: &str, users: Vec<UserRow>, skus: Vec<RenewalRow>) -> Report {
        let mut r = report(as_of, currency);
        r.users = users;
        r.renewal = skus;
        r.summary = vec![
            summary(Group::Class, "remove", 2, "2400.00"),
            summary(Group::Total, "all users", 3, "2400.00"),
        ];
        r
    }

    fn skus(bought: u64, rec: u64, annual: &str) -> Vec<RenewalRow> {
        vec![sku("ENT", bought, rec, annual)]
    }

    #[test]
    fn users_are_classed_as_changed_new_or_departed() {
        let old = snap(
            "2026-07-31",
            "USD",
            vec![
                user("a", "full", &[], Some("0.00")),
                user("b", "full", &["occasional"], Some("0.00")),
                user("c", "remove", &[], Some("1260.00")),
                user("gone", "full", &[], Some("0.00")),
            ],
            skus(10, 8, "2520.00"),
        );
        let new = snap(
            "2026-10-31",
            "USD",
            vec![
                user("A", "remove", &[], Some("1260.00")), // same user, id case differs
                user("b", "full", &[], Some("0.00")),
                user("c", "remove", &[], Some("1260.00")),
                user("fresh", "keep", &[], None),
            ],
            skus(12, 7, "6300.00"),
        );
        let d = diff(&old, &new).expect("diff");
        let got: Vec<(ChangeKind, &str)> = d
            .users
            .iter()
            .map(|u| (u.kind, u.user_id.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (ChangeKind::Class, "A"),
                (ChangeKind::Flags, "b"),
                (ChangeKind::New, "fresh"),
                (ChangeKind::Departed, "gone"),
            ]
        );
        assert_eq!(d.users[0].old_class, Some(Class::Full));
        assert_eq!(d.users[0].why, "A is remove");
        assert_eq!(d.users[0].old_reasons, "a is full");
        let sku = d
            .rows
            .iter()
            .find(|r| r.section == Section::Sku)
            .expect("sku row");
        assert_eq!(
            (sku.old_count, sku.new_count, sku.count_change()),
            (10, 12, 2)
        );
        assert_eq!(sku.recommended_change(), Some(-1));
        assert_eq!(sku.annual_change(), Some(Decimal::from(3780)));
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    }

    #[test]
    fn a_sku_missing_on_one_side_has_zero_seats_there() {
        let old = snap("2026-07-31", "USD", vec![], vec![]);
        let new = snap("2026-10-31", "USD", vec![], skus(3, 1, "120.00"));
        let d = diff(&old, &new).expect("diff");
        let sku = d
            .rows
            .iter()
            .find(|r| r.section == Section::Sku)
            .expect("sku row");
        assert_eq!((sku.old_count, sku.old_annual), (0, Some(Decimal::ZERO)));
        assert_eq!(sku.annual_change(), Some(Decimal::from(120)));
    }

    #[test]
    fn currencies_must_match_and_order_is_checked() {
        let usd = snap("2026-07-31", "USD", vec![], vec![]);
        let eur = snap("2026-10-31", "EUR", vec![], vec![]);
        assert!(diff(&usd, &eur).is_err());
        let later = snap("2026-10-31", "USD", vec![], vec![]);
        let d = diff(&later, &usd).expect("diff");
        assert_eq!(d.warnings.len(), 1, "swapped order is flagged");
    }

    #[test]
    fn the_bill_is_compared_only_with_data_and_no_data_is_not_zero() {
        let s = |as_of| snap(as_of, "USD", vec![], vec![]);
        // Neither report has cost or capacity data: no bill rows.
        assert!(
            diff(&s("2026-07-31"), &s("2026-10-31"))
                .expect("diff")
                .bill
                .is_empty()
        );
        // Only the later one has a cost export: usage then is unknown, not 0.
        let mut new = s("2026-10-31");
        new.bill.cost_data = true;
        new.bill.annual_usage = Some(Decimal::from(1200));
        let d = diff(&s("2026-07-31"), &new).expect("diff");
        let usage = d
            .bill
            .iter()
            .find(|b| b.name == "usage")
            .expect("usage row");
        assert_eq!((usage.old, usage.new), (None, Some(Decimal::from(1200))));
        assert_eq!(usage.change(), None);
        assert_eq!(usage.unit, "USD");
        let overage = d
            .bill
            .iter()
            .find(|b| b.name == "overage")
            .expect("overage");
        assert_eq!(
            (overage.old, overage.new),
            (None, None),
            "no capacity data either side"
        );
    }

    #[test]
    fn the_total_comes_first() {
        let s = snap("2026-07-31", "USD", vec![], vec![]);
        let d = diff(&s, &snap("2026-10-31", "USD", vec![], vec![])).expect("diff");
        assert_eq!(d.rows[0].section, Section::Total);
        assert_eq!(d.total().map(|t| t.count_change()), Some(0));
    }
}
