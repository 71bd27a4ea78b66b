//! The report's what-if section (PRODUCT.md section 9): `current`, `recommended` and every
//! scenario of `scenarios.toml` side by side, with each deflection's model numbers. Part of the
//! one typed report model (`model::Report::scenarios`); fields in alphabetical order.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::model::money_opt;
use crate::analysis::Analysis;
use crate::model::{Channel, Resource};

/// The side-by-side table and what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenarios {
    /// Today's bot containment per channel (conversation exports with
    /// `msdyn_isagentaccepted`), to read a deflection share against; empty without.
    pub containment: Vec<ContainmentRow>,
    /// The scenarios file; `None` when the run had none (only `current` and `recommended`).
    pub file: Option<String>,
    /// The deflection model, stated as a model.
    pub model: String,
    /// What the figures lack (no cost export, consumption unknown, no renewal date).
    pub notes: Vec<String>,
    pub rows: Vec<ScenarioRow>,
    /// SHA-256 of the scenarios file's text (for the manifest); `None` without one.
    pub sha256: Option<String>,
}

/// One channel's containment today, over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainmentRow {
    /// Not accepted by an agent, abandoned by the customer (not contained).
    pub abandoned: u64,
    pub channel: Channel,
    /// Not accepted by an agent and not abandoned: the bot contained them.
    pub contained: u64,
    pub conversations: u64,
    /// contained ÷ conversations (4 places).
    #[serde(with = "rust_decimal::serde::str")]
    pub share: Decimal,
}

/// Which column a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScenarioKind {
    Current,
    Recommended,
    Scenario,
}

impl ScenarioKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScenarioKind::Current => "current",
            ScenarioKind::Recommended => "recommended",
            ScenarioKind::Scenario => "scenario",
        }
    }
}

/// One column of the table: a year under the scenario. `None` amounts are unknown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioRow {
    /// The classes and flags carried out.
    pub adopt: Vec<String>,
    #[serde(with = "money_opt")]
    pub annual_licences: Option<Decimal>,
    /// Overage at pay-as-you-go prices over the pools with consumption (0 when none is known).
    #[serde(with = "money_opt")]
    pub annual_overage: Option<Decimal>,
    /// The `current` total − this total.
    #[serde(with = "money_opt")]
    pub annual_saving: Option<Decimal>,
    #[serde(with = "money_opt")]
    pub annual_total: Option<Decimal>,
    /// The usage run rate (unchanged by any scenario); `None` = no cost export (counted 0).
    #[serde(with = "money_opt")]
    pub annual_usage: Option<Decimal>,
    pub consumption_known: bool,
    pub deflection: Vec<DeflectionRow>,
    /// The discount in effect: the scenario's own, else the contract's (`None` when neither
    /// has one).
    #[serde(with = "rust_decimal::serde::str_option")]
    pub discount: Option<Decimal>,
    pub kind: ScenarioKind,
    pub name: String,
    /// SKU id → the negotiated monthly price the scenario sets.
    pub prices: BTreeMap<String, String>,
    pub renewal_date: Option<NaiveDate>,
    /// Seats per SKU the scenario buys (before deflection).
    pub seats: BTreeMap<String, u64>,
    /// What of the saving falls in the current fiscal year (`None`: no renewal date, or the
    /// saving is unknown).
    #[serde(with = "money_opt")]
    pub this_fiscal_year: Option<Decimal>,
}

/// One channel's deflection in a scenario (amounts a month).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeflectionRow {
    /// Credits or IVR minutes the bot adds to the peak month (2 places).
    #[serde(with = "rust_decimal::serde::str")]
    pub added_consumption: Decimal,
    pub agents: u64,
    pub channel: Channel,
    #[serde(with = "rust_decimal::serde::str")]
    pub contained_per_month: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub conversations_per_month: Decimal,
    pub freed_seats: u64,
    #[serde(with = "money_opt")]
    pub mean_monthly_cost: Option<Decimal>,
    #[serde(with = "money_opt")]
    pub monthly_licence_saving: Option<Decimal>,
    pub resource: Resource,
    pub seats_after: u64,
    #[serde(with = "rust_decimal::serde::str")]
    pub share: Decimal,
}

/// The model, in the words the report states it.
pub const MODEL: &str = "Deflection is a tenant-level model: conversations per month on a \
     channel = the mean of its conversations over the calendar months wholly inside the window \
     (agent-handled conversations; Entity Records not counted); contained = share × that; seats after = ceil(agents × (1 − share)); each freed seat saves \
     the mean monthly licence cost of the channel's agents in the scenario and takes the mean \
     of their per-seat entitlements out of the pools (an agent of both channels is freed at \
     most once: the seats freed across channels never exceed the distinct agents); the bot's Copilot credits (digital) or IVR \
     minutes (voice) are added to the peak month's consumption and priced as overage. Usage \
     (ACS) is unchanged.";

