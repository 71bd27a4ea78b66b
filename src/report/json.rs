//! `report.json` (everything, money as strings) and `manifest.json` (tool version, window,
//! digests of policy, price book, every input and every output). Keys are sorted and no
//! wall-clock time is written, so reruns are byte-identical.

use anyhow::Result;
use serde::Serialize;
use serde_json::{Value, json};

use super::{Extras, digest};
use crate::analysis::{Analysis, iso};
use crate::ingest::sha256_hex;
use crate::money::{fmt_opt, fmt2};

fn money(d: Option<rust_decimal::Decimal>) -> Value {
    d.map_or(Value::Null, |d| Value::String(fmt2(d)))
}

pub fn report(a: &Analysis, extras: &Extras) -> Result<Vec<u8>> {
    let users: Vec<UserJson> = a.priced.iter().map(UserJson::new).collect();
    let summary: Vec<Value> = a
        .summary
        .iter()
        .map(|s| {
            json!({
                "group": s.group, "name": s.name, "users": s.users,
                "monthly_saving": fmt2(s.monthly_saving), "annual_saving": fmt2(s.annual_saving),
                "users_with_unknown_saving": s.unknown,
            })
        })
        .collect();
    let renewal: Vec<Value> = a
        .renewal
        .iter()
        .map(|r| {
            json!({
                "sku": r.sku, "monthly_price": money(r.monthly_price), "bought": r.bought,
                "assigned": r.assigned, "recommended": r.recommended, "change": r.change,
                "shelfware": r.shelfware,
                "monthly_saving_users": money(r.monthly_saving_users),
                "monthly_saving_shelfware": money(r.monthly_saving_shelfware),
                "monthly_saving_at_renewal": money(r.monthly_saving_at_renewal),
                "annual_saving_at_renewal": money(r.annual_saving_at_renewal),
            })
        })
        .collect();
    let devices: Vec<Value> = a
        .devices
        .values()
        .map(|d| {
            let lic = a.licences.iter().find(|l| l.device == d.id);
            json!({
                "device_id": d.id, "events": d.events, "shared": d.shared,
                "dominant_share": d.dominant_share.round_dp(4).to_string(),
                "users": d.users.iter().map(|(u, n)| json!({"user_id": u, "events": n})).collect::<Vec<_>>(),
                "licence": lic.map(|l| json!({"sku": l.sku, "monthly": money(l.monthly), "users": l.users})),
            })
        })
        .collect();
    let total = a.summary.iter().find(|s| s.group == "total");
    let doc = Report {
        as_of: a.as_of.to_string(),
        currency: &a.book.currency,
        data_quality: data_quality(a),
        devices,
        headline: json!({
            "users": total.map_or(0, |t| t.users),
            "seats_to_reduce": super::headline(a).seats_to_reduce,
            "monthly_saving": total.map(|t| fmt2(t.monthly_saving)),
            "annual_saving": total.map(|t| fmt2(t.annual_saving)),
            "users_with_unknown_saving": total.map_or(0, |t| t.unknown),
            "realisable": a.realisable.as_ref().map(|r| json!({
                "renewal_date": r.renewal_date.to_string(),
                "fiscal_year_start": r.fiscal_year_start.to_string(),
                "fiscal_year_end": r.fiscal_year_end.to_string(),
                "months_in_fiscal_year": r.months_in_fiscal_year,
                "this_fiscal_year": fmt2(r.this_fiscal_year),
            })),
        }),
        policy: policy(a),
        pseudonymised: extras.pseudonymised,
        renewal,
        summary,
        tool: "rightsize",
        trend: extras.trend.as_ref().map(trend),
        users,
        version: env!("CARGO_PKG_VERSION"),
        window: window(a),
    };
    pretty(&doc)
}

