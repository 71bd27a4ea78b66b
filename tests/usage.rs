//! Usage and capacity inputs (spec section 8): the Cost Management export in each schema with
//! totals computed by hand, Parquet, rejected rows with their lines, a foreign currency, the
//! policy's bill-line rules, and the capacity files.

mod common;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use common::{fixture, rightsize};
use rightsize::analysis::{self, Analysis, Options};
use rightsize::progress::Progress;
use rightsize::usage::{Month, Resource, Usage};
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

fn m(s: &str) -> Month {
    Month::parse(s).expect("month")
}

/// A folder with the `classes` fixture's assignments and prices and the given files.
fn folder(tmp: &Path, name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = tmp.join(name);
    std::fs::create_dir_all(&dir).expect("dir");
    for f in ["assignments.csv", "prices.toml"] {
        std::fs::copy(fixture("classes").join(f), dir.join(f)).expect("copy");
    }
    for (f, bytes) in files {
        std::fs::write(dir.join(f), bytes).expect("write");
    }
    dir
}

fn with_fixture(tmp: &Path, name: &str) -> PathBuf {
    let src = fixture(name);
    let files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&src)
        .expect("fixture")
        .map(|e| {
            let p = e.expect("entry").path();
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                std::fs::read(&p).expect("read"),
            )
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    folder(tmp, name, &refs)
}

fn analyse(dir: &Path) -> Analysis {
    let opts = Options {
        dir: dir.to_path_buf(),
        prices: None,
        policy: None,
        scenarios: None,
        as_of: Some(chrono::NaiveDate::from_ymd_opt(2026, 10, 31).expect("date")),
        encoding: None,
    };
    analysis::run(&opts, &Progress::new(true)).expect("analysis")
}

fn month_of(u: &Usage, line: &str, month: &str) -> Option<Decimal> {
    u.line(line).and_then(|l| l.months.get(&m(month)).copied())
}

/// The fixtures hold the same eleven rows in each schema (see tests/fixtures/usage-*): the
/// window is 2026-08-02 to 2026-10-31, so September and October are the run-rate months
/// (August is partial, November is after the window).
#[test]
fn each_schema_gives_the_hand_computed_totals() {
    let tmp = tempfile::tempdir().expect("temp");
    // FOCUS names the Copilot row's service "Power Platform" (ServiceName), the other schemas
    // `microsoft.powerplatform` (ConsumedService): the built-in rule takes both.
    let cases = [
        ("usage-ea", "12.34", 1, "2.304"),
        ("usage-mca", "12.34", 1, "2.304"),
        ("usage-payg", "12.34", 1, "2.304"),
        ("usage-focus12", "12.34", 1, "2.304"),
        ("usage-focus10", "12.34", 1, "2.304"),
    ];
    for (name, copilot, unmatched_rows, unmatched_total) in cases {
        let a = analyse(&with_fixture(tmp.path(), name));
        let u = &a.usage;
        assert!(u.cost_data, "{name}");
        assert_eq!(
            u.months,
            vec![m("2026-08"), m("2026-09"), m("2026-10"), m("2026-11")],
            "{name}"
        );
        assert_eq!(
            u.run_rate_months,
            vec![m("2026-09"), m("2026-10")],
            "{name}"
        );
        // voice: 22.00 + 6.50 in September; a refund of -1.10 in October
        assert_eq!(month_of(u, "voice", "2026-08"), Some(d("2.20")), "{name}");
        assert_eq!(month_of(u, "voice", "2026-09"), Some(d("28.50")), "{name}");
        assert_eq!(month_of(u, "voice", "2026-10"), Some(d("-1.10")), "{name}");
        assert_eq!(month_of(u, "voice", "2026-11"), Some(d("5.00")), "{name}");
        let voice = u.line("voice").expect("voice");
        assert_eq!(voice.rows, 5, "{name}");
        assert_eq!(
            voice.monthly,
            Some(d("13.70")),
            "{name}: (28.50 - 1.10) / 2"
        );
        assert_eq!(voice.annual, Some(d("164.40")), "{name}");
        // recording is matched before voice (meter *record*)
        assert_eq!(
            month_of(u, "recording", "2026-09"),
            Some(d("1.234567")),
            "{name}"
        );
        assert_eq!(
            u.line("recording").and_then(|l| l.annual),
            Some(d("7.407402")),
            "{name}: 12 × 1.234567 / 2"
        );
        assert_eq!(
            month_of(u, "phone-numbers", "2026-10"),
            Some(d("4.00")),
            "{name}"
        );
        assert_eq!(month_of(u, "sms", "2026-10"), Some(d("0.75")), "{name}");
        assert_eq!(
            month_of(u, "whatsapp", "2026-10"),
            Some(d("0.005")),
            "{name}"
        );
        assert_eq!(
            u.line("whatsapp").and_then(|l| l.monthly),
            Some(d("0.0025")),
            "{name}"
        );
        let copilot_annual = d(copilot) * d("6");
        assert_eq!(
            u.line("copilot-credits").and_then(|l| l.annual),
            Some(copilot_annual),
            "{name}"
        );
        assert_eq!(u.unmatched.rows, unmatched_rows, "{name}");
        assert_eq!(u.unmatched.total, d(unmatched_total), "{name}");
        let file = a
            .folder
            .files
            .iter()
            .find(|f| f.name == "costs.csv")
            .expect("listed");
        assert_eq!(file.kind.map(|k| k.as_str()), Some("usage"), "{name}");
        assert_eq!((file.rows_read, file.rows_rejected), (11, 0), "{name}");
    }
}

