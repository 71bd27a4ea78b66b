//! Property tests of the CSV decoding layer: any encoding and delimiter a real export uses
//! round-trips the header; arbitrary bytes never panic.

use std::io::Write;

use proptest::prelude::*;
use rightsize::ingest::decode;
use rightsize::ingest::timeparse::parse_iso_ms;

fn encode(text: &str, enc: u8) -> Vec<u8> {
    match enc {
        0 => text.as_bytes().to_vec(),
        1 => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        2 => [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect(),
        _ => [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(|u| u.to_be_bytes()))
            .collect(),
    }
}

fn write(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("temp");
    f.write_all(bytes).expect("write");
    f
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn header_round_trips(
        fields in prop::collection::vec("[A-Za-z][A-Za-zé _().-]{0,12}", 2..8),
        delim in prop::sample::select(vec![b',', b';', b'\t']),
        enc in 0u8..4,
        crlf in any::<bool>(),
        sep_line in any::<bool>(),
    ) {
        let quoted: Vec<String> = fields.iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect();
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        if sep_line {
            text.push_str(&format!("sep={}{eol}", delim as char));
        }
        text.push_str(&quoted.join(&(delim as char).to_string()));
        text.push_str(eol);
        text.push_str(&vec!["x"; fields.len()].join(&(delim as char).to_string()));
        text.push_str(eol);
        let f = write(&encode(&text, enc));
        let d = decode::open(f.path(), None).expect("decodes");
        prop_assert_eq!(d.delimiter, delim);
        prop_assert_eq!(d.lines_before_header, usize::from(sep_line));
        prop_assert_eq!(d.header, fields);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let f = write(&bytes);
        let _ = decode::open(f.path(), None);
    }

    #[test]
    fn timestamps_never_panic(s in "\\PC{0,40}") {
        let _ = parse_iso_ms(&s);
        let _ = rightsize::ingest::timeparse::parse_us_ms(&s);
    }
}
