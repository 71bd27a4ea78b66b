//! rightsize: right-sizes Dynamics 365 Customer Service / Contact Center licences from a
//! tenant's exports. `run` is the whole program behind the thin binary.

pub mod analysis;
pub mod bill;
pub mod classify;
pub mod cli;
pub mod contract;
pub mod devices;
pub mod diff;
pub mod email;
pub mod engine;
pub mod generate;
pub mod ingest;
pub mod model;
pub mod money;
pub mod policy;
pub mod prices;
pub mod profile;
pub mod progress;
pub mod pseudonym;
pub mod report;
pub mod savings;
pub mod scenarios;
pub mod skufit;
pub mod smtp;
pub mod text;
pub mod usage;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::analysis::{Analysis, Options};
use crate::cli::{AnalyzeArgs, Cli, Command, DiffArgs, InputArgs, SendArgs};
use crate::diff::{ChangeKind, Diff};
use crate::email::{grouped, signed};
use crate::model::Class;
use crate::money::fmt2;
use crate::progress::Progress;
use crate::report::model::{Group, Report};

/// A mistake in how the command was called that only shows after parsing (two options that do
/// not go together, an argument whose value is wrong for this run): exit status 2, like clap's
/// own usage errors.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Stops with a usage error (exit status 2).
macro_rules! usage {
    ($($arg:tt)*) => {
        return Err(anyhow::Error::new(UsageError(format!($($arg)*))))
    };
}

/// The exit status for an error: 2 for a usage error anywhere in the chain, else 1.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    if err.chain().any(|e| e.is::<UsageError>()) {
        2
    } else {
        1
    }
}

/// Whether the error is only a closed standard output (`rightsize … | head`): the reader has
/// what it wanted, so the program stops quietly.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs one command; errors are returned for the binary to print.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Analyze(args) => analyze(&args),
        Command::Diff(args) => diff_reports(&args),
        Command::Send(args) => send(&args),
        Command::Validate(args) => {
            let progress = Progress::new(args.quiet);
            let a = analysis::run(&options(&args), &progress)?;
            let mut stdout = std::io::stdout().lock();
            print_validation(&mut stdout, &a)?;
            let problems = a.trust_problems();
            if problems.is_empty() {
                writeln!(
                    stdout,
                    "ok: the analysis can be trusted as far as these checks go"
                )?;
                Ok(())
            } else {
                for p in &problems {
                    writeln!(stdout, "NOT TRUSTED: {p}")?;
                }
                anyhow::bail!(
                    "the inputs need attention before the analysis can be trusted ({} problem(s) above)",
                    problems.len()
                )
            }
        }
        Command::Generate(args) => {
            let spec = generate::Spec {
                users: args.users,
                days: args.days,
                seed: args.seed,
                as_of: args.as_of,
                roster_as_of: args.roster_as_of,
                cost_schema: args.cost_schema,
            };
            if args.parquet && args.format != generate::Format::Canonical {
                usage!("--parquet applies to the canonical format only");
            }
            let w = generate::generate(&spec, &args.out, args.format)?;
            if args.parquet {
                generate::activity_to_parquet(&args.out)?;
            }
            writeln!(
                std::io::stdout().lock(),
                "wrote {}: {} users, {} events",
                args.out.display(),
                w.users,
                w.events
            )?;
            Ok(())
        }
    }
}

