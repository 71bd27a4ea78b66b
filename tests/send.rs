//! `rightsize send` against a real SMTP server (aiosmtpd, started here on 127.0.0.1): the
//! received message is parsed and its structure, attachments and recipients checked; the
//! marker stops a second send; `--eml` writes the same message without a server.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{fixture, rightsize};
use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

/// The SMTP server process; stopped when the test ends, pass or fail.
struct Sink {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Sink {
    fn start(dir: &Path) -> Sink {
        // A free port: bind to port 0, note the port, release it for the server.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect(
                "python3 runs (the SMTP test needs python3 with aiosmtpd: pip install aiosmtpd)",
            );
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read");
        if line.trim() != "ready" {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            panic!("the SMTP server did not start (pip install aiosmtpd): {err}");
        }
        Sink {
            child,
            port,
            dir: dir.to_path_buf(),
        }
    }

    /// Waits for the n-th message (1-based) and returns its bytes and envelope.
    fn message(&self, n: u32) -> (Vec<u8>, serde_json::Value) {
        let eml = self.dir.join(format!("{n:03}.eml"));
        let start = Instant::now();
        while !eml.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no message {n} received"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let env = std::fs::read(self.dir.join(format!("{n:03}.json"))).expect("envelope");
        (
            std::fs::read(&eml).expect("eml"),
            serde_json::from_slice(&env).expect("json"),
        )
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        drop(self.child.stdin.take()); // the server stops when its stdin closes
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
        "devices.csv",
        "recommendations.csv",
        "rejected.csv",
        "renewal.csv",
        "report.xlsx",
        "summary.csv",
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
    let inbox = tmp.path().join("inbox");
    std::fs::create_dir(&inbox).expect("inbox");
    let sink = Sink::start(&inbox);
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
                format!("smtp://127.0.0.1:{}", sink.port),
            )
            .env("RIGHTSIZE_SMTP_FROM", "Licensing <licensing@contoso.com>")
            .env_remove("RIGHTSIZE_SMTP_USER")
            .env_remove("RIGHTSIZE_SMTP_PASSWORD");
        c
    };
    send(&["--quiet"]).assert().success();

    let (bytes, envelope) = sink.message(1);
    assert_eq!(envelope["mail_from"], "licensing@contoso.com");
    let rcpt: BTreeSet<&str> = envelope["rcpt_tos"]
        .as_array()
        .expect("recipients")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(
        rcpt,
        ["cfo@contoso.com", "fpa@contoso.com", "it@contoso.com"].into()
    );
    let m = MessageParser::default()
        .parse(&bytes)
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
    send(&["--quiet", "--force", "--subject", "Q4 licences"])
        .assert()
        .success();
    let (bytes, _) = sink.message(2);
    let m = MessageParser::default()
        .parse(&bytes)
        .expect("second message");
    assert_eq!(m.subject(), Some("Q4 licences"));
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
