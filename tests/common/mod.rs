//! Shared harness for the integration tests: a `Ward` with its own temporary
//! home, config, data and cache folders, which runs the real binary.
//!
//! Every child runs in a new session (`setsid`), so it has no controlling
//! terminal and can never prompt on the terminal of whoever runs the tests.
//! [`pty`] gives a child a pseudo-terminal when a test wants one.

#![allow(dead_code)]

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_ward");

/// One isolated ward world.
pub struct Ward {
    pub tmp: tempfile::TempDir,
    pub home: PathBuf,
    pub config_home: PathBuf,
    pub data_home: PathBuf,
    pub cache_home: PathBuf,
}

impl Ward {
    /// Empty folders, nothing initialised.
    pub fn new() -> Ward {
        let tmp = tempfile::Builder::new()
            .prefix("ward-test-")
            .tempdir()
            .expect("temp dir");
        let root = tmp.path().to_path_buf();
        let w = Ward {
            home: root.join("home"),
            config_home: root.join("config"),
            data_home: root.join("data"),
            cache_home: root.join("cache"),
            tmp,
        };
        for d in [&w.home, &w.config_home, &w.data_home, &w.cache_home] {
            std::fs::create_dir_all(d).unwrap();
        }
        w
    }

    /// Empty folders and a config.toml naming the actor (one member of a
    /// team, in the git and team tests).
    pub fn with_actor(actor: &str) -> Ward {
        Ward::with_config(&format!("actor = \"{actor}\"\n"))
    }

    /// Empty folders and this config.toml.
    pub fn with_config(config: &str) -> Ward {
        let w = Ward::new();
        std::fs::create_dir_all(w.config_file().parent().unwrap()).unwrap();
        std::fs::write(w.config_file(), config).unwrap();
        w
    }

    /// This world's config.toml.
    pub fn config_file(&self) -> PathBuf {
        self.config_home.join("ward").join("config.toml")
    }

    /// A world with an identity and a store (`ward init`).
    pub fn init() -> Ward {
        let w = Ward::new();
        w.ok(&["init"], None);
        w
    }

    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// Default store location for this world.
    pub fn store(&self) -> PathBuf {
        self.data_home.join("ward").join("store")
    }

    /// Default identity location for this world.
    pub fn identity(&self) -> PathBuf {
        self.config_home.join("ward").join("identity.txt")
    }

    /// The file of a secret in the default store.
    pub fn file(&self, name: &str) -> PathBuf {
        self.store().join(format!("{name}.age"))
    }

    /// The public key of the default identity (from its comment line).
    pub fn public_key(&self) -> String {
        let text = std::fs::read_to_string(self.identity()).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix("# public key: "))
            .expect("identity has a public key comment")
            .trim()
            .to_string()
    }

    /// A command for the real binary with this world's environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args);
        self.apply_env(&mut c);
        c
    }

    /// Sets HOME, XDG_* and a fixed user on any command (ward, age, ssh-keygen).
    pub fn apply_env(&self, c: &mut Command) {
        for var in ["WARD_STORE", "WARD_IDENTITY", "WARD_CONFIG", "NO_COLOR"] {
            c.env_remove(var);
        }
        c.env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", &self.config_home)
            .env("XDG_DATA_HOME", &self.data_home)
            .env("XDG_CACHE_HOME", &self.cache_home)
            .env("USER", "tester")
            .env("LC_ALL", "C.UTF-8")
            // Every test asks for its passphrases itself; tests/agent.rs
            // turns the agent on where it is what is tested.
            .env("WARD_NO_AGENT", "1");
    }

    /// Runs `ward ARGS` with `stdin` piped in (or /dev/null) and no terminal.
    pub fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        run_detached(self.cmd(args), stdin)
    }

    /// Like [`run`], and fails the test unless the exit code is 0.
    pub fn ok(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "ward {args:?} failed with {:?}: {}",
            out.status.code(),
            stderr(&out)
        );
        out
    }

    /// Runs and checks the exit code, returning the output.
    pub fn expect_code(&self, args: &[&str], stdin: Option<&[u8]>, code: i32) -> Output {
        let out = self.run(args, stdin);
        assert_eq!(
            out.status.code(),
            Some(code),
            "ward {args:?}: expected exit {code}; stderr: {}",
            stderr(&out)
        );
        out
    }

    /// `printf VALUE | ward set NAME EXTRA…`
    pub fn set(&self, name: &str, value: &[u8], extra: &[&str]) {
        let mut args = vec!["set", name];
        args.extend_from_slice(extra);
        self.ok(&args, Some(value));
    }

    /// `ward get NAME` through a pipe: the raw bytes.
    pub fn get(&self, name: &str) -> Vec<u8> {
        self.ok(&["get", name], None).stdout
    }

    /// `ward get NAME --json`, parsed.
    pub fn doc(&self, name: &str) -> serde_json::Value {
        let out = self.ok(&["get", name, "--json"], None);
        serde_json::from_slice(&out.stdout).expect("get --json prints JSON")
    }

    /// Fails the test if any file under this world (store, config, cache,
    /// home) contains one of `needles` in plain text. Needles are test
    /// fixtures, so naming them in the failure message is fine.
    pub fn assert_no_plaintext(&self, needles: &[&[u8]]) {
        for file in files_under(self.root()) {
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            for needle in needles {
                assert!(
                    !contains(&bytes, needle),
                    "plain text of a test value {:?} found in {}",
                    String::from_utf8_lossy(&needle[..needle.len().min(40)]),
                    file.display()
                );
            }
        }
    }
}

