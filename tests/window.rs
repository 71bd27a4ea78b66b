//! The analysis window on an export longer than the lookback: every event outside the window
//! must be left out, whether the window is known before reading (`--as-of`) or found from the
//! data (the latest activity, then a second read of the source). The oracle is the same export
//! cut to the window by hand.

mod common;

use chrono::{Duration, NaiveDate};
use common::*;

#[test]
fn events_before_the_window_are_left_out_however_the_window_is_found() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let full = tmp.path().join("full");
    // 130 days of activity against the default 90-day lookback.
    rightsize()
        .args([
            "generate", "--users", "150", "--days", "130", "--seed", "11", "--out",
        ])
        .arg(&full)
        .assert()
        .success();

    let found = tmp.path().join("found");
    analyze_as_of(&full, &found, None);
    let as_of = report_as_of(&found);
    let as_of_date: NaiveDate = as_of.parse().expect("date");
    let window_from = (as_of_date - Duration::days(90)).to_string();

    let given = tmp.path().join("given");
    analyze_as_of(&full, &given, Some(&as_of));

    // The oracle: the same folder with the activity cut to the window.
    let cut = tmp.path().join("cut");
    std::fs::create_dir(&cut).expect("mkdir");
    let mut earliest = String::from("9999");
    for entry in std::fs::read_dir(&full).expect("list") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_owned();
        if name != "activity.csv" {
            std::fs::copy(&path, cut.join(&name)).expect("copy");
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let mut lines = text.lines();
        let header = lines.next().expect("header");
        let ts = header
            .split(',')
            .position(|c| c == "timestamp")
            .expect("timestamp column");
        let mut kept = vec![header.to_string()];
        for line in lines {
            let day = &line.split(',').nth(ts).expect("field")[..10];
            earliest = earliest.min(day.to_string());
            if day >= window_from.as_str() && day <= as_of.as_str() {
                kept.push(line.to_string());
            }
        }
        std::fs::write(cut.join(&name), kept.join("\n") + "\n").expect("write");
    }
    assert!(
        earliest < window_from,
        "the export must start before the window ({earliest} vs {window_from})"
    );
    let oracle = tmp.path().join("oracle");
    analyze_as_of(&cut, &oracle, Some(&as_of));

    for file in ["recommendations.csv", "devices.csv", "summary.csv"] {
        let want = read_csv(&oracle.join(file));
        assert!(!want.is_empty(), "{file} is empty");
        assert_eq!(
            read_csv(&found.join(file)),
            want,
            "{file}: window from the data"
        );
        assert_eq!(read_csv(&given.join(file)), want, "{file}: --as-of");
    }
}
