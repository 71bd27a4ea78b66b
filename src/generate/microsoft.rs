//! The synthetic tenant as Microsoft's own exports, with their real headers and quirks (facts
//! file, section 2): the admin-center "Active users" CSV (licences as `+`-joined display
//! names), the 56-column Entra sign-in log (BOM, trailing and double spaces, a duplicated
//! column, failed and non-Dynamics sign-ins), the Dataverse audit table (operation and action
//! codes, Dataverse user ids), Omnichannel conversations (channel codes, a bot, unassigned
//! rows), the systemuser table that maps the ids, and Graph `subscribedSkus` flattened.
//! Its own random stream (seeded apart) leaves the canonical files unchanged.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::NaiveDate;

use super::{Event, GenUser, Rng, catalogue, create, dataverse_guid as guid, purchased};

const DYNAMICS_APP: &str = "00000007-0000-0000-c000-000000000000";
const OUTLOOK_APP: &str = "00000002-0000-0ff1-ce00-000000000000";

const ADMIN_HEADER: &str = "Display name,DirSyncEnabled,User principal name,Object Id,First name,Last name,When created,Soft deletion time stamp,Title,Department,Preferred data location,City,CountryOrRegion,Office,StateOrProvince,Usage location,Last dirsync time,Block credential,Licenses,Password never expires,Last password change time stamp,Mobile Phone,Phone number,Postal code,Preferred language,Street address,Fax,Proxy addresses";

const SIGNIN_HEADER: &str = "Date (UTC),Request ID,User agent,Correlation ID,User ID,User,Username,User type,Cross tenant access type,Incoming token type,Authentication Protocol,Unique token identifier,Original transfer method,Client credential type,Token Protection - Sign In Session,Token Protection - Sign In Session StatusCode,Application,Application ID ,App owner tenant ID,Resource,Resource ID ,Resource tenant ID,Resource owner tenant ID,Home tenant ID,Home tenant name,IP address,Location,Status,Sign-in error code,Failure reason,Client app,Device ID,Browser,Operating System,Compliant,Managed,Join Type,Multifactor authentication result,Multifactor authentication auth method,Multifactor authentication auth detail,Authentication requirement,Sign-in identifier,Session ID,IP address (seen by resource),Through Global Secure Access,Global Secure Access IP address,Autonomous system  number,Flagged for review,Token issuer type,Incoming token type,Token issuer name,Latency,Conditional Access,Managed Identity type,Associated Resource Id,Federated Token Id,Federated Token Issuer";

/// The display name the admin center shows for a SKU (the price book's first name).
fn display_name(sku: &str) -> &'static str {
    catalogue()
        .book
        .get(sku)
        .and_then(|s| s.names.first())
        .map_or("Microsoft 365 E3", String::as_str)
}

/// The SKU's GUID; Premium has no published one (the export would carry the tenant's own).
fn sku_guid(sku: &str) -> &'static str {
    catalogue()
        .book
        .get(sku)
        .and_then(|s| s.guid.as_deref())
        .unwrap_or("")
}

struct Person {
    dataverse_id: String,
    upn: String,
    device: String,
    last_signin: Option<NaiveDate>,
    last_access: Option<NaiveDate>,
}

pub(super) struct Microsoft {
    out: PathBuf,
    rng: Rng,
    admin: BufWriter<File>,
    signins: BufWriter<File>,
    audit: BufWriter<File>,
    conversations: BufWriter<File>,
    systemusers: BufWriter<File>,
    people: BTreeMap<String, Person>,
}

