//! The scenario arithmetic on a five-user tenant, every amount computed by hand (see the
//! comments), one test per scenario key; and `scenarios.toml` validation, one row per error.

use std::collections::BTreeMap;
use std::io::Write;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::*;
use crate::classify::Recommendation;
use crate::ingest::subscriptions::Seats;
use crate::model::{Confidence, Holding, Resource, User};
use crate::policy::Policy;
use crate::prices::PriceBook;
use crate::savings::{self, DeviceLicence, Priced, RenewalRow};

const ENT: &str = "DYN365_ENTERPRISE_CUSTOMER_SERVICE";
const PREM: &str = "DYN365_CUSTOMER_SERVICE_PREMIUM";
const TM: &str = "DYN365_TEAM_MEMBERS";
const CCD: &str = "DYNAMICS_365_CONTACT_CENTER_DIGITAL";
const DIG: &str = "DYNAMICS_365_CONTACT_CENTER_DIGITAL_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE";

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

/// The built-in book (Premium 195 with 1,000 credits a seat, Enterprise 105, Team Members 8,
/// Contact Center Digital 95, credits at 0.01) with the digital add-on at 40.00 and no
/// entitlements of its own.
fn book() -> PriceBook {
    let mut f = tempfile::NamedTempFile::new().expect("temp");
    let overlay = format!(
        "[[sku]]\nid='{DIG}'\nkind='addon'\nfamily='contact-center'\nchannels=['digital']\n\
         monthly='40.00'\ncurrency='USD'\n"
    );
    f.write_all(overlay.as_bytes()).expect("write");
    PriceBook::load(Some(f.path())).expect("book")
}

fn rec(
    id: &str,
    class: Class,
    flags: &[Flag],
    current: &[&str],
    recommended: &[&str],
    (voice, digital): (u64, u64),
) -> Recommendation {
    let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    Recommendation {
        user: User {
            id: id.into(),
            upn: format!("{id}@contoso.com"),
            holdings: current
                .iter()
                .map(|s| Holding {
                    sku: s.to_string(),
                    assigned_by_group: None,
                })
                .collect(),
            ..User::default()
        },
        class,
        flags: flags.to_vec(),
        current: ids(current),
        recommended: ids(recommended),
        device: None,
        required_tier: None,
        confidence: Confidence::High,
        reasons: vec![],
        last_active: None,
        active_days: 0,
        active_per_30: Decimal::ZERO,
        reads: 0,
        writes: 0,
        voice,
        digital,
        premium_events: 0,
        contact_center: None,
        without_device: None,
        trial: None,
    }
}

/// The tenant: u1 Premium → Enterprise + digital add-on (premium-unused, 60 chats); u2
/// Enterprise, inactive (remove); u3 Enterprise → Team Members; u4 Enterprise + add-on →
/// Contact Center Digital (30 chats); u5 Enterprise + add-on kept (30 chats, 10 calls).
/// Enterprise: 5 seats bought, 4 assigned (1 shelfware).
///
/// Current a month: Premium 195 + Enterprise 5 × 105 + add-on 2 × 40 = 800.00 (9,600.00 a
/// year). Recommended: Enterprise 2 × 105 + add-on 2 × 40 + TM 8 + CCD 95 = 393.00 (4,716.00).
struct Tenant {
    book: PriceBook,
    policy: Policy,
    priced: Vec<Priced>,
    licences: Vec<DeviceLicence>,
    renewal: Vec<RenewalRow>,
}

fn tenant() -> Tenant {
    let mut book = book();
    let policy = Policy::from_toml(
        "renewal_date = \"2027-03-01\"\nfiscal_year_start = \"07-01\"\n",
        "policy.toml",
        &book,
    )
    .expect("policy");
    let recs = vec![
        rec(
            "u1",
            Class::Full,
            &[Flag::PremiumUnused],
            &[PREM],
            &[DIG, ENT],
            (0, 60),
        ),
        rec("u2", Class::Remove, &[], &[ENT], &[], (0, 0)),
        rec("u3", Class::TeamMember, &[], &[ENT], &[TM], (0, 0)),
        rec(
            "u4",
            Class::ContactCenter,
            &[],
            &[DIG, ENT],
            &[CCD],
            (0, 30),
        ),
        rec("u5", Class::Keep, &[], &[DIG, ENT], &[DIG, ENT], (10, 30)),
    ];
    let seats = BTreeMap::from([(
        ENT.to_string(),
        Seats {
            purchased: 5,
            ..Seats::default()
        },
    )]);
    book.set_seats(BTreeMap::from([
        (ENT.to_string(), 5),
        (PREM.to_string(), 1),
        (DIG.to_string(), 2),
    ]));
    let (priced, licences) = savings::price_all(recs, &book, &policy);
    let renewal = savings::renewal(&priced, &licences, &seats, &book);
    Tenant {
        book,
        policy,
        priced,
        licences,
        renewal,
    }
}

