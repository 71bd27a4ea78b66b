//! `rightsize send` against a real SMTP server (`tests/support/smtp_sink.rs`, started here on
//! an ephemeral port of 127.0.0.1, in Rust: nothing else needs installing): the received message
//! is parsed and its structure, attachments and recipients checked; the marker stops a second
//! send; `--eml` writes the same message without a server.

mod common;
#[path = "support/smtp_sink.rs"]
mod smtp_sink;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};

use common::{fixture, rightsize};
use mail_parser::{Message, MessageParser, MimeHeaders, PartType};
use smtp_sink::SmtpSink;

fn report(root: &Path) -> PathBuf {
    let out = root.join("report");
    rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&out)
        .arg(fixture("classes"))
        .assert()
        .success();
    out
}

fn addresses(a: Option<&mail_parser::Address>) -> Vec<String> {
    a.map(|a| {
        a.iter()
            .filter_map(|x| x.address().map(str::to_string))
            .collect()
    })
    .unwrap_or_default()
}

/// Checks what finance receives: structure, parts, attachments.
fn check_message(m: &Message, report: &Path) {
    let root = m.root_part().content_type().expect("root content type");
    assert_eq!(
        (root.ctype(), root.subtype()),
        ("multipart", Some("mixed")),
        "body and attachments"
    );
    let alternative = m
        .parts
        .iter()
        .find(|p| {
            p.content_type()
                .is_some_and(|c| c.ctype() == "multipart" && c.subtype() == Some("alternative"))
        })
        .expect("a multipart/alternative part");
    let kids: Vec<_> = alternative
        .sub_parts()
        .expect("alternative has parts")
        .iter()
        .map(|&i| &m.parts[i as usize])
        .collect();
    let types: Vec<_> = kids
        .iter()
        .map(|p| {
            let c = p.content_type().expect("type");
            format!("{}/{}", c.ctype(), c.subtype().unwrap_or(""))
        })
        .collect();
    assert_eq!(types, ["text/plain", "text/html"]);
    let text = m.body_text(0).expect("plain text");
    assert!(
        text.contains("Annual saving (known prices): USD 8,004.00 (USD 667.00 a month)"),
        "{text}"
    );
    let html = m.body_html(0).expect("html");
    assert!(
        html.len() < 100 * 1024,
        "HTML summary is {} bytes",
        html.len()
    );
    assert!(!html.contains("<script") && !html.contains("<link"));
    assert!(html.contains("USD 8,004.00"), "headline in the HTML part");
    assert!(!html.contains("=cmd|' /C"), "no raw user text");

    let mut names = BTreeSet::new();
    for a in m.attachments() {
        let name = a.attachment_name().expect("attachment name").to_string();
        let on_disk = std::fs::read(report.join(&name)).expect("attached file is in the report");
        let body = match &a.body {
            PartType::Binary(b) | PartType::InlineBinary(b) => b.to_vec(),
            PartType::Text(t) | PartType::Html(t) => t.as_bytes().to_vec(),
            _ => panic!("unexpected attachment body for {name}"),
        };
        // Text parts come back decoded to str, which drops the CSV's BOM on the way in.
        let strip = |b: &[u8]| b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b).to_vec();
        assert!(strip(&body) == strip(&on_disk), "{name} arrives intact");
        names.insert(name);
    }
    let want: BTreeSet<String> = [
        "bill.csv",
        "deployment.csv",
        "devices.csv",
        "recommendations.csv",
        "rejected.csv",
        "renewal.csv",
        "report.xlsx",
        "scenarios.csv",
        "summary.csv",
        "trials.csv",
    ]
    .map(String::from)
    .into();
    assert_eq!(names, want);
    assert!(
        !names.iter().any(|n| n.ends_with(".html")),
        "never an HTML attachment"
    );
}