impl Default for Ward {
    fn default() -> Self {
        Ward::new()
    }
}

/// Runs a command in a new session (no controlling terminal), stdin piped
/// from `stdin` (or /dev/null), output captured.
pub fn run_detached(mut c: Command, stdin: Option<&[u8]>) -> Output {
    detach(&mut c);
    c.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let input = input.to_vec();
        // Write from a thread so a child that does not read cannot deadlock us.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    child.wait_with_output().expect("wait")
}

/// What [`run_bounded`] saw of a child.
pub struct Bounded {
    pub output: Output,
    /// It had not finished by the deadline and was killed.
    pub timed_out: bool,
    pub elapsed: std::time::Duration,
    /// The child's peak resident memory in KiB (`ru_maxrss` of that child
    /// alone, from `wait4`).
    pub max_rss_kib: i64,
}

impl Bounded {
    /// Fails the test if the child had to be killed.
    pub fn finished(self, what: &str) -> Bounded {
        assert!(
            !self.timed_out,
            "{what}: still running after {:?}, killed; stderr: {}",
            self.elapsed,
            stderr(&self.output)
        );
        self
    }
}

/// Runs a command in a new session with `stdin`, killing it if it has not
/// finished after `timeout`: for tests of input that used to hang ward or
/// make it read without end.
pub fn run_bounded(mut c: Command, stdin: Stdio, timeout: std::time::Duration) -> Bounded {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    use std::time::{Duration, Instant};
    detach(&mut c);
    c.stdin(stdin).stdout(Stdio::piped()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = c.spawn().expect("spawn");
    let pid = child.id() as libc::pid_t;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let mut timed_out = false;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: wait4 on our own child, writing into locals we own.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4: {}", std::io::Error::last_os_error());
        if start.elapsed() > timeout {
            timed_out = true;
            // SAFETY: signalling and then reaping our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::wait4(pid, &mut status, 0, &mut usage);
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let elapsed = start.elapsed();
    // The child was reaped here, not through `child`: dropping it is enough.
    drop(child);
    Bounded {
        output: Output {
            status: std::process::ExitStatus::from_raw(status),
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
        },
        timed_out,
        elapsed,
        max_rss_kib: usage.ru_maxrss,
    }
}

/// Makes the child start a new session: it loses any controlling terminal.
pub fn detach(c: &mut Command) {
    // SAFETY: setsid is async-signal-safe and touches no memory of ours.
    unsafe {
        c.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Every regular file under `dir`, recursively (dot files included).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() {
                out.push(e.path());
            }
        }
    }
    out
}

/// Writes a file with mode 0600.
pub fn write_private(path: &Path, bytes: &[u8]) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, bytes).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Whether an external tool is on PATH. On CI (`CI` set) a missing tool
/// fails the test instead: .ci/run installs every tool the tests use, and
/// a skipped test there would hide a missing install step.
pub fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool} >/dev/null 2>&1")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        found || std::env::var_os("CI").is_none(),
        "{tool} is not installed on CI: .ci/run must install it"
    );
    found
}

/// Like [`have`], for a test that needs the tool: skips (with a note) where
/// it is missing, and on CI fails, since .ci/run installs it.
pub fn require(tool: &str) -> bool {
    if have(tool) {
        return true;
    }
    eprintln!("skipping: {tool} is not installed");
    false
}

/// Makes a fresh age X25519 identity file (mode 0600) with ward's library;
/// returns its public key.
pub fn make_identity(path: &Path) -> String {
    let (text, public) = ward::store::crypto::generate_identity(chrono::Utc::now());
    write_private(path, text.as_bytes());
    public
}

/// A driver for a child on a pseudo-terminal, for passphrase prompts that
/// read /dev/tty (ward's and the age CLI's).
pub mod pty {
    use std::io::Write;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;
    use std::process::{Command, ExitStatus, Stdio};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    pub struct PtyOutput {
        pub status: ExitStatus,
        /// Everything written to the terminal (prompts, echoed input, errors).
        pub transcript: String,
        /// The child's stdout when it is not the terminal.
        pub stdout: Vec<u8>,
    }

