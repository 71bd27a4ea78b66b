//! Table-driven tests for the money stage: price_all (the device split and its fallback),
//! summary, renewal and realisable, with every amount computed by hand to the cent.

use std::io::Write;
use std::str::FromStr;

use super::*;
use crate::classify::{Context, classify};
use crate::devices::{Device, analyse};
use crate::model::{Holding, Profile, TableWrites, User};
use crate::profile::DeviceUse;

const ENT: &str = "DYN365_ENTERPRISE_CUSTOMER_SERVICE";
const TM: &str = "DYN365_TEAM_MEMBERS";
const PRO: &str = "DYN365_CUSTOMER_SERVICE_PRO";
const PREM: &str = "DYN365_CUSTOMER_SERVICE_PREMIUM";
const DEVICE: &str = "DYN365_CUSTOMER_SERVICE_DEVICE";

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

/// The built-in book with a device price and, optionally, other prices replaced.
fn book(extra: &str) -> PriceBook {
    let mut f = tempfile::NamedTempFile::new().expect("temp");
    let overlay = format!(
        "[[sku]]\nid='{DEVICE}'\nkind='device'\nfamily='customer-service'\nmonthly='95.00'\ncurrency='USD'\n{extra}"
    );
    f.write_all(overlay.as_bytes()).expect("write");
    PriceBook::load(Some(f.path())).expect("book")
}

fn policy(book: &PriceBook, text: &str) -> Policy {
    Policy::from_toml(text, "policy.toml", book).expect("policy")
}

/// A user holding `skus` (sorted by id, as the readers keep them).
fn user(id: &str, skus: &[&str]) -> User {
    let mut skus = skus.to_vec();
    skus.sort_unstable();
    User {
        id: id.into(),
        upn: format!("{id}@contoso.com"),
        account_enabled: Some(true),
        holdings: skus
            .iter()
            .map(|s| Holding {
                sku: s.to_string(),
                assigned_by_group: None,
            })
            .collect(),
        ..User::default()
    }
}

/// A reads-only profile (team-member tier), optionally all on one device.
fn reads(n: u64, device: Option<&str>) -> Profile {
    Profile {
        events: n,
        first_ms: Some(1_790_000_000_000),
        last_ms: Some(1_790_000_000_000),
        active_days: 20,
        reads: n,
        devices: device.map(|d| vec![(d.to_string(), n)]).unwrap_or_default(),
        ..Profile::default()
    }
}

fn incident_writer(n: u64, device: Option<&str>) -> Profile {
    let mut p = reads(100, device);
    p.writes = n;
    p.events += n;
    p.write_tables = vec![TableWrites {
        table: "incident".into(),
        own_record: false,
        count: n,
    }];
    if let Some((_, e)) = p.devices.first_mut() {
        *e += n;
    }
    p
}

/// Classifies and prices a tenant of (user, profile) pairs.
fn price(
    people: &[(User, Profile)],
    book: &PriceBook,
    policy: &Policy,
) -> (Vec<Priced>, Vec<DeviceLicence>) {
    let uses: Vec<DeviceUse> = people
        .iter()
        .flat_map(|(u, p)| {
            p.devices.iter().map(|(dev, n)| DeviceUse {
                device: dev.clone(),
                user: u.id.clone(),
                events: *n,
            })
        })
        .collect();
    let devices: BTreeMap<String, Device> = analyse(&uses, &policy.device);
    let ctx = Context {
        policy,
        book,
        as_of: NaiveDate::from_ymd_opt(2026, 10, 31).expect("date"),
        window_days: 91,
        covered_days: 91,
        operation_level: true,
        devices: &devices,
        device_data: true,
    };
    let recs = people
        .iter()
        .map(|(u, p)| classify(u, Some(p), &ctx))
        .collect();
    price_all(recs, book, policy)
}

fn find<'a>(priced: &'a [Priced], id: &str) -> &'a Priced {
    priced
        .iter()
        .find(|p| p.rec.user.id == id)
        .expect("user is priced")
}

