//! The agent ("unlock once", docs/SECURITY.md): through the real binary,
//! with a passphrase-protected identity typed on a pseudo-terminal.
//!
//! Each world has its own runtime folder (XDG_RUNTIME_DIR under the
//! world's temporary folder), so its agent is its own; the agent ends when
//! that folder goes with the world.

mod common;

use common::{pty, run_detached, stderr, stdout, Ward};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const PASS: &str = "correct horse battery staple";
const VALUE: &[u8] = b"sk_live_agent_value_4242";
const T: Duration = Duration::from_secs(60);
const PROMPT: &str = "Passphrase for identity";

/// A world with a store, one secret, and its identity protected by PASS.
struct World {
    w: Ward,
    /// The identity's private key line (AGE-SECRET-KEY-1…).
    secret_key: String,
}

impl World {
    fn new(config: &str) -> World {
        let w = Ward::with_config(config);
        w.ok(&["init"], None);
        w.set("acme/STRIPE_KEY", VALUE, &[]);
        let text = std::fs::read_to_string(w.identity()).unwrap();
        let secret_key = text
            .lines()
            .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
            .unwrap()
            .to_string();
        let wrapped = ward::store::crypto::encrypt_with_passphrase(
            text.as_bytes(),
            &age::secrecy::SecretString::from(PASS.to_string()),
        );
        common::write_private(&w.identity(), &wrapped);
        let run = w.root().join("run");
        std::fs::create_dir(&run).unwrap();
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
        World { w, secret_key }
    }

    fn run_dir(&self) -> PathBuf {
        self.w.root().join("run")
    }

    fn socket(&self) -> PathBuf {
        self.run_dir().join("ward").join("agent.sock")
    }

    /// `ward ARGS` with the agent on (the harness turns it off elsewhere).
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.w.cmd(args);
        c.env_remove("WARD_NO_AGENT")
            .env("XDG_RUNTIME_DIR", self.run_dir());
        c
    }

    /// Runs on a terminal, typing PASS at each passphrase prompt in
    /// `answers` times; returns the output.
    fn on_tty(&self, cmd: Command, answers: usize) -> pty::PtyOutput {
        let dialogue: Vec<(&str, &str)> = (0..answers).map(|_| (PROMPT, PASS)).collect();
        pty::run(cmd, None, &dialogue, T)
    }

    /// `ward get acme/STRIPE_KEY` with no terminal: it works only when it
    /// need not ask (the agent holds the identity).
    fn get_without_asking(&self) -> std::process::Output {
        run_detached(self.cmd(&["get", "acme/STRIPE_KEY"]), None)
    }

    fn status(&self) -> (bool, String) {
        let out = run_detached(self.cmd(&["unlock", "--status"]), None);
        (out.status.success(), stdout(&out))
    }

    fn lock(&self) {
        let out = run_detached(self.cmd(&["lock"]), None);
        assert!(out.status.success(), "{}", stderr(&out));
    }

    /// The pid in `ward unlock --status`.
    fn agent_pid(&self) -> u32 {
        let (_, line) = self.status();
        line.split("agent pid ")
            .nth(1)
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no pid in {line:?}"))
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = run_detached(self.cmd(&["lock"]), None);
    }
}

fn asked(out: &pty::PtyOutput) -> usize {
    out.transcript.matches(PROMPT).count()
}

#[test]
fn one_passphrase_serves_the_next_commands_until_ward_lock() {
    let world = World::new("");
    let first = world.on_tty(world.cmd(&["get", "acme/STRIPE_KEY"]), 1);
    assert!(first.status.success(), "{}", first.transcript);
    assert_eq!(first.stdout, VALUE);
    assert_eq!(asked(&first), 1);
    // Three more: no terminal to ask on, and none needed.
    for _ in 0..3 {
        let out = world.get_without_asking();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(out.stdout, VALUE);
    }
    // A write, signed by the agent (its audit record included), verifies.
    let set = run_detached(world.cmd(&["set", "acme/OTHER"]), Some(b"other-value"));
    assert!(set.status.success(), "{}", stderr(&set));
    let verify = run_detached(world.cmd(&["audit", "verify"]), None);
    assert!(
        verify.status.success(),
        "{}{}",
        stdout(&verify),
        stderr(&verify)
    );

    let (unlocked, line) = world.status();
    assert!(unlocked, "{line}");
    assert!(line.starts_with("Unlocked: "), "{line}");
    assert!(line.contains("identity.txt"), "{line}");

    world.lock();
    let (unlocked, line) = world.status();
    assert!(!unlocked && line.starts_with("Locked"), "{line}");
    let out = world.get_without_asking();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no terminal to ask on"),
        "{}",
        stderr(&out)
    );
    let again = world.on_tty(world.cmd(&["get", "acme/STRIPE_KEY"]), 1);
    assert!(again.status.success(), "{}", again.transcript);
    assert_eq!(asked(&again), 1);
}

