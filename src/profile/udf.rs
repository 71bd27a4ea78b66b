//! Elementwise parsers run inside the Polars plan: text → epoch milliseconds, operation,
//! channel and own-record codes, and the codes of user ids, table names and device ids in
//! their normal form. Each is a plain Rust closure over a string column, so a value is parsed
//! exactly once and the same way in every source.

use std::collections::HashMap;
use std::sync::Arc;

use polars::prelude::*;

use super::channels::ChannelMap;
use super::*;
use crate::ingest::timeparse::{IsoParser, TimeFormat};
use crate::text::{normalise_id_cow, parse_bool};

/// Epoch milliseconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the timestamps
/// the date arithmetic downstream can take (a typed Parquet column can hold any 64-bit value).
pub(super) const MIN_MS: i64 = -62_135_596_800_000;
pub(super) const MAX_MS: i64 = 253_402_300_799_999;

/// Epoch milliseconds of a timestamp column; a value out of range is null (a rejected row).
pub(super) fn timestamp_expr(e: Expr, dtype: &DataType, fmt: Option<TimeFormat>) -> Expr {
    in_range(timestamp_ms(e, dtype, fmt))
}

/// Whether a typed (not text) timestamp column: its values are numbers, never unparsable.
pub(super) fn is_typed_timestamp(dtype: &DataType) -> bool {
    matches!(dtype, DataType::Datetime(..) | DataType::Date)
}

fn in_range(e: Expr) -> Expr {
    e.map(
        |c: Column| {
            let ca = c.i64()?;
            // Almost always in range: the column's minimum and maximum (vectorised) say so.
            if ca.min().is_none_or(|min| min >= MIN_MS) && ca.max().is_none_or(|max| max <= MAX_MS)
            {
                return Ok(c);
            }
            let out: Int64Chunked = Int64Chunked::from_iter_options(
                ca.name().clone(),
                ca.iter()
                    .map(|v| v.filter(|ms| (MIN_MS..=MAX_MS).contains(ms))),
            );
            Ok(out.into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Int64)),
    )
}

fn timestamp_ms(e: Expr, dtype: &DataType, fmt: Option<TimeFormat>) -> Expr {
    match dtype {
        DataType::Datetime(unit, _) => {
            let per_ms = per_ms(*unit);
            if per_ms == 1 {
                e.cast(DataType::Int64)
            } else {
                udf_div(e.cast(DataType::Int64), per_ms)
            }
        }
        DataType::Date => e.cast(DataType::Int64) * lit(MS_PER_DAY),
        _ => {
            let fmt = fmt.unwrap_or(TimeFormat::Iso);
            e.cast(DataType::String).map(
                move |c: Column| {
                    let ca = c.str()?;
                    let out: Int64Chunked = match fmt {
                        TimeFormat::Iso => {
                            let mut iso = IsoParser::default();
                            Int64Chunked::from_iter_options(
                                ca.name().clone(),
                                ca.iter().map(|v| v.and_then(|s| iso.parse(s))),
                            )
                        }
                        _ => Int64Chunked::from_iter_options(
                            ca.name().clone(),
                            ca.iter().map(|v| v.and_then(|s| fmt.parse(s))),
                        ),
                    };
                    Ok(out.into_column())
                },
                |_, f| Ok(Field::new(f.name().clone(), DataType::Int64)),
            )
        }
    }
}

/// Values of a datetime unit in a millisecond.
pub(super) fn per_ms(unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Nanoseconds => 1_000_000,
        TimeUnit::Microseconds => 1_000,
        TimeUnit::Milliseconds => 1,
    }
}

/// Euclidean division of an Int64 column (Polars' `floor_div` needs a heavy feature).
pub(super) fn udf_div(e: Expr, divisor: i64) -> Expr {
    e.map(
        move |c: Column| {
            let ca = c.i64()?;
            let out: Int64Chunked = Int64Chunked::from_iter_options(
                ca.name().clone(),
                ca.iter().map(|v| v.map(|x| x.div_euclid(divisor))),
            );
            Ok(out.into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Int64)),
    )
}

