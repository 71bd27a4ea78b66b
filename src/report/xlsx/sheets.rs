//! One function per sheet of `report.xlsx`, each a table written through `super::table`.

use anyhow::Result;
use rust_xlsxwriter::Worksheet;

use super::{Cell, Formats, int, table, text, write_cell};
use crate::analysis::{Analysis, iso};
use crate::report::Extras;

pub(super) fn summary(
    ws: &mut Worksheet,
    a: &Analysis,
    extras: &Extras,
    f: &Formats,
) -> Result<()> {
    let rows: Vec<Vec<Cell>> = a
        .summary
        .iter()
        .map(|s| {
            vec![
                text(s.group.clone()),
                text(s.name.clone()),
                int(s.users),
                Cell::Money(Some(s.monthly_saving)),
                Cell::Money(Some(s.annual_saving)),
                int(s.unknown),
            ]
        })
        .collect();
    table(
        ws,
        "Summary",
        &[
            ("group", 9.0),
            ("name", 18.0),
            ("users", 8.0),
            ("monthly saving", 16.0),
            ("annual saving", 16.0),
            ("users with unknown saving", 14.0),
        ],
        rows,
        f,
    )?;
    // The headline beside the table, where the autofilter does not reach.
    let h = crate::report::headline(a);
    let mut lines: Vec<(&str, Cell)> = vec![
        ("as of", text(a.as_of.to_string())),
        (
            "window",
            text(format!(
                "{} to {} ({} days, {} covered)",
                a.window_from, a.as_of, a.window_days, a.covered_days
            )),
        ),
        ("currency", text(a.book.currency.clone())),
        ("annual saving", Cell::Money(Some(h.annual))),
        ("monthly saving", Cell::Money(Some(h.monthly))),
        ("seats to reduce at renewal", int(h.seats_to_reduce)),
        ("licensed users", int(a.priced.len())),
        ("users with unknown saving", int(h.unknown)),
    ];
    if let Some(r) = &a.realisable {
        lines.push((
            "realisable this fiscal year",
            Cell::Money(Some(r.this_fiscal_year)),
        ));
        lines.push(("renewal date", text(r.renewal_date.to_string())));
    }
    if let Some(d) = &extras.trend {
        lines.push(("previous report as of", text(d.old_as_of.clone())));
        if let Some(t) = d.total() {
            lines.push(("annual saving last report", Cell::Money(t.old_annual)));
            lines.push(("change in annual saving", Cell::Money(t.annual_change())));
        }
    }
    if extras.pseudonymised {
        lines.push(("users", text("pseudonymised (keyed HMAC-SHA-256)")));
    }
    ws.set_column_width(7, 28)?;
    ws.set_column_width(8, 30)?;
    ws.write_string_with_format(0, 7, "headline", &f.header)?;
    ws.write_string_with_format(0, 8, "", &f.header)?;
    for (i, (label, value)) in lines.into_iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string_with_format(r, 7, label, &f.bold)?;
        write_cell(ws, r, 8, value, f)?;
    }
    ws.set_active(true);
    Ok(())
}

