//! Licence assignments (canonical `user_id, sku, …` or Graph licence details flattened to CSV)
//! → one `User` per person with the in-scope SKUs they hold. SKUs are resolved through the price
//! book by String ID, GUID or display name; unknown ones are counted and reported, never dropped
//! silently.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Result, bail};

use super::table::Table;
use super::timeparse::{parse_iso_ms, parse_us_ms};
use super::{Rejected, Source};
use crate::model::{Holding, User, ms_to_date};
use crate::policy::Policy;
use crate::prices::PriceBook;
use crate::text::{NotABool, normalise_id, parse_bool};

/// Users and what could not be placed.
#[derive(Debug, Default)]
pub struct Assignments {
    pub users: Vec<User>,
    /// SKU text not in the price book → number of assignments.
    pub unknown_skus: BTreeMap<String, u64>,
    /// Licences that are not Dynamics (Microsoft 365, Power Platform…) → number of
    /// assignments: listed, not analysed.
    pub other_licences: BTreeMap<String, u64>,
    /// In the price book but outside the policy's scope families → number of assignments.
    pub out_of_scope: BTreeMap<String, u64>,
    /// Rows read per source index.
    pub rows: BTreeMap<usize, u64>,
}

/// Reads every assignments source into users keyed by user id (or UPN when no id is given).
pub fn read(
    sources: &[&Source],
    book: &PriceBook,
    policy: &Policy,
    rejected: &mut Vec<Rejected>,
) -> Result<Assignments> {
    let mut out = Assignments::default();
    let mut users = People::default();
    for src in sources {
        let t = Table::from_source(src, "assignments", rejected)?;
        if src.kind == super::Kind::AdminCenterUsers {
            let n = admin_center(&t, book, policy, &mut users, &mut out, rejected)?;
            out.rows.insert(src.index, n);
            continue;
        }
        let c_id = t.col(&["user_id", "userid"]);
        let c_upn = t.col(&["upn", "userprincipalname"]);
        let c_sku = t.col(&["sku", "skupartnumber", "skuid"]);
        let (Some(c_sku), true) = (c_sku, c_id.is_some() || c_upn.is_some()) else {
            bail!(
                "{}: needs a user column (user_id or upn) and a sku column",
                src.name
            );
        };
        // A Graph export may carry both skuId and skuPartNumber: either resolves.
        let c_sku2 = t.col(&["skuid"]).filter(|&c| c != c_sku);
        let c_name = t.col(&["display_name", "displayname"]);
        let c_dept = t.col(&["department"]);
        let c_cc = t.col(&["cost_centre", "cost_center", "costcenter"]);
        let c_group = t.col(&["assigned_by_group", "assignedbygroup"]);
        let c_enabled = t.col(&["account_enabled", "accountenabled"]);
        let c_created = t.col(&["created", "createddatetime"]);
        let mut n = 0u64;
        for row in &t.rows {
            let get = |c: Option<usize>| c.and_then(|c| row.record.get(c)).unwrap_or("").trim();
            let id = normalise_id(get(c_id));
            let id = id.as_str();
            let upn = get(c_upn);
            if id.is_empty() && upn.is_empty() {
                rejected.push(t.reject(row.line, c_id.or(c_upn), "no user id or UPN"));
                continue;
            }
            let sku_text = get(Some(c_sku));
            if sku_text.is_empty() {
                rejected.push(t.reject(row.line, Some(c_sku), "empty SKU"));
                continue;
            }
            let Some((enabled, created)) = account_cells(&t, row, c_enabled, c_created, rejected)
            else {
                continue;
            };
            n += 1;
            let user = users.get_or_insert(id, upn);
            fill(&mut user.upn, upn);
            fill(&mut user.display_name, get(c_name));
            fill(&mut user.department, get(c_dept));
            fill(&mut user.cost_centre, get(c_cc));
            // Disabled anywhere means disabled.
            user.account_enabled = match (user.account_enabled, enabled) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (a, b) => b.or(a),
            };
            user.created = user.created.or(created);
            let sku = book
                .resolve(sku_text)
                .or_else(|| c_sku2.and_then(|c| book.resolve(get(Some(c)))));
            match sku {
                None if looks_like_dynamics(sku_text) => {
                    *out.unknown_skus.entry(sku_text.to_string()).or_default() += 1
                }
                None => *out.other_licences.entry(sku_text.to_string()).or_default() += 1,
                Some(s) if !policy.in_scope(&s.family) => {
                    *out.out_of_scope.entry(s.id.clone()).or_default() += 1
                }
                Some(s) => {
                    let group = get(c_group);
                    let holding = Holding {
                        sku: s.id.clone(),
                        assigned_by_group: (!group.is_empty()).then(|| group.to_string()),
                    };
                    if !user.holdings.iter().any(|h| h.sku == holding.sku) {
                        user.holdings.push(holding);
                    }
                }
            }
        }
        out.rows.insert(src.index, n);
    }
    out.users = users
        .into_sorted()
        .into_iter()
        .filter(|u| !u.holdings.is_empty())
        .map(|mut u| {
            u.holdings.sort();
            u
        })
        .collect();
    Ok(out)
}

