//! The price book: SKUs as data (ids, GUIDs, display names, kind, channels, monthly price with
//! its source), loaded from TOML and validated. Money is `Decimal` only, parsed from strings.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::Channel;

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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBook {
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
}

impl PriceBook {
    /// The built-in book, optionally overlaid by a file: an entry in the file replaces the
    /// built-in entry with the same id, new ids are added.
    pub fn load(overlay: Option<&Path>) -> Result<PriceBook> {
        let (mut skus, mut aliases) = parse(BUILTIN, "built-in prices.toml")?;
        let mut texts = vec![BUILTIN.to_string()];
        let mut origin = "built-in".to_string();
        if let Some(path) = overlay {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read price book {}", path.display()))?;
            let label = path.display().to_string();
            let (list, more) = parse(&text, &label)?;
            aliases.extend(more);
            for sku in list {
                match skus.iter_mut().find(|s| s.id.eq_ignore_ascii_case(&sku.id)) {
                    Some(slot) => *slot = sku,
                    None => skus.push(sku),
                }
            }
            texts.push(text);
            origin = format!("built-in + {label}");
        }
        PriceBook::from_skus(skus, aliases, origin, texts)
    }

    /// Parses one TOML text as a complete book (used by tests and `load`).
    pub fn from_toml(text: &str, label: &str) -> Result<PriceBook> {
        let (skus, aliases) = parse(text, label)?;
        PriceBook::from_skus(skus, aliases, label.to_string(), vec![text.to_string()])
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
        })
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

    /// Monthly price of a SKU id, `None` when the book has no price for it.
    pub fn monthly(&self, id: &str) -> Option<Decimal> {
        self.skus.get(id).and_then(|s| s.monthly)
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

/// SKUs and name aliases `(file, name, id)` of one TOML text.
type Parsed = (Vec<Sku>, Vec<(String, String, String)>);

fn parse(text: &str, label: &str) -> Result<Parsed> {
    let raw: RawBook =
        toml::from_str(text).with_context(|| format!("invalid price book {label}"))?;
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
        });
    }
    let aliases = raw
        .names
        .into_iter()
        .map(|(name, id)| (label.to_string(), name, id))
        .collect();
    Ok((out, aliases))
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
        ];
        for (name, text, expected) in cases {
            let err = PriceBook::from_toml(text, "p.toml").expect_err(name);
            let msg = format!("{err:#}");
            assert!(msg.contains(expected), "{name}: {msg}");
            assert!(msg.contains("p.toml"), "{name}: names the file: {msg}");
        }
    }
}
