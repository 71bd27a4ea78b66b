//! `report.json` (the report model, money as strings) and `manifest.json` (tool version,
//! window, digests of policy, price book, scenarios, every input and every output). Keys are sorted and no
//! wall-clock time is written, so reruns are byte-identical.

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::json;

use super::model::Report;
use crate::money::fmt2;

pub fn manifest(r: &Report, outputs: &[super::Written]) -> Result<Vec<u8>> {
    let p = &r.policy;
    let known: rust_decimal::Decimal = r.users.iter().filter_map(|u| u.monthly_saving).sum();
    let doc = json!({
        "tool": r.tool,
        "version": r.version,
        "as_of": r.as_of.to_string(),
        "window": r.window,
        "currency": r.currency,
        "policy": {"origin": p.origin, "sha256": p.sha256},
        "price_book": {"origin": p.price_book_origin, "sha256": p.price_book_sha256},
        "scenarios": {"origin": r.scenarios.file, "sha256": r.scenarios.sha256},
        "inputs": r.data_quality.files.iter().map(|f| json!({
            "file": f.file, "size": f.size, "sha256": f.sha256,
            "kind": f.kind, "format": f.format, "rows_read": f.rows_read,
            "rows_rejected": f.rows_rejected, "ignored": f.ignored,
            "covers_from": f.covers_from, "covers_to": f.covers_to,
        })).collect::<Vec<_>>(),
        "outputs": outputs.iter().map(|o| json!({"file": o.name, "size": o.size, "sha256": o.sha256})).collect::<Vec<_>>(),
        "rejected_rows": r.headline.rejected_rows,
        "users": r.users.len(),
        "unknown_monthly_savings": r.users.iter().filter(|u| u.monthly_saving.is_none()).count(),
        "total_monthly_saving": fmt2(known),
    });
    pretty(&doc)
}

/// Pretty JSON with a final newline; a value that cannot be serialised is an error, never an
/// empty file.
pub fn pretty(v: &impl Serialize) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write_pretty(v, &mut out)?;
    Ok(out)
}

/// `pretty`'s bytes, written as they are serialised (`report.json` of a 100k-user tenant is
/// over 100 MB, which need not be held in memory to be written).
pub fn write_pretty(v: &impl Serialize, w: &mut dyn std::io::Write) -> Result<()> {
    serde_json::to_writer_pretty(&mut *w, v).context("cannot serialise the report as JSON")?;
    w.write_all(b"\n")
        .context("cannot serialise the report as JSON")
}
