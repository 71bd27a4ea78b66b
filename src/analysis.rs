//! The pipeline from a folder to priced recommendations, one named stage a line: scan → price
//! book and policy → the tenant (assignments, subscriptions, systemusers) → activity profiles →
//! classes → money → file facts and warnings. `validate` and `analyze` share it; only `analyze`
//! writes.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use anyhow::{Result, anyhow, bail};
use chrono::{Duration, NaiveDate};

use crate::classify::{self, Context};
use crate::devices::{self, Device};
use crate::ingest::{self, Folder, Kind, Rejected, assignments, subscriptions, systemusers};
use crate::model::{Profile, date_to_day, ms_to_date};
use crate::policy::Policy;
use crate::prices::PriceBook;
use crate::profile::{self, Coverage};
use crate::progress::Progress;
use crate::savings::{self, DeviceLicence, Priced, Realisable, RenewalRow, SummaryRow};
use crate::scenarios::Scenarios;

/// What the analysis needs to know before it starts.
#[derive(Debug, Clone)]
pub struct Options {
    pub dir: PathBuf,
    pub prices: Option<PathBuf>,
    pub policy: Option<PathBuf>,
    pub scenarios: Option<PathBuf>,
    pub as_of: Option<NaiveDate>,
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

/// How well the activity sources' user ids joined the licensed users.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct JoinStats {
    pub activity_users: u64,
    pub matched_activity_users: u64,
    pub licensed_users: u64,
    pub licensed_users_with_activity: u64,
}

/// Everything a report is made from.
pub struct Analysis {
    pub folder: Folder,
    pub book: PriceBook,
    pub policy: Policy,
    pub as_of: NaiveDate,
    pub window_from: NaiveDate,
    pub window_days: u32,
    pub covered_days: u32,
    pub coverage: Vec<Coverage>,
    pub priced: Vec<Priced>,
    pub licences: Vec<DeviceLicence>,
    pub devices: BTreeMap<String, Device>,
    pub summary: Vec<SummaryRow>,
    pub renewal: Vec<RenewalRow>,
    pub realisable: Option<Realisable>,
    /// Users whose in-scope licences are all trials, with the cost when the trial ends.
    pub trials: Vec<classify::TrialUser>,
    /// The deployment model of the users with conversations (spec section 6).
    pub deployment: crate::skufit::DeploymentModel,
    pub rejected: Vec<Rejected>,
    pub rejected_total: u64,
    /// Users (by activity user id) with at least one rejected activity row.
    pub rejected_users: u64,
    pub unknown_skus: BTreeMap<String, u64>,
    pub out_of_scope: BTreeMap<String, u64>,
    pub other_licences: BTreeMap<String, u64>,
    pub join: JoinStats,
    /// Whether any activity in the window carries a device id (else shared devices cannot be
    /// detected).
    pub device_data: bool,
    pub warnings: Vec<String>,
    /// Usage per bill line and month (cost exports) and capacity consumption.
    pub usage: crate::usage::Usage,
    /// The pooled capacity now and after the recommendations, and the net saving.
    pub capacity: crate::bill::Capacity,
    /// Capacity SKUs bought (credit packs, Dataverse add-ons) → units, from the subscriptions:
    /// the same before and after the recommendations.
    pub capacity_packs: BTreeMap<String, u64>,
    /// The what-if scenarios as loaded (none without a file).
    pub scenarios: Scenarios,
    /// `current`, `recommended` and every scenario side by side (section 9).
    pub outcomes: Vec<crate::scenarios::Outcome>,
    /// Conversations a month per channel (the deflection model's basis) and the months.
    pub per_month: crate::scenarios::PerMonth,
    /// Today's bot containment per channel, when the conversation export says it.
    pub containment: Vec<crate::profile::containment::Containment>,
}

