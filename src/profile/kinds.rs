//! One slim schema for every activity source kind. Each builder says how a kind's columns
//! become user id, epoch milliseconds, operation, table, own-record flag, channel, device and
//! premium feature; which rows are activity (`keep`); and which values reject a row.
//!
//! Kinds (headers per the facts file, section 2): canonical events; the Entra ID sign-in log
//! (successful sign-ins to the Dataverse / Dynamics CRM app only); the Dataverse audit table
//! (operation 1 create, 2 update, 3 delete, 4 access, 5 upsert; action 112/113 audit on/off);
//! Omnichannel `msdyn_ocliveworkitem` conversations (channel codes, bots excluded).

use anyhow::{Result, bail};
use polars::prelude::*;

use super::channels::ChannelMap;
use super::prepare::Raw;
use super::udf::*;
use super::*;
use crate::ingest::Kind;
use crate::ingest::timeparse::TimeFormat;

/// What a value the channel map does not know is said to be not.
const NOT_A_CHANNEL: &str =
    "a channel name or code (voice, phone, digital, Live chat, SMS, WhatsApp, 192360000, …)";

/// The Dataverse / Dynamics CRM first-party application id.
pub const DYNAMICS_APP_ID: &str = "00000007-0000-0000-c000-000000000000";

/// One way a row can be rejected.
pub(super) struct Check {
    /// The column named in the message, as written in the header.
    pub column: String,
    /// The raw value shown in the message.
    pub raw: Expr,
    /// Whether the row is bad, over the slim columns, `keep`, and this check's raw value
    /// (given as the argument).
    pub bad: Box<dyn Fn(Expr) -> Expr + Send + Sync>,
    pub message: Box<dyn Fn(&str) -> String + Send + Sync>,
}

/// How a source becomes slim rows.
pub(super) struct SlimSpec {
    /// Aliased expressions for uid, ts, op, tbl, own, chan, dev, prem, obj.
    pub slim: Vec<Expr>,
    pub keep: Expr,
    pub checks: Vec<Check>,
    pub operation_level: bool,
    pub own_from_creator: bool,
    /// Every row stands for one event (no count column), so a sum of weights is a count.
    pub unit: bool,
    /// The codes of the slim user ids.
    pub ids: Arc<Interner>,
    /// The codes of table names and device ids (`Codes`), and the table column's normal
    /// form: the slim rows carry both columns as written, and only the rows that need them
    /// (writes, rows with a device) are coded.
    pub codes: Codes,
}

/// How the text columns of the slim rows become codes in the results that key on them.
#[derive(Clone)]
pub(super) struct Codes {
    pub tables: Arc<Interner>,
    pub devices: Arc<Interner>,
    /// A trimmed, non-empty table value → the table's name (lower-cased; for the audit log,
    /// object type codes as names).
    pub table_name: fn(&str) -> Option<String>,
}

impl Codes {
    fn new(ctx: &SourceContext, table_name: fn(&str) -> Option<String>) -> Codes {
        Codes {
            tables: ctx.tables.clone(),
            devices: ctx.devices.clone(),
            table_name,
        }
    }
}

/// A table value as it is named: lower-cased.
pub(super) fn lower_name(s: &str) -> Option<String> {
    Some(crate::text::lower(s).into_owned())
}

/// A device id as it is: trimmed (the caller trims), never empty.
pub(super) fn device_id(s: &str) -> Option<String> {
    Some(s.to_string())
}

pub(super) fn spec(raw: &Raw, ctx: &SourceContext) -> Result<SlimSpec> {
    match raw.src.kind {
        Kind::Activity => canonical(raw, ctx, false),
        Kind::ActivityDaily => canonical(raw, ctx, true),
        Kind::SignIns => sign_ins(raw, ctx),
        Kind::Audit => audit(raw, ctx),
        Kind::Conversations => conversations(raw, ctx),
        other => bail!("{}: {other} is not an activity source", raw.src.name),
    }
}

/// The user id of a slim row.
enum UserId {
    /// As the export writes it: normalised, mapped through the systemuser table and coded in
    /// one step (`udf_user_code`).
    Raw(Expr),
    /// Already normalised and mapped (text), to be coded.
    Mapped(Expr),
}