/// The users read so far, keyed by normalised id (or, without one, by lower-cased UPN), so
/// that one person in two exports (an id in braces or capitals in one, a bare UPN in another)
/// is one user.
#[derive(Default)]
struct People {
    by_key: HashMap<String, User, foldhash::fast::RandomState>,
    /// Lower-cased UPN → the key of its user.
    by_upn: HashMap<String, String, foldhash::fast::RandomState>,
}

impl People {
    /// The users in the order of their keys.
    fn into_sorted(self) -> Vec<User> {
        let mut users: Vec<(String, User)> = self.by_key.into_iter().collect();
        users.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        users.into_iter().map(|(_, u)| u).collect()
    }

    /// The user of a row with a normalised id and a UPN (either may be empty, not both).
    fn get_or_insert(&mut self, id: &str, upn: &str) -> &mut User {
        let upn = upn.to_lowercase();
        let known = if upn.is_empty() {
            None
        } else {
            self.by_upn.get(&upn).cloned()
        };
        let key = match known {
            None if id.is_empty() => upn.clone(),
            None => id.to_string(),
            Some(k) if id.is_empty() || k == id => k,
            // Known by UPN only so far: from now on the id is the key.
            Some(k) if k == upn => {
                if let Some(by_upn) = self.by_key.remove(&k) {
                    let user = self.by_key.entry(id.to_string()).or_default();
                    absorb(user, by_upn);
                }
                id.to_string()
            }
            // Two ids with one UPN: the ids decide.
            Some(_) => id.to_string(),
        };
        if !upn.is_empty() {
            let slot = self
                .by_upn
                .entry(upn.clone())
                .or_insert_with(|| key.clone());
            if *slot == upn {
                slot.clone_from(&key);
            }
        }
        let user = self.by_key.entry(key.clone()).or_default();
        if user.id.is_empty() {
            user.id = key;
        }
        user
    }
}

/// Adds what `other` (the same person, read under another key) knows to `user`.
fn absorb(user: &mut User, other: User) {
    fill(&mut user.upn, &other.upn);
    fill(&mut user.display_name, &other.display_name);
    fill(&mut user.department, &other.department);
    fill(&mut user.cost_centre, &other.cost_centre);
    user.account_enabled = match (user.account_enabled, other.account_enabled) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (a, b) => a.or(b),
    };
    user.created = user.created.or(other.created);
    for h in other.holdings {
        if !user.holdings.iter().any(|x| x.sku == h.sku) {
            user.holdings.push(h);
        }
    }
}

/// The account flag and creation date of a row (either may be empty); `None` when one is not
/// valid, after rejecting the row with its line and column.
fn account_cells(
    t: &Table,
    row: &super::table::Row,
    c_flag: Option<usize>,
    c_created: Option<usize>,
    rejected: &mut Vec<Rejected>,
) -> Option<(Option<bool>, Option<chrono::NaiveDate>)> {
    let get = |c: Option<usize>| c.and_then(|c| row.record.get(c)).unwrap_or("").trim();
    let flag = match parse_bool(get(c_flag)) {
        Ok(v) => v,
        Err(NotABool) => {
            let problem = format!("\"{}\" is not true or false", get(c_flag));
            rejected.push(t.reject(row.line, c_flag, problem));
            return None;
        }
    };
    let text = get(c_created);
    let created = if text.is_empty() {
        None
    } else {
        match parse_iso_ms(text).or_else(|| parse_us_ms(text)) {
            Some(ms) => Some(ms_to_date(ms)),
            None => {
                let problem = format!("\"{text}\" is not a date");
                rejected.push(t.reject(row.line, c_created, problem));
                return None;
            }
        }
    };
    Some((flag, created))
}

/// The Microsoft 365 admin center "Active users" export: licences as `+`-joined display names.
fn admin_center(
    t: &Table,
    book: &PriceBook,
    policy: &Policy,
    users: &mut People,
    out: &mut Assignments,
    rejected: &mut Vec<Rejected>,
) -> Result<u64> {
    let (Some(c_upn), Some(c_lic)) = (t.col(&["user principal name"]), t.col(&["licenses"])) else {
        bail!("{}: needs `User principal name` and `Licenses`", t.name);
    };
    let c_id = t.col(&["object id"]);
    let c_name = t.col(&["display name"]);
    let c_dept = t.col(&["department"]);
    let c_block = t.col(&["block credential"]);
    let c_created = t.col(&["when created"]);
    let mut n = 0;
    for row in &t.rows {
        let get = |c: Option<usize>| c.and_then(|c| row.record.get(c)).unwrap_or("").trim();
        let upn = get(Some(c_upn));
        let id = normalise_id(get(c_id));
        if upn.is_empty() && id.is_empty() {
            rejected.push(t.reject(row.line, Some(c_upn), "no user principal name"));
            continue;
        }
        let Some((enabled, created)) = account_cells(t, row, c_block, c_created, rejected) else {
            continue;
        };
        // `Block credential` is the opposite of "enabled".
        let blocked = enabled;
        n += 1;
        let user = users.get_or_insert(&id, upn);
        fill(&mut user.upn, upn);
        fill(&mut user.display_name, get(c_name));
        fill(&mut user.department, get(c_dept));
        if blocked == Some(true) {
            user.account_enabled = Some(false);
        } else if user.account_enabled.is_none() {
            user.account_enabled = Some(true);
        }
        user.created = user.created.or(created);
        for name in split_licences(get(Some(c_lic))) {
            match book.resolve(&name) {
                Some(s) if policy.in_scope(&s.family) => {
                    if !user.holdings.iter().any(|h| h.sku == s.id) {
                        user.holdings.push(Holding {
                            sku: s.id.clone(),
                            assigned_by_group: None,
                        });
                    }
                }
                Some(s) => *out.out_of_scope.entry(s.id.clone()).or_default() += 1,
                None if looks_like_dynamics(&name) => {
                    *out.unknown_skus.entry(name).or_default() += 1
                }
                None => *out.other_licences.entry(name).or_default() += 1,
            }
        }
    }
    Ok(n)
}

