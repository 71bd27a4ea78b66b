//! Contract terms (pure): the tenant's term, billing, discount and uplifts, and per SKU a
//! negotiated price, its own term or billing, and volume tiers. Turns a list price into the
//! unit price the tenant pays for a seat count (PRODUCT.md section 7):
//!
//! unit = negotiated, else (the tier price for the seat count, else list) × (1 − discount);
//! then × (1 + uplift), rounded half away from zero to cents per seat.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::round2;

/// How long the seats are committed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Term {
    /// Seats change only at renewal.
    #[default]
    Annual,
    /// NCE monthly term: seats can be reduced at any month end, at an uplift.
    Monthly,
}

/// How an annual term is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Billing {
    #[default]
    Upfront,
    Monthly,
}

/// The uplifts over an annual term paid upfront (fractions: "0.20" = +20 %).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uplift {
    pub monthly_term: Decimal,
    pub monthly_billing: Decimal,
}

impl Default for Uplift {
    /// The NCE uplifts of costs-facts section 7: monthly term +20 %, annual billed monthly +5 %.
    fn default() -> Uplift {
        Uplift {
            monthly_term: Decimal::new(20, 2),
            monthly_billing: Decimal::new(5, 2),
        }
    }
}

/// The tenant-wide terms of `[contract]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Contract {
    pub term: Term,
    pub billing: Billing,
    /// Fraction off list for every SKU without a negotiated price, in [0, 1).
    pub discount: Decimal,
    pub uplift: Uplift,
}

/// A volume price: the price of every seat once the SKU's seat count is at least `from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub from: u64,
    pub monthly: Decimal,
}

/// One SKU's own terms.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SkuTerms {
    /// The tenant's own annual-term price: replaces list, tiers and discount, not the uplift.
    pub negotiated: Option<Decimal>,
    pub term: Option<Term>,
    pub billing: Option<Billing>,
    /// Ascending by `from` (validated on load).
    pub tiers: Vec<Tier>,
}

impl Contract {
    /// The term in force for a SKU.
    pub fn term_of(&self, sku: &SkuTerms) -> Term {
        sku.term.unwrap_or(self.term)
    }

    /// The uplift for a SKU: the monthly-term uplift for a monthly term (whatever its billing),
    /// the monthly-billing uplift for an annual term billed monthly, else none.
    pub fn uplift_of(&self, sku: &SkuTerms) -> Decimal {
        match (self.term_of(sku), sku.billing.unwrap_or(self.billing)) {
            (Term::Monthly, _) => self.uplift.monthly_term,
            (Term::Annual, Billing::Monthly) => self.uplift.monthly_billing,
            (Term::Annual, Billing::Upfront) => Decimal::ZERO,
        }
    }

    /// The unit price per seat per month at `seats` seats; `None` when neither a negotiated nor
    /// a list price is known.
    pub fn unit_price(&self, list: Option<Decimal>, sku: &SkuTerms, seats: u64) -> Option<Decimal> {
        let base = match sku.negotiated {
            Some(n) => n,
            None => {
                let tier = sku.tiers.iter().rev().find(|t| seats >= t.from);
                tier.map(|t| t.monthly).or(list)? * (Decimal::ONE - self.discount)
            }
        };
        Some(round2(base * (Decimal::ONE + self.uplift_of(sku))))
    }

    /// The tier a seat count falls in (its `from`), when the SKU has tiers.
    pub fn tier_of(sku: &SkuTerms, seats: u64) -> Option<u64> {
        sku.tiers
            .iter()
            .rev()
            .find(|t| seats >= t.from)
            .map(|t| t.from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    fn tiers() -> Vec<Tier> {
        vec![
            Tier {
                from: 1,
                monthly: d("105.00"),
            },
            Tier {
                from: 2400,
                monthly: d("99.00"),
            },
            Tier {
                from: 6000,
                monthly: d("95.00"),
            },
        ]
    }

    #[test]
    fn unit_prices_follow_the_formula_to_the_cent() {
        let plain = Contract::default();
        let discounted = Contract {
            discount: d("0.12"),
            ..Contract::default()
        };
        let monthly_term = Contract {
            term: Term::Monthly,
            ..Contract::default()
        };
        let billed_monthly = Contract {
            billing: Billing::Monthly,
            discount: d("0.10"),
            ..Contract::default()
        };
        let tiered = SkuTerms {
            tiers: tiers(),
            ..SkuTerms::default()
        };
        let negotiated = SkuTerms {
            negotiated: Some(d("89.00")),
            tiers: tiers(),
            ..SkuTerms::default()
        };
        let own_monthly = SkuTerms {
            term: Some(Term::Monthly),
            billing: Some(Billing::Upfront),
            ..SkuTerms::default()
        };
        let none = SkuTerms::default();
        let list = Some(d("105.00"));
        let cases = [
            ("list", &plain, &none, list, 10, Some("105.00")),
            ("unknown list", &plain, &none, None, 10, None),
            (
                "tiers without list",
                &plain,
                &tiered,
                None,
                10,
                Some("105.00"),
            ),
            // 105 × 0.88 = 92.40
            ("discount", &discounted, &none, list, 10, Some("92.40")),
            (
                "below the second tier",
                &plain,
                &tiered,
                list,
                2399,
                Some("105.00"),
            ),
            (
                "at the second tier",
                &plain,
                &tiered,
                list,
                2400,
                Some("99.00"),
            ),
            ("top tier", &plain, &tiered, list, 7000, Some("95.00")),
            // 99 × 0.88 = 87.12
            (
                "tier then discount",
                &discounted,
                &tiered,
                list,
                2400,
                Some("87.12"),
            ),
            // negotiated replaces list, tiers and discount
            (
                "negotiated",
                &discounted,
                &negotiated,
                list,
                2400,
                Some("89.00"),
            ),
            // 105 × 1.20 = 126.00
            (
                "monthly term",
                &monthly_term,
                &none,
                list,
                10,
                Some("126.00"),
            ),
            // 89 × 1.20 = 106.80: the uplift applies to negotiated prices too
            (
                "negotiated, monthly term",
                &monthly_term,
                &negotiated,
                list,
                1,
                Some("106.80"),
            ),
            // 105 × 0.90 × 1.05 = 99.225 → 99.23 (half away from zero)
            (
                "billed monthly",
                &billed_monthly,
                &none,
                list,
                10,
                Some("99.23"),
            ),
            // a SKU's own monthly term: +20 % whatever the billing
            (
                "own monthly term",
                &plain,
                &own_monthly,
                list,
                10,
                Some("126.00"),
            ),
        ];
        for (name, contract, sku, list, seats, want) in cases {
            let got = contract.unit_price(list, sku, seats);
            assert_eq!(got, want.map(d), "{name}");
        }
    }

    #[test]
    fn the_tier_of_a_seat_count() {
        let sku = SkuTerms {
            tiers: tiers(),
            ..SkuTerms::default()
        };
        assert_eq!(Contract::tier_of(&sku, 0), None);
        assert_eq!(Contract::tier_of(&sku, 2399), Some(1));
        assert_eq!(Contract::tier_of(&sku, 2400), Some(2400));
        assert_eq!(Contract::tier_of(&SkuTerms::default(), 5000), None);
    }
}
