//! Reports: the analysis becomes one typed `model::Report`; every format renders that same
//! model to bytes (tested in memory); writing the folder is a separate, atomic step (a
//! temporary folder renamed into place).

pub mod charts;
pub mod csv_out;
pub mod html;
pub mod json;
pub mod model;
pub mod scenario_model;
pub mod xlsx;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use sha2::{Digest, Sha256};

use crate::ingest::sha256_hex;
use model::Report;

/// Output formats a run can write (the manifest is always written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Csv,
    Html,
    Json,
    Xlsx,
}

impl Format {
    pub fn parse_list(s: &str) -> Result<Vec<Format>, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            out.push(match part.to_ascii_lowercase().as_str() {
                "csv" => Format::Csv,
                "html" => Format::Html,
                "json" => Format::Json,
                "xlsx" => Format::Xlsx,
                other => {
                    return Err(format!(
                        "unknown format \"{other}\" (csv, html, json, xlsx)"
                    ));
                }
            });
        }
        if out.is_empty() {
            return Err("no format given".into());
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// Renders every requested format into `dir`, then the manifest over them, completely or not
/// at all (`Staging`). Each format renders on its own thread and writes its files as soon as
/// they are rendered, so writing overlaps the slower formats and no format's bytes outlive it.
pub fn write(
    a: &Report,
    formats: &[Format],
    progress: &crate::progress::Progress,
    dir: &Path,
) -> Result<()> {
    type Job<'a> = Box<dyn FnOnce(&Staging) -> Result<Vec<Written>> + Send + 'a>;
    let one = |staging: &Staging, name: &str, bytes: Result<Vec<u8>>| -> Result<Vec<Written>> {
        Ok(vec![staging.write(name, &bytes?)?])
    };
    let mut jobs: Vec<Job> = Vec::new();
    if formats.contains(&Format::Csv) {
        jobs.push(Box::new(move |staging| {
            let _t = progress.timing("rendering csv");
            let mut written = csv_out::FILES
                .iter()
                .map(|(name, render)| staging.stream(name, |w| render(a, w)))
                .collect::<Result<Vec<_>>>()?;
            if let Some(d) = &a.trend {
                for (name, bytes) in csv_out::render_trend(d)? {
                    written.push(staging.write(&name, &bytes)?);
                }
            }
            Ok(written)
        }));
    }
    if formats.contains(&Format::Json) {
        jobs.push(Box::new(move |staging| {
            let _t = progress.timing("rendering json");
            Ok(vec![
                staging.stream("report.json", |w| json::write_pretty(a, w))?,
            ])
        }));
    }
    if formats.contains(&Format::Html) {
        jobs.push(Box::new(move |staging| {
            let _t = progress.timing("rendering html");
            one(staging, "report.html", html::render(a))
        }));
    }
    if formats.contains(&Format::Xlsx) {
        jobs.push(Box::new(move |staging| {
            let _t = progress.timing("rendering xlsx");
            one(staging, "report.xlsx", xlsx::render(a))
        }));
    }
    let staging = Staging::new(dir)?;
    // The formats are independent: each renders on its own thread (for a 100k-user tenant the
    // XLSX and JSON take seconds each) and writes its files as soon as they are rendered.
    let results: Vec<Result<Vec<Written>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|job| {
                let staging = &staging;
                scope.spawn(move || job(staging))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a report renderer stopped")))
            })
            .collect()
    });
    let mut written: Vec<Written> = Vec::new();
    for r in results {
        written.extend(r?);
    }
    written.sort_by(|x, y| x.name.cmp(&y.name));
    staging.write("manifest.json", &json::manifest(a, &written)?)?;
    staging.commit()
}

