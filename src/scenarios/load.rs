//! `scenarios.toml` → typed, validated scenarios (PRODUCT.md section 9), in the policy's style:
//! unknown keys refused by serde, every other error naming the file, the scenario and the key.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Adopt, Deflection, Scenario, Scenarios};
use crate::model::{Channel, Class, Flag};
use crate::prices::{PriceBook, decimal, price};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    scenario: Option<Vec<RawScenario>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Option<String>,
    adopt: Option<Vec<String>>,
    discount: Option<toml::Value>,
    prices: Option<BTreeMap<String, toml::Value>>,
    renewal_date: Option<toml::Value>,
    deflection: Option<Vec<RawDeflection>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeflection {
    channel: Option<String>,
    share: Option<toml::Value>,
    credits_per_conversation: Option<toml::Value>,
    ivr_minutes_per_call: Option<toml::Value>,
}

/// Names the report uses for its own two columns; a scenario may not take them.
const RESERVED: [&str; 2] = ["current", "recommended"];

impl Scenarios {
    /// Reads and validates a scenarios file; `None` (no file) is no scenario.
    pub fn load(path: Option<&Path>, book: &PriceBook) -> Result<Scenarios> {
        let Some(path) = path else {
            return Ok(Scenarios::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read scenarios {}", path.display()))?;
        Scenarios::from_toml(&text, &path.display().to_string(), book)
    }

    /// Parses one scenarios text (`label` names it in errors).
    pub fn from_toml(text: &str, label: &str, book: &PriceBook) -> Result<Scenarios> {
        let raw: RawFile =
            toml::from_str(text).with_context(|| format!("invalid scenarios {label}"))?;
        let list = raw.scenario.unwrap_or_default();
        if list.is_empty() {
            bail!("{label}: no [[scenario]]: the file must list at least one");
        }
        let mut names = BTreeSet::new();
        let mut out = Vec::with_capacity(list.len());
        for (i, r) in list.into_iter().enumerate() {
            let s = scenario(label, i, r, book)?;
            if !names.insert(s.name.to_lowercase()) {
                bail!(
                    "{label}: [[scenario]] #{}: name \"{}\" appears twice",
                    i + 1,
                    s.name
                );
            }
            out.push(s);
        }
        Ok(Scenarios {
            list: out,
            origin: label.to_string(),
            text: text.to_string(),
        })
    }
}

fn scenario(label: &str, i: usize, r: RawScenario, book: &PriceBook) -> Result<Scenario> {
    let name = r.name.as_deref().map(str::trim).unwrap_or_default();
    if name.is_empty() {
        bail!("{label}: [[scenario]] #{}: name is required", i + 1);
    }
    let at = format!("{label}: [[scenario]] #{} \"{name}\"", i + 1);
    if RESERVED.iter().any(|n| n.eq_ignore_ascii_case(name)) {
        bail!("{at}: name: \"{name}\" is the report's own column; choose another name");
    }
    let adopt = match r.adopt {
        None => Adopt::all(),
        Some(items) => adopt(&at, &items)?,
    };
    let discount = r
        .discount
        .map(|v| {
            let d = decimal(&at, "discount", &v)?;
            if d.is_sign_negative() || d >= Decimal::ONE {
                bail!(
                    "{at}: discount: {d} is outside [0, 1) (a fraction: \"0.15\" is 15 % off list)"
                );
            }
            Ok(d)
        })
        .transpose()?;
    let mut prices = BTreeMap::new();
    for (token, v) in r.prices.unwrap_or_default() {
        let key = format!("prices.{token}");
        let Some(sku) = book.resolve(&token) else {
            bail!("{at}: {key}: \"{token}\" is not in the price book");
        };
        prices.insert(sku.id.clone(), price(&at, &key, &v)?);
    }
    let renewal_date = r.renewal_date.map(|v| date(&at, &v)).transpose()?;
    let mut deflection = Vec::new();
    for (k, d) in r.deflection.unwrap_or_default().into_iter().enumerate() {
        let one = deflect(&format!("{at}: [[scenario.deflection]] #{}", k + 1), d)?;
        if deflection
            .iter()
            .any(|x: &Deflection| x.channel == one.channel)
        {
            bail!(
                "{at}: [[scenario.deflection]] #{}: channel {} appears twice",
                k + 1,
                one.channel
            );
        }
        deflection.push(one);
    }
    Ok(Scenario {
        name: name.to_string(),
        adopt,
        discount,
        prices,
        renewal_date,
        deflection,
    })
}

fn adopt(at: &str, items: &[String]) -> Result<Adopt> {
    let mut a = Adopt::default();
    for item in items {
        let it = item.trim();
        if let Some(c) = Class::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(it))
        {
            a.classes.insert(c);
        } else if let Some(f) = [Flag::PremiumUnused, Flag::AddonUnused]
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(it))
        {
            a.flags.insert(f);
        } else {
            let classes: Vec<&str> = Class::ALL.iter().map(|c| c.as_str()).collect();
            bail!(
                "{at}: adopt: \"{item}\" is neither a class ({}) nor a seat-check flag \
                 (premium-unused, addon-unused)",
                classes.join(", ")
            );
        }
    }
    Ok(a)
}

fn date(at: &str, v: &toml::Value) -> Result<NaiveDate> {
    let s = match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| anyhow::anyhow!("{at}: renewal_date: {s} is not a date like 2027-06-30"))
}

fn deflect(at: &str, d: RawDeflection) -> Result<Deflection> {
    let channel = match d.channel.as_deref().map(str::trim) {
        Some(c) if c.eq_ignore_ascii_case("voice") => Channel::Voice,
        Some(c) if c.eq_ignore_ascii_case("digital") => Channel::Digital,
        Some(c) => bail!("{at}: channel: \"{c}\" is not voice or digital"),
        None => bail!("{at}: channel is required (voice or digital)"),
    };
    let Some(share) = d.share else {
        bail!(
            "{at}: share is required (the fraction of the channel's conversations a bot contains)"
        );
    };
    let share = decimal(at, "share", &share)?;
    if share.is_sign_negative() || share >= Decimal::ONE {
        bail!("{at}: share: {share} is outside [0, 1) (a fraction: \"0.30\" is 30 %)");
    }
    let amount = |key: &str, v: Option<toml::Value>| -> Result<Decimal> {
        // Left out, the bot would cost nothing and the saving be overstated: say it.
        let Some(v) = v else {
            bail!(
                "{at}: {key} is required for the {channel} channel (what the bot uses per \
                 contained conversation; write \"0\" if it truly uses nothing)"
            )
        };
        let x = decimal(at, key, &v)?;
        if x.is_sign_negative() {
            bail!("{at}: {key}: {x} is negative; it must be zero or more");
        }
        Ok(x)
    };
    let (own, other, wrong) = match channel {
        Channel::Digital => (
            ("credits_per_conversation", d.credits_per_conversation),
            d.ivr_minutes_per_call.is_some(),
            "ivr_minutes_per_call",
        ),
        Channel::Voice => (
            ("ivr_minutes_per_call", d.ivr_minutes_per_call),
            d.credits_per_conversation.is_some(),
            "credits_per_conversation",
        ),
    };
    if other {
        bail!("{at}: {wrong} does not apply to the {channel} channel");
    }
    let per = amount(own.0, own.1)?;
    Ok(Deflection {
        channel,
        share,
        per_conversation: per,
    })
}
