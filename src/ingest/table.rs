//! Small inputs (assignments, subscriptions) read row by row with the `csv` crate, so that every
//! problem names its line. Columns are found by normalised header name.

use std::collections::HashMap;

use anyhow::{Context, Result};

use super::decode::Decoded;
use super::{Rejected, norm_header};

/// One data row with the line it starts on.
pub struct Row {
    pub line: u64,
    pub record: csv::StringRecord,
}

/// A small CSV table in memory.
pub struct Table {
    pub name: String,
    columns: HashMap<String, usize>,
    pub header: Vec<String>,
    pub rows: Vec<Row>,
}

impl Table {
    /// Reads every row; a row with the wrong number of fields is rejected, a broken file (a
    /// quote never closed, a stray quote that swallows lines, invalid UTF-8) is an error naming
    /// the line where the problem starts.
    pub fn read(name: &str, dec: &Decoded, rejected: &mut Vec<Rejected>) -> Result<Table> {
        // An open quote makes the rest of the file one field, which the csv crate accepts: a
        // few rows would be read and the others lost without a word.
        if let Some(line) = super::decode::unclosed_quote(&dec.path, dec.delimiter)
            .with_context(|| format!("{name}: cannot read"))?
        {
            anyhow::bail!(
                "{name}:{line}: a quoted field opened here is never closed (a missing \")"
            );
        }
        let mut rdr = super::decode::csv_reader(&dec.path, dec.delimiter)
            .with_context(|| format!("{name}: cannot open"))?;
        let mut records = rdr.records();
        for _ in 0..dec.lines_before_header + 1 {
            records.next();
        }
        let width = dec.header.len();
        let mut rows = Vec::new();
        for rec in records {
            let record = rec.map_err(|e| csv_error(name, &e))?;
            let line = record.position().map_or(0, |p| p.line());
            if record.len() == 1 && record.get(0).is_some_and(|f| f.trim().is_empty()) {
                continue; // blank line
            }
            if record.len() != width {
                // A quote that pairs with one lines later swallows the rows between: no
                // row of its own, a broken file.
                let newlines: usize = record.iter().map(|f| f.matches('\n').count()).sum();
                if newlines > 0 {
                    anyhow::bail!(
                        "{name}:{line}: a quoted field opened here runs over {} lines and \
                         leaves {} fields where the header has {width} (a stray or missing \")",
                        newlines + 1,
                        record.len()
                    );
                }
                rejected.push(Rejected::at_line(
                    name,
                    line,
                    "",
                    format!(
                        "expected {width} fields as in the header, found {}",
                        record.len()
                    ),
                ));
                continue;
            }
            rows.push(Row { line, record });
        }
        let mut columns = HashMap::new();
        for (i, h) in dec.header.iter().enumerate() {
            columns.entry(norm_header(h)).or_insert(i);
        }
        Ok(Table {
            name: name.to_string(),
            columns,
            header: dec.header.clone(),
            rows,
        })
    }

    /// Reads a small source, which must be CSV (`what` names the kind in the message).
    pub fn from_source(
        src: &super::Source,
        what: &str,
        rejected: &mut Vec<Rejected>,
    ) -> Result<Table> {
        let Some(dec) = &src.decoded else {
            anyhow::bail!(
                "{}: Parquet {what} are not supported; export them as CSV",
                src.name
            );
        };
        Table::read(&src.name, dec, rejected)
    }

    /// Index of the first column whose normalised header is one of `names`.
    pub fn col(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.columns.get(*n).copied())
    }

    /// The header as written for a column index.
    pub fn header_name(&self, idx: usize) -> &str {
        self.header.get(idx).map_or("", String::as_str)
    }

    /// A rejected row of this file at `line`, naming the column (by index) as written.
    pub fn reject(&self, line: u64, column: Option<usize>, problem: impl Into<String>) -> Rejected {
        let column = column.map_or("", |c| self.header_name(c));
        Rejected::at_line(&self.name, line, column, problem)
    }
}

/// A csv-crate error as `file:line: problem`.
pub fn csv_error(name: &str, e: &csv::Error) -> anyhow::Error {
    let line = e.position().map_or(0, |p| p.line());
    let what = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            "not valid UTF-8; save the file as UTF-8 or pass --encoding".to_string()
        }
        _ => e.to_string(),
    };
    anyhow::anyhow!("{name}:{line}: {what}")
}
