//! What-if scenarios (PRODUCT.md section 9) through the real binary: the sample's three
//! scenarios against the bill and the per-user rows, `--scenarios FILE`, and bad files that
//! stop the run before anything is written.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use common::{read_csv, rightsize};
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|_| panic!("\"{s}\" is not a decimal"))
}

fn analyze(extra: &[&str], out: &Path) -> assert_cmd::assert::Assert {
    rightsize()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["analyze", "sample-data", "--quiet", "--format", "csv,json"])
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
}

/// scenarios.csv's scenario rows by name.
fn scenario_rows(out: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    read_csv(&out.join("scenarios.csv"))
        .into_iter()
        .filter(|r| r["section"] == "scenario")
        .map(|r| (r["name"].clone(), r))
        .collect()
}

#[test]
fn the_sample_scenarios_reconcile_with_the_bill_and_the_users() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    let run = analyze(&[], &out).success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    let rows = scenario_rows(&out);
    let bill: Vec<_> = read_csv(&out.join("bill.csv"));
    let total = |name: &str, col: &str| -> Decimal {
        d(&bill
            .iter()
            .find(|r| r["section"] == "total" && r["name"] == name)
            .expect("bill total")[col])
    };
    let cell = |s: &str, col: &str| d(&rows[s][col]);
    // current and recommended are the bill now and after; the saving is the net saving.
    assert_eq!(cell("current", "annual_total"), total("bill", "annual_now"));
    assert_eq!(
        cell("recommended", "annual_total"),
        total("bill", "annual_after")
    );
    assert_eq!(
        cell("recommended", "annual_saving"),
        total("net saving", "annual_after")
    );
    assert_eq!(cell("current", "annual_total"), d("256291.88"));

    // 15 % off, nothing adopted: licences 0.85 × 252,732.00 = 214,822.20; usage 3,473.48 and
    // today's overage 86.40 unchanged: 218,382.08, saving 37,909.80.
    let off = "15% off, no change";
    assert_eq!(cell(off, "annual_licences"), d("214822.20"));
    assert_eq!(cell(off, "annual_total"), d("218382.08"));
    assert_eq!(cell(off, "annual_saving"), d("37909.80"));

    // Remove only: the remove-class users' licences and the shelfware seats, nothing else.
    let users = read_csv(&out.join("recommendations.csv"));
    let removed: Decimal = users
        .iter()
        .filter(|u| u["class"] == "remove")
        .map(|u| d(&u["current_monthly"]))
        .sum();
    let shelf: Decimal = read_csv(&out.join("renewal.csv"))
        .iter()
        .filter(|r| !r["shelfware"].is_empty() && !r["monthly_price"].is_empty())
        .map(|r| {
            Decimal::from(r["shelfware"].parse::<i64>().expect("seats")) * d(&r["monthly_price"])
        })
        .sum();
    let remove = "remove inactive only";
    assert_eq!(
        cell(remove, "annual_saving"),
        (removed + shelf) * Decimal::from(12)
    );
    assert_eq!(cell(remove, "annual_saving"), d("58980.00"));
    // Renewal 1 March 2027, fiscal year to 1 July: 4 months of 4,915.00.
    assert_eq!(cell(remove, "this_fiscal_year"), d("19660.00"));

    // The bot scenario frees voice seats: it saves more than the recommendations alone.
    let bot = "recommended + bot takes 30%";
    assert!(cell(bot, "annual_saving") > cell("recommended", "annual_saving"));
    let voice = read_csv(&out.join("scenarios.csv"))
        .into_iter()
        .find(|r| r["section"] == "deflection" && r["channel"] == "voice")
        .expect("voice deflection");
    let agents: u64 = voice["agents"].parse().expect("agents");
    let after: u64 = voice["seats_after"].parse().expect("seats");
    // ceil(agents × 0.7)
    assert_eq!(after, (agents * 7).div_ceil(10));
    // Conversations a month: the mean over the window's whole months (October only: the
    // window starts on 19 September), counted here from the events themselves.
    let october_calls =
        read_csv(&Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/activity.csv"))
            .iter()
            .filter(|r| r["timestamp"].starts_with("2026-10") && r["channel"] == "voice")
            .count();
    assert_eq!(
        d(&voice["conversations_per_month"]),
        Decimal::from(october_calls as u64)
    );
    // contained = 0.3 × that, and 3 IVR minutes each
    assert_eq!(
        d(&voice["contained_per_month"]),
        Decimal::from(october_calls as u64) * d("0.3")
    );
    assert_eq!(
        d(&voice["added_consumption"]),
        Decimal::from(october_calls as u64) * d("0.9")
    );
    assert_eq!(
        voice["freed_seats"].parse::<u64>().expect("freed"),
        agents - after
    );
    // One line per scenario on stdout.
    for name in [remove, off, bot] {
        assert!(
            stdout.contains(&format!("scenario {name}: total USD ")),
            "{name} in:\n{stdout}"
        );
    }
    // report.json holds the same rows.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("json"))
            .expect("parse");
    assert_eq!(json["scenarios"]["rows"].as_array().map(Vec::len), Some(5));
    assert_eq!(json["scenarios"]["rows"][2]["annual_saving"], "58980.00");
}

