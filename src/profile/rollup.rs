//! Events → per-user results in one streaming pass, so that memory follows users and devices,
//! never events or user-days:
//!
//! - per user: the window's activity (events, first, last, reads, writes, voice, digital,
//!   premium) with the active days as a bitmask (`w0…`: bit `d mod 64·words` of each day `d`),
//!   and per user and reason the other rows, from which (with the activity) come the source's
//!   row statistics (rows, rejected, skipped, first and last valid timestamp);
//! - per user, table and own flag: writes;
//! - per device and user: events;
//! - per channel and day: conversations (the deflection model's conversations a month).
//!
//! Active days must be counted once across sources (a user who signs in and writes on the same
//! day was active one day), which is why they are a bitmask, OR-ed across sources: exact as long
//! as every counted day lies in one span of at most `64·words` days, which the window is.
//!
//! The window is known before the pass when `--as-of` is given. Otherwise it ends at the latest
//! activity, which only the pass itself finds: the pass then counts the activity from the start
//! of the window of a guessed latest day (`Limit::From`, the guess from a sample of each source,
//! see `prepare::latest_guess`), and `aggregate` reads a source again with the window only when
//! the guess was wrong in a way that matters (activity before the true window was counted, or
//! activity of it was not).

use std::collections::{BTreeMap, HashMap};

use crate::model::Channel;

use anyhow::{Result, anyhow};
use polars::prelude::*;

use super::kinds::Codes;
use super::udf::{Interner, udf_day_bit, udf_pair, udf_text_code};
use super::*;
use crate::ingest::Source;

/// The analysis window, in days since the epoch, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from_day: i64,
    pub to_day: i64,
}

/// Which activity of a source a pass counts (its row statistics always count every row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// All of it.
    All,
    /// The days of the window.
    Window(Window),
    /// The days from this one on (the start of a guessed window, whose end is not known).
    From(i64),
}

impl Window {
    fn contains_ms(&self, first_ms: i64, last_ms: i64) -> bool {
        first_ms.div_euclid(MS_PER_DAY) >= self.from_day
            && last_ms.div_euclid(MS_PER_DAY) <= self.to_day
    }
}

/// Words of 64 days in the active-day bitmask for a lookback (the window has lookback + 1
/// days).
pub fn words_for(lookback_days: i64) -> usize {
    usize::try_from(lookback_days.max(0) + 1)
        .unwrap_or(1)
        .div_ceil(64)
        .max(1)
}

/// The per-user, per-table and per-device results of one source (or of blocks of it, which
/// `merge` adds up).
pub(super) struct Parts {
    /// Per user, the counted activity: uid, act_rows, events, first, last, reads, writes,
    /// voice, digital, premium, w0…
    pub act: DataFrame,
    /// Per user, the other rows (rejected, skipped, or outside what the pass counts): uid,
    /// other_rows, rejected and, for `Limit::From`, other_events (their valid events).
    pub other: DataFrame,
    /// The row statistics of the whole source, one row: rows, rejected, skipped, ok_first,
    /// ok_last, rej0…
    pub stats: DataFrame,
    /// uid, tbl, own, n
    pub writes: DataFrame,
    /// dev, uid, n
    pub devices: DataFrame,
    /// chan, day, n: conversations per channel and day (days since 1970)
    pub conversations: DataFrame,
    /// The activity the pass counted.
    pub limit: Limit,
    /// Words of the active-day bitmask.
    pub words: usize,
}

/// A create, update or delete that counts as CRM work for the tier. An event that carries a
/// channel is conversation work (spec section 3): it proves use of the channel (counted as a
/// conversation) and the table it touches, e.g. `msdyn_ocliveworkitem`, is no CRM write.
fn is_write() -> Expr {
    col(c::OP)
        .eq(lit(OP_CREATE))
        .or(col(c::OP).eq(lit(OP_UPDATE)))
        .or(col(c::OP).eq(lit(OP_DELETE)))
        .and(col(c::CHAN).fill_null(lit(CH_NONE)).eq(lit(CH_NONE)))
}

/// The rows where `cond` holds.
fn count(cond: Expr) -> Expr {
    cond.sum().cast(DataType::UInt64)
}

/// Sum of the weight over the rows where `cond` holds.
fn weighted(cond: Expr) -> Expr {
    when(cond)
        .then(col(c::N))
        .otherwise(lit(0u64))
        .sum()
        .cast(DataType::UInt64)
}

fn word(k: usize) -> String {
    format!("w{k}")
}

/// How many results a pass gives (`Parts::new` takes them, `finish` makes them of `plans`).
pub(super) const RESULTS: usize = 6;
/// How many lazy results `plans` gives: the row statistics come from two of them.
pub(super) const PLANS: usize = 5;

