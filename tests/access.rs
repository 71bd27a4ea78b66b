//! Accounts that need no licence and trials (spec section 6), end to end on fixture folders.

mod common;

use std::collections::BTreeMap;

use common::{fixture, read_csv, rightsize};

fn analyze(dir: &str, out: &std::path::Path) {
    rightsize()
        .args(["analyze", "--quiet", "--as-of", "2026-10-31", "--out"])
        .arg(out)
        .arg(fixture(dir))
        .assert()
        .success();
}

fn by_upn(out: &std::path::Path) -> BTreeMap<String, BTreeMap<String, String>> {
    read_csv(&out.join("recommendations.csv"))
        .into_iter()
        .map(|r| (r["upn"].clone(), r))
        .collect()
}

#[test]
fn administrative_and_non_interactive_accounts_are_removed_with_the_mode_named() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    analyze("access-modes", &out);
    let rows = by_upn(&out);
    // (upn, class, saving, reason)
    let cases = [
        (
            "admin@contoso.com",
            "remove",
            "105.00",
            Some("Dataverse access mode Administrative needs no licence"),
        ),
        (
            "app@contoso.com",
            "remove",
            "105.00",
            Some("Dataverse access mode Non-interactive needs no licence"),
        ),
        // one of its two environments is Read-Write: it needs the licence
        ("multi@contoso.com", "full", "0.00", None),
        ("agent@contoso.com", "full", "0.00", None),
        // an unreadable access mode never removes a licence
        ("odd@contoso.com", "full", "0.00", None),
    ];
    for (upn, class, saving, reason) in cases {
        let r = &rows[upn];
        assert_eq!(r["class"], class, "{upn}: {}", r["reasons"]);
        assert_eq!(r["monthly_saving"], saving, "{upn}");
        if let Some(want) = reason {
            assert!(r["reasons"].contains(want), "{upn}: {}", r["reasons"]);
        } else {
            assert!(!r["reasons"].contains("needs no licence"), "{upn}");
        }
    }
    let rejected = read_csv(&out.join("rejected.csv"));
    let got: Vec<(String, String, String)> = rejected
        .iter()
        .map(|r| (r["file"].clone(), r["line"].clone(), r["column"].clone()))
        .collect();
    assert_eq!(
        got,
        vec![("systemuser.csv".into(), "7".into(), "accessmode".into())]
    );
    assert!(rejected[0]["problem"].contains("\"Superuser\" is not an access mode"));
}

#[test]
fn a_policy_naming_access_modes_by_label_is_used_and_a_bad_one_stops_the_run() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = tmp.path().join("in");
    std::fs::create_dir(&dir).expect("mkdir");
    for f in ["assignments.csv", "systemuser.csv", "activity.csv"] {
        std::fs::copy(fixture("access-modes").join(f), dir.join(f)).expect("copy");
    }
    std::fs::write(
        dir.join("policy.toml"),
        "no_licence_access_modes = ['Read-Write']\n",
    )
    .expect("write");
    let out = tmp.path().join("r");
    rightsize()
        .args(["analyze", "--quiet", "--as-of", "2026-10-31", "--out"])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let rows = by_upn(&out);
    assert_eq!(rows["agent@contoso.com"]["class"], "remove");
    assert_eq!(rows["admin@contoso.com"]["class"], "full");

    std::fs::write(
        dir.join("policy.toml"),
        "no_licence_access_modes = [1, 9]\n",
    )
    .expect("write");
    let out2 = tmp.path().join("r2");
    let assert = rightsize()
        .args(["analyze", "--quiet", "--as-of", "2026-10-31", "--out"])
        .arg(&out2)
        .arg(&dir)
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("policy.toml") && stderr.contains("no_licence_access_modes[2]"),
        "{stderr}"
    );
    assert!(!out2.exists(), "no report");
}

const VIRAL: &str = "Dynamics_365_Customer_Service_Enterprise_viral_trial";
const ADMIN_TRIAL: &str = "Dynamics_365_Customer_Service_Enterprise_admin_trial";
const PRO: &str = "DYN365_CUSTOMER_SERVICE_PRO";

