//! The scenario arithmetic (pure, Decimal throughout): per user the licences a scenario leaves
//! them, seats per SKU, licences at the scenario's unit prices, the bot's deflection, the pools
//! and their overage, the total, the saving against `current` and what falls in this fiscal
//! year. `current` and `recommended` are evaluated by the same code (adopt nothing / all).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::{Adopt, Deflection, Scenario};
use crate::contract::Term;
use crate::model::{Channel, Class, Flag, Resource};
use crate::policy::Policy;
use crate::prices::{PriceBook, SkuKind};
use crate::savings::{DeviceLicence, Priced, RenewalRow};

/// What the scenarios are evaluated on: the analysis' results.
pub struct Inputs<'a> {
    pub priced: &'a [Priced],
    pub licences: &'a [DeviceLicence],
    /// Seats held (bought, else assigned) and assigned per SKU.
    pub renewal: &'a [RenewalRow],
    /// The price book at the tenant's seat counts and contract.
    pub book: &'a PriceBook,
    pub policy: &'a Policy,
    pub as_of: NaiveDate,
    /// The usage run rate a year; `None` without a cost export (counted as 0).
    pub annual_usage: Option<Decimal>,
    /// The peak full month's consumption per resource (only resources with data).
    pub peak: &'a BTreeMap<Resource, Decimal>,
    /// Conversations a month per channel (`super::per_month`).
    pub per_month: &'a super::PerMonth,
    /// Capacity SKUs bought (credit packs, Dataverse add-ons) → units: kept in every scenario.
    pub capacity_packs: &'a BTreeMap<String, u64>,
}

/// Which column of the side-by-side table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Current,
    Recommended,
    Scenario,
}

/// One channel's deflection in a scenario (the model's numbers, exact).
#[derive(Debug, Clone, PartialEq)]
pub struct DeflectionOutcome {
    pub channel: Channel,
    pub share: Decimal,
    pub conversations_per_month: Decimal,
    pub contained_per_month: Decimal,
    pub agents: u64,
    pub seats_after: u64,
    pub freed: u64,
    /// Mean monthly licence cost of the channel's agents in this scenario; `None` if unknown.
    pub mean_monthly_cost: Option<Decimal>,
    /// freed × mean.
    pub monthly_licence_saving: Option<Decimal>,
    /// The pool the bot draws from, and what it adds to the peak month.
    pub resource: Resource,
    pub added_consumption: Decimal,
}

/// One column: a scenario's year.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub name: String,
    pub which: Which,
    pub adopt: Vec<String>,
    pub discount: Option<Decimal>,
    pub renewal_date: Option<NaiveDate>,
    /// Seats bought per SKU in the scenario (before deflection).
    pub seats: BTreeMap<String, u64>,
    pub annual_licences: Option<Decimal>,
    /// `None`: no cost export (the total counts 0).
    pub annual_usage: Option<Decimal>,
    pub annual_overage: Option<Decimal>,
    /// Whether any pool's consumption was given (else overage is 0, consumption unknown).
    pub consumption_known: bool,
    pub annual_total: Option<Decimal>,
    /// The `current` total − this total.
    pub annual_saving: Option<Decimal>,
    /// What of the saving falls in the current fiscal year; `None` without a renewal date or
    /// when the saving is unknown.
    pub this_fiscal_year: Option<Decimal>,
    pub deflection: Vec<DeflectionOutcome>,
}

/// `current`, `recommended` and every scenario, in that order.
pub fn evaluate_all(inputs: &Inputs, scenarios: &[Scenario]) -> Vec<Outcome> {
    let current = Scenario::adopting("current", Adopt::none());
    let recommended = Scenario::adopting("recommended", Adopt::all());
    // `current` against itself: saving 0, and 0 this fiscal year when there is a renewal date.
    let base_total = evaluate(inputs, &current, Which::Current, None).annual_total;
    let mut out = vec![evaluate(inputs, &current, Which::Current, base_total)];
    out.push(evaluate(
        inputs,
        &recommended,
        Which::Recommended,
        base_total,
    ));
    for s in scenarios {
        out.push(evaluate(inputs, s, Which::Scenario, base_total));
    }
    out
}

