//! Bad input: wrong keys, damaged and foreign files, loose permissions,
//! hostile names, large and binary values, and no plain text on disk.

mod common;

use common::{stderr, stdout, write_private, Bounded, Ward};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use ward::error::exit;

/// Runs `ward ARGS` (stdin /dev/null), failing the test if it has not
/// finished within 20 s (it is then killed).
fn bounded(w: &Ward, args: &[&str]) -> Bounded {
    common::run_bounded(w.cmd(args), Stdio::null(), Duration::from_secs(20))
        .finished(&format!("ward {args:?}"))
}

/// Replaces whatever is at `path` with a FIFO (named pipe).
fn make_fifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let _ = std::fs::remove_file(path);
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo {}", path.display());
}

/// Asserts the error is one `ward: error:` line that names `file`.
fn one_line_naming(out: &std::process::Output, file: &str) -> String {
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("ward: error: "), "{err}");
    assert!(err.contains(file), "error does not name {file}: {err}");
    err
}

#[test]
fn wrong_identity_is_exit_4_naming_the_file() {
    let w = Ward::init();
    w.set("acme/api/KEY", b"v", &[]);
    let other = w.root().join("stranger.txt");
    common::make_identity(&other);
    let out = w.expect_code(
        &["-i", other.to_str().unwrap(), "get", "acme/api/KEY"],
        None,
        exit::DECRYPT,
    );
    let err = one_line_naming(&out, "acme/api/KEY.age");
    assert!(err.contains("none of your identities"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn corrupt_and_truncated_files_are_exit_5() {
    let w = Ward::init();
    w.set("p/GOOD", b"fine", &[]);
    let big = "x".repeat(200_000);
    for name in ["p/FLIPPED", "p/HALF", "p/HEADER_ONLY", "p/EMPTY", "p/TAIL"] {
        w.set(name, big.as_bytes(), &[]);
    }
    let bytes = std::fs::read(w.file("p/FLIPPED")).unwrap();

    // A flipped byte in the payload fails the integrity check.
    let mut flipped = bytes.clone();
    let at = flipped.len() / 2;
    flipped[at] ^= 0x40;
    write_private(&w.file("p/FLIPPED"), &flipped);
    // Truncations at several places.
    write_private(&w.file("p/HALF"), &bytes[..bytes.len() / 2]);
    let header_end = bytes.windows(4).position(|w| w == b"\n---").unwrap();
    write_private(&w.file("p/HEADER_ONLY"), &bytes[..header_end]);
    write_private(&w.file("p/EMPTY"), b"");
    write_private(&w.file("p/TAIL"), &bytes[..bytes.len() - 1]);

    for name in ["p/FLIPPED", "p/HALF", "p/HEADER_ONLY", "p/EMPTY", "p/TAIL"] {
        let out = w.expect_code(&["get", name], None, exit::CORRUPT);
        one_line_naming(&out, &format!("{name}.age"));
        assert!(out.stdout.is_empty(), "{name}: partial output");
    }
    // The good one still reads, and ls --long reports the rest and carries on.
    assert_eq!(w.get("p/GOOD"), b"fine");
    let out = w.expect_code(&["ls", "--long"], None, exit::CORRUPT);
    let table = stdout(&out);
    assert_eq!(
        table.lines().filter(|l| l.contains("unreadable")).count(),
        5
    );
    assert!(table
        .lines()
        .any(|l| l.starts_with("p/GOOD") && !l.contains("unreadable")));
    assert_eq!(stderr(&out).lines().count(), 5, "{}", stderr(&out));
}

#[test]
fn a_foreign_file_does_not_stop_the_listing() {
    let w = Ward::init();
    w.set("p/ONE", b"1", &[]);
    w.set("q/TWO", b"2", &[]);
    std::fs::write(w.store().join("p/X.age"), b"just some text, not age\n").unwrap();
    std::fs::write(w.store().join("p/README.md"), b"not a secret").unwrap();
    // Names alone: the foreign file is a name like any other.
    let plain = stdout(&w.ok(&["ls"], None));
    assert_eq!(plain.lines().count(), 3, "{plain}");
    // Decrypting: it is reported, the others are still listed, exit 5.
    let out = w.expect_code(&["ls", "--long"], None, exit::CORRUPT);
    let err = stderr(&out);
    assert!(
        err.contains("p/X.age") && err.contains("not an age file"),
        "{err}"
    );
    let table = stdout(&out);
    assert!(
        table.contains("p/ONE") && table.contains("q/TWO"),
        "{table}"
    );
    let json: serde_json::Value = serde_json::from_slice(
        &w.expect_code(&["ls", "--long", "--json"], None, exit::CORRUPT)
            .stdout,
    )
    .unwrap();
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), 3);
    let x = items.iter().find(|i| i["name"] == "p/X").unwrap();
    assert!(x["error"].as_str().unwrap().contains("not an age file"));
    let one = items.iter().find(|i| i["name"] == "p/ONE").unwrap();
    assert_eq!(one["status"], "no-policy");
    // A badly named file is reported too, and the rest still listed.
    std::fs::write(w.store().join("p/ bad.age"), b"x").unwrap();
    let out = w.expect_code(&["ls"], None, exit::CORRUPT);
    assert!(stderr(&out).contains("bad.age"), "{}", stderr(&out));
    assert!(stdout(&out).contains("q/TWO"));
}

#[test]
fn an_identity_others_can_read_is_refused_with_a_chmod_hint() {
    let w = Ward::init();
    w.set("p/K", b"v", &[]);
    for m in [0o644, 0o640, 0o604] {
        std::fs::set_permissions(w.identity(), std::fs::Permissions::from_mode(m)).unwrap();
        let out = w.expect_code(&["get", "p/K"], None, exit::IDENTITY);
        let err = one_line_naming(&out, "identity.txt");
        assert!(err.contains("chmod 600"), "{err}");
        assert!(err.contains("too open"), "{err}");
    }
    std::fs::set_permissions(w.identity(), std::fs::Permissions::from_mode(0o400)).unwrap();
    assert_eq!(w.get("p/K"), b"v");
}

#[test]
fn a_damaged_identity_file_is_exit_7_and_not_quoted() {
    let w = Ward::init();
    w.set("p/K", b"v", &[]);
    write_private(&w.identity(), b"AGE-SECRET-KEY-1NOTAVALIDKEYATALL\n");
    let out = w.expect_code(&["get", "p/K"], None, exit::IDENTITY);
    let err = one_line_naming(&out, "identity.txt");
    assert!(err.contains("line 1"), "{err}");
    assert!(
        !err.contains("NOTAVALIDKEY"),
        "private key line echoed: {err}"
    );
}

#[test]
fn hostile_names_are_usage_errors_without_raw_escapes() {
    let w = Ward::init();
    w.set("p/K", b"v", &[]);
    let hostile = [
        "..",
        "../x",
        "p/../../etc/passwd",
        "/etc/passwd",
        "/abs/KEY",
        "a//b",
        "a/",
        "./a",
        ".ward/store",
        "p/.recipients",
        "esc\u{1b}[2Jclear",
        "title\u{1b}]0;pwned\u{7}",
        "osc52\u{1b}]52;c;aGk=\u{7}",
        "csi\u{9b}31m",
        "new\nline",
        "tab\there",
        "cr\rreturn",
        "del\u{7f}",
        "back\\slash",
        " padded",
    ];
    for name in hostile {
        for args in [
            vec!["get", name],
            vec!["set", name],
            vec!["edit", name, "--owner", "x"],
            vec!["rotate", name],
            vec!["history", name],
            vec!["rm", "-f", name],
            vec!["mv", "p/K", name],
            vec!["mv", name, "p/NEW"],
        ] {
            let out = w.expect_code(&args, Some(b"value"), exit::USAGE);
            let err = stderr(&out);
            assert!(err.contains("invalid secret name"), "{args:?}: {err}");
            for raw in ['\u{1b}', '\u{9b}', '\u{7}', '\r', '\u{7f}'] {
                assert!(!err.contains(raw), "{args:?}: raw {raw:?} on stderr");
            }
            assert_eq!(err.lines().count(), 1, "{args:?}: {err:?}");
        }
    }
    // A prefix may end in '/', but is otherwise held to the same rules.
    for name in hostile.iter().filter(|n| **n != "a/") {
        let out = w.expect_code(&["ls", name], None, exit::USAGE);
        assert!(!stderr(&out).contains('\u{1b}'));
    }
    // Nothing escaped the store, and p/K is untouched.
    assert_eq!(w.get("p/K"), b"v");
    assert!(!w.root().join("x.age").exists());
    let names = stdout(&w.ok(&["ls"], None));
    assert_eq!(names.trim(), "p/K");
}

#[test]
fn hostile_strings_from_the_store_are_escaped_on_output() {
    let w = Ward::init();
    let evil = "\u{1b}]52;c;aGk=\u{7}\u{1b}[2J";
    w.set("p/K", b"v", &["--owner", evil, "--note", evil]);
    // A hostile file name planted in the store.
    std::fs::write(w.store().join("p/evil\u{1b}[31m.age"), b"x").unwrap();
    let out = w.run(&["ls", "--long"], None);
    let all = [out.stdout.clone(), out.stderr.clone()].concat();
    assert!(!all.contains(&0x1b), "raw ESC in ls --long output");
    assert!(stdout(&out).contains("\\e]52"), "{}", stdout(&out));
    let out = w.run(&["ls"], None);
    assert!(![out.stdout, out.stderr].concat().contains(&0x1b));
    // history --reveal goes through the same escaping.
    w.set("p/K", evil.as_bytes(), &[]);
    let out = w.ok(&["history", "p/K", "--reveal"], None);
    assert!(!out.stdout.contains(&0x1b));
    // JSON escapes control characters by itself.
    let out = w.ok(&["get", "p/K", "--json"], None);
    assert!(!out.stdout.contains(&0x1b));
    // A pipe gets the value byte-exact, as asked.
    assert_eq!(w.get("p/K"), evil.as_bytes());
}

#[test]
fn values_reach_a_terminal_escaped() {
    let w = Ward::init();
    let evil = "line1\n\u{1b}]52;c;aGk=\u{7}line2";
    w.set("p/K", evil.as_bytes(), &["--note", evil]);
    let t = std::time::Duration::from_secs(20);
    for args in [&["get", "p/K"][..], &["get", "p/K", "--field", "notes"][..]] {
        let out = common::pty::run_all(w.cmd(args), &[], t);
        assert!(out.status.success(), "{}", out.transcript);
        assert!(
            !out.transcript.contains('\u{1b}'),
            "{args:?}: {:?}",
            out.transcript
        );
        assert!(
            out.transcript.contains("\\e]52"),
            "{args:?}: {:?}",
            out.transcript
        );
        assert!(
            out.transcript.contains("line1\r\n"),
            "{args:?}: {:?}",
            out.transcript
        );
    }
    // Piped, the field is byte-exact too.
    let out = w.ok(&["get", "p/K", "--field", "notes"], None);
    assert_eq!(out.stdout, format!("{evil}\n").as_bytes());
}

#[test]
fn a_one_mib_value_round_trips_byte_exact() {
    let w = Ward::init();
    let mut value = Vec::with_capacity(1 << 20);
    let mut x: u32 = 12345;
    while value.len() < (1 << 20) {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let c = b"abcdefghijklmnopqrstuvwxyz0123456789 \n{}\"\\/\t"[(x >> 16) as usize % 44];
        value.push(c);
    }
    // Not ending in a newline, so set keeps every byte.
    *value.last_mut().unwrap() = b'z';
    assert_eq!(value.len(), 1 << 20);
    w.set("big/ONE_MIB", &value, &[]);
    assert_eq!(w.get("big/ONE_MIB"), value);
    // Larger than the limit is refused before anything is written.
    let huge = vec![b'a'; 16 * 1024 * 1024 + 1];
    let out = w.expect_code(&["set", "big/HUGE"], Some(&huge), exit::USAGE);
    assert!(stderr(&out).contains("limit"));
    assert!(!w.file("big/HUGE").exists());
}

#[test]
fn a_binary_value_round_trips_with_binary() {
    let w = Ward::init();
    let mut bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    bytes.extend_from_slice(b"\r\n\n");
    w.set("bin/BLOB", &bytes, &["--binary"]);
    assert_eq!(
        w.get("bin/BLOB"),
        bytes,
        "trailing newlines kept with --binary"
    );
    assert_eq!(w.doc("bin/BLOB")["encoding"], "base64");
    // Rotating from binary to text and back keeps both in history.
    w.ok(&["rotate", "bin/BLOB"], Some(b"text now"));
    w.ok(&["rotate", "bin/BLOB", "--binary"], Some(&[0, 1, 2]));
    assert_eq!(w.get("bin/BLOB"), [0, 1, 2]);
    let hist = stdout(&w.ok(&["history", "bin/BLOB", "--reveal"], None));
    assert!(
        hist.contains("text now") && hist.contains("base64:"),
        "{hist}"
    );
    // JSON says which values are base64.
    let out = w.ok(&["history", "bin/BLOB", "--json", "--reveal"], None);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let encodings: Vec<_> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["encoding"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(encodings, ["base64", "utf8", "base64"]);
    // Without --binary, bytes that are not UTF-8 are refused.
    w.expect_code(&["set", "bin/BAD"], Some(&[0xff, 0x00]), exit::USAGE);
}

#[test]
fn no_value_reaches_disk_in_plain_text() {
    let w = Ward::init();
    let canaries: Vec<String> = (0..6).map(|i| format!("CANARY-{i}-q9Zx3-PLAIN")).collect();
    w.set("acme/api/K", canaries[0].as_bytes(), &["--note", "n"]);
    w.set("acme/api/K", canaries[1].as_bytes(), &["--reason", "r"]);
    w.ok(&["rotate", "acme/api/K"], Some(canaries[2].as_bytes()));
    w.ok(&["edit", "acme/api/K", "--owner", "ann"], None);
    w.ok(&["mv", "acme/api/K", "acme/prod/K"], None);
    w.set("acme/bin/B", canaries[3].as_bytes(), &["--binary"]);
    w.set("acme/gen/G", canaries[4].as_bytes(), &[]);
    w.ok(&["rotate", "acme/gen/G", "-g"], None);
    let generated = w.get("acme/gen/G");
    w.set("acme/gone/D", canaries[5].as_bytes(), &[]);
    w.ok(&["rm", "-f", "acme/gone/D"], None);
    w.ok(&["ls", "--long"], None);
    w.ok(&["history", "acme/prod/K", "--reveal"], None);
    w.ok(&["get", "acme/prod/K", "--json"], None);
    // The binary value is stored base64: look for that spelling too.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(canaries[3].as_bytes());
    let mut needles: Vec<&[u8]> = canaries.iter().map(|c| c.as_bytes()).collect();
    needles.push(b64.as_bytes());
    needles.push(&generated);
    w.assert_no_plaintext(&needles);
    // Every file and folder ward made is private.
    for f in common::files_under(&w.store()) {
        assert_eq!(common::mode(&f), 0o600, "{}", f.display());
    }
}

#[test]
fn fifos_in_the_store_are_reported_and_never_hang_a_command() {
    let w = Ward::init();
    w.set("p/GOOD", b"fine", &[]);
    w.set("team/K", b"v", &[]);
    // The audit key and this actor's log exist from here on.
    assert_eq!(w.get("p/GOOD"), b"fine");
    let pipe_named = |out: &std::process::Output, file: &str| {
        let err = stderr(out);
        assert!(
            err.contains(file) && err.contains("named pipe"),
            "{file} not reported: {err}"
        );
    };

    // As a secret: a problem in the listing, an error when read.
    make_fifo(&w.file("p/PIPE"));
    let out = bounded(&w, &["ls"]).output;
    assert_eq!(out.status.code(), Some(exit::CORRUPT));
    assert_eq!(stdout(&out).trim(), "p/GOOD\nteam/K");
    pipe_named(&out, "p/PIPE.age");
    let out = bounded(&w, &["ls", "--long"]).output;
    assert!(stdout(&out).contains("p/GOOD"), "{}", stdout(&out));
    let out = bounded(&w, &["get", "p/PIPE"]).output;
    assert!(!out.status.success());
    pipe_named(&out, "p/PIPE.age");
    std::fs::remove_file(w.file("p/PIPE")).unwrap();

    // As a folder policy.
    let policy = w.store().join("p/.policy.toml");
    make_fifo(&policy);
    let out = bounded(&w, &["ls", "--long"]).output;
    assert!(stdout(&out).contains("p/GOOD"), "{}", stdout(&out));
    pipe_named(&out, "p/.policy.toml");
    std::fs::remove_file(&policy).unwrap();

    // As a folder's recipients: the write fails at once, so the lock it held
    // does not keep other writers waiting.
    let recipients = w.store().join("team/.recipients");
    make_fifo(&recipients);
    let out = bounded(&w, &["set", "team/NEW", "-g"]).output;
    assert!(!out.status.success());
    pipe_named(&out, "team/.recipients");
    assert!(bounded(&w, &["set", "p/OTHER", "-g"])
        .output
        .status
        .success());
    std::fs::remove_file(&recipients).unwrap();

    // As another actor's audit log: reading and verifying the log finish.
    let log = w.store().join(".ward/audit/mallory@elsewhere.jsonl");
    make_fifo(&log);
    let out = bounded(&w, &["audit"]).output;
    pipe_named(&out, "mallory@elsewhere.jsonl");
    let verify = bounded(&w, &["audit", "verify"]).output;
    assert!(
        [stdout(&verify), stderr(&verify)]
            .concat()
            .contains("mallory@elsewhere.jsonl"),
        "{}{}",
        stdout(&verify),
        stderr(&verify)
    );
    assert_eq!(bounded(&w, &["get", "p/GOOD"]).output.stdout, b"fine");
    std::fs::remove_file(&log).unwrap();

    // As the audit key: commands still work, with a warning.
    let key = w.store().join(".ward/audit.key.age");
    make_fifo(&key);
    let out = bounded(&w, &["get", "p/GOOD"]).output;
    assert_eq!(out.stdout, b"fine");
    pipe_named(&out, "audit.key.age");

    // As store.toml: every command fails at once, naming it.
    make_fifo(&w.store().join(".ward/store.toml"));
    let out = bounded(&w, &["ls"]).output;
    assert!(!out.status.success());
    pipe_named(&out, "store.toml");
}

/// Peak memory allowed to a command fed a huge input. ward itself takes a
/// few MiB; reading a value up to the 16 MiB limit stays well under this.
const SMALL_MEMORY_KIB: i64 = 200 * 1024;

/// A sparse 20 GiB file (mode 0600): no disk space, but reading it whole
/// took a minute and 21 GB of memory.
fn make_huge(path: &Path) {
    let f = std::fs::File::create(path).unwrap();
    f.set_len(20 << 30).unwrap();
    f.set_permissions(std::fs::Permissions::from_mode(0o600))
        .unwrap();
}

/// Runs `ward ARGS`, which must finish quickly in little memory, and
/// returns its output; `file` must be named as too large.
fn refused_as_too_large(w: &Ward, args: &[&str], file: &str) -> std::process::Output {
    let run = bounded(w, args);
    assert!(
        run.elapsed < Duration::from_secs(10),
        "ward {args:?} took {:?}",
        run.elapsed
    );
    assert!(
        run.max_rss_kib < SMALL_MEMORY_KIB,
        "ward {args:?}: peak memory {} KiB",
        run.max_rss_kib
    );
    let err = stderr(&run.output);
    assert!(
        err.contains(file) && err.contains("over ward's limit"),
        "ward {args:?}: {file} not refused: {err}"
    );
    run.output
}

#[test]
fn huge_files_in_the_store_are_refused_from_their_size_alone() {
    let w = Ward::init();
    w.set("p/GOOD", b"fine", &[]);
    w.set("team/K", b"v", &[]);
    assert_eq!(w.get("p/GOOD"), b"fine");

    // A secret: refused before anything is read; the rest still loads,
    // through the metadata cache and without it.
    make_huge(&w.file("p/HUGE"));
    let out = refused_as_too_large(&w, &["get", "p/HUGE"], "p/HUGE.age");
    assert!(!out.status.success());
    for args in [&["ls", "--long"][..], &["ls", "--long", "--no-cache"]] {
        let out = refused_as_too_large(&w, args, "p/HUGE.age");
        let table = stdout(&out);
        assert!(
            table
                .lines()
                .any(|l| l.starts_with("p/GOOD") && !l.contains("unreadable")),
            "{table}"
        );
    }
    std::fs::remove_file(w.file("p/HUGE")).unwrap();

    // A folder policy: reported, the listing goes on.
    let policy = w.store().join("p/.policy.toml");
    make_huge(&policy);
    let out = refused_as_too_large(&w, &["ls"], "p/.policy.toml");
    assert!(stdout(&out).contains("p/GOOD"));
    std::fs::remove_file(&policy).unwrap();

    // A folder's recipients: that write is refused.
    let recipients = w.store().join("team/.recipients");
    make_huge(&recipients);
    let out = refused_as_too_large(&w, &["set", "team/NEW", "-g"], "team/.recipients");
    assert!(!out.status.success());
    std::fs::remove_file(&recipients).unwrap();

    // The audit key: a warning, the command still works.
    make_huge(&w.store().join(".ward/audit.key.age"));
    let out = refused_as_too_large(&w, &["get", "p/GOOD"], "audit.key.age");
    assert_eq!(out.stdout, b"fine");

    // This actor's audit head, read on every audited command.
    let head = std::fs::read_dir(w.store().join(".ward/audit"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "head"))
        .expect("a head file");
    make_huge(&head);
    let run = bounded(&w, &["get", "p/GOOD"]);
    assert_eq!(run.output.stdout, b"fine");
    assert!(
        run.max_rss_kib < SMALL_MEMORY_KIB,
        "{} KiB",
        run.max_rss_kib
    );

    // store.toml: nothing can be done, said at once.
    make_huge(&w.store().join(".ward/store.toml"));
    let out = refused_as_too_large(&w, &["ls"], "store.toml");
    assert!(!out.status.success());
}

#[test]
fn a_value_on_stdin_is_read_only_up_to_the_limit() {
    let w = Ward::init();
    w.set("p/K", b"kept", &[]);
    for args in [
        &["set", "p/ZEROS"][..],
        &["set", "p/ZEROS", "--binary"],
        &["rotate", "p/K"],
    ] {
        let zero = std::fs::File::open("/dev/zero").unwrap();
        let run = common::run_bounded(w.cmd(args), Stdio::from(zero), Duration::from_secs(20))
            .finished(&format!("ward {args:?} < /dev/zero"));
        assert_eq!(run.output.status.code(), Some(exit::USAGE), "{args:?}");
        assert!(stderr(&run.output).contains("limit"), "{args:?}");
        assert!(
            run.max_rss_kib < SMALL_MEMORY_KIB,
            "ward {args:?} < /dev/zero: peak memory {} KiB",
            run.max_rss_kib
        );
    }
    assert!(!w.file("p/ZEROS").exists());
    assert_eq!(w.get("p/K"), b"kept");
}

#[test]
fn rm_and_mv_never_go_through_a_linked_folder() {
    let w = Ward::init();
    w.set("p/K", b"v", &[]);
    // A folder in the store that is a link to a folder outside it, holding
    // a file of the same shape as a secret.
    let outside = w.root().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::copy(w.file("p/K"), outside.join("KEY.age")).unwrap();
    std::os::unix::fs::symlink(&outside, w.store().join("linked")).unwrap();

    for args in [
        &["rm", "-f", "linked/KEY"][..],
        &["mv", "linked/KEY", "p/MOVED"],
        &["mv", "p/K", "linked/NEW"],
        &["ls", "--long", "linked"],
    ] {
        let out = w.run(args, None);
        assert!(!out.status.success(), "ward {args:?} went through the link");
        assert!(
            stderr(&out).contains("symbolic link"),
            "ward {args:?}: {}",
            stderr(&out)
        );
        assert!(!stdout(&out).contains("linked/KEY"), "ward {args:?}");
    }
    assert!(
        outside.join("KEY.age").exists(),
        "the outside file is still there"
    );
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 1);
    assert!(!w.file("p/MOVED").exists());
    assert_eq!(w.get("p/K"), b"v");
}

#[test]
fn folder_policies_are_never_read_through_a_link_nor_quoted() {
    let w = Ward::init();
    w.set("p/K", b"v", &[]);
    w.set("q/K", b"v", &[]);
    // A policy from outside the store, linked in: reported, not applied.
    let elsewhere = w.root().join("policy.toml");
    std::fs::write(&elsewhere, "rotate_every = \"1d\"\n").unwrap();
    std::os::unix::fs::symlink(&elsewhere, w.store().join("p/.policy.toml")).unwrap();
    let out = w.run(&["ls", "--long", "--json"], None);
    let err = stderr(&out);
    assert!(
        err.contains("p/.policy.toml") && err.contains("symbolic link"),
        "{err}"
    );
    let items: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "p/K")
        .unwrap();
    assert_eq!(p["status"], "no-policy", "{p}");

    // A broken policy: the warning says the line and what is wrong, in
    // ward's words, and never quotes the file.
    std::fs::write(
        w.store().join("q/.policy.toml"),
        "# owner: CANARY-ann\nrotate_every = \"CANARY-sk_live_42\"\n",
    )
    .unwrap();
    let out = w.run(&["ls"], None);
    let err = stderr(&out);
    assert!(
        err.contains("q/.policy.toml") && err.contains("line 2") && err.contains("not an interval"),
        "{err}"
    );
    assert!(!err.contains("CANARY"), "policy content quoted: {err}");
    assert!(stdout(&out).contains("q/K"));
}