/// Evaluates `scenarios` on the tenant with 500 credits used at peak and 1,200.00 of usage.
fn run(t: &Tenant, scenarios: &[Scenario]) -> Vec<Outcome> {
    let peak = BTreeMap::from([(Resource::CopilotCredits, d("500"))]);
    // 121.76 chats and 10 calls a month (the mean over the window's whole months).
    let per_month = PerMonth {
        channels: BTreeMap::from([(Channel::Digital, d("121.76")), (Channel::Voice, d("10"))]),
        months: vec![],
    };
    let inputs = Inputs {
        priced: &t.priced,
        licences: &t.licences,
        renewal: &t.renewal,
        book: &t.book,
        policy: &t.policy,
        as_of: NaiveDate::from_ymd_opt(2026, 10, 31).expect("date"),
        annual_usage: Some(d("1200")),
        peak: &peak,
        per_month: &per_month,
        capacity_packs: &BTreeMap::new(),
    };
    evaluate_all(&inputs, scenarios)
}

fn named(name: &str) -> Scenario {
    Scenario::adopting(name, Adopt::all())
}

fn adopting(items: &[&str]) -> Scenario {
    let a = Adopt {
        classes: Class::ALL
            .into_iter()
            .filter(|c| items.contains(&c.as_str()))
            .collect(),
        flags: [Flag::PremiumUnused, Flag::AddonUnused]
            .into_iter()
            .filter(|f| items.contains(&f.as_str()))
            .collect(),
    };
    Scenario::adopting("s", a)
}

/// (licences, overage, total, saving, this fiscal year) a year, to the cent.
fn money(o: &Outcome) -> [Option<Decimal>; 5] {
    [
        o.annual_licences,
        o.annual_overage,
        o.annual_total,
        o.annual_saving,
        o.this_fiscal_year,
    ]
    .map(|x| x.map(crate::money::round2))
}

fn some(xs: [&str; 5]) -> [Option<Decimal>; 5] {
    xs.map(|x| Some(d(x)))
}

#[test]
fn current_and_recommended_are_the_bill_now_and_after() {
    let t = tenant();
    let out = run(&t, &[]);
    // Current: 9,600 licences; Premium's 1,000 credits cover the 500 used: no overage;
    // + 1,200 usage = 10,800.
    assert_eq!(out[0].which, Which::Current);
    assert_eq!(money(&out[0]), some(["9600", "0", "10800", "0", "0"]));
    // Recommended: 4,716 licences; no Premium left: 500 credits × 0.01 = 5.00 a month = 60.00;
    // total 4,716 + 1,200 + 60 = 5,976; saving 4,824 = 402.00 a month × 4 months (1 March
    // to the fiscal year's end, 1 July) = 1,608.00.
    assert_eq!(out[1].which, Which::Recommended);
    assert_eq!(money(&out[1]), some(["4716", "60", "5976", "4824", "1608"]));
    assert_eq!(out[1].seats.get(ENT), Some(&2));
}

#[test]
fn adopt_remove_only_drops_the_inactive_user_and_the_shelfware() {
    // Enterprise 5 → 3 seats (u2 and the unassigned seat): 2 × 105 × 12 = 2,520.00 saved;
    // Premium kept, so no overage. 2,520 / 12 × 4 = 840.00 this fiscal year.
    let out = run(&tenant(), &[adopting(&["remove"])]);
    assert_eq!(money(&out[2]), some(["7080", "0", "8280", "2520", "840"]));
    assert_eq!(out[2].seats.get(ENT), Some(&3));
}

