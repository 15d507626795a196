//! Interop with the standard tools: the `age` CLI reads what ward writes and
//! the reverse; passphrase-protected identities made by `age -p`; SSH keys
//! made by `ssh-keygen` as identities and recipients. Passphrases are typed
//! on a pseudo-terminal, because both ward and age read them from /dev/tty.

mod common;

use common::{pty, require, run_detached, stderr, stdout, write_private, Ward};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use ward::error::exit;

const T: Duration = Duration::from_secs(60);

/// `age -d -i IDENTITY FILE` without a terminal; returns the plaintext.
fn age_decrypt(w: &Ward, identity: &Path, file: &Path) -> Vec<u8> {
    let mut c = Command::new("age");
    c.arg("-d").arg("-i").arg(identity).arg(file);
    w.apply_env(&mut c);
    let out = run_detached(c, None);
    assert!(out.status.success(), "age -d failed: {}", stderr(&out));
    out.stdout
}

/// `age [-a] -r RECIPIENT -o OUT` with `plain` on stdin.
fn age_encrypt(w: &Ward, recipient: &str, armor: bool, out_file: &Path, plain: &[u8]) {
    std::fs::create_dir_all(out_file.parent().unwrap()).unwrap();
    let mut c = Command::new("age");
    if armor {
        c.arg("-a");
    }
    c.arg("-r").arg(recipient).arg("-o").arg(out_file);
    w.apply_env(&mut c);
    let out = run_detached(c, Some(plain));
    assert!(out.status.success(), "age -r failed: {}", stderr(&out));
}

fn ward_doc_json(value: &str) -> String {
    serde_json::json!({
        "ward": 1,
        "value": value,
        "version": 1,
        "kind": "api-key",
        "owner": "written-by-age",
        "created": "2025-01-02T03:04:05Z",
        "created_by": "someone@else",
        "updated": "2025-01-02T03:04:05Z",
        "updated_by": "someone@else",
        "rotated": "2025-01-02T03:04:05Z",
        "future_field": {"from": "a newer ward"}
    })
    .to_string()
}

#[test]
fn a_file_ward_writes_opens_with_age_and_its_json_parses() {
    if !require("age") {
        return;
    }
    let w = Ward::init();
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----";
    w.set(
        "acme/api/KEY",
        pem.as_bytes(),
        &["--kind", "certificate", "--owner", "ann", "--tag", "prod"],
    );
    w.set("acme/api/KEY", b"second", &["--reason", "test"]);
    let plain = age_decrypt(&w, &w.identity(), &w.file("acme/api/KEY"));
    let doc: serde_json::Value = serde_json::from_slice(&plain).expect("the document is JSON");
    assert_eq!(doc["ward"], 1);
    assert_eq!(doc["value"], "second");
    assert_eq!(doc["kind"], "certificate");
    assert_eq!(doc["owner"], "ann");
    assert_eq!(doc["tags"], serde_json::json!(["prod"]));
    assert_eq!(doc["history"][0]["value"], pem);
    assert_eq!(doc["history"][0]["reason"], "test");

    // A binary value is base64 inside, as docs/FORMAT.md says.
    let bytes: Vec<u8> = (0..=255u8).collect();
    w.set("acme/BIN", &bytes, &["--binary"]);
    let doc: serde_json::Value =
        serde_json::from_slice(&age_decrypt(&w, &w.identity(), &w.file("acme/BIN"))).unwrap();
    assert_eq!(doc["encoding"], "base64");
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(doc["value"].as_str().unwrap())
        .unwrap();
    assert_eq!(decoded, bytes);
}