/// `report.json`, typed so that its 100k users are written without building a JSON tree.
/// Fields are in alphabetical order, as every other object in the file (sorted maps).
#[derive(Serialize)]
struct Report<'a> {
    as_of: String,
    currency: &'a str,
    data_quality: Value,
    devices: Vec<Value>,
    headline: Value,
    policy: Value,
    pseudonymised: bool,
    renewal: Vec<Value>,
    summary: Vec<Value>,
    tool: &'static str,
    trend: Option<Value>,
    users: Vec<UserJson<'a>>,
    version: &'static str,
    window: Value,
}

/// One user of `report.json` (fields in alphabetical order).
#[derive(Serialize)]
struct UserJson<'a> {
    annual_saving: Option<String>,
    class: &'a crate::model::Class,
    confidence: &'a crate::model::Confidence,
    cost_centre: &'a str,
    current_monthly: Option<String>,
    current_skus: &'a [String],
    department: &'a str,
    device: &'a Option<String>,
    device_share_monthly: Option<String>,
    display_name: &'a str,
    flags: &'a [crate::model::Flag],
    metrics: Metrics,
    monthly_saving: Option<String>,
    reasons: &'a [String],
    recommended_monthly: Option<String>,
    recommended_skus: &'a [String],
    required_tier: &'a Option<crate::model::Tier>,
    upn: &'a str,
    user_id: &'a str,
}

#[derive(Serialize)]
struct Metrics {
    active_days: u32,
    active_days_per_30: String,
    digital_conversations: u64,
    last_active: Option<String>,
    premium_feature_events: u64,
    reads: u64,
    voice_conversations: u64,
    writes: u64,
}

