//! Channel values by Omnichannel name, numeric code or short form (`chat`, `sms`, `Phone`…)
//! are conversations on their channel, not rejected rows: agents keep the add-on they use.

mod common;

use common::{fixture, read_csv, rightsize};

#[test]
fn channel_names_and_codes_are_channels() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    let run = rightsize()
        .args(["analyze", "--quiet", "--as-of", "2026-10-31", "--out"])
        .arg(&out)
        .arg(fixture("channel-names"))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    let rejected = read_csv(&out.join("rejected.csv"));
    assert!(rejected.is_empty(), "no rejected rows: {rejected:?}");
    let rows = read_csv(&out.join("recommendations.csv"));
    let digital = "DYNAMICS_365_CONTACT_CENTER_DIGITAL_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE";
    let combined = "DYNAMICS_365_CONTACT_CENTER_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE";
    // u-conv only has conversations (no case work): the standalone Contact Center Digital
    // covers exactly its channel (spec section 6).
    let standalone = "DYNAMICS_365_CONTACT_CENTER_DIGITAL";
    for (user, class, addon, voice, digital_n) in [
        ("u-chat", "full", digital, "0", "28"),
        ("u-sms", "full", digital, "0", "28"),
        ("u-both", "full", combined, "14", "14"),
        ("u-conv", "contact-center", standalone, "0", "22"),
    ] {
        let r = rows
            .iter()
            .find(|r| r["user_id"] == user)
            .unwrap_or_else(|| panic!("{user} in the report"));
        assert_eq!(r["class"], class, "{user}: {}", r["reasons"]);
        assert!(
            !r["flags"].contains("addon-unused"),
            "{user}: {}",
            r["flags"]
        );
        assert!(
            r["recommended_skus"].contains(addon),
            "{user}: {}",
            r["recommended_skus"]
        );
        assert_eq!(r["voice_conversations"], voice, "{user} voice");
        assert_eq!(r["digital_conversations"], digital_n, "{user} digital");
    }
}
