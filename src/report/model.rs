//! The report model: one typed document built once from an `Analysis`. `report.json` is its
//! serialisation; CSV, XLSX, HTML, the email and the trend all render from (or read back) this
//! same type, so a number cannot drift between the formats and a missing field is an error.
//!
//! Every struct lists its fields in alphabetical order: serde writes them in declaration order,
//! and `report.json` keeps the sorted keys earlier versions wrote.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::analysis::{Analysis, iso};
use crate::diff::Diff;
use crate::model::{Class, Confidence, Flag, Tier};

/// The version of the `report.json` layout; bumped when a field is added, renamed or removed,
/// so that reading an older report fails with a clear message instead of a silent default.
pub const SCHEMA: u32 = 4;

/// Money as text with two places (rounded half away from zero), read back exactly.
pub mod money {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::money::fmt2(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(d)?;
        text.parse::<Decimal>()
            .map_err(|e| serde::de::Error::custom(format!("\"{text}\" is not an amount: {e}")))
    }
}

/// Optional money: text, or `null` for unknown.
pub mod money_opt {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&crate::money::fmt2(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => text
                .parse::<Decimal>()
                .map(Some)
                .map_err(|e| serde::de::Error::custom(format!("\"{text}\" is not an amount: {e}"))),
        }
    }
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub as_of: NaiveDate,
    /// The whole bill: licences, usage and capacity, now and after the recommendations.
    pub bill: Bill,
    pub currency: String,
    pub data_quality: DataQuality,
    /// The annual licence cost of the users with conversations under each deployment model.
    pub deployment_model: Vec<DeploymentRow>,
    pub devices: Vec<DeviceRow>,
    pub headline: Headline,
    pub policy: PolicySettings,
    /// Display names of every SKU the report names (id → product name), for the readers.
    pub products: BTreeMap<String, String>,
    pub pseudonymised: bool,
    pub renewal: Vec<RenewalRow>,
    /// `current`, `recommended` and every what-if scenario side by side (section 9).
    pub scenarios: super::scenario_model::Scenarios,
    pub schema: u32,
    pub summary: Vec<SummaryRow>,
    pub tool: String,
    pub trend: Option<Diff>,
    /// Users whose in-scope licences are all trials, with the cost when the trial ends.
    pub trials: Vec<TrialRow>,
    pub users: Vec<UserRow>,
    pub version: String,
    pub window: Window,
}

/// The whole bill (PRODUCT.md section 8). Amounts a year unless named monthly; `None` is
/// unknown (a price or the consumption is missing), never zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bill {
    #[serde(with = "money_opt")]
    pub annual_licences_after: Option<Decimal>,
    /// Seats held now (bought, else assigned) at today's unit prices.
    #[serde(with = "money_opt")]
    pub annual_licences_now: Option<Decimal>,
    /// Overage at pay-as-you-go prices over the pools with known consumption.
    #[serde(with = "money_opt")]
    pub annual_overage_after: Option<Decimal>,
    #[serde(with = "money_opt")]
    pub annual_overage_now: Option<Decimal>,
    #[serde(with = "money_opt")]
    pub annual_total_after: Option<Decimal>,
    #[serde(with = "money_opt")]
    pub annual_total_now: Option<Decimal>,
    /// The run rate of the usage lines; `None` without a cost export.
    #[serde(with = "money_opt")]
    pub annual_usage: Option<Decimal>,
    /// Whether capacity consumption was given (the headline then starts from the bill).
    pub capacity_data: bool,
    pub cost_data: bool,
    /// Usage per channel against the conversations on it: cost per conversation and per agent.
    pub channels: Vec<ChannelCost>,
    pub lines: Vec<BillLine>,
    /// The licence saving less the overage the recommendations add.
    #[serde(with = "money_opt")]
    pub net_annual_saving: Option<Decimal>,
    #[serde(with = "money_opt")]
    pub net_monthly_saving: Option<Decimal>,
    pub notes: Vec<String>,
    pub pools: Vec<PoolRow>,
    /// The calendar months the run rate is the mean of.
    pub run_rate_months: Vec<String>,
    pub unmatched_rows: u64,
    #[serde(with = "money")]
    pub unmatched_total: Decimal,
}

/// One usage line of the bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillLine {
    #[serde(with = "money_opt")]
    pub annual: Option<Decimal>,
    pub line: String,
    #[serde(with = "money_opt")]
    pub monthly: Option<Decimal>,
    /// Cost per calendar month ("2026-09").
    pub months: BTreeMap<String, String>,
    pub rows: u64,
    /// The line's share of today's whole bill (4 places); `None` when the bill is unknown.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub share_of_bill: Option<Decimal>,
}

/// A channel's usage cost against its conversations in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelCost {
    /// Agents with at least one conversation on the channel.
    pub agents: u64,
    /// The annual usage of the channel's lines (voice: voice, phone-numbers, recording;
    /// digital: sms, whatsapp).
    #[serde(with = "money_opt")]
    pub annual_usage: Option<Decimal>,
    pub channel: crate::model::Channel,
    pub conversations: u64,
    #[serde(with = "money_opt")]
    pub monthly_per_agent: Option<Decimal>,
    /// Usage over the window's conversations, both a month: run rate ÷ conversations per month.
    #[serde(with = "money_opt")]
    pub per_conversation: Option<Decimal>,
}

