//! The channel map: canonical `channel` and Omnichannel `msdyn_channel` values (names and
//! numeric codes) → voice, digital or no channel. The map is data (`defaults/channels.toml`),
//! loaded and validated once; looking a value up runs once per event, so it never allocates.

use std::collections::HashMap;
use std::sync::OnceLock;

use anyhow::{Result, anyhow, bail};
use serde::Deserialize;

use super::{BAD, CH_DIGITAL, CH_NONE, CH_VOICE};

/// The built-in channel map, compiled into the binary.
pub const BUILTIN: &str = include_str!("../defaults/channels.toml");

/// The longest normalised value looked up; anything longer is no channel name.
const MAX_KEY: usize = 64;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawMap {
    voice: Vec<String>,
    digital: Vec<String>,
    record_routing: Vec<String>,
    none: Vec<String>,
}

/// Normalised channel value → slim channel code.
#[derive(Debug)]
pub struct ChannelMap {
    codes: HashMap<Box<str>, u8>,
}

impl ChannelMap {
    /// Parses and validates a map: every value normalises to something, and to one list only.
    pub fn parse(text: &str, label: &str) -> Result<ChannelMap> {
        let raw: RawMap = toml::from_str(text).map_err(|e| anyhow!("{label}: {e}"))?;
        let lists = [
            ("voice", CH_VOICE, raw.voice),
            ("digital", CH_DIGITAL, raw.digital),
            ("record-routing", CH_NONE, raw.record_routing),
            ("none", CH_NONE, raw.none),
        ];
        let mut codes: HashMap<Box<str>, u8> = HashMap::new();
        let mut seen: HashMap<String, &str> = HashMap::new();
        for (key, code, values) in lists {
            for v in values {
                let mut buf = [0u8; MAX_KEY];
                let Some(n) = normalise(&v, &mut buf) else {
                    bail!("{label}: {key}: \"{v}\" is longer than {MAX_KEY} characters");
                };
                let norm = std::str::from_utf8(&buf[..n])
                    .map_err(|_| anyhow!("{label}: {key}: \"{v}\" is not valid text"))?;
                if norm.is_empty() {
                    bail!("{label}: {key}: \"{v}\" is empty once case and spaces are ignored");
                }
                if let Some(other) = seen.insert(norm.to_string(), key) {
                    bail!("{label}: {key}: \"{v}\" is also listed under {other}");
                }
                codes.insert(norm.into(), code);
            }
        }
        Ok(ChannelMap { codes })
    }

    /// The built-in map, parsed once.
    pub fn builtin() -> Result<&'static ChannelMap> {
        static MAP: OnceLock<std::result::Result<ChannelMap, String>> = OnceLock::new();
        MAP.get_or_init(|| {
            ChannelMap::parse(BUILTIN, "built-in channels.toml").map_err(|e| format!("{e:#}"))
        })
        .as_ref()
        .map_err(|e| anyhow!("{e}"))
    }

    /// The slim channel code of a value (trimmed; `None` or empty is no channel), `BAD` when
    /// the value is in no list.
    pub fn code(&self, v: Option<&str>) -> u8 {
        let Some(s) = v.filter(|s| !s.is_empty()) else {
            return CH_NONE;
        };
        // Fast path: a value already in normal form (`voice`, `digital`, a numeric code) is
        // looked up as it is.
        if s.len() <= MAX_KEY
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return self.codes.get(s).copied().unwrap_or(BAD);
        }
        let mut buf = [0u8; MAX_KEY];
        let Some(n) = normalise(s, &mut buf) else {
            return BAD;
        };
        if n == 0 {
            return CH_NONE;
        }
        match std::str::from_utf8(&buf[..n]) {
            Ok(key) => self.codes.get(key).copied().unwrap_or(BAD),
            Err(_) => BAD,
        }
    }
}

/// Writes `s` lower-cased (ASCII), without white space, hyphens, underscores or apostrophes,
/// into `buf`; the length written, or `None` when it does not fit.
fn normalise(s: &str, buf: &mut [u8; MAX_KEY]) -> Option<usize> {
    let mut n = 0;
    for ch in s.chars() {
        if ch.is_whitespace() || matches!(ch, '-' | '_' | '\'' | '\u{2019}') {
            continue;
        }
        let ch = ch.to_ascii_lowercase();
        let len = ch.len_utf8();
        if n + len > MAX_KEY {
            return None;
        }
        ch.encode_utf8(&mut buf[n..n + len]);
        n += len;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_values_map_to_codes() {
        let map = ChannelMap::builtin().expect("built-in map");
        let cases = [
            ("missing", None, CH_NONE),
            ("empty", Some(""), CH_NONE),
            ("short voice", Some("voice"), CH_VOICE),
            ("upper voice", Some("Voice"), CH_VOICE),
            ("voice call", Some("Voice call"), CH_VOICE),
            ("voice call, no space", Some("voicecall"), CH_VOICE),
            ("phone", Some("Phone"), CH_VOICE),
            ("call", Some("CALL"), CH_VOICE),
            ("voice code", Some("192370000"), CH_VOICE),
            ("voice call code", Some("192440000"), CH_VOICE),
            ("digital", Some("digital"), CH_DIGITAL),
            ("chat", Some("chat"), CH_DIGITAL),
            ("live chat", Some("Live chat"), CH_DIGITAL),
            ("live chat, odd spacing", Some("LIVE  Chat"), CH_DIGITAL),
            ("live chat code", Some("192360000"), CH_DIGITAL),
            ("sms", Some("sms"), CH_DIGITAL),
            ("whatsapp", Some("WhatsApp"), CH_DIGITAL),
            ("teams", Some("Microsoft Teams"), CH_DIGITAL),
            ("teams short", Some("teams"), CH_DIGITAL),
            ("teams code", Some("19241000"), CH_DIGITAL),
            ("co-browse", Some("Co-browse"), CH_DIGITAL),
            ("google", Some("Google's Business Messages"), CH_DIGITAL),
            (
                "google, curly apostrophe",
                Some("Google\u{2019}s Business Messages"),
                CH_DIGITAL,
            ),
            ("apple", Some("apple messages for business"), CH_DIGITAL),
            ("entity records", Some("Entity Records"), CH_NONE),
            ("entity records code", Some("192350000"), CH_NONE),
            ("none", Some("None"), CH_NONE),
            ("unknown name", Some("fax"), BAD),
            ("unknown code", Some("192999999"), BAD),
            ("too long", Some(&"x".repeat(100)), BAD),
            ("non-ascii", Some("chät"), BAD),
        ];
        for (name, v, want) in cases {
            assert_eq!(map.code(v), want, "{name}");
        }
    }

    #[test]
    fn a_value_in_two_lists_is_an_error() {
        let text = "voice = [\"voice\"]\ndigital = [\"Voice \"]\nrecord-routing = []\nnone = []\n";
        let err = format!(
            "{:#}",
            ChannelMap::parse(text, "t.toml").expect_err("duplicate")
        );
        assert!(
            err.contains("\"Voice \" is also listed under voice"),
            "{err}"
        );
    }

    #[test]
    fn an_empty_value_is_an_error() {
        let text = "voice = [\" - \"]\ndigital = []\nrecord-routing = []\nnone = []\n";
        let err = format!(
            "{:#}",
            ChannelMap::parse(text, "t.toml").expect_err("empty")
        );
        assert!(err.contains("empty"), "{err}");
    }
}