#[test]
fn scenarios_option_replaces_the_folders_file_and_a_zero_bot_changes_nothing() {
    let tmp = tempfile::tempdir().expect("temp");
    let file = tmp.path().join("what-if.toml");
    std::fs::write(
        &file,
        "[[scenario]]\nname = \"idle bot\"\n[[scenario.deflection]]\nchannel = \"voice\"\n\
         share = \"0\"\nivr_minutes_per_call = \"3\"\n",
    )
    .expect("write");
    let out = tmp.path().join("r");
    analyze(&["--scenarios", file.to_str().expect("path")], &out).success();
    let rows = scenario_rows(&out);
    assert_eq!(rows.len(), 3, "current, recommended and the one scenario");
    for col in [
        "annual_licences",
        "annual_overage",
        "annual_total",
        "annual_saving",
    ] {
        assert_eq!(rows["idle bot"][col], rows["recommended"][col], "{col}");
    }
}

#[test]
fn a_bad_scenarios_file_stops_the_run_naming_file_and_key_and_writes_nothing() {
    let cases = [
        (
            "share",
            "[[scenario]]\nname = \"a\"\n[[scenario.deflection]]\nchannel = \"digital\"\nshare = \"1.5\"\n",
            "share: 1.5 is outside [0, 1)",
        ),
        (
            "unknown key",
            "[[scenario]]\nname = \"a\"\nadopt_everything = true\n",
            "adopt_everything",
        ),
        (
            "sku",
            "[[scenario]]\nname = \"a\"\n[scenario.prices]\nNO_SUCH_SKU = \"1.00\"\n",
            "prices.NO_SUCH_SKU",
        ),
    ];
    for (name, text, want) in cases {
        let tmp = tempfile::tempdir().expect("temp");
        let file = tmp.path().join("bad.toml");
        std::fs::write(&file, text).expect("write");
        let out = tmp.path().join("r");
        for command in ["analyze", "validate"] {
            let mut c = rightsize();
            c.current_dir(env!("CARGO_MANIFEST_DIR"))
                .args([command, "sample-data", "--quiet", "--scenarios"])
                .arg(&file);
            if command == "analyze" {
                c.arg("--out").arg(&out);
            }
            let run = c.output().expect("runs");
            let stderr = String::from_utf8_lossy(&run.stderr);
            assert_eq!(run.status.code(), Some(1), "{name} {command}: {stderr}");
            assert!(stderr.contains("bad.toml"), "{name} {command}: {stderr}");
            assert!(stderr.contains(want), "{name} {command}: {stderr}");
            assert!(!out.exists(), "{name}: nothing is written");
        }
    }
}

#[test]
fn todays_containment_per_channel_comes_from_the_conversation_export() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    rightsize()
        .args([
            "analyze",
            "--quiet",
            "--as-of",
            "2026-10-31",
            "--format",
            "csv,json,html",
            "--out",
        ])
        .arg(&out)
        .arg(common::fixture("containment"))
        .assert()
        .success();
    // See the fixture's README: digital 2 of 4 contained (1 abandoned), voice 1 of 2.
    let rows: BTreeMap<String, BTreeMap<String, String>> = read_csv(&out.join("scenarios.csv"))
        .into_iter()
        .filter(|r| r["section"] == "containment")
        .map(|r| (r["channel"].clone(), r))
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (
            rows["digital"]["conversations"].as_str(),
            rows["digital"]["contained"].as_str()
        ),
        ("4", "2")
    );
    assert_eq!(d(&rows["digital"]["share"]), d("0.5"));
    assert!(rows["digital"]["note"].contains("1 more abandoned"));
    assert_eq!(
        (
            rows["voice"]["conversations"].as_str(),
            rows["voice"]["contained"].as_str()
        ),
        ("2", "1")
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("json"))
            .expect("parse");
    assert_eq!(json["scenarios"]["containment"][1]["channel"], "digital");
    assert_eq!(json["scenarios"]["containment"][1]["abandoned"], 1);
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    assert!(html.contains("What the bot contains today"));
    assert!(html.contains("<td class=\"n\">50.0%</td>"));
}