/// One column; `base_total` is `current`'s total (`None` for `current` itself).
fn evaluate(inputs: &Inputs, s: &Scenario, which: Which, base_total: Option<Decimal>) -> Outcome {
    let twelve = Decimal::from(12);
    let book = inputs.book.with_terms(s.discount, &s.prices);
    let per_user: Vec<Vec<String>> = inputs
        .priced
        .iter()
        .map(|p| user_skus(p, &s.adopt, inputs.book))
        .collect();
    let seats = seat_counts(inputs, &s.adopt, &per_user);
    let unit = |sku: &str| book.unit_price(sku, seats.get(sku).copied().unwrap_or(0));
    // Licences a month: every SKU's seats at the scenario's unit price for that count.
    let licences: Option<Decimal> = seats
        .iter()
        .map(|(sku, &n)| match n {
            0 => Some(Decimal::ZERO),
            n => unit(sku).map(|p| p * Decimal::from(n)),
        })
        .sum();
    let mut deflection: Vec<DeflectionOutcome> = s
        .deflection
        .iter()
        .map(|d| deflect(inputs, d, &per_user, &unit))
        .collect();
    cap_freed(inputs, &mut deflection);
    let freed_saving: Option<Decimal> = deflection.iter().map(|d| d.monthly_licence_saving).sum();
    let monthly_licences = licences.zip(freed_saving).map(|(l, f)| l - f);
    let monthly_overage = overage(inputs, &book, &seats, &deflection, &per_user);
    let usage = inputs.annual_usage.unwrap_or(Decimal::ZERO);
    let annual_total = monthly_licences
        .zip(monthly_overage)
        .map(|(l, o)| l * twelve + usage + o * twelve);
    let annual_saving = base_total.zip(annual_total).map(|(b, t)| b - t);
    let realisable = this_fiscal_year(inputs, s, &book, &seats, annual_saving.map(|a| a / twelve));
    Outcome {
        name: s.name.clone(),
        which,
        adopt: s.adopt.names(),
        // The discount in effect: the scenario's, else the contract's (none when 0).
        discount: s
            .discount
            .or(Some(inputs.book.contract.discount).filter(|d| !d.is_zero())),
        // The date the saving this fiscal year is counted from: a past date is rolled
        // forward to the next renewal, as for the headline.
        renewal_date: realisable
            .as_ref()
            .map(|r| r.renewal_date)
            .or(s.renewal_date)
            .or(inputs.policy.renewal_date),
        annual_licences: monthly_licences.map(|m| m * twelve),
        annual_usage: inputs.annual_usage,
        annual_overage: monthly_overage.map(|m| m * twelve),
        consumption_known: !inputs.peak.is_empty(),
        annual_total,
        annual_saving,
        this_fiscal_year: realisable.as_ref().map(|r| r.this_fiscal_year),
        seats,
        deflection,
    }
}

/// The licences a scenario leaves a user: the recommendation when their class is adopted; for
/// a `full` user, each adopted seat-check flag on its own; else today's licences.
fn user_skus(p: &Priced, adopt: &Adopt, book: &PriceBook) -> Vec<String> {
    let r = &p.rec;
    if adopt.classes.contains(&r.class) {
        return r.recommended.clone();
    }
    if r.class != Class::Full {
        return r.current.clone();
    }
    let has = |f: Flag| r.flags.contains(&f);
    let premium = has(Flag::PremiumUnused) && adopt.flags.contains(&Flag::PremiumUnused);
    let addon = has(Flag::AddonUnused) && adopt.flags.contains(&Flag::AddonUnused);
    let added: Vec<&String> = r
        .recommended
        .iter()
        .filter(|s| !r.current.contains(s))
        .collect();
    let is_premium = |id: &String| book.get(id).is_some_and(|s| s.premium);
    let is_addon = |id: &String| book.get(id).is_some_and(|s| s.kind == SkuKind::Addon);
    match (premium, addon) {
        (false, false) => r.current.clone(),
        (true, true) => r.recommended.clone(),
        // Only one check on the user: the recommendation is that check alone.
        (true, false) if !has(Flag::AddonUnused) => r.recommended.clone(),
        (false, true) if !has(Flag::PremiumUnused) => r.recommended.clone(),
        // Premium swapped, held add-ons kept; the add-ons the swap needs are added.
        (true, false) => {
            let mut out: Vec<String> = r
                .current
                .iter()
                .filter(|s| !is_premium(s))
                .cloned()
                .collect();
            for s in added {
                if !out.contains(s) {
                    out.push(s.clone());
                }
            }
            out
        }
        // Premium kept (it grants the channels): the add-ons the recommendation drops go.
        (false, true) => r
            .current
            .iter()
            .filter(|s| !is_addon(s) || r.recommended.contains(s))
            .cloned()
            .collect(),
    }
}