/// The slim schema's expressions of one kind, before aliasing. `table` and `dev` are the
/// columns as written (text), made normal only where they are coded (`Codes`).
struct Slim {
    uid: UserId,
    ts: Expr,
    op: Expr,
    table: Expr,
    own: Expr,
    chan: Expr,
    dev: Expr,
    prem: Expr,
    obj: Expr,
    /// Events the row stands for.
    n: Expr,
}

impl Slim {
    fn exprs(self, ctx: &SourceContext) -> Vec<Expr> {
        // Fixed types, so that every kind's frame concatenates with the others; the user id
        // as its pass code (`Interner`), turned back into text in the pass's results.
        vec![
            match self.uid {
                UserId::Raw(e) => udf_user_code(
                    e.cast(DataType::String),
                    ctx.user_map.clone(),
                    ctx.ids.clone(),
                ),
                UserId::Mapped(e) => udf_intern(e.cast(DataType::String), ctx.ids.clone()),
            }
            .alias(c::UID),
            self.ts.cast(DataType::Int64).alias(c::TS),
            self.op.cast(DataType::UInt8).alias(c::OP),
            self.table.cast(DataType::String).alias(c::TABLE),
            self.own.cast(DataType::UInt8).alias(c::OWN),
            self.chan.cast(DataType::UInt8).alias(c::CHAN),
            self.dev.cast(DataType::String).alias(c::DEVICE),
            self.prem.cast(DataType::Boolean).alias(c::PREMIUM),
            self.obj.cast(DataType::String).alias(c::OBJ),
            self.n.cast(DataType::UInt64).alias(c::N),
        ]
    }
}

fn null_text() -> Expr {
    lit(NULL).cast(DataType::String)
}

/// A missing or unparsable timestamp; with `allow_empty`, an empty one is not an error.
fn ts_check(raw: &Raw, i: usize, fmt: Option<TimeFormat>, allow_empty: bool) -> Check {
    let desc = fmt.map_or("ISO 8601", TimeFormat::describe);
    // A typed column's value is always a timestamp: when it is rejected, it is out of range.
    let typed = raw.typed_timestamp(i);
    Check {
        column: raw.header(i),
        raw: raw.timestamp_text(i),
        bad: Box::new(move |raw_value| {
            let missing = col(c::TS).is_null();
            if allow_empty {
                missing.and(raw_value.is_not_null())
            } else {
                missing
            }
        }),
        message: Box::new(move |v| {
            if v.is_empty() {
                "timestamp is empty".to_string()
            } else if typed {
                "timestamp out of range".to_string()
            } else {
                format!("\"{v}\" is not a {desc} timestamp")
            }
        }),
    }
}

/// An empty user id on a row that is activity.
fn uid_check(raw: &Raw, i: usize) -> Check {
    Check {
        column: raw.header(i),
        raw: raw.text(i),
        bad: Box::new(|_| col(c::UID).is_null().and(col("keep"))),
        message: Box::new(|_| "user id is empty".to_string()),
    }
}

/// A value its parser marked `BAD`, in slim column `slim_col`.
fn code_check(
    raw: &Raw,
    i: Option<usize>,
    slim_col: &'static str,
    what: &'static str,
) -> Option<Check> {
    let i = i?;
    Some(Check {
        column: raw.header(i),
        raw: raw.text(i),
        bad: Box::new(move |_| col(slim_col).eq(lit(BAD))),
        message: Box::new(move |v| format!("\"{v}\" is not {what}")),
    })
}

