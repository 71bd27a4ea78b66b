//! Microsoft's own exports, unedited: a tenant made of the admin-center users export, the Entra
//! sign-in log, the Dataverse audit, Omnichannel conversations, systemuser and subscribedSkus
//! analyses to the same classes as the same tenant in canonical form.

mod common;

use std::path::Path;

use common::{classes, read_csv, rightsize};

fn generate(out: &Path, format: &str) {
    rightsize()
        .args([
            "generate", "--users", "120", "--days", "35", "--seed", "7", "--format", format,
            "--out",
        ])
        .arg(out)
        .assert()
        .success();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/prices.toml");
    std::fs::copy(sample, out.join("prices.toml")).expect("prices");
    std::fs::write(
        out.join("policy.toml"),
        "lookback_days = 34\naudit_own_record = \"creator\"\n[exclude]\npatterns = [\"svc-*@contoso.com\"]\n",
    )
    .expect("policy");
}

#[test]
fn microsoft_exports_give_the_same_classes_as_canonical_inputs() {
    let tmp = tempfile::tempdir().expect("temp");
    let (can, ms) = (tmp.path().join("canonical"), tmp.path().join("microsoft"));
    generate(&can, "canonical");
    generate(&ms, "microsoft");
    for f in [
        "users.csv",
        "InteractiveSignIns_2026.csv",
        "audits.csv",
        "msdyn_ocliveworkitems.csv",
        "systemusers.csv",
        "subscribedSkus.csv",
        "directorySubscriptions.csv",
    ] {
        assert!(ms.join(f).exists(), "{f} generated");
    }
    assert!(
        !ms.join("activity.csv").exists(),
        "no canonical file in the Microsoft folder"
    );
    let (a, b) = (tmp.path().join("r-can"), tmp.path().join("r-ms"));
    rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&a)
        .arg(&can)
        .assert()
        .success();
    rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&b)
        .arg(&ms)
        .assert()
        .success();
    let (x, y) = (classes(&a), classes(&b));
    assert_eq!(x.len(), y.len(), "same licensed users");
    let mut seen = std::collections::BTreeSet::new();
    for (id, (class, flags)) in &x {
        let (class_ms, flags_ms) = y
            .get(id)
            .unwrap_or_else(|| panic!("{id} missing from the Microsoft run"));
        seen.insert(class.clone());
        assert_eq!(class, class_ms, "{id}: class");
        // Only what the Microsoft exports cannot carry may differ: Copilot use (no export has
        // it, so Premium looks unused) and group assignment (not in the admin-center export).
        let strip = |f: &str| -> Vec<String> {
            f.split(' ')
                .filter(|t| !t.is_empty() && *t != "premium-unused" && *t != "group-assigned")
                .map(str::to_string)
                .collect()
        };
        assert_eq!(strip(flags), strip(flags_ms), "{id}: flags");
    }
    assert_eq!(seen.len(), 7, "every class occurs: {seen:?}");
    assert!(
        x.values().any(|(_, f)| f.split(' ').any(|t| t == "trial")),
        "the trial subscription gives trial users in both runs"
    );
    let trials = std::fs::read_to_string(b.join("trials.csv")).expect("trials.csv");
    assert!(
        trials.lines().skip(1).all(|l| l.contains(",2026-11-20,")),
        "the trial's end comes from directorySubscriptions.csv: {trials}"
    );
    // the bot's conversations and the failed / non-Dynamics sign-ins are not activity
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(b.join("report.json")).expect("json"))
            .expect("parse");
    let sources = report["data_quality"]["sources"]
        .as_array()
        .expect("sources");
    assert_eq!(sources.len(), 3, "sign-ins, audit, conversations");
    assert_eq!(
        report["data_quality"]["unknown_skus"],
        serde_json::json!({})
    );
}

#[test]
fn validate_reports_each_microsoft_export_and_trusts_them() {
    let tmp = tempfile::tempdir().expect("temp");
    let ms = tmp.path().join("microsoft");
    generate(&ms, "microsoft");
    let out = rightsize()
        .args(["validate", "--quiet"])
        .arg(&ms)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for (file, kind) in [
        ("users.csv", "admin-center-users"),
        ("InteractiveSignIns_2026.csv", "sign-ins"),
        ("audits.csv", "audit"),
        ("msdyn_ocliveworkitems.csv", "conversations"),
        ("systemusers.csv", "users"),
        ("subscribedSkus.csv", "subscriptions"),
        ("directorySubscriptions.csv", "subscriptions"),
    ] {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(file))
            .unwrap_or_else(|| panic!("{file} listed: {stdout}"));
        assert!(line.contains(kind), "{file} is {kind}: {line}");
    }
    assert!(
        stdout.contains("not activity"),
        "skipped sign-ins and conversations are counted: {stdout}"
    );
    assert!(
        stdout.contains("ok: the analysis can be trusted"),
        "{stdout}"
    );
}

#[test]
fn audit_without_systemuser_export_stops_with_guidance() {
    let tmp = tempfile::tempdir().expect("temp");
    let ms = tmp.path().join("microsoft");
    generate(&ms, "microsoft");
    std::fs::remove_file(ms.join("systemusers.csv")).expect("remove");
    // Without the mapping the audit's ids match nobody while the sign-ins match everyone: using
    // it would make every active user a Team Member. It stops and says what to add.
    let report = tmp.path().join("r");
    let out = rightsize()
        .args(["analyze", "--quiet", "--out"])
        .arg(&report)
        .arg(&ms)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("audits.csv: only 0 of its"), "{stderr}");
    assert!(stderr.contains("systemuser export"), "{stderr}");
    assert!(!report.exists(), "no report");
}

