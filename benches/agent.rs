//! The agent benchmark: `cargo bench --bench agent` (numbers in
//! docs/PERFORMANCE.md; target: `ward get` under 10 ms once unlocked).
//!
//! A store with one secret and a passphrase-protected identity (scrypt work
//! factor 18, as ward writes them). In the same run: the real binary's
//! `ward get` through the agent after one `ward unlock` (no terminal, no
//! prompt), against `ward --no-agent get`, which asks for the passphrase on
//! a pseudo-terminal (typed as soon as the prompt shows) and runs scrypt
//! every time. Medians; under `cargo test` a smoke run of a few.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ward");
const PASS: &str = "bench passphrase, long enough";
const VALUE: &[u8] = b"sk_bench_agent_value";

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (agent_runs, plain_runs) = if bench { (51, 7) } else { (3, 1) };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    setup(root);

    // Unlock once (on a terminal), then gets through the agent.
    let unlock = on_tty(ward(root, &["unlock"]));
    assert!(unlock.0, "ward unlock failed: {}", unlock.1);
    let through_agent = median(agent_runs, || {
        let out = ward(root, &["get", "s/KEY"])
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, VALUE);
    });
    let asking = median(plain_runs, || {
        let (ok, transcript) = on_tty(ward(root, &["--no-agent", "get", "s/KEY"]));
        assert!(ok, "{transcript}");
    });
    let plain = root.join("config/ward/plain.txt");
    let plain = plain.to_str().unwrap();
    let no_passphrase = median(agent_runs, || {
        let out = ward(root, &["-i", plain, "get", "s/KEY"]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
    let lock = ward(root, &["lock"]).output().unwrap();
    assert!(lock.status.success());
    println!("ward get with a passphrase identity (scrypt work factor 18):");
    println!(
        "  through the agent, after one unlock  {:>10}   (median of {agent_runs})",
        ms(through_agent)
    );
    println!(
        "  the same key without a passphrase    {:>10}   (median of {agent_runs})",
        ms(no_passphrase)
    );
    println!(
        "  --no-agent, passphrase typed         {:>10}   (median of {plain_runs})",
        ms(asking)
    );
}

/// A store with one secret; then the identity gets a passphrase.
fn setup(root: &Path) {
    for d in ["home", "config", "data", "cache", "run"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::set_permissions(root.join("run"), std::fs::Permissions::from_mode(0o700)).unwrap();
    let ok = |args: &[&str], stdin: &[u8]| {
        let mut child = ward(root, args)
            .env("WARD_NO_AGENT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    ok(&["init"], b"");
    ok(&["set", "s/KEY"], VALUE);
    let identity = root.join("config/ward/identity.txt");
    let text = std::fs::read(&identity).unwrap();
    // The same key without a passphrase: the baseline of a get.
    let plain = root.join("config/ward/plain.txt");
    std::fs::write(&plain, &text).unwrap();
    std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o600)).unwrap();
    let wrapped = ward::store::crypto::encrypt_with_passphrase(
        &text,
        &age::secrecy::SecretString::from(PASS.to_string()),
    );
    std::fs::write(&identity, wrapped).unwrap();
}

fn ward(root: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_remove("WARD_NO_AGENT")
        .env_remove("WARD_STORE")
        .env_remove("WARD_IDENTITY")
        .env_remove("WARD_CONFIG")
        .env("HOME", root.join("home"))
        .env("XDG_CONFIG_HOME", root.join("config"))
        .env("XDG_DATA_HOME", root.join("data"))
        .env("XDG_CACHE_HOME", root.join("cache"))
        .env("XDG_RUNTIME_DIR", root.join("run"))
        .env("USER", "bench");
    c
}

/// Runs `cmd` on a new pseudo-terminal, typing PASS at the passphrase
/// prompt; (success, what the terminal showed).
fn on_tty(mut cmd: Command) -> (bool, String) {
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: openpty fills two fds; null name/termios/winsize are allowed.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0);
    // SAFETY: both fds were just opened and are ours alone.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let slave_fd = slave.as_raw_fd();
    // SAFETY: setsid and ioctl are async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setsid() < 0 || libc::ioctl(slave_fd, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(slave.try_clone().unwrap()));
    let mut child = cmd.spawn().unwrap();
    drop(slave);
    let mut term = std::fs::File::from(master);
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&seen).contains("Passphrase for") {
        assert!(Instant::now() < deadline, "no prompt");
        let n = term.read(&mut buf).unwrap_or(0);
        assert!(n > 0, "the terminal closed before the prompt");
        seen.extend_from_slice(&buf[..n]);
    }
    // The prompt is printed before echo goes off; a moment for rpassword.
    std::thread::sleep(Duration::from_millis(5));
    term.write_all(format!("{PASS}\r").as_bytes()).unwrap();
    let status = child.wait().unwrap();
    (
        status.success(),
        String::from_utf8_lossy(&seen).into_owned(),
    )
}

fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
