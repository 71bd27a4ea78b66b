//! The quarterly trend on the two-quarter sample (`sample-data/previous-quarter` then
//! `sample-data`): `analyze --previous` embeds it in every format, `rightsize diff` gives the
//! same trend from the two folders, and a previous report that is not earlier is refused.

mod common;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use common::{read_csv, rightsize};
use rust_decimal::Decimal;

fn sample(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-data")
        .join(sub)
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|_| panic!("not a decimal: {s:?}"))
}

/// (previous report, current report with the trend)
fn two_quarters(root: &Path) -> (PathBuf, PathBuf) {
    let (old, new) = (root.join("2026-07-31"), root.join("2026-10-31"));
    rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&old)
        .arg(sample("previous-quarter"))
        .assert()
        .success();
    rightsize()
        .args(["analyze", "--quiet", "--previous"])
        .arg(&old)
        .arg("--out")
        .arg(&new)
        .arg(sample(""))
        .assert()
        .success();
    (old, new)
}

#[test]
fn the_two_quarter_sample_has_a_trend_in_every_format() {
    let tmp = tempfile::tempdir().expect("temp");
    let (old, new) = two_quarters(tmp.path());

    let trend = read_csv(&new.join("trend.csv"));
    let total = trend
        .iter()
        .find(|r| r["section"] == "total")
        .expect("total row");
    let summary = |dir: &Path| {
        read_csv(&dir.join("summary.csv"))
            .into_iter()
            .find(|r| r["group"] == "total")
            .expect("total")
    };
    let (so, sn) = (summary(&old), summary(&new));
    // The trend reconciles with the two reports' own totals.
    assert_eq!(total["old_annual_saving"], so["annual_saving"]);
    assert_eq!(total["new_annual_saving"], sn["annual_saving"]);
    assert_eq!(
        d(&total["annual_saving_change"]),
        d(&sn["annual_saving"]) - d(&so["annual_saving"])
    );
    assert_eq!(total["old_count"], so["users"]);
    for section in ["class", "flag", "sku"] {
        assert!(
            trend.iter().any(|r| r["section"] == section),
            "{section} rows"
        );
    }
    let ent = trend
        .iter()
        .find(|r| r["section"] == "sku" && r["name"] == "DYN365_ENTERPRISE_CUSTOMER_SERVICE")
        .expect("Enterprise row");
    assert!(!ent["old_recommended"].is_empty() && !ent["new_recommended"].is_empty());

    let users = read_csv(&new.join("user-changes.csv"));
    for kind in ["class changed", "new user", "departed user"] {
        assert!(users.iter().any(|u| u["change"] == kind), "some {kind}");
    }
    // A departed user is in the old report and not in the new one, and the reverse for new.
    let ids = |dir: &Path| -> Vec<String> {
        read_csv(&dir.join("recommendations.csv"))
            .into_iter()
            .map(|r| r["user_id"].clone())
            .collect()
    };
    let (old_ids, new_ids) = (ids(&old), ids(&new));
    for u in &users {
        let (in_old, in_new) = (
            old_ids.contains(&u["user_id"]),
            new_ids.contains(&u["user_id"]),
        );
        match u["change"].as_str() {
            "new user" => assert!(!in_old && in_new, "{u:?}"),
            "departed user" => assert!(in_old && !in_new, "{u:?}"),
            _ => {
                assert!(in_old && in_new, "{u:?}");
                assert!(!u["why"].is_empty(), "a reason for {u:?}");
            }
        }
    }
    let class_changed = users.iter().filter(|u| u["change"] == "class changed");
    assert!(
        class_changed
            .clone()
            .all(|u| u["old_class"] != u["new_class"])
    );

    let html = std::fs::read_to_string(new.join("report.html")).expect("html");
    assert!(html.contains("Since the previous report (as of 2026-07-31)"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(new.join("report.json")).expect("json"))
            .expect("parse");
    assert_eq!(json["trend"]["old_as_of"], "2026-07-31");
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(new.join("report.xlsx")).expect("xlsx");
    let names = calamine::Reader::sheet_names(&wb);
    assert!(names.contains(&"Trend".to_string()) && names.contains(&"User changes".to_string()));
    let sheet = calamine::Reader::worksheet_range(&mut wb, "User changes").expect("sheet");
    assert_eq!(
        sheet.height(),
        users.len() + 1,
        "every change in the workbook"
    );
}

#[test]
fn diff_of_the_two_folders_gives_the_same_trend() {
    let tmp = tempfile::tempdir().expect("temp");
    let (old, new) = two_quarters(tmp.path());
    let out = tmp.path().join("diff");
    let run = rightsize()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    assert!(stdout.contains("trend since 2026-07-31"), "{stdout}");
    for f in ["trend.csv", "user-changes.csv"] {
        let a = std::fs::read(out.join(f)).expect("diff output");
        let b = std::fs::read(new.join(f)).expect("report output");
        assert!(a == b, "{f}: diff and analyze --previous agree");
    }
}

#[test]
fn a_previous_report_must_be_earlier() {
    let tmp = tempfile::tempdir().expect("temp");
    let (_, new) = two_quarters(tmp.path());
    let run = rightsize()
        .args(["analyze", "--quiet", "--previous"])
        .arg(&new)
        .arg("--out")
        .arg(tmp.path().join("again"))
        .arg(sample(""))
        .assert()
        .failure()
        .code(2); // a usage mistake: the wrong folder for --previous
    let err = String::from_utf8_lossy(&run.get_output().stderr).to_string();
    assert!(err.contains("not earlier"), "{err}");
    assert!(!tmp.path().join("again").exists(), "nothing written");
    // A folder that is not a report is refused before any work.
    rightsize()
        .args(["analyze", "--quiet", "--previous"])
        .arg(tmp.path())
        .arg(sample(""))
        .assert()
        .failure()
        .code(1);
}

/// Both quarters have a cost export and capacity data: `bill-trend.csv` puts each bill
/// figure of the earlier report beside the later one's (as their own `bill.csv` state them),
/// with the change; the XLSX has the same as "Bill trend" and the HTML trend a bill table.
#[test]
fn the_whole_bill_is_compared_between_quarters() {
    let tmp = tempfile::tempdir().expect("temp");
    let (old, new) = two_quarters(tmp.path());
    let trend = read_csv(&new.join("bill-trend.csv"));
    let bill = |dir: &Path, section: &str, name: &str, col: &str| -> String {
        read_csv(&dir.join("bill.csv"))
            .into_iter()
            .find(|r| r["section"] == section && r["name"] == name)
            .unwrap_or_else(|| panic!("{section} {name}"))[col]
            .clone()
    };
    let row = |name: &str| {
        trend
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} in bill-trend.csv"))
            .clone()
    };
    for (name, section, bill_name, col) in [
        ("licences", "total", "licences", "annual_now"),
        ("usage", "total", "usage", "annual_now"),
        ("overage", "total", "overage", "annual_now"),
        ("bill", "total", "bill", "annual_now"),
        ("bill after", "total", "bill", "annual_after"),
        ("net saving", "total", "net saving", "annual_after"),
        ("usage: voice", "usage", "voice", "annual_now"),
        (
            "peak: copilot-credits",
            "capacity",
            "copilot-credits",
            "peak",
        ),
    ] {
        let r = row(name);
        let (was, is) = (
            bill(&old, section, bill_name, col),
            bill(&new, section, bill_name, col),
        );
        assert_eq!(r["old"], was, "{name} before");
        assert_eq!(r["new"], is, "{name} now");
        assert_eq!(d(&r["change"]), d(&is) - d(&was), "{name} change");
        assert_eq!(r["old_as_of"], "2026-07-31");
    }
    assert_eq!(row("bill")["unit"], "USD");
    assert_eq!(row("peak: copilot-credits")["unit"], "units");
    let html = std::fs::read_to_string(new.join("report.html")).expect("html");
    assert!(
        html.contains("<th>the whole bill</th>"),
        "bill table in the trend"
    );
    assert!(html.contains("peak full month: copilot-credits"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(new.join("report.json")).expect("json"))
            .expect("parse");
    assert_eq!(
        json["trend"]["bill"].as_array().map(Vec::len),
        Some(trend.len()),
        "report.json has the same rows"
    );
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(new.join("report.xlsx")).expect("xlsx");
    let sheet = calamine::Reader::worksheet_range(&mut wb, "Bill trend").expect("Bill trend");
    assert_eq!(
        sheet.height(),
        trend.len() + 1,
        "a row per figure and the header"
    );
}
