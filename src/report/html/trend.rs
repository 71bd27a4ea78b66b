//! The trend section of the HTML report (`analyze --previous`): the figures against the earlier
//! report, a chart of the saving per class then and now, and the users who changed.

use rust_decimal::Decimal;

use super::charts::{self, Chart, Series};
use super::{BLUE, GREY};
use crate::diff::{ChangeKind, Diff, Section};
use crate::email::{grouped, signed};
use crate::model::{Class, Flag};
use crate::money::fmt2;

/// How many changed users the trend section lists (user-changes.csv has them all).
const TREND_USERS: usize = 100;

/// A total, class or flag then and now.
pub(super) struct GroupChange {
    pub section: String,
    pub name: String,
    pub before: String,
    pub now: String,
    pub change: String,
    pub annual_before: String,
    pub annual_now: String,
    pub annual_change: String,
}

/// A licence's seats then and now.
pub(super) struct SkuChange {
    pub product: String,
    pub seats_before: String,
    pub seats_now: String,
    pub recommended_before: String,
    pub recommended_now: String,
    pub annual_before: String,
    pub annual_now: String,
}

/// A user who changed.
pub(super) struct UserLine {
    pub change: String,
    pub user: String,
    pub department: String,
    pub before: String,
    pub now: String,
    pub why: String,
}

/// A bill figure then and now.
pub(super) struct BillChangeLine {
    pub name: String,
    pub before: String,
    pub now: String,
    pub change: String,
}

/// The trend section, as shown.
pub(super) struct Trend {
    pub previous_as_of: String,
    pub annual_change: String,
    pub realisable_before: Option<String>,
    pub chart: Chart,
    pub rows: Vec<GroupChange>,
    pub skus: Vec<SkuChange>,
    pub bill: Vec<BillChangeLine>,
    pub class_changes: usize,
    pub flag_changes: usize,
    pub new_users: usize,
    pub departed: usize,
    pub users: Vec<UserLine>,
    pub users_total: usize,
    pub warnings: Vec<String>,
}

pub(super) fn trend(d: &Diff, cur: &str, products: &dyn Fn(&str) -> String) -> Trend {
    let opt = |x: Option<Decimal>| x.map_or("unknown".to_string(), |m| grouped(&fmt2(m)));
    let change = |x: Option<Decimal>| x.map_or("unknown".to_string(), |m| signed(&fmt2(m)));
    let int_change = |n: i64| {
        if n > 0 {
            format!("+{n}")
        } else {
            n.to_string()
        }
    };
    let groups: Vec<_> = d
        .rows
        .iter()
        .filter(|r| r.section != Section::Sku)
        .collect();
    let chart = charts::bars(
        "Annual saving by class, previous report and now",
        vec![
            Series {
                name: format!("as of {}", d.old_as_of),
                color: GREY,
            },
            Series {
                name: format!("as of {}", d.new_as_of),
                color: BLUE,
            },
        ],
        groups
            .iter()
            .filter(|r| r.section == Section::Class)
            .map(|r| {
                let v = |x: Option<Decimal>| x.unwrap_or(Decimal::ZERO);
                (
                    r.name.clone(),
                    vec![
                        (v(r.old_annual), format!("{cur} {}", opt(r.old_annual))),
                        (v(r.new_annual), format!("{cur} {}", opt(r.new_annual))),
                    ],
                )
            })
            .collect(),
    );
    let users: Vec<UserLine> = d
        .users
        .iter()
        .filter(|u| u.kind != ChangeKind::Flags)
        .chain(d.users.iter().filter(|u| u.kind == ChangeKind::Flags))
        .take(TREND_USERS)
        .map(|u| {
            let who = match (u.display_name.is_empty(), u.upn.is_empty()) {
                (false, false) => format!("{} ({})", u.display_name, u.upn),
                (true, false) => u.upn.clone(),
                _ => u.user_id.clone(),
            };
            let class = |c: &Option<Class>, flags: &[Flag]| match c {
                Some(c) if flags.is_empty() => c.to_string(),
                Some(c) => format!(
                    "{c} [{}]",
                    flags
                        .iter()
                        .map(|f| f.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => "—".into(),
            };
            UserLine {
                change: u.kind.as_str().to_string(),
                user: who,
                department: u.department.clone(),
                before: class(&u.old_class, &u.old_flags),
                now: class(&u.new_class, &u.new_flags),
                why: u.why.clone(),
            }
        })
        .collect();
    Trend {
        previous_as_of: d.old_as_of.clone(),
        annual_change: change(d.total().and_then(|t| t.annual_change())),
        realisable_before: d.old_realisable.map(|m| grouped(&fmt2(m))),
        chart,
        rows: groups
            .iter()
            .map(|r| GroupChange {
                section: r.section.to_string(),
                name: r.name.clone(),
                before: r.old_count.to_string(),
                now: r.new_count.to_string(),
                change: int_change(r.count_change()),
                annual_before: opt(r.old_annual),
                annual_now: opt(r.new_annual),
                annual_change: change(r.annual_change()),
            })
            .collect(),
        skus: d
            .rows
            .iter()
            .filter(|r| r.section == Section::Sku)
            .map(|r| {
                let o = |x: Option<u64>| x.map_or(String::new(), |n| n.to_string());
                SkuChange {
                    product: products(&r.name),
                    seats_before: r.old_count.to_string(),
                    seats_now: r.new_count.to_string(),
                    recommended_before: o(r.old_recommended),
                    recommended_now: o(r.new_recommended),
                    annual_before: opt(r.old_annual),
                    annual_now: opt(r.new_annual),
                }
            })
            .collect(),
        bill: d
            .bill
            .iter()
            .map(|b| {
                let money = b.unit == d.currency;
                let show = |x: Option<Decimal>| match x {
                    None => "no data".to_string(),
                    Some(v) if money => grouped(&fmt2(v)),
                    Some(v) => grouped(&v.normalize().to_string()),
                };
                BillChangeLine {
                    name: bill_label(&b.name),
                    before: show(b.old),
                    now: show(b.new),
                    change: match b.change() {
                        None => String::new(),
                        Some(c) if money => signed(&fmt2(c)),
                        Some(c) => signed(&c.normalize().to_string()),
                    },
                }
            })
            .collect(),
        class_changes: d.count(ChangeKind::Class),
        flag_changes: d.count(ChangeKind::Flags),
        new_users: d.count(ChangeKind::New),
        departed: d.count(ChangeKind::Departed),
        users_total: d.users.len(),
        users,
        warnings: d.warnings.clone(),
    }
}

/// What a bill figure's name means, for the reader.
fn bill_label(name: &str) -> String {
    match name {
        "licences" => "licences a year (seats held, today's unit prices)".into(),
        "usage" => "usage a year (run rate)".into(),
        "overage" => "overage a year".into(),
        "bill" => "the bill a year".into(),
        "bill after" => "the bill after the recommendations".into(),
        "net saving" => "net saving a year".into(),
        other => match other.split_once(": ") {
            Some(("usage", line)) => format!("usage a year: {line}"),
            Some(("peak", r)) => format!("peak full month: {r}"),
            _ => other.to_string(),
        },
    }
}
