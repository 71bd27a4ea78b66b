//! Activity events as Parquet give the same classes and money as the same events as CSV, with
//! typed columns (a real timestamp, a boolean own_record) as Parquet writers produce them.

mod common;

use std::fs::File;

use common::{fixture, read_csv, rightsize};
use polars::prelude::*;

#[test]
fn parquet_activity_matches_csv() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = tmp.path().join("in");
    std::fs::create_dir(&dir).expect("dir");
    for f in [
        "assignments.csv",
        "subscriptions.csv",
        "prices.toml",
        "policy.toml",
    ] {
        std::fs::copy(fixture("classes").join(f), dir.join(f)).expect("copy");
    }
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(fixture("classes").join("activity.csv")))
        .expect("reader")
        .finish()
        .expect("read csv");
    // typed columns: timestamps as Datetime, own_record as Boolean
    let ts = df
        .column("timestamp")
        .expect("ts")
        .str()
        .expect("str")
        .iter()
        .map(|v| {
            v.and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                .map(|d| d.timestamp_millis())
        })
        .collect::<Int64Chunked>()
        .into_series()
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
        .expect("cast");
    let own: BooleanChunked = df
        .column("own_record")
        .expect("own")
        .str()
        .expect("str")
        .iter()
        .map(|v| v.map(|s| s == "true"))
        .collect();
    df.with_column(ts.with_name("timestamp".into()).into_column())
        .expect("ts col");
    df.with_column(
        own.into_series()
            .with_name("own_record".into())
            .into_column(),
    )
    .expect("own col");
    let mut file = File::create(dir.join("events.parquet")).expect("create");
    ParquetWriter::new(&mut file)
        .finish(&mut df)
        .expect("write parquet");

    let (a, b) = (tmp.path().join("csv"), tmp.path().join("parquet"));
    rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&a)
        .arg(fixture("classes"))
        .assert()
        .success();
    rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&b)
        .arg(&dir)
        .assert()
        .success();
    let pick = |p: &std::path::Path| -> Vec<(String, String, String, String)> {
        read_csv(&p.join("recommendations.csv"))
            .into_iter()
            .map(|r| {
                (
                    r["user_id"].clone(),
                    r["class"].clone(),
                    r["flags"].clone(),
                    r["monthly_saving"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(pick(&a), pick(&b));
    let manifest = std::fs::read_to_string(b.join("manifest.json")).expect("manifest");
    assert!(manifest.contains("events.parquet"), "parquet input listed");
}

#[test]
fn a_parquet_timestamp_out_of_range_is_a_rejected_row() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = tmp.path().join("in");
    std::fs::create_dir(&dir).expect("dir");
    for f in ["assignments.csv", "prices.toml"] {
        std::fs::copy(fixture("classes").join(f), dir.join(f)).expect("copy");
    }
    let ok = chrono::DateTime::parse_from_rfc3339("2026-10-01T09:00:00Z")
        .expect("date")
        .timestamp_millis();
    // Any 64-bit value is a valid Parquet timestamp; these lie hundreds of millennia away.
    let ms = [ok, 10_000_000_000_000_000, ok, -10_000_000_000_000_000];
    let ts = Int64Chunked::from_slice("timestamp".into(), &ms)
        .into_series()
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
        .expect("cast");
    let mut df = DataFrame::new(
        4,
        vec![
            Column::new("user_id".into(), ["u-agent"; 4]),
            ts.into_column(),
            Column::new("operation".into(), ["update", "read", "read", "read"]),
            Column::new("table".into(), ["incident"; 4]),
        ],
    )
    .expect("frame");
    let out = analyze_events(tmp.path(), &dir, &mut df, None);
    let got: Vec<String> = read_csv(&out.join("rejected.csv"))
        .iter()
        .map(|r| {
            format!(
                "{}: row {}: {}: {}",
                r["file"], r["row"], r["column"], r["problem"]
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "events.parquet: row 2: timestamp: timestamp out of range",
            "events.parquet: row 4: timestamp: timestamp out of range",
        ]
    );
    let agent = read_csv(&out.join("recommendations.csv"))
        .into_iter()
        .find(|r| r["user_id"] == "u-agent")
        .expect("u-agent");
    assert_eq!(agent["last_active"], "2026-10-01");
}

/// The first rejected rows of a Parquet file are located by reading it in growing slices
/// from its start: rows far apart, in row groups of their own, keep their own row numbers,
/// and the first 10,000 are kept whatever slice they fall in.
#[test]
fn parquet_rejected_rows_keep_their_rows_across_slices() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = tmp.path().join("in");
    std::fs::create_dir(&dir).expect("dir");
    for f in ["assignments.csv", "prices.toml"] {
        std::fs::copy(fixture("classes").join(f), dir.join(f)).expect("copy");
    }
    let n = 1_500_000usize;
    // Rejected: rows 1 and 300,000 (1-based, the first two slices), and every row from
    // 1,400,001 on (100,000 rows, in the third slice): 10,000 are kept, all are counted.
    let bad = |i: usize| i == 0 || i == 299_999 || i >= 1_400_000;
    let ops: Vec<&str> = (0..n)
        .map(|i| if bad(i) { "frobnicate" } else { "read" })
        .collect();
    let ok = chrono::DateTime::parse_from_rfc3339("2026-10-01T09:00:00Z")
        .expect("date")
        .timestamp_millis();
    let ts = Int64Chunked::from_vec("timestamp".into(), vec![ok; n])
        .into_series()
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
        .expect("cast");
    let mut df = DataFrame::new(
        n,
        vec![
            Column::new("user_id".into(), vec!["u-agent"; n]),
            ts.into_column(),
            Column::new("operation".into(), ops),
            Column::new("table".into(), vec!["incident"; n]),
        ],
    )
    .expect("frame");
    let out = analyze_events(tmp.path(), &dir, &mut df, Some(100_000));
    let rows: Vec<u64> = read_csv(&out.join("rejected.csv"))
        .iter()
        .map(|r| r["row"].parse().expect("a row number"))
        .collect();
    assert_eq!(rows.len(), 10_000);
    assert_eq!(&rows[..3], [1, 300_000, 1_400_001]);
    assert_eq!(rows.last(), Some(&1_409_998));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).expect("m"))
            .expect("json");
    let file = manifest["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .find(|f| f["file"] == "events.parquet")
        .expect("events.parquet listed");
    assert_eq!(file["rows_rejected"], 100_002, "{file}");
}

/// Writes `df` as `dir/events.parquet` (in row groups of `row_group` rows when given), runs
/// `analyze` on `dir` into `tmp/r`, checks that it succeeded without a panic, and returns the
/// report folder.
fn analyze_events(
    tmp: &std::path::Path,
    dir: &std::path::Path,
    df: &mut DataFrame,
    row_group: Option<usize>,
) -> std::path::PathBuf {
    let mut file = File::create(dir.join("events.parquet")).expect("create");
    ParquetWriter::new(&mut file)
        .with_row_group_size(row_group)
        .finish(df)
        .expect("write parquet");
    let out = tmp.join("r");
    let run = rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&out)
        .arg(dir)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    out
}
