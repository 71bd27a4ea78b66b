//! The synthetic tenant's bill beside its licences: an Azure Cost Management export (EA by
//! default, or MCA, pay-as-you-go, FOCUS 1.2) and a canonical capacity file, consistent with
//! the generated activity — voice calls of the voice agents become ACS voice minutes, numbers
//! and recordings; digital conversations become SMS and WhatsApp messages; Premium users who
//! use Copilot consume credits. Its own random stream (seeded apart) leaves the other files
//! unchanged. The unit rates are illustrative (costs-facts section 4), synthetic data only:
//! the analysis reads money from the export, never from here.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::str::FromStr;

use anyhow::Result;
use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;

use super::{Event, Rng, create};

/// Which Cost Management schema the export is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CostSchema {
    /// Enterprise Agreement (PascalCase, `Date` as MM/DD/YYYY).
    #[default]
    Ea,
    /// Microsoft Customer Agreement (camelCase).
    Mca,
    /// Pay-as-you-go (`UsageDateTime`, `PreTaxCost`).
    Payg,
    /// FOCUS 1.2 (`ChargePeriodStart`, `BilledCost`, `SkuMeter`).
    Focus,
}

/// Mixed into the seed for the bill's own random stream.
const BILL_STREAM: u64 = 0xB111_C057_5EED_0001;

/// What the generated activity implies for the bill, counted as it is written.
#[derive(Debug, Default)]
pub(super) struct Tally {
    users: u64,
    premium_copilot_users: u64,
    voice: BTreeMap<NaiveDate, u64>,
    digital: BTreeMap<NaiveDate, u64>,
}

impl Tally {
    pub fn user(&mut self, copilot_user: bool) {
        self.users += 1;
        self.premium_copilot_users += u64::from(copilot_user);
    }

    pub fn event(&mut self, e: &Event) {
        match e.channel {
            "voice" => *self.voice.entry(e.day).or_default() += 1,
            "digital" => *self.digital.entry(e.day).or_default() += 1,
            _ => {}
        }
    }
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

/// One cost row before it is written in a schema.
struct CostRow<'a> {
    day: NaiveDate,
    service: &'a str,
    category: &'a str,
    subcategory: &'a str,
    meter: &'a str,
    quantity: Decimal,
    unit: &'a str,
    cost: Decimal,
}

const ACS: &str = "microsoft.communication";

fn header(schema: CostSchema) -> &'static str {
    match schema {
        CostSchema::Ea => {
            "InvoiceSectionName,AccountName,SubscriptionName,Date,MeterCategory,MeterSubCategory,\
             MeterName,UnitOfMeasure,Quantity,EffectivePrice,CostInBillingCurrency,\
             BillingCurrencyCode,ConsumedService,ResourceId,ChargeType,ProductName"
        }
        CostSchema::Mca => {
            "invoiceSectionName,billingProfileName,subscriptionName,date,meterCategory,\
             meterSubCategory,meterName,unitOfMeasure,quantity,effectivePrice,\
             costInBillingCurrency,billingCurrency,consumedService,resourceId,chargeType,ProductName"
        }
        CostSchema::Payg => {
            "SubscriptionGuid,ResourceGroup,ResourceLocation,UsageDateTime,MeterCategory,\
             MeterSubcategory,MeterId,MeterName,MeterRegion,UsageQuantity,ResourceRate,PreTaxCost,\
             ConsumedService,ResourceType,InstanceId,Tags,OfferId,AdditionalInfo,ServiceInfo1,\
             ServiceInfo2,Currency"
        }
        CostSchema::Focus => {
            "BilledCost,BillingAccountId,BillingCurrency,ChargeCategory,ChargeDescription,\
             ChargePeriodEnd,ChargePeriodStart,ConsumedQuantity,ConsumedUnit,EffectiveCost,\
             ResourceId,ServiceCategory,ServiceName,SkuId,SkuMeter,x_SkuMeterCategory,\
             x_SkuMeterSubcategory"
        }
    }
}

