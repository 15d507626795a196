//! A team on one store (issue 11): joining with `ward init`, `ward
//! identity`, labelled recipients, and trust on first use of recipient keys.

mod common;

use common::*;
use std::path::PathBuf;

const UNTRUSTED: i32 = 11;

/// A second person on this machine's folder of the store: their own home,
/// config and data (so their own identity and trust file), pointed at
/// `store` with `--store`.
struct Member {
    w: Ward,
    store: PathBuf,
}

impl Member {
    fn new(store: PathBuf) -> Member {
        Member {
            w: Ward::new(),
            store,
        }
    }

    fn args<'a>(&'a self, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = vec!["--store", self.store.to_str().unwrap()];
        all.extend_from_slice(args);
        all
    }

    fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
        self.w.run(&self.args(args), stdin)
    }

    fn ok(&self, args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
        self.w.ok(&self.args(args), stdin)
    }
}

/// The `ward recipients add …` line `ward init` printed, as arguments.
fn add_command(init_out: &str) -> Vec<String> {
    let line = init_out
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("ward recipients add "))
        .unwrap_or_else(|| panic!("no add command in:\n{init_out}"));
    line.split_whitespace()
        .skip(1)
        .map(|s| s.trim_matches('\'').to_string())
        .collect()
}

fn set_actor(w: &Ward, actor: &str) {
    let dir = w.config_home.join("ward");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), format!("actor = \"{actor}\"\n")).unwrap();
}

#[test]
fn a_second_member_joins_with_init_and_is_added_with_the_printed_command() {
    let a = Ward::init();
    a.set("acme/API", b"shared-value", &[]);
    let b = Member::new(a.store());
    set_actor(&b.w, "dan@laptop");

    // Before: no identity, and the error points at `ward init`, not a backup.
    let out = b.run(&["get", "acme/API"], None);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("ward init"), "{err}");
    assert!(err.contains("ask a member"), "{err}");

    let out = b.ok(&["init"], None);
    let text = stdout(&out);
    let b_key = b.w.public_key();
    assert!(text.contains(&b_key), "{text}");
    assert!(text.contains("Trust on first use"), "{text}");
    assert!(
        text.contains(&format!("ward recipients add {b_key} --label dan@laptop")),
        "{text}"
    );
    // B cannot read yet, and `ward identity` says so.
    assert_eq!(b.run(&["get", "acme/API"], None).status.code(), Some(4));
    let who = stdout(&b.ok(&["identity"], None));
    assert!(who.contains(&b_key), "{who}");
    assert!(who.contains("not a recipient"), "{who}");
    // A second `ward init` does not make another identity.
    assert_eq!(b.run(&["init"], None).status.code(), Some(6));

    // A runs the printed command: B reads.
    let add = add_command(&text);
    let add: Vec<&str> = add.iter().map(String::as_str).collect();
    a.ok(&add, None);
    assert_eq!(b.ok(&["get", "acme/API"], None).stdout, b"shared-value");

    // The label is in the file above the key, and every list shows it.
    let list = stdout(&a.ok(&["recipients"], None));
    assert!(list.contains(&format!("{b_key}  (dan@laptop)")), "{list}");
    let json: serde_json::Value =
        serde_json::from_slice(&a.ok(&["recipients", "--json"], None).stdout).unwrap();
    assert_eq!(json["labels"][1], "dan@laptop");
    let file = std::fs::read_to_string(a.store().join(".ward/recipients")).unwrap();
    assert!(
        file.contains(&format!("# label: dan@laptop\n{b_key}\n")),
        "{file}"
    );

    // `ward identity` (and `whoami`) for both, with what each can read.
    let who = stdout(&b.ok(&["whoami"], None));
    assert!(who.contains(&b_key) && who.contains("can read"), "{who}");
    let json: serde_json::Value =
        serde_json::from_slice(&a.ok(&["identity", "--json"], None).stdout).unwrap();
    assert_eq!(json["public_keys"][0], a.public_key());
    assert_eq!(json["folders"][0]["folder"], "the store");
    assert_eq!(json["folders"][0]["readable"], true);
    // B's keys were approved on B's machine when B joined, so B writes.
    b.ok(&["set", "acme/FROM_B"], Some(b"b-value"));
    assert_eq!(a.get("acme/FROM_B"), b"b-value");
}