/// Splits the admin center's `Licenses` cell. Names are joined by `+`, but a name may itself
/// hold ` + ` (e.g. "Enterprise Mobility + Security E5"): a `+` with a space on both sides is
/// part of a name. `Unlicensed` means none.
pub fn split_licences(cell: &str) -> Vec<String> {
    let cell = cell.trim();
    if cell.is_empty() || cell.eq_ignore_ascii_case("unlicensed") {
        return Vec::new();
    }
    let chars: Vec<char> = cell.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &ch) in chars.iter().enumerate() {
        let spaced = i > 0 && chars[i - 1] == ' ' && chars.get(i + 1) == Some(&' ');
        if ch == '+' && !spaced {
            out.push(cur.trim().to_string());
            cur.clear();
        } else {
            cur.push(ch);
        }
    }
    out.push(cur.trim().to_string());
    out.retain(|s| !s.is_empty());
    out
}

/// Whether an unknown licence name is a Dynamics one (worth a warning) or another product.
pub fn looks_like_dynamics(name: &str) -> bool {
    let n = name.to_lowercase();
    n.contains("dynamics") || n.contains("dyn365") || n.contains("d365")
}

fn fill(slot: &mut String, value: &str) {
    if slot.is_empty() && !value.is_empty() {
        *slot = value.to_string();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_person_in_two_exports_is_one_user() {
        /// Rows of (normalised id, UPN).
        type Rows<'a> = &'a [(&'a str, &'a str)];
        // (name, rows, the users' keys)
        let cases: [(&str, Rows, &[&str]); 5] = [
            (
                "same id twice",
                &[("a-1", "a@x.com"), ("a-1", "")],
                &["a-1"],
            ),
            (
                "UPN first, then id with the UPN in capitals",
                &[("", "a@x.com"), ("a-1", "A@X.com")],
                &["a-1"],
            ),
            (
                "id first, then UPN only",
                &[("a-1", "a@x.com"), ("", "A@x.COM")],
                &["a-1"],
            ),
            (
                "UPN only twice, in two cases",
                &[("", "a@x.com"), ("", "A@x.com")],
                &["a@x.com"],
            ),
            (
                "two ids with one UPN stay two",
                &[("a-1", "a@x.com"), ("a-2", "a@x.com")],
                &["a-1", "a-2"],
            ),
        ];
        for (name, rows, want) in cases {
            let mut people = People::default();
            for (i, (id, upn)) in rows.iter().enumerate() {
                let u = people.get_or_insert(id, upn);
                fill(&mut u.upn, upn);
                u.holdings.push(Holding {
                    sku: format!("SKU{i}"),
                    assigned_by_group: None,
                });
            }
            for (k, u) in &people.by_key {
                assert_eq!(&u.id, k, "{name}: the id is the key");
            }
            let users = people.into_sorted();
            let keys: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
            assert_eq!(keys, want.to_vec(), "{name}");
            let holdings: usize = users.iter().map(|u| u.holdings.len()).sum();
            assert_eq!(holdings, rows.len(), "{name}: no holding lost");
        }
    }

    #[test]
    fn licence_cells_split_on_plus_but_not_inside_names() {
        let cases: [(&str, &[&str]); 5] = [
            ("Unlicensed", &[]),
            ("", &[]),
            (
                "Microsoft Fabric (Free)+Microsoft Power Automate Free+Microsoft 365 Business Basic",
                &[
                    "Microsoft Fabric (Free)",
                    "Microsoft Power Automate Free",
                    "Microsoft 365 Business Basic",
                ],
            ),
            (
                "Enterprise Mobility + Security E5+Dynamics 365 Customer Service Premium",
                &[
                    "Enterprise Mobility + Security E5",
                    "Dynamics 365 Customer Service Premium",
                ],
            ),
            (
                "ENTERPRISE MOBILITY + SECURITY E5",
                &["ENTERPRISE MOBILITY + SECURITY E5"],
            ),
        ];
        for (cell, want) in cases {
            assert_eq!(split_licences(cell), want.to_vec(), "{cell:?}");
        }
    }
}
