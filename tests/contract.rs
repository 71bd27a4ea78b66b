//! The contract in the price book: discounts, negotiated prices, uplifts and volume tiers set
//! the prices every row is computed with; bad contract data stops the run naming the key.

mod common;

use std::path::Path;

use common::{copy_fixture, read_csv, rightsize};

/// The `classes` fixture with `extra` appended to its prices.toml.
fn tenant(root: &Path, extra: &str) -> std::path::PathBuf {
    let dir = copy_fixture("classes", root);
    let prices = dir.join("prices.toml");
    let mut text = std::fs::read_to_string(&prices).expect("prices");
    text.push_str(extra);
    std::fs::write(&prices, text).expect("write");
    dir
}

/// (current monthly, monthly saving) of one user.
fn money_of(out: &Path, user: &str) -> (String, String) {
    let rows = read_csv(&out.join("recommendations.csv"));
    let r = rows
        .iter()
        .find(|r| r["user_id"] == user)
        .unwrap_or_else(|| panic!("{user} in the report"));
    (r["current_monthly"].clone(), r["monthly_saving"].clone())
}

fn analyze(dir: &Path, out: &Path) {
    rightsize()
        .args(["analyze", "--quiet", "--format", "csv,json", "--out"])
        .arg(out)
        .arg(dir)
        .assert()
        .success();
}

const ENTERPRISE: &str = r#"
[[sku]]
id = "DYN365_ENTERPRISE_CUSTOMER_SERVICE"
names = ["Dynamics 365 for Customer Service Enterprise Edition"]
kind = "base"
family = "customer-service"
monthly = "105.00"
currency = "USD"
source = "test"
"#;

#[test]
fn contract_terms_set_the_unit_price_of_every_row() {
    // u-disabled holds one Enterprise seat and is removed: the saving is that seat's unit price.
    // Enterprise: 14 seats bought (subscriptions.csv).
    let cases = [
        ("list price", String::new(), "105.00"),
        // 105 × (1 − 0.10) = 94.50
        (
            "discount",
            "[contract]\ndiscount = \"0.10\"\n".to_string(),
            "94.50",
        ),
        // 105 × 1.20 = 126.00
        (
            "monthly term",
            "[contract]\nterm = \"monthly\"\n".to_string(),
            "126.00",
        ),
        // 105 × 0.90 × 1.05 = 99.225 → 99.23, rounded half away from zero per seat
        (
            "annual billed monthly",
            "[contract]\nbilling = \"monthly\"\ndiscount = \"0.10\"\n".to_string(),
            "99.23",
        ),
        // 14 seats reach the tier from 12: every seat costs 100.00
        (
            "volume tier",
            format!("{ENTERPRISE}[[sku.tier]]\nfrom = 12\nmonthly = \"100.00\"\n"),
            "100.00",
        ),
        // negotiated replaces list, tier and discount, not the uplift: 89 × 1.20 = 106.80
        (
            "negotiated, monthly term",
            format!(
                "[contract]\nterm = \"monthly\"\ndiscount = \"0.30\"\n{ENTERPRISE}negotiated = \"89.00\"\n\
                 [[sku.tier]]\nfrom = 12\nmonthly = \"100.00\"\n"
            ),
            "106.80",
        ),
    ];
    for (name, extra, want) in cases {
        let tmp = tempfile::tempdir().expect("temp");
        let dir = tenant(tmp.path(), &extra);
        let out = tmp.path().join("r");
        analyze(&dir, &out);
        let (current, saving) = money_of(&out, "u-disabled");
        assert_eq!((current.as_str(), saving.as_str()), (want, want), "{name}");
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("json"))
                .expect("parse");
        let ent = json["policy"]["prices"]
            .as_array()
            .expect("prices")
            .iter()
            .find(|p| p["id"] == "DYN365_ENTERPRISE_CUSTOMER_SERVICE")
            .expect("enterprise price")
            .clone();
        assert_eq!(
            ent["unit_monthly"], want,
            "{name}: the method lists the unit price"
        );
        assert_eq!(ent["seats"], 14, "{name}");
    }
}

