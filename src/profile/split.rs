//! A CSV source read in parallel: one thread reads the file in blocks that end at a row end
//! (quote parity, so a quoted line break never splits a row), and the blocks are parsed on
//! every core by Polars' own CSV field parser into frames of the source's positional schema.
//!
//! Polars 0.55's CSV readers, streaming and in-memory, find the rows of every chunk with
//! `CountLines`, which on stable Rust (no `simd` feature) is a byte-at-a-time loop on one
//! thread: the largest cost of reading a CSV source (BENCHMARKS.md). Here the row ends are found
//! only at block boundaries, with memchr's vectorised search, and the rows themselves are split
//! by the field parser as it parses (`parse_lines`), so each byte is looked at once by the
//! parser and the splitting scales with the cores.
//!
//! `read_chunk` is Polars' internal chunk parser (`_csv_read_internal`, the function its
//! streaming CSV source calls): Cargo.toml pins Polars to the exact version for it.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use anyhow::{Context, Result, anyhow, bail};
use polars::prelude::_csv_read_internal::read_chunk;
use polars::prelude::*;

/// Bytes per parsed block (each block is parsed on one thread). Kept well below jemalloc's
/// 8 MiB `oversize_threshold`: an allocation above it goes to an arena that returns its pages
/// to the system on every free, so each block was faulted in afresh (with 8 MiB blocks, 19% of
/// all page faults of a run; BENCHMARKS.md, "Round 3").
pub(super) const BLOCK_BYTES: usize = 1 << 20;

/// A row longer than this is taken for a quote opened and never closed (which would otherwise
/// swallow the rest of the file into one row, and memory with it).
const MAX_ROW_BYTES: usize = 64 << 20;

/// Blocks read ahead of the parser.
const READ_AHEAD: usize = 4;

/// The end (one past the `\n`) of the last whole row of `buf`, which starts at a row start:
/// the last line break with an even number of quotes before it. `None` when `buf` holds no
/// whole row.
pub(super) fn last_row_end(buf: &[u8], quote: u8) -> Option<usize> {
    let total = memchr::memchr_iter(quote, buf).count();
    let mut after = 0usize;
    let mut end = buf.len();
    while let Some(p) = memchr::memrchr(b'\n', &buf[..end]) {
        after += memchr::memchr_iter(quote, &buf[p..end]).count();
        if (total - after).is_multiple_of(2) {
            return Some(p + 1);
        }
        end = p;
    }
    None
}

/// The end of the first `n` rows of `buf` (each ending in a line break outside quotes), or
/// `None` when it holds fewer.
pub(super) fn rows_end(buf: &[u8], quote: u8, n: usize) -> Option<usize> {
    let mut at = 0usize;
    let mut inside = false;
    for _ in 0..n {
        loop {
            let p = at + memchr::memchr2(b'\n', quote, &buf[at..])?;
            at = p + 1;
            if buf[p] == quote {
                inside = !inside;
            } else if !inside {
                break;
            }
        }
    }
    Some(at)
}

/// Why the reader stopped early: an I/O error, or a quote that never closes.
#[derive(Debug)]
pub(super) enum Stop {
    Io(std::io::Error),
    /// The quote parity is odd at the end of the file, or a row grew past `MAX_ROW_BYTES`.
    Unclosed,
}

/// Blocks as the reading thread sends them.
pub(super) type Blocks = Receiver<Result<Vec<u8>, Stop>>;

/// Reads `path` from byte `start` in blocks of about `block` bytes that each end at a row end,
/// on its own thread, a few blocks ahead.
pub(super) fn blocks(
    path: &Path,
    start: u64,
    block: usize,
) -> Result<(Blocks, std::thread::JoinHandle<()>)> {
    let mut file = File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    file.seek(SeekFrom::Start(start))
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let (tx, rx) = sync_channel(READ_AHEAD);
    let handle = std::thread::Builder::new()
        .name("csv-blocks".into())
        .spawn(move || read_blocks(file, block, &tx))
        .context("cannot start the reading thread")?;
    Ok((rx, handle))
}