/// The whole pipeline, one named stage a line; each stage returns a typed result.
pub fn run(opts: &Options, progress: &Progress) -> Result<Analysis> {
    let step = progress.step(format!("reading {}", opts.dir.display()));
    let mut folder = ingest::scan(&opts.dir, opts.encoding)?;
    step.finish_and_clear();
    check_rollup_alone(&folder, &opts.dir)?;
    let mut book = PriceBook::load(opts.prices.as_deref().or(folder.path_of(Kind::Prices)))?;
    let policy = Policy::load(
        opts.policy.as_deref().or(folder.path_of(Kind::Policy)),
        &book,
    )?;
    // Checked before the long read, so a mistake in the file fails fast and writes nothing.
    let scenarios = Scenarios::load(
        opts.scenarios
            .as_deref()
            .or(folder.path_of(Kind::Scenarios)),
        &book,
    )?;
    let mut rejected = Vec::new();
    // The licence assignments are read beside the cost export and the activity, which need
    // only the systemuser export of the tenant; the cost export beside the activity.
    let (tenant, (costs, mut activity)) = read_tenant(
        opts,
        &folder,
        &book,
        &policy,
        progress,
        &mut rejected,
        |su, rej| {
            std::thread::scope(|scope| {
                let costs = scope.spawn(|| {
                    let mut rej = Vec::new();
                    let bill = ingest::bill::read(
                        &folder,
                        &policy.usage_lines,
                        &book.currency,
                        progress,
                        &mut rej,
                    );
                    bill.map(|b| (b, rej))
                });
                let mut activity_rejects = Vec::new();
                let activity =
                    read_activity(opts, &folder, &policy, su, progress, &mut activity_rejects);
                let (costs, cost_rejects) = costs
                    .join()
                    .unwrap_or_else(|_| Err(anyhow!("reading the cost export stopped")))?;
                let activity = activity?;
                // In the order of a read one after the other: the cost export's first.
                rej.extend(cost_rejects);
                rej.extend(activity_rejects);
                Ok((costs, activity))
            })
        },
    )?;
    book.mark_trials(&tenant.subs.trials);
    // From here on the book prices at the tenant's seat counts (contract tiers).
    book.set_seats(seat_counts(&tenant.assigned.users, &tenant.subs.seats));
    let t = progress.timing("classifying users");
    let joined = classify_users(&tenant, &activity, &policy, &book)?;
    drop(t);
    let t = progress.timing("checking the joins");
    check_source_joins(&activity.coverage, &folder, &tenant.assigned.users)?;
    drop(t);
    let t = progress.timing("pricing");
    let money = price(joined.recs, &book, &policy, &tenant, activity.window.as_of);
    drop(t);
    let t = progress.timing("deployment model");
    let deployment = crate::skufit::deployment_model(&money.priced, &policy, &book);
    drop(t);
    let t = progress.timing("waiting for the rejected rows");
    for later in std::mem::take(&mut activity.rejects_later) {
        rejected.extend(profile::join_rejects(later)?);
    }
    drop(t);
    let t = progress.timing("file facts, usage, warnings, pools");
    let quality = record_file_facts(
        &mut folder,
        &tenant,
        &activity.coverage,
        &costs,
        &mut rejected,
    );
    let usage = costs.usage(
        &policy.usage_lines,
        crate::usage::Window {
            from: activity.window.from,
            to: activity.window.as_of,
        },
    );
    let warnings = warnings(&folder, &tenant, &activity, &quality, &money);
    let capacity_packs = tenant.subs.capacity_units.clone();
    let capacity = pools(&book, &money.renewal, &capacity_packs, &usage);
    drop(t);
    let per_month = crate::scenarios::per_month(
        &activity.conversations,
        activity.window.from,
        activity.window.as_of,
    );
    let t = progress.timing("scenarios");
    let outcomes = crate::scenarios::evaluate_all(
        &crate::scenarios::Inputs {
            priced: &money.priced,
            licences: &money.licences,
            renewal: &money.renewal,
            book: &book,
            policy: &policy,
            as_of: activity.window.as_of,
            annual_usage: usage.annual(),
            peak: &usage.peaks(),
            per_month: &per_month,
            capacity_packs: &capacity_packs,
        },
        &scenarios.list,
    );
    drop(t);
    let t = progress.timing("containment");
    let containment = containment(&folder, &activity.window)?;
    drop(t);
    let t = progress.timing("waiting for the input hashes");
    folder.finish_hashes()?;
    drop(t);
    Ok(Analysis {
        folder,
        book,
        policy,
        as_of: activity.window.as_of,
        window_from: activity.window.from,
        window_days: activity.window.days,
        covered_days: activity.window.covered_days,
        coverage: activity.coverage,
        trials: classify::trial_users(money.priced.iter().map(|p| &p.rec)),
        priced: money.priced,
        licences: money.licences,
        devices: activity.devices,
        summary: money.summary,
        renewal: money.renewal,
        realisable: money.realisable,
        deployment,
        rejected,
        rejected_total: quality.rejected_total,
        rejected_users: joined.rejected_users,
        unknown_skus: quality.unknown_skus,
        out_of_scope: quality.out_of_scope,
        other_licences: tenant.assigned.other_licences,
        join: joined.join,
        device_data: activity.device_data,
        warnings,
        capacity,
        capacity_packs,
        usage,
        scenarios,
        outcomes,
        per_month,
        containment,
    })
}