#[test]
fn adopt_a_flag_alone_carries_out_that_seat_check_and_keeps_the_shelfware() {
    // u1 Premium 195 → Enterprise 105 + add-on 40: 50.00 a month, 600.00 a year; the credit
    // pool is gone: 60.00 of overage. Saving 540.00; 45.00 a month × 4 = 180.00.
    let out = run(&tenant(), &[adopting(&["premium-unused"])]);
    assert_eq!(money(&out[2]), some(["9000", "60", "10260", "540", "180"]));
    assert_eq!(
        out[2].seats.get(ENT),
        Some(&6),
        "5 users + 1 shelfware seat"
    );
}

#[test]
fn adopting_nothing_is_current_and_adopting_everything_is_recommended() {
    let out = run(&tenant(), &[adopting(&[]), named("all")]);
    assert_eq!(money(&out[2]), money(&out[0]));
    assert_eq!(out[2].seats, out[0].seats);
    assert_eq!(money(&out[3]), money(&out[1]));
    assert_eq!(out[3].seats, out[1].seats);
}

#[test]
fn a_discount_replaces_the_contracts_for_the_scenario_only() {
    // 10 % off: Enterprise 94.50 × 2 + add-on 36.00 × 2 + TM 7.20 + CCD 85.50 = 353.70 a
    // month = 4,244.40; + 1,200 + 60 = 5,504.40; saving 10,800 − 5,504.40 = 5,295.60;
    // 441.30 a month × 4 = 1,765.20.
    let mut s = named("10% off");
    s.discount = Some(d("0.10"));
    let out = run(&tenant(), &[s]);
    assert_eq!(
        money(&out[2]),
        some(["4244.40", "60", "5504.40", "5295.60", "1765.20"])
    );
    assert_eq!(
        money(&out[0])[2],
        Some(d("10800")),
        "current keeps the book's terms"
    );
}

#[test]
fn a_negotiated_price_replaces_list_and_discount_for_that_sku() {
    // Enterprise at 90.00: 180 + 80 + 8 + 95 = 363.00 a month = 4,356.00; total 5,616.00;
    // saving 5,184.00; 432.00 × 4 = 1,728.00.
    let mut s = named("Enterprise at 90");
    s.prices.insert(ENT.into(), d("90.00"));
    s.discount = None;
    let out = run(&tenant(), &[s]);
    assert_eq!(money(&out[2]), some(["4356", "60", "5616", "5184", "1728"]));
}

#[test]
fn another_renewal_date_moves_what_falls_in_this_fiscal_year() {
    // Renewal 1 May 2027: 2 months to 1 July: 402.00 × 2 = 804.00 of the 4,824.00.
    let mut s = named("later renewal");
    s.renewal_date = NaiveDate::from_ymd_opt(2027, 5, 1);
    let out = run(&tenant(), &[s]);
    assert_eq!(out[2].annual_saving, Some(d("4824")));
    assert_eq!(out[2].this_fiscal_year, Some(d("804")));
    assert_eq!(out[2].renewal_date, NaiveDate::from_ymd_opt(2027, 5, 1));
    // A date already past (as of 2026-10-31) is rolled forward a year, as for the headline,
    // and the row shows the date it counts from: 1 May 2027 again, the same 804.00.
    let mut s = named("past renewal");
    s.renewal_date = NaiveDate::from_ymd_opt(2026, 5, 1);
    let out = run(&tenant(), &[s]);
    assert_eq!(out[2].this_fiscal_year, Some(d("804")));
    assert_eq!(out[2].renewal_date, NaiveDate::from_ymd_opt(2027, 5, 1));
}

#[test]
fn digital_deflection_frees_seats_at_the_agents_mean_cost_and_draws_credits() {
    // 121.76 chats a month; 40 % contained =
    // 48.704. Agents u1, u4, u5: ceil(3 × 0.6) = 2 seats stay, 1 freed. Their licences after:
    // 145 + 95 + 145 = 385, mean 128.333…: 1 × 128.333… × 12 = 1,540.00 off 4,716 = 3,176.00.
    // Credits: 500 + 48.704 × 12 = 1,084.448 over an empty pool × 0.01 = 10.84448 a month =
    // 130.13376 a year. Total 3,176 + 1,200 + 130.13 = 4,506.13; saving 6,293.87.
    let mut s = named("bot 40% of chats");
    s.deflection.push(Deflection {
        channel: Channel::Digital,
        share: d("0.40"),
        per_conversation: d("12"),
    });
    let out = run(&tenant(), &[s]);
    let o = &out[2];
    let x = &o.deflection[0];
    assert_eq!(x.conversations_per_month, d("121.76"));
    assert_eq!(x.contained_per_month, d("48.704"));
    assert_eq!((x.agents, x.seats_after, x.freed), (3, 2, 1));
    assert_eq!(
        x.mean_monthly_cost.map(crate::money::round2),
        Some(d("128.33"))
    );
    assert_eq!(x.added_consumption, d("584.448"));
    let m = money(o);
    assert_eq!(m[0], Some(d("3176")));
    assert_eq!(m[1], Some(d("130.13")));
    assert_eq!(m[2], Some(d("4506.13")));
    assert_eq!(m[3], Some(d("6293.87")));
}

