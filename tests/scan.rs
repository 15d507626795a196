//! `ward scan` through the real binary (docs/SCAN.md): files and folders
//! with ignore rules, hidden and binary files, encodings, previous values,
//! standard input, a real git history with a deleted file, the staged index
//! behind an installed pre-commit hook, SARIF, and marking a find
//! compromised. No output ever holds a value or the line it was found on.

mod common;

use base64::Engine;
use common::*;
use std::path::Path;
use std::process::Command;

const CURRENT: &str = "sk_live_4f9a8b7c6d5e4f3a2b1c";
const OLD: &str = "sk_live_old_0a1b2c3d4e5f";
const DB: &str = "p@ss/w0rd+key=1&x";

/// A store with a rotated key (so it has a previous value) and a short PIN.
fn world() -> Ward {
    let w = Ward::init();
    w.set("acme/STRIPE_KEY", OLD.as_bytes(), &[]);
    w.set("acme/STRIPE_KEY", CURRENT.as_bytes(), &[]);
    w.set("acme/PIN", b"1234", &[]);
    w.set("acme/OTHER", b"a-value-nobody-pasted", &[]);
    w.set("acme/DB_PASSWORD", DB.as_bytes(), &[]);
    w
}

fn scan_in(w: &Ward, dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    let mut c = w.cmd(&[&["scan"][..], args].concat());
    c.current_dir(dir);
    run_detached(c, stdin)
}

fn assert_no_value(out: &std::process::Output) {
    let all = format!("{}{}", stdout(out), stderr(out));
    for v in [CURRENT, OLD, DB, "a-value-nobody-pasted"] {
        assert!(!all.contains(v), "a value was printed: {all}");
    }
    assert!(
        !all.contains("STRIPE=") && !all.contains("token:"),
        "a line was printed: {all}"
    );
}

#[test]
fn files_folders_ignore_rules_encodings_and_history() {
    let w = world();
    let dir = w.root().join("project");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join(".gitignore"), "ignored.txt\n").unwrap();
    std::fs::write(dir.join(".env"), format!("X=1\nSTRIPE=\"{CURRENT}\"\n")).unwrap();
    let old_b64 = base64::engine::general_purpose::STANDARD.encode(format!("user:{OLD}"));
    std::fs::write(
        dir.join("src/config.yaml"),
        format!("a: 1\nb: 2\ntoken: {old_b64}\n"),
    )
    .unwrap();
    std::fs::write(dir.join("ignored.txt"), CURRENT).unwrap();
    let mut binary = vec![0u8; 16];
    binary.extend_from_slice(CURRENT.as_bytes());
    std::fs::write(dir.join("blob.bin"), &binary).unwrap();
    std::fs::write(dir.join("clean.rs"), "fn main() {}\n1234\n").unwrap();

    let out = scan_in(&w, &dir, &[], None);
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(".env:2: acme/STRIPE_KEY (current value, as is)"),
        "{text}"
    );
    assert!(
        text.contains("src/config.yaml:3: acme/STRIPE_KEY (v1 value, base64)"),
        "{text}"
    );
    assert!(
        !text.contains("ignored.txt") && !text.contains("blob.bin"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2, "{text}");
    let said = stderr(&out);
    assert!(said.contains("2 finds of 1 secret"), "{said}");
    assert!(said.contains("skipped as binary"), "{said}");
    assert!(
        said.contains("shorter than --min-length: acme/PIN (current)"),
        "{said}"
    );
    assert_no_value(&out);

    let all = scan_in(&w, &dir, &["--all", "--binary"], None);
    let text = stdout(&all);
    assert!(
        text.contains("ignored.txt:1:") && text.contains("blob.bin:1:"),
        "{text}"
    );
    assert_no_value(&all);

    // A clean folder is exit 0.
    let clean = scan_in(&w, &dir, &["clean.rs"], None);
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    assert!(stdout(&clean).is_empty());
}

