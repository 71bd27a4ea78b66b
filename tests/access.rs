//! Accounts that need no licence and trials (spec section 6), end to end on fixture folders.

mod common;

use std::collections::BTreeMap;

use common::{fixture, read_csv, rightsize};

fn analyze(dir: &str, out: &std::path::Path) {
    rightsize()
        .args(["analyze", "--quiet", "--as-of", "2026-10-31", "--out"])
        .arg(out)
        .arg(fixture(dir))
        .assert()
        .success();
}

fn by_upn(out: &std::path::Path) -> BTreeMap<String, BTreeMap<String, String>> {
    read_csv(&out.join("recommendations.csv"))
        .into_iter()
        .map(|r| (r["upn"].clone(), r))
        .collect()
}

#[test]
fn administrative_and_non_interactive_accounts_are_removed_with_the_mode_named() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    analyze("access-modes", &out);
    let rows = by_upn(&out);
    // (upn, class, saving, reason)
    let cases = [
        (
            "admin@contoso.com",
            "remove",
            "105.00",
            Some("Dataverse access mode Administrative needs no licence"),
        ),
        (
            "app@contoso.com",
            "remove",
            "105.00",
            Some("Dataverse access mode Non-interactive needs no licence"),
        ),
        // one of its two environments is Read-Write: it needs the licence
        ("multi@contoso.com", "full", "0.00", None),
        ("agent@contoso.com", "full", "0.00", None),
        // an unreadable access mode never removes a licence
        ("odd@contoso.com", "full", "0.00", None),
    ];
    for (upn, class, saving, reason) in cases {
        let r = &rows[upn];
        assert_eq!(r["class"], class, "{upn}: {}", r["reasons"]);
        assert_eq!(r["monthly_saving"], saving, "{upn}");
        if let Some(want) = reason {
            assert!(r["reasons"].contains(want), "{upn}: {}", r["reasons"]);
        } else {
            assert!(!r["reasons"].contains("needs no licence"), "{upn}");
        }
    }
    let rejected = read_csv(&out.join("rejected.csv"));
    let got: Vec<(String, String, String)> = rejected
        .iter()
        .map(|r| (r["file"].clone(), r["line"].clone(), r["column"].clone()))
        .collect();
    assert_eq!(
        got,
        vec![("systemuser.csv".into(), "7".into(), "accessmode".into())]
    );
    assert!(rejected[0]["problem"].contains("\"Superuser\" is not an access mode"));
}

#[test]
fn a_policy_naming_access_modes_by_label_is_used_and_a_bad_one_stops_the_run() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = tmp.path().join("in");
    std::fs::create_dir(&dir).expect("mkdir");
    for f in ["assignments.csv", "systemuser.csv", "activity.csv"] {
        std::fs::copy(fixture("access-modes").join(f), dir.join(f)).expect("copy");
    }
    std::fs::write(
        dir.join("policy.toml"),
        "no_licence_access_modes = ['Read-Write']\n",
    )
    .expect("write");
    let out = tmp.path().join("r");
    rightsize()
        .args(["analyze", "--quiet", "--as-of", "2026-10-31", "--out"])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let rows = by_upn(&out);
    assert_eq!(rows["agent@contoso.com"]["class"], "remove");
    assert_eq!(rows["admin@contoso.com"]["class"], "full");

    std::fs::write(
        dir.join("policy.toml"),
        "no_licence_access_modes = [1, 9]\n",
    )
    .expect("write");
    let out2 = tmp.path().join("r2");
    let assert = rightsize()
        .args(["analyze", "--quiet", "--as-of", "2026-10-31", "--out"])
        .arg(&out2)
        .arg(&dir)
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("policy.toml") && stderr.contains("no_licence_access_modes[2]"),
        "{stderr}"
    );
    assert!(!out2.exists(), "no report");
}
