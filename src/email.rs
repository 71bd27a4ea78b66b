//! The message `rightsize send` delivers: `multipart/mixed` holding a `multipart/alternative`
//! (a plain-text and a short inline-CSS HTML summary, under 100 KB so Gmail does not clip it and
//! Outlook's Word engine renders it) and the report's XLSX and CSV files as attachments. Never
//! an `.html` attachment: mail filters quarantine them. Everything is read from the report
//! folder's `report.json`, so a pseudonymised report gives a pseudonymised message.

use std::path::Path;

use anyhow::{Context, Result, bail};
use askama::Template;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};

use crate::diff::{ChangeKind, Section};
use crate::money::{fmt_opt, fmt2};
use crate::report::model::{Group, Report};

/// Gmail clips a message body past ~102 KB; stay clearly below.
pub const MAX_HTML_BYTES: usize = 100 * 1024;

/// Who the message goes to and what it is called.
pub struct Addressing {
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
}

/// The parts of the message before they are put together (tested without any SMTP).
pub struct Content {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// (file name, bytes), sorted by name.
    pub attachments: Vec<(String, Vec<u8>)>,
}

#[derive(Template)]
#[template(path = "email.html")]
struct EmailHtml<'a> {
    s: &'a Summary,
}

/// The figures of the summary, as text.
struct Summary {
    as_of: String,
    window: String,
    currency: String,
    annual: String,
    monthly: String,
    seats_to_reduce: i64,
    users: u64,
    unknown: u64,
    rejected_rows: u64,
    rejected_users: u64,
    /// (bill today, bill after, net saving) a year, when usage or capacity data was given.
    bill: Option<(String, String, String)>,
    realisable: Option<(String, String)>,
    pseudonymised: bool,
    /// (class, users, annual saving)
    classes: Vec<(String, u64, String)>,
    /// (product, seats held, recommended, annual saving at renewal)
    skus: Vec<(String, String, u64, String)>,
    trend: Option<TrendText>,
    /// One line per what-if scenario (as on stdout).
    scenarios: Vec<String>,
    attachments: Vec<String>,
}

struct TrendText {
    previous_as_of: String,
    annual_before: String,
    annual_change: String,
    class_changes: usize,
    new_users: usize,
    departed: usize,
    /// (class, users before, users now, annual change)
    classes: Vec<(String, u64, u64, String)>,
    /// The whole bill a year (before, now, change), when both reports know it.
    bill: Option<(String, String, String)>,
}

/// `1234567.5` → `1,234,567.50`: thousands separators for the reader (amounts are already
/// rounded text from report.json).
pub fn grouped(amount: &str) -> String {
    if amount.is_empty() || amount == "unknown" {
        return amount.to_string();
    }
    let (sign, rest) = match amount.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", amount),
    };
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if frac.is_empty() {
        format!("{sign}{out}")
    } else {
        format!("{sign}{out}.{frac}")
    }
}

/// A signed change: `+1,200.00`, `-30.00`, `0.00`.
pub fn signed(amount: &str) -> String {
    if amount.starts_with('-') || amount == "unknown" || amount.is_empty() {
        grouped(amount)
    } else if amount.trim_start_matches(['0', '.']).is_empty() {
        amount.to_string()
    } else {
        format!("+{}", grouped(amount))
    }
}