/// The lazy results over a source's checked frame (every row, with `reason`, `keep` and the
/// slim columns, user ids as codes): per user the counted activity; per user and reason the
/// other rows (rejected, skipped, or outside what the pass counts); per write table, per
/// device, per channel and day. Every result branches from that one frame, so a single scan
/// feeds them, and each row is grouped once: the counted activity is filtered before it is
/// grouped, so its aggregations need no condition of their own (with every condition inside
/// the aggregations of one group-by over all rows, the pass took 1.5 s longer on 40M events),
/// and the row statistics are summed from the two per-user results (`finish`) instead of a
/// group-by of their own over every row.
///
/// When every row is one event (`unit`), the weighted counts are plain counts, which need no
/// `when` per row, and the events are the rows.
pub(super) fn plans(
    checked: LazyFrame,
    limit: Limit,
    words: usize,
    unit: bool,
    codes: &Codes,
) -> [LazyFrame; PLANS] {
    let ok = col("reason").eq(lit(0u8));
    let all = ok.clone().and(col("keep"));
    // Null (a missing timestamp or flag) counts as false, as `when` takes it.
    let act = match limit {
        Limit::All => all.clone(),
        Limit::Window(w) => all
            .clone()
            .and(col(c::TS).gt_eq(lit(w.from_day * MS_PER_DAY)))
            .and(col(c::TS).lt(lit((w.to_day + 1) * MS_PER_DAY))),
        Limit::From(day) => all.clone().and(col(c::TS).gt_eq(lit(day * MS_PER_DAY))),
    }
    .fill_null(lit(false));
    let weighted = |cond: Expr| if unit { count(cond) } else { weighted(cond) };
    let events = || {
        if unit {
            len().cast(DataType::UInt64)
        } else {
            col(c::N).sum().cast(DataType::UInt64)
        }
    };
    let mut act_aggs = vec![len().cast(DataType::UInt64).alias("act_rows")];
    if !unit {
        // Otherwise `unpack` takes the rows for the events.
        act_aggs.push(events().alias("events"));
    }
    act_aggs.extend([
        col(c::TS).min().alias("first"),
        col(c::TS).max().alias("last"),
    ]);
    if unit {
        // Counted two to a number (`udf_pair`, split by `unpack`): one plain sum instead of
        // two comparisons, each a mask built bit by bit, and two masked sums.
        act_aggs.extend([
            udf_pair(col(c::OP), OP_READ, col(c::CHAN), CH_VOICE)
                .sum()
                .alias(READS_VOICE),
            udf_pair(col(c::CHAN), CH_DIGITAL, col(c::PREMIUM), 1)
                .sum()
                .alias(DIGITAL_PREMIUM),
        ]);
    } else {
        act_aggs.extend([
            weighted(col(c::OP).eq(lit(OP_READ))).alias("reads"),
            weighted(col(c::CHAN).eq(lit(CH_VOICE))).alias("voice"),
            weighted(col(c::CHAN).eq(lit(CH_DIGITAL))).alias("digital"),
            weighted(col(c::PREMIUM)).alias("premium"),
        ]);
    }
    // A row that stands for no events (a daily roll-up's zero) is no active day.
    let counted = col(c::N).gt(lit(0u64));
    act_aggs.extend((0..words).map(|k| {
        let bit = udf_day_bit(col(c::TS), k, words);
        if unit {
            bit
        } else {
            when(counted.clone()).then(bit).otherwise(lit(0u64))
        }
        .bitwise_or()
        .alias(word(k))
    }));
    // The counted rows once, for the per-user, per-table, per-device and per-day results.
    let counted_rows = checked.clone().filter(act.clone()).cache();
    let act_users = counted_rows.clone().group_by([col(c::UID)]).agg(act_aggs);
    // The other rows per user and reason (0: valid; k + 1: check k failed first), keyed by
    // one number, with what the row statistics need of them.
    let mut other_aggs = vec![
        len().cast(DataType::UInt64).alias("rows"),
        count(col("keep").not()).alias("skipped"),
        col(c::TS).min().alias("first"),
        col(c::TS).max().alias("last"),
    ];
    if matches!(limit, Limit::From(_)) {
        // Events of the whole source, for its user ids (as when all activity is counted); of
        // the valid rows only (`finish`).
        other_aggs.push(weighted(col("keep")).alias("kept_events"));
    }
    let other_key = (OTHER_USER.of(col(c::UID)) + OTHER_REASON.of(col("reason"))).alias(KEY);
    let other_users = checked
        .clone()
        .filter(act.not())
        .group_by([other_key])
        .agg(other_aggs);
    // Keyed by one number (the codes of user, table and own flag; of device and user): a
    // group-by on one integer hashes less than one on a row of text and numbers.
    let writes = counted_rows
        .clone()
        .filter(is_write())
        .group_by([write_key(codes)])
        .agg([events().alias("n")]);
    let devices = counted_rows
        .clone()
        .filter(col(c::DEVICE).is_not_null())
        .group_by([device_key(codes)])
        .agg([events().alias("n")]);
    let on_channel = col(c::CHAN)
        .eq(lit(CH_VOICE))
        .or(col(c::CHAN).eq(lit(CH_DIGITAL)));
    let conversations = counted_rows
        .filter(on_channel)
        .group_by([
            col(c::CHAN),
            col(c::TS).floor_div(lit(MS_PER_DAY)).alias("day"),
        ])
        .agg([events().alias("n")]);
    [act_users, other_users, writes, devices, conversations]
}

/// One part of a result's key, which packs codes into one number: `bits` bits from bit
/// `shift` on, `none` standing for a missing value. Each layout below is used both to make the
/// keys (`of`, in `plans`) and to read them (`get`, in `finish`).
#[derive(Clone, Copy)]
struct KeyPart {
    shift: u32,
    bits: u32,
    none: u32,
}

impl KeyPart {
    /// An integer column in its place of the key (a null as `none`).
    fn of(self, e: Expr) -> Expr {
        e.fill_null(lit(self.none)).cast(DataType::UInt64) * lit(1u64 << self.shift)
    }

    /// This part of a key (`None` for `none`).
    fn get(self, key: Option<u64>) -> Option<u32> {
        key.map(|k| ((k >> self.shift) & ((1u64 << self.bits) - 1)) as u32)
            .filter(|&c| c != self.none)
    }
}

/// No code (a missing user id, table or device) in a result's key.
const NO_CODE: u32 = u32::MAX;
/// A key part of 8 bits that is never missing (an own flag, a reason).
const NO_BYTE: u32 = BAD as u32;

