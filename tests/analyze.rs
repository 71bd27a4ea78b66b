//! `rightsize analyze` end to end on fixture folders: one user per class with the expected
//! recommendation and money, reconciled totals, byte-identical reruns, and bad input.

mod common;

use std::collections::BTreeMap;
use std::str::FromStr;

use common::{fixture, read_csv, rightsize};
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|_| panic!("not a decimal: {s:?}"))
}

fn analyze(dir: &str, out: &std::path::Path) {
    rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(out)
        .arg(fixture(dir))
        .assert()
        .success();
}

#[test]
fn one_user_per_class_with_expected_money() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    analyze("classes", &out);
    let rows = read_csv(&out.join("recommendations.csv"));
    let by_id: BTreeMap<&str, &BTreeMap<String, String>> =
        rows.iter().map(|r| (r["user_id"].as_str(), r)).collect();
    // (user, class, flags, recommended, monthly saving)
    let expected = [
        ("u-disabled", "remove", "", "", "105.00"),
        (
            "u-new",
            "keep",
            "",
            "DYN365_ENTERPRISE_CUSTOMER_SERVICE",
            "0.00",
        ),
        (
            "u-svc",
            "keep",
            "",
            "DYN365_ENTERPRISE_CUSTOMER_SERVICE",
            "0.00",
        ),
        ("u-idle", "remove", "", "", "155.00"),
        (
            "u-reader",
            "team-member",
            "",
            "DYN365_TEAM_MEMBERS",
            "97.00",
        ),
        (
            "u-agent",
            "activity",
            "",
            "DYN365_CUSTOMER_SERVICE_PRO",
            "55.00",
        ),
        (
            "u-author",
            "full",
            "",
            "DYN365_ENTERPRISE_CUSTOMER_SERVICE",
            "0.00",
        ),
        (
            "u-voice",
            "full",
            "",
            "DYN365_ENTERPRISE_CUSTOMER_SERVICE + DYNAMICS_365_CONTACT_CENTER_VOICE_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE",
            "0.00",
        ),
        (
            "u-prem",
            "full",
            "premium-unused",
            "DYN365_ENTERPRISE_CUSTOMER_SERVICE + DYNAMICS_365_CONTACT_CENTER_VOICE_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE",
            "40.00",
        ),
        ("u-k1", "device", "", "", "71.66"),
        ("u-k2", "device", "", "", "71.67"),
        ("u-k3", "device", "", "", "71.67"),
    ];
    assert_eq!(
        rows.len(),
        expected.len(),
        "only users with in-scope licences are listed"
    );
    for (id, class, flags, rec, saving) in expected {
        let r = by_id.get(id).unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(r["class"], class, "{id}: {}", r["reasons"]);
        assert_eq!(r["flags"], flags, "{id}: {}", r["reasons"]);
        assert_eq!(r["recommended_skus"], rec, "{id}");
        assert_eq!(r["monthly_saving"], saving, "{id}");
        assert_eq!(
            d(&r["annual_saving"]),
            d(saving) * Decimal::from(12),
            "{id}"
        );
        assert!(!r["reasons"].is_empty(), "{id} has reasons");
    }
    assert_eq!(by_id["u-k1"]["device"], "KIOSK-7");
    assert!(
        by_id["u-reader"]["reasons"].contains("reads"),
        "reasons carry numbers"
    );
    // formula injection neutralised, the rest of the text kept
    assert_eq!(by_id["u-agent"]["display_name"], "'=cmd|' /C calc'!A0");
    // display name with a comma survives quoting
    assert_eq!(by_id["u-reader"]["display_name"], "Rita, Reader");

    let summary = read_csv(&out.join("summary.csv"));
    let total = summary
        .iter()
        .find(|r| r["group"] == "total")
        .expect("total row");
    assert_eq!(total["monthly_saving"], "667.00");
    assert_eq!(total["annual_saving"], "8004.00");
    assert_eq!(total["users"], "12");
}

