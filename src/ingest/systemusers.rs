//! The Dataverse `systemuser` export: maps the Dataverse user ids that the audit and the
//! conversations carry to the Entra object ids that licences are assigned to, and names the
//! bots (systemusers with `msdyn_botapplicationid`), which are not agents.

use std::collections::{HashMap, HashSet};

use anyhow::{Result, bail};

use super::table::Table;
use super::{Rejected, Source};
use crate::text::normalise_id;

#[derive(Debug, Default)]
pub struct SystemUsers {
    /// Dataverse systemuser id → Entra object id, both normalised.
    pub to_entra: HashMap<String, String>,
    pub bots: HashSet<String>,
    pub rows: std::collections::BTreeMap<usize, u64>,
}

pub fn read(sources: &[&Source], rejected: &mut Vec<Rejected>) -> Result<SystemUsers> {
    let mut out = SystemUsers::default();
    for src in sources {
        let t = Table::from_source(src, "systemuser exports", rejected)?;
        let (Some(c_id), Some(c_aad)) = (
            t.col(&["systemuserid"]),
            t.col(&["azureactivedirectoryobjectid"]),
        ) else {
            bail!(
                "{}: needs systemuserid and azureactivedirectoryobjectid",
                src.name
            );
        };
        let c_bot = t.col(&["msdyn_botapplicationid"]);
        let mut n = 0;
        for row in &t.rows {
            let get = |c: usize| row.record.get(c).unwrap_or("").trim();
            let id = normalise_id(get(c_id));
            if id.is_empty() {
                rejected.push(t.reject(row.line, Some(c_id), "systemuserid is empty"));
                continue;
            }
            n += 1;
            if c_bot.is_some_and(|c| !get(c).is_empty()) {
                out.bots.insert(id.clone());
            }
            let aad = normalise_id(get(c_aad));
            if !aad.is_empty() {
                out.to_entra.insert(id, aad);
            }
        }
        out.rows.insert(src.index, n);
    }
    Ok(out)
}
