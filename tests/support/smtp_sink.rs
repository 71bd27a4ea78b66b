//! A small, real SMTP server for the `send` tests (RFC 5321's minimum: EHLO/HELO, MAIL FROM,
//! RCPT TO, DATA with dot-unstuffing, RSET, NOOP, QUIT; no TLS, no AUTH). It listens on an
//! ephemeral port of 127.0.0.1, records each message's envelope and its bytes as received, and
//! stops when dropped. Nothing outside Rust's standard library is needed.
#![allow(dead_code)] // each test binary uses only some of it

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One accepted message: the envelope and the message bytes (CRLF line ends, dots unstuffed,
/// without the final `.` line).
#[derive(Debug, Clone)]
pub struct Received {
    pub helo: String,
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: Vec<u8>,
}

#[derive(Default)]
struct Inbox {
    messages: Mutex<Vec<Received>>,
    arrived: Condvar,
}

pub struct SmtpSink {
    addr: SocketAddr,
    inbox: Arc<Inbox>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

/// A client that stops talking cannot hold a test for longer than this.
const IDLE: Duration = Duration::from_secs(30);

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let inbox = Arc::new(Inbox::default());
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (inbox, stop) = (Arc::clone(&inbox), Arc::clone(&stop));
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let inbox = Arc::clone(&inbox);
                    std::thread::spawn(move || {
                        // A broken connection ends that session only; the test sees what arrived.
                        let _ = session(stream, &inbox);
                    });
                }
            })
        };
        SmtpSink {
            addr,
            inbox,
            stop,
            accept: Some(accept),
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Waits for the n-th message (1-based).
    pub fn message(&self, n: usize) -> Received {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut got = self.inbox.messages.lock().expect("inbox lock");
        while got.len() < n {
            let left = deadline
                .checked_duration_since(Instant::now())
                .unwrap_or_else(|| panic!("no message {n} received ({} so far)", got.len()));
            got = self
                .inbox
                .arrived
                .wait_timeout(got, left)
                .expect("inbox lock")
                .0;
        }
        got[n - 1].clone()
    }

    pub fn count(&self) -> usize {
        self.inbox.messages.lock().expect("inbox lock").len()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

#[derive(Default)]
struct Transaction {
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

/// One SMTP session, from the greeting to QUIT or the client going away.
fn session(stream: TcpStream, inbox: &Inbox) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IDLE))?;
    let mut out = stream.try_clone()?;
    let mut input = BufReader::new(stream);
    let mut reply = |text: &str| -> std::io::Result<()> {
        out.write_all(text.as_bytes())?;
        out.write_all(b"\r\n")?;
        out.flush()
    };
    reply("220 127.0.0.1 ESMTP rightsize test sink")?;
    let mut helo: Option<String> = None;
    let mut tx = Transaction::default();
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(()); // the client closed the connection
        }
        let text = String::from_utf8_lossy(trim_eol(&line)).into_owned();
        let (verb, arg) = match text.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.trim().to_string()),
            None => (text.trim().to_ascii_uppercase(), String::new()),
        };
        match verb.as_str() {
            "EHLO" | "HELO" if arg.is_empty() => reply("501 Syntax: EHLO hostname")?,
            "EHLO" => {
                helo = Some(arg);
                tx = Transaction::default();
                reply("250-127.0.0.1 greets you")?;
                reply("250-8BITMIME")?;
                reply("250-SMTPUTF8")?;
                reply("250 SIZE 52428800")?;
            }
            "HELO" => {
                helo = Some(arg);
                tx = Transaction::default();
                reply("250 127.0.0.1")?;
            }
            "MAIL" => match (&helo, &tx.mail_from, path_after(&arg, "FROM:")) {
                (None, _, _) => reply("503 Send EHLO or HELO first")?,
                (_, Some(_), _) => reply("503 Nested MAIL command")?,
                (_, _, None) => reply("501 Syntax: MAIL FROM:<address>")?,
                (_, _, Some(from)) => {
                    tx.mail_from = Some(from);
                    reply("250 OK")?;
                }
            },
            "RCPT" => match (&tx.mail_from, path_after(&arg, "TO:")) {
                (None, _) => reply("503 Need MAIL before RCPT")?,
                (_, Some(to)) if !to.is_empty() => {
                    tx.rcpt_to.push(to);
                    reply("250 OK")?;
                }
                (_, _) => reply("501 Syntax: RCPT TO:<address>")?,
            },
            "DATA" if !arg.is_empty() => reply("501 Syntax: DATA")?,
            "DATA" => {
                let Some(mail_from) = tx.mail_from.clone() else {
                    reply("503 Need MAIL command")?;
                    continue;
                };
                if tx.rcpt_to.is_empty() {
                    reply("554 No valid recipients")?;
                    continue;
                }
                reply("354 End data with <CR><LF>.<CR><LF>")?;
                let data = read_data(&mut input)?;
                let received = Received {
                    helo: helo.clone().unwrap_or_default(),
                    mail_from,
                    rcpt_to: std::mem::take(&mut tx.rcpt_to),
                    data,
                };
                tx = Transaction::default();
                inbox.messages.lock().expect("inbox lock").push(received);
                inbox.arrived.notify_all();
                reply("250 OK: message accepted")?;
            }
            "RSET" => {
                tx = Transaction::default();
                reply("250 OK")?;
            }
            "NOOP" => reply("250 OK")?,
            "QUIT" => {
                reply("221 Bye")?;
                let _ = out.shutdown(Shutdown::Both);
                return Ok(());
            }
            "VRFY" => reply("252 Cannot VRFY user")?,
            "" => reply("500 Empty command")?,
            _ => reply("502 Command not implemented")?,
        }
    }
}

/// The message after DATA: lines up to a line holding only `.`, each line's leading dot of a
/// dot-stuffed line removed (RFC 5321 section 4.5.2). Line ends are kept as sent.
fn read_data(input: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed inside DATA",
            ));
        }
        if trim_eol(&line) == b"." {
            return Ok(data);
        }
        let body = line.strip_prefix(b".").unwrap_or(&line);
        data.extend_from_slice(body);
    }
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The address of `FROM:<a@b> PARAMS` or `TO:<a@b>` (the keyword case-insensitive, a space after
/// the colon tolerated, parameters such as `BODY=8BITMIME` ignored). `<>` is the null path.
fn path_after(arg: &str, keyword: &str) -> Option<String> {
    let head = arg.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    Some(rest[..end].to_string())
}