/// Today's containment per channel over the window (whole days, as-of included).
fn containment(
    folder: &Folder,
    w: &Window,
) -> Result<Vec<crate::profile::containment::Containment>> {
    let ms = |d: NaiveDate| date_to_day(d) * 86_400_000;
    let sources: Vec<_> = folder.of_kind(Kind::Conversations).collect();
    crate::profile::containment::read(&sources, ms(w.from), ms(w.as_of) + 86_400_000)
}

/// Each pool's entitlement now and after the recommendations against the peak full month's
/// consumption, and the net saving (section 8).
fn pools(
    book: &PriceBook,
    renewal: &[RenewalRow],
    capacity_packs: &BTreeMap<String, u64>,
    usage: &crate::usage::Usage,
) -> crate::bill::Capacity {
    // Capacity SKUs bought stay bought: the same units now and after.
    let seats: Vec<crate::bill::Seats> = renewal
        .iter()
        .map(|r| crate::bill::Seats {
            sku: r.sku.clone(),
            now: r.bought.unwrap_or(r.assigned),
            after: r.recommended,
        })
        .chain(capacity_packs.iter().map(|(sku, n)| crate::bill::Seats {
            sku: sku.clone(),
            now: *n,
            after: *n,
        }))
        .collect();
    let peak = usage.peaks();
    // The licence saving is the renewal table's; unknown when any SKU's is.
    let licence_saving = renewal.iter().map(|r| r.annual_saving_at_renewal).sum();
    crate::bill::capacity(book, &seats, &peak, licence_saving)
}

/// Who holds what: the assignments, the subscriptions and the Dataverse users.
struct Tenant {
    assigned: assignments::Assignments,
    subs: subscriptions::Subscriptions,
    system_users: systemusers::SystemUsers,
    /// Whether the folder has a systemuser export at all.
    has_systemusers: bool,
}

/// Reads the tenant's licences, subscriptions and systemusers, and runs `during` (which needs
/// only the systemusers) while the licence assignments, the largest of them, are read on a
/// thread of their own. Rejected rows are listed in the order of a read one after the other:
/// assignments, subscriptions and systemusers, then `during`'s; so are errors.
fn read_tenant<T>(
    opts: &Options,
    folder: &Folder,
    book: &PriceBook,
    policy: &Policy,
    progress: &Progress,
    rejected: &mut Vec<Rejected>,
    during: impl FnOnce(&systemusers::SystemUsers, &mut Vec<Rejected>) -> Result<T>,
) -> Result<(Tenant, T)> {
    let sources: Vec<_> = folder
        .sources
        .iter()
        .filter(|s| matches!(s.kind, Kind::Assignments | Kind::AdminCenterUsers))
        .collect();
    if sources.is_empty() {
        bail!(
            "{}: no licence assignments found (a CSV with user_id and sku columns, or a Graph \
             licence export); `rightsize validate` lists what each file was recognised as",
            opts.dir.display()
        );
    }
    let subs_sources: Vec<_> = folder.of_kind(Kind::Subscriptions).collect();
    let su_sources: Vec<_> = folder.of_kind(Kind::SystemUsers).collect();
    let (assigned, others, during) = std::thread::scope(|scope| {
        let assigned = scope.spawn(|| {
            let mut rejected = Vec::new();
            assignments::read(&sources, book, policy, &mut rejected).map(|a| (a, rejected))
        });
        let t = progress.timing("reading subscriptions and systemusers");
        let others = (|| -> Result<_> {
            let mut rejected = Vec::new();
            let subs = subscriptions::read(&subs_sources, book, policy, &mut rejected)?;
            let system_users = systemusers::read(&su_sources, &mut rejected)?;
            Ok((subs, system_users, rejected))
        })();
        drop(t);
        // Not begun when the tenant is already wrong.
        let during = others.as_ref().ok().map(|(_, su, _)| {
            let mut rejected = Vec::new();
            during(su, &mut rejected).map(|out| (out, rejected))
        });
        let t = progress.timing("waiting for the licence assignments");
        let assigned = assigned
            .join()
            .unwrap_or_else(|_| Err(anyhow!("reading the licence assignments stopped")));
        drop(t);
        (assigned, others, during)
    });
    let (mut assigned, assignment_rejects) = assigned?;
    rejected.extend(assignment_rejects);
    let (subs, system_users, other_rejects) = others?;
    rejected.extend(other_rejects);
    let (out, during_rejects) = during.ok_or_else(|| anyhow!("the tenant was not read"))??;
    rejected.extend(during_rejects);
    systemusers::attach_access_modes(&mut assigned.users, &system_users);
    let tenant = Tenant {
        assigned,
        subs,
        system_users,
        has_systemusers: !su_sources.is_empty(),
    };
    Ok((tenant, out))
}