#[test]
fn a_deflection_of_zero_changes_nothing() {
    for channel in [Channel::Digital, Channel::Voice] {
        let mut s = named("no bot");
        s.deflection.push(Deflection {
            channel,
            share: Decimal::ZERO,
            per_conversation: d("12"),
        });
        let out = run(&tenant(), &[s]);
        assert_eq!(money(&out[2]), money(&out[1]), "{channel}");
        assert_eq!(out[2].deflection[0].freed, 0);
    }
}

#[test]
fn voice_minutes_without_an_overage_price_make_the_total_unknown() {
    // 10 calls a month, half contained × 3 minutes = 15 IVR minutes; no
    // licence left entitles IVR minutes and the book has no IVR price: overage unknown.
    let mut s = named("ivr");
    s.deflection.push(Deflection {
        channel: Channel::Voice,
        share: d("0.5"),
        per_conversation: d("3"),
    });
    let out = run(&tenant(), &[s]);
    assert_eq!(out[2].deflection[0].freed, 0, "ceil(1 × 0.5) = 1 stays");
    assert_eq!(out[2].annual_overage, None);
    assert_eq!(out[2].annual_total, None);
    assert_eq!(out[2].annual_saving, None);
    assert_eq!(out[2].annual_licences, Some(d("4716")));
}

#[test]
fn scenario_files_are_validated_naming_file_scenario_and_key() {
    let book = book();
    let cases: &[(&str, &str, &str)] = &[
        (
            "unknown key",
            "[[scenario]]\nname='a'\nadopt_all=true",
            "adopt_all",
        ),
        (
            "unknown deflection key",
            "[[scenario]]\nname='a'\n[[scenario.deflection]]\nchannel='voice'\nshare='0.1'\nminutes=3",
            "minutes",
        ),
        (
            "share of 1",
            "[[scenario]]\nname='a'\n[[scenario.deflection]]\nchannel='digital'\nshare='1'",
            "share: 1 is outside [0, 1)",
        ),
        (
            "negative share",
            "[[scenario]]\nname='a'\n[[scenario.deflection]]\nchannel='digital'\nshare='-0.1'",
            "share: -0.1 is outside",
        ),
        (
            "float share",
            "[[scenario]]\nname='a'\n[[scenario.deflection]]\nchannel='digital'\nshare=0.3",
            "share must be a string",
        ),
        (
            "bad channel",
            "[[scenario]]\nname='a'\n[[scenario.deflection]]\nchannel='email'\nshare='0.1'",
            "channel: \"email\"",
        ),
        (
            "the bot's use left out",
            "[[scenario]]\nname='a'\n[[scenario.deflection]]\nchannel='digital'\nshare='0.3'",
            "credits_per_conversation is required for the digital channel",
        ),
        (
            "credits on voice",
            "[[scenario]]\nname='a'\n[[scenario.deflection]]\nchannel='voice'\nshare='0.1'\ncredits_per_conversation='2'",
            "credits_per_conversation does not apply",
        ),
        (
            "discount 1",
            "[[scenario]]\nname='a'\ndiscount='1.0'",
            "discount: 1.0 is outside [0, 1)",
        ),
        (
            "unknown sku",
            "[[scenario]]\nname='a'\n[scenario.prices]\nNOPE='1.00'",
            "prices.NOPE",
        ),
        (
            "negative price",
            "[[scenario]]\nname='a'\n[scenario.prices]\nDYN365_TEAM_MEMBERS='-1.00'",
            "is negative",
        ),
        (
            "bad adopt",
            "[[scenario]]\nname='a'\nadopt=['occasional']",
            "adopt: \"occasional\"",
        ),
        (
            "bad date",
            "[[scenario]]\nname='a'\nrenewal_date='soon'",
            "renewal_date: soon",
        ),
        ("no name", "[[scenario]]\nadopt=[]", "name is required"),
        (
            "reserved name",
            "[[scenario]]\nname='Current'",
            "the report's own column",
        ),
        (
            "twice",
            "[[scenario]]\nname='a'\n[[scenario]]\nname='A'",
            "appears twice",
        ),
        ("empty", "", "no [[scenario]]"),
    ];
    for (name, text, want) in cases {
        let err = Scenarios::from_toml(text, "dir/scenarios.toml", &book).expect_err(name);
        let msg = format!("{err:#}");
        assert!(msg.contains("dir/scenarios.toml"), "{name}: {msg}");
        assert!(msg.contains(want), "{name}: {msg}");
    }
}

