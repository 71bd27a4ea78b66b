//! The CSV files: UTF-8 with a BOM (so Excel shows non-ASCII names), text cells guarded against
//! formula injection, numbers left as numbers, rows sorted for byte-identical reruns.

use std::io::Write;

use anyhow::Result;

use super::model::Report;
use super::safe_text;
use crate::diff::Diff;
use crate::money::{fmt_opt, fmt2};

/// The byte order mark every CSV file starts with.
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().from_writer(BOM.to_vec())
}

/// A CSV writer into `out`, the byte order mark written.
fn writer_to(out: &mut dyn Write) -> Result<csv::Writer<&mut dyn Write>> {
    out.write_all(BOM)?;
    Ok(csv::WriterBuilder::new().from_writer(out))
}

/// Flushes a writer (of `writer` or `writer_to`) and gives back what it wrote into.
fn done<W: Write>(w: csv::Writer<W>) -> Result<W> {
    w.into_inner()
        .map_err(|e| anyhow::anyhow!("cannot write CSV: {e}"))
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn flags(f: &[crate::model::Flag]) -> String {
    f.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(" ")
}

/// A file of the report: its name and how it is written.
pub type File = (&'static str, fn(&Report, &mut dyn Write) -> Result<()>);

/// The CSV files of a report, each written straight into its file (`recommendations.csv` of a
/// 100k-user tenant is tens of megabytes).
pub const FILES: [File; 9] = [
    ("bill.csv", bill),
    ("deployment.csv", deployment),
    ("devices.csv", devices),
    ("recommendations.csv", recommendations),
    ("rejected.csv", rejected),
    ("renewal.csv", renewal),
    ("scenarios.csv", scenarios),
    ("summary.csv", summary),
    ("trials.csv", trials),
];

pub const RECOMMENDATION_COLUMNS: [&str; 26] = [
    "user_id",
    "upn",
    "display_name",
    "department",
    "cost_centre",
    "current_skus",
    "current_monthly",
    "class",
    "flags",
    "recommended_skus",
    "device",
    "recommended_monthly",
    "monthly_saving",
    "annual_saving",
    "confidence",
    "required_tier",
    "last_active",
    "active_days",
    "active_days_per_30",
    "reads",
    "writes",
    "voice_conversations",
    "digital_conversations",
    "premium_feature_events",
    "currency",
    "reasons",
];

pub fn recommendations(a: &Report, out: &mut dyn Write) -> Result<()> {
    let mut w = writer_to(out)?;
    w.write_record(RECOMMENDATION_COLUMNS)?;
    for u in &a.users {
        let m = &u.metrics;
        let flags: Vec<&str> = u.flags.iter().map(|f| f.as_str()).collect();
        w.write_record([
            safe_text(&u.user_id),
            safe_text(&u.upn),
            safe_text(&u.display_name),
            safe_text(&u.department),
            safe_text(&u.cost_centre),
            u.current_skus.join(" + "),
            fmt_opt(u.current_monthly),
            u.class.to_string(),
            flags.join(" "),
            u.recommended_skus.join(" + "),
            safe_text(u.device.as_deref().unwrap_or("")),
            fmt_opt(u.recommended_monthly),
            fmt_opt(u.monthly_saving),
            fmt_opt(u.annual_saving),
            u.confidence.to_string(),
            opt(u.required_tier),
            opt(m.last_active),
            m.active_days.to_string(),
            m.active_days_per_30.to_string(),
            m.reads.to_string(),
            m.writes.to_string(),
            m.voice_conversations.to_string(),
            m.digital_conversations.to_string(),
            m.premium_feature_events.to_string(),
            a.currency.clone(),
            safe_text(&u.reasons.join("; ")),
        ])?;
    }
    done(w).map(drop)
}

pub fn summary(a: &Report, out: &mut dyn Write) -> Result<()> {
    let mut w = writer_to(out)?;
    w.write_record([
        "group",
        "name",
        "users",
        "monthly_saving",
        "annual_saving",
        "users_with_unknown_saving",
        "currency",
    ])?;
    for s in &a.summary {
        w.write_record([
            s.group.as_str().to_string(),
            s.name.clone(),
            s.users.to_string(),
            fmt2(s.monthly_saving),
            fmt2(s.annual_saving),
            s.users_with_unknown_saving.to_string(),
            a.currency.clone(),
        ])?;
    }
    done(w).map(drop)
}

pub fn renewal(a: &Report, out: &mut dyn Write) -> Result<()> {
    let mut w = writer_to(out)?;
    w.write_record([
        "sku",
        "monthly_price",
        "bought",
        "assigned",
        "recommended",
        "change",
        "shelfware",
        "monthly_saving_users",
        "monthly_saving_shelfware",
        "monthly_price_recommended",
        "monthly_volume_change",
        "monthly_saving_at_renewal",
        "annual_saving_at_renewal",
        "currency",
        "note",
    ])?;
    for r in &a.renewal {
        w.write_record([
            r.sku.clone(),
            fmt_opt(r.monthly_price),
            opt(r.bought),
            r.assigned.to_string(),
            r.recommended.to_string(),
            r.change.to_string(),
            opt(r.shelfware),
            fmt_opt(r.monthly_saving_users),
            fmt_opt(r.monthly_saving_shelfware),
            fmt_opt(r.monthly_price_recommended),
            fmt_opt(r.monthly_volume_change),
            fmt_opt(r.monthly_saving_at_renewal),
            fmt_opt(r.annual_saving_at_renewal),
            a.currency.clone(),
            safe_text(r.tier_note.as_deref().unwrap_or("")),
        ])?;
    }
    done(w).map(drop)
}

/// One row of `bill.csv`; the fields are the columns, in order (cells a row does not use stay
/// empty).
#[derive(Default, serde::Serialize)]
struct BillRow {
    section: &'static str,
    name: String,
    annual_now: String,
    annual_after: String,
    monthly_run_rate: String,
    rows: String,
    peak_month: String,
    peak: String,
    entitlement_now: String,
    entitlement_after: String,
    overage_now: String,
    overage_after: String,
    monthly_overage_now: String,
    monthly_overage_after: String,
    currency: String,
    note: String,
}

/// `bill.csv`: the whole bill now and after (licences, usage, overage, total, net saving), the
/// usage lines with their run rate, and every capacity pool.
pub fn bill(a: &Report, out: &mut dyn Write) -> Result<()> {
    let b = &a.bill;
    let mut w = writer_to(out)?;
    let total = |name: &str, now: Option<rust_decimal::Decimal>, after, note: &str| BillRow {
        section: "total",
        name: name.to_string(),
        annual_now: fmt_opt(now),
        annual_after: fmt_opt(after),
        currency: a.currency.clone(),
        note: note.to_string(),
        ..BillRow::default()
    };
    let usage_note = if b.cost_data {
        ""
    } else {
        "no data: no cost export"
    };
    let overage_note = if b.capacity_data {
        ""
    } else {
        "consumption unknown"
    };
    let mut net = total("net saving", None, b.net_annual_saving, "");
    net.annual_now = String::new(); // a saving has no "now"
    for row in [
        total(
            "licences",
            b.annual_licences_now,
            b.annual_licences_after,
            "",
        ),
        total("usage", b.annual_usage, b.annual_usage, usage_note),
        total(
            "overage",
            b.annual_overage_now,
            b.annual_overage_after,
            overage_note,
        ),
        total("bill", b.annual_total_now, b.annual_total_after, ""),
        net,
    ] {
        w.serialize(row)?;
    }
    for l in &b.lines {
        w.serialize(BillRow {
            section: "usage",
            name: l.line.clone(),
            annual_now: fmt_opt(l.annual),
            annual_after: fmt_opt(l.annual),
            monthly_run_rate: fmt_opt(l.monthly),
            rows: l.rows.to_string(),
            currency: a.currency.clone(),
            ..BillRow::default()
        })?;
    }
    for p in &b.pools {
        w.serialize(BillRow {
            section: "capacity",
            name: p.resource.to_string(),
            peak_month: p.peak_month.clone().unwrap_or_default(),
            peak: opt(p.peak),
            entitlement_now: p.entitlement_now.to_string(),
            entitlement_after: p.entitlement_after.to_string(),
            overage_now: opt(p.overage_now),
            overage_after: opt(p.overage_after),
            monthly_overage_now: fmt_opt(p.monthly_overage_now),
            monthly_overage_after: fmt_opt(p.monthly_overage_after),
            currency: a.currency.clone(),
            note: safe_text(&p.note),
            ..BillRow::default()
        })?;
    }
    done(w).map(drop)
}

/// One row of `scenarios.csv`: a scenario (section `scenario`) or one of its deflections
/// (section `deflection`, named after its scenario); cells a row does not use stay empty.
#[derive(Default, serde::Serialize)]
struct ScenarioCsvRow {
    section: &'static str,
    name: String,
    kind: &'static str,
    adopt: String,
    discount: String,
    prices: String,
    renewal_date: String,
    annual_licences: String,
    annual_usage: String,
    annual_overage: String,
    annual_total: String,
    annual_saving: String,
    this_fiscal_year: String,
    channel: String,
    share: String,
    conversations_per_month: String,
    contained_per_month: String,
    agents: String,
    seats_after: String,
    freed_seats: String,
    mean_monthly_cost: String,
    monthly_licence_saving: String,
    resource: String,
    added_consumption: String,
    conversations: String,
    contained: String,
    currency: String,
    note: String,
}

/// `scenarios.csv`: `current`, `recommended` and every scenario side by side (annual amounts),
/// then each scenario's deflection with the model's numbers (monthly), then today's bot
/// containment per channel when the conversation export says it.
pub fn scenarios(a: &Report, out: &mut dyn Write) -> Result<()> {
    let mut w = writer_to(out)?;
    for r in &a.scenarios.rows {
        let mut note = Vec::new();
        if r.annual_usage.is_none() {
            note.push("usage: no data");
        }
        if !r.consumption_known {
            note.push("consumption unknown");
        }
        w.serialize(ScenarioCsvRow {
            section: "scenario",
            name: safe_text(&r.name),
            kind: r.kind.as_str(),
            adopt: r.adopt.join(" "),
            discount: opt(r.discount),
            prices: r
                .prices
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" "),
            renewal_date: opt(r.renewal_date),
            annual_licences: fmt_opt(r.annual_licences),
            annual_usage: fmt_opt(r.annual_usage.or(Some(rust_decimal::Decimal::ZERO))),
            annual_overage: fmt_opt(r.annual_overage),
            annual_total: fmt_opt(r.annual_total),
            annual_saving: fmt_opt(r.annual_saving),
            this_fiscal_year: fmt_opt(r.this_fiscal_year),
            currency: a.currency.clone(),
            note: note.join("; "),
            ..ScenarioCsvRow::default()
        })?;
    }
    for r in &a.scenarios.rows {
        for d in &r.deflection {
            w.serialize(ScenarioCsvRow {
                section: "deflection",
                name: safe_text(&r.name),
                kind: r.kind.as_str(),
                channel: d.channel.to_string(),
                share: d.share.to_string(),
                conversations_per_month: d.conversations_per_month.to_string(),
                contained_per_month: d.contained_per_month.to_string(),
                agents: d.agents.to_string(),
                seats_after: d.seats_after.to_string(),
                freed_seats: d.freed_seats.to_string(),
                mean_monthly_cost: fmt_opt(d.mean_monthly_cost),
                monthly_licence_saving: fmt_opt(d.monthly_licence_saving),
                resource: d.resource.to_string(),
                added_consumption: d.added_consumption.to_string(),
                currency: a.currency.clone(),
                ..ScenarioCsvRow::default()
            })?;
        }
    }
    for c in &a.scenarios.containment {
        w.serialize(ScenarioCsvRow {
            section: "containment",
            name: "today".into(),
            channel: c.channel.to_string(),
            share: c.share.to_string(),
            conversations: c.conversations.to_string(),
            contained: c.contained.to_string(),
            note: format!(
                "no agent accepted and not abandoned; {} more abandoned",
                c.abandoned
            ),
            ..ScenarioCsvRow::default()
        })?;
    }
    done(w).map(drop)
}

/// `deployment.csv`: the annual licence cost of the users with conversations under each
/// deployment model.
pub fn deployment(a: &Report, out: &mut dyn Write) -> Result<()> {
    let mut w = writer_to(out)?;
    w.write_record([
        "option", "meaning", "users", "monthly", "annual", "currency",
    ])?;
    for r in &a.deployment_model {
        w.write_record([
            serde_json::to_value(r.option)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            r.label.clone(),
            r.users.to_string(),
            fmt_opt(r.monthly),
            fmt_opt(r.annual),
            a.currency.clone(),
        ])?;
    }
    done(w).map(drop)
}

/// `trials.csv`: the trial-only users and what they cost when the trial ends.
pub fn trials(a: &Report, out: &mut dyn Write) -> Result<()> {
    let mut w = writer_to(out)?;
    w.write_record([
        "user_id",
        "upn",
        "display_name",
        "class_after_trial",
        "sku_after_trial",
        "monthly_after_trial",
        "trial_ends",
        "currency",
    ])?;
    for t in &a.trials {
        w.write_record([
            safe_text(&t.user_id),
            safe_text(&t.upn),
            safe_text(&t.display_name),
            t.class_after_trial.to_string(),
            t.sku_after_trial.clone().unwrap_or_default(),
            fmt_opt(t.monthly_after_trial),
            opt(t.trial_ends),
            a.currency.clone(),
        ])?;
    }
    done(w).map(drop)
}

pub fn devices(a: &Report, out: &mut dyn Write) -> Result<()> {
    let mut w = writer_to(out)?;
    w.write_record([
        "device_id",
        "users",
        "events",
        "dominant_share",
        "shared",
        "device_class_users",
        "licence_sku",
        "licence_monthly",
        "user_ids",
    ])?;
    for d in &a.devices {
        let lic = d.licence.as_ref();
        let ids: Vec<&str> = d.users.iter().map(|u| u.user_id.as_str()).collect();
        w.write_record([
            safe_text(&d.device_id),
            d.users.len().to_string(),
            d.events.to_string(),
            d.dominant_share.to_string(),
            d.shared.to_string(),
            lic.map_or(0, |l| l.users.len()).to_string(),
            lic.map(|l| l.sku.clone()).unwrap_or_default(),
            lic.map(|l| fmt_opt(l.monthly)).unwrap_or_default(),
            safe_text(&ids.join(" ")),
        ])?;
    }
    done(w).map(drop)
}

pub fn rejected(a: &Report, out: &mut dyn Write) -> Result<()> {
    let mut w = writer_to(out)?;
    w.write_record(["file", "line", "row", "column", "problem"])?;
    for r in &a.data_quality.rejected {
        w.write_record([
            safe_text(&r.file),
            r.line.to_string(),
            r.row.to_string(),
            safe_text(&r.column),
            safe_text(&r.problem),
        ])?;
    }
    done(w).map(drop)
}

/// The trend against the previous report: `trend.csv` (per total, class, flag and SKU) and
/// `user-changes.csv` (users whose class or flags changed, new and departed users).
/// and, when either report has cost or capacity data, `bill-trend.csv` (the whole bill then
/// and now).
pub fn render_trend(d: &Diff) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = vec![
        ("trend.csv".into(), trend(d)?),
        ("user-changes.csv".into(), user_changes(d)?),
    ];
    if !d.bill.is_empty() {
        out.push(("bill-trend.csv".into(), bill_trend(d)?));
    }
    Ok(out)
}