#[test]
fn standard_input_json_and_sarif() {
    let w = world();
    let log = format!("INFO start\nDEBUG auth=Bearer%20{CURRENT}\n");
    let out = scan_in(&w, w.root(), &["-"], Some(log.as_bytes()));
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("(stdin):2: acme/STRIPE_KEY (current value"),
        "{}",
        stdout(&out)
    );
    assert_no_value(&out);

    let url = "postgres://app:p%40ss%2Fw0rd%2Bkey%3D1%26x@db/app";
    let json = scan_in(
        &w,
        w.root(),
        &["-", "--format", "json"],
        Some(url.as_bytes()),
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["found"][0]["secret"], "acme/DB_PASSWORD");
    assert_eq!(v["found"][0]["encoding"], "url-encoded");
    assert_eq!(v["too_short"][0]["secret"], "acme/PIN");

    let sarif = scan_in(
        &w,
        w.root(),
        &["-", "--format", "sarif"],
        Some(log.as_bytes()),
    );
    let v: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let r = &v["runs"][0]["results"][0];
    assert_eq!(r["ruleId"], "ward/known-secret");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    assert_no_value(&sarif);
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn git_history_finds_a_deleted_file_and_names_its_commit() {
    if !require("git") {
        return;
    }
    let w = world();
    let repo = w.root().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README"), "hello\n").unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "start"]);
    std::fs::write(
        repo.join("deploy.sh"),
        format!("#!/bin/sh\n\nexport K={OLD}\n"),
    )
    .unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "oops"]);
    let leaked = git(&repo, &["rev-parse", "HEAD"]);
    git(&repo, &["rm", "-q", "deploy.sh"]);
    git(&repo, &["commit", "-qm", "remove the key"]);

    // The work tree is clean; the history is not.
    let now = scan_in(&w, &repo, &[], None);
    assert_eq!(now.status.code(), Some(0), "{}", stdout(&now));
    let out = scan_in(&w, &repo, &["--git"], None);
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "{}:deploy.sh:3: acme/STRIPE_KEY (v1 value",
            &leaked.trim()[..12]
        )),
        "{text}"
    );
    assert_no_value(&out);
}

#[test]
fn the_pre_commit_hook_blocks_a_commit_that_holds_a_value() {
    if !require("git") {
        return;
    }
    let w = world();
    let repo = w.root().join("hooked");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    let installed = scan_in(&w, &repo, &["--install-hook"], None);
    assert_eq!(installed.status.code(), Some(0), "{}", stderr(&installed));
    assert!(repo.join(".git/hooks/pre-commit").is_file());
    // An existing hook that ward did not write is left alone.
    std::fs::write(repo.join(".git/hooks/pre-commit"), "#!/bin/sh\nexit 0\n").unwrap();
    let refused = scan_in(&w, &repo, &["--install-hook"], None);
    assert_eq!(refused.status.code(), Some(6), "{}", stderr(&refused));
    assert!(scan_in(&w, &repo, &["--install-hook", "--force"], None)
        .status
        .success());

    let commit = |msg: &str| {
        let mut g = Command::new("git");
        g.arg("-C").arg(&repo).args(["commit", "-qm", msg]);
        // The hook runs ward with this world's environment.
        w.apply_env(&mut g);
        g.env("GIT_AUTHOR_NAME", "dev")
            .env("GIT_AUTHOR_EMAIL", "dev@example.com")
            .env("GIT_COMMITTER_NAME", "dev")
            .env("GIT_COMMITTER_EMAIL", "dev@example.com");
        g.output().unwrap()
    };
    std::fs::write(repo.join("ok.txt"), "nothing secret\n").unwrap();
    git(&repo, &["add", "ok.txt"]);
    let ok = commit("fine");
    assert!(ok.status.success(), "{}", stderr(&ok));
    std::fs::write(repo.join("app.env"), format!("KEY={CURRENT}\n")).unwrap();
    git(&repo, &["add", "app.env"]);
    let blocked = commit("leak");
    assert!(!blocked.status.success());
    let said = format!("{}{}", stdout(&blocked), stderr(&blocked));
    assert!(
        said.contains("(staged) app.env:1: acme/STRIPE_KEY"),
        "{said}"
    );
    assert!(!said.contains(CURRENT), "{said}");
    assert_eq!(git(&repo, &["log", "--oneline"]).lines().count(), 1);
    // A vault that cannot be opened blocks too, and says why.
    std::fs::rename(w.identity(), w.root().join("away.txt")).unwrap();
    let locked = commit("leak, vault closed");
    assert!(!locked.status.success());
    assert!(stderr(&locked).contains("identity"), "{}", stderr(&locked));
    assert_eq!(git(&repo, &["log", "--oneline"]).lines().count(), 1);
}