#[test]
fn trial_only_users_are_kept_flagged_trial_at_no_cost_and_trial_seats_are_no_shelfware() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    analyze("trials", &out);
    let rows = by_upn(&out);
    // (upn, class, flags, recommended, current monthly, saving)
    let cases = [
        ("reader@contoso.com", "keep", "trial", VIRAL, "0.00", "0.00"),
        (
            "author@contoso.com",
            "keep",
            "trial",
            ADMIN_TRIAL,
            "0.00",
            "0.00",
        ),
        ("idle@contoso.com", "keep", "trial", VIRAL, "0.00", "0.00"),
        // PRO is a trial here because the directory/subscriptions export says isTrial
        ("pro@contoso.com", "keep", "trial", PRO, "0.00", "0.00"),
        // trial and paid: classified as usual, the trial dropped at no saving
        (
            "mixed@contoso.com",
            "full",
            "",
            "DYN365_ENTERPRISE_CUSTOMER_SERVICE",
            "105.00",
            "0.00",
        ),
        (
            "paid@contoso.com",
            "team-member",
            "",
            "DYN365_TEAM_MEMBERS",
            "105.00",
            "97.00",
        ),
    ];
    for (upn, class, flags, recommended, current, saving) in cases {
        let r = &rows[upn];
        let why = &r["reasons"];
        assert_eq!(r["class"], class, "{upn}: {why}");
        assert_eq!(r["flags"], flags, "{upn}: {why}");
        assert_eq!(r["recommended_skus"], recommended, "{upn}");
        assert_eq!(r["current_monthly"], current, "{upn}");
        assert_eq!(r["monthly_saving"], saving, "{upn}");
    }
    assert!(rows["mixed@contoso.com"]["reasons"].contains("dropped, at no saving"));
    assert!(
        rows["author@contoso.com"]["reasons"].contains(
            "when the trial ends on 2026-11-30: full with Customer Service Enterprise at 105.00"
        ),
        "{}",
        rows["author@contoso.com"]["reasons"]
    );
    // Trial seats bought but not assigned are not shelfware money.
    let renewal: BTreeMap<String, BTreeMap<String, String>> = read_csv(&out.join("renewal.csv"))
        .into_iter()
        .map(|r| (r["sku"].clone(), r))
        .collect();
    for sku in [VIRAL, ADMIN_TRIAL, PRO] {
        let r = &renewal[sku];
        assert_eq!(r["monthly_price"], "0.00", "{sku}");
        assert_eq!(r["monthly_saving_shelfware"], "0.00", "{sku}: {r:?}");
    }
    assert_eq!(renewal[VIRAL]["bought"], "25");
    assert_eq!(renewal[PRO]["bought"], "5", "Warning seats are bought");
    // Deleted seats are not bought: only the Enabled row's 3
    assert_eq!(renewal["DYN365_ENTERPRISE_CUSTOMER_SERVICE"]["bought"], "3");
    let json = std::fs::read_to_string(out.join("report.json")).expect("json");
    assert!(
        json.contains("\"trial\""),
        "the flag is named trial in JSON"
    );
}

#[test]
fn the_analysis_lists_trial_users_with_the_cost_when_the_trial_ends() {
    use chrono::NaiveDate;
    use rightsize::analysis::{Options, run};
    use rightsize::model::Class;
    use rust_decimal::Decimal;
    let a = run(
        &Options {
            dir: fixture("trials"),
            prices: None,
            policy: None,
            scenarios: None,
            as_of: NaiveDate::from_ymd_opt(2026, 10, 31),
            encoding: None,
        },
        &rightsize::progress::Progress::new(true),
    )
    .expect("analysis");
    type Row = (
        String,
        Class,
        Option<String>,
        Option<Decimal>,
        Option<NaiveDate>,
    );
    let got: Vec<Row> = a
        .trials
        .iter()
        .map(|t| {
            (
                t.user_id.clone(),
                t.would_be,
                t.target.clone(),
                t.monthly_when_ended,
                t.ends,
            )
        })
        .collect();
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let money = |c: i64| Some(Decimal::new(c, 2));
    let mut want = vec![
        (
            "t-reader".to_string(),
            Class::TeamMember,
            Some("DYN365_TEAM_MEMBERS".to_string()),
            money(800),
            date("2026-11-15"),
        ),
        (
            "t-author".to_string(),
            Class::Full,
            Some("DYN365_ENTERPRISE_CUSTOMER_SERVICE".to_string()),
            money(10500),
            date("2026-11-30"),
        ),
        (
            "t-idle".to_string(),
            Class::Remove,
            None,
            Some(Decimal::ZERO),
            date("2026-11-15"),
        ),
        (
            "t-pro".to_string(),
            Class::TeamMember,
            Some("DYN365_TEAM_MEMBERS".to_string()),
            money(800),
            date("2026-12-01"),
        ),
    ];
    let mut got = got;
    got.sort();
    want.sort();
    assert_eq!(got, want);
}