/// A write's key: user code, table code (24 bits: fewer than 2^24 − 1 tables), own flag.
const WRITE_USER: KeyPart = KeyPart {
    shift: 32,
    bits: 32,
    none: NO_CODE,
};
const WRITE_TABLE: KeyPart = KeyPart {
    shift: 8,
    bits: 24,
    none: (1 << 24) - 1,
};
const WRITE_OWN: KeyPart = KeyPart {
    shift: 0,
    bits: 8,
    none: NO_BYTE,
};
/// A device's key: device code (`none` for a blank id), user code.
const DEVICE_DEVICE: KeyPart = KeyPart {
    shift: 32,
    bits: 32,
    none: NO_CODE,
};
const DEVICE_USER: KeyPart = KeyPart {
    shift: 0,
    bits: 32,
    none: NO_CODE,
};
/// The key of the other rows: user code, reason.
const OTHER_USER: KeyPart = KeyPart {
    shift: 8,
    bits: 32,
    none: NO_CODE,
};
const OTHER_REASON: KeyPart = KeyPart {
    shift: 0,
    bits: 8,
    none: NO_BYTE,
};

fn write_key(codes: &Codes) -> Expr {
    let table = udf_text_code(
        col(c::TABLE),
        codes.table_name,
        codes.tables.clone(),
        WRITE_TABLE.none,
    );
    (WRITE_USER.of(col(c::UID)) + WRITE_TABLE.of(table) + WRITE_OWN.of(col(c::OWN))).alias(KEY)
}

fn device_key(codes: &Codes) -> Expr {
    let device = udf_text_code(
        col(c::DEVICE),
        super::kinds::device_id,
        codes.devices.clone(),
        DEVICE_DEVICE.none,
    );
    (DEVICE_DEVICE.of(device) + DEVICE_USER.of(col(c::UID))).alias(KEY)
}

const KEY: &str = "key";

/// An 8-bit key part as its byte.
fn byte(part: Option<u32>) -> Option<u8> {
    part.and_then(|b| u8::try_from(b).ok())
}

/// The results of a pass (`Parts::new`, in its order) from those of `plans`, with codes as
/// the text they stand for: per user the counted activity (`act`) and the other rows
/// (`other`: other_rows, rejected, and other_events, the valid events, for `Limit::From`)
/// by user id; the row statistics (`stats_row`) of both; per write the user id, table and own
/// flag (`WRITE_KEYS`); per device the device id and user id (`DEVICE_KEYS`), without blank
/// device ids; per channel and day as they are.
pub(super) fn finish(
    results: [DataFrame; PLANS],
    checks: usize,
    ids: &Interner,
    codes: &Codes,
) -> PolarsResult<[DataFrame; RESULTS]> {
    let [mut act, other, writes, devices, conversations] = results;
    let uid = ids.decode(act.column(c::UID)?)?;
    act.with_column(uid)?;
    // The other rows: per user, and with the counted ones (valid and kept) per reason.
    let has_kept = other.column("kept_events").is_ok();
    let key = other.column(KEY)?.u64()?;
    let uid = ids.decode_iter(c::UID.into(), key.iter().map(|k| OTHER_USER.get(k)))?;
    let reason: UInt8Chunked = key.iter().map(|k| byte(OTHER_REASON.get(k))).collect();
    let mut by = other;
    by.with_column(uid)?;
    by.with_column(reason.with_name("reason".into()).into_column())?;
    let by = by.lazy();
    let ok = || col("reason").eq(lit(0u8));
    let sum = |e: Expr| e.sum().cast(DataType::UInt64);
    let mut user_aggs = vec![
        sum(col("rows")).alias("other_rows"),
        sum(col("rows").filter(ok().not())).alias("rejected"),
    ];
    if has_kept {
        user_aggs.push(sum(col("kept_events").filter(ok())).alias("other_events"));
    }
    let counted = act.clone().lazy().select([
        lit(0u8).cast(DataType::UInt8).alias("reason"),
        sum(col("act_rows")).alias("rows"),
        lit(0u64).cast(DataType::UInt64).alias("skipped"),
        col("first").min().alias("first"),
        col("last").max().alias("last"),
    ]);
    let stat_cols = ["reason", "rows", "skipped", "first", "last"].map(col);
    let by_reason = concat(
        [by.clone().select(stat_cols.clone()), counted],
        UnionArgs::default(),
    )?;
    let [other, by_reason] = collect_results(
        [by.group_by([col(c::UID)]).agg(user_aggs), by_reason],
        Engine::InMemory,
    )?;
    let stats = stats_row(by_reason, checks)?;
    let key = writes.column(KEY)?.u64()?;
    let uid = ids.decode_iter(c::UID.into(), key.iter().map(|k| WRITE_USER.get(k)))?;
    let tbl = codes
        .tables
        .decode_iter(c::TABLE.into(), key.iter().map(|k| WRITE_TABLE.get(k)))?;
    let own: UInt8Chunked = key.iter().map(|k| byte(WRITE_OWN.get(k))).collect();
    let writes = DataFrame::new_infer_height(vec![
        uid,
        tbl,
        own.with_name(c::OWN.into()).into_column(),
        writes.column("n")?.clone(),
    ])?;
    let key = devices.column(KEY)?.u64()?;
    let named: BooleanChunked = key.iter().map(|k| DEVICE_DEVICE.get(k).is_some()).collect();
    let dev = codes
        .devices
        .decode_iter(c::DEVICE.into(), key.iter().map(|k| DEVICE_DEVICE.get(k)))?;
    let uid = ids.decode_iter(c::UID.into(), key.iter().map(|k| DEVICE_USER.get(k)))?;
    let devices = DataFrame::new_infer_height(vec![dev, uid, devices.column("n")?.clone()])?
        .filter(&named)?;
    Ok([act, other, stats, writes, devices, conversations])
}

/// The row statistics of a source from its per-reason ones (`plans`): rows, rejected,
/// skipped (valid rows the kind leaves out), the earliest and latest valid timestamps
/// (`ok_first`, `ok_last`), and the rows each of the `checks` rejected (`rej0…`).
pub(super) fn stats_row(by_reason: DataFrame, checks: usize) -> PolarsResult<DataFrame> {
    let ok = || col("reason").eq(lit(0u8));
    let rows = |cond: Expr| col("rows").filter(cond).sum().cast(DataType::UInt64);
    let mut exprs = vec![
        col("rows").sum().cast(DataType::UInt64).alias("rows"),
        rows(ok().not()).alias("rejected"),
        col("skipped")
            .filter(ok())
            .sum()
            .cast(DataType::UInt64)
            .alias("skipped"),
        col("first").filter(ok()).min().alias("ok_first"),
        col("last").filter(ok()).max().alias("ok_last"),
    ];
    exprs.extend(
        (0..checks).map(|k| rows(col("reason").eq(lit((k + 1) as u8))).alias(format!("rej{k}"))),
    );
    by_reason.lazy().select(exprs).collect()
}

