//! The whole bill on the sample tenant: a Premium reduction partly eaten by a Copilot credit
//! overage, the net saving to the cent.

mod common;

use common::{read_csv, rightsize};

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
    let get = |section: &str, name: &str, col: &str| -> String {
        rows.iter()
            .find(|r| r["section"] == section && r["name"] == name)
            .unwrap_or_else(|| panic!("{section} {name} in bill.csv"))[col]
            .clone()
    };
    // Licences a year at today's unit prices: 260,832.00 now, 102,012.00 after: 158,820.00.
    assert_eq!(get("total", "licences", "annual_now"), "260832.00");
    assert_eq!(get("total", "licences", "annual_after"), "102012.00");
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
    // Net = 158,820.00 − (1,052.40 − 86.40) = 157,854.00.
    assert_eq!(get("total", "net saving", "annual_after"), "157854.00");
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
