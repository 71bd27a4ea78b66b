//! Opening one activity source: the raw frame (CSV with a positional all-string schema, or
//! Parquet), the kind's slim expressions, one checking pass for coverage and rejected rows,
//! and the slim frame the window aggregation reads.

use std::sync::Arc;

use anyhow::{Result, anyhow};
use indicatif::ProgressBar;
use polars::prelude::*;

use super::kinds::{self, SlimSpec};
use super::locate::{first_csv_value, locate_polars_error, parquet_first_string};
use super::rollup::{self, Coded, Limit, Parts, Window};
use super::udf::{is_typed_timestamp, timestamp_expr};
use super::*;
use crate::ingest::decode::lines_of_rows;
use crate::ingest::timeparse::TimeFormat;
use crate::ingest::{Rejected, Source, norm_header};

/// The raw columns of a source under positional names `c0, c1, …` (the file's header may
/// repeat a name or differ in case and spacing).
pub(super) struct Raw<'a> {
    pub src: &'a Source,
    pub lf: LazyFrame,
    schema: SchemaRef,
    /// The columns the kind's expressions read (for CSV, only these are parsed).
    used: std::cell::RefCell<std::collections::BTreeSet<usize>>,
    /// The column the kind's timestamp comes from, once asked for (`timestamp`).
    ts_column: std::cell::Cell<Option<usize>>,
}

impl Raw<'_> {
    /// Index of the first column whose normalised header is one of `names`.
    pub fn find(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.src.columns.iter().position(|c| norm_header(c) == *n))
    }

    pub fn need(&self, names: &[&str]) -> Result<usize> {
        self.find(names)
            .ok_or_else(|| anyhow!("{}: no `{}` column", self.src.name, names[0]))
    }

    /// A column as text.
    pub fn text(&self, i: usize) -> Expr {
        self.typed(i).cast(DataType::String)
    }

    /// An optional column as text (all null when absent).
    pub fn opt(&self, i: Option<usize>) -> Expr {
        match i {
            Some(i) => self.text(i),
            None => lit(NULL).cast(DataType::String),
        }
    }

    /// The header as written.
    pub fn header(&self, i: usize) -> String {
        self.src.columns.get(i).map_or("", |s| s.trim()).to_string()
    }

    /// The first non-empty value of a column, as text (`None` when every value is empty).
    pub fn first_value(&self, i: usize) -> Result<Option<String>> {
        match &self.src.decoded {
            Some(dec) => first_csv_value(dec, i),
            None => parquet_first_string(&self.src.path, &self.src.columns[i]),
        }
    }

    fn dtype(&self, i: usize) -> DataType {
        self.schema
            .get(internal(i).as_str())
            .cloned()
            .unwrap_or(DataType::String)
    }

    /// A column as it is typed.
    pub fn typed(&self, i: usize) -> Expr {
        self.used.borrow_mut().insert(i);
        col(internal(i))
    }

    /// Whether a column is typed boolean (Parquet), not text.
    pub fn is_boolean(&self, i: usize) -> bool {
        self.dtype(i) == DataType::Boolean
    }

    /// Whether a timestamp column is typed (a Parquet datetime or date), not text.
    pub fn typed_timestamp(&self, i: usize) -> bool {
        is_typed_timestamp(&self.dtype(i))
    }

    /// A timestamp column as text for messages: a typed one as its raw number, since a value
    /// out of chrono's range cannot be formatted as a date.
    pub fn timestamp_text(&self, i: usize) -> Expr {
        if self.typed_timestamp(i) {
            self.typed(i).cast(DataType::Int64).cast(DataType::String)
        } else {
            self.text(i)
        }
    }

    /// Epoch milliseconds of a timestamp column, in the file's one format.
    pub fn timestamp(&self, i: usize) -> Result<(Expr, Option<TimeFormat>)> {
        self.ts_column.set(Some(i));
        let dtype = self.dtype(i);
        let sample = match &self.src.decoded {
            Some(dec) => first_csv_value(dec, i)?,
            None if dtype == DataType::String => {
                parquet_first_string(&self.src.path, &self.src.columns[i])?
            }
            None => None,
        };
        let fmt = match sample {
            None => None,
            Some(s) => Some(TimeFormat::detect(&s).ok_or_else(|| {
                anyhow!(
                    "{}: {}: the first timestamp \"{s}\" is neither ISO 8601 nor US M/D/YYYY h:mm:ss AM",
                    self.src.name,
                    self.header(i)
                )
            })?),
        };
        Ok((timestamp_expr(self.typed(i), &dtype, fmt), fmt))
    }
}