/// `bill-trend.csv`: each bill figure then and now; empty cells where a report has no data.
pub fn bill_trend(d: &Diff) -> Result<Vec<u8>> {
    let mut w = writer();
    w.write_record([
        "name",
        "old_as_of",
        "new_as_of",
        "old",
        "new",
        "change",
        "unit",
    ])?;
    let num = |x: Option<rust_decimal::Decimal>, money: bool| match x {
        None => String::new(),
        Some(v) if money => crate::money::fmt2(v),
        Some(v) => v.normalize().to_string(),
    };
    for b in &d.bill {
        let money = b.unit == d.currency;
        w.write_record([
            safe_text(&b.name),
            d.old_as_of.clone(),
            d.new_as_of.clone(),
            num(b.old, money),
            num(b.new, money),
            num(b.change(), money),
            b.unit.clone(),
        ])?;
    }
    done(w)
}

pub fn trend(d: &Diff) -> Result<Vec<u8>> {
    let mut w = writer();
    w.write_record([
        "section",
        "name",
        "old_as_of",
        "new_as_of",
        "old_count",
        "new_count",
        "count_change",
        "old_recommended",
        "new_recommended",
        "recommended_change",
        "old_annual_saving",
        "new_annual_saving",
        "annual_saving_change",
        "currency",
    ])?;
    for r in &d.rows {
        w.write_record([
            r.section.to_string(),
            safe_text(&r.name),
            d.old_as_of.clone(),
            d.new_as_of.clone(),
            r.old_count.to_string(),
            r.new_count.to_string(),
            r.count_change().to_string(),
            opt(r.old_recommended),
            opt(r.new_recommended),
            opt(r.recommended_change()),
            fmt_opt(r.old_annual),
            fmt_opt(r.new_annual),
            fmt_opt(r.annual_change()),
            d.currency.clone(),
        ])?;
    }
    done(w)
}

pub fn user_changes(d: &Diff) -> Result<Vec<u8>> {
    let mut w = writer();
    w.write_record([
        "change",
        "user_id",
        "upn",
        "display_name",
        "department",
        "old_class",
        "new_class",
        "old_flags",
        "new_flags",
        "old_annual_saving",
        "new_annual_saving",
        "currency",
        "why",
        "old_reasons",
    ])?;
    for u in &d.users {
        w.write_record([
            u.kind.as_str().to_string(),
            safe_text(&u.user_id),
            safe_text(&u.upn),
            safe_text(&u.display_name),
            safe_text(&u.department),
            opt(u.old_class),
            opt(u.new_class),
            flags(&u.old_flags),
            flags(&u.new_flags),
            u.old_annual.map(fmt2).unwrap_or_default(),
            u.new_annual.map(fmt2).unwrap_or_default(),
            d.currency.clone(),
            safe_text(&u.why),
            safe_text(&u.old_reasons),
        ])?;
    }
    done(w)
}
