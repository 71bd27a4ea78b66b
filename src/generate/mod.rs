//! `rightsize generate`: a deterministic synthetic tenant in the canonical formats, for demos,
//! tests and benchmarks. Users follow personas in fixed proportions so that every class and
//! flag occurs; events are streamed to disk user by user, never held in memory.
//!
//! The random numbers come from SplitMix64 written here rather than from `rand`: `rand`'s
//! standard generators do not promise the same stream across versions, and a seed must give the
//! same tenant forever.

mod bill;
mod microsoft;

pub use bill::CostSchema;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{Duration, NaiveDate};

/// Deterministic SplitMix64.
pub(crate) struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persona {
    Disabled,
    NewHire,
    Inactive,
    ReadOnly,
    SelfService,
    CaseAgent,
    KnowledgeAuthor,
    VoiceAgent,
    ChatAgent,
    PremiumNoCopilot,
    PremiumCopilot,
    UnusedAddon,
    Occasional,
    Kiosk,
    ServiceAccount,
    UnderLicensed,
}

/// Persona shares per thousand users, in order.
const MIX: [(Persona, u64); 16] = [
    (Persona::Disabled, 30),
    (Persona::NewHire, 25),
    (Persona::Inactive, 100),
    (Persona::ReadOnly, 150),
    (Persona::SelfService, 70),
    (Persona::CaseAgent, 190),
    (Persona::KnowledgeAuthor, 60),
    (Persona::VoiceAgent, 80),
    (Persona::ChatAgent, 50),
    (Persona::PremiumNoCopilot, 50),
    (Persona::PremiumCopilot, 30),
    (Persona::UnusedAddon, 50),
    (Persona::Occasional, 30),
    (Persona::Kiosk, 60),
    (Persona::ServiceAccount, 10),
    (Persona::UnderLicensed, 15),
];

/// The SKUs the synthetic tenant holds, taken from the built-in price book and policy: SKU ids
/// live in the defaults, not in code.
pub(crate) struct Catalogue {
    pub ent: String,
    pub premium: String,
    pub tm: String,
    pub voice: String,
    pub digital: String,
    /// A trial of the full licence, held by a few case agents (spec section 6).
    pub trial: String,
    pub book: crate::prices::PriceBook,
}

pub(crate) fn catalogue() -> &'static Catalogue {
    static CATALOGUE: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let book = crate::prices::PriceBook::load(None)
            .expect("the built-in price book is valid (unit-tested)");
        let policy = crate::policy::Policy::load(None, &book)
            .expect("the built-in policy is valid (unit-tested)");
        let premium = book
            .skus()
            .find(|s| s.premium && s.family == "customer-service")
            .map(|s| s.id.clone())
            .expect("the built-in price book has a Customer Service Premium SKU");
        let trial = book
            .skus()
            .find(|s| s.trial && s.family == "customer-service")
            .map(|s| s.id.clone())
            .expect("the built-in price book has a Customer Service trial SKU");
        Catalogue {
            trial,
            ent: policy.targets.full.clone(),
            premium,
            tm: policy.targets.team_member.clone(),
            voice: policy.targets.voice_addon.clone(),
            digital: policy.targets.digital_addon.clone(),
            book,
        }
    })
}

const FIRST: [&str; 16] = [
    "Anna", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kai",
    "Lena", "Mateo", "Nora", "Omar", "Priya",
];
const LAST: [&str; 12] = [
    "Andersson",
    "Becker",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lee",
];
const DEPTS: [&str; 6] = [
    "Customer Care",
    "Field Support",
    "Sales Ops",
    "Finance",
    "Store Operations",
    "Knowledge Team",
];

/// What to generate.
pub struct Spec {
    pub users: u64,
    pub days: u32,
    pub seed: u64,
    pub as_of: NaiveDate,
    /// Write an earlier quarter of the tenant this seed gives as of this date.
    pub roster_as_of: Option<NaiveDate>,
    /// The schema of the cost export written beside the tenant.
    pub cost_schema: CostSchema,
}

