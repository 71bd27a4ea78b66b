//! The Dataverse `systemuser` export: maps the Dataverse user ids that the audit and the
//! conversations carry to the Entra object ids that licences are assigned to, and names the
//! bots (systemusers with `msdyn_botapplicationid`), which are not agents, and carries each
//! row's `accessmode` (the number 0–5 or its label) per Entra object id.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::{Result, bail};

use super::table::Table;
use super::{Rejected, Source};
use crate::model::{AccessMode, User};
use crate::text::normalise_id;

/// Maps and sets of ids, with foldhash: the activity pass looks ids up in them, and the
/// standard hasher (SipHash) was half of reading a 68k-row systemuser export (and, with the
/// channel map's, 3% of the samples of a 40M-event Parquet run).
pub type IdMap = HashMap<String, String, foldhash::fast::RandomState>;
pub type IdSet = HashSet<String, foldhash::fast::RandomState>;

#[derive(Debug, Default)]
pub struct SystemUsers {
    /// Dataverse systemuser id → Entra object id, both normalised (shared with the activity
    /// pass as it is).
    pub to_entra: Arc<IdMap>,
    pub bots: Arc<IdSet>,
    /// Entra object id → the access mode of each of its systemuser rows (one per
    /// environment); `None` for a rejected or empty `accessmode`, which keeps the user from
    /// being judged as needing no licence. Only filled when the export has the column.
    pub access_modes: HashMap<String, Vec<Option<AccessMode>>, foldhash::fast::RandomState>,
    pub rows: std::collections::BTreeMap<usize, u64>,
}

pub fn read(sources: &[&Source], rejected: &mut Vec<Rejected>) -> Result<SystemUsers> {
    let mut out = SystemUsers::default();
    let mut to_entra = IdMap::default();
    let mut bots = IdSet::default();
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
        let c_mode = t.col(&["accessmode"]);
        to_entra.reserve(t.rows.len());
        if c_mode.is_some() {
            out.access_modes.reserve(t.rows.len());
        }
        let mut n = 0;
        for row in &t.rows {
            let get = |c: usize| row.record.get(c).unwrap_or("").trim();
            let id = normalise_id(get(c_id));
            if id.is_empty() {
                rejected.push(t.reject(row.line, Some(c_id), "systemuserid is empty"));
                continue;
            }
            if let Some(c) = c_mode {
                let text = get(c);
                let mode = AccessMode::parse(text);
                let aad = normalise_id(get(c_aad));
                if !aad.is_empty() {
                    out.access_modes.entry(aad).or_default().push(mode);
                }
                if mode.is_none() && !text.is_empty() {
                    rejected.push(t.reject(
                        row.line,
                        Some(c),
                        format!(
                            "\"{text}\" is not an access mode (0 to 5, or Read-Write, \
                             Administrative, Read, Support User, Non-interactive, Delegated Admin)"
                        ),
                    ));
                    continue;
                }
            }
            n += 1;
            if c_bot.is_some_and(|c| !get(c).is_empty()) {
                bots.insert(id.clone());
            }
            let aad = normalise_id(get(c_aad));
            if !aad.is_empty() {
                to_entra.insert(id, aad);
            }
        }
        out.rows.insert(src.index, n);
    }
    out.to_entra = Arc::new(to_entra);
    out.bots = Arc::new(bots);
    Ok(out)
}

/// Puts each licensed user's systemuser access modes on the user (by normalised Entra id).
pub fn attach_access_modes(users: &mut [User], system_users: &SystemUsers) {
    if system_users.access_modes.is_empty() {
        return;
    }
    for u in users {
        if let Some(modes) = system_users.access_modes.get(&normalise_id(&u.id)) {
            u.access_modes = modes.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::decode;
    use std::io::Write;

    fn read_text(text: &str) -> (SystemUsers, Vec<Rejected>) {
        let dir = tempfile::tempdir().expect("temp");
        let path = dir.path().join("systemuser.csv");
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .expect("write");
        let dec = decode::open(&path, None).expect("decode");
        let src = Source {
            index: 0,
            kind: super::super::Kind::SystemUsers,
            name: "systemuser.csv".into(),
            path,
            columns: dec.header.clone(),
            decoded: Some(dec),
        };
        let mut rejected = Vec::new();
        let out = read(&[&src], &mut rejected).expect("read");
        (out, rejected)
    }

    #[test]
    fn access_modes_are_read_per_entra_id_and_bad_ones_rejected() {
        let (su, rejected) = read_text(
            "systemuserid,azureactivedirectoryobjectid,accessmode\n\
             s1,{AAA-1},1\n\
             s2,aaa-1,Non-interactive\n\
             s3,bbb-2,0\n\
             s4,ccc-3,Gold\n\
             s5,ddd-4,\n",
        );
        let cases = [
            (
                "two environments",
                "aaa-1",
                Some(vec![
                    Some(AccessMode::Administrative),
                    Some(AccessMode::NonInteractive),
                ]),
            ),
            (
                "read-write",
                "bbb-2",
                Some(vec![Some(AccessMode::ReadWrite)]),
            ),
            (
                "rejected value counts as unknown",
                "ccc-3",
                Some(vec![None]),
            ),
            ("empty value is unknown", "ddd-4", Some(vec![None])),
            ("not in the export", "zzz", None),
        ];
        for (name, id, want) in cases {
            assert_eq!(su.access_modes.get(id).cloned(), want, "{name}");
        }
        assert_eq!(rejected.len(), 1, "{rejected:?}");
        let r = rejected[0].to_string();
        assert!(
            r.starts_with("systemuser.csv:5: accessmode: \"Gold\" is not an access mode"),
            "{r}"
        );
        assert_eq!(
            su.rows.get(&0),
            Some(&4),
            "the rejected row is not counted as read"
        );
    }

    #[test]
    fn without_the_column_no_modes() {
        let (su, rejected) = read_text("systemuserid,azureactivedirectoryobjectid\ns1,a\n");
        assert!(su.access_modes.is_empty());
        assert!(rejected.is_empty());
        assert_eq!(su.to_entra.get("s1").map(String::as_str), Some("a"));
    }
}
