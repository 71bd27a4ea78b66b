//! The right SKU per role (spec sections 3 and 6) end to end on fixture folders: Premium kept
//! only for its channels, the needed set of add-ons, conversation events that raise no CRM
//! tier, and the standalone Contact Center class.

mod common;

use std::collections::BTreeMap;

use common::{fixture, read_csv, rightsize};

fn rows(dir: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&out)
        .arg(fixture(dir))
        .assert()
        .success();
    read_csv(&out.join("recommendations.csv"))
        .into_iter()
        .map(|r| (r["user_id"].clone(), r))
        .collect()
}

/// (user, class, flags, recommended, monthly saving)
fn check(dir: &str, expected: &[(&str, &str, &str, &str, &str)]) {
    let by_id = rows(dir);
    for (id, class, flags, rec, saving) in expected {
        let r = by_id.get(*id).unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(r["class"], *class, "{id}: {}", r["reasons"]);
        assert_eq!(r["flags"], *flags, "{id}: {}", r["reasons"]);
        assert_eq!(r["recommended_skus"], *rec, "{id}: {}", r["reasons"]);
        assert_eq!(r["monthly_saving"], *saving, "{id}: {}", r["reasons"]);
    }
}

const ENT: &str = "DYN365_ENTERPRISE_CUSTOMER_SERVICE";

#[test]
fn copilot_use_no_longer_keeps_premium_and_a_used_pair_becomes_the_combined_addon() {
    let voice =
        format!("{ENT} + DYNAMICS_365_CONTACT_CENTER_VOICE_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE");
    let both =
        format!("{ENT} + DYNAMICS_365_CONTACT_CENTER_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE");
    check(
        "premium-copilot",
        &[
            // 195.00 − (105.00 + 50.00)
            ("u-copilot", "full", "premium-unused", &voice, "40.00"),
            // 50.00 + 50.00 − 75.00
            ("u-pair", "full", "addon-unused", &both, "25.00"),
        ],
    );
}

#[test]
fn channel_events_are_conversations_and_raise_no_crm_tier() {
    let by_id = rows("contact-center");
    // (user, writes, voice, digital): the msdyn_ocliveworkitem updates carry a channel
    for (id, writes, voice, digital) in [
        ("u-voice-agent", "10", "20", "0"),
        ("u-omni", "10", "20", "20"),
        ("u-case-agent", "20", "20", "0"),
        ("u-chat", "0", "0", "20"),
    ] {
        let r = &by_id[id];
        assert_eq!(r["writes"], writes, "{id}: {}", r["reasons"]);
        assert_eq!(r["voice_conversations"], voice, "{id}");
        assert_eq!(r["digital_conversations"], digital, "{id}");
        assert!(
            !r["reasons"].contains("msdyn_ocliveworkitem"),
            "{id}: {}",
            r["reasons"]
        );
    }
}

#[test]
fn conversation_agents_without_case_work_move_to_the_standalone_contact_center() {
    let voice_addon = "DYNAMICS_365_CONTACT_CENTER_VOICE_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE";
    let digital_addon =
        "DYNAMICS_365_CONTACT_CENTER_DIGITAL_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE";
    let case = format!("{ENT} + {voice_addon}");
    let chat = format!("{ENT} + {digital_addon}");
    check(
        "contact-center",
        &[
            // 105.00 + 50.00 − 95.00
            (
                "u-voice-agent",
                "contact-center",
                "",
                "DYNAMICS_365_CONTACT_CENTER_VOICE",
                "60.00",
            ),
            // 195.00 − 110.00
            (
                "u-omni",
                "contact-center",
                "",
                "DYNAMICS_365_CONTACT_CENTER",
                "85.00",
            ),
            ("u-case-agent", "full", "", &case, "0.00"),
            ("u-chat", "full", "", &chat, "0.00"),
        ],
    );
    let by_id = rows("contact-center");
    let omni = &by_id["u-omni"]["reasons"];
    for want in [
        "20 voice and 20 digital conversations",
        "Contact Center (110.00) costs less than Customer Service Enterprise",
        "(180.00)",
        "standalone Contact Center includes no case management",
    ] {
        assert!(omni.contains(want), "{want:?} in {omni}");
    }
    let chat = &by_id["u-chat"]["reasons"];
    assert!(
        chat.contains("Contact Center may fit; price unknown"),
        "{chat}"
    );
}