#[test]
fn capacity_files_give_consumption_and_the_peak_full_month() {
    let tmp = tempfile::tempdir().expect("temp");
    let a = analyse(&with_fixture(tmp.path(), "usage-ea"));
    let u = &a.usage;
    let credits = u.resource(Resource::CopilotCredits).expect("credits");
    // two October rows add up; August is partial, so its 90,000 is not the peak
    assert_eq!(credits.months[&m("2026-10")], d("31000.5"));
    let peak = credits.peak.expect("peak");
    assert_eq!((peak.month, peak.consumed), (m("2026-09"), d("35000")));
    let file = u.resource(Resource::DataverseFileGb).expect("file GB");
    assert_eq!(file.peak.map(|p| p.consumed), Some(d("42.75")));
    assert!(
        u.resource(Resource::RecordRoutes).is_none(),
        "no data, no row"
    );
    let site = &u.pages[0];
    assert_eq!(site.site.resource, "site-a");
    assert_eq!(site.months[&m("2026-09")].authenticated, d("65"), "40 + 25");
    assert_eq!(site.months[&m("2026-09")].anonymous, d("300"));
    assert_eq!(site.months[&m("2026-10")].authenticated, d("50"));
    assert_eq!(site.peak_authenticated.map(|p| p.month), Some(m("2026-09")));
    let kinds: Vec<_> = a
        .folder
        .files
        .iter()
        .filter(|f| f.name == "capacity.csv" || f.name == "powerpages.csv")
        .map(|f| (f.kind.map(|k| k.as_str()), f.rows_read))
        .collect();
    assert_eq!(kinds, vec![(Some("capacity"), 7), (Some("capacity"), 4)]);
}

#[test]
fn focus_parquet_with_typed_columns_gives_the_csv_totals() {
    use polars::prelude::*;
    let tmp = tempfile::tempdir().expect("temp");
    let csv_dir = with_fixture(tmp.path(), "usage-focus12");
    let want = analyse(&csv_dir).usage;
    let pq_dir = folder(tmp.path(), "parquet", &[]);
    let mut df = CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(csv_dir.join("costs.csv")))
        .expect("reader")
        .finish()
        .expect("csv");
    // Cost Management's Parquet has typed columns: a timestamp and a number.
    df = df
        .lazy()
        .with_columns([
            col("BilledCost").cast(DataType::Float64),
            col("ChargePeriodStart").str().to_datetime(
                Some(TimeUnit::Milliseconds),
                None,
                StrptimeOptions {
                    format: Some("%Y-%m-%dT%H:%M:%SZ".into()),
                    ..Default::default()
                },
                lit("raise"),
            ),
        ])
        .collect()
        .expect("typed");
    let mut file = std::fs::File::create(pq_dir.join("costs.parquet")).expect("create");
    ParquetWriter::new(&mut file)
        .finish(&mut df)
        .expect("parquet");
    let a = analyse(&pq_dir);
    assert_eq!(a.usage, want);
    let f = a
        .folder
        .files
        .iter()
        .find(|f| f.name == "costs.parquet")
        .expect("listed");
    assert_eq!(f.kind.map(|k| k.as_str()), Some("usage"));
}