/// Counts of what was written.
pub struct Written {
    pub users: u64,
    pub events: u64,
}

fn persona_of(i: u64, rng: &mut Rng) -> Persona {
    // The first users cover every persona once, so even tiny tenants have each class.
    if (i as usize) < MIX.len() {
        return MIX[i as usize].0;
    }
    let mut r = rng.below(1000);
    for (p, share) in MIX {
        if r < share {
            return p;
        }
        r -= share;
    }
    Persona::ReadOnly
}

/// A generated licensed user.
pub(crate) struct GenUser<'a> {
    pub index: u64,
    pub id: &'a str,
    pub upn: &'a str,
    pub first: &'a str,
    pub last: &'a str,
    pub dept: &'a str,
    pub skus: &'a [&'static str],
    pub group: &'a str,
    pub enabled: bool,
    pub created: NaiveDate,
    pub kiosk: Option<&'a str>,
    /// The Dataverse `systemuser.accessmode` code (licensing-facts 2.5).
    pub access_mode: u8,
}

/// Which files `generate` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rightsize's canonical CSVs (assignments, activity events, subscriptions).
    Canonical,
    /// Microsoft's own exports: admin-center users, Entra sign-ins, Dataverse audit,
    /// Omnichannel conversations, systemuser, Graph subscribedSkus.
    Microsoft,
}

/// Rewrites the canonical `activity.csv` of `out` as `activity.parquet` (typed columns: a
/// millisecond timestamp, a boolean own-record flag), streaming, and removes the CSV.
pub fn activity_to_parquet(out: &Path) -> Result<()> {
    use polars::prelude::*;
    let csv = out.join("activity.csv");
    let parquet = out.join("activity.parquet");
    let names = [
        "user_id",
        "timestamp",
        "operation",
        "table",
        "channel",
        "device_id",
        "own_record",
        "feature",
    ];
    let schema: Schema = names
        .iter()
        .map(|n| Field::new((*n).into(), DataType::String))
        .collect();
    let lf = LazyCsvReader::new(PlRefPath::try_from_path(&csv)?)
        .with_has_header(true)
        .with_schema(Some(std::sync::Arc::new(schema)))
        .finish()?;
    let ts = crate::profile::iso_epoch_ms(col("timestamp"))
        .cast(DataType::Datetime(TimeUnit::Milliseconds, None))
        .alias("timestamp");
    let own = col("own_record").eq(lit("true")).alias("own_record");
    lf.with_columns([ts, own])
        .sink(
            SinkDestination::File {
                target: SinkTarget::Path(PlRefPath::try_from_path(&parquet)?),
            },
            FileWriteFormat::Parquet(std::sync::Arc::new(ParquetWriteOptions::default())),
            UnifiedSinkArgs::default(),
        )?
        .collect_with_engine(Engine::Streaming)?;
    std::fs::remove_file(&csv).with_context(|| format!("cannot remove {}", csv.display()))?;
    Ok(())
}

