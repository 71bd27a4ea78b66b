//! The one heavy stage: activity events → one `Profile` per user, with Polars lazy queries on the
//! streaming engine. Each source is normalised to one slim schema by elementwise parsers (user id,
//! epoch milliseconds, operation code, channel code, …); rows that fail are rejected with their
//! line, the rest are aggregated per user, per (user, table) for writes and per (device, user).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use anyhow::{Result, anyhow};
use polars::prelude::*;

use crate::ingest::timeparse::TimeFormat;
use crate::ingest::{Rejected, Source, norm_header};
use crate::model::{Profile, TableWrites};

/// How many rejected rows per file are kept with their details (all are counted).
pub const MAX_REJECTS_KEPT: usize = 10_000;

const MS_PER_DAY: i64 = 86_400_000;

/// Operation codes of the slim schema.
const OP_READ: u8 = 1;
const OP_CREATE: u8 = 2;
const OP_UPDATE: u8 = 3;
const OP_DELETE: u8 = 4;
const OP_ACCESS: u8 = 5;
const BAD: u8 = 255;

/// Channel codes of the slim schema.
const CH_NONE: u8 = 0;
const CH_VOICE: u8 = 1;
const CH_DIGITAL: u8 = 2;

/// What one activity source covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub source: usize,
    pub name: String,
    pub rows: u64,
    pub rejected: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    /// Whether the source says what users did (read/create/update/delete), not only presence.
    pub operation_level: bool,
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
    pub const ROW: &str = "row_nr";
}