#[test]
fn stale_temp_files_anywhere_in_the_store_are_swept_by_the_next_write() {
    let w = Ward::init();
    w.set("p/K", b"v", &[]);
    w.set("q/deep/K", b"v", &[]);
    let store = w.store();
    // Left by writers killed mid-write, in folders other than the one the
    // next write goes to.
    let stale = [
        store.join(".ward-tmp-4000001-1-TOP.age"),
        store.join("q/.ward-tmp-4000001-2-K.age"),
        store.join("q/deep/.ward-tmp-4000001-3-K.age"),
    ];
    // In .ward, the audit key is written under the audit's own lock: only
    // a temp whose writer is gone may go.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let gone = child.id();
    child.wait().unwrap();
    let dead_in_ward = store.join(format!(".ward/.ward-tmp-{gone}-4-recipients"));
    let live_in_ward = store.join(format!(
        ".ward/.ward-tmp-{}-5-audit.key.age",
        std::process::id()
    ));
    for f in stale.iter().chain([&dead_in_ward, &live_in_ward]) {
        write_private(f, b"half a file");
    }
    w.set("p/NEW", b"v", &[]);
    for f in stale.iter().chain([&dead_in_ward]) {
        assert!(!f.exists(), "{} not swept", f.display());
    }
    assert!(live_in_ward.exists(), "a live writer's temp was removed");
    assert_eq!(w.get("q/deep/K"), b"v");
}