#[test]
fn identity_shows_a_protected_key_after_the_passphrase() {
    let w = Ward::new();
    let out = pty::run(
        w.cmd(&["init", "--passphrase"]),
        None,
        &[
            ("New passphrase", "correct horse"),
            ("Same passphrase", "correct horse"),
        ],
        std::time::Duration::from_secs(60),
    );
    assert!(out.status.success(), "{}", out.transcript);
    let key = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .find(|w| w.starts_with("age1"))
        .map(|k| k.trim_end_matches(')').to_string())
        .expect("init printed the key");
    // Without a terminal it cannot ask, and says so.
    let none = w.run(&["identity"], None);
    assert_eq!(none.status.code(), Some(7), "{}", stderr(&none));
    let out = pty::run(
        w.cmd(&["identity"]),
        None,
        &[("Passphrase for identity", "correct horse")],
        std::time::Duration::from_secs(60),
    );
    assert!(out.status.success(), "{}", out.transcript);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&key));
}

#[test]
fn a_key_added_by_hand_is_refused_until_trusted() {
    let a = Ward::init();
    a.set("acme/API", b"v1", &[]);
    let before = std::fs::read(a.file("acme/API")).unwrap();
    let outsider = Ward::new();
    let mallory = make_identity(&outsider.root().join("mallory.txt"));
    let rfile = a.store().join(".ward/recipients");
    let mut text = std::fs::read_to_string(&rfile).unwrap();
    text.push_str(&format!("# label: mallory\n{mallory}\n"));
    write_private(&rfile, text.as_bytes());

    // Every write that would encrypt to it is refused, naming key, label, file.
    let short = &mallory[..12];
    for (args, stdin) in [
        (vec!["set", "acme/API"], Some(&b"v2"[..])),
        (vec!["set", "acme/NEW"], Some(&b"v"[..])),
        (vec!["rotate", "acme/API"], Some(&b"v3"[..])),
        (vec!["edit", "acme/API", "--owner", "x"], None),
        (vec!["mv", "acme/API", "acme/API2"], None),
        (vec!["recipients", "reencrypt"], None),
        // --force is about lock-out, never about trust.
        (vec!["set", "acme/API", "--force"], Some(&b"v4"[..])),
    ] {
        let out = a.expect_code(&args, stdin, UNTRUSTED);
        let err = stderr(&out);
        assert!(err.contains(short), "{args:?}: {err}");
        assert!(err.contains("(mallory)"), "{args:?}: {err}");
        assert!(err.contains(".ward/recipients"), "{args:?}: {err}");
        assert!(err.contains("ward recipients trust"), "{args:?}: {err}");
    }
    assert_eq!(std::fs::read(a.file("acme/API")).unwrap(), before);
    assert!(!a.file("acme/NEW").exists());
    // Reads still work.
    assert_eq!(a.get("acme/API"), b"v1");

    // Without a terminal, `trust` shows the key and needs --yes.
    let out = a.expect_code(&["recipients", "trust"], None, 2);
    assert!(stdout(&out).contains("mallory"), "{}", stdout(&out));
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    a.expect_code(&["set", "acme/API"], Some(b"v2"), UNTRUSTED);
    let out = a.ok(&["recipients", "trust", "--yes"], None);
    assert!(stdout(&out).contains("Approved 1 key"), "{}", stdout(&out));
    a.set("acme/API", b"v2", &[]);
    assert_eq!(a.get("acme/API"), b"v2");
    let out = a.ok(&["recipients", "trust"], None);
    assert!(stdout(&out).contains("Every recipient key here is approved"));

    // A removed key needs no approval.
    let out = a.ok(&["recipients", "rm", &mallory], None);
    assert!(stdout(&out).contains("Removed"), "{}", stdout(&out));
    a.set("acme/API", b"v3", &[]);
}

