//! ward's git merge drivers with real git (issue 11): a secret changed in
//! two clones, recipients files, a damaged side, a merger who is not a
//! member, the audit key.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the contract says `ward init --git` / `ward clone` write: the
/// `.gitattributes` lines and the local git config naming the binary. (The
/// lead swaps this for `ward::git::configure_merge_drivers`.)
/// What `ward init --git` and `ward clone` set up, from ward's own code.
fn configure_merge_drivers(repo: &Path, exe: &Path) {
    if !repo.join(".gitattributes").exists() {
        std::fs::write(repo.join(".gitattributes"), ward::git::GITATTRIBUTES).unwrap();
    }
    ward::git::Repo::open(repo)
        .expect("a git repository")
        .configure_merge_drivers(exe)
        .unwrap();
}

fn git_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args(["-c", "init.defaultBranch=main", "-c", "pull.rebase=false"])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir.parent().unwrap());
    c
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_cmd(dir, args).output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out)
}

/// Commits what is left to commit: ward commits its own changes in a git
/// store, so often nothing (audit appends from reads, files made by hand).
fn commit_all(dir: &Path, msg: &str) {
    git(dir, &["add", "-A"]);
    let staged = git_cmd(dir, &["diff", "--cached", "--quiet"])
        .status()
        .unwrap();
    if !staged.success() {
        git(dir, &["commit", "-q", "-m", msg]);
    }
}

/// Two people (two worlds, one identity between them: two machines of a
/// member) on two clones of one store.
struct Pair {
    a: Ward,
    b: Ward,
    b_store: PathBuf,
}

fn set_actor(w: &Ward, actor: &str) {
    let dir = w.config_home.join("ward");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), format!("actor = \"{actor}\"\n")).unwrap();
}

impl Pair {
    fn new() -> Pair {
        let a = Ward::init();
        set_actor(&a, "ann@laptop");
        a.set("acme/API", b"base-value", &["--note", "base notes"]);
        let store = a.store();
        git(&store, &["init", "-q"]);
        configure_merge_drivers(&store, Path::new(BIN));
        commit_all(&store, "base");
        let b = Ward::new();
        set_actor(&b, "bob@server");
        write_private(&b.identity(), &std::fs::read(a.identity()).unwrap());
        let b_store = b.root().join("clone");
        git(b.root(), &["clone", "-q", store.to_str().unwrap(), "clone"]);
        configure_merge_drivers(&b_store, Path::new(BIN));
        Pair { a, b, b_store }
    }

    fn b_run(&self, args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
        let mut all = vec!["--store", self.b_store.to_str().unwrap()];
        all.extend_from_slice(args);
        self.b.ok(&all, stdin)
    }

    /// `git pull` in B's clone, run in `who`'s world (identity, config).
    fn pull_as(&self, who: &Ward) -> std::process::Output {
        let mut c = git_cmd(
            &self.b_store,
            &["pull", "-q", "--no-edit", "origin", "main"],
        );
        who.apply_env(&mut c);
        run_detached(c, None)
    }
}

fn no_conflict_markers(dir: &Path) {
    for f in files_under(dir) {
        if f.components().any(|c| c.as_os_str() == ".git") {
            continue;
        }
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !contains(&bytes, b"<<<<<<<"),
            "conflict markers in {}",
            f.display()
        );
    }
}

