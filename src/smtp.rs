//! Sending over SMTP (lettre): the relay, sender and credentials come from the environment
//! (`RIGHTSIZE_SMTP_URL`, `RIGHTSIZE_SMTP_FROM`, `RIGHTSIZE_SMTP_USER`, `RIGHTSIZE_SMTP_PASSWORD`)
//! or a settings file, never from the command line (it shows in `ps` and shell history). TLS is
//! required unless the relay is on this machine. A marker in the report folder stops the same
//! report being sent twice by accident.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use serde::Deserialize;

/// The marker `send` leaves in a report folder it delivered.
pub const MARKER: &str = "sent.json";

/// How the message leaves this machine.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: Option<String>,
    pub password: Option<String>,
    pub from: Option<String>,
}

impl std::fmt::Debug for SmtpConfig {
    // Never print the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (`smtps://`, port 465).
    Implicit,
    /// STARTTLS, refused if the server does not offer it (`smtp://` to another machine).
    StartTls,
    /// Plain text: only to a relay on this machine.
    LocalPlain,
}

/// The settings file (TOML): `url`, `from`, and optionally `user` and `password`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    url: Option<String>,
    from: Option<String>,
    user: Option<String>,
    password: Option<String>,
}

/// Where to read settings from: a file, else the environment (injected for tests).
pub fn load(file: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Result<SmtpConfig> {
    let fc = match file {
        Some(p) => {
            warn_if_readable_by_others(p);
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the SMTP settings file {}", p.display()))?;
            toml::from_str::<FileConfig>(&text).with_context(|| {
                format!(
                    "{}: expected url = \"smtps://host\", from = \"…\" and optionally user and password",
                    p.display()
                )
            })?
        }
        None => FileConfig::default(),
    };
    let url = fc.url.or_else(|| env("RIGHTSIZE_SMTP_URL")).with_context(|| {
        "no SMTP relay configured: set RIGHTSIZE_SMTP_URL (e.g. smtps://user@smtp.example.com or \
         smtp://localhost:25) or pass --smtp-config FILE; or write the message with --eml FILE"
    })?;
    let mut cfg = parse_url(&url)?;
    cfg.from = fc.from.or_else(|| env("RIGHTSIZE_SMTP_FROM"));
    if let Some(u) = fc.user.or_else(|| env("RIGHTSIZE_SMTP_USER")) {
        cfg.user = Some(u);
    }
    if let Some(p) = fc.password.or_else(|| env("RIGHTSIZE_SMTP_PASSWORD")) {
        cfg.password = Some(p);
    }
    if cfg.password.is_some() && cfg.user.is_none() {
        bail!("an SMTP password is set but no user (RIGHTSIZE_SMTP_USER or user in the URL)");
    }
    Ok(cfg)
}

fn warn_if_readable_by_others(p: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(p)
            && m.permissions().mode() & 0o077 != 0
        {
            eprintln!(
                "warning: {} can be read by other users; it may hold a password (chmod 600)",
                p.display()
            );
        }
    }
}

/// `smtp://[user[:password]@]host[:port]` or `smtps://…`.
pub fn parse_url(s: &str) -> Result<SmtpConfig> {
    let url = url::Url::parse(s.trim()).map_err(|e| {
        anyhow::anyhow!("the SMTP URL is not valid ({e}); e.g. smtps://smtp.example.com")
    })?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .context("the SMTP URL has no host")?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let local = is_local(&host);
    let (security, default_port) = match url.scheme() {
        "smtps" => (Security::Implicit, 465),
        "smtp" if local => (Security::LocalPlain, 25),
        "smtp" => (Security::StartTls, 587),
        other => bail!("the SMTP URL must start with smtp:// or smtps://, not {other}://"),
    };
    let user = Some(percent_decode(url.username())).filter(|u| !u.is_empty());
    let password = url.password().map(percent_decode);
    Ok(SmtpConfig {
        port: url.port().unwrap_or(default_port),
        host,
        security,
        user,
        password,
        from: None,
    })
}

/// A relay on this machine: plain SMTP is acceptable there (nothing crosses a network).
pub fn is_local(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Sends the message through the configured relay.
pub fn send(cfg: &SmtpConfig, message: &Message) -> Result<()> {
    let tls = |host: &str| TlsParameters::new(host.to_string()).context("cannot set up TLS");
    let tls = match cfg.security {
        Security::Implicit => Tls::Wrapper(tls(&cfg.host)?),
        Security::StartTls => Tls::Required(tls(&cfg.host)?),
        Security::LocalPlain => Tls::None,
    };
    let mut b = SmtpTransport::builder_dangerous(cfg.host.clone())
        .port(cfg.port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(60)));
    if let (Some(u), Some(p)) = (&cfg.user, &cfg.password) {
        b = b.credentials(Credentials::new(u.clone(), p.clone()));
    }
    b.build().send(message).with_context(|| {
        format!(
            "the SMTP relay {}:{} did not accept the message",
            cfg.host, cfg.port
        )
    })?;
    Ok(())
}

