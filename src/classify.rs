//! The classification (spec section 3) as one pure function: a user, their profile and the
//! tenant's context in, a recommendation with reasons and confidence out. First match wins:
//! keep (excluded) → remove (disabled) → remove (access mode needs no licence) → keep (grace /
//! no data) → remove (inactive) → device → contact-center → team-member → activity → full with
//! the Premium and add-on seat checks.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::devices::{Device, share};
use crate::model::{AccessMode, Channel, Class, Confidence, Flag, Profile, Tier, User, ms_to_date};
use crate::policy::Policy;
use crate::prices::{PriceBook, SkuKind};

/// What every user's classification shares.
pub struct Context<'a> {
    pub policy: &'a Policy,
    pub book: &'a PriceBook,
    pub as_of: NaiveDate,
    /// Days in the analysis window.
    pub window_days: u32,
    /// Days of the window that at least one activity source covers.
    pub covered_days: u32,
    /// Whether any source tells operations (read/create/update/delete) apart.
    pub operation_level: bool,
    pub devices: &'a BTreeMap<String, Device>,
    /// Whether any activity carries a device id: without, shared devices cannot be detected.
    pub device_data: bool,
}

/// The outcome for one user, before money.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub user: User,
    pub class: Class,
    pub flags: Vec<Flag>,
    /// In-scope SKU ids held now.
    pub current: Vec<String>,
    /// In-scope SKU ids recommended (a device-class user's device licence is not in here).
    pub recommended: Vec<String>,
    /// The shared device whose licence replaces this user's, for the device class.
    pub device: Option<String>,
    pub required_tier: Option<Tier>,
    pub confidence: Confidence,
    pub reasons: Vec<String>,
    pub last_active: Option<NaiveDate>,
    pub active_days: u32,
    /// Active days per 30 covered days.
    pub active_per_30: Decimal,
    pub reads: u64,
    pub writes: u64,
    pub voice: u64,
    pub digital: u64,
    pub premium_events: u64,
    /// The standalone Contact Center SKU for the user's channels when the user is a step-5b
    /// candidate (conversations, writes within team-member rights, tier known, no premium
    /// feature event), whatever its price and whether or not the user moves to it.
    pub contact_center: Option<String>,
    /// For the device class: what the rules give without the shared-device step. The money
    /// stage falls back to it when a share of the device licence costs more than the user's
    /// current licences, so the class, flags and reasons stay those of the rules that apply.
    pub without_device: Option<Box<Recommendation>>,
    /// For a user whose in-scope licences are all trials (flag `trial`): what the rules would
    /// give once the trial ends.
    pub trial: Option<TrialOutcome>,
}

/// What a trial-only user costs when the trial ends (spec section 6).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TrialOutcome {
    /// The class the rules give, the trial aside.
    pub would_be: Class,
    /// That class's licence (`None` for `remove`).
    pub target: Option<String>,
    /// Its monthly price per seat (0 for `remove`); `None` when the price book has none.
    pub monthly_when_ended: Option<Decimal>,
    /// The earliest end of the user's trials, when the subscriptions say.
    pub ends: Option<NaiveDate>,
}

/// One trial-only user, for the report's trial list.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TrialUser {
    pub user_id: String,
    pub would_be: Class,
    pub target: Option<String>,
    pub monthly_when_ended: Option<Decimal>,
    pub ends: Option<NaiveDate>,
}

/// The trial-only users of a set of recommendations, in their order.
pub fn trial_users<'a>(recs: impl IntoIterator<Item = &'a Recommendation>) -> Vec<TrialUser> {
    recs.into_iter()
        .filter_map(|r| {
            r.trial.as_ref().map(|t| TrialUser {
                user_id: r.user.id.clone(),
                would_be: t.would_be,
                target: t.target.clone(),
                monthly_when_ended: t.monthly_when_ended,
                ends: t.ends,
            })
        })
        .collect()
}