/// Canonical events, or (`daily`) their roll-up per user and day with an `events` count.
fn canonical(raw: &Raw, ctx: &SourceContext, daily: bool) -> Result<SlimSpec> {
    let i_uid = raw.need(&["user_id"])?;
    let i_ts = raw.need(if daily { &["date"] } else { &["timestamp"] })?;
    let i_n = if daily {
        Some(raw.need(&["events"])?)
    } else {
        None
    };
    let i_op = raw.need(&["operation"])?;
    let [i_table, i_own, i_chan, i_dev, i_feat] =
        ["table", "own_record", "channel", "device_id", "feature"].map(|n| raw.find(&[n]));
    let i_table = i_table.or_else(|| raw.find(&["table_name"]));
    let uid = UserId::Raw(raw.text(i_uid));
    let (ts, fmt) = raw.timestamp(i_ts)?;
    let op = udf_code(raw.text(i_op), op_code);
    // A roll-up's own_record follows the rule that made it (`own_record_rule`), which must be
    // the policy's; without the rule its own_record is not trusted (analysis warns).
    let i_rule = if daily {
        own_record_rule(raw, ctx)?
    } else {
        None
    };
    let own = if daily && i_rule.is_none() {
        lit(0u8)
    } else {
        match i_own {
            // A typed flag (Parquet) needs no parsing: true 1, false or missing 0.
            Some(i) if raw.is_boolean(i) => raw.typed(i).fill_null(lit(false)),
            _ => udf_code(raw.opt(i_own), own_code),
        }
    };
    let chan = udf_channel(raw.opt(i_chan), ChannelMap::builtin()?);
    let mut checks = vec![uid_check(raw, i_uid), ts_check(raw, i_ts, fmt, false)];
    checks.extend(code_check(
        raw,
        Some(i_op),
        c::OP,
        "an operation (read, create, update, delete, access)",
    ));
    checks.extend(code_check(raw, i_own, c::OWN, "true or false"));
    checks.extend(code_check(raw, i_chan, c::CHAN, NOT_A_CHANNEL));
    if let Some(i) = i_rule {
        let want = rule_name(ctx.own_from_creator);
        checks.push(Check {
            column: raw.header(i),
            raw: raw.text(i),
            bad: Box::new(move |v| {
                v.str()
                    .strip_chars(lit(NULL))
                    .str()
                    .to_lowercase()
                    .neq_missing(lit(want))
            }),
            message: Box::new(move |v| {
                format!("\"{v}\" is not the policy's audit_own_record (\"{want}\")")
            }),
        });
    }
    let unit = i_n.is_none();
    let n = match i_n {
        Some(i) => {
            checks.push(Check {
                column: raw.header(i),
                raw: raw.text(i),
                bad: Box::new(|_| col(c::N).is_null()),
                message: Box::new(|v| format!("\"{v}\" is not a whole number of events")),
            });
            udf_count(raw.text(i))
        }
        None => lit(1u64),
    };
    Ok(SlimSpec {
        slim: Slim {
            uid,
            ts,
            op,
            table: raw.opt(i_table),
            own,
            chan,
            dev: raw.opt(i_dev),
            prem: udf_premium(raw.opt(i_feat), ctx.premium_features.clone()),
            obj: null_text(),
            n,
        }
        .exprs(ctx),
        keep: lit(true),
        checks,
        operation_level: true,
        own_from_creator: false,
        unit,
        ids: ctx.ids.clone(),
        codes: Codes::new(ctx, lower_name),
    })
}

/// The policy's `audit_own_record` as a roll-up writes it in `own_record_rule`.
fn rule_name(own_from_creator: bool) -> &'static str {
    if own_from_creator { "creator" } else { "never" }
}

/// A roll-up's `own_record_rule` column, checked against the policy: a roll-up made under the
/// other rule counts own records differently, so the run stops (per row, a differing value is
/// rejected).
fn own_record_rule(raw: &Raw, ctx: &SourceContext) -> Result<Option<usize>> {
    let Some(i) = raw.find(&["own_record_rule"]) else {
        return Ok(None);
    };
    let want = rule_name(ctx.own_from_creator);
    let Some(first) = raw.first_value(i)? else {
        return Ok(Some(i));
    };
    let found = first.trim().to_lowercase();
    if found != "creator" && found != "never" {
        bail!(
            "{}: {}: \"{first}\" is not an own-record rule (creator or never)",
            raw.src.name,
            raw.header(i)
        );
    }
    if found != want {
        bail!(
            "{}: {} is \"{found}\", but the policy has audit_own_record = \"{want}\": the \
             roll-up counts own records by another rule than the analysis would. Set \
             audit_own_record = \"{found}\" in policy.toml, or run sql/user_day_rollup.sql \
             again with own_record_rule '{want}' in its settings",
            raw.src.name,
            raw.header(i)
        );
    }
    Ok(Some(i))
}