/// The analysis window, once the as-of date is known.
struct Window {
    as_of: NaiveDate,
    from: NaiveDate,
    days: u32,
    covered_days: u32,
}

/// What the activity sources say, per user and per device, inside the window.
struct ActivityData {
    window: Window,
    coverage: Vec<Coverage>,
    profiles: HashMap<String, Profile>,
    devices: BTreeMap<String, Device>,
    device_data: bool,
    /// Whether any source carries Dataverse user ids (audit, conversations).
    dataverse_ids: bool,
    /// Conversations per channel and day inside the window.
    conversations: BTreeMap<(crate::model::Channel, i64), u64>,
    sources: usize,
    /// Rejected rows still being located (`profile::Prepared::rejects_later`).
    rejects_later: Vec<profile::RejectsLater>,
}

fn read_activity(
    opts: &Options,
    folder: &Folder,
    policy: &Policy,
    system_users: &systemusers::SystemUsers,
    progress: &Progress,
    rejected: &mut Vec<Rejected>,
) -> Result<ActivityData> {
    let source_ctx = profile::SourceContext {
        premium_features: std::sync::Arc::new(policy.premium_features.clone()),
        user_map: system_users.to_entra.clone(),
        bots: system_users.bots.clone(),
        own_from_creator: policy.audit_own_from_creator,
        ids: Default::default(),
        tables: Default::default(),
        devices: Default::default(),
    };
    let activity_sources: Vec<_> = folder
        .sources
        .iter()
        .filter(|s| {
            matches!(
                s.kind,
                Kind::Activity
                    | Kind::ActivityDaily
                    | Kind::SignIns
                    | Kind::Audit
                    | Kind::Conversations
            )
        })
        .collect();
    // With --as-of the window is known before reading, and each source is read once for it;
    // without, the window ends at the latest activity, guessed from a sample of each source:
    // a source is read a second time only when the guess was wrong in a way that matters
    // (see `profile::aggregate`).
    let window_of = |as_of: NaiveDate| profile::Window {
        from_day: date_to_day(as_of - Duration::days(policy.lookback_days)),
        to_day: date_to_day(as_of),
    };
    let words = profile::words_for(policy.lookback_days);
    let limit = match opts.as_of {
        Some(d) => profile::Limit::Window(window_of(d)),
        None => activity_sources
            .iter()
            .filter_map(|s| profile::latest_guess(s, &source_ctx))
            .max()
            .map_or(profile::Limit::All, |ms| {
                profile::Limit::From(window_of(ms_to_date(ms)).from_day)
            }),
    };
    let mut prepared = Vec::with_capacity(activity_sources.len());
    for src in &activity_sources {
        let one = progress.rows(format!("reading {}", src.name));
        prepared.push(profile::prepare(
            src,
            &source_ctx,
            limit,
            words,
            &one.counter(),
            rejected,
        )?);
        one.finish_and_clear();
    }
    let rejects_later: Vec<_> = prepared
        .iter_mut()
        .filter_map(|p| p.rejects_later.take())
        .collect();
    let coverage: Vec<Coverage> = prepared.iter().map(|p| p.coverage.clone()).collect();
    let latest = coverage.iter().filter_map(|c| c.last_ms).max();
    let as_of = match (opts.as_of, latest) {
        (Some(d), _) => d,
        (None, Some(ms)) => ms_to_date(ms),
        (None, None) => bail!(
            "no activity data to take the as-of date from: pass --as-of YYYY-MM-DD (every user \
             will then be kept as \"no activity data\")"
        ),
    };
    let from = as_of - Duration::days(policy.lookback_days);
    let step = progress.step("profiling activity");
    let activity = profile::aggregate(&prepared, &activity_sources, &source_ctx, window_of(as_of))?;
    step.finish_and_clear();
    let devices = devices::analyse(&activity.devices, &policy.device);
    Ok(ActivityData {
        window: Window {
            as_of,
            from,
            days: (policy.lookback_days + 1) as u32,
            covered_days: covered_days(&coverage, from, as_of),
        },
        coverage,
        profiles: activity.profiles,
        device_data: !devices.is_empty(),
        devices,
        dataverse_ids: activity_sources
            .iter()
            .any(|s| matches!(s.kind, Kind::Audit | Kind::Conversations)),
        conversations: activity.conversations,
        sources: prepared.len(),
        rejects_later,
    })
}