    /// Runs `cmd` with a new pseudo-terminal as its controlling terminal and
    /// stderr; stdout is captured separately, stdin is `stdin` or /dev/null.
    /// For each `(prompt, answer)` in order, waits for `prompt` to appear on
    /// the terminal and types `answer`. Gives up after `timeout`.
    pub fn run(
        cmd: Command,
        stdin: Option<&[u8]>,
        dialogue: &[(&str, &str)],
        timeout: Duration,
    ) -> PtyOutput {
        drive(cmd, Some(stdin), dialogue, timeout)
    }

    /// Like [`run`], with stdin, stdout and stderr all on the terminal, as
    /// for a person typing.
    pub fn run_all(cmd: Command, dialogue: &[(&str, &str)], timeout: Duration) -> PtyOutput {
        drive(cmd, None, dialogue, timeout)
    }

    /// `piped`: Some(stdin) keeps stdin and stdout off the terminal.
    fn drive(
        mut cmd: Command,
        piped: Option<Option<&[u8]>>,
        dialogue: &[(&str, &str)],
        timeout: Duration,
    ) -> PtyOutput {
        let (master, slave) = open();
        let slave_fd = slave.as_raw_fd();
        // SAFETY: setsid and ioctl are async-signal-safe; slave_fd is open in
        // the forked child until exec (it is close-on-exec).
        unsafe {
            cmd.pre_exec(move || {
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::ioctl(slave_fd, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let stdin = piped.flatten();
        match piped {
            Some(input) => {
                cmd.stdin(if input.is_some() {
                    Stdio::piped()
                } else {
                    Stdio::null()
                })
                .stdout(Stdio::piped());
            }
            None => {
                cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
                    .stdout(Stdio::from(slave.try_clone().unwrap()));
            }
        }
        cmd.stderr(Stdio::from(slave.try_clone().unwrap()));
        let mut child = cmd.spawn().expect("spawn on pty");
        drop(cmd);
        drop(slave);
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            let input = input.to_vec();
            std::thread::spawn(move || {
                let _ = pipe.write_all(&input);
            });
        }
        let out_pipe = child.stdout.take();
        let stdout_thread = std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut pipe) = out_pipe {
                let _ = std::io::Read::read_to_end(&mut pipe, &mut buf);
            }
            buf
        });

        let transcript = Arc::new(Mutex::new(Vec::<u8>::new()));
        let reader = {
            let transcript = Arc::clone(&transcript);
            let fd = master.as_raw_fd();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    // SAFETY: reading into our own buffer from an fd we keep open.
                    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
                    if n <= 0 {
                        break;
                    }
                    transcript
                        .lock()
                        .unwrap()
                        .extend_from_slice(&buf[..n as usize]);
                }
            })
        };

        let deadline = Instant::now() + timeout;
        let mut seen = 0usize;
        let mut master_w = std::fs::File::from(master.try_clone().unwrap());
        for (prompt, answer) in dialogue {
            loop {
                let text = transcript.lock().unwrap().clone();
                let tail = String::from_utf8_lossy(&text[seen.min(text.len())..]).into_owned();
                if let Some(at) = tail.find(prompt) {
                    seen += tail[..at + prompt.len()].len();
                    break;
                }
                if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "pty: never saw prompt {prompt:?}; terminal so far: {:?}",
                        String::from_utf8_lossy(&text)
                    );
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            // Let the prompt's reader switch off echo before typing.
            std::thread::sleep(Duration::from_millis(50));
            master_w.write_all(answer.as_bytes()).unwrap();
            master_w.write_all(b"\r").unwrap();
        }
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "pty: child did not finish in {timeout:?}; terminal: {:?}",
                    String::from_utf8_lossy(&transcript.lock().unwrap())
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let stdout = stdout_thread.join().unwrap();
        // The reader ends when the last holder of the terminal is gone.
        let until = Instant::now() + Duration::from_secs(2);
        while !reader.is_finished() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(master_w);
        if reader.is_finished() {
            let _ = reader.join();
            drop(master);
        } else {
            // Keep the fd alive for the detached reader thread.
            std::mem::forget(master);
        }
        let transcript = String::from_utf8_lossy(&transcript.lock().unwrap()).into_owned();
        PtyOutput {
            status,
            transcript,
            stdout,
        }
    }

    fn open() -> (OwnedFd, OwnedFd) {
        let mut master = -1;
        let mut slave = -1;
        // SAFETY: openpty writes two fds into our ints; null name/termios/winsize are allowed.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        for fd in [master, slave] {
            // SAFETY: fcntl on fds we just opened.
            unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
        }
        // SAFETY: both fds are open and owned by nobody else.
        unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
    }
}

/// A new bare git repository at `path` (a team's remote, on disk).
pub fn bare_repo(path: &Path) {
    let out = Command::new("git")
        .args(["init", "-q", "--bare"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "git init --bare: {}", stderr(&out));
}
