//! The policy: thresholds, table→tier rules, exclusions and target SKUs, loaded from TOML,
//! validated (patterns compiled, targets checked against the price book) before any work.

use std::path::Path;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::model::{AccessMode, Tier};
use crate::prices::PriceBook;

/// The built-in policy, compiled into the binary.
pub const BUILTIN: &str = include_str!("defaults/policy.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    lookback_days: Option<i64>,
    grace_days: Option<i64>,
    occasional_days: Option<i64>,
    premium_features: Option<Vec<String>>,
    default_tier: Option<Tier>,
    renewal_date: Option<toml::Value>,
    fiscal_year_start: Option<String>,
    audit_own_record: Option<String>,
    no_licence_access_modes: Option<Vec<toml::Value>>,
    device: Option<RawDevice>,
    exclude: Option<RawExclude>,
    targets: Option<RawTargets>,
    scope: Option<RawScope>,
    rule: Option<Vec<RawRule>>,
    rejected: Option<RawRejected>,
    usage: Option<RawUsage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRejected {
    lower_confidence_share: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUsage {
    line: Option<Vec<crate::usage::lines::RawLine>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDevice {
    user_share: Option<String>,
    min_users: Option<i64>,
    max_dominant_share: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExclude {
    users: Option<Vec<String>>,
    patterns: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTargets {
    team_member: Option<String>,
    activity: Option<String>,
    full: Option<String>,
    device: Option<String>,
    voice_addon: Option<String>,
    digital_addon: Option<String>,
    channels_addon: Option<String>,
    contact_center_digital: Option<String>,
    contact_center_voice: Option<String>,
    contact_center_both: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    families: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    tables: Vec<String>,
    own_record: Option<bool>,
    tier: Tier,
}

/// One table rule: writes to any of `tables` (restricted to own records when `own_record`
/// is set) need `tier`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub tables: Vec<String>,
    pub own_record: Option<bool>,
    pub tier: Tier,
}

/// Target SKU ids per class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    pub team_member: String,
    pub activity: String,
    pub full: String,
    pub device: String,
    pub voice_addon: String,
    pub digital_addon: String,
    pub channels_addon: String,
    /// The standalone Contact Center SKU for conversation agents of one or both channels
    /// (spec section 6).
    pub contact_center_digital: String,
    pub contact_center_voice: String,
    pub contact_center_both: String,
}

/// Shared-device thresholds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePolicy {
    pub user_share: Decimal,
    pub min_users: u32,
    pub max_dominant_share: Decimal,
}

/// The validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub lookback_days: i64,
    pub grace_days: i64,
    pub occasional_days: Decimal,
    pub premium_features: Vec<String>,
    pub default_tier: Tier,
    pub renewal_date: Option<NaiveDate>,
    /// (month, day)
    pub fiscal_year_start: (u32, u32),
    /// Audit writes to a record the same user created count as own records ("creator"), or
    /// never ("never", the default: the audit does not say whose case it is).
    pub audit_own_from_creator: bool,
    /// Dataverse access modes that need no paid licence (spec section 6).
    pub no_licence_access_modes: Vec<AccessMode>,
    pub device: DevicePolicy,
    pub exclude_users: Vec<String>,
    pub exclude_patterns: Vec<String>,
    exclude_set: GlobSet,
    pub targets: Targets,
    pub families: Vec<String>,
    pub rules: Vec<Rule>,
    /// A user whose rejected activity rows are at least this share of their rows gets a lower
    /// confidence.
    pub rejected_lower_confidence_share: Decimal,
    /// `[[usage.line]]`: which bill line a cost row is on.
    pub usage_lines: crate::usage::lines::LineRules,
    /// The TOML texts the policy was built from, for the manifest digest.
    pub texts: Vec<String>,
    pub origin: String,
}

impl Policy {
    /// The built-in policy, with the keys of `overlay` (a file) replacing the built-in values.
    /// Rules in the file replace the built-in rules as a whole.
    pub fn load(overlay: Option<&Path>, book: &PriceBook) -> Result<Policy> {
        let builtin: RawPolicy = toml::from_str(BUILTIN).context("invalid built-in policy.toml")?;
        let (raw, label, texts) = match overlay {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read policy {}", path.display()))?;
                let label = path.display().to_string();
                let user: RawPolicy =
                    toml::from_str(&text).with_context(|| format!("invalid policy {label}"))?;
                (merge(builtin, user), label, vec![BUILTIN.to_string(), text])
            }
            None => (
                builtin,
                "built-in policy.toml".to_string(),
                vec![BUILTIN.to_string()],
            ),
        };
        build(raw, &label, texts, book)
    }

    /// Parses a complete policy text over the built-in one (tests).
    pub fn from_toml(text: &str, label: &str, book: &PriceBook) -> Result<Policy> {
        let builtin: RawPolicy = toml::from_str(BUILTIN).context("invalid built-in policy.toml")?;
        let user: RawPolicy =
            toml::from_str(text).with_context(|| format!("invalid policy {label}"))?;
        build(merge(builtin, user), label, vec![text.to_string()], book)
    }

    /// Whether a user is excluded, and by which entry.
    pub fn exclusion(&self, id: &str, upn: &str) -> Option<String> {
        for u in &self.exclude_users {
            if u.eq_ignore_ascii_case(id) || (!upn.is_empty() && u.eq_ignore_ascii_case(upn)) {
                return Some(format!("listed in exclude.users ({u})"));
            }
        }
        let hit = self
            .exclude_set
            .matches(id.to_lowercase())
            .into_iter()
            .chain(self.exclude_set.matches(upn.to_lowercase()))
            .min()?;
        Some(format!(
            "matches exclude.patterns \"{}\"",
            self.exclude_patterns[hit]
        ))
    }

    /// The tier a write to `table` needs (first matching rule, else `default_tier`), with the
    /// index of the rule that matched.
    pub fn tier_for_write(&self, table: &str, own_record: bool) -> (Tier, Option<usize>) {
        for (i, r) in self.rules.iter().enumerate() {
            let table_hit = r.tables.iter().any(|t| t.eq_ignore_ascii_case(table));
            let own_hit = r.own_record.is_none_or(|o| o == own_record);
            if table_hit && own_hit {
                return (r.tier, Some(i));
            }
        }
        (self.default_tier, None)
    }

    pub fn in_scope(&self, family: &str) -> bool {
        self.families.iter().any(|f| f.eq_ignore_ascii_case(family))
    }
}