/// Every licensed user classified, and how well the activity joined them.
struct Classified {
    recs: Vec<classify::Recommendation>,
    join: JoinStats,
    rejected_users: u64,
}

/// Joins activity to licensed users (on id, else UPN, case-insensitive) and classifies them;
/// stops when the join is broken (calling everyone inactive would be wrong).
fn classify_users(
    tenant: &Tenant,
    activity: &ActivityData,
    policy: &Policy,
    book: &PriceBook,
) -> Result<Classified> {
    use crate::text::lower;
    use std::borrow::Cow;
    type Fold = foldhash::fast::RandomState;
    let users = &tenant.assigned.users;
    // Keys lower-cased without a copy when they already are (ids mostly are), in foldhash
    // maps: SipHash and the copies were most of the time of the join for 68k users.
    let mut by_key: HashMap<Cow<str>, &Profile, Fold> =
        HashMap::with_capacity_and_hasher(activity.profiles.len(), Fold::default());
    for (k, p) in &activity.profiles {
        by_key.entry(lower(k)).or_insert(p);
    }
    // Profiles of users whose rows were all rejected carry no activity.
    let active = |p: &Profile| p.events > 0;
    let mut join = JoinStats {
        activity_users: activity.profiles.values().filter(|p| active(p)).count() as u64,
        licensed_users: users.len() as u64,
        ..JoinStats::default()
    };
    let mut matched_keys: std::collections::HashSet<Cow<str>, Fold> =
        std::collections::HashSet::with_capacity_and_hasher(2 * users.len(), Fold::default());
    let w = &activity.window;
    let ctx = Context {
        policy,
        book,
        as_of: w.as_of,
        window_days: w.days,
        covered_days: w.covered_days,
        operation_level: activity.coverage.iter().any(|c| c.operation_level),
        devices: &activity.devices,
        device_data: activity.device_data,
    };
    // Each user is classified on its own, so the users are split over the cores; the join is
    // counted afterwards, in the users' order.
    let one = keyed(|user: &crate::model::User| {
        let id_key = lower(&user.id);
        let upn_key = lower(&user.upn);
        let profile: Option<Cow<Profile>> = match (
            by_key.get(&id_key),
            by_key.get(&upn_key).filter(|_| !upn_key.is_empty()),
        ) {
            (Some(a), Some(b)) if id_key != upn_key => Some(Cow::Owned(merge(a, b))),
            (Some(a), _) => Some(Cow::Borrowed(*a)),
            (None, Some(b)) => Some(Cow::Borrowed(*b)),
            (None, None) => None,
        };
        let matched = profile
            .as_deref()
            .is_some_and(active)
            .then_some((id_key, upn_key));
        (classify::classify(user, profile.as_deref(), &ctx), matched)
    });
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = users.len().div_ceil(threads).max(2048);
    let parts: Vec<Vec<_>> = std::thread::scope(|scope| {
        let handles: Vec<_> = users
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| anyhow!("classifying the users stopped"))
            })
            .collect::<Result<_>>()
    })?;
    let mut recs = Vec::with_capacity(users.len());
    for (rec, matched) in parts.into_iter().flatten() {
        if let Some((id_key, upn_key)) = matched {
            join.licensed_users_with_activity += 1;
            matched_keys.insert(id_key);
            matched_keys.insert(upn_key);
        }
        recs.push(rec);
    }
    join.matched_activity_users = by_key
        .iter()
        .filter(|(k, p)| active(p) && matched_keys.contains(*k))
        .count() as u64;
    if join.activity_users >= 10
        && join.licensed_users >= 10
        && join.licensed_users_with_activity * 20 < join.licensed_users
    {
        bail!(
            "the activity sources' user ids match only {} of {} licensed users ({} ids in the \
             activity): the join is broken, and calling everyone inactive would be wrong. Check \
             that both sides use Entra object ids or UPNs (a usage report with concealed user \
             names has hashes instead: turn off \"Display concealed user, group, and site names\" \
             in the Microsoft 365 admin center and export again)",
            join.licensed_users_with_activity,
            join.licensed_users,
            join.activity_users
        );
    }
    Ok(Classified {
        recs,
        join,
        rejected_users: activity
            .profiles
            .values()
            .filter(|p| p.rejected_rows > 0)
            .count() as u64,
    })
}