#[test]
fn a_valid_file_loads_every_key() {
    let text = r#"
[[scenario]]
name = "inactive only"
adopt = ["remove", "premium-unused"]
discount = "0.15"
renewal_date = 2027-06-30
[scenario.prices]
DYN365_TEAM_MEMBERS = "7.50"
[[scenario.deflection]]
channel = "digital"
share = "0.30"
credits_per_conversation = "12"
[[scenario.deflection]]
channel = "voice"
share = "0.2"
ivr_minutes_per_call = 4
"#;
    let s = Scenarios::from_toml(text, "scenarios.toml", &book()).expect("valid");
    let one = &s.list[0];
    assert_eq!(one.adopt.names(), vec!["remove", "premium-unused"]);
    assert_eq!(one.discount, Some(d("0.15")));
    assert_eq!(one.prices.get(TM), Some(&d("7.50")));
    assert_eq!(one.renewal_date, NaiveDate::from_ymd_opt(2027, 6, 30));
    assert_eq!(one.deflection.len(), 2);
    assert_eq!(one.deflection[1].per_conversation, d("4"));
}

#[test]
fn conversations_a_month_are_the_mean_over_the_whole_months_of_the_window() {
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let day = |s: &str| crate::model::date_to_day(date(s));
    let days = BTreeMap::from([
        ((Channel::Digital, day("2026-08-20")), 50), // part month: not counted
        ((Channel::Digital, day("2026-09-01")), 30),
        ((Channel::Digital, day("2026-09-30")), 10),
        ((Channel::Digital, day("2026-10-15")), 20),
        ((Channel::Voice, day("2026-10-31")), 7),
    ]);
    // Window 2026-08-02 to 2026-10-31: September and October are whole. Digital (40 + 20) / 2
    // = 30; voice 7 / 2 = 3.5 (a month with none counts 0).
    let m = per_month(&days, date("2026-08-02"), date("2026-10-31"));
    assert_eq!(m.months.len(), 2);
    assert_eq!(m.channels.get(&Channel::Digital), Some(&d("30")));
    assert_eq!(m.channels.get(&Channel::Voice), Some(&d("3.5")));
    // No whole month (10 to 29 October, 20 days): 20 × 30.44 / 20 = 30.44 for digital.
    let m = per_month(&days, date("2026-10-10"), date("2026-10-29"));
    assert!(m.months.is_empty());
    assert_eq!(m.channels.get(&Channel::Digital), Some(&d("30.44")));
    assert_eq!(
        m.channels.get(&Channel::Voice),
        Some(&d("0")),
        "the 31st is outside"
    );
}

