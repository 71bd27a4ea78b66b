//! The Polars side of the cost reader: the raw frame of a file (CSV under positional all-text
//! columns, or Parquet), the file's date format from the head of its date column, and line
//! numbers for what Polars reports by row index or not at all (a structural error).

use std::sync::Arc;

use anyhow::{Result, anyhow};
use polars::prelude::*;

use super::{DATE, ROLES};
use crate::ingest::Source;
use crate::ingest::timeparse::TimeFormat;

pub(super) fn internal(i: usize) -> String {
    format!("c{i}")
}

pub(super) fn header(src: &Source, i: Option<usize>) -> String {
    i.and_then(|i| src.columns.get(i))
        .map_or("", |s| s.trim())
        .to_string()
}

/// The raw frame under positional names `c0, c1, …` (a header may repeat a name), all text
/// for CSV.
pub(super) fn open(src: &Source) -> Result<LazyFrame> {
    match &src.decoded {
        Some(dec) => {
            let schema: Schema_ = (0..src.columns.len())
                .map(|i| Field::new(internal(i).into(), DataType::String))
                .collect();
            Ok(LazyCsvReader::new(PlRefPath::try_from_path(&dec.path)?)
                .with_has_header(false)
                .with_skip_rows(dec.lines_before_header + 1)
                .with_separator(dec.delimiter)
                .with_schema(Some(Arc::new(schema)))
                .with_missing_is_null(true)
                .with_raise_if_empty(false)
                .finish()?)
        }
        None => {
            let lf = LazyFrame::scan_parquet(
                PlRefPath::try_from_path(&src.path)?,
                ScanArgsParquet::default(),
            )?;
            Ok(lf.select(
                src.columns
                    .iter()
                    .enumerate()
                    .map(|(i, n)| col(n.as_str()).alias(internal(i)))
                    .collect::<Vec<_>>(),
            ))
        }
    }
}

type Schema_ = polars::prelude::Schema;

/// The file's date format, from its first non-empty date value.
pub(super) fn first_format(slim: &LazyFrame, src: &Source, column: &str) -> Result<TimeFormat> {
    let date = ROLES[DATE];
    let first_in = |lf: LazyFrame| -> Result<Option<String>> {
        let df = lf
            .select([col(date)])
            .filter(col(date).str().strip_chars(lit(NULL)).neq(lit("")))
            .limit(1)
            .collect()
            .map_err(|e| structural_error(src, e))?;
        Ok(df.column(date)?.str()?.get(0).map(|s| s.trim().to_string()))
    };
    // A filter stops the reader from stopping early: look at the head of the file first (the
    // slice is pushed into the reader), the whole file only when the head has no date.
    let sample = match first_in(slim.clone().slice(0, 10_000))? {
        Some(s) => Some(s),
        None => first_in(slim.clone())?,
    };
    match sample {
        // No dated row: every row is rejected as undated, so any format will do.
        None => Ok(TimeFormat::Iso),
        Some(s) => TimeFormat::detect(&s).ok_or_else(|| {
            anyhow!(
                "{}: {column}: the first date \"{s}\" is neither ISO 8601 (2026-10-01) nor \
                 MM/DD/YYYY; the format of a file is decided from its first value",
                src.name
            )
        }),
    }
}

/// A Polars read error as `file:line: problem`, located by re-reading with the csv crate.
pub(super) fn structural_error(src: &Source, err: PolarsError) -> anyhow::Error {
    let Some(dec) = &src.decoded else {
        return anyhow!("{}: cannot read: {err}", src.name);
    };
    let located = (|| -> Option<anyhow::Error> {
        let mut rdr = crate::ingest::decode::csv_reader(&dec.path, dec.delimiter).ok()?;
        let width = src.columns.len();
        for rec in rdr.records().skip(dec.lines_before_header + 1) {
            match rec {
                Err(e) => return Some(crate::ingest::table::csv_error(&src.name, &e)),
                Ok(r) if r.len() > width => {
                    let line = r.position().map_or(0, |p| p.line());
                    return Some(anyhow!(
                        "{}:{line}: expected {width} fields as in the header, found {}",
                        src.name,
                        r.len()
                    ));
                }
                Ok(_) => {}
            }
        }
        None
    })();
    located.unwrap_or_else(|| anyhow!("{}: cannot read: {err}", src.name))
}