/// Classifies one user. Without device data, an active user's class is judged as if they
/// had no shared device: the recommendation says so and its confidence is one step lower.
/// Rejected activity rows are said, and lower the confidence when they are a noticeable share
/// of the user's rows (their events are missing from the profile).
pub fn classify(user: &User, profile: Option<&Profile>, ctx: &Context) -> Recommendation {
    let mut rec = annotated(rules(user, profile, ctx, true), profile, ctx);
    if rec.class == Class::Device {
        rec.without_device = Some(Box::new(annotated(
            rules(user, profile, ctx, false),
            profile,
            ctx,
        )));
    }
    // Trials (spec section 6): trial-only users are kept at no cost; a paid user's trial SKUs
    // are dropped at no saving.
    let in_scope_trials = user.holdings.iter().filter(|h| ctx.book.is_trial(&h.sku));
    if !user.holdings.is_empty() && in_scope_trials.count() == user.holdings.len() {
        return trial_only(rec, ctx);
    }
    if rec.class != Class::Keep && rec.recommended.iter().any(|id| ctx.book.is_trial(id)) {
        let dropped: Vec<String> = rec
            .recommended
            .iter()
            .filter(|id| ctx.book.is_trial(id))
            .cloned()
            .collect();
        rec.recommended.retain(|id| !dropped.contains(id));
        rec.reasons.push(format!(
            "also holds the trial {}: dropped, at no saving (a trial costs nothing)",
            ctx.book.product_names(&dropped)
        ));
    }
    rec
}

/// A trial-only user: kept as is at no cost, with what the rules would give once the trial
/// ends (their class, its licence and its price) and the trial's end.
fn trial_only(would: Recommendation, ctx: &Context) -> Recommendation {
    let book = ctx.book;
    let t = &ctx.policy.targets;
    let target = match would.class {
        Class::Remove => None,
        Class::Device => Some(t.device.clone()),
        Class::TeamMember => Some(t.team_member.clone()),
        Class::Activity => Some(t.activity.clone()),
        Class::Full | Class::Keep => Some(t.full.clone()),
        // A class added later: the licence its rules move to.
        #[allow(unreachable_patterns)]
        _ => would
            .recommended
            .iter()
            .find(|id| !book.is_trial(id))
            .cloned()
            .or_else(|| Some(t.full.clone())),
    };
    // The price once the trial is over, even when the target is itself a trial SKU.
    let monthly_when_ended = match &target {
        None => Some(Decimal::ZERO),
        Some(id) => book.paid_monthly(id),
    };
    let ends = would
        .current
        .iter()
        .filter_map(|id| book.trial_end(id))
        .min();
    let mut reasons = vec![format!(
        "holds only the trial {}: kept, at no cost",
        book.product_names(&would.current)
    )];
    let price = monthly_when_ended.map_or_else(|| "price unknown".to_string(), crate::money::fmt2);
    reasons.push(match (&target, ends) {
        (None, _) => format!("when the trial ends: {} (no licence needed)", would.class),
        (Some(t), Some(d)) => format!(
            "when the trial ends on {d}: {} with {} at {price} a month",
            would.class,
            book.product_name(t)
        ),
        (Some(t), None) => format!(
            "when the trial ends: {} with {} at {price} a month",
            would.class,
            book.product_name(t)
        ),
    });
    reasons.extend(would.reasons.iter().cloned());
    Recommendation {
        class: Class::Keep,
        flags: vec![Flag::Trial],
        recommended: would.current.clone(),
        device: None,
        without_device: None,
        trial: Some(TrialOutcome {
            would_be: would.class,
            target,
            monthly_when_ended,
            ends,
        }),
        reasons,
        ..would
    }
}

/// The notes every recommendation gets about the data it was judged from.
fn annotated(mut rec: Recommendation, profile: Option<&Profile>, ctx: &Context) -> Recommendation {
    let judged_by_use = matches!(
        rec.class,
        Class::ContactCenter | Class::TeamMember | Class::Activity | Class::Full
    );
    if !ctx.device_data && judged_by_use && rec.confidence != Confidence::Low {
        rec.confidence = rec.confidence.lower();
        rec.reasons
            .push("no device data: shared devices cannot be detected".into());
    }
    if let Some(p) = profile.filter(|p| p.rejected_rows > 0) {
        rec.reasons.push(format!(
            "{} of this user's {} activity rows were rejected: see rejected.csv",
            crate::text::thousands(p.rejected_rows),
            crate::text::thousands(p.activity_rows)
        ));
        if share(p.rejected_rows, p.activity_rows) >= ctx.policy.rejected_lower_confidence_share {
            rec.confidence = rec.confidence.lower();
        }
    }
    rec
}

