//! How the binary ends: usage mistakes found after parsing exit 2 like clap's own, a closed
//! standard output (`| head`) ends the run quietly, data problems exit 1.

mod common;

use std::path::Path;

use common::{fixture, rightsize};

fn status_and_stderr(args: &[&str]) -> (Option<i32>, String) {
    let out = rightsize()
        .env_remove("RIGHTSIZE_PSEUDONYM_KEY")
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn usage_mistakes_found_after_parsing_exit_2() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = fixture("classes");
    let dir = dir.to_str().expect("utf-8 path");
    let out = tmp.path().join("r");
    let out = out.to_str().expect("utf-8 path");
    let inside = format!("{out}/map.csv");
    let gen_out = tmp.path().join("g");
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "--parquet with the Microsoft format",
            vec![
                "generate",
                "--format",
                "microsoft",
                "--parquet",
                "--out",
                gen_out.to_str().expect("path"),
            ],
        ),
        (
            "--pseudonymise without a key",
            vec!["analyze", dir, "--pseudonymise", "--out", out],
        ),
        (
            "the pseudonym map inside the report folder",
            vec![
                "analyze",
                dir,
                "--pseudonymise",
                "--pseudonym-key-file",
                "Cargo.toml",
                "--pseudonym-map",
                &inside,
                "--out",
                out,
            ],
        ),
        (
            "a recipient that is not an address",
            vec!["send", out, "--to", "not an address", "--eml", "x.eml"],
        ),
    ];
    for (name, args) in cases {
        let (code, stderr) = status_and_stderr(&args);
        assert_eq!(code, Some(2), "{name}: {stderr}");
        assert!(stderr.starts_with("error: "), "{name}: {stderr}");
    }
    assert!(!Path::new(out).exists(), "nothing written");
}

#[test]
fn a_data_problem_still_exits_1() {
    let tmp = tempfile::tempdir().expect("temp");
    let (code, stderr) = status_and_stderr(&[
        "analyze",
        tmp.path().to_str().expect("path"),
        "--out",
        tmp.path().join("r").to_str().expect("path"),
    ]);
    assert_eq!(code, Some(1), "{stderr}");
}

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let bin = assert_cmd::cargo::cargo_bin("rightsize");
    // `true` exits without reading, so rightsize's first line of output meets a closed pipe.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(r#"set -o pipefail; "$0" validate "$1" | true; echo "status=${PIPESTATUS[0]}" >&2"#)
        .arg(&bin)
        .arg(fixture("classes"))
        .output()
        .expect("bash");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("status=0"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}