fn internal(i: usize) -> String {
    format!("c{i}")
}

/// Opens the raw frame; `with_rows` adds the row index (which costs the CSV reader a
/// sequential line count, so it is only asked for when there are rejected rows to locate).
fn open(src: &Source, with_rows: bool) -> Result<Raw<'_>> {
    let row_index = with_rows.then(|| RowIndex {
        name: c::ROW.into(),
        offset: 0,
    });
    let lf = match &src.decoded {
        Some(dec) => {
            let schema: Schema = (0..src.columns.len())
                .map(|i| Field::new(internal(i).into(), DataType::String))
                .collect();
            LazyCsvReader::new(PlRefPath::try_from_path(&dec.path)?)
                .with_has_header(false)
                .with_skip_rows(dec.lines_before_header + 1)
                .with_separator(dec.delimiter)
                .with_schema(Some(Arc::new(schema)))
                .with_missing_is_null(true)
                .with_raise_if_empty(false)
                .with_row_index(row_index)
                .finish()?
        }
        None => {
            let args = ScanArgsParquet {
                row_index,
                ..ScanArgsParquet::default()
            };
            let lf = LazyFrame::scan_parquet(PlRefPath::try_from_path(&src.path)?, args)?;
            let row = if with_rows {
                col(c::ROW)
            } else {
                lit(0u32).alias(c::ROW)
            };
            let exprs: Vec<Expr> = std::iter::once(row)
                .chain(
                    src.columns
                        .iter()
                        .enumerate()
                        .map(|(i, n)| col(n.as_str()).alias(internal(i))),
                )
                .collect();
            lf.select(exprs)
        }
    };
    let mut lf = lf;
    let schema = lf.collect_schema()?;
    Ok(Raw {
        src,
        lf,
        schema,
        used: Default::default(),
        ts_column: Default::default(),
    })
}

/// Opens an activity source and reads it once: its row statistics, its rejected rows (located
/// by a second read only when there are any) and its per-user, per-table and per-device
/// activity, limited by `limit`.
pub fn prepare(
    src: &Source,
    ctx: &SourceContext,
    limit: Limit,
    words: usize,
    rows_read: &ProgressBar,
    rejected: &mut Vec<Rejected>,
) -> Result<Prepared> {
    let raw = open(src, false)?;
    let spec = kinds::spec(&raw, ctx)?;
    let shape = shape_of(src);
    let pass = read(&raw, &spec, limit, words, Some(rows_read), &shape)?;
    let parts = pass.parts;
    let users = parts.users()?;
    let mut user_ids: Vec<String> = {
        let uid = users.column(c::UID)?.str()?;
        // The users of all the source's activity unless the window was known beforehand.
        let counted = match limit {
            Limit::From(_) => "all_events",
            _ => "events",
        };
        let events = users.column(counted)?.u64()?;
        uid.iter()
            .zip(events.iter())
            .filter(|(_, n)| n.unwrap_or(0) > 0)
            .filter_map(|(u, _)| u.map(str::to_string))
            .collect()
    };
    user_ids.sort_unstable();
    user_ids.dedup();
    let (first_ms, last_ms) = parts.ok_span()?;
    let coverage = Coverage {
        source: src.index,
        name: src.name.clone(),
        rows: parts.stat("rows")?,
        rejected: parts.stat("rejected")?,
        skipped: parts.stat("skipped")?,
        first_ms,
        last_ms,
        operation_level: spec.operation_level,
        user_ids,
        rejected_by_column: spec
            .checks
            .iter()
            .enumerate()
            .map(|(k, chk)| Ok((chk.column.clone(), parts.stat(&format!("rej{k}"))?)))
            .filter(|r| !matches!(r, Ok((_, 0))))
            .collect::<Result<_>>()?,
    };
    let mut rejects_later = None;
    if let Some(rejects) = pass.rejects.filter(|_| coverage.rejected > 0) {
        report_rejects(src, &rejects, &spec.checks, rejected)?;
    } else if coverage.rejected > 0 {
        match parquet_copy(src) {
            // Only the report needs them: a Parquet file's are located beside the analysis.
            Some(src) => {
                let ctx = ctx.clone();
                let rows = coverage.rows;
                rejects_later = Some(std::thread::spawn(move || {
                    let mut rejected = Vec::new();
                    locate_rejects(&src, &ctx, rows, &mut rejected).map(|()| rejected)
                }));
            }
            None => locate_rejects(src, ctx, coverage.rows, rejected)?,
        }
    }
    Ok(Prepared {
        coverage,
        parts,
        users,
        rejects_later,
    })
}

