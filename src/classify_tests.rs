//! Table-driven tests for every rule of the classification, with the threshold boundaries.

use super::*;
use crate::devices::analyse;
use crate::model::{Holding, TableWrites};
use crate::profile::DeviceUse;
use std::io::Write;

const ENT: &str = "DYN365_ENTERPRISE_CUSTOMER_SERVICE";
const PREM: &str = "DYN365_CUSTOMER_SERVICE_PREMIUM";
const TM: &str = "DYN365_TEAM_MEMBERS";
const PRO: &str = "DYN365_CUSTOMER_SERVICE_PRO";
const VOICE: &str = "DYNAMICS_365_CONTACT_CENTER_VOICE_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE";
const DIGITAL: &str = "DYNAMICS_365_CONTACT_CENTER_DIGITAL_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE";
const BOTH: &str = "DYNAMICS_365_CONTACT_CENTER_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE";

fn book() -> PriceBook {
    let mut f = tempfile::NamedTempFile::new().expect("temp");
    let overlay = format!(
        "[[sku]]\nid='{VOICE}'\nkind='addon'\nfamily='contact-center'\nchannels=['voice']\nmonthly='50.00'\ncurrency='USD'\n\
         [[sku]]\nid='{DIGITAL}'\nkind='addon'\nfamily='contact-center'\nchannels=['digital']\nmonthly='50.00'\ncurrency='USD'\n\
         [[sku]]\nid='{BOTH}'\nkind='addon'\nfamily='contact-center'\nchannels=['voice','digital']\nmonthly='75.00'\ncurrency='USD'\n"
    );
    f.write_all(overlay.as_bytes()).expect("write");
    PriceBook::load(Some(f.path())).expect("book")
}

fn policy(book: &PriceBook) -> Policy {
    Policy::from_toml(
        "[exclude]\nusers=['boss@contoso.com']\npatterns=['svc-*']",
        "policy.toml",
        book,
    )
    .expect("policy")
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 31).expect("date")
}

