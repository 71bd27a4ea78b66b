//! The "Scenarios" sheet of `report.xlsx`: `current`, `recommended` and every scenario side by
//! side (amounts a year), then, below, each deflection with the model's numbers (a month).

use anyhow::Result;
use rust_xlsxwriter::Worksheet;

use super::{Cell, Formats, int, table, text, write_cell};
use crate::report::model::Report;

pub(super) fn scenarios(ws: &mut Worksheet, a: &Report, f: &Formats) -> Result<()> {
    let s = &a.scenarios;
    let rows: Vec<Vec<Cell>> = s
        .rows
        .iter()
        .map(|r| {
            let mut note = Vec::new();
            if r.annual_usage.is_none() {
                note.push("usage: no data".to_string());
            }
            if !r.consumption_known {
                note.push("consumption unknown".to_string());
            }
            for (id, p) in &r.prices {
                note.push(format!("{} at {} {p} a month", a.product(id), a.currency));
            }
            vec![
                text(r.name.clone()),
                text(r.kind.as_str()),
                text(r.adopt.join(" ")),
                r.discount.map_or(text(""), Cell::Num),
                text(r.renewal_date.map(|d| d.to_string()).unwrap_or_default()),
                Cell::Money(r.annual_licences),
                Cell::Money(Some(r.annual_usage.unwrap_or_default())),
                Cell::Money(r.annual_overage),
                Cell::Money(r.annual_total),
                Cell::Money(r.annual_saving),
                Cell::Money(r.this_fiscal_year),
                text(note.join("; ")),
            ]
        })
        .collect();
    let end = table(
        ws,
        "Scenarios",
        &[
            ("scenario", 28.0),
            ("kind", 12.0),
            ("adopted", 30.0),
            ("discount", 10.0),
            ("renewal", 12.0),
            ("licences a year", 15.0),
            ("usage a year", 14.0),
            ("overage a year", 14.0),
            ("total a year", 15.0),
            ("saving against current", 15.0),
            ("this fiscal year", 15.0),
            ("note", 40.0),
        ],
        rows,
        f,
    )?;
    let deflections: Vec<_> = s
        .rows
        .iter()
        .flat_map(|r| r.deflection.iter().map(move |d| (r, d)))
        .collect();
    let mut row = end;
    if !s.containment.is_empty() {
        row += 2;
        let header = [
            "containment today",
            "conversations",
            "contained by the bot",
            "abandoned without an agent",
            "share",
        ];
        for (c, title) in header.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, *title, &f.header)?;
        }
        for c in &s.containment {
            row += 1;
            let cells = [
                text(c.channel.to_string()),
                int(c.conversations),
                int(c.contained),
                int(c.abandoned),
                Cell::Num(c.share),
            ];
            for (i, cell) in cells.into_iter().enumerate() {
                write_cell(ws, row, i as u16, cell, f)?;
            }
        }
    }
    if deflections.is_empty() {
        return Ok(());
    }
    // The deflections below the table, after an empty row, with their own header.
    row += 2;
    let header = [
        "scenario",
        "channel",
        "share",
        "conversations a month",
        "contained a month",
        "agents",
        "seats after",
        "freed seats",
        "mean licence a month",
        "licence saving a month",
        "added to the peak month",
        "pool",
    ];
    for (c, title) in header.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *title, &f.header)?;
    }
    for (r, d) in deflections {
        row += 1;
        let cells = [
            text(r.name.clone()),
            text(d.channel.to_string()),
            Cell::Num(d.share),
            Cell::Num(d.conversations_per_month),
            Cell::Num(d.contained_per_month),
            int(d.agents),
            int(d.seats_after),
            int(d.freed_seats),
            Cell::Money(d.mean_monthly_cost),
            Cell::Money(d.monthly_licence_saving),
            Cell::Num(d.added_consumption),
            text(d.resource.to_string()),
        ];
        for (c, cell) in cells.into_iter().enumerate() {
            write_cell(ws, row, c as u16, cell, f)?;
        }
    }
    row += 2;
    write_cell(ws, row, 0, text(s.model.clone()), f)?;
    Ok(())
}