/// Seats per SKU: what the users keep plus the adopted device licences; the seats bought and
/// assigned to nobody (shelfware) go with the `remove` class, else they stay.
fn seat_counts(inputs: &Inputs, adopt: &Adopt, per_user: &[Vec<String>]) -> BTreeMap<String, u64> {
    let mut need: BTreeMap<String, u64> = BTreeMap::new();
    for skus in per_user {
        for s in skus {
            *need.entry(s.clone()).or_default() += 1;
        }
    }
    if adopt.classes.contains(&Class::Device) {
        for l in inputs.licences {
            *need.entry(l.sku.clone()).or_default() += 1;
        }
    }
    let drop_shelfware = adopt.classes.contains(&Class::Remove);
    let mut seats = BTreeMap::new();
    let skus: BTreeSet<&String> = inputs
        .renewal
        .iter()
        .map(|r| &r.sku)
        .chain(need.keys())
        .collect();
    for sku in skus {
        let n = need.get(sku).copied().unwrap_or(0);
        let row = inputs.renewal.iter().find(|r| &r.sku == sku);
        let unassigned = row.map_or(0, |r| {
            r.bought.unwrap_or(r.assigned).saturating_sub(r.assigned)
        });
        seats.insert(sku.clone(), if drop_shelfware { n } else { n + unassigned });
    }
    // Capacity bought for the tenant stays bought whatever is adopted.
    for (sku, n) in inputs.capacity_packs {
        seats.insert(sku.clone(), *n);
    }
    seats
}

/// An agent of both channels is an agent of each, so two deflections could free more seats
/// than there are people: the seats freed across channels are capped, in the scenario's order,
/// at the distinct agents of the deflected channels (each later channel frees at most what is
/// left), and a capped channel's saving is its freed seats × its agents' mean cost.
fn cap_freed(inputs: &Inputs, deflection: &mut [DeflectionOutcome]) {
    let channels: Vec<Channel> = deflection.iter().map(|d| d.channel).collect();
    let distinct = inputs
        .priced
        .iter()
        .filter(|p| {
            channels.iter().any(|c| match c {
                Channel::Voice => p.rec.voice > 0,
                Channel::Digital => p.rec.digital > 0,
            })
        })
        .count() as u64;
    let mut left = distinct;
    for d in deflection.iter_mut() {
        let freed = d.freed.min(left);
        if freed < d.freed {
            d.freed = freed;
            d.seats_after = d.agents - freed;
            d.monthly_licence_saving = d.mean_monthly_cost.map(|m| m * Decimal::from(freed));
        }
        left -= freed;
    }
}

/// The deflection model for one channel (section 9), on the scenario's licences and prices.
fn deflect(
    inputs: &Inputs,
    d: &Deflection,
    per_user: &[Vec<String>],
    unit: &dyn Fn(&str) -> Option<Decimal>,
) -> DeflectionOutcome {
    let on = |p: &Priced| match d.channel {
        Channel::Voice => p.rec.voice,
        Channel::Digital => p.rec.digital,
    };
    let agents: Vec<usize> = (0..inputs.priced.len())
        .filter(|&i| on(&inputs.priced[i]) > 0)
        .collect();
    let a = agents.len() as u64;
    let per_month = inputs
        .per_month
        .channels
        .get(&d.channel)
        .copied()
        .unwrap_or(Decimal::ZERO);
    let contained = d.share * per_month;
    let seats_after = (Decimal::from(a) * (Decimal::ONE - d.share))
        .ceil()
        .to_u64()
        .unwrap_or(a);
    let freed = a - seats_after.min(a);
    let total: Option<Decimal> = agents
        .iter()
        .flat_map(|&i| per_user[i].iter())
        .map(|s| unit(s))
        .sum();
    let mean = match a {
        0 => Some(Decimal::ZERO),
        n => total.map(|t| t / Decimal::from(n)),
    };
    DeflectionOutcome {
        channel: d.channel,
        share: d.share,
        conversations_per_month: per_month,
        contained_per_month: contained,
        agents: a,
        seats_after,
        freed,
        mean_monthly_cost: mean,
        // freed × total ÷ agents: multiplied first, so a mean of thirds stays exact in cents.
        monthly_licence_saving: match a {
            0 => Some(Decimal::ZERO),
            n => total.map(|t| t * Decimal::from(freed) / Decimal::from(n)),
        },
        resource: match d.channel {
            Channel::Voice => Resource::IvrMinutes,
            Channel::Digital => Resource::CopilotCredits,
        },
        added_consumption: contained * d.per_conversation,
    }
}

