//! `ward export` and `ward exec`, run as the real binary on temporary stores.

mod common;

use common::{mode, require, stderr, stdout, Ward};
use std::path::Path;
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

/// `--allow` with every variable of the tricky store (approved the first
/// time, as a person would after reading the list).
fn allow_tricky() -> String {
    let names: Vec<&str> = TRICKY.iter().map(|(n, _)| var(n)).collect();
    names.join(",")
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
    let out = w.ok(
        &["export", "acme", "--allow", "QUOTE,STRIPE_KEY,_2FA_SEED"],
        None,
    );
    assert_eq!(
        stdout(&out),
        "export QUOTE='it'\\''s'\nexport STRIPE_KEY='sk_live_1'\nexport _2FA_SEED='a\nb'\n"
    );
    // A single secret as the prefix (its own approval scope).
    let out = w.ok(
        &["export", "acme/api/STRIPE_KEY", "--allow", "STRIPE_KEY"],
        None,
    );
    assert_eq!(stdout(&out), "export STRIPE_KEY='sk_live_1'\n");
}

#[test]
fn dotenv_format_is_exact() {
    let w = Ward::init();
    w.set("p/A", b"back\\slash \"quoted\" $VAR\nnext\r", &[]);
    w.set("p/B", b"plain 'single' \xc3\xa9", &[]);
    let out = w.ok(
        &["export", "p", "--format", "dotenv", "--allow", "A,B"],
        None,
    );
    assert_eq!(
        stdout(&out),
        "A=\"back\\\\slash \\\"quoted\\\" \\$VAR\\nnext\\r\"\nB=\"plain 'single' é\"\n"
    );
}

#[test]
fn env_output_round_trips_through_sh() {
    let w = tricky_store();
    let out = w.ok(&["export", "app", "--allow", &allow_tricky()], None);
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
    let out = w.ok(
        &[
            "export",
            "app",
            "--format",
            "dotenv",
            "--allow",
            &allow_tricky(),
        ],
        None,
    );
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
    let out = w.ok(
        &[
            "export",
            "acme",
            "--prefix-names",
            "--allow",
            "ACME_API_KEY,ACME_WEB_KEY",
        ],
        None,
    );
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
        &["export", "p", "--allow", "BLOB"][..],
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
    // Refused whatever is approved.
    let out = w.expect_code(
        &["exec", "p", "--allow", "LD_PRELOAD", "--", "true"],
        None,
        exit::USAGE,
    );
    assert!(stderr(&out).contains("LD_PRELOAD"), "{}", stderr(&out));
    assert!(stderr(&out).contains("ward mv"), "{}", stderr(&out));
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
    let out = common::pty::run_all(w.cmd(&["export", "p", "--force", "--allow", "K"]), &[], t);
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
    // Approved once; remembered for the runs after.
    w.ok(
        &["exec", "app", "--allow", &allow_tricky(), "--", "true"],
        None,
    );
    for (name, value) in TRICKY {
        let out = w.ok(&["exec", "app", "--", "printenv", var(name)], None);
        // printenv adds a newline.
        assert_eq!(stdout(&out), format!("{value}\n"), "{name}");
    }
    // Other names with --prefix-names: approved for themselves.
    let prefixed: Vec<String> = TRICKY
        .iter()
        .map(|(n, _)| format!("APP_{}", var(n)))
        .collect();
    let out = w.ok(
        &[
            "exec",
            "app",
            "--prefix-names",
            "--allow",
            &prefixed.join(","),
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
    w.ok(&["exec", "p", "--allow", "K", "--", "true"], None);
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
    w.expect_code(
        &["exec", "p", "--allow", "K", "--", "sh", "-c", "exit 7"],
        None,
        7,
    );
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
    let mut cmd = w.cmd(&["exec", "p", "--allow", "K", "--", "sh", "-c", &script]);
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
    w.ok(
        &["export", "acme", "--format", "dotenv", "--allow", "A,B"],
        None,
    );
    let records = export_records(&w);
    assert_eq!(records.len(), 2, "{records:?}");
    let b = records.iter().find(|r| r["path"] == "acme/B").unwrap();
    assert_eq!(b["version"], 2);
    assert_eq!(b["reason"], "export dotenv");
    // The same names under the same prefix: approved for exec too.
    w.ok(&["exec", "acme", "--", "true"], None);
    let records = export_records(&w);
    assert_eq!(records.len(), 4);
    assert!(records.iter().any(|r| r["reason"] == "exec true"));
    w.ok(&["audit", "verify"], None);
    w.assert_no_plaintext(&[b"alpha-value-1234", b"bravo-value-9999"]);
    let text = audit_text(&w);
    assert!(!text.contains("alpha-value"), "{text}");
}

/// The trust file of the default store of `w`.
/// Nothing approved for `exec`/`export` on this machine (the trust file
/// also holds the recipient keys `ward init` approved).
fn no_env_approvals(w: &Ward) -> bool {
    std::fs::read_to_string(trust_file(w)).map_or(true, |t| !t.contains("\"env:"))
}

fn trust_file(w: &Ward) -> std::path::PathBuf {
    let toml = std::fs::read_to_string(w.store().join(".ward/store.toml")).unwrap();
    let id = toml
        .lines()
        .find_map(|l| l.strip_prefix("id = "))
        .unwrap()
        .trim_matches('"')
        .to_string();
    w.data_home.join("ward/trust").join(format!("{id}.json"))
}

/// A git repository with one commit in `dir`.
fn git_repo(w: &Ward, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("README"), "hello\n").unwrap();
    for args in [
        &["init", "-q"][..],
        &["add", "README"],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-qm",
            "first",
        ],
    ] {
        let mut c = std::process::Command::new("git");
        c.args(args).current_dir(dir);
        w.apply_env(&mut c);
        let out = common::run_detached(c, None);
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    }
}