/// The results of one pass of `plans`, keyed by codes (before `finish`).
pub(super) type Coded = [DataFrame; PLANS];

/// The per-user counts a pass of unit rows sums two to a number (`udf_pair`).
const READS_VOICE: &str = "reads_voice";
const DIGITAL_PREMIUM: &str = "digital_premium";

/// The results of one pass of `plans` with the per-user activity as a weighted pass has it:
/// a unit pass's rows as its events, and its counts summed two to a number as a column each.
pub(super) fn unpack(mut coded: Coded) -> PolarsResult<Coded> {
    let act = &coded[0];
    if act.column(READS_VOICE).is_err() {
        return Ok(coded);
    }
    let mut columns = Vec::with_capacity(act.width() + 3);
    for column in act.columns() {
        let names = match column.name().as_str() {
            READS_VOICE => ["reads", "voice"],
            DIGITAL_PREMIUM => ["digital", "premium"],
            "act_rows" => {
                columns.push(column.clone());
                columns.push(column.clone().with_name("events".into()));
                continue;
            }
            _ => {
                columns.push(column.clone());
                continue;
            }
        };
        let pairs = column.u64()?;
        let low: UInt64Chunked = pairs.iter().map(|v| v.map(|v| v & 0xFFFF_FFFF)).collect();
        let high: UInt64Chunked = pairs.iter().map(|v| v.map(|v| v >> 32)).collect();
        columns.push(low.with_name(names[0].into()).into_column());
        columns.push(high.with_name(names[1].into()).into_column());
    }
    coded[0] = DataFrame::new_infer_height(columns)?;
    Ok(coded)
}

/// The keys of each result of `plans`.
const CODED_KEYS: [&[&str]; PLANS] = [&[c::UID], &[KEY], &[KEY], &[KEY], &[c::CHAN, "day"]];

/// One source's results from the results of its parts (blocks of one file), as if they had
/// been one pass: merged while still keyed by codes, which group faster than text.
pub(super) fn merge(mut parts: Vec<Coded>) -> Result<Coded> {
    if parts.len() == 1
        && let Some(only) = parts.pop()
    {
        return Ok(only);
    }
    let mut each: [Vec<DataFrame>; PLANS] = Default::default();
    for part in parts {
        for (k, frame) in part.into_iter().enumerate() {
            each[k].push(frame);
        }
    }
    let mut plans = Vec::with_capacity(PLANS);
    for (frames, keys) in each.into_iter().zip(CODED_KEYS) {
        let Some(first) = frames.first() else {
            return Err(anyhow!("no results to merge"));
        };
        let aggs = merged(first, keys);
        let by: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
        plans.push(stack(frames, None)?.group_by(by).agg(aggs));
    }
    let plans: [LazyFrame; PLANS] = plans
        .try_into()
        .map_err(|_| anyhow!("a result of the pass is missing"))?;
    Ok(collect_results(plans, Engine::InMemory)?)
}

/// Rows of coded results, for deciding when to merge them.
pub(super) fn height(coded: &Coded) -> usize {
    coded.iter().map(DataFrame::height).sum()
}

/// How the results of parts of a source add up to the source's: sums of the counts, the
/// earliest of the firsts, the latest of the lasts and the OR of the active-day words.
fn merged(frame: &DataFrame, keys: &[&str]) -> Vec<Expr> {
    frame
        .get_column_names()
        .into_iter()
        .filter(|n| !keys.contains(&n.as_str()))
        .map(|n| {
            let name = n.as_str();
            match name {
                "first" => col(name).min(),
                "last" => col(name).max(),
                _ if is_word(name) => col(name).bitwise_or(),
                _ => col(name).sum().cast(DataType::UInt64),
            }
            .alias(name)
        })
        .collect()
}

impl Parts {
    /// The results of a pass (`plans`, in their order), with what the pass counted.
    pub(super) fn new(results: [DataFrame; RESULTS], limit: Limit, words: usize) -> Parts {
        let [act, other, stats, writes, devices, conversations] = results;
        Parts {
            act,
            other,
            stats,
            writes,
            devices,
            conversations,
            limit,
            words,
        }
    }

    /// Per user, every row's counts: uid, rows, rejected, events, first, last, reads, writes,
    /// voice, digital, premium, all_events (for `Limit::From`: the valid events of the whole
    /// source), w0…
    pub(super) fn users(&self) -> Result<DataFrame> {
        let mut args = JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns);
        // The rows without a user id are one group on both sides.
        args.nulls_equal = true;
        let zero = |n: &str| col(n).fill_null(lit(0u64));
        let mut exprs = vec![
            col(c::UID),
            (zero("act_rows") + zero("other_rows")).alias("rows"),
            zero("rejected").alias("rejected"),
        ];
        exprs.extend(
            ["events", "reads", "writes", "voice", "digital", "premium"].map(|n| zero(n).alias(n)),
        );
        exprs.extend([col("first"), col("last")]);
        if matches!(self.limit, Limit::From(_)) {
            exprs.push((zero("events") + zero("other_events")).alias("all_events"));
        }
        exprs.extend((0..self.words).map(|k| zero(&word(k)).alias(word(k))));
        // Each user's writes are the sum of their per-table writes (which the pass groups
        // anyway): written rows are counted rows, so every writer has a row in `act`.
        let writes = self
            .writes
            .clone()
            .lazy()
            .group_by([col(c::UID)])
            .agg([col("n").sum().cast(DataType::UInt64).alias("writes")]);
        let mut left = JoinArgs::new(JoinType::Left);
        left.nulls_equal = true;
        Ok(self
            .act
            .clone()
            .lazy()
            .join(writes, [col(c::UID)], [col(c::UID)], left)
            .join(
                self.other.clone().lazy(),
                [col(c::UID)],
                [col(c::UID)],
                args,
            )
            .select(exprs)
            .collect()?)
    }

    /// One of the source's row statistics (a count).
    pub(super) fn stat(&self, name: &str) -> Result<u64> {
        Ok(self.stats.column(name)?.u64()?.get(0).unwrap_or(0))
    }

    /// The source's earliest and latest valid timestamps.
    pub(super) fn ok_span(&self) -> Result<(Option<i64>, Option<i64>)> {
        let ts = |n: &str| -> Result<Option<i64>> { Ok(self.stats.column(n)?.i64()?.get(0)) };
        Ok((ts("ok_first")?, ts("ok_last")?))
    }
}

