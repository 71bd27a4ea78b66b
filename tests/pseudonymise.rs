//! `--pseudonymise`: no user id, UPN or name of the tenant appears in any output (CSV, HTML,
//! JSON, XLSX, the trend files and the email), pseudonyms are stable for a key, and the mapping
//! is written only where the admin asks, never into the report folder.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use common::{read_csv, rightsize};
use mail_parser::{MessageParser, MimeHeaders, PartType};

const KEY: &str = "test-key-0123456789abcdef";

fn sample(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-data")
        .join(sub)
}

fn analyze(input: &Path, out: &Path, key: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    rightsize()
        .args(["analyze", "--quiet", "--pseudonymise", "--out"])
        .arg(out)
        .args(extra)
        .arg(input)
        .env("RIGHTSIZE_PSEUDONYM_KEY", key)
        .assert()
}

/// Every user id, UPN and display name in the inputs.
fn originals() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for dir in [sample(""), sample("previous-quarter")] {
        for row in read_csv(&dir.join("assignments.csv")) {
            for col in ["user_id", "upn", "display_name"] {
                out.insert(row[col].to_lowercase());
            }
        }
    }
    out
}

/// The text of an XLSX: every part of the zip, decompressed.
fn xlsx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("xlsx is a zip");
    let mut text = String::new();
    for i in 0..zip.len() {
        zip.by_index(i)
            .expect("entry")
            .read_to_string(&mut text)
            .expect("utf-8 xml");
    }
    text
}

/// Everything a reader of the file could see, decoded (the XLSX unzipped, the email's parts
/// and attachments decoded).
fn readable(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("read");
    let name = path.to_string_lossy();
    if name.ends_with(".xlsx") {
        return xlsx_text(&bytes);
    }
    if name.ends_with(".eml") {
        let m = MessageParser::default().parse(&bytes).expect("mime");
        let mut text = String::from_utf8_lossy(&bytes).to_string();
        for p in &m.parts {
            match &p.body {
                PartType::Text(t) | PartType::Html(t) => text.push_str(t),
                PartType::Binary(b) | PartType::InlineBinary(b) => {
                    if p.attachment_name().is_some_and(|n| n.ends_with(".xlsx")) {
                        text.push_str(&xlsx_text(b));
                    } else {
                        text.push_str(&String::from_utf8_lossy(b));
                    }
                }
                _ => {}
            }
        }
        return text;
    }
    String::from_utf8_lossy(&bytes).to_string()
}

#[test]
fn no_original_name_id_or_upn_in_any_output() {
    let tmp = tempfile::tempdir().expect("temp");
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    analyze(&sample("previous-quarter"), &old, KEY, &[]).success();
    let prev = old.to_string_lossy().to_string();
    analyze(&sample(""), &new, KEY, &["--previous", &prev]).success();
    let eml = tmp.path().join("message.eml");
    rightsize()
        .arg("send")
        .arg(&new)
        .args(["--to", "cfo@contoso.com", "--eml"])
        .arg(&eml)
        .assert()
        .success();

    let mut files: Vec<PathBuf> = std::fs::read_dir(&new)
        .expect("list")
        .map(|e| e.expect("entry").path())
        .collect();
    files.push(eml);
    let names: BTreeSet<String> = files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().to_string()))
        .collect();
    for want in [
        "recommendations.csv",
        "devices.csv",
        "trend.csv",
        "user-changes.csv",
        "report.html",
        "report.json",
        "report.xlsx",
        "message.eml",
    ] {
        assert!(names.contains(want), "{want} checked");
    }
    let originals = originals();
    assert!(
        originals.len() > 300,
        "ids, UPNs and names of both quarters"
    );
    for f in &files {
        let text = readable(f).to_lowercase();
        let leaked: Vec<&String> = originals
            .iter()
            .filter(|o| text.contains(o.as_str()))
            .collect();
        assert!(
            leaked.is_empty(),
            "{}: {:?}",
            f.display(),
            &leaked[..leaked.len().min(5)]
        );
    }
    // The trend still matches users across quarters: the key is the same.
    let changes = read_csv(&new.join("user-changes.csv"));
    assert!(changes.iter().any(|u| u["change"] == "class changed"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(new.join("report.json")).expect("json"))
            .expect("parse");
    assert_eq!(json["pseudonymised"], true);
}