impl<'a> UserJson<'a> {
    fn new(p: &'a crate::savings::Priced) -> UserJson<'a> {
        let r = &p.rec;
        let money = |d: Option<rust_decimal::Decimal>| d.map(fmt2);
        UserJson {
            annual_saving: money(p.annual_saving()),
            class: &r.class,
            confidence: &r.confidence,
            cost_centre: &r.user.cost_centre,
            current_monthly: money(p.current_monthly),
            current_skus: &r.current,
            department: &r.user.department,
            device: &r.device,
            device_share_monthly: money(p.device_share),
            display_name: &r.user.display_name,
            flags: &r.flags,
            metrics: Metrics {
                active_days: r.active_days,
                active_days_per_30: r.active_per_30.to_string(),
                digital_conversations: r.digital,
                last_active: r.last_active.map(|d| d.to_string()),
                premium_feature_events: r.premium_events,
                reads: r.reads,
                voice_conversations: r.voice,
                writes: r.writes,
            },
            monthly_saving: money(p.monthly_saving),
            reasons: &r.reasons,
            recommended_monthly: money(p.recommended_monthly),
            recommended_skus: &r.recommended,
            required_tier: &r.required_tier,
            upn: &r.user.upn,
            user_id: &r.user.id,
        }
    }
}

fn trend(d: &crate::diff::Diff) -> Value {
    json!({
        "previous_as_of": d.old_as_of,
        "realisable_this_fiscal_year": {"old": money(d.old_realisable), "new": money(d.new_realisable)},
        "rows": d.rows.iter().map(|r| json!({
            "section": r.section, "name": r.name,
            "old_count": r.old_count, "new_count": r.new_count, "count_change": r.count_change(),
            "old_recommended": r.old_recommended, "new_recommended": r.new_recommended,
            "old_annual_saving": money(r.old_annual), "new_annual_saving": money(r.new_annual),
            "annual_saving_change": money(r.annual_change()),
        })).collect::<Vec<_>>(),
        "users": d.users.iter().map(|u| json!({
            "change": u.kind, "user_id": u.user_id, "upn": u.upn, "display_name": u.display_name,
            "old_class": u.old_class, "new_class": u.new_class,
            "old_flags": u.old_flags, "new_flags": u.new_flags,
            "old_annual_saving": money(u.old_annual), "new_annual_saving": money(u.new_annual),
            "why": u.why,
        })).collect::<Vec<_>>(),
        "warnings": d.warnings,
    })
}

fn window(a: &Analysis) -> Value {
    json!({
        "from": a.window_from.to_string(),
        "to": a.as_of.to_string(),
        "days": a.window_days,
        "covered_days": a.covered_days,
    })
}

pub fn data_quality(a: &Analysis) -> Value {
    json!({
        "rejected_rows": a.rejected_total,
        "rejected_first": a.rejected.iter().take(50).map(|r| r.to_string()).collect::<Vec<_>>(),
        "unknown_skus": a.unknown_skus,
        "out_of_scope_skus": a.out_of_scope,
        "other_licences": a.other_licences,
        "join": a.join,
        "warnings": a.warnings,
        "sources": a.coverage.iter().map(|c| json!({
            "file": c.name, "rows": c.rows, "rejected": c.rejected,
            "from": c.first_ms.map(iso), "to": c.last_ms.map(iso),
            "operation_level": c.operation_level,
        })).collect::<Vec<_>>(),
        "ignored_files": a.folder.files.iter().filter_map(|f| f.ignored.as_ref().map(|why| json!({"file": f.name, "why": why}))).collect::<Vec<_>>(),
    })
}

fn policy(a: &Analysis) -> Value {
    let p = &a.policy;
    json!({
        "origin": p.origin,
        "lookback_days": p.lookback_days,
        "grace_days": p.grace_days,
        "occasional_days": p.occasional_days.to_string(),
        "premium_features": p.premium_features,
        "device": {
            "user_share": p.device.user_share.to_string(),
            "min_users": p.device.min_users,
            "max_dominant_share": p.device.max_dominant_share.to_string(),
        },
        "targets": {
            "team-member": p.targets.team_member, "activity": p.targets.activity,
            "full": p.targets.full, "device": p.targets.device,
            "voice-addon": p.targets.voice_addon, "digital-addon": p.targets.digital_addon,
            "channels-addon": p.targets.channels_addon,
        },
        "rules": p.rules.iter().map(|r| json!({"tables": r.tables, "own_record": r.own_record, "tier": r.tier})).collect::<Vec<_>>(),
        "default_tier": p.default_tier,
        "renewal_date": p.renewal_date.map(|d| d.to_string()),
        "prices": a.book.skus().map(|s| json!({
            "id": s.id, "kind": s.kind, "monthly": s.monthly.map(|m| m.to_string()),
            "source": s.source, "as_of": s.as_of,
        })).collect::<Vec<_>>(),
        "price_book_origin": a.book.origin,
    })
}

pub fn manifest(a: &Analysis, outputs: &[(String, Vec<u8>)]) -> Result<Vec<u8>> {
    let doc = json!({
        "tool": "rightsize",
        "version": env!("CARGO_PKG_VERSION"),
        "as_of": a.as_of.to_string(),
        "window": window(a),
        "currency": a.book.currency,
        "policy": {"origin": a.policy.origin, "sha256": digest(&a.policy.texts)},
        "price_book": {"origin": a.book.origin, "sha256": digest(&a.book.texts)},
        "inputs": a.folder.files.iter().map(|f| json!({
            "file": f.name, "size": f.size, "sha256": f.sha256,
            "kind": f.kind, "format": f.format, "rows_read": f.rows_read,
            "rows_rejected": f.rows_rejected, "ignored": f.ignored,
            "covers_from": f.covers_from, "covers_to": f.covers_to,
        })).collect::<Vec<_>>(),
        "outputs": outputs.iter().map(|(n, b)| json!({"file": n, "size": b.len(), "sha256": sha256_hex(b)})).collect::<Vec<_>>(),
        "rejected_rows": a.rejected_total,
        "users": a.priced.len(),
        "unknown_monthly_savings": a.priced.iter().filter(|p| p.monthly_saving.is_none()).count(),
        "total_monthly_saving": fmt_opt(Some(super::total_monthly(&a.priced))),
    });
    pretty(&doc)
}

fn pretty(v: &impl Serialize) -> Result<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(v)?;
    out.push(b'\n');
    Ok(out)
}
