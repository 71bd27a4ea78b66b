//! Money (pure): prices every recommendation from the price book, splits each shared device's
//! licence across its users in cents, and builds the summary and the per-SKU renewal table so
//! that the sum over users, the summary and the renewal table reconcile exactly.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::classify::{Recommendation, sum_prices};
use crate::ingest::subscriptions::Seats;
use crate::model::{Class, Flag};
use crate::money::split_cents;
use crate::policy::Policy;
use crate::prices::PriceBook;

/// A recommendation with its money.
#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    pub rec: Recommendation,
    pub current_monthly: Option<Decimal>,
    pub recommended_monthly: Option<Decimal>,
    /// This user's share of a shared device's licence.
    pub device_share: Option<Decimal>,
    /// `None` = unknown (a price involved in the change is missing).
    pub monthly_saving: Option<Decimal>,
}

impl Priced {
    pub fn annual_saving(&self) -> Option<Decimal> {
        self.monthly_saving.map(|m| m * Decimal::from(12))
    }
}

/// One device licence recommended for a shared device.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceLicence {
    pub device: String,
    pub sku: String,
    pub users: Vec<String>,
    pub monthly: Option<Decimal>,
}

/// Prices every recommendation. A device-class user whose share of the device licence would
/// cost more than their current licences gets what the rules give without the shared-device
/// step (class, flags and reasons included), and the remaining users' shares are recomputed.
pub fn price_all(
    mut recs: Vec<Recommendation>,
    book: &PriceBook,
    policy: &Policy,
) -> (Vec<Priced>, Vec<DeviceLicence>) {
    let device_sku = policy.targets.device.clone();
    let device_price = book.monthly(&device_sku);
    let mut shares: BTreeMap<usize, Decimal> = BTreeMap::new();
    let mut licences = Vec::new();
    // Each round that does not end the loop moves at least one user off the device class, so
    // it ends; the last round prices the devices that are left.
    loop {
        let mut by_device: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, r) in recs.iter().enumerate() {
            if let (Class::Device, Some(d)) = (r.class, &r.device) {
                by_device.entry(d.clone()).or_default().push(i);
            }
        }
        shares.clear();
        licences.clear();
        let mut reverted = false;
        for (device, idx) in &by_device {
            if let Some(price) = device_price {
                for (&i, s) in idx.iter().zip(split_cents(price, idx.len())) {
                    shares.insert(i, s);
                }
            }
            licences.push(DeviceLicence {
                device: device.clone(),
                sku: device_sku.clone(),
                users: idx.iter().map(|&i| recs[i].user.id.clone()).collect(),
                monthly: device_price,
            });
        }
        for (&i, &s) in &shares {
            let r = &mut recs[i];
            if let Some(cur) = sum_prices(&r.current, book)
                && s > cur
            {
                fall_back_from_device(r, s, cur);
                reverted = true;
            }
        }
        if !reverted {
            break;
        }
    }
    let priced = recs
        .into_iter()
        .enumerate()
        .map(|(i, rec)| {
            let device_share = if rec.device.is_some() {
                if device_price.is_some() {
                    shares.get(&i).copied()
                } else {
                    None
                }
            } else {
                None
            };
            let current_monthly = sum_prices(&rec.current, book);
            let rec_users = sum_prices(&rec.recommended, book);
            let on_device = rec.device.is_some();
            let recommended_monthly = match (rec_users, on_device) {
                (Some(m), true) => device_share.map(|s| m + s),
                (m, false) => m,
                (None, true) => None,
            };
            let cur: BTreeSet<&String> = rec.current.iter().collect();
            let new: BTreeSet<&String> = rec.recommended.iter().collect();
            let removed: Vec<String> = cur.difference(&new).map(|s| s.to_string()).collect();
            let added: Vec<String> = new.difference(&cur).map(|s| s.to_string()).collect();
            let monthly_saving = match (sum_prices(&removed, book), sum_prices(&added, book)) {
                (Some(r), Some(a)) if on_device => device_share.map(|s| r - a - s),
                (Some(r), Some(a)) => Some(r - a),
                _ => None,
            };
            Priced {
                rec,
                current_monthly,
                recommended_monthly,
                device_share,
                monthly_saving,
            }
        })
        .collect();
    (priced, licences)
}

/// Replaces a device-class recommendation by the one without the device step, saying why.
fn fall_back_from_device(r: &mut Recommendation, share: Decimal, current: Decimal) {
    let device = r.device.take().unwrap_or_default();
    let why = format!(
        "a share of the licence for shared device {device} ({}) costs more than the current \
         licences ({}): classified without the shared-device rule",
        crate::money::fmt2(share),
        crate::money::fmt2(current)
    );
    match r.without_device.take() {
        Some(fallback) => {
            *r = *fallback;
            r.reasons.insert(0, why);
        }
        // Built without classify (no fallback): leave the user as they are, and say so.
        None => {
            r.class = Class::Keep;
            r.recommended = r.current.clone();
            r.flags.clear();
            r.reasons = vec![format!("{why}: unchanged")];
        }
    }
}