/// Word `k` of a day bitmask of `words` × 64 days: the bit of the timestamp's day (days since
/// the epoch, modulo `64·words`) when it falls in word `k`, else 0; a null timestamp is 0.
pub(super) fn udf_day_bit(e: Expr, k: usize, words: usize) -> Expr {
    e.map(
        move |c: Column| {
            let ca = c.i64()?;
            let out: UInt64Chunked = match ca.cont_slice() {
                // No nulls, one chunk (the counted rows): a plain loop over the values.
                Ok(values) => UInt64Chunked::from_vec(
                    ca.name().clone(),
                    values.iter().map(|&ms| day_bit(ms, k, words)).collect(),
                ),
                Err(_) => UInt64Chunked::from_iter_values(
                    ca.name().clone(),
                    ca.iter().map(|v| v.map_or(0, |ms| day_bit(ms, k, words))),
                ),
            };
            Ok(out.into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::UInt64)),
    )
}

fn day_bit(ms: i64, k: usize, words: usize) -> u64 {
    let span = 64 * words as i64;
    let residue = ms.div_euclid(MS_PER_DAY).rem_euclid(span);
    if residue / 64 == k as i64 {
        1u64 << (residue % 64)
    } else {
        0
    }
}

/// Two counts of a row in one number, so that a group-by sums both with one plain sum:
/// `is_a(a)` in the low 32 bits, `is_b(b)` in the high ones. `a` and `b` are UInt8 or
/// Boolean columns (a one-row column is a literal, as long as the other); a null counts as
/// neither. Exact while a group has fewer than 2^32 rows, which a pass's always has (Polars
/// indexes its rows with 32 bits): `rollup::unpack` splits the sums after each pass.
pub(super) fn udf_pair(a: Expr, is_a: u8, b: Expr, is_b: u8) -> Expr {
    a.map_many(
        move |cols: &mut [Column]| {
            let n = cols.iter().map(Column::len).max().unwrap_or(0);
            let low = indicator(&cols[0], n, is_a)?;
            let high = indicator(&cols[1], n, is_b)?;
            let out: Vec<u64> = low.iter().zip(&high).map(|(l, h)| l | (h << 32)).collect();
            Ok(UInt64Chunked::from_vec(cols[0].name().clone(), out).into_column())
        },
        &[b],
        |_, f| Ok(Field::new(f[0].name().clone(), DataType::UInt64)),
    )
}

/// 1 for each of `n` rows of a UInt8 or Boolean column (or a one-row literal) whose value is
/// `want` (true is 1), else 0.
fn indicator(c: &Column, n: usize, want: u8) -> PolarsResult<Vec<u64>> {
    let c = c.cast(&DataType::UInt8)?;
    let ca = c.u8()?;
    if ca.len() == 1 && n != 1 {
        return Ok(vec![u64::from(ca.get(0) == Some(want)); n]);
    }
    Ok(match ca.cont_slice() {
        Ok(values) => values.iter().map(|&v| u64::from(v == want)).collect(),
        Err(_) => ca.iter().map(|v| u64::from(v == Some(want))).collect(),
    })
}

pub(super) fn udf_code(e: Expr, f: impl Fn(Option<&str>) -> u8 + Send + Sync + 'static) -> Expr {
    e.map(
        move |c: Column| {
            let ca = c.str()?;
            let codes = per_distinct(ca, |v| f(v.map(str::trim).filter(|s| !s.is_empty())));
            Ok(UInt8Chunked::from_vec(ca.name().clone(), codes).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::UInt8)),
    )
}

/// Slots of the memo `per_distinct` keeps per chunk (a power of two).
const MEMO_SLOTS: usize = 64;

/// `f` of every value of a string column (`None` for a null), computed once per distinct
/// value as far as a small memo per chunk, keyed by the value's view, remembers it. A view
/// determines its value within one chunk: a value of up to 12 bytes is held in the view itself,
/// a longer one is a place in the chunk's buffers. So the low-cardinality columns (operations,
/// channels, flags, features) cost one lookup a row, not a parse; in Parquet, dictionary-decoded
/// values share views whatever their length. A row whose view is the previous row's (a run of
/// one value) takes the previous result without the memo's hash.
fn per_distinct<T: Copy>(ca: &StringChunked, f: impl Fn(Option<&str>) -> T) -> Vec<T> {
    match try_per_distinct(ca, |v| Ok::<T, std::convert::Infallible>(f(v))) {
        Ok(out) => out,
        Err(never) => match never {},
    }
}

