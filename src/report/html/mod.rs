//! `report.html`: one self-contained, email-safe page (inline CSS, inline SVG, no script, no
//! external link). Values are escaped by askama's compiled template.

use anyhow::Result;
use askama::Template;
use rust_decimal::Decimal;

use super::charts::{self, Chart, Series};
use super::{Extras, departments, headline, settings};
use crate::analysis::Analysis;
use crate::email::grouped;
use crate::model::{Class, Flag};
use crate::money::{fmt_opt, fmt2};

mod trend;

use trend::{Trend, trend};

pub(super) const BLUE: &str = "#0f6cbd";
pub(super) const GREY: &str = "#a0a0a0";

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
    realisable: Option<(String, String, u32)>,
    warnings: Vec<String>,
    pseudonymised: bool,
    class_chart: Chart,
    department_chart: Chart,
    sku_chart: Chart,
    trend: Option<Trend>,
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

/// A SKU id in pieces ending at each underscore, so the page can break long ids there (with
/// `<wbr>`) instead of overflowing or breaking inside a word.
pub fn parts(s: &str) -> Vec<&str> {
    s.split_inclusive('_').collect()
}

fn user_label(u: &crate::model::User) -> String {
    match (u.display_name.is_empty(), u.upn.is_empty()) {
        (false, false) => format!("{} ({})", u.display_name, u.upn),
        (true, false) => u.upn.clone(),
        (false, true) => u.display_name.clone(),
        (true, true) => u.id.clone(),
    }
}

pub fn render(a: &Analysis, extras: &Extras) -> Result<Vec<u8>> {
    let cur = a.book.currency.clone();
    let money = |d: Decimal| format!("{cur} {}", grouped(&fmt2(d)));
    let class_rows: Vec<_> = a.summary.iter().filter(|s| s.group == "class").collect();
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
    let depts = departments(a);
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
        "Seats now and recommended per SKU",
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
                let now = r.bought.unwrap_or(r.assigned);
                (
                    r.sku.clone(),
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
    let h = headline(a);
    let row5 = |s: &&crate::savings::SummaryRow| {
        (
            s.name.clone(),
            s.users,
            grouped(&fmt2(s.monthly_saving)),
            grouped(&fmt2(s.annual_saving)),
            s.unknown,
        )
    };
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
                        grouped(&fmt_opt(p.monthly_saving)),
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
    let p = &a.policy;
    let page = Page {
        as_of: a.as_of.to_string(),
        window_from: a.window_from.to_string(),
        window_days: a.window_days,
        covered_days: a.covered_days,
        currency: a.book.currency.clone(),
        annual: grouped(&fmt2(h.annual)),
        monthly: grouped(&fmt2(h.monthly)),
        seats_to_reduce: h.seats_to_reduce,
        users: a.priced.len(),
        unknown: h.unknown,
        realisable: a.realisable.as_ref().map(|r| {
            (
                grouped(&fmt2(r.this_fiscal_year)),
                r.renewal_date.to_string(),
                r.months_in_fiscal_year,
            )
        }),
        warnings: a.warnings.clone(),
        pseudonymised: extras.pseudonymised,
        class_chart,
        department_chart,
        sku_chart,
        trend: extras.trend.as_ref().map(|d| trend(d, &cur)),
        classes: class_rows.iter().map(row5).collect(),
        flags: a
            .summary
            .iter()
            .filter(|s| s.group == "flag")
            .collect::<Vec<_>>()
            .iter()
            .map(row5)
            .collect(),
        departments: depts
            .into_iter()
            .map(|d| {
                (
                    d.name,
                    d.users,
                    d.changes,
                    grouped(&fmt2(d.monthly_saving)),
                    grouped(&fmt2(d.monthly_saving * Decimal::from(12))),
                )
            })
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
                    grouped(&fmt_opt(r.monthly_saving_at_renewal)),
                    grouped(&fmt_opt(r.annual_saving_at_renewal)),
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
        thresholds: settings(a),
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