/// One pooled resource now and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolRow {
    #[serde(with = "rust_decimal::serde::str")]
    pub entitlement_after: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub entitlement_now: Decimal,
    #[serde(with = "money_opt")]
    pub monthly_overage_after: Option<Decimal>,
    #[serde(with = "money_opt")]
    pub monthly_overage_now: Option<Decimal>,
    /// The sentence naming what the recommendations do to this pool.
    pub note: String,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub overage_after: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub overage_now: Option<Decimal>,
    /// The peak full month's consumption; `None` = consumption unknown.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub peak: Option<Decimal>,
    pub peak_month: Option<String>,
    pub pushed_into_overage: bool,
    pub resource: crate::model::Resource,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub unit_price: Option<Decimal>,
}

/// One deployment model (PRODUCT.md section 6): (a) Enterprise + the needed add-ons for all,
/// (b) Premium for all, (c) Contact Center for the candidates, (d) as recommended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentRow {
    #[serde(with = "money_opt")]
    pub annual: Option<Decimal>,
    /// What the option means, naming the products by the price book's names.
    pub label: String,
    #[serde(with = "money_opt")]
    pub monthly: Option<Decimal>,
    pub option: crate::skufit::DeploymentOption,
    pub users: u64,
}

/// A trial-only user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialRow {
    /// The class the rules would give once the trial ends.
    pub class_after_trial: Class,
    pub display_name: String,
    /// That class's licence and its monthly price: the cost when the trial ends.
    #[serde(with = "money_opt")]
    pub monthly_after_trial: Option<Decimal>,
    pub sku_after_trial: Option<String>,
    pub trial_ends: Option<NaiveDate>,
    pub upn: String,
    pub user_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub covered_days: u32,
    pub days: u32,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The figures finance reads first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Headline {
    #[serde(with = "money")]
    pub annual_saving: Decimal,
    #[serde(with = "money")]
    pub monthly_saving: Decimal,
    pub realisable: Option<Realisable>,
    /// Input rows rejected, and the licensed users some of whose rows were among them.
    pub rejected_rows: u64,
    pub rejected_users: u64,
    /// Seats held now (bought, else assigned) minus seats recommended, over the SKUs that shrink.
    pub seats_to_reduce: i64,
    pub users: u64,
    /// Users whose saving is unknown (a price is missing); not in the amounts.
    pub users_with_unknown_saving: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Realisable {
    pub fiscal_year_end: NaiveDate,
    pub fiscal_year_start: NaiveDate,
    pub months_in_fiscal_year: u32,
    /// Monthly-term savings count from here (the first of the month after as-of).
    pub monthly_term_from: Option<NaiveDate>,
    pub monthly_term_months: u32,
    /// The next renewal on or after as-of.
    pub renewal_date: NaiveDate,
    /// The policy's renewal date, when it was already past and was rolled forward.
    pub rolled_forward_from: Option<NaiveDate>,
    #[serde(with = "money")]
    pub this_fiscal_year: Decimal,
}

/// What a summary row counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    Class,
    Total,
    /// Flags overlap the classes and do not add up.
    Flag,
}