fn user(skus: &[&str]) -> User {
    User {
        id: "u1".into(),
        upn: "anna@contoso.com".into(),
        display_name: "Anna".into(),
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

fn active(reads: u64, days: u32) -> Profile {
    Profile {
        events: reads,
        first_ms: Some(1_790_000_000_000),
        last_ms: Some(1_790_000_000_000),
        active_days: days,
        reads,
        ..Profile::default()
    }
}

fn with_writes(mut p: Profile, writes: &[(&str, bool, u64)]) -> Profile {
    for (t, own, n) in writes {
        p.write_tables.push(TableWrites {
            table: t.to_string(),
            own_record: *own,
            count: *n,
        });
        p.writes += n;
        p.events += n;
    }
    p
}

struct Case {
    name: &'static str,
    user: User,
    profile: Option<Profile>,
    class: Class,
    flags: Vec<Flag>,
    recommended: Vec<&'static str>,
}

fn run(cases: Vec<Case>, operation_level: bool, devices: &BTreeMap<String, Device>) {
    let book = book();
    let policy = policy(&book);
    let ctx = Context {
        policy: &policy,
        book: &book,
        as_of: as_of(),
        window_days: 91,
        covered_days: 91,
        operation_level,
        devices,
        device_data: true,
    };
    for c in cases {
        let r = classify(&c.user, c.profile.as_ref(), &ctx);
        assert_eq!(
            r.class, c.class,
            "{}: class; reasons {:?}",
            c.name, r.reasons
        );
        assert_eq!(
            r.flags, c.flags,
            "{}: flags; reasons {:?}",
            c.name, r.reasons
        );
        let mut want: Vec<String> = c.recommended.iter().map(|s| s.to_string()).collect();
        want.sort();
        let mut got = r.recommended.clone();
        got.sort();
        assert_eq!(got, want, "{}: recommended", c.name);
        assert!(!r.reasons.is_empty(), "{}: has reasons", c.name);
    }
}

#[test]
fn classes_first_match_wins() {
    let mut disabled = user(&[ENT]);
    disabled.account_enabled = Some(false);
    let mut excluded = user(&[ENT]);
    excluded.upn = "Boss@contoso.com".into();
    let mut svc = user(&[ENT]);
    svc.upn = "svc-crm@contoso.com".into();
    let mut excluded_disabled = excluded.clone();
    excluded_disabled.account_enabled = Some(false);
    let created = |days: i64| {
        let mut u = user(&[ENT]);
        u.created = Some(as_of() - chrono::Duration::days(days));
        u
    };
    let cases = vec![
        Case {
            name: "excluded by upn",
            user: excluded,
            profile: None,
            class: Class::Keep,
            flags: vec![],
            recommended: vec![ENT],
        },
        Case {
            name: "excluded by pattern",
            user: svc,
            profile: None,
            class: Class::Keep,
            flags: vec![],
            recommended: vec![ENT],
        },
        Case {
            name: "exclusion beats disabled",
            user: excluded_disabled,
            profile: None,
            class: Class::Keep,
            flags: vec![],
            recommended: vec![ENT],
        },
        Case {
            name: "disabled",
            user: disabled,
            profile: Some(active(100, 20)),
            class: Class::Remove,
            flags: vec![],
            recommended: vec![],
        },
        Case {
            name: "created 30 days ago is in grace",
            user: created(30),
            profile: None,
            class: Class::Keep,
            flags: vec![],
            recommended: vec![ENT],
        },
        Case {
            name: "created 31 days ago is not",
            user: created(31),
            profile: None,
            class: Class::Remove,
            flags: vec![],
            recommended: vec![],
        },
        Case {
            name: "never active",
            user: user(&[ENT, VOICE]),
            profile: None,
            class: Class::Remove,
            flags: vec![],
            recommended: vec![],
        },
        Case {
            name: "reads only",
            user: user(&[ENT]),
            profile: Some(active(200, 20)),
            class: Class::TeamMember,
            flags: vec![],
            recommended: vec![TM],
        },
        Case {
            name: "contact and email writes",
            user: user(&[ENT]),
            profile: Some(with_writes(
                active(50, 20),
                &[("contact", false, 4), ("email", false, 9)],
            )),
            class: Class::TeamMember,
            flags: vec![],
            recommended: vec![TM],
        },
        Case {
            name: "own case only",
            user: user(&[ENT]),
            profile: Some(with_writes(active(50, 20), &[("incident", true, 3)])),
            class: Class::TeamMember,
            flags: vec![],
            recommended: vec![TM],
        },
        Case {
            name: "others' cases",
            user: user(&[ENT, VOICE]),
            profile: Some(with_writes(
                active(50, 20),
                &[("incident", false, 30), ("contact", false, 2)],
            )),
            class: Class::Activity,
            flags: vec![],
            recommended: vec![PRO],
        },
        Case {
            name: "knowledge author",
            user: user(&[ENT]),
            profile: Some(with_writes(
                active(50, 20),
                &[("incident", false, 30), ("knowledgearticle", false, 1)],
            )),
            class: Class::Full,
            flags: vec![],
            recommended: vec![ENT],
        },
        Case {
            name: "unlisted table needs full",
            user: user(&[ENT]),
            profile: Some(with_writes(active(50, 20), &[("account", false, 1)])),
            class: Class::Full,
            flags: vec![],
            recommended: vec![ENT],
        },
        Case {
            name: "team member doing case work is under-licensed",
            user: user(&[TM]),
            profile: Some(with_writes(active(50, 20), &[("incident", false, 30)])),
            class: Class::Activity,
            flags: vec![Flag::UnderLicensed],
            recommended: vec![TM],
        },
        Case {
            name: "team member within rights stays",
            user: user(&[TM]),
            profile: Some(active(50, 20)),
            class: Class::TeamMember,
            flags: vec![],
            recommended: vec![TM],
        },
    ];
    run(cases, true, &BTreeMap::new());
}

#[test]
fn full_seat_checks() {
    let voice = |n: u64, digital: u64, prem: u64, days: u32| {
        let mut p = with_writes(active(100, days), &[("knowledgearticle", false, 2)]);
        p.voice = n;
        p.digital = digital;
        p.events += n + digital + prem;
        p.premium_events = prem;
        p
    };
    let cases = vec![
        Case {
            name: "premium with a listed premium feature used (policy lists one)",
            user: user(&[PREM]),
            profile: Some(voice(5, 5, 3, 20)),
            class: Class::Full,
            flags: vec![],
            recommended: vec![PREM],
        },
        Case {
            name: "premium without copilot, voice agent",
            user: user(&[PREM]),
            profile: Some(voice(5, 0, 0, 20)),
            class: Class::Full,
            flags: vec![Flag::PremiumUnused],
            recommended: vec![ENT, VOICE],
        },
        Case {
            name: "premium without copilot, both channels: combined add-on is cheaper",
            user: user(&[PREM]),
            profile: Some(voice(5, 5, 0, 20)),
            class: Class::Full,
            flags: vec![Flag::PremiumUnused],
            recommended: vec![ENT, BOTH],
        },
        Case {
            name: "premium without copilot or conversations",
            user: user(&[PREM]),
            profile: Some(voice(0, 0, 0, 20)),
            class: Class::Full,
            flags: vec![Flag::PremiumUnused],
            recommended: vec![ENT],
        },
        Case {
            name: "voice add-on never used",
            user: user(&[ENT, VOICE]),
            profile: Some(voice(0, 0, 0, 20)),
            class: Class::Full,
            flags: vec![Flag::AddonUnused],
            recommended: vec![ENT],
        },
        Case {
            name: "voice add-on used",
            user: user(&[ENT, VOICE]),
            profile: Some(voice(3, 0, 0, 20)),
            class: Class::Full,
            flags: vec![],
            recommended: vec![ENT, VOICE],
        },
        Case {
            name: "combined add-on, voice only used",
            user: user(&[ENT, BOTH]),
            profile: Some(voice(3, 0, 0, 20)),
            class: Class::Full,
            flags: vec![Flag::AddonUnused],
            recommended: vec![ENT, VOICE],
        },
        Case {
            name: "voice and digital add-ons, both used: the combined one is cheaper",
            user: user(&[ENT, VOICE, DIGITAL]),
            profile: Some(voice(3, 4, 0, 20)),
            class: Class::Full,
            flags: vec![Flag::AddonUnused],
            recommended: vec![ENT, BOTH],
        },
        Case {
            name: "voice and digital add-ons, voice only used",
            user: user(&[ENT, VOICE, DIGITAL]),
            profile: Some(voice(3, 0, 0, 20)),
            class: Class::Full,
            flags: vec![Flag::AddonUnused],
            recommended: vec![ENT, VOICE],
        },
        Case {
            name: "premium kept for a listed feature loses a redundant voice add-on",
            user: user(&[PREM, VOICE]),
            profile: Some(voice(3, 0, 2, 20)),
            class: Class::Full,
            flags: vec![Flag::AddonUnused],
            recommended: vec![PREM],
        },
        Case {
            name: "premium and a voice add-on, voice used: Enterprise with that add-on",
            user: user(&[PREM, VOICE]),
            profile: Some(voice(3, 0, 0, 20)),
            class: Class::Full,
            flags: vec![Flag::PremiumUnused],
            recommended: vec![ENT, VOICE],
        },
        Case {
            name: "premium and a digital add-on, both used: combined add-on replaces it",
            user: user(&[PREM, DIGITAL]),
            profile: Some(voice(3, 3, 0, 20)),
            class: Class::Full,
            flags: vec![Flag::PremiumUnused, Flag::AddonUnused],
            recommended: vec![ENT, BOTH],
        },
        Case {
            name: "occasional: 3 days per 30 is below 4",
            user: user(&[ENT]),
            profile: Some(voice(0, 0, 0, 9)),
            class: Class::Full,
            flags: vec![Flag::Occasional],
            recommended: vec![ENT],
        },
        Case {
            name: "not occasional at exactly 4 per 30",
            user: user(&[ENT]),
            profile: Some(voice(0, 0, 0, 13)),
            class: Class::Full,
            flags: vec![],
            recommended: vec![ENT],
        },
    ];
    run(cases, true, &BTreeMap::new());
}

#[test]
fn tier_is_unknown_without_operation_level_data() {
    let cases = vec![Case {
        name: "reads only but no operation-level source",
        user: user(&[ENT]),
        profile: Some(active(200, 20)),
        class: Class::Full,
        flags: vec![],
        recommended: vec![ENT],
    }];
    run(cases, false, &BTreeMap::new());
}

#[test]
fn device_candidates_at_the_share_boundary() {
    let book = book();
    let policy = policy(&book);
    let uses: Vec<DeviceUse> = ["u1", "u2", "u3"]
        .iter()
        .map(|u| DeviceUse {
            device: "kiosk-1".into(),
            user: u.to_string(),
            events: 80,
        })
        .collect();
    let devices = analyse(&uses, &policy.device);
    let on_device = |other: u64| Profile {
        devices: vec![("kiosk-1".into(), 80), ("laptop-9".into(), other)],
        ..active(80 + other + 500, 10)
    };
    let cases = vec![
        Case {
            name: "80% on the shared device",
            user: user(&[ENT]),
            profile: Some(on_device(20)),
            class: Class::Device,
            flags: vec![],
            recommended: vec![],
        },
        Case {
            name: "79% is not enough",
            user: user(&[ENT]),
            profile: Some(on_device(22)),
            class: Class::TeamMember,
            flags: vec![],
            recommended: vec![TM],
        },
    ];
    run(cases, true, &devices);
}

#[test]
fn no_activity_source_keeps_everyone() {
    let book = book();
    let policy = policy(&book);
    let devices = BTreeMap::new();
    let ctx = Context {
        policy: &policy,
        book: &book,
        as_of: as_of(),
        window_days: 91,
        covered_days: 0,
        operation_level: false,
        devices: &devices,
        device_data: true,
    };
    let r = classify(&user(&[ENT]), None, &ctx);
    assert_eq!(r.class, Class::Keep);
    assert_eq!(r.confidence, Confidence::Low);
    assert!(r.reasons[0].contains("no activity data"));
}

#[test]
fn partial_coverage_lowers_confidence() {
    let book = book();
    let policy = policy(&book);
    let devices = BTreeMap::new();
    let cases = [
        (91, Confidence::High),
        (82, Confidence::High),
        (81, Confidence::Medium),
        (46, Confidence::Medium),
        (45, Confidence::Low),
    ];
    for (covered, want) in cases {
        let ctx = Context {
            policy: &policy,
            book: &book,
            as_of: as_of(),
            window_days: 91,
            covered_days: covered,
            operation_level: true,
            devices: &devices,
            device_data: true,
        };
        let r = classify(&user(&[ENT]), None, &ctx);
        assert_eq!(r.class, Class::Remove);
        assert_eq!(r.confidence, want, "covered {covered} of 91");
    }
}

#[test]
fn without_device_data_confident_recommendations_say_so_one_step_lower() {
    let book = book();
    let policy = policy(&book);
    let devices = BTreeMap::new();
    let mut disabled = user(&[ENT]);
    disabled.account_enabled = Some(false);
    let reader = active(40, 40);
    // (name, user, profile, confidence with device data, confidence without)
    let cases = [
        (
            "reader to team member",
            user(&[ENT]),
            Some(reader.clone()),
            Confidence::High,
            Confidence::Medium,
        ),
        (
            "few operations: medium to low",
            user(&[ENT]),
            Some(active(5, 5)),
            Confidence::Medium,
            Confidence::Low,
        ),
        (
            "full user kept",
            user(&[ENT]),
            Some(with_writes(
                reader.clone(),
                &[("knowledgearticle", false, 30)],
            )),
            Confidence::High,
            Confidence::Medium,
        ),
        (
            "inactive: no device can change that",
            user(&[ENT]),
            None,
            Confidence::High,
            Confidence::High,
        ),
        (
            "disabled",
            disabled,
            Some(reader),
            Confidence::High,
            Confidence::High,
        ),
    ];
    for (name, u, p, with, without) in cases {
        for (device_data, want) in [(true, with), (false, without)] {
            let ctx = Context {
                policy: &policy,
                book: &book,
                as_of: as_of(),
                window_days: 91,
                covered_days: 91,
                operation_level: true,
                devices: &devices,
                device_data,
            };
            let r = classify(&u, p.as_ref(), &ctx);
            assert_eq!(r.confidence, want, "{name}, device data {device_data}");
            let noted = r
                .reasons
                .iter()
                .any(|x| x == "no device data: shared devices cannot be detected");
            assert_eq!(
                noted,
                !device_data && with != without,
                "{name}, device data {device_data}: {:?}",
                r.reasons
            );
        }
    }
}

#[test]
fn active_per_30_rounds_half_away_from_zero() {
    let book = book();
    let policy = policy(&book);
    let devices = BTreeMap::new();
    // (active days, covered days, exact value, shown): half to even would give 0.12 and 2.62.
    let cases = [
        (1, 240, "0.125", "0.13"),
        (7, 80, "2.625", "2.63"),
        (3, 80, "1.125", "1.13"),
        (1, 80, "0.375", "0.38"),
        (9, 91, "2.967…", "2.97"),
        (13, 91, "4.285…", "4.29"),
    ];
    for (days, covered, exact, want) in cases {
        let ctx = Context {
            policy: &policy,
            book: &book,
            as_of: as_of(),
            window_days: covered,
            covered_days: covered,
            operation_level: true,
            devices: &devices,
            device_data: true,
        };
        let r = classify(&user(&[ENT]), Some(&active(50, days)), &ctx);
        assert_eq!(
            r.active_per_30.to_string(),
            want,
            "{days}×30/{covered} = {exact}"
        );
    }
}

#[test]
fn reasons_name_products_as_the_price_book_names_the_targets() {
    let sku = |id: &str, kind: &str, name: &str, channels: &str, premium: bool, price: &str| {
        format!(
            "[[sku]]\nid='{id}'\nkind='{kind}'\nshort_name='{name}'\nfamily='customer-service'\n\
             channels={channels}\npremium={premium}\nmonthly='{price}'\ncurrency='USD'\n"
        )
    };
    let text = [
        sku("X_FULL", "base", "Desk Max", "[]", false, "100.00"),
        sku(
            "X_PREM",
            "base",
            "Desk Ultra",
            "['voice','digital']",
            true,
            "200.00",
        ),
        sku("X_ACT", "activity", "Desk Plus", "[]", false, "40.00"),
        sku("X_TM", "team-member", "Desk Lite", "[]", false, "5.00"),
        sku("X_DEV", "device", "Kiosk Seat", "[]", false, "90.00"),
        sku(
            "X_VOICE",
            "addon",
            "Phone Pack",
            "['voice']",
            false,
            "30.00",
        ),
        sku(
            "X_CHAT",
            "addon",
            "Chat Pack",
            "['digital']",
            false,
            "30.00",
        ),
        sku(
            "X_BOTH",
            "addon",
            "Omni Pack",
            "['voice','digital']",
            false,
            "50.00",
        ),
        sku("X_CCV", "base", "Call Desk", "['voice']", false, "90.00"),
        sku("X_CCD", "base", "Chat Desk", "['digital']", false, "90.00"),
        sku(
            "X_CC",
            "base",
            "Omni Desk",
            "['voice','digital']",
            false,
            "100.00",
        ),
    ]
    .concat();
    let book = PriceBook::from_toml(&text, "prices.toml").expect("book");
    let policy = Policy::from_toml(
        "[targets]\nteam-member='X_TM'\nactivity='X_ACT'\nfull='X_FULL'\ndevice='X_DEV'\n\
         voice-addon='X_VOICE'\ndigital-addon='X_CHAT'\nchannels-addon='X_BOTH'\n\
         contact-center-voice='X_CCV'\ncontact-center-digital='X_CCD'\ncontact-center-both='X_CC'",
        "policy.toml",
        &book,
    )
    .expect("policy");
    let devices = BTreeMap::new();
    let ctx = Context {
        policy: &policy,
        book: &book,
        as_of: as_of(),
        window_days: 91,
        covered_days: 91,
        operation_level: true,
        devices: &devices,
        device_data: true,
    };
    let conv = |voice: u64, digital: u64| {
        let mut p = with_writes(active(100, 20), &[("knowledgearticle", false, 30)]);
        p.voice = voice;
        p.digital = digital;
        p.events += voice + digital;
        p
    };
    let cases = [
        (
            "team member",
            user(&["X_FULL"]),
            active(100, 20),
            vec!["within Desk Lite rights"],
        ),
        (
            "activity",
            user(&["X_FULL"]),
            with_writes(active(100, 20), &[("incident", false, 30)]),
            vec![
                "need the activity tier (Desk Plus)",
                "Desk Plus and Desk Max cannot share",
            ],
        ),
        (
            "premium unused",
            user(&["X_PREM"]),
            conv(5, 0),
            vec![
                "need Desk Max with the channel",
                "holds Desk Ultra, but Desk Max with Phone Pack covers the channels used",
            ],
        ),
        (
            "idle add-on",
            user(&["X_FULL", "X_VOICE"]),
            conv(0, 0),
            vec!["need Desk Max", "holds Phone Pack but had 0 voice"],
        ),
        (
            "combined add-on for one channel",
            user(&["X_BOTH", "X_FULL"]),
            conv(0, 4),
            vec!["holds Omni Pack but uses only digital: Chat Pack is enough"],
        ),
        (
            "contact center",
            user(&["X_FULL", "X_VOICE"]),
            {
                let mut p = with_writes(active(100, 20), &[("contact", false, 4)]);
                p.voice = 6;
                p.events += 6;
                p
            },
            vec![
                "6 voice conversations and no case work (writes to contact (4) are within Desk Lite rights)",
                "Call Desk (90.00) costs less than Desk Max + Phone Pack (130.00)",
                "includes no case management",
            ],
        ),
        (
            "under-licensed",
            user(&["X_TM"]),
            with_writes(active(100, 20), &[("incident", false, 30)]),
            vec!["holds only Desk Lite"],
        ),
    ];
    for (name, u, p, want) in cases {
        let r = classify(&u, Some(&p), &ctx);
        let all = r.reasons.join(" | ");
        for w in want {
            assert!(all.contains(w), "{name}: {w:?} in {all}");
        }
        for default in [
            "Enterprise",
            "Professional",
            "Team Members",
            "Premium",
            "X_",
        ] {
            assert!(!all.contains(default), "{name}: {default:?} in {all}");
        }
    }
}

#[test]
fn a_user_already_on_the_target_gets_no_move_advice() {
    let by_group = |sku: &str| {
        let mut u = user(&[sku]);
        u.holdings[0].assigned_by_group = Some("CS agents".into());
        u
    };
    let cases = vec![
        Case {
            name: "team member by group, within rights: nothing to change in the group",
            user: by_group(TM),
            profile: Some(active(50, 20)),
            class: Class::TeamMember,
            flags: vec![],
            recommended: vec![TM],
        },
        Case {
            name: "professional by group, case work: no environment move either",
            user: by_group(PRO),
            profile: Some(with_writes(active(50, 20), &[("incident", false, 30)])),
            class: Class::Activity,
            flags: vec![],
            recommended: vec![PRO],
        },
        Case {
            name: "enterprise by group, case work: the move is made in the group",
            user: by_group(ENT),
            profile: Some(with_writes(active(50, 20), &[("incident", false, 30)])),
            class: Class::Activity,
            flags: vec![Flag::GroupAssigned],
            recommended: vec![PRO],
        },
    ];
    run(cases, true, &BTreeMap::new());
    let book = book();
    let policy = policy(&book);
    let devices = BTreeMap::new();
    let ctx = Context {
        policy: &policy,
        book: &book,
        as_of: as_of(),
        window_days: 91,
        covered_days: 91,
        operation_level: true,
        devices: &devices,
        device_data: true,
    };
    let stays = classify(
        &by_group(PRO),
        Some(&with_writes(active(50, 20), &[("incident", false, 30)])),
        &ctx,
    );
    assert!(
        !stays
            .reasons
            .iter()
            .any(|r| r.contains("cannot share") || r.contains("group")),
        "{:?}",
        stays.reasons
    );
}

#[test]
fn access_modes_that_need_no_licence_remove_at_step_2b() {
    use crate::model::AccessMode::{self, *};
    let book = book();
    let policy = policy(&book);
    let devices = BTreeMap::new();
    let ctx = Context {
        policy: &policy,
        book: &book,
        as_of: as_of(),
        window_days: 91,
        covered_days: 91,
        operation_level: true,
        devices: &devices,
        device_data: true,
    };
    let with = |modes: &[Option<AccessMode>]| {
        let mut u = user(&[ENT]);
        u.access_modes = modes.to_vec();
        u
    };
    let busy = with_writes(active(50, 20), &[("knowledgearticle", false, 5)]);
    // (name, user, class, reason that must be there)
    let mut new_admin = with(&[Some(Administrative)]);
    new_admin.created = Some(as_of() - chrono::Duration::days(3));
    let mut excluded_admin = with(&[Some(Administrative)]);
    excluded_admin.upn = "boss@contoso.com".into();
    let mut disabled_admin = with(&[Some(NonInteractive)]);
    disabled_admin.account_enabled = Some(false);
    let cases = [
        (
            "administrative",
            with(&[Some(Administrative)]),
            Class::Remove,
            Some("Dataverse access mode Administrative needs no licence"),
        ),
        (
            "non-interactive",
            with(&[Some(NonInteractive)]),
            Class::Remove,
            Some("Dataverse access mode Non-interactive needs no licence"),
        ),
        (
            "every environment in the list",
            with(&[Some(NonInteractive), Some(Administrative)]),
            Class::Remove,
            Some("Dataverse access modes Administrative and Non-interactive need no licence"),
        ),
        (
            "one environment read-write",
            with(&[Some(Administrative), Some(ReadWrite)]),
            Class::Full,
            None,
        ),
        (
            "one environment's mode unknown",
            with(&[Some(Administrative), None]),
            Class::Full,
            None,
        ),
        ("read-write", with(&[Some(ReadWrite)]), Class::Full, None),
        (
            "support user is not in the default list",
            with(&[Some(SupportUser)]),
            Class::Full,
            None,
        ),
        ("no systemuser row", with(&[]), Class::Full, None),
        (
            "before the grace period",
            new_admin,
            Class::Remove,
            Some("Administrative needs no licence"),
        ),
        ("exclusion first", excluded_admin, Class::Keep, None),
        (
            "disabled first",
            disabled_admin,
            Class::Remove,
            Some("account disabled"),
        ),
    ];
    for (name, u, class, reason) in cases {
        let r = classify(&u, Some(&busy), &ctx);
        assert_eq!(r.class, class, "{name}: {:?}", r.reasons);
        if let Some(want) = reason {
            assert!(
                r.reasons.iter().any(|x| x.contains(want)),
                "{name}: {:?}",
                r.reasons
            );
        }
        if class == Class::Remove {
            assert!(r.recommended.is_empty(), "{name}");
            assert_eq!(r.confidence, Confidence::High, "{name}");
        }
    }
    // The policy's list decides: Support User needs no licence when listed.
    let support = Policy::from_toml(
        "no_licence_access_modes = ['Support User']",
        "policy.toml",
        &book,
    )
    .expect("policy");
    let ctx = Context {
        policy: &support,
        ..ctx
    };
    let r = classify(&with(&[Some(SupportUser)]), Some(&busy), &ctx);
    assert_eq!(r.class, Class::Remove, "{:?}", r.reasons);
    let r = classify(&with(&[Some(Administrative)]), Some(&busy), &ctx);
    assert_eq!(r.class, Class::Full, "{:?}", r.reasons);
}

#[test]
fn trial_only_users_are_kept_at_no_cost_and_paid_users_drop_the_trial() {
    const VIRAL: &str = "Dynamics_365_Customer_Service_Enterprise_viral_trial";
    let mut book = book();
    // PRO is a trial in this tenant: its directory/subscriptions row says isTrial.
    let end = NaiveDate::from_ymd_opt(2026, 11, 15);
    book.mark_trial(PRO, end);
    let policy = policy(&book);
    let devices = BTreeMap::new();
    let ctx = Context {
        policy: &policy,
        book: &book,
        as_of: as_of(),
        window_days: 91,
        covered_days: 91,
        operation_level: true,
        devices: &devices,
        device_data: true,
    };
    let reader = active(200, 20);
    let author = with_writes(active(50, 20), &[("knowledgearticle", false, 3)]);
    let caseworker = with_writes(active(50, 20), &[("incident", false, 30)]);
    let mut disabled = user(&[VIRAL]);
    disabled.account_enabled = Some(false);
    let mut excluded = user(&[VIRAL, ENT]);
    excluded.upn = "boss@contoso.com".into();
    let tm = book.monthly(TM);
    let ent = book.monthly(ENT);
    // the paid price of PRO, though its seats are a trial now
    let pro = book.list_price(PRO);
    assert!(pro.is_some_and(|p| p > Decimal::ZERO));
    // (name, user, profile, class, flags, recommended, trial outcome: would-be class,
    //  target, monthly when it ends, end)
    type Outcome = Option<(
        Class,
        Option<&'static str>,
        Option<Decimal>,
        Option<NaiveDate>,
    )>;
    type Case<'a> = (
        &'a str,
        User,
        Option<&'a Profile>,
        Class,
        Vec<Flag>,
        Vec<&'a str>,
        Outcome,
    );
    let cases: Vec<Case> = vec![
        (
            "trial-only reader",
            user(&[VIRAL]),
            Some(&reader),
            Class::Keep,
            vec![Flag::Trial],
            vec![VIRAL],
            Some((Class::TeamMember, Some(TM), tm, None)),
        ),
        (
            "trial-only author",
            user(&[VIRAL]),
            Some(&author),
            Class::Keep,
            vec![Flag::Trial],
            vec![VIRAL],
            Some((Class::Full, Some(ENT), ent, None)),
        ),
        (
            "trial-only, never active",
            user(&[VIRAL]),
            None,
            Class::Keep,
            vec![Flag::Trial],
            vec![VIRAL],
            Some((Class::Remove, None, Some(Decimal::ZERO), None)),
        ),
        (
            "trial-only, disabled",
            disabled,
            Some(&reader),
            Class::Keep,
            vec![Flag::Trial],
            vec![VIRAL],
            Some((Class::Remove, None, Some(Decimal::ZERO), None)),
        ),
        (
            "trial marked from the subscriptions, with its end",
            user(&[PRO]),
            Some(&caseworker),
            Class::Keep,
            vec![Flag::Trial],
            vec![PRO],
            Some((Class::Activity, Some(PRO), pro, end)),
        ),
        (
            "two trials: the earliest end",
            user(&[PRO, VIRAL]),
            Some(&reader),
            Class::Keep,
            vec![Flag::Trial],
            vec![PRO, VIRAL],
            Some((Class::TeamMember, Some(TM), tm, end)),
        ),
        (
            "trial and paid, reader: classified as usual",
            user(&[VIRAL, ENT]),
            Some(&reader),
            Class::TeamMember,
            vec![],
            vec![TM],
            None,
        ),
        (
            "trial and paid, author: the trial is dropped",
            user(&[VIRAL, ENT]),
            Some(&author),
            Class::Full,
            vec![],
            vec![ENT],
            None,
        ),
        (
            "trial and paid, excluded: unchanged",
            excluded,
            Some(&author),
            Class::Keep,
            vec![],
            vec![VIRAL, ENT],
            None,
        ),
    ];
    for (name, u, p, class, flags, recommended, outcome) in cases {
        let r = classify(&u, p, &ctx);
        assert_eq!(r.class, class, "{name}: {:?}", r.reasons);
        assert_eq!(r.flags, flags, "{name}: {:?}", r.reasons);
        let mut want: Vec<String> = recommended.iter().map(|s| s.to_string()).collect();
        want.sort();
        let mut got = r.recommended.clone();
        got.sort();
        assert_eq!(got, want, "{name}: recommended");
        let got = r
            .trial
            .as_ref()
            .map(|t| (t.would_be, t.target.clone(), t.monthly_when_ended, t.ends));
        let want = outcome.map(|(c, t, m, e)| (c, t.map(str::to_string), m, e));
        assert_eq!(got, want, "{name}: trial outcome");
        if r.trial.is_some() {
            assert!(
                r.reasons[0].starts_with("holds only the trial"),
                "{name}: {:?}",
                r.reasons
            );
            assert!(r.reasons[1].starts_with("when the trial ends"), "{name}");
        }
        if name.contains("dropped") {
            assert!(
                r.reasons
                    .iter()
                    .any(|x| x.contains("Viral Trial: dropped, at no saving")),
                "{name}: {:?}",
                r.reasons
            );
        }
    }
    let recs: Vec<Recommendation> = [(&[VIRAL][..], Some(&reader)), (&[ENT][..], Some(&reader))]
        .iter()
        .map(|(skus, p)| classify(&user(skus), *p, &ctx))
        .collect();
    let list = trial_users(&recs);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].user_id, "u1");
    assert_eq!(list[0].would_be, Class::TeamMember);
    assert_eq!(list[0].monthly_when_ended, tm);
}