#[test]
fn a_new_store_keeps_local_files_out_of_git() {
    let w = Ward::init();
    let text = std::fs::read_to_string(w.store().join(".gitignore")).unwrap();
    for line in ["/.ward/lock", "/.ward/audit/.*.lock", ".ward-tmp-*"] {
        assert!(text.lines().any(|l| l == line), "{line} missing: {text}");
    }
    if !common::have("git") {
        return;
    }
    let git = |args: &[&str]| {
        let mut c = std::process::Command::new("git");
        c.arg("-C").arg(w.store()).args(args);
        w.apply_env(&mut c);
        c.output().unwrap()
    };
    assert!(git(&["init", "-q"]).status.success());
    let ignored = |path: &str| {
        git(&["check-ignore", "-q", "--no-index", path])
            .status
            .success()
    };
    for path in [
        ".ward/lock",
        ".ward/audit/.ann@laptop.lock",
        ".ward/audit/.key.lock",
        "acme/.ward-tmp-1-2-KEY.age",
        ".ward/.ward-tmp-1-2-recipients",
    ] {
        assert!(ignored(path), "{path} would be committed");
    }
    for path in [
        ".ward/store.toml",
        ".ward/recipients",
        ".ward/audit.key.age",
        ".ward/audit/ann@laptop.jsonl",
        ".ward/audit/ann@laptop.head",
        "acme/KEY.age",
        "acme/.recipients",
        "acme/.policy.toml",
        ".gitignore",
    ] {
        assert!(!ignored(path), "{path} would be left out of git");
    }
}

