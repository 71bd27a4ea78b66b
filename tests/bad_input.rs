//! The bad-input suite: every way a real export goes wrong, each with its exact outcome (exit
//! status, the message with file and line, or the rows read), and never a panic.

mod common;

use std::path::{Path, PathBuf};

use common::{fixture, read_csv, rightsize};

const HEADER: &str = "user_id,timestamp,operation,table\n";

/// A folder with the `classes` fixture's assignments and prices and one more file.
fn folder(tmp: &Path, name: &str, file: &str, bytes: &[u8]) -> PathBuf {
    let dir = tmp.join(name);
    std::fs::create_dir_all(&dir).expect("dir");
    for f in ["assignments.csv", "prices.toml"] {
        std::fs::copy(fixture("classes").join(f), dir.join(f)).expect("copy");
    }
    std::fs::write(dir.join(file), bytes).expect("write");
    dir
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for u in text.encode_utf16() {
        out.extend(if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

enum Want {
    /// Exit 0 and u-agent's class in recommendations.csv.
    Class(&'static str),
    /// Exit 1, nothing written, and these texts on stderr.
    Fails(&'static [&'static str]),
}

#[test]
fn bad_inputs_have_exact_outcomes() {
    let agent_update = "u-agent,2026-10-01T09:00:00Z,update,incident\n";
    let cases: Vec<(&str, &str, Vec<u8>, Want)> = vec![
        (
            "utf-16 le with bom",
            "activity.csv",
            utf16(
                &format!("{HEADER}{agent_update}").replace('\n', "\r\n"),
                false,
            ),
            Want::Class("activity"),
        ),
        (
            "utf-16 be with bom",
            "activity.csv",
            utf16(&format!("{HEADER}{agent_update}"), true),
            Want::Class("activity"),
        ),
        (
            "utf-8 bom and crlf",
            "activity.csv",
            format!("\u{feff}{HEADER}{agent_update}")
                .replace('\n', "\r\n")
                .into_bytes(),
            Want::Class("activity"),
        ),
        (
            "semicolons with excel's sep line",
            "activity.csv",
            format!(
                "sep=;\n{}{}",
                HEADER.replace(',', ";"),
                agent_update.replace(',', ";")
            )
            .into_bytes(),
            Want::Class("activity"),
        ),
        (
            "tabs",
            "activity.csv",
            format!(
                "{}{}",
                HEADER.replace(',', "\t"),
                agent_update.replace(',', "\t")
            )
            .into_bytes(),
            Want::Class("activity"),
        ),
        (
            "us dates",
            "activity.csv",
            format!("{HEADER}u-agent,10/1/2026 9:00:00 AM,update,incident\n").into_bytes(),
            Want::Class("activity"),
        ),
        (
            "header in odd case and spaces",
            "activity.csv",
            format!(" User_ID , TimeStamp ,OPERATION,Table \n{agent_update}").into_bytes(),
            Want::Class("activity"),
        ),
        (
            "empty file is ignored",
            "activity.csv",
            Vec::new(),
            Want::Class("keep"),
        ),
        (
            "header-only file",
            "activity.csv",
            HEADER.as_bytes().to_vec(),
            Want::Class("keep"),
        ),
        (
            "file of no known kind",
            "notes.csv",
            b"colour,shape\nred,round\n".to_vec(),
            Want::Class("keep"),
        ),
        (
            "windows-1252 without bom",
            "activity.csv",
            [
                HEADER.as_bytes(),
                b"u-agent,2026-10-01T09:00:00Z,update,caf\xe9\n",
            ]
            .concat(),
            Want::Fails(&["activity.csv:2: not valid UTF-8", "--encoding windows-1252"]),
        ),
        (
            "ragged row",
            "activity.csv",
            format!("{HEADER}{agent_update}u-agent,2026-10-01T09:00:00Z,read,incident,x\n")
                .into_bytes(),
            Want::Fails(&["activity.csv:3: expected 4 fields as in the header, found 5"]),
        ),
        (
            "unterminated quote",
            "activity.csv",
            format!("{HEADER}u-agent,2026-10-01T09:00:00Z,update,\"incident\n{agent_update}")
                .into_bytes(),
            Want::Fails(&["activity.csv:2: a quoted field opened here is never closed"]),
        ),
        (
            "first timestamp in no known format",
            "activity.csv",
            format!("{HEADER}u-agent,01.10.2026 09:00,update,incident\n").into_bytes(),
            Want::Fails(&["activity.csv: timestamp: the first timestamp \"01.10.2026 09:00\""]),
        ),
    ];
    let tmp = tempfile::tempdir().expect("temp");
    for (i, (name, file, bytes, want)) in cases.into_iter().enumerate() {
        let dir = folder(tmp.path(), &format!("case{i}"), file, &bytes);
        let out = tmp.path().join(format!("out{i}"));
        let run = rightsize()
            .args(["analyze", "--quiet", "--as-of", "2026-10-31", "--out"])
            .arg(&out)
            .arg(&dir)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&run.stderr).to_string();
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        match want {
            Want::Class(class) => {
                assert_eq!(run.status.code(), Some(0), "{name}: {stderr}");
                let rows = read_csv(&out.join("recommendations.csv"));
                let agent = rows
                    .iter()
                    .find(|r| r["user_id"] == "u-agent")
                    .expect("u-agent");
                assert_eq!(agent["class"], class, "{name}: {}", agent["reasons"]);
            }
            Want::Fails(texts) => {
                assert_eq!(run.status.code(), Some(1), "{name}: {stderr}");
                for t in texts {
                    assert!(stderr.contains(t), "{name}: expected {t:?} in {stderr}");
                }
                assert!(!out.exists(), "{name}: no report written");
            }
        }
    }
}

#[test]
fn windows_1252_reads_when_named() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = folder(
        tmp.path(),
        "cp",
        "activity.csv",
        &[
            HEADER.as_bytes(),
            b"u-agent,2026-10-01T09:00:00Z,update,incident\n",
        ]
        .concat(),
    );
    let mut names = std::fs::read(dir.join("assignments.csv")).expect("read");
    names.extend(b"u-jose,jose@contoso.com,Jos\xe9 Pe\xf1a,Sales,CC1,DYN365_ENTERPRISE_CUSTOMER_SERVICE,,true,2025-01-01\n");
    std::fs::write(dir.join("assignments.csv"), names).expect("write");
    let out = tmp.path().join("r");
    rightsize()
        .args([
            "analyze",
            "--quiet",
            "--encoding",
            "windows-1252",
            "--as-of",
            "2026-10-31",
            "--out",
        ])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let rows = read_csv(&out.join("recommendations.csv"));
    assert!(
        rows.iter().any(|r| r["display_name"] == "José Peña"),
        "decoded, not mojibake"
    );
}

#[test]
fn garbage_values_are_rejected_with_line_and_column() {
    let tmp = tempfile::tempdir().expect("temp");
    let body = format!(
        "{}u-agent,2026-10-01T09:00:00Z,update,incident,voice\nu-agent,2026-13-45T09:00:00Z,read,incident,\nu-agent,2026-10-02T09:00:00Z,read,incident,fax\n,2026-10-02T09:00:00Z,read,incident,\n",
        "user_id,timestamp,operation,table,channel\n"
    );
    let dir = folder(tmp.path(), "g", "activity.csv", body.as_bytes());
    let out = tmp.path().join("r");
    rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let got: Vec<String> = read_csv(&out.join("rejected.csv"))
        .iter()
        .map(|r| {
            format!(
                "{}:{}: {}: {}",
                r["file"], r["line"], r["column"], r["problem"]
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            "activity.csv:3: timestamp: \"2026-13-45T09:00:00Z\" is not a ISO 8601 timestamp",
            "activity.csv:4: channel: \"fax\" is not a channel name or code (voice, phone, digital, Live chat, SMS, WhatsApp, 192360000, …)",
            "activity.csv:5: user_id: user id is empty",
        ]
    );
}

#[test]
fn unknown_dynamics_sku_is_reported_and_validate_says_not_trusted() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = folder(
        tmp.path(),
        "u",
        "activity.csv",
        format!("{HEADER}u-agent,2026-10-01T09:00:00Z,update,incident\n").as_bytes(),
    );
    let mut a = std::fs::read_to_string(dir.join("assignments.csv")).expect("read");
    a.push_str("u-x,x@contoso.com,X,Sales,CC1,Dynamics 365 Customer Service Galactic Edition,,true,2025-01-01\n");
    std::fs::write(dir.join("assignments.csv"), a).expect("write");
    let run = rightsize()
        .args(["validate", "--quiet"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("NOT TRUSTED: Dynamics licence names not in the price book: Dynamics 365 Customer Service Galactic Edition"), "{stdout}");
}

#[test]
fn a_stray_quote_in_a_small_file_stops_the_run() {
    let assignments = std::fs::read_to_string(fixture("classes").join("assignments.csv"))
        .expect("read")
        .replacen(",Ida Idle,", ",\"Ida Idle,", 1);
    // The sample's case: one stray quote on line 5, none after it.
    let sample = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/assignments.csv"),
    )
    .expect("read")
    .replacen(",Lena Jensen,", ",\"Lena Jensen,", 1);
    let cases: [(&str, String, &str); 4] = [
        (
            "assignments.csv",
            sample,
            "assignments.csv:5: a quoted field opened here is never closed",
        ),
        (
            // the stray quote pairs with the quote of line 7's "Rita, Reader"
            "assignments.csv",
            assignments,
            "assignments.csv:5: a quoted field opened here runs over 3 lines",
        ),
        (
            "subscriptions.csv",
            "sku,purchased,assigned\nDYN365_TEAM_MEMBERS,5,5\n\"DYN365_ENTERPRISE_CUSTOMER_SERVICE,10,9\nDYNAMICS_365_CONTACT_CENTER_VOICE_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE,3,2\n".into(),
            "subscriptions.csv:3: a quoted field opened here is never closed",
        ),
        (
            "systemusers.csv",
            "systemuserid,azureactivedirectoryobjectid,fullname\nd-1,u-agent,Agent\nd-2,u-voice,Vic\nd-3,u-idle,\"Ida\nd-4,u-k1,Kim\n".into(),
            "systemusers.csv:4: a quoted field opened here is never closed",
        ),
    ];
    let tmp = tempfile::tempdir().expect("temp");
    for (i, (file, text, want)) in cases.into_iter().enumerate() {
        let dir = folder(
            tmp.path(),
            &format!("q{i}"),
            "activity.csv",
            format!("{HEADER}u-agent,2026-10-01T09:00:00Z,update,incident\n").as_bytes(),
        );
        std::fs::write(dir.join(file), text).expect("write");
        let out = tmp.path().join(format!("out{i}"));
        let run = rightsize()
            .args(["analyze", "--quiet", "--as-of", "2026-10-31", "--out"])
            .arg(&out)
            .arg(&dir)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{file}: {stderr}");
        assert!(
            stderr.contains(want),
            "{file}: expected {want:?} in {stderr}"
        );
        assert!(!out.exists(), "{file}: no report written");
    }
}

#[test]
fn rejected_rows_are_counted_per_user_and_lower_confidence() {
    // u-agent: 62 valid writes, then `bad` rows with an unknown operation; u-voice: valid only.
    // The activity covers the whole (30-day) window, so the confidence is high to begin with.
    let run = |bad: usize| {
        let mut body = String::from(HEADER);
        for d in 1..=31 {
            for h in [9, 10] {
                body.push_str(&format!(
                    "u-agent,2026-10-{d:02}T{h:02}:00:00Z,update,incident\n"
                ));
            }
            body.push_str(&format!(
                "u-voice,2026-10-{d:02}T09:00:00Z,update,incident\n"
            ));
        }
        for i in 0..bad {
            body.push_str(&format!(
                "u-agent,2026-10-21T{:02}:00:00Z,assign,incident\n",
                i % 24
            ));
        }
        body.push_str(",2026-10-21T09:00:00Z,frobnicate,incident\n");
        let tmp = tempfile::tempdir().expect("temp");
        let dir = folder(tmp.path(), "r", "activity.csv", body.as_bytes());
        std::fs::write(dir.join("policy.toml"), "lookback_days = 30\n").expect("policy");
        let out = tmp.path().join("out");
        let run = rightsize()
            .args(["analyze", "--quiet", "--as-of", "2026-10-31", "--out"])
            .arg(&out)
            .arg(&dir)
            .output()
            .expect("runs");
        assert_eq!(run.status.code(), Some(0));
        let rows = read_csv(&out.join("recommendations.csv"));
        let pick = |id: &str| {
            let r = rows.iter().find(|r| r["user_id"] == id).expect("user");
            (
                r["class"].clone(),
                r["confidence"].clone(),
                r["reasons"].clone(),
            )
        };
        let stdout = String::from_utf8_lossy(&run.stdout).to_string();
        (pick("u-agent"), pick("u-voice"), stdout)
    };
    let (clean, _, _) = run(0);
    assert!(!clean.2.contains("rejected"), "{}", clean.2);
    // 1 rejected row of 63 (1.6%, above the default 1%) lowers the confidence one step.
    let (agent, voice, stdout) = run(1);
    assert_eq!(agent.0, clean.0, "the class is still judged");
    assert!(
        agent
            .2
            .contains("1 of this user's 63 activity rows were rejected: see rejected.csv"),
        "{}",
        agent.2
    );
    assert_eq!((clean.1.as_str(), agent.1.as_str()), ("high", "medium"));
    assert!(!voice.2.contains("rejected"), "{}", voice.2);
    // The row without a user id counts for the file, not for a user.
    assert!(
        stdout.contains("rejected rows: 2, of 1 user(s) (see rejected.csv)"),
        "{stdout}"
    );
}

#[test]
fn validate_groups_rejected_rows_by_file_column_and_kind() {
    // More rejects than the details kept per file: the count is still exact.
    let mut body = format!(
        "{}u-agent,2026-10-01T09:00:00Z,update,incident,voice\n",
        "user_id,timestamp,operation,table,channel\n"
    );
    for i in 0..12_000 {
        let v = if i % 4 == 0 { "telex" } else { "fax" };
        body.push_str(&format!("u-agent,2026-10-02T09:00:00Z,read,incident,{v}\n"));
    }
    body.push_str("u-agent,2026-10-03T09:00:00Z,assign,incident,\n");
    let tmp = tempfile::tempdir().expect("temp");
    let dir = folder(tmp.path(), "v", "activity.csv", body.as_bytes());
    let run = rightsize()
        .args(["validate", "--quiet", "--as-of", "2026-10-31"])
        .arg(&dir)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout
            .contains("rejected rows: 12,001 (of 1 user(s); every one is listed in rejected.csv)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "  activity.csv: channel: 12,000 rows: is not a channel name or code (voice, phone, digital, Live chat, SMS, WhatsApp, 192360000, …); values fax (7,500), telex (2,500); first at lines 3, 4, 5\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "  activity.csv: operation: 1 row, past the rejected rows whose details are kept\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.lines().count() < 30,
        "a few lines, not one per row: {stdout}"
    );
    // analyze's stderr is as short.
    let out = tmp.path().join("r");
    let run = rightsize()
        .args(["analyze", "--quiet", "--as-of", "2026-10-31", "--out"])
        .arg(&out)
        .arg(&dir)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.lines().count() < 10, "{stderr}");
    assert!(
        stderr.contains("activity.csv: channel: 12,000 rows"),
        "{stderr}"
    );
}