fn analyze(args: &AnalyzeArgs) -> Result<()> {
    let progress = Progress::new(args.input.quiet);
    // Key and previous report are checked before the long read, so a mistake fails fast.
    let mut pseudonymiser = if args.pseudonymise {
        match pseudonym::Pseudonymiser::from_file_or_env(args.pseudonym_key_file.as_deref()) {
            Ok(p) => Some(p),
            Err(e) => usage!("{e:#}"),
        }
    } else {
        None
    };
    let previous = args.previous.as_deref().map(Report::load).transpose()?;
    let mut a = analysis::run(&options(&args.input), &progress)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(a.as_of.to_string()));
    if let Some(map) = &args.pseudonym_map
        && inside(map, &out)
    {
        usage!(
            "the pseudonym map {} would be inside the report folder {}, which is shared and \
             emailed: write it somewhere only the admin reads",
            map.display(),
            out.display()
        );
    }
    if let Some(p) = &mut pseudonymiser {
        p.apply(&mut a);
    }
    let t = progress.timing("building the report model");
    let mut model = Report::build(&a, pseudonymiser.is_some());
    drop(t);
    if let Some(old) = &previous {
        if old.as_of >= model.as_of {
            usage!(
                "the previous report is as of {}, not earlier than this one (as of {}): pass last \
                 quarter's report folder to --previous",
                old.as_of,
                model.as_of
            );
        }
        model.trend = Some(diff::diff(old, &model)?);
    }
    let step = progress.step("writing the report");
    report::write(&model, &args.format, &progress, &out)?;
    step.finish_and_clear();
    if let (Some(p), Some(map)) = (&pseudonymiser, &args.pseudonym_map) {
        std::fs::write(map, p.mapping_csv()?)
            .with_context(|| format!("cannot write the pseudonym map {}", map.display()))?;
        eprintln!(
            "wrote the pseudonym map {}: it identifies people, keep it with the admin",
            map.display()
        );
    }
    warn_rejected(&a);
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "wrote {}", out.display())?;
    print_summary(&mut stdout, &model)?;
    if let Some(d) = &model.trend {
        print_trend(&mut stdout, d)?;
    }
    // The process ends here: freeing every user's strings one by one would only make it end
    // later (0.07 s for 68k users), so the analysis and the report model are left to the exit.
    std::mem::forget(model);
    std::mem::forget(a);
    Ok(())
}

/// Whether `file` would land inside `dir` (lexically, after making both absolute).
fn inside(file: &Path, dir: &Path) -> bool {
    match (std::path::absolute(file), std::path::absolute(dir)) {
        (Ok(f), Ok(d)) => f.starts_with(d),
        _ => false,
    }
}

fn diff_reports(args: &DiffArgs) -> Result<()> {
    let old = Report::load(&args.old)?;
    let new = Report::load(&args.new)?;
    let d = diff::diff(&old, &new)?;
    if let Some(out) = &args.out {
        report::write_atomic(out, &report::csv_out::render_trend(&d)?)?;
    }
    let mut stdout = std::io::stdout().lock();
    print_trend(&mut stdout, &d)?;
    for u in &d.users {
        writeln!(
            stdout,
            "  {:<14} {:<40} {} -> {}",
            u.kind.as_str(),
            if u.upn.is_empty() { &u.user_id } else { &u.upn },
            u.old_class.map_or("-", |c| c.as_str()),
            u.new_class.map_or("-", |c| c.as_str()),
        )?;
    }
    if let Some(out) = &args.out {
        writeln!(stdout, "wrote {}", out.display())?;
    }
    Ok(())
}

fn print_trend(w: &mut impl Write, d: &Diff) -> Result<()> {
    let cur = &d.currency;
    writeln!(w, "trend since {} (to {}):", d.old_as_of, d.new_as_of)?;
    for r in &d.rows {
        let money =
            |x: Option<rust_decimal::Decimal>| x.map_or("unknown".into(), |m| grouped(&fmt2(m)));
        let change = r
            .annual_change()
            .map_or("unknown".into(), |m| signed(&fmt2(m)));
        let rec = match (r.old_recommended, r.new_recommended) {
            (Some(o), Some(n)) => format!("  recommended {o} -> {n}"),
            _ => String::new(),
        };
        writeln!(
            w,
            "  {:<6} {:<28} {:>6} -> {:<6}{rec}  annual saving {cur} {} -> {} ({})",
            r.section,
            r.name,
            r.old_count,
            r.new_count,
            money(r.old_annual),
            money(r.new_annual),
            change,
        )?;
    }
    for b in &d.bill {
        let show = |x: Option<rust_decimal::Decimal>| match x {
            None => "no data".to_string(),
            Some(v) if b.unit == *cur => format!("{cur} {}", grouped(&fmt2(v))),
            Some(v) => grouped(&v.normalize().to_string()),
        };
        writeln!(
            w,
            "  bill   {:<28} {} -> {}",
            b.name,
            show(b.old),
            show(b.new)
        )?;
    }
    writeln!(
        w,
        "users: {} changed class, {} changed flags, {} new, {} departed",
        d.count(ChangeKind::Class),
        d.count(ChangeKind::Flags),
        d.count(ChangeKind::New),
        d.count(ChangeKind::Departed)
    )?;
    for warning in &d.warnings {
        writeln!(w, "note: {warning}")?;
    }
    Ok(())
}

