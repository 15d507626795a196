//! Per-actor audit signatures through the real binary: two actors share a
//! store, one of them (holding the store-wide audit key) rewrites the
//! other's chain, and a third machine that pinned the victim's key sees it.

mod common;

use common::{stdout, Ward};
use std::fs;
use std::path::Path;

/// A sandbox named `actor`.
fn sandbox(actor: &str) -> Ward {
    let w = Ward::new();
    let cfg = w.config_home.join("ward");
    fs::create_dir_all(&cfg).unwrap();
    fs::write(cfg.join("config.toml"), format!("actor = \"{actor}\"\n")).unwrap();
    w
}

/// A sandbox named `actor` that holds a copy of `identity`.
fn member(actor: &str, identity: &Path) -> Ward {
    let w = sandbox(actor);
    common::write_private(&w.identity(), &fs::read(identity).unwrap());
    w
}

fn run_in(w: &Ward, store: &Path, args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    let mut c = w.cmd(args);
    c.env("WARD_STORE", store);
    common::run_detached(c, stdin)
}

fn keys(identity: &Path) -> ward::store::Keyring {
    let mut k = ward::store::Keyring::default();
    k.add_file(identity, None).unwrap();
    k
}

fn hmac_hex(key: &[u8], domain: &str, chain: &str, bytes: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut m = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).unwrap();
    for part in [domain.as_bytes(), b"\0", chain.as_bytes(), b"\0", bytes] {
        m.update(part);
    }
    m.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a member holding the audit key can do: turn every reveal of
/// `chain` into a view, drop the signatures, recompute every MAC and the head.
fn rewrite_with_the_audit_key(store: &Path, chain: &str, identity: &Path) {
    let keyfile = store.join(".ward/audit.key.age");
    let plain = keys(identity)
        .decrypt(&keyfile, &fs::read(&keyfile).unwrap())
        .unwrap();
    let text = String::from_utf8(plain.to_vec()).unwrap();
    let hex = text.lines().nth(1).unwrap();
    let key: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let path = store.join(format!(".ward/audit/{chain}.jsonl"));
    let mut prev = "null".to_string();
    let (mut out, mut last) = (String::new(), (0u64, String::new()));
    for line in fs::read_to_string(&path).unwrap().lines() {
        let body = &line[..line.find(",\"sig\":").unwrap_or(line.len() - 74)];
        let old_prev = body.split("\"prev_mac\":").nth(1).unwrap().to_string();
        let body = body.replace("\"reveal\"", "\"view\"").replace(
            &format!("\"prev_mac\":{old_prev}"),
            &format!("\"prev_mac\":{prev}"),
        );
        let mac = hmac_hex(&key, "ward-audit-record-v1", chain, body.as_bytes());
        out.push_str(&format!("{body},\"mac\":\"{mac}\"}}\n"));
        let seq: u64 = serde_json::from_str::<serde_json::Value>(&format!("{body}}}")).unwrap()
            ["seq"]
            .as_u64()
            .unwrap();
        prev = format!("\"{mac}\"");
        last = (seq, mac);
    }
    fs::write(&path, out).unwrap();
    let signed = format!("{:020} {}", last.0, last.1);
    let head_mac = hmac_hex(&key, "ward-audit-head-v1", chain, signed.as_bytes());
    fs::write(
        store.join(format!(".ward/audit/{chain}.head")),
        format!("ward-audit-head-v1 {signed} {head_mac}\n"),
    )
    .unwrap();
}

#[test]
fn a_chain_rewritten_with_the_audit_key_is_caught_by_a_machine_that_pinned_the_key() {
    let ann = sandbox("ann@laptop");
    ann.ok(&["init"], None);
    ann.set("p/S", b"s3cr3t-value", &[]);
    let store = ann.store();
    // Bob opens the same store with the same age identity but his own
    // config: his signing key is made on his first append.
    let bob = member("bob@laptop", &ann.identity());
    let bob_key = bob.config_home.join("ward/signing-key.age");
    assert!(!bob_key.exists());
    for _ in 0..2 {
        let o = run_in(&bob, &store, &["get", "p/S"], None);
        assert!(o.status.success(), "{}", common::stderr(&o));
    }
    assert!(bob_key.exists());
    let published = fs::read_to_string(store.join(".ward/actors/bob@laptop.pub")).unwrap();
    assert!(
        published.contains("\"actor\":\"bob@laptop\""),
        "{published}"
    );
    // The signing key file holds no seed in clear: it is age, and the seed
    // it decrypts to appears nowhere in it.
    let cipher = fs::read(&bob_key).unwrap();
    assert!(cipher.starts_with(b"age-encryption.org/v1"));
    let plain = keys(&bob.identity()).decrypt(&bob_key, &cipher).unwrap();
    let seed = String::from_utf8(plain.to_vec())
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(seed.len(), 64);
    assert!(!common::contains(&cipher, seed.as_bytes()));
    assert_eq!(common::mode(&bob_key) & 0o077, 0);

    // A third machine sees (and pins) every key: all verify.
    let carol = member("carol@desk", &ann.identity());
    let o = run_in(&carol, &store, &["audit", "verify"], None);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        stdout(&o),
        common::stderr(&o)
    );
    assert!(!stdout(&o).contains("unsigned"), "{}", stdout(&o));

    rewrite_with_the_audit_key(&store, "bob@laptop", &ann.identity());
    let o = run_in(&carol, &store, &["audit", "verify"], None);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(9), "{out}");
    assert!(
        out.contains("records of bob@laptop are not signed by bob@laptop's key"),
        "{out}"
    );
    assert!(
        out.contains("rewritten by someone holding the audit key?"),
        "{out}"
    );

    // Replacing bob's published key (to re-sign with another) is reported.
    let forged = published.replace(
        &published[published.find("\"key\":\"").unwrap() + 7..][..64],
        &"ab".repeat(32),
    );
    fs::write(store.join(".ward/actors/bob@laptop.pub"), forged).unwrap();
    let o = run_in(&carol, &store, &["audit", "verify"], None);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(9), "{out}");
    assert!(
        out.contains("actor key") && out.contains("differs from the one this machine pinned"),
        "{out}"
    );
}