#[test]
fn characters_that_draw_nothing_are_shown_escaped() {
    let w = Ward::init();
    let note = "pay\u{202e}gnp.exe \u{2066}x\u{2069} tag\u{e0041}";
    w.set("p/K", b"v", &["--owner", "ann\u{200d}", "--note", note]);
    // A file name with a zero-width space: a twin of p/APIKEY to the eye.
    std::fs::copy(w.file("p/K"), w.store().join("p/API\u{200b}KEY.age")).unwrap();
    // Pipes get fields byte-exact; listings are always escaped.
    for args in [&["ls"][..], &["ls", "--long"]] {
        let out = w.run(args, None);
        let all = String::from_utf8_lossy(&[out.stdout.clone(), out.stderr.clone()].concat())
            .into_owned();
        for raw in ['\u{200b}', '\u{200d}', '\u{202e}', '\u{2066}', '\u{e0041}'] {
            assert!(!all.contains(raw), "ward {args:?}: raw {raw:?} in {all:?}");
        }
    }
    let names = stdout(&w.ok(&["ls"], None));
    assert!(names.contains("p/API\\u{200b}KEY"), "{names}");
    let t = Duration::from_secs(20);
    let out = common::pty::run_all(w.cmd(&["get", "p/K", "--field", "notes"]), &[], t);
    assert!(
        out.transcript
            .contains("pay\\u{202e}gnp.exe \\u{2066}x\\u{2069} tag\\u{e0041}"),
        "{:?}",
        out.transcript
    );
}