fn send(args: &SendArgs) -> Result<()> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    // A wrong address on the command line is a usage error.
    let addresses = |list: &[String]| -> Result<Vec<_>> {
        list.iter()
            .map(|a| email::mailbox(a).map_err(|e| UsageError(format!("{e:#}")).into()))
            .collect()
    };
    let to = addresses(&args.to)?;
    let cc = addresses(&args.cc)?;
    let content = email::content(&args.report_dir, args.subject.as_deref())?;
    let subject = content.subject.clone();
    if let Some(eml) = &args.eml {
        // Writing a file needs no relay; the sender comes from the settings when there are any.
        let from = match &args.smtp_config {
            Some(f) => smtp::load(Some(f), &env)?.from,
            None => env("RIGHTSIZE_SMTP_FROM"),
        };
        let from = email::mailbox(from.as_deref().unwrap_or("rightsize@localhost"))?;
        let message = email::message(content, &email::Addressing { from, to, cc })?;
        std::fs::write(eml, message.formatted())
            .with_context(|| format!("cannot write {}", eml.display()))?;
        writeln!(std::io::stdout().lock(), "wrote {}", eml.display())?;
        return Ok(());
    }
    smtp::check_marker(&args.report_dir, args.force)?;
    let cfg = smtp::load(args.smtp_config.as_deref(), &env)?;
    let from = cfg.from.as_deref().context(
        "no sender address: set RIGHTSIZE_SMTP_FROM or from = \"…\" in the SMTP settings file",
    )?;
    let from = email::mailbox(from)?;
    let message = email::message(content, &email::Addressing { from, to, cc })?;
    let progress = Progress::new(args.quiet);
    let step = progress.step(format!("sending through {}:{}", cfg.host, cfg.port));
    smtp::send(&cfg, &message)?;
    step.finish_and_clear();
    smtp::write_marker(&args.report_dir, &args.to, &args.cc, &subject)?;
    writeln!(
        std::io::stdout().lock(),
        "sent {} to {}",
        args.report_dir.display(),
        args.to
            .iter()
            .chain(&args.cc)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    Ok(())
}

fn options(args: &InputArgs) -> Options {
    Options {
        dir: args.dir.clone(),
        prices: args.prices.clone(),
        policy: args.policy.clone(),
        scenarios: args.scenarios.clone(),
        as_of: args.as_of,
        encoding: args.encoding,
    }
}

/// How many groups of rejected rows stderr shows (validate shows them all).
const REJECT_GROUPS_SHOWN: usize = 10;

fn warn_rejected(a: &Analysis) {
    if a.rejected_total == 0 {
        return;
    }
    eprintln!(
        "warning: {} input row(s) rejected, of {} user(s) (all listed in rejected.csv):",
        text::thousands(a.rejected_total),
        text::thousands(a.rejected_users)
    );
    let lines = rejected_lines(a);
    for l in lines.iter().take(REJECT_GROUPS_SHOWN) {
        eprintln!("  {l}");
    }
    if lines.len() > REJECT_GROUPS_SHOWN {
        eprintln!(
            "  … and {} more kinds of problem: `rightsize validate` lists them all",
            lines.len() - REJECT_GROUPS_SHOWN
        );
    }
}

