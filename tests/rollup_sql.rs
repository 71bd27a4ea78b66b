//! The daily roll-up SQL in `sql/`, run through Polars' SQL context on a generated tenant's raw
//! audit, conversation and systemuser tables, gives the same classes as the raw-event path.

mod common;

use std::fs::File;
use std::path::Path;

use common::{classes, rightsize};
use polars::prelude::*;
use polars::sql::SQLContext;

fn load(path: &Path) -> LazyFrame {
    LazyCsvReader::new(PlRefPath::try_from_path(path).expect("path"))
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .finish()
        .expect("scan")
}

#[test]
fn rollup_sql_gives_the_same_classes_as_raw_events() {
    let tmp = tempfile::tempdir().expect("temp");
    let raw = tmp.path().join("raw");
    rightsize()
        .args([
            "generate",
            "--users",
            "120",
            "--days",
            "35",
            "--seed",
            "11",
            "--format",
            "microsoft",
            "--out",
        ])
        .arg(&raw)
        .assert()
        .success();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/prices.toml");
    std::fs::copy(&sample, raw.join("prices.toml")).expect("prices");
    std::fs::write(
        raw.join("policy.toml"),
        "lookback_days = 34\naudit_own_record = \"creator\"\n",
    )
    .expect("policy");

    // The roll-up, computed by the repository's SQL file.
    let sql = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/user_day_rollup.sql"),
    )
    .expect("sql");
    let mut ctx = SQLContext::new();
    ctx.register("audit", load(&raw.join("audits.csv")));
    ctx.register(
        "msdyn_ocliveworkitem",
        load(&raw.join("msdyn_ocliveworkitems.csv")),
    );
    ctx.register("systemuser", load(&raw.join("systemusers.csv")));
    let mut daily = ctx
        .execute(&sql)
        .expect("sql runs")
        .collect()
        .expect("collect");
    assert!(daily.height() > 100, "rows: {}", daily.height());

    let rolled = tmp.path().join("rolled");
    std::fs::create_dir(&rolled).expect("dir");
    for f in [
        "users.csv",
        "subscribedSkus.csv",
        "InteractiveSignIns_2026.csv",
        "prices.toml",
        "policy.toml",
    ] {
        std::fs::copy(raw.join(f), rolled.join(f)).expect("copy");
    }
    let mut file = File::create(rolled.join("activity_daily.csv")).expect("create");
    CsvWriter::new(&mut file)
        .finish(&mut daily)
        .expect("write csv");

    let (a, b) = (tmp.path().join("r-raw"), tmp.path().join("r-rolled"));
    rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&a)
        .arg(&raw)
        .assert()
        .success();
    let out = rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&b)
        .arg(&rolled)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let manifest = std::fs::read_to_string(b.join("manifest.json")).expect("manifest");
    assert!(
        manifest.contains("\"activity-daily\""),
        "the roll-up is read as activity-daily"
    );
    let (x, y) = (classes(&a), classes(&b));
    assert_eq!(x.len(), y.len());
    for (id, want) in &x {
        assert_eq!(y.get(id), Some(want), "{id}: {stdout}");
    }
}