#[test]
fn a_device_share_dearer_than_today_falls_back_to_the_rules_without_the_device_step() {
    // Four users on one kiosk: a 95.00 licence split four ways is 23.75 each, dearer than
    // u3's Team Members (8.00) and u4's (8.00; u4 writes cases, so without the device step u4
    // is activity and under-licensed). Without them, u1 and u2 share 95.00 = 47.50 each,
    // cheaper than Enterprise (105.00): each saves 105.00 - 47.50 = 57.50.
    let book = book("");
    let policy = policy(&book, "");
    let people = vec![
        (user("u1", &[ENT]), reads(100, Some("kiosk"))),
        (user("u2", &[ENT]), reads(100, Some("kiosk"))),
        (user("u3", &[TM]), reads(100, Some("kiosk"))),
        (user("u4", &[TM]), incident_writer(30, Some("kiosk"))),
    ];
    let (priced, licences) = price(&people, &book, &policy);
    struct Want {
        id: &'static str,
        class: Class,
        flags: Vec<Flag>,
        recommended: Vec<&'static str>,
        device_share: Option<&'static str>,
        saving: &'static str,
    }
    let want = [
        Want {
            id: "u1",
            class: Class::Device,
            flags: vec![],
            recommended: vec![],
            device_share: Some("47.50"),
            saving: "57.50",
        },
        Want {
            id: "u2",
            class: Class::Device,
            flags: vec![],
            recommended: vec![],
            device_share: Some("47.50"),
            saving: "57.50",
        },
        Want {
            id: "u3",
            class: Class::TeamMember,
            flags: vec![],
            recommended: vec![TM],
            device_share: None,
            saving: "0",
        },
        Want {
            id: "u4",
            class: Class::Activity,
            flags: vec![Flag::UnderLicensed],
            recommended: vec![TM],
            device_share: None,
            saving: "0",
        },
    ];
    for w in want {
        let p = find(&priced, w.id);
        assert_eq!(p.rec.class, w.class, "{}: {:?}", w.id, p.rec.reasons);
        assert_eq!(p.rec.flags, w.flags, "{}", w.id);
        assert_eq!(p.rec.recommended, w.recommended, "{}", w.id);
        assert_eq!(p.device_share, w.device_share.map(d), "{}", w.id);
        assert_eq!(p.monthly_saving, Some(d(w.saving)), "{}", w.id);
        if w.class == Class::Device {
            assert_eq!(p.rec.device.as_deref(), Some("kiosk"), "{}", w.id);
        } else {
            assert_eq!(p.rec.device, None, "{}", w.id);
            assert!(
                p.rec.reasons[0].contains("(23.75) costs more than the current licences (8.00)"),
                "{}: says why: {:?}",
                w.id,
                p.rec.reasons
            );
        }
    }
    assert_eq!(licences.len(), 1);
    assert_eq!(licences[0].users, vec!["u1", "u2"]);
    assert_eq!(licences[0].monthly, Some(d("95.00")));
    let rows = summary(&priced);
    let row = |name: &str| {
        rows.iter()
            .find(|r| r.group == "class" && r.name == name)
            .expect("row")
            .clone()
    };
    assert_eq!(
        row("device").users,
        2,
        "an unchanged user is no device move"
    );
    assert_eq!(row("device").monthly_saving, d("115.00"));
    assert_eq!(row("team-member").users, 1);
    assert_eq!(row("activity").users, 1);
}

#[test]
fn a_dearer_target_keeps_the_user_without_claiming_a_move() {
    // Team Members at 120.00 costs more than Enterprise at 105.00: a reads-only user stays on
    // Enterprise, class keep, no flag, saving 0.
    let book = book(&format!(
        "[[sku]]\nid='{TM}'\nkind='team-member'\nfamily='team-members'\nmonthly='120.00'\ncurrency='USD'\n"
    ));
    let policy = policy(&book, "");
    let mut grouped = user("u2", &[ENT]);
    grouped.holdings[0].assigned_by_group = Some("CS agents".into());
    let people = vec![
        (user("u1", &[ENT]), reads(100, None)),
        (grouped, reads(100, None)),
        (user("u3", &[PRO]), reads(100, None)),
    ];
    let (priced, _) = price(&people, &book, &policy);
    for p in &priced {
        assert_eq!(
            p.rec.class,
            Class::Keep,
            "{}: {:?}",
            p.rec.user.id,
            p.rec.reasons
        );
        assert!(
            p.rec.flags.is_empty(),
            "{}: {:?}",
            p.rec.user.id,
            p.rec.flags
        );
        assert_eq!(p.rec.recommended, p.rec.current);
        assert_eq!(p.monthly_saving, Some(Decimal::ZERO));
        assert!(
            p.rec
                .reasons
                .iter()
                .any(|r| r.contains("costs more (120.00) than the current licences")),
            "{:?}",
            p.rec.reasons
        );
    }
}

