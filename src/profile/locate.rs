//! Line numbers for what Polars reports by row index or byte offset: the first value of a
//! column, the first structural problem of a CSV file, and the lines of rejected rows, all by
//! re-reading the file with the csv crate (quoted newlines make rows and lines differ).

use anyhow::{Result, anyhow};
use polars::prelude::*;

use super::CsvShape;

/// The first data value of column `idx`, read with the csv crate.
pub(super) fn first_csv_value(
    dec: &crate::ingest::decode::Decoded,
    idx: usize,
) -> Result<Option<String>> {
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

pub(super) fn parquet_first_string(path: &std::path::Path, column: &str) -> Result<Option<String>> {
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
pub(super) fn locate_polars_error(
    shape: &Option<CsvShape>,
    name: &str,
    err: PolarsError,
) -> anyhow::Error {
    match shape.as_ref().and_then(locate_in_csv) {
        Some(msg) => anyhow!(msg),
        None => anyhow!("{name}: cannot read: {err}"),
    }
}

/// The first structural problem of a CSV file (a row with the wrong number of fields, a broken
/// quote, invalid UTF-8), as `file:line: problem`.
pub(super) fn locate_in_csv(shape: &CsvShape) -> Option<String> {
    let mut rdr = crate::ingest::decode::csv_reader(&shape.path, shape.delimiter).ok()?;
    let mut rec = csv::ByteRecord::new();
    let mut n = 0usize;
    loop {
        n += 1;
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => return unterminated_quote(shape),
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
                // The lines before the header (`#TYPE`, `sep=`) have fields of their own.
                let preamble = n <= shape.lines_before_header;
                if rec.len() != shape.width && !blank && !preamble {
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

/// A quote opened and never closed swallows the rest of the file; the csv crate accepts that
/// quietly, so find the line where the open quote starts.
fn unterminated_quote(shape: &CsvShape) -> Option<String> {
    let line = crate::ingest::decode::unclosed_quote(&shape.path, shape.delimiter).ok()??;
    Some(format!(
        "{}:{line}: a quoted field opened here is never closed (a missing \")",
        shape.name
    ))
}
