//! Golden outputs of the committed sample tenant: any change to a number, a class or a reason
//! in report.json or the CSV files shows in review as a snapshot diff (insta). Review a change
//! with `cargo insta review`, or accept it with `INSTA_UPDATE=always cargo test --test golden`.

mod common;

use common::rightsize;

#[test]
fn the_sample_report_is_unchanged() {
    let out = tempfile::tempdir().expect("temp");
    let report = out.path().join("report");
    // Run from the crate root with a relative input folder, so the origins recorded in the
    // report do not depend on where the clone lives.
    rightsize()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "analyze",
            "sample-data",
            "--quiet",
            "--format",
            "csv,json",
            "--out",
        ])
        .arg(&report)
        .assert()
        .success();
    for file in [
        "report.json",
        "recommendations.csv",
        "summary.csv",
        "renewal.csv",
        "devices.csv",
        "rejected.csv",
        "bill.csv",
        "deployment.csv",
        "trials.csv",
        "scenarios.csv",
    ] {
        let text =
            std::fs::read_to_string(report.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        insta::assert_snapshot!(file, text);
    }
}
