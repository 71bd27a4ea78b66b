//! The what-if section of `report.html`: `current`, `recommended` and every scenario side by
//! side, a bar chart of each one's annual total and saving, and each deflection's model numbers.

use rust_decimal::Decimal;

use super::{BLUE, GREY};
use crate::email::grouped;
use crate::money::fmt_opt;
use crate::report::charts::{self, Chart, Series};
use crate::report::model::Report;

/// The section as shown.
pub(super) struct ScenariosView {
    pub file: Option<String>,
    pub rows: Vec<ScenarioLine>,
    pub deflections: Vec<DeflectionLine>,
    pub chart: Chart,
    pub containment: Vec<ContainmentLine>,
    pub model: String,
    pub notes: Vec<String>,
}

pub(super) struct ScenarioLine {
    pub name: String,
    pub what: String,
    pub licences: String,
    pub usage: String,
    pub overage: String,
    pub total: String,
    pub saving: String,
    pub this_fiscal_year: String,
}

pub(super) struct ContainmentLine {
    pub channel: String,
    pub conversations: u64,
    pub contained: u64,
    pub abandoned: u64,
    pub share: String,
}

pub(super) struct DeflectionLine {
    pub scenario: String,
    pub channel: String,
    pub share: String,
    pub conversations: String,
    pub contained: String,
    pub agents: u64,
    pub seats_after: u64,
    pub freed: u64,
    pub mean_cost: String,
    pub saving: String,
    pub added: String,
}

fn m(d: Option<Decimal>) -> String {
    grouped(&fmt_opt(d))
}

fn pct(d: Decimal) -> String {
    format!("{}%", (d * Decimal::ONE_HUNDRED).normalize())
}

/// What a scenario changes, in words.
fn what(r: &crate::report::scenario_model::ScenarioRow, a: &Report) -> String {
    use crate::report::scenario_model::ScenarioKind;
    let mut parts = Vec::new();
    match r.kind {
        ScenarioKind::Current => parts.push("today's licences".to_string()),
        ScenarioKind::Recommended => parts.push("every recommendation".to_string()),
        ScenarioKind::Scenario if r.adopt.is_empty() => parts.push("nothing adopted".into()),
        ScenarioKind::Scenario if r.adopt == crate::scenarios::Adopt::all().names() => {
            parts.push("every recommendation".into())
        }
        ScenarioKind::Scenario => parts.push(format!("adopt {}", r.adopt.join(", "))),
    }
    if let Some(d) = r.discount {
        parts.push(format!("{} off list", pct(d)));
    }
    for (id, price) in &r.prices {
        parts.push(format!(
            "{} at {} {} a month",
            a.product(id),
            a.currency,
            grouped(price)
        ));
    }
    for d in &r.deflection {
        parts.push(format!("bot contains {} of {}", pct(d.share), d.channel));
    }
    parts.join("; ")
}

pub(super) fn view(a: &Report) -> ScenariosView {
    let s = &a.scenarios;
    let cur = &a.currency;
    let rows = s
        .rows
        .iter()
        .map(|r| ScenarioLine {
            name: r.name.clone(),
            what: what(r, a),
            licences: m(r.annual_licences),
            usage: if r.annual_usage.is_some() {
                m(r.annual_usage)
            } else {
                "no data".into()
            },
            overage: if r.consumption_known || r.annual_overage.is_some_and(|o| !o.is_zero()) {
                m(r.annual_overage)
            } else {
                "consumption unknown".into()
            },
            total: m(r.annual_total),
            saving: m(r.annual_saving),
            this_fiscal_year: m(r.this_fiscal_year),
        })
        .collect();
    let deflections = s
        .rows
        .iter()
        .flat_map(|r| {
            r.deflection.iter().map(|d| DeflectionLine {
                scenario: r.name.clone(),
                channel: d.channel.to_string(),
                share: pct(d.share),
                conversations: grouped(&d.conversations_per_month.to_string()),
                contained: grouped(&d.contained_per_month.to_string()),
                agents: d.agents,
                seats_after: d.seats_after,
                freed: d.freed_seats,
                mean_cost: m(d.mean_monthly_cost),
                saving: m(d.monthly_licence_saving),
                added: format!(
                    "{} {}",
                    grouped(&d.added_consumption.to_string()),
                    d.resource
                ),
            })
        })
        .collect();
    let chart = charts::bars(
        "Annual total and saving against current, per scenario",
        vec![
            Series {
                name: "annual total".into(),
                color: GREY,
            },
            Series {
                name: "saving against current".into(),
                color: BLUE,
            },
        ],
        s.rows
            .iter()
            .map(|r| {
                let bar = |d: Option<Decimal>| {
                    (
                        d.unwrap_or(Decimal::ZERO),
                        d.map_or("unknown".to_string(), |x| format!("{cur} {}", m(Some(x)))),
                    )
                };
                (
                    r.name.clone(),
                    vec![bar(r.annual_total), bar(r.annual_saving)],
                )
            })
            .collect(),
    );
    ScenariosView {
        file: s.file.clone(),
        rows,
        deflections,
        chart,
        containment: s
            .containment
            .iter()
            .map(|c| ContainmentLine {
                channel: c.channel.to_string(),
                conversations: c.conversations,
                contained: c.contained,
                abandoned: c.abandoned,
                share: format!(
                    "{}%",
                    crate::money::round_dp(c.share * Decimal::ONE_HUNDRED, 1)
                ),
            })
            .collect(),
        model: s.model.clone(),
        notes: s.notes.clone(),
    }
}
