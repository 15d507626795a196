//! One-time codes through the real binary (issue 12, "Fields and codes"):
//! `ward otp` gives the RFC codes for TOTP and HOTP seeds, saves HOTP's
//! counter on use, records every use as `otp`, refuses a bad URI when it is
//! stored (naming what is wrong, never the secret), and works on seeds that
//! an import stored.

mod common;

use common::{stderr, stdout, Ward};
use ward::error::exit;

/// RFC 4226/6238's SHA-1 seed "12345678901234567890" in base32.
const RFC_SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
/// A seed found nowhere else, to scan files and output for.
const PLANTED_SEED: &str = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U";

fn audit_json(w: &Ward) -> Vec<serde_json::Value> {
    let out = w.ok(&["audit", "--json"], None);
    serde_json::from_slice(&out.stdout).expect("audit --json prints JSON")
}

fn otp_records(w: &Ward) -> Vec<serde_json::Value> {
    audit_json(w)
        .into_iter()
        .filter(|r| r["action"] == "otp")
        .collect()
}

#[test]
fn hotp_gives_rfc4226_codes_and_saves_the_counter() {
    let w = Ward::init();
    w.set("acme/vpn", b"token-holder", &[]);
    w.ok(
        &["edit", "acme/vpn", "--field-secret", "otp"],
        Some(
            format!("otpauth://hotp/ACME:ann?secret={RFC_SEED}&counter=0&issuer=ACME\n").as_bytes(),
        ),
    );
    let before = w.doc("acme/vpn")["version"].clone();
    // RFC 4226 Appendix D, counters 0, 1, 2.
    for expected in ["755224", "287082", "359152"] {
        let out = w.ok(&["otp", "acme/vpn"], None);
        assert_eq!(stdout(&out).trim(), expected, "{}", stderr(&out));
        assert!(stderr(&out).contains("HOTP counter"), "{}", stderr(&out));
    }
    let doc = w.doc("acme/vpn");
    let uri = doc["fields"][0]["value"].as_str().unwrap();
    assert!(uri.contains("counter=3"), "{uri}");
    assert!(
        uri.contains("issuer=ACME"),
        "other parameters are kept: {uri}"
    );
    // A metadata update, not a new version.
    assert_eq!(doc["version"], before);
    let records = otp_records(&w);
    assert_eq!(records.len(), 3, "{records:?}");
    assert!(records.iter().any(|r| r["reason"] == "hotp counter 0"));
    w.ok(&["audit", "verify"], None);
}

#[test]
fn totp_gives_the_code_of_now_and_is_audited() {
    let w = Ward::init();
    w.set(
        "acme/github",
        b"pw",
        &[
            "--field-set",
            &format!("otp=otpauth://totp/GitHub:ann?secret={RFC_SEED}&digits=8&algorithm=SHA1"),
        ],
    );
    let t0 = chrono::Utc::now().timestamp() as u64;
    let out = w.ok(&["otp", "acme/github"], None);
    let t1 = chrono::Utc::now().timestamp() as u64;
    let code = stdout(&out).trim().to_string();
    let seed = b"12345678901234567890";
    let expect = |t: u64| ward::otp::hotp(seed, t / 30, 8, ward::otp::Algorithm::Sha1).to_string();
    assert!(
        code == expect(t0) || code == expect(t1),
        "{code} is neither code of the seconds around the call"
    );
    assert_eq!(code.len(), 8);
    assert!(stderr(&out).contains("valid for"), "{}", stderr(&out));
    // An otp field is stored masked, even when given with --field-set.
    assert_eq!(w.doc("acme/github")["fields"][0]["secret"], true);
    let records = otp_records(&w);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["path"], "acme/github");
}

#[test]
fn bad_uris_are_refused_when_stored_without_echoing_the_secret() {
    let w = Ward::init();
    w.set("acme/site", b"pw", &[]);
    for (uri, says) in [
        (
            format!("otpauth://totp/x?secret={PLANTED_SEED}1"),
            "not base32",
        ),
        (
            format!("otpauth://totp/x?secret={PLANTED_SEED}&digits=9"),
            "6 or 8",
        ),
        (
            format!("otpauth://totp/x?secret={PLANTED_SEED}&algorithm=MD5"),
            "SHA1, SHA256 or SHA512",
        ),
        (format!("otpauth://hotp/x?secret={PLANTED_SEED}"), "counter"),
        (
            format!("https://x/?secret={PLANTED_SEED}"),
            "not an otpauth",
        ),
    ] {
        let out = w.expect_code(
            &["edit", "acme/site", "--field-secret", "otp"],
            Some(uri.as_bytes()),
            exit::USAGE,
        );
        let err = stderr(&out);
        assert!(err.starts_with("ward: error: field otp:"), "{err}");
        assert!(err.contains(says), "{uri}: {err}");
        assert!(!err.contains(PLANTED_SEED), "{err}");
    }
    assert!(w.doc("acme/site").get("fields").is_none(), "nothing stored");
    // No otp field: the error says how to add one.
    let out = w.expect_code(&["otp", "acme/site"], None, exit::USAGE);
    assert!(
        stderr(&out).contains("--field-secret otp"),
        "{}",
        stderr(&out)
    );
    // A missing secret is a not-found, before anything else.
    w.expect_code(&["otp", "acme/nope"], None, exit::NOT_FOUND);
    // A hostile name is refused as a name.
    w.expect_code(&["otp", "../etc/passwd"], None, exit::USAGE);
}

#[test]
fn an_imported_seed_makes_codes_and_nothing_is_in_clear() {
    let w = Ward::init();
    let src = tempfile::tempdir().unwrap();
    let file = src.path().join("bw.json");
    let export = format!(
        r#"{{"encrypted": false, "folders": [], "items": [
        {{"id": "i1", "folderId": null, "type": 1, "name": "GitHub", "notes": null,
          "login": {{"uris": [], "username": "ann", "password": "bw-pass", "totp": "{PLANTED_SEED}"}},
          "revisionDate": "2024-04-01T12:00:00.000Z", "creationDate": "2022-01-01T08:00:00.000Z"}}]}}"#
    );
    std::fs::write(&file, export).unwrap();
    w.ok(&["import", "bitwarden-json", file.to_str().unwrap()], None);
    std::fs::remove_dir_all(src.path()).unwrap();
    let out = w.ok(&["otp", "GitHub"], None);
    let code = stdout(&out).trim().to_string();
    assert_eq!(code.len(), 6, "{code}");
    assert!(code.chars().all(|c| c.is_ascii_digit()));
    assert!(!stdout(&out).contains(PLANTED_SEED));
    assert!(!stderr(&out).contains(PLANTED_SEED));
    w.ok(&["ls", "--long"], None);
    w.assert_no_plaintext(&[PLANTED_SEED.as_bytes(), b"bw-pass"]);
}
