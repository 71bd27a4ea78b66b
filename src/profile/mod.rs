//! The one heavy stage: activity sources → one `Profile` per user, with Polars lazy queries on
//! the streaming engine. Each source kind (canonical events, Entra sign-ins, Dataverse audit,
//! Omnichannel conversations) is normalised by `kinds` to one slim schema; `prepare` checks it
//! once (coverage, rejected rows with their lines); `aggregate` computes the window's profiles
//! per user, per (user, table) for writes and per (device, user).

mod channels;
pub mod containment;
mod kinds;
mod locate;
mod prepare;
mod rollup;
mod split;
mod statistics;
mod udf;

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::{Profile, TableWrites};

pub use prepare::{latest_guess, prepare};

/// ISO 8601 text → epoch milliseconds (UTC), as every source parses it.
pub fn iso_epoch_ms(e: polars::prelude::Expr) -> polars::prelude::Expr {
    udf::timestamp_expr(
        e,
        &polars::prelude::DataType::String,
        Some(crate::ingest::timeparse::TimeFormat::Iso),
    )
}

/// How many rejected rows per file are kept with their details (all are counted).
pub const MAX_REJECTS_KEPT: usize = 10_000;

/// Bytes of a CSV activity source per Polars pass: a CSV source is read in windows of this
/// size, each one streaming pass, and their results merged (`prepare::read_blocks`). Larger
/// windows held more memory (before the hot table was sized per pass, 64 MiB windows took
/// 6.1 s and 900 MiB on the 10M wide tenant, 32 MiB ones 7.3 s and 670 MiB).
pub const CSV_WINDOW_BYTES: usize = 32 << 20;

const MS_PER_DAY: i64 = 86_400_000;

/// Operation codes of the slim schema.
const OP_READ: u8 = 1;
const OP_CREATE: u8 = 2;
const OP_UPDATE: u8 = 3;
const OP_DELETE: u8 = 4;
const OP_ACCESS: u8 = 5;
/// A conversation (presence, and a channel), not a table operation.
const OP_CONVERSATION: u8 = 6;
/// A valid value that is not activity (e.g. an audit "archive" operation).
const SKIP: u8 = 254;
const BAD: u8 = 255;

/// Channel codes of the slim schema.
const CH_NONE: u8 = 0;
const CH_VOICE: u8 = 1;
const CH_DIGITAL: u8 = 2;

/// Maps and sets of ids looked up once per event (foldhash).
pub use crate::ingest::systemusers::{IdMap, IdSet};

/// What every source needs to know that comes from other inputs or the policy.
#[derive(Clone, Default)]
pub struct SourceContext {
    pub premium_features: Arc<Vec<String>>,
    /// Dataverse systemuser id → Entra object id (from a systemuser export), normalised.
    pub user_map: Arc<IdMap>,
    /// Dataverse systemuser ids of bots (excluded from conversations).
    pub bots: Arc<IdSet>,
    /// Audit writes to a record the same user created (in the data) count as own records.
    pub own_from_creator: bool,
    /// The codes the passes give user ids (`udf::Interner`).
    pub ids: Arc<udf::Interner>,
    /// The codes the passes give table names and device ids.
    pub tables: Arc<udf::Interner>,
    pub devices: Arc<udf::Interner>,
}

/// What one activity source covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub source: usize,
    pub name: String,
    pub rows: u64,
    pub rejected: u64,
    /// Valid rows that are not activity (failed sign-ins, other apps, unassigned conversations…).
    pub skipped: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    /// Whether the source says what users did (create/update/delete), not only presence.
    pub operation_level: bool,
    /// Distinct user ids of the source's activity rows (normalised), for the join check.
    pub user_ids: Vec<String>,
    /// Rejected rows per column (as written in the header), all counted: only the first
    /// `MAX_REJECTS_KEPT` are kept with their details.
    pub rejected_by_column: Vec<(String, u64)>,
}

/// A source read once: what it covers and its per-user results (small, whatever the number
/// of events).
pub struct Prepared {
    pub coverage: Coverage,
    parts: rollup::Parts,
    /// `parts.users()`, joined once.
    users: polars::prelude::DataFrame,
    /// The first rejected rows, when they are being located on a thread of their own (a
    /// second read of a Parquet file, which only the report needs): see `RejectsLater`.
    pub rejects_later: Option<RejectsLater>,
}

/// Rejected rows located beside the rest of the analysis; `join` before the report.
pub type RejectsLater = std::thread::JoinHandle<anyhow::Result<Vec<crate::ingest::Rejected>>>;

/// The rejected rows of `RejectsLater`, or the error that stopped their read.
pub fn join_rejects(later: RejectsLater) -> anyhow::Result<Vec<crate::ingest::Rejected>> {
    later
        .join()
        .unwrap_or_else(|_| Err(anyhow::anyhow!("locating the rejected rows stopped")))
}

/// What the error locator needs of a CSV source.
#[derive(Debug, Clone)]
struct CsvShape {
    name: String,
    path: std::path::PathBuf,
    delimiter: u8,
    width: usize,
    lines_before_header: usize,
}

/// Per-device, per-user event counts in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceUse {
    pub device: String,
    pub user: String,
    pub events: u64,
}

/// The activity of the window.
#[derive(Debug, Default)]
pub struct Activity {
    /// Keyed by the activity sources' user id.
    pub profiles: HashMap<String, Profile>,
    pub devices: Vec<DeviceUse>,
    /// Conversations per channel and day (days since 1970) inside the window.
    pub conversations: std::collections::BTreeMap<(crate::model::Channel, i64), u64>,
}

/// The slim schema's columns.
mod c {
    pub const UID: &str = "uid";
    pub const TS: &str = "ts";
    pub const OP: &str = "op";
    pub const TABLE: &str = "tbl";
    pub const OWN: &str = "own";
    pub const CHAN: &str = "chan";
    pub const DEVICE: &str = "dev";
    pub const PREMIUM: &str = "prem";
    pub const OBJ: &str = "obj";
    pub const ROW: &str = "row_nr";
    /// How many events a slim row stands for (1, or a daily roll-up's count).
    pub const N: &str = "n_events";
}

pub use rollup::{Limit, Window, aggregate, words_for};