impl Microsoft {
    pub fn new(out: &Path, seed: u64) -> Result<Microsoft> {
        let mut admin = create(out, "users.csv")?;
        let mut signins = create(out, "InteractiveSignIns_2026.csv")?;
        let mut audit = create(out, "audits.csv")?;
        let mut conversations = create(out, "msdyn_ocliveworkitems.csv")?;
        let mut systemusers = create(out, "systemusers.csv")?;
        // The portal's downloads start with a UTF-8 byte-order mark.
        admin.write_all(b"\xEF\xBB\xBF")?;
        signins.write_all(b"\xEF\xBB\xBF")?;
        writeln!(admin, "{ADMIN_HEADER}")?;
        writeln!(signins, "{SIGNIN_HEADER}")?;
        writeln!(
            audit,
            "auditid,createdon,operation,action,objecttypecode,_userid_value,_objectid_value,_callinguserid_value,attributemask,transactionid"
        )?;
        writeln!(
            conversations,
            "activityid,msdyn_channel,_msdyn_activeagentid_value,msdyn_createdon,msdyn_startedon,msdyn_closedon,msdyn_isoutbound,statecode,statuscode,msdyn_isagentaccepted,msdyn_isabandoned"
        )?;
        writeln!(
            systemusers,
            "systemuserid,azureactivedirectoryobjectid,domainname,fullname,isdisabled,accessmode,msdyn_botapplicationid"
        )?;
        Ok(Microsoft {
            out: out.to_path_buf(),
            rng: Rng(seed ^ 0x6D69_6372_6F73_6F66),
            admin,
            signins,
            audit,
            conversations,
            systemusers,
            people: BTreeMap::new(),
        })
    }

    pub fn user(&mut self, u: &GenUser) -> Result<()> {
        let mut licences: Vec<&str> = u.skus.iter().map(|s| display_name(s)).collect();
        if u.index.is_multiple_of(3) {
            licences.insert(0, "Enterprise Mobility + Security E5");
        }
        licences.push("Microsoft 365 E3");
        let dataverse_id = guid(&mut self.rng);
        writeln!(
            self.admin,
            "{} {},False,{},{},{},{},{} 09:{:02}:00Z,,Agent,{},EUR,,DE,,,DE,,{},{},False,,,,,en-US,,,SMTP:{}",
            u.first,
            u.last,
            u.upn,
            u.id,
            u.first,
            u.last,
            u.created,
            u.index % 60,
            u.dept,
            if u.enabled { "False" } else { "True" },
            licences.join("+"),
            u.upn
        )?;
        writeln!(
            self.systemusers,
            "{dataverse_id},{},{},{} {},{},{},",
            u.id,
            u.upn,
            u.first,
            u.last,
            if u.enabled { "false" } else { "true" },
            u.access_mode,
        )?;
        self.people.insert(
            u.id.to_string(),
            Person {
                dataverse_id,
                upn: u.upn.to_string(),
                device: u
                    .kiosk
                    .map_or_else(|| format!("pc-{:05}", u.index), str::to_string),
                last_signin: None,
                last_access: None,
            },
        );
        Ok(())
    }

    pub fn event(&mut self, e: &Event) -> Result<()> {
        let ts = e.timestamp();
        let Some(p) = self.people.get_mut(e.user) else {
            return Ok(());
        };
        if p.last_signin != Some(e.day) {
            p.last_signin = Some(e.day);
            let (h, m, _) = e.time;
            let before = format!("{}T{h:02}:{:02}:00Z", e.day, m.saturating_sub(1));
            if self.rng.chance(100) {
                signin(
                    &mut self.signins,
                    &before,
                    e.user,
                    &p.upn,
                    DYNAMICS_APP,
                    "Failure",
                    &p.device,
                    &mut self.rng,
                )?;
            }
            if self.rng.chance(200) {
                signin(
                    &mut self.signins,
                    &before,
                    e.user,
                    &p.upn,
                    OUTLOOK_APP,
                    "Success",
                    &p.device,
                    &mut self.rng,
                )?;
            }
            signin(
                &mut self.signins,
                &ts,
                e.user,
                &p.upn,
                DYNAMICS_APP,
                "Success",
                &p.device,
                &mut self.rng,
            )?;
        }
        let dv = p.dataverse_id.clone();
        match e.op {
            "read" => {
                // user access is logged at most once per interval; once a day here
                if p.last_access != Some(e.day) {
                    p.last_access = Some(e.day);
                    let id = guid(&mut self.rng);
                    writeln!(self.audit, "{id},{ts},4,64,systemuser,{dv},{dv},,,")?;
                }
            }
            // A conversation is recorded as the Omnichannel conversation below, not as a CRM
            // write: an event with a channel is conversation work (spec section 3).
            _ if !e.channel.is_empty() => {}
            op => {
                let code = match op {
                    "create" => 1,
                    "delete" => 3,
                    _ => 2,
                };
                let (id, obj, tx) = (
                    guid(&mut self.rng),
                    guid(&mut self.rng),
                    guid(&mut self.rng),
                );
                writeln!(
                    self.audit,
                    "{id},{ts},{code},{code},{},{dv},{obj},,\"1,2,3\",{tx}",
                    e.table
                )?;
            }
        }
        if !e.channel.is_empty() {
            let code = if e.channel == "voice" {
                192_440_000
            } else {
                192_360_000
            };
            let id = guid(&mut self.rng);
            writeln!(
                self.conversations,
                "{id},{code},{dv},{ts},{ts},{ts},false,1,4,true,false"
            )?;
        }
        Ok(())
    }

