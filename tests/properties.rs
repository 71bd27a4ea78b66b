//! Property tests over the pure core: for any users, activity and prices, the money reconciles
//! (sum of users = summary total = renewal table, users + shelfware = saving at renewal), no
//! saving is negative, and each user's class, recommended SKUs, flags and money agree.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;

use rightsize::classify::{Context, classify};
use rightsize::devices::analyse;
use rightsize::ingest::subscriptions::Seats;
use rightsize::model::{Class, Flag, Holding, Profile, TableWrites, User};
use rightsize::policy::Policy;
use rightsize::prices::PriceBook;
use rightsize::profile::DeviceUse;
use rightsize::savings::{price_all, renewal, summary};
use rightsize::scenarios::{Adopt, Inputs, Outcome, Scenario, evaluate_all};

const SKUS: [(&str, &str, &str, bool); 12] = [
    ("DYN365_ENTERPRISE_CUSTOMER_SERVICE", "base", "[]", false),
    (
        "DYN365_CUSTOMER_SERVICE_PREMIUM",
        "base",
        "['voice','digital']",
        true,
    ),
    ("DYN365_CUSTOMER_SERVICE_PRO", "activity", "[]", false),
    ("DYN365_TEAM_MEMBERS", "team-member", "[]", false),
    ("DYN365_CUSTOMER_SERVICE_DEVICE", "device", "[]", false),
    (
        "DYNAMICS_365_CONTACT_CENTER_VOICE_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE",
        "addon",
        "['voice']",
        false,
    ),
    (
        "DYNAMICS_365_CONTACT_CENTER_DIGITAL_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE",
        "addon",
        "['digital']",
        false,
    ),
    (
        "DYNAMICS_365_CONTACT_CENTER_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE",
        "addon",
        "['voice','digital']",
        false,
    ),
    ("DYN365_CS_VOICE", "addon", "['voice']", false),
    (
        "DYNAMICS_365_CONTACT_CENTER_VOICE",
        "base",
        "['voice']",
        false,
    ),
    (
        "DYNAMICS_365_CONTACT_CENTER_DIGITAL",
        "base",
        "['digital']",
        false,
    ),
    (
        "DYNAMICS_365_CONTACT_CENTER",
        "base",
        "['voice','digital']",
        false,
    ),
];

fn book(cents: &[u32]) -> PriceBook {
    book_of(&cents.iter().map(|&c| Some(c)).collect::<Vec<_>>())
}

/// A book of the SKUs above with these prices in cents (`None`: no price).
fn book_of(cents: &[Option<u32>]) -> PriceBook {
    let mut text = String::new();
    for ((id, kind, channels, premium), c) in SKUS.iter().zip(cents) {
        let price = c
            .map(|c| format!("monthly='{}.{:02}'\ncurrency='USD'\n", c / 100, c % 100))
            .unwrap_or_default();
        text.push_str(&format!(
            "[[sku]]\nid='{id}'\nkind='{kind}'\nfamily='customer-service'\nchannels={channels}\npremium={premium}\n{price}"
        ));
    }
    PriceBook::from_toml(&text, "generated").expect("generated book is valid")
}

/// The users, their profiles and their device use.
fn tenant(users: &[Gen]) -> (Vec<User>, BTreeMap<String, Profile>, Vec<DeviceUse>) {
    let mut people = Vec::new();
    let mut profiles = BTreeMap::new();
    let mut uses = Vec::new();
    for (i, g) in users.iter().enumerate() {
        let id = format!("u{i:03}");
        let mut holdings: Vec<Holding> = g
            .holdings
            .iter()
            .map(|&s| Holding {
                sku: SKUS[s].0.to_string(),
                assigned_by_group: g.group.then(|| "agents".to_string()),
            })
            .collect();
        holdings.sort();
        holdings.dedup();
        people.push(User {
            id: id.clone(),
            account_enabled: Some(g.enabled),
            holdings,
            ..User::default()
        });
        let writes: u64 = g.writes.iter().map(|w| w.2).sum();
        let events = g.reads + writes + g.voice + g.digital + g.premium;
        if events == 0 || g.days == 0 {
            continue;
        }
        let mut devices = Vec::new();
        if let Some(d) = g.device {
            devices.push((format!("dev{d}"), events));
            uses.push(DeviceUse {
                device: format!("dev{d}"),
                user: id.clone(),
                events,
            });
        }
        profiles.insert(
            id,
            Profile {
                events,
                first_ms: Some(1_790_000_000_000),
                last_ms: Some(1_790_000_000_000),
                active_days: g.days,
                reads: g.reads,
                writes,
                voice: g.voice,
                digital: g.digital,
                premium_events: g.premium,
                write_tables: g
                    .writes
                    .iter()
                    .map(|&(t, own, n)| TableWrites {
                        table: TABLES[t].into(),
                        own_record: own,
                        count: n,
                    })
                    .collect(),
                devices,
                ..Profile::default()
            },
        );
    }
    (people, profiles, uses)
}

