//! The real binary in a real terminal: tmux runs `ward`, keys are typed with
//! send-keys and the screen is read with capture-pane. Checks start-up,
//! navigation, reveal, quitting with the terminal restored, Ctrl-Z and `fg`,
//! the sync key in a git store,
//! and three TERM settings.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    /// Whether tmux is installed; on CI a missing tmux fails the test.
    fn available() -> bool {
        let found = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found || std::env::var_os("CI").is_none(),
            "tmux is not installed on CI: .ci/run must install it"
        );
        found
    }

    fn new(name: &str) -> Tmux {
        Tmux {
            socket: format!("ward-test-{name}-{}", std::process::id()),
        }
    }

    fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn start(&self, w: u16, h: u16, env: &[(&str, String)]) {
        let mut args: Vec<String> = vec![
            "-f".into(),
            "/dev/null".into(),
            "new-session".into(),
            "-d".into(),
            "-x".into(),
            w.to_string(),
            "-y".into(),
            h.to_string(),
        ];
        for (k, v) in env {
            args.push("-e".into());
            args.push(format!("{k}={v}"));
        }
        args.extend(["bash".into(), "--norc".into(), "--noprofile".into()]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.cmd(&refs);
        self.cmd(&["set", "-g", "escape-time", "0"]);
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend_from_slice(keys);
        self.cmd(&args);
    }

    fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "0"])
    }

    fn alternate_on(&self) -> bool {
        self.cmd(&["display", "-p", "-t", "0", "#{alternate_on}"])
            .trim()
            == "1"
    }

    /// Waits until the program has left the alternate screen (it quit or
    /// stopped): keys typed before that would go to it, not to the shell.
    fn wait_main_screen(&self) {
        let start = Instant::now();
        while self.alternate_on() {
            if start.elapsed() > Duration::from_secs(20) {
                panic!("still on the alternate screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen contains `text`.
    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("timed out waiting for {text:?}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

fn ward() -> &'static str {
    env!("CARGO_BIN_EXE_ward")
}

/// A store made with the real CLI in `dir`; returns the env for it.
fn make_store(dir: &Path) -> Vec<(&'static str, String)> {
    let env = vec![
        ("XDG_CONFIG_HOME", dir.join("cfg").display().to_string()),
        ("XDG_DATA_HOME", dir.join("data").display().to_string()),
        ("XDG_CACHE_HOME", dir.join("cache").display().to_string()),
        ("HOME", dir.display().to_string()),
        ("PS1", "$ ".to_string()),
    ];
    let run = |args: &[&str], stdin: &str| run_with(&env, args, stdin);
    run(&["init"], "");
    run(
        &[
            "set",
            "acme/api/STRIPE_KEY",
            "--kind",
            "api-key",
            "--rotate-every",
            "90d",
        ],
        "sk_test_tmux_value",
    );
    run(&["set", "acme/db/PASSWORD", "--expires", "+3d"], "db-pass");
    env
}

fn path_with_ward() -> String {
    let bin_dir: PathBuf = Path::new(ward()).parent().unwrap().to_path_buf();
    format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn tui_runs_in_a_real_terminal_and_restores_it() {
    if !Tmux::available() {
        println!("SKIPPED: tmux is not installed (.ci/run installs it)");
        return;
    }
    for term in ["xterm-256color", "screen-256color", "linux"] {
        let dir = tempfile::tempdir().unwrap();
        let mut env = make_store(dir.path());
        env.push(("PATH", path_with_ward()));
        env.push(("TERM", term.to_string()));
        let t = Tmux::new(&term.replace('-', ""));
        t.start(80, 24, &env);
        t.keys(&[ward(), "Enter"]);
        let s = t.wait_for("Secrets");
        assert!(s.contains("acme/"), "{term}: {s}");
        assert!(
            t.alternate_on(),
            "{term}: the TUI uses the alternate screen"
        );
        // A resize redraws at once: the wide header spells the statuses out.
        t.cmd(&["resize-window", "-t", "0", "-x", "130", "-y", "30"]);
        t.wait_for("~ 1 due-soon");
        t.cmd(&["resize-window", "-t", "0", "-x", "80", "-y", "24"]);
        t.wait_for("~1 due");
        // Navigate to the Stripe key and reveal it.
        // The TUI opens on the first secret: acme/api/STRIPE_KEY.
        let s = t.wait_for("acme/api/STRIPE_KEY");
        assert!(!s.contains("sk_test_tmux_value"), "masked until revealed");
        t.keys(&["r"]);
        t.wait_for("sk_test_tmux_value");
        // Quit: the shell is back, the alternate screen is off, nothing leaked.
        t.keys(&["q"]);
        t.wait_main_screen();
        t.keys(&["echo back-$((40+2))", "Enter"]);
        let s = t.wait_for("back-42");
        assert!(!t.alternate_on(), "{term}: alternate screen left on exit");
        assert!(
            !s.contains("sk_test_tmux_value"),
            "{term}: the value stays off the main screen: {s}"
        );
    }
}

#[test]
fn ctrl_z_suspends_and_fg_resumes() {
    if !Tmux::available() {
        println!("SKIPPED: tmux is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut env = make_store(dir.path());
    env.push(("PATH", path_with_ward()));
    env.push(("TERM", "xterm-256color".to_string()));
    let t = Tmux::new("suspend");
    t.start(100, 30, &env);
    t.keys(&[ward(), "Enter"]);
    t.wait_for("Secrets");
    // Let the first frames settle so Ctrl-Z reaches the running loop.
    std::thread::sleep(Duration::from_millis(300));
    t.keys(&["C-z"]);
    t.wait_for("Stopped");
    assert!(!t.alternate_on(), "suspended: terminal restored");
    t.keys(&["fg", "Enter"]);
    t.wait_for("Secrets");
    assert!(t.alternate_on());
    t.keys(&["q"]);
    t.wait_main_screen();
    t.keys(&["echo done-$((1+1))", "Enter"]);
    t.wait_for("done-2");
    assert!(!t.alternate_on());
}

#[test]
fn first_run_in_a_real_terminal_creates_the_store() {
    if !Tmux::available() {
        println!("SKIPPED: tmux is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        (
            "XDG_CONFIG_HOME",
            dir.path().join("cfg").display().to_string(),
        ),
        (
            "XDG_DATA_HOME",
            dir.path().join("data").display().to_string(),
        ),
        ("HOME", dir.path().display().to_string()),
        ("PATH", path_with_ward()),
        ("TERM", "xterm-256color".to_string()),
    ];
    let t = Tmux::new("firstrun");
    t.start(90, 26, &env);
    t.keys(&[ward(), "Enter"]);
    t.wait_for("Welcome to ward");
    t.keys(&["Enter"]);
    t.wait_for("no secrets yet");
    t.keys(&["q"]);
    assert!(dir.path().join("data/ward/store/.ward/store.toml").exists());
    assert!(dir.path().join("cfg/ward/identity.txt").exists());
}

/// The TUI's first run makes a store as `ward init` does, and so forgets
/// what this machine pinned for an earlier store in the same folder: a
/// re-created store verifies (it used to report a replaced audit key).
#[test]
fn first_run_over_a_removed_store_forgets_its_audit_pins() {
    if !Tmux::available() {
        println!("SKIPPED: tmux is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut env = make_store(dir.path());
    std::fs::remove_dir_all(dir.path().join("data/ward/store")).unwrap();
    env.push(("PATH", path_with_ward()));
    env.push(("TERM", "xterm-256color".to_string()));
    let t = Tmux::new("refirstrun");
    t.start(90, 26, &env);
    t.keys(&[ward(), "Enter"]);
    t.wait_for("Welcome to ward");
    t.keys(&["Enter"]);
    t.wait_for("no secrets yet");
    t.keys(&["q"]);
    let out = Command::new(ward())
        .args(["audit", "verify"])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn demo_cleans_up_when_its_terminal_goes_away() {
    if !Tmux::available() {
        println!("SKIPPED: tmux is not installed (.ci/run installs it)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let env = vec![
        ("TMPDIR", tmp.path().display().to_string()),
        ("HOME", tmp.path().display().to_string()),
        ("TERM", "xterm-256color".to_string()),
    ];
    let t = Tmux::new("demohup");
    t.start(100, 30, &env);
    t.keys(&[&format!("{} demo", ward()), "Enter"]);
    t.wait_for("Secrets");
    let demo_dir = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("ward-demo-")
        })
        .expect("the demo folder");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&demo_dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "the demo folder is private");
    // Closing the terminal sends SIGHUP.
    t.cmd(&["kill-server"]);
    let start = Instant::now();
    while demo_dir.exists() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!demo_dir.exists(), "the demo store was removed on SIGHUP");
}

/// Joining in a real terminal at 80x24 (NO_COLOR): a second user, with no
/// identity, runs `ward` on the first user's store, creates a key, and the
/// screen shows that key and the command a member runs.
#[test]
fn joining_a_store_in_a_real_terminal_shows_the_new_key_and_the_command() {
    if !Tmux::available() {
        println!("SKIPPED: tmux is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    make_store(dir.path());
    let store = dir.path().join("data/ward/store");
    let dan = dir.path().join("dan");
    let env = vec![
        ("XDG_CONFIG_HOME", dan.join("cfg").display().to_string()),
        ("XDG_DATA_HOME", dan.join("data").display().to_string()),
        ("XDG_CACHE_HOME", dan.join("cache").display().to_string()),
        ("HOME", dan.display().to_string()),
        ("WARD_STORE", store.display().to_string()),
        ("NO_COLOR", "1".to_string()),
        ("PATH", path_with_ward()),
        ("TERM", "xterm-256color".to_string()),
    ];
    let t = Tmux::new("join");
    t.start(80, 24, &env);
    t.keys(&[ward(), "Enter"]);
    t.wait_for("Join this store");
    t.keys(&["Enter"]);
    let s = t.wait_for("Your public key");
    let identity = std::fs::read_to_string(dan.join("cfg/ward/identity.txt")).unwrap();
    let public = identity
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .expect("the identity names its public key")
        .trim()
        .to_string();
    assert!(s.contains(&public), "the key shows whole: {s}");
    assert!(s.contains("ward recipients add"), "{s}");
    assert!(s.contains("c copy command"), "{s}");
    t.keys(&["r"]);
    t.wait_for("Not yet");
    // Wide, the command fits on one line.
    t.cmd(&["resize-window", "-t", "0", "-x", "140", "-y", "30"]);
    t.wait_for(&format!("ward recipients add {public} --label"));
    t.keys(&["q"]);
    t.wait_main_screen();
    // Nothing in the store changed: a member adds the key.
    let recipients = std::fs::read_to_string(store.join(".ward/recipients")).unwrap();
    assert!(!recipients.contains(&public));
}

/// Runs the real CLI with `env`, `stdin` piped in; fails on an error.
fn run_with(env: &[(&str, String)], args: &[&str], stdin: &str) {
    use std::io::Write;
    let mut child = Command::new(ward())
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_sync_key_in_a_real_terminal_brings_in_another_clones_secret() {
    if !Tmux::available() {
        println!("SKIPPED: tmux is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = |who: &str| {
        let d = dir.path().join(who);
        vec![
            ("XDG_CONFIG_HOME", d.join("cfg").display().to_string()),
            ("XDG_DATA_HOME", d.join("data").display().to_string()),
            ("XDG_CACHE_HOME", d.join("cache").display().to_string()),
            ("HOME", d.display().to_string()),
            ("PATH", path_with_ward()),
            ("PS1", "$ ".to_string()),
        ]
    };
    let (ann, desk) = (home("ann"), home("desk"));
    let remote = dir.path().join("team.git");
    let bare = Command::new("git")
        .args(["init", "-q", "--bare"])
        .arg(&remote)
        .status();
    assert!(bare.unwrap().success());
    run_with(&ann, &["init", "--git"], "");
    let remote = remote.display().to_string();
    run_with(&ann, &["git", "remote", "add", "origin", &remote], "");
    run_with(&ann, &["set", "acme/KEY"], "first-value-1");
    run_with(&ann, &["sync"], "");
    // The other clone: Ann's identity on her other machine.
    let desk_store = dir.path().join("desk/data/ward/store");
    run_with(&desk, &["clone", &remote], "");
    let id = dir.path().join("desk/cfg/ward/identity.txt");
    std::fs::create_dir_all(id.parent().unwrap()).unwrap();
    std::fs::copy(dir.path().join("ann/cfg/ward/identity.txt"), &id).unwrap();
    std::fs::write(id.with_file_name("config.toml"), "actor = \"ann@desk\"\n").unwrap();
    assert!(desk_store.join(".git").exists());
    run_with(&desk, &["set", "acme/FROM_DESK"], "desk-value-1");
    run_with(&desk, &["sync"], "");

    let mut env = ann.clone();
    env.push(("TERM", "xterm-256color".to_string()));
    let t = Tmux::new("sync");
    t.start(80, 24, &env);
    t.keys(&[ward(), "Enter"]);
    t.wait_for("KEY");
    assert!(!t.screen().contains("FROM_DESK"));
    t.keys(&["S"]);
    // The header's mark lasts; the status line's "synced: received …" is
    // replaced as messages come and go, so a loaded machine can miss it.
    let s = t.wait_for("synced just now");
    assert!(s.contains("FROM_DESK"), "{s}");
    assert!(
        s.lines().next().unwrap_or_default().contains("↑0 ↓0"),
        "{s}"
    );
    t.cmd(&["resize-window", "-t", "0", "-x", "200", "-y", "50"]);
    let s = t.wait_for("S sync");
    assert!(
        s.lines()
            .next()
            .unwrap_or_default()
            .ends_with("synced just now"),
        "{s}"
    );
    t.keys(&["q"]);
    t.wait_main_screen();
}

/// Keys typed in one burst while a secret decrypts are not lost (issue 16):
/// `/PASSWORD⏎c` arrives faster than the filter's match decrypts, and the
/// copy still happens, of that secret, through OSC 52 into tmux's buffer.
#[test]
fn a_filter_and_copy_typed_in_one_burst_copies_the_match() {
    if !Tmux::available() {
        println!("SKIPPED: tmux is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut env = make_store(dir.path());
    env.push(("PATH", path_with_ward()));
    env.push(("TERM", "xterm-256color".to_string()));
    let t = Tmux::new("burst");
    t.start(100, 30, &env);
    // tmux passes OSC 52 on into its paste buffer only when told to.
    t.cmd(&["set", "-s", "set-clipboard", "on"]);
    // No display: the OSC 52 path, whatever the test's own environment.
    let command = format!("env -u DISPLAY -u WAYLAND_DISPLAY {}", ward());
    t.keys(&[&command, "Enter"]);
    t.wait_for("Secrets");
    std::thread::sleep(Duration::from_millis(300));
    // One send-keys: the whole burst reaches ward in one read.
    t.keys(&["/PASSWORD", "Enter", "c"]);
    let s = t.wait_for("Copied acme/db/PASSWORD");
    assert!(!s.contains("Select a secret"), "{s}");
    let start = Instant::now();
    loop {
        let buffer = t.cmd(&["show-buffer"]);
        if buffer == "db-pass" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "tmux's buffer holds {buffer:?}, not the copied value"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    t.keys(&["q"]);
    t.wait_main_screen();
}