#[test]
fn a_removed_key_needs_no_approval_and_a_folder_key_is_checked_too() {
    let a = Ward::init();
    let other = make_identity(&a.root().join("other.txt"));
    a.ok(&["recipients", "add", &other, "--label", "ops"], None);
    a.set("team/DB", b"v1", &[]);
    // A hand edit that only removes a key: nothing to approve.
    let rfile = a.store().join(".ward/recipients");
    let text = std::fs::read_to_string(&rfile).unwrap();
    let kept: String = text
        .lines()
        .filter(|l| !l.contains(&other) && !l.contains("label: ops"))
        .map(|l| format!("{l}\n"))
        .collect();
    write_private(&rfile, kept.as_bytes());
    a.set("team/DB", b"v2", &[]);
    a.ok(&["recipients", "reencrypt"], None);

    // A folder's .recipients with a new key is checked for what it governs.
    let outsider = make_identity(&a.root().join("outsider.txt"));
    write_private(
        &a.store().join("team/.recipients"),
        format!("{}\n{outsider}\n", a.public_key()).as_bytes(),
    );
    let out = a.expect_code(&["set", "team/DB"], Some(b"v3"), UNTRUSTED);
    assert!(
        stderr(&out).contains("team/.recipients"),
        "{}",
        stderr(&out)
    );
    // Outside that folder nothing changed.
    a.set("solo/KEY", b"v", &[]);
    let out = a.ok(&["recipients", "trust", "--folder", "team", "--yes"], None);
    assert!(
        stdout(&out).contains("team/.recipients"),
        "{}",
        stdout(&out)
    );
    a.set("team/DB", b"v3", &[]);
}

#[test]
fn labels_keep_the_file_readable_by_the_age_cli() {
    if !have("age") {
        return;
    }
    let a = Ward::init();
    let (id, key) = {
        let p = a.root().join("b.txt");
        let k = make_identity(&p);
        (p, k)
    };
    a.ok(&["recipients", "add", &key, "--label", "bob@server"], None);
    let rfile = a.store().join(".ward/recipients");
    let out = std::process::Command::new("age")
        .arg("-R")
        .arg(&rfile)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b"for bob")?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let dec = std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&id)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(&out.stdout)?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(dec.stdout, b"for bob");
}

#[test]
fn init_approves_the_keys_of_a_new_store() {
    let w = Ward::new();
    let other = make_identity(&w.root().join("other.txt"));
    w.ok(&["init", "--recipient", &other], None);
    w.set("acme/KEY", b"v", &[]);
    let out = w.ok(&["recipients", "trust"], None);
    assert!(stdout(&out).contains("Every recipient key here is approved"));
}

#[test]
fn in_a_git_store_the_refusal_names_the_commit_and_author() {
    if !have("git") {
        return;
    }
    let a = Ward::init();
    let git = |args: &[&str]| {
        let mut c = std::process::Command::new("git");
        c.arg("-C").arg(a.store()).args(args);
        a.apply_env(&mut c);
        let out = c.output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    };
    git(&["init", "-q"]);
    git(&[
        "-c",
        "user.name=Ann",
        "-c",
        "user.email=ann@example.com",
        "add",
        "-A",
    ]);
    git(&[
        "-c",
        "user.name=Ann",
        "-c",
        "user.email=ann@example.com",
        "commit",
        "-qm",
        "store",
    ]);
    let mallory = make_identity(&a.root().join("m.txt"));
    let rfile = a.store().join(".ward/recipients");
    let mut text = std::fs::read_to_string(&rfile).unwrap();
    text.push_str(&format!("{mallory}\n"));
    write_private(&rfile, text.as_bytes());
    git(&[
        "-c",
        "user.name=Mallory",
        "-c",
        "user.email=m@evil.example",
        "commit",
        "-qam",
        "more readers",
    ]);
    let out = a.expect_code(&["set", "acme/KEY"], Some(b"v"), UNTRUSTED);
    let err = stderr(&out);
    assert!(err.contains("Mallory <m@evil.example>"), "{err}");
    assert!(err.contains("commit"), "{err}");
    let out = a.expect_code(&["recipients", "trust"], None, 2);
    assert!(stdout(&out).contains("Mallory"), "{}", stdout(&out));
}

#[test]
fn a_non_member_gets_one_line_not_one_per_file() {
    let a = Ward::init();
    for i in 0..5 {
        a.set(&format!("acme/K{i}"), b"v", &[]);
    }
    let b = Member::new(a.store());
    b.ok(&["init"], None);
    for args in [&["ls", "--long"][..], &["report"], &["check"]] {
        let out = b.run(args, None);
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.contains("not a member of this store"),
            "{args:?}: {err}"
        );
        assert!(err.contains("5 secrets"), "{args:?}: {err}");
        assert!(err.contains(&b.w.public_key()), "{args:?}: {err}");
    }
    // A member reads everything and gets no such line.
    let out = a.run(&["ls", "--long"], None);
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}