#[derive(Debug, Clone)]
struct Gen {
    holdings: Vec<usize>,
    enabled: bool,
    reads: u64,
    writes: Vec<(usize, bool, u64)>,
    voice: u64,
    digital: u64,
    premium: u64,
    days: u32,
    device: Option<u8>,
    /// Whether the licences come from a group.
    group: bool,
}

fn user_strategy() -> impl Strategy<Value = Gen> {
    (
        prop::collection::vec(0usize..SKUS.len(), 1..4),
        prop::bool::weighted(0.9),
        0u64..300,
        prop::collection::vec((0usize..6, any::<bool>(), 1u64..40), 0..3),
        prop::option::weighted(0.3, 1u64..20),
        prop::option::weighted(0.3, 1u64..20),
        prop::option::weighted(0.2, 1u64..5),
        0u32..40,
        prop::option::weighted(0.3, 0u8..3),
        prop::bool::weighted(0.2),
    )
        .prop_map(
            |(holdings, enabled, reads, writes, voice, digital, premium, days, device, group)| {
                Gen {
                    holdings,
                    enabled,
                    reads,
                    writes,
                    voice: voice.unwrap_or(0),
                    digital: digital.unwrap_or(0),
                    premium: premium.unwrap_or(0),
                    days,
                    device,
                    group,
                }
            },
        )
}

