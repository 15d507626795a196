//! `ward export` and `ward exec`, run as the real binary on temporary stores.

mod common;

use common::{stderr, stdout, Ward};
use std::time::Duration;
use ward::error::exit;

/// Values that break naive quoting: (secret, value).
const TRICKY: &[(&str, &str)] = &[
    ("app/QUOTES", "it's \"double\" and 'single'"),
    ("app/DOLLAR", "$HOME ${PATH} $(id) `id`"),
    ("app/BACKSLASH", "a\\b\\\\c\\n\\'"),
    ("app/MULTI", "line one\nline two\n\nend"),
    ("app/TRAILING", "ends with newline\n"),
    ("app/UNICODE", "clé → ✓ 日本語 🔑"),
    ("app/SPACES", "  padded\ttab  "),
];

fn tricky_store() -> Ward {
    let w = Ward::init();
    for (name, value) in TRICKY {
        // `set` strips exactly one trailing newline from stdin.
        w.set(name, format!("{value}\n").as_bytes(), &[]);
    }
    w
}

fn var(secret: &str) -> &str {
    secret.rsplit('/').next().unwrap()
}

/// The documented dotenv unescaping: `\\ \" \$ \n \r` inside double quotes.
fn dotenv_parse(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(|line| {
            let (name, quoted) = line.split_once('=').expect("NAME=\"…\"");
            let inner = quoted
                .strip_prefix('"')
                .and_then(|q| q.strip_suffix('"'))
                .expect("double-quoted");
            let mut value = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c != '\\' {
                    assert!(c != '"' && c != '$', "unescaped {c:?} in {line:?}");
                    value.push(c);
                    continue;
                }
                match chars.next() {
                    Some('n') => value.push('\n'),
                    Some('r') => value.push('\r'),
                    Some(c @ ('\\' | '"' | '$')) => value.push(c),
                    other => panic!("unknown escape {other:?} in {line:?}"),
                }
            }
            (name.to_string(), value)
        })
        .collect()
}

#[test]
fn env_format_is_exact_and_sorted() {
    let w = Ward::init();
    w.set("acme/api/STRIPE_KEY", b"sk_live_1", &[]);
    w.set("acme/api/quote", b"it's", &[]);
    w.set("acme/db/2fa-seed", b"a\nb", &[]);
    let out = w.ok(&["export", "acme"], None);
    assert_eq!(
        stdout(&out),
        "export QUOTE='it'\\''s'\nexport STRIPE_KEY='sk_live_1'\nexport _2FA_SEED='a\nb'\n"
    );
    // A single secret as the prefix.
    let out = w.ok(&["export", "acme/api/STRIPE_KEY"], None);
    assert_eq!(stdout(&out), "export STRIPE_KEY='sk_live_1'\n");
}

#[test]
fn dotenv_format_is_exact() {
    let w = Ward::init();
    w.set("p/A", b"back\\slash \"quoted\" $VAR\nnext\r", &[]);
    w.set("p/B", b"plain 'single' \xc3\xa9", &[]);
    let out = w.ok(&["export", "p", "--format", "dotenv"], None);
    assert_eq!(
        stdout(&out),
        "A=\"back\\\\slash \\\"quoted\\\" \\$VAR\\nnext\\r\"\nB=\"plain 'single' é\"\n"
    );
}

#[test]
fn env_output_round_trips_through_sh() {
    let w = tricky_store();
    let out = w.ok(&["export", "app"], None);
    let file = w.root().join("vars.sh");
    std::fs::write(&file, &out.stdout).unwrap();
    for (name, value) in TRICKY {
        let script = format!(". ./vars.sh; printf %s \"${}\"", var(name));
        let got = std::process::Command::new("sh")
            .args(["-c", &script])
            .current_dir(w.root())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap())
            .output()
            .unwrap();
        assert!(got.status.success(), "{}", stderr(&got));
        assert_eq!(stdout(&got), *value, "{name}");
        // Sourcing ran nothing: `$(id)` and `` `id` `` stayed text.
        assert!(got.stderr.is_empty(), "{}", stderr(&got));
    }
}

#[test]
fn dotenv_output_round_trips() {
    let w = tricky_store();
    let out = w.ok(&["export", "app", "--format", "dotenv"], None);
    let text = stdout(&out);
    assert_eq!(
        text.lines().count(),
        TRICKY.len(),
        "one line a secret: {text}"
    );
    let parsed = dotenv_parse(&text);
    for (name, value) in TRICKY {
        let got = parsed
            .iter()
            .find(|(n, _)| n == var(name))
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(got.1, *value, "{name}");
    }
}