/// Users and money for one class or flag.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SummaryRow {
    /// "class" or "flag" (flag rows overlap the class rows and do not add up).
    pub group: String,
    pub name: String,
    pub users: u64,
    pub monthly_saving: Decimal,
    pub annual_saving: Decimal,
    /// Users whose saving is unknown (not in the amounts).
    pub unknown: u64,
}

pub fn summary(priced: &[Priced]) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    let add = |row: &mut SummaryRow, p: &Priced| {
        row.users += 1;
        match p.monthly_saving {
            Some(m) => {
                row.monthly_saving += m;
                row.annual_saving += m * Decimal::from(12);
            }
            None => row.unknown += 1,
        }
    };
    for class in Class::ALL {
        let mut row = SummaryRow {
            group: "class".into(),
            name: class.as_str().into(),
            ..SummaryRow::default()
        };
        for p in priced.iter().filter(|p| p.rec.class == class) {
            add(&mut row, p);
        }
        rows.push(row);
    }
    let mut total = SummaryRow {
        group: "total".into(),
        name: "all users".into(),
        ..SummaryRow::default()
    };
    for p in priced {
        add(&mut total, p);
    }
    rows.push(total);
    for flag in Flag::ALL {
        let mut row = SummaryRow {
            group: "flag".into(),
            name: flag.as_str().into(),
            ..SummaryRow::default()
        };
        for p in priced.iter().filter(|p| p.rec.flags.contains(&flag)) {
            add(&mut row, p);
        }
        rows.push(row);
    }
    rows
}

/// One SKU of the renewal table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenewalRow {
    pub sku: String,
    pub monthly_price: Option<Decimal>,
    /// Seats bought (subscriptions), when known.
    pub bought: Option<u64>,
    /// Users holding it now (assignments).
    pub assigned: u64,
    /// Seats the recommendations need (device licences included).
    pub recommended: u64,
    /// recommended − assigned.
    pub change: i64,
    /// bought − assigned: seats paid for and assigned to nobody.
    pub shelfware: Option<i64>,
    /// (assigned − recommended) × price: the users' savings on this SKU.
    pub monthly_saving_users: Option<Decimal>,
    /// shelfware × price.
    pub monthly_saving_shelfware: Option<Decimal>,
    /// The unit price at the recommended seat count (a volume tier may change it).
    pub monthly_price_recommended: Option<Decimal>,
    /// recommended × (today's unit price − the unit price for the recommended count): what a
    /// tier crossing adds (negative: every remaining seat costs more) or saves.
    pub monthly_volume_change: Option<Decimal>,
    /// Set when the recommended count falls below the tier today's count is in.
    pub tier_note: Option<String>,
    /// Seats to buy at renewal: recommended. Saving at renewal = seats held (bought, else
    /// assigned) × today's unit price − recommended × the unit price for that count
    /// = users + shelfware + volume change.
    pub monthly_saving_at_renewal: Option<Decimal>,
    pub annual_saving_at_renewal: Option<Decimal>,
}

pub fn renewal(
    priced: &[Priced],
    licences: &[DeviceLicence],
    seats: &BTreeMap<String, Seats>,
    book: &PriceBook,
) -> Vec<RenewalRow> {
    let mut assigned: BTreeMap<String, u64> = BTreeMap::new();
    let mut recommended: BTreeMap<String, u64> = BTreeMap::new();
    for p in priced {
        for s in &p.rec.current {
            *assigned.entry(s.clone()).or_default() += 1;
        }
        for s in &p.rec.recommended {
            *recommended.entry(s.clone()).or_default() += 1;
        }
    }
    for l in licences {
        *recommended.entry(l.sku.clone()).or_default() += 1;
    }
    let skus: BTreeSet<String> = assigned
        .keys()
        .chain(recommended.keys())
        .chain(seats.keys())
        .cloned()
        .collect();
    skus.into_iter()
        .map(|sku| {
            let price = book.monthly(&sku);
            let a = assigned.get(&sku).copied().unwrap_or(0);
            let r = recommended.get(&sku).copied().unwrap_or(0);
            let bought = seats.get(&sku).map(|s| s.purchased);
            let held = bought.unwrap_or(a);
            let shelf = bought.map(|b| b as i64 - a as i64);
            let times = |n: i64| price.map(|p| p * Decimal::from(n));
            let at_r = book.unit_price(&sku, r);
            let volume = match (price, at_r) {
                (Some(now), Some(then)) => Some(Decimal::from(r) * (now - then)),
                _ => None,
            };
            let at_renewal = match (times(held as i64 - r as i64), volume) {
                (Some(seats), Some(v)) => Some(seats + v),
                _ => None,
            };
            RenewalRow {
                tier_note: tier_note(book, &sku, held, r),
                monthly_price: price,
                monthly_price_recommended: at_r,
                monthly_volume_change: volume,
                bought,
                assigned: a,
                recommended: r,
                change: r as i64 - a as i64,
                shelfware: shelf,
                monthly_saving_users: times(a as i64 - r as i64),
                monthly_saving_shelfware: shelf.and_then(times),
                monthly_saving_at_renewal: at_renewal,
                annual_saving_at_renewal: at_renewal.map(|m| m * Decimal::from(12)),
                sku,
            }
        })
        .collect()
}