/// The rules of section 3 in order, with or without the shared-device step (5).
fn rules(
    user: &User,
    profile: Option<&Profile>,
    ctx: &Context,
    device_rule: bool,
) -> Recommendation {
    let empty = Profile::default();
    let p = profile.unwrap_or(&empty);
    let current: Vec<String> = user.holdings.iter().map(|h| h.sku.clone()).collect();
    let active_per_30 = if ctx.covered_days == 0 {
        Decimal::ZERO
    } else {
        crate::money::round2(
            Decimal::from(p.active_days) * Decimal::from(30) / Decimal::from(ctx.covered_days),
        )
    };
    let coverage_conf = coverage_confidence(ctx.covered_days, ctx.window_days);
    let mut rec = Recommendation {
        user: user.clone(),
        class: Class::Keep,
        flags: Vec::new(),
        current: current.clone(),
        recommended: current.clone(),
        device: None,
        required_tier: None,
        confidence: Confidence::High,
        reasons: Vec::new(),
        last_active: p.last_ms.map(ms_to_date),
        active_days: p.active_days,
        active_per_30,
        reads: p.reads,
        writes: p.writes,
        voice: p.voice,
        digital: p.digital,
        premium_events: p.premium_events,
        contact_center: None,
        without_device: None,
        trial: None,
    };
    let groups: Vec<&str> = user
        .holdings
        .iter()
        .filter_map(|h| h.assigned_by_group.as_deref())
        .collect();

    // 1. excluded by policy
    if let Some(why) = ctx.policy.exclusion(&user.id, &user.upn) {
        rec.reasons.push(format!("excluded by policy: {why}"));
        return rec;
    }
    // 2. disabled account
    if user.account_enabled == Some(false) {
        rec.class = Class::Remove;
        rec.recommended.clear();
        rec.reasons
            .push("account disabled or sign-in blocked: the licence is not usable".into());
        note_groups(&mut rec, &groups);
        return rec;
    }
    // 2b. an account whose Dataverse access mode needs no licence (spec section 6)
    if let Some(modes) = no_licence_modes(user, ctx.policy) {
        rec.class = Class::Remove;
        rec.recommended.clear();
        let (noun, verb) = if modes.len() == 1 {
            ("mode", "needs")
        } else {
            ("modes", "need")
        };
        let names: Vec<&str> = modes.iter().map(|m| m.label()).collect();
        rec.reasons.push(format!(
            "Dataverse access {noun} {} {verb} no licence",
            names.join(" and ")
        ));
        note_groups(&mut rec, &groups);
        return rec;
    }
    // 3. grace period, or no activity data at all
    if let Some(created) = user.created {
        let age = (ctx.as_of - created).num_days();
        if age <= ctx.policy.grace_days {
            rec.reasons.push(format!(
                "created {created}, {age} days before {}: within the {}-day grace period",
                ctx.as_of, ctx.policy.grace_days
            ));
            return rec;
        }
    }
    if ctx.covered_days == 0 {
        rec.confidence = Confidence::Low;
        rec.reasons.push(
            "no activity data: no activity source covers any day of the analysis window".into(),
        );
        return rec;
    }
    let coverage_note = coverage_note(ctx);
    // 4. inactive in the covered window
    if p.events == 0 {
        rec.class = Class::Remove;
        rec.recommended.clear();
        rec.confidence = coverage_conf;
        rec.reasons.push(format!(
            "no activity in the {} covered days of the window{}",
            ctx.covered_days, coverage_note
        ));
        note_groups(&mut rec, &groups);
        return rec;
    }
    let summary = activity_summary(p);
    // 5. shared device
    if device_rule && let Some((dev, user_share)) = device_candidate(p, ctx) {
        rec.class = Class::Device;
        rec.recommended.clear();
        rec.device = Some(dev.id.clone());
        rec.confidence = coverage_conf;
        if user_share - ctx.policy.device.user_share < Decimal::new(5, 2) {
            rec.confidence = rec.confidence.lower();
        }
        rec.reasons.push(format!(
            "{}% of activity on shared device {} ({} users, none above {}%): one {} licence for the device",
            pct(user_share),
            dev.id,
            dev.users.len(),
            pct(ctx.policy.device.max_dominant_share),
            ctx.book.product_name(&ctx.policy.targets.device)
        ));
        rec.reasons.push(summary);
        note_groups(&mut rec, &groups);
        return rec;
    }
    // tier from the operation-level sources
    if !ctx.operation_level {
        rec.class = Class::Full;
        rec.confidence = Confidence::Low;
        rec.reasons.push(
            "no operation-level activity data: sign-ins, access events and conversations prove \
             presence, not what the user did"
                .into(),
        );
        rec.reasons.push(summary);
        return rec;
    }
    let (tier, tier_reason) = required_tier(p, ctx.policy, ctx.book);
    rec.required_tier = Some(tier);
    let held = held_tier(&current, ctx.book);
    let ops = p.reads + p.writes;
    let class = match tier {
        Tier::TeamMember => Class::TeamMember,
        Tier::Activity => Class::Activity,
        Tier::Full => Class::Full,
    };
    rec.class = class;
    rec.confidence = coverage_conf;
    let tier_reason_at = rec.reasons.len();
    rec.reasons.push(tier_reason);
    rec.reasons.push(summary);
    if held.is_some_and(|h| h < tier) {
        rec.flags.push(Flag::UnderLicensed);
        rec.reasons.push(format!(
            "needs {tier} rights but holds only {}: a compliance risk, left unchanged",
            ctx.book.product_names(&current)
        ));
        return rec;
    }
    // 5b. conversation work and no case work: the standalone Contact Center SKU
    if p.conversations() > 0 && p.premium_events == 0 {
        let (writes_need, writes_reason) = write_tier(p, ctx.policy, ctx.book);
        if writes_need == Tier::TeamMember {
            rec.contact_center = Some(contact_center_target(p, ctx).clone());
            match contact_center_fit(&current, p, ctx) {
                Fit::Moves(target, why) => {
                    rec.class = Class::ContactCenter;
                    rec.reasons[tier_reason_at] =
                        format!("{} and no case work ({writes_reason})", conversations(p));
                    rec.reasons.push(why);
                    rec.recommended = vec![target];
                    if rec.recommended != rec.current {
                        note_groups(&mut rec, &groups);
                    }
                    return rec;
                }
                Fit::Stays(why) => rec.reasons.push(why),
            }
        }
    }
    match class {
        Class::TeamMember | Class::Activity => {
            let target = if class == Class::TeamMember {
                &ctx.policy.targets.team_member
            } else {
                &ctx.policy.targets.activity
            };
            // A recommendation never costs more than today's licences: such a user stays as
            // they are, and the class says so (no move is claimed).
            if let (Some(cur), Some(new)) =
                (paid_price(&current, ctx.book), ctx.book.monthly(target))
                && new > cur
            {
                rec.class = Class::Keep;
                rec.reasons.push(format!(
                    "{} costs more ({}) than the current licences ({}): unchanged",
                    ctx.book.product_name(target),
                    crate::money::fmt2(new),
                    crate::money::fmt2(cur)
                ));
                return rec;
            }
            rec.recommended = vec![target.clone()];
            if ops < 20 {
                rec.confidence = rec.confidence.lower();
                rec.reasons
                    .push(format!("few operations to judge from ({ops})"));
            }
            // A user who already holds just the target moves nowhere: no move advice.
            if rec.recommended != rec.current {
                if class == Class::Activity {
                    rec.reasons.push(format!(
                        "{} and {} cannot share one environment: moving needs a separate \
                         environment",
                        ctx.book.product_name(target),
                        ctx.book.product_name(&ctx.policy.targets.full)
                    ));
                }
                note_groups(&mut rec, &groups);
            }
        }
        _ => full_seat_checks(&mut rec, p, ctx),
    }
    rec.recommended.sort();
    rec.recommended.dedup();
    rec
}

