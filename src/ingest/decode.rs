//! Turns a CSV file as Excel or Microsoft's portals write it into UTF-8 the readers can take:
//! BOM sniffing (UTF-8, UTF-16 LE/BE), an explicit legacy encoding, Excel's `sep=` line, and the
//! delimiter (`,` `;` or tab) from the header row. A file that is not valid UTF-8 and has no BOM
//! is an error naming the file, never mojibake.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use encoding_rs::Encoding;

/// How many bytes are sniffed for the encoding and the header.
const SNIFF_BYTES: usize = 64 * 1024;

/// A CSV file ready to read as UTF-8.
#[derive(Debug)]
pub struct Decoded {
    /// The UTF-8 file to read: the original, or a transcoded temporary copy.
    pub path: PathBuf,
    /// The encoding found ("utf-8", "utf-8 (BOM)", "utf-16le (BOM)", …).
    pub encoding: String,
    pub delimiter: u8,
    /// Lines before the header (PowerShell's `#TYPE …` line, Excel's `sep=;` line).
    pub lines_before_header: usize,
    /// What the lines before the header were, in words ("" when there were none).
    pub preamble: String,
    /// The header row's fields as written.
    pub header: Vec<String>,
    /// Keeps a transcoded copy alive as long as the file is read.
    _temp: Option<tempfile::TempPath>,
}

/// Reads the start of `path`, decides encoding and delimiter and parses the header row.
/// `forced` is the user's `--encoding` label, used for files without a BOM.
pub fn open(path: &Path, forced: Option<&'static Encoding>) -> Result<Decoded> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    File::open(path)
        .with_context(|| format!("{}: cannot open", path.display()))?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    if head.is_empty() {
        bail!("{}: the file is empty", path.display());
    }
    let (bom_enc, _) = Encoding::for_bom(&head).unzip();
    let (path_utf8, encoding, temp) = match (bom_enc, forced) {
        (Some(enc), _) if enc == encoding_rs::UTF_8 => {
            (path.to_path_buf(), "utf-8 (BOM)".to_string(), None)
        }
        (Some(enc), _) => {
            let t = transcode(path, enc)?;
            (
                t.to_path_buf(),
                format!("{} (BOM)", enc.name().to_lowercase()),
                Some(t),
            )
        }
        (None, Some(enc)) if enc != encoding_rs::UTF_8 => {
            let t = transcode(path, enc)?;
            (t.to_path_buf(), enc.name().to_lowercase(), Some(t))
        }
        (None, _) => {
            check_utf8_sample(path, &head)?;
            (path.to_path_buf(), "utf-8".to_string(), None)
        }
    };
    let mut text = Vec::new();
    File::open(&path_utf8)
        .with_context(|| format!("{}: cannot open", path.display()))?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut text)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let body = text
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(&text);
    // Lines before the header: PowerShell's `#TYPE …` line (Windows PowerShell's Export-Csv
    // writes it unless told not to), then Excel's `sep=;` line.
    let mut preamble = Vec::new();
    let (mut line, mut rest) = split_line(body);
    if is_type_line(line) {
        preamble.push("PowerShell #TYPE line skipped");
        (line, rest) = split_line(rest);
    }
    let sep_hint = sep_line(line);
    if sep_hint.is_some() {
        preamble.push("Excel sep= line read");
        (line, _) = split_line(rest);
    }
    let (lines_before_header, header_line) = (preamble.len(), line);
    if header_line.iter().all(|b| b.is_ascii_whitespace()) {
        bail!(
            "{}: the first line is empty; expected a header row",
            path.display()
        );
    }
    let delimiter = sep_hint.unwrap_or_else(|| sniff_delimiter(header_line));
    let header = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(header_line)
        .records()
        .next()
        .transpose()
        .with_context(|| {
            format!(
                "{}:{}: cannot parse the header row",
                path.display(),
                lines_before_header + 1
            )
        })?
        .map(|r| r.iter().map(str::to_string).collect())
        .unwrap_or_default();
    Ok(Decoded {
        path: path_utf8,
        encoding,
        delimiter,
        lines_before_header,
        header,
        preamble: preamble.join(", "),
        _temp: temp,
    })
}

