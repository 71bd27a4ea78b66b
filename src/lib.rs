//! rightsize: right-sizes Dynamics 365 Customer Service / Contact Center licences from a
//! tenant's exports. `run` is the whole program behind the thin binary.

pub mod analysis;
pub mod classify;
pub mod cli;
pub mod devices;
pub mod generate;
pub mod ingest;
pub mod model;
pub mod money;
pub mod policy;
pub mod prices;
pub mod profile;
pub mod progress;
pub mod report;
pub mod savings;

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use crate::analysis::{Analysis, Options};
use crate::cli::{Cli, Command, InputArgs};
use crate::model::Class;
use crate::money::fmt2;
use crate::progress::Progress;

/// Runs one command; errors are returned for the binary to print.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Analyze(args) => {
            let progress = Progress::new(args.input.quiet);
            let a = analysis::run(&options(&args.input), &progress)?;
            let out = args
                .out
                .clone()
                .unwrap_or_else(|| PathBuf::from("reports").join(a.as_of.to_string()));
            let step = progress.step("writing the report");
            let files = report::render(&a, &args.format)?;
            report::write_atomic(&out, &files)?;
            step.finish_and_clear();
            warn_rejected(&a);
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "wrote {}", out.display())?;
            print_summary(&mut stdout, &a)?;
            Ok(())
        }
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
            };
            if args.parquet && args.format != generate::Format::Canonical {
                anyhow::bail!("--parquet applies to the canonical format only");
            }
            let w = generate::generate(&spec, &args.out, args.format)?;
            if args.parquet {
                generate::activity_to_parquet(&args.out)?;
            }
            println!(
                "wrote {}: {} users, {} events",
                args.out.display(),
                w.users,
                w.events
            );
            Ok(())
        }
    }
}

fn options(args: &InputArgs) -> Options {
    Options {
        dir: args.dir.clone(),
        prices: args.prices.clone(),
        policy: args.policy.clone(),
        as_of: args.as_of,
        encoding: args.encoding,
    }
}

fn warn_rejected(a: &Analysis) {
    if a.rejected_total == 0 {
        return;
    }
    eprintln!(
        "warning: {} input row(s) rejected (all listed in rejected.csv); the first:",
        a.rejected_total
    );
    for r in a.rejected.iter().take(10) {
        eprintln!("  {r}");
    }
}

fn print_summary(w: &mut impl Write, a: &Analysis) -> Result<()> {
    let cur = &a.book.currency;
    writeln!(
        w,
        "as of {} (window {} to {}, {} of {} days covered by activity data)",
        a.as_of, a.window_from, a.as_of, a.covered_days, a.window_days
    )?;
    for s in a.summary.iter().filter(|s| s.group != "flag") {
        let unknown = if s.unknown > 0 {
            format!(" ({} with unknown saving)", s.unknown)
        } else {
            String::new()
        };
        writeln!(
            w,
            "  {:<12} {:>6} users  {cur} {:>12}/month  {cur} {:>13}/year{unknown}",
            s.name,
            s.users,
            fmt2(s.monthly_saving),
            fmt2(s.annual_saving)
        )?;
    }
    for s in a
        .summary
        .iter()
        .filter(|s| s.group == "flag" && s.users > 0)
    {
        writeln!(w, "  flag {:<15} {:>6} users", s.name, s.users)?;
    }
    for warning in &a.warnings {
        writeln!(w, "note: {warning}")?;
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
        if matches!(f.kind, Some(ingest::Kind::Prices | ingest::Kind::Policy)) {
            writeln!(w, "  loaded")?;
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
    writeln!(w, "rejected rows: {}", a.rejected_total)?;
    for r in &a.rejected {
        writeln!(w, "  {r}")?;
    }
    for warning in &a.warnings {
        writeln!(w, "note: {warning}")?;
    }
    Ok(())
}