#[test]
fn ward_unlock_asks_once_and_for_keeps_it_unlocked() {
    let world = World::new("");
    let out = world.on_tty(world.cmd(&["unlock", "--for", "2h"]), 1);
    assert!(out.status.success(), "{}", out.transcript);
    assert_eq!(asked(&out), 1);
    assert!(
        out.transcript.contains("as --for asked"),
        "{}",
        out.transcript
    );
    for _ in 0..4 {
        assert_eq!(world.get_without_asking().stdout, VALUE);
    }
    // Already unlocked: a second unlock asks nothing.
    let out = run_detached(world.cmd(&["unlock"]), None);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn ward_unlock_without_a_terminal_reads_nothing_and_says_so() {
    let world = World::new("");
    let out = run_detached(world.cmd(&["unlock"]), Some(format!("{PASS}\n").as_bytes()));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .starts_with("ward: error: ward unlock asks for the passphrase on the terminal"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("nothing was read"),
        "{}",
        stderr(&out)
    );
    assert!(!world.status().0);
}

#[test]
fn the_agent_locks_itself_after_the_idle_time() {
    let world = World::new("[agent]\nidle = \"4s\"\n");
    let out = world.on_tty(world.cmd(&["get", "acme/STRIPE_KEY"]), 1);
    assert!(out.status.success(), "{}", out.transcript);
    // The status does not count as a use.
    let pid = world.agent_pid();
    let until = Instant::now() + Duration::from_secs(20);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the agent is still running after its idle time"
    );
    assert!(!world.socket().exists(), "the socket outlived the agent");
    assert!(!world.get_without_asking().status.success());
    let again = world.on_tty(world.cmd(&["get", "acme/STRIPE_KEY"]), 1);
    assert_eq!(asked(&again), 1);
}

#[test]
fn no_agent_asks_every_time_and_starts_none() {
    let world = World::new("");
    for how in ["flag", "env", "config"] {
        let mut c = world.cmd(&["get", "acme/STRIPE_KEY"]);
        match how {
            "flag" => {
                c.arg("--no-agent");
            }
            "env" => {
                c.env("WARD_NO_AGENT", "1");
            }
            _ => {
                let config = world.w.root().join("off.toml");
                std::fs::write(&config, "[agent]\nenabled = false\n").unwrap();
                c.arg("--config").arg(&config);
            }
        }
        let out = world.on_tty(c, 1);
        assert!(out.status.success(), "{how}: {}", out.transcript);
        assert_eq!(asked(&out), 1, "{how}");
        assert!(!world.socket().exists(), "{how}: an agent was started");
        assert!(!world.get_without_asking().status.success(), "{how}");
    }
}

/// One request frame (4-byte length, JSON).
fn frame(json: &str) -> Vec<u8> {
    let mut f = (json.len() as u32).to_be_bytes().to_vec();
    f.extend_from_slice(json.as_bytes());
    f
}

