//! The pooled capacity side of the bill (pure, PRODUCT.md section 8): what the licences entitle
//! the tenant to now and after the recommendations, what it consumes at its peak full month, the
//! overage both ways at pay-as-you-go prices, and the net saving: a licence saving that pushes a
//! pool into overage is not a saving.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::Resource;
use crate::prices::{PriceBook, SkuKind};

/// Seats of one SKU now and after the recommendations (a renewal row's counts).
#[derive(Debug, Clone, PartialEq)]
pub struct Seats {
    pub sku: String,
    pub now: u64,
    pub after: u64,
}

/// One pooled resource, now and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pool {
    pub resource: Resource,
    /// The peak full month's consumption inside the window; `None` = consumption unknown.
    pub peak: Option<Decimal>,
    pub entitlement_now: Decimal,
    pub entitlement_after: Decimal,
    /// Units above the entitlement (never below 0); `None` when consumption is unknown.
    pub overage_now: Option<Decimal>,
    pub overage_after: Option<Decimal>,
    /// The pay-as-you-go price of one unit, when the price book has one.
    pub unit_price: Option<Decimal>,
    /// Overage × unit price a month; `None` when consumption or a needed price is unknown.
    pub monthly_overage_now: Option<Decimal>,
    pub monthly_overage_after: Option<Decimal>,
}

impl Pool {
    /// Whether the recommendations push this pool into overage (or deeper into it).
    pub fn pushed_into_overage(&self) -> bool {
        match (self.overage_now, self.overage_after) {
            (Some(now), Some(after)) => after > now,
            _ => false,
        }
    }
}

/// The pools and the net saving.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capacity {
    pub pools: Vec<Pool>,
    /// Annual licence saving (the renewal table's) − 12 × (monthly overage after − now);
    /// `None` when the licence saving or a needed overage price is unknown.
    pub net_annual_saving: Option<Decimal>,
    pub net_monthly_saving: Option<Decimal>,
}

/// A pool's entitlement for a set of seat counts: per-seat entitlements of every SKU, plus the
/// tenant's once when it keeps any base licence.
pub fn entitlement(book: &PriceBook, seats: &[(String, u64)], resource: Resource) -> Decimal {
    let mut total = Decimal::ZERO;
    let mut any_base = false;
    for (sku, n) in seats {
        let Some(s) = book.get(sku) else { continue };
        if *n > 0 && matches!(s.kind, SkuKind::Base | SkuKind::Device) {
            any_base = true;
        }
        if let Some(per) = s.entitlements.get(&resource) {
            total += *per * Decimal::from(*n);
        }
    }
    if any_base && let Some(t) = book.tenant_entitlements.get(&resource) {
        total += *t;
    }
    total
}

