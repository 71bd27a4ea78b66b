//! Without `--as-of` the window's end is guessed from a sample of each source, so that an
//! export longer than the lookback is read once. A wrong guess must cost only a second read:
//! here the latest day is one row in the middle of a file too large to be read whole for the
//! sample, so the guess is a day early, and the results must be those of `--as-of` the true
//! latest day.

mod common;

use chrono::NaiveDate;
use common::*;

#[test]
fn a_latest_day_the_sample_misses_still_gives_the_true_window() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("tenant");
    // 130 days against the default 90-day lookback, about 10 MB of events.
    rightsize()
        .args([
            "generate", "--users", "300", "--days", "130", "--seed", "7", "--out",
        ])
        .arg(&dir)
        .assert()
        .success();
    let path = dir.join("activity.csv");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.len() > 8 << 20, "too small: {} bytes", text.len());
    let mut lines: Vec<&str> = text.lines().collect();
    let latest = lines[1..]
        .iter()
        .map(|l| &l.split(',').nth(1).expect("timestamp")[..10])
        .max()
        .expect("rows")
        .to_string();
    let next: NaiveDate = latest.parse::<NaiveDate>().expect("date") + chrono::Duration::days(1);
    // One row a day later, between the sample points (1/64 of the file apart).
    let at = lines.len() / 128;
    let mut row: Vec<String> = lines[at].split(',').map(str::to_string).collect();
    row[1] = format!("{next}T12:00:00Z");
    let row = row.join(",");
    lines.insert(at, &row);
    std::fs::write(&path, lines.join("\n") + "\n").expect("write");

    let found = tmp.path().join("found");
    analyze_as_of(&dir, &found, None);
    let as_of = report_as_of(&found);
    assert_eq!(as_of, next.to_string(), "the window ends at the latest row");
    let given = tmp.path().join("given");
    analyze_as_of(&dir, &given, Some(&as_of));
    for file in ["recommendations.csv", "devices.csv", "summary.csv"] {
        let want = read_csv(&given.join(file));
        assert!(!want.is_empty(), "{file} is empty");
        assert_eq!(read_csv(&found.join(file)), want, "{file}");
    }
}