/// A flexible, header-less csv-crate reader over a decoded file: the one way the line-aware
/// readers (small tables, the error locator, rejected-row lines) open a CSV.
pub fn csv_reader(path: &Path, delimiter: u8) -> std::io::Result<csv::Reader<BufReader<File>>> {
    Ok(csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 20, File::open(path)?)))
}

/// The line where a quoted field opens that is still open at the end of the file, if one is.
/// The csv crate accepts such a file quietly, the rest of the file becoming one field; this
/// scan follows its quoting rules (a quote opens a field only at the field's start, `""` inside
/// one is a quote) so that an ordinary quote inside an unquoted field is no error.
pub fn unclosed_quote(path: &Path, delimiter: u8) -> std::io::Result<Option<u64>> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        /// A quote inside a quoted field: a doubled quote, or the field's end.
        QuoteInQuoted,
    }
    let mut file = BufReader::with_capacity(1 << 16, File::open(path)?);
    let mut buf = vec![0u8; 1 << 16];
    let (mut line, mut open_line) = (1u64, 0u64);
    let mut state = State::FieldStart;
    let mut first = true;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let mut chunk = &buf[..n];
        if first {
            chunk = chunk
                .strip_prefix(b"\xEF\xBB\xBF".as_slice())
                .unwrap_or(chunk);
            first = false;
        }
        for &b in chunk {
            state = match (state, b) {
                (State::Quoted, b'"') => State::QuoteInQuoted,
                (State::Quoted, _) => State::Quoted,
                (State::QuoteInQuoted, b'"') => State::Quoted,
                (State::FieldStart, b'"') => {
                    open_line = line;
                    State::Quoted
                }
                (_, b'\n' | b'\r') => State::FieldStart,
                (_, d) if d == delimiter => State::FieldStart,
                _ => State::Unquoted,
            };
            if b == b'\n' {
                line += 1;
            }
        }
    }
    Ok((state == State::Quoted).then_some(open_line))
}

/// The encoding named by a `--encoding` label ("windows-1252", "latin1", "utf-16le", …).
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

fn split_line(bytes: &[u8]) -> (&[u8], &[u8]) {
    match bytes.iter().position(|&b| b == b'\n') {
        Some(i) => {
            let line = &bytes[..i];
            (line.strip_suffix(b"\r").unwrap_or(line), &bytes[i + 1..])
        }
        None => (bytes.strip_suffix(b"\r").unwrap_or(bytes), &[]),
    }
}

/// Windows PowerShell's `Export-Csv` first line, `#TYPE Selected.System.Management.…`.
fn is_type_line(line: &[u8]) -> bool {
    line.strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(line)
        .trim_ascii_start()
        .starts_with(b"#TYPE")
}

/// Excel's `sep=;` first line names the delimiter.
fn sep_line(line: &[u8]) -> Option<u8> {
    let s = std::str::from_utf8(line).ok()?.trim();
    let rest = s.strip_prefix("sep=").or_else(|| s.strip_prefix("SEP="))?;
    match rest.as_bytes() {
        [b] => Some(*b),
        [] => Some(b'\t'),
        _ => None,
    }
}

/// The delimiter that splits the header row into the most fields (outside quotes).
fn sniff_delimiter(header: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0), (b'|', 0)];
    let mut quoted = false;
    for &b in header {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for c in counts.iter_mut() {
                if c.0 == b {
                    c.1 += 1;
                }
            }
        }
    }
    // Ties go to the earlier (more common) delimiter.
    let mut best = counts[0];
    for c in counts {
        if c.1 > best.1 {
            best = c;
        }
    }
    best.0
}

