//! `report.html`: one self-contained, email-safe page (inline CSS, inline SVG, no script, no
//! external link), rendered from the report model. Values are escaped by askama's compiled
//! template; rows are named structs, so the template reads `row.saving`, never `r.3`.

use anyhow::Result;
use askama::Template;
use rust_decimal::Decimal;

use super::charts::{self, Chart, Series};
use super::model::{Group, Report, SummaryRow, UserRow};
use crate::email::grouped;
use crate::model::{Class, Flag};
use crate::money::{fmt_opt, fmt2};

mod scenarios;
mod trend;

use trend::{Trend, trend};

pub(super) const BLUE: &str = "#0f6cbd";
pub(super) const GREY: &str = "#a0a0a0";

/// How many users each class table shows (the CSV has them all).
const ROWS_PER_CLASS: usize = 50;

/// A class or flag with its users and money, as shown.
struct GroupLine {
    name: String,
    users: u64,
    monthly: String,
    annual: String,
    unknown: u64,
}

struct DepartmentLine {
    name: String,
    users: u64,
    changes: u64,
    monthly: String,
    annual: String,
}

struct RenewalLine {
    product: String,
    sku: String,
    price: String,
    bought: String,
    assigned: u64,
    recommended: u64,
    change: i64,
    shelfware: String,
    volume_change: String,
    monthly_at_renewal: String,
    annual_at_renewal: String,
    note: String,
}

struct UserLine {
    user: String,
    department: String,
    now: String,
    recommended: String,
    saving: String,
    confidence: String,
    reasons: String,
}

struct Section {
    title: String,
    count: usize,
    rows: Vec<UserLine>,
}

struct OccasionalLine {
    user: String,
    department: String,
    per_30: String,
    last_active: String,
}

struct DeviceLine {
    id: String,
    users: usize,
    events: u64,
    largest_share: String,
    shared: bool,
    device_class_users: usize,
}

struct FileLine {
    name: String,
    kind: String,
    format: String,
    rows_read: u64,
    rows_rejected: u64,
    covers: String,
    note: String,
}

struct RuleLine {
    tables: String,
    own_record: String,
    tier: String,
}

/// The whole bill, as shown.
struct BillView {
    cost_data: bool,
    capacity_data: bool,
    licences_now: String,
    licences_after: String,
    usage: String,
    overage_now: String,
    overage_after: String,
    total_now: String,
    total_after: String,
    net_annual: String,
    net_monthly: String,
    run_rate_months: String,
    lines: Vec<BillLineView>,
    /// Licences and usage lines by month, stacked; `None` without cost data.
    chart: Option<charts::Stacked>,
    channels: Vec<ChannelView>,
    pools: Vec<PoolView>,
    pushed: Vec<String>,
    unmatched: String,
    notes: Vec<String>,
}

struct BillLineView {
    line: String,
    rows: u64,
    monthly: String,
    annual: String,
    share: String,
}

struct ChannelView {
    channel: String,
    conversations: u64,
    agents: u64,
    annual: String,
    per_conversation: String,
    per_agent: String,
}

struct PoolView {
    resource: String,
    peak: String,
    entitlement_now: String,
    entitlement_after: String,
    overage_now: String,
    overage_after: String,
    money_now: String,
    money_after: String,
}

struct DeploymentLine {
    label: String,
    users: u64,
    monthly: String,
    annual: String,
}

struct TrialLine {
    user: String,
    class: String,
    licence: String,
    monthly: String,
    ends: String,
}

struct Realisable {
    amount: String,
    renewal_date: String,
    months: u32,
    /// The policy's renewal date when it was past and rolled forward to `renewal_date`.
    rolled_forward_from: Option<String>,
    /// Monthly-term savings count from this date.
    monthly_term_from: Option<String>,
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
    rejected_rows: u64,
    rejected_users: u64,
    realisable: Option<Realisable>,
    bill: BillView,
    scenarios: scenarios::ScenariosView,
    deployment: Vec<DeploymentLine>,
    trials: Vec<TrialLine>,
    warnings: Vec<String>,
    pseudonymised: bool,
    class_chart: Chart,
    department_chart: Chart,
    sku_chart: Chart,
    trend: Option<Trend>,
    classes: Vec<GroupLine>,
    flags: Vec<GroupLine>,
    departments: Vec<DepartmentLine>,
    renewal: Vec<RenewalLine>,
    sections: Vec<Section>,
    occasional: Vec<OccasionalLine>,
    occasional_days: String,
    devices: Vec<DeviceLine>,
    files: Vec<FileLine>,
    join_text: String,
    rejected: Vec<String>,
    unknown_skus: String,
    grace_days: i64,
    device_user_share: String,
    device_min_users: u32,
    device_max_share: String,
    activity_product: String,
    thresholds: Vec<super::model::Setting>,
    rules: Vec<RuleLine>,
    default_tier: String,
    price_origin: String,
    policy_origin: String,
    version: String,
}

