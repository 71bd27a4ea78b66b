//! `--pseudonymise`: replaces user ids, UPNs and display names with keyed HMAC-SHA-256
//! pseudonyms in the `Analysis` before any renderer sees it, so every output (CSV, HTML, JSON,
//! XLSX and the email made from them) is covered by one transformation. A keyed hash, not a
//! plain one: without the key nobody can rebuild the mapping by hashing a staff directory. The
//! same key gives the same pseudonyms in every run, so quarter-to-quarter diffs still match users.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Context, Result, bail};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::analysis::Analysis;

/// Environment variable holding the key (alternative: `--pseudonym-key-file`).
pub const KEY_ENV: &str = "RIGHTSIZE_PSEUDONYM_KEY";

/// Shorter keys are refused: an HMAC key must not be guessable.
const MIN_KEY_BYTES: usize = 16;

/// Hex digits kept from the HMAC: 48 bits, no collision to expect below millions of users.
const HEX_DIGITS: usize = 12;

/// Turns originals into pseudonyms and remembers the mapping for `--pseudonym-map`.
pub struct Pseudonymiser {
    key: Vec<u8>,
    /// (kind, pseudonym) → original, sorted for a deterministic map file.
    mapping: BTreeMap<(&'static str, String), String>,
}

impl Pseudonymiser {
    pub fn new(key: &[u8]) -> Result<Pseudonymiser> {
        let key = trim_ascii(key);
        if key.len() < MIN_KEY_BYTES {
            bail!(
                "the pseudonym key is {} bytes long; use at least {MIN_KEY_BYTES} random bytes \
                 (e.g. `openssl rand -hex 32`)",
                key.len()
            );
        }
        Ok(Pseudonymiser {
            key: key.to_vec(),
            mapping: BTreeMap::new(),
        })
    }

    /// The key from `--pseudonym-key-file`, else from the environment; an error says how to
    /// give one (pseudonymising with a made-up key would make the mapping unreproducible).
    pub fn from_file_or_env(file: Option<&Path>) -> Result<Pseudonymiser> {
        let key = match file {
            Some(f) => std::fs::read(f)
                .with_context(|| format!("cannot read the pseudonym key file {}", f.display()))?,
            None => match std::env::var_os(KEY_ENV) {
                Some(v) if !v.is_empty() => v.into_encoded_bytes(),
                _ => bail!(
                    "--pseudonymise needs a key: set {KEY_ENV} or pass --pseudonym-key-file FILE \
                     (keep the same key every quarter so pseudonyms stay comparable)"
                ),
            },
        };
        Pseudonymiser::new(&key)
    }

    fn digest(&self, kind: &str, value: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC accepts keys of any length");
        mac.update(kind.as_bytes());
        mac.update(b"\0");
        mac.update(value.to_lowercase().as_bytes());
        let hex = hex::encode(mac.finalize().into_bytes());
        hex[..HEX_DIGITS].to_string()
    }

    fn remember(&mut self, kind: &'static str, pseudonym: &str, original: &str) {
        self.mapping
            .entry((kind, pseudonym.to_string()))
            .or_insert_with(|| original.to_string());
    }

    /// A user id's pseudonym (case-insensitive, as the join is). A key that is a UPN (activity
    /// joined on UPN) gets the UPN's pseudonym, so one person has one pseudonym everywhere.
    pub fn id(&mut self, id: &str) -> String {
        if id.is_empty() {
            return String::new();
        }
        if id.contains('@') {
            return self.upn(id);
        }
        let p = format!("user-{}", self.digest("id", id));
        self.remember("user_id", &p, id);
        p
    }

    pub fn upn(&mut self, upn: &str) -> String {
        if upn.is_empty() {
            return String::new();
        }
        let p = format!("{}@pseudonym.invalid", self.digest("upn", upn));
        self.remember("upn", &p, upn);
        p
    }

    pub fn name(&mut self, name: &str) -> String {
        if name.is_empty() {
            return String::new();
        }
        let p = format!("Person {}", self.digest("name", name));
        self.remember("display_name", &p, name);
        p
    }

    /// Pseudonymises every user-identifying value of the analysis in place.
    pub fn apply(&mut self, a: &mut Analysis) {
        // Originals that may appear inside free text (reasons, rejected rows), per token.
        let mut tokens: HashMap<String, String> = HashMap::new();
        for p in &mut a.priced {
            let u = &mut p.rec.user;
            let (id, upn, name) = (self.id(&u.id), self.upn(&u.upn), self.name(&u.display_name));
            for reason in &mut p.rec.reasons {
                *reason = replace_all(reason, &[(&u.id, &id), (&u.upn, &upn)]);
                if !u.display_name.is_empty() {
                    *reason = reason.replace(&u.display_name, &name);
                }
            }
            for (orig, pseudo) in [(&u.id, &id), (&u.upn, &upn)] {
                if !orig.is_empty() {
                    tokens.insert(orig.to_lowercase(), pseudo.clone());
                }
            }
            (u.id, u.upn, u.display_name) = (id, upn, name);
        }
        for l in &mut a.licences {
            for u in &mut l.users {
                *u = self.id(u);
            }
        }
        for t in &mut a.trials {
            t.user_id = self.id(&t.user_id);
        }
        for d in a.devices.values_mut() {
            for (u, _) in &mut d.users {
                *u = self.id(u);
            }
            d.users.sort();
        }
        // Rejected rows quote the offending value, which may be a UPN or an id.
        for r in &mut a.rejected {
            r.problem = replace_tokens(&r.problem, &tokens);
        }
        for w in &mut a.warnings {
            *w = replace_tokens(w, &tokens);
        }
    }