/// The access modes of a user whose every systemuser row has a mode the policy says needs no
/// licence (distinct, sorted); `None` when a row's mode is outside the list or unknown, or the
/// user has no systemuser row with a mode.
fn no_licence_modes(user: &User, policy: &Policy) -> Option<Vec<AccessMode>> {
    if user.access_modes.is_empty() {
        return None;
    }
    let mut modes = Vec::with_capacity(user.access_modes.len());
    for m in &user.access_modes {
        match m {
            Some(m) if policy.no_licence_access_modes.contains(m) => modes.push(*m),
            _ => return None,
        }
    }
    modes.sort_unstable();
    modes.dedup();
    Some(modes)
}

/// The highest tier the user's operations need, with the reason in words (products named
/// as the price book names the policy's targets).
pub fn required_tier(p: &Profile, policy: &Policy, book: &PriceBook) -> (Tier, String) {
    if p.conversations() > 0 {
        return (
            Tier::Full,
            format!(
                "{} need {} with the channel",
                conversations(p),
                book.product_name(&policy.targets.full)
            ),
        );
    }
    write_tier(p, policy, book)
}

/// "5 voice and 3 digital conversations".
fn conversations(p: &Profile) -> String {
    let mut parts = Vec::new();
    if p.voice > 0 {
        parts.push(format!("{} voice", p.voice));
    }
    if p.digital > 0 {
        parts.push(format!("{} digital", p.digital));
    }
    format!("{} conversations", parts.join(" and "))
}