fn merge(base: RawPolicy, user: RawPolicy) -> RawPolicy {
    let device = match (base.device, user.device) {
        (Some(b), Some(u)) => Some(RawDevice {
            user_share: u.user_share.or(b.user_share),
            min_users: u.min_users.or(b.min_users),
            max_dominant_share: u.max_dominant_share.or(b.max_dominant_share),
        }),
        (b, u) => u.or(b),
    };
    let exclude = match (base.exclude, user.exclude) {
        (Some(b), Some(u)) => Some(RawExclude {
            users: u.users.or(b.users),
            patterns: u.patterns.or(b.patterns),
        }),
        (b, u) => u.or(b),
    };
    let targets = match (base.targets, user.targets) {
        (Some(b), Some(u)) => Some(RawTargets {
            team_member: u.team_member.or(b.team_member),
            activity: u.activity.or(b.activity),
            full: u.full.or(b.full),
            device: u.device.or(b.device),
            voice_addon: u.voice_addon.or(b.voice_addon),
            digital_addon: u.digital_addon.or(b.digital_addon),
            channels_addon: u.channels_addon.or(b.channels_addon),
            contact_center_digital: u.contact_center_digital.or(b.contact_center_digital),
            contact_center_voice: u.contact_center_voice.or(b.contact_center_voice),
            contact_center_both: u.contact_center_both.or(b.contact_center_both),
        }),
        (b, u) => u.or(b),
    };
    RawPolicy {
        lookback_days: user.lookback_days.or(base.lookback_days),
        grace_days: user.grace_days.or(base.grace_days),
        occasional_days: user.occasional_days.or(base.occasional_days),
        premium_features: user.premium_features.or(base.premium_features),
        default_tier: user.default_tier.or(base.default_tier),
        renewal_date: user.renewal_date.or(base.renewal_date),
        fiscal_year_start: user.fiscal_year_start.or(base.fiscal_year_start),
        audit_own_record: user.audit_own_record.or(base.audit_own_record),
        no_licence_access_modes: user
            .no_licence_access_modes
            .or(base.no_licence_access_modes),
        device,
        exclude,
        targets,
        scope: user.scope.or(base.scope),
        rule: user.rule.or(base.rule),
        rejected: match (base.rejected, user.rejected) {
            (Some(b), Some(u)) => Some(RawRejected {
                lower_confidence_share: u.lower_confidence_share.or(b.lower_confidence_share),
            }),
            (b, u) => u.or(b),
        },
        // The file's `[[usage.line]]` rules replace the built-in ones as a whole.
        usage: match (base.usage, user.usage) {
            (Some(b), Some(u)) => Some(RawUsage {
                line: u.line.or(b.line),
            }),
            (b, u) => u.or(b),
        },
    }
}

