//! The contract in the price book: discounts, negotiated prices, uplifts and volume tiers set
//! the prices every row is computed with; bad contract data stops the run naming the key.

mod common;

use std::path::Path;

use common::{fixture, read_csv, rightsize};

/// The `classes` fixture with `extra` appended to its prices.toml.
fn tenant(root: &Path, extra: &str) -> std::path::PathBuf {
    let dir = root.join("in");
    std::fs::create_dir_all(&dir).expect("dir");
    for entry in std::fs::read_dir(fixture("classes")).expect("fixture") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy");
    }
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
