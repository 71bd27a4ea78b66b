//! Today's bot containment per channel, from the Omnichannel conversation export when it carries
//! `msdyn_isagentaccepted` (costs-facts section 8): of the window's conversations on a channel,
//! those no agent accepted and the customer did not abandon (`msdyn_isabandoned`) were
//! contained by the bot. Entity Records (record routing) are no channel. A small second pass
//! over the export, row by row with the csv crate; rows the activity reader rejects (a bad
//! channel or time) are left out here too, without a second reject.

use std::collections::BTreeMap;

use anyhow::Result;

use super::channels::ChannelMap;
use super::{CH_DIGITAL, CH_VOICE};
use crate::ingest::table::Table;
use crate::ingest::timeparse::TimeFormat;
use crate::ingest::{Kind, Source};
use crate::model::Channel;

/// One channel's conversations in the window and how many the bot contained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Containment {
    pub channel: Channel,
    pub conversations: u64,
    /// Not accepted by an agent and not abandoned.
    pub contained: u64,
    /// Not accepted by an agent but abandoned by the customer (not contained).
    pub abandoned: u64,
}

/// Containment per channel over `[from_ms, to_ms)` from every conversation export that has
/// `msdyn_isagentaccepted`; empty when none has.
pub fn read(sources: &[&Source], from_ms: i64, to_ms: i64) -> Result<Vec<Containment>> {
    let map = ChannelMap::builtin()?;
    let mut counts: BTreeMap<Channel, Containment> = BTreeMap::new();
    for src in sources.iter().filter(|s| s.kind == Kind::Conversations) {
        let Some(dec) = &src.decoded else { continue };
        let mut ignored = Vec::new();
        let t = Table::read(&src.name, dec, &mut ignored)?;
        let (Some(i_acc), Some(i_chan)) =
            (t.col(&["msdyn_isagentaccepted"]), t.col(&["msdyn_channel"]))
        else {
            continue;
        };
        let Some(i_ts) = t.col(&["msdyn_createdon", "createdon", "msdyn_startedon"]) else {
            continue;
        };
        let i_abandoned = t.col(&["msdyn_isabandoned"]);
        let format = t
            .rows
            .iter()
            .filter_map(|r| r.record.get(i_ts))
            .find(|v| !v.trim().is_empty())
            .and_then(TimeFormat::detect);
        let Some(format) = format else { continue };
        for row in &t.rows {
            let field = |i: usize| row.record.get(i).unwrap_or("");
            let Some(ms) = format.parse(field(i_ts).trim()) else {
                continue;
            };
            if ms < from_ms || ms >= to_ms {
                continue;
            }
            let channel = match map.code(Some(field(i_chan).trim())) {
                CH_VOICE => Channel::Voice,
                CH_DIGITAL => Channel::Digital,
                _ => continue,
            };
            // Empty or unreadable: unknown, so not counted either way.
            let Ok(Some(accepted)) = crate::text::parse_bool(field(i_acc)) else {
                continue;
            };
            let abandoned = i_abandoned
                .and_then(|i| crate::text::parse_bool(field(i)).ok().flatten())
                .unwrap_or(false);
            let c = counts.entry(channel).or_insert(Containment {
                channel,
                conversations: 0,
                contained: 0,
                abandoned: 0,
            });
            c.conversations += 1;
            if !accepted {
                if abandoned {
                    c.abandoned += 1;
                } else {
                    c.contained += 1;
                }
            }
        }
    }
    Ok(counts.into_values().collect())
}