/// Opens a canonical activity source (CSV or Parquet), checks it once for rejected rows and
/// coverage, and returns the slim frame for the window aggregation.
pub fn prepare(
    src: &Source,
    premium_features: &[String],
    rejected: &mut Vec<Rejected>,
) -> Result<Prepared> {
    let find = |name: &str| src.columns.iter().position(|c| norm_header(c) == name);
    let pos = |name: &str| find(name).ok_or_else(|| anyhow!("{}: no `{name}` column", src.name));
    let (i_uid, i_ts, i_op) = (pos("user_id")?, pos("timestamp")?, pos("operation")?);
    let optional = ["table", "own_record", "channel", "device_id", "feature"].map(find);

    // Positional internal names: the file's own header may repeat a name or differ in case.
    let internal = |i: usize| format!("c{i}");
    let (raw, ts_format) = match &src.decoded {
        Some(dec) => {
            let schema: Schema = (0..src.columns.len())
                .map(|i| Field::new(internal(i).into(), DataType::String))
                .collect();
            let lf = LazyCsvReader::new(PlRefPath::try_from_path(&dec.path)?)
                .with_has_header(false)
                .with_skip_rows(dec.lines_before_header + 1)
                .with_separator(dec.delimiter)
                .with_schema(Some(Arc::new(schema)))
                .with_missing_is_null(true)
                .with_row_index(Some(RowIndex {
                    name: c::ROW.into(),
                    offset: 0,
                }))
                .finish()?;
            (lf, first_csv_value(dec, i_ts)?)
        }
        None => {
            let path = PlRefPath::try_from_path(&src.path)?;
            let args = ScanArgsParquet {
                row_index: Some(RowIndex {
                    name: c::ROW.into(),
                    offset: 0,
                }),
                ..ScanArgsParquet::default()
            };
            let lf = LazyFrame::scan_parquet(path, args)?;
            // Rename to the positional names so both paths share the expressions below.
            let exprs: Vec<Expr> = std::iter::once(col(c::ROW))
                .chain(
                    src.columns
                        .iter()
                        .enumerate()
                        .map(|(i, n)| col(n.as_str()).alias(internal(i))),
                )
                .collect();
            let lf = lf.select(exprs);
            let sample = parquet_first_string(&src.path, &src.columns[i_ts])?;
            (lf, sample)
        }
    };
    let ts_format = match ts_format {
        None => None,
        Some(s) => Some(TimeFormat::detect(&s).ok_or_else(|| {
            anyhow!(
                "{}: the first timestamp \"{s}\" is neither ISO 8601 nor US M/D/YYYY h:mm:ss AM",
                src.name
            )
        })?),
    };
    let ts_dtype = raw
        .clone()
        .collect_schema()?
        .get(internal(i_ts).as_str())
        .cloned()
        .unwrap_or(DataType::String);

    let opt_col = |i: Option<usize>| match i {
        Some(i) => col(internal(i)).cast(DataType::String),
        None => lit(NULL).cast(DataType::String),
    };
    let ts_expr = timestamp_expr(col(internal(i_ts)), &ts_dtype, ts_format);
    let premium: Arc<Vec<String>> = Arc::new(premium_features.to_vec());
    let slim = raw.select([
        col(c::ROW),
        udf_trim(col(internal(i_uid)).cast(DataType::String)).alias(c::UID),
        ts_expr.alias(c::TS),
        udf_code(col(internal(i_op)).cast(DataType::String), op_code).alias(c::OP),
        udf_lower(opt_col(optional[0])).alias(c::TABLE),
        udf_code(opt_col(optional[1]), own_code).alias(c::OWN),
        udf_code(opt_col(optional[2]), channel_code).alias(c::CHAN),
        udf_trim(opt_col(optional[3])).alias(c::DEVICE),
        udf_premium(opt_col(optional[4]), premium).alias(c::PREMIUM),
        // raw values, for the messages of rejected rows
        col(internal(i_uid)).cast(DataType::String).alias("raw_uid"),
        col(internal(i_ts)).cast(DataType::String).alias("raw_ts"),
        col(internal(i_op)).cast(DataType::String).alias("raw_op"),
        opt_col(optional[1]).alias("raw_own"),
        opt_col(optional[2]).alias("raw_chan"),
    ]);
    let reason = when(col(c::UID).is_null())
        .then(lit(1u8))
        .when(col(c::TS).is_null())
        .then(lit(2u8))
        .when(col(c::OP).eq(lit(BAD)))
        .then(lit(3u8))
        .when(col(c::OWN).eq(lit(BAD)))
        .then(lit(4u8))
        .when(col(c::CHAN).eq(lit(BAD)))
        .then(lit(5u8))
        .otherwise(lit(0u8))
        .cast(DataType::UInt8)
        .alias("reason");
    let checked = slim.with_column(reason);

    let shape = src.decoded.as_ref().map(|dec| CsvShape {
        name: src.name.clone(),
        path: dec.path.clone(),
        delimiter: dec.delimiter,
        width: src.columns.len(),
    });
    // Pass 1: counts, coverage and the rejected rows.
    let stats = checked.clone().select([
        len().cast(DataType::UInt64).alias("rows"),
        col("reason")
            .neq(lit(0u8))
            .sum()
            .cast(DataType::UInt64)
            .alias("rejected"),
        col(c::TS)
            .filter(col("reason").eq(lit(0u8)))
            .min()
            .alias("first"),
        col(c::TS)
            .filter(col("reason").eq(lit(0u8)))
            .max()
            .alias("last"),
    ]);
    let rejects = checked
        .clone()
        .filter(col("reason").neq(lit(0u8)))
        .select([
            col(c::ROW),
            col("reason"),
            col("raw_uid"),
            col("raw_ts"),
            col("raw_op"),
            col("raw_own"),
            col("raw_chan"),
        ])
        .limit(MAX_REJECTS_KEPT as IdxSize);
    let out = LazyFrame::collect_all_with_engine(
        vec![stats.logical_plan, rejects.logical_plan],
        Engine::Streaming,
        OptFlags::default(),
    )
    .map_err(|e| locate_polars_error(&shape, &src.name, e))?;
    let (stats, rejects) = (&out[0], &out[1]);
    let get_u64 =
        |name: &str| -> Result<u64> { Ok(stats.column(name)?.u64()?.get(0).unwrap_or(0)) };
    let get_i64 = |name: &str| -> Result<Option<i64>> { Ok(stats.column(name)?.i64()?.get(0)) };
    let coverage = Coverage {
        source: src.index,
        name: src.name.clone(),
        rows: get_u64("rows")?,
        rejected: get_u64("rejected")?,
        first_ms: get_i64("first")?,
        last_ms: get_i64("last")?,
        operation_level: true,
    };
    report_rejects(
        src,
        rejects,
        &src.columns,
        [i_uid, i_ts, i_op],
        optional,
        ts_format,
        rejected,
    )?;

    let frame = checked.filter(col("reason").eq(lit(0u8))).select([
        col(c::UID),
        col(c::TS),
        col(c::OP),
        col(c::TABLE),
        col(c::OWN),
        col(c::CHAN),
        col(c::DEVICE),
        col(c::PREMIUM),
    ]);
    Ok(Prepared {
        coverage,
        frame,
        shape,
    })
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
            .find_map(locate_in_csv);
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

fn timestamp_expr(e: Expr, dtype: &DataType, fmt: Option<TimeFormat>) -> Expr {
    match dtype {
        DataType::Datetime(unit, _) => {
            let per_ms: i64 = match unit {
                TimeUnit::Nanoseconds => 1_000_000,
                TimeUnit::Microseconds => 1_000,
                TimeUnit::Milliseconds => 1,
            };
            udf_div(e.cast(DataType::Int64), per_ms)
        }
        DataType::Date => e.cast(DataType::Int64) * lit(MS_PER_DAY),
        _ => {
            let fmt = fmt.unwrap_or(TimeFormat::Iso);
            e.cast(DataType::String).map(
                move |c: Column| {
                    let ca = c.str()?;
                    let out: Int64Chunked = Int64Chunked::from_iter_options(
                        ca.name().clone(),
                        ca.iter().map(|v| v.and_then(|s| fmt.parse(s))),
                    );
                    Ok(out.into_column())
                },
                |_, f| Ok(Field::new(f.name().clone(), DataType::Int64)),
            )
        }
    }
}

/// Euclidean division of an Int64 column (Polars' `floor_div` needs a heavy feature).
fn udf_div(e: Expr, divisor: i64) -> Expr {
    e.map(
        move |c: Column| {
            let ca = c.i64()?;
            let out: Int64Chunked = Int64Chunked::from_iter_options(
                ca.name().clone(),
                ca.iter().map(|v| v.map(|x| x.div_euclid(divisor))),
            );
            Ok(out.into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Int64)),
    )
}

fn udf_trim(e: Expr) -> Expr {
    e.map(
        |c: Column| {
            let ca = c.str()?;
            let out: StringChunked = ca
                .iter()
                .map(|v| v.map(str::trim).filter(|s| !s.is_empty()))
                .collect();
            Ok(out.with_name(ca.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::String)),
    )
}

fn udf_lower(e: Expr) -> Expr {
    e.map(
        |c: Column| {
            let ca = c.str()?;
            let out: StringChunked = ca
                .iter()
                .map(|v| {
                    v.map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_lowercase)
                })
                .collect();
            Ok(out.with_name(ca.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::String)),
    )
}

fn udf_code(e: Expr, f: fn(Option<&str>) -> u8) -> Expr {
    e.map(
        move |c: Column| {
            let ca = c.str()?;
            let out: UInt8Chunked = UInt8Chunked::from_iter_values(
                ca.name().clone(),
                ca.iter()
                    .map(|v| f(v.map(str::trim).filter(|s| !s.is_empty()))),
            );
            Ok(out.into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::UInt8)),
    )
}

fn udf_premium(e: Expr, features: Arc<Vec<String>>) -> Expr {
    e.map(
        move |c: Column| {
            let ca = c.str()?;
            let out: BooleanChunked = BooleanChunked::from_iter_values(
                ca.name().clone(),
                ca.iter().map(|v| {
                    v.map(str::trim).is_some_and(|s| {
                        !s.is_empty() && features.iter().any(|f| f.eq_ignore_ascii_case(s))
                    })
                }),
            );
            Ok(out.into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Boolean)),
    )
}

/// Canonical operation → code; `BAD` for anything else (a missing operation is bad too).
fn op_code(v: Option<&str>) -> u8 {
    let Some(s) = v else { return BAD };
    match s.to_ascii_lowercase().as_str() {
        "read" | "retrieve" | "retrievemultiple" => OP_READ,
        "create" => OP_CREATE,
        "update" => OP_UPDATE,
        "delete" => OP_DELETE,
        "access" => OP_ACCESS,
        _ => BAD,
    }
}

/// Own-record flag → 1 true, 0 false or missing, `BAD` otherwise.
fn own_code(v: Option<&str>) -> u8 {
    match crate::ingest::assignments::parse_bool(v.unwrap_or("")) {
        Ok(Some(true)) => 1,
        Ok(_) => 0,
        Err(_) => BAD,
    }
}

/// Channel → code; empty is no conversation.
fn channel_code(v: Option<&str>) -> u8 {
    let Some(s) = v else { return CH_NONE };
    match s.to_ascii_lowercase().as_str() {
        "voice" => CH_VOICE,
        "digital" => CH_DIGITAL,
        "none" => CH_NONE,
        _ => BAD,
    }
}

/// The first data value of column `idx`, read with the csv crate.
fn first_csv_value(dec: &crate::ingest::decode::Decoded, idx: usize) -> Result<Option<String>> {
    let mut rdr = crate::ingest::decode::csv_reader(&dec.path, dec.delimiter)?;
    for (n, rec) in rdr.records().enumerate() {
        if n <= dec.lines_before_header {
            continue;
        }
        let Ok(rec) = rec else { return Ok(None) };
        if let Some(v) = rec.get(idx).map(str::trim).filter(|v| !v.is_empty()) {
            return Ok(Some(v.to_string()));
        }
    }
    Ok(None)
}

fn parquet_first_string(path: &std::path::Path, column: &str) -> Result<Option<String>> {
    let lf = LazyFrame::scan_parquet(PlRefPath::try_from_path(path)?, ScanArgsParquet::default())?;
    let df = lf
        .select([col(column)])
        .filter(col(column).is_not_null())
        .limit(1)
        .collect()?;
    let c = df.column(column)?;
    if c.dtype() != &DataType::String {
        return Ok(None);
    }
    Ok(c.str()?.get(0).map(str::to_string))
}

/// Turns Polars' byte-offset errors into `file:line: problem` by re-reading with the csv crate.
fn locate_polars_error(shape: &Option<CsvShape>, name: &str, err: PolarsError) -> anyhow::Error {
    match shape.as_ref().and_then(locate_in_csv) {
        Some(msg) => anyhow!(msg),
        None => anyhow!("{name}: cannot read: {err}"),
    }
}

/// The first structural problem of a CSV file (a row with the wrong number of fields, a broken
/// quote, invalid UTF-8), as `file:line: problem`.
fn locate_in_csv(shape: &CsvShape) -> Option<String> {
    let mut rdr = crate::ingest::decode::csv_reader(&shape.path, shape.delimiter).ok()?;
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => return None,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Some(format!("{}:{line}: {e}", shape.name));
            }
            Ok(true) => {
                let line = rec.position().map_or(0, |p| p.line());
                if std::str::from_utf8(rec.as_slice()).is_err() {
                    return Some(format!(
                        "{}:{line}: not valid UTF-8; save the file as UTF-8 or pass --encoding",
                        shape.name
                    ));
                }
                let blank = rec.len() == 1 && rec.get(0) == Some(b"".as_slice());
                if rec.len() != shape.width && !blank && !sep_line(&rec) {
                    return Some(format!(
                        "{}:{line}: expected {} fields as in the header, found {}",
                        shape.name,
                        shape.width,
                        rec.len()
                    ));
                }
            }
        }
    }
}

