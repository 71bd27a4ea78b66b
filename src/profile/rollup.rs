//! Events → one row per user and day (with the counts the profile needs), per user, day, table
//! and own flag for writes, and per device, user and day. The roll-up is computed in the same
//! streaming pass that checks the source, so memory follows users × days, not events; the
//! window is applied to the roll-up afterwards, which is also what lets a pre-aggregated
//! `activity-daily` input (from the SQL in `sql/`) take the same path.

use std::collections::HashMap;

use anyhow::{Result, anyhow};
use polars::prelude::*;

use super::udf::udf_div;
use super::*;

/// Roll-up frames of one source.
pub(super) struct Rollup {
    /// uid, day, events, first, last, reads, writes, voice, digital, premium
    pub days: DataFrame,
    /// uid, day, tbl, own, n
    pub writes: DataFrame,
    /// dev, uid, day, n
    pub devices: DataFrame,
}

/// The lazy roll-up plans over a source's slim frame.
pub(super) struct Plans {
    pub days: LazyFrame,
    pub writes: LazyFrame,
    pub devices: LazyFrame,
}

fn is_write() -> Expr {
    col(c::OP)
        .eq(lit(OP_CREATE))
        .or(col(c::OP).eq(lit(OP_UPDATE)))
        .or(col(c::OP).eq(lit(OP_DELETE)))
}

/// Sum of the weight over the rows where `cond` holds.
fn weighted(cond: Expr) -> Expr {
    when(cond)
        .then(col(c::N))
        .otherwise(lit(0u64))
        .sum()
        .cast(DataType::UInt64)
}

pub(super) fn plans(frame: LazyFrame) -> Plans {
    let frame = frame.with_column(
        udf_div(col(c::TS), MS_PER_DAY)
            .cast(DataType::Int32)
            .alias(c::DAY),
    );
    let days = frame.clone().group_by([col(c::UID), col(c::DAY)]).agg([
        col(c::N).sum().cast(DataType::UInt64).alias("events"),
        col(c::TS).min().alias("first"),
        col(c::TS).max().alias("last"),
        weighted(col(c::OP).eq(lit(OP_READ))).alias("reads"),
        weighted(is_write()).alias("writes"),
        weighted(col(c::CHAN).eq(lit(CH_VOICE))).alias("voice"),
        weighted(col(c::CHAN).eq(lit(CH_DIGITAL))).alias("digital"),
        weighted(col(c::PREMIUM)).alias("premium"),
    ]);
    let writes = frame
        .clone()
        .filter(is_write())
        .group_by([col(c::UID), col(c::DAY), col(c::TABLE), col(c::OWN)])
        .agg([col(c::N).sum().cast(DataType::UInt64).alias("n")]);
    let devices = frame
        .filter(col(c::DEVICE).is_not_null())
        .group_by([col(c::DEVICE), col(c::UID), col(c::DAY)])
        .agg([col(c::N).sum().cast(DataType::UInt64).alias("n")]);
    Plans {
        days,
        writes,
        devices,
    }
}

fn stack(frames: Vec<DataFrame>) -> Result<LazyFrame> {
    let lazies: Vec<LazyFrame> = frames.into_iter().map(DataFrame::lazy).collect();
    Ok(concat(lazies, UnionArgs::default())?)
}

/// Profiles of the window `[from_day, to_day]` (days since the epoch, inclusive) from every
/// source's roll-up.
pub fn aggregate(prepared: &[Prepared], from_day: i64, to_day: i64) -> Result<Activity> {
    if prepared.is_empty() {
        return Ok(Activity::default());
    }
    let in_window = || {
        col(c::DAY)
            .gt_eq(lit(from_day as i32))
            .and(col(c::DAY).lt_eq(lit(to_day as i32)))
    };
    let sum = |n: &str| col(n).sum().cast(DataType::UInt64).alias(n);
    let per_user = stack(prepared.iter().map(|p| p.rollup.days.clone()).collect())?
        .filter(in_window())
        .group_by([col(c::UID)])
        .agg([
            sum("events"),
            col("first").min(),
            col("last").max(),
            col(c::DAY).n_unique().cast(DataType::UInt32).alias("days"),
            sum("reads"),
            sum("writes"),
            sum("voice"),
            sum("digital"),
            sum("premium"),
        ]);
    let writes = stack(prepared.iter().map(|p| p.rollup.writes.clone()).collect())?
        .filter(in_window())
        .group_by([col(c::UID), col(c::TABLE), col(c::OWN)])
        .agg([sum("n")]);
    let devices = stack(prepared.iter().map(|p| p.rollup.devices.clone()).collect())?
        .filter(in_window())
        .group_by([col(c::DEVICE), col(c::UID)])
        .agg([sum("n")]);
    let out = LazyFrame::collect_all_with_engine(
        vec![
            per_user.logical_plan,
            writes.logical_plan,
            devices.logical_plan,
        ],
        Engine::InMemory,
        OptFlags::default(),
    )
    .map_err(|e| anyhow!("aggregating activity: {e}"))?;
    let (per_user, writes, devices) = (&out[0], &out[1], &out[2]);
    profiles_from(per_user, writes, devices)
}

fn profiles_from(
    per_user: &DataFrame,
    writes: &DataFrame,
    devices: &DataFrame,
) -> Result<Activity> {
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