pub fn generate(spec: &Spec, out: &Path, format: Format) -> Result<Written> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut rng = Rng(spec.seed);
    let mut canonical = match format {
        Format::Canonical => Some(Canonical::new(out, spec.seed)?),
        Format::Microsoft => None,
    };
    let mut microsoft = match format {
        Format::Microsoft => Some(microsoft::Microsoft::new(out, spec.seed)?),
        Format::Canonical => None,
    };
    let start = spec.as_of - Duration::days(i64::from(spec.days) - 1);
    let mut held: std::collections::BTreeMap<&str, u64> = Default::default();
    let mut n_events = 0u64;
    // Kiosk users share devices three at a time, as shifts on one terminal.
    let mut kiosk_seq = 0u64;
    let mut n_users = spec.users;
    let mut tally = bill::Tally::default();
    // One user into every sink, then their events.
    let mut write_member = |m: &Member, rng: &mut Rng, start: NaiveDate| -> Result<u64> {
        for s in &m.skus {
            *held.entry(s).or_default() += 1;
        }
        tally.user(m.persona == Persona::PremiumCopilot);
        let (first, last) = m.name.split_once(' ').unwrap_or((m.name.as_str(), ""));
        let user = GenUser {
            index: m.index,
            id: &m.id,
            upn: &m.upn,
            first,
            last,
            dept: m.dept,
            skus: &m.skus,
            group: m.group,
            enabled: m.enabled,
            created: m.created,
            kiosk: (m.persona == Persona::Kiosk).then_some(m.kiosk.as_str()),
            access_mode: m.access_mode(),
        };
        if let Some(c) = canonical.as_mut() {
            c.user(&user)?;
        }
        if let Some(ms) = microsoft.as_mut() {
            ms.user(&user)?;
        }
        let mut emit = |e: &Event| -> Result<()> {
            tally.event(e);
            if let Some(c) = canonical.as_mut() {
                c.event(e)?;
            }
            if let Some(ms) = microsoft.as_mut() {
                ms.event(e)?;
            }
            Ok(())
        };
        write_events(&mut emit, m.persona, &m.id, &m.kiosk, start, spec.days, rng)
    };
    match spec.roster_as_of {
        None => {
            for i in 0..spec.users {
                let m = member(i, spec.as_of, &mut rng, &mut kiosk_seq);
                n_events += write_member(&m, &mut rng, start)?;
            }
        }
        Some(later) => {
            // Replay the later quarter's random stream (events to nowhere) for its roster, so
            // the later tenant's files stay exactly what `generate` writes for them.
            let later_start = later - Duration::days(i64::from(spec.days) - 1);
            let mut roster = Vec::with_capacity(spec.users as usize);
            for i in 0..spec.users {
                let m = member(i, later, &mut rng, &mut kiosk_seq);
                write_events(
                    &mut |_: &Event| Ok(()),
                    m.persona,
                    &m.id,
                    &m.kiosk,
                    later_start,
                    spec.days,
                    &mut rng,
                )?;
                roster.push(m);
            }
            let mut rng = Rng(spec.seed ^ EARLIER_QUARTER);
            let earlier = earlier_roster(roster, spec, &mut rng);
            n_users = earlier.len() as u64;
            for m in earlier {
                n_events += write_member(&m, &mut rng, start)?;
            }
        }
    }
    if let Some(c) = canonical {
        c.finish(&held, start, spec.as_of)?;
    }
    if let Some(m) = microsoft {
        m.finish(&held, start, spec.as_of)?;
    }
    bill::write(out, &tally, spec.seed, start, spec.as_of, spec.cost_schema)?;
    let path = out.join("scenarios.toml");
    std::fs::write(&path, SCENARIOS).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Written {
        users: n_users,
        events: n_events,
    })
}

/// The what-if scenarios written beside every generated tenant (PRODUCT.md section 9): three
/// questions finance asks before a renewal.
pub const SCENARIOS: &str = include_str!("scenarios.toml");

/// Seats bought per SKU: what is held plus some shelfware.
pub(crate) fn purchased(sku: &str, held: u64) -> u64 {
    held + held / 10 + u64::from(sku == catalogue().ent) * 3
}

pub(crate) fn create(out: &Path, name: &str) -> Result<BufWriter<File>> {
    let path = out.join(name);
    Ok(BufWriter::with_capacity(
        1 << 20,
        File::create(&path).with_context(|| format!("cannot create {}", path.display()))?,
    ))
}

/// The canonical files.
struct Canonical {
    out: std::path::PathBuf,
    assignments: BufWriter<File>,
    events: BufWriter<File>,
    systemusers: BufWriter<File>,
    /// Its own stream for the Dataverse ids, so the canonical files stay as they were.
    rng: Rng,
}

/// The header of the Dataverse systemuser export written beside the canonical files: the
/// columns that map a user to Entra and give the access mode.
const SYSTEMUSER_HEADER: &str =
    "systemuserid,azureactivedirectoryobjectid,domainname,fullname,isdisabled,accessmode";

/// Graph `directory/subscriptions` (companySubscription) flattened, for the trial.
pub(crate) const DIRECTORY_SUBSCRIPTIONS_HEADER: &str = "id,commerceSubscriptionId,createdDateTime,isTrial,nextLifecycleDateTime,ownerId,ownerTenantId,ownerType,serviceStatus,skuId,skuPartNumber,status,totalLicenses";

