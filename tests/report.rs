//! `ward report`, `ward check` and the metadata cache through the real binary:
//! formats, filters, exit codes, cache correctness after every kind of change,
//! and that no value ever reaches the output or the cache.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use ward::store::{Keyring, SecretDoc, Store};

/// A private home, config, data and cache for one test (helpers kept in this
/// file so as not to collide with other test files).
struct Env {
    dir: tempfile::TempDir,
    /// `--store` and `--identity` when the store is a generated demo.
    extra: Vec<String>,
}

/// Values the tests put in secrets; none may ever be printed or cached.
const VALUES: [&str; 4] = [
    "sk_live_VALUE_ONE_1111",
    "VALUE_TWO_with,comma_2222",
    "VALUE_THREE_3333",
    "VALUE_FOUR_\"quoted\"_4444",
];

impl Env {
    /// An empty store made by `ward init`.
    fn init() -> Env {
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
            extra: Vec::new(),
        };
        let config = env.dir.path().join("config/ward");
        fs::create_dir_all(&config).unwrap();
        fs::write(config.join("config.toml"), "actor = \"ann@test\"\n").unwrap();
        env.ok(&["init"], None);
        env
    }

    /// The generated demo store: one secret in every status, dated today.
    fn demo() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let demo = ward::demo::create(&dir.path().join("demo")).unwrap();
        let extra = vec![
            "--store".to_string(),
            demo.store.display().to_string(),
            "--identity".to_string(),
            demo.identity.display().to_string(),
        ];
        Env { dir, extra }
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        self.run_with(args, stdin, &[])
    }

    /// [`Env::run`] with more environment variables.
    fn run_with(&self, args: &[&str], stdin: Option<&str>, vars: &[(&str, &str)]) -> Output {
        let root = self.dir.path();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ward"))
            .args(&self.extra)
            .args(args)
            .env_clear()
            .envs(vars.iter().copied())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", root)
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_DATA_HOME", root.join("data"))
            .env("XDG_CACHE_HOME", root.join("cache"))
            .env("USER", "ann")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
        drop(input);
        child.wait_with_output().unwrap()
    }

    /// Runs and returns (exit code, stdout, stderr), checking no value leaked.
    fn code(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.run(args, None);
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        for v in VALUES {
            assert!(!stdout.contains(v), "value in stdout of {args:?}");
            assert!(!stderr.contains(v), "value in stderr of {args:?}");
        }
        (out.status.code().unwrap_or(-1), stdout, stderr)
    }

    fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "ward {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn store_root(&self) -> PathBuf {
        match self.extra.get(1) {
            Some(s) => PathBuf::from(s),
            None => self.dir.path().join("data/ward/store"),
        }
    }

    fn identity(&self) -> PathBuf {
        match self.extra.get(3) {
            Some(s) => PathBuf::from(s),
            None => self.dir.path().join("config/ward/identity.txt"),
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.store_root().join(format!("{name}.age"))
    }

    fn cache_file(&self) -> PathBuf {
        let store = Store::open(&self.store_root()).unwrap();
        ward::store::index::cache_path(&store, &self.dir.path().join("cache/ward"))
    }

    fn keys(&self) -> Keyring {
        let mut k = Keyring::default();
        k.add_file(&self.identity(), None)
            .map_err(|e| e.into_ward())
            .unwrap();
        k
    }

    /// The decrypted cache, as text.
    fn cache_text(&self) -> String {
        let path = self.cache_file();
        let bytes = fs::read(&path).unwrap();
        let plain = self.keys().decrypt(&path, &bytes).unwrap();
        String::from_utf8(plain.to_vec()).unwrap()
    }

    /// A store with secrets in known states, all set through the CLI.
    fn with_secrets(self) -> Env {
        self.ok(
            &[
                "set",
                "acme/api/STRIPE",
                "--owner",
                "ann",
                "--expires",
                "+5d",
            ],
            Some(VALUES[0]),
        );
        self.ok(
            &["set", "acme/db/PASSWORD", "--rotate-every", "90d"],
            Some(VALUES[1]),
        );
        self.ok(
            &[
                "set",
                "web/OLD_CERT",
                "--owner",
                "Bob",
                "--expires",
                "2020-01-01",
            ],
            Some(VALUES[2]),
        );
        self.ok(&["set", "web/PLAIN"], Some(VALUES[3]));
        self
    }
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

fn names_of(report: &serde_json::Value) -> Vec<String> {
    report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn report_json_covers_every_status() {
    let env = Env::demo();
    let (code, out, _) = env.code(&["report", "--format", "json"]);
    assert_eq!(code, 0);
    let v = json(&out);
    let total = v["total"].as_u64().unwrap();
    assert_eq!(total, 15);
    assert_eq!(v["secrets"].as_array().unwrap().len(), 15);
    for status in [
        "compromised",
        "expired",
        "overdue",
        "due-soon",
        "ok",
        "no-policy",
    ] {
        assert!(
            v["counts"][status].as_u64().unwrap() > 0,
            "no {status} in the demo"
        );
    }
    // Worst first by default.
    assert_eq!(v["secrets"][0]["status"], "compromised");
    let row = v["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "infra/aws/ACCESS_KEY_ID")
        .unwrap();
    assert_eq!(row["status"], "overdue");
    assert_eq!(row["policy"], "30d");
    assert_eq!(row["policy_source"]["folder"], "infra");
    assert_eq!(row["lead"], "7d");
    assert!(row["reason"]
        .as_str()
        .unwrap()
        .starts_with("rotation overdue by 3 days: policy 30d"));
    // No value field anywhere.
    assert!(!out.contains("\"value\""));
}

#[test]
fn report_csv_has_a_header_and_quotes() {
    let env = Env::init().with_secrets();
    env.ok(
        &[
            "edit",
            "web/PLAIN",
            "--compromised",
            "seen in \"logs\", twice",
        ],
        None,
    );
    let (code, out, _) = env.code(&["report", "--format", "csv", "--sort", "name"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "name,project,status,reason,age_days,rotated,policy,policy_source,lead,due,expires,owner,kind"
    );
    assert_eq!(lines.len(), 5);
    assert!(lines[1].starts_with("acme/api/STRIPE,acme,due-soon,expires in 5 days"));
    let plain = lines.iter().find(|l| l.starts_with("web/PLAIN")).unwrap();
    assert!(
        plain.contains(",\"marked compromised on ")
            && plain.contains("seen in \"\"logs\"\", twice"),
        "{plain}"
    );
    // Every row has 13 fields when quoted commas are respected.
    for l in &lines {
        assert_eq!(csv_fields(l), 13, "{l}");
    }
}

/// Counts RFC 4180 fields in one line.
fn csv_fields(line: &str) -> usize {
    let mut n = 1;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => n += 1,
            _ => {}
        }
    }
    n
}

#[test]
fn report_markdown_and_table() {
    let env = Env::init().with_secrets();
    let (code, out, _) = env.code(&["report", "--format", "markdown"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("| Status | Name |"));
    assert!(lines[1].starts_with("|---|"));
    assert_eq!(lines.len(), 2 + 4);
    assert!(lines[2].starts_with("| expired | `web/OLD_CERT` |"));
    for l in &lines[2..] {
        assert!(l.starts_with("| ") && l.ends_with(" |"), "{l}");
        assert_eq!(l.matches(" | ").count(), 8, "nine cells: {l}");
    }
    let (code, out, _) = env.code(&["report"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("STATUS"));
    assert!(out.contains("x expired"));
    assert!(out.contains("4 secrets: 1 expired, 1 due-soon, 1 ok, 1 no-policy"));
}

#[test]
fn report_filters_and_sorting() {
    let env = Env::demo();
    let names = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["report", "--format", "json"];
        all.extend_from_slice(args);
        let (code, out, err) = env.code(&all);
        assert_eq!(code, 0, "{err}");
        names_of(&json(&out))
    };
    let statuses = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["report", "--format", "json"];
        all.extend_from_slice(args);
        let v = json(&env.code(&all).1);
        v["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap().to_string())
            .collect()
    };
    let got = statuses(&["--status", "expired", "--status", "overdue"]);
    assert!(!got.is_empty());
    assert!(got.iter().all(|s| s == "expired" || s == "overdue"));
    let got = statuses(&["--status", "compromised,due-soon"]);
    assert!(got.contains(&"compromised".to_string()) && got.contains(&"due-soon".to_string()));
    assert_eq!(
        names(&["--owner", "FRANK", "--sort", "name"]),
        [
            "billing/LEGACY_FTP_PASSWORD",
            "billing/PAYPAL_CLIENT_SECRET",
            "billing/QUICKBOOKS_OAUTH"
        ]
    );
    assert!(names(&["--project", "infra"])
        .iter()
        .all(|n| n.starts_with("infra/")));
    let under = names(&["acme/api"]);
    assert_eq!(under.len(), 4);
    assert!(under.iter().all(|n| n.starts_with("acme/api/")));
    // Within 10 days: compromised, expired, overdue and what is due by then.
    let v = json(
        &env.code(&["report", "--format", "json", "--due-within", "10d"])
            .1,
    );
    let today: chrono::NaiveDate = v["today"].as_str().unwrap().parse().unwrap();
    let by = (today + chrono::Days::new(10)).to_string();
    let rows = v["secrets"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["status"] == "due-soon"));
    for r in rows {
        let due = r["due"].as_str().unwrap_or("");
        assert!(
            r["status"] == "compromised" || (!due.is_empty() && due <= by.as_str()),
            "{r}"
        );
    }
    assert!(rows.len() < 15);
    let sorted = names(&["--sort", "name"]);
    let mut expect = sorted.clone();
    expect.sort();
    assert_eq!(sorted, expect);
    let rev = names(&["--sort", "name", "--reverse"]);
    expect.reverse();
    assert_eq!(rev, expect);
    // Bad input is a usage error.
    assert_eq!(env.code(&["report", "--status", "fine"]).0, 2);
    assert_eq!(env.code(&["report", "--sort", "colour"]).0, 2);
    assert_eq!(env.code(&["report", "--due-within", "soon"]).0, 2);
}

#[test]
fn check_exit_codes() {
    let env = Env::init();
    // Empty store and a clean store: 0, nothing printed.
    let (code, out, _) = env.code(&["check"]);
    assert_eq!((code, out.as_str()), (0, ""));
    env.ok(&["set", "ok/FRESH", "--rotate-every", "90d"], Some("x1"));
    env.ok(&["set", "ok/NOPOLICY"], Some("x2"));
    env.ok(&["set", "soon/KEY", "--expires", "+5d"], Some("x3"));
    let (code, out, _) = env.code(&["check"]);
    assert_eq!((code, out.as_str()), (0, ""));
    // --due-within lists what is due soon, but does not fail.
    let (code, out, _) = env.code(&["check", "--due-within", "7d"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1);
    assert!(
        out.starts_with("due-soon  soon/KEY  -  expires in 5 days"),
        "{out}"
    );
    let (code, out, _) = env.code(&["check", "--due-within", "3d"]);
    assert_eq!((code, out.as_str()), (0, ""));
    // A span beyond the lead time lists what is due by then, still exit 0.
    let (code, out, err) = env.code(&["check", "--due-within", "100d"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.contains("due       ok/FRESH  -  rotation due in 90 days"),
        "{out}"
    );
    assert!(
        err.contains("nothing needs action; 2 more secrets due by"),
        "{err}"
    );
    // Expired: 8.
    env.ok(
        &["set", "bad/EXPIRED", "--expires", "2020-01-01"],
        Some("x4"),
    );
    let (code, out, err) = env.code(&["check"]);
    assert_eq!(code, 8);
    assert!(
        out.starts_with("expired  bad/EXPIRED  -  expired "),
        "{out}"
    );
    assert!(err.contains("1 secret needs action"), "{err}");
    // A prefix that avoids it: 0.
    assert_eq!(env.code(&["check", "ok"]).0, 0);
    assert_eq!(env.code(&["check", "bad/EXPIRED"]).0, 8);
    // Compromised: 8, and it stays until rotated.
    env.ok(&["rm", "-f", "bad/EXPIRED"], None);
    assert_eq!(env.code(&["check"]).0, 0);
    env.ok(&["edit", "ok/FRESH", "--compromised", "leaked"], None);
    let (code, out, _) = env.code(&["check"]);
    assert_eq!(code, 8);
    assert!(
        out.contains("compromised  ok/FRESH  -  marked compromised"),
        "{out}"
    );
    env.ok(&["rotate", "ok/FRESH", "--generate"], None);
    assert_eq!(env.code(&["check"]).0, 0);
    assert_eq!(env.code(&["check", "--due-within", "never"]).0, 2);
}

#[test]
fn check_on_the_demo_lists_overdue_with_reason() {
    let env = Env::demo();
    let (code, out, _) = env.code(&["check"]);
    assert_eq!(code, 8);
    let statuses: Vec<&str> = out
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert!(statuses.contains(&"overdue"));
    assert!(statuses.contains(&"expired"));
    assert_eq!(statuses[0], "compromised");
    assert!(statuses.iter().all(|s| *s != "ok" && *s != "due-soon"));
    assert!(out.contains("rotation overdue by 12 days: policy 90d, last rotated"));
}

#[test]
fn unreadable_files_are_reported_and_fail() {
    let env = Env::init();
    env.ok(&["set", "a/OK", "--rotate-every", "90d"], Some("x1"));
    env.ok(&["set", "a/BROKEN"], Some("x2"));
    fs::write(env.file("a/BROKEN"), b"age-encryption.org/v1\ndamaged").unwrap();
    let (code, out, err) = env.code(&["report", "--format", "json"]);
    assert_eq!(code, 5);
    let v = json(&out);
    assert_eq!(names_of(&v), ["a/OK"]);
    assert_eq!(v["unreadable"][0]["name"], "a/BROKEN");
    assert!(err.contains("a/BROKEN"), "{err}");
    let (code, _, err) = env.code(&["check"]);
    assert_eq!(code, 5);
    assert!(err.contains("a/BROKEN"));
    // Something needing action wins: 8.
    env.ok(&["set", "a/OLD", "--expires", "2020-01-01"], Some("x3"));
    assert_eq!(env.code(&["check"]).0, 8);
    assert_eq!(env.code(&["ls", "--long"]).0, 5);
}

/// The cache never serves stale metadata: after `ward edit`, a raw file
/// replacement, an in-place rewrite that keeps size and mtime, an addition,
/// a removal and a corrupted cache file, the answer equals `--no-cache`'s.
#[test]
fn cache_is_never_wrong() {
    let env = Env::init().with_secrets();
    let report = |extra: &[&str]| -> String {
        let mut args = vec!["report", "--format", "json", "--sort", "name"];
        args.extend_from_slice(extra);
        let (code, out, err) = env.code(&args);
        assert_eq!(code, 0, "{err}");
        out
    };
    let same_as_truth = |what: &str| {
        let cached = report(&[]);
        let truth = report(&["--no-cache"]);
        assert_eq!(cached, truth, "after {what}");
        cached
    };
    // Let every file settle past the racy window, so entries are trusted.
    std::thread::sleep(ward::store::index::RACY_MARGIN + Duration::from_millis(300));
    same_as_truth("the first run");
    let cache = env.cache_file();
    let stamp = |p: &Path| fs::metadata(p).unwrap().modified().unwrap();
    let first = stamp(&cache);
    // A warm run with nothing changed answers from the cache and leaves it be.
    same_as_truth("a warm run");
    assert_eq!(stamp(&cache), first, "cache rewritten with nothing changed");
    for name in [
        "acme/api/STRIPE",
        "acme/db/PASSWORD",
        "web/OLD_CERT",
        "web/PLAIN",
    ] {
        assert!(env.cache_text().contains(name));
    }

    // Edit through ward.
    env.ok(
        &["edit", "acme/db/PASSWORD", "--expires", "2021-01-01"],
        None,
    );
    let v = json(&same_as_truth("ward edit"));
    assert_eq!(v["secrets"][1]["name"], "acme/db/PASSWORD");
    assert_eq!(v["secrets"][1]["status"], "expired");

    // In-place rewrite keeping inode, size and mtime (only ctime differs):
    // acme/api/STRIPE gets another document of exactly the same length.
    let keys = env.keys();
    let store = Store::open(&env.store_root()).unwrap();
    let stripe = ward::store::SecretPath::parse("acme/api/STRIPE").unwrap();
    let path = env.file("acme/api/STRIPE");
    let mut doc: SecretDoc = store.read(&keys, &stripe).unwrap();
    doc.owner = Some("zed".into()); // "ann" -> "zed": same length
    let (_, recipients) = store.recipients_for(&stripe).unwrap();
    let old_len = fs::metadata(&path).unwrap().len() as usize;
    let bytes = (0..2000)
        .map(|_| ward::store::crypto::encrypt(&recipients, &doc.to_bytes()).unwrap())
        .find(|b| b.len() == old_len)
        .expect("an encryption of the same size");
    let before = fs::metadata(&path).unwrap();
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .write_all(&bytes)
        .unwrap();
    set_mtime(&path, &before);
    let after = fs::metadata(&path).unwrap();
    assert_eq!(after.modified().unwrap(), before.modified().unwrap());
    assert_eq!(after.len(), before.len());
    let v = json(&same_as_truth("an in-place rewrite"));
    let owner = v["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "acme/api/STRIPE")
        .unwrap()["owner"]
        .clone();
    assert_eq!(owner, "zed");

    // Raw replacement by another file (rename over it, as git checkout does).
    let tmp = env.store_root().join("web/.replacement");
    fs::copy(env.file("web/OLD_CERT"), &tmp).unwrap();
    fs::rename(&tmp, env.file("web/PLAIN")).unwrap();
    let v = json(&same_as_truth("a raw replacement"));
    let plain = v["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "web/PLAIN")
        .unwrap()
        .clone();
    assert_eq!(plain["status"], "expired");

    // Add and remove.
    env.ok(&["set", "new/ADDED", "--expires", "2019-01-01"], Some("x"));
    env.ok(&["rm", "-f", "web/OLD_CERT"], None);
    let v = json(&same_as_truth("an add and a remove"));
    let names = names_of(&v);
    assert!(names.contains(&"new/ADDED".to_string()));
    assert!(!names.contains(&"web/OLD_CERT".to_string()));
    assert!(!env.cache_text().contains("web/OLD_CERT"));

    // A corrupt cache is ignored and rebuilt.
    fs::write(&cache, b"garbage").unwrap();
    same_as_truth("a corrupt cache");
    assert!(env.cache_text().contains("new/ADDED"));
    // Truncated.
    let bytes = fs::read(&cache).unwrap();
    fs::write(&cache, &bytes[..bytes.len() / 3]).unwrap();
    same_as_truth("a truncated cache");
    // `ward check` and `ward ls --long` agree with and without the cache.
    let check = env.code(&["check"]);
    assert_eq!(check, env.code(&["check", "--no-cache"]));
    assert_eq!(
        env.code(&["ls", "--long"]),
        env.code(&["ls", "--long", "--no-cache"])
    );
}

fn set_mtime(path: &Path, like: &fs::Metadata) {
    let f = fs::OpenOptions::new().write(true).open(path).unwrap();
    f.set_modified(like.modified().unwrap()).unwrap();
}

#[test]
fn cache_is_private_encrypted_and_holds_no_values() {
    let env = Env::init().with_secrets();
    env.ok(&["rotate", "web/PLAIN"], Some("ROTATED_VALUE_5555"));
    env.code(&["check"]);
    let cache = env.cache_file();
    assert!(cache.starts_with(env.dir.path().join("cache/ward")));
    assert!(cache.to_string_lossy().ends_with(".cache.age"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&cache).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let raw = fs::read(&cache).unwrap();
    assert!(raw.starts_with(b"age-encryption.org/v1\n-> X25519 "));
    assert!(!String::from_utf8_lossy(&raw).contains("acme/api/STRIPE"));
    let text = env.cache_text();
    assert!(text.contains("acme/api/STRIPE"), "decrypted for the scan");
    for v in VALUES.iter().chain(&["ROTATED_VALUE_5555"]) {
        assert!(!text.contains(v), "a value is in the cache");
        let escaped = serde_json::to_string(v).unwrap();
        assert!(!text.contains(escaped.trim_matches('"')));
    }
}

#[test]
fn no_cache_writes_no_cache() {
    let env = Env::init().with_secrets();
    assert_eq!(env.code(&["check", "--no-cache"]).0, 8);
    env.code(&["report", "--no-cache"]);
    env.code(&["ls", "-l", "--no-cache"]);
    assert!(!env.cache_file().exists());
    env.code(&["ls", "-l"]);
    assert!(env.cache_file().exists());
}

#[test]
fn report_and_check_record_nothing_in_the_audit_log() {
    let env = Env::init().with_secrets();
    let audit = env.store_root().join(".ward/audit");
    let size = || -> u64 {
        fs::read_dir(&audit)
            .map(|d| {
                d.flatten()
                    .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
                    .sum()
            })
            .unwrap_or(0)
    };
    let before = size();
    env.code(&["report"]);
    env.code(&["report", "--format", "json"]);
    env.code(&["check"]);
    assert_eq!(size(), before);
}

#[test]
fn hostile_names_are_escaped_in_every_format() {
    let env = Env::init();
    env.ok(
        &[
            "set",
            "x/KEY",
            "--owner",
            "evil\u{1b}]52;c;AAAA\u{7}|x",
            "--expires",
            "2020-01-01",
        ],
        Some("v"),
    );
    for format in ["table", "csv", "markdown"] {
        let (_, out, _) = env.code(&["report", "--format", format]);
        assert!(!out.contains('\u{1b}'), "{format}: raw escape");
        assert!(!out.contains('\u{7}'), "{format}: raw bell");
    }
    let (_, out, _) = env.code(&["report", "--format", "markdown"]);
    assert!(out.contains("\\|x"));
    let (_, out, _) = env.code(&["report", "--format", "json"]);
    assert_eq!(
        json(&out)["secrets"][0]["owner"],
        "evil\u{1b}]52;c;AAAA\u{7}|x"
    );
}

/// At 80 columns the table is one line per secret (columns give way, the
/// reason is cut, a long name shortened in the middle); `--wide` and a pipe
/// without COLUMNS show it all.
#[test]
fn report_fits_the_terminal_one_line_per_secret() {
    let env = Env::demo();
    let narrow = env.run_with(&["report"], None, &[("COLUMNS", "80")]);
    let text = String::from_utf8(narrow.stdout).unwrap();
    let table: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    assert!(table.len() > 10, "{text}");
    for line in &table {
        assert!(line.chars().count() <= 80, "too wide: {line:?}");
    }
    assert!(
        table[0].starts_with("STATUS") && table[0].contains("REASON"),
        "{text}"
    );
    assert!(
        !table[0].contains("KIND"),
        "KIND gives way first: {}",
        table[0]
    );
    assert!(
        text.contains('…'),
        "the reason is cut with an ellipsis: {text}"
    );
    let rows = table.len() - 1;
    let wide = env.ok(&["report", "--wide"], None);
    let wide_table: Vec<&str> = wide.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(wide_table.len() - 1, rows);
    assert!(wide_table[0].contains("KIND") && wide_table.iter().any(|l| l.chars().count() > 80));
    // A pipe without COLUMNS is for a script: every column.
    assert_eq!(env.ok(&["report"], None), wide);
}

/// `check` names the owner and every problem of a secret, not only the
/// worst one.
#[test]
fn check_names_the_owner_and_every_problem() {
    let env = Env::init();
    env.ok(
        &["set", "p/BOTH", "--expires", "+9d", "--owner", "dan"],
        Some("x1"),
    );
    env.ok(&["edit", "p/BOTH", "--compromised", "pasted in chat"], None);
    let (code, out, _) = env.code(&["check"]);
    assert_eq!(code, 8);
    let line = out.lines().next().unwrap_or_default();
    assert!(
        line.starts_with("compromised  p/BOTH  dan  marked compromised"),
        "{out}"
    );
    assert!(
        line.contains("pasted in chat; rotate it to clear; also expires in 9 days"),
        "{out}"
    );
}