/// A user's recommendation and, when their activity joined, their lower-cased id and UPN
/// (borrowed from the user when they already are).
type Keyed<'u> = (
    classify::Recommendation,
    Option<(std::borrow::Cow<'u, str>, std::borrow::Cow<'u, str>)>,
);

/// `f` as a closure whose keys borrow from the user it is given (which inference alone does
/// not find).
fn keyed<F>(f: F) -> F
where
    F: for<'u> Fn(&'u crate::model::User) -> Keyed<'u>,
{
    f
}

/// The money of the recommendations: per user, per device, per class and per SKU.
struct Money {
    priced: Vec<Priced>,
    licences: Vec<DeviceLicence>,
    summary: Vec<SummaryRow>,
    renewal: Vec<RenewalRow>,
    realisable: Option<Realisable>,
}

fn price(
    recs: Vec<classify::Recommendation>,
    book: &PriceBook,
    policy: &Policy,
    tenant: &Tenant,
    as_of: NaiveDate,
) -> Money {
    let (priced, licences) = savings::price_all(recs, book, policy);
    let summary = savings::summary(&priced);
    let renewal = savings::renewal(&priced, &licences, &tenant.subs.seats, book);
    // Annual-term seats change at the renewal, monthly-term seats at any month end.
    let at = |term: crate::contract::Term| -> rust_decimal::Decimal {
        renewal
            .iter()
            .filter(|r| book.term(&r.sku) == term)
            .filter_map(|r| r.monthly_saving_at_renewal)
            .sum()
    };
    let realisable = savings::realisable(
        policy,
        as_of,
        at(crate::contract::Term::Annual),
        at(crate::contract::Term::Monthly),
    );
    Money {
        priced,
        licences,
        summary,
        renewal,
        realisable,
    }
}

/// What the data-quality section and the manifest say of the inputs.
struct Quality {
    rejected_total: u64,
    unknown_skus: BTreeMap<String, u64>,
    out_of_scope: BTreeMap<String, u64>,
}

/// Puts the rows read, rejected and skipped and the dates covered on each input file.
fn record_file_facts(
    folder: &mut Folder,
    tenant: &Tenant,
    coverage: &[Coverage],
    costs: &ingest::bill::BillInputs,
    rejected: &mut [Rejected],
) -> Quality {
    let (assigned, subs) = (&tenant.assigned, &tenant.subs);
    // An out-of-scope subscription is listed beside the out-of-scope assignments (whose count
    // it keeps: seats bought are not assignments).
    let mut out_of_scope = assigned.out_of_scope.clone();
    for sku in subs.out_of_scope.keys() {
        out_of_scope.entry(sku.clone()).or_default();
    }
    let mut unknown_skus = assigned.unknown_skus.clone();
    for (k, v) in &subs.unknown_skus {
        *unknown_skus.entry(k.clone()).or_default() += v;
    }
    for (idx, n) in assigned
        .rows
        .iter()
        .chain(subs.rows.iter())
        .chain(tenant.system_users.rows.iter())
    {
        folder.files[*idx].rows_read = *n;
    }
    for c in coverage {
        let f = &mut folder.files[c.source];
        f.rows_read = c.rows - c.rejected;
        f.rows_skipped = c.skipped;
        f.covers_from = c.first_ms.map(iso);
        f.covers_to = c.last_ms.map(iso);
    }
    let mut rejected_per_file: BTreeMap<String, u64> = BTreeMap::new();
    for r in rejected.iter() {
        *rejected_per_file.entry(r.file.clone()).or_default() += 1;
    }
    for c in coverage {
        // activity rejects beyond the kept details are counted by the query
        rejected_per_file.insert(c.name.clone(), c.rejected);
    }
    costs.record(&mut folder.files, &mut rejected_per_file);
    for f in &mut folder.files {
        f.rows_rejected = rejected_per_file.get(&f.name).copied().unwrap_or(0);
    }
    rejected.sort();
    Quality {
        rejected_total: rejected_per_file.values().sum(),
        unknown_skus,
        out_of_scope,
    }
}