const BOTH: &str = "DYNAMICS_365_CONTACT_CENTER_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE";
const DIGITAL: &str = "DYNAMICS_365_CONTACT_CENTER_DIGITAL_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE";

fn addon(id: &str, channels: &str, monthly: Option<&str>) -> String {
    let price = monthly
        .map(|m| format!("monthly='{m}'\ncurrency='USD'\n"))
        .unwrap_or_default();
    format!(
        "[[sku]]\nid='{id}'\nkind='addon'\nfamily='contact-center'\nchannels={channels}\n{price}"
    )
}

#[test]
fn a_combined_addon_used_for_one_channel_becomes_that_channels_addon() {
    // Enterprise + the Contact Center add-on, digital conversations only. The built-in book
    // has no price for either add-on.
    struct Case {
        name: &'static str,
        both: Option<&'static str>,
        digital: Option<&'static str>,
        flags: Vec<Flag>,
        recommended: Vec<&'static str>,
        saving: Option<&'static str>,
    }
    let cases = [
        Case {
            name: "single add-on unpriced: recommended, saving unknown",
            both: Some("75.00"),
            digital: None,
            flags: vec![Flag::AddonUnused],
            recommended: vec![ENT, DIGITAL],
            saving: None,
        },
        Case {
            name: "combined add-on unpriced: recommended, saving unknown",
            both: None,
            digital: Some("50.00"),
            flags: vec![Flag::AddonUnused],
            recommended: vec![ENT, DIGITAL],
            saving: None,
        },
        Case {
            name: "no add-on priced (the built-in book)",
            both: None,
            digital: None,
            flags: vec![Flag::AddonUnused],
            recommended: vec![ENT, DIGITAL],
            saving: None,
        },
        Case {
            name: "both priced, single cheaper: 75.00 - 50.00",
            both: Some("75.00"),
            digital: Some("50.00"),
            flags: vec![Flag::AddonUnused],
            recommended: vec![ENT, DIGITAL],
            saving: Some("25.00"),
        },
        Case {
            name: "both priced, single not cheaper: unchanged",
            both: Some("75.00"),
            digital: Some("75.00"),
            flags: vec![],
            recommended: vec![ENT, BOTH],
            saving: Some("0"),
        },
    ];
    for c in cases {
        let book = book(&format!(
            "{}{}",
            addon(BOTH, "['voice','digital']", c.both),
            addon(DIGITAL, "['digital']", c.digital)
        ));
        let policy = policy(&book, "");
        let mut p = reads(100, None);
        p.digital = 5;
        p.events += 5;
        // Case work too (a knowledge article), so that the user is no Contact Center candidate.
        p.write_tables = vec![TableWrites {
            table: "knowledgearticle".into(),
            own_record: false,
            count: 3,
        }];
        p.writes = 3;
        p.events += 3;
        let (priced, licences) = price(&[(user("u1", &[ENT, BOTH]), p)], &book, &policy);
        let p = &priced[0];
        assert_eq!(p.rec.class, Class::Full, "{}", c.name);
        assert_eq!(p.rec.flags, c.flags, "{}: {:?}", c.name, p.rec.reasons);
        let mut got = p.rec.recommended.clone();
        got.sort();
        assert_eq!(got, c.recommended, "{}", c.name);
        assert_eq!(p.monthly_saving, c.saving.map(d), "{}", c.name);
        let rows = summary(&priced);
        let flag = rows
            .iter()
            .find(|r| r.group == "flag" && r.name == "addon-unused")
            .expect("flag row");
        let unknown = u64::from(c.saving.is_none());
        assert_eq!(flag.users, u64::from(!c.flags.is_empty()), "{}", c.name);
        assert_eq!(
            flag.unknown, unknown,
            "{}: counted as unknown, not dropped",
            c.name
        );
        if c.saving.is_none() {
            assert!(
                p.rec.reasons.iter().any(|r| r.contains("saving unknown")),
                "{}: {:?}",
                c.name,
                p.rec.reasons
            );
            let table = renewal(&priced, &licences, &BTreeMap::new(), &book);
            let saving: Option<Decimal> = table.iter().map(|r| r.monthly_saving_users).sum();
            assert_eq!(saving, None, "{}: the renewal table is unknown too", c.name);
        }
    }
}

