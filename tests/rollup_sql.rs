//! The daily roll-up SQL in `sql/`, run through Polars' SQL context on a generated tenant's raw
//! audit, conversation and systemuser tables, gives the same classes as the raw-event path
//! under either own-record rule; a roll-up made under another rule than the policy's, a folder
//! holding a roll-up beside its raw sources, and a roll-up without device data are caught.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};

use common::{classes, read_csv, rightsize};
use polars::prelude::*;
use polars::sql::SQLContext;

fn load(path: &Path) -> LazyFrame {
    LazyCsvReader::new(PlRefPath::try_from_path(path).expect("path"))
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .finish()
        .expect("scan")
}

/// A generated tenant's raw Microsoft exports, with the sample's prices and a policy.
fn raw_tenant(root: &Path, own_record: &str) -> PathBuf {
    let raw = root.join("raw");
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
        format!("lookback_days = 34\n{own_record}"),
    )
    .expect("policy");
    raw
}

/// The roll-up computed by the repository's SQL file, with its one setting set to `rule`.
fn rollup(raw: &Path, rule: &str) -> DataFrame {
    let sql = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/user_day_rollup.sql"),
    )
    .expect("sql");
    let setting = "SELECT 'never' AS own_record_rule";
    assert_eq!(sql.matches(setting).count(), 1, "the SQL has one setting");
    let sql = sql.replace(setting, &format!("SELECT '{rule}' AS own_record_rule"));
    let mut ctx = SQLContext::new();
    ctx.register("audit", load(&raw.join("audits.csv")));
    ctx.register(
        "msdyn_ocliveworkitem",
        load(&raw.join("msdyn_ocliveworkitems.csv")),
    );
    ctx.register("systemuser", load(&raw.join("systemusers.csv")));
    let daily = ctx
        .execute(&sql)
        .expect("sql runs")
        .collect()
        .expect("collect");
    assert!(daily.height() > 100, "rows: {}", daily.height());
    let rules = daily
        .column("own_record_rule")
        .expect("the rule column")
        .unique()
        .expect("unique");
    assert_eq!(rules.len(), 1, "one rule in every row");
    daily
}

/// A folder with the roll-up in place of the raw audit and conversations; `keep` are the raw
/// folder's files that stay.
fn rolled_folder(root: &Path, raw: &Path, daily: &mut DataFrame, keep: &[&str]) -> PathBuf {
    let rolled = root.join("rolled");
    std::fs::create_dir(&rolled).expect("dir");
    for f in keep {
        std::fs::copy(raw.join(f), rolled.join(f)).expect("copy");
    }
    let mut file = File::create(rolled.join("activity_daily.csv")).expect("create");
    CsvWriter::new(&mut file).finish(daily).expect("write csv");
    rolled
}

const STAY: [&str; 7] = [
    "users.csv",
    "subscribedSkus.csv",
    "directorySubscriptions.csv",
    // the access modes: the roll-up carries no accessmode
    "systemusers.csv",
    "InteractiveSignIns_2026.csv",
    "prices.toml",
    "policy.toml",
];

fn analyze(input: &Path, out: &Path) -> assert_cmd::assert::Assert {
    rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(out)
        .arg(input)
        .assert()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).to_string()
}

fn same_classes(rule: &str, policy_line: &str) {
    let tmp = tempfile::tempdir().expect("temp");
    let raw = raw_tenant(tmp.path(), policy_line);
    let mut daily = rollup(&raw, rule);
    let rolled = rolled_folder(tmp.path(), &raw, &mut daily, &STAY);

    let (a, b) = (tmp.path().join("r-raw"), tmp.path().join("r-rolled"));
    analyze(&raw, &a).success();
    let out = analyze(&rolled, &b).success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let manifest = std::fs::read_to_string(b.join("manifest.json")).expect("manifest");
    assert!(
        manifest.contains("\"activity-daily\""),
        "the roll-up is read as activity-daily"
    );
    assert_same_classes(&a, &b, &format!("{rule}: {stdout}"));
}

/// The two reports give every user the same class and flags.
fn assert_same_classes(raw: &Path, rolled: &Path, context: &str) {
    let (x, y) = (classes(raw), classes(rolled));
    assert_eq!(x.len(), y.len());
    let differ: Vec<_> = x
        .iter()
        .filter(|(id, want)| y.get(*id) != Some(want))
        .map(|(id, want)| format!("{id}: raw {want:?}, roll-up {:?}", y.get(id)))
        .collect();
    assert!(differ.is_empty(), "{differ:#?}\n{context}");
}

#[test]
fn rollup_sql_gives_the_same_classes_as_raw_events_under_the_default_policy() {
    same_classes("never", "");
}

#[test]
fn rollup_sql_gives_the_same_classes_as_raw_events_with_own_records_by_creator() {
    same_classes("creator", "audit_own_record = \"creator\"\n");
}