fn write_row(w: &mut impl Write, schema: CostSchema, r: &CostRow) -> Result<()> {
    let resource = format!(
        "/subscriptions/5f1c0000-0000-4000-8000-00000000c0de/resourceGroups/contact-centre/providers/{}/cc",
        r.service
    );
    let price = if r.quantity.is_zero() {
        Decimal::ZERO
    } else {
        (r.cost / r.quantity).round_dp(6).normalize()
    };
    let (q, c) = (r.quantity.normalize(), r.cost.normalize());
    let (meter, category, sub) = (r.meter, r.category, r.subcategory);
    match schema {
        CostSchema::Ea | CostSchema::Mca => {
            let date = r.day.format("%m/%d/%Y");
            writeln!(
                w,
                "Contact centre,Contoso,Contoso production,{date},{category},{sub},{meter},{},{q},\
                 {price},{c},USD,{},{resource},Usage,{category} {meter}",
                r.unit, r.service
            )?;
        }
        CostSchema::Payg => writeln!(
            w,
            "5f1c0000-0000-4000-8000-00000000c0de,contact-centre,Global,{}T00:00:00.0000000Z,\
             {category},{sub},00000000-0000-0000-0000-000000000000,{meter},Global,{q},{price},{c},\
             {},{}/cc,{resource},,MS-AZR-0003P,,,,USD",
            r.day, r.service, r.service
        )?,
        CostSchema::Focus => {
            let service = match r.service {
                ACS => "Azure Communication Services",
                "Microsoft.Compute" => "Virtual Machines",
                other => other,
            };
            let next = r.day + Duration::days(1);
            writeln!(
                w,
                "{c},/providers/Microsoft.Billing/billingAccounts/1234,USD,Usage,\"{meter}\",\
                 {next}T00:00:00Z,{}T00:00:00Z,{q},{},{c},{resource},Compute,{service},DZH318Z0,\
                 {meter},{category},{sub}",
                r.day, r.unit
            )?;
        }
    }
    Ok(())
}

/// The first day the bill covers: the first whole month of the activity (exports and
/// capacity reports come by calendar month, and a month half covered would understate the
/// run rate), or the activity's first day when it holds no whole month.
fn bill_start(start: NaiveDate, as_of: NaiveDate) -> NaiveDate {
    if start.day() == 1 {
        return start;
    }
    let next = crate::usage::Month::of(start).next();
    match (next.first_day(), next.last_day()) {
        (Some(first), Some(last)) if last <= as_of => first,
        _ => start,
    }
}

