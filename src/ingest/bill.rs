//! The bill's inputs in one place: every cost export and capacity file of the folder read
//! (`costs`, `capacity`), their per-file facts for the folder listing, and the typed `Usage`
//! of the analysis window built from their sums.

use std::collections::BTreeMap;

use anyhow::Result;

use super::{Folder, InputFile, Kind, Rejected};
use crate::usage::lines::LineRules;
use crate::usage::{CapacityTotals, CostTotals, Month, Usage, Window};

/// What the cost and capacity files held, before the window is applied.
#[derive(Debug, Default)]
pub struct BillInputs {
    pub costs: CostTotals,
    pub capacity: CapacityTotals,
    files: Vec<FileFacts>,
}

#[derive(Debug)]
struct FileFacts {
    index: usize,
    what: String,
    rows: u64,
    rejected: u64,
    first: Option<Month>,
    last: Option<Month>,
}

/// Reads the folder's cost exports (in `currency`, else an error naming the file and both
/// currencies) and capacity files; rejected rows go to `rejected` (the first ones per file).
pub fn read(
    folder: &Folder,
    rules: &LineRules,
    currency: &str,
    progress: &crate::progress::Progress,
    rejected: &mut Vec<Rejected>,
) -> Result<BillInputs> {
    let usage: Vec<_> = folder.of_kind(Kind::Usage).collect();
    let (costs, cost_files) = super::costs::read(&usage, rules, currency, progress, rejected)?;
    let capacity: Vec<_> = folder.of_kind(Kind::Capacity).collect();
    let (capacity, capacity_files) = super::capacity::read(&capacity, rejected)?;
    let files = cost_files
        .into_iter()
        .map(|f| FileFacts {
            index: f.index,
            what: format!("{} cost export", f.schema.as_str()),
            rows: f.rows,
            rejected: f.rejected,
            first: f.first,
            last: f.last,
        })
        .chain(capacity_files.into_iter().map(|f| FileFacts {
            index: f.index,
            what: f.format.as_str().to_string(),
            rows: f.rows,
            rejected: f.rejected,
            first: f.first,
            last: f.last,
        }))
        .collect();
    Ok(BillInputs {
        costs,
        capacity,
        files,
    })
}

impl BillInputs {
    /// Writes each file's rows, schema and months into the folder listing, and its count of
    /// rejected rows into `rejected_per_file` (all are counted, only the first are kept).
    pub fn record(&self, files: &mut [InputFile], rejected_per_file: &mut BTreeMap<String, u64>) {
        for f in &self.files {
            let Some(info) = files.get_mut(f.index) else {
                continue;
            };
            info.rows_read = f.rows;
            info.format = format!("{}, {}", info.format, f.what);
            info.covers_from = f.first.map(|m| m.to_string());
            info.covers_to = f.last.map(|m| m.to_string());
            rejected_per_file.insert(info.name.clone(), f.rejected);
        }
    }

    /// Usage per bill line and month, run rates and peaks for the window.
    pub fn usage(&self, rules: &LineRules, window: Window) -> Usage {
        Usage::build(&self.costs, &self.capacity, rules, window)
    }
}