fn sep_line(rec: &csv::ByteRecord) -> bool {
    rec.len() == 1 && rec.get(0).is_some_and(|f| f.starts_with(b"sep="))
}

/// Formats the rejected rows of one source, with line numbers for CSV.
fn report_rejects(
    src: &Source,
    rejects: &DataFrame,
    columns: &[String],
    [i_uid, i_ts, i_op]: [usize; 3],
    optional: [Option<usize>; 5],
    ts_format: Option<TimeFormat>,
    rejected: &mut Vec<Rejected>,
) -> Result<()> {
    if rejects.height() == 0 {
        return Ok(());
    }
    let rows = rejects.column(c::ROW)?.idx()?;
    let reason = rejects.column("reason")?.u8()?;
    let s = |n: &str| -> Result<&StringChunked> { Ok(rejects.column(n)?.str()?) };
    let (uid, ts, op, own, chan) = (
        s("raw_uid")?,
        s("raw_ts")?,
        s("raw_op")?,
        s("raw_own")?,
        s("raw_chan")?,
    );
    let row_numbers: Vec<u64> = rows.iter().map(|r| u64::from(r.unwrap_or(0))).collect();
    let lines = match &src.decoded {
        Some(dec) => Some(lines_of_rows(dec, &row_numbers)?),
        None => None,
    };
    let fmt_desc = ts_format.map_or("ISO 8601", TimeFormat::describe);
    for (i, &row) in row_numbers.iter().enumerate() {
        let shown = |v: Option<&str>| v.unwrap_or("").to_string();
        let (col_idx, problem) = match reason.get(i).unwrap_or(0) {
            1 => (i_uid, "user id is empty".to_string()),
            2 if ts.get(i).is_none_or(|v| v.trim().is_empty()) => {
                (i_ts, "timestamp is empty".to_string())
            }
            2 => (
                i_ts,
                format!("\"{}\" is not a {fmt_desc} timestamp", shown(ts.get(i))),
            ),
            3 => (
                i_op,
                format!(
                    "\"{}\" is not an operation (read, create, update, delete, access)",
                    shown(op.get(i))
                ),
            ),
            4 => (
                optional[1].unwrap_or(0),
                format!("\"{}\" is not true or false", shown(own.get(i))),
            ),
            _ => (
                optional[2].unwrap_or(0),
                format!(
                    "\"{}\" is not a channel (voice, digital)",
                    shown(chan.get(i))
                ),
            ),
        };
        let _ = uid;
        let column = columns.get(col_idx).map_or("", String::as_str).trim();
        let mut r = Rejected::at_line(&src.name, 0, column, problem);
        match &lines {
            Some(map) => r.line = map.get(&row).copied().unwrap_or(0),
            None => r.row = row + 1,
        }
        rejected.push(r);
    }
    Ok(())
}

