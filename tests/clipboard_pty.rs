//! The library's `clipboard::copy` with the real keeper process, writing OSC 52
//! to a pseudo-terminal this test owns: the exact bytes ward wrote to the
//! terminal, the overwrite after the timeout, and the outcome report.
//! (Its own test binary, because it sets process-wide environment first.)

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use ward::clipboard::{self, BackendUsed, ClearOutcome, ClipboardBackend, CopyOptions};

const WARD: &str = env!("CARGO_BIN_EXE_ward");

fn openpty() -> (std::fs::File, PathBuf, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty fills two descriptors; the name/termios/winsize pointers may be null.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty");
    let mut buf = [0 as libc::c_char; 128];
    // SAFETY: ttyname_r writes a NUL-terminated name into buf.
    assert_eq!(
        unsafe { libc::ttyname_r(slave, buf.as_mut_ptr(), buf.len()) },
        0
    );
    // SAFETY: buf is NUL-terminated by ttyname_r.
    let name = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: both descriptors were just opened and are owned here.
    unsafe {
        (
            std::fs::File::from_raw_fd(master),
            PathBuf::from(name),
            OwnedFd::from_raw_fd(slave),
        )
    }
}

/// Reads from the pty master until `want` bytes arrived or `limit` passed.
fn read_until(master: &mut std::fs::File, got: &mut Vec<u8>, want: usize, limit: Duration) {
    let start = Instant::now();
    while got.len() < want && start.elapsed() < limit {
        let mut pfd = libc::pollfd {
            fd: std::os::fd::AsRawFd::as_raw_fd(master),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        if unsafe { libc::poll(&mut pfd, 1, 100) } > 0 {
            let mut buf = [0u8; 4096];
            match master.read(&mut buf) {
                Ok(n) if n > 0 => got.extend_from_slice(&buf[..n]),
                _ => break,
            }
        }
    }
}

#[test]
fn osc52_bytes_reach_the_terminal_and_are_overwritten() {
    let runtime = tempfile::tempdir().unwrap();
    // Before any thread: a plain terminal, no display, not in tmux/screen.
    for k in [
        "TMUX",
        "TMUX_PANE",
        "STY",
        "DISPLAY",
        "WAYLAND_DISPLAY",
        "SSH_CONNECTION",
        "SSH_TTY",
    ] {
        std::env::remove_var(k);
    }
    std::env::set_var("TERM", "xterm-256color");
    std::env::set_var("XDG_RUNTIME_DIR", runtime.path());

    let (mut master, slave_path, _slave) = openpty();
    let value = "hunter2";
    let opts = CopyOptions {
        backend: ClipboardBackend::Auto,
        timeout: Some(Duration::from_millis(1200)),
        helper: Some(PathBuf::from(WARD)),
        tty: Some(slave_path),
        // No store there: the keeper's record fails quietly, and writes
        // nothing anywhere. What matters is that these are not in argv.
        audit: Some(clipboard::AuditTarget {
            store_root: runtime.path().join("no-store-here"),
            actor: "ann@test".into(),
            path: "acme/NAME_NOT_IN_ARGV".into(),
        }),
    };
    let copied = clipboard::copy(value, &opts).expect("copy");
    assert_eq!(
        copied.report.backend,
        BackendUsed::Osc52(clipboard::osc52::Route::Terminal)
    );
    assert!(copied.report.summary("k").starts_with("Sent k"));

    // The value is not on the keeper's command line.
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", copied.keeper.pid())).unwrap();
    assert!(!String::from_utf8_lossy(&cmdline).contains(value));
    // Nor the secret's name, the store or the actor (they go on stdin).
    for hidden in ["NAME_NOT_IN_ARGV", "no-store-here", "ann@test", "--audit"] {
        assert!(
            !String::from_utf8_lossy(&cmdline).contains(hidden),
            "{hidden} in the keeper's argv"
        );
    }
    let environ = std::fs::read(format!("/proc/{}/environ", copied.keeper.pid())).unwrap();
    assert!(!String::from_utf8_lossy(&environ).contains(value));
    assert!(String::from_utf8_lossy(&cmdline).contains("__clipboard-keeper"));

    let set = b"\x1b]52;c;aHVudGVyMg==\x07";
    let cleared = b"\x1b]52;c;IA==\x07";
    let mut got = Vec::new();
    read_until(&mut master, &mut got, set.len(), Duration::from_secs(5));
    assert_eq!(got, set, "exactly the OSC 52 sequence, at once");
    assert_eq!(copied.keeper.try_outcome(), None);
    read_until(
        &mut master,
        &mut got,
        set.len() + cleared.len(),
        Duration::from_secs(10),
    );
    assert_eq!(&got[set.len()..], cleared, "overwritten after the timeout");
    assert_eq!(
        copied.keeper.wait_outcome(),
        Some(ClearOutcome::Overwritten)
    );
}