pub(super) fn recommendations(ws: &mut Worksheet, a: &Analysis, f: &Formats) -> Result<()> {
    let rows = a.priced.iter().map(|p| {
        let r = &p.rec;
        let u = &r.user;
        vec![
            text(u.id.clone()),
            text(u.upn.clone()),
            text(u.display_name.clone()),
            text(u.department.clone()),
            text(u.cost_centre.clone()),
            text(r.current.join(" + ")),
            Cell::Money(p.current_monthly),
            text(r.class.to_string()),
            text(
                r.flags
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            text(r.recommended.join(" + ")),
            text(r.device.clone().unwrap_or_default()),
            Cell::Money(p.recommended_monthly),
            Cell::Money(p.monthly_saving),
            Cell::Money(p.annual_saving()),
            text(r.confidence.to_string()),
            text(r.required_tier.map(|t| t.to_string()).unwrap_or_default()),
            text(r.last_active.map(|d| d.to_string()).unwrap_or_default()),
            int(r.active_days),
            Cell::Num(r.active_per_30),
            int(r.reads),
            int(r.writes),
            int(r.voice),
            int(r.digital),
            int(r.premium_events),
            text(r.reasons.join("; ")),
        ]
    });
    table(
        ws,
        "Recommendations",
        &[
            ("user id", 38.0),
            ("UPN", 32.0),
            ("name", 20.0),
            ("department", 16.0),
            ("cost centre", 10.0),
            ("current SKUs", 40.0),
            ("current monthly", 14.0),
            ("class", 12.0),
            ("flags", 16.0),
            ("recommended SKUs", 40.0),
            ("device", 12.0),
            ("recommended monthly", 14.0),
            ("monthly saving", 14.0),
            ("annual saving", 14.0),
            ("confidence", 10.0),
            ("required tier", 12.0),
            ("last active", 11.0),
            ("active days", 8.0),
            ("active days per 30", 9.0),
            ("reads", 8.0),
            ("writes", 8.0),
            ("voice conversations", 10.0),
            ("digital conversations", 10.0),
            ("premium feature events", 10.0),
            ("reasons", 80.0),
        ],
        rows,
        f,
    )?;
    Ok(())
}

pub(super) fn renewal(ws: &mut Worksheet, a: &Analysis, f: &Formats) -> Result<()> {
    let rows: Vec<Vec<Cell>> = a
        .renewal
        .iter()
        .map(|r| {
            vec![
                text(r.sku.clone()),
                Cell::Money(r.monthly_price),
                r.bought.map_or(text(""), int),
                int(r.assigned),
                int(r.recommended),
                int(r.change),
                r.shelfware.map_or(text(""), int),
                Cell::Money(r.monthly_saving_users),
                Cell::Money(r.monthly_saving_shelfware),
                Cell::Money(r.monthly_saving_at_renewal),
                Cell::Money(r.annual_saving_at_renewal),
            ]
        })
        .collect();
    table(
        ws,
        "Renewal",
        &[
            ("SKU", 50.0),
            ("price per month", 14.0),
            ("bought", 9.0),
            ("assigned", 9.0),
            ("recommended", 12.0),
            ("change", 9.0),
            ("shelfware", 10.0),
            ("monthly saving (users)", 16.0),
            ("monthly saving (shelfware)", 16.0),
            ("monthly saving at renewal", 16.0),
            ("annual saving at renewal", 16.0),
        ],
        rows,
        f,
    )?;
    Ok(())
}

pub(super) fn devices(ws: &mut Worksheet, a: &Analysis, f: &Formats) -> Result<()> {
    let rows = a.devices.values().map(|d| {
        let lic = a.licences.iter().find(|l| l.device == d.id);
        vec![
            text(d.id.clone()),
            int(d.users.len()),
            int(d.events),
            Cell::Num(d.dominant_share.round_dp(4)),
            text(if d.shared { "yes" } else { "no" }),
            int(lic.map_or(0, |l| l.users.len())),
            text(lic.map(|l| l.sku.clone()).unwrap_or_default()),
            lic.map_or(text(""), |l| Cell::Money(l.monthly)),
            text(
                d.users
                    .iter()
                    .map(|u| u.0.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        ]
    });
    table(
        ws,
        "Devices",
        &[
            ("device", 16.0),
            ("users", 8.0),
            ("events", 9.0),
            ("largest user share", 12.0),
            ("shared", 8.0),
            ("device-class users", 12.0),
            ("licence SKU", 32.0),
            ("licence monthly", 14.0),
            ("user ids", 80.0),
        ],
        rows,
        f,
    )?;
    Ok(())
}

pub(super) fn data_quality(ws: &mut Worksheet, a: &Analysis, f: &Formats) -> Result<()> {
    let rows: Vec<Vec<Cell>> = a
        .folder
        .files
        .iter()
        .map(|file| {
            vec![
                text(file.name.clone()),
                text(file.kind.map(|k| k.to_string()).unwrap_or_default()),
                text(file.format.clone()),
                int(file.rows_read),
                int(file.rows_rejected),
                text(file.covers_from.clone().unwrap_or_default()),
                text(file.covers_to.clone().unwrap_or_default()),
                text(file.ignored.clone().unwrap_or_default()),
            ]
        })
        .collect();
    let n = table(
        ws,
        "Data quality",
        &[
            ("file", 28.0),
            ("kind", 14.0),
            ("format", 9.0),
            ("rows read", 10.0),
            ("rows rejected", 10.0),
            ("covers from", 21.0),
            ("covers to", 21.0),
            ("note", 50.0),
        ],
        rows,
        f,
    )?;
    // Free text below the table (outside the autofilter range).
    let mut r = n + 2;
    let j = &a.join;
    let mut notes = vec![format!(
        "{} of {} licensed users have activity; {} of {} user ids in the activity sources matched a licensed user.",
        j.licensed_users_with_activity,
        j.licensed_users,
        j.matched_activity_users,
        j.activity_users
    )];
    notes.extend(a.warnings.iter().cloned());
    if a.rejected_total > 0 {
        notes.push(format!(
            "{} rejected row(s); the first (all are in rejected.csv):",
            a.rejected_total
        ));
        notes.extend(a.rejected.iter().take(50).map(|x| x.to_string()));
    }
    for c in &a.coverage {
        notes.push(format!(
            "source {}: {} to {}{}",
            c.name,
            c.first_ms.map(iso).unwrap_or_default(),
            c.last_ms.map(iso).unwrap_or_default(),
            if c.operation_level {
                " (operation-level)"
            } else {
                ""
            }
        ));
    }
    ws.write_string_with_format(r, 0, "notes", &f.bold)?;
    for note in notes {
        r += 1;
        write_cell(ws, r, 0, text(note), f)?;
    }
    Ok(())
}

pub(super) fn method(ws: &mut Worksheet, a: &Analysis, f: &Formats) -> Result<()> {
    let mut rows: Vec<Vec<Cell>> = crate::report::settings(a)
        .into_iter()
        .map(|(k, v)| vec![text("setting"), text(k), text(v), text("")])
        .collect();
    for r in &a.policy.rules {
        rows.push(vec![
            text("rule"),
            text(format!(
                "writes to {}{}",
                r.tables.join(", "),
                if r.own_record == Some(true) {
                    " (own records)"
                } else {
                    ""
                }
            )),
            text(r.tier.to_string()),
            text(""),
        ]);
    }
    rows.push(vec![
        text("rule"),
        text("any other table"),
        text(a.policy.default_tier.to_string()),
        text(""),
    ]);
    for s in a.book.skus() {
        rows.push(vec![
            text("price"),
            text(s.id.clone()),
            Cell::Money(s.monthly),
            text(match &s.as_of {
                Some(d) => format!("{} ({d})", s.source),
                None => s.source.to_string(),
            }),
        ]);
    }
    rows.push(vec![
        text("source"),
        text("price book"),
        text(a.book.origin.clone()),
        text(""),
    ]);
    rows.push(vec![
        text("source"),
        text("policy"),
        text(a.policy.origin.clone()),
        text(""),
    ]);
    rows.push(vec![
        text("money"),
        text("rounding"),
        text("exact decimal arithmetic, shown rounded half away from zero; annual = 12 × monthly"),
        text(""),
    ]);
    table(
        ws,
        "Method",
        &[
            ("kind", 10.0),
            ("item", 50.0),
            ("value", 40.0),
            ("source", 60.0),
        ],
        rows,
        f,
    )?;
    Ok(())
}