const EA_HEADER: &str = "Date,MeterCategory,MeterSubCategory,MeterName,Quantity,\
                         CostInBillingCurrency,BillingCurrencyCode,ConsumedService\n";

#[test]
fn bad_rows_are_rejected_with_file_line_and_column() {
    let tmp = tempfile::tempdir().expect("temp");
    let text = format!(
        "{EA_HEADER}\
         09/01/2026,Voice,,Standard Inbound,1,10.00,USD,microsoft.communication\n\
         09/02/2026,Voice,,Standard Inbound,1,n/a,USD,microsoft.communication\n\
         09/03/2026,Voice,\"two\nlines\",Standard Inbound,1,1.00,USD,microsoft.communication\n\
         2026-09-04,Voice,,Standard Inbound,1,100.00,USD,microsoft.communication\n\
         09/05/2026,Voice,,Standard Inbound,1,,USD,microsoft.communication\n\
         09/06/2026,Voice,,Standard Inbound,1,0.50,USD,microsoft.communication\n"
    );
    let dir = folder(
        tmp.path(),
        "bad",
        &[
            ("costs.csv", text.as_bytes()),
            (
                "capacity.csv",
                b"month,resource,consumed\n2026-09,copilot-credit,5\n2026-9,ivr-minutes,1\n\
                  2026-09,ivr-minutes,lots\n2026-09,ivr-minutes,7\n",
            ),
        ],
    );
    let out = rightsize()
        .args(["validate", "--as-of", "2026-10-31", "-q"])
        .arg(&dir)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for want in [
        // validate groups the rejected rows by file, column and kind, with the first line
        "costs.csv: CostInBillingCurrency: 1 row: is not a number; values n/a (1); first at line 3",
        // the quoted newline makes line 6 the fifth data row
        "costs.csv: Date: 1 row: is not a date in the file's format (US M/D/YYYY",
        "values 2026-09-04 (1); first at line 6",
        "costs.csv: CostInBillingCurrency: 1 row: no cost; first at line 7",
        "capacity.csv: resource: 1 row: unknown resource \"copilot-credit\"",
        "capacity.csv: month: 1 row: is not a month like 2026-10; values 2026-9 (1); first at line 3",
        "capacity.csv: consumed: 1 row: is not a number; values lots (1); first at line 4",
        "costs.csv                    usage",
        "rows 3 rejected 3",
        "capacity.csv                 capacity",
        "rows 1 rejected 3",
        "2026-09 11.5;",
        "capacity ivr-minutes: 2026-09 7;",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in:\n{stdout}");
    }
}

#[test]
fn rejected_rows_of_a_large_export_keep_their_lines() {
    // Enough rows for the streaming engine to hand over several batches, which must arrive
    // in order for the row count to give the line.
    let tmp = tempfile::tempdir().expect("temp");
    let mut text = String::from(EA_HEADER);
    let n = 300_000;
    for i in 0..n {
        let cost = if i == n - 7 { "oops" } else { "0.01" };
        text.push_str(&format!(
            "10/{:02}/2026,SMS,,Toll-free Message,1,{cost},USD,microsoft.communication\n",
            1 + i % 28
        ));
    }
    let dir = folder(tmp.path(), "large", &[("costs.csv", text.as_bytes())]);
    let a = analyse(&dir);
    let bad: Vec<String> = a.rejected.iter().map(ToString::to_string).collect();
    let line = n - 7 + 2;
    assert_eq!(
        bad,
        vec![format!(
            "costs.csv:{line}: CostInBillingCurrency: \"oops\" is not a number"
        )]
    );
    let sms = a.usage.line("sms").expect("sms");
    assert_eq!(sms.rows, n - 1);
    assert_eq!(sms.months[&m("2026-10")], d("0.01") * Decimal::from(n - 1));
}