#[test]
fn a_rollup_made_under_another_own_record_rule_stops_the_run() {
    let tmp = tempfile::tempdir().expect("temp");
    let raw = raw_tenant(tmp.path(), ""); // the default policy: never
    let mut daily = rollup(&raw, "creator");
    let rolled = rolled_folder(tmp.path(), &raw, &mut daily, &STAY);
    let out = tmp.path().join("report");
    let run = analyze(&rolled, &out).failure().code(1);
    let err = stderr(&run);
    for want in [
        "activity_daily.csv",
        "own_record_rule is \"creator\"",
        "audit_own_record = \"never\"",
        "audit_own_record = \"creator\" in policy.toml",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }
    assert!(!out.exists(), "nothing is written");
    let run = rightsize()
        .arg("validate")
        .arg(&rolled)
        .assert()
        .failure()
        .code(1);
    assert!(stderr(&run).contains("own_record_rule"), "{}", stderr(&run));
}

#[test]
fn a_rollup_without_its_rule_counts_no_own_records_and_says_so() {
    let tmp = tempfile::tempdir().expect("temp");
    let raw = raw_tenant(tmp.path(), "");
    // An older roll-up: own_record by the creator rule, and no column saying so.
    let mut daily = rollup(&raw, "creator")
        .drop("own_record_rule")
        .expect("drop");
    let rolled = rolled_folder(tmp.path(), &raw, &mut daily, &STAY);
    let (a, b) = (tmp.path().join("r-raw"), tmp.path().join("r-rolled"));
    analyze(&raw, &a).success();
    let run = analyze(&rolled, &b).success();
    let report = std::fs::read_to_string(b.join("report.json")).expect("report.json");
    assert!(
        report.contains("activity_daily.csv: a daily roll-up without an own_record_rule column"),
        "the report says so: {}",
        String::from_utf8_lossy(&run.get_output().stdout)
    );
    assert_same_classes(&a, &b, "own_record is read as never");
}

#[test]
fn a_rollup_beside_the_raw_exports_it_is_made_from_is_refused() {
    let tmp = tempfile::tempdir().expect("temp");
    let raw = raw_tenant(tmp.path(), "");
    let mut daily = rollup(&raw, "never");
    let mut keep = STAY.to_vec();
    keep.extend(["audits.csv", "msdyn_ocliveworkitems.csv", "systemusers.csv"]);
    let rolled = rolled_folder(tmp.path(), &raw, &mut daily, &keep);
    let out = tmp.path().join("report");
    let run = analyze(&rolled, &out).failure().code(1);
    let err = stderr(&run);
    for want in [
        "activity_daily.csv",
        "counted twice",
        "move audits.csv, msdyn_ocliveworkitems.csv out of the folder",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }
    assert!(!out.exists(), "nothing is written");
    rightsize()
        .arg("validate")
        .arg(&rolled)
        .assert()
        .failure()
        .code(1);
    // systemuser and the sign-in log may stay beside the roll-up.
    std::fs::remove_file(rolled.join("audits.csv")).expect("rm");
    std::fs::remove_file(rolled.join("msdyn_ocliveworkitems.csv")).expect("rm");
    analyze(&rolled, &out).success();
}

#[test]
fn a_rollup_without_device_data_says_so_and_lowers_confidence() {
    let tmp = tempfile::tempdir().expect("temp");
    let raw = raw_tenant(tmp.path(), "");
    let mut daily = rollup(&raw, "never");
    // No sign-in log: nothing says which device anyone worked on.
    let rolled = rolled_folder(
        tmp.path(),
        &raw,
        &mut daily,
        &[
            "users.csv",
            "subscribedSkus.csv",
            "prices.toml",
            "policy.toml",
        ],
    );
    let (with, without) = (tmp.path().join("r-signins"), tmp.path().join("r-none"));
    analyze(&raw, &with).success();
    analyze(&rolled, &without).success();

    let validate = rightsize()
        .arg("validate")
        .arg(&rolled)
        .assert()
        .failure()
        .code(1);
    let stdout = String::from_utf8_lossy(&validate.get_output().stdout).to_string();
    assert!(
        stdout.contains("NOT TRUSTED: no activity source carries device ids"),
        "{stdout}"
    );
    let report = std::fs::read_to_string(without.join("report.json")).expect("report.json");
    assert!(
        report.contains("shared devices cannot be detected"),
        "a data-quality warning"
    );

    let before: std::collections::BTreeMap<String, _> = read_csv(&with.join("recommendations.csv"))
        .into_iter()
        .map(|r| (r["user_id"].to_lowercase(), r))
        .collect();
    let rows = read_csv(&without.join("recommendations.csv"));
    let device_users: Vec<_> = before
        .values()
        .filter(|r| r["class"] == "device")
        .map(|r| r["user_id"].to_lowercase())
        .collect();
    assert!(!device_users.is_empty(), "the tenant has shared devices");
    let mut noted = 0;
    for r in &rows {
        let id = r["user_id"].to_lowercase();
        let judged = ["team-member", "activity", "full"].contains(&r["class"].as_str());
        let note = r["reasons"].contains("no device data: shared devices cannot be detected");
        assert!(
            !judged || note || r["confidence"] == "low",
            "{id}: a {} recommendation without the note keeps {} confidence",
            r["class"],
            r["confidence"]
        );
        if device_users.contains(&id) {
            assert!(
                r["confidence"] != "high",
                "{id}: a shared-device user judged without device data: {r:?}"
            );
        }
        noted += usize::from(note);
    }
    assert!(noted > 0, "the reason is given");
}