#[test]
fn a_file_age_writes_is_read_by_ward() {
    if !require("age") {
        return;
    }
    let w = Ward::init();
    let key = w.public_key();
    age_encrypt(
        &w,
        &key,
        false,
        &w.file("ext/BINARY_AGE"),
        ward_doc_json("from-age-cli").as_bytes(),
    );
    age_encrypt(
        &w,
        &key,
        true,
        &w.file("ext/ARMORED"),
        ward_doc_json("from-age-armored").as_bytes(),
    );
    assert_eq!(w.get("ext/BINARY_AGE"), b"from-age-cli");
    assert_eq!(w.get("ext/ARMORED"), b"from-age-armored");
    let ls = stdout(&w.ok(&["ls", "--long"], None));
    assert!(ls.contains("written-by-age"), "{ls}");

    // Unknown fields survive an edit by this ward.
    w.ok(&["edit", "ext/BINARY_AGE", "--owner", "ward"], None);
    let doc: serde_json::Value =
        serde_json::from_slice(&age_decrypt(&w, &w.identity(), &w.file("ext/BINARY_AGE"))).unwrap();
    assert_eq!(doc["owner"], "ward");
    assert_eq!(doc["future_field"]["from"], "a newer ward");

    // A file age encrypted that is not a ward document: corrupt (5), and
    // the message does not quote the content.
    age_encrypt(
        &w,
        &key,
        false,
        &w.file("ext/NOT_WARD"),
        b"{\"value\":\"canary-not-ward\"}",
    );
    let out = w.expect_code(&["get", "ext/NOT_WARD"], None, exit::CORRUPT);
    let err = stderr(&out);
    assert!(err.contains("NOT_WARD.age"), "{err}");
    assert!(!err.contains("canary"), "{err}");
}

/// Makes `age-keygen | age -p -a` identity at `path` protected by `pass`.
fn age_passphrase_identity(w: &Ward, path: &Path, pass: &str) {
    let mut c = Command::new("sh");
    c.arg("-c").arg(format!(
        "age-keygen 2>/dev/null | age -p -a -o '{}'",
        path.display()
    ));
    w.apply_env(&mut c);
    let out = pty::run(
        c,
        None,
        &[("Enter passphrase", pass), ("Confirm passphrase", pass)],
        T,
    );
    assert!(out.status.success(), "age -p: {}", out.transcript);
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn a_passphrase_identity_from_age_p_unlocks_in_ward() {
    if !require("age") || !require("age-keygen") {
        return;
    }
    let w = Ward::new();
    let id = w.root().join("locked-identity.age");
    let pass = "correct horse battery";
    age_passphrase_identity(&w, &id, pass);
    let id_s = id.to_str().unwrap();

    // init asks once, on the terminal.
    let out = pty::run(
        w.cmd(&["-i", id_s, "init"]),
        None,
        &[("Passphrase for identity", pass)],
        T,
    );
    assert!(out.status.success(), "{}", out.transcript);
    assert!(!out.transcript.contains(pass), "passphrase was echoed");

    let out = pty::run(
        w.cmd(&["-i", id_s, "set", "p/K"]),
        Some(b"unlocked-value"),
        &[("Passphrase for identity", pass)],
        T,
    );
    assert!(out.status.success(), "{}", out.transcript);
    let out = pty::run(
        w.cmd(&["-i", id_s, "get", "p/K"]),
        None,
        &[("Passphrase for identity", pass)],
        T,
    );
    assert!(out.status.success(), "{}", out.transcript);
    assert_eq!(out.stdout, b"unlocked-value");

    // Three wrong passphrases: exit 7, naming the file.
    let out = pty::run(
        w.cmd(&["-i", id_s, "get", "p/K"]),
        None,
        &[
            ("Passphrase for identity", "nope1"),
            ("Passphrase:", "nope2"),
            ("Passphrase:", "nope3"),
        ],
        T,
    );
    assert_eq!(
        out.status.code(),
        Some(exit::IDENTITY),
        "{}",
        out.transcript
    );
    assert!(
        out.transcript.contains("wrong passphrase"),
        "{}",
        out.transcript
    );
    assert!(out.transcript.contains("locked-identity.age"));
    assert!(out.stdout.is_empty());

    // No terminal to ask on: a clear identity error, not a hang.
    let out = w.expect_code(&["-i", id_s, "get", "p/K"], None, exit::IDENTITY);
    assert!(stderr(&out).contains("no terminal"), "{}", stderr(&out));

    // And the age CLI reads the file with the same locked identity.
    let mut c = Command::new("age");
    c.args(["-d", "-i", id_s]).arg(w.file("p/K"));
    w.apply_env(&mut c);
    let out = pty::run(c, None, &[("passphrase", pass)], T);
    assert!(out.status.success(), "{}", out.transcript);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["value"], "unlocked-value");
}