/// The trial's subscription: bought with the tenant's seats of it, ending 20 days after the
/// as-of date.
pub(crate) fn write_trial_subscription(
    out: &Path,
    file: &str,
    held: &std::collections::BTreeMap<&str, u64>,
    start: NaiveDate,
    as_of: NaiveDate,
    rng: &mut Rng,
) -> Result<()> {
    let cat = catalogue();
    let Some(n) = held.get(cat.trial.as_str()) else {
        return Ok(());
    };
    let guid = cat
        .book
        .get(&cat.trial)
        .and_then(|s| s.guid.clone())
        .unwrap_or_default();
    let mut w = create(out, file)?;
    writeln!(w, "{DIRECTORY_SUBSCRIPTIONS_HEADER}")?;
    writeln!(
        w,
        "{},{},{start}T08:00:00Z,true,{}T00:00:00Z,,,,Enabled,{guid},{},Enabled,{}",
        dataverse_guid(rng),
        dataverse_guid(rng),
        as_of + Duration::days(20),
        cat.trial,
        (*n).max(25)
    )?;
    w.flush()?;
    Ok(())
}

/// A random GUID in the layout Dataverse uses.
pub(crate) fn dataverse_guid(rng: &mut Rng) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        rng.next() as u32,
        rng.below(0x10000),
        rng.below(0x1000),
        rng.below(0x1000),
        rng.next() & 0xFFFF_FFFF_FFFF
    )
}

impl Canonical {
    fn new(out: &Path, seed: u64) -> Result<Canonical> {
        let mut assignments = create(out, "assignments.csv")?;
        let mut events = create(out, "activity.csv")?;
        let mut systemusers = create(out, "systemusers.csv")?;
        writeln!(systemusers, "{SYSTEMUSER_HEADER}")?;
        writeln!(
            assignments,
            "user_id,upn,display_name,department,cost_centre,sku,assigned_by_group,account_enabled,created"
        )?;
        writeln!(
            events,
            "user_id,timestamp,operation,table,channel,device_id,own_record,feature"
        )?;
        Ok(Canonical {
            out: out.to_path_buf(),
            assignments,
            events,
            systemusers,
            rng: Rng(seed ^ 0x7379_7374_656D_7573),
        })
    }

    fn user(&mut self, u: &GenUser) -> Result<()> {
        writeln!(
            self.systemusers,
            "{},{},{},{} {},{},{}",
            dataverse_guid(&mut self.rng),
            u.id,
            u.upn,
            u.first,
            u.last,
            !u.enabled,
            u.access_mode
        )?;
        for s in u.skus {
            writeln!(
                self.assignments,
                "{},{},{} {},{},CC-{:03},{s},{},{},{}",
                u.id,
                u.upn,
                u.first,
                u.last,
                u.dept,
                100 + DEPTS.iter().position(|d| *d == u.dept).unwrap_or(0),
                u.group,
                u.enabled,
                u.created
            )?;
        }
        Ok(())
    }

    fn event(&mut self, e: &Event) -> Result<()> {
        writeln!(
            self.events,
            "{},{},{},{},{},{},{},{}",
            e.user,
            e.timestamp(),
            e.op,
            e.table,
            e.channel,
            e.device,
            e.own,
            e.feature
        )?;
        Ok(())
    }

    fn finish(
        mut self,
        held: &std::collections::BTreeMap<&str, u64>,
        start: NaiveDate,
        as_of: NaiveDate,
    ) -> Result<()> {
        self.assignments.flush()?;
        self.events.flush()?;
        self.systemusers.flush()?;
        let trial = catalogue().trial.as_str();
        let mut subs = create(&self.out, "subscriptions.csv")?;
        writeln!(subs, "sku,purchased,assigned")?;
        for (sku, n) in held.iter().filter(|(s, _)| **s != trial) {
            writeln!(subs, "{sku},{},{n}", purchased(sku, *n))?;
        }
        subs.flush()?;
        // The trial is in the directory's subscription list, which says when it ends.
        write_trial_subscription(
            &self.out,
            "trial-subscriptions.csv",
            held,
            start,
            as_of,
            &mut self.rng,
        )
    }
}