#[test]
fn json_parses_with_values_and_metadata() {
    let w = tricky_store();
    w.set(
        "app/KEYED",
        b"k",
        &["--kind", "api-key", "--expires", "2031-01-02"],
    );
    w.ok(&["set", "app/BIN", "--binary"], Some(&[0u8, 159, 255]));
    let out = w.ok(&["export", "app", "--format", "json"], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let obj = v.as_object().unwrap();
    assert_eq!(obj.len(), TRICKY.len() + 2);
    for (name, value) in TRICKY {
        assert_eq!(v[name]["value"], *value, "{name}");
        assert_eq!(v[name]["encoding"], "utf8");
        assert_eq!(v[name]["version"], 1);
    }
    assert_eq!(v["app/KEYED"]["kind"], "api-key");
    assert_eq!(v["app/KEYED"]["expires"], "2031-01-02");
    assert!(v["app/QUOTES"]["expires"].is_null());
    // Binary values come as base64, said so.
    assert_eq!(v["app/BIN"]["encoding"], "base64");
    assert_eq!(v["app/BIN"]["value"], "AJ//");
    // --prefix-names means nothing for JSON.
    w.expect_code(
        &["export", "app", "--format", "json", "--prefix-names"],
        None,
        exit::USAGE,
    );
}

#[test]
fn a_name_collision_names_both_and_prefix_names_resolves_it() {
    let w = Ward::init();
    w.set("acme/api/KEY", b"one", &[]);
    w.set("acme/web/KEY", b"two", &[]);
    for format in ["env", "dotenv"] {
        let out = w.expect_code(&["export", "acme", "--format", format], None, exit::USAGE);
        let err = stderr(&out);
        assert!(
            err.contains("acme/api/KEY") && err.contains("acme/web/KEY"),
            "{err}"
        );
        assert!(err.contains("--prefix-names"), "{err}");
        assert!(out.stdout.is_empty());
    }
    let out = w.ok(&["export", "acme", "--prefix-names"], None);
    assert_eq!(
        stdout(&out),
        "export ACME_API_KEY='one'\nexport ACME_WEB_KEY='two'\n"
    );
    // Names that differ only in characters mapped to `_` collide too.
    let w = Ward::init();
    w.set("p/db-pass", b"1", &[]);
    w.set("p/db_pass", b"2", &[]);
    let out = w.expect_code(&["export", "p"], None, exit::USAGE);
    assert!(stderr(&out).contains("DB_PASS"), "{}", stderr(&out));
    // Nothing was recorded for a refused export.
    assert!(!audit_text(&w).contains("\"export\""));
}

#[test]
fn binary_and_dangerous_names_are_refused() {
    let w = Ward::init();
    w.ok(&["set", "p/BLOB", "--binary"], Some(b"\x00\x01"));
    for args in [
        &["export", "p"][..],
        &["export", "p", "--format", "dotenv"],
        &["exec", "p", "--", "true"],
    ] {
        let out = w.expect_code(args, None, exit::USAGE);
        assert!(stderr(&out).contains("binary"), "{}", stderr(&out));
        assert!(stderr(&out).contains("p/BLOB"), "{}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
    let w = Ward::init();
    w.set("p/ld_preload", b"/tmp/evil.so", &[]);
    let out = w.expect_code(&["exec", "p", "--", "true"], None, exit::USAGE);
    assert!(stderr(&out).contains("LD_PRELOAD"), "{}", stderr(&out));
    w.expect_code(&["export", "p"], None, exit::USAGE);
}

#[test]
fn a_missing_prefix_is_not_found() {
    let w = Ward::init();
    w.set("acme/K", b"v", &[]);
    w.expect_code(&["export", "nope"], None, exit::NOT_FOUND);
    w.expect_code(&["exec", "nope", "--", "true"], None, exit::NOT_FOUND);
}

#[test]
fn a_terminal_is_refused_without_force() {
    let w = Ward::init();
    w.set("p/K", b"s3cr3t-value\x1b[31m", &[]);
    let t = Duration::from_secs(20);
    let out = common::pty::run_all(w.cmd(&["export", "p"]), &[], t);
    assert_eq!(out.status.code(), Some(exit::USAGE), "{}", out.transcript);
    assert!(out.transcript.contains("--force"), "{}", out.transcript);
    assert!(out.transcript.contains("pipe"), "{}", out.transcript);
    assert!(
        !out.transcript.contains("s3cr3t-value"),
        "{}",
        out.transcript
    );
    // With --force it prints, control characters escaped.
    let out = common::pty::run_all(w.cmd(&["export", "p", "--force"]), &[], t);
    assert!(out.status.success(), "{}", out.transcript);
    assert!(
        out.transcript.contains("s3cr3t-value\\e[31m"),
        "{}",
        out.transcript
    );
    assert!(!out.transcript.contains('\x1b'), "{:?}", out.transcript);
}

#[test]
fn exec_passes_values_in_the_environment() {
    let w = tricky_store();
    for (name, value) in TRICKY {
        let out = w.ok(&["exec", "app", "--", "printenv", var(name)], None);
        // printenv adds a newline.
        assert_eq!(stdout(&out), format!("{value}\n"), "{name}");
    }
    let out = w.ok(
        &[
            "exec",
            "app",
            "--prefix-names",
            "--",
            "printenv",
            "APP_QUOTES",
        ],
        None,
    );
    assert_eq!(stdout(&out), "it's \"double\" and 'single'\n");
}

#[test]
fn exec_runs_without_a_shell() {
    let w = Ward::init();
    w.set("p/K", b"v", &[]);
    // Arguments reach the command as they are: nothing expands or splits them.
    let printf = if std::path::Path::new("/usr/bin/printf").exists() {
        "/usr/bin/printf"
    } else {
        "printf"
    };
    let out = w.ok(
        &[
            "exec", "p", "--", printf, "[%s]", "a b", "$K", ";echo hi", "*",
        ],
        None,
    );
    assert_eq!(stdout(&out), "[a b][$K][;echo hi][*]");
    // The command's own flags are not ward's.
    let out = w.ok(&["exec", "p", "--", "printenv", "--help"], None);
    assert!(!stdout(&out).contains("ward"), "{}", stdout(&out));
}

#[test]
fn exec_propagates_exit_codes_and_signals() {
    let w = Ward::init();
    w.set("p/K", b"v", &[]);
    w.expect_code(&["exec", "p", "--", "sh", "-c", "exit 7"], None, 7);
    w.expect_code(&["exec", "p", "--", "false"], None, 1);
    // Killed by SIGTERM (15): 128 + 15.
    w.expect_code(&["exec", "p", "--", "sh", "-c", "kill -TERM $$"], None, 143);
    // Not found and not executable, as sh and env say it.
    let out = w.expect_code(&["exec", "p", "--", "no-such-command-x"], None, 127);
    assert!(
        stderr(&out).contains("no-such-command-x"),
        "{}",
        stderr(&out)
    );
    let plain = w.root().join("not-executable");
    std::fs::write(&plain, "#!/bin/sh\n").unwrap();
    w.expect_code(&["exec", "p", "--", plain.to_str().unwrap()], None, 126);
    // No command at all is a usage error.
    w.expect_code(&["exec", "p"], None, exit::USAGE);
}

#[test]
fn exec_forwards_a_kill_to_the_command() {
    let w = Ward::init();
    w.set("p/K", b"v", &[]);
    let marker = w.root().join("started");
    let script = format!("touch '{}'; exec sleep 30", marker.display());
    let mut cmd = w.cmd(&["exec", "p", "--", "sh", "-c", &script]);
    common::detach(&mut cmd);
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !marker.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "command never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let started = std::time::Instant::now();
    // SAFETY: kill on the pid of our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

fn audit_text(w: &Ward) -> String {
    let dir = w.store().join(".ward/audit");
    let mut text = String::new();
    for f in common::files_under(&dir) {
        text.push_str(&std::fs::read_to_string(f).unwrap_or_default());
    }
    text
}

fn export_records(w: &Ward) -> Vec<serde_json::Value> {
    let out = w.ok(&["audit", "--action", "export", "--json"], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array().unwrap().clone()
}

#[test]
fn every_exported_secret_is_audited_without_its_value() {
    let w = Ward::init();
    w.set("acme/A", b"alpha-value-1234", &[]);
    w.set("acme/B", b"bravo-value-5678", &[]);
    w.ok(&["rotate", "acme/B"], Some(b"bravo-value-9999"));
    w.ok(&["export", "acme", "--format", "dotenv"], None);
    let records = export_records(&w);
    assert_eq!(records.len(), 2, "{records:?}");
    let b = records.iter().find(|r| r["path"] == "acme/B").unwrap();
    assert_eq!(b["version"], 2);
    assert_eq!(b["reason"], "export dotenv");
    w.ok(&["exec", "acme", "--", "true"], None);
    let records = export_records(&w);
    assert_eq!(records.len(), 4);
    assert!(records.iter().any(|r| r["reason"] == "exec true"));
    w.ok(&["audit", "verify"], None);
    w.assert_no_plaintext(&[b"alpha-value-1234", b"bravo-value-9999"]);
    let text = audit_text(&w);
    assert!(!text.contains("alpha-value"), "{text}");
}
