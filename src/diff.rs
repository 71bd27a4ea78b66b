//! The quarter-to-quarter trend (pure): two reports' `report.json` → change per class, flag and
//! SKU (users or seats, and money), and the users whose class or flags changed, with why, plus
//! the new and departed users. `rightsize diff` and `analyze --previous` both read report.json,
//! so the trend never depends on which version of the code wrote the earlier report's other files.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What the trend needs from one report.json (other keys are ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct Snapshot {
    pub as_of: String,
    pub currency: String,
    #[serde(default)]
    pub pseudonymised: bool,
    pub summary: Vec<GroupIn>,
    pub users: Vec<UserIn>,
    pub renewal: Vec<SkuIn>,
    pub headline: HeadlineIn,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HeadlineIn {
    pub realisable: Option<RealisableIn>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RealisableIn {
    pub this_fiscal_year: Decimal,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GroupIn {
    pub group: String,
    pub name: String,
    pub users: u64,
    pub annual_saving: Decimal,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserIn {
    pub user_id: String,
    pub upn: String,
    pub display_name: String,
    pub department: String,
    pub class: String,
    pub flags: Vec<String>,
    pub recommended_skus: Vec<String>,
    pub annual_saving: Option<Decimal>,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SkuIn {
    pub sku: String,
    pub bought: Option<u64>,
    pub assigned: u64,
    pub recommended: u64,
    pub annual_saving_at_renewal: Option<Decimal>,
}

impl Snapshot {
    pub fn parse(json: &[u8]) -> Result<Snapshot> {
        Ok(serde_json::from_slice(json)?)
    }

    /// Reads `DIR/report.json` (a report folder written with the json format).
    pub fn load(dir: &Path) -> Result<Snapshot> {
        let path = dir.join("report.json");
        let bytes = std::fs::read(&path).with_context(|| {
            format!(
                "cannot read {} (a report folder written by `rightsize analyze` with the json format)",
                path.display()
            )
        })?;
        Snapshot::parse(&bytes)
            .with_context(|| format!("{} is not a rightsize report", path.display()))
    }
}

/// One row of the trend: a class, a flag, the total, or a SKU.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendRow {
    /// "total", "class", "flag" or "sku".
    pub section: &'static str,
    pub name: String,
    /// Users (total, class, flag) or seats held: bought, else assigned (sku).
    pub old_count: u64,
    pub new_count: u64,
    /// Seats the recommendations need (sku rows only).
    pub old_recommended: Option<u64>,
    pub new_recommended: Option<u64>,
    /// Annual saving (class, flag, total) or annual saving at renewal (sku); `None` = unknown.
    pub old_annual: Option<Decimal>,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserChange {
    pub kind: ChangeKind,
    pub user_id: String,
    pub upn: String,
    pub display_name: String,
    pub department: String,
    pub old_class: Option<String>,
    pub new_class: Option<String>,
    pub old_flags: Vec<String>,
    pub new_flags: Vec<String>,
    pub old_annual: Option<Decimal>,
    pub new_annual: Option<Decimal>,
    /// The current report's reasons (the earlier one's for a departed user).
    pub why: String,
    pub old_reasons: String,
}

/// The trend between an earlier and a later report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub old_as_of: String,
    pub new_as_of: String,
    pub currency: String,
    pub old_realisable: Option<Decimal>,
    pub new_realisable: Option<Decimal>,
    pub rows: Vec<TrendRow>,
    pub users: Vec<UserChange>,
    pub warnings: Vec<String>,
}

impl Diff {
    pub fn total(&self) -> Option<&TrendRow> {
        self.rows.iter().find(|r| r.section == "total")
    }
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.users.iter().filter(|u| u.kind == kind).count()
    }
}

/// Compares two reports. Money in different currencies cannot be compared: that is an error.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Result<Diff> {
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
    let groups = |s: &Snapshot| -> BTreeMap<(String, String), (u64, Decimal)> {
        s.summary
            .iter()
            .map(|g| {
                (
                    (g.group.clone(), g.name.clone()),
                    (g.users, g.annual_saving),
                )
            })
            .collect()
    };
    let (og, ng) = (groups(old), groups(new));
    // Sections in reading order: the total, then classes and flags as the later report lists them.
    for section in ["total", "class", "flag"] {
        let mut names: Vec<&String> = Vec::new();
        for s in [new, old] {
            for g in s.summary.iter().filter(|g| g.group == section) {
                if !names.contains(&&g.name) {
                    names.push(&g.name);
                }
            }
        }
        for name in names {
            let key = (section.to_string(), name.clone());
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
    let skus = |s: &Snapshot| -> BTreeMap<String, SkuIn> {
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
        let held = |r: Option<&SkuIn>| r.map_or(0, |r| r.bought.unwrap_or(r.assigned));
        // A SKU absent from one report has no seats and no saving there, which is known.
        let annual = |r: Option<&SkuIn>| match r {
            Some(r) => r.annual_saving_at_renewal,
            None => Some(Decimal::ZERO),
        };
        rows.push(TrendRow {
            section: "sku",
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
        old_as_of: old.as_of.clone(),
        new_as_of: new.as_of.clone(),
        currency: new.currency.clone(),
        old_realisable: old.headline.realisable.as_ref().map(|r| r.this_fiscal_year),
        new_realisable: new.headline.realisable.as_ref().map(|r| r.this_fiscal_year),
        rows,
        users: user_changes(old, new),
        warnings,
    })
}

fn user_changes(old: &Snapshot, new: &Snapshot) -> Vec<UserChange> {
    let key = |u: &UserIn| u.user_id.to_lowercase();
    let old_users: BTreeMap<String, &UserIn> = old.users.iter().map(|u| (key(u), u)).collect();
    let new_users: BTreeMap<String, &UserIn> = new.users.iter().map(|u| (key(u), u)).collect();
    let mut out = Vec::new();
    for (k, n) in &new_users {
        let change = |kind, o: Option<&UserIn>| UserChange {
            kind,
            user_id: n.user_id.clone(),
            upn: n.upn.clone(),
            display_name: n.display_name.clone(),
            department: n.department.clone(),
            old_class: o.map(|o| o.class.clone()),
            new_class: Some(n.class.clone()),
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
                old_class: Some(o.class.clone()),
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
    use serde_json::json;

    fn user(id: &str, class: &str, flags: &[&str], annual: Option<&str>) -> serde_json::Value {
        json!({"user_id": id, "upn": format!("{id}@x.com"), "display_name": id, "department": "D",
            "class": class, "flags": flags, "recommended_skus": [], "annual_saving": annual,
            "reasons": [format!("{id} is {class}")], "extra": "ignored"})
    }

    fn snap(
        as_of: &str,
        currency: &str,
        users: Vec<serde_json::Value>,
        skus: serde_json::Value,
    ) -> Snapshot {
        let doc = json!({
            "as_of": as_of, "currency": currency, "users": users, "renewal": skus,
            "headline": {"realisable": null},
            "summary": [
                {"group": "class", "name": "remove", "users": 2, "annual_saving": "2400.00"},
                {"group": "total", "name": "all users", "users": 3, "annual_saving": "2400.00"},
            ],
        });
        Snapshot::parse(&serde_json::to_vec(&doc).expect("json")).expect("snapshot")
    }

    fn skus(bought: u64, rec: u64, annual: &str) -> serde_json::Value {
        json!([{"sku": "ENT", "bought": bought, "assigned": bought - 1, "recommended": rec,
            "annual_saving_at_renewal": annual}])
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
        assert_eq!(d.users[0].old_class.as_deref(), Some("full"));
        assert_eq!(d.users[0].why, "A is remove");
        assert_eq!(d.users[0].old_reasons, "a is full");
        let sku = d.rows.iter().find(|r| r.section == "sku").expect("sku row");
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
        let old = snap("2026-07-31", "USD", vec![], json!([]));
        let new = snap("2026-10-31", "USD", vec![], skus(3, 1, "120.00"));
        let d = diff(&old, &new).expect("diff");
        let sku = d.rows.iter().find(|r| r.section == "sku").expect("sku row");
        assert_eq!((sku.old_count, sku.old_annual), (0, Some(Decimal::ZERO)));
        assert_eq!(sku.annual_change(), Some(Decimal::from(120)));
    }

    #[test]
    fn currencies_must_match_and_order_is_checked() {
        let usd = snap("2026-07-31", "USD", vec![], json!([]));
        let eur = snap("2026-10-31", "EUR", vec![], json!([]));
        assert!(diff(&usd, &eur).is_err());
        let later = snap("2026-10-31", "USD", vec![], json!([]));
        let d = diff(&later, &usd).expect("diff");
        assert_eq!(d.warnings.len(), 1, "swapped order is flagged");
    }

    #[test]
    fn the_total_comes_first() {
        let s = snap("2026-07-31", "USD", vec![], json!([]));
        let d = diff(&s, &snap("2026-10-31", "USD", vec![], json!([]))).expect("diff");
        assert_eq!(d.rows[0].section, "total");
        assert_eq!(d.total().map(|t| t.count_change()), Some(0));
    }
}