const TABLES: [&str; 6] = [
    "contact",
    "incident",
    "sla",
    "knowledgearticle",
    "account",
    "email",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn money_reconciles_and_is_never_negative(
        users in prop::collection::vec(user_strategy(), 1..40),
        cents in prop::collection::vec(0u32..30_000, SKUS.len()),
    ) {
        let book = book(&cents);
        let policy = Policy::from_toml("", "generated", &book).expect("policy");
        let (people, profiles, uses) = tenant(&users);
        let devices = analyse(&uses, &policy.device);
        let ctx = Context {
            policy: &policy,
            book: &book,
            as_of: NaiveDate::from_ymd_opt(2026, 10, 31).expect("date"),
            window_days: 91,
            covered_days: 91,
            operation_level: true,
            devices: &devices,
            device_data: true,
        };
        let recs: Vec<_> = people.iter().map(|u| classify(u, profiles.get(&u.id), &ctx)).collect();
        let (priced, licences) = price_all(recs, &book, &policy);
        let users_total: Decimal = priced.iter().map(|p| p.monthly_saving.expect("all prices known")).sum();
        for p in &priced {
            let s = p.monthly_saving.expect("known");
            prop_assert!(s >= Decimal::ZERO, "negative saving {} for {:?}", s, p.rec);
        }
        let rows = summary(&priced);
        let total = rows.iter().find(|r| r.group == "total").expect("total");
        prop_assert_eq!(total.monthly_saving, users_total);
        prop_assert_eq!(total.annual_saving, users_total * Decimal::from(12));
        let class_sum: Decimal = rows.iter().filter(|r| r.group == "class").map(|r| r.monthly_saving).sum();
        prop_assert_eq!(class_sum, users_total);
        let table = renewal(&priced, &licences, &BTreeMap::new(), &book);
        let sku_sum: Decimal = table.iter().map(|r| r.monthly_saving_users.expect("known")).sum();
        prop_assert_eq!(sku_sum, users_total);
    }

    #[test]
    fn class_recommendation_flags_and_money_agree(
        users in prop::collection::vec(user_strategy(), 1..40),
        cents in prop::collection::vec(prop::option::weighted(0.85, 0u32..30_000), SKUS.len()),
        spare in prop::collection::vec(prop::option::weighted(0.5, 0u64..20), SKUS.len()),
    ) {
        let book = book_of(&cents);
        let policy = Policy::from_toml("", "generated", &book).expect("policy");
        let (people, profiles, uses) = tenant(&users);
        let devices = analyse(&uses, &policy.device);
        let ctx = Context {
            policy: &policy,
            book: &book,
            as_of: NaiveDate::from_ymd_opt(2026, 10, 31).expect("date"),
            window_days: 91,
            covered_days: 91,
            operation_level: true,
            devices: &devices,
            device_data: true,
        };
        let recs: Vec<_> = people.iter().map(|u| classify(u, profiles.get(&u.id), &ctx)).collect();
        let (priced, licences) = price_all(recs, &book, &policy);
        for p in &priced {
            let r = &p.rec;
            let changed = r.recommended != r.current || r.device.is_some();
            let who = format!("{} {:?} {:?} {:?}", r.user.id, r.class, r.flags, r.reasons);
            // keep = unchanged, at no saving; a change is never "keep"
            if r.class == Class::Keep {
                prop_assert!(!changed, "keep but changed: {}", who);
                prop_assert!(r.flags.is_empty(), "keep with flags: {}", who);
                prop_assert_eq!(p.monthly_saving, Some(Decimal::ZERO), "{}", who);
            }
            if changed {
                prop_assert!(r.class != Class::Keep, "{}", who);
            }
            // the device class, and only it, is on a device licence
            prop_assert_eq!(r.class == Class::Device, r.device.is_some(), "{}", who);
            if r.class == Class::Device {
                prop_assert!(r.recommended.is_empty(), "{}", who);
                prop_assert!(licences.iter().any(|l| Some(&l.device) == r.device.as_ref() && l.users.contains(&r.user.id)), "{}", who);
            }
            if r.class == Class::Remove {
                prop_assert!(r.recommended.is_empty(), "{}", who);
            }
            // flags that claim a change come with one (a group-assigned licence is changed in
            // the group); under-licensed users are left as they are
            for f in [Flag::PremiumUnused, Flag::AddonUnused, Flag::GroupAssigned] {
                if r.flags.contains(&f) {
                    prop_assert!(changed, "{} without a change: {}", f, who);
                }
            }
            if r.flags.contains(&Flag::UnderLicensed) {
                prop_assert!(!changed, "{}", who);
            }
            if !changed {
                prop_assert_eq!(p.monthly_saving, Some(Decimal::ZERO), "unchanged: {}", who);
            }
            // money: never dearer, and the saving is current - recommended when both are known
            if let (Some(cur), Some(new)) = (p.current_monthly, p.recommended_monthly) {
                prop_assert!(new <= cur, "dearer {} > {}: {}", new, cur, who);
                prop_assert_eq!(p.monthly_saving, Some(cur - new), "{}", who);
            }
            if let Some(s) = p.monthly_saving {
                prop_assert!(s >= Decimal::ZERO, "negative saving: {}", who);
            }
        }
        // users + shelfware = the renewal table's saving at renewal, per SKU and in total
        let mut seats = BTreeMap::new();
        for ((id, ..), extra) in SKUS.iter().zip(&spare) {
            let held = people.iter().filter(|u| u.holdings.iter().any(|h| h.sku == *id)).count() as u64;
            if let Some(extra) = extra {
                seats.insert(id.to_string(), Seats { purchased: held + extra, assigned: Some(held) });
            }
        }
        let table = renewal(&priced, &licences, &seats, &book);
        for row in &table {
            prop_assert_eq!(row.shelfware, seats.get(&row.sku).map(|s| (s.purchased - s.assigned.unwrap_or(0)) as i64), "{}", row.sku);
            if let (Some(u), Some(at)) = (row.monthly_saving_users, row.monthly_saving_at_renewal) {
                prop_assert_eq!(u + row.monthly_saving_shelfware.unwrap_or(Decimal::ZERO), at, "{}", row.sku);
            }
        }
        if cents.iter().all(Option::is_some) {
            let users_total: Decimal = priced.iter().map(|p| p.monthly_saving.expect("all prices known")).sum();
            let shelf: Decimal = table.iter().filter_map(|r| r.monthly_saving_shelfware).sum();
            let at_renewal: Decimal = table.iter().map(|r| r.monthly_saving_at_renewal.expect("known")).sum();
            prop_assert_eq!(users_total + shelf, at_renewal);
            let total = summary(&priced).into_iter().find(|r| r.group == "total").expect("total");
            prop_assert_eq!(total.monthly_saving, users_total);
        }
    }

    #[test]
    fn a_scenario_adopting_nothing_is_current_and_everything_is_recommended(
        users in prop::collection::vec(user_strategy(), 1..40),
        cents in prop::collection::vec(prop::option::weighted(0.9, 0u32..30_000), SKUS.len()),
        spare in prop::collection::vec(prop::option::weighted(0.5, 0u64..20), SKUS.len()),
        usage in prop::option::of(0u32..5_000_000),
    ) {
        let book = book_of(&cents);
        let policy = Policy::from_toml("renewal_date = \"2027-03-01\"", "generated", &book).expect("policy");
        let (people, profiles, uses) = tenant(&users);
        let devices = analyse(&uses, &policy.device);
        let as_of = NaiveDate::from_ymd_opt(2026, 10, 31).expect("date");
        let ctx = Context {
            policy: &policy,
            book: &book,
            as_of,
            window_days: 91,
            covered_days: 91,
            operation_level: true,
            devices: &devices,
            device_data: true,
        };
        let recs: Vec<_> = people.iter().map(|u| classify(u, profiles.get(&u.id), &ctx)).collect();
        let (priced, licences) = price_all(recs, &book, &policy);
        let mut seats = BTreeMap::new();
        for ((id, ..), extra) in SKUS.iter().zip(&spare) {
            let held = people.iter().filter(|u| u.holdings.iter().any(|h| h.sku == *id)).count() as u64;
            if let Some(extra) = extra {
                seats.insert(id.to_string(), Seats { purchased: held + extra, assigned: Some(held) });
            }
        }
        let table = renewal(&priced, &licences, &seats, &book);
        let annual_usage = usage.map(|c| Decimal::new(i64::from(c), 2));
        let peak = BTreeMap::new();
        let inputs = Inputs {
            priced: &priced,
            licences: &licences,
            renewal: &table,
            book: &book,
            policy: &policy,
            as_of,
            annual_usage,
            peak: &peak,
            per_month: &Default::default(),
            capacity_packs: &BTreeMap::new(),
        };
        let nothing = Scenario::adopting("nothing", Adopt::none());
        let everything = Scenario::adopting("everything", Adopt::all());
        let out = evaluate_all(&inputs, &[nothing, everything]);
        let twelve = Decimal::from(12);
        // The bill's figures, from the renewal table: seats held × today's price, and the
        // recommended seats × the price for that count (a SKU with no seat costs nothing).
        let now: Option<Decimal> = table.iter().map(|r| {
            let held = r.bought.unwrap_or(r.assigned);
            if held == 0 { Some(Decimal::ZERO) } else { r.monthly_price.map(|p| p * Decimal::from(held)) }
        }).sum();
        let after: Option<Decimal> = table.iter().map(|r| {
            if r.recommended == 0 { Some(Decimal::ZERO) } else { r.monthly_price_recommended.map(|p| p * Decimal::from(r.recommended)) }
        }).sum();
        let u = annual_usage.unwrap_or(Decimal::ZERO);
        prop_assert_eq!(out[0].annual_licences, now.map(|m| m * twelve));
        prop_assert_eq!(out[0].annual_total, now.map(|m| m * twelve + u));
        prop_assert_eq!(out[1].annual_licences, after.map(|m| m * twelve));
        prop_assert_eq!(out[1].annual_total, after.map(|m| m * twelve + u));
        let at_renewal: Option<Decimal> = table.iter().map(|r| r.annual_saving_at_renewal).sum();
        if let (Some(_), Some(_), Some(s)) = (now, after, at_renewal) {
            prop_assert_eq!(out[1].annual_saving, Some(s));
        }
        for r in &table {
            prop_assert_eq!(out[0].seats.get(&r.sku).copied().unwrap_or(0), r.bought.unwrap_or(r.assigned), "current {}", r.sku);
            prop_assert_eq!(out[1].seats.get(&r.sku).copied().unwrap_or(0), r.recommended, "recommended {}", r.sku);
        }
        // adopt = [] is current, the default (every class) is recommended, field by field
        let same = |a: &Outcome, b: &Outcome| {
            (a.seats == b.seats, a.annual_licences == b.annual_licences, a.annual_total == b.annual_total,
             a.annual_saving == b.annual_saving, a.this_fiscal_year == b.this_fiscal_year)
        };
        prop_assert_eq!(same(&out[2], &out[0]), (true, true, true, true, true));
        prop_assert_eq!(same(&out[3], &out[1]), (true, true, true, true, true));
    }
}
