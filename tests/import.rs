//! `ward import` against sources made by the real tools: a pass store made
//! by `pass` with a gpg key generated here, a passage folder made with the
//! `age` CLI, `.env` files with every quoting case, ward's own JSON export,
//! and the CSV/JSON exports of KeePassXC, Bitwarden and 1Password written
//! from their documented formats. Each value, field and folder is compared
//! byte for byte with what the source tool prints, the imported files open
//! with `age -d`, and a re-run changes nothing.

mod common;

use common::{files_under, require, run_detached, stderr, stdout, Ward};
use std::path::{Path, PathBuf};
use std::process::Command;
use ward::error::exit;

const OTP: &str = "otpauth://totp/GitHub:ann?secret=JBSWY3DPEHPK3PXP&issuer=GitHub";

/// Every secret file of the store with its bytes (to show a re-run wrote
/// nothing; the audit log may grow: a re-run decrypts to compare).
fn snapshot(w: &Ward) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = files_under(&w.store())
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "age"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

fn field(w: &Ward, name: &str, f: &str) -> String {
    stdout(&w.ok(&["get", name, "--field", f], None))
        .trim_end_matches('\n')
        .to_string()
}

/// `age -d` of a secret's file with the world's identity: its document.
fn age_decrypt(w: &Ward, name: &str) -> serde_json::Value {
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(w.identity())
        .arg(w.file(name))
        .output()
        .unwrap();
    assert!(out.status.success(), "age -d: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The import records of the audit log: (path, reason).
fn import_records(w: &Ward) -> Vec<(String, String)> {
    let audit: Vec<serde_json::Value> =
        serde_json::from_str(&stdout(&w.ok(&["audit", "--json"], None))).unwrap();
    audit
        .iter()
        .filter(|r| r["action"] == "import")
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                r["reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Runs the import twice: the second run must change no file and say so.
fn import_twice(w: &Ward, args: &[&str], env: &[(&str, &Path)]) -> String {
    let run = |args: &[&str]| {
        let mut c = w.cmd(args);
        for (k, v) in env {
            c.env(k, v);
        }
        run_detached(c, None)
    };
    let first = run(args);
    assert_eq!(first.status.code(), Some(exit::OK), "{}", stderr(&first));
    let before = snapshot(w);
    let again = run(args);
    assert_eq!(again.status.code(), Some(exit::OK), "{}", stderr(&again));
    assert!(
        stderr(&again).starts_with("0 imported, 0 rotated"),
        "{}",
        stderr(&again)
    );
    assert_eq!(before, snapshot(w), "a re-run changed a secret");
    stderr(&first)
}

/// Writes `text` as `file_name` in a folder of its own and imports it twice
/// (`ward import [FORMAT] FILE EXTRA…`, see [`import_twice`]).
fn import_fixture(w: &Ward, file_name: &str, text: &str, format: Option<&str>, extra: &[&str]) {
    let src = tempfile::tempdir().unwrap();
    let file = src.path().join(file_name);
    std::fs::write(&file, text).unwrap();
    let mut args = vec!["import"];
    args.extend(format);
    args.push(file.to_str().unwrap());
    args.extend_from_slice(extra);
    import_twice(w, &args, &[]);
}

// ---- dotenv ----------------------------------------------------------------

const DOTENV: &str = "# every quoting case\n\
PLAIN=plain-value\n\
export EXPORTED=from-export\n\
SPACED = spaced value   # a comment\n\
SINGLE='literal $HOME \\n \"double\"'\n\
DOUBLE=\"tab\\tnewline\\nquote\\\" dollar\\$ backslash\\\\\"\n\
MULTI=\"-----BEGIN KEY-----\nline two\n-----END KEY-----\"\n\
HASH=abc#def\n\
UNICODE=clé→✓🔑\n";

#[test]
fn dotenv_every_quoting_case_arrives_exact_and_a_rerun_changes_nothing() {
    let w = Ward::init();
    let src = tempfile::tempdir().unwrap();
    let file = src.path().join(".env");
    std::fs::write(&file, DOTENV).unwrap();
    let file = file.to_str().unwrap();
    let summary = import_twice(&w, &["import", file, "--prefix", "app"], &[]);
    assert!(summary.starts_with("8 imported"), "{summary}");
    for (name, value) in [
        ("PLAIN", "plain-value"),
        ("EXPORTED", "from-export"),
        ("SPACED", "spaced value"),
        ("SINGLE", "literal $HOME \\n \"double\""),
        ("DOUBLE", "tab\tnewline\nquote\" dollar$ backslash\\"),
        ("MULTI", "-----BEGIN KEY-----\nline two\n-----END KEY-----"),
        ("HASH", "abc#def"),
        ("UNICODE", "clé→✓🔑"),
    ] {
        assert_eq!(
            String::from_utf8(w.get(&format!("app/{name}"))).unwrap(),
            value,
            "{name}"
        );
    }
    if require("age") {
        assert_eq!(
            age_decrypt(&w, "app/MULTI")["value"],
            "-----BEGIN KEY-----\nline two\n-----END KEY-----"
        );
    }
    let records = import_records(&w);
    assert_eq!(records.len(), 8, "one record per secret: {records:?}");
    assert!(records.iter().all(|(_, r)| r == "from dotenv"));
    // What ward's own dotenv export writes reads back the same.
    let allow = "PLAIN,EXPORTED,SPACED,SINGLE,DOUBLE,MULTI,HASH,UNICODE";
    let out = w.ok(
        &["export", "app", "--format", "dotenv", "--allow", allow],
        None,
    );
    let again = src.path().join("again.env");
    std::fs::write(&again, &out.stdout).unwrap();
    let w2 = Ward::init();
    w2.ok(&["import", "dotenv", again.to_str().unwrap()], None);
    assert_eq!(w2.get("DOUBLE"), w.get("app/DOUBLE"));
    assert_eq!(w2.get("MULTI"), w.get("app/MULTI"));
}

// ---- json (ward export) ------------------------------------------------------

#[test]
fn json_export_round_trips_into_another_store() {
    let a = Ward::init();
    a.set(
        "acme/api/KEY",
        b"sk_live_1\n",
        &["--kind", "api-key", "--expires", "2031-01-31"],
    );
    a.set("acme/MULTI", b"one\ntwo\n\n", &[]);
    a.ok(
        &["set", "bin/BLOB", "--binary"],
        Some(&[0u8, 0xff, 0x10, b'\n']),
    );
    let src = tempfile::tempdir().unwrap();
    let file = src.path().join("export.json");
    let out = a.ok(&["export", "--all", "--format", "json"], None);
    std::fs::write(&file, &out.stdout).unwrap();
    let b = Ward::init();
    import_twice(&b, &["import", file.to_str().unwrap()], &[]);
    for name in ["acme/api/KEY", "acme/MULTI", "bin/BLOB"] {
        assert_eq!(a.get(name), b.get(name), "{name}");
    }
    assert_eq!(field(&b, "acme/api/KEY", "kind"), "api-key");
    assert_eq!(field(&b, "acme/api/KEY", "expires"), "2031-01-31");
}

/// Every field of the export comes back byte for byte: a second export
/// from the new store is the first one (but `updated`: the import is the
/// latest change there), and the documents agree field by field.
#[test]
fn json_export_round_trips_every_field_byte_exact() {
    let a = Ward::init();
    a.set(
        "acme/api/KEY",
        b"sk_live_1",
        &[
            "--kind",
            "api-key",
            "--expires",
            "2031-01-31",
            "--owner",
            "ann@acme.test",
            "--tag",
            "prod",
            "--tag",
            "billing",
            "--url",
            "https://dashboard.acme.test/k?a=1&b=%C3%A9é",
            "--note",
            "line one\nline \"two\"\ttab ✓",
            "--rotate-every",
            "90d",
            "--field-set",
            "login=ann",
            "--field-set",
            &format!("otp={OTP}"),
        ],
    );
    a.ok(
        &["edit", "acme/api/KEY", "--field-secret", "pin"],
        Some(b"0 1 2 3\n"),
    );
    // A rotation: `rotated` is then later than `created`.
    std::thread::sleep(std::time::Duration::from_millis(20));
    a.ok(&["rotate", "acme/api/KEY"], Some(b"sk_live_2"));
    a.set("plain", b"x\n", &[]);
    let export = |w: &Ward| -> serde_json::Value {
        let mut v: serde_json::Value =
            serde_json::from_slice(&w.ok(&["export", "--all", "--format", "json"], None).stdout)
                .unwrap();
        for (_, e) in v.as_object_mut().unwrap() {
            e.as_object_mut()
                .unwrap()
                .remove("updated")
                .expect("updated exported");
            e.as_object_mut().unwrap().remove("version");
        }
        v
    };
    let first = export(&a);
    let key = &first["acme/api/KEY"];
    for k in [
        "owner",
        "tags",
        "url",
        "notes",
        "rotate_every",
        "fields",
        "created",
        "rotated",
    ] {
        assert!(!key[k].is_null(), "{k} is exported: {key}");
    }
    assert_ne!(key["created"], key["rotated"]);
    let src = tempfile::tempdir().unwrap();
    let file = src.path().join("export.json");
    std::fs::write(
        &file,
        a.ok(&["export", "--all", "--format", "json"], None).stdout,
    )
    .unwrap();
    let b = Ward::init();
    import_twice(&b, &["import", "json", file.to_str().unwrap()], &[]);
    assert_eq!(export(&b), first);
    // The documents themselves, as `age -d` shows them.
    let (da, db) = (
        age_decrypt(&a, "acme/api/KEY"),
        age_decrypt(&b, "acme/api/KEY"),
    );
    for k in [
        "value",
        "encoding",
        "kind",
        "owner",
        "tags",
        "url",
        "notes",
        "created",
        "rotated",
        "expires",
        "rotate_every",
        "fields",
    ] {
        assert_eq!(da[k], db[k], "{k}");
    }
    assert_eq!(field(&b, "acme/api/KEY", "otp"), OTP);
    assert_eq!(field(&b, "acme/api/KEY", "pin"), "0 1 2 3");
}

// ---- pass (gpg) --------------------------------------------------------------

/// A GNUPGHOME with a key without passphrase for `email`; returns it.
fn gpg_home(dir: &Path, email: &str) -> PathBuf {
    let home = dir.join(format!("gnupg-{}", email.split('@').next().unwrap()));
    std::fs::create_dir_all(&home).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = Command::new("gpg")
        .env("GNUPGHOME", &home)
        .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
        .args(["--quick-gen-key", email, "default", "default", "never"])
        .output()
        .unwrap();
    assert!(out.status.success(), "gpg key: {}", stderr(&out));
    home
}

/// Stops the gpg-agent a test's GNUPGHOME started.
struct Agent(PathBuf);

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", &self.0)
            .args(["--kill", "gpg-agent"])
            .status();
    }
}

fn pass(home: &Path, store: &Path, args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
    let mut c = Command::new("pass");
    c.env("GNUPGHOME", home)
        .env("PASSWORD_STORE_DIR", store)
        .args(args);
    let out = run_detached(c, stdin);
    assert!(out.status.success(), "pass {args:?}: {}", stderr(&out));
    out.stdout
}

const GITHUB: &str = "hunter2 with spaces\nlogin: ann\nurl: https://github.com/login\n\
otpauth://totp/GitHub:ann?secret=JBSWY3DPEHPK3PXP&issuer=GitHub\nrecovery codes: a1 b2 c3\n\
The org owner is bob (ask him).\nsecond note line\n";

#[test]
fn a_pass_store_made_by_pass_arrives_exact_with_fields_folders_and_failures_named() {
    if !require("gpg") || !require("pass") {
        return;
    }
    let w = Ward::init();
    let src = tempfile::Builder::new().prefix("wi-").tempdir().unwrap();
    let home = gpg_home(src.path(), "tester@example.com");
    let _agent = Agent(home.clone());
    let store = src.path().join("password-store");
    pass(&home, &store, &["init", "tester@example.com"], None);
    pass(
        &home,
        &store,
        &["insert", "-m", "web/github"],
        Some(GITHUB.as_bytes()),
    );
    pass(
        &home,
        &store,
        &["insert", "-m", "simple"],
        Some(b"s3cret-simple\n"),
    );
    pass(
        &home,
        &store,
        &["insert", "-m", "Folder With Spaces/ключ"],
        Some("значение\n".as_bytes()),
    );
    // Binary content, as `pass insert` of a file stores it.
    let mut c = Command::new("gpg");
    c.env("GNUPGHOME", &home)
        .args(["--batch", "--yes", "-e", "-r", "tester@example.com", "-o"])
        .arg(store.join("blob.gpg"));
    assert!(run_detached(c, Some(&[0xde, 0xad, 0x00, 0xbe, 0xef]))
        .status
        .success());
    // A file for someone else's key: this user cannot decrypt it.
    let other = gpg_home(src.path(), "other@example.com");
    let _other_agent = Agent(other.clone());
    let public = Command::new("gpg")
        .env("GNUPGHOME", &other)
        .args(["--export", "other@example.com"])
        .output()
        .unwrap()
        .stdout;
    let mut c = Command::new("gpg");
    c.env("GNUPGHOME", &home).args(["--batch", "--import"]);
    assert!(run_detached(c, Some(&public)).status.success());
    let mut c = Command::new("gpg");
    c.env("GNUPGHOME", &home)
        .args([
            "--batch",
            "--yes",
            "--trust-model",
            "always",
            "-e",
            "-r",
            "other@example.com",
            "-o",
        ])
        .arg(store.join("not-mine.gpg"));
    assert!(run_detached(c, Some(b"for other\n")).status.success());

    let run = |args: &[&str]| {
        let mut c = w.cmd(args);
        c.env("GNUPGHOME", &home);
        run_detached(c, None)
    };
    let store_arg = store.to_str().unwrap();
    let dry = run(&["import", "pass", store_arg, "--prefix", "p", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(exit::FAILURE), "{}", stderr(&dry));
    assert!(stdout(&dry).contains("web/github"), "{}", stdout(&dry));
    assert!(!w.file("p/simple").exists(), "a dry run writes nothing");

    let out = run(&["import", "pass", store_arg, "--prefix", "p"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(exit::FAILURE), "incomplete: {err}");
    assert!(err.starts_with("4 imported"), "{err}");
    assert!(
        err.contains("failed not-mine: gpg cannot decrypt it"),
        "{err}"
    );

    // Byte for byte what `pass show` prints: the first line is the value.
    let shown = String::from_utf8(pass(&home, &store, &["show", "web/github"], None)).unwrap();
    assert_eq!(shown, GITHUB);
    let first = shown.lines().next().unwrap();
    assert_eq!(String::from_utf8(w.get("p/web/github")).unwrap(), first);
    assert_eq!(field(&w, "p/web/github", "login"), "ann");
    assert_eq!(field(&w, "p/web/github", "url"), "https://github.com/login");
    assert_eq!(field(&w, "p/web/github", "otp"), OTP);
    assert_eq!(field(&w, "p/web/github", "recovery codes"), "a1 b2 c3");
    assert_eq!(
        field(&w, "p/web/github", "notes"),
        "The org owner is bob (ask him).\nsecond note line"
    );
    let doc = w.doc("p/web/github");
    assert_eq!(doc["fields"][1]["secret"], true, "the TOTP field is masked");
    assert_eq!(w.get("p/simple"), b"s3cret-simple");
    assert_eq!(w.get("p/Folder With Spaces/ключ"), "значение".as_bytes());
    assert_eq!(w.get("p/blob"), [0xde, 0xad, 0x00, 0xbe, 0xef]);
    if require("age") {
        assert_eq!(age_decrypt(&w, "p/simple")["value"], "s3cret-simple");
    }
    assert_eq!(import_records(&w).len(), 4);
    assert!(import_records(&w).iter().all(|(_, r)| r == "from pass"));
    // A re-run changes nothing (and still names the file it cannot read).
    let before = snapshot(&w);
    let again = run(&["import", "pass", store_arg, "--prefix", "p"]);
    assert!(
        stderr(&again).starts_with("0 imported, 0 rotated, 4 skipped"),
        "{}",
        stderr(&again)
    );
    assert_eq!(before, snapshot(&w));
    w.assert_no_plaintext(&[
        b"hunter2 with spaces",
        b"s3cret-simple",
        b"JBSWY3DPEHPK3PXP",
    ]);
}

// ---- passage (age) -----------------------------------------------------------

#[test]
fn a_passage_folder_made_with_the_age_cli_arrives_exact() {
    if !require("age") || !require("age-keygen") {
        return;
    }
    let w = Ward::init();
    let src = tempfile::tempdir().unwrap();
    let identities = src.path().join("identities");
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(&identities)
        .output()
        .unwrap();
    assert!(out.status.success());
    let public = stderr(&out)
        .trim()
        .trim_start_matches("Public key: ")
        .to_string();
    let store = src.path().join("passage");
    std::fs::create_dir_all(store.join("infra/aws")).unwrap();
    std::fs::write(store.join(".age-recipients"), format!("{public}\n")).unwrap();
    for (name, text) in [
        ("infra/aws/root", "AKIA-secret\nuser: admin\n"),
        ("mail", "m41l-pw\n"),
    ] {
        let mut c = Command::new("age");
        c.args(["-r", &public, "-o"])
            .arg(store.join(format!("{name}.age")));
        assert!(run_detached(c, Some(text.as_bytes())).status.success());
    }
    let args = [
        "import",
        store.to_str().unwrap(),
        "--source-identity",
        identities.to_str().unwrap(),
    ];
    let summary = import_twice(&w, &args, &[]);
    assert!(summary.starts_with("2 imported"), "{summary}");
    assert_eq!(w.get("infra/aws/root"), b"AKIA-secret");
    assert_eq!(field(&w, "infra/aws/root", "login"), "admin");
    assert_eq!(w.get("mail"), b"m41l-pw");
    assert_eq!(age_decrypt(&w, "mail")["value"], "m41l-pw");
    assert!(import_records(&w).iter().all(|(_, r)| r == "from passage"));
}

// ---- KeePassXC, Bitwarden, 1Password -------------------------------------------

/// KeePassXC 2.7's CSV export (keepassxc-cli export --format csv).
const KEEPASSXC_CSV: &str = "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\",\"Icon\",\"Last Modified\",\"Created\"\n\
\"Root\",\"Top\",\"\",\"top-pw\",\"\",\"\",\"\",\"0\",\"2024-05-01T10:00:00Z\",\"2024-01-01T09:00:00Z\"\n\
\"Root/Work/Cloud\",\"AWS\",\"admin\",\"a,w\"\"s\",\"https://aws.amazon.com\",\"line 1\nline 2\",\"otpauth://totp/AWS:admin?secret=JBSWY3DPEHPK3PXP&period=30&digits=6&issuer=AWS\",\"0\",\"2024-06-01T10:00:00Z\",\"2023-02-03T04:05:06Z\"\n";

#[test]
fn keepassxc_csv_maps_groups_fields_and_dates() {
    let w = Ward::init();
    import_fixture(&w, "kp.csv", KEEPASSXC_CSV, None, &["--prefix", "kp"]);
    assert_eq!(w.get("kp/Top"), b"top-pw");
    assert_eq!(w.get("kp/Work/Cloud/AWS"), b"a,w\"s");
    assert_eq!(field(&w, "kp/Work/Cloud/AWS", "login"), "admin");
    assert_eq!(field(&w, "kp/Work/Cloud/AWS", "notes"), "line 1\nline 2");
    assert!(field(&w, "kp/Work/Cloud/AWS", "otp").starts_with("otpauth://totp/AWS:admin"));
    assert_eq!(
        field(&w, "kp/Work/Cloud/AWS", "created"),
        "2023-02-03T04:05:06Z"
    );
    assert_eq!(
        field(&w, "kp/Work/Cloud/AWS", "rotated"),
        "2024-06-01T10:00:00Z"
    );
    assert_eq!(field(&w, "kp/Work/Cloud/AWS", "kind"), "password");
}

/// Bitwarden's unencrypted JSON export, as documented
/// (bitwarden.com/help/condition-bitwarden-import).
const BITWARDEN: &str = r#"{
  "encrypted": false,
  "folders": [{"id": "f1", "name": "Work/Dev"}],
  "items": [
    {"id": "i1", "organizationId": null, "folderId": "f1", "type": 1, "reprompt": 0,
     "name": "GitHub", "notes": "org: acme", "favorite": false,
     "fields": [{"name": "PIN", "value": "4321", "type": 1, "linkedId": null},
                {"name": "team", "value": "core", "type": 0, "linkedId": null}],
     "login": {"uris": [{"match": null, "uri": "https://github.com"}, {"match": null, "uri": "https://gist.github.com"}],
               "username": "ann", "password": "bw-pass", "totp": "JBSWY3DPEHPK3PXP"},
     "collectionIds": null,
     "revisionDate": "2024-04-01T12:00:00.000Z", "creationDate": "2022-01-01T08:00:00.000Z", "deletedDate": null},
    {"id": "i2", "folderId": null, "type": 2, "name": "Wifi note", "notes": "SSID home, key in the drawer",
     "secureNote": {"type": 0}, "revisionDate": "2024-04-01T12:00:00.000Z", "creationDate": "2024-04-01T12:00:00.000Z"},
    {"id": "i3", "folderId": null, "type": 3, "name": "Visa", "notes": null,
     "card": {"cardholderName": "Ann", "brand": "Visa", "number": "4111111111111111", "expMonth": "1", "expYear": "2030", "code": "123"},
     "revisionDate": "2024-04-01T12:00:00.000Z", "creationDate": "2024-04-01T12:00:00.000Z"}
  ]
}"#;

#[test]
fn bitwarden_json_maps_folders_custom_fields_totp_and_item_types() {
    let w = Ward::init();
    import_fixture(
        &w,
        "bitwarden_export.json",
        BITWARDEN,
        None,
        &["--prefix", "bw"],
    );
    let gh = "bw/Work/Dev/GitHub";
    assert_eq!(w.get(gh), b"bw-pass");
    assert_eq!(field(&w, gh, "login"), "ann");
    assert_eq!(field(&w, gh, "url"), "https://github.com");
    assert_eq!(field(&w, gh, "uri 2"), "https://gist.github.com");
    assert_eq!(
        field(&w, gh, "otp"),
        "otpauth://totp/GitHub?secret=JBSWY3DPEHPK3PXP"
    );
    assert_eq!(field(&w, gh, "PIN"), "4321");
    assert_eq!(field(&w, gh, "team"), "core");
    assert_eq!(field(&w, gh, "created"), "2022-01-01T08:00:00Z");
    let doc = w.doc(gh);
    let pin = doc["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "PIN")
        .unwrap();
    assert_eq!(pin["secret"], true, "a hidden field is masked");
    assert_eq!(
        field(&w, "bw/Wifi note", "notes"),
        "SSID home, key in the drawer"
    );
    assert_eq!(w.get("bw/Visa"), b"4111111111111111");
    assert_eq!(field(&w, "bw/Visa", "code"), "123");
}

/// 1Password 8's CSV export.
const ONEPASSWORD: &str = "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n\
Stripe,https://dashboard.stripe.com,ops@acme.test,\"sk,\"\"live\",otpauth://totp/Stripe?secret=JBSWY3DPEHPK3PXP,false,false,\"billing,prod\",\"two\nlines\"\n";

#[test]
fn onepassword_csv_maps_columns_and_tags() {
    let w = Ward::init();
    import_fixture(&w, "1password.csv", ONEPASSWORD, Some("1password-csv"), &[]);
    assert_eq!(w.get("Stripe"), b"sk,\"live");
    assert_eq!(field(&w, "Stripe", "login"), "ops@acme.test");
    assert_eq!(field(&w, "Stripe", "tags"), "billing,prod");
    assert_eq!(field(&w, "Stripe", "notes"), "two\nlines");
    assert_eq!(
        field(&w, "Stripe", "otp"),
        "otpauth://totp/Stripe?secret=JBSWY3DPEHPK3PXP"
    );
}

// ---- git: one commit ---------------------------------------------------------

#[test]
fn in_a_git_store_the_whole_import_is_one_commit() {
    if !require("git") {
        return;
    }
    let w = Ward::new();
    w.ok(&["init", "--git"], None);
    let src = tempfile::tempdir().unwrap();
    let file = src.path().join("app.env");
    std::fs::write(&file, "A=1\nB=2\nC=3\n").unwrap();
    let count = || {
        stdout(&w.ok(&["git", "rev-list", "--count", "HEAD"], None))
            .trim()
            .parse::<u32>()
            .unwrap()
    };
    let before = count();
    w.ok(&["import", file.to_str().unwrap(), "--prefix", "app"], None);
    assert_eq!(count(), before + 1, "one commit for the import");
    let log = stdout(&w.ok(&["git", "log", "-1", "--format=%s", "--name-only"], None));
    assert!(log.starts_with("import 3 secrets from dotenv"), "{log}");
    for name in ["app/A.age", "app/B.age", "app/C.age"] {
        assert!(log.contains(name), "{log}");
    }
    let status = stdout(&w.ok(&["git", "status", "--porcelain"], None));
    assert!(status.trim().is_empty(), "everything committed: {status}");
    // A re-run commits nothing.
    w.ok(&["import", file.to_str().unwrap(), "--prefix", "app"], None);
    assert_eq!(count(), before + 1);
    w.ok(&["audit", "verify"], None);
}

// ---- KeePassXC: a database made by keepassxc-cli -------------------------------

/// Runs keepassxc-cli with `stdin` (passwords are read from it), offscreen.
fn kpcli(args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut c = Command::new("keepassxc-cli");
    c.env("QT_QPA_PLATFORM", "offscreen").args(args);
    let out = run_detached(c, Some(stdin));
    assert!(
        out.status.success(),
        "keepassxc-cli {args:?}: {}",
        stderr(&out)
    );
    out
}

const KP_PASSWORD: &str = "correct horse db";
const KP_ENTRY_PASSWORD: &str = "kp,\"entry\" pw with spaces";

/// A KDBX 4 database made by keepassxc-cli (the lowest KDF time it allows,
/// so tests stay quick), with `Work/Cloud/AWS` and `Top`; `keyfile` adds a
/// key file it generates.
fn keepassxc_db(dir: &Path, keyfile: Option<&Path>) -> PathBuf {
    let db = dir.join("db.kdbx");
    let pw = format!("{KP_PASSWORD}\n{KP_PASSWORD}\n");
    let mut create = vec!["db-create", "-p", "-t", "100"];
    let key_arg;
    if let Some(k) = keyfile {
        key_arg = k.to_str().unwrap().to_string();
        create.extend(["--set-key-file", &key_arg]);
    }
    let db_arg = db.to_str().unwrap().to_string();
    create.push(&db_arg);
    kpcli(&create, pw.as_bytes());
    let mut open: Vec<&str> = Vec::new();
    if let Some(k) = keyfile {
        open.extend(["-k", k.to_str().unwrap()]);
    }
    let unlock = format!("{KP_PASSWORD}\n");
    for group in ["Work", "Work/Cloud"] {
        let mut a = vec!["mkdir"];
        a.extend(&open);
        a.extend([db_arg.as_str(), group]);
        kpcli(&a, unlock.as_bytes());
    }
    let mut a = vec!["add", "-u", "admin", "--url", "https://aws.amazon.com"];
    a.extend(["--notes", "line one\nline two", "-p"]);
    a.extend(&open);
    a.extend([db_arg.as_str(), "Work/Cloud/AWS"]);
    kpcli(
        &a,
        format!("{KP_PASSWORD}\n{KP_ENTRY_PASSWORD}\n").as_bytes(),
    );
    let mut a = vec!["add", "-p"];
    a.extend(&open);
    a.extend([db_arg.as_str(), "Top"]);
    kpcli(&a, format!("{KP_PASSWORD}\ntop-secret\n").as_bytes());
    db
}

#[test]
fn a_keepassxc_database_and_its_csv_export_arrive_exact() {
    if !require("keepassxc-cli") {
        return;
    }
    let src = tempfile::tempdir().unwrap();
    let db = keepassxc_db(src.path(), None);
    let db_arg = db.to_str().unwrap();
    let unlock = format!("{KP_PASSWORD}\n");
    // What keepassxc-cli itself says the entry holds.
    let shown = |attr: &str| {
        let out = kpcli(
            &["show", "-s", "-a", attr, db_arg, "Work/Cloud/AWS"],
            unlock.as_bytes(),
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .trim_end_matches('\n')
            .to_string()
    };
    assert_eq!(shown("Password"), KP_ENTRY_PASSWORD);

    // The database itself, the password on stdin (never an argument).
    let w = Ward::init();
    let out = w.run(
        &["import", "kdbx", db_arg, "--prefix", "kp"],
        Some(unlock.as_bytes()),
    );
    assert_eq!(out.status.code(), Some(exit::OK), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("2 imported"), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8(w.get("kp/Work/Cloud/AWS")).unwrap(),
        shown("Password")
    );
    assert_eq!(field(&w, "kp/Work/Cloud/AWS", "login"), shown("UserName"));
    assert_eq!(field(&w, "kp/Work/Cloud/AWS", "url"), shown("URL"));
    assert_eq!(field(&w, "kp/Work/Cloud/AWS", "notes"), shown("Notes"));
    assert_eq!(w.get("kp/Top"), b"top-secret");
    // A re-run changes nothing.
    let before = snapshot(&w);
    let again = w.run(
        &["import", db_arg, "--prefix", "kp"],
        Some(unlock.as_bytes()),
    );
    assert!(
        stderr(&again).starts_with("0 imported, 0 rotated, 2 skipped"),
        "{}",
        stderr(&again)
    );
    assert_eq!(before, snapshot(&w));

    // Its CSV export, as keepassxc-cli writes it: the same secrets.
    let csv = kpcli(&["export", "-f", "csv", db_arg], unlock.as_bytes()).stdout;
    let file = src.path().join("export.csv");
    std::fs::write(&file, &csv).unwrap();
    let w2 = Ward::init();
    w2.ok(&["import", file.to_str().unwrap(), "--prefix", "kp"], None);
    for name in ["kp/Work/Cloud/AWS", "kp/Top"] {
        assert_eq!(w2.get(name), w.get(name), "{name}");
    }
    assert_eq!(field(&w2, "kp/Work/Cloud/AWS", "notes"), shown("Notes"));
    assert_eq!(
        field(&w2, "kp/Work/Cloud/AWS", "created"),
        field(&w, "kp/Work/Cloud/AWS", "created")
    );
    w.assert_no_plaintext(&[
        KP_ENTRY_PASSWORD.as_bytes(),
        b"top-secret",
        KP_PASSWORD.as_bytes(),
    ]);
}

/// A KDBX 3.1 database (AES-KDF): keepassxc-cli only makes KDBX 4, so it
/// is a fixture made with File::KeePass (tests/fixtures/kdbx31/make.pl
/// says how). Every value, field, folder and date arrives as keepassxc-cli
/// itself reads them from the same file.
#[test]
fn a_kdbx_3_1_database_arrives_exact() {
    if !require("keepassxc-cli") {
        return;
    }
    let db = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kdbx31/kdbx31.kdbx");
    let bytes = std::fs::read(&db).unwrap();
    assert_eq!(&bytes[8..12], &[1, 0, 3, 0], "the fixture is KDBX 3.1");
    let db_arg = db.to_str().unwrap();
    let unlock = b"kdbx31-password\n";
    let shown = |entry: &str, attr: &str| {
        let out = kpcli(&["show", "-s", "-a", attr, db_arg, entry], unlock);
        String::from_utf8(out.stdout)
            .unwrap()
            .trim_end_matches('\n')
            .to_string()
    };
    let w = Ward::init();
    let out = w.run(&["import", "kdbx", db_arg, "--prefix", "k3"], Some(unlock));
    assert_eq!(out.status.code(), Some(exit::OK), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("2 imported"), "{}", stderr(&out));
    let aws = "k3/Work/Cloud/AWS";
    assert_eq!(
        String::from_utf8(w.get(aws)).unwrap(),
        shown("Work/Cloud/AWS", "Password")
    );
    assert_eq!(shown("Work/Cloud/AWS", "Password"), "a,w\"s é✓");
    for (f, attr) in [("login", "UserName"), ("url", "URL"), ("notes", "Notes")] {
        assert_eq!(field(&w, aws, f), shown("Work/Cloud/AWS", attr), "{f}");
    }
    assert_eq!(field(&w, aws, "otp"), shown("Work/Cloud/AWS", "otp"));
    assert!(field(&w, aws, "otp").starts_with("otpauth://totp/AWS:admin?"));
    assert_eq!(field(&w, aws, "Account"), "1234-5678");
    let doc = age_decrypt(&w, aws);
    assert_eq!(doc["created"], "2023-02-03T04:05:06Z");
    assert_eq!(doc["rotated"], "2024-06-01T10:00:00Z");
    assert_eq!(doc["expires"], "2030-12-31");
    assert_eq!(w.get("k3/Work/Mail"), b"mail-pass-31");
    assert_eq!(field(&w, "k3/Work/Mail", "login"), "ann@example.com");
}

#[test]
fn a_kdbx_with_a_key_file_and_a_wrong_password() {
    if !require("keepassxc-cli") {
        return;
    }
    let src = tempfile::tempdir().unwrap();
    let key = src.path().join("db.keyx");
    let db = keepassxc_db(src.path(), Some(&key));
    let db_arg = db.to_str().unwrap();
    let w = Ward::init();
    // Wrong password: a clear error, exit 4, nothing written.
    let out = w.run(
        &[
            "import",
            "kdbx",
            db_arg,
            "--key-file",
            key.to_str().unwrap(),
        ],
        Some(b"wrong\n"),
    );
    assert_eq!(out.status.code(), Some(exit::DECRYPT), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("wrong password or key file"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("wrong\n"));
    assert!(!w.file("Top").exists());
    // Without the key file the password alone does not open it.
    let out = w.run(
        &["import", "kdbx", db_arg],
        Some(format!("{KP_PASSWORD}\n").as_bytes()),
    );
    assert_eq!(out.status.code(), Some(exit::DECRYPT), "{}", stderr(&out));
    // Both: imported.
    let out = w.run(
        &[
            "import",
            "kdbx",
            db_arg,
            "--key-file",
            key.to_str().unwrap(),
        ],
        Some(format!("{KP_PASSWORD}\n").as_bytes()),
    );
    assert_eq!(out.status.code(), Some(exit::OK), "{}", stderr(&out));
    assert_eq!(w.get("Top"), b"top-secret");
}

// ---- on a terminal --------------------------------------------------------------

#[test]
fn a_terminal_gets_a_progress_bar_and_a_pipe_does_not() {
    let w = Ward::init();
    let src = tempfile::tempdir().unwrap();
    let file = src.path().join("app.env");
    std::fs::write(&file, "A=1\nB=2\nC=3\n").unwrap();
    let out = common::pty::run(
        w.cmd(&["import", file.to_str().unwrap()]),
        None,
        &[],
        std::time::Duration::from_secs(30),
    );
    assert!(out.status.success(), "{}", out.transcript);
    assert!(out.transcript.contains("Importing ["), "{}", out.transcript);
    assert!(out.transcript.contains("3/3"), "{}", out.transcript);
    // On a pipe: the summary alone.
    let w2 = Ward::init();
    let piped = w2.ok(&["import", file.to_str().unwrap()], None);
    assert!(!stderr(&piped).contains('['), "{}", stderr(&piped));
}

#[test]
fn a_kdbx_password_is_asked_on_the_terminal() {
    if !require("keepassxc-cli") {
        return;
    }
    let src = tempfile::tempdir().unwrap();
    let db = keepassxc_db(src.path(), None);
    let w = Ward::init();
    let out = common::pty::run_all(
        w.cmd(&["import", db.to_str().unwrap()]),
        &[("Password for", &format!("{KP_PASSWORD}\n"))],
        std::time::Duration::from_secs(60),
    );
    assert!(out.status.success(), "{}", out.transcript);
    assert!(!out.transcript.contains(KP_PASSWORD), "not echoed");
    assert_eq!(w.get("Top"), b"top-secret");
}