#[test]
fn mark_compromised_flags_the_found_secret_with_the_place() {
    let w = world();
    let dir = w.root().join("p");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("notes.md"),
        format!("old one: {OLD}\nnew one: {CURRENT}\n"),
    )
    .unwrap();
    let out = scan_in(&w, &dir, &["--mark-compromised"], None);
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    let doc = w.doc("acme/STRIPE_KEY");
    let reason = doc["compromised"]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(reason.contains("found by ward scan at notes.md:2"), "{doc}");
    // Only current values make a compromise: the old one is already replaced.
    assert!(w.doc("acme/OTHER")["compromised"].is_null());
    let check = w.expect_code(&["check"], None, 8);
    assert!(stdout(&check).contains("acme/STRIPE_KEY"));
}

#[test]
fn hostile_file_names_are_escaped() {
    let w = world();
    let dir = w.root().join("h");
    std::fs::create_dir_all(&dir).unwrap();
    let name = "evil\x1b]52;c;AAAA\x07.txt";
    std::fs::write(dir.join(name), CURRENT).unwrap();
    let out = scan_in(&w, &dir, &[], None);
    assert_eq!(out.status.code(), Some(13));
    let text = stdout(&out);
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
    assert!(text.contains("acme/STRIPE_KEY"), "{text}");
}

/// Special files, a link loop, a file larger than a read chunk with the
/// value across the chunk boundary, near misses; and afterwards no file
/// ward could have written (the world's folders, its temp folder) holds a
/// value.
#[test]
fn bad_input_is_skipped_and_counted_and_nothing_is_written() {
    let w = world();
    let tree = tempfile::tempdir().unwrap();
    let dir = tree.path();
    let tmp = w.root().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::os::unix::fs::symlink(dir, dir.join("loop")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.join("elsewhere")).unwrap();
    let fifo = dir.join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // 8 MiB is one read: the value straddles the boundary, then sits at the end.
    let mut big = vec![b'.'; (8 << 20) - 10];
    big.extend_from_slice(CURRENT.as_bytes());
    big.extend_from_slice(b"\n");
    big.extend(std::iter::repeat_n(b'-', 1 << 20));
    big.extend_from_slice(CURRENT.as_bytes());
    std::fs::write(dir.join("big.log"), &big).unwrap();
    let mut near = CURRENT.to_string();
    near.replace_range(5..6, "X");
    std::fs::write(
        dir.join("near.txt"),
        format!("{near}\n{}\n", &CURRENT[..CURRENT.len() - 1]),
    )
    .unwrap();

    let mut c = w.cmd(&["scan", "--format", "json"]);
    c.current_dir(dir).env("TMPDIR", &tmp);
    let out = run_detached(c, None);
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, u64)> = v["found"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [("./big.log".to_string(), 1), ("./big.log".to_string(), 2)],
        "{v}"
    );
    assert_eq!(v["special_skipped"], 3, "two links and a FIFO: {v}");
    assert_no_value(&out);
    w.assert_no_plaintext(&[CURRENT.as_bytes(), OLD.as_bytes(), DB.as_bytes()]);
}
