//! A store shared through git (docs/TEAMS.md): `ward init --git`, autocommit,
//! `ward clone`, `ward sync`, `ward git`, against real bare repositories on
//! disk and clones in separate sandboxes (own HOME and XDG folders, so no
//! git identity: the commits' committer comes from the actor, as on a fresh
//! machine).

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A sandbox whose actor is `actor`.
fn world(actor: &str) -> Ward {
    Ward::with_actor(actor)
}

/// `git ARGS` in `dir` with the sandbox's environment (and an identity, for
/// the commits a test makes by hand); returns stdout, failing on an error.
fn git(w: &Ward, dir: &Path, args: &[&str]) -> String {
    let out = git_run(w, dir, args);
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out)
}

fn git_run(w: &Ward, dir: &Path, args: &[&str]) -> std::process::Output {
    let mut c = Command::new("git");
    c.arg("-C").arg(dir).args(args);
    w.apply_env(&mut c);
    c.env("GIT_AUTHOR_NAME", "hand")
        .env("GIT_AUTHOR_EMAIL", "hand@example.com")
        .env("GIT_COMMITTER_NAME", "hand")
        .env("GIT_COMMITTER_EMAIL", "hand@example.com");
    c.output().unwrap()
}

fn bare(w: &Ward, name: &str) -> PathBuf {
    let path = w.root().join(name);
    bare_repo(&path);
    path
}