fn summary(report: &Report, attachments: &[String]) -> Summary {
    let h = &report.headline;
    let classes = report
        .rows(Group::Class)
        .map(|r| (r.name.clone(), r.users, grouped(&fmt2(r.annual_saving))))
        .collect();
    let skus = report
        .renewal
        .iter()
        .map(|r| {
            (
                report.product(&r.sku).to_string(),
                r.held().to_string(),
                r.recommended,
                grouped(&fmt_opt(r.annual_saving_at_renewal)),
            )
        })
        .collect();
    let trend = report.trend.as_ref().map(|t| {
        let total = t.total();
        TrendText {
            previous_as_of: t.old_as_of.clone(),
            annual_before: total.map_or(String::new(), |r| grouped(&fmt_opt(r.old_annual))),
            annual_change: total.map_or(String::new(), |r| signed(&fmt_opt(r.annual_change()))),
            class_changes: t.count(ChangeKind::Class),
            new_users: t.count(ChangeKind::New),
            departed: t.count(ChangeKind::Departed),
            classes: t
                .rows
                .iter()
                .filter(|r| r.section == Section::Class)
                .map(|r| {
                    (
                        r.name.clone(),
                        r.old_count,
                        r.new_count,
                        signed(&fmt_opt(r.annual_change())),
                    )
                })
                .collect(),
            bill: t
                .bill
                .iter()
                .find(|b| b.name == "bill")
                .and_then(|b| Some((b.old?, b.new?, b.change()?)))
                .map(|(o, n, c)| (grouped(&fmt2(o)), grouped(&fmt2(n)), signed(&fmt2(c)))),
        }
    });
    Summary {
        as_of: report.as_of.to_string(),
        window: format!("{} to {}", report.window.from, report.window.to),
        annual: grouped(&fmt2(h.annual_saving)),
        monthly: grouped(&fmt2(h.monthly_saving)),
        seats_to_reduce: h.seats_to_reduce,
        users: h.users,
        unknown: h.users_with_unknown_saving,
        rejected_rows: h.rejected_rows,
        rejected_users: h.rejected_users,
        bill: (report.bill.cost_data || report.bill.capacity_data).then(|| {
            let b = &report.bill;
            (
                grouped(&fmt_opt(b.annual_total_now)),
                grouped(&fmt_opt(b.annual_total_after)),
                grouped(&fmt_opt(b.net_annual_saving)),
            )
        }),
        realisable: h.realisable.as_ref().map(|r| {
            (
                grouped(&fmt2(r.this_fiscal_year)),
                r.renewal_date.to_string(),
            )
        }),
        pseudonymised: report.pseudonymised,
        currency: report.currency.clone(),
        classes,
        skus,
        trend,
        scenarios: crate::report::scenario_model::scenario_lines(report),
        attachments: attachments.to_vec(),
    }
}

fn plain_text(x: &Summary) -> String {
    let c = &x.currency;
    let mut t = format!(
        "Dynamics 365 Customer Service licence right-sizing, as of {}\nWindow {}; {} licensed users analysed.\n\n",
        x.as_of, x.window, x.users
    );
    if let Some((now, after, net)) = &x.bill {
        t += &format!(
            "The bill a year (licences, usage, overage): {c} {now} today, {c} {after} after the \
             recommendations; net saving {c} {net}\n"
        );
    }
    t += &format!(
        "Annual saving (known prices): {c} {} ({c} {} a month)\n",
        x.annual, x.monthly
    );
    match &x.realisable {
        Some((amount, renewal)) => {
            t += &format!(
                "Realisable this fiscal year: {c} {amount} (from the renewal on {renewal})\n"
            );
        }
        None => t += "Realisable this fiscal year: unknown (no renewal_date in the policy)\n",
    }
    t += &format!("Seats to reduce at renewal: {}\n", x.seats_to_reduce);
    if x.unknown > 0 {
        t += &format!(
            "{} user(s) have an unknown saving (a price is missing); they are not in the totals.\n",
            x.unknown
        );
    }
    if x.rejected_rows > 0 {
        t += &format!(
            "{} input row(s) were rejected, touching {} licensed user(s): see the data quality sheet.\n",
            x.rejected_rows, x.rejected_users
        );
    }
    if let Some(tr) = &x.trend {
        t += &format!(
            "\nAgainst the previous report (as of {}): annual saving was {c} {}, change {c} {}; \
             {} user(s) changed class, {} new, {} departed.\n",
            tr.previous_as_of,
            tr.annual_before,
            tr.annual_change,
            tr.class_changes,
            tr.new_users,
            tr.departed
        );
        if let Some((before, now, change)) = &tr.bill {
            t += &format!(
                "The whole bill a year was {c} {before}, is {c} {now} (change {c} {change}).\n"
            );
        }
    }
    if !x.scenarios.is_empty() {
        t += "\nWhat-if scenarios (see scenarios.csv):\n";
        for line in &x.scenarios {
            t += &format!("  {line}\n");
        }
    }
    t += "\nBy class (users, annual saving):\n";
    for (name, users, annual) in &x.classes {
        t += &format!("  {name:<12} {users:>6}  {c} {annual:>14}\n");
    }
    if x.pseudonymised {
        t += "\nUsers are pseudonymised: the mapping stays with the Dynamics admin.\n";
    }
    t += &format!("\nAttached: {}.\n", x.attachments.join(", "));
    t += "The full HTML report (report.html) stays in the report folder: mail filters quarantine HTML attachments.\n";
    t
}

