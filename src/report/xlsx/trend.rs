//! The trend sheets of `report.xlsx` (with `analyze --previous`): Trend and User changes.

use anyhow::Result;
use rust_xlsxwriter::Worksheet;

use super::{Cell, Formats, int, table, text};
use crate::diff::Diff;

pub(super) fn trend(ws: &mut Worksheet, d: &Diff, f: &Formats) -> Result<()> {
    let rows: Vec<Vec<Cell>> = d
        .rows
        .iter()
        .map(|r| {
            vec![
                text(r.section.as_str()),
                text(r.name.clone()),
                int(r.old_count),
                int(r.new_count),
                int(r.count_change()),
                r.old_recommended.map_or(text(""), int),
                r.new_recommended.map_or(text(""), int),
                r.recommended_change().map_or(text(""), int),
                Cell::Money(r.old_annual),
                Cell::Money(r.new_annual),
                Cell::Money(r.annual_change()),
            ]
        })
        .collect();
    let old = format!("as of {}", d.old_as_of);
    let new = format!("as of {}", d.new_as_of);
    table(
        ws,
        "Trend",
        &[
            ("section", 9.0),
            ("name", 50.0),
            (&format!("users or seats {old}"), 14.0),
            (&format!("users or seats {new}"), 14.0),
            ("change", 9.0),
            (&format!("recommended seats {old}"), 14.0),
            (&format!("recommended seats {new}"), 14.0),
            ("change", 9.0),
            (&format!("annual saving {old}"), 16.0),
            (&format!("annual saving {new}"), 16.0),
            ("change", 16.0),
        ],
        rows,
        f,
    )?;
    Ok(())
}

/// The "Bill trend" sheet: the whole bill then and now (only when a report has cost or
/// capacity data).
pub(super) fn bill_trend(ws: &mut Worksheet, d: &Diff, f: &Formats) -> Result<()> {
    let rows: Vec<Vec<Cell>> = d
        .bill
        .iter()
        .map(|b| {
            let cell = |x: Option<rust_decimal::Decimal>| {
                if b.unit == d.currency {
                    Cell::Money(x)
                } else {
                    x.map_or(text("no data"), Cell::Num)
                }
            };
            vec![
                text(b.name.clone()),
                cell(b.old),
                cell(b.new),
                cell(b.change()),
                text(b.unit.clone()),
            ]
        })
        .collect();
    table(
        ws,
        "Bill trend",
        &[
            ("figure", 36.0),
            (&format!("as of {}", d.old_as_of), 16.0),
            (&format!("as of {}", d.new_as_of), 16.0),
            ("change", 16.0),
            ("unit", 8.0),
        ],
        rows,
        f,
    )?;
    Ok(())
}

fn flags(f: &[crate::model::Flag]) -> String {
    f.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(" ")
}

pub(super) fn user_changes(ws: &mut Worksheet, d: &Diff, f: &Formats) -> Result<()> {
    let rows = d.users.iter().map(|u| {
        vec![
            text(u.kind.as_str()),
            text(u.user_id.clone()),
            text(u.upn.clone()),
            text(u.display_name.clone()),
            text(u.department.clone()),
            text(u.old_class.map(|c| c.to_string()).unwrap_or_default()),
            text(u.new_class.map(|c| c.to_string()).unwrap_or_default()),
            text(flags(&u.old_flags)),
            text(flags(&u.new_flags)),
            Cell::Money(u.old_annual),
            Cell::Money(u.new_annual),
            text(u.why.clone()),
            text(u.old_reasons.clone()),
        ]
    });
    table(
        ws,
        "User changes",
        &[
            ("change", 14.0),
            ("user id", 38.0),
            ("UPN", 32.0),
            ("name", 20.0),
            ("department", 16.0),
            ("class before", 12.0),
            ("class now", 12.0),
            ("flags before", 16.0),
            ("flags now", 16.0),
            ("annual saving before", 14.0),
            ("annual saving now", 14.0),
            ("why (now)", 80.0),
            ("reasons before", 80.0),
        ],
        rows,
        f,
    )?;
    Ok(())
}
