//! Subscriptions (canonical `sku, purchased, assigned`; Graph `subscribedSkus` flattened:
//! `skuPartNumber`, `prepaidUnits.enabled`, `consumedUnits`; or Graph `directory/subscriptions`:
//! `skuPartNumber`, `skuId`, `isTrial`, `status`, `totalLicenses`, `nextLifecycleDateTime`) →
//! seats bought per in-scope SKU (family in the policy's `scope.families`); other price-book
//! SKUs are only counted. A `directory/subscriptions` export also tells which SKUs are trials
//! and when a trial ends.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use chrono::NaiveDate;
use serde::Serialize;

use super::table::Table;
use super::{Rejected, Source};
use crate::policy::Policy;
use crate::prices::PriceBook;

/// Seats bought and assigned for one SKU, as the tenant's subscriptions report them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Seats {
    pub purchased: u64,
    pub assigned: Option<u64>,
}

#[derive(Debug, Default)]
pub struct Subscriptions {
    /// In-scope price-book SKU id → seats (several rows of one SKU add up).
    pub seats: BTreeMap<String, Seats>,
    /// In the price book but outside the policy's scope families → seats bought: no
    /// shelfware, no renewal line.
    pub out_of_scope: BTreeMap<String, u64>,
    pub unknown_skus: BTreeMap<String, u64>,
    /// Capacity SKUs (`kind = "capacity"`: credit packs, Dataverse capacity add-ons) → units
    /// bought, whatever the scope: they add pooled entitlements, not seats.
    pub capacity_units: BTreeMap<String, u64>,
    /// Price-book SKU id → the trial's end (`nextLifecycleDateTime`, earliest), for SKUs a
    /// `directory/subscriptions` row flags `isTrial` and no Enabled or Warning paid row buys.
    pub trials: BTreeMap<String, Option<NaiveDate>>,
    pub rows: BTreeMap<usize, u64>,
    /// SKUs that two kinds of subscription export both list (Graph `subscribedSkus` and
    /// `directory/subscriptions` describe the same seats): id → (the files whose seats were
    /// used, the files left out for it).
    pub overlaps: BTreeMap<String, (Vec<String>, Vec<String>)>,
}

/// Which kind of export a subscriptions file is: files of one kind add up; two kinds listing
/// one SKU describe the same seats, so only one kind's count is used (the first here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Flavour {
    /// Graph `directory/subscriptions`: one row per subscription with its status.
    Directory,
    /// Graph `subscribedSkus` or the admin center: one row per SKU.
    SubscribedSkus,
    /// rightsize's `sku, purchased, assigned`.
    Canonical,
}

/// A `directory/subscriptions` status: only Enabled and Warning seats are bought.
fn active_status(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "enabled" | "warning" => Ok(true),
        "suspended" | "deleted" | "lockedout" => Ok(false),
        _ => Err(format!(
            "\"{s}\" is not a subscription status (Enabled, Warning, Suspended, Deleted, \
             LockedOut)"
        )),
    }
}

/// What the `directory/subscriptions` rows say of one SKU's trials.
#[derive(Default)]
struct TrialRows {
    trial: bool,
    paid_active: bool,
    end: Option<NaiveDate>,
}