#[test]
fn realisable_counts_whole_months_from_the_next_renewal() {
    // as-of 2026-10-31, fiscal year 2026-07-01 .. 2027-07-01.
    struct Case {
        name: &'static str,
        renewal: &'static str,
        monthly: &'static str,
        next: &'static str,
        rolled_from: Option<&'static str>,
        months: u32,
        this_year: &'static str,
    }
    let cases = [
        Case {
            name: "future renewal: March to July is 4 months",
            renewal: "2027-03-01",
            monthly: "100.00",
            next: "2027-03-01",
            rolled_from: None,
            months: 4,
            this_year: "400.00",
        },
        Case {
            name: "past renewal rolls two years forward, not from today (8 months)",
            renewal: "2025-03-01",
            monthly: "100.00",
            next: "2027-03-01",
            rolled_from: Some("2025-03-01"),
            months: 4,
            this_year: "400.00",
        },
        Case {
            name: "past renewal whose anniversary falls in this fiscal year",
            renewal: "2024-12-15",
            monthly: "250.50",
            next: "2026-12-15",
            rolled_from: Some("2024-12-15"),
            months: 6,
            this_year: "1503.00",
        },
        Case {
            name: "renewal on the as-of date is not past",
            renewal: "2026-10-31",
            monthly: "10.00",
            next: "2026-10-31",
            rolled_from: None,
            months: 8,
            this_year: "80.00",
        },
        Case {
            name: "rolled past the fiscal year's end: nothing this year",
            renewal: "2025-08-01",
            monthly: "100.00",
            next: "2027-08-01",
            rolled_from: Some("2025-08-01"),
            months: 0,
            this_year: "0.00",
        },
        Case {
            name: "29 February rolls to 28 February in a common year",
            renewal: "2024-02-29",
            monthly: "10.00",
            next: "2027-02-28",
            rolled_from: Some("2024-02-29"),
            months: 4,
            this_year: "40.00",
        },
    ];
    let book = book("");
    let as_of = NaiveDate::from_ymd_opt(2026, 10, 31).expect("date");
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    for c in cases {
        let policy = policy(
            &book,
            &format!(
                "renewal_date = '{}'\nfiscal_year_start = '07-01'",
                c.renewal
            ),
        );
        let r = realisable(&policy, as_of, d(c.monthly), Decimal::ZERO).expect(c.name);
        assert_eq!(r.renewal_date, date(c.next), "{}", c.name);
        assert_eq!(r.rolled_forward_from, c.rolled_from.map(date), "{}", c.name);
        assert_eq!(r.fiscal_year_start, date("2026-07-01"), "{}", c.name);
        assert_eq!(r.fiscal_year_end, date("2027-07-01"), "{}", c.name);
        assert_eq!(r.months_in_fiscal_year, c.months, "{}", c.name);
        assert_eq!(r.this_fiscal_year, d(c.this_year), "{}", c.name);
    }
    let no_date = policy(&book, "");
    assert_eq!(realisable(&no_date, as_of, d("1"), Decimal::ZERO), None);
}

#[test]
fn next_renewal_is_counted_from_the_given_date() {
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let cases = [
        ("2024-02-29", "2027-10-31", "2028-02-29"),
        ("2024-02-29", "2025-03-01", "2026-02-28"),
        ("2026-06-30", "2026-06-30", "2026-06-30"),
        ("2026-06-30", "2026-07-01", "2027-06-30"),
        ("2020-01-31", "2026-01-31", "2026-01-31"),
        ("2020-01-31", "2026-02-01", "2027-01-31"),
    ];
    for (given, as_of, want) in cases {
        assert_eq!(
            next_renewal(date(given), date(as_of)),
            Some(date(want)),
            "{given} at {as_of}"
        );
    }
}