/// The highest tier the user's CRM writes need (conversations aside), with the reason.
pub fn write_tier(p: &Profile, policy: &Policy, book: &PriceBook) -> (Tier, String) {
    let name = |id: &str| book.product_name(id).to_string();
    let t = &policy.targets;
    let mut by_tier: BTreeMap<Tier, Vec<String>> = BTreeMap::new();
    for w in &p.write_tables {
        let (tier, _) = policy.tier_for_write(&w.table, w.own_record);
        let own = if w.own_record { " own" } else { "" };
        by_tier
            .entry(tier)
            .or_default()
            .push(format!("{}{own} ({})", w.table, w.count));
    }
    match by_tier.iter().next_back() {
        None => (
            Tier::TeamMember,
            format!(
                "no writes: reading is within {} rights",
                name(&t.team_member)
            ),
        ),
        Some((tier, tables)) => {
            let what = match tier {
                Tier::TeamMember => format!("are within {} rights", name(&t.team_member)),
                Tier::Activity => format!("need the activity tier ({})", name(&t.activity)),
                Tier::Full => format!("need {}", name(&t.full)),
            };
            (*tier, format!("writes to {} {what}", tables.join(", ")))
        }
    }
}

/// What step 5b finds for a conversation agent whose writes need no more than team-member
/// rights.
enum Fit {
    /// Moves to this Contact Center SKU, with the comparison in words.
    Moves(String, String),
    /// Stays a Customer Service user; the reason says why.
    Stays(String),
}

/// The standalone Contact Center SKU covering exactly the channels the user's conversations use.
fn contact_center_target<'a>(p: &Profile, ctx: &'a Context) -> &'a String {
    let t = &ctx.policy.targets;
    match (p.voice > 0, p.digital > 0) {
        (true, true) => &t.contact_center_both,
        (true, false) => &t.contact_center_voice,
        _ => &t.contact_center_digital,
    }
}

/// Step 5b (spec section 6): the standalone Contact Center SKU for exactly the channels used,
/// when it costs less than Enterprise with the needed add-on set, or, for a Premium holder,
/// less than Premium even if the Enterprise side has no price. Never more than today's
/// licences.
fn contact_center_fit(current: &[String], p: &Profile, ctx: &Context) -> Fit {
    let book = ctx.book;
    let t = &ctx.policy.targets;
    let used = channels_used(p);
    let target = contact_center_target(p, ctx);
    let name = book.product_name(target);
    let mut enterprise = vec![t.full.clone()];
    enterprise.extend(needed_addons(&used, ctx.policy, ctx.book));
    let premium: Vec<String> = current
        .iter()
        .filter(|id| book.get(id).is_some_and(|s| s.premium))
        .cloned()
        .collect();
    let cc = book.monthly(target);
    let ent = sum_prices(&enterprise, book);
    let prem = (!premium.is_empty())
        .then(|| sum_prices(&premium, book))
        .flatten();
    let money = |d: Decimal| crate::money::fmt2(d);
    let (c, against, other) = match (cc, ent, prem) {
        (Some(c), Some(e), _) => (c, e, book.product_names(&enterprise)),
        (Some(c), None, Some(pp)) => (c, pp, book.product_names(&premium)),
        _ => {
            let missing: Vec<String> = std::iter::once(target.clone())
                .chain(enterprise.iter().cloned())
                .filter(|id| book.monthly(id).is_none())
                .collect();
            return Fit::Stays(format!(
                "Contact Center may fit; price unknown: no price for {} in the price book",
                book.product_names(&missing)
            ));
        }
    };
    if c >= against {
        return Fit::Stays(format!(
            "{name} ({}) costs no less than {other} ({}): stays on Customer Service",
            money(c),
            money(against)
        ));
    }
    if let Some(now) = sum_prices(current, book)
        && c > now
    {
        return Fit::Stays(format!(
            "{name} ({}) costs more than the current licences ({}): unchanged",
            money(c),
            money(now)
        ));
    }
    Fit::Moves(
        target.clone(),
        format!(
            "{name} ({}) costs less than {other} ({}); standalone Contact Center includes no \
             case management",
            money(c),
            money(against)
        ),
    )
}