/// A SKU id in pieces ending at each underscore, so the page can break long ids there (with
/// `<wbr>`) instead of overflowing or breaking inside a word.
pub fn parts(s: &str) -> Vec<&str> {
    s.split_inclusive('_').collect()
}

fn group_line(s: &SummaryRow) -> GroupLine {
    GroupLine {
        name: s.name.clone(),
        users: s.users,
        monthly: grouped(&fmt2(s.monthly_saving)),
        annual: grouped(&fmt2(s.annual_saving)),
        unknown: s.users_with_unknown_saving,
    }
}

/// A class's section title, naming the target product from the price book.
fn section_title(a: &Report, class: Class) -> String {
    let target = |key: &str| {
        a.policy
            .targets
            .get(key)
            .map_or(key.to_string(), |id| a.product(id).to_string())
    };
    match class {
        Class::Remove => "Remove the licence".into(),
        Class::Device => format!("Move to a shared-device licence ({})", target("device")),
        Class::ContactCenter => "Move to the standalone Contact Center".into(),
        Class::TeamMember => format!("Move to {}", target("team-member")),
        Class::Activity => format!("Move to the activity tier ({})", target("activity")),
        Class::Full => "Full users with seat changes or flags".into(),
        Class::Keep => "Kept unchanged".into(),
    }
}

fn user_line(a: &Report, u: &UserRow) -> UserLine {
    let mut now = a.products_of(&u.current_skus);
    if now.is_empty() {
        now = "—".into();
    }
    let mut rec = a.products_of(&u.recommended_skus);
    if let Some(d) = &u.device {
        rec = format!("device licence on {d}");
    } else if rec.is_empty() {
        rec = "no licence".into();
    }
    UserLine {
        user: u.label(),
        department: u.department.clone(),
        now,
        recommended: rec,
        saving: grouped(&fmt_opt(u.monthly_saving)),
        confidence: u.confidence.to_string(),
        reasons: u.reasons.join("; "),
    }
}

/// Colours of the usage lines in the stacked bill chart, after the licences' blue.
const LINE_COLORS: [&str; 9] = [
    "#e3008c", "#ca5010", "#498205", "#8764b8", "#038387", "#c19c00", "#4f6bed", "#7a7574",
    "#986f0b",
];

/// The bill by month: licences (today's seats at today's unit prices, the same each month) and
/// each usage line's cost in that calendar month, stacked.
fn bill_chart(a: &Report) -> Option<charts::Stacked> {
    let b = &a.bill;
    if !b.cost_data {
        return None;
    }
    let lines: Vec<&super::model::BillLine> = b.lines.iter().filter(|l| l.rows > 0).collect();
    let months: std::collections::BTreeSet<&String> =
        lines.iter().flat_map(|l| l.months.keys()).collect();
    if months.is_empty() {
        return None;
    }
    let licences = b.annual_licences_now.map(|x| x / Decimal::from(12));
    let mut series = Vec::new();
    if licences.is_some() {
        series.push(Series {
            name: "licences (today's seats and prices)".into(),
            color: BLUE,
        });
    }
    for (i, l) in lines.iter().enumerate() {
        series.push(Series {
            name: l.line.clone(),
            color: LINE_COLORS[i % LINE_COLORS.len()],
        });
    }
    let rows = months
        .into_iter()
        .map(|m| {
            let mut values: Vec<Decimal> = licences.into_iter().collect();
            values.extend(lines.iter().map(|l| {
                l.months
                    .get(m)
                    .and_then(|v| v.parse::<Decimal>().ok())
                    .unwrap_or(Decimal::ZERO)
            }));
            let total: Decimal = values.iter().copied().sum();
            let label = if b.run_rate_months.contains(m) {
                m.clone()
            } else {
                format!("{m} (part of the month)")
            };
            (
                label,
                values,
                format!("{} {}", a.currency, grouped(&fmt2(total))),
            )
        })
        .collect();
    Some(charts::stacked(
        "The bill by month: licences and usage lines",
        series,
        rows,
    ))
}