/// Maps 0-based data-row indexes to 1-based line numbers (quoted newlines make them differ).
fn lines_of_rows(dec: &crate::ingest::decode::Decoded, rows: &[u64]) -> Result<BTreeMap<u64, u64>> {
    let mut wanted: Vec<u64> = rows.to_vec();
    wanted.sort_unstable();
    let mut out = BTreeMap::new();
    let Some(&max) = wanted.last() else {
        return Ok(out);
    };
    let mut rdr = crate::ingest::decode::csv_reader(&dec.path, dec.delimiter)?;
    let mut rec = csv::ByteRecord::new();
    let mut data_row: i64 = -((dec.lines_before_header as i64) + 1);
    let mut next = 0usize;
    while rdr.read_byte_record(&mut rec)? {
        if data_row >= 0 {
            let r = data_row as u64;
            while next < wanted.len() && wanted[next] == r {
                out.insert(r, rec.position().map_or(0, |p| p.line()));
                next += 1;
            }
            if r >= max {
                break;
            }
        }
        data_row += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_codes() {
        let cases = [
            ("read", Some("read"), OP_READ),
            ("upper", Some("CREATE"), OP_CREATE),
            ("update", Some("update"), OP_UPDATE),
            ("delete", Some("delete"), OP_DELETE),
            ("access", Some("access"), OP_ACCESS),
            ("unknown", Some("assign"), BAD),
            ("missing", None, BAD),
        ];
        for (name, v, want) in cases {
            assert_eq!(op_code(v), want, "{name}");
        }
    }

    #[test]
    fn channel_codes() {
        assert_eq!(channel_code(None), CH_NONE);
        assert_eq!(channel_code(Some("Voice")), CH_VOICE);
        assert_eq!(channel_code(Some("digital")), CH_DIGITAL);
        assert_eq!(channel_code(Some("fax")), BAD);
    }
}