/// The tier the user's current licences give (add-ons give none).
fn held_tier(current: &[String], book: &PriceBook) -> Option<Tier> {
    current
        .iter()
        .filter_map(|id| book.get(id))
        .filter_map(|s| match s.kind {
            SkuKind::Base | SkuKind::Attach | SkuKind::Device => Some(Tier::Full),
            SkuKind::Activity => Some(Tier::Activity),
            SkuKind::TeamMember => Some(Tier::TeamMember),
            SkuKind::Addon | SkuKind::Capacity => None,
        })
        .max()
}

/// The channels a profile's conversations use, voice first.
pub fn channels_used(p: &Profile) -> Vec<Channel> {
    let mut used = Vec::new();
    if p.voice > 0 {
        used.push(Channel::Voice);
    }
    if p.digital > 0 {
        used.push(Channel::Digital);
    }
    used
}

/// Premium and add-on checks, and the occasional-use marker, for a full user.
fn full_seat_checks(rec: &mut Recommendation, p: &Profile, ctx: &Context) {
    let mut rec_skus = premium_check(rec, p, ctx);
    rec_skus.sort();
    rec_skus.dedup();
    addon_check(rec, &mut rec_skus, &channels_used(p), ctx);
    // A recommendation never costs more than today's licences: the checks together (an add-on
    // priced in one and dropped in the other) can make it so. Compared as the change it is, as
    // the money stage prices it: what is dropped against what is added.
    let dropped: Vec<String> = rec
        .current
        .iter()
        .filter(|id| !rec_skus.contains(id))
        .cloned()
        .collect();
    let added: Vec<String> = rec_skus
        .iter()
        .filter(|id| !rec.current.contains(id))
        .cloned()
        .collect();
    if let (Some(out), Some(new)) = (sum_prices(&dropped, ctx.book), sum_prices(&added, ctx.book))
        && new > out
    {
        rec.flags
            .retain(|f| !matches!(f, Flag::PremiumUnused | Flag::AddonUnused));
        rec.reasons.push(format!(
            "the seat changes would add {} for {} dropped: unchanged",
            crate::money::fmt2(new),
            crate::money::fmt2(out)
        ));
        rec_skus = rec.current.clone();
    }
    rec.recommended = rec_skus;
    if rec.active_per_30 < ctx.policy.occasional_days {
        rec.flags.push(Flag::Occasional);
        rec.reasons.push(format!(
            "occasional: {} active days per 30 (threshold {}): review",
            rec.active_per_30, ctx.policy.occasional_days
        ));
    }
    if rec.recommended != rec.current {
        let groups: Vec<String> = rec
            .user
            .holdings
            .iter()
            .filter_map(|h| h.assigned_by_group.clone())
            .collect();
        let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
        note_groups(rec, &groups);
    }
}