/// Mixed into the seed for an earlier quarter's own random stream.
const EARLIER_QUARTER: u64 = 0x0EA2_11E2_D0A2_7E25;

/// One licensed user of the synthetic tenant.
struct Member {
    index: u64,
    persona: Persona,
    id: String,
    upn: String,
    name: String,
    dept: &'static str,
    skus: Vec<&'static str>,
    created: NaiveDate,
    enabled: bool,
    group: &'static str,
    kiosk: String,
}

impl Member {
    /// The user's Dataverse access mode: integration accounts and some of the idle accounts are
    /// Non-interactive (4), some occasional users are administrators (1, Administrative), who
    /// need no paid licence (costs-facts 7); everyone else is Read-Write (0).
    fn access_mode(&self) -> u8 {
        match self.persona {
            Persona::ServiceAccount => 4,
            Persona::Inactive if self.index % 4 == 1 => 4,
            Persona::ReadOnly if self.index % 10 == 3 => 1,
            _ => 0,
        }
    }
}

/// The `i`-th user; draws from `rng` in a fixed order (changing it changes every tenant).
fn member(i: u64, as_of: NaiveDate, rng: &mut Rng, kiosk_seq: &mut u64) -> Member {
    let cat = catalogue();
    let persona = persona_of(i, rng);
    let id = format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        rng.next() as u32,
        rng.below(0x10000),
        rng.below(0x1000),
        rng.below(0x1000),
        rng.next() & 0xFFFF_FFFF_FFFF
    );
    let first = FIRST[rng.below(FIRST.len() as u64) as usize];
    let last = LAST[rng.below(LAST.len() as u64) as usize];
    let upn = if persona == Persona::ServiceAccount {
        format!("svc-integration{i}@contoso.com")
    } else {
        format!("{}.{}{}@contoso.com", ascii(first), ascii(last), i).to_lowercase()
    };
    let dept = match persona {
        Persona::Kiosk => "Store Operations",
        Persona::KnowledgeAuthor => "Knowledge Team",
        Persona::VoiceAgent | Persona::ChatAgent | Persona::CaseAgent => "Customer Care",
        _ => DEPTS[rng.below(DEPTS.len() as u64) as usize],
    };
    let skus: Vec<&str> = match persona {
        Persona::PremiumNoCopilot | Persona::PremiumCopilot => vec![cat.premium.as_str()],
        Persona::VoiceAgent | Persona::UnusedAddon => vec![cat.ent.as_str(), cat.voice.as_str()],
        Persona::ChatAgent => vec![cat.ent.as_str(), cat.digital.as_str()],
        Persona::CaseAgent if rng.chance(300) => vec![cat.ent.as_str(), cat.voice.as_str()],
        Persona::UnderLicensed => vec![cat.tm.as_str()],
        _ => vec![cat.ent.as_str()],
    };
    // A few case agents work on a trial of the full licence (no draw: the stream is unchanged).
    let skus = if persona == Persona::CaseAgent && i >= MIX.len() as u64 && i % 10 == 7 {
        vec![cat.trial.as_str()]
    } else {
        skus
    };
    let created = match persona {
        Persona::NewHire => as_of - Duration::days(rng.below(20) as i64),
        _ => as_of - Duration::days(200 + rng.below(900) as i64),
    };
    let enabled = persona != Persona::Disabled;
    let group = if persona == Persona::ReadOnly && rng.chance(200) {
        "CRM-Readers"
    } else {
        ""
    };
    let kiosk = format!("KIOSK-{:03}", *kiosk_seq / 3);
    if persona == Persona::Kiosk {
        *kiosk_seq += 1;
    }
    Member {
        index: i,
        persona,
        id,
        upn,
        name: format!("{first} {last}"),
        dept,
        skus,
        created,
        enabled,
        group,
        kiosk,
    }
}

