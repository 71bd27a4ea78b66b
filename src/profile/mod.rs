//! The one heavy stage: activity sources → one `Profile` per user, with Polars lazy queries on
//! the streaming engine. Each source kind (canonical events, Entra sign-ins, Dataverse audit,
//! Omnichannel conversations) is normalised by `kinds` to one slim schema; `prepare` checks it
//! once (coverage, rejected rows with their lines); `aggregate` computes the window's profiles
//! per user, per (user, table) for writes and per (device, user).

mod kinds;
mod locate;
mod prepare;
mod udf;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::{Result, anyhow};
use polars::prelude::*;

use crate::model::{Profile, TableWrites};

pub use prepare::prepare;
pub use udf::normalise_id;
use udf::udf_div;

/// How many rejected rows per file are kept with their details (all are counted).
pub const MAX_REJECTS_KEPT: usize = 10_000;

const MS_PER_DAY: i64 = 86_400_000;

/// Operation codes of the slim schema.
const OP_READ: u8 = 1;
const OP_CREATE: u8 = 2;
const OP_UPDATE: u8 = 3;
const OP_DELETE: u8 = 4;
const OP_ACCESS: u8 = 5;
/// A conversation (presence, and a channel), not a table operation.
const OP_CONVERSATION: u8 = 6;
/// A valid value that is not activity (e.g. an audit "archive" operation).
const SKIP: u8 = 254;
const BAD: u8 = 255;

/// Channel codes of the slim schema.
const CH_NONE: u8 = 0;
const CH_VOICE: u8 = 1;
const CH_DIGITAL: u8 = 2;

/// What every source needs to know that comes from other inputs or the policy.
#[derive(Clone, Default)]
pub struct SourceContext {
    pub premium_features: Arc<Vec<String>>,
    /// Dataverse systemuser id → Entra object id (from a systemuser export), normalised.
    pub user_map: Arc<HashMap<String, String>>,
    /// Dataverse systemuser ids of bots (excluded from conversations).
    pub bots: Arc<HashSet<String>>,
    /// Audit writes to a record the same user created (in the data) count as own records.
    pub own_from_creator: bool,
}

/// What one activity source covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub source: usize,
    pub name: String,
    pub rows: u64,
    pub rejected: u64,
    /// Valid rows that are not activity (failed sign-ins, other apps, unassigned conversations…).
    pub skipped: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    /// Whether the source says what users did (create/update/delete), not only presence.
    pub operation_level: bool,
    /// Distinct user ids of the source's activity rows (normalised), for the join check.
    pub user_ids: Vec<String>,
}

/// A source normalised to the slim schema, ready to aggregate.
pub struct Prepared {
    pub coverage: Coverage,
    frame: LazyFrame,
    /// How to re-read a CSV source to locate an error Polars reports by byte offset.
    shape: Option<CsvShape>,
}

/// What the error locator needs of a CSV source.
#[derive(Debug, Clone)]
struct CsvShape {
    name: String,
    path: std::path::PathBuf,
    delimiter: u8,
    width: usize,
}

/// Per-device, per-user event counts in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceUse {
    pub device: String,
    pub user: String,
    pub events: u64,
}

/// The activity of the window.
#[derive(Debug, Default)]
pub struct Activity {
    /// Keyed by the activity sources' user id.
    pub profiles: HashMap<String, Profile>,
    pub devices: Vec<DeviceUse>,
}

/// The slim schema's columns.
mod c {
    pub const UID: &str = "uid";
    pub const TS: &str = "ts";
    pub const OP: &str = "op";
    pub const TABLE: &str = "tbl";
    pub const OWN: &str = "own";
    pub const CHAN: &str = "chan";
    pub const DEVICE: &str = "dev";
    pub const PREMIUM: &str = "prem";
    pub const OBJ: &str = "obj";
    pub const ROW: &str = "row_nr";
}