#[test]
fn users_summary_and_renewal_reconcile_to_the_cent() {
    // Enterprise 105.00, Professional 50.00, Team Members 8.00, device 95.00.
    let book = book("");
    let policy = policy(&book, "");
    let mut disabled = user("u3", &[ENT]);
    disabled.account_enabled = Some(false);
    let people = vec![
        (user("u1", &[ENT]), reads(100, None)),          // → TM: 97.00
        (user("u2", &[ENT]), incident_writer(30, None)), // → Professional: 55.00
        (disabled, reads(100, None)),                    // remove: 105.00
        (user("u4", &[PRO]), reads(100, None)),          // → TM: 42.00
        (user("u5", &[ENT]), reads(100, Some("kiosk"))), // 95.00 / 3 = 31.67: 73.33
        (user("u6", &[ENT]), reads(100, Some("kiosk"))), // 31.67: 73.33
        (user("u7", &[ENT]), reads(100, Some("kiosk"))), // 31.66: 73.34
    ];
    let (priced, licences) = price(&people, &book, &policy);
    let per_user = [
        ("u1", Class::TeamMember, None, "97.00"),
        ("u2", Class::Activity, None, "55.00"),
        ("u3", Class::Remove, None, "105.00"),
        ("u4", Class::TeamMember, None, "42.00"),
        ("u5", Class::Device, Some("31.67"), "73.33"),
        ("u6", Class::Device, Some("31.67"), "73.33"),
        ("u7", Class::Device, Some("31.66"), "73.34"),
    ];
    for (id, class, share, saving) in per_user {
        let p = find(&priced, id);
        assert_eq!(p.rec.class, class, "{id}: {:?}", p.rec.reasons);
        assert_eq!(p.device_share, share.map(d), "{id}");
        assert_eq!(p.monthly_saving, Some(d(saving)), "{id}");
        assert_eq!(
            p.annual_saving(),
            Some(d(saving) * Decimal::from(12)),
            "{id}"
        );
    }
    assert_eq!(licences.len(), 1);
    assert_eq!(licences[0].users, vec!["u5", "u6", "u7"]);

    let rows = summary(&priced);
    let row = |group: &str, name: &str| {
        rows.iter()
            .find(|r| r.group == group && r.name == name)
            .expect("row")
            .clone()
    };
    let want = [
        ("class", "team-member", 2, "139.00"),
        ("class", "activity", 1, "55.00"),
        ("class", "remove", 1, "105.00"),
        ("class", "device", 3, "220.00"),
        ("class", "full", 0, "0"),
        ("class", "keep", 0, "0"),
        ("total", "all users", 7, "519.00"),
    ];
    for (group, name, users, monthly) in want {
        let r = row(group, name);
        assert_eq!(r.users, users, "{name}");
        assert_eq!(r.monthly_saving, d(monthly), "{name}");
        assert_eq!(r.annual_saving, d(monthly) * Decimal::from(12), "{name}");
        assert_eq!(r.unknown, 0, "{name}");
    }

    let seats: BTreeMap<String, Seats> = [(ENT.to_string(), 10), (PRO.to_string(), 1)]
        .into_iter()
        .map(|(k, purchased)| {
            (
                k,
                Seats {
                    purchased,
                    assigned: None,
                },
            )
        })
        .collect();
    let table = renewal(&priced, &licences, &seats, &book);
    // sku, price, bought, assigned, recommended, change, shelfware, users, shelf, at renewal
    type Row = (
        &'static str,
        &'static str,
        Option<u64>,
        u64,
        u64,
        i64,
        Option<i64>,
        &'static str,
        Option<&'static str>,
        &'static str,
    );
    let want: [Row; 4] = [
        (
            ENT,
            "105.00",
            Some(10),
            6,
            0,
            -6,
            Some(4),
            "630.00",
            Some("420.00"),
            "1050.00",
        ),
        (PRO, "50.00", Some(1), 1, 1, 0, Some(0), "0", Some("0"), "0"),
        (
            DEVICE, "95.00", None, 0, 1, 1, None, "-95.00", None, "-95.00",
        ),
        (TM, "8.00", None, 0, 2, 2, None, "-16.00", None, "-16.00"),
    ];
    assert_eq!(table.len(), want.len(), "{table:?}");
    for (sku, price, bought, assigned, rec, change, shelf, users, shelf_m, at) in want {
        let r = table.iter().find(|r| r.sku == sku).expect(sku);
        assert_eq!(r.monthly_price, Some(d(price)), "{sku}");
        assert_eq!(r.bought, bought, "{sku}");
        assert_eq!(r.assigned, assigned, "{sku}");
        assert_eq!(r.recommended, rec, "{sku}");
        assert_eq!(r.change, change, "{sku}");
        assert_eq!(r.shelfware, shelf, "{sku}");
        assert_eq!(r.monthly_saving_users, Some(d(users)), "{sku}");
        assert_eq!(r.monthly_saving_shelfware, shelf_m.map(d), "{sku}");
        assert_eq!(r.monthly_saving_at_renewal, Some(d(at)), "{sku}");
        assert_eq!(
            r.annual_saving_at_renewal,
            Some(d(at) * Decimal::from(12)),
            "{sku}"
        );
    }
    // users 519.00 + shelfware 420.00 = 939.00 at renewal
    let users: Decimal = table.iter().filter_map(|r| r.monthly_saving_users).sum();
    let shelf: Decimal = table
        .iter()
        .filter_map(|r| r.monthly_saving_shelfware)
        .sum();
    let at: Decimal = table
        .iter()
        .filter_map(|r| r.monthly_saving_at_renewal)
        .sum();
    assert_eq!(users, d("519.00"));
    assert_eq!(users + shelf, at);
    assert_eq!(at, d("939.00"));
}