/// The same tenant a quarter earlier: the later roster's new hires and a few others are not
/// licensed yet, the users disabled since were still working, some behaved differently (readers
/// who became inactive, agents who moved to read-only work, Premium users who used Copilot then),
/// and a few users held licences then and have left since.
fn earlier_roster(roster: Vec<Member>, spec: &Spec, rng: &mut Rng) -> Vec<Member> {
    use Persona::*;
    let mut out = Vec::with_capacity(roster.len());
    for mut m in roster {
        match m.persona {
            NewHire => continue,
            _ if rng.chance(30) => continue,
            Disabled => {
                m.persona = CaseAgent;
                m.enabled = true;
            }
            Inactive if rng.chance(500) => m.persona = ReadOnly,
            ReadOnly if rng.chance(200) => m.persona = CaseAgent,
            CaseAgent if rng.chance(100) => m.persona = KnowledgeAuthor,
            PremiumNoCopilot if rng.chance(300) => m.persona = PremiumCopilot,
            _ => {}
        }
        out.push(m);
    }
    let mut kiosk_seq = 0;
    for k in 0..(spec.users / 40).max(1) {
        let mut m = member(spec.users + k, spec.as_of, rng, &mut kiosk_seq);
        if m.persona == Kiosk {
            // Its device would be another kiosk's number.
            m.persona = ReadOnly;
        }
        out.push(m);
    }
    out
}

fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'é' => 'e',
            'í' => 'i',
            c => c,
        })
        .collect()
}

/// One generated event, before it is written in any format.
pub(crate) struct Event<'a> {
    pub user: &'a str,
    pub day: NaiveDate,
    pub time: (u64, u64, u64),
    pub op: &'static str,
    pub table: &'static str,
    pub channel: &'static str,
    pub device: &'a str,
    pub own: &'static str,
    pub feature: &'static str,
}

impl Event<'_> {
    pub fn timestamp(&self) -> String {
        let (h, m, s) = self.time;
        format!("{}T{h:02}:{m:02}:{s:02}Z", self.day)
    }
}

fn write_events(
    emit: &mut dyn FnMut(&Event) -> Result<()>,
    persona: Persona,
    id: &str,
    kiosk: &str,
    start: NaiveDate,
    days: u32,
    rng: &mut Rng,
) -> Result<u64> {
    use Persona::*;
    let (per_mille_days, per_day): (u64, u64) = match persona {
        Disabled | NewHire | Inactive | ServiceAccount => (0, 0),
        Occasional => (40, 3),
        ReadOnly => (450, 6),
        SelfService => (250, 3),
        Kiosk => (700, 10),
        _ => (800, 12),
    };
    let mut n = 0;
    for d in 0..days {
        if !rng.chance(per_mille_days) {
            continue;
        }
        let day = start + Duration::days(i64::from(d));
        for _ in 0..=rng.below(per_day) {
            let time = (7 + rng.below(11), rng.below(60), rng.below(60));
            let (op, table, channel, own, feature) = match persona {
                ReadOnly => (
                    "read",
                    pick(rng, &["incident", "account", "contact", "knowledgearticle"]),
                    "",
                    "",
                    "",
                ),
                SelfService => match rng.below(3) {
                    0 => ("create", "incident", "", "true", ""),
                    1 => ("update", "contact", "", "", ""),
                    _ => ("read", "knowledgearticle", "", "", ""),
                },
                CaseAgent | UnderLicensed => match rng.below(4) {
                    0 => ("update", "incident", "", "false", ""),
                    1 => ("create", "email", "", "", ""),
                    _ => ("read", "incident", "", "", ""),
                },
                KnowledgeAuthor | UnusedAddon | Occasional => match rng.below(3) {
                    0 => ("update", "knowledgearticle", "", "", ""),
                    _ => ("read", "incident", "", "", ""),
                },
                VoiceAgent | PremiumNoCopilot => match rng.below(3) {
                    0 => ("update", "incident", "voice", "", ""),
                    _ => ("read", "incident", "", "", ""),
                },
                ChatAgent => match rng.below(3) {
                    0 => ("update", "incident", "digital", "", ""),
                    _ => ("read", "incident", "", "", ""),
                },
                PremiumCopilot => match rng.below(4) {
                    0 => ("update", "incident", "voice", "", ""),
                    1 => ("read", "incident", "", "", "copilot"),
                    _ => ("update", "knowledgearticle", "", "", ""),
                },
                Kiosk => match rng.below(3) {
                    0 => ("update", "incident", "", "false", ""),
                    _ => ("read", "contact", "", "", ""),
                },
                Disabled | NewHire | Inactive | ServiceAccount => continue,
            };
            let device = if persona == Kiosk { kiosk } else { "" };
            emit(&Event {
                user: id,
                day,
                time,
                op,
                table,
                channel,
                device,
                own,
                feature,
            })?;
            n += 1;
        }
    }
    Ok(n)
}

