//! The money stage end to end: which subscriptions reach the renewal table, and which price
//! books are refused before any work.

mod common;

use std::path::Path;

use common::{fixture, read_csv, rightsize};

fn analyze(dir: &str, out: &Path) {
    rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(out)
        .arg(fixture(dir))
        .assert()
        .success();
}

fn report(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("report.json"))
        .expect("valid JSON")
}

#[test]
fn out_of_scope_subscriptions_stay_out_of_the_renewal_table() {
    // The fixture is "classes" plus `Dyn365_Operations_Activity,50,50`: a family outside
    // scope.families. Before the fix it added 50 shelfware seats and 2,500.00 a month.
    let tmp = tempfile::tempdir().expect("temp");
    let (base, more) = (tmp.path().join("base"), tmp.path().join("more"));
    analyze("classes", &base);
    analyze("out-of-scope-subscriptions", &more);
    let renewal = read_csv(&more.join("renewal.csv"));
    assert!(
        renewal
            .iter()
            .all(|r| r["sku"] != "Dyn365_Operations_Activity"),
        "{renewal:?}"
    );
    assert_eq!(renewal, read_csv(&base.join("renewal.csv")));
    let (b, m) = (report(&base), report(&more));
    assert_eq!(
        m["headline"], b["headline"],
        "seats to reduce and savings unchanged"
    );
    assert!(
        m["data_quality"]["out_of_scope_skus"]
            .get("Dyn365_Operations_Activity")
            .is_some(),
        "listed as out of scope: {}",
        m["data_quality"]
    );
}

#[test]
fn a_price_with_more_than_two_decimals_stops_with_file_and_sku() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    let assert = rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&out)
        .arg(fixture("price-decimals"))
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("prices.toml"), "names the file: {stderr}");
    assert!(
        stderr.contains("DYN365_TEAM_MEMBERS") && stderr.contains("monthly"),
        "names the SKU and key: {stderr}"
    );
    assert!(stderr.contains("33.333"), "quotes the value: {stderr}");
    assert!(!out.exists(), "no report folder");
}
