//! Bill lines as data: the policy's `[[usage.line]]` rules, compiled once (case-insensitive
//! globs over service, meter category, subcategory and meter name) and applied by one pure
//! function, first match wins. A cost export has few distinct (service, category, subcategory,
//! meter) combinations, so the reader classifies each combination once, never each row.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use anyhow::{Result, bail};

/// One or more patterns, as the TOML writes them (`"x"` or `["x", "y"]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Patterns {
    One(String),
    Many(Vec<String>),
}

impl Patterns {
    fn list(&self) -> Vec<String> {
        match self {
            Patterns::One(s) => vec![s.clone()],
            Patterns::Many(v) => v.clone(),
        }
    }
}

/// A rule as the policy file writes it (`[[usage.line]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLine {
    pub line: String,
    pub service: Option<Patterns>,
    pub category: Option<Patterns>,
    pub subcategory: Option<Patterns>,
    pub meter: Option<Patterns>,
}

/// What a cost row is classified by (the values as the export writes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meter<'a> {
    pub service: &'a str,
    pub category: &'a str,
    pub subcategory: &'a str,
    pub meter: &'a str,
}

/// One compiled rule; an absent field matches anything.
#[derive(Debug, Clone)]
struct LineRule {
    line: usize,
    service: Option<GlobSet>,
    category: Option<GlobSet>,
    subcategory: Option<GlobSet>,
    meter: Option<GlobSet>,
}

/// The validated rules and the bill lines they name, in the order they first appear.
#[derive(Debug, Clone, Default)]
pub struct LineRules {
    names: Vec<String>,
    rules: Vec<LineRule>,
}

impl LineRules {
    /// Compiles the rules; errors name `label` (the policy file) and the rule's key.
    pub fn build(raw: &[RawLine], label: &str) -> Result<LineRules> {
        let mut out = LineRules::default();
        for (i, r) in raw.iter().enumerate() {
            let at = format!("{label}: [[usage.line]] #{}", i + 1);
            let name = r.line.trim();
            if name.is_empty() {
                bail!("{at}: line must not be empty");
            }
            if r.service.is_none()
                && r.category.is_none()
                && r.subcategory.is_none()
                && r.meter.is_none()
            {
                bail!(
                    "{at} (line \"{name}\"): no service, category, subcategory or meter pattern; \
                     a rule without one would put every row (virtual machines too) on the bill — \
                     write service = \"*\" if that is meant"
                );
            }
            let line = match out.names.iter().position(|n| n == name) {
                Some(k) => k,
                None => {
                    out.names.push(name.to_string());
                    out.names.len() - 1
                }
            };
            let set = |p: &Option<Patterns>, key: &str| -> Result<Option<GlobSet>> {
                p.as_ref().map(|p| compile(&p.list(), &at, key)).transpose()
            };
            out.rules.push(LineRule {
                line,
                service: set(&r.service, "service")?,
                category: set(&r.category, "category")?,
                subcategory: set(&r.subcategory, "subcategory")?,
                meter: set(&r.meter, "meter")?,
            });
        }
        Ok(out)
    }

    /// The bill lines, in the order the rules first name them.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The bill line of a cost row (index into `names`): the first rule whose every pattern
    /// matches; `None` when no rule does (the row stays off the bill).
    pub fn classify(&self, m: Meter) -> Option<usize> {
        let hit = |set: &Option<GlobSet>, value: &str| {
            set.as_ref().is_none_or(|s| s.is_match(value.trim()))
        };
        self.rules
            .iter()
            .find(|r| {
                hit(&r.service, m.service)
                    && hit(&r.category, m.category)
                    && hit(&r.subcategory, m.subcategory)
                    && hit(&r.meter, m.meter)
            })
            .map(|r| r.line)
    }

    /// The name of a line index.
    pub fn name(&self, line: usize) -> &str {
        self.names.get(line).map_or("", String::as_str)
    }
}