fn commits(w: &Ward) -> u32 {
    git(w, &w.store(), &["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .unwrap()
}

fn subject_and_author(w: &Ward) -> String {
    git(w, &w.store(), &["log", "-1", "--format=%s|%an|%cn"])
        .trim()
        .to_string()
}

fn dirty(w: &Ward) -> Vec<String> {
    git(
        w,
        &w.store(),
        &["status", "--porcelain", "--untracked-files=all"],
    )
    .lines()
    .map(|l| l[3..].to_string())
    .collect()
}

/// A with a git store pushed to a new bare remote.
fn ann_with_remote() -> (Ward, PathBuf) {
    let a = world("ann@laptop");
    a.ok(&["init", "--git"], None);
    let remote = bare(&a, "remote.git");
    a.ok(
        &["git", "remote", "add", "origin", remote.to_str().unwrap()],
        None,
    );
    a.ok(&["sync"], None);
    (a, remote)
}

#[test]
fn init_git_makes_a_repository_with_attributes_drivers_and_no_local_files() {
    if !require("git") {
        return;
    }
    let a = world("ann@laptop");
    let out = a.ok(&["init", "--git"], None);
    assert!(stdout(&out).contains("git repository"), "{}", stdout(&out));
    let files = git(&a, &a.store(), &["ls-files"]);
    for f in [
        ".gitattributes",
        ".gitignore",
        ".ward/store.toml",
        ".ward/recipients",
    ] {
        assert!(files.lines().any(|l| l == f), "{f} not committed: {files}");
    }
    assert!(
        files.lines().any(|l| l.starts_with(".ward/audit/")),
        "{files}"
    );
    assert!(
        !files.contains("lock") && !files.contains(".ward-tmp-"),
        "a local file was committed: {files}"
    );
    let attributes = std::fs::read_to_string(a.store().join(".gitattributes")).unwrap();
    assert!(attributes.contains(
        "# ward: merge drivers (docs/TEAMS.md)\n*.age merge=ward\n.recipients merge=ward-recipients\n/.ward/recipients merge=ward-recipients\n"
    ));
    let driver = git(&a, &a.store(), &["config", "merge.ward.driver"]);
    assert_eq!(driver.trim(), format!("'{BIN}' __merge-driver %O %A %B %P"));
    let driver = git(&a, &a.store(), &["config", "merge.ward-recipients.driver"]);
    assert_eq!(
        driver.trim(),
        format!("'{BIN}' __merge-recipients %O %A %B %P")
    );
    assert_eq!(commits(&a), 1);
    assert_eq!(
        subject_and_author(&a),
        "init: ward store|ann@laptop|ann@laptop"
    );
    assert!(dirty(&a).is_empty(), "{:?}", dirty(&a));
}

#[test]
fn init_git_turns_an_existing_store_into_a_git_store_without_touching_the_identity() {
    if !require("git") {
        return;
    }
    let a = world("ann@laptop");
    a.ok(&["init"], None);
    a.set("acme/KEY", b"existing-value-1", &[]);
    let identity = std::fs::read(a.identity()).unwrap();
    assert!(!a.store().join(".git").exists());
    let out = a.ok(&["init", "--git"], None);
    assert!(
        stdout(&out).contains("is now a git repository"),
        "{}",
        stdout(&out)
    );
    assert_eq!(std::fs::read(a.identity()).unwrap(), identity);
    let files = git(&a, &a.store(), &["ls-files"]);
    assert!(files.contains("acme/KEY.age") && files.contains(".gitattributes"));
    assert!(!files.contains("lock"), "{files}");
    // Again: nothing to do, nothing breaks.
    a.ok(&["init", "--git"], None);
    assert_eq!(commits(&a), 1);
    assert_eq!(a.get("acme/KEY"), b"existing-value-1");
}

#[test]
fn every_change_is_one_commit_naming_action_and_path_by_the_actor_and_no_value() {
    if !require("git") {
        return;
    }
    let a = world("ann@laptop");
    a.ok(&["init", "--git"], None);
    // The user's own staged work is never swept into ward's commits.
    std::fs::write(a.store().join("NOTES.txt"), "mine").unwrap();
    git(&a, &a.store(), &["add", "NOTES.txt"]);
    let values: [&[u8]; 3] = [b"first-VALUE-x1", b"second-VALUE-x2", b"third-VALUE-x3"];
    type Step<'a> = (Vec<&'a str>, Option<&'a [u8]>, &'a str);
    let steps: Vec<Step> = vec![
        (
            vec!["set", "acme/api/KEY"],
            Some(values[0]),
            "create acme/api/KEY",
        ),
        (
            vec!["set", "acme/api/KEY"],
            Some(values[1]),
            "rotate acme/api/KEY",
        ),
        (
            vec!["rotate", "acme/api/KEY"],
            Some(values[2]),
            "rotate acme/api/KEY",
        ),
        (
            vec!["edit", "acme/api/KEY", "--owner", "ann"],
            None,
            "edit acme/api/KEY",
        ),
        (
            vec!["mv", "acme/api/KEY", "acme/prod/KEY"],
            None,
            "move acme/api/KEY -> acme/prod/KEY",
        ),
        (
            vec!["rm", "acme/prod/KEY", "--force"],
            None,
            "delete acme/prod/KEY",
        ),
    ];
    let mut n = commits(&a);
    for (args, stdin, subject) in steps {
        a.ok(&args, stdin);
        n += 1;
        assert_eq!(commits(&a), n, "after {args:?}");
        assert_eq!(
            subject_and_author(&a),
            format!("{subject}|ann@laptop|ann@laptop"),
            "after {args:?}"
        );
        // Only the user's file is left: staged, not committed.
        assert_eq!(dirty(&a), vec!["NOTES.txt".to_string()], "after {args:?}");
    }
    let tree = git(&a, &a.store(), &["ls-tree", "-r", "--name-only", "HEAD"]);
    assert!(
        !tree.contains("NOTES.txt") && !tree.contains("acme/"),
        "{tree}"
    );
    // No value anywhere in the history, nor in its metadata.
    let history = git_run(&a, &a.store(), &["log", "-p", "--all", "--binary"]).stdout;
    for v in values {
        assert!(!contains(&history, v), "a value is in git log -p");
    }
    assert!(!contains(&history, b"owner"), "metadata is in git log -p");
    // `--` passes through `ward git`.
    let out = a.ok(
        &["git", "log", "--format=%s", "--", "acme/api/KEY.age"],
        None,
    );
    assert!(
        stdout(&out).contains("create acme/api/KEY"),
        "{}",
        stdout(&out)
    );
    let code = a.run(&["git", "rev-parse", "--verify", "nonexistent-ref"], None);
    assert_eq!(code.status.code(), Some(128));
}

#[test]
fn autocommit_off_leaves_changes_for_sync_which_commits_only_them() {
    if !require("git") {
        return;
    }
    let (a, _remote) = ann_with_remote();
    let config = a.config_home.join("ward/config.toml");
    std::fs::write(
        &config,
        "actor = \"ann@laptop\"\n[git]\nautocommit = false\n",
    )
    .unwrap();
    let before = commits(&a);
    a.set("acme/KEY", b"v-autocommit-off", &[]);
    assert_eq!(commits(&a), before);
    assert!(
        dirty(&a).iter().any(|p| p == "acme/KEY.age"),
        "{:?}",
        dirty(&a)
    );
    let out = a.ok(&["sync"], None);
    assert_eq!(
        stdout(&out),
        "synced: received 0 commits, sent 1, merged 0 secrets\n"
    );
    assert!(dirty(&a).is_empty(), "{:?}", dirty(&a));
    assert_eq!(
        subject_and_author(&a),
        "sync: 1 pending change made by ward|ann@laptop|ann@laptop"
    );
}

#[test]
fn reads_leave_only_audit_files_dirty_and_sync_commits_them() {
    if !require("git") {
        return;
    }
    let (a, _remote) = ann_with_remote();
    a.set("acme/KEY", b"read-me-value", &[]);
    a.ok(&["sync"], None);
    assert!(dirty(&a).is_empty());
    a.get("acme/KEY");
    a.ok(&["history", "acme/KEY"], None);
    let d = dirty(&a);
    assert!(
        !d.is_empty() && d.iter().all(|p| p.starts_with(".ward/audit/")),
        "{d:?}"
    );
    let out = a.ok(&["sync"], None);
    assert_eq!(
        stdout(&out),
        "synced: received 0 commits, sent 1, merged 0 secrets\n"
    );
    assert!(dirty(&a).is_empty(), "{:?}", dirty(&a));
    assert_eq!(
        subject_and_author(&a),
        "sync: audit records|ann@laptop|ann@laptop"
    );
    let out = a.ok(&["sync"], None);
    assert_eq!(stdout(&out), "already up to date\n");
}

#[test]
fn two_clones_share_the_store_and_sync_both_ways() {
    if !require("git") {
        return;
    }
    let (a, remote) = ann_with_remote();
    a.set("shared/FIRST", b"first-shared-value", &[]);
    a.ok(&["sync"], None);
    let url = format!("file://{}", remote.display());

    let b = world("bob@desk");
    let out = b.ok(&["clone", &url], None);
    assert!(
        stdout(&out).contains("`ward init` makes your own key"),
        "{}",
        stdout(&out)
    );
    assert!(b.store().join(".ward/store.toml").exists());
    let driver = git(&b, &b.store(), &["config", "merge.ward.driver"]);
    assert!(driver.contains("__merge-driver"));
    let out = b.ok(&["init"], None);
    let bob_key = b.public_key();
    assert!(stdout(&out).contains(&bob_key));

    // Ann adds Bob (one commit, with everything re-encrypted) and syncs.
    a.ok(
        &["recipients", "add", &bob_key, "--label", "bob@desk"],
        None,
    );
    let last = git(
        &a,
        &a.store(),
        &["log", "-1", "--format=%s|%an", "--name-only"],
    );
    assert!(last.starts_with("recipients add age1"), "{last}");
    assert!(last.contains("|ann@"), "{last}");
    assert!(
        last.contains(".ward/recipients") && last.contains("shared/FIRST.age"),
        "{last}"
    );
    let left = dirty(&a);
    assert!(left.is_empty(), "nothing left uncommitted: {left:?}");
    a.ok(&["sync"], None);
    let out = b.ok(&["sync"], None);
    assert!(
        stdout(&out).starts_with("synced: received "),
        "{}",
        stdout(&out)
    );
    assert_eq!(b.get("shared/FIRST"), b"first-shared-value");

    // Different secrets changed on both sides.
    a.set("shared/ANN", b"ann-side-value", &[]);
    b.set("shared/BOB", b"bob-side-value", &[]);
    let out = a.ok(&["sync"], None);
    assert_eq!(
        stdout(&out),
        "synced: received 0 commits, sent 1, merged 0 secrets\n"
    );
    let out = b.ok(&["sync"], None);
    let line = stdout(&out);
    assert!(
        line.starts_with("synced: received 1 commit, sent ")
            && line.ends_with(", merged 0 secrets\n"),
        "{line}"
    );
    let out = a.ok(&["sync"], None);
    assert!(
        stdout(&out).starts_with("synced: received "),
        "{}",
        stdout(&out)
    );
    for w in [&a, &b] {
        assert_eq!(w.get("shared/ANN"), b"ann-side-value");
        assert_eq!(w.get("shared/BOB"), b"bob-side-value");
        assert!(dirty(w).iter().all(|p| p.starts_with(".ward/audit/")));
    }
    assert_eq!(stdout(&b.ok(&["ls"], None)), stdout(&a.ok(&["ls"], None)));
}

#[test]
fn clone_refuses_a_non_empty_folder_and_a_repository_that_is_not_a_store() {
    if !require("git") {
        return;
    }
    let (a, remote) = ann_with_remote();
    let b = world("bob@desk");
    let dir = b.root().join("busy");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("keep.txt"), "mine").unwrap();
    let out = b.run(
        &["clone", remote.to_str().unwrap(), dir.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join("keep.txt")).unwrap(),
        "mine"
    );

    let plain = b.root().join("plain");
    git(&b, b.root(), &["init", "-q", plain.to_str().unwrap()]);
    std::fs::write(plain.join("README"), "x").unwrap();
    git(&b, &plain, &["add", "README"]);
    git(&b, &plain, &["commit", "-qm", "readme"]);
    let out = b.run(&["clone", plain.to_str().unwrap()], None);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("is not a ward store"),
        "{}",
        stderr(&out)
    );
    assert!(!b.store().exists());

    // Elsewhere than the default: how to point ward at it.
    let other = b.root().join("elsewhere");
    let out = b.ok(
        &["clone", remote.to_str().unwrap(), other.to_str().unwrap()],
        None,
    );
    assert!(stdout(&out).contains("WARD_STORE="), "{}", stdout(&out));
    drop(a);
}

