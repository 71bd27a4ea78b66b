//! Helpers for the integration tests: run the real binary, parse its CSV outputs.
#![allow(dead_code)] // each test binary uses only some of the helpers

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A copy of fixture `name` in `root/in`, to change a file of it in a test.
pub fn copy_fixture(name: &str, root: &Path) -> PathBuf {
    let dir = root.join("in");
    std::fs::create_dir_all(&dir).expect("dir");
    for entry in std::fs::read_dir(fixture(name)).expect("fixture") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy");
    }
    dir
}

pub fn rightsize() -> Command {
    let mut c = Command::cargo_bin("rightsize").expect("binary is built");
    c.env("NO_COLOR", "1");
    c
}

/// Rows of a CSV file as maps from column name to value (the BOM is removed).
pub fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().expect("header").clone();
    rdr.records()
        .map(|r| {
            let r = r.expect("record");
            headers
                .iter()
                .map(str::to_string)
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// Class and flags per user id (lower-cased) of a report folder.
pub fn classes(report: &Path) -> BTreeMap<String, (String, String)> {
    read_csv(&report.join("recommendations.csv"))
        .into_iter()
        .map(|r| {
            (
                r["user_id"].to_lowercase(),
                (r["class"].clone(), r["flags"].clone()),
            )
        })
        .collect()
}

/// `rightsize analyze --quiet --out OUT DIR`, with `--as-of` when given; must succeed.
pub fn analyze_as_of(dir: &Path, out: &Path, as_of: Option<&str>) {
    let mut cmd = rightsize();
    cmd.args(["analyze", "--quiet", "--out"]).arg(out).arg(dir);
    if let Some(d) = as_of {
        cmd.args(["--as-of", d]);
    }
    cmd.assert().success();
}

/// The as-of date a report folder's `report.json` states.
pub fn report_as_of(report: &Path) -> String {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report.join("report.json")).expect("report.json"))
            .expect("json");
    json["as_of"].as_str().expect("as_of").to_string()
}