/// A Parquet source as an owned value (a CSV source holds its decoded file).
fn parquet_copy(src: &Source) -> Option<Source> {
    src.decoded.is_none().then(|| Source {
        index: src.index,
        kind: src.kind,
        name: src.name.clone(),
        path: src.path.clone(),
        decoded: None,
        columns: src.columns.clone(),
    })
}

/// The first rejected rows of a source (of `rows`), by a second read with row numbers:
/// streaming, so that it holds only them (the in-memory engine held the whole file: +6 GiB
/// for a 4.5 GB export with 3% rejected rows). A Parquet file is read in growing slices from
/// its start (its reader skips the row groups before a slice), until they are found: with 3%
/// of rows rejected, the first slice.
fn locate_rejects(
    src: &Source,
    ctx: &SourceContext,
    rows: u64,
    rejected: &mut Vec<Rejected>,
) -> Result<()> {
    let raw = open(src, true)?;
    let spec = kinds::spec(&raw, ctx)?;
    let mut found: Vec<LazyFrame> = Vec::new();
    let mut missing = MAX_REJECTS_KEPT;
    let (mut from, mut len) = (0u64, if src.decoded.is_some() { rows } else { 1 << 18 });
    while missing > 0 && from < rows.max(1) {
        let lf = if from == 0 && len >= rows {
            raw.lf.clone()
        } else {
            raw.lf.clone().slice(
                i64::try_from(from).unwrap_or(i64::MAX),
                IdxSize::try_from(len).unwrap_or(IdxSize::MAX),
            )
        };
        let rejects = first_rejects(checked_frame(lf, &spec, true), &spec, missing);
        let rejects = LazyFrame::collect_all_with_engine(
            vec![rejects.logical_plan],
            Engine::Streaming,
            OptFlags::default(),
        )
        .map_err(|e| locate_polars_error(&shape_of(src), &src.name, e))?
        .pop()
        .ok_or_else(|| anyhow!("{}: the query returned no result", src.name))?;
        missing = missing.saturating_sub(rejects.height());
        found.push(rejects.lazy());
        from += len;
        len = len.saturating_mul(4);
    }
    let rejects = concat(found, UnionArgs::default())?.collect()?;
    report_rejects(src, &rejects, &spec.checks, rejected)
}

/// Sample points of a CSV source for `latest_guess`, and the bytes read at each.
const SAMPLE_POINTS: u64 = 64;
const SAMPLE_BYTES: u64 = 64 << 10;

/// A guess of the source's latest valid timestamp (epoch ms) without reading it whole, for the
/// window's end when no `--as-of` is given: for CSV the latest valid row of a sample of its
/// lines (64 runs of 64 KiB spread over the file, and its end), for Parquet the latest
/// timestamp of any row: from the footer's statistics when the column is typed, else by
/// reading that one column. `None` when nothing can be guessed. A wrong guess costs
/// a second read (see `aggregate`), never a different result.
pub fn latest_guess(src: &Source, ctx: &SourceContext) -> Option<i64> {
    guess(src, ctx).ok().flatten()
}