#[test]
fn a_foreign_currency_stops_the_run_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("temp");
    let text = format!(
        "{EA_HEADER}\
         09/01/2026,Voice,,Standard Inbound,1,10.00,USD,microsoft.communication\n\
         09/02/2026,Voice,,Standard Inbound,1,9.00,EUR,microsoft.communication\n"
    );
    let dir = folder(tmp.path(), "eur", &[("costs.csv", text.as_bytes())]);
    let out_dir = tmp.path().join("report");
    let out = rightsize()
        .args(["analyze", "--as-of", "2026-10-31", "-q", "--out"])
        .arg(&out_dir)
        .arg(&dir)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for want in ["costs.csv:3", "BillingCurrencyCode", "EUR", "USD"] {
        assert!(stderr.contains(want), "missing {want:?} in {stderr}");
    }
    assert!(!out_dir.exists(), "nothing is written");
}

#[test]
fn policy_rules_replace_the_built_in_bill_lines() {
    let tmp = tempfile::tempdir().expect("temp");
    let text = format!(
        "{EA_HEADER}\
         09/01/2026,Voice,,Standard Inbound,1,10.00,USD,microsoft.communication\n\
         09/02/2026,Virtual Machines,,D2s v3,1,3.00,USD,Microsoft.Compute\n\
         09/03/2026,SMS,,Toll-free Message,1,1.00,USD,microsoft.communication\n"
    );
    let policy = "[[usage.line]]\nline = \"calls\"\ncategory = \"voice\"\n\n\
                  [[usage.line]]\nline = \"machines\"\nservice = \"microsoft.*\"\nmeter = \"d?s*\"\n";
    let dir = folder(
        tmp.path(),
        "rules",
        &[
            ("costs.csv", text.as_bytes()),
            ("policy.toml", policy.as_bytes()),
        ],
    );
    let u = analyse(&dir).usage;
    let names: Vec<&str> = u.lines.iter().map(|l| l.line.as_str()).collect();
    assert_eq!(names, ["calls", "machines"]);
    assert_eq!(month_of(&u, "calls", "2026-09"), Some(d("10.00")));
    assert_eq!(month_of(&u, "machines", "2026-09"), Some(d("3.00")));
    assert_eq!((u.unmatched.rows, u.unmatched.total), (1, d("1.00")));
}

#[test]
fn two_exports_of_one_month_add_up_and_say_so() {
    let tmp = tempfile::tempdir().expect("temp");
    let row = |day: u32, cost: &str| {
        format!("09/{day:02}/2026,Voice,,Standard Inbound,1,{cost},USD,microsoft.communication\n")
    };
    let a = format!("{EA_HEADER}{}", row(1, "10.00"));
    let b = format!("{EA_HEADER}{}{}", row(2, "2.50"), row(3, "0.25"));
    let dir = folder(
        tmp.path(),
        "two",
        &[("costs-a.csv", a.as_bytes()), ("costs-b.csv", b.as_bytes())],
    );
    let u = analyse(&dir).usage;
    assert_eq!(month_of(&u, "voice", "2026-09"), Some(d("12.75")));
    assert!(
        u.notes
            .iter()
            .any(|n| n.contains("2026-09 (costs-a.csv, costs-b.csv)")),
        "{:?}",
        u.notes
    );
}

#[test]
fn without_a_cost_export_usage_is_unknown() {
    let tmp = tempfile::tempdir().expect("temp");
    let u = analyse(&folder(tmp.path(), "none", &[])).usage;
    assert!(!u.cost_data);
    assert!(
        u.lines
            .iter()
            .all(|l| l.monthly.is_none() && l.annual.is_none())
    );
    assert!(u.capacity.is_empty() && u.pages.is_empty());
}