/// Every resource that has an entitlement or a consumption, now and after.
pub fn capacity(
    book: &PriceBook,
    seats: &[Seats],
    peak: &BTreeMap<Resource, Decimal>,
    annual_licence_saving: Option<Decimal>,
) -> Capacity {
    let now: Vec<(String, u64)> = seats.iter().map(|s| (s.sku.clone(), s.now)).collect();
    let after: Vec<(String, u64)> = seats.iter().map(|s| (s.sku.clone(), s.after)).collect();
    let mut pools = Vec::new();
    for resource in Resource::ALL {
        let (e_now, e_after) = (
            entitlement(book, &now, resource),
            entitlement(book, &after, resource),
        );
        let used = peak.get(&resource).copied();
        if used.is_none() && e_now.is_zero() && e_after.is_zero() {
            continue;
        }
        let over = |e: Decimal| used.map(|u| (u - e).max(Decimal::ZERO));
        let unit_price = book.capacity.get(&resource).map(|c| c.unit_price);
        let money = |o: Option<Decimal>| match (o, unit_price) {
            (Some(o), _) if o.is_zero() => Some(Decimal::ZERO),
            (Some(o), Some(p)) => Some(o * p),
            _ => None,
        };
        let (o_now, o_after) = (over(e_now), over(e_after));
        pools.push(Pool {
            resource,
            peak: used,
            entitlement_now: e_now,
            entitlement_after: e_after,
            overage_now: o_now,
            overage_after: o_after,
            unit_price,
            monthly_overage_now: money(o_now),
            monthly_overage_after: money(o_after),
        });
    }
    // Only pools with known consumption change the net saving; each must be priceable.
    let mut change = Some(Decimal::ZERO);
    for p in pools.iter().filter(|p| p.peak.is_some()) {
        change = match (change, p.monthly_overage_now, p.monthly_overage_after) {
            (Some(c), Some(n), Some(a)) => Some(c + a - n),
            _ => None,
        };
    }
    let net_annual_saving = match (annual_licence_saving, change) {
        (Some(s), Some(c)) => Some(s - Decimal::from(12) * c),
        _ => None,
    };
    Capacity {
        pools,
        net_monthly_saving: net_annual_saving.map(|a| a / Decimal::from(12)),
        net_annual_saving,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    const BOOK: &str = r#"
[tenant.entitlements]
dataverse-database-gb = "30"
dataverse-file-gb = "40"

[[capacity]]
resource = "copilot-credits"
unit_price = "0.01"
unit = "credit"
source = "test"

[[sku]]
id = "PREMIUM"
kind = "base"
premium = true
monthly = "195.00"
currency = "USD"
[sku.entitlements]
copilot-credits = 1000
dataverse-database-gb = "0.25"
dataverse-file-gb = "35"

[[sku]]
id = "ENT"
kind = "base"
monthly = "105.00"
currency = "USD"
[sku.entitlements]
dataverse-database-gb = "0.25"
dataverse-file-gb = "2"

[[sku]]
id = "TM"
kind = "team-member"
monthly = "8.00"
currency = "USD"
"#;

    fn book() -> PriceBook {
        PriceBook::from_toml(BOOK, "p.toml").expect("book")
    }

    fn pool(c: &Capacity, resource: Resource) -> &Pool {
        c.pools
            .iter()
            .find(|p| p.resource == resource)
            .unwrap_or_else(|| panic!("{resource} pool"))
    }

    fn seats(premium: (u64, u64), ent: (u64, u64)) -> Vec<Seats> {
        vec![
            Seats {
                sku: "PREMIUM".into(),
                now: premium.0,
                after: premium.1,
            },
            Seats {
                sku: "ENT".into(),
                now: ent.0,
                after: ent.1,
            },
        ]
    }

    #[test]
    fn a_premium_reduction_that_pushes_the_credit_pool_into_overage_is_not_all_saving() {
        // Premium 60 → 20 (40 to Enterprise): credits 60,000 → 20,000 a month; peak use 35,000:
        // overage 0 → 15,000 credits × 0.01 = 150.00 a month. Licence saving 40 × 90 × 12 =
        // 43,200.00 a year; net 43,200 − 12 × 150 = 41,400.00.
        let peak = BTreeMap::from([(Resource::CopilotCredits, d("35000"))]);
        let c = capacity(&book(), &seats((60, 20), (0, 40)), &peak, Some(d("43200")));
        let credits = pool(&c, Resource::CopilotCredits);
        assert_eq!(credits.entitlement_now, d("60000"));
        assert_eq!(credits.entitlement_after, d("20000"));
        assert_eq!(credits.overage_now, Some(Decimal::ZERO));
        assert_eq!(credits.overage_after, Some(d("15000")));
        assert_eq!(credits.monthly_overage_now, Some(Decimal::ZERO));
        assert_eq!(credits.monthly_overage_after, Some(d("150.00")));
        assert!(credits.pushed_into_overage());
        assert_eq!(c.net_annual_saving, Some(d("41400.00")));
        assert_eq!(c.net_monthly_saving, Some(d("3450.00")));
    }

    #[test]
    fn storage_counts_per_seat_plus_the_tenant_default_once() {
        let c = capacity(&book(), &seats((60, 20), (0, 40)), &BTreeMap::new(), None);
        let file = pool(&c, Resource::DataverseFileGb);
        // now 60 × 35 + 40 = 2,140 GB; after 20 × 35 + 40 × 2 + 40 = 820 GB
        assert_eq!(file.entitlement_now, d("2140"));
        assert_eq!(file.entitlement_after, d("820"));
        // consumption unknown: no overage figure, not zero
        assert_eq!(file.overage_after, None);
        assert_eq!(file.monthly_overage_after, None);
        assert!(!file.pushed_into_overage());
        // without consumption data the net saving is the licence saving (nothing priced moves)
        assert_eq!(c.net_annual_saving, None, "the licence saving was unknown");
    }

    #[test]
    fn an_overage_without_a_price_makes_the_net_saving_unknown() {
        // 1,000 GB of files in use against 820 GB after: 180 GB over, and no file price.
        let peak = BTreeMap::from([(Resource::DataverseFileGb, d("1000"))]);
        let c = capacity(&book(), &seats((60, 20), (0, 40)), &peak, Some(d("43200")));
        let file = pool(&c, Resource::DataverseFileGb);
        assert_eq!(file.overage_now, Some(Decimal::ZERO));
        assert_eq!(file.overage_after, Some(d("180")));
        assert_eq!(file.monthly_overage_after, None);
        assert_eq!(c.net_annual_saving, None);
        // Within the entitlement both ways the missing price does not matter.
        let peak = BTreeMap::from([(Resource::DataverseFileGb, d("500"))]);
        let c = capacity(&book(), &seats((60, 20), (0, 40)), &peak, Some(d("43200")));
        assert_eq!(c.net_annual_saving, Some(d("43200")));
    }

    #[test]
    fn a_tenant_that_keeps_no_base_licence_loses_the_tenant_default() {
        let only_tm = vec![Seats {
            sku: "TM".into(),
            now: 5,
            after: 5,
        }];
        let c = capacity(&book(), &only_tm, &BTreeMap::new(), Some(Decimal::ZERO));
        assert!(c.pools.is_empty(), "{:?}", c.pools);
    }
}