/// Sends raw bytes on a new connection; the reply frame's JSON, or None.
fn exchange(socket: &std::path::Path, bytes: &[u8]) -> Option<serde_json::Value> {
    let mut s = UnixStream::connect(socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(bytes).unwrap();
    let mut len = [0u8; 4];
    s.read_exact(&mut len).ok()?;
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

#[test]
fn garbage_and_oversized_messages_are_refused_and_the_agent_keeps_serving() {
    let world = World::new("");
    let out = world.on_tty(world.cmd(&["get", "acme/STRIPE_KEY"]), 1);
    assert!(out.status.success(), "{}", out.transcript);
    let sock = world.socket();
    let refusals = [
        u32::MAX.to_be_bytes().to_vec(),
        vec![0, 0, 0, 0],
        frame("this is not json"),
        frame(r#"{"op":"dump-keys"}"#),
        frame(
            r#"{"op":"unwrap","path":"/nowhere","stanzas":[{"tag":"X25519","args":[],"body":"%%%"}]}"#,
        ),
        b"\xff\xfe\xfd\xfc\x00garbage".to_vec(),
    ];
    for bytes in refusals {
        let reply = exchange(&sock, &bytes);
        let reply = reply.unwrap_or_else(|| panic!("no reply to {bytes:?}"));
        assert!(
            reply["reply"] == "error" || reply["reply"] == "not-unlocked",
            "{reply}"
        );
    }
    // An unwrap for a path it does not hold, and a lookup of a changed file.
    let reply = exchange(
        &sock,
        &frame(r#"{"op":"sign","path":"/x","chain":"c","signed":"AA=="}"#),
    );
    assert_eq!(reply.unwrap()["reply"], "not-unlocked");
    // Still serving, and reporting itself not dumpable.
    let status = exchange(&sock, &frame(r#"{"op":"status"}"#)).unwrap();
    assert_eq!(status["reply"], "status", "{status}");
    assert_eq!(status["dumpable"], false, "{status}");
    assert_eq!(world.get_without_asking().stdout, VALUE);
}

#[test]
fn the_socket_is_private_and_nothing_of_the_key_is_on_disk() {
    let world = World::new("");
    let out = world.on_tty(world.cmd(&["get", "acme/STRIPE_KEY"]), 1);
    assert!(out.status.success(), "{}", out.transcript);
    assert_eq!(world.get_without_asking().stdout, VALUE);
    let dir = world.run_dir().join("ward");
    assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
    assert_eq!(
        std::fs::symlink_metadata(world.socket()).unwrap().mode() & 0o777,
        0o600
    );
    // The world holds the store, config, data, cache and runtime folders.
    world.w.assert_no_plaintext(&[
        world.secret_key.as_bytes(),
        world.secret_key.to_ascii_lowercase().as_bytes(),
        PASS.as_bytes(),
        VALUE,
    ]);
    // Nor under the temp folder's default agent folder for this uid.
    // SAFETY: geteuid cannot fail.
    let fallback = std::env::temp_dir().join(format!("ward-{}", unsafe { libc::geteuid() }));
    for file in common::files_under(&fallback) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(!common::contains(&bytes, world.secret_key.as_bytes()));
        assert!(!common::contains(&bytes, PASS.as_bytes()));
    }
}

#[test]
fn a_folder_open_to_others_is_refused() {
    let world = World::new("");
    let dir = world.run_dir().join("ward");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = run_detached(world.cmd(&["get", "acme/STRIPE_KEY"]), None);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.starts_with("ward: error: "), "{err}");
    assert!(
        err.contains("0755") && err.contains("will not use it"),
        "{err}"
    );
}

/// In a child forked as uid 65534: connects to `socket`, asks for the
/// status, and exits 0 when refused, 1 when served, 2 when it could not
/// connect. Only raw system calls between fork and exit.
fn connect_as_nobody(socket: &std::path::Path) -> i32 {
    let path = std::ffi::CString::new(socket.as_os_str().as_encoded_bytes()).unwrap();
    let request = frame(r#"{"op":"status"}"#);
    // SAFETY: the sockaddr is zeroed and filled within its bounds.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (i, b) in path.as_bytes().iter().enumerate() {
        addr.sun_path[i] = *b as libc::c_char;
    }
    let mut reply = [0u8; 4096];
    // SAFETY: the child only makes system calls on memory prepared before
    // the fork, then _exit.
    unsafe {
        let pid = libc::fork();
        assert!(pid >= 0);
        if pid == 0 {
            if libc::setgid(65534) != 0 || libc::setuid(65534) != 0 {
                libc::_exit(3);
            }
            let fd = libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0);
            let len = std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
            if fd < 0 || libc::connect(fd, (&addr as *const libc::sockaddr_un).cast(), len) != 0 {
                libc::_exit(2);
            }
            libc::write(fd, request.as_ptr().cast(), request.len());
            let mut got = 0usize;
            loop {
                let n = libc::read(fd, reply.as_mut_ptr().add(got).cast(), reply.len() - got);
                if n <= 0 {
                    break;
                }
                got += n as usize;
            }
            let text = &reply[..got];
            let refused = text.windows(7).any(|w| w == b"refused");
            let served = text.windows(8).any(|w| w == b"\"status\"");
            libc::_exit(if refused && !served { 0 } else { 1 });
        }
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0);
        libc::WEXITSTATUS(status)
    }
}

#[test]
fn a_connection_from_another_uid_is_refused() {
    // SAFETY: geteuid cannot fail.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "this test forks a child as uid 65534, which needs root (as on CI)"
    );
    let world = World::new("");
    let out = world.on_tty(world.cmd(&["get", "acme/STRIPE_KEY"]), 1);
    assert!(out.status.success(), "{}", out.transcript);
    let sock = world.socket();
    // As the folders are, the other user cannot even reach the socket.
    assert_eq!(connect_as_nobody(&sock), 2);
    // Opened up (as a careless chmod would), the agent itself refuses it.
    let mut opened = vec![sock.clone()];
    let mut dir = sock.parent().unwrap().to_path_buf();
    while dir != std::path::Path::new("/") {
        opened.push(dir.clone());
        if dir == std::env::temp_dir() {
            break;
        }
        dir = dir.parent().unwrap().to_path_buf();
    }
    let before: Vec<u32> = opened
        .iter()
        .map(|p| std::fs::symlink_metadata(p).unwrap().mode() & 0o7777)
        .collect();
    for (p, mode) in opened.iter().zip(&before) {
        let wider = if p == &sock { 0o666 } else { mode | 0o011 };
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(wider)).unwrap();
    }
    let code = connect_as_nobody(&sock);
    for (p, mode) in opened.iter().zip(&before) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(*mode)).unwrap();
    }
    assert_eq!(code, 0, "uid 65534 was not refused by the agent");
    // And it goes on serving its own user.
    assert_eq!(world.get_without_asking().stdout, VALUE);
}