fn sign_ins(raw: &Raw, ctx: &SourceContext) -> Result<SlimSpec> {
    let i_ts = raw.need(&["date (utc)", "createddatetime"])?;
    let i_id = raw.find(&["user id", "userid"]);
    let i_name = raw.find(&["username", "userprincipalname"]);
    let (i_uid, uid) = match (i_id, i_name) {
        (Some(a), Some(b)) => {
            let by_id = udf_map_id(raw.text(a), ctx.user_map.clone());
            let by_name = udf_map_id(raw.text(b), ctx.user_map.clone());
            (
                a,
                UserId::Mapped(when(by_id.clone().is_null()).then(by_name).otherwise(by_id)),
            )
        }
        (Some(a), None) | (None, Some(a)) => (a, UserId::Raw(raw.text(a))),
        (None, None) => bail!("{}: no `User ID` or `Username` column", raw.src.name),
    };
    let (ts, fmt) = raw.timestamp(i_ts)?;
    let app = |i: Option<usize>| match i {
        Some(i) => udf_code(raw.text(i), app_code).eq(lit(1u8)),
        None => lit(false),
    };
    let dynamics = app(raw.find(&["application id", "appid"]))
        .or(app(raw.find(&["resource id", "resourceid"])));
    let success = match raw.find(&["status"]) {
        Some(i) => udf_code(raw.text(i), status_code).eq(lit(1u8)),
        None => lit(true),
    };
    let keep = dynamics.and(success);
    let checks = vec![ts_check(raw, i_ts, fmt, false), uid_check(raw, i_uid)];
    Ok(SlimSpec {
        slim: Slim {
            uid,
            ts,
            op: lit(OP_ACCESS),
            table: null_text(),
            own: lit(0u8),
            chan: lit(CH_NONE),
            dev: raw.opt(raw.find(&["device id", "deviceid"])),
            prem: lit(false),
            obj: null_text(),
            n: lit(1u64),
        }
        .exprs(ctx),
        keep,
        checks,
        operation_level: false,
        own_from_creator: false,
        unit: true,
        ids: ctx.ids.clone(),
        codes: Codes::new(ctx, lower_name),
    })
}

fn audit(raw: &Raw, ctx: &SourceContext) -> Result<SlimSpec> {
    let i_ts = raw.need(&["createdon"])?;
    let i_op = raw.need(&["operation"])?;
    let i_uid = raw.need(&["_userid_value", "userid"])?;
    let i_table = raw.find(&["objecttypecode"]);
    let i_action = raw.find(&["action"]);
    let i_obj = raw.find(&["_objectid_value", "objectid"]);
    let uid = UserId::Raw(raw.text(i_uid));
    let (ts, fmt) = raw.timestamp(i_ts)?;
    let op = udf_code(raw.text(i_op), audit_op_code);
    let audit_switch = match i_action {
        Some(i) => udf_code(raw.text(i), audit_action_code).eq(lit(SKIP)),
        None => lit(false),
    };
    let keep = op.clone().neq(lit(SKIP)).and(audit_switch.not());
    let mut checks = vec![ts_check(raw, i_ts, fmt, false), uid_check(raw, i_uid)];
    checks.extend(code_check(
        raw,
        Some(i_op),
        c::OP,
        "an audit operation (1 create, 2 update, 3 delete, 4 access, 5 upsert)",
    ));
    Ok(SlimSpec {
        slim: Slim {
            uid,
            ts,
            op,
            table: raw.opt(i_table),
            own: lit(0u8),
            chan: lit(CH_NONE),
            dev: null_text(),
            prem: lit(false),
            obj: udf_map_id(raw.opt(i_obj), Default::default()),
            n: lit(1u64),
        }
        .exprs(ctx),
        keep,
        checks,
        operation_level: true,
        own_from_creator: ctx.own_from_creator,
        unit: true,
        ids: ctx.ids.clone(),
        codes: Codes::new(ctx, table_name),
    })
}