#[test]
fn a_user_with_both_seat_checks_gets_each_one_alone() {
    // Premium + digital add-on → Enterprise alone (Premium swapped, the add-on unused).
    let book = book();
    let policy = Policy::from_toml("", "policy.toml", &book).expect("policy");
    let recs = vec![rec(
        "u6",
        Class::Full,
        &[Flag::PremiumUnused, Flag::AddonUnused],
        &[DIG, PREM],
        &[ENT],
        (0, 0),
    )];
    let (priced, licences) = savings::price_all(recs, &book, &policy);
    let renewal = savings::renewal(&priced, &licences, &BTreeMap::new(), &book);
    let peak = BTreeMap::new();
    let per_month = PerMonth::default();
    let inputs = Inputs {
        priced: &priced,
        licences: &licences,
        renewal: &renewal,
        book: &book,
        policy: &policy,
        as_of: NaiveDate::from_ymd_opt(2026, 10, 31).expect("date"),
        annual_usage: None,
        peak: &peak,
        per_month: &per_month,
        capacity_packs: &BTreeMap::new(),
    };
    let out = evaluate_all(
        &inputs,
        &[
            adopting(&["premium-unused"]),
            adopting(&["addon-unused"]),
            adopting(&["premium-unused", "addon-unused"]),
            adopting(&["full"]),
        ],
    );
    let seats = |o: &Outcome| -> Vec<String> {
        o.seats
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, _)| k.clone())
            .collect()
    };
    // Current 195 + 40 = 235.00 a month.
    assert_eq!(out[0].annual_licences, Some(d("2820")));
    // Premium swapped alone: Enterprise 105 + the held add-on 40 = 145.00 (1,740.00 a year).
    assert_eq!(seats(&out[2]), vec![ENT, DIG]);
    assert_eq!(out[2].annual_licences, Some(d("1740")));
    // Add-on dropped alone: Premium grants the channel, 195.00 (2,340.00).
    assert_eq!(seats(&out[3]), vec![PREM]);
    assert_eq!(out[3].annual_licences, Some(d("2340")));
    // Both flags, or the class: the recommendation, Enterprise 105.00 (1,260.00).
    assert_eq!(seats(&out[4]), vec![ENT]);
    assert_eq!(seats(&out[5]), vec![ENT]);
    assert_eq!(out[5].annual_licences, Some(d("1260")));
}

#[test]
fn agents_of_both_channels_are_freed_at_most_once() {
    // Three agents who each take calls and chats, each on Enterprise + digital add-on (145.00).
    // Voice 90 %: ceil(3 × 0.1) = 1 stays, 2 freed. Digital 90 % would free 2 more, but only
    // 3 people are agents: it frees 1 (2 seats stay). Saving 2 × 145 + 1 × 145 = 435.00 a
    // month, never more than the three licences (435.00).
    let mut book = book();
    let policy = Policy::from_toml("", "policy.toml", &book).expect("policy");
    let recs: Vec<Recommendation> = ["b1", "b2", "b3"]
        .iter()
        .map(|id| rec(id, Class::Keep, &[], &[ENT, DIG], &[ENT, DIG], (10, 10)))
        .collect();
    book.set_seats(BTreeMap::from([(ENT.to_string(), 3), (DIG.to_string(), 3)]));
    let (priced, licences) = savings::price_all(recs, &book, &policy);
    let renewal = savings::renewal(&priced, &licences, &BTreeMap::new(), &book);
    let t = Tenant {
        book,
        policy,
        priced,
        licences,
        renewal,
    };
    let mut s = named("bots everywhere");
    for channel in [Channel::Voice, Channel::Digital] {
        s.deflection.push(Deflection {
            channel,
            share: d("0.90"),
            per_conversation: Decimal::ZERO,
        });
    }
    let out = run(&t, &[s]);
    let o = &out[2];
    let freed: Vec<(u64, u64, u64)> = o
        .deflection
        .iter()
        .map(|x| (x.agents, x.seats_after, x.freed))
        .collect();
    assert_eq!(freed, vec![(3, 1, 2), (3, 2, 1)]);
    let saving: Option<Decimal> = o.deflection.iter().map(|x| x.monthly_licence_saving).sum();
    assert_eq!(saving.map(crate::money::round2), Some(d("435.00")));
    // Licences: 3 × 145 − 435 = 0 a month, not below.
    assert_eq!(o.annual_licences.map(crate::money::round2), Some(d("0.00")));
}

#[test]
fn every_row_shows_the_discount_in_effect() {
    let mut t = tenant();
    t.book.contract.discount = d("0.05");
    let mut own = named("own");
    own.discount = Some(d("0.10"));
    let out = run(&t, &[named("contract's"), own]);
    let shown: Vec<Option<Decimal>> = out.iter().map(|o| o.discount).collect();
    // current, recommended and a scenario without one: the contract's; else its own.
    assert_eq!(
        shown,
        vec![
            Some(d("0.05")),
            Some(d("0.05")),
            Some(d("0.05")),
            Some(d("0.10"))
        ]
    );
    // Without a contract discount, none is shown.
    let out = run(&tenant(), &[named("plain")]);
    assert!(out.iter().all(|o| o.discount.is_none()));
}