/// Pass 2: aggregates every prepared source over the window `[from_ms, to_ms]` (inclusive).
pub fn aggregate(prepared: &[Prepared], from_ms: i64, to_ms: i64) -> Result<Activity> {
    if prepared.is_empty() {
        return Ok(Activity::default());
    }
    let frames: Vec<LazyFrame> = prepared.iter().map(|p| p.frame.clone()).collect();
    let events = concat(frames, UnionArgs::default())?.filter(
        col(c::TS)
            .gt_eq(lit(from_ms))
            .and(col(c::TS).lt_eq(lit(to_ms))),
    );
    let is_write = col(c::OP)
        .eq(lit(OP_CREATE))
        .or(col(c::OP).eq(lit(OP_UPDATE)))
        .or(col(c::OP).eq(lit(OP_DELETE)));
    let count = |e: Expr| e.sum().cast(DataType::UInt64);
    let per_user = events.clone().group_by([col(c::UID)]).agg([
        len().cast(DataType::UInt64).alias("events"),
        col(c::TS).min().alias("first"),
        col(c::TS).max().alias("last"),
        udf_div(col(c::TS), MS_PER_DAY)
            .n_unique()
            .cast(DataType::UInt32)
            .alias("days"),
        count(col(c::OP).eq(lit(OP_READ))).alias("reads"),
        count(is_write.clone()).alias("writes"),
        count(col(c::CHAN).eq(lit(CH_VOICE))).alias("voice"),
        count(col(c::CHAN).eq(lit(CH_DIGITAL))).alias("digital"),
        count(col(c::PREMIUM)).alias("premium"),
    ]);
    let writes = events
        .clone()
        .filter(is_write)
        .group_by([col(c::UID), col(c::TABLE), col(c::OWN)])
        .agg([len().cast(DataType::UInt64).alias("n")]);
    let devices = events
        .filter(col(c::DEVICE).is_not_null())
        .group_by([col(c::DEVICE), col(c::UID)])
        .agg([len().cast(DataType::UInt64).alias("n")]);
    let out = LazyFrame::collect_all_with_engine(
        vec![
            per_user.logical_plan,
            writes.logical_plan,
            devices.logical_plan,
        ],
        Engine::Streaming,
        OptFlags::default(),
    )
    .map_err(|e| {
        // Polars names a byte offset at best: find the file and line with the csv crate.
        let located = prepared
            .iter()
            .filter_map(|p| p.shape.as_ref())
            .find_map(locate::locate_in_csv);
        match located {
            Some(msg) => anyhow!(msg),
            None => anyhow!("aggregating activity: {e}"),
        }
    })?;
    let (per_user, writes, devices) = (&out[0], &out[1], &out[2]);

    let mut profiles: HashMap<String, Profile> = HashMap::with_capacity(per_user.height());
    {
        let uid = per_user.column(c::UID)?.str()?;
        let u = |n: &str| -> Result<&UInt64Chunked> { Ok(per_user.column(n)?.u64()?) };
        let (events, reads, wr, voice, digital, prem) = (
            u("events")?,
            u("reads")?,
            u("writes")?,
            u("voice")?,
            u("digital")?,
            u("premium")?,
        );
        let first = per_user.column("first")?.i64()?;
        let last = per_user.column("last")?.i64()?;
        let days = per_user.column("days")?.u32()?;
        for i in 0..per_user.height() {
            let Some(id) = uid.get(i) else { continue };
            profiles.insert(
                id.to_string(),
                Profile {
                    events: events.get(i).unwrap_or(0),
                    first_ms: first.get(i),
                    last_ms: last.get(i),
                    active_days: days.get(i).unwrap_or(0),
                    reads: reads.get(i).unwrap_or(0),
                    writes: wr.get(i).unwrap_or(0),
                    voice: voice.get(i).unwrap_or(0),
                    digital: digital.get(i).unwrap_or(0),
                    premium_events: prem.get(i).unwrap_or(0),
                    write_tables: Vec::new(),
                    devices: Vec::new(),
                },
            );
        }
    }
    {
        let uid = writes.column(c::UID)?.str()?;
        let table = writes.column(c::TABLE)?.str()?;
        let own = writes.column(c::OWN)?.u8()?;
        let n = writes.column("n")?.u64()?;
        for i in 0..writes.height() {
            let (Some(id), Some(p)) = (uid.get(i), uid.get(i).and_then(|id| profiles.get(id)))
            else {
                continue;
            };
            let _ = p;
            if let Some(p) = profiles.get_mut(id) {
                p.write_tables.push(TableWrites {
                    table: table.get(i).unwrap_or("").to_string(),
                    own_record: own.get(i) == Some(1),
                    count: n.get(i).unwrap_or(0),
                });
            }
        }
    }
    let mut device_use = Vec::with_capacity(devices.height());
    {
        let dev = devices.column(c::DEVICE)?.str()?;
        let uid = devices.column(c::UID)?.str()?;
        let n = devices.column("n")?.u64()?;
        for i in 0..devices.height() {
            let (Some(d), Some(u)) = (dev.get(i), uid.get(i)) else {
                continue;
            };
            let events = n.get(i).unwrap_or(0);
            if let Some(p) = profiles.get_mut(u) {
                p.devices.push((d.to_string(), events));
            }
            device_use.push(DeviceUse {
                device: d.to_string(),
                user: u.to_string(),
                events,
            });
        }
    }
    for p in profiles.values_mut() {
        p.write_tables.sort();
        // Merge rows that differ only in a table name's case or an own flag of `None`.
        p.write_tables.dedup_by(|a, b| {
            if a.table == b.table && a.own_record == b.own_record {
                b.count += a.count;
                true
            } else {
                false
            }
        });
        p.devices.sort();
    }
    device_use.sort_by(|a, b| (&a.device, &a.user).cmp(&(&b.device, &b.user)));
    Ok(Activity {
        profiles,
        devices: device_use,
    })
}
