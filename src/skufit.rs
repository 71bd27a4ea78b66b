//! The tenant-level deployment model (spec section 6): for the users with conversations, the
//! annual licence cost of four ways to license them. Pure: the classified, priced users, the
//! policy and the price book in, a typed table out. An unknown price makes its option unknown,
//! never zero.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::classify::{channels_used, needed_addons, sum_prices};
use crate::model::Profile;
use crate::policy::Policy;
use crate::prices::{PriceBook, SkuKind};
use crate::savings::Priced;

/// One way to license the users with conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeploymentOption {
    /// (a) Customer Service Enterprise with the needed add-on set, for all of them.
    EnterpriseAddons,
    /// (b) Customer Service Premium for all of them.
    Premium,
    /// (c) the standalone Contact Center for the step-5b candidates (whatever its price),
    /// Enterprise with the needed add-ons for the others.
    ContactCenter,
    /// (d) the recommendations as they stand.
    Recommended,
}

impl DeploymentOption {
    pub const ALL: [DeploymentOption; 4] = [
        DeploymentOption::EnterpriseAddons,
        DeploymentOption::Premium,
        DeploymentOption::ContactCenter,
        DeploymentOption::Recommended,
    ];
}

/// The cost of one option.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeploymentRow {
    pub option: DeploymentOption,
    /// What the option means, naming the products by the price book's names.
    pub label: String,
    /// Users with conversations (the same for every option).
    pub users: u64,
    /// `None`: a price the option needs is unknown.
    pub monthly: Option<Decimal>,
    /// 12 × monthly.
    pub annual: Option<Decimal>,
}

/// The deployment-model table, one row per option in the order (a)–(d).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DeploymentModel {
    pub rows: Vec<DeploymentRow>,
}

/// The deployment model of the users with voice or digital conversations in the window.
/// Premium is the book's in-scope Premium base SKU (the first by id when there are several;
/// every option is unknown for (b) when the book has none).
pub fn deployment_model(priced: &[Priced], policy: &Policy, book: &PriceBook) -> DeploymentModel {
    let agents: Vec<&Priced> = priced
        .iter()
        .filter(|p| p.rec.voice + p.rec.digital > 0)
        .collect();
    let users = agents.len() as u64;
    // The cheapest add-on set covering an agent's channels.
    let addons_of = |p: &Priced| {
        let profile = Profile {
            voice: p.rec.voice,
            digital: p.rec.digital,
            ..Profile::default()
        };
        needed_addons(&channels_used(&profile), policy, book)
    };
    let enterprise = |p: &Priced| {
        let mut ids = vec![policy.targets.full.clone()];
        ids.extend(addons_of(p));
        sum_prices(&ids, book)
    };
    let premium_id = premium_sku(policy, book);
    let premium = premium_id.as_deref().and_then(|id| book.monthly(id));
    // The products each option is priced with, for its label.
    let mut addons: Vec<String> = agents.iter().flat_map(|p| addons_of(p)).collect();
    addons.sort();
    addons.dedup();
    let mut standalone: Vec<String> = agents
        .iter()
        .filter_map(|p| p.rec.contact_center.clone())
        .collect();
    standalone.sort();
    standalone.dedup();
    let full = book.product_name(&policy.targets.full);
    let with_addons = if addons.is_empty() {
        full.to_string()
    } else {
        format!("{full} + the needed add-ons ({})", names_or(&addons, book))
    };
    let label = |option: DeploymentOption| match option {
        DeploymentOption::EnterpriseAddons => format!("(a) {with_addons} for all"),
        DeploymentOption::Premium => match &premium_id {
            Some(id) => format!("(b) {} for all", book.product_name(id)),
            None => "(b) Premium for all (the price book has no Premium SKU)".to_string(),
        },
        DeploymentOption::ContactCenter if standalone.is_empty() => format!(
            "(c) the standalone Contact Center for the conversation-only agents (none here), \
             {with_addons} for the others"
        ),
        DeploymentOption::ContactCenter => format!(
            "(c) {} for the conversation-only agents, {with_addons} for the others",
            names_or(&standalone, book)
        ),
        DeploymentOption::Recommended => "(d) as recommended".to_string(),
    };
    let total = |each: &dyn Fn(&Priced) -> Option<Decimal>| -> Option<Decimal> {
        agents.iter().map(|p| each(p)).sum()
    };
    let rows = DeploymentOption::ALL
        .into_iter()
        .map(|option| {
            let monthly = match option {
                DeploymentOption::EnterpriseAddons => total(&enterprise),
                DeploymentOption::Premium => total(&|_| premium),
                DeploymentOption::ContactCenter => total(&|p| match &p.rec.contact_center {
                    Some(id) => book.monthly(id),
                    None => enterprise(p),
                }),
                DeploymentOption::Recommended => total(&|p| p.recommended_monthly),
            };
            DeploymentRow {
                option,
                label: label(option),
                users,
                monthly,
                annual: monthly.map(|m| m * Decimal::from(12)),
            }
        })
        .collect();
    DeploymentModel { rows }
}

/// Product names joined with " or " (each agent takes one of them).
fn names_or(ids: &[String], book: &PriceBook) -> String {
    ids.iter()
        .map(|id| book.product_name(id))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The in-scope Premium base SKU of the book, the first by id.
fn premium_sku(policy: &Policy, book: &PriceBook) -> Option<String> {
    let mut ids: Vec<&String> = book
        .skus()
        .filter(|s| s.premium && s.kind == SkuKind::Base && policy.in_scope(&s.family))
        .map(|s| &s.id)
        .collect();
    ids.sort();
    ids.first().map(|id| id.to_string())
}

#[cfg(test)]
#[path = "skufit_tests.rs"]
mod tests;