fn guess(src: &Source, ctx: &SourceContext) -> Result<Option<i64>> {
    let lf = match &src.decoded {
        Some(dec) => {
            let raw = sample(src, dec)?;
            let spec = kinds::spec(&raw, ctx)?;
            checked_frame(raw.lf, &spec, false)
                .filter(col("reason").eq(lit(0u8)))
                .select([col(c::TS).max()])
        }
        None => {
            let raw = open(src, false)?;
            let spec = kinds::spec(&raw, ctx)?;
            // A typed timestamp's latest value is in the file's footer: no read at all.
            let stated = raw.ts_column.get().and_then(|i| {
                super::statistics::latest_timestamp(&src.path, &src.columns[i], &raw.dtype(i))
            });
            if stated.is_some() {
                return Ok(stated);
            }
            raw.lf.select(spec.slim.clone()).select([col(c::TS).max()])
        }
    };
    let out = LazyFrame::collect_all_with_engine(
        vec![lf.logical_plan],
        Engine::Streaming,
        OptFlags::default(),
    )?;
    let Some(df) = out.first() else {
        return Ok(None);
    };
    Ok(df.column(c::TS)?.i64()?.get(0))
}

/// Whole lines from `SAMPLE_POINTS` places of a CSV source and from its end, as a raw frame.
fn sample<'a>(src: &'a Source, dec: &crate::ingest::decode::Decoded) -> Result<Raw<'a>> {
    use std::io::{BufRead, Read, Seek, SeekFrom};
    let mut file = std::io::BufReader::new(std::fs::File::open(&dec.path)?);
    let mut start = 0u64;
    let mut line = Vec::new();
    for _ in 0..=dec.lines_before_header {
        line.clear();
        start += file.read_until(b'\n', &mut line)? as u64;
    }
    let len = file.get_ref().metadata()?.len();
    let data = len.saturating_sub(start);
    let mut buf = Vec::new();
    if data <= (SAMPLE_POINTS + 1) * SAMPLE_BYTES {
        file.seek(SeekFrom::Start(start))?;
        file.read_to_end(&mut buf)?;
    } else {
        let mut chunk = Vec::with_capacity(SAMPLE_BYTES as usize);
        for k in 0..=SAMPLE_POINTS {
            let at = if k == SAMPLE_POINTS {
                len - SAMPLE_BYTES
            } else {
                start + data / SAMPLE_POINTS * k
            };
            chunk.clear();
            file.seek(SeekFrom::Start(at))?;
            (&mut file).take(SAMPLE_BYTES).read_to_end(&mut chunk)?;
            // Whole lines only: from after the first line break (unless at the data's start)
            // to the last one (unless at the end of the file).
            let from = if at == start {
                0
            } else {
                chunk
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(chunk.len(), |i| i + 1)
            };
            let to = if at + chunk.len() as u64 >= len {
                chunk.len()
            } else {
                chunk.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
            };
            if from < to {
                buf.extend_from_slice(&chunk[from..to]);
                if buf.last() != Some(&b'\n') {
                    buf.push(b'\n');
                }
            }
        }
    }
    let schema: Schema = (0..src.columns.len())
        .map(|i| Field::new(internal(i).into(), DataType::String))
        .collect();
    let delimiter = dec.delimiter;
    let df = CsvReadOptions::default()
        .with_has_header(false)
        .with_schema(Some(Arc::new(schema)))
        .with_raise_if_empty(false)
        .map_parse_options(|p| {
            p.with_separator(delimiter)
                .with_missing_is_null(true)
                .with_truncate_ragged_lines(true)
        })
        .into_reader_with_file_handle(std::io::Cursor::new(buf))
        .finish()?;
    let schema = df.schema().clone();
    Ok(Raw {
        src,
        lf: df.lazy(),
        schema,
        used: Default::default(),
        ts_column: Default::default(),
    })
}

/// Reads a source again for the activity of `window` only (its statistics are already known).
pub(super) fn read_window(
    src: &Source,
    ctx: &SourceContext,
    window: Window,
    words: usize,
) -> Result<Parts> {
    let raw = open(src, false)?;
    let spec = kinds::spec(&raw, ctx)?;
    Ok(read(
        &raw,
        &spec,
        Limit::Window(window),
        words,
        None,
        &shape_of(src),
    )?
    .parts)
}

fn shape_of(src: &Source) -> Option<CsvShape> {
    src.decoded.as_ref().map(|dec| CsvShape {
        name: src.name.clone(),
        path: dec.path.clone(),
        delimiter: dec.delimiter,
        width: src.columns.len(),
        lines_before_header: dec.lines_before_header,
    })
}