#[test]
fn one_secret_rotated_in_two_clones_merges_the_later_value_current() {
    if !require("git") {
        return;
    }
    let p = Pair::new();
    p.a.set("acme/API", b"ann-value", &["--owner", "ann"]);
    commit_all(&p.a.store(), "ann rotates");
    std::thread::sleep(std::time::Duration::from_millis(20));
    p.b_run(
        &["set", "acme/API", "--url", "https://bob.example"],
        Some(b"bob-value"),
    );
    commit_all(&p.b_store, "bob rotates");

    let out = p.pull_as(&p.b);
    assert!(out.status.success(), "git pull: {}", stderr(&out));
    no_conflict_markers(&p.b_store);
    assert!(git(&p.b_store, &["status", "--porcelain"]).is_empty());

    assert_eq!(p.b_run(&["get", "acme/API"], None).stdout, b"bob-value");
    let doc: serde_json::Value =
        serde_json::from_slice(&p.b_run(&["get", "acme/API", "--json"], None).stdout).unwrap();
    assert_eq!(doc["owner"], "ann", "{doc}");
    assert_eq!(doc["url"], "https://bob.example", "{doc}");
    assert_eq!(doc["notes"], "base notes", "{doc}");
    let history: serde_json::Value = serde_json::from_slice(
        &p.b_run(&["history", "acme/API", "--json", "--reveal"], None)
            .stdout,
    )
    .unwrap();
    let ann = history
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["value"] == "ann-value")
        .unwrap_or_else(|| panic!("ann's value in history: {history}"));
    assert_eq!(ann["concurrent_by"], "ann@laptop");
    let table = stdout(&p.b_run(&["history", "acme/API"], None));
    assert!(table.contains("concurrent change by ann@laptop"), "{table}");

    let log = std::fs::read_to_string(p.b_store.join(".git/ward/merged")).unwrap();
    // Name, winner, loser, and the merged version (the audit record's).
    let version = p.b_run(&["history", "acme/API", "--json"], None);
    let version: serde_json::Value = serde_json::from_slice(&version.stdout).unwrap();
    let version = version[0]["version"]
        .as_u64()
        .expect("history --json lists the current version first");
    assert_eq!(
        log,
        format!("acme/API\tbob@server\tann@laptop\t{version}\n")
    );

    if have("age") {
        let out = Command::new("age")
            .args(["-d", "-i"])
            .arg(p.b.identity())
            .arg(p.b_store.join("acme/API.age"))
            .output()
            .unwrap();
        assert!(out.status.success(), "age -d: {}", stderr(&out));
        let plain: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(plain["value"], "bob-value");
    }
    p.b.assert_no_plaintext(&[b"bob-value", b"ann-value", b"base-value"]);
}

#[test]
fn a_damaged_side_is_a_conflict_that_loses_nothing() {
    if !require("git") {
        return;
    }
    let p = Pair::new();
    p.a.set("acme/API", b"ann-value", &[]);
    commit_all(&p.a.store(), "ann rotates");
    let file = p.b_store.join("acme/API.age");
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.truncate(bytes.len() - 20);
    std::fs::write(&file, &bytes).unwrap();
    commit_all(&p.b_store, "damaged");

    let out = p.pull_as(&p.b);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("damaged") || err.contains("truncated"),
        "{err}"
    );
    assert!(err.contains("nothing was lost"), "{err}");
    // OURS as it was, and all three stages kept by git.
    assert_eq!(std::fs::read(&file).unwrap(), bytes);
    let stages = git(&p.b_store, &["ls-files", "-u", "acme/API.age"]);
    assert_eq!(stages.lines().count(), 3, "{stages}");
}

#[test]
fn a_merger_who_cannot_decrypt_gets_a_conflict_with_the_reason() {
    if !require("git") {
        return;
    }
    let p = Pair::new();
    p.a.set("acme/API", b"ann-value", &[]);
    commit_all(&p.a.store(), "ann rotates");
    p.b_run(&["set", "acme/API"], Some(b"bob-value"));
    commit_all(&p.b_store, "bob rotates");
    let before = std::fs::read(p.b_store.join("acme/API.age")).unwrap();

    let outsider = Ward::new();
    std::fs::create_dir_all(outsider.identity().parent().unwrap()).unwrap();
    make_identity(&outsider.identity());
    let out = p.pull_as(&outsider);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("cannot decrypt"), "{err}");
    assert!(err.contains("member"), "{err}");
    assert_eq!(
        std::fs::read(p.b_store.join("acme/API.age")).unwrap(),
        before
    );
    assert!(!p.b_store.join(".git/ward/merged").exists());
}

#[test]
fn recipients_files_merge_as_sets_and_a_removal_is_honoured() {
    if !require("git") {
        return;
    }
    let p = Pair::new();
    let (k2, k3, k4) = (fresh_key(), fresh_key(), fresh_key());
    let path = p.a.store().join(".ward/recipients");
    let mine = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        format!("{mine}# label: two\n{k2}\n# label: three\n{k3}\n"),
    )
    .unwrap();
    commit_all(&p.a.store(), "add two and three");
    let out = p.pull_as(&p.b);
    assert!(out.status.success(), "{}", stderr(&out));

    // Ann removes two; Bob adds four.
    std::fs::write(&path, format!("{mine}# label: three\n{k3}\n")).unwrap();
    commit_all(&p.a.store(), "remove two");
    let b_path = p.b_store.join(".ward/recipients");
    let text = std::fs::read_to_string(&b_path).unwrap();
    std::fs::write(&b_path, format!("{text}# label: four\n{k4}\n")).unwrap();
    commit_all(&p.b_store, "add four");

    let out = p.pull_as(&p.b);
    assert!(out.status.success(), "{}", stderr(&out));
    let merged = std::fs::read_to_string(&b_path).unwrap();
    assert!(!merged.contains(&k2), "{merged}");
    assert!(
        merged.contains(&format!("# label: three\n{k3}\n")),
        "{merged}"
    );
    assert!(
        merged.contains(&format!("# label: four\n{k4}\n")),
        "{merged}"
    );
    assert!(merged.starts_with(&mine), "{merged}");
    no_conflict_markers(&p.b_store);
    // The new key still waits for approval before Bob's next write.
    let out = p.b.run(
        &["--store", p.b_store.to_str().unwrap(), "set", "acme/NEW"],
        Some(b"x"),
    );
    assert_eq!(out.status.code(), Some(11), "{}", stderr(&out));
}