fn pick<'a>(rng: &mut Rng, from: &[&'a str]) -> &'a str {
    from[rng.below(from.len() as u64) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_scenarios_are_valid_against_the_built_in_book() {
        let book = crate::prices::PriceBook::load(None).expect("book");
        let s = crate::scenarios::Scenarios::from_toml(SCENARIOS, "scenarios.toml", &book)
            .expect("valid scenarios");
        assert_eq!(s.list.len(), 3);
        assert!(s.list.iter().any(|x| !x.deflection.is_empty()));
    }

    fn spec(seed: u64, as_of: &str, roster_as_of: Option<&str>) -> Spec {
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        Spec {
            users: 160,
            days: 43,
            seed,
            as_of: date(as_of),
            roster_as_of: roster_as_of.map(date),
            cost_schema: CostSchema::Ea,
        }
    }

    fn ids(dir: &Path) -> std::collections::BTreeSet<String> {
        let text = std::fs::read_to_string(dir.join("assignments.csv")).expect("assignments");
        text.lines()
            .skip(1)
            .filter_map(|l| l.split(',').next().map(str::to_string))
            .collect()
    }

    #[test]
    fn the_committed_sample_tenant_is_what_the_readme_command_writes() {
        let tmp = tempfile::tempdir().expect("temp");
        generate(
            &spec(2026, "2026-10-31", None),
            tmp.path(),
            Format::Canonical,
        )
        .expect("generate");
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
        for f in [
            "assignments.csv",
            "activity.csv",
            "subscriptions.csv",
            "systemusers.csv",
            "trial-subscriptions.csv",
        ] {
            let want = std::fs::read(sample.join(f)).expect("sample file");
            let got = std::fs::read(tmp.path().join(f)).expect("generated file");
            assert!(want == got, "{f} differs from the generator's output");
        }
    }

    #[test]
    fn an_earlier_quarter_keeps_most_users_and_is_deterministic() {
        let tmp = tempfile::tempdir().expect("temp");
        let (later, earlier, again) = (
            tmp.path().join("later"),
            tmp.path().join("earlier"),
            tmp.path().join("again"),
        );
        generate(&spec(7, "2026-10-31", None), &later, Format::Canonical).expect("later");
        let s = spec(7, "2026-07-31", Some("2026-10-31"));
        let w = generate(&s, &earlier, Format::Canonical).expect("earlier");
        generate(&s, &again, Format::Canonical).expect("again");
        let (l, e) = (ids(&later), ids(&earlier));
        let shared = l.intersection(&e).count();
        assert!(
            shared * 10 >= l.len() * 8,
            "{shared} of {} users shared",
            l.len()
        );
        assert!(e.difference(&l).count() >= 1, "someone left since");
        assert!(l.difference(&e).count() >= 1, "someone joined since");
        assert_eq!(w.users as usize, e.len());
        let read = |d: &Path| std::fs::read(d.join("activity.csv")).expect("activity");
        assert!(read(&earlier) == read(&again), "same spec, same files");
        let activity = String::from_utf8(read(&earlier)).expect("utf8");
        assert!(activity.contains(",2026-07-31T") && !activity.contains(",2026-08-01T"));
    }
}
