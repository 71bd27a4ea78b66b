//! The typed vocabulary shared by every stage: users, profiles, tiers, classes, flags and
//! confidence. Nothing here touches files, Polars or clocks.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

/// A conversation channel a licence can grant and an agent can use.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Voice,
    Digital,
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Channel::Voice => "voice",
            Channel::Digital => "digital",
        })
    }
}

/// The licence tier a user's own operations require, lowest first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    TeamMember,
    Activity,
    Full,
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tier::TeamMember => "team-member",
            Tier::Activity => "activity",
            Tier::Full => "full",
        })
    }
}

/// The class a licensed user lands in (spec section 3, first match wins).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    Keep,
    Remove,
    Device,
    /// Conversation work without case work: the standalone Contact Center SKU (spec section 6).
    ContactCenter,
    TeamMember,
    Activity,
    Full,
}

impl Class {
    pub const ALL: [Class; 7] = [
        Class::Full,
        Class::ContactCenter,
        Class::Activity,
        Class::TeamMember,
        Class::Device,
        Class::Remove,
        Class::Keep,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Keep => "keep",
            Class::Remove => "remove",
            Class::Device => "device",
            Class::ContactCenter => "contact-center",
            Class::TeamMember => "team-member",
            Class::Activity => "activity",
            Class::Full => "full",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Seat checks and review markers attached to a recommendation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Flag {
    /// Holds Premium where Enterprise with the needed channel add-ons costs less.
    PremiumUnused,
    /// Holds channel add-ons other than the needed set for the channels used.
    AddonUnused,
    /// A full user active on fewer days than `occasional_days` per 30: listed for review.
    Occasional,
    /// The user's operations need more than the licence held: a compliance risk, not a saving.
    UnderLicensed,
    /// The licence comes from a group: it is changed in the group, not on the user.
    GroupAssigned,
}

impl Flag {
    pub const ALL: [Flag; 5] = [
        Flag::PremiumUnused,
        Flag::AddonUnused,
        Flag::Occasional,
        Flag::UnderLicensed,
        Flag::GroupAssigned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Flag::PremiumUnused => "premium-unused",
            Flag::AddonUnused => "addon-unused",
            Flag::Occasional => "occasional",
            Flag::UnderLicensed => "under-licensed",
            Flag::GroupAssigned => "group-assigned",
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure a recommendation is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    /// One step lower, never below `Low`.
    pub fn lower(self) -> Confidence {
        match self {
            Confidence::High => Confidence::Medium,
            _ => Confidence::Low,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One in-scope licence a user holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Holding {
    /// Price-book id (String ID / SkuPartNumber).
    pub sku: String,
    /// Group the licence is inherited from, when assigned by group.
    pub assigned_by_group: Option<String>,
}

/// A licensed user as the assignment exports describe them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    pub upn: String,
    pub display_name: String,
    pub department: String,
    pub cost_centre: String,
    /// `Some(false)` when the account is disabled or sign-in is blocked.
    pub account_enabled: Option<bool>,
    pub created: Option<NaiveDate>,
    /// In-scope licences, sorted by SKU id.
    pub holdings: Vec<Holding>,
}

/// Write counts for one table, as the tier rules see them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TableWrites {
    pub table: String,
    /// Whether the writes were to the user's own record (employee self-service).
    pub own_record: bool,
    pub count: u64,
}

/// Everything the activity sources say about one user inside the analysis window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub events: u64,
    /// Milliseconds since the Unix epoch, UTC.
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    pub active_days: u32,
    pub reads: u64,
    pub writes: u64,
    pub voice: u64,
    pub digital: u64,
    pub premium_events: u64,
    /// Writes per table, sorted.
    pub write_tables: Vec<TableWrites>,
    /// Events per device id, sorted by device id.
    pub devices: Vec<(String, u64)>,
    /// Rows of the activity files with this user id, in and out of the window, and how many
    /// of them were rejected (a rejected row's events are missing from the counts above).
    pub activity_rows: u64,
    pub rejected_rows: u64,
}

impl Profile {
    pub fn conversations(&self) -> u64 {
        self.voice + self.digital
    }
}

/// Milliseconds since the epoch → the UTC calendar date.
pub fn ms_to_date(ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.date_naive())
        .unwrap_or(NaiveDate::MIN)
}

/// Days since the epoch of a date (for window arithmetic on day numbers).
pub fn date_to_day(d: NaiveDate) -> i64 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("1970-01-01 is a valid date")).num_days()
}
