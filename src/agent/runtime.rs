//! Where the agent's socket lives: `$XDG_RUNTIME_DIR/ward/agent.sock`, or
//! `<temp dir>/ward-<uid>/agent.sock` without a usable runtime folder. The
//! folder is made 0700; one that is a link, not ours, or open to others is
//! refused (another user could otherwise plant a socket of their own).

use crate::error::{Result, WardError};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// The socket's file name in the runtime folder.
pub const SOCKET: &str = "agent.sock";
/// The lock an agent holds for its lifetime (one agent a folder).
pub const LOCK: &str = "agent.lock";

pub fn uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The folder the socket goes in, from `var` (the environment).
pub fn folder_from(var: impl Fn(&str) -> Option<String>) -> PathBuf {
    let runtime = var("XDG_RUNTIME_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .filter(|d| private_dir_problem(d).is_none());
    match runtime {
        Some(d) => d.join("ward"),
        None => std::env::temp_dir().join(format!("ward-{}", uid())),
    }
}

/// This process's socket folder.
pub fn folder() -> PathBuf {
    folder_from(|v| std::env::var(v).ok())
}

/// What is wrong with `dir` as a private folder: a link, not a folder, not
/// ours, or open to group or others.
pub fn private_dir_problem(dir: &Path) -> Option<String> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) => return Some(format!("cannot be read ({})", e.kind())),
    };
    if meta.file_type().is_symlink() {
        return Some("is a symbolic link".into());
    }
    if !meta.is_dir() {
        return Some("is not a folder".into());
    }
    if meta.uid() != uid() {
        return Some(format!("belongs to another user (uid {})", meta.uid()));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Some(format!(
            "has permissions {mode:04o}, open to others (0700 wanted)"
        ));
    }
    None
}

/// Makes (if needed) and checks the socket folder; its socket path.
pub fn prepare(dir: &Path) -> Result<PathBuf> {
    if std::fs::symlink_metadata(dir).is_err() {
        crate::store::fsio::create_private_dir(dir)?;
    }
    check(dir)
}

/// Checks an existing socket folder; its socket path.
pub fn check(dir: &Path) -> Result<PathBuf> {
    if let Some(problem) = private_dir_problem(dir) {
        return Err(WardError::Other(format!(
            "the agent's folder {} {problem}; ward will not use it",
            crate::sanitize::escape(&dir.display().to_string())
        )));
    }
    Ok(dir.join(SOCKET))
}

/// The uid of the process at the other end of `stream`.
pub fn peer_uid(stream: &std::os::unix::net::UnixStream) -> Option<u32> {
    #[cfg(target_os = "linux")]
    {
        let mut cred = libc::ucred {
            pid: 0,
            uid: u32::MAX,
            gid: u32::MAX,
        };
        let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
        // SAFETY: getsockopt writes at most `len` bytes into `cred`.
        let rc = unsafe {
            libc::getsockopt(
                stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_PEERCRED,
                (&mut cred as *mut libc::ucred).cast(),
                &mut len,
            )
        };
        (rc == 0 && len as usize == std::mem::size_of::<libc::ucred>()).then_some(cred.uid)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let (mut uid, mut gid) = (0, 0);
        // SAFETY: getpeereid writes into the two integers.
        let rc = unsafe { libc::getpeereid(stream.as_raw_fd(), &mut uid, &mut gid) };
        (rc == 0).then_some(uid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_private_folder_of_ours_is_used() {
        let tmp = tempfile::tempdir().unwrap();
        let run = tmp.path().join("run");
        std::fs::create_dir(&run).unwrap();
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
        let var = |d: &Path| {
            let d = d.display().to_string();
            move |v: &str| (v == "XDG_RUNTIME_DIR").then(|| d.clone())
        };
        assert_eq!(folder_from(var(&run)), run.join("ward"));
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(
            folder_from(var(&run)),
            std::env::temp_dir().join(format!("ward-{}", uid()))
        );

        let mine = tmp.path().join("mine");
        assert_eq!(prepare(&mine).unwrap(), mine.join(SOCKET));
        assert_eq!(std::fs::metadata(&mine).unwrap().mode() & 0o777, 0o700);
        std::fs::set_permissions(&mine, std::fs::Permissions::from_mode(0o711)).unwrap();
        let e = prepare(&mine).unwrap_err().to_string();
        assert!(e.contains("0711"), "{e}");
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&run, &link).unwrap();
        assert!(prepare(&link).unwrap_err().to_string().contains("link"));
    }
}