/// Files attached from a report folder: the workbook and every CSV, sorted; never HTML.
pub fn attachment_names(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        let lower = name.to_ascii_lowercase();
        if entry.file_type()?.is_file() && (lower.ends_with(".csv") || lower.ends_with(".xlsx")) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// Reads the report folder and writes the summary parts.
pub fn content(dir: &Path, subject: Option<&str>) -> Result<Content> {
    let path = dir.join("report.json");
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "cannot read {}: send needs a report folder written by `rightsize analyze` with the json format",
            path.display()
        )
    })?;
    let report = Report::parse(&bytes)
        .with_context(|| format!("{} is not a rightsize report", path.display()))?;
    let names = attachment_names(dir)?;
    if names.is_empty() {
        bail!(
            "{} holds no report.xlsx and no CSV file to attach (analyze with --format csv,xlsx)",
            dir.display()
        );
    }
    let sum = summary(&report, &names);
    let html = EmailHtml { s: &sum }.render()?;
    if html.len() > MAX_HTML_BYTES {
        bail!(
            "the HTML summary is {} bytes, over the {MAX_HTML_BYTES}-byte limit that keeps mail \
             clients from clipping it",
            html.len()
        );
    }
    let mut attachments = Vec::new();
    for name in names {
        let p = dir.join(&name);
        attachments.push((
            name,
            std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?,
        ));
    }
    Ok(Content {
        subject: subject.map_or_else(
            || format!("Dynamics 365 licence right-sizing as of {}", sum.as_of),
            str::to_string,
        ),
        text: plain_text(&sum),
        html,
        attachments,
    })
}

fn content_type(name: &str) -> ContentType {
    let ct = if name.to_ascii_lowercase().ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    ContentType::parse(ct).expect("a fixed, valid content type")
}

/// Puts the message together.
pub fn message(c: Content, to: &Addressing) -> Result<Message> {
    let mut b = Message::builder()
        .from(to.from.clone())
        .subject(c.subject)
        .user_agent(format!("rightsize {}", env!("CARGO_PKG_VERSION")));
    for m in &to.to {
        b = b.to(m.clone());
    }
    for m in &to.cc {
        b = b.cc(m.clone());
    }
    let mut body = MultiPart::mixed().multipart(MultiPart::alternative_plain_html(c.text, c.html));
    for (name, bytes) in c.attachments {
        let ct = content_type(&name);
        body = body.singlepart(Attachment::new(name).body(bytes, ct));
    }
    b.multipart(body).context("cannot build the message")
}

/// Parses an address given on the command line or in the configuration.
pub fn mailbox(s: &str) -> Result<Mailbox> {
    s.trim()
        .parse()
        .with_context(|| format!("\"{s}\" is not an email address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_get_thousands_separators() {
        let cases = [
            ("0.00", "0.00"),
            ("667.00", "667.00"),
            ("1234.50", "1,234.50"),
            ("114300.00", "114,300.00"),
            ("-1234567.00", "-1,234,567.00"),
            ("unknown", "unknown"),
        ];
        for (input, want) in cases {
            assert_eq!(grouped(input), want, "{input}");
        }
        assert_eq!(signed("1200.00"), "+1,200.00");
        assert_eq!(signed("-30.00"), "-30.00");
        assert_eq!(signed("0.00"), "0.00");
    }
}
