//! Rejected rows for a reader, not a log: grouped by file, column and kind of problem, with
//! counts, the commonest values and the first lines, so that 300,000 rejects read as a few
//! lines. The full list stays in `rejected.csv`.

use std::collections::BTreeMap;

use super::Rejected;
use crate::text::thousands;

/// Values shown per group; lines shown per group.
const VALUES_SHOWN: usize = 5;
const LINES_SHOWN: usize = 3;
/// Longest value shown, in characters.
const VALUE_CHARS: usize = 40;

/// One file, column and kind of problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub file: String,
    pub column: String,
    /// The problem without the value (`is not true or false`, `user id is empty`).
    pub kind: String,
    pub rows: u64,
    /// Whether `rows` counts every rejected row of the column, not only the kept details.
    pub exact: bool,
    /// Distinct values with their counts, commonest first (ties: first seen first).
    pub values: Vec<(String, u64)>,
    /// Whether the positions are Parquet rows rather than CSV lines.
    pub by_row: bool,
    /// The first positions (lines, or rows for Parquet).
    pub first: Vec<u64>,
}

/// Splits `"fax" is not a channel…` into the value and the kind; a problem without a quoted
/// value is all kind.
fn split(problem: &str) -> (Option<&str>, &str) {
    if let Some(rest) = problem.strip_prefix('"')
        && let Some(end) = rest.rfind("\" ")
    {
        return (Some(&rest[..end]), rest[end + 2..].trim());
    }
    (None, problem)
}

/// Groups the kept details; `totals` gives, per (file, column), every rejected row counted
/// (the details keep only the first ones of a large file).
pub fn group(rejected: &[Rejected], totals: &BTreeMap<(String, String), u64>) -> Vec<Group> {
    // (file, column, kind) → index in `out`, in order of first appearance
    let mut index: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    let mut out: Vec<Group> = Vec::new();
    let mut seen_values: Vec<Vec<String>> = Vec::new();
    for r in rejected {
        let (value, kind) = split(&r.problem);
        let key = (r.file.as_str(), r.column.as_str(), kind);
        let i = *index.entry(key).or_insert_with(|| {
            out.push(Group {
                file: r.file.clone(),
                column: r.column.clone(),
                kind: kind.to_string(),
                rows: 0,
                exact: false,
                values: Vec::new(),
                by_row: r.row > 0,
                first: Vec::new(),
            });
            seen_values.push(Vec::new());
            out.len() - 1
        });
        let g = &mut out[i];
        g.rows += 1;
        if g.first.len() < LINES_SHOWN {
            g.first.push(if r.row > 0 { r.row } else { r.line });
        }
        if let Some(v) = value {
            match g.values.iter_mut().find(|(x, _)| x == v) {
                Some(slot) => slot.1 += 1,
                None => g.values.push((v.to_string(), 1)),
            }
        }
    }
    for g in &mut out {
        // Stable: ties keep the order values were first seen in.
        g.values.sort_by_key(|v| std::cmp::Reverse(v.1));
    }
    // Where every rejected row of a column was counted and the column has one kind of
    // problem, that count is the group's.
    for ((file, column), &total) in totals {
        let mut of_column = out
            .iter_mut()
            .filter(|g| &g.file == file && &g.column == column);
        if let (Some(g), None) = (of_column.next(), of_column.next()) {
            g.rows = g.rows.max(total);
            g.exact = true;
        }
    }
    out
}

/// The groups as lines, and for a column whose kinds could not all be counted, its total.
pub fn lines(rejected: &[Rejected], totals: &BTreeMap<(String, String), u64>) -> Vec<String> {
    let groups = group(rejected, totals);
    let mut out: Vec<String> = groups.iter().map(Group::line).collect();
    for ((file, column), &total) in totals {
        let of_column: Vec<&Group> = groups
            .iter()
            .filter(|g| &g.file == file && &g.column == column)
            .collect();
        let counted: u64 = of_column.iter().map(|g| g.rows).sum();
        let noun = if total == 1 { "row" } else { "rows" };
        if of_column.is_empty() && total > 0 {
            // Past the details kept for the file (the first rejected rows of each).
            out.push(format!(
                "{file}: {column}: {} {noun}, past the rejected rows whose details are kept",
                thousands(total)
            ));
        } else if total > counted && !of_column.iter().any(|g| g.exact) {
            out.push(format!(
                "{file}: {column}: {} {noun} in all (the first of them above)",
                thousands(total)
            ));
        }
    }
    out
}