#[test]
fn ward_init_passphrase_identity_opens_with_age() {
    if !require("age") {
        return;
    }
    let w = Ward::new();
    let pass = "tr0ub4dor&3";
    let out = pty::run(
        w.cmd(&["init", "--passphrase"]),
        None,
        &[("New passphrase", pass), ("Same passphrase again", pass)],
        T,
    );
    assert!(out.status.success(), "{}", out.transcript);
    // The passphrase just typed twice opens the new identity: not asked again.
    assert!(
        !out.transcript.contains("Passphrase for identity"),
        "{}",
        out.transcript
    );
    let text = std::fs::read_to_string(w.identity()).unwrap();
    assert!(text.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
    assert!(!text.contains("AGE-SECRET-KEY"));

    let out = pty::run(
        w.cmd(&["set", "p/K"]),
        Some(b"v-locked"),
        &[("Passphrase for identity", pass)],
        T,
    );
    assert!(out.status.success(), "{}", out.transcript);
    // The age CLI unlocks ward's passphrase-protected identity.
    let mut c = Command::new("age");
    c.arg("-d").arg("-i").arg(w.identity()).arg(w.file("p/K"));
    w.apply_env(&mut c);
    let out = pty::run(c, None, &[("passphrase", pass)], T);
    assert!(out.status.success(), "{}", out.transcript);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["value"], "v-locked");

    // Mismatched passphrases at init create nothing.
    let w2 = Ward::new();
    let out = pty::run(
        w2.cmd(&["init", "--passphrase"]),
        None,
        &[("New passphrase", "one"), ("Same passphrase again", "two")],
        T,
    );
    assert_eq!(out.status.code(), Some(exit::USAGE), "{}", out.transcript);
    assert!(!w2.identity().exists());
    assert!(!w2.store().exists());
}

fn ssh_keygen(w: &Ward, kind: &str, pass: &str) -> (PathBuf, String) {
    let dir = w.home.join(".ssh");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "id_{kind}_{}",
        if pass.is_empty() { "plain" } else { "locked" }
    ));
    let mut c = Command::new("ssh-keygen");
    c.args(["-q", "-t", kind, "-N", pass, "-C", "tester@ward-test", "-f"])
        .arg(&path);
    if kind == "rsa" {
        c.args(["-b", "2048"]);
    }
    w.apply_env(&mut c);
    let out = run_detached(c, None);
    assert!(out.status.success(), "ssh-keygen: {}", stderr(&out));
    let public = std::fs::read_to_string(path.with_extension("pub"))
        .unwrap()
        .trim()
        .to_string();
    (path, public)
}