/// `per_distinct` with an `f` that can fail (the first error is returned).
fn try_per_distinct<T: Copy, E>(
    ca: &StringChunked,
    mut f: impl FnMut(Option<&str>) -> Result<T, E>,
) -> Result<Vec<T>, E> {
    let null = f(None)?;
    let mut out = Vec::with_capacity(ca.len());
    // The validity through the chunk as a trait object, whose methods need no import.
    for (arr, chunk) in ca.downcast_iter().zip(ca.chunks()) {
        let mut memo: [Option<(u128, T)>; MEMO_SLOTS] = [None; MEMO_SLOTS];
        let mut last: Option<(u128, T)> = None;
        let views = arr.views();
        let mut value_of = |i: usize| -> Result<T, E> {
            let key = views[i].as_u128();
            if let Some((k, hit)) = last
                && k == key
            {
                return Ok(hit);
            }
            let mixed = (key as u64 ^ (key >> 64) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let slot = (mixed >> (64 - MEMO_SLOTS.trailing_zeros())) as usize;
            let value = match memo[slot] {
                Some((k, hit)) if k == key => hit,
                _ => {
                    let value = f(Some(arr.value(i)))?;
                    memo[slot] = Some((key, value));
                    value
                }
            };
            last = Some((key, value));
            Ok(value)
        };
        match chunk.validity().filter(|v| v.unset_bits() > 0) {
            None => {
                for i in 0..views.len() {
                    out.push(value_of(i)?);
                }
            }
            // Sparse columns (channels, features) are mostly null: only the values are looked
            // at.
            Some(validity) => {
                let start = out.len();
                out.resize(start + views.len(), null);
                for i in validity.true_idx_iter() {
                    out[start + i] = value_of(i)?;
                }
            }
        }
    }
    Ok(out)
}

pub(super) fn udf_premium(e: Expr, features: Arc<Vec<String>>) -> Expr {
    e.map(
        move |c: Column| {
            let ca = c.str()?;
            let flags = per_distinct(ca, |v| {
                v.map(str::trim).is_some_and(|s| {
                    !s.is_empty() && features.iter().any(|f| f.eq_ignore_ascii_case(s))
                })
            });
            Ok(BooleanChunked::from_slice(ca.name().clone(), &flags).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Boolean)),
    )
}

/// Canonical operation → code; `BAD` for anything else (a missing operation is bad too).
pub(super) fn op_code(v: Option<&str>) -> u8 {
    let Some(s) = v else { return BAD };
    // Compared without allocating, one candidate per length: this runs once per event.
    let is = |w: &str| s.eq_ignore_ascii_case(w);
    match s.len() {
        4 if is("read") => OP_READ,
        6 if is("update") => OP_UPDATE,
        6 if is("create") => OP_CREATE,
        6 if is("delete") => OP_DELETE,
        6 if is("access") => OP_ACCESS,
        8 if is("retrieve") => OP_READ,
        16 if is("retrievemultiple") => OP_READ,
        _ => BAD,
    }
}

/// Own-record flag → 1 true, 0 false or missing, `BAD` otherwise.
pub(super) fn own_code(v: Option<&str>) -> u8 {
    match parse_bool(v.unwrap_or("")) {
        Ok(Some(true)) => 1,
        Ok(_) => 0,
        Err(_) => BAD,
    }
}

/// Channel (a name or code of the channel map) → code; empty is no conversation.
pub(super) fn udf_channel(e: Expr, map: &'static ChannelMap) -> Expr {
    udf_code(e, move |v| map.code(v))
}

/// Maps ids through a table (Dataverse systemuser id → Entra object id); ids not in the table
/// are kept as they are (lower-cased, braces removed).
pub(super) fn udf_map_id(e: Expr, map: Arc<IdMap>) -> Expr {
    e.map(
        move |c: Column| {
            let ca = c.str()?;
            // Ids that are already normal and not in the table stay as they are, uncopied.
            // Exports list a user's events together, so a row's id is mostly the previous
            // row's, which is checked once (the check hashes the id: 0.5 s of a 40M-event
            // pass when done for every row).
            let mut prev: Option<&str> = None;
            if ca.iter().all(|v| {
                v.is_none_or(|s| {
                    if prev == Some(s) {
                        return true;
                    }
                    let normal = matches!(normalise_id_cow(s), std::borrow::Cow::Borrowed(n) if n.len() == s.len() && !n.is_empty())
                        && (map.is_empty() || !map.contains_key(s));
                    prev = normal.then_some(s);
                    normal
                })
            }) {
                return Ok(c);
            }
            let map: &IdMap = &map;
            let mut last: Option<(&str, Option<std::borrow::Cow<str>>)> = None;
            let out: StringChunked = ca
                .iter()
                .map(|v| {
                    let s = v?;
                    if let Some((p, mapped)) = &last
                        && *p == s
                    {
                        return mapped.clone();
                    }
                    let mapped = mapped_id(s, map);
                    last = Some((s, mapped.clone()));
                    mapped
                })
                .collect();
            Ok(out.with_name(ca.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::String)),
    )
}

/// An id as the export writes it, normalised and mapped through the systemuser table (ids not
/// in it are kept); `None` when it is empty once normalised.
fn mapped_id<'a>(s: &'a str, map: &'a IdMap) -> Option<std::borrow::Cow<'a, str>> {
    let id = normalise_id_cow(s);
    (!id.is_empty()).then(|| match map.get(id.as_ref()) {
        Some(m) => std::borrow::Cow::Borrowed(m.as_str()),
        None => id,
    })
}

/// User ids as small numbers for the pass: every per-user group-by of a pass hashes its key
/// for every row, and a 4-byte code hashes and compares faster than a 36-character id. Codes
/// are handed out as ids are first seen (any thread), and the pass's small results are turned
/// back into ids (`decode`), so nothing downstream sees a code.
#[derive(Default)]
pub struct Interner {
    ids: std::sync::RwLock<Codes>,
}

/// Each id's code, and the ids in code order.
type Codes = (
    std::collections::HashMap<Box<str>, u32, foldhash::fast::RandomState>,
    Vec<Box<str>>,
);

impl Interner {
    /// The code of an id, handed out on first sight.
    pub(super) fn code(&self, id: &str) -> PolarsResult<u32> {
        if let Some(&k) = self.ids.read().map_err(|_| poisoned())?.0.get(id) {
            return Ok(k);
        }
        let mut guard = self.ids.write().map_err(|_| poisoned())?;
        let (map, names) = &mut *guard;
        if let Some(&k) = map.get(id) {
            return Ok(k);
        }
        let k = u32::try_from(names.len())
            .map_err(|_| polars_err!(ComputeError: "more than 2^32 distinct user ids"))?;
        map.insert(id.into(), k);
        names.push(id.into());
        Ok(k)
    }

    /// A column of codes as the ids they stand for (null stays null).
    pub fn decode(&self, c: &Column) -> PolarsResult<Column> {
        let codes = c.u32()?;
        self.decode_iter(codes.name().clone(), codes.iter())
    }

    /// Codes (null for none) as a column of the ids they stand for.
    pub fn decode_iter(
        &self,
        name: PlSmallStr,
        codes: impl Iterator<Item = Option<u32>>,
    ) -> PolarsResult<Column> {
        let guard = self.ids.read().map_err(|_| poisoned())?;
        let names = &guard.1;
        let out: StringChunked = codes
            .map(|k| k.and_then(|k| names.get(k as usize)).map(|s| &**s))
            .collect();
        Ok(out.with_name(name).into_column())
    }
}

/// The error of an `Interner` whose lock a panicking thread left behind.
fn poisoned() -> PolarsError {
    polars_err!(ComputeError: "the user id table was left half-written")
}

/// A text column of user ids as `Interner` codes: a run of one id (exports list a user's
/// events together) is looked up once.
pub(super) fn udf_intern(e: Expr, ids: Arc<Interner>) -> Expr {
    e.map(
        move |c: Column| Ok(coded(c.str()?, |s| ids.code(s).map(Some))?.into_column()),
        |_, f| Ok(Field::new(f.name().clone(), DataType::UInt32)),
    )
}

/// User ids as the export writes them → `Interner` codes of the ids `udf_map_id` gives
/// (normalised, and mapped through the systemuser table), in one pass. An id that is empty
/// once normalised is null.
pub(super) fn udf_user_code(e: Expr, map: Arc<IdMap>, ids: Arc<Interner>) -> Expr {
    e.map(
        move |c: Column| {
            let code = |s: &str| mapped_id(s, &map).map(|id| ids.code(&id)).transpose();
            Ok(coded(c.str()?, code)?.into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::UInt32)),
    )
}

/// The code `code_of` gives each value of a text column (null for a null or for `None`),
/// asked once per run of one value (exports list a user's events together): a row is told
/// apart from the previous one by its view before its bytes.
fn coded(
    ca: &StringChunked,
    mut code_of: impl FnMut(&str) -> PolarsResult<Option<u32>>,
) -> PolarsResult<UInt32Chunked> {
    let mut codes: Vec<u32> = Vec::with_capacity(ca.len());
    // Rows without a code, as positions (rare: almost every row has an id).
    let mut missing: Vec<usize> = Vec::new();
    for (arr, chunk) in ca.downcast_iter().zip(ca.chunks()) {
        let validity = chunk.validity().filter(|v| v.unset_bits() > 0);
        let mut last: Option<(u128, &str, Option<u32>)> = None;
        for (i, view) in arr.views().iter().enumerate() {
            let code = if validity.is_some_and(|v| !v.get_bit(i)) {
                None
            } else {
                let key = view.as_u128();
                match last {
                    Some((k, _, code)) if k == key => code,
                    Some((_, s, code)) if s == arr.value(i) => {
                        last = Some((key, s, code));
                        code
                    }
                    _ => {
                        let s = arr.value(i);
                        let code = code_of(s)?;
                        last = Some((key, s, code));
                        code
                    }
                }
            };
            if code.is_none() {
                missing.push(codes.len());
            }
            codes.push(code.unwrap_or(0));
        }
    }
    let n = codes.len();
    let coded = UInt32Chunked::from_vec(ca.name().clone(), codes);
    if missing.is_empty() {
        return Ok(coded);
    }
    let mut mask = vec![false; n];
    for i in missing {
        mask[i] = true;
    }
    coded.set(&BooleanChunked::from_slice(PlSmallStr::EMPTY, &mask), None)
}

/// Text values (table names, device ids) → `Interner` codes of their normal form: trimmed,
/// then `norm` (null for an empty value or when `norm` gives none). Computed once per
/// distinct value of a chunk (`per_distinct`), and for values the memo misses (e.g. long
/// values of a CSV block, whose views all differ) once per distinct text of the column.
pub(super) fn udf_text_code(
    e: Expr,
    norm: fn(&str) -> Option<String>,
    ids: Arc<Interner>,
    max_codes: u32,
) -> Expr {
    e.map(
        move |c: Column| {
            let ca = c.str()?;
            let mut seen: HashMap<String, Option<u32>, foldhash::fast::RandomState> =
                HashMap::default();
            let codes = try_per_distinct(ca, |v| {
                let Some(s) = v.map(str::trim).filter(|s| !s.is_empty()) else {
                    return Ok(None);
                };
                if let Some(&code) = seen.get(s) {
                    return Ok(code);
                }
                let code = norm(s).map(|n| ids.code(&n)).transpose()?;
                if code.is_some_and(|k| k >= max_codes) {
                    polars_bail!(ComputeError: "more than {max_codes} distinct values of one column");
                }
                seen.insert(s.to_string(), code);
                Ok(code)
            })?;
            Ok(UInt32Chunked::from_iter_options(ca.name().clone(), codes.into_iter()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::UInt32)),
    )
}

/// Whether an id (normalised) is in a set, e.g. the bots among systemusers.
pub(super) fn udf_in_set(e: Expr, set: Arc<IdSet>) -> Expr {
    e.map(
        move |c: Column| {
            let ca = c.str()?;
            let out = BooleanChunked::from_iter_values(
                ca.name().clone(),
                ca.iter()
                    .map(|v| v.is_some_and(|s| set.contains(normalise_id_cow(s).as_ref()))),
            );
            Ok(out.into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Boolean)),
    )
}

/// A count column (non-negative whole numbers); anything else is null.
pub(super) fn udf_count(e: Expr) -> Expr {
    e.map(
        |c: Column| {
            let ca = c.str()?;
            let out = UInt64Chunked::from_iter_options(
                ca.name().clone(),
                ca.iter()
                    .map(|v| v.and_then(|s| s.trim().parse::<u64>().ok())),
            );
            Ok(out.into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::UInt64)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_codes() {
        let cases = [
            ("read", Some("read"), OP_READ),
            ("upper", Some("CREATE"), OP_CREATE),
            ("update", Some("update"), OP_UPDATE),
            ("delete", Some("delete"), OP_DELETE),
            ("access", Some("access"), OP_ACCESS),
            ("unknown", Some("assign"), BAD),
            ("missing", None, BAD),
        ];
        for (name, v, want) in cases {
            assert_eq!(op_code(v), want, "{name}");
        }
    }

    /// The memo gives every row its own value's result, whatever the values' lengths (inline
    /// views up to 12 bytes, buffer views beyond), nulls and repeats.
    #[test]
    fn per_distinct_values_match_a_parse_of_each_row() {
        let mut values: Vec<Option<String>> = Vec::new();
        for i in 0..1_000 {
            values.push(match i % 7 {
                0 => None,
                1 => Some("read".into()),
                2 => Some("RetrieveMultiple".into()),
                3 => Some(format!("retrievemultiple-{}", i % 100)),
                4 => Some(format!("update{}", i % 3)),
                5 => Some("  Create ".into()),
                _ => Some(format!("a value long enough for a buffer {i}")),
            });
        }
        let ca = StringChunked::from_iter_options("v".into(), values.iter().map(|v| v.as_deref()));
        let f = |v: Option<&str>| v.map_or(0, |s| (s.len() as u8) ^ op_code(Some(s.trim())));
        let got = per_distinct(&ca, f);
        let want: Vec<u8> = values.iter().map(|v| f(v.as_deref())).collect();
        assert_eq!(got, want);
    }

    /// A systemuser table of one id: sys-1 is entra-1.
    fn systemuser_map() -> Arc<IdMap> {
        let mut map = IdMap::default();
        map.insert("sys-1".into(), "entra-1".into());
        Arc::new(map)
    }

    /// Runs of one id (as exports list a user's events) are mapped once per run, and each
    /// row still gets its own id's mapping.
    #[test]
    fn ids_in_runs_map_as_each_row_alone() {
        let map = systemuser_map();
        let ids = [
            Some("sys-1"),
            Some("sys-1"),
            Some("{SYS-1}"),
            Some("entra-2"),
            Some("entra-2"),
            None,
            Some(""),
            Some("ENTRA-3"),
            Some("ENTRA-3"),
            Some("sys-1"),
        ];
        let want = [
            Some("entra-1"),
            Some("entra-1"),
            Some("entra-1"),
            Some("entra-2"),
            Some("entra-2"),
            None,
            None,
            Some("entra-3"),
            Some("entra-3"),
            Some("entra-1"),
        ];
        let mapped = |ids: &[Option<&str>], map: Arc<IdMap>| -> Vec<Option<String>> {
            let frame = df!("id" => ids).expect("frame");
            let out = frame
                .lazy()
                .select([udf_map_id(col("id"), map)])
                .collect()
                .expect("mapped");
            let col = out.column("id").expect("id").str().expect("str");
            col.iter().map(|v| v.map(str::to_string)).collect()
        };
        let got = mapped(&ids, map.clone());
        let want: Vec<Option<String>> = want.iter().map(|v| v.map(str::to_string)).collect();
        assert_eq!(got, want);
        // Already normal ids, in runs, none in the table: the column passes unchanged.
        let normal = [Some("entra-2"), Some("entra-2"), None, Some("entra-4")];
        let got = mapped(&normal, map);
        let want: Vec<Option<String>> = normal.iter().map(|v| v.map(str::to_string)).collect();
        assert_eq!(got, want);
    }

    /// Coding raw ids in one step gives each row the code of the id `udf_map_id` gives it,
    /// whatever the runs, case, braces, nulls and blanks, in one chunk or several.
    #[test]
    fn user_codes_are_the_codes_of_the_mapped_ids() {
        let map = systemuser_map();
        let ids = [
            Some("sys-1"),
            Some("sys-1"),
            Some("{SYS-1}"),
            Some("entra-2"),
            Some(" Entra-2 "),
            None,
            Some(""),
            Some("  "),
            Some("an-id-long-enough-for-a-buffer-view-0001"),
            Some("an-id-long-enough-for-a-buffer-view-0001"),
            Some("AN-ID-LONG-ENOUGH-FOR-A-BUFFER-VIEW-0001"),
            Some("entra-1"),
            Some("sys-1"),
        ];
        let frame = df!("id" => ids).expect("frame");
        // Two chunks, so that a run crosses a chunk boundary.
        let frame = frame
            .slice(0, 6)
            .vstack(&frame.slice(6, ids.len()))
            .expect("stacked");
        let interner = Arc::new(Interner::default());
        let out = frame
            .lazy()
            .select([
                udf_user_code(col("id"), map.clone(), interner.clone()).alias("code"),
                udf_map_id(col("id"), map).alias("mapped"),
            ])
            .collect()
            .expect("coded");
        let back = interner
            .decode(out.column("code").expect("code"))
            .expect("decoded");
        let got: Vec<Option<&str>> = back.str().expect("str").iter().collect();
        let want: Vec<Option<&str>> = out
            .column("mapped")
            .expect("m")
            .str()
            .expect("str")
            .iter()
            .collect();
        assert_eq!(got, want);
        assert_eq!(got[0], Some("entra-1"));
        assert_eq!(got[4], Some("entra-2"));
        assert_eq!(got[6], None, "an empty id is none");
        assert_eq!(got[7], None, "a blank id is none");
        assert_eq!(got[10], Some("an-id-long-enough-for-a-buffer-view-0001"));
    }

    /// Tables and devices are coded in their normal form (trimmed, then the kind's naming);
    /// blank values have no code, and long values whose views differ share their code.
    #[test]
    fn text_codes_are_the_codes_of_the_normal_values() {
        let lower = |s: &str| Some(s.to_lowercase());
        let values = [
            Some("incident"),
            Some("  Incident "),
            None,
            Some(" "),
            Some("KnowledgeArticle"),
            Some("knowledgearticle"),
            Some("knowledgearticle"),
            Some("incident"),
        ];
        let frame = df!("t" => values).expect("frame");
        let interner = Arc::new(Interner::default());
        let out = frame
            .lazy()
            .select([udf_text_code(col("t"), lower, interner.clone(), 16)])
            .collect()
            .expect("coded");
        let back = interner
            .decode(out.column("t").expect("t"))
            .expect("decoded");
        let got: Vec<Option<&str>> = back.str().expect("str").iter().collect();
        assert_eq!(
            got,
            [
                Some("incident"),
                Some("incident"),
                None,
                None,
                Some("knowledgearticle"),
                Some("knowledgearticle"),
                Some("knowledgearticle"),
                Some("incident")
            ]
        );
        // More distinct values than codes allowed: an error, not a wrong key.
        let many = df!("t" => ["a", "b", "c"]).expect("frame");
        let err = many
            .lazy()
            .select([udf_text_code(
                col("t"),
                lower,
                Arc::new(Interner::default()),
                2,
            )])
            .collect();
        assert!(err.is_err());
    }

    /// Two indicators in one number: a UInt8 column against a literal, a Boolean column with
    /// a null (neither), and sums of them split back into the two counts.
    #[test]
    fn pairs_count_two_conditions_in_one_number() {
        let frame = df!(
            "op" => [OP_READ, OP_UPDATE, OP_READ, OP_READ],
            "chan" => [Some(CH_VOICE), Some(CH_VOICE), None, Some(CH_DIGITAL)],
            "prem" => [Some(true), None, Some(false), Some(true)],
        )
        .expect("frame");
        let out = frame
            .lazy()
            .select([
                udf_pair(col("op"), OP_READ, col("chan"), CH_VOICE).alias("rv"),
                udf_pair(col("chan"), CH_DIGITAL, col("prem"), 1).alias("dp"),
                udf_pair(lit(OP_ACCESS), OP_ACCESS, col("prem"), 1).alias("lit"),
            ])
            .collect()
            .expect("pairs");
        let get =
            |n: &str| -> Vec<Option<u64>> { out.column(n).expect(n).u64().expect("u64").to_vec() };
        let pair = |low: u64, high: u64| Some(low | (high << 32));
        assert_eq!(get("rv"), [pair(1, 1), pair(0, 1), pair(1, 0), pair(1, 0)]);
        assert_eq!(get("dp"), [pair(0, 1), pair(0, 0), pair(0, 0), pair(1, 1)]);
        assert_eq!(get("lit"), [pair(1, 1), pair(1, 0), pair(1, 0), pair(1, 1)]);
        let sum: u64 = get("rv").iter().flatten().sum();
        assert_eq!((sum & 0xFFFF_FFFF, sum >> 32), (3, 2));
    }

    #[test]
    fn the_timestamp_range_is_years_1_to_9999() {
        let ms = |y, m, d| {
            chrono::NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|d| d.and_hms_milli_opt(0, 0, 0, 0))
                .map(|t| t.and_utc().timestamp_millis())
                .expect("date")
        };
        assert_eq!(MIN_MS, ms(1, 1, 1));
        assert_eq!(MAX_MS, ms(9999, 12, 31) + MS_PER_DAY - 1);
    }

    #[test]
    fn day_bits_are_one_bit_per_day_modulo_the_span() {
        let day = |d: i64| d * MS_PER_DAY + 1234;
        assert_eq!(day_bit(day(0), 0, 2), 1);
        assert_eq!(day_bit(day(0), 1, 2), 0);
        assert_eq!(day_bit(day(63), 0, 2), 1 << 63);
        assert_eq!(day_bit(day(64), 1, 2), 1);
        assert_eq!(day_bit(day(128), 0, 2), 1, "wraps after 128 days");
        assert_eq!(
            day_bit(-1, 1, 2),
            1 << 63,
            "the day before the epoch is day -1"
        );
        // Any 128 consecutive days map to distinct bits.
        let mut seen = std::collections::HashSet::new();
        for d in 20_000..20_128 {
            let bits: Vec<u64> = (0..2).map(|k| day_bit(day(d), k, 2)).collect();
            assert_eq!(bits.iter().map(|b| b.count_ones()).sum::<u32>(), 1);
            assert!(seen.insert(bits));
        }
    }
    /// Codes are one per distinct id across calls (two sources share one table), runs and
    /// repeats get their id's code, null stays null, and decoding gives each row's id back.
    #[test]
    fn interned_ids_decode_to_the_ids() {
        let ids = Arc::new(Interner::default());
        let code = |values: &[Option<&str>]| -> Column {
            let frame = df!("id" => values).expect("frame");
            let out = frame
                .lazy()
                .select([udf_intern(col("id"), ids.clone())])
                .collect()
                .expect("coded");
            out.column("id").expect("id").clone()
        };
        let first = [Some("b"), Some("b"), None, Some("a"), Some("b"), Some("a")];
        let second = [Some("a"), Some("c"), Some("c"), None];
        let (one, two) = (code(&first), code(&second));
        let codes = |c: &Column| -> Vec<Option<u32>> { c.u32().expect("u32").iter().collect() };
        assert_eq!(
            codes(&one),
            [Some(0), Some(0), None, Some(1), Some(0), Some(1)]
        );
        assert_eq!(
            codes(&two),
            [Some(1), Some(2), Some(2), None],
            "a keeps its code"
        );
        for (coded, want) in [(&one, &first[..]), (&two, &second[..])] {
            let back = ids.decode(coded).expect("decoded");
            let got: Vec<Option<&str>> = back.str().expect("str").iter().collect();
            assert_eq!(got, want);
            assert_eq!(back.name().as_str(), "id");
        }
    }
}