fn read_blocks(mut file: File, block: usize, tx: &SyncSender<Result<Vec<u8>, Stop>>) {
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let mut buf = Vec::with_capacity(block.max(carry.len() * 2) + (64 << 10));
        buf.append(&mut carry);
        let mut eof = false;
        // Fill to the block size (or more when one row is longer than the block).
        let mut want = block.max(buf.len() + 1);
        let cut = loop {
            while buf.len() < want {
                let have = buf.len();
                buf.resize(want, 0);
                match file.read(&mut buf[have..]) {
                    Ok(0) => {
                        buf.truncate(have);
                        eof = true;
                        break;
                    }
                    Ok(n) => buf.truncate(have + n),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(have),
                    Err(e) => {
                        let _ = tx.send(Err(Stop::Io(e)));
                        return;
                    }
                }
            }
            if eof {
                if !memchr::memchr_iter(b'"', &buf).count().is_multiple_of(2) {
                    let _ = tx.send(Err(Stop::Unclosed));
                    return;
                }
                break buf.len();
            }
            match last_row_end(&buf, b'"') {
                Some(cut) => break cut,
                None if buf.len() > MAX_ROW_BYTES => {
                    let _ = tx.send(Err(Stop::Unclosed));
                    return;
                }
                // No whole row yet: read on.
                None => want = buf.len() * 2,
            }
        };
        carry.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
        if !buf.is_empty() && tx.send(Ok(buf)).is_err() {
            return;
        }
        if eof {
            return;
        }
    }
}

/// Polars' field parser with a source's options and positional schema.
pub(super) struct Parser {
    options: CsvParseOptions,
    schema: SchemaRef,
    projection: Vec<usize>,
}

impl Parser {
    /// `projection`: the (sorted) columns to parse. As in Polars' own readers, a row with more
    /// fields than the header is an error only when every column is parsed.
    pub fn new(delimiter: u8, schema: SchemaRef, projection: Vec<usize>) -> Self {
        let options = CsvParseOptions::default()
            .with_separator(delimiter)
            .with_missing_is_null(true);
        Self {
            options,
            schema,
            projection,
        }
    }

    /// The block's rows as a frame (UTF-8 checked, as Polars' readers do).
    pub fn parse(&self, bytes: &[u8]) -> PolarsResult<DataFrame> {
        if std::str::from_utf8(bytes).is_err() {
            polars_bail!(ComputeError: "invalid utf-8 sequence");
        }
        let capacity = memchr::memchr_iter(b'\n', bytes).count() + 1;
        let df = read_chunk(
            bytes,
            &self.options,
            &self.schema,
            false,
            &self.projection,
            0,
            capacity,
            None,
            usize::MAX,
            bytes.len(),
            Some(0),
        )?;
        Ok(df)
    }

    /// An empty frame of the projected columns.
    pub fn empty(&self) -> DataFrame {
        let cols: Vec<Column> = self
            .projection
            .iter()
            .filter_map(|&i| self.schema.get_at_index(i))
            .map(|(name, dt)| Column::new_empty(name.clone(), dt))
            .collect();
        DataFrame::new(0, cols).unwrap_or_default()
    }
}

/// Parses blocks on `threads` threads, in order.
pub(super) fn parse_all(parser: &Parser, blocks: &[Vec<u8>]) -> PolarsResult<Vec<DataFrame>> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(blocks.len())
        .max(1);
    if threads == 1 {
        return blocks.iter().map(|b| parser.parse(b)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<PolarsResult<DataFrame>>>> = (0..blocks.len())
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(b) = blocks.get(k) else { break };
                    let r = parser.parse(b);
                    if let Ok(mut slot) = slots[k].lock() {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| Err(polars_err!(ComputeError: "a parsing thread failed")))
        })
        .collect()
}

/// The byte offset where a CSV file's data rows start: after `skip` rows (the lines before the
/// header, and the header).
pub(super) fn data_start(path: &Path, skip: usize) -> Result<u64> {
    let mut file = File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut buf = Vec::new();
    let mut chunk = 64usize << 10;
    loop {
        buf.clear();
        file.seek(SeekFrom::Start(0))?;
        (&mut file)
            .take(chunk as u64)
            .read_to_end(&mut buf)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        if let Some(end) = rows_end(&buf, b'"', skip) {
            return Ok(end as u64);
        }
        if buf.len() < chunk {
            // The whole file is the header (no line break after it): no data rows.
            return Ok(buf.len() as u64);
        }
        if chunk > MAX_ROW_BYTES {
            bail!("{}: the header row never ends", path.display());
        }
        chunk *= 2;
    }
}