#[test]
fn the_agent_process_is_not_dumpable() {
    // SAFETY: geteuid cannot fail.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "this test runs an agent as uid 65534, which needs root (as on CI)"
    );
    // As root every /proc file is root's anyway; an agent of another user
    // shows it: the kernel gives a non-dumpable process's /proc files to root.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ward");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
    let sock = dir.join("agent.sock");
    let mut c = Command::new(common::BIN);
    c.args(["__agent", "--idle-secs", "30", "--socket"])
        .arg(&sock)
        .env("WARD_NO_AGENT", "1");
    std::os::unix::process::CommandExt::uid(&mut c, 65534);
    std::os::unix::process::CommandExt::gid(&mut c, 65534);
    let mut child = c
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    while !sock.exists() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    let status_file = format!("/proc/{}/status", child.id());
    let status = std::fs::read_to_string(&status_file).unwrap();
    let owner = std::fs::metadata(&status_file).unwrap().uid();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        sock.exists() || !status.is_empty(),
        "the agent did not start"
    );
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("Uid:") && l.contains("65534")),
        "{status}"
    );
    assert_eq!(
        owner, 0,
        "/proc/PID/status of an agent of uid 65534 belongs to uid {owner}: it is dumpable"
    );
}

/// The TUI on the world's store, using the world's agent (the real binary
/// runs it).
fn tui(world: &World) -> ward::tui::harness::Harness {
    let settings = ward::tui::Settings {
        store: world.w.store(),
        identities: vec![world.w.identity()],
        identities_given: true,
        config: world.w.config_file(),
    };
    let agent = ward::ops::unlock::AgentUse {
        enabled: true,
        idle_secs: 900,
        exe: Some(PathBuf::from(common::BIN)),
        for_secs: None,
        folder: Some(world.run_dir().join("ward")),
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    ward::tui::harness::Harness::open_with_agent(&settings, (100, 30), today, None, agent).unwrap()
}

#[test]
fn the_tui_uses_the_agent_and_its_lock_locks_it() {
    use ratatui::crossterm::event::KeyCode;
    let world = World::new("");
    let out = world.on_tty(world.cmd(&["unlock"]), 1);
    assert!(out.status.success(), "{}", out.transcript);
    // Unlocked already: the TUI opens on the tree, no lock screen.
    let mut h = tui(&world);
    let s = h.screen();
    assert!(!s.contains("ward is locked"), "{s}");
    assert!(s.contains("acme/"), "{s}");
    // (In-process, this machine's trust book is not the world's: the
    // store's keys are offered for approval first.)
    if s.contains("a approve") {
        h.key(KeyCode::Esc);
    }
    // Its lock (L) locks the agent too, and then asks for the passphrase.
    h.key(KeyCode::Char('L'));
    let s = h.screen();
    assert!(
        s.contains("ward is locked") && s.contains("Passphrase"),
        "{s}"
    );
    assert!(!world.status().0, "the agent is still unlocked");
    assert!(!world.get_without_asking().status.success());
    // Unlocking on the lock screen starts the agent again: the CLI asks nothing.
    h.type_text(PASS).key(KeyCode::Enter);
    let s = h.screen();
    assert!(s.contains("acme/") && !s.contains("ward is locked"), "{s}");
    assert!(world.status().0);
    assert_eq!(world.get_without_asking().stdout, VALUE);
}

#[test]
fn a_changed_identity_file_is_asked_for_again() {
    let world = World::new("");
    let out = world.on_tty(world.cmd(&["unlock"]), 1);
    assert!(out.status.success(), "{}", out.transcript);
    assert_eq!(world.get_without_asking().stdout, VALUE);
    // As `ward passwd` would: the same key under another passphrase.
    let text = format!("{}\n", world.secret_key);
    let other = "another passphrase, just as long";
    let wrapped = ward::store::crypto::encrypt_with_passphrase(
        text.as_bytes(),
        &age::secrecy::SecretString::from(other.to_string()),
    );
    common::write_private(&world.w.identity(), &wrapped);
    let out = world.get_without_asking();
    assert!(
        !out.status.success(),
        "the agent served a changed identity file"
    );
    let out = pty::run(
        world.cmd(&["get", "acme/STRIPE_KEY"]),
        None,
        &[(PROMPT, other)],
        T,
    );
    assert!(out.status.success(), "{}", out.transcript);
    assert_eq!(out.stdout, VALUE);
    assert_eq!(world.get_without_asking().stdout, VALUE);
}
