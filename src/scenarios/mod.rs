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

/// Conversations a month per channel, the deflection model's basis.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PerMonth {
    pub channels: BTreeMap<Channel, Decimal>,
    /// The calendar months wholly inside the window the mean is over; empty when there is
    /// none and the mean is over the window's days instead (30.44-day months).
    pub months: Vec<crate::usage::Month>,
}

/// The mean, over the calendar months wholly inside `[from, to]`, of each channel's
/// conversations (per day, days since 1970); a month without any counts 0. A window holding
/// no whole month takes its days in 30.44-day months instead.
pub fn per_month(days: &BTreeMap<(Channel, i64), u64>, from: NaiveDate, to: NaiveDate) -> PerMonth {
    use crate::usage::Month;
    let day_of = crate::model::date_to_day;
    let mut months = Vec::new();
    let mut m = Month::of(from);
    while m.first_day().is_some_and(|d| d <= to) {
        if m.inside(from, to) {
            months.push(m);
        }
        m = m.next();
    }
    let ranges: Vec<(i64, i64)> = months
        .iter()
        .filter_map(|m| Some((day_of(m.first_day()?), day_of(m.last_day()?))))
        .collect();
    let mut channels = BTreeMap::new();
    for channel in [Channel::Voice, Channel::Digital] {
        let on = days.iter().filter(|((c, _), _)| *c == channel);
        let mean = if ranges.is_empty() {
            let (a, b) = (day_of(from), day_of(to));
            let total: u64 = on
                .filter(|((_, d), _)| a <= *d && *d <= b)
                .map(|(_, n)| n)
                .sum();
            let window_days = (to - from).num_days() + 1;
            Decimal::from(total) * Decimal::new(3044, 2) / Decimal::from(window_days.max(1))
        } else {
            let total: u64 = on
                .filter(|((_, d), _)| ranges.iter().any(|(a, b)| a <= d && d <= b))
                .map(|(_, n)| n)
                .sum();
            Decimal::from(total) / Decimal::from(ranges.len())
        };
        if days.keys().any(|(c, _)| *c == channel) {
            channels.insert(channel, mean);
        }
    }
    PerMonth { channels, months }
}

#[cfg(test)]
mod tests;