#[test]
fn ssh_keys_as_identities_and_recipients() {
    if !require("ssh-keygen") || !require("age") {
        return;
    }
    let w = Ward::new();
    let (ed, ed_pub) = ssh_keygen(&w, "ed25519", "");
    let (rsa, rsa_pub) = ssh_keygen(&w, "rsa", "");
    let (locked, locked_pub) = ssh_keygen(&w, "ed25519", "ssh-pass-123");
    let ed_s = ed.to_str().unwrap();

    // An ed25519 identity makes an ssh-ed25519 recipient; the .pub lines
    // (with their comments) are accepted as extra recipients.
    w.ok(
        &["-i", ed_s, "init", "-r", &rsa_pub, "-r", &locked_pub],
        None,
    );
    let recipients = std::fs::read_to_string(w.store().join(".ward/recipients")).unwrap();
    assert!(recipients.contains("ssh-ed25519 "), "{recipients}");
    assert!(recipients.contains("ssh-rsa "), "{recipients}");
    assert!(ed_pub.starts_with("ssh-ed25519 "));
    w.ok(&["-i", ed_s, "set", "p/K"], Some(b"ssh-value"));

    // Each key opens it: ed25519 and RSA in ward…
    for id in [&ed, &rsa] {
        let out = w.ok(&["-i", id.to_str().unwrap(), "get", "p/K"], None);
        assert_eq!(out.stdout, b"ssh-value");
    }
    // …and in the age CLI.
    for id in [&ed, &rsa] {
        let doc: serde_json::Value =
            serde_json::from_slice(&age_decrypt(&w, id, &w.file("p/K"))).unwrap();
        assert_eq!(doc["value"], "ssh-value");
    }
    // A passphrase-protected SSH key asks once on the terminal.
    let out = pty::run(
        w.cmd(&["-i", locked.to_str().unwrap(), "get", "p/K"]),
        None,
        &[("Passphrase for SSH key", "ssh-pass-123")],
        T,
    );
    assert!(out.status.success(), "{}", out.transcript);
    assert_eq!(out.stdout, b"ssh-value");

    // Several identities at once (WARD_IDENTITY is ':'-separated).
    let mut c = w.cmd(&["get", "p/K"]);
    c.env(
        "WARD_IDENTITY",
        format!("{}:{}", w.root().join("missing-not-used").display(), ed_s),
    );
    // The first file is missing: that is an identity error, not silence.
    let out = run_detached(c, None);
    assert_eq!(out.status.code(), Some(exit::IDENTITY), "{}", stderr(&out));
    let other = w.root().join("other.txt");
    common::make_identity(&other);
    let mut c = w.cmd(&["get", "p/K"]);
    c.env("WARD_IDENTITY", format!("{}:{}", other.display(), ed_s));
    let out = run_detached(c, None);
    assert_eq!(out.stdout, b"ssh-value", "{}", stderr(&out));

    // An SSH key readable by others is refused, as ssh does.
    let loose = w.home.join("loose_key");
    write_private(&loose, &std::fs::read(&ed).unwrap());
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = w.expect_code(
        &["-i", loose.to_str().unwrap(), "get", "p/K"],
        None,
        exit::IDENTITY,
    );
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
}

#[test]
fn folder_recipients_file_redirects_a_subtree() {
    if !require("age") {
        return;
    }
    let w = Ward::init();
    let team_id = w.root().join("team.txt");
    let team_pub = common::make_identity(&team_id);
    std::fs::create_dir_all(w.store().join("team/deep")).unwrap();
    std::fs::write(
        w.store().join("team/.recipients"),
        format!("# the team\n{team_pub}\n"),
    )
    .unwrap();
    // A key written there by hand is refused until approved here, even forced.
    w.expect_code(&["set", "team/deep/KEY", "--force"], Some(b"team-only"), 11);
    w.ok(&["recipients", "trust", "--yes"], None);
    // Not a recipient there myself: the write must be forced.
    w.expect_code(&["set", "team/deep/KEY"], Some(b"team-only"), 7);
    w.set("team/deep/KEY", b"team-only", &["--force"]);
    w.set("mine/KEY", b"mine-only", &[]);
    // The nearest .recipients wins: only the team key opens team/…
    let doc: serde_json::Value =
        serde_json::from_slice(&age_decrypt(&w, &team_id, &w.file("team/deep/KEY"))).unwrap();
    assert_eq!(doc["value"], "team-only");
    let out = w.expect_code(&["get", "team/deep/KEY"], None, exit::DECRYPT);
    assert!(
        stderr(&out).contains("team/deep/KEY.age"),
        "{}",
        stderr(&out)
    );
    // …and the store's recipients still govern the rest.
    assert_eq!(w.get("mine/KEY"), b"mine-only");
    // The .recipients file is not listed as a secret.
    let ls = stdout(&w.ok(&["ls"], None));
    assert_eq!(ls.lines().count(), 2, "{ls}");
}