#[test]
fn without_the_accepted_flag_there_is_no_containment() {
    // The sample's conversations are canonical events: no msdyn_isagentaccepted.
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    analyze(&[], &out).success();
    assert!(
        !read_csv(&out.join("scenarios.csv"))
            .iter()
            .any(|r| r["section"] == "containment")
    );
}

#[test]
fn generated_microsoft_exports_show_the_bots_containment() {
    // The generator's bot contains 5 chats on the first day; 3 calls nobody picked up were
    // abandoned; every other conversation was accepted by an agent.
    let tmp = tempfile::tempdir().expect("temp");
    let dir = tmp.path().join("ms");
    rightsize()
        .args([
            "generate",
            "--users",
            "40",
            "--days",
            "20",
            "--seed",
            "5",
            "--format",
            "microsoft",
            "--out",
        ])
        .arg(&dir)
        .assert()
        .success();
    let agent_chats = read_csv(&dir.join("msdyn_ocliveworkitems.csv"))
        .iter()
        .filter(|r| r["msdyn_channel"] == "192360000" && r["msdyn_isagentaccepted"] == "true")
        .count() as u64;
    let out = tmp.path().join("r");
    rightsize()
        .args(["analyze", "--quiet", "--format", "csv", "--out"])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let rows: BTreeMap<String, BTreeMap<String, String>> = read_csv(&out.join("scenarios.csv"))
        .into_iter()
        .filter(|r| r["section"] == "containment")
        .map(|r| (r["channel"].clone(), r))
        .collect();
    assert_eq!(rows["digital"]["contained"], "5");
    assert_eq!(
        rows["digital"]["conversations"],
        (agent_chats + 5).to_string()
    );
    assert_eq!(rows["voice"]["contained"], "0");
    assert!(rows["voice"]["note"].contains("3 more abandoned"));
}

/// `validate --scenarios FILE` says the folder's own scenarios.toml is not read, and which file
/// is; without the option the folder's file is loaded.
#[test]
fn validate_says_which_scenarios_file_is_read() {
    let tmp = tempfile::tempdir().expect("temp");
    let file = tmp.path().join("other.toml");
    std::fs::write(&file, "[[scenario]]\nname = \"other\"\nadopt = []\n").expect("write");
    let run = |extra: &[&std::ffi::OsStr]| -> String {
        let out = rightsize()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["validate", "sample-data"])
            .args(extra)
            .output()
            .expect("run");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let line = |text: &str| -> String {
        text.lines()
            .find(|l| l.trim_start().starts_with("scenarios.toml"))
            .unwrap_or_else(|| panic!("scenarios.toml listed:\n{text}"))
            .to_string()
    };
    let plain = run(&[]);
    assert!(line(&plain).ends_with("loaded"), "{plain}");
    let replaced = run(&["--scenarios".as_ref(), file.as_os_str()]);
    let l = line(&replaced);
    assert!(
        l.contains("not read:") && l.contains("other.toml is used instead"),
        "{l}"
    );
    assert!(replaced.contains("scenarios: other from"), "{replaced}");
}

/// A conversation row that names an agent who did not accept it (`msdyn_isagentaccepted`
/// false: declined or transferred) is not that agent's conversation work: it neither makes
/// them an agent of the channel nor counts in the deflection basis (PRODUCT.md section 9).
#[test]
fn a_conversation_the_agent_did_not_accept_is_not_theirs() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = common::copy_fixture("containment", tmp.path());
    let path = dir.join("msdyn_ocliveworkitems.csv");
    let mut text = std::fs::read_to_string(&path).expect("read");
    // a3 is offered two chats in the window and accepts neither.
    text.push_str("c10,Live chat,a3,2026-10-09T09:00:00Z,false,false\n");
    text.push_str("c11,Live chat,a3,2026-10-10T09:00:00Z,0,false\n");
    std::fs::write(&path, text).expect("write");
    let out = tmp.path().join("r");
    rightsize()
        .args([
            "analyze",
            "--quiet",
            "--as-of",
            "2026-10-31",
            "--format",
            "csv",
            "--out",
        ])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let users: BTreeMap<String, BTreeMap<String, String>> =
        read_csv(&out.join("recommendations.csv"))
            .into_iter()
            .map(|r| (r["user_id"].clone(), r))
            .collect();
    // a1: c1 (accepted) and c9 (flag empty: kept); a3: nothing in the window.
    assert_eq!(users["a1"]["digital_conversations"], "2");
    assert_eq!(users["a3"]["digital_conversations"], "0");
}