pub fn read(
    sources: &[&Source],
    book: &PriceBook,
    policy: &Policy,
    rejected: &mut Vec<Rejected>,
) -> Result<Subscriptions> {
    let mut out = Subscriptions::default();
    let mut trial_rows: BTreeMap<String, TrialRows> = BTreeMap::new();
    // (SKU, kind of export) → seats and the files they came from.
    let mut by_flavour: BTreeMap<(String, Flavour), (Seats, Vec<String>)> = BTreeMap::new();
    for src in sources {
        let t = Table::from_source(src, "subscriptions", rejected)?;
        let (Some(c_sku), Some(c_bought)) = (
            t.col(&["sku", "skupartnumber", "skuid"]),
            t.col(&["purchased", "prepaidunits.enabled", "totallicenses"]),
        ) else {
            bail!("{}: needs a sku and a purchased column", src.name);
        };
        let c_assigned = t.col(&["assigned", "consumedunits"]);
        let c_skuid = t.col(&["skuid"]).filter(|&c| c != c_sku);
        let c_status = t.col(&["status"]);
        let c_trial = t.col(&["istrial"]);
        let c_next = t.col(&["nextlifecycledatetime"]);
        let flavour = if t.col(&["totallicenses"]).is_some() {
            Flavour::Directory
        } else if t.col(&["prepaidunits.enabled"]).is_some() {
            Flavour::SubscribedSkus
        } else {
            Flavour::Canonical
        };
        let mut n = 0;
        for row in &t.rows {
            let get = |c: usize| row.record.get(c).unwrap_or("").trim();
            let count = |c: usize| -> Result<u64, String> {
                let v = get(c);
                v.parse::<u64>()
                    .map_err(|_| format!("\"{v}\" is not a whole number of seats"))
            };
            let purchased = match count(c_bought) {
                Ok(v) => v,
                Err(p) => {
                    rejected.push(t.reject(row.line, Some(c_bought), p));
                    continue;
                }
            };
            let assigned = match c_assigned {
                Some(c) if !get(c).is_empty() => match count(c) {
                    Ok(v) => Some(v),
                    Err(p) => {
                        rejected.push(t.reject(row.line, Some(c), p));
                        continue;
                    }
                },
                _ => None,
            };
            let active = match c_status.map(|c| active_status(get(c))) {
                None => true,
                Some(Ok(a)) => a,
                Some(Err(p)) => {
                    rejected.push(t.reject(row.line, c_status, p));
                    continue;
                }
            };
            let is_trial = match c_trial.map(|c| crate::text::parse_bool(get(c))) {
                None | Some(Ok(None)) => false,
                Some(Ok(Some(b))) => b,
                Some(Err(_)) => {
                    let v = c_trial.map_or("", get);
                    rejected.push(t.reject(
                        row.line,
                        c_trial,
                        format!("\"{v}\" is not true or false"),
                    ));
                    continue;
                }
            };
            let next = match c_next.map(get).filter(|v| !v.is_empty()) {
                None => None,
                Some(v) => match super::timeparse::TimeFormat::detect(v).and_then(|f| f.parse(v)) {
                    Some(ms) => Some(crate::model::ms_to_date(ms)),
                    None => {
                        rejected.push(t.reject(
                            row.line,
                            c_next,
                            format!("\"{v}\" is not a date and time"),
                        ));
                        continue;
                    }
                },
            };
            // Only Enabled and Warning subscriptions' seats are bought.
            let purchased = if active { purchased } else { 0 };
            n += 1;
            let text = get(c_sku);
            let found = book
                .resolve(text)
                .or_else(|| c_skuid.and_then(|c| book.resolve(get(c))));
            if let (Some(sku), Some(_)) = (found, c_trial) {
                let e = trial_rows.entry(sku.id.clone()).or_default();
                if is_trial {
                    e.trial = true;
                    e.end = match (e.end, next) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                } else if active {
                    e.paid_active = true;
                }
            }
            match found {
                Some(sku) if sku.kind == crate::prices::SkuKind::Capacity => {
                    *out.capacity_units.entry(sku.id.clone()).or_default() += purchased
                }
                Some(sku) if !policy.in_scope(&sku.family) => {
                    *out.out_of_scope.entry(sku.id.clone()).or_default() += purchased
                }
                Some(sku) => {
                    let (e, files) = by_flavour.entry((sku.id.clone(), flavour)).or_default();
                    e.purchased += purchased;
                    e.assigned = match (e.assigned, assigned) {
                        (Some(a), Some(b)) => Some(a + b),
                        (a, b) => a.or(b),
                    };
                    if !files.contains(&src.name) {
                        files.push(src.name.clone());
                    }
                }
                None if super::assignments::looks_like_dynamics(text) => {
                    *out.unknown_skus.entry(text.to_string()).or_default() += 1
                }
                // Microsoft 365 and other products' subscriptions are not ours to judge.
                None => {}
            }
        }
        out.rows.insert(src.index, n);
    }
    // Per SKU, the seats of one kind of export: the directory's subscriptions (statuses per
    // subscription) before subscribedSkus before the canonical file; the assigned count from
    // the first kind that has one.
    let mut used_files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for ((sku, _), (seats, files)) in by_flavour {
        match out.seats.get_mut(&sku) {
            None => {
                out.seats.insert(sku.clone(), seats);
                used_files.insert(sku, files);
            }
            Some(kept) => {
                if kept.assigned.is_none() {
                    kept.assigned = seats.assigned;
                }
                let used = used_files.get(&sku).cloned().unwrap_or_default();
                out.overlaps
                    .entry(sku)
                    .or_insert_with(|| (used, Vec::new()))
                    .1
                    .extend(files);
            }
        }
    }
    // A SKU the tenant also pays for (an Enabled or Warning row without isTrial) is not a
    // trial: its trial rows are a past trial, and marking it would price paid seats at 0.
    out.trials = trial_rows
        .into_iter()
        .filter(|(_, r)| r.trial && !r.paid_active)
        .map(|(id, r)| (id, r.end))
        .collect();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::decode;

    const ENT: &str = "DYN365_ENTERPRISE_CUSTOMER_SERVICE";
    const PREM: &str = "DYN365_CUSTOMER_SERVICE_PREMIUM";
    const VIRAL: &str = "Dynamics_365_Customer_Service_Enterprise_viral_trial";
    const PRO: &str = "DYN365_CUSTOMER_SERVICE_PRO";

    fn read_text(text: &str) -> (Subscriptions, Vec<Rejected>) {
        let dir = tempfile::tempdir().expect("temp");
        let path = dir.path().join("subs.csv");
        std::fs::write(&path, text).expect("write");
        let dec = decode::open(&path, None).expect("decode");
        let src = Source {
            index: 0,
            kind: super::super::Kind::Subscriptions,
            name: "subs.csv".into(),
            path,
            columns: dec.header.clone(),
            decoded: Some(dec),
        };
        let book = PriceBook::load(None).expect("book");
        let policy = Policy::load(None, &book).expect("policy");
        let mut rejected = Vec::new();
        let out = read(&[&src], &book, &policy, &mut rejected).expect("read");
        (out, rejected)
    }

    fn read_texts(files: &[(&str, &str)]) -> Subscriptions {
        let dir = tempfile::tempdir().expect("temp");
        let srcs: Vec<Source> = files
            .iter()
            .enumerate()
            .map(|(index, (name, text))| {
                let path = dir.path().join(name);
                std::fs::write(&path, text).expect("write");
                let dec = decode::open(&path, None).expect("decode");
                Source {
                    index,
                    kind: super::super::Kind::Subscriptions,
                    name: (*name).into(),
                    path,
                    columns: dec.header.clone(),
                    decoded: Some(dec),
                }
            })
            .collect();
        let refs: Vec<&Source> = srcs.iter().collect();
        let book = PriceBook::load(None).expect("book");
        let policy = Policy::load(None, &book).expect("policy");
        read(&refs, &book, &policy, &mut Vec::new()).expect("read")
    }

    #[test]
    fn two_kinds_of_export_listing_one_sku_are_not_added() {
        let directory = "id,skuId,skuPartNumber,isTrial,status,totalLicenses,nextLifecycleDateTime\n\
                         1,,DYN365_ENTERPRISE_CUSTOMER_SERVICE,false,Enabled,10,\n\
                         2,,DYN365_ENTERPRISE_CUSTOMER_SERVICE,false,Suspended,5,\n";
        let subscribed = "skuId,skuPartNumber,prepaidUnits.enabled,consumedUnits\n\
                          x,DYN365_ENTERPRISE_CUSTOMER_SERVICE,10,8\n\
                          y,DYN365_TEAM_MEMBERS,4,4\n";
        let subs = read_texts(&[("dir.csv", directory), ("skus.csv", subscribed)]);
        // Enterprise: the directory's 10 enabled seats, not 10 + 10; the assigned count from
        // subscribedSkus, which has one.
        assert_eq!(
            subs.seats.get(ENT),
            Some(&Seats {
                purchased: 10,
                assigned: Some(8)
            })
        );
        assert_eq!(
            subs.seats.get("DYN365_TEAM_MEMBERS").map(|s| s.purchased),
            Some(4)
        );
        assert_eq!(
            subs.overlaps,
            BTreeMap::from([(
                ENT.to_string(),
                (vec!["dir.csv".to_string()], vec!["skus.csv".to_string()])
            )])
        );
        // Two files of one kind (a split export) still add up.
        let a = "sku,purchased,assigned\nDYN365_ENTERPRISE_CUSTOMER_SERVICE,3,3\n";
        let b = "sku,purchased,assigned\nDYN365_ENTERPRISE_CUSTOMER_SERVICE,2,1\n";
        let subs = read_texts(&[("a.csv", a), ("b.csv", b)]);
        assert_eq!(subs.seats.get(ENT).map(|s| s.purchased), Some(5));
        assert!(subs.overlaps.is_empty());
    }

    fn date(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }

    #[test]
    fn capacity_skus_are_units_for_the_pools_not_seats_whatever_the_scope() {
        let (subs, rejected) = read_text(
            "sku,purchased,assigned\n\
             VIRTUAL_AGENT_BASE,2,0\n\
             CDS_DB_CAPACITY,10,\n\
             Common Data Service Database Capacity,5,\n\
             DYN365_ENTERPRISE_CUSTOMER_SERVICE,3,3\n",
        );
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(
            subs.capacity_units,
            BTreeMap::from([
                ("CDS_DB_CAPACITY".to_string(), 15),
                ("VIRTUAL_AGENT_BASE".to_string(), 2),
            ])
        );
        assert_eq!(subs.seats.keys().collect::<Vec<_>>(), vec![ENT]);
        assert!(subs.out_of_scope.is_empty(), "{:?}", subs.out_of_scope);
    }

    #[test]
    fn directory_subscriptions_give_seats_of_enabled_rows_and_the_trials() {
        let (subs, rejected) = read_text(
            "id,skuId,skuPartNumber,isTrial,status,totalLicenses,nextLifecycleDateTime\n\
             1,749742bf-0d37-4158-a120-33567104deeb,DYN365_ENTERPRISE_CUSTOMER_SERVICE,false,Enabled,10,2027-06-30T00:00:00Z\n\
             2,749742bf-0d37-4158-a120-33567104deeb,DYN365_ENTERPRISE_CUSTOMER_SERVICE,false,Warning,5,2027-01-31T00:00:00Z\n\
             3,749742bf-0d37-4158-a120-33567104deeb,DYN365_ENTERPRISE_CUSTOMER_SERVICE,true,Deleted,25,2025-01-31T00:00:00Z\n\
             4,1e615a51-59db-4807-9957-aa83c3657351,Dynamics_365_Customer_Service_Enterprise_viral_trial,true,Enabled,25,2026-11-30T00:00:00Z\n\
             5,,DYN365_CUSTOMER_SERVICE_PREMIUM,True,Warning,3,2026-11-20T10:00:00Z\n\
             6,,DYN365_CUSTOMER_SERVICE_PREMIUM,true,Enabled,2,2026-12-20T00:00:00Z\n\
             7,,DYN365_CUSTOMER_SERVICE_PRO,false,Suspended,4,\n\
             8,,DYN365_CUSTOMER_SERVICE_PRO,maybe,Enabled,4,\n\
             9,,DYN365_CUSTOMER_SERVICE_PRO,false,Gone,4,\n\
             10,,DYN365_CUSTOMER_SERVICE_PRO,false,Enabled,4,soon\n",
        );
        let cases = [
            ("enabled and warning rows add up", ENT, Some(15)),
            ("trial seats are seats bought", VIRAL, Some(25)),
            ("two trial rows", PREM, Some(5)),
            ("a suspended subscription buys none", PRO, Some(0)),
        ];
        for (name, sku, want) in cases {
            assert_eq!(subs.seats.get(sku).map(|s| s.purchased), want, "{name}");
        }
        assert_eq!(
            subs.trials,
            BTreeMap::from([
                // the earliest end of its trial rows
                (PREM.to_string(), date("2026-11-20")),
                (VIRAL.to_string(), date("2026-11-30")),
            ]),
            "a SKU also bought paid (ENT) is not a trial"
        );
        let got: Vec<String> = rejected.iter().map(ToString::to_string).collect();
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(
            got[0].starts_with("subs.csv:9: isTrial: \"maybe\""),
            "{got:?}"
        );
        assert!(
            got[1].starts_with("subs.csv:10: status: \"Gone\" is not a subscription status"),
            "{got:?}"
        );
        assert!(
            got[2].starts_with("subs.csv:11: nextLifecycleDateTime: \"soon\""),
            "{got:?}"
        );
    }

    #[test]
    fn powershell_export_csv_of_directory_subscriptions() {
        let (subs, rejected) = read_text(
            "#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphCompanySubscription\r\n\
             \"CommerceSubscriptionId\",\"CreatedDateTime\",\"Id\",\"IsTrial\",\"NextLifecycleDateTime\",\"SkuId\",\"SkuPartNumber\",\"Status\",\"TotalLicenses\"\r\n\
             \"c1\",\"10/1/2026 9:00:00 AM\",\"s1\",\"True\",\"11/30/2026 12:00:00 AM\",\"94a6fbd4-6a2f-4990-b356-dc7dd8bed08a\",\"\",\"Enabled\",\"10\"\r\n\
             \"c2\",\"1/5/2026 9:00:00 AM\",\"s2\",\"False\",\"6/30/2027 12:00:00 AM\",\"\",\"DYN365_ENTERPRISE_CUSTOMER_SERVICE\",\"Enabled\",\"40\"\r\n",
        );
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(
            subs.trials,
            BTreeMap::from([(
                "Dynamics_365_Customer_Service_Enterprise_admin_trial".to_string(),
                date("2026-11-30")
            )]),
            "found by skuId when the part number is empty"
        );
        assert_eq!(subs.seats.get(ENT).map(|s| s.purchased), Some(40));
    }

    #[test]
    fn subscribed_skus_have_no_trials() {
        let (subs, rejected) = read_text(
            "skuPartNumber,prepaidUnits.enabled,consumedUnits\nDYN365_ENTERPRISE_CUSTOMER_SERVICE,4,3\n",
        );
        assert!(rejected.is_empty());
        assert!(subs.trials.is_empty());
        assert_eq!(
            subs.seats.get(ENT),
            Some(&Seats {
                purchased: 4,
                assigned: Some(3)
            })
        );
    }
}
