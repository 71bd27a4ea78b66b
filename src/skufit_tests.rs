//! The deployment model's money, checked to the cent by hand: built-in Enterprise 105.00,
//! Premium 195.00, Contact Center 110.00, Contact Center Voice 95.00, and the add-on prices of
//! each case.

use std::collections::BTreeMap;
use std::io::Write;
use std::str::FromStr;

use chrono::NaiveDate;

use super::*;
use crate::classify::{Context, classify};
use crate::model::{Holding, TableWrites, User};
use crate::savings::price_all;

const ENT: &str = "DYN365_ENTERPRISE_CUSTOMER_SERVICE";
const PREM: &str = "DYN365_CUSTOMER_SERVICE_PREMIUM";
const VOICE: &str = "DYNAMICS_365_CONTACT_CENTER_VOICE_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE";

fn addon(id: &str, channels: &str, price: Option<&str>) -> String {
    let monthly = price
        .map(|p| format!("monthly='{p}'\ncurrency='USD'\n"))
        .unwrap_or_default();
    format!(
        "[[sku]]\nid='{id}'\nkind='addon'\nfamily='contact-center'\nchannels={channels}\n{monthly}"
    )
}

fn user(id: &str, skus: &[&str]) -> User {
    User {
        id: id.into(),
        upn: format!("{id}@contoso.com"),
        account_enabled: Some(true),
        holdings: skus
            .iter()
            .map(|s| Holding {
                sku: s.to_string(),
                assigned_by_group: None,
            })
            .collect(),
        ..User::default()
    }
}

fn profile(voice: u64, digital: u64, table: Option<&str>) -> Profile {
    let mut p = Profile {
        events: 100 + voice + digital,
        first_ms: Some(1_790_000_000_000),
        last_ms: Some(1_790_000_000_000),
        active_days: 20,
        reads: 100,
        voice,
        digital,
        ..Profile::default()
    };
    if let Some(t) = table {
        p.write_tables.push(TableWrites {
            table: t.into(),
            own_record: false,
            count: 4,
        });
        p.writes = 4;
        p.events += 4;
    }
    p
}

fn model(extra: &str) -> DeploymentModel {
    let mut f = tempfile::NamedTempFile::new().expect("temp");
    f.write_all(extra.as_bytes()).expect("write");
    let book = PriceBook::load(Some(f.path())).expect("book");
    let policy = Policy::load(None, &book).expect("policy");
    let devices = BTreeMap::new();
    let ctx = Context {
        policy: &policy,
        book: &book,
        as_of: NaiveDate::from_ymd_opt(2026, 10, 31).expect("date"),
        window_days: 91,
        covered_days: 91,
        operation_level: true,
        devices: &devices,
        device_data: true,
    };
    let recs = [
        // a Contact Center Voice candidate
        (user("voice", &[ENT, VOICE]), profile(5, 0, Some("contact"))),
        // a Contact Center (digital + voice) candidate on Premium
        (user("omni", &[PREM]), profile(5, 5, None)),
        // case work: Enterprise with the voice add-on in every option but (b)
        (user("case", &[ENT, VOICE]), profile(5, 0, Some("incident"))),
        // no conversations: not in the model
        (user("reader", &[ENT]), profile(0, 0, None)),
    ]
    .iter()
    .map(|(u, p)| classify(u, Some(p), &ctx))
    .collect();
    let (priced, _) = price_all(recs, &book, &policy);
    deployment_model(&priced, &policy, &book)
}

#[test]
fn the_four_options_to_the_cent() {
    let priced = [
        addon(VOICE, "['voice']", Some("50.00")),
        addon(
            "DYNAMICS_365_CONTACT_CENTER_DIGITAL_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE",
            "['digital']",
            Some("50.00"),
        ),
        addon(
            "DYNAMICS_365_CONTACT_CENTER_ADD_ON_FOR_CUSTOMER_SERVICE_ENTERPRISE",
            "['voice','digital']",
            Some("75.00"),
        ),
    ]
    .concat();
    let dear_voice = "[[sku]]\nid='DYNAMICS_365_CONTACT_CENTER_VOICE'\nkind='base'\n\
                      family='contact-center'\nchannels=['voice']\nmonthly='160.00'\ncurrency='USD'\n";
    // name, extra price book, monthly of (a) to (d)
    let cases: [(&str, String, [Option<&str>; 4]); 3] = [
        (
            "every price known",
            priced.clone(),
            [
                // (105 + 50) + (105 + 75) + (105 + 50)
                Some("490.00"),
                // 3 × 195
                Some("585.00"),
                // 95 + 110 + (105 + 50)
                Some("360.00"),
                // as recommended: the two candidates move, the case worker stays
                Some("360.00"),
            ],
        ),
        (
            "Contact Center Voice dearer than Enterprise + voice add-on",
            format!("{priced}{dear_voice}"),
            [
                Some("490.00"),
                Some("585.00"),
                // 160 + 110 + 155, whatever the price
                Some("425.00"),
                // the voice agent stays on 105 + 50: 155 + 110 + 155
                Some("420.00"),
            ],
        ),
        (
            "voice add-on unpriced",
            addon(VOICE, "['voice']", None),
            [
                None,
                Some("585.00"),
                // the case worker's Enterprise + voice add-on is unknown
                None,
                None,
            ],
        ),
    ];
    for (name, extra, want) in cases {
        let m = model(&extra);
        assert_eq!(m.rows.len(), 4, "{name}");
        for (row, (option, want)) in m.rows.iter().zip(DeploymentOption::ALL.iter().zip(want)) {
            assert_eq!(row.option, *option, "{name}");
            assert_eq!(row.users, 3, "{name}: users with conversations");
            let want = want.map(|w| Decimal::from_str(w).expect("decimal"));
            assert_eq!(row.monthly, want, "{name}: {option:?} monthly");
            assert_eq!(
                row.annual,
                want.map(|w| w * Decimal::from(12)),
                "{name}: {option:?} annual"
            );
        }
    }
}

#[test]
fn no_conversations_no_money() {
    let m = deployment_model(
        &[],
        &Policy::load(None, &PriceBook::load(None).expect("book")).expect("policy"),
        &PriceBook::load(None).expect("book"),
    );
    for row in &m.rows {
        assert_eq!(row.users, 0);
        assert_eq!(row.monthly, Some(Decimal::ZERO), "{:?}", row.option);
    }
}

#[test]
fn labels_name_the_products_by_the_price_books_names() {
    // A book that renames Enterprise and the voice add-on: the labels follow the book.
    let book = format!(
        "{}[[sku]]\nid='{ENT}'\nkind='base'\nfamily='customer-service'\nshort_name='CS Ent'\n\
         monthly='105.00'\ncurrency='USD'\n",
        addon(VOICE, "['voice']", Some("50.00"))
            .replace("kind='addon'", "kind='addon'\nshort_name='Voice pack'")
    );
    let m = model(&book);
    let labels: Vec<&str> = m.rows.iter().map(|r| r.label.as_str()).collect();
    assert!(
        labels[0].starts_with("(a) CS Ent + the needed add-ons ("),
        "{}",
        labels[0]
    );
    assert!(labels[0].contains("Voice pack"), "{}", labels[0]);
    assert_eq!(labels[1], "(b) Customer Service Premium for all");
    assert!(
        labels[2].starts_with("(c) Contact Center") && labels[2].ends_with("for the others"),
        "{}",
        labels[2]
    );
    assert!(
        labels[2].contains("CS Ent + the needed add-ons"),
        "{}",
        labels[2]
    );
    assert_eq!(labels[3], "(d) as recommended");
}
