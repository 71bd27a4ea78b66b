//! Subscriptions (canonical `sku, purchased, assigned` or Graph `subscribedSkus` flattened:
//! `skuPartNumber`, `prepaidUnits.enabled`, `consumedUnits`) → seats bought per in-scope SKU
//! (family in the policy's `scope.families`); other price-book SKUs are only counted.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
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
    pub rows: BTreeMap<usize, u64>,
}

pub fn read(
    sources: &[&Source],
    book: &PriceBook,
    policy: &Policy,
    rejected: &mut Vec<Rejected>,
) -> Result<Subscriptions> {
    let mut out = Subscriptions::default();
    for src in sources {
        let t = Table::from_source(src, "subscriptions", rejected)?;
        let (Some(c_sku), Some(c_bought)) = (
            t.col(&["sku", "skupartnumber", "skuid"]),
            t.col(&["purchased", "prepaidunits.enabled"]),
        ) else {
            bail!("{}: needs a sku and a purchased column", src.name);
        };
        let c_assigned = t.col(&["assigned", "consumedunits"]);
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
            n += 1;
            let text = get(c_sku);
            match book.resolve(text) {
                Some(sku) if !policy.in_scope(&sku.family) => {
                    *out.out_of_scope.entry(sku.id.clone()).or_default() += purchased
                }
                Some(sku) => {
                    let e = out.seats.entry(sku.id.clone()).or_default();
                    e.purchased += purchased;
                    e.assigned = match (e.assigned, assigned) {
                        (Some(a), Some(b)) => Some(a + b),
                        (a, b) => a.or(b),
                    };
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
    Ok(out)
}