#[test]
fn bad_contract_data_stops_the_run_naming_the_key() {
    let sku = |tail: &str| format!("{ENTERPRISE}{tail}");
    let cases = [
        (
            "a tier below 1",
            sku("[[sku.tier]]\nfrom = 0\nmonthly = \"100.00\"\n"),
            "tier[1].from",
        ),
        (
            "tiers out of order",
            sku(
                "[[sku.tier]]\nfrom = 10\nmonthly = \"100.00\"\n[[sku.tier]]\nfrom = 10\nmonthly = \"99.00\"\n",
            ),
            "tier[2].from",
        ),
        (
            "a discount of 1",
            "[contract]\ndiscount = \"1\"\n".to_string(),
            "discount",
        ),
        (
            "a negative discount",
            "[contract]\ndiscount = \"-0.1\"\n".to_string(),
            "discount",
        ),
        (
            "a float discount",
            "[contract]\ndiscount = 0.1\n".to_string(),
            "discount must be a string",
        ),
        (
            "an unknown term",
            "[contract]\nterm = \"weekly\"\n".to_string(),
            "term: \"weekly\" is not a term",
        ),
        (
            "an unknown billing",
            sku("billing = \"quarterly\"\n"),
            "billing: \"quarterly\" is not a billing",
        ),
        (
            "a negative uplift",
            "[contract.uplift]\nmonthly_term = \"-0.2\"\n".to_string(),
            "uplift.monthly_term",
        ),
        (
            "a float negotiated price",
            sku("negotiated = 89.0\n"),
            "negotiated must be a string",
        ),
        (
            "an unknown contract key",
            "[contract]\nrebate = \"0.1\"\n".to_string(),
            "rebate",
        ),
    ];
    for (name, extra, expected) in cases {
        let tmp = tempfile::tempdir().expect("temp");
        let dir = tenant(tmp.path(), &extra);
        let out = tmp.path().join("r");
        let run = rightsize()
            .args(["analyze", "--quiet", "--out"])
            .arg(&out)
            .arg(&dir)
            .assert()
            .failure()
            .code(1);
        let err = String::from_utf8_lossy(&run.get_output().stderr).to_string();
        assert!(err.contains(expected), "{name}: {err}");
        assert!(err.contains("prices.toml"), "{name}: names the file: {err}");
        assert!(!out.exists(), "{name}: nothing written");
    }
}

/// One SKU's row of renewal.csv.
fn renewal_of(out: &Path, sku: &str) -> std::collections::BTreeMap<String, String> {
    read_csv(&out.join("renewal.csv"))
        .into_iter()
        .find(|r| r["sku"] == sku)
        .unwrap_or_else(|| panic!("{sku} in renewal.csv"))
}

#[test]
fn a_recommendation_that_crosses_a_volume_tier_shows_the_price_change() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = tenant(
        tmp.path(),
        &format!("{ENTERPRISE}[[sku.tier]]\nfrom = 12\nmonthly = \"100.00\"\n"),
    );
    let out = tmp.path().join("r");
    analyze(&dir, &out);
    let r = renewal_of(&out, "DYN365_ENTERPRISE_CUSTOMER_SERVICE");
    // 14 seats bought, 10 assigned, 5 recommended. Today every seat costs 100.00 (tier from 12);
    // at 5 seats the list price 105.00 applies again.
    let got = |k: &str| r[k].as_str();
    assert_eq!(got("monthly_price"), "100.00");
    assert_eq!(got("monthly_price_recommended"), "105.00");
    // users (10 − 5) × 100 = 500.00; shelfware 4 × 100 = 400.00;
    // volume 5 × (100.00 − 105.00) = −25.00; at renewal 14 × 100 − 5 × 105 = 875.00
    // = 500 + 400 − 25.
    assert_eq!(got("monthly_saving_users"), "500.00");
    assert_eq!(got("monthly_saving_shelfware"), "400.00");
    assert_eq!(got("monthly_volume_change"), "-25.00");
    assert_eq!(got("monthly_saving_at_renewal"), "875.00");
    assert_eq!(got("annual_saving_at_renewal"), "10500.00");
    assert_eq!(
        got("note"),
        "recommended 5 seats fall below the 12-seat tier: every seat costs 105.00 instead of 100.00"
    );
    let html = {
        rightsize()
            .args(["analyze", "--quiet", "--format", "html", "--out"])
            .arg(tmp.path().join("h"))
            .arg(&dir)
            .assert()
            .success();
        std::fs::read_to_string(tmp.path().join("h/report.html")).expect("html")
    };
    assert!(
        html.contains("fall below the 12-seat tier"),
        "the HTML says so"
    );
}

#[test]
fn monthly_term_savings_are_realisable_from_the_next_month() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = tenant(tmp.path(), &format!("{ENTERPRISE}term = \"monthly\"\n"));
    let policy = dir.join("policy.toml");
    let text = std::fs::read_to_string(&policy).expect("policy");
    std::fs::write(&policy, format!("renewal_date = 2027-03-01\n{text}")).expect("write");
    let out = tmp.path().join("r");
    analyze(&dir, &out);
    // Enterprise on a monthly term: 105.00 × 1.20 = 126.00 a seat; 14 held, 5 recommended:
    // 9 × 126.00 = 1134.00 a month, from 2026-11-01: 8 months to the fiscal year's end
    // (2027-07-01). The annual-term SKUs: Premium 195.00 − one device licence 100.00 − one
    // Team Members seat 8.00 = 87.00 a month from the renewal on 2027-03-01: 4 months.
    // 1134 × 8 + 87 × 4 = 9072 + 348 = 9420.00.
    let ent = renewal_of(&out, "DYN365_ENTERPRISE_CUSTOMER_SERVICE");
    assert_eq!(ent["monthly_price"], "126.00");
    assert_eq!(ent["monthly_saving_at_renewal"], "1134.00");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("json"))
            .expect("parse");
    let r = &json["headline"]["realisable"];
    assert_eq!(r["monthly_term_from"], "2026-11-01");
    assert_eq!(r["monthly_term_months"], 8);
    assert_eq!(r["renewal_date"], "2027-03-01");
    assert_eq!(r["months_in_fiscal_year"], 4);
    assert_eq!(r["this_fiscal_year"], "9420.00");
}