/// premium-unused: Premium is kept per user only for a listed premium feature (none by
/// default: embedded Copilot is in Enterprise and Premium's credits are a tenant pool) or when
/// Enterprise with the needed add-on set costs no less. Returns the SKUs after the check.
fn premium_check(rec: &mut Recommendation, p: &Profile, ctx: &Context) -> Vec<String> {
    let book = ctx.book;
    let t = &ctx.policy.targets;
    let mut rec_skus = rec.current.clone();
    let premium: Vec<String> = rec
        .current
        .iter()
        .filter(|id| book.get(id).is_some_and(|s| s.premium))
        .cloned()
        .collect();
    if premium.is_empty() || p.premium_events > 0 {
        return rec_skus;
    }
    let addons = needed_addons(&channels_used(p), ctx.policy, ctx.book);
    let mut alternative = vec![t.full.clone()];
    alternative.extend(addons.iter().cloned());
    // Priced as the change it is: what the user holds already costs nothing more.
    let added: Vec<String> = alternative
        .iter()
        .filter(|id| !rec.current.contains(id))
        .cloned()
        .collect();
    let before = sum_prices(&premium, book);
    let after = sum_prices(&added, book);
    let held = book.product_names(&premium);
    let full = book.product_name(&t.full);
    let features = if ctx.policy.premium_features.is_empty() {
        "no premium feature is listed in the policy: one user's Copilot use is no reason for this seat"
            .to_string()
    } else {
        format!(
            "0 premium-feature events: {}",
            ctx.policy.premium_features.join(", ")
        )
    };
    match (before, after) {
        (Some(b), Some(a)) if a >= b => {
            rec.reasons.push(format!(
                "holds {held} ({features}), but {full} with the needed add-ons costs no less: \
                 unchanged"
            ));
        }
        _ => {
            rec.flags.push(Flag::PremiumUnused);
            rec_skus.retain(|id| !premium.contains(id));
            rec_skus.extend(alternative.iter().cloned());
            let with = if addons.is_empty() {
                "no channel add-on (no conversations)".to_string()
            } else {
                book.product_names(&addons)
            };
            rec.reasons.push(format!(
                "holds {held}, but {full} with {with} covers the channels used ({features})"
            ));
            if before.is_none() || after.is_none() {
                rec.reasons
                    .push("a price is missing from the price book: saving unknown".into());
            }
        }
    }
    rec_skus
}

/// addon-unused: the channel add-ons in `skus` become the needed set for the channels the
/// user uses and holds by add-on (channels a base licence such as Premium grants need none).
/// An idle add-on is dropped, a combined add-on used for one channel becomes that channel's,
/// separate voice and digital add-ons become the combined one when it is known to be cheaper.
/// A swap known to cost no less leaves the add-ons as they are; an unknown price makes the
/// saving unknown, not the advice vanish.
fn addon_check(rec: &mut Recommendation, skus: &mut Vec<String>, used: &[Channel], ctx: &Context) {
    let book = ctx.book;
    let addon_channels = |id: &String| {
        book.get(id)
            .filter(|s| s.kind == SkuKind::Addon && !s.channels.is_empty())
            .map(|s| s.channels.clone())
    };
    let held: Vec<String> = skus
        .iter()
        .filter(|id| addon_channels(id).is_some())
        .cloned()
        .collect();
    if held.is_empty() {
        return;
    }
    let granted: Vec<Channel> = skus
        .iter()
        .filter_map(|id| book.get(id))
        .filter(|s| s.kind != SkuKind::Addon)
        .flat_map(|s| s.channels.iter().copied())
        .collect();
    let held_channels: Vec<Vec<Channel>> = held.iter().filter_map(addon_channels).collect();
    let to_cover: Vec<Channel> = used
        .iter()
        .copied()
        .filter(|c| !granted.contains(c) && held_channels.iter().any(|hc| hc.contains(c)))
        .collect();
    let target = needed_addons(&to_cover, ctx.policy, ctx.book);
    let mut sorted_held = held.clone();
    sorted_held.sort();
    let mut sorted_target = target.clone();
    sorted_target.sort();
    if sorted_held == sorted_target {
        return;
    }
    let granted_count: usize = held_channels.iter().map(Vec::len).sum();
    // Held add-ons that grant exactly the channels to cover, once each: only a known cheaper
    // combination is worth a change (a used legacy add-in stays).
    let exact = granted_count == to_cover.len();
    let (before, after) = (sum_prices(&held, book), sum_prices(&target, book));
    match (before, after) {
        (Some(b), Some(a)) if a >= b => return,
        (None, _) | (_, None) if exact => return,
        _ => {}
    }
    rec.flags.push(Flag::AddonUnused);
    skus.retain(|id| !held.contains(id));
    skus.extend(target.iter().cloned());
    skus.sort();
    let what = match &to_cover[..] {
        [] if !granted.is_empty() && used.iter().any(|c| granted.contains(c)) => {
            "its channels come with the base licence".to_string()
        }
        [] => {
            let chans: Vec<String> = held_channels
                .iter()
                .flatten()
                .map(Channel::to_string)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            format!("had 0 {} conversations", chans.join(" or "))
        }
        [one] => format!("uses only {one}"),
        _ => "uses both channels".to_string(),
    };
    let advice = if target.is_empty() {
        "drop it".to_string()
    } else {
        format!("{} is enough", book.product_names(&target))
    };
    rec.reasons.push(format!(
        "holds {} but {what}: {advice}",
        book.product_names(&held)
    ));
    let missing: Vec<String> = held
        .iter()
        .chain(&target)
        .filter(|id| book.monthly(id).is_none())
        .cloned()
        .collect();
    if !missing.is_empty() && !target.is_empty() {
        rec.reasons.push(format!(
            "no price for {} in the price book: saving unknown",
            book.product_names(&missing)
        ));
    }
}

