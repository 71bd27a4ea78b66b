//! The whole bill on the sample tenant: a Premium reduction partly eaten by a Copilot credit
//! overage, the net saving to the cent.

mod common;

use std::collections::BTreeMap;

use common::{read_csv, rightsize};

/// One cell of `bill.csv`: the row of `section` and `name`, column `col`.
fn cell(rows: &[BTreeMap<String, String>], section: &str, name: &str, col: &str) -> String {
    rows.iter()
        .find(|r| r["section"] == section && r["name"] == name)
        .unwrap_or_else(|| panic!("{section} {name} in bill.csv"))[col]
        .clone()
}

#[test]
fn the_sample_net_saving_takes_the_new_overage_off_the_licence_saving() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    rightsize()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "analyze",
            "sample-data",
            "--quiet",
            "--format",
            "csv",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let rows = read_csv(&out.join("bill.csv"));
    let get = |section: &str, name: &str, col: &str| cell(&rows, section, name, col);
    // Licences a month at today's unit prices, now: Premium 16 × 195 + Enterprise 155 × 105
    // + Team Members 2 × 8 + digital add-on 3 × 50 + voice add-on 30 × 50 + the trial's 25
    // seats × 0 = 21,061.00; after: Device 4 × 95 + Professional 29 × 50 + Enterprise
    // 36 × 105 + Team Members 28 × 8 + CC Digital 3 × 95 + CC Voice 20 × 95 + voice add-on
    // 5 × 50 = 8,269.00. A year: 252,732.00 and 99,228.00: a licence saving of 153,504.00.
    assert_eq!(get("total", "licences", "annual_now"), "252732.00");
    assert_eq!(get("total", "licences", "annual_after"), "99228.00");
    // Premium 16 → 0 seats: the Copilot credit pool 16,000 → 0 a month against a peak of
    // 8,050: 8,050 credits × 0.01 = 80.50 a month of new overage.
    assert_eq!(
        get("capacity", "copilot-credits", "entitlement_now"),
        "16000"
    );
    assert_eq!(get("capacity", "copilot-credits", "entitlement_after"), "0");
    assert_eq!(get("capacity", "copilot-credits", "overage_after"), "8050");
    assert_eq!(
        get("capacity", "copilot-credits", "monthly_overage_after"),
        "80.50"
    );
    // The log pool is over both ways (2.6 GB against 2): 0.6 × 12.00 = 7.20 a month.
    assert_eq!(
        get("capacity", "dataverse-log-gb", "monthly_overage_now"),
        "7.20"
    );
    assert_eq!(
        get("capacity", "dataverse-log-gb", "monthly_overage_after"),
        "7.20"
    );
    // Overage a year: 12 × 7.20 = 86.40 now, 12 × (7.20 + 80.50) = 1,052.40 after.
    assert_eq!(get("total", "overage", "annual_now"), "86.40");
    assert_eq!(get("total", "overage", "annual_after"), "1052.40");
    // Net = 153,504.00 − (1,052.40 − 86.40) = 152,538.00.
    assert_eq!(get("total", "net saving", "annual_after"), "152538.00");
    let pool_note = get("capacity", "copilot-credits", "note");
    assert!(
        pool_note.contains("overage 8,050 = USD 80.50 a month"),
        "the pushed pool is named with its numbers: {pool_note}"
    );
    // With conversation data: the voice lines (voice 3,118.54 + numbers 72.00 + recording
    // 241.27 = 3,431.81 a year) over 25 voice agents: 3,431.81 / 12 / 25 = 11.44 a month each.
    let json: serde_json::Value = {
        rightsize()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "analyze",
                "sample-data",
                "--quiet",
                "--format",
                "json",
                "--out",
            ])
            .arg(tmp.path().join("j"))
            .assert()
            .success();
        serde_json::from_slice(&std::fs::read(tmp.path().join("j/report.json")).expect("json"))
            .expect("parse")
    };
    let voice = json["bill"]["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .find(|c| c["channel"] == "voice")
        .expect("voice")
        .clone();
    assert_eq!(voice["annual_usage"], "3431.81");
    assert_eq!(voice["agents"], 25);
    assert_eq!(voice["monthly_per_agent"], "11.44");
}

/// A Copilot Credit pack bought for the tenant (a capacity SKU, outside the policy's scope
/// families) is counted from the subscriptions: its 25,000 credits a month stay in the pool
/// after the Premium seats go, so the new overage of the sample disappears, and its price is
/// on the licence bill both before and after.
#[test]
fn a_capacity_sku_from_the_subscriptions_adds_to_the_pool_and_the_bill() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = tmp.path().join("in");
    std::fs::create_dir(&dir).expect("dir");
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    for e in std::fs::read_dir(&sample).expect("sample") {
        let p = e.expect("entry").path();
        if p.is_file() {
            std::fs::copy(&p, dir.join(p.file_name().expect("name"))).expect("copy");
        }
    }
    let mut subs = std::fs::read_to_string(dir.join("subscriptions.csv")).expect("subs");
    subs.push_str("VIRTUAL_AGENT_BASE,1,0\n");
    std::fs::write(dir.join("subscriptions.csv"), subs).expect("write");
    let out = tmp.path().join("r");
    rightsize()
        .args(["analyze", "--quiet", "--format", "csv", "--out"])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let rows = read_csv(&out.join("bill.csv"));
    let get = |section: &str, name: &str, col: &str| cell(&rows, section, name, col);
    // Pool: 16 Premium × 1,000 + 25,000 = 41,000 now, 25,000 after; peak 8,050: no overage.
    assert_eq!(
        get("capacity", "copilot-credits", "entitlement_now"),
        "41000"
    );
    assert_eq!(
        get("capacity", "copilot-credits", "entitlement_after"),
        "25000"
    );
    assert_eq!(get("capacity", "copilot-credits", "overage_after"), "0");
    // The pack's 200.00 a month on both sides: 252,732.00 + 2,400.00 and 99,228.00 + 2,400.00.
    assert_eq!(get("total", "licences", "annual_now"), "255132.00");
    assert_eq!(get("total", "licences", "annual_after"), "101628.00");
    // Only the log pool is over, the same both ways: net = the licence saving, 153,504.00.
    assert_eq!(get("total", "overage", "annual_after"), "86.40");
    assert_eq!(get("total", "net saving", "annual_after"), "153504.00");
    // The scenarios keep the pack whatever they adopt: current is today's bill, recommended
    // saves the net saving.
    let scenarios = read_csv(&out.join("scenarios.csv"));
    let scenario = |name: &str, col: &str| -> String {
        scenarios
            .iter()
            .find(|r| r["section"] == "scenario" && r["name"] == name)
            .unwrap_or_else(|| panic!("scenario {name}"))[col]
            .clone()
    };
    assert_eq!(scenario("current", "annual_licences"), "255132.00");
    assert_eq!(
        scenario("current", "annual_total"),
        get("total", "bill", "annual_now")
    );
    assert_eq!(scenario("recommended", "annual_saving"), "153504.00");
    // A capacity SKU is not a seat: no renewal line for it.
    let renewal = read_csv(&out.join("renewal.csv"));
    assert!(renewal.iter().all(|r| r["sku"] != "VIRTUAL_AGENT_BASE"));
}
