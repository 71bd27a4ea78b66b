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
    /// Every in-scope licence held is a trial: kept at no cost, listed with the cost when the
    /// trial ends.
    Trial,
}

impl Flag {
    pub const ALL: [Flag; 6] = [
        Flag::PremiumUnused,
        Flag::AddonUnused,
        Flag::Occasional,
        Flag::UnderLicensed,
        Flag::GroupAssigned,
        Flag::Trial,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Flag::PremiumUnused => "premium-unused",
            Flag::AddonUnused => "addon-unused",
            Flag::Occasional => "occasional",
            Flag::UnderLicensed => "under-licensed",
            Flag::GroupAssigned => "group-assigned",
            Flag::Trial => "trial",
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Dataverse `systemuser.accessmode` (licensing-facts 2.5): the number 0–5 or its label.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum AccessMode {
    ReadWrite,
    Administrative,
    Read,
    SupportUser,
    NonInteractive,
    DelegatedAdmin,
}

impl AccessMode {
    pub const ALL: [AccessMode; 6] = [
        AccessMode::ReadWrite,
        AccessMode::Administrative,
        AccessMode::Read,
        AccessMode::SupportUser,
        AccessMode::NonInteractive,
        AccessMode::DelegatedAdmin,
    ];

    /// The number Dataverse stores.
    pub fn code(self) -> u8 {
        match self {
            AccessMode::ReadWrite => 0,
            AccessMode::Administrative => 1,
            AccessMode::Read => 2,
            AccessMode::SupportUser => 3,
            AccessMode::NonInteractive => 4,
            AccessMode::DelegatedAdmin => 5,
        }
    }

    /// The label Dataverse shows.
    pub fn label(self) -> &'static str {
        match self {
            AccessMode::ReadWrite => "Read-Write",
            AccessMode::Administrative => "Administrative",
            AccessMode::Read => "Read",
            AccessMode::SupportUser => "Support User",
            AccessMode::NonInteractive => "Non-interactive",
            AccessMode::DelegatedAdmin => "Delegated Admin",
        }
    }

    pub fn from_code(n: i64) -> Option<AccessMode> {
        AccessMode::ALL
            .into_iter()
            .find(|m| i64::from(m.code()) == n)
    }

    /// The number or the label, case-insensitive, with spaces, `-` and `_` ignored in labels
    /// ("Non-interactive", "non interactive", "NonInteractive").
    pub fn parse(s: &str) -> Option<AccessMode> {
        let t = s.trim();
        if let Ok(n) = t.parse::<i64>() {
            return AccessMode::from_code(n);
        }
        let fold = |x: &str| -> String {
            x.chars()
                .filter(|c| !matches!(c, ' ' | '-' | '_'))
                .flat_map(char::to_lowercase)
                .collect()
        };
        let want = fold(t);
        AccessMode::ALL
            .into_iter()
            .find(|m| !want.is_empty() && fold(m.label()) == want)
    }
}

impl fmt::Display for AccessMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
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
    /// The Dataverse access mode of each systemuser row mapped to this user (one per
    /// environment); `None` for a row whose mode is missing or unreadable. Empty without a
    /// systemuser export carrying `accessmode`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub access_modes: Vec<Option<AccessMode>>,
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

/// A pooled capacity a licence entitles the tenant to, and the tenant consumes (PRODUCT.md
/// section 8): a monthly allowance (credits, minutes, routes) or storage in GB (compared with
/// the GB in use at month end).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Resource {
    CopilotCredits,
    IvrMinutes,
    CallIntelligenceMinutes,
    RecordRoutes,
    DataverseDatabaseGb,
    DataverseFileGb,
    DataverseLogGb,
}

impl Resource {
    pub const ALL: [Resource; 7] = [
        Resource::CopilotCredits,
        Resource::IvrMinutes,
        Resource::CallIntelligenceMinutes,
        Resource::RecordRoutes,
        Resource::DataverseDatabaseGb,
        Resource::DataverseFileGb,
        Resource::DataverseLogGb,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resource::CopilotCredits => "copilot-credits",
            Resource::IvrMinutes => "ivr-minutes",
            Resource::CallIntelligenceMinutes => "call-intelligence-minutes",
            Resource::RecordRoutes => "record-routes",
            Resource::DataverseDatabaseGb => "dataverse-database-gb",
            Resource::DataverseFileGb => "dataverse-file-gb",
            Resource::DataverseLogGb => "dataverse-log-gb",
        }
    }

    /// The resource a name stands for (case-insensitive), else `None`.
    pub fn parse(name: &str) -> Option<Resource> {
        let n = name.trim();
        Resource::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(n))
    }

    /// Storage is compared with the GB in use at month end; the others are monthly allowances.
    pub fn is_storage(self) -> bool {
        matches!(
            self,
            Resource::DataverseDatabaseGb | Resource::DataverseFileGb | Resource::DataverseLogGb
        )
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_modes_parse_from_number_or_label() {
        let cases = [
            ("0", Some(AccessMode::ReadWrite)),
            ("1", Some(AccessMode::Administrative)),
            (" 4 ", Some(AccessMode::NonInteractive)),
            ("5", Some(AccessMode::DelegatedAdmin)),
            ("Read-Write", Some(AccessMode::ReadWrite)),
            ("administrative", Some(AccessMode::Administrative)),
            ("READ", Some(AccessMode::Read)),
            ("Support User", Some(AccessMode::SupportUser)),
            ("Non-interactive", Some(AccessMode::NonInteractive)),
            ("non interactive", Some(AccessMode::NonInteractive)),
            ("delegated_admin", Some(AccessMode::DelegatedAdmin)),
            ("6", None),
            ("-1", None),
            ("admin", None),
            ("", None),
            ("1.0", None),
        ];
        for (text, want) in cases {
            assert_eq!(AccessMode::parse(text), want, "{text:?}");
        }
        for f in Flag::ALL {
            let json = serde_json::to_string(&f).expect("json");
            assert_eq!(
                json,
                format!("\"{}\"", f.as_str()),
                "serde and as_str agree"
            );
        }
        for m in AccessMode::ALL {
            assert_eq!(AccessMode::parse(m.label()), Some(m), "{m}");
            assert_eq!(AccessMode::from_code(i64::from(m.code())), Some(m), "{m}");
        }
    }
}