impl Group {
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Class => "class",
            Group::Total => "total",
            Group::Flag => "flag",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryRow {
    #[serde(with = "money")]
    pub annual_saving: Decimal,
    pub group: Group,
    #[serde(with = "money")]
    pub monthly_saving: Decimal,
    pub name: String,
    pub users: u64,
    pub users_with_unknown_saving: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewalRow {
    #[serde(with = "money_opt")]
    pub annual_saving_at_renewal: Option<Decimal>,
    pub assigned: u64,
    pub bought: Option<u64>,
    pub change: i64,
    #[serde(with = "money_opt")]
    pub monthly_price: Option<Decimal>,
    /// The unit price at the recommended seat count (volume tiers).
    #[serde(with = "money_opt")]
    pub monthly_price_recommended: Option<Decimal>,
    #[serde(with = "money_opt")]
    pub monthly_saving_at_renewal: Option<Decimal>,
    #[serde(with = "money_opt")]
    pub monthly_saving_shelfware: Option<Decimal>,
    #[serde(with = "money_opt")]
    pub monthly_saving_users: Option<Decimal>,
    /// recommended × (today's unit price − the unit price for the recommended count).
    #[serde(with = "money_opt")]
    pub monthly_volume_change: Option<Decimal>,
    pub recommended: u64,
    pub shelfware: Option<i64>,
    pub sku: String,
    /// Set when the recommendation drops the SKU below its volume tier.
    pub tier_note: Option<String>,
}

impl RenewalRow {
    /// Seats held now: bought, else assigned.
    pub fn held(&self) -> u64 {
        self.bought.unwrap_or(self.assigned)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRow {
    #[serde(with = "money_opt")]
    pub annual_saving: Option<Decimal>,
    pub class: Class,
    pub confidence: Confidence,
    pub cost_centre: String,
    #[serde(with = "money_opt")]
    pub current_monthly: Option<Decimal>,
    pub current_skus: Vec<String>,
    pub department: String,
    pub device: Option<String>,
    #[serde(with = "money_opt")]
    pub device_share_monthly: Option<Decimal>,
    pub display_name: String,
    pub flags: Vec<Flag>,
    pub metrics: Metrics,
    #[serde(with = "money_opt")]
    pub monthly_saving: Option<Decimal>,
    pub reasons: Vec<String>,
    #[serde(with = "money_opt")]
    pub recommended_monthly: Option<Decimal>,
    pub recommended_skus: Vec<String>,
    pub required_tier: Option<Tier>,
    pub upn: String,
    pub user_id: String,
}

impl UserRow {
    /// "Name (upn)", or whichever of them there is, else the id.
    pub fn label(&self) -> String {
        match (self.display_name.is_empty(), self.upn.is_empty()) {
            (false, false) => format!("{} ({})", self.display_name, self.upn),
            (true, false) => self.upn.clone(),
            (false, true) => self.display_name.clone(),
            (true, true) => self.user_id.clone(),
        }
    }

    /// Whether the recommendation changes anything for this user.
    pub fn changes(&self) -> bool {
        self.recommended_skus != self.current_skus || self.device.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    pub active_days: u32,
    #[serde(with = "rust_decimal::serde::str")]
    pub active_days_per_30: Decimal,
    pub digital_conversations: u64,
    pub last_active: Option<NaiveDate>,
    pub premium_feature_events: u64,
    pub reads: u64,
    pub voice_conversations: u64,
    pub writes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceRow {
    pub device_id: String,
    /// Largest single user's share of the device's events (4 places).
    #[serde(with = "rust_decimal::serde::str")]
    pub dominant_share: Decimal,
    pub events: u64,
    pub licence: Option<DeviceLicence>,
    pub shared: bool,
    pub users: Vec<DeviceUser>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceUser {
    pub events: u64,
    pub user_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceLicence {
    #[serde(with = "money_opt")]
    pub monthly: Option<Decimal>,
    pub sku: String,
    /// The device-class users who share it.
    pub users: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataQuality {
    pub files: Vec<FileRow>,
    pub join: Join,
    pub other_licences: BTreeMap<String, u64>,
    pub out_of_scope_skus: BTreeMap<String, u64>,
    /// The rejected rows kept in detail (the count of all is `rejected_rows`).
    pub rejected: Vec<RejectedRow>,
    pub rejected_rows: u64,
    pub sources: Vec<SourceRow>,
    pub unknown_skus: BTreeMap<String, u64>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRow {
    pub covers_from: Option<String>,
    pub covers_to: Option<String>,
    pub file: String,
    pub format: String,
    pub ignored: Option<String>,
    pub kind: Option<String>,
    pub rows_read: u64,
    pub rows_rejected: u64,
    pub rows_skipped: u64,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Join {
    pub activity_users: u64,
    pub licensed_users: u64,
    pub licensed_users_with_activity: u64,
    pub matched_activity_users: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectedRow {
    pub column: String,
    pub file: String,
    /// 1-based line (CSV), 0 when not known.
    pub line: u64,
    pub problem: String,
    /// 1-based row (Parquet), else 0.
    pub row: u64,
}

impl std::fmt::Display for RejectedRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.row > 0 {
            write!(f, "{}: row {}", self.file, self.row)?;
        } else {
            write!(f, "{}:{}", self.file, self.line)?;
        }
        if !self.column.is_empty() {
            write!(f, ": {}", self.column)?;
        }
        write!(f, ": {}", self.problem)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRow {
    pub file: String,
    pub from: Option<String>,
    pub operation_level: bool,
    pub rejected: u64,
    pub rows: u64,
    pub to: Option<String>,
}

/// Every setting that can change a class or an amount, as the run used it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySettings {
    pub audit_own_record: String,
    /// The contract terms the prices were computed with.
    pub contract: crate::contract::Contract,
    pub default_tier: Tier,
    pub device: DeviceSettings,
    pub exclude_patterns: Vec<String>,
    pub exclude_users: Vec<String>,
    pub fiscal_year_start: String,
    pub grace_days: i64,
    pub lookback_days: i64,
    #[serde(with = "rust_decimal::serde::str")]
    pub occasional_days: Decimal,
    pub origin: String,
    pub premium_features: Vec<String>,
    pub price_book_origin: String,
    pub price_book_sha256: String,
    pub prices: Vec<PriceRow>,
    pub renewal_date: Option<NaiveDate>,
    pub rules: Vec<RuleRow>,
    pub scope_families: Vec<String>,
    pub sha256: String,
    pub targets: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSettings {
    #[serde(with = "rust_decimal::serde::str")]
    pub max_dominant_share: Decimal,
    pub min_users: u32,
    #[serde(with = "rust_decimal::serde::str")]
    pub user_share: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceRow {
    pub as_of: Option<String>,
    pub id: String,
    pub kind: crate::prices::SkuKind,
    /// The list price.
    #[serde(with = "money_opt")]
    pub monthly: Option<Decimal>,
    pub name: String,
    /// Seats the unit price is computed at.
    pub seats: u64,
    pub source: String,
    pub term: crate::contract::Term,
    pub trial: bool,
    /// What the tenant pays per seat per month today (contract terms at `seats`).
    #[serde(with = "money_opt")]
    pub unit_monthly: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleRow {
    pub own_record: Option<bool>,
    pub tables: Vec<String>,
    pub tier: Tier,
}

impl Report {
    /// Builds the report from a finished analysis (already pseudonymised when asked).
    pub fn build(a: &Analysis, pseudonymised: bool) -> Report {
        let total = a.summary.iter().find(|s| s.group == "total");
        let summary = a.summary.iter().map(summary_row).collect();
        let renewal: Vec<RenewalRow> = a.renewal.iter().map(renewal_row).collect();
        let seats_to_reduce = renewal
            .iter()
            .map(|r| (r.held() as i64 - r.recommended as i64).max(0))
            .sum();
        let users: Vec<UserRow> = a.priced.iter().map(user_row).collect();
        let mut products = BTreeMap::new();
        for id in users
            .iter()
            .flat_map(|u| u.current_skus.iter().chain(&u.recommended_skus))
            .chain(renewal.iter().map(|r| &r.sku))
            .chain(a.licences.iter().map(|l| &l.sku))
        {
            if !products.contains_key(id) {
                products.insert(id.clone(), a.book.product_name(id).to_string());
            }
        }
        Report {
            as_of: a.as_of,
            bill: bill(a),
            currency: a.book.currency.clone(),
            data_quality: data_quality(a),
            deployment_model: a
                .deployment
                .rows
                .iter()
                .map(|r| DeploymentRow {
                    annual: r.annual,
                    label: r.label.clone(),
                    monthly: r.monthly,
                    option: r.option,
                    users: r.users,
                })
                .collect(),
            devices: devices(a),
            headline: Headline {
                annual_saving: total.map_or(Decimal::ZERO, |t| t.annual_saving),
                monthly_saving: total.map_or(Decimal::ZERO, |t| t.monthly_saving),
                realisable: a.realisable.as_ref().map(|r| Realisable {
                    fiscal_year_end: r.fiscal_year_end,
                    fiscal_year_start: r.fiscal_year_start,
                    months_in_fiscal_year: r.months_in_fiscal_year,
                    monthly_term_from: r.monthly_term_from,
                    monthly_term_months: r.monthly_term_months,
                    renewal_date: r.renewal_date,
                    rolled_forward_from: r.rolled_forward_from,
                    this_fiscal_year: r.this_fiscal_year,
                }),
                rejected_rows: a.rejected_total,
                rejected_users: a.rejected_users,
                seats_to_reduce,
                users: total.map_or(0, |t| t.users),
                users_with_unknown_saving: total.map_or(0, |t| t.unknown),
            },
            policy: policy(a),
            products,
            pseudonymised,
            renewal,
            scenarios: super::scenario_model::build(a),
            schema: SCHEMA,
            summary,
            tool: "rightsize".into(),
            trend: None,
            trials: trials(a),
            users,
            version: env!("CARGO_PKG_VERSION").into(),
            window: Window {
                covered_days: a.covered_days,
                days: a.window_days,
                from: a.window_from,
                to: a.as_of,
            },
        }
    }

    /// Reads a `report.json` back; a field missing or unknown is an error.
    pub fn parse(json: &[u8]) -> Result<Report> {
        #[derive(Deserialize)]
        struct Probe {
            schema: Option<u32>,
            version: Option<String>,
        }
        let probe: Probe = serde_json::from_slice(json).context("not a JSON document")?;
        match probe.schema {
            Some(SCHEMA) => {}
            other => anyhow::bail!(
                "it was written by rightsize {} (report layout {}), this is rightsize {} (layout \
                 {SCHEMA}): run this version's `rightsize analyze` on that quarter's exports again",
                probe.version.as_deref().unwrap_or("(unknown)"),
                other.map_or("1".to_string(), |s| s.to_string()),
                env!("CARGO_PKG_VERSION"),
            ),
        }
        Ok(serde_json::from_slice(json)?)
    }

    /// Reads `DIR/report.json` (a report folder written with the json format).
    pub fn load(dir: &Path) -> Result<Report> {
        let path = dir.join("report.json");
        let bytes = std::fs::read(&path).with_context(|| {
            format!(
                "cannot read {} (a report folder written by `rightsize analyze` with the json format)",
                path.display()
            )
        })?;
        Report::parse(&bytes)
            .with_context(|| format!("{} is not a rightsize report", path.display()))
    }

    /// `report.json`: the model, pretty-printed, with a final newline.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        super::json::pretty(self)
    }

    /// The product name of a SKU id, else the id itself.
    pub fn product<'a>(&'a self, id: &'a str) -> &'a str {
        self.products.get(id).map_or(id, String::as_str)
    }

    /// Product names of SKU ids, joined with " + ".
    pub fn products_of(&self, ids: &[String]) -> String {
        ids.iter()
            .map(|id| self.product(id))
            .collect::<Vec<_>>()
            .join(" + ")
    }

    pub fn rows(&self, group: Group) -> impl Iterator<Item = &SummaryRow> {
        self.summary.iter().filter(move |s| s.group == group)
    }

    pub fn total(&self) -> Option<&SummaryRow> {
        self.rows(Group::Total).next()
    }

    /// The device licence of a device, when one is recommended.
    pub fn licence_of(&self, device: &str) -> Option<&DeviceLicence> {
        self.devices
            .iter()
            .find(|d| d.device_id == device)
            .and_then(|d| d.licence.as_ref())
    }

    /// Departments by known monthly saving, largest first (ties by name).
    pub fn departments(&self) -> Vec<DepartmentRow> {
        let mut dept: BTreeMap<&str, DepartmentRow> = BTreeMap::new();
        for u in &self.users {
            let name = if u.department.is_empty() {
                "(none)"
            } else {
                u.department.as_str()
            };
            let e = dept.entry(name).or_insert_with(|| DepartmentRow {
                name: name.to_string(),
                users: 0,
                changes: 0,
                monthly_saving: Decimal::ZERO,
            });
            e.users += 1;
            if u.changes() {
                e.changes += 1;
            }
            e.monthly_saving += u.monthly_saving.unwrap_or(Decimal::ZERO);
        }
        let mut out: Vec<_> = dept.into_values().collect();
        out.sort_by(|x, y| {
            y.monthly_saving
                .cmp(&x.monthly_saving)
                .then(x.name.cmp(&y.name))
        });
        out
    }

    /// Every setting that changes a class or an amount, as text for the method sections of the
    /// HTML and XLSX.
    pub fn settings(&self) -> Vec<Setting> {
        let p = &self.policy;
        let list = |v: &[String]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        let mut out: Vec<(String, String)> = vec![
            ("lookback_days".to_string(), p.lookback_days.to_string()),
            ("grace_days".into(), p.grace_days.to_string()),
            (
                "occasional_days (per 30)".into(),
                p.occasional_days.to_string(),
            ),
            ("premium_features".into(), list(&p.premium_features)),
            ("audit_own_record".into(), p.audit_own_record.clone()),
            ("scope.families".into(), list(&p.scope_families)),
            ("exclude.users".into(), list(&p.exclude_users)),
            ("exclude.patterns".into(), list(&p.exclude_patterns)),
            ("device.user_share".into(), p.device.user_share.to_string()),
            ("device.min_users".into(), p.device.min_users.to_string()),
            (
                "device.max_dominant_share".into(),
                p.device.max_dominant_share.to_string(),
            ),
        ];
        for (class, sku) in &p.targets {
            out.push((
                format!("targets.{class}"),
                format!("{} ({sku})", self.product(sku)),
            ));
        }
        out.push((
            "renewal_date".into(),
            p.renewal_date.map_or("not set".into(), |d| d.to_string()),
        ));
        out.push(("fiscal_year_start".into(), p.fiscal_year_start.clone()));
        let c = &p.contract;
        let pct = |d: Decimal| format!("{}%", (d * Decimal::ONE_HUNDRED).normalize());
        out.push((
            "contract".into(),
            format!(
                "{} term, billed {}; discount {} off list; uplifts: monthly term +{}, annual billed monthly +{}",
                match c.term {
                    crate::contract::Term::Annual => "annual",
                    crate::contract::Term::Monthly => "monthly",
                },
                match c.billing {
                    crate::contract::Billing::Upfront => "upfront",
                    crate::contract::Billing::Monthly => "monthly",
                },
                pct(c.discount),
                pct(c.uplift.monthly_term),
                pct(c.uplift.monthly_billing),
            ),
        ));
        out.into_iter()
            .map(|(name, value)| Setting { name, value })
            .collect()
    }
}

/// One setting of the method section.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub name: String,
    pub value: String,
}

/// One department's users and savings.
#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentRow {
    pub name: String,
    pub users: u64,
    /// Users whose recommended licences differ from their current ones.
    pub changes: u64,
    pub monthly_saving: Decimal,
}

fn trials(a: &Analysis) -> Vec<TrialRow> {
    let people: BTreeMap<&str, &crate::model::User> = a
        .priced
        .iter()
        .map(|p| (p.rec.user.id.as_str(), &p.rec.user))
        .collect();
    a.trials
        .iter()
        .map(|t| {
            let u = people.get(t.user_id.as_str());
            TrialRow {
                class_after_trial: t.would_be,
                display_name: u.map_or(String::new(), |u| u.display_name.clone()),
                monthly_after_trial: t.monthly_when_ended,
                sku_after_trial: t.target.clone(),
                trial_ends: t.ends,
                upn: u.map_or(String::new(), |u| u.upn.clone()),
                user_id: t.user_id.clone(),
            }
        })
        .collect()
}

/// Sum of amounts that are all known, else `None`.
fn all_known(xs: impl IntoIterator<Item = Option<Decimal>>) -> Option<Decimal> {
    xs.into_iter().sum()
}

fn bill(a: &Analysis) -> Bill {
    let twelve = Decimal::from(12);
    let u = &a.usage;
    let c = &a.capacity;
    // Capacity SKUs bought (credit packs, Dataverse add-ons) are on the licence bill too,
    // the same before and after.
    let packs = || {
        a.capacity_packs
            .iter()
            .map(|(id, n)| a.book.monthly(id).map(|p| p * Decimal::from(*n) * twelve))
    };
    let annual_licences_now = all_known(
        a.renewal
            .iter()
            .map(|r| {
                r.monthly_price
                    .map(|p| p * Decimal::from(r.bought.unwrap_or(r.assigned)) * twelve)
            })
            .chain(packs()),
    );
    let annual_licences_after = all_known(
        a.renewal
            .iter()
            .map(|r| {
                r.monthly_price_recommended
                    .map(|p| p * Decimal::from(r.recommended) * twelve)
            })
            .chain(packs()),
    );
    let known = |f: fn(&crate::bill::Pool) -> Option<Decimal>| {
        all_known(c.pools.iter().filter(|p| p.peak.is_some()).map(f)).map(|m| m * twelve)
    };
    let annual_overage_now = known(|p| p.monthly_overage_now);
    let annual_overage_after = known(|p| p.monthly_overage_after);
    let annual_usage = u.annual();
    let total = |lic: Option<Decimal>, over: Option<Decimal>| -> Option<Decimal> {
        Some(lic? + annual_usage.unwrap_or(Decimal::ZERO) + over?)
    };
    let cur = &a.book.currency;
    let n = |d: Decimal| crate::email::grouped(&d.normalize().to_string());
    let pools = c
        .pools
        .iter()
        .map(|p| {
            let peak_month = u
                .capacity
                .iter()
                .find(|x| x.resource == p.resource)
                .and_then(|x| x.peak.map(|pk| pk.month.to_string()));
            let note = match (p.peak, p.overage_after, p.monthly_overage_after) {
                (None, _, _) => format!(
                    "{}: entitlement {} → {} a month; consumption unknown",
                    p.resource,
                    n(p.entitlement_now),
                    n(p.entitlement_after)
                ),
                (Some(peak), Some(over), money) if p.pushed_into_overage() => format!(
                    "{}: pool {} → {} a month; peak use {}: overage {} = {}",
                    p.resource,
                    n(p.entitlement_now),
                    n(p.entitlement_after),
                    n(peak),
                    n(over),
                    money.map_or("price unknown".to_string(), |m| format!(
                        "{cur} {} a month",
                        crate::email::grouped(&crate::money::fmt2(m))
                    )),
                ),
                (Some(peak), _, _) => format!(
                    "{}: pool {} → {} a month; peak use {}",
                    p.resource,
                    n(p.entitlement_now),
                    n(p.entitlement_after),
                    n(peak)
                ),
            };
            PoolRow {
                entitlement_after: p.entitlement_after,
                entitlement_now: p.entitlement_now,
                monthly_overage_after: p.monthly_overage_after,
                monthly_overage_now: p.monthly_overage_now,
                note,
                overage_after: p.overage_after,
                overage_now: p.overage_now,
                peak: p.peak,
                peak_month,
                pushed_into_overage: p.pushed_into_overage(),
                resource: p.resource,
                unit_price: p.unit_price,
            }
        })
        .collect();
    Bill {
        annual_licences_after,
        annual_licences_now,
        annual_overage_after,
        annual_overage_now,
        annual_total_after: total(annual_licences_after, annual_overage_after),
        annual_total_now: total(annual_licences_now, annual_overage_now),
        annual_usage,
        capacity_data: !u.capacity.is_empty(),
        cost_data: u.cost_data,
        lines: u
            .lines
            .iter()
            .map(|l| BillLine {
                annual: l.annual,
                line: l.line.clone(),
                monthly: l.monthly,
                months: l
                    .months
                    .iter()
                    .map(|(m, v)| (m.to_string(), crate::money::fmt2(*v)))
                    .collect(),
                rows: l.rows,
                share_of_bill: match (l.annual, total(annual_licences_now, annual_overage_now)) {
                    (Some(x), Some(t)) if !t.is_zero() => Some((x / t).round_dp_with_strategy(
                        4,
                        rust_decimal::RoundingStrategy::MidpointAwayFromZero,
                    )),
                    _ => None,
                },
            })
            .collect(),
        channels: channel_costs(a),
        net_annual_saving: c.net_annual_saving,
        net_monthly_saving: c.net_monthly_saving,
        notes: u.notes.clone(),
        pools,
        run_rate_months: u.run_rate_months.iter().map(|m| m.to_string()).collect(),
        unmatched_rows: u.unmatched.rows,
        unmatched_total: u.unmatched.total,
    }
}

/// Usage per channel against the window's conversations (section 8: with conversation data,
/// cost per conversation and per agent for each channel).
fn channel_costs(a: &Analysis) -> Vec<ChannelCost> {
    use crate::model::Channel;
    if !a.usage.cost_data {
        return Vec::new();
    }
    let lines_of = |c: Channel| -> &'static [&'static str] {
        match c {
            Channel::Voice => &["voice", "phone-numbers", "recording"],
            Channel::Digital => &["sms", "whatsapp"],
        }
    };
    // Conversations a month over the covered days of the window.
    let months = Decimal::from(a.covered_days.max(1)) / Decimal::new(3044, 2);
    [Channel::Voice, Channel::Digital]
        .into_iter()
        .filter_map(|c| {
            let count = |p: &crate::savings::Priced| match c {
                Channel::Voice => p.rec.voice,
                Channel::Digital => p.rec.digital,
            };
            let conversations: u64 = a.priced.iter().map(count).sum();
            if conversations == 0 {
                return None;
            }
            let agents = a.priced.iter().filter(|p| count(p) > 0).count() as u64;
            let monthly: Option<Decimal> = a
                .usage
                .lines
                .iter()
                .filter(|l| lines_of(c).contains(&l.line.as_str()))
                .map(|l| l.monthly.or(Some(Decimal::ZERO)))
                .sum();
            Some(ChannelCost {
                agents,
                annual_usage: monthly.map(|m| m * Decimal::from(12)),
                channel: c,
                conversations,
                monthly_per_agent: monthly.map(|m| m / Decimal::from(agents)),
                per_conversation: monthly.map(|m| m * months / Decimal::from(conversations)),
            })
        })
        .collect()
}

fn summary_row(s: &crate::savings::SummaryRow) -> SummaryRow {
    SummaryRow {
        annual_saving: s.annual_saving,
        group: match s.group.as_str() {
            "class" => Group::Class,
            "total" => Group::Total,
            _ => Group::Flag,
        },
        monthly_saving: s.monthly_saving,
        name: s.name.clone(),
        users: s.users,
        users_with_unknown_saving: s.unknown,
    }
}

fn renewal_row(r: &crate::savings::RenewalRow) -> RenewalRow {
    RenewalRow {
        annual_saving_at_renewal: r.annual_saving_at_renewal,
        assigned: r.assigned,
        bought: r.bought,
        change: r.change,
        monthly_price: r.monthly_price,
        monthly_price_recommended: r.monthly_price_recommended,
        monthly_saving_at_renewal: r.monthly_saving_at_renewal,
        monthly_saving_shelfware: r.monthly_saving_shelfware,
        monthly_saving_users: r.monthly_saving_users,
        monthly_volume_change: r.monthly_volume_change,
        recommended: r.recommended,
        shelfware: r.shelfware,
        sku: r.sku.clone(),
        tier_note: r.tier_note.clone(),
    }
}

fn user_row(p: &crate::savings::Priced) -> UserRow {
    let r = &p.rec;
    UserRow {
        annual_saving: p.annual_saving(),
        class: r.class,
        confidence: r.confidence,
        cost_centre: r.user.cost_centre.clone(),
        current_monthly: p.current_monthly,
        current_skus: r.current.clone(),
        department: r.user.department.clone(),
        device: r.device.clone(),
        device_share_monthly: p.device_share,
        display_name: r.user.display_name.clone(),
        flags: r.flags.clone(),
        metrics: Metrics {
            active_days: r.active_days,
            active_days_per_30: r.active_per_30,
            digital_conversations: r.digital,
            last_active: r.last_active,
            premium_feature_events: r.premium_events,
            reads: r.reads,
            voice_conversations: r.voice,
            writes: r.writes,
        },
        monthly_saving: p.monthly_saving,
        reasons: r.reasons.clone(),
        recommended_monthly: p.recommended_monthly,
        recommended_skus: r.recommended.clone(),
        required_tier: r.required_tier,
        upn: r.user.upn.clone(),
        user_id: r.user.id.clone(),
    }
}

fn devices(a: &Analysis) -> Vec<DeviceRow> {
    a.devices
        .values()
        .map(|d| DeviceRow {
            device_id: d.id.clone(),
            dominant_share: d
                .dominant_share
                .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
            events: d.events,
            licence: a
                .licences
                .iter()
                .find(|l| l.device == d.id)
                .map(|l| DeviceLicence {
                    monthly: l.monthly,
                    sku: l.sku.clone(),
                    users: l.users.clone(),
                }),
            shared: d.shared,
            users: d
                .users
                .iter()
                .map(|(u, n)| DeviceUser {
                    events: *n,
                    user_id: u.clone(),
                })
                .collect(),
        })
        .collect()
}

fn data_quality(a: &Analysis) -> DataQuality {
    DataQuality {
        files: a
            .folder
            .files
            .iter()
            .map(|f| FileRow {
                covers_from: f.covers_from.clone(),
                covers_to: f.covers_to.clone(),
                file: f.name.clone(),
                format: f.format.clone(),
                ignored: f.ignored.clone(),
                kind: f.kind.map(|k| k.to_string()),
                rows_read: f.rows_read,
                rows_rejected: f.rows_rejected,
                rows_skipped: f.rows_skipped,
                sha256: f.sha256.clone(),
                size: f.size,
            })
            .collect(),
        join: Join {
            activity_users: a.join.activity_users,
            licensed_users: a.join.licensed_users,
            licensed_users_with_activity: a.join.licensed_users_with_activity,
            matched_activity_users: a.join.matched_activity_users,
        },
        other_licences: a.other_licences.clone(),
        out_of_scope_skus: a.out_of_scope.clone(),
        rejected: a
            .rejected
            .iter()
            .map(|r| RejectedRow {
                column: r.column.clone(),
                file: r.file.clone(),
                line: r.line,
                problem: r.problem.clone(),
                row: r.row,
            })
            .collect(),
        rejected_rows: a.rejected_total,
        sources: a
            .coverage
            .iter()
            .map(|c| SourceRow {
                file: c.name.clone(),
                from: c.first_ms.map(iso),
                operation_level: c.operation_level,
                rejected: c.rejected,
                rows: c.rows,
                to: c.last_ms.map(iso),
            })
            .collect(),
        unknown_skus: a.unknown_skus.clone(),
        warnings: a.warnings.clone(),
    }
}

fn policy(a: &Analysis) -> PolicySettings {
    let p = &a.policy;
    let t = &p.targets;
    let targets = [
        ("team-member", &t.team_member),
        ("activity", &t.activity),
        ("full", &t.full),
        ("device", &t.device),
        ("voice-addon", &t.voice_addon),
        ("digital-addon", &t.digital_addon),
        ("channels-addon", &t.channels_addon),
        ("contact-center-digital", &t.contact_center_digital),
        ("contact-center-voice", &t.contact_center_voice),
        ("contact-center-both", &t.contact_center_both),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.clone()))
    .collect();
    PolicySettings {
        audit_own_record: if p.audit_own_from_creator {
            "creator"
        } else {
            "never"
        }
        .into(),
        contract: a.book.contract.clone(),
        default_tier: p.default_tier,
        device: DeviceSettings {
            max_dominant_share: p.device.max_dominant_share,
            min_users: p.device.min_users,
            user_share: p.device.user_share,
        },
        exclude_patterns: p.exclude_patterns.clone(),
        exclude_users: p.exclude_users.clone(),
        fiscal_year_start: format!("{:02}-{:02}", p.fiscal_year_start.0, p.fiscal_year_start.1),
        grace_days: p.grace_days,
        lookback_days: p.lookback_days,
        occasional_days: p.occasional_days,
        origin: p.origin.clone(),
        premium_features: p.premium_features.clone(),
        price_book_origin: a.book.origin.clone(),
        price_book_sha256: super::digest(&a.book.texts),
        prices: a
            .book
            .skus()
            .map(|s| PriceRow {
                as_of: s.as_of.clone(),
                id: s.id.clone(),
                kind: s.kind,
                monthly: s.monthly,
                name: a.book.product_name(&s.id).to_string(),
                seats: a.book.seats(&s.id),
                source: s.source.clone(),
                term: a.book.term(&s.id),
                trial: s.trial,
                unit_monthly: a.book.monthly(&s.id),
            })
            .collect(),
        renewal_date: p.renewal_date,
        rules: p
            .rules
            .iter()
            .map(|r| RuleRow {
                own_record: r.own_record,
                tables: r.tables.clone(),
                tier: r.tier,
            })
            .collect(),
        scope_families: p.families.clone(),
        sha256: super::digest(&p.texts),
        targets,
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Hand-made reports for the unit tests of the readers (diff, email).
    use super::*;

    pub fn report(as_of: &str, currency: &str) -> Report {
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date");
        Report {
            as_of: date(as_of),
            bill: Bill {
                annual_licences_after: None,
                annual_licences_now: None,
                annual_overage_after: None,
                annual_overage_now: None,
                annual_total_after: None,
                annual_total_now: None,
                annual_usage: None,
                capacity_data: false,
                channels: vec![],
                cost_data: false,
                lines: vec![],
                net_annual_saving: None,
                net_monthly_saving: None,
                notes: vec![],
                pools: vec![],
                run_rate_months: vec![],
                unmatched_rows: 0,
                unmatched_total: Decimal::ZERO,
            },
            currency: currency.into(),
            data_quality: DataQuality {
                files: vec![],
                join: Join {
                    activity_users: 0,
                    licensed_users: 0,
                    licensed_users_with_activity: 0,
                    matched_activity_users: 0,
                },
                other_licences: BTreeMap::new(),
                out_of_scope_skus: BTreeMap::new(),
                rejected: vec![],
                rejected_rows: 0,
                sources: vec![],
                unknown_skus: BTreeMap::new(),
                warnings: vec![],
            },
            deployment_model: vec![],
            devices: vec![],
            headline: Headline {
                annual_saving: Decimal::ZERO,
                monthly_saving: Decimal::ZERO,
                realisable: None,
                rejected_rows: 0,
                rejected_users: 0,
                seats_to_reduce: 0,
                users: 0,
                users_with_unknown_saving: 0,
            },
            policy: PolicySettings {
                audit_own_record: "never".into(),
                contract: crate::contract::Contract::default(),
                default_tier: Tier::Full,
                device: DeviceSettings {
                    max_dominant_share: Decimal::new(8, 1),
                    min_users: 3,
                    user_share: Decimal::new(8, 1),
                },
                exclude_patterns: vec![],
                exclude_users: vec![],
                fiscal_year_start: "07-01".into(),
                grace_days: 30,
                lookback_days: 90,
                occasional_days: Decimal::from(4),
                origin: "test".into(),
                premium_features: vec![],
                price_book_origin: "test".into(),
                price_book_sha256: String::new(),
                prices: vec![],
                renewal_date: None,
                rules: vec![],
                scope_families: vec![],
                sha256: String::new(),
                targets: BTreeMap::new(),
            },
            products: BTreeMap::new(),
            pseudonymised: false,
            renewal: vec![],
            scenarios: crate::report::scenario_model::Scenarios {
                containment: vec![],
                file: None,
                model: String::new(),
                notes: vec![],
                rows: vec![],
                sha256: None,
            },
            schema: SCHEMA,
            summary: vec![],
            tool: "rightsize".into(),
            trend: None,
            trials: vec![],
            users: vec![],
            version: "test".into(),
            window: Window {
                covered_days: 91,
                days: 91,
                from: date(as_of) - chrono::Duration::days(90),
                to: date(as_of),
            },
        }
    }

    pub fn user(id: &str, class: Class, flags: &[Flag], annual: Option<&str>) -> UserRow {
        let annual = annual.map(|a| a.parse::<Decimal>().expect("test amount"));
        UserRow {
            annual_saving: annual,
            class,
            confidence: Confidence::High,
            cost_centre: String::new(),
            current_monthly: None,
            current_skus: vec![],
            department: "D".into(),
            device: None,
            device_share_monthly: None,
            display_name: id.into(),
            flags: flags.to_vec(),
            metrics: Metrics {
                active_days: 0,
                active_days_per_30: Decimal::ZERO,
                digital_conversations: 0,
                last_active: None,
                premium_feature_events: 0,
                reads: 0,
                voice_conversations: 0,
                writes: 0,
            },
            monthly_saving: annual.map(|a| a / Decimal::from(12)),
            reasons: vec![format!("{id} is {class}")],
            recommended_monthly: None,
            recommended_skus: vec![],
            required_tier: None,
            upn: format!("{id}@x.com"),
            user_id: id.into(),
        }
    }

    pub fn summary(group: Group, name: &str, users: u64, annual: &str) -> SummaryRow {
        let annual: Decimal = annual.parse().expect("test amount");
        SummaryRow {
            annual_saving: annual,
            group,
            monthly_saving: annual / Decimal::from(12),
            name: name.into(),
            users,
            users_with_unknown_saving: 0,
        }
    }

    pub fn sku(id: &str, bought: u64, recommended: u64, annual: &str) -> RenewalRow {
        RenewalRow {
            annual_saving_at_renewal: Some(annual.parse().expect("test amount")),
            assigned: bought.saturating_sub(1),
            bought: Some(bought),
            change: 0,
            monthly_price: None,
            monthly_price_recommended: None,
            monthly_saving_at_renewal: None,
            monthly_saving_shelfware: None,
            monthly_saving_users: None,
            monthly_volume_change: None,
            recommended,
            shelfware: None,
            sku: id.into(),
            tier_note: None,
        }
    }

    #[test]
    fn a_report_reads_back_as_written() {
        let mut r = report("2026-10-31", "USD");
        r.users.push(user(
            "a",
            Class::Remove,
            &[Flag::Occasional],
            Some("1260.00"),
        ));
        r.renewal.push(sku("ENT", 10, 8, "2520.00"));
        r.summary
            .push(summary(Group::Total, "all users", 1, "1260.00"));
        let back = Report::parse(&r.to_json().expect("json")).expect("parse");
        assert_eq!(back, r);
    }

    #[test]
    fn a_missing_field_is_an_error_not_a_default() {
        let r = report("2026-10-31", "USD");
        let mut v: serde_json::Value =
            serde_json::from_slice(&r.to_json().expect("json")).expect("value");
        v["headline"]
            .as_object_mut()
            .expect("object")
            .remove("seats_to_reduce");
        let err = Report::parse(&serde_json::to_vec(&v).expect("bytes")).expect_err("strict");
        assert!(err.to_string().contains("seats_to_reduce"), "{err:#}");
    }

    #[test]
    fn an_older_layout_is_refused_with_guidance() {
        let err = Report::parse(br#"{"as_of": "2026-07-31", "version": "0.1.0"}"#)
            .expect_err("old layout");
        assert!(format!("{err:#}").contains("analyze"), "{err:#}");
    }
}