/// "recommended 2,350 seats fall below the 2,400-seat tier: every seat costs 105.00 instead
/// of 99.00", when the recommendation drops a SKU out of its volume tier.
fn tier_note(book: &PriceBook, sku: &str, held: u64, recommended: u64) -> Option<String> {
    let terms = &book.get(sku)?.terms;
    let now = crate::contract::Contract::tier_of(terms, held)?;
    if crate::contract::Contract::tier_of(terms, recommended).is_some_and(|t| t >= now) {
        return None;
    }
    let then = book.unit_price(sku, recommended);
    let today = book.unit_price(sku, held);
    Some(format!(
        "recommended {} seats fall below the {}-seat tier: every seat costs {} instead of {}",
        crate::text::thousands(recommended),
        crate::text::thousands(now),
        crate::money::fmt_opt(then),
        crate::money::fmt_opt(today),
    ))
}

/// When savings become realisable and how much falls in the current fiscal year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Realisable {
    /// The next renewal on or after as-of: seats bought on current terms change only then.
    pub renewal_date: NaiveDate,
    /// The policy's `renewal_date` when it was already past at as-of and was rolled forward
    /// whole years to `renewal_date` (the renderers say so).
    pub rolled_forward_from: Option<NaiveDate>,
    pub fiscal_year_start: NaiveDate,
    pub fiscal_year_end: NaiveDate,
    /// Whole months from the renewal date to the fiscal year's end (0 when after it).
    pub months_in_fiscal_year: u32,
    /// Monthly-term seats can be reduced at any month end: their savings count from the first
    /// of the month after as-of (set when there are any).
    pub monthly_term_from: Option<NaiveDate>,
    /// Whole months from `monthly_term_from` to the fiscal year's end.
    pub monthly_term_months: u32,
    /// Annual-term savings × `months_in_fiscal_year` + monthly-term savings × `monthly_term_months`.
    pub this_fiscal_year: Decimal,
}

/// Whole months from `from` until `end` (0 when `from` is after it).
fn whole_months(from: NaiveDate, end: NaiveDate) -> u32 {
    let mut months = 0u32;
    while from
        .checked_add_months(Months::new(months + 1))
        .is_some_and(|x| x <= end)
    {
        months += 1;
    }
    months
}

/// What is realisable in the current fiscal year: annual-term savings (`monthly_annual_term`)
/// from the next renewal, monthly-term savings (`monthly_monthly_term`) from the first of the
/// next month. Without a `renewal_date` in the policy there is no figure.
pub fn realisable(
    policy: &Policy,
    as_of: NaiveDate,
    monthly_annual_term: Decimal,
    monthly_monthly_term: Decimal,
) -> Option<Realisable> {
    let given = policy.renewal_date?;
    let renewal = next_renewal(given, as_of)?;
    let (m, d) = policy.fiscal_year_start;
    let start_this = NaiveDate::from_ymd_opt(as_of.year(), m, d)?;
    let fy_start = if start_this <= as_of {
        start_this
    } else {
        NaiveDate::from_ymd_opt(as_of.year() - 1, m, d)?
    };
    let fy_end = fy_start.checked_add_months(Months::new(12))?;
    let months = whole_months(renewal, fy_end);
    let monthly_term_from = (!monthly_monthly_term.is_zero())
        .then(|| {
            NaiveDate::from_ymd_opt(as_of.year(), as_of.month(), 1)?
                .checked_add_months(Months::new(1))
        })
        .flatten();
    let monthly_term_months = monthly_term_from.map_or(0, |from| whole_months(from, fy_end));
    Some(Realisable {
        renewal_date: renewal,
        rolled_forward_from: (renewal != given).then_some(given),
        fiscal_year_start: fy_start,
        fiscal_year_end: fy_end,
        months_in_fiscal_year: months,
        monthly_term_from,
        monthly_term_months,
        this_fiscal_year: monthly_annual_term * Decimal::from(months)
            + monthly_monthly_term * Decimal::from(monthly_term_months),
    })
}

/// The first anniversary of `renewal` on or after `as_of` (`renewal` itself when not past).
/// Counted from the given date each time, so a 29 February renewal returns to the 29th in
/// leap years instead of drifting to the 28th.
pub fn next_renewal(renewal: NaiveDate, as_of: NaiveDate) -> Option<NaiveDate> {
    if renewal >= as_of {
        return Some(renewal);
    }
    let years = u32::try_from(as_of.year() - renewal.year()).ok()?;
    (years.saturating_sub(1)..=years + 1)
        .filter_map(|y| renewal.checked_add_months(Months::new(12 * y)))
        .find(|d| *d >= as_of)
}

#[cfg(test)]
#[path = "savings_tests.rs"]
mod tests;