/// Refuses a second send of the same report folder unless forced.
pub fn check_marker(dir: &Path, force: bool) -> Result<()> {
    let marker = dir.join(MARKER);
    if marker.exists() && !force {
        let what = std::fs::read_to_string(&marker).unwrap_or_default();
        bail!(
            "this report was already sent ({}: {}); pass --force to send it again",
            marker.display(),
            what.trim()
        );
    }
    Ok(())
}

/// Records the delivery in the report folder (outside the manifest: the report is unchanged).
pub fn write_marker(dir: &Path, to: &[String], cc: &[String], subject: &str) -> Result<()> {
    let manifest = std::fs::read(dir.join("manifest.json")).unwrap_or_default();
    let doc = serde_json::json!({
        // The wall clock belongs here: this is a record of an event, not report content.
        "sent_at": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "to": to,
        "cc": cc,
        "subject": subject,
        "manifest_sha256": crate::ingest::sha256_hex(&manifest),
    });
    let path = dir.join(MARKER);
    std::fs::write(&path, serde_json::to_vec_pretty(&doc)?)
        .with_context(|| format!("sent, but cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_tls_unless_the_relay_is_local() {
        let cases = [
            (
                "smtps://smtp.example.com",
                "smtp.example.com",
                465,
                Security::Implicit,
            ),
            (
                "smtp://smtp.example.com",
                "smtp.example.com",
                587,
                Security::StartTls,
            ),
            (
                "smtp://smtp.example.com:25",
                "smtp.example.com",
                25,
                Security::StartTls,
            ),
            ("smtp://localhost", "localhost", 25, Security::LocalPlain),
            (
                "smtp://127.0.0.1:2525",
                "127.0.0.1",
                2525,
                Security::LocalPlain,
            ),
            ("smtp://[::1]:2525", "::1", 2525, Security::LocalPlain),
            ("smtps://localhost", "localhost", 465, Security::Implicit),
            // a private address is still another machine
            ("smtp://10.0.0.5", "10.0.0.5", 587, Security::StartTls),
        ];
        for (url, host, port, security) in cases {
            let c = parse_url(url).expect(url);
            assert_eq!(
                (c.host.as_str(), c.port, c.security),
                (host, port, security),
                "{url}"
            );
        }
        assert!(parse_url("http://x").is_err());
        assert!(parse_url("not a url").is_err());
    }

    #[test]
    fn credentials_come_from_the_url_or_the_environment() {
        let c = parse_url("smtps://fin%40contoso.com:p%3Ass@smtp.example.com").expect("url");
        assert_eq!(c.user.as_deref(), Some("fin@contoso.com"));
        assert_eq!(c.password.as_deref(), Some("p:ss"));
        let env = |k: &str| match k {
            "RIGHTSIZE_SMTP_URL" => Some("smtp://smtp.example.com".to_string()),
            "RIGHTSIZE_SMTP_USER" => Some("u".to_string()),
            "RIGHTSIZE_SMTP_PASSWORD" => Some("secret".to_string()),
            "RIGHTSIZE_SMTP_FROM" => Some("licensing@contoso.com".to_string()),
            _ => None,
        };
        let c = load(None, &env).expect("config");
        assert_eq!(c.security, Security::StartTls);
        assert_eq!(c.user.as_deref(), Some("u"));
        assert_eq!(c.from.as_deref(), Some("licensing@contoso.com"));
        assert!(
            !format!("{c:?}").contains("secret"),
            "Debug hides the password"
        );
        assert!(load(None, &|_| None).is_err(), "no relay is an error");
    }

    #[test]
    fn a_settings_file_overrides_the_environment() {
        let dir = tempfile::tempdir().expect("temp");
        let p = dir.path().join("smtp.toml");
        std::fs::write(
            &p,
            "url = \"smtps://mail.example.com:2465\"\nfrom = \"a@b.com\"\nuser = \"x\"\npassword = \"y\"\n",
        )
        .expect("write");
        let env = |k: &str| (k == "RIGHTSIZE_SMTP_URL").then(|| "smtp://localhost".to_string());
        let c = load(Some(&p), &env).expect("config");
        assert_eq!((c.host.as_str(), c.port), ("mail.example.com", 2465));
        assert_eq!(c.security, Security::Implicit);
        std::fs::write(&p, "url = \"smtps://h\"\npasword = \"typo\"\n").expect("write");
        assert!(load(Some(&p), &env).is_err(), "unknown keys are refused");
    }

    #[test]
    fn the_marker_stops_a_second_send_unless_forced() {
        let dir = tempfile::tempdir().expect("temp");
        check_marker(dir.path(), false).expect("first send allowed");
        write_marker(dir.path(), &["a@b.com".into()], &[], "s").expect("marker");
        assert!(check_marker(dir.path(), false).is_err());
        check_marker(dir.path(), true).expect("forced");
    }
}