/// A writer that hashes and counts what goes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: std::io::Write> std::io::Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A written file, as the manifest lists it.
pub struct Written {
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

/// Writes `files` into `dir` completely or not at all (`Staging`).
pub fn write_atomic(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    let staging = Staging::new(dir)?;
    for (name, bytes) in files {
        staging.write(name, bytes)?;
    }
    staging.commit()
}

/// A report folder being filled: files go into a temporary sibling folder, which `commit`
/// renames into place (an earlier folder of that name is replaced). Dropped without a commit,
/// the temporary folder goes and `dir` is as it was.
pub struct Staging {
    dir: PathBuf,
    parent: PathBuf,
    tmp: tempfile::TempDir,
}

impl Staging {
    pub fn new(dir: &Path) -> Result<Staging> {
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        if dir.exists() && !dir.is_dir() {
            bail!("{} exists and is not a folder", dir.display());
        }
        let tmp = tempfile::Builder::new()
            .prefix(".rightsize-")
            .tempdir_in(&parent)
            .with_context(|| format!("cannot create a temporary folder in {}", parent.display()))?;
        Ok(Staging {
            dir: dir.to_path_buf(),
            parent,
            tmp,
        })
    }

    /// Writes one file (from any thread) and says what the manifest lists of it.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<Written> {
        self.stream(name, |w| Ok(w.write_all(bytes)?))
    }

    /// Writes one file as `render` produces it, through a buffer, hashing and counting the
    /// bytes on the way; a failure of `render` is one to write the file.
    pub fn stream(
        &self,
        name: &str,
        render: impl FnOnce(&mut dyn std::io::Write) -> Result<()>,
    ) -> Result<Written> {
        let cannot = || format!("cannot write {name} in {}", self.tmp.path().display());
        let file = std::fs::File::create(self.tmp.path().join(name)).with_context(cannot)?;
        let mut out = std::io::BufWriter::with_capacity(
            1 << 20,
            Hashing {
                inner: file,
                hasher: Sha256::new(),
                size: 0,
            },
        );
        render(&mut out).with_context(cannot)?;
        let done = out
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)
            .with_context(cannot)?;
        Ok(Written {
            name: name.to_string(),
            size: done.size,
            sha256: hex::encode(done.hasher.finalize()),
        })
    }

    /// Moves the filled folder into place.
    pub fn commit(self) -> Result<()> {
        let Staging { dir, parent, tmp } = self;
        let dir = dir.as_path();
        let old = if dir.exists() {
            let old = tempfile::Builder::new()
                .prefix(".rightsize-old-")
                .tempdir_in(&parent)
                .context("cannot create a temporary folder")?;
            let old_path = old.path().join("previous");
            std::fs::rename(dir, &old_path)
                .with_context(|| format!("cannot move the earlier {} aside", dir.display()))?;
            Some((old, old_path))
        } else {
            None
        };
        if let Err(e) = commit(tmp.path(), dir) {
            // Put the earlier report back: a failed run must leave what was there.
            let restored = match &old {
                Some((_, old_path)) => std::fs::rename(old_path, dir).is_ok(),
                None => true,
            };
            if !restored && let Some((old, _)) = old {
                let kept = old.keep();
                return Err(e).with_context(|| {
                    format!(
                        "cannot move the report into {}; the earlier report is kept in {}",
                        dir.display(),
                        kept.join("previous").display()
                    )
                });
            }
            return Err(e)
                .with_context(|| format!("cannot move the report into {}", dir.display()));
        }
        // The new folder is in place: the temporary one is now empty and the earlier report
        // goes.
        drop(tmp);
        drop(old);
        Ok(())
    }
}

/// The final rename of a filled temporary folder into place (a seam for the failure test).
fn commit(tmp: &Path, dir: &Path) -> std::io::Result<()> {
    #[cfg(test)]
    if FAIL_COMMIT.with(|f| f.get()) {
        return Err(std::io::Error::other("simulated rename failure"));
    }
    std::fs::rename(tmp, dir)
}