/// What one pass over a source gives: its results and, when the pass could keep them on the
/// way, its first rejected rows with their row numbers.
struct Pass {
    parts: Parts,
    rejects: Option<DataFrame>,
}

/// The one pass over a source: per-user (with the row statistics), per-table and per-device
/// results. A CSV source is read in blocks parsed on every core (`split`), except when writes
/// to own records are found by joining creates across the whole source.
fn read(
    raw: &Raw,
    spec: &SlimSpec,
    limit: Limit,
    words: usize,
    rows_read: Option<&ProgressBar>,
    shape: &Option<CsvShape>,
) -> Result<Pass> {
    if let Some(dec) = raw.src.decoded.as_ref().filter(|_| !spec.own_from_creator) {
        return read_blocks(raw, dec, spec, limit, words, rows_read, shape);
    }
    let mut checked = checked_frame(raw.lf.clone(), spec, false);
    if let Some(bar) = rows_read.filter(|b| !b.is_hidden()) {
        // Counts the rows as they stream through (the column passes unchanged).
        let bar = bar.clone();
        checked = checked.with_column(col("reason").map(
            move |c: Column| {
                bar.inc(c.len() as u64);
                Ok(c)
            },
            |_, f| Ok(f.clone()),
        ));
    }
    if spec.own_from_creator {
        // A write to a record the same user created (in this source) is to their own record.
        let ok = col("reason").eq(lit(0u8)).and(col("keep"));
        let created = checked
            .clone()
            .filter(
                ok.and(col(c::OP).eq(lit(OP_CREATE)))
                    .and(col(c::OBJ).is_not_null()),
            )
            .select([col(c::UID), col(c::OBJ)])
            .unique(None, UniqueKeepStrategy::Any)
            .with_column(lit(1u8).alias("creator"));
        checked = checked
            .join(
                created,
                [col(c::UID), col(c::OBJ)],
                [col(c::UID), col(c::OBJ)],
                JoinArgs::new(JoinType::Left),
            )
            .with_column(
                when(col("creator").eq(lit(1u8)))
                    .then(lit(1u8))
                    .otherwise(col(c::OWN))
                    .cast(DataType::UInt8)
                    .alias(c::OWN),
            );
    }
    // Without row numbers: a Parquet scan with a row index made the 40M-event pass 0.6 s
    // slower, against 0.13 s for the second read that locates the first rejected rows.
    let (coded, _) = run(checked, spec, limit, words, 0)
        .map_err(|e| locate_polars_error(shape, &raw.src.name, e))?;
    Ok(Pass {
        parts: finished(coded, spec, limit, words)?,
        rejects: None,
    })
}

/// A source's results from its coded ones.
fn finished(coded: Coded, spec: &SlimSpec, limit: Limit, words: usize) -> Result<Parts> {
    let results = super::rollup::finish(coded, spec.checks.len(), &spec.ids, &spec.codes)?;
    Ok(Parts::new(results, limit, words))
}

/// The results of a checked frame (keyed by codes), and its first `keep_rejects` rejected
/// rows (with the row numbers, `reason` and the checks' raw values) when asked for.
fn run(
    checked: LazyFrame,
    spec: &SlimSpec,
    limit: Limit,
    words: usize,
    keep_rejects: usize,
) -> PolarsResult<(Coded, Option<DataFrame>)> {
    let checked = checked.cache();
    let plans = super::rollup::plans(checked.clone(), limit, words, spec.unit, &spec.codes);
    let rejects = (keep_rejects > 0).then(|| first_rejects(checked, spec, keep_rejects));
    // One scan of the source feeds every result (Polars shares the common subplan).
    let (coded, rejects) = super::rollup::collect_with(plans, rejects, Engine::Streaming)?;
    Ok((rollup::unpack(coded)?, rejects))
}