#[test]
fn pseudonyms_are_stable_for_a_key_and_the_map_is_written_only_when_asked() {
    let tmp = tempfile::tempdir().expect("temp");
    let ids = |dir: &Path| -> Vec<String> {
        read_csv(&dir.join("recommendations.csv"))
            .into_iter()
            .map(|r| r["upn"].clone())
            .collect()
    };
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    let map = tmp.path().join("admin-only").join("map.csv");
    std::fs::create_dir_all(map.parent().expect("parent")).expect("dir");
    let map_arg = map.to_string_lossy().to_string();
    analyze(&sample(""), &a, KEY, &["--pseudonym-map", &map_arg]).success();
    analyze(&sample(""), &b, KEY, &[]).success();
    analyze(&sample(""), &c, "another-key-0123456789abcdef", &[]).success();
    assert_eq!(ids(&a), ids(&b), "same key, same pseudonyms");
    assert_ne!(ids(&a), ids(&c), "another key, other pseudonyms");
    assert!(ids(&a).iter().all(|u| u.ends_with("@pseudonym.invalid")));

    let rows = read_csv(&map);
    let upn = ids(&a)[0].clone();
    let back = rows
        .iter()
        .find(|r| r["pseudonym"] == upn)
        .expect("the map resolves a pseudonym");
    assert!(back["original"].ends_with("@contoso.com"), "{back:?}");
    assert!(
        std::fs::read_dir(&b).expect("list").all(|e| {
            let n = e.expect("entry").file_name();
            !n.to_string_lossy().contains("map")
        }),
        "no map unless asked"
    );

    // A map inside the report folder would be shared with the report: refused.
    let inside = a.join("map.csv").to_string_lossy().to_string();
    // A usage mistake: exit 2.
    let run = analyze(&sample(""), &a, KEY, &["--pseudonym-map", &inside])
        .failure()
        .code(2);
    let err = String::from_utf8_lossy(&run.get_output().stderr).to_string();
    assert!(err.contains("inside the report folder"), "{err}");
}

#[test]
fn pseudonymise_without_a_key_stops_before_any_work() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    let run = rightsize()
        .args(["analyze", "--quiet", "--pseudonymise", "--out"])
        .arg(&out)
        .arg(sample(""))
        .env_remove("RIGHTSIZE_PSEUDONYM_KEY")
        .assert()
        .failure()
        .code(2); // a usage mistake
    let err = String::from_utf8_lossy(&run.get_output().stderr).to_string();
    assert!(
        err.contains("RIGHTSIZE_PSEUDONYM_KEY") && err.contains("--pseudonym-key-file"),
        "{err}"
    );
    assert!(!out.exists());
    // A key file works like the environment variable.
    let key = tmp.path().join("key");
    std::fs::write(&key, format!("{KEY}\n")).expect("key file");
    rightsize()
        .args([
            "analyze",
            "--quiet",
            "--pseudonymise",
            "--pseudonym-key-file",
        ])
        .arg(&key)
        .arg("--out")
        .arg(&out)
        .arg(sample(""))
        .env_remove("RIGHTSIZE_PSEUDONYM_KEY")
        .assert()
        .success();
    let with_env = tmp.path().join("env");
    analyze(&sample(""), &with_env, KEY, &[]).success();
    assert_eq!(
        std::fs::read(out.join("recommendations.csv")).expect("a"),
        std::fs::read(with_env.join("recommendations.csv")).expect("b"),
        "the key file and the environment give the same pseudonyms"
    );
}