#[test]
fn savings_reconcile_users_summary_and_renewal() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    analyze("classes", &out);
    let users: Decimal = read_csv(&out.join("recommendations.csv"))
        .iter()
        .map(|r| d(&r["monthly_saving"]))
        .sum();
    let summary = read_csv(&out.join("summary.csv"));
    let classes: Decimal = summary
        .iter()
        .filter(|r| r["group"] == "class")
        .map(|r| d(&r["monthly_saving"]))
        .sum();
    let total = summary
        .iter()
        .find(|r| r["group"] == "total")
        .expect("total");
    let renewal = read_csv(&out.join("renewal.csv"));
    let per_sku: Decimal = renewal.iter().map(|r| d(&r["monthly_saving_users"])).sum();
    assert_eq!(users, classes);
    assert_eq!(users, d(&total["monthly_saving"]));
    assert_eq!(users, per_sku);
    // shelfware from subscriptions: 14 bought, 11 assigned
    let ent = renewal
        .iter()
        .find(|r| r["sku"] == "DYN365_ENTERPRISE_CUSTOMER_SERVICE")
        .expect("enterprise row");
    assert_eq!(ent["bought"], "14");
    assert_eq!(ent["assigned"], "11");
    assert_eq!(ent["shelfware"], "3");
    let dev = renewal
        .iter()
        .find(|r| r["sku"] == "DYN365_CUSTOMER_SERVICE_DEVICE")
        .expect("device row");
    assert_eq!(dev["recommended"], "1", "one licence per shared device");
    assert_eq!(dev["monthly_saving_users"], "-100.00");
}

#[test]
fn two_runs_are_byte_identical() {
    let tmp = tempfile::tempdir().expect("temp");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    analyze("classes", &a);
    analyze("classes", &b);
    let mut names: Vec<_> = std::fs::read_dir(&a)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    names.sort();
    for want in [
        "devices.csv",
        "manifest.json",
        "recommendations.csv",
        "rejected.csv",
        "renewal.csv",
        "report.html",
        "report.json",
        "report.xlsx",
        "summary.csv",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} written");
    }
    for n in names {
        let x = std::fs::read(a.join(&n)).expect("a");
        let y = std::fs::read(b.join(&n)).expect("b");
        assert!(x == y, "{n:?} differs between runs");
    }
}

#[test]
fn manifest_lists_every_input_with_kind_and_digest() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    analyze("classes", &out);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).expect("manifest"))
            .expect("json");
    let inputs = m["inputs"].as_array().expect("inputs");
    let kind = |f: &str| {
        inputs
            .iter()
            .find(|i| i["file"] == f)
            .map(|i| i["kind"].clone())
    };
    assert_eq!(kind("activity.csv"), Some(serde_json::json!("activity")));
    assert_eq!(
        kind("assignments.csv"),
        Some(serde_json::json!("assignments"))
    );
    assert_eq!(
        kind("subscriptions.csv"),
        Some(serde_json::json!("subscriptions"))
    );
    let readme = inputs
        .iter()
        .find(|i| i["file"] == "README.txt")
        .expect("ignored file listed");
    assert!(readme["ignored"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(
        inputs
            .iter()
            .all(|i| i["sha256"].as_str().is_some_and(|s| s.len() == 64))
    );
    assert_eq!(m["window"]["from"], "2026-10-01");
    assert_eq!(m["window"]["to"], "2026-10-31");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("report"))
            .expect("json");
    assert_eq!(report["data_quality"]["other_licences"]["SPE_E5"], 1);
    assert_eq!(report["headline"]["monthly_saving"], "667.00");
}

#[test]
fn html_is_self_contained_and_escaped() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    analyze("classes", &out);
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    assert!(!html.contains("<script"), "no script");
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "nothing external"
    );
    assert!(html.contains("<svg"), "inline chart");
    assert!(html.contains("667.00"), "headline saving");
    assert!(!html.contains("=cmd|' /C"), "user text is escaped");
    assert!(
        html.contains("=cmd|&#39; /C") || html.contains("=cmd|&#x27; /C"),
        "escaped name shown"
    );
    for section in [
        "Savings by class",
        "By department",
        "Renewal by licence",
        "Occasional full users",
        "Data quality",
        "Method and thresholds",
    ] {
        assert!(html.contains(section), "section {section}");
    }
}

