//! One function per sheet of `report.xlsx`, each a table written through `super::table`.

use anyhow::Result;
use rust_xlsxwriter::Worksheet;

use super::{Cell, Formats, int, table, text, write_cell};
use crate::report::model::Report;

pub(super) fn summary(ws: &mut Worksheet, a: &Report, f: &Formats) -> Result<()> {
    let rows: Vec<Vec<Cell>> = a
        .summary
        .iter()
        .map(|s| {
            vec![
                text(s.group.as_str()),
                text(s.name.clone()),
                int(s.users),
                Cell::Money(Some(s.monthly_saving)),
                Cell::Money(Some(s.annual_saving)),
                int(s.users_with_unknown_saving),
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
    let h = &a.headline;
    let w = &a.window;
    let mut lines: Vec<(&str, Cell)> = vec![
        ("as of", text(a.as_of.to_string())),
        (
            "window",
            text(format!(
                "{} to {} ({} days, {} covered)",
                w.from, w.to, w.days, w.covered_days
            )),
        ),
        ("currency", text(a.currency.clone())),
        ("annual saving", Cell::Money(Some(h.annual_saving))),
        ("monthly saving", Cell::Money(Some(h.monthly_saving))),
        ("seats to reduce at renewal", int(h.seats_to_reduce)),
        ("licensed users", int(a.users.len())),
        (
            "users with unknown saving",
            int(h.users_with_unknown_saving),
        ),
        ("input rows rejected", int(h.rejected_rows)),
        ("users with rejected rows", int(h.rejected_users)),
    ];
    if let Some(r) = &h.realisable {
        lines.push((
            "realisable this fiscal year",
            Cell::Money(Some(r.this_fiscal_year)),
        ));
        lines.push(("renewal date", text(r.renewal_date.to_string())));
    }
    if let Some(d) = &a.trend {
        lines.push(("previous report as of", text(d.old_as_of.clone())));
        if let Some(t) = d.total() {
            lines.push(("annual saving last report", Cell::Money(t.old_annual)));
            lines.push(("change in annual saving", Cell::Money(t.annual_change())));
        }
    }
    if a.pseudonymised {
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

pub(super) fn recommendations(ws: &mut Worksheet, a: &Report, f: &Formats) -> Result<()> {
    let rows = a.users.iter().map(|u| {
        let m = &u.metrics;
        vec![
            text(u.user_id.clone()),
            text(u.upn.clone()),
            text(u.display_name.clone()),
            text(u.department.clone()),
            text(u.cost_centre.clone()),
            text(a.products_of(&u.current_skus)),
            Cell::Money(u.current_monthly),
            text(u.class.to_string()),
            text(
                u.flags
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            text(a.products_of(&u.recommended_skus)),
            text(u.device.clone().unwrap_or_default()),
            Cell::Money(u.recommended_monthly),
            Cell::Money(u.monthly_saving),
            Cell::Money(u.annual_saving),
            text(u.confidence.to_string()),
            text(u.required_tier.map(|t| t.to_string()).unwrap_or_default()),
            text(m.last_active.map(|d| d.to_string()).unwrap_or_default()),
            int(m.active_days),
            Cell::Num(m.active_days_per_30),
            int(m.reads),
            int(m.writes),
            int(m.voice_conversations),
            int(m.digital_conversations),
            int(m.premium_feature_events),
            text(u.reasons.join("; ")),
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
            ("current licences", 40.0),
            ("current monthly", 14.0),
            ("class", 12.0),
            ("flags", 16.0),
            ("recommended licences", 40.0),
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

pub(super) fn renewal(ws: &mut Worksheet, a: &Report, f: &Formats) -> Result<()> {
    let rows: Vec<Vec<Cell>> = a
        .renewal
        .iter()
        .map(|r| {
            vec![
                text(a.product(&r.sku)),
                text(r.sku.clone()),
                Cell::Money(r.monthly_price),
                r.bought.map_or(text(""), int),
                int(r.assigned),
                int(r.recommended),
                int(r.change),
                r.shelfware.map_or(text(""), int),
                Cell::Money(r.monthly_saving_users),
                Cell::Money(r.monthly_saving_shelfware),
                Cell::Money(r.monthly_price_recommended),
                Cell::Money(r.monthly_volume_change),
                Cell::Money(r.monthly_saving_at_renewal),
                Cell::Money(r.annual_saving_at_renewal),
                text(r.tier_note.clone().unwrap_or_default()),
            ]
        })
        .collect();
    table(
        ws,
        "Renewal",
        &[
            ("product", 44.0),
            ("SKU", 50.0),
            ("price per month", 14.0),
            ("bought", 9.0),
            ("assigned", 9.0),
            ("recommended", 12.0),
            ("change", 9.0),
            ("shelfware", 10.0),
            ("monthly saving (users)", 16.0),
            ("monthly saving (shelfware)", 16.0),
            ("price per month at the recommended count", 16.0),
            ("volume price change per month", 16.0),
            ("monthly saving at renewal", 16.0),
            ("annual saving at renewal", 16.0),
            ("note", 60.0),
        ],
        rows,
        f,
    )?;
    Ok(())
}

pub(super) fn devices(ws: &mut Worksheet, a: &Report, f: &Formats) -> Result<()> {
    let rows = a.devices.iter().map(|d| {
        let lic = d.licence.as_ref();
        vec![
            text(d.device_id.clone()),
            int(d.users.len()),
            int(d.events),
            Cell::Num(d.dominant_share),
            text(if d.shared { "yes" } else { "no" }),
            int(lic.map_or(0, |l| l.users.len())),
            text(
                lic.map(|l| a.product(&l.sku).to_string())
                    .unwrap_or_default(),
            ),
            lic.map_or(text(""), |l| Cell::Money(l.monthly)),
            text(
                d.users
                    .iter()
                    .map(|u| u.user_id.as_str())
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
            ("licence", 32.0),
            ("licence monthly", 14.0),
            ("user ids", 80.0),
        ],
        rows,
        f,
    )?;
    Ok(())
}

pub(super) fn data_quality(ws: &mut Worksheet, a: &Report, f: &Formats) -> Result<()> {
    let q = &a.data_quality;
    let rows: Vec<Vec<Cell>> = q
        .files
        .iter()
        .map(|file| {
            vec![
                text(file.file.clone()),
                text(file.kind.clone().unwrap_or_default()),
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
    let j = &q.join;
    let mut notes = vec![format!(
        "{} of {} licensed users have activity; {} of {} user ids in the activity sources matched a licensed user.",
        j.licensed_users_with_activity,
        j.licensed_users,
        j.matched_activity_users,
        j.activity_users
    )];
    notes.extend(q.warnings.iter().cloned());
    if q.rejected_rows > 0 {
        notes.push(format!(
            "{} rejected row(s); the first (all are in rejected.csv):",
            q.rejected_rows
        ));
        notes.extend(q.rejected.iter().take(50).map(|x| x.to_string()));
    }
    for c in &q.sources {
        notes.push(format!(
            "source {}: {} to {}{}",
            c.file,
            c.from.clone().unwrap_or_default(),
            c.to.clone().unwrap_or_default(),
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

pub(super) fn method(ws: &mut Worksheet, a: &Report, f: &Formats) -> Result<()> {
    let p = &a.policy;
    let mut rows: Vec<Vec<Cell>> = a
        .settings()
        .into_iter()
        .map(|s| vec![text("setting"), text(s.name), text(s.value), text("")])
        .collect();
    for r in &p.rules {
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
        text(p.default_tier.to_string()),
        text(""),
    ]);
    for s in &p.prices {
        // The unit price the tenant pays (contract terms at its seat count); the list price
        // and its source beside it.
        let list = s.monthly.map_or("unknown".to_string(), crate::money::fmt2);
        rows.push(vec![
            text("price"),
            text(format!("{} ({})", s.name, s.id)),
            Cell::Money(s.unit_monthly),
            text(match &s.as_of {
                Some(d) => format!("list {list}; {} ({d})", s.source),
                None => format!("list {list}; {}", s.source),
            }),
        ]);
    }
    rows.push(vec![
        text("source"),
        text("price book"),
        text(p.price_book_origin.clone()),
        text(""),
    ]);
    rows.push(vec![
        text("source"),
        text("policy"),
        text(p.origin.clone()),
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

pub(super) fn bill(ws: &mut Worksheet, a: &Report, f: &Formats) -> Result<()> {
    let b = &a.bill;
    let num = |d: Option<rust_decimal::Decimal>| d.map_or(text("unknown"), Cell::Num);
    let mut rows: Vec<Vec<Cell>> = vec![
        vec![
            text("total"),
            text("licences"),
            Cell::Money(b.annual_licences_now),
            Cell::Money(b.annual_licences_after),
            text(""),
            text(""),
            text(""),
            text(""),
            text(""),
            text(""),
        ],
        vec![
            text("total"),
            text("usage"),
            Cell::Money(b.annual_usage),
            Cell::Money(b.annual_usage),
            text(""),
            text(""),
            text(""),
            text(""),
            text(""),
            text(if b.cost_data {
                ""
            } else {
                "no data: no cost export"
            }),
        ],
        vec![
            text("total"),
            text("overage"),
            Cell::Money(b.annual_overage_now),
            Cell::Money(b.annual_overage_after),
            text(""),
            text(""),
            text(""),
            text(""),
            text(""),
            text(if b.capacity_data {
                ""
            } else {
                "consumption unknown"
            }),
        ],
        vec![
            text("total"),
            text("the bill"),
            Cell::Money(b.annual_total_now),
            Cell::Money(b.annual_total_after),
            text(""),
            text(""),
            text(""),
            text(""),
            text(""),
            text(""),
        ],
        vec![
            text("total"),
            text("net saving"),
            text(""),
            Cell::Money(b.net_annual_saving),
            text(""),
            text(""),
            text(""),
            text(""),
            text(""),
            text(""),
        ],
    ];
    for l in &b.lines {
        rows.push(vec![
            text("usage"),
            text(l.line.clone()),
            Cell::Money(l.annual),
            Cell::Money(l.annual),
            Cell::Money(l.monthly),
            int(l.rows),
            text(""),
            text(""),
            text(""),
            text(""),
        ]);
    }
    for p in &b.pools {
        rows.push(vec![
            text("capacity"),
            text(p.resource.to_string()),
            Cell::Money(p.monthly_overage_now),
            Cell::Money(p.monthly_overage_after),
            text(""),
            text(""),
            num(p.peak),
            Cell::Num(p.entitlement_now),
            Cell::Num(p.entitlement_after),
            text(p.note.clone()),
        ]);
    }
    table(
        ws,
        "Bill",
        &[
            ("section", 10.0),
            ("name", 24.0),
            ("a year now (capacity: overage a month now)", 18.0),
            ("a year after (capacity: overage a month after)", 18.0),
            ("monthly run rate", 14.0),
            ("rows", 9.0),
            ("peak full month", 14.0),
            ("entitlement now", 14.0),
            ("entitlement after", 14.0),
            ("note", 80.0),
        ],
        rows,
        f,
    )?;
    Ok(())
}

pub(super) fn deployment(ws: &mut Worksheet, a: &Report, f: &Formats) -> Result<()> {
    let rows: Vec<Vec<Cell>> = a
        .deployment_model
        .iter()
        .map(|r| {
            vec![
                text(&r.label),
                int(r.users),
                Cell::Money(r.monthly),
                Cell::Money(r.annual),
            ]
        })
        .collect();
    table(
        ws,
        "Deployment model",
        &[
            ("deployment model", 80.0),
            ("users with conversations", 14.0),
            ("monthly", 14.0),
            ("annual", 14.0),
        ],
        rows,
        f,
    )?;
    Ok(())
}

pub(super) fn trials(ws: &mut Worksheet, a: &Report, f: &Formats) -> Result<()> {
    let rows: Vec<Vec<Cell>> = a
        .trials
        .iter()
        .map(|t| {
            vec![
                text(t.user_id.clone()),
                text(t.upn.clone()),
                text(t.display_name.clone()),
                text(t.class_after_trial.to_string()),
                text(
                    t.sku_after_trial
                        .as_deref()
                        .map_or(String::new(), |s| a.product(s).to_string()),
                ),
                Cell::Money(t.monthly_after_trial),
                text(t.trial_ends.map(|d| d.to_string()).unwrap_or_default()),
            ]
        })
        .collect();
    table(
        ws,
        "Trials",
        &[
            ("user id", 38.0),
            ("UPN", 32.0),
            ("name", 20.0),
            ("class after the trial", 14.0),
            ("licence after the trial", 32.0),
            ("monthly after the trial", 14.0),
            ("trial ends", 12.0),
        ],
        rows,
        f,
    )?;
    Ok(())
}