fn conversations(raw: &Raw, ctx: &SourceContext) -> Result<SlimSpec> {
    let i_agent = raw.need(&["_msdyn_activeagentid_value", "msdyn_activeagentid"])?;
    let i_ts = raw.need(&["msdyn_startedon", "msdyn_createdon", "createdon"])?;
    let i_chan = raw.need(&["msdyn_channel"])?;
    let uid = udf_map_id(raw.text(i_agent), ctx.user_map.clone());
    let (ts, fmt) = raw.timestamp(i_ts)?;
    let is_bot = udf_in_set(raw.text(i_agent), ctx.bots.clone());
    let started = raw.text(i_ts).is_not_null();
    // A conversation no agent accepted (`msdyn_isagentaccepted` false: a bot contained it, or
    // an offer was declined) is nobody's conversation work (spec section 9), like one never
    // picked up (no agent or start): valid rows, but nobody's activity.
    let not_accepted = match raw.find(&["msdyn_isagentaccepted"]) {
        Some(i) => {
            let v = raw
                .text(i)
                .str()
                .strip_chars(lit(NULL))
                .str()
                .to_lowercase();
            v.clone()
                .eq(lit("false"))
                .or(v.eq(lit("0")))
                .fill_null(lit(false))
        }
        None => lit(false),
    };
    let keep = uid
        .clone()
        .is_not_null()
        .and(started)
        .and(is_bot.not())
        .and(not_accepted.not());
    let mut checks = vec![ts_check(raw, i_ts, fmt, true)];
    checks.extend(code_check(raw, Some(i_chan), c::CHAN, NOT_A_CHANNEL));
    Ok(SlimSpec {
        slim: Slim {
            uid: UserId::Mapped(uid),
            ts,
            op: lit(OP_CONVERSATION),
            table: null_text(),
            own: lit(0u8),
            chan: udf_channel(raw.text(i_chan), ChannelMap::builtin()?),
            dev: null_text(),
            prem: lit(false),
            obj: null_text(),
            n: lit(1u64),
        }
        .exprs(ctx),
        keep,
        checks,
        operation_level: false,
        own_from_creator: false,
        unit: true,
        ids: ctx.ids.clone(),
        codes: Codes::new(ctx, lower_name),
    })
}

/// 1 when the value is the Dynamics app id.
fn app_code(v: Option<&str>) -> u8 {
    u8::from(v.is_some_and(|s| s.eq_ignore_ascii_case(DYNAMICS_APP_ID)))
}

/// 1 for a successful sign-in.
fn status_code(v: Option<&str>) -> u8 {
    u8::from(v.is_some_and(|s| s.eq_ignore_ascii_case("success")))
}

/// Dataverse audit `operation` (code or label) → slim operation.
pub(super) fn audit_op_code(v: Option<&str>) -> u8 {
    let Some(s) = v else { return BAD };
    match s.to_ascii_lowercase().as_str() {
        "1" | "create" => OP_CREATE,
        "2" | "update" | "5" | "upsert" => OP_UPDATE,
        "3" | "delete" => OP_DELETE,
        "4" | "access" => OP_ACCESS,
        other if other.parse::<u32>().is_ok() => SKIP,
        "archive" | "retain" | "unretain" | "restore" => SKIP,
        _ => BAD,
    }
}

/// Audit `action` 112/113 (auditing started/stopped) are not user activity.
fn audit_action_code(v: Option<&str>) -> u8 {
    match v {
        Some("112" | "113") => SKIP,
        _ => 0,
    }
}

/// Dataverse object type codes of the tables the rules name; names pass through lower-cased.
pub(super) fn table_name(v: &str) -> Option<String> {
    let name = match v {
        "1" => "account",
        "2" => "contact",
        "5" => "annotation",
        "112" => "incident",
        "132" => "announcement",
        "4200" => "activitypointer",
        "4201" => "appointment",
        "4202" => "email",
        "4204" => "fax",
        "4207" => "letter",
        "4210" => "phonecall",
        "4212" => "task",
        "8181" => "routingrule",
        "9700" => "entitlement",
        "9750" => "sla",
        "9953" => "knowledgearticle",
        other if other.parse::<u32>().is_ok() => return Some(format!("objecttypecode {other}")),
        other => return Some(other.to_lowercase()),
    };
    Some(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_operations() {
        let cases = [
            ("1", OP_CREATE),
            ("Update", OP_UPDATE),
            ("5", OP_UPDATE),
            ("3", OP_DELETE),
            ("4", OP_ACCESS),
            ("115", SKIP),
            ("frobnicate", BAD),
        ];
        for (v, want) in cases {
            assert_eq!(audit_op_code(Some(v)), want, "{v}");
        }
    }

    #[test]
    fn table_codes() {
        assert_eq!(table_name("112").as_deref(), Some("incident"));
        assert_eq!(table_name("9953").as_deref(), Some("knowledgearticle"));
        assert_eq!(table_name("Incident").as_deref(), Some("incident"));
        assert_eq!(table_name("10234").as_deref(), Some("objecttypecode 10234"));
    }
}