fn build(raw: RawPolicy, label: &str, texts: Vec<String>, book: &PriceBook) -> Result<Policy> {
    let need = |v: Option<i64>, key: &str, lo: i64, hi: i64| -> Result<i64> {
        let v = v.with_context(|| format!("{label}: {key} is missing"))?;
        if !(lo..=hi).contains(&v) {
            bail!("{label}: {key} = {v} is out of range ({lo} to {hi})");
        }
        Ok(v)
    };
    let share = |v: Option<String>, key: &str| -> Result<Decimal> {
        let s = v.with_context(|| format!("{label}: {key} is missing"))?;
        let d = Decimal::from_str(s.trim())
            .map_err(|_| anyhow::anyhow!("{label}: {key} = \"{s}\" is not a number"))?;
        if d <= Decimal::ZERO || d > Decimal::ONE {
            bail!("{label}: {key} = {s} must be above 0 and at most 1");
        }
        Ok(d)
    };
    let lookback_days = need(raw.lookback_days, "lookback_days", 1, 3660)?;
    let grace_days = need(raw.grace_days, "grace_days", 0, 3660)?;
    let occasional_days = Decimal::from(need(raw.occasional_days, "occasional_days", 0, 30)?);
    let device = raw.device.unwrap_or(RawDevice {
        user_share: None,
        min_users: None,
        max_dominant_share: None,
    });
    let device = DevicePolicy {
        user_share: share(device.user_share, "device.user_share")?,
        min_users: need(device.min_users, "device.min_users", 2, 100_000)? as u32,
        max_dominant_share: share(device.max_dominant_share, "device.max_dominant_share")?,
    };
    let renewal_date = match raw.renewal_date {
        None => None,
        Some(v) => {
            let s = match &v {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some(
                NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
                    anyhow::anyhow!("{label}: renewal_date = {s} is not a date like 2027-06-30")
                })?,
            )
        }
    };
    let fys = raw.fiscal_year_start.unwrap_or_else(|| "01-01".into());
    let fiscal_year_start = NaiveDate::parse_from_str(&format!("2000-{fys}"), "%Y-%m-%d")
        .map(|d| (chrono::Datelike::month(&d), chrono::Datelike::day(&d)))
        .map_err(|_| anyhow::anyhow!("{label}: fiscal_year_start = \"{fys}\" is not MM-DD"))?;
    if fiscal_year_start == (2, 29) {
        bail!(
            "{label}: fiscal_year_start = \"{fys}\": 29 February is not a day of every year; \
             start the fiscal year on 02-28 or 03-01"
        );
    }
    let audit_own_from_creator = match raw.audit_own_record.as_deref().unwrap_or("never") {
        "never" => false,
        "creator" => true,
        other => bail!("{label}: audit_own_record = \"{other}\" must be \"never\" or \"creator\""),
    };
    let no_licence_access_modes =
        access_modes(raw.no_licence_access_modes.unwrap_or_default(), label)?;
    let exclude = raw.exclude.unwrap_or(RawExclude {
        users: None,
        patterns: None,
    });
    let exclude_patterns = exclude.patterns.unwrap_or_default();
    let mut set = GlobSetBuilder::new();
    for p in &exclude_patterns {
        let glob = GlobBuilder::new(&p.to_lowercase())
            .literal_separator(false)
            .build()
            .map_err(|e| anyhow::anyhow!("{label}: exclude.patterns \"{p}\": {e}"))?;
        set.add(glob);
    }
    let exclude_set = set
        .build()
        .map_err(|e| anyhow::anyhow!("{label}: exclude.patterns: {e}"))?;
    let t = raw.targets.context("targets are missing")?;
    let target = |v: Option<String>, key: &str| -> Result<String> {
        let id = v.with_context(|| format!("{label}: targets.{key} is missing"))?;
        match book.resolve(&id) {
            Some(s) => Ok(s.id.clone()),
            None => bail!("{label}: targets.{key} = \"{id}\" is not in the price book"),
        }
    };
    let targets = Targets {
        team_member: target(t.team_member, "team-member")?,
        activity: target(t.activity, "activity")?,
        full: target(t.full, "full")?,
        device: target(t.device, "device")?,
        voice_addon: target(t.voice_addon, "voice-addon")?,
        digital_addon: target(t.digital_addon, "digital-addon")?,
        channels_addon: target(t.channels_addon, "channels-addon")?,
        contact_center_digital: target(t.contact_center_digital, "contact-center-digital")?,
        contact_center_voice: target(t.contact_center_voice, "contact-center-voice")?,
        contact_center_both: target(t.contact_center_both, "contact-center-both")?,
    };
    let rules: Vec<Rule> = raw
        .rule
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            if r.tables.is_empty() {
                bail!("{label}: [[rule]] #{}: tables must not be empty", i + 1);
            }
            Ok(Rule {
                tables: r.tables.iter().map(|t| t.trim().to_lowercase()).collect(),
                own_record: r.own_record,
                tier: r.tier,
            })
        })
        .collect::<Result<_>>()?;
    let rejected_lower_confidence_share = share(
        raw.rejected.and_then(|r| r.lower_confidence_share),
        "rejected.lower_confidence_share",
    )?;
    let usage_lines = crate::usage::lines::LineRules::build(
        raw.usage
            .and_then(|u| u.line)
            .as_deref()
            .unwrap_or_default(),
        label,
    )?;
    Ok(Policy {
        rejected_lower_confidence_share,
        lookback_days,
        grace_days,
        occasional_days,
        premium_features: raw
            .premium_features
            .unwrap_or_default()
            .iter()
            .map(|f| f.trim().to_lowercase())
            .collect(),
        default_tier: raw.default_tier.unwrap_or(Tier::Full),
        renewal_date,
        fiscal_year_start,
        audit_own_from_creator,
        no_licence_access_modes,
        device,
        exclude_users: exclude.users.unwrap_or_default(),
        exclude_patterns,
        exclude_set,
        targets,
        families: raw
            .scope
            .and_then(|s| s.families)
            .unwrap_or_else(|| vec!["customer-service".into(), "contact-center".into()]),
        rules,
        usage_lines,
        texts,
        origin: label.to_string(),
    })
}