#[test]
fn new_names_that_would_not_check_out_everywhere_are_refused() {
    let w = Ward::init();
    w.set("acme/API_KEY", b"v", &[]);
    w.set("acme/clé", b"v", &[]);
    w.set("acme/OTHER", b"v", &[]);
    let refused = |args: &[&str], needles: &[&str]| {
        let out = w.expect_code(args, Some(b"value"), exit::USAGE);
        let err = stderr(&out);
        assert!(err.contains("invalid secret name"), "{args:?}: {err}");
        for n in needles {
            assert!(err.contains(n), "{args:?}: {n:?} not in {err}");
        }
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            !err.contains('\u{200b}'),
            "{args:?}: raw invisible character"
        );
    };
    // Names that Windows cannot check out.
    for bad in [
        "acme/CON",
        "acme/nul.txt",
        "acme/com1",
        "LPT3/KEY",
        "acme/db:url",
        "acme/a<b",
        "acme/why?",
        "acme/KEY.",
        "acme./KEY",
    ] {
        refused(&["set", bad], &["Windows"]);
        refused(&["mv", "acme/OTHER", bad], &["Windows"]);
        refused(&["set", bad, "-g"], &["Windows"]);
    }
    // Twins of existing names, which collide on a case-insensitive checkout
    // or fool the eye; the message names the existing one, escaped.
    for (twin, needles) in [
        ("acme/api_key", &["acme/API_KEY", "letter case"][..]),
        ("ACME/NEW", &["\"acme\"", "folder", "letter case"]),
        (
            "acme/API\u{200b}_KEY",
            &["acme/API_KEY", "invisible", "u{200b}_KEY"],
        ),
        ("acme/cle\u{301}", &["acme/clé", "normalisation"]),
    ] {
        refused(&["set", twin], needles);
        refused(&["mv", "acme/OTHER", twin], needles);
    }
    assert_eq!(
        stdout(&w.ok(&["ls"], None)).lines().collect::<Vec<_>>(),
        ["acme/API_KEY", "acme/OTHER", "acme/clé"]
    );
    // A move may change a secret's own case.
    w.ok(&["mv", "acme/API_KEY", "acme/Api_Key"], None);
    // Files that already have such names (from an older ward, or made by
    // hand) still list, read and update: only creation is refused.
    for existing in ["acme/CON", "acme/api_key"] {
        std::fs::copy(w.file("acme/OTHER"), w.file(existing)).unwrap();
        assert_eq!(w.get(existing), b"v");
        w.set(existing, b"updated", &[]);
        assert_eq!(w.get(existing), b"updated");
    }
    let names = stdout(&w.ok(&["ls"], None));
    assert!(
        names.contains("acme/CON") && names.contains("acme/api_key"),
        "{names}"
    );
}