/// Whether a column is an active-day word (`w0`, `w1`, …).
fn is_word(name: &str) -> bool {
    name.strip_prefix('w')
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// The keys of the per-table, per-device and per-conversation-day results, each summing `n`.
const WRITE_KEYS: [&str; 3] = [c::UID, c::TABLE, c::OWN];
const DEVICE_KEYS: [&str; 2] = [c::DEVICE, c::UID];
const CONVERSATION_KEYS: [&str; 2] = [c::CHAN, "day"];

/// Frames of one kind of result, one below the other, with `n` summed per key.
fn summed(frames: Vec<DataFrame>, keys: &[&str]) -> Result<LazyFrame> {
    Ok(stack(frames, None)?
        .group_by(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
        .agg([col("n").sum().cast(DataType::UInt64).alias("n")]))
}

/// Results in one query, so that plans sharing a cached input read it once.
pub(super) fn collect_results<const N: usize>(
    plans: [LazyFrame; N],
    engine: Engine,
) -> PolarsResult<[DataFrame; N]> {
    let (results, _) = collect_with(plans, None, engine)?;
    Ok(results)
}

/// `collect_results` with one more plan over the same input, collected in the same query.
pub(super) fn collect_with<const N: usize>(
    plans: [LazyFrame; N],
    extra: Option<LazyFrame>,
    engine: Engine,
) -> PolarsResult<([DataFrame; N], Option<DataFrame>)> {
    let has_extra = extra.is_some();
    let plans: Vec<DslPlan> = plans
        .into_iter()
        .chain(extra)
        .map(|lf| lf.logical_plan)
        .collect();
    let mut out = LazyFrame::collect_all_with_engine(plans, engine, OptFlags::default())?;
    let extra = if has_extra { out.pop() } else { None };
    let results = out.try_into().map_err(
        |_| polars_err!(ComputeError: "the query returned an unexpected number of results"),
    )?;
    Ok((results, extra))
}

/// Earliest and latest activity in a per-user frame.
fn activity_span(users: &DataFrame) -> Result<Option<(i64, i64)>> {
    let first = users.column("first")?.i64()?.min();
    let last = users.column("last")?.i64()?.max();
    Ok(first.zip(last))
}

/// The frames one below the other, with the columns `keep` only when given (sources differ in
/// their per-check columns).
fn stack(frames: Vec<DataFrame>, keep: Option<&[Expr]>) -> Result<LazyFrame> {
    let lazies: Vec<LazyFrame> = frames
        .into_iter()
        .map(|f| match keep {
            Some(cols) => f.lazy().select(cols),
            None => f.lazy(),
        })
        .collect();
    Ok(concat(lazies, UnionArgs::default())?)
}

/// Profiles of the window from every source's results; `sources[i]` is the source of
/// `prepared[i]`, read again (with the window) only when it has activity outside the window.
pub fn aggregate(
    prepared: &[Prepared],
    sources: &[&Source],
    ctx: &SourceContext,
    window: Window,
) -> Result<Activity> {
    if prepared.is_empty() {
        return Ok(Activity::default());
    }
    let words = prepared[0].parts.words;
    let mut users = Vec::with_capacity(prepared.len());
    let mut writes = Vec::with_capacity(prepared.len());
    let mut devices = Vec::with_capacity(prepared.len());
    let mut conversations = Vec::with_capacity(prepared.len());
    for (p, src) in prepared.iter().zip(sources) {
        let fits = match activity_span(&p.parts.act)? {
            None => true,
            Some((first, last)) => window.contains_ms(first, last),
        };
        // Whether the pass counted exactly the window's activity.
        let exact = match p.parts.limit {
            Limit::Window(w) => w == window,
            Limit::All => fits,
            // Everything counted lies in the window, and nothing of the window was left out:
            // the window starts no earlier than the pass did, or the source has no valid row
            // before the pass's start.
            Limit::From(day) => {
                fits && (day <= window.from_day
                    || p.coverage
                        .first_ms
                        .is_none_or(|ms| ms.div_euclid(MS_PER_DAY) >= day))
            }
        };
        if exact {
            users.push(p.users.clone());
            writes.push(p.parts.writes.clone());
            devices.push(p.parts.devices.clone());
            conversations.push(p.parts.conversations.clone());
        } else {
            let again = super::prepare::read_window(src, ctx, window, words)?;
            users.push(again.users()?);
            writes.push(again.writes);
            devices.push(again.devices);
            conversations.push(again.conversations);
        }
    }
    let sum = |n: &str| col(n).sum().cast(DataType::UInt64).alias(n);
    let mut user_aggs = vec![
        sum("rows"),
        sum("rejected"),
        sum("events"),
        col("first").min(),
        col("last").max(),
        sum("reads"),
        sum("writes"),
        sum("voice"),
        sum("digital"),
        sum("premium"),
    ];
    user_aggs.extend((0..words).map(|k| col(word(k)).bitwise_or().alias(word(k))));
    let mut shared = vec![col(c::UID)];
    shared.extend(
        [
            "rows", "rejected", "events", "first", "last", "reads", "writes", "voice", "digital",
            "premium",
        ]
        .map(col),
    );
    shared.extend((0..words).map(|k| col(word(k))));
    let users = stack(users, Some(&shared))?
        // A user whose rows were all rejected keeps a profile: the rejected count is news.
        .filter(
            col(c::UID).is_not_null().and(
                col("events")
                    .gt(lit(0u64))
                    .or(col("rejected").gt(lit(0u64))),
            ),
        )
        .group_by([col(c::UID)])
        .agg(user_aggs);
    // A source read without the window (it fitted inside) still holds only window days; one
    // read with it too: the days are the window's either way.
    let conversations = summed(conversations, &CONVERSATION_KEYS)?.filter(
        col("day")
            .gt_eq(lit(window.from_day))
            .and(col("day").lt_eq(lit(window.to_day))),
    );
    let out = collect_results(
        [
            users,
            summed(writes, &WRITE_KEYS)?,
            summed(devices, &DEVICE_KEYS)?,
            conversations,
        ],
        Engine::InMemory,
    )
    .map_err(|e| anyhow!("aggregating activity: {e}"))?;
    let mut activity = profiles_from(&out[0], &out[1], &out[2], words)?;
    activity.conversations = conversations_from(&out[3])?;
    Ok(activity)
}

/// Conversations per (channel, day) from the aggregated frame.
fn conversations_from(frame: &DataFrame) -> Result<BTreeMap<(Channel, i64), u64>> {
    let chan = frame.column(c::CHAN)?.u8()?;
    let day = frame.column("day")?.i64()?;
    let n = frame.column("n")?.u64()?;
    let mut out = BTreeMap::new();
    for i in 0..frame.height() {
        let channel = match chan.get(i) {
            Some(CH_VOICE) => Channel::Voice,
            Some(CH_DIGITAL) => Channel::Digital,
            _ => continue,
        };
        if let Some(d) = day.get(i) {
            *out.entry((channel, d)).or_default() += n.get(i).unwrap_or(0);
        }
    }
    Ok(out)
}

fn profiles_from(
    per_user: &DataFrame,
    writes: &DataFrame,
    devices: &DataFrame,
    words: usize,
) -> Result<Activity> {
    let mut profiles: HashMap<String, Profile> = HashMap::with_capacity(per_user.height());
    {
        let uid = per_user.column(c::UID)?.str()?;
        let u = |n: &str| -> Result<&UInt64Chunked> { Ok(per_user.column(n)?.u64()?) };
        let (rows, rejected) = (u("rows")?, u("rejected")?);
        let (events, reads, wr, voice, digital, prem) = (
            u("events")?,
            u("reads")?,
            u("writes")?,
            u("voice")?,
            u("digital")?,
            u("premium")?,
        );
        let bits: Vec<&UInt64Chunked> = (0..words).map(|k| u(&word(k))).collect::<Result<_>>()?;
        let first = per_user.column("first")?.i64()?;
        let last = per_user.column("last")?.i64()?;
        for i in 0..per_user.height() {
            let Some(id) = uid.get(i) else { continue };
            let active_days = bits
                .iter()
                .map(|w| w.get(i).unwrap_or(0).count_ones())
                .sum();
            profiles.insert(
                id.to_string(),
                Profile {
                    events: events.get(i).unwrap_or(0),
                    first_ms: first.get(i),
                    last_ms: last.get(i),
                    active_days,
                    reads: reads.get(i).unwrap_or(0),
                    writes: wr.get(i).unwrap_or(0),
                    voice: voice.get(i).unwrap_or(0),
                    digital: digital.get(i).unwrap_or(0),
                    premium_events: prem.get(i).unwrap_or(0),
                    write_tables: Vec::new(),
                    devices: Vec::new(),
                    activity_rows: rows.get(i).unwrap_or(0),
                    rejected_rows: rejected.get(i).unwrap_or(0),
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
            let Some(p) = uid.get(i).and_then(|id| profiles.get_mut(id)) else {
                continue;
            };
            p.write_tables.push(TableWrites {
                table: table.get(i).unwrap_or("").to_string(),
                own_record: own.get(i) == Some(1),
                count: n.get(i).unwrap_or(0),
            });
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
        conversations: BTreeMap::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmask_words_cover_the_window() {
        assert_eq!(words_for(0), 1);
        assert_eq!(words_for(63), 1);
        assert_eq!(words_for(64), 2);
        assert_eq!(words_for(90), 2);
        assert_eq!(words_for(127), 2);
        assert_eq!(words_for(128), 3);
    }

    /// An event that carries a channel is conversation work: counted as a conversation of its
    /// channel, never as a CRM write (spec section 3).
    #[test]
    fn channel_events_are_conversations_not_writes() {
        // name, operation, table, channel, (writes, voice, digital, write tables)
        type Row<'a> = (&'a str, u8, &'a str, u8, (u64, u64, u64, usize));
        let cases: [Row; 5] = [
            ("plain update", OP_UPDATE, "incident", CH_NONE, (1, 0, 0, 1)),
            (
                "voice update of a work item",
                OP_UPDATE,
                "msdyn_ocliveworkitem",
                CH_VOICE,
                (0, 1, 0, 0),
            ),
            (
                "digital create of a case",
                OP_CREATE,
                "incident",
                CH_DIGITAL,
                (0, 0, 1, 0),
            ),
            (
                "voice delete",
                OP_DELETE,
                "msdyn_ocliveworkitem",
                CH_VOICE,
                (0, 1, 0, 0),
            ),
            ("read", OP_READ, "incident", CH_NONE, (0, 0, 0, 0)),
        ];
        for (name, op, table, chan, (writes, voice, digital, tables)) in cases {
            let frame = df!(
                c::UID => ["u1"],
                c::TS => [MS_PER_DAY * 20_000],
                c::OP => [op],
                c::TABLE => [table],
                c::OWN => [0u8],
                c::CHAN => [chan],
                c::DEVICE => [None::<&str>],
                c::PREMIUM => [false],
                c::N => [1u64],
                "reason" => [0u8],
                "keep" => [true],
            )
            .expect("frame");
            let results = results_of(frame, Limit::All, 1, false, 0);
            let parts = Parts::new(results, Limit::All, 1);
            let users = parts.users().expect("users");
            let w = &parts.writes;
            let get = |n: &str| {
                users
                    .column(n)
                    .expect(n)
                    .u64()
                    .expect("u64")
                    .get(0)
                    .unwrap_or(0)
            };
            assert_eq!(get("writes"), writes, "{name}: writes");
            assert_eq!(get("voice"), voice, "{name}: voice");
            assert_eq!(get("digital"), digital, "{name}: digital");
            assert_eq!(w.height(), tables, "{name}: write tables");
        }
    }

    /// Every row lands in exactly one of the two per-user group-bys: the per-user rows,
    /// rejected rows and events, and the source's statistics, are those of all rows, whether
    /// the source is read in one pass or in blocks that are merged.
    #[test]
    fn every_row_is_counted_once_in_one_pass_or_merged_blocks() {
        let day = |d: i64| MS_PER_DAY * d + 3_600_000;
        // u1: two in the window (one a roll-up of 3 events), one before it, one rejected;
        // u2: one skipped and one before the window; a row without a user id in the window;
        // u3: only a rejected row without a timestamp.
        let frame = df!(
            c::UID => [Some("u1"), Some("u1"), Some("u1"), Some("u1"), Some("u2"), Some("u2"), None, Some("u3")],
            c::TS => [Some(day(100)), Some(day(101)), Some(day(80)), Some(day(100)), Some(day(100)), Some(day(50)), Some(day(102)), None],
            c::OP => [OP_READ, OP_UPDATE, OP_READ, OP_READ, OP_READ, OP_CREATE, OP_READ, OP_READ],
            c::TABLE => ["incident"; 8],
            c::OWN => [0u8; 8],
            c::CHAN => [CH_NONE, CH_VOICE, CH_NONE, CH_NONE, CH_NONE, CH_NONE, CH_NONE, CH_NONE],
            c::DEVICE => [None::<&str>; 8],
            c::PREMIUM => [false; 8],
            c::N => [1u64, 3, 1, 1, 1, 1, 1, 1],
            "reason" => [0u8, 0, 0, 1, 0, 0, 0, 2],
            "keep" => [true, true, true, true, false, true, true, true],
        )
        .expect("frame");
        let limit = Limit::From(90);
        let (ids, codes) = (Interner::default(), test_codes());
        let pass = |f: DataFrame| coded_of(f, limit, 2, false, &ids, &codes);
        let parts = |coded: Coded| {
            let results = finish(coded, 2, &ids, &codes).expect("finished");
            Parts::new(results, limit, 2)
        };
        let one = parts(pass(frame.clone()));
        let merged =
            parts(merge(vec![pass(frame.slice(0, 3)), pass(frame.slice(3, 5))]).expect("merge"));
        for parts in [one, merged] {
            let users = parts
                .users()
                .expect("users")
                .sort(
                    [c::UID],
                    SortMultipleOptions::default().with_nulls_last(true),
                )
                .expect("sorted");
            let get = |n: &str| -> Vec<Option<u64>> {
                users.column(n).expect(n).u64().expect("u64").to_vec()
            };
            // Sorted: u1, u2, u3, no id.
            assert_eq!(get("rows"), [Some(4), Some(2), Some(1), Some(1)]);
            assert_eq!(get("rejected"), [Some(1), Some(0), Some(1), Some(0)]);
            assert_eq!(get("events"), [Some(4), Some(0), Some(0), Some(1)]);
            assert_eq!(get("reads"), [Some(1), Some(0), Some(0), Some(1)]);
            assert_eq!(get("voice"), [Some(3), Some(0), Some(0), Some(0)]);
            assert_eq!(get("all_events"), [Some(5), Some(1), Some(0), Some(1)]);
            let first = users.column("first").expect("first").i64().expect("i64");
            assert_eq!(first.to_vec(), [Some(day(100)), None, None, Some(day(102))]);
            let last = users.column("last").expect("last").i64().expect("i64");
            assert_eq!(last.get(0), Some(day(101)));
            let days: u32 = (0..2)
                .map(|k| get(&word(k))[0].unwrap_or(0).count_ones())
                .sum();
            assert_eq!(days, 2, "u1 was active on two days of the window");
            assert_eq!(parts.stat("rows").expect("rows"), 8);
            assert_eq!(parts.stat("rejected").expect("rejected"), 2);
            assert_eq!(parts.stat("skipped").expect("skipped"), 1);
            assert_eq!(parts.stat("rej0").expect("rej0"), 1);
            assert_eq!(parts.stat("rej1").expect("rej1"), 1);
            assert_eq!(
                parts.ok_span().expect("span"),
                (Some(day(50)), Some(day(102)))
            );
        }
    }

    /// A pass's results as `prepare::run` makes them: the frame's user ids (text) as codes,
    /// its tables and devices as written, and the results decoded (`finish`).
    fn results_of(
        f: DataFrame,
        limit: Limit,
        words: usize,
        unit: bool,
        checks: usize,
    ) -> [DataFrame; RESULTS] {
        let (ids, codes) = (Interner::default(), test_codes());
        let coded = coded_of(f, limit, words, unit, &ids, &codes);
        finish(coded, checks, &ids, &codes).expect("finished")
    }

    fn test_codes() -> Codes {
        Codes {
            tables: Default::default(),
            devices: Default::default(),
            table_name: super::super::kinds::lower_name,
        }
    }

    /// A pass's coded results (`plans`), the frame's user ids (text) coded by `ids`.
    fn coded_of(
        f: DataFrame,
        limit: Limit,
        words: usize,
        unit: bool,
        ids: &Interner,
        codes: &Codes,
    ) -> Coded {
        let coded: UInt32Chunked = f
            .column(c::UID)
            .expect("uid")
            .str()
            .expect("text")
            .iter()
            .map(|v| v.map(|s| ids.code(s).expect("a code")))
            .collect();
        let mut f = f;
        f.with_column(coded.with_name(c::UID.into()).into_column())
            .expect("coded");
        let coded = collect_results(plans(f.lazy(), limit, words, unit, codes), Engine::InMemory)
            .expect("pass");
        unpack(coded).expect("unpacked")
    }

    /// When every row is one event, the plain counts (`unit`) give every result the weighted
    /// sums give; a row of 3 events (a roll-up) is what tells them apart.
    #[test]
    fn unit_rows_count_as_the_weighted_sums() {
        let day = |d: i64| MS_PER_DAY * d + 3_600_000;
        let frame = |n: [u64; 6]| {
            df!(
                c::UID => [Some("u1"), Some("u1"), Some("u2"), Some("u2"), None, Some("u3")],
                c::TS => [Some(day(100)), Some(day(101)), Some(day(80)), Some(day(100)), Some(day(102)), None],
                c::OP => [OP_READ, OP_UPDATE, OP_READ, OP_CREATE, OP_READ, OP_READ],
                c::TABLE => ["incident"; 6],
                c::OWN => [0u8, 1, 0, 0, 0, 0],
                c::CHAN => [CH_NONE, CH_NONE, CH_VOICE, CH_NONE, CH_DIGITAL, CH_NONE],
                c::DEVICE => [None, Some("kiosk"), None, None, None, None],
                c::PREMIUM => [false, true, false, false, false, false],
                c::N => n,
                "reason" => [0u8, 0, 0, 0, 0, 1],
                "keep" => [true, true, true, false, true, true],
            )
            .expect("frame")
        };
        let sorted = |r: [DataFrame; RESULTS]| -> Vec<DataFrame> {
            r.into_iter()
                .map(|f| {
                    let keys: Vec<String> =
                        f.get_column_names().iter().map(|n| n.to_string()).collect();
                    f.sort(keys, SortMultipleOptions::default().with_nulls_last(true))
                        .expect("sorted")
                })
                .collect()
        };
        for limit in [Limit::All, Limit::From(90)] {
            let ones = frame([1; 6]);
            let weighted = sorted(results_of(ones.clone(), limit, 2, false, 1));
            let unit = sorted(results_of(ones, limit, 2, true, 1));
            assert_eq!(weighted, unit);
            let rolled = sorted(results_of(frame([1, 3, 1, 1, 1, 1]), limit, 2, false, 1));
            assert_ne!(rolled, unit, "the roll-up's 3 events count as 3");
        }
    }

    /// Writes and device use are keyed by the normal form of the table and device (trimmed,
    /// tables lower-cased), and a blank device id is no device.
    #[test]
    fn writes_and_devices_are_keyed_by_their_normal_form() {
        let day = MS_PER_DAY * 100;
        let frame = df!(
            c::UID => [Some("u1"), Some("u1"), Some("u1"), Some("u2"), Some("u2")],
            c::TS => [Some(day); 5],
            c::OP => [OP_UPDATE, OP_CREATE, OP_UPDATE, OP_READ, OP_UPDATE],
            c::TABLE => [Some("incident"), Some("  Incident "), Some("Contact"), None, None],
            c::OWN => [0u8, 0, 1, 0, 0],
            c::CHAN => [CH_NONE; 5],
            c::DEVICE => [Some("kiosk"), Some(" kiosk "), Some("   "), None, Some("till-2")],
            c::PREMIUM => [false; 5],
            c::N => [1u64; 5],
            "reason" => [0u8; 5],
            "keep" => [true; 5],
        )
        .expect("frame");
        let results = results_of(frame.clone(), Limit::All, 2, true, 0);
        // The same from two blocks merged, the normal forms spread over both.
        let (ids, codes) = (Interner::default(), test_codes());
        let block = |f: DataFrame| coded_of(f, Limit::All, 2, true, &ids, &codes);
        let blocks =
            merge(vec![block(frame.slice(0, 2)), block(frame.slice(2, 3))]).expect("merge");
        let merged = finish(blocks, 0, &ids, &codes).expect("finished");
        let sorted = |f: &DataFrame| {
            let keys: Vec<String> = f.get_column_names().iter().map(|n| n.to_string()).collect();
            f.sort(keys, SortMultipleOptions::default().with_nulls_last(true))
                .expect("sorted")
        };
        let writes = sorted(&results[3]);
        let want = df!(
            c::UID => ["u1", "u1", "u2"],
            c::TABLE => [Some("contact"), Some("incident"), None],
            c::OWN => [1u8, 0, 0],
            "n" => [1u64, 2, 1],
        )
        .expect("want");
        assert_eq!(writes, want);
        assert_eq!(sorted(&merged[3]), want, "merged blocks");
        let devices = sorted(&results[4]);
        let want = df!(
            c::DEVICE => ["kiosk", "till-2"],
            c::UID => ["u1", "u2"],
            "n" => [2u64, 1],
        )
        .expect("want");
        assert_eq!(devices, want);
        assert_eq!(sorted(&merged[4]), want, "merged blocks");
    }

    #[test]
    fn window_contains_whole_days() {
        let w = Window {
            from_day: 10,
            to_day: 20,
        };
        assert!(w.contains_ms(10 * MS_PER_DAY, 21 * MS_PER_DAY - 1));
        assert!(!w.contains_ms(10 * MS_PER_DAY - 1, 20 * MS_PER_DAY));
        assert!(!w.contains_ms(10 * MS_PER_DAY, 21 * MS_PER_DAY));
    }
}
