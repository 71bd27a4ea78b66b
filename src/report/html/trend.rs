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

/// The trend section, as shown.
pub(super) struct Trend {
    pub previous_as_of: String,
    pub annual_change: String,
    pub realisable_before: Option<String>,
    pub chart: Chart,
    /// (section, name, before, now, change, annual before, annual now, annual change)
    pub rows: Vec<[String; 8]>,
    /// (SKU, seats before, now, recommended before, now, annual at renewal before, now)
    pub skus: Vec<[String; 7]>,
    pub counts: [usize; 4],
    /// (change, user, department, class before, class now, why)
    pub users: Vec<[String; 6]>,
    pub users_total: usize,
    pub warnings: Vec<String>,
}

pub(super) fn trend(d: &Diff, cur: &str) -> Trend {
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
    let users: Vec<[String; 6]> = d
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
            [
                u.kind.as_str().to_string(),
                who,
                u.department.clone(),
                class(&u.old_class, &u.old_flags),
                class(&u.new_class, &u.new_flags),
                u.why.clone(),
            ]
        })
        .collect();
    Trend {
        previous_as_of: d.old_as_of.clone(),
        annual_change: change(d.total().and_then(|t| t.annual_change())),
        realisable_before: d.old_realisable.map(|m| grouped(&fmt2(m))),
        chart,
        rows: groups
            .iter()
            .map(|r| {
                [
                    r.section.to_string(),
                    r.name.clone(),
                    r.old_count.to_string(),
                    r.new_count.to_string(),
                    int_change(r.count_change()),
                    opt(r.old_annual),
                    opt(r.new_annual),
                    change(r.annual_change()),
                ]
            })
            .collect(),
        skus: d
            .rows
            .iter()
            .filter(|r| r.section == Section::Sku)
            .map(|r| {
                let o = |x: Option<u64>| x.map_or(String::new(), |n| n.to_string());
                [
                    r.name.clone(),
                    r.old_count.to_string(),
                    r.new_count.to_string(),
                    o(r.old_recommended),
                    o(r.new_recommended),
                    opt(r.old_annual),
                    opt(r.new_annual),
                ]
            })
            .collect(),
        counts: [
            d.count(ChangeKind::Class),
            d.count(ChangeKind::Flags),
            d.count(ChangeKind::New),
            d.count(ChangeKind::Departed),
        ],
        users_total: d.users.len(),
        users,
        warnings: d.warnings.clone(),
    }
}