/// The rejected rows grouped by file, column and kind, with the activity files' exact counts.
fn rejected_lines(a: &Analysis) -> Vec<String> {
    let mut totals = std::collections::BTreeMap::new();
    for c in &a.coverage {
        for (column, n) in &c.rejected_by_column {
            *totals.entry((c.name.clone(), column.clone())).or_default() += n;
        }
    }
    ingest::rejects::lines(&a.rejected, &totals)
}

fn print_summary(w: &mut impl Write, r: &Report) -> Result<()> {
    let cur = &r.currency;
    writeln!(
        w,
        "as of {} (window {} to {}, {} of {} days covered by activity data)",
        r.as_of, r.window.from, r.window.to, r.window.covered_days, r.window.days
    )?;
    for s in r.summary.iter().filter(|s| s.group != Group::Flag) {
        let unknown = if s.users_with_unknown_saving > 0 {
            format!(" ({} with unknown saving)", s.users_with_unknown_saving)
        } else {
            String::new()
        };
        writeln!(
            w,
            "  {:<14} {:>4} users  {cur} {:>12}/month  {cur} {:>13}/year{unknown}",
            s.name,
            s.users,
            fmt2(s.monthly_saving),
            fmt2(s.annual_saving)
        )?;
    }
    for s in r.rows(Group::Flag).filter(|s| s.users > 0) {
        writeln!(w, "  flag {:<15} {:>6} users", s.name, s.users)?;
    }
    print_scenarios(w, r)?;
    let h = &r.headline;
    if h.rejected_rows > 0 {
        writeln!(
            w,
            "rejected rows: {}, of {} user(s) (see rejected.csv)",
            text::thousands(h.rejected_rows),
            text::thousands(h.rejected_users)
        )?;
    }
    for warning in &r.data_quality.warnings {
        writeln!(w, "note: {warning}")?;
    }
    Ok(())
}

/// One line per what-if scenario: its annual total, saving against current and this fiscal
/// year's part (none without a scenarios file).
fn print_scenarios(w: &mut impl Write, r: &Report) -> Result<()> {
    for line in report::scenario_model::scenario_lines(r) {
        writeln!(w, "{line}")?;
    }
    Ok(())
}

fn print_validation(w: &mut impl Write, a: &Analysis) -> Result<()> {
    writeln!(w, "files in the input folder:")?;
    for f in &a.folder.files {
        let kind = f.kind.map_or("-".to_string(), |k| k.to_string());
        write!(w, "  {:<28} {:<14} {}", f.name, kind, f.format)?;
        if let Some(why) = &f.ignored {
            writeln!(w, "  IGNORED: {why}")?;
            continue;
        }
        let origin = match f.kind {
            Some(ingest::Kind::Prices) => Some(&a.book.origin),
            Some(ingest::Kind::Policy) => Some(&a.policy.origin),
            Some(ingest::Kind::Scenarios) => Some(&a.scenarios.origin),
            _ => None,
        };
        if let Some(origin) = origin {
            // --prices, --policy or --scenarios FILE replaces the folder's own file.
            if origin.ends_with(&f.path.display().to_string()) {
                writeln!(w, "  loaded")?;
            } else {
                writeln!(w, "  not read: {origin} is used instead")?;
            }
            continue;
        }
        write!(w, "  rows {} rejected {}", f.rows_read, f.rows_rejected)?;
        if f.rows_skipped > 0 {
            write!(w, " (of them {} not activity)", f.rows_skipped)?;
        }
        if let (Some(x), Some(y)) = (&f.covers_from, &f.covers_to) {
            write!(w, "  covers {x} to {y}")?;
        }
        writeln!(w)?;
    }
    writeln!(
        w,
        "price book: {} ({}); policy: {}",
        a.book.origin, a.book.currency, a.policy.origin
    )?;
    if !a.scenarios.list.is_empty() {
        writeln!(
            w,
            "scenarios: {} from {}",
            a.scenarios
                .list
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            a.scenarios.origin
        )?;
    }
    writeln!(
        w,
        "as of {}; window {} to {} ({} days, {} covered)",
        a.as_of, a.window_from, a.as_of, a.window_days, a.covered_days
    )?;
    writeln!(
        w,
        "licensed users: {}; with activity: {}; activity user ids: {} ({} matched)",
        a.join.licensed_users,
        a.join.licensed_users_with_activity,
        a.join.activity_users,
        a.join.matched_activity_users
    )?;
    let mut counts = String::new();
    for class in Class::ALL {
        let n = a.priced.iter().filter(|p| p.rec.class == class).count();
        counts.push_str(&format!(" {class} {n};"));
    }
    writeln!(w, "classes:{counts}")?;
    print_usage(w, &a.usage, &a.book.currency)?;
    if a.rejected_total == 0 {
        writeln!(w, "rejected rows: 0")?;
    } else {
        writeln!(
            w,
            "rejected rows: {} (of {} user(s); every one is listed in rejected.csv)",
            text::thousands(a.rejected_total),
            text::thousands(a.rejected_users)
        )?;
    }
    for line in rejected_lines(a) {
        writeln!(w, "  {line}")?;
    }
    for warning in &a.warnings {
        writeln!(w, "note: {warning}")?;
    }
    Ok(())
}

