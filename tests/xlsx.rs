//! `report.xlsx` read back as Excel would: the sheets, money as numbers with the currency
//! format, user text as strings (never formulas), frozen header rows and autofilters.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{fixture, rightsize};

fn analyze(out: &Path) {
    rightsize()
        .args(["analyze", "--quiet", "--format", "xlsx,json", "--out"])
        .arg(out)
        .arg(fixture("classes"))
        .assert()
        .success();
}

/// Every XML part of the workbook, by name.
fn parts(path: &Path) -> BTreeMap<String, String> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).expect("xlsx")).expect("zip");
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("entry");
        let mut s = String::new();
        f.read_to_string(&mut s).expect("xml text");
        out.insert(f.name().expect("entry name").to_string(), s);
    }
    out
}

#[test]
fn sheets_money_and_user_text_are_typed() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    analyze(&out);
    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).expect("open");
    assert_eq!(
        wb.sheet_names(),
        [
            "Summary",
            "Recommendations",
            "Renewal",
            "Devices",
            "Bill",
            "Scenarios",
            "Deployment model",
            "Trials",
            "Data quality",
            "Method"
        ]
    );
    let rec = wb.worksheet_range("Recommendations").expect("sheet");
    let header: Vec<String> = rec
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let row = rec
        .rows()
        .find(|r| r[col("user id")] == Data::String("u-agent".into()))
        .expect("u-agent row");
    assert_eq!(
        row[col("monthly saving")],
        Data::Float(55.0),
        "money is a number"
    );
    assert_eq!(row[col("annual saving")], Data::Float(660.0));
    assert_eq!(
        row[col("name")],
        Data::String("=cmd|' /C calc'!A0".into()),
        "a formula-like name stays text"
    );
    assert!(
        matches!(row[col("active days")], Data::Float(f) if f > 0.0),
        "counts are numbers"
    );

    let summary = wb.worksheet_range("Summary").expect("summary");
    let total = summary
        .rows()
        .find(|r| r[0] == Data::String("total".into()))
        .expect("total row");
    assert_eq!(total[3], Data::Float(667.0));
    assert_eq!(total[4], Data::Float(8004.0));

    let xml = parts(&out.join("report.xlsx"));
    let styles = &xml["xl/styles.xml"];
    assert!(
        styles.contains("#,##0.00 &quot;USD&quot;"),
        "currency format: {styles}"
    );
    let sheets: Vec<_> = xml
        .iter()
        .filter(|(k, _)| k.starts_with("xl/worksheets/sheet"))
        .collect();
    assert_eq!(sheets.len(), 10);
    for (name, body) in sheets {
        assert!(
            !body.contains("<f>") && !body.contains("<f "),
            "{name}: no formula"
        );
        assert!(body.contains("state=\"frozen\""), "{name}: frozen header");
        assert!(body.contains("<autoFilter"), "{name}: autofilter");
        assert!(body.contains("<cols>"), "{name}: column widths");
    }
    let core = &xml["docProps/core.xml"];
    assert!(
        core.contains("2026-10-31T00:00:00Z"),
        "created = as-of: {core}"
    );
    assert!(core.contains("licence right-sizing"), "title: {core}");
}

#[test]
fn the_workbook_is_byte_identical_across_runs() {
    let tmp = tempfile::tempdir().expect("temp");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    analyze(&a);
    analyze(&b);
    let x = std::fs::read(a.join("report.xlsx")).expect("a");
    let y = std::fs::read(b.join("report.xlsx")).expect("b");
    assert!(x == y, "report.xlsx differs between runs");
}

#[test]
fn the_scenarios_sheet_holds_the_json_totals_as_numbers() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    rightsize()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "analyze",
            "sample-data",
            "--quiet",
            "--format",
            "xlsx,json",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("json"))
            .expect("parse");
    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).expect("open");
    let sheet = wb.worksheet_range("Scenarios").expect("sheet");
    let rows: Vec<_> = sheet.rows().collect();
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let expected = json["scenarios"]["rows"].as_array().expect("rows");
    assert_eq!(
        expected.len(),
        5,
        "current, recommended and the sample's three"
    );
    for (i, want) in expected.iter().enumerate() {
        let row = rows[i + 1];
        assert_eq!(
            row[col("scenario")].to_string(),
            want["name"].as_str().expect("name")
        );
        for (column, key) in [
            ("total a year", "annual_total"),
            ("saving against current", "annual_saving"),
        ] {
            let want: f64 = want[key].as_str().expect("amount").parse().expect("number");
            match &row[col(column)] {
                Data::Float(x) => assert!((x - want).abs() < 0.005, "{column}: {x} vs {want}"),
                other => panic!("{column} is not a number: {other:?}"),
            }
        }
    }
    // Below the table, the deflections with their own header.
    assert!(
        rows.iter().any(|r| r[0] == "scenario" && r[1] == "channel"),
        "deflection header"
    );
}
