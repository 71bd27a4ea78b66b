//! The price book: SKUs as data (ids, GUIDs, display names, kind, channels, monthly list price
//! with its source, trial flag) and the tenant's contract (`[contract]`, per-SKU negotiated
//! prices, terms and volume tiers), loaded from TOML and validated. Money is `Decimal` only,
//! parsed from strings. `monthly` answers with the unit price the tenant pays at its seat
//! counts (`set_seats`), so every stage prices with the contract, not the list.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::contract::{Billing, Contract, SkuTerms, Term, Tier, Uplift};
use crate::model::{Channel, Resource};

/// The built-in price book, compiled into the binary.
pub const BUILTIN: &str = include_str!("defaults/prices.toml");

/// What a SKU is, for the classification and the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkuKind {
    Base,
    Attach,
    Addon,
    Device,
    TeamMember,
    Activity,
    /// A capacity pack (Copilot credits, Dataverse storage): no user rights, only entitlements
    /// per unit bought.
    Capacity,
}

/// One SKU of the price book.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sku {
    pub id: String,
    pub guid: Option<String>,
    pub names: Vec<String>,
    /// The name people use ("Customer Service Enterprise"), for reasons and reports.
    pub short_name: Option<String>,
    pub family: String,
    pub kind: SkuKind,
    pub channels: Vec<Channel>,
    pub premium: bool,
    /// Monthly price per seat; `None` = unknown.
    pub monthly: Option<Decimal>,
    pub currency: Option<String>,
    pub source: String,
    pub as_of: Option<String>,
    /// A trial SKU costs nothing and is never a saving, whatever `monthly` says.
    pub trial: bool,
    /// The tenant's own terms for this SKU.
    pub terms: SkuTerms,
    /// Pooled capacity per seat (or per unit of a capacity SKU): a monthly allowance, or GB.
    pub entitlements: BTreeMap<Resource, Decimal>,
}

