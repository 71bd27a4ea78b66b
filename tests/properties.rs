//! Property test over the pure core: for any users, activity and prices, the money reconciles
//! (sum of users = summary total = renewal table) and no saving is negative.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;

use rightsize::classify::{Context, classify};
use rightsize::devices::analyse;
use rightsize::model::{Holding, Profile, TableWrites, User};
use rightsize::policy::Policy;
use rightsize::prices::PriceBook;
use rightsize::profile::DeviceUse;
use rightsize::savings::{price_all, renewal, summary};

const SKUS: [(&str, &str, &str, bool); 9] = [
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
];

fn book(cents: &[u32]) -> PriceBook {
    let mut text = String::new();
    for ((id, kind, channels, premium), c) in SKUS.iter().zip(cents) {
        text.push_str(&format!(
            "[[sku]]\nid='{id}'\nkind='{kind}'\nfamily='customer-service'\nchannels={channels}\npremium={premium}\nmonthly='{}.{:02}'\ncurrency='USD'\n",
            c / 100,
            c % 100
        ));
    }
    PriceBook::from_toml(&text, "generated").expect("generated book is valid")
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
    )
        .prop_map(
            |(holdings, enabled, reads, writes, voice, digital, premium, days, device)| Gen {
                holdings,
                enabled,
                reads,
                writes,
                voice: voice.unwrap_or(0),
                digital: digital.unwrap_or(0),
                premium: premium.unwrap_or(0),
                days,
                device,
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
        let mut people = Vec::new();
        let mut profiles = BTreeMap::new();
        let mut uses = Vec::new();
        for (i, g) in users.iter().enumerate() {
            let id = format!("u{i:03}");
            let mut holdings: Vec<Holding> = g.holdings.iter().map(|&s| Holding { sku: SKUS[s].0.to_string(), assigned_by_group: None }).collect();
            holdings.sort();
            holdings.dedup();
            people.push(User { id: id.clone(), account_enabled: Some(g.enabled), holdings, ..User::default() });
            let writes: u64 = g.writes.iter().map(|w| w.2).sum();
            let events = g.reads + writes + g.voice + g.digital + g.premium;
            if events == 0 || g.days == 0 {
                continue;
            }
            let mut devices = Vec::new();
            if let Some(d) = g.device {
                devices.push((format!("dev{d}"), events));
                uses.push(DeviceUse { device: format!("dev{d}"), user: id.clone(), events });
            }
            profiles.insert(id, Profile {
                events,
                first_ms: Some(1_790_000_000_000),
                last_ms: Some(1_790_000_000_000),
                active_days: g.days,
                reads: g.reads,
                writes,
                voice: g.voice,
                digital: g.digital,
                premium_events: g.premium,
                write_tables: g.writes.iter().map(|&(t, own, n)| TableWrites { table: TABLES[t].into(), own_record: own, count: n }).collect(),
                devices,
                ..Profile::default()
            });
        }
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
}