#[test]
fn sync_without_a_remote_or_with_an_unreachable_one_says_so_and_keeps_the_commits() {
    if !require("git") {
        return;
    }
    let a = world("ann@laptop");
    a.ok(&["init", "--git"], None);
    a.set("acme/KEY", b"kept-value-1", &[]);
    let out = a.expect_code(&["sync"], None, 2);
    assert!(
        stderr(&out).contains("add one: ward git remote add origin URL"),
        "{}",
        stderr(&out)
    );
    a.ok(
        &[
            "git",
            "remote",
            "add",
            "origin",
            "file:///nonexistent/ward.git",
        ],
        None,
    );
    let before = commits(&a);
    let out = a.expect_code(&["sync"], None, 1);
    assert!(
        stderr(&out).contains("could not fetch from the remote origin"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("commits are kept"),
        "{}",
        stderr(&out)
    );
    assert_eq!(commits(&a), before);
    assert_eq!(a.get("acme/KEY"), b"kept-value-1");

    // A store that is not a git repository.
    let c = world("cy@box");
    c.ok(&["init"], None);
    let out = c.expect_code(&["sync"], None, 2);
    assert!(stderr(&out).contains("ward init --git"), "{}", stderr(&out));
}

#[test]
fn a_rejected_push_is_a_clear_error_and_the_local_commits_stay() {
    if !require("git") {
        return;
    }
    let (a, remote) = ann_with_remote();
    let hook = remote.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'pushes are closed' >&2\nexit 1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    a.set("acme/KEY", b"not-pushed-value", &[]);
    let head = git(&a, &a.store(), &["rev-parse", "HEAD"]);
    let out = a.expect_code(&["sync"], None, 1);
    let err = stderr(&out);
    assert!(
        err.contains("refused the push") && err.contains("pushes are closed"),
        "{err}"
    );
    assert!(err.contains("kept here"), "{err}");
    assert_eq!(git(&a, &a.store(), &["rev-parse", "HEAD"]), head);
    let ahead = git(&a, &a.store(), &["rev-list", "--count", "@{u}..HEAD"]);
    assert_eq!(ahead.trim(), "1");
    assert_eq!(a.get("acme/KEY"), b"not-pushed-value");
}

#[test]
fn a_detached_head_and_changes_made_outside_ward_are_refused_with_nothing_lost() {
    if !require("git") {
        return;
    }
    let (a, _remote) = ann_with_remote();
    a.set("acme/KEY", b"value-one-x", &[]);
    a.set("acme/KEY", b"value-two-x", &[]);
    a.ok(&["sync"], None);

    // A secret file changed by hand (an older version checked out).
    git(
        &a,
        &a.store(),
        &["checkout", "HEAD~1", "--", "acme/KEY.age"],
    );
    let changed = std::fs::read(a.file("acme/KEY")).unwrap();
    let out = a.expect_code(&["sync"], None, 2);
    let err = stderr(&out);
    assert!(
        err.contains("changes made outside ward") && err.contains("acme/KEY.age"),
        "{err}"
    );
    assert_eq!(std::fs::read(a.file("acme/KEY")).unwrap(), changed);
    git(&a, &a.store(), &["checkout", "HEAD", "--", "acme/KEY.age"]);

    git(&a, &a.store(), &["checkout", "-q", "--detach", "HEAD"]);
    let (head, count) = (git(&a, &a.store(), &["rev-parse", "HEAD"]), commits(&a));
    let out = a.expect_code(&["sync"], None, 2);
    let err = stderr(&out);
    assert!(
        err.contains("detached") && err.contains("nothing was synced"),
        "{err}"
    );
    assert!(err.contains("ward git switch BRANCH"), "{err}");
    assert_eq!(git(&a, &a.store(), &["rev-parse", "HEAD"]), head);
    assert_eq!(commits(&a), count, "nothing committed");
    assert_eq!(a.get("acme/KEY"), b"value-two-x");
}

/// Ann and a clone of Bob's, each with its own commit changing the same
/// plain tracked file (a conflict when the second one pulls).
fn both_change_the_readme() -> (Ward, Ward) {
    let (a, remote) = ann_with_remote();
    let b = world("bob@desk");
    b.ok(&["clone", remote.to_str().unwrap()], None);
    for (w, text) in [(&a, "ann's line\n"), (&b, "bob's line\n")] {
        std::fs::write(w.store().join("README.txt"), text).unwrap();
        git(w, &w.store(), &["add", "README.txt"]);
        git(w, &w.store(), &["commit", "-qm", "readme"]);
    }
    (a, b)
}

#[test]
fn a_conflict_is_reported_and_git_merge_state_is_left() {
    if !require("git") {
        return;
    }
    let (a, b) = both_change_the_readme();
    a.ok(&["sync"], None);
    let mine = git(&b, &b.store(), &["rev-parse", "HEAD"]);
    let out = b.expect_code(&["sync"], None, 1);
    let err = stderr(&out);
    assert!(err.contains("conflict in README.txt"), "{err}");
    assert!(err.contains("ward git merge --abort"), "{err}");
    let git_dir = b.store().join(".git");
    assert!(
        git_dir.join("MERGE_HEAD").exists(),
        "git's merge state is gone"
    );
    // A second sync refuses to run into the unfinished merge.
    let out = b.expect_code(&["sync"], None, 2);
    assert!(
        stderr(&out).contains("unfinished merge"),
        "{}",
        stderr(&out)
    );
    b.ok(&["git", "merge", "--abort"], None);
    assert_eq!(git(&b, &b.store(), &["rev-parse", "HEAD"]), mine);
    assert_eq!(
        std::fs::read_to_string(b.store().join("README.txt")).unwrap(),
        "bob's line\n"
    );
}

#[test]
fn a_corrupt_secret_on_one_side_of_a_merge_is_a_named_conflict_with_both_versions_kept() {
    if !require("git") {
        return;
    }
    let (a, remote) = ann_with_remote();
    a.set("acme/KEY", b"base-value-1", &[]);
    a.ok(&["sync"], None);
    let b = world("bob@desk");
    b.ok(&["clone", remote.to_str().unwrap()], None);
    // The other side's version of the file is damaged (a bad editor, a
    // broken tool), committed and pushed as it is.
    std::fs::write(b.file("acme/KEY"), b"this is not an age file\n").unwrap();
    git(&b, &b.store(), &["commit", "-qam", "damaged"]);
    git(&b, &b.store(), &["push", "-q"]);
    // Ours changed the same secret meanwhile.
    a.set("acme/KEY", b"ours-value-2", &[]);
    let mine = git(&a, &a.store(), &["rev-parse", "HEAD"]);

    let out = a.expect_code(&["sync"], None, 1);
    let err = stderr(&out);
    assert!(err.contains("conflict in acme/KEY.age"), "{err}");
    assert!(
        err.contains("cannot merge acme/KEY.age: their version"),
        "the driver's explanation: {err}"
    );
    assert!(err.contains("nothing is lost"), "{err}");
    assert!(err.contains("ward git merge --abort"), "{err}");
    assert!(err.contains("ward git checkout --ours PATH"), "{err}");
    // The documented state: git's merge in progress, both versions in the
    // index, ours in the work tree (no conflict markers in it), nothing pushed.
    assert!(a.store().join(".git/MERGE_HEAD").exists());
    let theirs = git_run(&a, &a.store(), &["show", ":3:acme/KEY.age"]);
    assert_eq!(theirs.stdout, b"this is not an age file\n");
    assert!(git_run(&a, &a.store(), &["show", ":2:acme/KEY.age"])
        .status
        .success());
    assert_eq!(a.get("acme/KEY"), b"ours-value-2");
    let branch = git(&a, &a.store(), &["rev-parse", "--abbrev-ref", "HEAD"]);
    let pushed = git(&a, &remote, &["rev-parse", branch.trim()]);
    assert_ne!(pushed, mine, "the remote has only the other side");
    // Going back restores the clone as it was before the sync.
    a.ok(&["git", "merge", "--abort"], None);
    assert_eq!(git(&a, &a.store(), &["rev-parse", "HEAD"]), mine);
    assert_eq!(a.get("acme/KEY"), b"ours-value-2");
    a.assert_no_plaintext(&[b"ours-value-2", b"base-value-1"]);
}

#[test]
fn a_rebase_left_in_progress_is_refused_and_left_as_it_is() {
    if !require("git") {
        return;
    }
    let (a, b) = both_change_the_readme();
    b.ok(&["sync"], None);
    // Someone started a rebase by hand and left it on its conflict.
    git(&a, &a.store(), &["fetch", "-q"]);
    let stopped = git_run(&a, &a.store(), &["rebase", "-q", "@{u}"]);
    assert!(
        !stopped.status.success(),
        "the rebase stops on the conflict"
    );
    let head = git(&a, &a.store(), &["rev-parse", "HEAD"]);

    let out = a.expect_code(&["sync"], None, 2);
    let err = stderr(&out);
    assert!(err.contains("unfinished rebase"), "{err}");
    assert!(err.contains("ward git rebase --abort"), "{err}");
    assert!(err.contains("nothing was synced"), "{err}");
    assert_eq!(git(&a, &a.store(), &["rev-parse", "HEAD"]), head);
    let git_dir = a.store().join(".git");
    assert!(git_dir.join("rebase-merge").exists() || git_dir.join("rebase-apply").exists());
    a.ok(&["git", "rebase", "--abort"], None);
    assert_eq!(
        std::fs::read_to_string(a.store().join("README.txt")).unwrap(),
        "ann's line\n"
    );
}

#[test]
fn sync_merges_under_the_store_lock_so_a_write_in_progress_is_never_raced() {
    if !require("git") {
        return;
    }
    let (a, remote) = ann_with_remote();
    let b = world("bob@desk");
    b.ok(&["clone", remote.to_str().unwrap()], None);
    // Ann's other machine: her identity.
    std::fs::create_dir_all(b.identity().parent().unwrap()).unwrap();
    write_private(&b.identity(), &std::fs::read(a.identity()).unwrap());
    b.set("acme/FROM_BOB", b"bob-value-1", &[]);
    b.ok(&["sync"], None);
    // A writer holds the store lock (as `ward set` does while it writes).
    let store = ward::store::Store::open(&a.store()).unwrap();
    let held = store.lock().unwrap();
    let mut c = a.cmd(&["sync"]);
    c.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    detach(&mut c);
    let child = c.spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        !a.file("acme/FROM_BOB").exists(),
        "sync merged into the work tree while a writer held the lock"
    );
    drop(held);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("synced: received 1 commit"),
        "{}",
        stdout(&out)
    );
    assert_eq!(a.get("acme/FROM_BOB"), b"bob-value-1");
}