    pub fn finish(
        mut self,
        held: &BTreeMap<&str, u64>,
        start: NaiveDate,
        as_of: NaiveDate,
    ) -> Result<()> {
        // A bot agent and the conversations it contained (no agent accepted them), and calls
        // nobody picked up (abandoned).
        let bot = guid(&mut self.rng);
        writeln!(
            self.systemusers,
            "{bot},,bot@contoso.com,Virtual agent,false,4,{}",
            guid(&mut self.rng)
        )?;
        for k in 0..5 {
            let id = guid(&mut self.rng);
            writeln!(
                self.conversations,
                "{id},192360000,{bot},{start}T0{k}:00:00Z,{start}T0{k}:00:00Z,,false,1,4,false,false"
            )?;
        }
        for _ in 0..3 {
            let id = guid(&mut self.rng);
            writeln!(
                self.conversations,
                "{id},192440000,,{start}T10:00:00Z,,,false,1,4,false,true"
            )?;
        }
        for w in [
            &mut self.admin,
            &mut self.signins,
            &mut self.audit,
            &mut self.conversations,
            &mut self.systemusers,
        ] {
            w.flush()?;
        }
        let mut subs = create(&self.out, "subscribedSkus.csv")?;
        writeln!(
            subs,
            "accountName,appliesTo,capabilityStatus,consumedUnits,skuId,skuPartNumber,prepaidUnits.enabled,prepaidUnits.suspended,prepaidUnits.warning,prepaidUnits.lockedOut"
        )?;
        // The trial is listed by the directory's subscriptions, which say when it ends.
        let trial = catalogue().trial.as_str();
        for (sku, n) in held.iter().filter(|(s, _)| **s != trial) {
            writeln!(
                subs,
                "Contoso,User,Enabled,{n},{},{sku},{},0,0,0",
                sku_guid(sku),
                purchased(sku, *n)
            )?;
        }
        writeln!(
            subs,
            "Contoso,User,Enabled,180,05e9a617-0261-4cee-bb44-138d3ef5d965,SPE_E3,200,0,0,0"
        )?;
        subs.flush()?;
        super::write_trial_subscription(
            &self.out,
            "directorySubscriptions.csv",
            held,
            start,
            as_of,
            &mut self.rng,
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn signin(
    w: &mut impl Write,
    ts: &str,
    id: &str,
    upn: &str,
    app: &str,
    status: &str,
    device: &str,
    rng: &mut Rng,
) -> Result<()> {
    let (req, corr) = (guid(rng), guid(rng));
    let (app_name, error) = match (app, status) {
        (DYNAMICS_APP, "Success") => ("Dynamics CRM", "0"),
        (DYNAMICS_APP, _) => ("Dynamics CRM", "50126"),
        _ => ("Office 365 Exchange Online", "0"),
    };
    let failure = if status == "Success" {
        ""
    } else {
        "Error validating credentials due to invalid username or password."
    };
    writeln!(
        w,
        "{ts},{req},Mozilla/5.0,{corr},{id},\"{upn}\",{upn},Member,none,none,none,,,none,,,{app_name},{app} ,,{app_name},{app},,,,Contoso,203.0.113.7,\"Berlin, Berlin, DE\",{status},{error},{failure},Browser,{device},Edge 140,Windows10,True,True,Microsoft Entra joined,,,,singleFactorAuthentication,{upn},{corr},,No,,8075,No,AzureAD,none,,120,Not Applied,,,,"
    )?;
    Ok(())
}