/// The first `keep` rejected rows of a checked frame: row number, `reason` and the checks' raw
/// values.
fn first_rejects(checked: LazyFrame, spec: &SlimSpec, keep: usize) -> LazyFrame {
    let mut cols = vec![col(c::ROW), col("reason")];
    cols.extend((0..spec.checks.len()).map(|k| col(format!("raw{k}"))));
    checked
        .filter(col("reason").neq(lit(0u8)))
        .select(cols)
        .limit(IdxSize::try_from(keep).unwrap_or(IdxSize::MAX))
}

/// Parsed blocks per window: each window of a CSV file (`CSV_WINDOW_BYTES`) is one Polars
/// pass, and the windows' per-user results are merged as they come.
const WINDOW_BLOCKS: usize = super::CSV_WINDOW_BYTES / super::split::BLOCK_BYTES;

/// Merged results stay below this many rows between merges, or twice the merged ones.
const MERGE_ROWS: usize = 1 << 18;

/// `read` for a CSV source: the file in blocks ending at row ends, parsed on every core by
/// Polars' CSV parser (only the columns the kind reads), one Polars pass per window of blocks
/// with the row numbers of the file, so the first rejected rows are kept on the way.
fn read_blocks(
    raw: &Raw,
    dec: &crate::ingest::decode::Decoded,
    spec: &SlimSpec,
    limit: Limit,
    words: usize,
    rows_read: Option<&ProgressBar>,
    shape: &Option<CsvShape>,
) -> Result<Pass> {
    use super::split;
    let name = &raw.src.name;
    let located = |e: PolarsError| locate_polars_error(shape, name, e);
    let width = raw.src.columns.len();
    let schema: SchemaRef = Arc::new(
        (0..width)
            .map(|i| Field::new(internal(i).into(), DataType::String))
            .collect(),
    );
    let with_rows = |df: DataFrame, offset: u64| -> Result<DataFrame> {
        let offset = IdxSize::try_from(offset)
            .map_err(|_| anyhow!("{name}: more rows than this build of Polars can index"))?;
        Ok(df.with_row_index(c::ROW.into(), Some(offset))?)
    };
    let used: Vec<usize> = raw
        .used
        .borrow()
        .iter()
        .copied()
        .filter(|&i| i < width)
        .collect();
    let mut parser = split::Parser::new(dec.delimiter, schema.clone(), used.clone());
    let reads_only_used = !used.is_empty()
        && checked_frame(with_rows(parser.empty(), 0)?.lazy(), spec, true)
            .collect_schema()
            .is_ok();
    if !reads_only_used {
        parser = split::Parser::new(dec.delimiter, schema, (0..width).collect());
    }
    let start = split::data_start(&dec.path, dec.lines_before_header + 1)?;
    let (blocks, _reader) = split::blocks(&dec.path, start, split::BLOCK_BYTES)?;
    let unclosed = || {
        anyhow!(
            shape
                .as_ref()
                .and_then(super::locate::locate_in_csv)
                .unwrap_or_else(|| format!(
                    "{name}: a quoted field is never closed (a missing \")"
                ))
        )
    };
    let mut rows = 0u64;
    let mut merged: Option<Coded> = None;
    let mut pending: Vec<Coded> = Vec::new();
    let mut rejects: Vec<DataFrame> = Vec::new();
    let mut kept = 0usize;
    std::thread::scope(|scope| -> Result<()> {
        // Windows are parsed one ahead of the Polars pass, so parsing and the pass overlap.
        let (windows, parsed) = std::sync::mpsc::sync_channel::<Result<DataFrame>>(1);
        let parser = &parser;
        scope.spawn(move || {
            let mut first = true;
            loop {
                let mut window = Vec::with_capacity(WINDOW_BLOCKS);
                while window.len() < WINDOW_BLOCKS {
                    match blocks.recv() {
                        Ok(Ok(b)) => window.push(b),
                        Ok(Err(split::Stop::Io(e))) => {
                            let _ = windows.send(Err(anyhow!("{name}: cannot read: {e}")));
                            return;
                        }
                        Ok(Err(split::Stop::Unclosed)) => {
                            let _ = windows.send(Err(unclosed()));
                            return;
                        }
                        // The file is read.
                        Err(_) => break,
                    }
                }
                let last = window.len() < WINDOW_BLOCKS;
                if window.is_empty() && !first {
                    return;
                }
                first = false;
                let df = split::parse_all(parser, &window)
                    .map_err(located)
                    .and_then(|frames| split::stack(frames, parser));
                drop(window);
                if windows.send(df).is_err() || last {
                    return;
                }
            }
        });
        for df in parsed {
            let df = df?;
            let height = df.height() as u64;
            let df = with_rows(df, rows)?;
            rows += height;
            if let Some(bar) = rows_read {
                bar.inc(height);
            }
            let (coded, rej) = run(
                checked_frame(df.lazy(), spec, true),
                spec,
                limit,
                words,
                MAX_REJECTS_KEPT - kept,
            )
            .map_err(located)?;
            if let Some(rej) = rej.filter(|r| r.height() > 0) {
                kept += rej.height();
                rejects.push(rej);
            }
            pending.push(coded);
            let pending_rows: usize = pending.iter().map(rollup::height).sum();
            if pending_rows >= MERGE_ROWS.max(merged.as_ref().map_or(0, rollup::height)) {
                let all = merged.take().into_iter().chain(pending.drain(..)).collect();
                merged = Some(rollup::merge(all)?);
            }
        }
        Ok(())
    })?;
    let coded = rollup::merge(merged.into_iter().chain(pending).collect())?;
    let parts = finished(coded, spec, limit, words)?;
    // Kept on the way, even when there were none (so no second read looks for them).
    let rejects = if rejects.is_empty() {
        DataFrame::empty()
    } else {
        let lazies: Vec<LazyFrame> = rejects.into_iter().map(DataFrame::lazy).collect();
        concat(lazies, UnionArgs::default())?.collect()?
    };
    Ok(Pass {
        parts,
        rejects: Some(rejects),
    })
}