/// Writes `cost-export.csv` and `capacity.csv` for the whole months of `[start, as_of]`.
pub(super) fn write(
    out: &Path,
    tally: &Tally,
    seed: u64,
    start: NaiveDate,
    as_of: NaiveDate,
    schema: CostSchema,
) -> Result<()> {
    let mut rng = Rng(seed ^ BILL_STREAM);
    let start = bill_start(start, as_of);
    let mut w = create(out, "cost-export.csv")?;
    writeln!(w, "{}", header(schema).replace(' ', ""))?;
    let voice_days = tally.voice.values().filter(|n| **n > 0).count() as u64;
    let voice_per_day = tally.voice.values().sum::<u64>() / voice_days.max(1);
    // One toll-free number per ten concurrent voice agents (a voice day's calls / 20).
    let numbers = Decimal::from(1 + voice_per_day / 20);
    let mut refunded = false;
    let mut day = start;
    while day <= as_of {
        let calls = tally.voice.get(&day).copied().unwrap_or(0);
        let chats = tally.digital.get(&day).copied().unwrap_or(0);
        let mut rows: Vec<CostRow> = Vec::new();
        let row = |category, subcategory, meter, quantity: Decimal, unit, rate: &str| CostRow {
            day,
            service: ACS,
            category,
            subcategory,
            meter,
            quantity,
            unit,
            cost: quantity * dec(rate),
        };
        if day.day() == 1 || day == start {
            // PSTN numbers are charged monthly.
            rows.push(row(
                "Phone Numbers",
                "",
                "US Toll Free Number",
                numbers,
                "1/Month",
                "2",
            ));
        }
        if calls > 0 {
            let minutes = Decimal::from(calls * (4 + rng.below(5)));
            // PSTN quantities are consumption units priced 1 (costs-facts section 5).
            let pstn = minutes * dec("0.022");
            rows.push(row("Voice", "", "Standard Inbound", pstn, "1 Unit", "1"));
            rows.push(row(
                "Voice",
                "",
                "A2AGroupCalling User CCaaS Minute",
                minutes,
                "1 Minute",
                "0.004",
            ));
            rows.push(row(
                "Voice",
                "",
                "Call Recording Minute",
                minutes,
                "1 Minute",
                "0.002",
            ));
            if !refunded && day.day() == 15 {
                // A credit for a dropped-call incident: refunds are negative rows.
                refunded = true;
                rows.push(row(
                    "Voice",
                    "",
                    "Standard Inbound",
                    dec("-1.5"),
                    "1 Unit",
                    "1",
                ));
            }
        }
        if chats > 0 {
            rows.push(row(
                "SMS",
                "",
                "Toll-free Message",
                Decimal::from(chats * (1 + rng.below(3))),
                "1 Message",
                "0.0075",
            ));
            rows.push(row(
                "Messaging",
                "Advanced Messaging",
                "Channel Fee",
                Decimal::from(chats * (2 + rng.below(3))),
                "1 Message",
                "0.005",
            ));
        }
        // Not contact-centre usage: stays off the bill.
        rows.push(CostRow {
            service: "Microsoft.Compute",
            ..row(
                "Virtual Machines",
                "D2s v3",
                "D2s v3",
                Decimal::from(24),
                "1 Hour",
                "0.096",
            )
        });
        for r in &rows {
            write_row(&mut w, schema, r)?;
        }
        day += Duration::days(1);
    }
    w.flush()?;
    write_capacity(out, tally, &mut rng, start, as_of)
}

fn write_capacity(
    out: &Path,
    tally: &Tally,
    rng: &mut Rng,
    start: NaiveDate,
    as_of: NaiveDate,
) -> Result<()> {
    let mut w = create(out, "capacity.csv")?;
    writeln!(w, "month,resource,consumed")?;
    let mut month = crate::usage::Month::of(start);
    let last = crate::usage::Month::of(as_of);
    let users = Decimal::from(tally.users);
    let mut k = Decimal::ZERO;
    while month <= last {
        let in_month = |m: &BTreeMap<NaiveDate, u64>| -> u64 {
            m.iter()
                .filter(|(d, _)| crate::usage::Month::of(**d) == month)
                .map(|(_, n)| n)
                .sum()
        };
        let (calls, chats) = (in_month(&tally.voice), in_month(&tally.digital));
        // Copilot users consume more than their own 1,000 pooled credits, less than the pool
        // of every Premium seat: a Premium reduction pushes the pool into overage.
        let credits = tally.premium_copilot_users * (1500 + rng.below(300));
        let rows = [
            ("copilot-credits", Decimal::from(credits)),
            ("ivr-minutes", Decimal::from(calls * 2)),
            ("call-intelligence-minutes", Decimal::from(calls * 6)),
            ("record-routes", Decimal::from(chats + calls)),
            (
                "dataverse-database-gb",
                dec("8") + users * dec("0.05") + k * dec("0.4"),
            ),
            (
                "dataverse-file-gb",
                dec("20") + users * dec("0.2") + k * dec("1.5"),
            ),
            ("dataverse-log-gb", dec("1") + users * dec("0.01")),
        ];
        for (resource, consumed) in rows {
            writeln!(w, "{month},{resource},{}", consumed.normalize())?;
        }
        month = month.next();
        k += Decimal::ONE;
    }
    w.flush()?;
    Ok(())
}