#[test]
fn device_split_gives_spare_cents_to_the_first_users_and_unknown_without_a_price() {
    // (device price, users on the device, shares in user order); every user holds Enterprise.
    let cases: [(Option<&str>, usize, Vec<&str>); 4] = [
        (Some("95.00"), 3, vec!["31.67", "31.67", "31.66"]),
        (Some("100.00"), 4, vec!["25.00", "25.00", "25.00", "25.00"]),
        (Some("0.05"), 3, vec!["0.02", "0.02", "0.01"]),
        (None, 3, vec![]),
    ];
    for (licence, n, shares) in cases {
        let price_line = licence
            .map(|p| format!("monthly='{p}'\ncurrency='USD'\n"))
            .unwrap_or_default();
        let mut f = tempfile::NamedTempFile::new().expect("temp");
        write!(
            f,
            "[[sku]]\nid='{DEVICE}'\nkind='device'\nfamily='customer-service'\n{price_line}"
        )
        .expect("write");
        let book = PriceBook::load(Some(f.path())).expect("book");
        let policy = policy(&book, "");
        let people: Vec<_> = (0..n)
            .map(|i| (user(&format!("u{i}"), &[ENT]), reads(100, Some("kiosk"))))
            .collect();
        let (priced, licences) = price(&people, &book, &policy);
        assert_eq!(licences.len(), 1, "{licence:?}");
        assert_eq!(licences[0].monthly, licence.map(d));
        for (i, p) in priced.iter().enumerate() {
            assert_eq!(p.rec.class, Class::Device, "{licence:?}");
            match shares.get(i) {
                Some(s) => {
                    assert_eq!(p.device_share, Some(d(s)), "{licence:?} user {i}");
                    assert_eq!(p.monthly_saving, Some(d("105.00") - d(s)), "{licence:?}");
                    assert_eq!(p.recommended_monthly, Some(d(s)), "{licence:?}");
                }
                None => {
                    assert_eq!(p.device_share, None, "unknown, never zero");
                    assert_eq!(p.monthly_saving, None, "unknown, never zero");
                }
            }
        }
        if let Some(p) = licence {
            let sum: Decimal = priced.iter().filter_map(|p| p.device_share).sum();
            assert_eq!(sum, d(p), "the shares add up to the licence");
        }
    }
}

#[test]
fn premium_beside_enterprise_is_priced_as_the_change() {
    // Holds Enterprise (no price in this book) and Premium (30.00), digital conversations:
    // replacing Premium by Enterprise (held already) + the digital add-on (50.00) would cost
    // 20.00 more a month. The user stays as they are.
    let book = book(&format!(
        "[[sku]]\nid='{ENT}'\nkind='base'\nfamily='customer-service'\n\
         [[sku]]\nid='{PREM}'\nkind='base'\nfamily='customer-service'\nchannels=['voice','digital']\npremium=true\nmonthly='30.00'\ncurrency='USD'\n{}",
        addon(DIGITAL, "['digital']", Some("50.00"))
    ));
    let policy = policy(&book, "");
    let mut p = reads(100, None);
    p.digital = 3;
    p.events += 3;
    let (priced, _) = price(&[(user("u1", &[ENT, PREM]), p)], &book, &policy);
    let p = &priced[0];
    assert_eq!(p.rec.class, Class::Full);
    assert_eq!(p.rec.flags, vec![], "{:?}", p.rec.reasons);
    assert_eq!(p.rec.recommended, vec![PREM, ENT]);
    assert_eq!(p.rec.recommended, p.rec.current);
    assert_eq!(p.monthly_saving, Some(Decimal::ZERO));
}
