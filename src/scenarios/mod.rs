//! What-if scenarios (PRODUCT.md section 9): which recommendations are carried out, under which
//! contract terms and renewal date, with which bot deflection, and what each costs a year beside
//! `current` and `recommended`. `load` reads `scenarios.toml`; `engine` is the pure arithmetic.

mod engine;
mod load;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::model::{Channel, Class, Flag};

pub use engine::{DeflectionOutcome, Inputs, Outcome, Which, evaluate_all};

/// The validated scenarios of a run (none without a file).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scenarios {
    pub list: Vec<Scenario>,
    /// The file the scenarios came from (empty when none).
    pub origin: String,
    /// Its text, for the manifest digest.
    pub text: String,
}

/// One `[[scenario]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub adopt: Adopt,
    /// Replaces the contract's discount.
    pub discount: Option<Decimal>,
    /// SKU id → negotiated monthly price.
    pub prices: BTreeMap<String, Decimal>,
    /// Replaces the policy's renewal date.
    pub renewal_date: Option<NaiveDate>,
    pub deflection: Vec<Deflection>,
}

impl Scenario {
    /// The scenario that carries out `adopt` under the price book's own terms.
    pub fn adopting(name: &str, adopt: Adopt) -> Scenario {
        Scenario {
            name: name.to_string(),
            adopt,
            discount: None,
            prices: BTreeMap::new(),
            renewal_date: None,
            deflection: Vec::new(),
        }
    }
}

/// The classes and seat-check flags whose recommendations are carried out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Adopt {
    pub classes: BTreeSet<Class>,
    /// Only `premium-unused` and `addon-unused` (for `full` users whose class is not adopted).
    pub flags: BTreeSet<Flag>,
}

impl Adopt {
    /// Every class: the recommendations as they are.
    pub fn all() -> Adopt {
        Adopt {
            classes: Class::ALL.into_iter().collect(),
            flags: [Flag::PremiumUnused, Flag::AddonUnused]
                .into_iter()
                .collect(),
        }
    }

    /// Nothing: today's licences.
    pub fn none() -> Adopt {
        Adopt::default()
    }

    /// The classes and flags as the report lists them (classes first, in `Class::ALL` order).
    pub fn names(&self) -> Vec<String> {
        Class::ALL
            .iter()
            .filter(|c| self.classes.contains(c))
            .map(|c| c.as_str().to_string())
            .chain(self.flags.iter().map(|f| f.as_str().to_string()))
            .collect()
    }
}

/// A bot containing a share of one channel's conversations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deflection {
    pub channel: Channel,
    /// Fraction of the channel's conversations contained, in [0, 1).
    pub share: Decimal,
    /// Copilot credits per contained digital conversation, or IVR minutes per contained call.
    pub per_conversation: Decimal,
}

#[cfg(test)]
mod tests;