#[test]
fn generated_cost_exports_agree_across_schemas_and_are_deterministic() {
    let tmp = tempfile::tempdir().expect("temp");
    let generate = |schema: &str, name: &str| -> PathBuf {
        let out = tmp.path().join(name);
        rightsize()
            .args([
                "generate",
                "--users",
                "120",
                "--days",
                "70",
                "--seed",
                "5",
                "--cost-schema",
                schema,
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        out
    };
    let ea = generate("ea", "ea");
    let again = generate("ea", "again");
    for f in ["cost-export.csv", "capacity.csv"] {
        let read = |d: &Path| std::fs::read(d.join(f)).expect("generated");
        assert!(read(&ea) == read(&again), "{f}: same seed, same file");
    }
    let want = analyse(&ea).usage;
    // 70 days to 2026-10-31 start on 2026-08-23: the bill covers the whole months after.
    assert_eq!(want.months, vec![m("2026-09"), m("2026-10")]);
    for line in ["voice", "recording", "phone-numbers", "sms", "whatsapp"] {
        let l = want.line(line).expect("line");
        assert!(
            l.monthly.is_some_and(|v| v > Decimal::ZERO),
            "{line}: {l:?}"
        );
    }
    assert!(
        want.unmatched.rows > 0,
        "the virtual machine stays off the bill"
    );
    let credits = want.resource(Resource::CopilotCredits).expect("credits");
    assert!(credits.peak.is_some_and(|p| p.consumed > Decimal::ZERO));
    assert_eq!(want.capacity.len(), Resource::ALL.len());
    for schema in ["mca", "payg", "focus"] {
        let mut got = analyse(&generate(schema, schema)).usage;
        let mut want = want.clone();
        if schema == "focus" {
            // FOCUS names the virtual machine's service "Virtual Machines", not
            // "Microsoft.Compute"; the rows and totals are the same.
            assert_eq!(got.unmatched.by_category[0].service, "Virtual Machines");
            got.unmatched.by_category.clear();
            want.unmatched.by_category.clear();
            got.notes.clear();
            want.notes.clear();
        }
        assert_eq!(got, want, "{schema}");
    }
}

#[test]
fn a_first_date_in_no_known_format_stops_with_file_and_column() {
    let tmp = tempfile::tempdir().expect("temp");
    let text = format!(
        "{EA_HEADER}\
         01.09.2026,Voice,,Standard Inbound,1,10.00,USD,microsoft.communication\n"
    );
    let dir = folder(tmp.path(), "dates", &[("costs.csv", text.as_bytes())]);
    let out = rightsize()
        .args(["validate", "--as-of", "2026-10-31", "-q"])
        .arg(&dir)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("costs.csv: Date: the first date \"01.09.2026\" is neither ISO 8601"),
        "{stderr}"
    );
}

#[test]
fn a_rejected_parquet_row_is_named_by_its_row() {
    use polars::prelude::*;
    let tmp = tempfile::tempdir().expect("temp");
    let text = format!(
        "{EA_HEADER}\
         09/01/2026,Voice,,Standard Inbound,1,10.00,USD,microsoft.communication\n\
         09/02/2026,Voice,,Standard Inbound,1,n/a,USD,microsoft.communication\n"
    );
    let csv = tmp.path().join("costs.csv");
    std::fs::write(&csv, text).expect("csv");
    let mut df = CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(csv))
        .expect("reader")
        .finish()
        .expect("read");
    let dir = folder(tmp.path(), "pq", &[]);
    let mut file = std::fs::File::create(dir.join("costs.parquet")).expect("create");
    ParquetWriter::new(&mut file)
        .finish(&mut df)
        .expect("parquet");
    let a = analyse(&dir);
    let bad: Vec<String> = a.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(
        bad,
        vec!["costs.parquet: row 2: CostInBillingCurrency: \"n/a\" is not a number".to_string()]
    );
    assert_eq!(month_of(&a.usage, "voice", "2026-09"), Some(d("10.00")));
}