#[test]
fn rejected_rows_name_file_line_and_column_and_the_run_goes_on() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    let assert = rightsize()
        .args(["analyze", "--quiet", "--as-of", "2026-10-31", "--out"])
        .arg(&out)
        .arg(fixture("malformed-row"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("3 input row(s) rejected"), "{stderr}");
    assert!(
        stderr.contains(
            "activity.csv: timestamp: 1 row: is not a ISO 8601 timestamp; values yesterday (1); first at line 3"
        ),
        "{stderr}"
    );
    let rejected = read_csv(&out.join("rejected.csv"));
    let got: Vec<(String, String)> = rejected
        .iter()
        .map(|r| (r["line"].clone(), r["column"].clone()))
        .collect();
    // line 4-5 hold one row with a quoted newline, so the later rows are on lines 6 and 7
    assert_eq!(
        got,
        vec![
            ("3".to_string(), "timestamp".to_string()),
            ("6".to_string(), "operation".to_string()),
            ("7".to_string(), "user_id".to_string()),
        ]
    );
}

#[test]
fn broken_csv_stops_with_file_and_line_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    let assert = rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&out)
        .arg(fixture("ragged-events"))
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("activity.csv:3: expected 4 fields as in the header, found 6"),
        "{stderr}"
    );
    assert!(!out.exists(), "no report folder");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_price_book_stops_with_file_and_key_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    let assert = rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&out)
        .arg(fixture("bad-prices"))
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("prices.toml"), "{stderr}");
    assert!(
        stderr.contains("DYN365_TEAM_MEMBERS") && stderr.contains("negative"),
        "{stderr}"
    );
    assert!(!out.exists(), "no report folder");
}

#[test]
fn usage_errors_exit_2() {
    rightsize()
        .args(["analyze", "--format", "pdf"])
        .assert()
        .code(2);
    rightsize()
        .args(["analyze", "--as-of", "tomorrow"])
        .assert()
        .code(2);
    rightsize().args(["frobnicate"]).assert().code(2);
}

#[test]
fn validate_lists_files_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("temp");
    let assert = rightsize()
        .current_dir(tmp.path())
        .args(["validate", "--quiet"])
        .arg(fixture("classes"))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(
        stdout.contains("README.txt") && stdout.contains("IGNORED"),
        "{stdout}"
    );
    assert!(
        stdout.contains("activity.csv") && stdout.contains("activity"),
        "{stdout}"
    );
    assert!(
        stdout.contains("classes: full 3; contact-center 0; activity 1; team-member 1; device 3; remove 2; keep 2;"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_dir(tmp.path()).expect("list").count(),
        0,
        "nothing written"
    );
}

#[test]
fn sample_data_has_every_class_and_flag() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&out)
        .arg(&sample)
        .assert()
        .success();
    let rows = read_csv(&out.join("recommendations.csv"));
    for class in [
        "keep",
        "remove",
        "device",
        "team-member",
        "activity",
        "full",
        "contact-center",
    ] {
        assert!(
            rows.iter().any(|r| r["class"] == class),
            "class {class} occurs"
        );
    }
    for reason in [
        "Dataverse access mode Administrative needs no licence",
        "Dataverse access mode Non-interactive needs no licence",
    ] {
        assert!(
            rows.iter()
                .any(|r| r["class"] == "remove" && r["reasons"].contains(reason)),
            "{reason}"
        );
    }
    for flag in ["premium-unused", "addon-unused", "occasional", "trial"] {
        assert!(
            rows.iter()
                .any(|r| r["flags"].split(' ').any(|f| f == flag)),
            "flag {flag} occurs"
        );
    }
}