/// Concatenates parsed frames (all of one schema).
pub(super) fn stack(frames: Vec<DataFrame>, parser: &Parser) -> Result<DataFrame> {
    let mut it = frames.into_iter();
    let Some(mut first) = it.next() else {
        return Ok(parser.empty());
    };
    for f in it {
        first.vstack_mut_owned(f).map_err(|e| anyhow!("{e}"))?;
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn a_quoted_line_break_is_not_a_row_end() {
        let buf = b"a,b\n1,\"x\ny\"\n2,\"p\nq";
        assert_eq!(last_row_end(buf, b'"'), Some(12));
        assert_eq!(last_row_end(b"1,\"open\nrow", b'"'), None);
        assert_eq!(last_row_end(b"1,2\n3,4\n", b'"'), Some(8));
        assert_eq!(last_row_end(b"no line break", b'"'), None);
        // An escaped quote ("") does not change the parity.
        assert_eq!(last_row_end(b"1,\"a\"\"b\"\n2", b'"'), Some(9));
    }

    #[test]
    fn rows_are_skipped_by_row_not_by_line() {
        let buf = b"#TYPE x\n\"h\n1\",h2\n1,2\n";
        assert_eq!(rows_end(buf, b'"', 0), Some(0));
        assert_eq!(rows_end(buf, b'"', 1), Some(8));
        assert_eq!(rows_end(buf, b'"', 2), Some(17));
        assert_eq!(rows_end(buf, b'"', 4), None);
    }

    fn write(bytes: &[u8]) -> tempfile::NamedTempFile {
        use std::io::Write;
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(bytes).expect("write");
        f
    }

    /// Whatever the block size, the blocks hold every byte once, each ends at a row end, and
    /// the parsed rows are the file's.
    #[test]
    fn blocks_cover_the_file_and_parse_to_its_rows() {
        let mut text = String::from("h1,h2\n");
        for i in 0..500 {
            if i % 7 == 0 {
                text.push_str(&format!("{i},\"multi\nline {i}, \"\"quoted\"\"\"\n"));
            } else {
                text.push_str(&format!("{i},v{i}\r\n"));
            }
        }
        text.push_str("500,last without a line break");
        let f = write(text.as_bytes());
        let start = data_start(f.path(), 1).expect("start");
        assert_eq!(start, 6);
        let schema: SchemaRef = Arc::new(
            [
                Field::new("c0".into(), DataType::String),
                Field::new("c1".into(), DataType::String),
            ]
            .into_iter()
            .collect(),
        );
        for block in [1usize, 7, 64, 1000, 1 << 20] {
            let (rx, h) = blocks(f.path(), start, block).expect("blocks");
            let got: Vec<Vec<u8>> = rx.iter().map(|b| b.expect("block")).collect();
            h.join().expect("join");
            assert_eq!(got.concat(), text.as_bytes()[6..].to_vec(), "block {block}");
            let parser = Parser::new(b',', schema.clone(), vec![0, 1]);
            let frames = parse_all(&parser, &got).expect("parse");
            let df = stack(frames, &parser).expect("stack");
            assert_eq!(df.height(), 501, "block {block}");
            let c1 = df.column("c1").expect("c1").str().expect("str");
            assert_eq!(c1.get(0), Some("multi\nline 0, \"quoted\""));
            assert_eq!(c1.get(1), Some("v1"));
            assert_eq!(c1.get(500), Some("last without a line break"));
        }
    }

    #[test]
    fn a_quote_that_never_closes_stops_the_reader() {
        let f = write(b"h\n1\n\"2\n3\n");
        let (rx, h) = blocks(f.path(), 2, 2).expect("blocks");
        let got: Vec<Result<Vec<u8>, Stop>> = rx.iter().collect();
        h.join().expect("join");
        assert!(matches!(got.last(), Some(Err(Stop::Unclosed))), "{got:?}");
    }
}