#[test]
fn graph_licence_export_with_group_assignment() {
    let tmp = tempfile::tempdir().expect("temp");
    let dir = tmp.path().join("in");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::write(
        dir.join("licenseDetails.csv"),
        "userPrincipalName,userId,skuId,skuPartNumber,assignedByGroup\n\
         anna@contoso.com,11111111-1111-4111-8111-111111111111,749742bf-0d37-4158-a120-33567104deeb,DYN365_ENTERPRISE_CUSTOMER_SERVICE,22222222-2222-4222-8222-222222222222\n\
         ben@contoso.com,33333333-3333-4333-8333-333333333333,749742bf-0d37-4158-a120-33567104deeb,DYN365_ENTERPRISE_CUSTOMER_SERVICE,\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("activity.csv"),
        "user_id,timestamp,operation,table\nanna@contoso.com,2026-10-01T09:00:00Z,read,incident\nben@contoso.com,2026-10-02T09:00:00Z,read,incident\n",
    )
    .expect("write");
    let out = tmp.path().join("r");
    rightsize()
        .args(["analyze", "--quiet", "--as-of", "2026-10-02", "--out"])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let rows = read_csv(&out.join("recommendations.csv"));
    let anna = rows
        .iter()
        .find(|r| r["upn"] == "anna@contoso.com")
        .expect("anna");
    assert_eq!(anna["class"], "team-member");
    assert!(anna["flags"].contains("group-assigned"), "{anna:?}");
    assert!(
        anna["reasons"].contains("assigned by group 22222222-2222-4222-8222-222222222222"),
        "{}",
        anna["reasons"]
    );
    let ben = rows
        .iter()
        .find(|r| r["upn"] == "ben@contoso.com")
        .expect("ben");
    assert!(!ben["flags"].contains("group-assigned"));
}

#[test]
fn powershell_export_csv_type_line_is_skipped() {
    // Windows PowerShell 5.1's Export-Csv writes a `#TYPE` line before the (quoted) header.
    let tmp = tempfile::tempdir().expect("temp");
    let dir = tmp.path().join("in");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::write(
        dir.join("licenseDetails.csv"),
        "#TYPE Selected.System.Management.Automation.PSCustomObject\r\n\
         \"userPrincipalName\",\"userId\",\"skuId\",\"skuPartNumber\"\r\n\
         \"anna@contoso.com\",\"11111111-1111-4111-8111-111111111111\",\"749742bf-0d37-4158-a120-33567104deeb\",\"DYN365_ENTERPRISE_CUSTOMER_SERVICE\"\r\n\
         \"ben@contoso.com\",\"33333333-3333-4333-8333-333333333333\",\"749742bf-0d37-4158-a120-33567104deeb\",\"DYN365_ENTERPRISE_CUSTOMER_SERVICE\"\r\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("activity.csv"),
        "#TYPE Selected.System.Management.Automation.PSCustomObject\n\
         user_id,timestamp,operation,table\nanna@contoso.com,2026-10-01T09:00:00Z,read,incident\nben@contoso.com,2026-10-02T09:00:00Z,read,incident\n",
    )
    .expect("write");
    let out = tmp.path().join("r");
    rightsize()
        .args(["analyze", "--quiet", "--as-of", "2026-10-02", "--out"])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let rows = read_csv(&out.join("recommendations.csv"));
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r["class"] == "team-member"), "{rows:?}");
    assert!(read_csv(&out.join("rejected.csv")).is_empty());
    let run = rightsize()
        .args(["validate", "--quiet", "--as-of", "2026-10-02"])
        .arg(&dir)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let listed = stdout
        .lines()
        .filter(|l| l.contains("PowerShell #TYPE line skipped"))
        .count();
    assert_eq!(listed, 2, "{stdout}");
}

#[test]
fn one_person_in_two_assignment_exports_is_one_user() {
    // The admin center writes the object id bare and lower-case; a Graph export (or a
    // hand-made canonical file) may write it in braces and capitals, or give only the UPN.
    let tmp = tempfile::tempdir().expect("temp");
    let dir = tmp.path().join("in");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::write(
        dir.join("users.csv"),
        "Display name,User principal name,Object Id,Licenses,Block credential\n\
         Anna,anna@contoso.com,11111111-1111-4111-8111-11111111aaaa,Dynamics 365 Customer Service Enterprise,False\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("licenseDetails.csv"),
        "userPrincipalName,userId,skuId,skuPartNumber\n\
         ANNA@contoso.com,{11111111-1111-4111-8111-11111111AAAA},749742bf-0d37-4158-a120-33567104deeb,DYN365_ENTERPRISE_CUSTOMER_SERVICE\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("canonical.csv"),
        "upn,sku\nAnna@Contoso.com,DYN365_ENTERPRISE_CUSTOMER_SERVICE\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("activity.csv"),
        "user_id,timestamp,operation,table\n{11111111-1111-4111-8111-11111111AAAA},2026-10-01T09:00:00Z,read,incident\n",
    )
    .expect("write");
    let out = tmp.path().join("r");
    rightsize()
        .args(["analyze", "--quiet", "--as-of", "2026-10-02", "--out"])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let rows = read_csv(&out.join("recommendations.csv"));
    assert_eq!(rows.len(), 1, "one user, not three: {rows:?}");
    assert_eq!(rows[0]["user_id"], "11111111-1111-4111-8111-11111111aaaa");
    assert_eq!(
        rows[0]["current_skus"],
        "DYN365_ENTERPRISE_CUSTOMER_SERVICE"
    );
    assert_eq!(rows[0]["class"], "team-member", "{}", rows[0]["reasons"]);
}