#[test]
fn a_report_is_delivered_to_a_real_smtp_server() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = report(tmp.path());
    let sink = SmtpSink::start();
    let send = |extra: &[&str]| {
        let mut c = rightsize();
        c.arg("send")
            .arg(&out)
            .args([
                "--to",
                "cfo@contoso.com",
                "fpa@contoso.com",
                "--cc",
                "it@contoso.com",
            ])
            .args(extra)
            .env(
                "RIGHTSIZE_SMTP_URL",
                format!("smtp://127.0.0.1:{}", sink.port()),
            )
            .env("RIGHTSIZE_SMTP_FROM", "Licensing <licensing@contoso.com>")
            .env_remove("RIGHTSIZE_SMTP_USER")
            .env_remove("RIGHTSIZE_SMTP_PASSWORD");
        c
    };
    send(&["--quiet"]).assert().success();

    let first = sink.message(1);
    assert_eq!(first.mail_from, "licensing@contoso.com");
    let rcpt: BTreeSet<&str> = first.rcpt_to.iter().map(String::as_str).collect();
    assert_eq!(
        rcpt,
        ["cfo@contoso.com", "fpa@contoso.com", "it@contoso.com"].into()
    );
    let m = MessageParser::default()
        .parse(&first.data)
        .expect("a MIME message");
    assert_eq!(addresses(m.to()), ["cfo@contoso.com", "fpa@contoso.com"]);
    assert_eq!(addresses(m.cc()), ["it@contoso.com"]);
    assert_eq!(addresses(m.from()), ["licensing@contoso.com"]);
    assert_eq!(
        m.subject(),
        Some("Dynamics 365 licence right-sizing as of 2026-10-31")
    );
    check_message(&m, &out);

    // The marker stops an accidental second send; --force sends again.
    assert!(out.join("sent.json").exists());
    let again = send(&["--quiet"]).assert().failure();
    let err = String::from_utf8_lossy(&again.get_output().stderr).to_string();
    assert!(
        err.contains("already sent") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(sink.count(), 1, "a refused send delivers nothing");
    send(&["--quiet", "--force", "--subject", "Q4 licences"])
        .assert()
        .success();
    let second = sink.message(2);
    let m = MessageParser::default()
        .parse(&second.data)
        .expect("second message");
    assert_eq!(m.subject(), Some("Q4 licences"));
    assert_eq!(sink.count(), 2);
}

/// The test server itself: the commands and replies `send` relies on, and dot-unstuffing.
#[test]
fn the_test_smtp_server_speaks_smtp() {
    let sink = SmtpSink::start();
    let stream = TcpStream::connect(sink.addr()).expect("connect");
    let mut out = stream.try_clone().expect("clone");
    let mut input = BufReader::new(stream);
    // Sends one command (or none) and returns the reply's code and its last line.
    let mut say = |line: &str| -> (u16, String) {
        if !line.is_empty() {
            out.write_all(line.as_bytes()).expect("write");
            out.write_all(b"\r\n").expect("write");
        }
        loop {
            let mut reply = String::new();
            input.read_line(&mut reply).expect("reply");
            assert!(
                reply.ends_with("\r\n"),
                "reply line ends with CRLF: {reply:?}"
            );
            let code = reply[..3].parse().expect("reply code");
            if reply.as_bytes()[3] == b' ' {
                return (code, reply.trim_end().to_string());
            }
        }
    };
    assert_eq!(say("").0, 220, "greeting");
    assert_eq!(say("MAIL FROM:<a@example.com>").0, 503, "EHLO first");
    assert_eq!(say("EHLO client.example.com").0, 250);
    assert_eq!(say("RCPT TO:<b@example.com>").0, 503, "MAIL first");
    assert_eq!(say("MAIL FROM:a@example.com").0, 501, "path needs <>");
    assert_eq!(say("mail from:<a@example.com> BODY=8BITMIME").0, 250);
    assert_eq!(say("MAIL FROM:<a@example.com>").0, 503, "nested MAIL");
    assert_eq!(say("RCPT TO:<b@example.com>").0, 250);
    assert_eq!(say("RSET").0, 250);
    assert_eq!(say("DATA").0, 503, "RSET dropped the transaction");
    assert_eq!(say("NOOP").0, 250);
    assert_eq!(say("MAIL FROM:<a@example.com>").0, 250);
    assert_eq!(say("DATA").0, 554, "no recipients yet");
    assert_eq!(say("RCPT TO: <b@example.com>").0, 250);
    assert_eq!(say("RCPT TO:<c@example.com>").0, 250);
    assert_eq!(say("DATA").0, 354);
    let (code, _) = say("Subject: dots\r\n\r\n..leading dot\r\n..\r\nlast\r\n.");
    assert_eq!(code, 250, "message accepted");
    assert_eq!(say("HELO again.example.com").0, 250);
    assert_eq!(say("FROB").0, 502);
    assert_eq!(say("QUIT").0, 221);

    let m = sink.message(1);
    assert_eq!(m.helo, "client.example.com");
    assert_eq!(m.mail_from, "a@example.com");
    assert_eq!(m.rcpt_to, ["b@example.com", "c@example.com"]);
    assert_eq!(
        String::from_utf8_lossy(&m.data),
        "Subject: dots\r\n\r\n.leading dot\r\n.\r\nlast\r\n"
    );
    assert_eq!(sink.count(), 1);
}