impl Group {
    /// `activity.csv: channel: 312,856 rows: is not a channel…; values fax (300,000), telex
    /// (12,856); first at lines 241, 263, 314`.
    pub fn line(&self) -> String {
        let mut s = self.file.clone();
        if !self.column.is_empty() {
            s.push_str(": ");
            s.push_str(&self.column);
        }
        let noun = if self.rows == 1 { "row" } else { "rows" };
        s.push_str(&format!(": {} {noun}: {}", thousands(self.rows), self.kind));
        if !self.values.is_empty() {
            let shown: Vec<String> = self
                .values
                .iter()
                .take(VALUES_SHOWN)
                .map(|(v, n)| format!("{} ({})", shorten(v), thousands(*n)))
                .collect();
            let more = if self.values.len() > VALUES_SHOWN {
                format!(
                    " and {} more",
                    thousands((self.values.len() - VALUES_SHOWN) as u64)
                )
            } else {
                String::new()
            };
            s.push_str(&format!("; values {}{more}", shown.join(", ")));
        }
        if !self.first.is_empty() {
            let at: Vec<String> = self.first.iter().map(u64::to_string).collect();
            let what = match (self.by_row, self.first.len()) {
                (true, 1) => "row",
                (true, _) => "rows",
                (false, 1) => "line",
                (false, _) => "lines",
            };
            s.push_str(&format!("; first at {what} {}", at.join(", ")));
        }
        s
    }
}

fn shorten(v: &str) -> String {
    let v = if v.is_empty() { "(empty)" } else { v };
    if v.chars().count() > VALUE_CHARS {
        let cut: String = v.chars().take(VALUE_CHARS).collect();
        format!("{cut}…")
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u64, column: &str, problem: &str) -> Rejected {
        Rejected::at_line("activity.csv", line, column, problem)
    }

    #[test]
    fn problems_split_into_value_and_kind() {
        let cases = [
            (
                "quoted value",
                "\"fax\" is not a channel",
                Some("fax"),
                "is not a channel",
            ),
            (
                "quote in value",
                "\"a\" b\" is not a date",
                Some("a\" b"),
                "is not a date",
            ),
            ("no value", "user id is empty", None, "user id is empty"),
            (
                "empty value",
                "\"\" is not true or false",
                Some(""),
                "is not true or false",
            ),
        ];
        for (name, problem, value, kind) in cases {
            assert_eq!(split(problem), (value, kind), "{name}");
        }
    }

    #[test]
    fn rejects_are_grouped_with_counts_values_and_first_lines() {
        let mut rejected = Vec::new();
        for line in 10..20 {
            let v = if line % 3 == 0 { "telex" } else { "fax" };
            rejected.push(at(line, "channel", &format!("\"{v}\" is not a channel")));
        }
        rejected.push(at(30, "user_id", "user id is empty"));
        let mut totals = BTreeMap::new();
        totals.insert(("activity.csv".to_string(), "channel".to_string()), 312_856);
        let lines: Vec<String> = group(&rejected, &totals).iter().map(Group::line).collect();
        assert_eq!(
            lines,
            [
                "activity.csv: channel: 312,856 rows: is not a channel; values fax (7), telex (3); first at lines 10, 11, 12",
                "activity.csv: user_id: 1 row: user id is empty; first at line 30",
            ]
        );
    }

    #[test]
    fn a_column_with_two_kinds_keeps_the_counted_details() {
        let rejected = vec![
            at(2, "timestamp", "timestamp is empty"),
            at(3, "timestamp", "\"x\" is not a ISO 8601 timestamp"),
        ];
        let mut totals = BTreeMap::new();
        totals.insert(
            ("activity.csv".to_string(), "timestamp".to_string()),
            50_000,
        );
        let groups = group(&rejected, &totals);
        assert_eq!(groups.len(), 2);
        assert!(groups.iter().all(|g| g.rows == 1 && !g.exact));
        let all = lines(&rejected, &totals);
        assert_eq!(
            all.last().map(String::as_str),
            Some("activity.csv: timestamp: 50,000 rows in all (the first of them above)")
        );
    }

    #[test]
    fn a_column_past_the_kept_details_is_still_counted() {
        let mut totals = BTreeMap::new();
        totals.insert(("activity.csv".to_string(), "operation".to_string()), 1);
        assert_eq!(
            lines(&[], &totals),
            ["activity.csv: operation: 1 row, past the rejected rows whose details are kept"]
        );
    }
}
