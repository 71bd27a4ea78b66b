//! `report.html`: one self-contained, email-safe page (inline CSS, inline SVG, no script, no
//! external link). Values are escaped by askama's compiled template.

use std::collections::BTreeMap;

use anyhow::Result;
use askama::Template;
use rust_decimal::Decimal;

use crate::analysis::Analysis;
use crate::model::{Class, Flag};
use crate::money::{fmt_opt, fmt2};

/// How many users each class table shows (the CSV has them all).
const ROWS_PER_CLASS: usize = 50;

/// One row of the renewal table, as shown.
type RenewalCells = (
    String,
    String,
    String,
    u64,
    u64,
    i64,
    String,
    String,
    String,
);

struct Bar {
    label: String,
    y: u32,
    width: u32,
    value: String,
}

struct Section {
    title: String,
    count: usize,
    rows: Vec<(String, String, String, String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page {
    as_of: String,
    window_from: String,
    window_days: u32,
    covered_days: u32,
    currency: String,
    annual: String,
    monthly: String,
    seats_to_reduce: i64,
    users: usize,
    unknown: u64,
    realisable: Option<(String, String)>,
    warnings: Vec<String>,
    chart_height: u32,
    bars: Vec<Bar>,
    classes: Vec<(String, u64, String, String, u64)>,
    flags: Vec<(String, u64, String, String, u64)>,
    departments: Vec<(String, u64, u64, String, String)>,
    renewal: Vec<RenewalCells>,
    sections: Vec<Section>,
    occasional: Vec<(String, String, String, String)>,
    occasional_days: String,
    devices: Vec<(String, usize, u64, String, bool, usize)>,
    files: Vec<(String, String, String, u64, u64, String, String)>,
    join_text: String,
    rejected: Vec<String>,
    unknown_skus: String,
    grace_days: i64,
    device_user_share: String,
    device_min_users: u32,
    device_max_share: String,
    thresholds: Vec<(String, String)>,
    rules: Vec<(String, String, String)>,
    default_tier: String,
    price_origin: String,
    policy_origin: String,
    version: &'static str,
}

fn user_label(u: &crate::model::User) -> String {
    match (u.display_name.is_empty(), u.upn.is_empty()) {
        (false, false) => format!("{} ({})", u.display_name, u.upn),
        (true, false) => u.upn.clone(),
        (false, true) => u.display_name.clone(),
        (true, true) => u.id.clone(),
    }
}

pub fn render(a: &Analysis, extras: &super::Extras) -> Result<Vec<u8>> {
    let _ = extras;
    let total = a.summary.iter().find(|s| s.group == "total");
    let class_rows: Vec<_> = a.summary.iter().filter(|s| s.group == "class").collect();
    let max = class_rows
        .iter()
        .map(|s| s.monthly_saving.max(Decimal::ZERO))
        .max()
        .unwrap_or(Decimal::ZERO);
    let bars = class_rows
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let width = if max > Decimal::ZERO {
                (s.monthly_saving.max(Decimal::ZERO) * Decimal::from(400) / max)
                    .round()
                    .try_into()
                    .unwrap_or(0u32)
            } else {
                0
            };
            Bar {
                label: s.name.clone(),
                y: i as u32 * 24,
                width,
                value: format!("{} {}/month", a.book.currency, fmt2(s.monthly_saving)),
            }
        })
        .collect::<Vec<_>>();
    let row5 = |s: &&crate::savings::SummaryRow| {
        (
            s.name.clone(),
            s.users,
            fmt2(s.monthly_saving),
            fmt2(s.annual_saving),
            s.unknown,
        )
    };
    let mut dept: BTreeMap<String, (u64, u64, Decimal)> = BTreeMap::new();
    for p in &a.priced {
        let name = if p.rec.user.department.is_empty() {
            "(none)".to_string()
        } else {
            p.rec.user.department.clone()
        };
        let e = dept.entry(name).or_default();
        e.0 += 1;
        if p.rec.recommended != p.rec.current {
            e.1 += 1;
        }
        e.2 += p.monthly_saving.unwrap_or(Decimal::ZERO);
    }
    let mut departments: Vec<_> = dept
        .into_iter()
        .map(|(d, (n, c, m))| (d, n, c, fmt2(m), fmt2(m * Decimal::from(12)), m))
        .collect();
    departments.sort_by(|x, y| y.5.cmp(&x.5).then(x.0.cmp(&y.0)));
    let sections = [
        Class::Remove,
        Class::Device,
        Class::TeamMember,
        Class::Activity,
        Class::Full,
        Class::Keep,
    ]
    .into_iter()
    .map(|class| {
        let mut users: Vec<_> = a
            .priced
            .iter()
            .filter(|p| p.rec.class == class)
            .filter(|p| {
                class != Class::Full
                    || p.rec.recommended != p.rec.current
                    || !p.rec.flags.is_empty()
            })
            .collect();
        users.sort_by(|x, y| {
            y.monthly_saving
                .unwrap_or(Decimal::MIN)
                .cmp(&x.monthly_saving.unwrap_or(Decimal::MIN))
                .then(x.rec.user.id.cmp(&y.rec.user.id))
        });
        let title = match class {
            Class::Remove => "Remove the licence",
            Class::Device => "Move to a shared-device licence",
            Class::TeamMember => "Move to Team Members",
            Class::Activity => "Move to the activity tier (Customer Service Professional)",
            Class::Full => "Full users with seat changes or flags",
            Class::Keep => "Kept unchanged",
        };
        Section {
            title: title.into(),
            count: users.len(),
            rows: users
                .iter()
                .take(ROWS_PER_CLASS)
                .map(|p| {
                    let mut now = p.rec.current.join(" + ");
                    if now.is_empty() {
                        now = "—".into();
                    }
                    let mut rec = p.rec.recommended.join(" + ");
                    if let Some(d) = &p.rec.device {
                        rec = format!("device licence on {d}");
                    } else if rec.is_empty() {
                        rec = "no licence".into();
                    }
                    (
                        user_label(&p.rec.user),
                        p.rec.user.department.clone(),
                        now,
                        rec,
                        fmt_opt(p.monthly_saving),
                        p.rec.confidence.to_string(),
                        p.rec.reasons.join("; "),
                    )
                })
                .collect(),
        }
    })
    .collect();
    let mut occasional: Vec<_> = a
        .priced
        .iter()
        .filter(|p| p.rec.flags.contains(&Flag::Occasional))
        .collect();
    occasional.sort_by(|x, y| {
        x.rec
            .active_per_30
            .cmp(&y.rec.active_per_30)
            .then(x.rec.user.id.cmp(&y.rec.user.id))
    });
    let seats_to_reduce: i64 = a
        .renewal
        .iter()
        .map(|r| (r.bought.unwrap_or(r.assigned) as i64 - r.recommended as i64).max(0))
        .sum();
    let p = &a.policy;
    let page = Page {
        as_of: a.as_of.to_string(),
        window_from: a.window_from.to_string(),
        window_days: a.window_days,
        covered_days: a.covered_days,
        currency: a.book.currency.clone(),
        annual: total.map_or("0.00".into(), |t| fmt2(t.annual_saving)),
        monthly: total.map_or("0.00".into(), |t| fmt2(t.monthly_saving)),
        seats_to_reduce,
        users: a.priced.len(),
        unknown: total.map_or(0, |t| t.unknown),
        realisable: a
            .realisable
            .as_ref()
            .map(|r| (fmt2(r.this_fiscal_year), r.renewal_date.to_string())),
        warnings: a.warnings.clone(),
        chart_height: bars.len() as u32 * 24,
        bars,
        classes: class_rows.iter().map(row5).collect(),
        flags: a
            .summary
            .iter()
            .filter(|s| s.group == "flag")
            .collect::<Vec<_>>()
            .iter()
            .map(row5)
            .collect(),
        departments: departments
            .into_iter()
            .map(|d| (d.0, d.1, d.2, d.3, d.4))
            .collect(),
        renewal: a
            .renewal
            .iter()
            .map(|r| {
                (
                    r.sku.clone(),
                    fmt_opt(r.monthly_price),
                    r.bought.map_or("—".into(), |b| b.to_string()),
                    r.assigned,
                    r.recommended,
                    r.change,
                    r.shelfware.map_or("—".into(), |s| s.to_string()),
                    fmt_opt(r.monthly_saving_at_renewal),
                    fmt_opt(r.annual_saving_at_renewal),
                )
            })
            .collect(),
        sections,
        occasional: occasional
            .iter()
            .take(100)
            .map(|o| {
                (
                    user_label(&o.rec.user),
                    o.rec.user.department.clone(),
                    o.rec.active_per_30.to_string(),
                    o.rec.last_active.map_or("never".into(), |d| d.to_string()),
                )
            })
            .collect(),
        occasional_days: p.occasional_days.to_string(),
        devices: a
            .devices
            .values()
            .filter(|d| d.users.len() > 1)
            .map(|d| {
                let n = a
                    .licences
                    .iter()
                    .find(|l| l.device == d.id)
                    .map_or(0, |l| l.users.len());
                (
                    d.id.clone(),
                    d.users.len(),
                    d.events,
                    format!("{}%", (d.dominant_share * Decimal::ONE_HUNDRED).round_dp(1)),
                    d.shared,
                    n,
                )
            })
            .collect(),
        files: a
            .folder
            .files
            .iter()
            .map(|f| {
                let covers = match (&f.covers_from, &f.covers_to) {
                    (Some(x), Some(y)) => {
                        format!("{} to {}", &x[..10.min(x.len())], &y[..10.min(y.len())])
                    }
                    _ => String::new(),
                };
                (
                    f.name.clone(),
                    f.kind.map_or("—".into(), |k| k.to_string()),
                    f.format.clone(),
                    f.rows_read,
                    f.rows_rejected,
                    covers,
                    f.ignored.clone().unwrap_or_default(),
                )
            })
            .collect(),
        join_text: format!(
            "{} of {} licensed users have activity; {} of {} user ids in the activity sources matched a licensed user.",
            a.join.licensed_users_with_activity,
            a.join.licensed_users,
            a.join.matched_activity_users,
            a.join.activity_users
        ),
        rejected: a.rejected.iter().take(20).map(|r| r.to_string()).collect(),
        unknown_skus: a
            .unknown_skus
            .iter()
            .map(|(k, v)| format!("{k} ({v})"))
            .collect::<Vec<_>>()
            .join(", "),
        grace_days: p.grace_days,
        device_user_share: p.device.user_share.to_string(),
        device_min_users: p.device.min_users,
        device_max_share: p.device.max_dominant_share.to_string(),
        thresholds: vec![
            ("lookback_days".into(), p.lookback_days.to_string()),
            ("grace_days".into(), p.grace_days.to_string()),
            (
                "occasional_days (per 30)".into(),
                p.occasional_days.to_string(),
            ),
            ("premium_features".into(), p.premium_features.join(", ")),
            ("device.user_share".into(), p.device.user_share.to_string()),
            ("device.min_users".into(), p.device.min_users.to_string()),
            (
                "device.max_dominant_share".into(),
                p.device.max_dominant_share.to_string(),
            ),
            ("target team-member".into(), p.targets.team_member.clone()),
            ("target activity".into(), p.targets.activity.clone()),
            ("target full".into(), p.targets.full.clone()),
            ("target device".into(), p.targets.device.clone()),
            (
                "renewal_date".into(),
                p.renewal_date.map_or("not set".into(), |d| d.to_string()),
            ),
        ],
        rules: p
            .rules
            .iter()
            .map(|r| {
                (
                    r.tables.join(", "),
                    r.own_record.map_or(String::new(), |o| o.to_string()),
                    r.tier.to_string(),
                )
            })
            .collect(),
        default_tier: p.default_tier.to_string(),
        price_origin: a.book.origin.clone(),
        policy_origin: p.origin.clone(),
        version: env!("CARGO_PKG_VERSION"),
    };
    Ok(page.render()?.into_bytes())
}