/// The bill's inputs as `validate` lists them: usage per line and month (exact sums), the run
/// rate and its basis, the rows off the bill, and capacity consumption with its peak full month.
fn print_usage(w: &mut impl Write, u: &usage::Usage, cur: &str) -> Result<()> {
    let list = |ms: &[usage::Month]| {
        ms.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if u.cost_data {
        writeln!(
            w,
            "usage ({cur}): months {}; run rate over {}",
            list(&u.months),
            if u.run_rate_months.is_empty() {
                "no full month inside the window".to_string()
            } else {
                list(&u.run_rate_months)
            }
        )?;
        for l in &u.lines {
            let months: String = l
                .months
                .iter()
                .map(|(m, v)| format!(" {m} {}", v.normalize()))
                .collect();
            writeln!(
                w,
                "  {:<22} rows {}{months}; monthly {}; annual {}",
                l.line,
                l.rows,
                money::fmt_opt(l.monthly),
                money::fmt_opt(l.annual)
            )?;
        }
        writeln!(
            w,
            "  not on the bill: {} row(s), {cur} {}",
            u.unmatched.rows,
            u.unmatched.total.normalize()
        )?;
        for c in &u.unmatched.by_category {
            writeln!(
                w,
                "    {} / {}: {} row(s), {cur} {}",
                c.service,
                c.category,
                c.rows,
                c.total.normalize()
            )?;
        }
    } else {
        writeln!(w, "usage: no cost export (usage unknown)")?;
    }
    for r in &u.capacity {
        let months: String = r
            .months
            .iter()
            .map(|(m, v)| format!(" {m} {}", v.normalize()))
            .collect();
        let peak = r
            .peak
            .map_or("no full month in the window".to_string(), |p| {
                format!("{} {}", p.month, p.consumed.normalize())
            });
        writeln!(
            w,
            "capacity {}:{months}; peak full month {peak}",
            r.resource
        )?;
    }
    for s in &u.pages {
        let months: String = s
            .months
            .iter()
            .map(|(m, v)| {
                format!(
                    " {m} authenticated {} anonymous {}",
                    v.authenticated.normalize(),
                    v.anonymous.normalize()
                )
            })
            .collect();
        let peak = |p: Option<usage::Peak>| {
            p.map_or("-".to_string(), |p| {
                format!("{} {}", p.month, p.consumed.normalize())
            })
        };
        writeln!(
            w,
            "power pages {} {}:{months}; peak authenticated {}, anonymous {}",
            s.site.environment,
            s.site.resource,
            peak(s.peak_authenticated),
            peak(s.peak_anonymous)
        )?;
    }
    for n in &u.notes {
        writeln!(w, "note: {n}")?;
    }
    Ok(())
}