#[test]
fn eml_writes_the_same_message_without_a_server() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = report(tmp.path());
    let eml = tmp.path().join("report.eml");
    rightsize()
        .arg("send")
        .arg(&out)
        .args(["--to", "cfo@contoso.com", "--eml"])
        .arg(&eml)
        .env_remove("RIGHTSIZE_SMTP_URL")
        .env("RIGHTSIZE_SMTP_FROM", "licensing@contoso.com")
        .assert()
        .success();
    let bytes = std::fs::read(&eml).expect("eml written");
    let m = MessageParser::default()
        .parse(&bytes)
        .expect("a MIME message");
    check_message(&m, &out);
    assert!(
        !out.join("sent.json").exists(),
        "writing a file is not sending"
    );
}

#[test]
fn sending_needs_a_relay_from_the_environment_or_a_file() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = report(tmp.path());
    let run = rightsize()
        .arg("send")
        .arg(&out)
        .args(["--to", "cfo@contoso.com"])
        .env_remove("RIGHTSIZE_SMTP_URL")
        .assert()
        .failure()
        .code(1);
    let err = String::from_utf8_lossy(&run.get_output().stderr).to_string();
    assert!(err.contains("RIGHTSIZE_SMTP_URL"), "{err}");
    // There is no option that takes a password.
    rightsize()
        .arg("send")
        .arg(&out)
        .args(["--to", "cfo@contoso.com", "--password", "x"])
        .assert()
        .failure()
        .code(2);
    // A report folder without report.json is refused.
    rightsize()
        .arg("send")
        .arg(tmp.path())
        .args(["--to", "cfo@contoso.com", "--eml", "x.eml"])
        .assert()
        .failure()
        .code(1);
}

/// With a scenarios file, the email lists each scenario as stdout does, in both parts.
#[test]
fn the_email_lists_the_scenarios() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = common::copy_fixture("classes", tmp.path());
    std::fs::write(
        dir.join("scenarios.toml"),
        "[[scenario]]\nname = \"remove only\"\nadopt = [\"remove\"]\n",
    )
    .expect("write");
    let out = tmp.path().join("report");
    let run = rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    let line = stdout
        .lines()
        .find(|l| l.starts_with("scenario remove only: total USD "))
        .unwrap_or_else(|| panic!("a stdout line for the scenario:\n{stdout}"))
        .to_string();
    let eml = tmp.path().join("report.eml");
    rightsize()
        .arg("send")
        .arg(&out)
        .args(["--to", "cfo@contoso.com", "--eml"])
        .arg(&eml)
        .env_remove("RIGHTSIZE_SMTP_URL")
        .env("RIGHTSIZE_SMTP_FROM", "licensing@contoso.com")
        .assert()
        .success();
    let bytes = std::fs::read(&eml).expect("eml written");
    let m = MessageParser::default().parse(&bytes).expect("MIME");
    let text = m.body_text(0).expect("plain text");
    assert!(text.contains("What-if scenarios"), "{text}");
    assert!(text.contains(&line), "{line} in:\n{text}");
    let html = m.body_html(0).expect("html");
    assert!(html.contains("What-if scenarios") && html.contains("remove only"));
}