/// The *needed set* of add-ons to Enterprise for the channels used (spec section 3): none
/// without conversations, the single-channel add-on for one channel, and for both the combined
/// add-on when its price is known and not known to cost more than voice + digital together
/// (an unknown pair price cannot beat a known one), otherwise voice + digital.
pub fn needed_addons(used: &[Channel], policy: &Policy, book: &PriceBook) -> Vec<String> {
    let t = &policy.targets;
    let voice = used.contains(&Channel::Voice);
    let digital = used.contains(&Channel::Digital);
    match (voice, digital) {
        (false, false) => vec![],
        (true, false) => vec![t.voice_addon.clone()],
        (false, true) => vec![t.digital_addon.clone()],
        (true, true) => {
            let pair = vec![t.voice_addon.clone(), t.digital_addon.clone()];
            match (book.monthly(&t.channels_addon), sum_prices(&pair, book)) {
                (Some(both), Some(p)) if both < p => vec![t.channels_addon.clone()],
                (Some(_), None) => vec![t.channels_addon.clone()],
                _ => pair,
            }
        }
    }
}

/// What the paid (non-trial) licences cost a month; `None` when all are trials (a trial's
/// price after it ends is not known here) or a price is unknown.
fn paid_price(ids: &[String], book: &PriceBook) -> Option<Decimal> {
    let paid: Vec<String> = ids
        .iter()
        .filter(|id| !book.is_trial(id))
        .cloned()
        .collect();
    if paid.is_empty() {
        return None;
    }
    sum_prices(&paid, book)
}

/// Sum of monthly prices, `None` when any is unknown.
pub fn sum_prices(ids: &[String], book: &PriceBook) -> Option<Decimal> {
    ids.iter().map(|id| book.monthly(id)).sum()
}

fn device_candidate<'a>(p: &Profile, ctx: &'a Context) -> Option<(&'a Device, Decimal)> {
    let (id, n) = p
        .devices
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?;
    let dev = ctx.devices.get(id)?;
    // Share of the activity whose device is known: sources without a device column (the
    // audit, conversations) say nothing about where the user worked.
    let with_device: u64 = p.devices.iter().map(|d| d.1).sum();
    let s = share(*n, with_device);
    (dev.shared && s >= ctx.policy.device.user_share).then_some((dev, s))
}

fn activity_summary(p: &Profile) -> String {
    let last = p
        .last_ms
        .map(|ms| ms_to_date(ms).to_string())
        .unwrap_or_else(|| "never".into());
    format!(
        "{} writes; {} reads on {} days; last active {last}",
        p.writes, p.reads, p.active_days
    )
}

fn coverage_confidence(covered: u32, window: u32) -> Confidence {
    if window == 0 {
        return Confidence::Low;
    }
    let ratio = share(u64::from(covered), u64::from(window));
    if ratio >= Decimal::new(9, 1) {
        Confidence::High
    } else if ratio >= Decimal::new(5, 1) {
        Confidence::Medium
    } else {
        Confidence::Low
    }
}

fn coverage_note(ctx: &Context) -> String {
    if ctx.covered_days < ctx.window_days {
        format!(
            " (the sources cover only {} of the window's {} days)",
            ctx.covered_days, ctx.window_days
        )
    } else {
        String::new()
    }
}

fn note_groups(rec: &mut Recommendation, groups: &[&str]) {
    if groups.is_empty() {
        return;
    }
    let mut g: Vec<&str> = groups.to_vec();
    g.sort_unstable();
    g.dedup();
    rec.flags.push(Flag::GroupAssigned);
    rec.reasons.push(format!(
        "licence assigned by group {}: change the group membership, not the user",
        g.join(", ")
    ));
}

fn pct(d: Decimal) -> String {
    crate::money::fmt2(d * Decimal::ONE_HUNDRED)
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;