/// The notes the report and `validate` print about the inputs and the judgement.
fn warnings(
    folder: &Folder,
    tenant: &Tenant,
    activity: &ActivityData,
    quality: &Quality,
    money: &Money,
) -> Vec<String> {
    let coverage = &activity.coverage;
    let (covered_days, window_days) = (activity.window.covered_days, activity.window.days);
    let mut warnings = Vec::new();
    for (sku, (used, left)) in &tenant.subs.overlaps {
        warnings.push(format!(
            "{} and {} both list {sku}: they describe the same seats, so the seats bought are \
             taken from {} only (not added)",
            used.join(", "),
            left.join(", "),
            used.join(", ")
        ));
    }
    if !quality.unknown_skus.is_empty() {
        warnings.push(format!(
            "{} SKU name(s) are not in the price book and were not analysed: {}",
            quality.unknown_skus.len(),
            quality
                .unknown_skus
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if covered_days < window_days && covered_days > 0 {
        warnings.push(format!(
            "the activity sources cover {covered_days} of the window's {window_days} days: \
             inactivity is judged over the covered days"
        ));
    }
    if activity.dataverse_ids && !tenant.has_systemusers {
        warnings.push(
            "no Dataverse systemuser export: audit and conversation user ids were assumed to be \
             Entra object ids; add the systemuser export (systemuserid, \
             azureactivedirectoryobjectid) to map them"
                .into(),
        );
    }
    if !coverage.is_empty() && !coverage.iter().any(|c| c.operation_level) {
        warnings.push(
            "no operation-level source (canonical events or Dataverse audit): the tier of \
             active users cannot be judged, they stay full with low confidence"
                .into(),
        );
    }
    if !coverage.is_empty() && !activity.device_data {
        warnings.push(NO_DEVICE_DATA.into());
    }
    for src in folder.of_kind(Kind::ActivityDaily) {
        let has = |n: &str| src.columns.iter().any(|c| ingest::norm_header(c) == n);
        if has("own_record") && !has("own_record_rule") {
            warnings.push(format!(
                "{}: a daily roll-up without an own_record_rule column: the rule that made its \
                 own_record is unknown, so no write counts as to the user's own record (the \
                 safe side); sql/user_day_rollup.sql writes the column",
                src.name
            ));
        }
    }
    if !tenant.assigned.other_licences.is_empty() {
        warnings.push(format!(
            "{} other licence(s) are not Dynamics and were not analysed",
            tenant.assigned.other_licences.len()
        ));
    }
    if let Some(from) = money
        .realisable
        .as_ref()
        .and_then(|r| r.rolled_forward_from.map(|f| (f, r.renewal_date)))
    {
        warnings.push(format!(
            "renewal_date {} in the policy is before the as-of date {}: seats change only at \
             a renewal, so savings at renewal are counted from the next one, {}",
            from.0, activity.window.as_of, from.1
        ));
    }
    if activity.sources == 0 {
        warnings
            .push("no activity source found: every user is kept as \"no activity data\"".into());
    }
    warnings
}

const NO_DEVICE_DATA: &str = "no activity source carries device ids (the Entra sign-in log's \
     Device ID, or a device_id column): shared devices cannot be detected, so shared-device \
     users are judged as individual users with lower confidence; add the sign-in log";

/// Refuses a folder holding a daily roll-up beside the raw audit or conversation exports it is
/// made from: their activity would be counted twice.
fn check_rollup_alone(folder: &Folder, dir: &std::path::Path) -> Result<()> {
    let names = |kinds: &[Kind]| -> Vec<&str> {
        folder
            .sources
            .iter()
            .filter(|s| kinds.contains(&s.kind))
            .map(|s| s.name.as_str())
            .collect()
    };
    let rollups = names(&[Kind::ActivityDaily]);
    let raw = names(&[Kind::Audit, Kind::Conversations]);
    if rollups.is_empty() || raw.is_empty() {
        return Ok(());
    }
    bail!(
        "{}: the folder holds a daily roll-up ({}) and raw Dataverse exports of the kind it is \
         made from ({}): their activity would be counted twice. To analyse the roll-up, move \
         {} out of the folder; to analyse the raw exports, move the roll-up out. Assignments, \
         subscriptions, systemuser and the sign-in log stay either way",
        dir.display(),
        rollups.join(", "),
        raw.join(", "),
        raw.join(", ")
    );
}

impl Analysis {
    /// Reasons the analysis should not be trusted as it is (for `validate`'s exit status).
    pub fn trust_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for f in &self.folder.files {
            let total = f.rows_read + f.rows_rejected;
            if f.rows_rejected > 0 && f.rows_rejected * 100 > total {
                out.push(format!(
                    "{}: {} of {} rows rejected (more than 1%)",
                    f.name, f.rows_rejected, total
                ));
            }
        }
        if !self.unknown_skus.is_empty() {
            out.push(format!(
                "Dynamics licence names not in the price book: {} (add them to prices.toml)",
                self.unknown_skus
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if self.coverage.is_empty() {
            out.push("no activity source: nobody's use can be judged".into());
        } else if self.covered_days * 2 < self.window_days {
            out.push(format!(
                "activity covers only {} of the window's {} days",
                self.covered_days, self.window_days
            ));
        }
        if !self.coverage.is_empty() && !self.device_data {
            out.push(NO_DEVICE_DATA.into());
        }
        if self.join.activity_users > 0
            && self.join.matched_activity_users * 2 < self.join.activity_users
        {
            out.push(format!(
                "only {} of {} user ids in the activity matched a licensed user",
                self.join.matched_activity_users, self.join.activity_users
            ));
        }
        out
    }
}

/// Stops when an activity source's user ids match almost no licensed user: using it would
/// call everyone inactive, or judge their tier from nobody's writes.
fn check_source_joins(
    coverage: &[Coverage],
    folder: &Folder,
    users: &[crate::model::User],
) -> Result<()> {
    if users.len() < 10 {
        return Ok(());
    }
    let keys: crate::profile::IdSet = users
        .iter()
        .flat_map(|u| [u.id.to_lowercase(), u.upn.to_lowercase()])
        .filter(|k| !k.is_empty())
        .collect();
    for c in coverage {
        let n = c.user_ids.len();
        let matched = c.user_ids.iter().filter(|id| keys.contains(*id)).count();
        if n < 10 || matched * 20 >= n {
            continue;
        }
        let kind = folder.files[c.source].kind;
        let hint = match kind {
            Some(Kind::Audit | Kind::Conversations) => {
                "its user ids are Dataverse systemuser ids: add the Dataverse systemuser export \
                 (columns systemuserid, azureactivedirectoryobjectid) to the folder so they can \
                 be mapped to Entra object ids"
            }
            _ => {
                "check that it names users by Entra object id or UPN; a usage report with \
                 concealed user names has hashes instead: turn off \"Display concealed user, \
                 group, and site names\" in the Microsoft 365 admin center and export again"
            }
        };
        bail!(
            "{}: only {matched} of its {n} user ids match a licensed user, so it cannot be \
             used (everyone would look inactive, or their writes would be lost); {hint}",
            c.name
        );
    }
    Ok(())
}

/// Days of `[from, to]` covered by at least one source's `[first, last]`.
fn covered_days(coverage: &[Coverage], from: NaiveDate, to: NaiveDate) -> u32 {
    let mut days = 0;
    let mut d = from;
    while d <= to {
        let day = date_to_day(d);
        if coverage.iter().any(|c| match (c.first_ms, c.last_ms) {
            (Some(a), Some(b)) => {
                date_to_day(ms_to_date(a)) <= day && day <= date_to_day(ms_to_date(b))
            }
            _ => false,
        }) {
            days += 1;
        }
        d += Duration::days(1);
    }
    days
}

/// The seat count each SKU is priced at (PRODUCT.md section 7): seats bought when the
/// subscriptions list the SKU, else the in-scope users who hold it.
fn seat_counts(
    users: &[crate::model::User],
    seats: &BTreeMap<String, subscriptions::Seats>,
) -> BTreeMap<String, u64> {
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    for u in users {
        for h in &u.holdings {
            *out.entry(h.sku.clone()).or_default() += 1;
        }
    }
    for (sku, s) in seats {
        out.insert(sku.clone(), s.purchased);
    }
    out
}

fn merge(a: &Profile, b: &Profile) -> Profile {
    let mut p = a.clone();
    p.events += b.events;
    p.first_ms = p.first_ms.min(b.first_ms).or(p.first_ms).or(b.first_ms);
    p.last_ms = p.last_ms.max(b.last_ms);
    // Days may overlap between the two keys; the larger count is a safe lower bound.
    p.active_days = p.active_days.max(b.active_days);
    p.reads += b.reads;
    p.writes += b.writes;
    p.voice += b.voice;
    p.digital += b.digital;
    p.premium_events += b.premium_events;
    p.write_tables.extend(b.write_tables.iter().cloned());
    p.write_tables.sort();
    p.devices.extend(b.devices.iter().cloned());
    p.devices.sort();
    p.activity_rows += b.activity_rows;
    p.rejected_rows += b.rejected_rows;
    p
}

/// Epoch milliseconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}