#[test]
fn the_needed_set_of_addons() {
    use crate::model::Channel::{Digital, Voice};
    let addon = |id: &str, ch: &str, price: Option<&str>| {
        let monthly = price
            .map(|p| format!("monthly='{p}'\ncurrency='USD'\n"))
            .unwrap_or_default();
        format!(
            "[[sku]]\nid='{id}'\nkind='addon'\nfamily='contact-center'\nchannels={ch}\n{monthly}"
        )
    };
    /// name, prices of voice, digital and combined, channels used, needed set
    type Row<'a> = (&'a str, [Option<&'a str>; 3], &'a [Channel], Vec<&'a str>);
    let cases: [Row; 8] = [
        (
            "no conversations",
            [Some("50"), Some("50"), Some("75")],
            &[],
            vec![],
        ),
        (
            "voice only",
            [Some("50"), Some("50"), Some("75")],
            &[Voice],
            vec![VOICE],
        ),
        (
            "digital only",
            [Some("50"), Some("50"), Some("75")],
            &[Digital],
            vec![DIGITAL],
        ),
        (
            "both, combined cheaper",
            [Some("50"), Some("50"), Some("75")],
            &[Voice, Digital],
            vec![BOTH],
        ),
        (
            "both, combined dearer",
            [Some("30"), Some("30"), Some("75")],
            &[Voice, Digital],
            vec![VOICE, DIGITAL],
        ),
        (
            "both, combined equal",
            [Some("40"), Some("35"), Some("75")],
            &[Voice, Digital],
            vec![VOICE, DIGITAL],
        ),
        (
            "both, combined unpriced",
            [Some("50"), Some("50"), None],
            &[Voice, Digital],
            vec![VOICE, DIGITAL],
        ),
        (
            "both, only combined priced",
            [None, Some("50"), Some("75")],
            &[Voice, Digital],
            vec![BOTH],
        ),
    ];
    for (name, [v, d, b], used, want) in cases {
        let text = [
            addon(VOICE, "['voice']", v),
            addon(DIGITAL, "['digital']", d),
            addon(BOTH, "['voice','digital']", b),
        ]
        .concat();
        let mut f = tempfile::NamedTempFile::new().expect("temp");
        f.write_all(text.as_bytes()).expect("write");
        let book = PriceBook::load(Some(f.path())).expect("book");
        let policy = policy(&book);
        let devices = BTreeMap::new();
        let ctx = Context {
            policy: &policy,
            book: &book,
            as_of: as_of(),
            window_days: 91,
            covered_days: 91,
            operation_level: true,
            devices: &devices,
            device_data: true,
        };
        let want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        assert_eq!(needed_addons(used, ctx.policy, ctx.book), want, "{name}");
    }
}

#[test]
fn premium_users_copilot_use_no_longer_keeps_premium_by_default() {
    let book = book();
    let policy = policy(&book);
    assert!(policy.premium_features.is_empty(), "built-in default");
    let devices = BTreeMap::new();
    let ctx = Context {
        policy: &policy,
        book: &book,
        as_of: as_of(),
        window_days: 91,
        covered_days: 91,
        operation_level: true,
        devices: &devices,
        device_data: true,
    };
    let mut p = with_writes(active(100, 20), &[("knowledgearticle", false, 2)]);
    p.voice = 4;
    p.events += 4;
    let r = classify(&user(&[PREM]), Some(&p), &ctx);
    assert_eq!(r.flags, vec![Flag::PremiumUnused], "{:?}", r.reasons);
    let all = r.reasons.join(" | ");
    assert!(
        all.contains("one user's Copilot use is no reason for this seat"),
        "{all}"
    );
}

const CCV: &str = "DYNAMICS_365_CONTACT_CENTER_VOICE";
const CCD: &str = "DYNAMICS_365_CONTACT_CENTER_DIGITAL";
const CC: &str = "DYNAMICS_365_CONTACT_CENTER";

#[test]
fn contact_center_step_5b() {
    struct Row {
        name: &'static str,
        /// add-on prices: voice, digital, combined (`None`: no price)
        addons: [Option<&'static str>; 3],
        /// an extra price-book entry (TOML), e.g. a dearer Contact Center
        extra: &'static str,
        skus: Vec<&'static str>,
        conv: (u64, u64),
        writes: Vec<(&'static str, bool, u64)>,
        premium_events: u64,
        operation_level: bool,
        class: Class,
        flags: Vec<Flag>,
        recommended: Vec<&'static str>,
        reason: &'static str,
    }
    let priced = [Some("50.00"), Some("50.00"), Some("75.00")];
    let row = |name, skus, conv, writes, class, recommended, reason| Row {
        name,
        addons: priced,
        extra: "",
        skus,
        conv,
        writes,
        premium_events: 0,
        operation_level: true,
        class,
        flags: vec![],
        recommended,
        reason,
    };
    let rows = vec![
        row(
            "voice agent: 95.00 < 105.00 + 50.00",
            vec![ENT, VOICE],
            (5, 0),
            vec![("contact", false, 3)],
            Class::ContactCenter,
            vec![CCV],
            "Contact Center Voice (95.00) costs less than Customer Service Enterprise + DYNAMICS_365_CONTACT_CENTER_VOICE_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE (155.00)",
        ),
        row(
            "digital agent without writes",
            vec![ENT, DIGITAL],
            (0, 7),
            vec![],
            Class::ContactCenter,
            vec![CCD],
            "7 digital conversations and no case work (no writes",
        ),
        row(
            "premium, both channels: 110.00 < 105.00 + 75.00",
            vec![PREM],
            (5, 5),
            vec![("phonecall", false, 2)],
            Class::ContactCenter,
            vec![CC],
            "standalone Contact Center includes no case management",
        ),
        row(
            "case work (activity tier): not a candidate",
            vec![ENT, VOICE],
            (5, 0),
            vec![("incident", false, 3)],
            Class::Full,
            vec![ENT, VOICE],
            "need Customer Service Enterprise with the channel",
        ),
        row(
            "already on Contact Center Voice",
            vec![CCV],
            (5, 0),
            vec![],
            Class::ContactCenter,
            vec![CCV],
            "Contact Center Voice (95.00) costs less",
        ),
        Row {
            premium_events: 2,
            ..row(
                "a premium-feature event (the policy lists one): not a candidate",
                vec![PREM],
                (5, 0),
                vec![],
                Class::Full,
                vec![PREM],
                "need Customer Service Enterprise with the channel",
            )
        },
        Row {
            operation_level: false,
            ..row(
                "tier unknown without operation-level data: not a candidate",
                vec![ENT, VOICE],
                (5, 0),
                vec![],
                Class::Full,
                vec![ENT, VOICE],
                "no operation-level activity data",
            )
        },
        Row {
            addons: [None, Some("50.00"), Some("75.00")],
            ..row(
                "voice add-on unpriced: may fit, price unknown",
                vec![ENT, VOICE],
                (5, 0),
                vec![],
                Class::Full,
                vec![ENT, VOICE],
                "Contact Center may fit; price unknown",
            )
        },
        Row {
            addons: [None, None, None],
            ..row(
                "premium holder moves when cheaper than Premium, Enterprise side unknown",
                vec![PREM],
                (5, 0),
                vec![],
                Class::ContactCenter,
                vec![CCV],
                "Contact Center Voice (95.00) costs less than Customer Service Premium (195.00)",
            )
        },
        Row {
            extra: "[[sku]]\nid='DYNAMICS_365_CONTACT_CENTER_VOICE'\nkind='base'\nfamily='contact-center'\nchannels=['voice']\n",
            ..row(
                "Contact Center Voice unpriced: may fit, price unknown",
                vec![ENT, VOICE],
                (5, 0),
                vec![],
                Class::Full,
                vec![ENT, VOICE],
                "Contact Center may fit; price unknown: no price for DYNAMICS_365_CONTACT_CENTER_VOICE",
            )
        },
        Row {
            extra: "[[sku]]\nid='DYNAMICS_365_CONTACT_CENTER_VOICE'\nkind='base'\nfamily='contact-center'\nchannels=['voice']\nmonthly='160.00'\ncurrency='USD'\n",
            ..row(
                "Contact Center dearer than Enterprise + add-on",
                vec![ENT, VOICE],
                (5, 0),
                vec![],
                Class::Full,
                vec![ENT, VOICE],
                "(160.00) costs no less than Customer Service Enterprise + DYNAMICS_365_CONTACT_CENTER_VOICE_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE (155.00)",
            )
        },
        row(
            "Enterprise alone today (105.00) and Contact Center Voice 95.00: moves",
            vec![ENT],
            (5, 0),
            vec![],
            Class::ContactCenter,
            vec![CCV],
            "costs less",
        ),
        Row {
            flags: vec![Flag::UnderLicensed],
            ..row(
                "Team Members holder with conversations: under-licensed, unchanged",
                vec![TM],
                (5, 0),
                vec![],
                Class::Full,
                vec![TM],
                "holds only Team Members",
            )
        },
    ];
    for r in rows {
        let addon = |id: &str, ch: &str, price: Option<&str>| {
            let monthly = price
                .map(|p| format!("monthly='{p}'\ncurrency='USD'\n"))
                .unwrap_or_default();
            format!(
                "[[sku]]\nid='{id}'\nkind='addon'\nfamily='contact-center'\nchannels={ch}\n{monthly}"
            )
        };
        let text = [
            addon(VOICE, "['voice']", r.addons[0]),
            addon(DIGITAL, "['digital']", r.addons[1]),
            addon(BOTH, "['voice','digital']", r.addons[2]),
            r.extra.to_string(),
        ]
        .concat();
        let mut f = tempfile::NamedTempFile::new().expect("temp");
        f.write_all(text.as_bytes()).expect("write");
        let book = PriceBook::load(Some(f.path())).expect("book");
        let policy = policy(&book);
        let devices = BTreeMap::new();
        let ctx = Context {
            policy: &policy,
            book: &book,
            as_of: as_of(),
            window_days: 91,
            covered_days: 91,
            operation_level: r.operation_level,
            devices: &devices,
            device_data: true,
        };
        let mut p = with_writes(active(100, 20), &r.writes);
        p.voice = r.conv.0;
        p.digital = r.conv.1;
        p.premium_events = r.premium_events;
        p.events += r.conv.0 + r.conv.1;
        let rec = classify(&user(&r.skus), Some(&p), &ctx);
        let all = rec.reasons.join(" | ");
        assert_eq!(rec.class, r.class, "{}: {all}", r.name);
        assert_eq!(rec.flags, r.flags, "{}: {all}", r.name);
        let mut got = rec.recommended.clone();
        got.sort();
        let mut want: Vec<String> = r.recommended.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(got, want, "{}: {all}", r.name);
        assert!(
            all.contains(r.reason),
            "{}: {:?} in {all}",
            r.name,
            r.reason
        );
    }
}

#[test]
fn seat_checks_together_never_cost_more_than_today() {
    let mut f = tempfile::NamedTempFile::new().expect("temp");
    f.write_all(
        format!(
            "[[sku]]\nid='{ENT}'\nkind='base'\nfamily='customer-service'\nmonthly='300.00'\ncurrency='USD'\n"
        )
        .as_bytes(),
    )
    .expect("write");
    let book = PriceBook::load(Some(f.path())).expect("book");
    let policy = policy(&book);
    let devices = BTreeMap::new();
    let ctx = Context {
        policy: &policy,
        book: &book,
        as_of: as_of(),
        window_days: 91,
        covered_days: 91,
        operation_level: true,
        devices: &devices,
        device_data: true,
    };
    let mut p = with_writes(active(100, 20), &[("knowledgearticle", false, 2)]);
    p.voice = 3;
    p.events += 3;
    let r = classify(&user(&[PREM, CCV]), Some(&p), &ctx);
    let all = r.reasons.join(" | ");
    assert_eq!(r.class, Class::Full, "{all}");
    assert!(r.flags.is_empty(), "{:?}: {all}", r.flags);
    assert_eq!(r.recommended, r.current, "{all}");
    assert!(
        all.contains("the seat changes would add 300.00 for 195.00 dropped: unchanged"),
        "{all}"
    );
}