/// The pay-as-you-go price of a unit of a resource beyond the entitlements (`[[capacity]]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapacityPrice {
    pub resource: Resource,
    pub unit_price: Decimal,
    /// What one unit is ("credit", "GB per month").
    pub unit: String,
    pub source: String,
    pub as_of: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBook {
    contract: Option<RawContract>,
    tenant: Option<RawTenant>,
    #[serde(default)]
    capacity: Vec<RawCapacity>,
    #[serde(default)]
    sku: Vec<RawSku>,
    /// Extra display names (e.g. localised admin-center names) → SKU id.
    #[serde(default)]
    names: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSku {
    id: String,
    guid: Option<String>,
    #[serde(default)]
    names: Vec<String>,
    short_name: Option<String>,
    #[serde(default)]
    family: String,
    kind: SkuKind,
    #[serde(default)]
    channels: Vec<Channel>,
    #[serde(default)]
    premium: bool,
    monthly: Option<toml::Value>,
    currency: Option<String>,
    #[serde(default)]
    source: String,
    as_of: Option<toml::Value>,
    #[serde(default)]
    trial: bool,
    negotiated: Option<toml::Value>,
    term: Option<String>,
    billing: Option<String>,
    #[serde(default)]
    tier: Vec<RawTier>,
    #[serde(default)]
    entitlements: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTenant {
    #[serde(default)]
    entitlements: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCapacity {
    resource: String,
    unit_price: toml::Value,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    source: String,
    as_of: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContract {
    term: Option<String>,
    billing: Option<String>,
    discount: Option<toml::Value>,
    uplift: Option<RawUplift>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUplift {
    monthly_term: Option<toml::Value>,
    monthly_billing: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    from: i64,
    monthly: toml::Value,
}

/// A validated price book with one currency.
#[derive(Debug, Clone)]
pub struct PriceBook {
    skus: BTreeMap<String, Sku>,
    /// Lookup key (lower-cased id, GUID or display name) → SKU id.
    index: BTreeMap<String, String>,
    pub currency: String,
    /// Where the book came from: "built-in" or the overriding file's name.
    pub origin: String,
    /// The TOML texts the book was built from, for the manifest digest.
    pub texts: Vec<String>,
    /// The tenant's contract terms (defaults: annual term paid upfront, no discount).
    pub contract: Contract,
    /// Capacity a tenant with any base licence gets once (`[tenant.entitlements]`).
    pub tenant_entitlements: BTreeMap<Resource, Decimal>,
    /// Overage prices per resource (`[[capacity]]`).
    pub capacity: BTreeMap<Resource, CapacityPrice>,
    /// Seats per SKU id that `monthly` prices at (tiers); see `set_seats`.
    seats: BTreeMap<String, u64>,
    /// When a trial SKU's trial ends, as the tenant's `directory/subscriptions` export says.
    trial_ends: BTreeMap<String, chrono::NaiveDate>,
}

impl PriceBook {
    /// The built-in book, optionally overlaid by a file: an entry in the file replaces the
    /// built-in entry with the same id, new ids are added.
    pub fn load(overlay: Option<&Path>) -> Result<PriceBook> {
        let mut base = parse(BUILTIN, "built-in prices.toml")?;
        let mut texts = vec![BUILTIN.to_string()];
        let mut origin = "built-in".to_string();
        if let Some(path) = overlay {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read price book {}", path.display()))?;
            let label = path.display().to_string();
            let over = parse(&text, &label)?;
            base.aliases.extend(over.aliases);
            if over.contract.is_some() {
                base.contract = over.contract;
            }
            if over.tenant.is_some() {
                base.tenant = over.tenant;
            }
            base.capacity.extend(over.capacity);
            for sku in over.skus {
                match base
                    .skus
                    .iter_mut()
                    .find(|s| s.id.eq_ignore_ascii_case(&sku.id))
                {
                    Some(slot) => *slot = sku,
                    None => base.skus.push(sku),
                }
            }
            texts.push(text);
            origin = format!("built-in + {label}");
        }
        PriceBook::assemble(base, origin, texts)
    }

    /// Parses one TOML text as a complete book (used by tests and `load`).
    pub fn from_toml(text: &str, label: &str) -> Result<PriceBook> {
        PriceBook::assemble(
            parse(text, label)?,
            label.to_string(),
            vec![text.to_string()],
        )
    }

    fn assemble(parsed: Parsed, origin: String, texts: Vec<String>) -> Result<PriceBook> {
        let mut book = PriceBook::from_skus(parsed.skus, parsed.aliases, origin, texts)?;
        book.contract = parsed.contract.unwrap_or_default();
        book.tenant_entitlements = parsed.tenant.unwrap_or_default();
        // A later entry (the overlay's) replaces an earlier one for the same resource.
        for c in parsed.capacity {
            book.capacity.insert(c.resource, c);
        }
        Ok(book)
    }

    fn from_skus(
        list: Vec<Sku>,
        aliases: Vec<(String, String, String)>,
        origin: String,
        texts: Vec<String>,
    ) -> Result<PriceBook> {
        let mut currencies: Vec<&str> = list
            .iter()
            .filter(|s| s.monthly.is_some())
            .filter_map(|s| s.currency.as_deref())
            .collect();
        currencies.sort_unstable();
        currencies.dedup();
        if currencies.len() > 1 {
            bail!(
                "price book ({origin}) mixes currencies {}: one currency per run",
                currencies.join(", ")
            );
        }
        let currency = currencies.first().copied().unwrap_or("USD").to_string();
        let mut skus = BTreeMap::new();
        let mut index = BTreeMap::new();
        for sku in list {
            index.insert(sku.id.to_lowercase(), sku.id.clone());
            if let Some(g) = &sku.guid {
                index.insert(g.to_lowercase(), sku.id.clone());
            }
            for n in &sku.names {
                index.insert(normalise_name(n), sku.id.clone());
            }
            skus.insert(sku.id.clone(), sku);
        }
        for (label, name, id) in aliases {
            let Some(sku) = skus.keys().find(|k| k.eq_ignore_ascii_case(&id)).cloned() else {
                bail!("{label}: [names] \"{name}\" = \"{id}\": no SKU with that id");
            };
            index.insert(normalise_name(&name), sku);
        }
        Ok(PriceBook {
            skus,
            index,
            currency,
            origin,
            texts,
            contract: Contract::default(),
            tenant_entitlements: BTreeMap::new(),
            capacity: BTreeMap::new(),
            seats: BTreeMap::new(),
            trial_ends: BTreeMap::new(),
        })
    }

    /// The seat counts `monthly` prices at: per SKU, the seats bought when the subscriptions
    /// list it, else the in-scope users holding it (section 7).
    pub fn set_seats(&mut self, seats: BTreeMap<String, u64>) {
        self.seats = seats;
    }

    /// This book with a what-if scenario's terms (PRODUCT.md section 9): `discount` replaces
    /// the contract's, and each id of `negotiated` gets that negotiated monthly price; term,
    /// billing, uplifts and seat counts stay as they are. The ids are checked on load.
    pub fn with_terms(
        &self,
        discount: Option<Decimal>,
        negotiated: &BTreeMap<String, Decimal>,
    ) -> PriceBook {
        let mut book = self.clone();
        if let Some(d) = discount {
            book.contract.discount = d;
        }
        for (id, price) in negotiated {
            if let Some(sku) = book.skus.get_mut(id) {
                sku.terms.negotiated = Some(*price);
            }
        }
        book
    }

    /// Seats the book prices a SKU at (0 for a SKU nobody holds yet).
    pub fn seats(&self, id: &str) -> u64 {
        self.seats.get(id).copied().unwrap_or(0)
    }

    /// Finds a SKU by String ID, GUID or display name (case-insensitive).
    pub fn resolve(&self, token: &str) -> Option<&Sku> {
        let t = token.trim();
        self.index
            .get(&t.to_lowercase())
            .or_else(|| self.index.get(&normalise_name(t)))
            .and_then(|id| self.skus.get(id))
    }

    pub fn get(&self, id: &str) -> Option<&Sku> {
        self.skus.get(id)
    }

    pub fn skus(&self) -> impl Iterator<Item = &Sku> {
        self.skus.values()
    }

    /// The product name a reader knows a SKU by: its `short_name`, else the first of its
    /// `names`, else the id itself (also for an id the book does not hold). Every text meant
    /// for people (reasons, HTML, XLSX, email) names products with it; CSV and JSON keep ids.
    pub fn product_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.skus
            .get(id)
            .and_then(|s| {
                s.short_name
                    .as_deref()
                    .or(s.names.first().map(String::as_str))
            })
            .unwrap_or(id)
    }

    /// Product names of several SKU ids joined with " + " ("Customer Service Enterprise +
    /// Contact Center Voice add-on").
    pub fn product_names(&self, ids: &[String]) -> String {
        ids.iter()
            .map(|id| self.product_name(id))
            .collect::<Vec<_>>()
            .join(" + ")
    }

    /// The unit price per seat per month the tenant pays for a SKU today (contract terms at
    /// its seat count; 0 for a trial); `None` when the book has no price for it.
    pub fn monthly(&self, id: &str) -> Option<Decimal> {
        self.unit_price(id, self.seats(id))
    }

    /// The unit price per seat per month at another seat count (a renewal's recommended count).
    pub fn unit_price(&self, id: &str, seats: u64) -> Option<Decimal> {
        let sku = self.skus.get(id)?;
        if sku.trial {
            return Some(Decimal::ZERO);
        }
        self.contract.unit_price(sku.monthly, &sku.terms, seats)
    }

    /// What a SKU costs per seat per month once it is no longer a trial (the contract's unit
    /// price at its seat count, the trial flag aside).
    pub fn paid_monthly(&self, id: &str) -> Option<Decimal> {
        let sku = self.skus.get(id)?;
        self.contract
            .unit_price(sku.monthly, &sku.terms, self.seats(id))
    }

    /// The list price per seat per month, before the contract.
    pub fn list_price(&self, id: &str) -> Option<Decimal> {
        self.skus.get(id).and_then(|s| s.monthly)
    }

    /// The term a SKU is bought on.
    pub fn term(&self, id: &str) -> Term {
        self.skus
            .get(id)
            .map_or(self.contract.term, |s| self.contract.term_of(&s.terms))
    }

    /// Whether a SKU is a trial (costs nothing, never a saving).
    pub fn is_trial(&self, id: &str) -> bool {
        self.skus.get(id).is_some_and(|s| s.trial)
    }

    /// Makes a SKU a trial (the tenant's subscriptions say so, spec section 6), with the
    /// trial's end when known. An id not in the book is ignored.
    pub fn mark_trial(&mut self, id: &str, ends: Option<chrono::NaiveDate>) {
        if let Some(sku) = self.skus.get_mut(id) {
            sku.trial = true;
            if let Some(d) = ends {
                self.trial_ends.insert(id.to_string(), d);
            }
        }
    }

    /// `mark_trial` for every SKU of a subscriptions export's trials.
    pub fn mark_trials(&mut self, trials: &BTreeMap<String, Option<chrono::NaiveDate>>) {
        for (id, ends) in trials {
            self.mark_trial(id, *ends);
        }
    }

    /// When a trial SKU's trial ends, when the subscriptions say.
    pub fn trial_end(&self, id: &str) -> Option<chrono::NaiveDate> {
        self.trial_ends.get(id).copied()
    }
}

/// Display names are matched after folding case, dashes and runs of spaces.
fn normalise_name(name: &str) -> String {
    name.replace(['–', '—'], "-")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// What one TOML text holds.
struct Parsed {
    skus: Vec<Sku>,
    /// `(file, name, id)`
    aliases: Vec<(String, String, String)>,
    contract: Option<Contract>,
    tenant: Option<BTreeMap<Resource, Decimal>>,
    capacity: Vec<CapacityPrice>,
}

/// Entitlements per resource: names validated, amounts exact and zero or more.
fn entitlements(
    at: &str,
    table: &str,
    raw: &BTreeMap<String, toml::Value>,
) -> Result<BTreeMap<Resource, Decimal>> {
    let mut out = BTreeMap::new();
    for (name, v) in raw {
        let key = format!("{table}.{name}");
        let Some(r) = Resource::parse(name) else {
            bail!(
                "{at}: {key}: \"{name}\" is not a capacity resource ({})",
                Resource::ALL.map(|r| r.as_str()).join(", ")
            );
        };
        let d = decimal(at, &key, v)?;
        if d.is_sign_negative() {
            bail!("{at}: {key}: {d} is negative; an entitlement must be zero or more");
        }
        out.insert(r, d);
    }
    Ok(out)
}

/// An exact decimal from a TOML string or integer; a float would pass through f64.
pub(crate) fn decimal(at: &str, key: &str, v: &toml::Value) -> Result<Decimal> {
    match v {
        toml::Value::String(s) => Decimal::from_str(s.trim())
            .map_err(|_| anyhow::anyhow!("{at}: {key}: \"{s}\" is not a decimal number")),
        toml::Value::Integer(n) => Ok(Decimal::from(*n)),
        other => bail!(
            "{at}: {key} must be a string such as \"0.12\", not {} {other} (a TOML float would \
             pass through floating point)",
            other.type_str()
        ),
    }
}

/// A price: a string decimal, zero or more.
pub(crate) fn price(at: &str, key: &str, v: &toml::Value) -> Result<Decimal> {
    if !matches!(v, toml::Value::String(_)) {
        bail!(
            "{at}: {key} must be a string such as \"105.00\", not {} {v} (a TOML number would \
             pass through floating point)",
            v.type_str()
        );
    }
    let d = decimal(at, key, v)?;
    if d.is_sign_negative() {
        bail!("{at}: {key}: \"{d}\" is negative; a price must be zero or more");
    }
    Ok(d)
}

fn term(at: &str, key: &str, v: &str) -> Result<Term> {
    match v.trim().to_ascii_lowercase().as_str() {
        "annual" => Ok(Term::Annual),
        "monthly" => Ok(Term::Monthly),
        _ => bail!("{at}: {key}: \"{v}\" is not a term (annual, monthly)"),
    }
}

fn billing(at: &str, key: &str, v: &str) -> Result<Billing> {
    match v.trim().to_ascii_lowercase().as_str() {
        "upfront" => Ok(Billing::Upfront),
        "monthly" => Ok(Billing::Monthly),
        _ => bail!("{at}: {key}: \"{v}\" is not a billing (upfront, monthly)"),
    }
}

fn contract(label: &str, raw: RawContract) -> Result<Contract> {
    let at = format!("{label}: [contract]");
    let mut c = Contract::default();
    if let Some(t) = &raw.term {
        c.term = term(&at, "term", t)?;
    }
    if let Some(b) = &raw.billing {
        c.billing = billing(&at, "billing", b)?;
    }
    if let Some(v) = &raw.discount {
        c.discount = decimal(&at, "discount", v)?;
        if c.discount.is_sign_negative() || c.discount >= Decimal::ONE {
            bail!(
                "{at}: discount: {} is outside [0, 1) (a fraction: \"0.12\" is 12 % off list)",
                c.discount
            );
        }
    }
    if let Some(u) = &raw.uplift {
        let one = |key: &str, v: &Option<toml::Value>, default: Decimal| -> Result<Decimal> {
            let Some(v) = v else { return Ok(default) };
            let d = decimal(&at, &format!("uplift.{key}"), v)?;
            if d.is_sign_negative() {
                bail!("{at}: uplift.{key}: {d} is negative; an uplift must be zero or more");
            }
            Ok(d)
        };
        let default = Uplift::default();
        c.uplift = Uplift {
            monthly_term: one("monthly_term", &u.monthly_term, default.monthly_term)?,
            monthly_billing: one(
                "monthly_billing",
                &u.monthly_billing,
                default.monthly_billing,
            )?,
        };
    }
    Ok(c)
}

fn sku_terms(at: &str, r: &RawSku) -> Result<SkuTerms> {
    let mut tiers: Vec<Tier> = Vec::with_capacity(r.tier.len());
    for (i, t) in r.tier.iter().enumerate() {
        let key = format!("tier[{}]", i + 1);
        if t.from < 1 {
            bail!("{at}: {key}.from: {} must be 1 or more", t.from);
        }
        let from = t.from as u64;
        if let Some(prev) = tiers.last()
            && from <= prev.from
        {
            bail!(
                "{at}: {key}.from: {from} does not follow {} (tiers must be in strictly \
                 ascending order of from)",
                prev.from
            );
        }
        tiers.push(Tier {
            from,
            monthly: price(at, &format!("{key}.monthly"), &t.monthly)?,
        });
    }
    Ok(SkuTerms {
        negotiated: r
            .negotiated
            .as_ref()
            .map(|v| price(at, "negotiated", v))
            .transpose()?,
        term: r.term.as_deref().map(|t| term(at, "term", t)).transpose()?,
        billing: r
            .billing
            .as_deref()
            .map(|b| billing(at, "billing", b))
            .transpose()?,
        tiers,
    })
}

fn parse(text: &str, label: &str) -> Result<Parsed> {
    let raw: RawBook =
        toml::from_str(text).with_context(|| format!("invalid price book {label}"))?;
    let contract = raw.contract.map(|c| contract(label, c)).transpose()?;
    let tenant = raw
        .tenant
        .map(|t| {
            entitlements(
                &format!("{label}: [tenant]"),
                "entitlements",
                &t.entitlements,
            )
        })
        .transpose()?;
    let mut capacity = Vec::with_capacity(raw.capacity.len());
    for (i, c) in raw.capacity.iter().enumerate() {
        let at = format!(
            "{label}: [[capacity]] #{} (resource \"{}\")",
            i + 1,
            c.resource
        );
        let Some(resource) = Resource::parse(&c.resource) else {
            bail!(
                "{at}: resource: \"{}\" is not a capacity resource ({})",
                c.resource,
                Resource::ALL.map(|r| r.as_str()).join(", ")
            );
        };
        if capacity
            .iter()
            .any(|x: &CapacityPrice| x.resource == resource)
        {
            bail!("{at}: resource appears twice");
        }
        capacity.push(CapacityPrice {
            resource,
            unit_price: price(&at, "unit_price", &c.unit_price)?,
            unit: c.unit.clone(),
            source: c.source.clone(),
            as_of: c.as_of.as_ref().map(|v| match v {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
        });
    }
    let mut out = Vec::with_capacity(raw.sku.len());
    let mut seen = std::collections::BTreeSet::new();
    for (i, r) in raw.sku.into_iter().enumerate() {
        let at = format!("{label}: [[sku]] #{} (id \"{}\")", i + 1, r.id);
        if r.id.trim().is_empty() {
            bail!("{label}: [[sku]] #{}: id must not be empty", i + 1);
        }
        if !seen.insert(r.id.to_lowercase()) {
            bail!("{at}: id appears twice");
        }
        let terms = sku_terms(&at, &r)?;
        let sku_entitlements = entitlements(&at, "entitlements", &r.entitlements)?;
        let monthly = match r.monthly {
            None => None,
            Some(toml::Value::String(s)) => {
                let d = Decimal::from_str(s.trim()).map_err(|_| {
                    anyhow::anyhow!("{at}: monthly: \"{s}\" is not a decimal amount")
                })?;
                if d.is_sign_negative() {
                    bail!("{at}: monthly: \"{s}\" is negative; a price must be zero or more");
                }
                // Rows are priced per seat and totals summed from them: a fraction of a cent
                // would make the rounded rows and the rounded total disagree.
                if d.normalize().scale() > 2 {
                    bail!(
                        "{at}: monthly: \"{s}\" has more than 2 decimal places; write the price \
                         per seat in whole cents"
                    );
                }
                Some(d)
            }
            Some(other) => bail!(
                "{at}: monthly must be a string such as \"105.00\", not {} {other} \
                 (a TOML number would pass through floating point)",
                other.type_str()
            ),
        };
        if monthly.is_some() && r.currency.as_deref().is_none_or(|c| c.trim().is_empty()) {
            bail!("{at}: currency is required when monthly is set");
        }
        if let Some(c) = &r.currency
            && (c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()))
        {
            bail!("{at}: currency \"{c}\" is not an ISO 4217 code such as \"USD\"");
        }
        if let Some(g) = &r.guid
            && !is_guid(g)
        {
            bail!("{at}: guid \"{g}\" is not a GUID");
        }
        if (terms.negotiated.is_some() || !terms.tiers.is_empty())
            && r.currency.as_deref().is_none_or(|c| c.trim().is_empty())
        {
            bail!("{at}: currency is required with negotiated or tier prices");
        }
        out.push(Sku {
            id: r.id.trim().to_string(),
            guid: r.guid.map(|g| g.to_lowercase()),
            names: r.names,
            short_name: r
                .short_name
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty()),
            family: r.family,
            kind: r.kind,
            channels: r.channels,
            premium: r.premium,
            monthly,
            currency: r.currency,
            source: r.source,
            as_of: r.as_of.map(|v| match v {
                toml::Value::String(s) => s,
                other => other.to_string(),
            }),
            trial: r.trial,
            terms,
            entitlements: sku_entitlements,
        });
    }
    let aliases = raw
        .names
        .into_iter()
        .map(|(name, id)| (label.to_string(), name, id))
        .collect();
    Ok(Parsed {
        skus: out,
        aliases,
        contract,
        tenant,
        capacity,
    })
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_book_loads_with_real_ids_and_sourced_prices() {
        let book = PriceBook::load(None).expect("built-in book is valid");
        assert_eq!(book.currency, "USD");
        let ent = book
            .get("DYN365_ENTERPRISE_CUSTOMER_SERVICE")
            .expect("enterprise");
        assert_eq!(ent.monthly, Some(Decimal::new(10500, 2)));
        assert_eq!(
            book.resolve("749742BF-0D37-4158-A120-33567104DEEB")
                .map(|s| s.id.as_str()),
            Some("DYN365_ENTERPRISE_CUSTOMER_SERVICE")
        );
        assert_eq!(
            book.resolve("Dynamics 365 Customer Service Premium")
                .map(|s| s.id.as_str()),
            Some("DYN365_CUSTOMER_SERVICE_PREMIUM")
        );
        // en dash and hyphen both match, as the admin center writes either
        assert_eq!(
            book.resolve("Dynamics 365 Operations - Activity")
                .map(|s| s.id.as_str()),
            Some("Dyn365_Operations_Activity")
        );
        let localised = PriceBook::from_toml(
            "[names]\n'Dynamics 365 Kundenservice Enterprise' = 'A'\n[[sku]]\nid='A'\nkind='base'",
            "p.toml",
        )
        .expect("aliases");
        assert_eq!(
            localised
                .resolve("dynamics 365  KUNDENSERVICE enterprise")
                .map(|s| s.id.as_str()),
            Some("A")
        );
        // no public price → unknown, never zero
        assert_eq!(book.monthly("DYN365_CUSTOMER_SERVICE_DEVICE"), None);
    }

    #[test]
    fn trials_cost_nothing_whether_flagged_by_the_book_or_marked() {
        let mut book = PriceBook::from_toml(
            "[[sku]]\nid='T'\nkind='base'\nmonthly='105.00'\ncurrency='USD'\ntrial=true\n\
             [[sku]]\nid='P'\nkind='base'\nmonthly='105.00'\ncurrency='USD'\n\
             [[sku]]\nid='Q'\nkind='base'\nmonthly='95.00'\ncurrency='USD'",
            "p.toml",
        )
        .expect("book");
        let end = chrono::NaiveDate::from_ymd_opt(2026, 11, 30);
        book.mark_trials(&BTreeMap::from([
            ("P".to_string(), end),
            ("NOT-IN-BOOK".to_string(), None),
        ]));
        let cases = [
            (
                "flagged trial in the book",
                "T",
                true,
                Some(Decimal::ZERO),
                None,
            ),
            (
                "marked from the subscriptions",
                "P",
                true,
                Some(Decimal::ZERO),
                end,
            ),
            ("paid", "Q", false, Some(Decimal::new(9500, 2)), None),
            ("unknown id", "NOT-IN-BOOK", false, None, None),
        ];
        for (name, id, trial, monthly, ends) in cases {
            assert_eq!(book.is_trial(id), trial, "{name}");
            assert_eq!(book.monthly(id), monthly, "{name}");
            assert_eq!(book.unit_price(id, 500), monthly, "{name}: any seat count");
            assert_eq!(book.trial_end(id), ends, "{name}");
        }
        let builtin = PriceBook::load(None).expect("built-in");
        for id in [
            "Dynamics_365_Customer_Service_Enterprise_viral_trial",
            "Dynamics_365_Customer_Service_Enterprise_admin_trial",
        ] {
            assert!(builtin.is_trial(id), "{id} is a trial in the built-in book");
        }
        for guid in [
            "1e615a51-59db-4807-9957-aa83c3657351",
            "94a6fbd4-6a2f-4990-b356-dc7dd8bed08a",
        ] {
            assert!(
                builtin.resolve(guid).is_some_and(|s| s.trial),
                "{guid} resolves to a trial"
            );
        }
    }

    #[test]
    fn product_names_come_from_the_book() {
        let book = PriceBook::from_toml(
            "[[sku]]\nid='A'\nkind='base'\nshort_name=' Gold '\nnames=['Gold Seat Edition']\n\
             [[sku]]\nid='B'\nkind='base'\nnames=['Silver Seat', 'Silber']\n\
             [[sku]]\nid='C'\nkind='base'\nshort_name=''",
            "p.toml",
        )
        .expect("book");
        let cases = [
            ("short name first, trimmed", "A", "Gold"),
            ("else the first display name", "B", "Silver Seat"),
            ("an empty short name is none", "C", "C"),
            ("unknown id: the id", "Z", "Z"),
        ];
        for (name, id, want) in cases {
            assert_eq!(book.product_name(id), want, "{name}");
        }
        assert_eq!(
            book.product_names(&["A".into(), "B".into()]),
            "Gold + Silver Seat"
        );
        let builtin = PriceBook::load(None).expect("built-in");
        for sku in builtin.skus() {
            assert!(sku.short_name.is_some(), "{} has a short name", sku.id);
        }
        assert_eq!(
            builtin.product_name("DYN365_ENTERPRISE_CUSTOMER_SERVICE"),
            "Customer Service Enterprise"
        );
    }

    #[test]
    fn bad_books_are_rejected_with_the_key() {
        let cases = [
            (
                "negative price",
                "[[sku]]\nid='A'\nkind='base'\nmonthly='-1'\ncurrency='USD'",
                "negative",
            ),
            (
                "float price",
                "[[sku]]\nid='A'\nkind='base'\nmonthly=105.0\ncurrency='USD'",
                "must be a string",
            ),
            (
                "not a number",
                "[[sku]]\nid='A'\nkind='base'\nmonthly='ten'\ncurrency='USD'",
                "not a decimal",
            ),
            (
                "price without currency",
                "[[sku]]\nid='A'\nkind='base'\nmonthly='1'",
                "currency is required",
            ),
            (
                "two currencies",
                "[[sku]]\nid='A'\nkind='base'\nmonthly='1'\ncurrency='USD'\n[[sku]]\nid='B'\nkind='base'\nmonthly='1'\ncurrency='EUR'",
                "mixes currencies",
            ),
            (
                "unknown kind",
                "[[sku]]\nid='A'\nkind='gold'",
                "invalid price book",
            ),
            (
                "unknown key",
                "[[sku]]\nid='A'\nkind='base'\nprice='1'",
                "invalid price book",
            ),
            (
                "fraction of a cent",
                "[[sku]]\nid='A'\nkind='base'\nmonthly='33.333'\ncurrency='USD'",
                "more than 2 decimal places",
            ),
            (
                "duplicate id",
                "[[sku]]\nid='A'\nkind='base'\n[[sku]]\nid='a'\nkind='base'",
                "appears twice",
            ),
            (
                "bad guid",
                "[[sku]]\nid='A'\nkind='base'\nguid='xyz'",
                "not a GUID",
            ),
            (
                "unknown entitlement",
                "[[sku]]\nid='A'\nkind='base'\n[sku.entitlements]\ncredits = 1",
                "entitlements.credits: \"credits\" is not a capacity resource",
            ),
            (
                "negative entitlement",
                "[[sku]]\nid='A'\nkind='base'\n[sku.entitlements]\nivr-minutes = -1",
                "entitlements.ivr-minutes: -1 is negative",
            ),
            (
                "float entitlement",
                "[[sku]]\nid='A'\nkind='base'\n[sku.entitlements]\ndataverse-file-gb = 0.25",
                "entitlements.dataverse-file-gb must be a string",
            ),
            (
                "unknown tenant entitlement",
                "[tenant.entitlements]\nstorage = '1'",
                "[tenant]: entitlements.storage",
            ),
            (
                "capacity of an unknown resource",
                "[[capacity]]\nresource = 'minutes'\nunit_price = '0.01'",
                "[[capacity]] #1 (resource \"minutes\"): resource",
            ),
            (
                "capacity twice",
                "[[capacity]]\nresource = 'copilot-credits'\nunit_price = '0.01'\n[[capacity]]\nresource = 'copilot-credits'\nunit_price = '0.02'",
                "appears twice",
            ),
            (
                "capacity price as a float",
                "[[capacity]]\nresource = 'copilot-credits'\nunit_price = 0.01",
                "unit_price must be a string",
            ),
        ];
        for (name, text, expected) in cases {
            let err = PriceBook::from_toml(text, "p.toml").expect_err(name);
            let msg = format!("{err:#}");
            assert!(msg.contains(expected), "{name}: {msg}");
            assert!(msg.contains("p.toml"), "{name}: names the file: {msg}");
        }
    }
}