    /// The mapping as CSV (kind, pseudonym, original): for the admin only, written only when
    /// asked (`--pseudonym-map FILE`).
    pub fn mapping_csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::WriterBuilder::new().from_writer(b"\xEF\xBB\xBF".to_vec());
        w.write_record(["kind", "pseudonym", "original"])?;
        for ((kind, pseudo), orig) in &self.mapping {
            w.write_record([kind, pseudo.as_str(), &crate::report::safe_text(orig)])?;
        }
        w.into_inner()
            .map_err(|e| anyhow::anyhow!("cannot render the pseudonym map: {e}"))
    }
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    // A key file written by `echo` ends in a newline that is not part of the key.
    b.trim_ascii()
}

fn replace_all(text: &str, pairs: &[(&String, &String)]) -> String {
    let mut out = text.to_string();
    for (orig, pseudo) in pairs {
        if !orig.is_empty() {
            out = out.replace(orig.as_str(), pseudo.as_str());
        }
    }
    out
}

/// Replaces whole tokens (ids, UPNs) found in `tokens`, case-insensitively; a token is a run of
/// characters that can occur in an id or a UPN.
fn replace_tokens(text: &str, tokens: &HashMap<String, String>) -> String {
    let is_tok = |c: char| c.is_alphanumeric() || matches!(c, '@' | '.' | '_' | '-' | '\'');
    let mut out = String::with_capacity(text.len());
    let mut cur = String::new();
    let flush = |cur: &mut String, out: &mut String| {
        let trimmed = cur.trim_end_matches('.');
        match tokens.get(&trimmed.to_lowercase()) {
            Some(p) => {
                out.push_str(p);
                out.push_str(&cur[trimmed.len()..]);
            }
            None => out.push_str(cur),
        }
        cur.clear();
    };
    for c in text.chars() {
        if is_tok(c) {
            cur.push(c);
        } else {
            flush(&mut cur, &mut out);
            out.push(c);
        }
    }
    flush(&mut cur, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Pseudonymiser {
        Pseudonymiser::new(b"0123456789abcdef-test-key").expect("key")
    }

    #[test]
    fn pseudonyms_are_stable_keyed_and_case_insensitive() {
        let (mut a, mut b) = (p(), p());
        assert_eq!(a.upn("Anna@Contoso.com"), b.upn("anna@contoso.com"));
        assert_eq!(a.id("ABC-1"), b.id("abc-1"));
        let mut other = Pseudonymiser::new(b"another key of 16+ bytes").expect("key");
        assert_ne!(a.upn("anna@contoso.com"), other.upn("anna@contoso.com"));
        // id, UPN and name of the same text do not collide (domain separation)
        assert_ne!(a.id("x1")[5..], a.name("x1")[7..]);
        assert!(!a.upn("anna@contoso.com").contains("anna"));
        assert_eq!(a.id(""), "");
    }

    #[test]
    fn a_short_key_is_refused() {
        assert!(Pseudonymiser::new(b"short\n").is_err());
        assert!(Pseudonymiser::new(b"  0123456789abcdef  \n").is_ok());
    }

    #[test]
    fn an_id_that_is_a_upn_gets_the_upn_pseudonym() {
        let mut a = p();
        assert_eq!(a.id("anna@contoso.com"), a.upn("ANNA@contoso.com"));
    }

    #[test]
    fn tokens_are_replaced_whole_and_case_insensitively() {
        let tokens: HashMap<String, String> =
            [("anna@contoso.com".to_string(), "P1".to_string())].into();
        let cases = [
            ("bad upn ANNA@contoso.com.", "bad upn P1."),
            ("\"anna@contoso.com\" twice", "\"P1\" twice"),
            ("xanna@contoso.com", "xanna@contoso.com"),
            ("nothing here", "nothing here"),
        ];
        for (input, want) in cases {
            assert_eq!(replace_tokens(input, &tokens), want, "{input}");
        }
    }

    #[test]
    fn the_mapping_lists_every_pseudonym_once() {
        let mut a = p();
        let x = a.upn("anna@contoso.com");
        a.upn("ANNA@contoso.com");
        a.name("=Anna");
        let csv = String::from_utf8(a.mapping_csv().expect("csv")).expect("utf8");
        assert_eq!(csv.lines().count(), 3, "{csv}");
        assert!(csv.contains(&format!("upn,{x},anna@contoso.com")));
        assert!(csv.contains(",'=Anna"), "formula guard: {csv}");
    }
}