/// The hole this guards: three secrets planted in a shared store make
/// `git status` run a command of the planter's choosing through
/// `core.fsmonitor`. ward refuses to set them, with or without --allow.
#[test]
fn planted_git_config_variables_never_reach_git() {
    if !require("git") {
        return;
    }
    let w = Ward::init();
    let repo = w.root().join("repo");
    git_repo(&w, &repo);
    let marker = w.root().join("pwned");
    let payload = w.root().join("payload.sh");
    std::fs::write(
        &payload,
        format!("#!/bin/sh\ntouch '{}'\n", marker.display()),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&payload, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let planted = [
        ("GIT_CONFIG_COUNT", "1".to_string()),
        ("GIT_CONFIG_KEY_0", "core.fsmonitor".to_string()),
        ("GIT_CONFIG_VALUE_0", payload.display().to_string()),
    ];
    // The attack is real on this git: the same variables set by hand run
    // the payload.
    let mut git = std::process::Command::new("git");
    git.arg("status").current_dir(&repo);
    w.apply_env(&mut git);
    for (k, v) in &planted {
        git.env(k, v);
    }
    assert!(common::run_detached(git, None).status.success());
    assert!(marker.exists(), "this git does not run core.fsmonitor");
    std::fs::remove_file(&marker).unwrap();

    w.set("deploy/DEPLOY_TOKEN", b"tok-123", &[]);
    for (k, v) in &planted {
        w.set(&format!("deploy/{k}"), v.as_bytes(), &[]);
    }
    let everything = "DEPLOY_TOKEN,GIT_CONFIG_COUNT,GIT_CONFIG_KEY_0,GIT_CONFIG_VALUE_0";
    for extra in [&[][..], &["--allow", everything][..]] {
        let mut args = vec!["exec", "deploy"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", "git", "status"]);
        let mut c = w.cmd(&args);
        c.current_dir(&repo);
        let out = common::run_detached(c, None);
        assert!(!marker.exists(), "the planted command ran (with {extra:?})");
        assert_eq!(out.status.code(), Some(exit::USAGE), "{}", stderr(&out));
        let err = stderr(&out);
        for (k, _) in &planted {
            assert!(err.contains(&format!("deploy/{k} would set {k}")), "{err}");
        }
        assert!(err.contains("configures git"), "{err}");
        assert!(err.contains("ward mv"), "{err}");
        // git never ran: it prints nothing to ward's stdout.
        assert!(out.stdout.is_empty(), "{}", stdout(&out));
    }
    // The family refusal left nothing approved.
    assert!(no_env_approvals(&w));
}

#[test]
fn unapproved_names_are_refused_without_a_terminal() {
    let w = Ward::init();
    w.set("deploy/API_KEY", b"key-value-1", &[]);
    w.set("deploy/db-url", b"postgres://x", &[]);
    // A name with a bidirectional override: shown escaped.
    w.set("deploy/odd\u{202e}name", b"v", &[]);
    let marker = w.root().join("ran");
    let touch = format!("touch '{}'", marker.display());
    let run = |extra: &[&str]| {
        let mut args = vec!["exec", "deploy"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", "sh", "-c", &touch]);
        w.run(&args, None)
    };
    let out = run(&[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(exit::USAGE), "{err}");
    assert!(!marker.exists());
    for name in ["API_KEY", "DB_URL", "ODD_NAME"] {
        assert!(err.contains(name), "{name}: {err}");
    }
    assert!(err.contains("from deploy/db-url"), "{err}");
    assert!(err.contains("no terminal"), "{err}");
    assert!(err.contains("--allow API_KEY,DB_URL,ODD_NAME"), "{err}");
    assert!(
        err.contains("\\u{202e}") && !err.contains('\u{202e}'),
        "{err}"
    );
    assert!(!err.contains("key-value-1"), "{err}");
    assert!(no_env_approvals(&w));

    // Part of the names approves nothing: all or none are remembered.
    let out = run(&["--allow", "API_KEY,DB_URL"]);
    assert_eq!(out.status.code(), Some(exit::USAGE));
    assert!(
        stderr(&out).contains("--allow ODD_NAME"),
        "{}",
        stderr(&out)
    );
    assert!(!marker.exists());
    assert!(no_env_approvals(&w));

    // --allow approves (repeated or comma-separated), and a second run
    // needs nothing.
    let out = run(&["--allow", "API_KEY,DB_URL", "--allow", "ODD_NAME"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(marker.exists());
    std::fs::remove_file(&marker).unwrap();
    assert_eq!(mode(&trust_file(&w)), 0o600);
    assert_eq!(mode(&w.data_home.join("ward/trust")), 0o700);
    let out = run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(marker.exists());
    // export shares the approval for the same prefix.
    w.ok(&["export", "deploy"], None);

    // A name --allow gives that is not there is said, not remembered.
    let out = w.ok(&["exec", "deploy", "--allow", "NOPE", "--", "true"], None);
    assert!(stderr(&out).contains("--allow NOPE"), "{}", stderr(&out));
    let trust = std::fs::read_to_string(trust_file(&w)).unwrap();
    assert!(!trust.contains("NOPE"), "{trust}");
    // Only names are kept, never values.
    assert!(!trust.contains("key-value-1"), "{trust}");
}

#[test]
fn a_new_secret_needs_approval_again() {
    let w = Ward::init();
    w.set("deploy/API_KEY", b"1", &[]);
    w.ok(
        &["exec", "deploy", "--allow", "API_KEY", "--", "true"],
        None,
    );
    w.ok(&["exec", "deploy", "--", "true"], None);
    // Someone adds a secret (as a git pull would).
    w.set("deploy/NEW_TOKEN", b"2", &[]);
    let out = w.expect_code(&["exec", "deploy", "--", "true"], None, exit::USAGE);
    let err = stderr(&out);
    assert!(err.contains("1 new variable"), "{err}");
    assert!(err.contains("NEW_TOKEN  from deploy/NEW_TOKEN"), "{err}");
    assert!(err.contains("--allow NEW_TOKEN"), "{err}");
    // The approved one is not listed again.
    assert!(!err.contains("API_KEY"), "{err}");
    w.expect_code(&["export", "deploy"], None, exit::USAGE);
    w.ok(
        &["exec", "deploy", "--allow", "NEW_TOKEN", "--", "true"],
        None,
    );
    w.ok(&["export", "deploy"], None);
    // The same name under a renamed secret is the same variable: still
    // approved.
    w.ok(&["mv", "deploy/NEW_TOKEN", "deploy/new-token"], None);
    w.ok(&["exec", "deploy", "--", "printenv", "NEW_TOKEN"], None);
}

#[test]
fn approvals_are_per_prefix_and_per_store() {
    let w = Ward::init();
    w.set("acme/api/KEY", b"1", &[]);
    w.set("acme/web/TOKEN", b"2", &[]);
    w.ok(&["exec", "acme/api", "--allow", "KEY", "--", "true"], None);
    w.ok(&["exec", "acme/api", "--", "true"], None);
    // A wider prefix hands over more, and is asked for on its own; so is a
    // narrower one.
    let out = w.expect_code(&["exec", "acme", "--", "true"], None, exit::USAGE);
    assert!(
        stderr(&out).contains("--allow KEY,TOKEN"),
        "{}",
        stderr(&out)
    );
    w.expect_code(&["exec", "acme/api/KEY", "--", "true"], None, exit::USAGE);
    // --prefix-names gives other names, which need their own approval.
    let out = w.expect_code(
        &["exec", "acme/api", "--prefix-names", "--", "true"],
        None,
        exit::USAGE,
    );
    assert!(
        stderr(&out).contains("--allow ACME_API_KEY"),
        "{}",
        stderr(&out)
    );

    // Another store with the same names is another store.
    let other = w.root().join("other-store");
    let other_arg = other.to_str().unwrap();
    w.ok(&["--store", other_arg, "init"], None);
    w.ok(&["--store", other_arg, "set", "acme/api/KEY"], Some(b"3"));
    let out = w.expect_code(
        &["--store", other_arg, "exec", "acme/api", "--", "true"],
        None,
        exit::USAGE,
    );
    assert!(stderr(&out).contains("--allow KEY"), "{}", stderr(&out));
    // And the first store's approval still stands.
    w.ok(&["exec", "acme/api", "--", "true"], None);
}

#[test]
fn the_whole_store_takes_all() {
    let w = Ward::init();
    w.set("a/K1", b"1", &[]);
    w.set("b/K2", b"2", &[]);
    for args in [
        &["exec", "--", "true"][..],
        &["export"],
        &["export", "--format", "json"],
    ] {
        let out = w.expect_code(args, None, exit::USAGE);
        assert!(stderr(&out).contains("--all"), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
    assert!(!audit_text(&w).contains("\"export\""));
    // --all and a prefix contradict each other.
    w.expect_code(&["exec", "a", "--all", "--", "true"], None, exit::USAGE);
    let out = w.ok(
        &["exec", "--all", "--allow", "K1,K2", "--", "printenv", "K2"],
        None,
    );
    assert_eq!(stdout(&out), "2\n");
    let out = w.ok(&["export", "--all"], None);
    assert_eq!(stdout(&out), "export K1='1'\nexport K2='2'\n");
    let out = w.ok(&["export", "--all", "--format", "json"], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_object().unwrap().len(), 2);
}

#[test]
fn output_files_are_private_new_and_never_through_links() {
    let w = Ward::init();
    w.set("p/K", b"s3cret-v1", &[]);
    let file = w.root().join("out.env");
    let file_arg = file.to_str().unwrap();
    let out = w.ok(&["export", "p", "--allow", "K", "--output", file_arg], None);
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "export K='s3cret-v1'\n"
    );
    assert_eq!(mode(&file), 0o600);
    // An existing file is kept unless --force.
    w.ok(&["rotate", "p/K"], Some(b"s3cret-v2"));
    let out = w.expect_code(&["export", "p", "-o", file_arg], None, exit::EXISTS);
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "export K='s3cret-v1'\n"
    );
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    w.ok(
        &[
            "export", "p", "-o", file_arg, "--force", "--format", "dotenv",
        ],
        None,
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "K=\"s3cret-v2\"\n");
    assert_eq!(mode(&file), 0o600);
    // A link is neither followed nor replaced, even with --force.
    let target = w.root().join("bashrc");
    std::fs::write(&target, "echo hi\n").unwrap();
    let link = w.root().join("link.env");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for extra in [&[][..], &["--force"]] {
        let mut args = vec!["export", "p", "-o", link.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = w.run(&args, None);
        assert!(!out.status.success());
        assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "echo hi\n");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    // A dangling link too (O_NOFOLLOW, not an existence check, decides).
    let dangling = w.root().join("dangling.env");
    std::os::unix::fs::symlink(w.root().join("nowhere"), &dangling).unwrap();
    assert!(!w
        .run(&["export", "p", "-o", dangling.to_str().unwrap()], None)
        .status
        .success());
    assert!(!w.root().join("nowhere").exists());
    // No temp file is left next to the output.
    let names: Vec<String> = std::fs::read_dir(w.root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains("ward-export")),
        "{names:?}"
    );
    // --output works from a terminal too: nothing is printed there.
    let t = Duration::from_secs(20);
    let fresh = w.root().join("fresh.env");
    let out = common::pty::run_all(
        w.cmd(&["export", "p", "-o", fresh.to_str().unwrap()]),
        &[],
        t,
    );
    assert!(out.status.success(), "{}", out.transcript);
    assert!(!out.transcript.contains("s3cret"), "{}", out.transcript);
    assert_eq!(mode(&fresh), 0o600);
}

#[test]
fn the_terminal_is_asked_and_the_answer_remembered() {
    let w = Ward::init();
    w.set("p/K", b"value-k", &[]);
    let t = Duration::from_secs(30);
    // stdin is the command's (piped here); the question goes to /dev/tty.
    let out = common::pty::run(
        w.cmd(&["exec", "p", "--", "sh", "-c", "cat; printenv K"]),
        Some(b"from-stdin\n"),
        &[("[y/N] ", "n")],
        t,
    );
    assert_eq!(out.status.code(), Some(exit::USAGE), "{}", out.transcript);
    assert!(out.transcript.contains("K  from p/K"), "{}", out.transcript);
    assert!(out.stdout.is_empty());
    assert!(no_env_approvals(&w));
    let out = common::pty::run(
        w.cmd(&["exec", "p", "--", "sh", "-c", "cat; printenv K"]),
        Some(b"from-stdin\n"),
        &[("[y/N] ", "y")],
        t,
    );
    assert!(out.status.success(), "{}", out.transcript);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "from-stdin\nvalue-k\n"
    );
    // Remembered: no terminal needed now.
    let out = w.ok(&["exec", "p", "--", "printenv", "K"], None);
    assert_eq!(stdout(&out), "value-k\n");
}