/// The slim columns, `keep`, the raw values the checks show, and `reason` (1 + index of the
/// first failing check, 0 when the row is fine).
fn checked_frame(lf: LazyFrame, spec: &SlimSpec, with_rows: bool) -> LazyFrame {
    let row = if with_rows {
        col(c::ROW)
    } else {
        lit(0u32).alias(c::ROW)
    };
    let mut exprs: Vec<Expr> = vec![row];
    exprs.extend(spec.slim.iter().cloned());
    exprs.push(spec.keep.clone().alias("keep"));
    exprs.extend(
        spec.checks
            .iter()
            .enumerate()
            .map(|(k, chk)| chk.raw.clone().alias(format!("raw{k}"))),
    );
    let mut reason = lit(0u8);
    for (k, chk) in spec.checks.iter().enumerate().rev() {
        reason = when((chk.bad)(col(format!("raw{k}"))))
            .then(lit((k + 1) as u8))
            .otherwise(reason);
    }
    lf.select(exprs)
        .with_column(reason.cast(DataType::UInt8).alias("reason"))
}

/// Formats the rejected rows of one source, with line numbers for CSV.
fn report_rejects(
    src: &Source,
    rejects: &DataFrame,
    checks: &[kinds::Check],
    rejected: &mut Vec<Rejected>,
) -> Result<()> {
    if rejects.height() == 0 {
        return Ok(());
    }
    let rows = rejects.column(c::ROW)?.idx()?;
    let reason = rejects.column("reason")?.u8()?;
    let raws: Vec<&StringChunked> = (0..checks.len())
        .map(|k| rejects.column(&format!("raw{k}")).and_then(|c| c.str()))
        .collect::<PolarsResult<_>>()?;
    let row_numbers: Vec<u64> = rows.iter().map(|r| u64::from(r.unwrap_or(0))).collect();
    let lines = match &src.decoded {
        Some(dec) => Some(lines_of_rows(dec, row_numbers.iter().copied())?),
        None => None,
    };
    for (i, &row) in row_numbers.iter().enumerate() {
        let k = usize::from(reason.get(i).unwrap_or(1).max(1)) - 1;
        let Some(chk) = checks.get(k) else { continue };
        let value = raws[k].get(i).unwrap_or("").trim();
        let mut r = Rejected::at_line(&src.name, 0, &chk.column, (chk.message)(value));
        match &lines {
            Some(map) => r.line = map.get(&row).copied().unwrap_or(0),
            None => r.row = row + 1,
        }
        rejected.push(r);
    }
    Ok(())
}