fn bill_view(a: &Report) -> BillView {
    let b = &a.bill;
    let m = |d: Option<Decimal>| grouped(&fmt_opt(d));
    let n = |d: Option<Decimal>| {
        d.map_or("unknown".to_string(), |d| {
            grouped(&d.normalize().to_string())
        })
    };
    BillView {
        cost_data: b.cost_data,
        capacity_data: b.capacity_data,
        licences_now: m(b.annual_licences_now),
        licences_after: m(b.annual_licences_after),
        usage: if b.cost_data {
            m(b.annual_usage)
        } else {
            "no data".into()
        },
        overage_now: if b.capacity_data {
            m(b.annual_overage_now)
        } else {
            "consumption unknown".into()
        },
        overage_after: if b.capacity_data {
            m(b.annual_overage_after)
        } else {
            "consumption unknown".into()
        },
        total_now: m(b.annual_total_now),
        total_after: m(b.annual_total_after),
        net_annual: m(b.net_annual_saving),
        net_monthly: m(b.net_monthly_saving),
        run_rate_months: b.run_rate_months.join(", "),
        chart: bill_chart(a),
        lines: b
            .lines
            .iter()
            .filter(|l| l.rows > 0)
            .map(|l| BillLineView {
                line: l.line.clone(),
                rows: l.rows,
                monthly: m(l.monthly),
                annual: m(l.annual),
                share: l.share_of_bill.map_or("unknown".into(), |x| {
                    format!(
                        "{}%",
                        (x * Decimal::ONE_HUNDRED).round_dp_with_strategy(
                            1,
                            rust_decimal::RoundingStrategy::MidpointAwayFromZero
                        )
                    )
                }),
            })
            .collect(),
        channels: b
            .channels
            .iter()
            .map(|c| ChannelView {
                channel: c.channel.to_string(),
                conversations: c.conversations,
                agents: c.agents,
                annual: m(c.annual_usage),
                per_conversation: m(c.per_conversation),
                per_agent: m(c.monthly_per_agent),
            })
            .collect(),
        pools: b
            .pools
            .iter()
            .map(|p| PoolView {
                resource: p.resource.to_string(),
                peak: match (&p.peak_month, p.peak) {
                    (Some(month), Some(v)) => format!("{} ({month})", n(Some(v))),
                    _ => "consumption unknown".into(),
                },
                entitlement_now: n(Some(p.entitlement_now)),
                entitlement_after: n(Some(p.entitlement_after)),
                overage_now: n(p.overage_now),
                overage_after: n(p.overage_after),
                money_now: m(p.monthly_overage_now),
                money_after: m(p.monthly_overage_after),
            })
            .collect(),
        pushed: b
            .pools
            .iter()
            .filter(|p| p.pushed_into_overage)
            .map(|p| p.note.clone())
            .collect(),
        unmatched: format!(
            "{} row(s), {} {}",
            b.unmatched_rows,
            a.currency,
            grouped(&fmt2(b.unmatched_total))
        ),
        notes: b.notes.clone(),
    }
}

