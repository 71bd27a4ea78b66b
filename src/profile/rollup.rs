//! Executes every activity source in one streaming pass: per source its stats (rows, rejected,
//! skipped, dates covered) and its user ids; over all sources together, restricted to the
//! window, one row per user (events, first and last, distinct active days, reads, writes,
//! conversations, premium use), per user and table for writes, and per device and user. The
//! outputs grow with users and devices, not with events. The latest timestamp, which fixes the
//! default window, comes from a lighter pass that reads only the timestamp column.

use std::collections::HashMap;

use anyhow::{Result, anyhow};
use polars::prelude::*;

use super::locate::locate_in_csv;
use super::prepare::{locate_rejects, stats_plan};
use super::udf::udf_div;
use super::*;
use crate::ingest::{Rejected, Source};

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

/// Maps a Polars failure to the first located CSV problem among the sources, if any.
fn located(prepared: &[Prepared], e: PolarsError) -> anyhow::Error {
    match prepared
        .iter()
        .filter_map(|p| p.shape.as_ref())
        .find_map(locate_in_csv)
    {
        Some(msg) => anyhow!(msg),
        None => anyhow!("reading activity: {e}"),
    }
}

/// The latest activity timestamp over every source (reads only the timestamp columns).
pub fn latest(prepared: &[Prepared]) -> Result<Option<i64>> {
    let plans: Vec<DslPlan> = prepared
        .iter()
        .map(|p| {
            p.checked
                .clone()
                .select([col(c::TS).max().alias("last")])
                .logical_plan
        })
        .collect();
    if plans.is_empty() {
        return Ok(None);
    }
    let out = LazyFrame::collect_all_with_engine(plans, Engine::Streaming, OptFlags::default())
        .map_err(|e| located(prepared, e))?;
    let mut max = None;
    for df in &out {
        if let Some(v) = df.column("last")?.i64()?.get(0) {
            max = max.max(Some(v));
        }
    }
    Ok(max)
}

/// One pass over every source: coverage per source and the profiles of the window
/// `[from_day, to_day]` (days since the epoch, inclusive).
pub fn run(
    sources: &[&Source],
    prepared: &[Prepared],
    from_day: i64,
    to_day: i64,
    rejected: &mut Vec<Rejected>,
) -> Result<(Vec<Coverage>, Activity)> {
    if prepared.is_empty() {
        return Ok((Vec::new(), Activity::default()));
    }
    let from_ms = from_day * MS_PER_DAY;
    let to_ms = (to_day + 1) * MS_PER_DAY - 1;
    let mut plans: Vec<DslPlan> = Vec::new();
    for p in prepared {
        plans.push(stats_plan(p.checked.clone()).logical_plan);
        plans.push(
            p.frame
                .clone()
                .select([col(c::UID)])
                .unique(None, UniqueKeepStrategy::Any)
                .logical_plan,
        );
    }
    let frames: Vec<LazyFrame> = prepared.iter().map(|p| p.frame.clone()).collect();
    let events = concat(frames, UnionArgs::default())?.filter(
        col(c::TS)
            .gt_eq(lit(from_ms))
            .and(col(c::TS).lt_eq(lit(to_ms))),
    );
    let per_user = events.clone().group_by([col(c::UID)]).agg([
        col(c::N).sum().cast(DataType::UInt64).alias("events"),
        col(c::TS).min().alias("first"),
        col(c::TS).max().alias("last"),
        udf_div(col(c::TS), MS_PER_DAY)
            .n_unique()
            .cast(DataType::UInt32)
            .alias("days"),
        weighted(col(c::OP).eq(lit(OP_READ))).alias("reads"),
        weighted(is_write()).alias("writes"),
        weighted(col(c::CHAN).eq(lit(CH_VOICE))).alias("voice"),
        weighted(col(c::CHAN).eq(lit(CH_DIGITAL))).alias("digital"),
        weighted(col(c::PREMIUM)).alias("premium"),
    ]);
    let writes = events
        .clone()
        .filter(is_write())
        .group_by([col(c::UID), col(c::TABLE), col(c::OWN)])
        .agg([col(c::N).sum().cast(DataType::UInt64).alias("n")]);
    let devices = events
        .filter(col(c::DEVICE).is_not_null())
        .group_by([col(c::DEVICE), col(c::UID)])
        .agg([col(c::N).sum().cast(DataType::UInt64).alias("n")]);
    plans.extend([
        per_user.logical_plan,
        writes.logical_plan,
        devices.logical_plan,
    ]);
    let out = LazyFrame::collect_all_with_engine(plans, Engine::Streaming, OptFlags::default())
        .map_err(|e| located(prepared, e))?;

    let mut coverage = Vec::with_capacity(prepared.len());
    for (k, p) in prepared.iter().enumerate() {
        let (stats, ids) = (&out[2 * k], &out[2 * k + 1]);
        let get_u64 =
            |name: &str| -> Result<u64> { Ok(stats.column(name)?.u64()?.get(0).unwrap_or(0)) };
        let get_i64 = |name: &str| -> Result<Option<i64>> { Ok(stats.column(name)?.i64()?.get(0)) };
        let mut user_ids: Vec<String> = ids
            .column(c::UID)?
            .str()?
            .iter()
            .flatten()
            .map(str::to_string)
            .collect();
        user_ids.sort_unstable();
        let cov = Coverage {
            source: p.index,
            name: p.name.clone(),
            rows: get_u64("rows")?,
            rejected: get_u64("rejected")?,
            skipped: get_u64("skipped")?,
            first_ms: get_i64("first")?,
            last_ms: get_i64("last")?,
            operation_level: p.operation_level,
            user_ids,
        };
        if cov.rejected > 0
            && let Some(src) = sources.iter().find(|s| s.index == p.index)
        {
            locate_rejects(src, p, rejected)?;
        }
        coverage.push(cov);
    }
    let n = out.len();
    let activity = profiles_from(&out[n - 3], &out[n - 2], &out[n - 1])?;
    Ok((coverage, activity))
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