fn two(d: Decimal) -> Decimal {
    crate::money::round2(d)
}

/// The section from the analysis' outcomes.
pub fn build(a: &Analysis) -> Scenarios {
    use crate::scenarios::Which;
    let rows: Vec<ScenarioRow> = a
        .outcomes
        .iter()
        .map(|o| {
            let spec = a.scenarios.list.iter().find(|s| s.name == o.name);
            ScenarioRow {
                adopt: o.adopt.clone(),
                annual_licences: o.annual_licences,
                annual_overage: o.annual_overage,
                annual_saving: o.annual_saving,
                annual_total: o.annual_total,
                annual_usage: o.annual_usage,
                consumption_known: o.consumption_known,
                deflection: o
                    .deflection
                    .iter()
                    .map(|d| DeflectionRow {
                        added_consumption: two(d.added_consumption),
                        agents: d.agents,
                        channel: d.channel,
                        contained_per_month: two(d.contained_per_month),
                        conversations_per_month: two(d.conversations_per_month),
                        freed_seats: d.freed,
                        mean_monthly_cost: d.mean_monthly_cost,
                        monthly_licence_saving: d.monthly_licence_saving,
                        resource: d.resource,
                        seats_after: d.seats_after,
                        share: d.share,
                    })
                    .collect(),
                discount: o.discount,
                kind: match o.which {
                    Which::Current => ScenarioKind::Current,
                    Which::Recommended => ScenarioKind::Recommended,
                    Which::Scenario => ScenarioKind::Scenario,
                },
                name: o.name.clone(),
                prices: spec
                    .filter(|_| o.which == Which::Scenario)
                    .map(|s| {
                        s.prices
                            .iter()
                            .map(|(k, v)| (k.clone(), crate::money::fmt2(*v)))
                            .collect()
                    })
                    .unwrap_or_default(),
                renewal_date: o.renewal_date,
                seats: o.seats.clone(),
                this_fiscal_year: o.this_fiscal_year,
            }
        })
        .collect();
    let mut notes = Vec::new();
    if !a.usage.cost_data {
        notes.push("no cost export: usage is counted as 0 (no data)".to_string());
    }
    if rows.iter().any(|r| !r.consumption_known) {
        notes.push(
            "no capacity consumption: overage is 0 except what a bot adds (consumption unknown)"
                .to_string(),
        );
    }
    if rows.iter().any(|r| r.renewal_date.is_none()) {
        notes.push(
            "no renewal_date (policy or scenario): what falls in this fiscal year is unknown"
                .to_string(),
        );
    }
    if a.outcomes.iter().any(|o| !o.deflection.is_empty()) {
        notes.push(if a.per_month.months.is_empty() {
            "conversations a month: the window holds no whole calendar month, so over its days \
             (30.44-day months)"
                .to_string()
        } else {
            format!(
                "conversations a month: the mean over {}",
                a.per_month
                    .months
                    .iter()
                    .map(|m| m.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
    }
    notes.push(
        "seats bought and assigned to nobody (shelfware) are dropped with the remove class"
            .to_string(),
    );
    Scenarios {
        containment: a
            .containment
            .iter()
            .filter(|c| c.conversations > 0)
            .map(|c| ContainmentRow {
                abandoned: c.abandoned,
                channel: c.channel,
                contained: c.contained,
                conversations: c.conversations,
                share: crate::money::round_dp(
                    Decimal::from(c.contained) / Decimal::from(c.conversations),
                    4,
                ),
            })
            .collect(),
        file: (!a.scenarios.origin.is_empty()).then(|| a.scenarios.origin.clone()),
        model: MODEL.to_string(),
        notes,
        rows,
        sha256: (!a.scenarios.origin.is_empty())
            .then(|| super::digest(std::slice::from_ref(&a.scenarios.text))),
    }
}

/// One line per scenario for people (stdout and the email): its total, its saving against
/// `current`, and the part in this fiscal year.
pub fn scenario_lines(r: &super::model::Report) -> Vec<String> {
    let cur = &r.currency;
    r.scenarios
        .rows
        .iter()
        .filter(|s| s.kind == ScenarioKind::Scenario)
        .map(|s| {
            let fy = s
                .this_fiscal_year
                .map(|m| format!(" ({cur} {} this fiscal year)", shown(Some(m))))
                .unwrap_or_default();
            format!(
                "scenario {}: total {cur} {}/year, saving {cur} {}/year against current{fy}",
                s.name,
                shown(s.annual_total),
                shown(s.annual_saving),
            )
        })
        .collect()
}

/// A money amount for people (grouped, two places) or "unknown".
pub fn shown(d: Option<Decimal>) -> String {
    d.map_or("unknown".into(), |m| {
        crate::email::grouped(&crate::money::fmt2(m))
    })
}
