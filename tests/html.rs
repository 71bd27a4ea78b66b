//! The HTML report's structure: headline first, the charts as inline SVG, the sections in
//! reading order, balanced markup, and nothing loaded from outside the file (no script,
//! stylesheet, image, frame, font or link).

mod common;

use std::path::Path;

use common::{copy_fixture, fixture, rightsize};

fn analyze(out: &Path, extra: &[&str]) -> String {
    rightsize()
        .args(["analyze", "--quiet", "--format", "html,json", "--out"])
        .arg(out)
        .args(extra)
        .arg(fixture("classes"))
        .assert()
        .success();
    std::fs::read_to_string(out.join("report.html")).expect("html")
}

/// The page with a trend: the same fixture a month earlier is the previous report.
fn page_with_trend(root: &Path) -> String {
    let old = root.join("old");
    analyze(&old, &["--as-of", "2026-10-15"]);
    let prev = old.to_string_lossy().to_string();
    analyze(&root.join("new"), &["--previous", &prev])
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

#[test]
fn the_page_loads_nothing_external() {
    let tmp = tempfile::tempdir().expect("temp");
    let html = page_with_trend(tmp.path());
    let lower = html.to_lowercase();
    for banned in [
        "<script",
        "<link",
        "<img",
        "<iframe",
        "<object",
        "<embed",
        "<base",
        "<form",
        "@import",
        "url(",
        " src=",
        " href=",
        "srcset=",
        "@font-face",
    ] {
        assert!(!lower.contains(banned), "the page contains {banned}");
    }
    // The only URL is the SVG namespace, which is a name, not something fetched.
    let urls = count(&lower, "http://") + count(&lower, "https://");
    assert_eq!(urls, count(&lower, "xmlns=\"http://www.w3.org/2000/svg\""));
}

#[test]
fn the_page_has_its_structure() {
    let tmp = tempfile::tempdir().expect("temp");
    let html = page_with_trend(tmp.path());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    for tag in [
        "html", "head", "body", "table", "tr", "svg", "h1", "h2", "style",
    ] {
        assert_eq!(
            count(&html, &format!("<{tag}")),
            count(&html, &format!("</{tag}>")),
            "<{tag}> balanced"
        );
    }
    assert_eq!(count(&html, "<h1>"), 1);
    // The headline comes before every section and holds the three figures finance asks for.
    let headline = html.find("class=\"headline\"").expect("headline box");
    let first_h2 = html.find("<h2>").expect("sections");
    assert!(headline < first_h2);
    let box_end = headline
        + html[headline..]
            .find("</div>\n</div>")
            .expect("end of the box");
    let head = &html[headline..box_end];
    for kpi in [
        "annual saving (known prices)",
        "realisable this fiscal year",
        "seats to reduce at renewal",
        "annual saving vs the report",
    ] {
        assert!(head.contains(kpi), "headline shows {kpi}");
    }
    // Charts: trend by class, savings by class, by department, seats per SKU.
    let labels: Vec<&str> = html
        .split("aria-label=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert_eq!(
        labels,
        [
            "Annual saving by class, previous report and now",
            "Annual saving by class",
            "Annual saving by department",
            "Seats now and recommended per licence",
            "Annual total and saving against current, per scenario",
        ]
    );
    assert_eq!(count(&html, "<svg "), 5);
    // Sections in reading order.
    let mut at = 0;
    for h in [
        "<h2>Since the previous report (as of 2026-10-15)</h2>",
        "<h2>Savings by class</h2>",
        "<h2>By department</h2>",
        "<h2>Renewal by licence</h2>",
        "<h2>What-if scenarios</h2>",
        "<h2>Remove the licence",
        "<h2>Users who changed",
        "<h2>Occasional full users",
        "<h2>Shared devices</h2>",
        "<h2>Data quality</h2>",
        "<h2>Method and thresholds</h2>",
    ] {
        let pos = html[at..]
            .find(h)
            .unwrap_or_else(|| panic!("{h} missing or out of order"));
        at += pos + h.len();
    }
}

#[test]
fn without_a_previous_report_there_is_no_trend_section() {
    let tmp = tempfile::tempdir().expect("temp");
    let html = analyze(&tmp.path().join("r"), &[]);
    assert!(!html.contains("Since the previous report"));
    assert!(!html.contains("Users who changed"));
    // Savings by class, by department, seats per licence, and the scenarios.
    assert_eq!(count(&html, "<svg "), 4);
}

#[test]
fn finance_reads_product_names_not_sku_ids() {
    // The classes fixture with its Team Members SKU renamed in the tenant's price book.
    let tmp = tempfile::tempdir().expect("temp");
    let dir = copy_fixture("classes", tmp.path());
    let prices = dir.join("prices.toml");
    let mut text = std::fs::read_to_string(&prices).expect("prices");
    text.push_str(
        "\n[[sku]]\nid = \"DYN365_TEAM_MEMBERS\"\nnames = [\"Dynamics 365 Team Members\"]\n\
         short_name = \"Team Members (EA)\"\nfamily = \"team-members\"\nkind = \"team-member\"\n\
         monthly = \"8.00\"\ncurrency = \"USD\"\nsource = \"test\"\n",
    );
    std::fs::write(&prices, text).expect("write");
    let out = tmp.path().join("r");
    rightsize()
        .args(["analyze", "--quiet", "--format", "html", "--out"])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    // The per-user tables name products by the price book's names…
    let users = html
        .split("<h2>Remove the licence")
        .nth(1)
        .expect("the remove section");
    let users = users.split("<h2>Occasional").next().expect("user sections");
    assert!(
        users.contains("Customer Service Enterprise"),
        "product names"
    );
    assert!(users.contains("Team Members (EA)"), "the tenant's own name");
    assert!(
        !users.contains(">DYN365_ENTERPRISE_CUSTOMER_SERVICE<"),
        "no bare SKU id as a licence name"
    );
    // …and the section titles name the policy's target products, not a fixed text.
    assert!(html.contains("Move to Team Members (EA)"));
}

#[test]
fn a_past_renewal_date_is_rolled_forward_and_said() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = copy_fixture("classes", tmp.path());
    let policy = dir.join("policy.toml");
    let text = std::fs::read_to_string(&policy).expect("policy");
    std::fs::write(&policy, format!("renewal_date = 2026-03-01\n{text}")).expect("write");
    let out = tmp.path().join("r");
    rightsize()
        .args(["analyze", "--quiet", "--format", "html,json", "--out"])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("json"))
            .expect("parse");
    let r = &json["headline"]["realisable"];
    assert_eq!(r["renewal_date"], "2027-03-01");
    assert_eq!(r["rolled_forward_from"], "2026-03-01");
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    assert!(
        html.contains("renewal_date 2026-03-01 had passed: the next renewal"),
        "the headline says so"
    );
}

