//! Low-level text rules that ingest and profile share: how a user id is normalised (GUIDs
//! lower-cased, braces removed) and how a yes/no cell reads. Below both layers, so imports run
//! one way.

use std::borrow::Cow;

/// GUIDs compare lower-cased without braces; other ids are only trimmed and lower-cased.
pub fn normalise_id(s: &str) -> String {
    normalise_id_cow(s).into_owned()
}

/// `normalise_id` without allocating when the id is already normal (the common case: this
/// runs once per event).
pub fn normalise_id_cow(s: &str) -> Cow<'_, str> {
    // Fast path (almost every id): nothing to trim, nothing to lower-case.
    if let (Some(&first), Some(&last)) = (s.as_bytes().first(), s.as_bytes().last())
        && !first.is_ascii_whitespace()
        && first != b'{'
        && !last.is_ascii_whitespace()
        && last != b'}'
        && is_lower(s)
    {
        return Cow::Borrowed(s);
    }
    lower(s.trim().trim_start_matches('{').trim_end_matches('}'))
}

/// Whether a text has no upper-case (and no non-ASCII) character.
pub fn is_lower(s: &str) -> bool {
    // A fold without an early exit, which the compiler vectorises (ids are checked per event).
    !s.bytes()
        .fold(false, |bad, b| bad | b.is_ascii_uppercase() | !b.is_ascii())
}

/// Lower-case, borrowing when there is nothing to change.
pub fn lower(s: &str) -> Cow<'_, str> {
    if !is_lower(s) {
        Cow::Owned(s.to_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// A count with thousands separators: `9,800`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A value that is not a boolean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotABool;

/// Parses `true/false/yes/no/1/0`; empty is `None`.
pub fn parse_bool(s: &str) -> Result<Option<bool>, NotABool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "yes" | "1" | "y" => Ok(Some(true)),
        "false" | "no" | "0" | "n" => Ok(Some(false)),
        _ => Err(NotABool),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_trimmed_unbraced_and_lower_cased() {
        for (raw, want) in [
            ("abc-1", "abc-1"),
            (" ABC-1 ", "abc-1"),
            ("{ABC-1}", "abc-1"),
            ("\u{a0}abc", "abc"),
            ("Ünïcode", "ünïcode"),
            ("", ""),
        ] {
            assert_eq!(normalise_id(raw), want, "{raw:?}");
        }
        assert!(matches!(
            normalise_id_cow("already-normal"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn counts_have_thousands_separators() {
        for (n, want) in [
            (0, "0"),
            (412, "412"),
            (9_800, "9,800"),
            (312_856, "312,856"),
            (1_000_000, "1,000,000"),
        ] {
            assert_eq!(thousands(n), want, "{n}");
        }
    }

    #[test]
    fn booleans() {
        let cases = [
            ("true", Ok(Some(true))),
            ("FALSE", Ok(Some(false))),
            ("", Ok(None)),
            (" yes ", Ok(Some(true))),
            ("0", Ok(Some(false))),
            ("maybe", Err(NotABool)),
        ];
        for (input, want) in cases {
            assert_eq!(parse_bool(input), want, "{input:?}");
        }
    }
}