pub fn render(a: &Report) -> Result<Vec<u8>> {
    let cur = a.currency.clone();
    let money = |d: Decimal| format!("{cur} {}", grouped(&fmt2(d)));
    let class_rows: Vec<&SummaryRow> = a.rows(Group::Class).collect();
    let one = |name: &str| {
        vec![Series {
            name: name.into(),
            color: BLUE,
        }]
    };
    let class_chart = charts::bars(
        "Annual saving by class",
        one("annual saving"),
        class_rows
            .iter()
            .map(|s| {
                let text = format!("{} · {} users", money(s.annual_saving), s.users);
                (s.name.clone(), vec![(s.annual_saving, text)])
            })
            .collect(),
    );
    let depts = a.departments();
    let department_chart = charts::bars(
        "Annual saving by department",
        one("annual saving"),
        depts
            .iter()
            .map(|d| {
                let annual = d.monthly_saving * Decimal::from(12);
                let text = format!(
                    "{} · {} of {} users change",
                    money(annual),
                    d.changes,
                    d.users
                );
                (d.name.clone(), vec![(annual, text)])
            })
            .collect(),
    );
    let sku_chart = charts::bars(
        "Seats now and recommended per licence",
        vec![
            Series {
                name: "seats now (bought, else assigned)".into(),
                color: GREY,
            },
            Series {
                name: "recommended".into(),
                color: BLUE,
            },
        ],
        a.renewal
            .iter()
            .map(|r| {
                let now = r.held();
                (
                    a.product(&r.sku).to_string(),
                    vec![
                        (Decimal::from(now), format!("{now} now")),
                        (
                            Decimal::from(r.recommended),
                            format!("{} recommended", r.recommended),
                        ),
                    ],
                )
            })
            .collect(),
    );
    let h = &a.headline;
    let sections = [
        Class::Remove,
        Class::Device,
        Class::ContactCenter,
        Class::TeamMember,
        Class::Activity,
        Class::Full,
        Class::Keep,
    ]
    .into_iter()
    .map(|class| {
        let mut users: Vec<&UserRow> = a
            .users
            .iter()
            .filter(|u| u.class == class)
            .filter(|u| class != Class::Full || u.changes() || !u.flags.is_empty())
            .collect();
        users.sort_by(|x, y| {
            y.monthly_saving
                .unwrap_or(Decimal::MIN)
                .cmp(&x.monthly_saving.unwrap_or(Decimal::MIN))
                .then(x.user_id.cmp(&y.user_id))
        });
        Section {
            title: section_title(a, class),
            count: users.len(),
            rows: users
                .iter()
                .take(ROWS_PER_CLASS)
                .map(|u| user_line(a, u))
                .collect(),
        }
    })
    .collect();
    let mut occasional: Vec<&UserRow> = a
        .users
        .iter()
        .filter(|u| u.flags.contains(&Flag::Occasional))
        .collect();
    occasional.sort_by(|x, y| {
        x.metrics
            .active_days_per_30
            .cmp(&y.metrics.active_days_per_30)
            .then(x.user_id.cmp(&y.user_id))
    });
    let p = &a.policy;
    let q = &a.data_quality;
    let page = Page {
        as_of: a.as_of.to_string(),
        window_from: a.window.from.to_string(),
        window_days: a.window.days,
        covered_days: a.window.covered_days,
        currency: a.currency.clone(),
        annual: grouped(&fmt2(h.annual_saving)),
        monthly: grouped(&fmt2(h.monthly_saving)),
        seats_to_reduce: h.seats_to_reduce,
        users: a.users.len(),
        unknown: h.users_with_unknown_saving,
        rejected_rows: h.rejected_rows,
        rejected_users: h.rejected_users,
        realisable: h.realisable.as_ref().map(|r| Realisable {
            amount: grouped(&fmt2(r.this_fiscal_year)),
            renewal_date: r.renewal_date.to_string(),
            months: r.months_in_fiscal_year,
            rolled_forward_from: r.rolled_forward_from.map(|d| d.to_string()),
            monthly_term_from: r.monthly_term_from.map(|d| d.to_string()),
        }),
        bill: bill_view(a),
        scenarios: scenarios::view(a),
        deployment: a
            .deployment_model
            .iter()
            .map(|r| DeploymentLine {
                label: r.label.clone(),
                users: r.users,
                monthly: grouped(&fmt_opt(r.monthly)),
                annual: grouped(&fmt_opt(r.annual)),
            })
            .collect(),
        trials: a
            .trials
            .iter()
            .map(|t| TrialLine {
                user: match (t.display_name.is_empty(), t.upn.is_empty()) {
                    (false, false) => format!("{} ({})", t.display_name, t.upn),
                    (true, false) => t.upn.clone(),
                    (false, true) => t.display_name.clone(),
                    (true, true) => t.user_id.clone(),
                },
                class: t.class_after_trial.to_string(),
                licence: t
                    .sku_after_trial
                    .as_deref()
                    .map_or("—".to_string(), |s| a.product(s).to_string()),
                monthly: grouped(&fmt_opt(t.monthly_after_trial)),
                ends: t.trial_ends.map_or("unknown".into(), |d| d.to_string()),
            })
            .collect(),
        warnings: q.warnings.clone(),
        pseudonymised: a.pseudonymised,
        class_chart,
        department_chart,
        sku_chart,
        trend: a
            .trend
            .as_ref()
            .map(|d| trend(d, &cur, &|id: &str| a.product(id).to_string())),
        classes: class_rows.into_iter().map(group_line).collect(),
        flags: a.rows(Group::Flag).map(group_line).collect(),
        departments: depts
            .into_iter()
            .map(|d| DepartmentLine {
                annual: grouped(&fmt2(d.monthly_saving * Decimal::from(12))),
                monthly: grouped(&fmt2(d.monthly_saving)),
                name: d.name,
                users: d.users,
                changes: d.changes,
            })
            .collect(),
        renewal: a
            .renewal
            .iter()
            .map(|r| RenewalLine {
                product: a.product(&r.sku).to_string(),
                sku: r.sku.clone(),
                price: fmt_opt(r.monthly_price),
                bought: r.bought.map_or("—".into(), |b| b.to_string()),
                assigned: r.assigned,
                recommended: r.recommended,
                change: r.change,
                shelfware: r.shelfware.map_or("—".into(), |s| s.to_string()),
                volume_change: grouped(&fmt_opt(r.monthly_volume_change)),
                monthly_at_renewal: grouped(&fmt_opt(r.monthly_saving_at_renewal)),
                annual_at_renewal: grouped(&fmt_opt(r.annual_saving_at_renewal)),
                note: r.tier_note.clone().unwrap_or_default(),
            })
            .collect(),
        sections,
        occasional: occasional
            .iter()
            .take(100)
            .map(|o| OccasionalLine {
                user: o.label(),
                department: o.department.clone(),
                per_30: o.metrics.active_days_per_30.to_string(),
                last_active: o
                    .metrics
                    .last_active
                    .map_or("never".into(), |d| d.to_string()),
            })
            .collect(),
        occasional_days: p.occasional_days.to_string(),
        devices: a
            .devices
            .iter()
            .filter(|d| d.users.len() > 1)
            .map(|d| DeviceLine {
                id: d.device_id.clone(),
                users: d.users.len(),
                events: d.events,
                largest_share: format!(
                    "{}%",
                    (d.dominant_share * Decimal::ONE_HUNDRED).round_dp_with_strategy(
                        1,
                        rust_decimal::RoundingStrategy::MidpointAwayFromZero
                    )
                ),
                shared: d.shared,
                device_class_users: d.licence.as_ref().map_or(0, |l| l.users.len()),
            })
            .collect(),
        files: q
            .files
            .iter()
            .map(|f| {
                let covers = match (&f.covers_from, &f.covers_to) {
                    (Some(x), Some(y)) => {
                        format!("{} to {}", &x[..10.min(x.len())], &y[..10.min(y.len())])
                    }
                    _ => String::new(),
                };
                FileLine {
                    name: f.file.clone(),
                    kind: f.kind.clone().unwrap_or_else(|| "—".into()),
                    format: f.format.clone(),
                    rows_read: f.rows_read,
                    rows_rejected: f.rows_rejected,
                    covers,
                    note: f.ignored.clone().unwrap_or_default(),
                }
            })
            .collect(),
        join_text: format!(
            "{} of {} licensed users have activity; {} of {} user ids in the activity sources matched a licensed user.",
            q.join.licensed_users_with_activity,
            q.join.licensed_users,
            q.join.matched_activity_users,
            q.join.activity_users
        ),
        rejected: q.rejected.iter().take(20).map(|r| r.to_string()).collect(),
        unknown_skus: q
            .unknown_skus
            .iter()
            .map(|(k, v)| format!("{k} ({v})"))
            .collect::<Vec<_>>()
            .join(", "),
        grace_days: p.grace_days,
        device_user_share: p.device.user_share.to_string(),
        device_min_users: p.device.min_users,
        device_max_share: p.device.max_dominant_share.to_string(),
        activity_product: p
            .targets
            .get("activity")
            .map_or(String::new(), |id| a.product(id).to_string()),
        thresholds: a.settings(),
        rules: p
            .rules
            .iter()
            .map(|r| RuleLine {
                tables: r.tables.join(", "),
                own_record: r.own_record.map_or(String::new(), |o| o.to_string()),
                tier: r.tier.to_string(),
            })
            .collect(),
        default_tier: p.default_tier.to_string(),
        price_origin: p.price_book_origin.clone(),
        policy_origin: p.origin.clone(),
        version: a.version.clone(),
    };
    Ok(page.render()?.into_bytes())
}