/// The monthly overage over the pools with consumption (given, or the bot's): each pool's
/// entitlement at the scenario's seats less the freed seats' mean entitlement, against the
/// peak month plus what the bots add, priced at pay-as-you-go. `None` when a pool above its
/// entitlement has no price.
fn overage(
    inputs: &Inputs,
    book: &PriceBook,
    seats: &BTreeMap<String, u64>,
    deflection: &[DeflectionOutcome],
    per_user: &[Vec<String>],
) -> Option<Decimal> {
    let seat_list: Vec<(String, u64)> = seats.iter().map(|(k, v)| (k.clone(), *v)).collect();
    let mut total = Decimal::ZERO;
    for resource in Resource::ALL {
        let added: Decimal = deflection
            .iter()
            .filter(|d| d.resource == resource)
            .map(|d| d.added_consumption)
            .sum();
        let used = match inputs.peak.get(&resource) {
            Some(p) => *p + added,
            None if !added.is_zero() => added,
            None => continue,
        };
        let mut entitled = crate::bill::entitlement(book, &seat_list, resource);
        for d in deflection.iter().filter(|d| d.freed > 0) {
            entitled -= freed_entitlement(inputs, book, d, per_user, resource);
        }
        let over = (used - entitled.max(Decimal::ZERO)).max(Decimal::ZERO);
        if over.is_zero() {
            continue;
        }
        total += over * book.capacity.get(&resource)?.unit_price;
    }
    Some(total)
}

/// freed × the mean per-seat entitlement of the channel's agents' licences.
fn freed_entitlement(
    inputs: &Inputs,
    book: &PriceBook,
    d: &DeflectionOutcome,
    per_user: &[Vec<String>],
    resource: Resource,
) -> Decimal {
    let on = |p: &Priced| match d.channel {
        Channel::Voice => p.rec.voice,
        Channel::Digital => p.rec.digital,
    };
    let sum: Decimal = inputs
        .priced
        .iter()
        .zip(per_user)
        .filter(|(p, _)| on(p) > 0)
        .flat_map(|(_, skus)| skus.iter())
        .filter_map(|s| book.get(s)?.entitlements.get(&resource).copied())
        .sum();
    sum * Decimal::from(d.freed) / Decimal::from(d.agents.max(1))
}

/// What falls in this fiscal year: per SKU, annual-term savings from the (scenario's) renewal
/// and monthly-term savings from the first of the next month; the deflection and overage change
/// count from the renewal (the bot replaces seats bought on the annual term).
fn this_fiscal_year(
    inputs: &Inputs,
    s: &Scenario,
    book: &PriceBook,
    seats: &BTreeMap<String, u64>,
    monthly_saving: Option<Decimal>,
) -> Option<crate::savings::Realisable> {
    let monthly_saving = monthly_saving?;
    let mut monthly_term = Decimal::ZERO;
    for r in inputs
        .renewal
        .iter()
        .filter(|r| book.term(&r.sku) == Term::Monthly)
    {
        let held = Decimal::from(r.bought.unwrap_or(r.assigned));
        let n = seats.get(&r.sku).copied().unwrap_or(0);
        let now = inputs.book.monthly(&r.sku)?;
        let then = if n == 0 {
            Decimal::ZERO
        } else {
            book.unit_price(&r.sku, n)?
        };
        monthly_term += held * now - Decimal::from(n) * then;
    }
    let mut policy = inputs.policy.clone();
    if let Some(d) = s.renewal_date {
        policy.renewal_date = Some(d);
    }
    crate::savings::realisable(
        &policy,
        inputs.as_of,
        monthly_saving - monthly_term,
        monthly_term,
    )
}