fn compile(patterns: &[String], at: &str, key: &str) -> Result<GlobSet> {
    if patterns.is_empty() {
        bail!("{at}: {key} must not be an empty list");
    }
    let mut set = GlobSetBuilder::new();
    for p in patterns {
        let glob: Glob = GlobBuilder::new(p.trim())
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map_err(|e| anyhow::anyhow!("{at}: {key} \"{p}\": {e}"))?;
        set.add(glob);
    }
    set.build().map_err(|e| anyhow::anyhow!("{at}: {key}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;
    use crate::prices::PriceBook;

    fn builtin() -> LineRules {
        let book = PriceBook::load(None).expect("built-in book");
        Policy::load(None, &book)
            .expect("built-in policy")
            .usage_lines
    }

    fn line_of<'a>(rules: &'a LineRules, m: Meter) -> Option<&'a str> {
        rules.classify(m).map(|i| rules.name(i))
    }

    #[test]
    fn built_in_rules_are_the_spec_table() {
        let rules = builtin();
        let m = |service, category, subcategory, meter| Meter {
            service,
            category,
            subcategory,
            meter,
        };
        let acs = "microsoft.communication";
        let focus = "Azure Communication Services";
        let cases = [
            (
                "recording before voice",
                m(acs, "Voice", "", "Call Recording Minute"),
                Some("recording"),
            ),
            (
                "recording, FOCUS service name",
                m(focus, "Voice", "", "Standard Recording"),
                Some("recording"),
            ),
            (
                "numbers",
                m(acs, "Phone Numbers", "", "US Leased Number"),
                Some("phone-numbers"),
            ),
            (
                "voice",
                m(acs, "Voice", "PSTN", "Standard Inbound"),
                Some("voice"),
            ),
            (
                "voice, odd case and spaces",
                m(
                    " MICROSOFT.Communication ",
                    " voice",
                    "",
                    "Standard Outbound",
                ),
                Some("voice"),
            ),
            (
                "voice, FOCUS",
                m(focus, "Voice", "", "A2AGroupCalling User CCaaS Minute"),
                Some("voice"),
            ),
            ("sms", m(acs, "SMS", "", "Toll-free Message"), Some("sms")),
            (
                "whatsapp",
                m(acs, "Messaging", "Advanced Messaging", "Channel Fee"),
                Some("whatsapp"),
            ),
            (
                "copilot",
                m(
                    "microsoft.powerplatform",
                    "Power Platform",
                    "",
                    "Copilot Studio Message",
                ),
                Some("copilot-credits"),
            ),
            (
                "copilot meter elsewhere is not copilot credits",
                m("microsoft.compute", "Other", "", "Copilot thing"),
                None,
            ),
            (
                "dataverse, any service",
                m(
                    "microsoft.powerplatform",
                    "Power Platform",
                    "",
                    "Dataverse Database Capacity",
                ),
                Some("dataverse-capacity"),
            ),
            (
                "power pages",
                m(
                    "microsoft.powerplatform",
                    "Power Platform",
                    "",
                    "Power Pages Authenticated",
                ),
                Some("power-pages"),
            ),
            (
                "other ACS",
                m(acs, "Email", "", "Email Sent"),
                Some("other-contact-center"),
            ),
            (
                "virtual machine",
                m("Microsoft.Compute", "Virtual Machines", "D2s v3", "D2s v3"),
                None,
            ),
            (
                "storage",
                m("Microsoft.Storage", "Storage", "", "Hot LRS Data Stored"),
                None,
            ),
            ("empty row", m("", "", "", ""), None),
        ];
        for (name, meter, want) in cases {
            assert_eq!(line_of(&rules, meter), want, "{name}");
        }
        assert_eq!(
            rules.names(),
            [
                "recording",
                "phone-numbers",
                "voice",
                "sms",
                "whatsapp",
                "copilot-credits",
                "dataverse-capacity",
                "power-pages",
                "other-contact-center"
            ]
        );
    }

    #[test]
    fn first_match_wins_and_lines_may_repeat() {
        let raw: Vec<RawLine> = toml::from_str::<std::collections::BTreeMap<String, Vec<RawLine>>>(
            "line = [\
             {line = 'a', meter = '*x*'},\
             {line = 'b', category = ['Voice', 'SMS']},\
             {line = 'a', subcategory = 'sub?'}]",
        )
        .expect("toml")
        .remove("line")
        .expect("lines");
        let rules = LineRules::build(&raw, "policy.toml").expect("rules");
        let m = |category, subcategory, meter| Meter {
            service: "s",
            category,
            subcategory,
            meter,
        };
        let cases = [
            ("meter first", m("Voice", "", "XX"), Some("a")),
            ("list of categories", m("sms", "", "y"), Some("b")),
            ("second rule of line a", m("Other", "SUB1", "y"), Some("a")),
            ("single-character wildcard", m("Other", "sub12", "y"), None),
        ];
        for (name, meter, want) in cases {
            assert_eq!(line_of(&rules, meter), want, "{name}");
        }
        assert_eq!(rules.names(), ["a", "b"]);
    }

    #[test]
    fn bad_rules_name_file_and_key() {
        let cases = [
            ("bad glob", "line = 'a'\nmeter = 'a['", "meter"),
            ("no pattern", "line = 'a'", "no service"),
            (
                "empty line",
                "line = ' '\nmeter = 'x'",
                "line must not be empty",
            ),
            (
                "empty list",
                "line = 'a'\nservice = []",
                "service must not be",
            ),
        ];
        for (name, text, want) in cases {
            let raw: RawLine = toml::from_str(text).expect(name);
            let err = LineRules::build(&[raw], "policy.toml").expect_err(name);
            let msg = format!("{err:#}");
            assert!(msg.contains(want), "{name}: {msg}");
            assert!(
                msg.contains("policy.toml: [[usage.line]] #1"),
                "{name}: {msg}"
            );
        }
    }
}