/// `no_licence_access_modes`: numbers 0–5 or labels, sorted, without repeats.
fn access_modes(values: Vec<toml::Value>, label: &str) -> Result<Vec<AccessMode>> {
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        let mode = match v {
            toml::Value::Integer(n) => AccessMode::from_code(*n),
            toml::Value::String(s) => AccessMode::parse(s),
            _ => None,
        };
        let Some(mode) = mode else {
            bail!(
                "{label}: no_licence_access_modes[{}] = {v} is not a Dataverse access mode (0 to \
                 5, or \"Read-Write\", \"Administrative\", \"Read\", \"Support User\", \
                 \"Non-interactive\", \"Delegated Admin\")",
                i + 1
            );
        };
        out.push(mode);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Policy {
        let book = PriceBook::load(None).expect("built-in book");
        Policy::load(None, &book).expect("built-in policy")
    }

    #[test]
    fn table_rules_first_match_wins() {
        let p = builtin();
        let cases = [
            ("contact write", "contact", false, Tier::TeamMember),
            ("email activity", "email", false, Tier::TeamMember),
            ("note", "annotation", false, Tier::TeamMember),
            (
                "own case (self-service)",
                "incident",
                true,
                Tier::TeamMember,
            ),
            ("someone else's case", "incident", false, Tier::Activity),
            ("sla", "sla", false, Tier::Activity),
            ("own sla is still activity", "sla", true, Tier::Activity),
            ("knowledge article", "knowledgearticle", false, Tier::Full),
            ("entitlement", "entitlement", false, Tier::Full),
            ("routing rule", "routingrule", false, Tier::Full),
            ("unlisted table", "account", false, Tier::Full),
            ("case-insensitive", "Incident", false, Tier::Activity),
        ];
        for (name, table, own, want) in cases {
            assert_eq!(p.tier_for_write(table, own).0, want, "{name}");
        }
    }

    #[test]
    fn no_licence_access_modes_take_numbers_or_labels() {
        use AccessMode::*;
        let book = PriceBook::load(None).expect("book");
        assert_eq!(
            builtin().no_licence_access_modes,
            vec![Administrative, NonInteractive],
            "default [1, 4]"
        );
        let cases = [
            ("numbers", "[3, 5]", vec![SupportUser, DelegatedAdmin]),
            (
                "labels, any case",
                "['non-interactive', 'ADMINISTRATIVE']",
                vec![Administrative, NonInteractive],
            ),
            (
                "mixed, repeated",
                "[1, 'Administrative', 4]",
                vec![Administrative, NonInteractive],
            ),
            ("none", "[]", vec![]),
        ];
        for (name, list, want) in cases {
            let p = Policy::from_toml(
                &format!("no_licence_access_modes = {list}"),
                "policy.toml",
                &book,
            )
            .expect(name);
            assert_eq!(p.no_licence_access_modes, want, "{name}");
        }
    }

    #[test]
    fn exclusions_by_id_upn_and_pattern() {
        let book = PriceBook::load(None).expect("book");
        let p = Policy::from_toml(
            "[exclude]\nusers=['ceo@contoso.com']\npatterns=['svc-*']",
            "policy.toml",
            &book,
        )
        .expect("policy");
        assert!(p.exclusion("x", "CEO@contoso.com").is_some());
        assert!(p.exclusion("x", "svc-crm@contoso.com").is_some());
        assert!(p.exclusion("x", "anna@contoso.com").is_none());
    }

    #[test]
    fn bad_policies_name_file_and_key() {
        let book = PriceBook::load(None).expect("book");
        let cases = [
            ("negative lookback", "lookback_days = -1", "lookback_days"),
            (
                "share above one",
                "[device]\nuser_share = '1.5'",
                "device.user_share",
            ),
            ("unknown target", "[targets]\nfull = 'NOPE'", "targets.full"),
            (
                "unknown contact center target",
                "[targets]\ncontact-center-voice = 'NOPE'",
                "targets.contact-center-voice",
            ),
            ("unknown key", "lookbak_days = 3", "invalid policy"),
            (
                "bad tier",
                "[[rule]]\ntables=['x']\ntier='gold'",
                "invalid policy",
            ),
            ("bad glob", "[exclude]\npatterns=['a[']", "exclude.patterns"),
            ("bad renewal", "renewal_date = 'soon'", "renewal_date"),
            (
                "fiscal year from 29 February",
                "fiscal_year_start = '02-29'",
                "fiscal_year_start",
            ),
            (
                "fiscal year not MM-DD",
                "fiscal_year_start = '13-01'",
                "fiscal_year_start",
            ),
            (
                "rejected share above one",
                "[rejected]\nlower_confidence_share = '2'",
                "rejected.lower_confidence_share",
            ),
            (
                "unknown usage line key",
                "[[usage.line]]\nline='x'\nmetre='*'",
                "invalid policy",
            ),
            (
                "bad usage glob",
                "[[usage.line]]\nline='x'\nmeter='a['",
                "[[usage.line]] #1: meter",
            ),
            (
                "access mode out of range",
                "no_licence_access_modes = [1, 6]",
                "no_licence_access_modes[2]",
            ),
            (
                "unknown access mode label",
                "no_licence_access_modes = ['Admin']",
                "no_licence_access_modes[1]",
            ),
            (
                "access mode of the wrong type",
                "no_licence_access_modes = [true]",
                "no_licence_access_modes[1]",
            ),
            (
                "bad audit own",
                "audit_own_record = 'always'",
                "audit_own_record",
            ),
        ];
        for (name, text, key) in cases {
            let err = Policy::from_toml(text, "policy.toml", &book).expect_err(name);
            let msg = format!("{err:#}");
            assert!(msg.contains(key), "{name}: {msg}");
            assert!(msg.contains("policy.toml"), "{name}: {msg}");
        }
    }
}