#[cfg(test)]
thread_local! {
    static FAIL_COMMIT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Text safe to open in a spreadsheet: a cell that starts like a formula gets a leading `'`.
pub fn safe_text(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '\0') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// Digest of the texts a policy or price book was built from.
pub fn digest(texts: &[String]) -> String {
    sha256_hex(texts.join("\n\u{0}\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_injection_is_neutralised() {
        let cases = [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-cmd", "'-cmd"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("Anna", "Anna"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(safe_text(input), want, "{input:?}");
        }
    }

    #[test]
    fn formats_parse() {
        assert_eq!(
            Format::parse_list("json,csv"),
            Ok(vec![Format::Csv, Format::Json])
        );
        assert_eq!(Format::parse_list("XLSX"), Ok(vec![Format::Xlsx]));
        assert!(Format::parse_list("pdf").is_err());
        assert!(Format::parse_list("").is_err());
    }

    #[test]
    fn atomic_write_replaces_a_folder() {
        let root = tempfile::tempdir().expect("temp");
        let dir = root.path().join("r");
        write_atomic(&dir, &[("a.txt".into(), b"1".to_vec())]).expect("first");
        write_atomic(&dir, &[("b.txt".into(), b"2".to_vec())]).expect("second");
        assert!(!dir.join("a.txt").exists());
        assert_eq!(std::fs::read(dir.join("b.txt")).expect("b"), b"2");
        let leftovers = std::fs::read_dir(root.path()).expect("list").count();
        assert_eq!(leftovers, 1, "no temporary folders left behind");
    }

    /// A run whose renderer fails drops its staging folder: the earlier report stays, and no
    /// temporary folder is left.
    #[test]
    fn a_staging_dropped_without_commit_leaves_the_folder_as_it_was() {
        let root = tempfile::tempdir().expect("temp");
        let dir = root.path().join("r");
        write_atomic(&dir, &[("a.txt".into(), b"old".to_vec())]).expect("first");
        {
            let staging = Staging::new(&dir).expect("staging");
            let w = staging.write("b.txt", b"new").expect("write");
            assert_eq!(w.name, "b.txt");
            assert_eq!(w.size, 3);
            assert_eq!(w.sha256, sha256_hex(b"new"));
            // Streamed in pieces larger and smaller than the buffer: the same file and digest.
            let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
            let s = staging
                .stream("c.bin", |w| {
                    w.write_all(&big[..10])?;
                    w.write_all(&big[10..2_500_000])?;
                    Ok(w.write_all(&big[2_500_000..])?)
                })
                .expect("stream");
            assert_eq!(s.size, 3_000_000);
            assert_eq!(s.sha256, sha256_hex(&big));
            let on_disk = std::fs::read(staging.tmp.path().join("c.bin")).expect("c");
            assert!(on_disk == big, "the streamed file holds the bytes");
        }
        assert_eq!(std::fs::read(dir.join("a.txt")).expect("old kept"), b"old");
        assert!(!dir.join("b.txt").exists());
        let leftovers = std::fs::read_dir(root.path()).expect("list").count();
        assert_eq!(leftovers, 1, "no temporary folders left behind");
    }

    #[test]
    fn a_failed_final_rename_keeps_the_earlier_report() {
        let root = tempfile::tempdir().expect("temp");
        let dir = root.path().join("r");
        write_atomic(&dir, &[("a.txt".into(), b"old".to_vec())]).expect("first");
        FAIL_COMMIT.with(|f| f.set(true));
        let err = write_atomic(&dir, &[("b.txt".into(), b"new".to_vec())]);
        FAIL_COMMIT.with(|f| f.set(false));
        assert!(err.is_err(), "the simulated failure is reported");
        assert_eq!(std::fs::read(dir.join("a.txt")).expect("old kept"), b"old");
        assert!(!dir.join("b.txt").exists());
        let leftovers = std::fs::read_dir(root.path()).expect("list").count();
        assert_eq!(leftovers, 1, "no temporary folders left behind");
    }
}