fn check_utf8_sample(path: &Path, head: &[u8]) -> Result<()> {
    let zeros = head.iter().filter(|&&b| b == 0).count();
    if zeros > head.len() / 8 {
        bail!(
            "{}: looks like UTF-16 without a byte-order mark; save it as UTF-8 or UTF-16 with BOM, \
             or pass --encoding utf-16le",
            path.display()
        );
    }
    if let Err(e) = std::str::from_utf8(head) {
        // An incomplete character cut by the sample's end is fine.
        if e.error_len().is_some() {
            let upto = &head[..e.valid_up_to()];
            let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
            bail!(
                "{}:{line}: not valid UTF-8 (byte 0x{:02X}); the file looks like Windows-1252 or \
                 another legacy encoding: save it as UTF-8, or pass --encoding windows-1252",
                path.display(),
                head[e.valid_up_to()]
            );
        }
    }
    Ok(())
}

/// Writes a UTF-8 copy of `path` decoded from `enc` into a temporary file.
fn transcode(path: &Path, enc: &'static Encoding) -> Result<tempfile::TempPath> {
    let mut input = BufReader::with_capacity(
        1 << 20,
        File::open(path).with_context(|| format!("{}: cannot open", path.display()))?,
    );
    let tmp = tempfile::Builder::new()
        .prefix("rightsize-utf8-")
        .suffix(".csv")
        .tempfile()
        .context("cannot create a temporary file for transcoding")?;
    let (file, temp_path) = tmp.into_parts();
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut decoder = enc.new_decoder_with_bom_removal();
    let mut buf = vec![0u8; 1 << 16];
    let mut text = String::with_capacity(1 << 18);
    loop {
        let n = input
            .read(&mut buf)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        let last = n == 0;
        let mut src = &buf[..n];
        loop {
            text.clear();
            let (res, read, _had_errors) = decoder.decode_to_string(src, &mut text, last);
            out.write_all(text.as_bytes())
                .context("cannot write the transcoded copy")?;
            src = &src[read..];
            if res == encoding_rs::CoderResult::InputEmpty {
                break;
            }
            text.reserve(1 << 16);
        }
        if last {
            break;
        }
    }
    out.flush().context("cannot write the transcoded copy")?;
    Ok(temp_path)
}