#[test]
fn the_scenarios_section_shows_every_column_escaped_with_its_chart() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = copy_fixture("classes", tmp.path());
    std::fs::write(
        dir.join("scenarios.toml"),
        "[[scenario]]\nname = \"<b>only</b> remove\"\nadopt = [\"remove\"]\n\
         [[scenario]]\nname = \"10% off\"\ndiscount = \"0.10\"\n",
    )
    .expect("write");
    let out = tmp.path().join("r");
    rightsize()
        .args(["analyze", "--quiet", "--format", "html", "--out"])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    let at = html.find("<h2>What-if scenarios</h2>").expect("section");
    let section = &html[at..at + html[at..].find("<h2>Deployment").unwrap_or(html.len() - at)];
    assert!(
        section.contains("&#60;b&#62;only&#60;/b&#62; remove")
            || section.contains("&lt;b&gt;only&lt;/b&gt; remove"),
        "the name is escaped"
    );
    assert!(!section.contains("<b>only</b>"));
    for row in [
        "<td>current</td>",
        "<td>recommended</td>",
        "<td>10% off</td>",
    ] {
        assert!(section.contains(row), "{row}");
    }
    assert!(section.contains("10% off list"));
    // One bar label per column in the chart.
    let svg = &section[section.find("<svg ").expect("chart")..section.find("</svg>").expect("end")];
    assert_eq!(count(svg, "<text x=\"0\""), 4);
}

/// With a cost export, the bill section draws the licences and every usage line by month as
/// one stacked bar per month, the months that are only partly in the export marked.
#[test]
fn the_bill_is_charted_by_month_with_licences_and_usage_lines() {
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("r");
    let dir = copy_fixture("usage-ea", tmp.path());
    for f in ["assignments.csv", "prices.toml"] {
        std::fs::copy(fixture("classes").join(f), dir.join(f)).expect("copy");
    }
    rightsize()
        .args([
            "analyze",
            "--quiet",
            "--format",
            "html",
            "--as-of",
            "2026-10-31",
            "--out",
        ])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    let at = html
        .find("aria-label=\"The bill by month: licences and usage lines\"")
        .expect("the bill chart");
    let svg = &html[at..at + html[at..].find("</svg>").expect("end of the chart")];
    // Licences first, then the usage lines with rows.
    let legend_at = html[..at].rfind("<p class=\"legend\">").expect("legend");
    let legend = &html[legend_at..at];
    assert!(legend.contains("licences (today"), "{legend}");
    assert!(legend.contains("voice"), "{legend}");
    // August and November are partly in the export; September and October are whole.
    for month in [
        ">2026-08 (part of the month)<",
        ">2026-09<",
        ">2026-10<",
        ">2026-11 (part of the month)<",
    ] {
        assert!(svg.contains(month), "{month} in {svg}");
    }
    assert!(count(svg, "<rect ") >= 4, "{svg}");
}

/// A scenario's negotiated prices are named by product, with the currency and the period.
#[test]
fn scenario_prices_name_the_product() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = copy_fixture("classes", tmp.path());
    std::fs::write(
        dir.join("scenarios.toml"),
        "[[scenario]]\nname = \"deal\"\n[scenario.prices]\nDYN365_ENTERPRISE_CUSTOMER_SERVICE = \"90.00\"\n",
    )
    .expect("write");
    let out = tmp.path().join("r");
    rightsize()
        .args(["analyze", "--quiet", "--format", "html", "--out"])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    assert!(
        html.contains("Customer Service Enterprise at USD 90.00 a month"),
        "product name in the scenario's description"
    );
}