fn fresh_key() -> String {
    ward::store::crypto::generate_identity(chrono::Utc::now()).1
}

#[test]
fn the_audit_key_merges_only_when_both_sides_hold_the_same_key() {
    if !require("git") {
        return;
    }
    let p = Pair::new();
    let key = p.b_store.join(".ward/audit.key.age");
    let ours = std::fs::read(&key).unwrap();
    let dir = p.b.root().join("sides");
    std::fs::create_dir_all(&dir).unwrap();
    let side = |name: &str, bytes: &[u8]| {
        let f = dir.join(name);
        std::fs::write(&f, bytes).unwrap();
        f
    };
    let driver = |theirs: &Path| {
        let ours_file = side("ours", &ours);
        let mut c = p.b.cmd(&["__merge-driver"]);
        c.arg(side("base", &ours))
            .arg(&ours_file)
            .arg(theirs)
            .arg(".ward/audit.key.age")
            .current_dir(&p.b_store);
        (run_detached(c, None), std::fs::read(&ours_file).unwrap())
    };
    // The same key, encrypted again: merged, ours kept.
    let same = ward_encrypt(&p.b, &key, &dir);
    let (out, after) = driver(&side("theirs", &same));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(after, ours);
    // Another key: a conflict, ours untouched.
    let other_plain = dir.join("other");
    std::fs::write(&other_plain, b"ward-audit-key-v1\nanother key\n").unwrap();
    let other = encrypt_to(&p.b, &other_plain);
    let (out, after) = driver(&side("theirs", &other));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("different audit keys"),
        "{}",
        stderr(&out)
    );
    assert_eq!(after, ours);
}

/// The plaintext of an age file, encrypted again to the world's key.
fn ward_encrypt(w: &Ward, file: &Path, dir: &Path) -> Vec<u8> {
    let mut keys = ward::store::Keyring::default();
    keys.add_file(&w.identity(), None).map_err(|_| ()).unwrap();
    let plain = keys.decrypt(file, &std::fs::read(file).unwrap()).unwrap();
    let f = dir.join("plain");
    std::fs::write(&f, &plain[..]).unwrap();
    encrypt_to(w, &f)
}

fn encrypt_to(w: &Ward, plain: &Path) -> Vec<u8> {
    let public = w.public_key();
    let recipients =
        ward::store::crypto::parse_recipients(Path::new("r"), &format!("{public}\n")).unwrap();
    ward::store::crypto::encrypt(&recipients, &std::fs::read(plain).unwrap()).unwrap()
}

#[test]
fn a_merge_that_would_encrypt_to_an_unapproved_key_is_a_conflict() {
    if !require("git") {
        return;
    }
    let p = Pair::new();
    p.a.set("acme/API", b"ann-value", &[]);
    commit_all(&p.a.store(), "ann rotates");
    p.b_run(&["set", "acme/API"], Some(b"bob-value"));
    // A key nobody approved on Bob's machine, written by hand.
    let path = p.b_store.join(".ward/recipients");
    let text = std::fs::read_to_string(&path).unwrap();
    let stranger = fresh_key();
    std::fs::write(&path, format!("{text}# label: stranger\n{stranger}\n")).unwrap();
    commit_all(&p.b_store, "bob rotates; a key appears");
    let before = std::fs::read(p.b_store.join("acme/API.age")).unwrap();

    let out = p.pull_as(&p.b);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("ward recipients trust"), "{err}");
    assert!(
        err.contains("stranger") || err.contains(&stranger[..12]),
        "{err}"
    );
    assert_eq!(
        std::fs::read(p.b_store.join("acme/API.age")).unwrap(),
        before
    );
}