/// Maps 0-based data-row indexes of a decoded CSV to its 1-based line numbers (quoted
/// newlines make them differ), in one read that stops after the last wanted row.
pub fn lines_of_rows(
    dec: &Decoded,
    rows: impl IntoIterator<Item = u64>,
) -> Result<std::collections::BTreeMap<u64, u64>> {
    let mut wanted: Vec<u64> = rows.into_iter().collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut out = std::collections::BTreeMap::new();
    let Some(&max) = wanted.last() else {
        return Ok(out);
    };
    let mut rdr = csv_reader(&dec.path, dec.delimiter)?;
    let mut rec = csv::ByteRecord::new();
    let mut data_row: i64 = -((dec.lines_before_header as i64) + 1);
    let mut next = 0usize;
    while rdr.read_byte_record(&mut rec)? {
        if data_row >= 0 {
            let r = data_row as u64;
            if next < wanted.len() && wanted[next] == r {
                out.insert(r, rec.position().map_or(0, |p| p.line()));
                next += 1;
            }
            if r >= max {
                break;
            }
        }
        data_row += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(bytes).expect("write");
        f
    }

    #[test]
    fn encodings_and_delimiters() {
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(
                "a;b\r\n1;2\r\n"
                    .encode_utf16()
                    .flat_map(|u| u.to_le_bytes()),
            )
            .collect();
        let utf16be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("a\tb\n1\t2\n".encode_utf16().flat_map(|u| u.to_be_bytes()))
            .collect();
        let cases: Vec<(&str, Vec<u8>, &str, u8, usize)> = vec![
            ("plain comma", b"a,b\n1,2\n".to_vec(), "utf-8", b',', 0),
            (
                "utf-8 bom",
                b"\xEF\xBB\xBFa,b\n".to_vec(),
                "utf-8 (BOM)",
                b',',
                0,
            ),
            ("semicolon", b"a;b;c\n".to_vec(), "utf-8", b';', 0),
            ("tab", b"a\tb\n".to_vec(), "utf-8", b'\t', 0),
            ("excel sep line", b"sep=;\na;b\n".to_vec(), "utf-8", b';', 1),
            (
                "powershell type line",
                b"#TYPE Selected.System.Management.Automation.PSCustomObject\r\n\"a\",\"b\"\r\n"
                    .to_vec(),
                "utf-8",
                b',',
                1,
            ),
            (
                "powershell type line, then excel's",
                b"#TYPE System.Management.Automation.PSCustomObject\nsep=;\na;b\n".to_vec(),
                "utf-8",
                b';',
                2,
            ),
            (
                "quoted comma in semicolon header",
                b"\"a,x\";b\n".to_vec(),
                "utf-8",
                b';',
                0,
            ),
            ("utf-16le bom", utf16le, "utf-16le (BOM)", b';', 0),
            ("utf-16be bom", utf16be, "utf-16be (BOM)", b'\t', 0),
        ];
        for (name, bytes, enc, delim, skip) in cases {
            let f = write(&bytes);
            let d = open(f.path(), None).expect(name);
            assert_eq!(d.encoding, enc, "{name}");
            assert_eq!(d.delimiter, delim, "{name}");
            assert_eq!(d.lines_before_header, skip, "{name}");
            assert_eq!(d.header[1], "b", "{name}");
        }
    }

    #[test]
    fn the_lines_before_the_header_are_named() {
        let f = write(b"#TYPE Selected.System.Management.Automation.PSCustomObject\na,b\n");
        let d = open(f.path(), None).expect("type line");
        assert_eq!(d.preamble, "PowerShell #TYPE line skipped");
        assert_eq!(d.header, vec!["a", "b"]);
    }

    #[test]
    fn windows_1252_without_bom_is_an_error_unless_named() {
        let f = write(b"name,dept\nJos\xE9,Sales\n");
        let err = format!("{:#}", open(f.path(), None).expect_err("cp1252"));
        assert!(err.contains(":2: not valid UTF-8"), "{err}");
        assert!(err.contains("--encoding"), "{err}");
        let d = open(f.path(), encoding_for_label("windows-1252")).expect("forced");
        let text = std::fs::read_to_string(&d.path).expect("utf-8 copy");
        assert!(text.contains("José"));
    }

    #[test]
    fn an_open_quote_at_the_end_is_found_at_its_line() {
        let cases: [(&str, &[u8], Option<u64>); 6] = [
            ("balanced", b"a,b\n\"x, y\",2\n", None),
            ("quoted newline", b"a,b\n\"x\ny\",2\n3,4\n", None),
            ("doubled quote", b"a,b\n\"x \"\"y\"\"\",2\n", None),
            (
                "quote inside an unquoted field",
                b"a,b\nRita \"R,2\n3,4\n",
                None,
            ),
            ("stray quote", b"a,b\n1,2\n\"Lena,2\n3,4\n", Some(3)),
            (
                "stray quote after a quoted newline",
                b"a,b\n\"x\ny\",2\n5,\"6\n",
                Some(4),
            ),
        ];
        for (name, bytes, want) in cases {
            let f = write(bytes);
            assert_eq!(unclosed_quote(f.path(), b',').expect(name), want, "{name}");
        }
    }

    #[test]
    fn empty_file_is_an_error() {
        let f = write(b"");
        let err = format!("{:#}", open(f.path(), None).expect_err("empty"));
        assert!(err.contains("empty"), "{err}");
    }
}
