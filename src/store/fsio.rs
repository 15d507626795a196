//! Crash-safe file writes and the store lock.
//!
//! A write goes to a temp file in the same folder, is fsynced, renamed over the
//! target and the folder is fsynced: after a crash or `kill -9` at any moment the
//! target holds the old or the new bytes, never a mix. Temp files start with '.'
//! so listings never see them, and stale ones are swept under the lock.

use crate::error::{IoContext, Result, WardError};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How every temp file's name starts.
pub const TEMP_MARK: &str = ".ward-tmp-";

/// Creates `dir` and its missing parents with mode 0700, fsyncing the parent
/// of each folder it creates: otherwise a power loss could forget a new folder
/// (and the secret renamed into it) even though the rename was fsynced, which
/// would lose a secret moved into a new folder by `mv`.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut missing = Vec::new();
    let mut cur = dir;
    while !cur.is_dir() {
        missing.push(cur);
        match cur.parent() {
            Some(p) if !p.as_os_str().is_empty() => cur = p,
            _ => break,
        }
    }
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    for d in missing.into_iter().rev() {
        match builder.create(d) {
            Ok(()) => {}
            // Another process made it first: fine, it is a folder.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && d.is_dir() => continue,
            Err(e) => return Err(WardError::io(d, e)),
        }
        if let Some(parent) = d.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent)?;
        }
    }
    Ok(())
}

pub(crate) fn open_private(path: &Path, opts: &mut OpenOptions) -> std::io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
        // O_NOFOLLOW: never through a symlink: someone who can write to the
        // store (a teammate through git) must not be able to point one of
        // ward's files at ~/.bashrc or another store's secret.
        // O_NONBLOCK: opening a FIFO planted in the store would otherwise wait
        // for a writer forever, often while holding the store lock, so every
        // other writer would wait too. It means nothing for a regular file and
        // is cleared below once the file is known to be one.
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = match opts.open(path) {
        Ok(f) => f,
        // A write-only open of a FIFO without a reader, or of a socket: say
        // what is there rather than "No such device or address".
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
            return Err(match fs::symlink_metadata(path) {
                Ok(m) => not_regular(m.file_type()),
                Err(_) => e,
            })
        }
        Err(e) => return Err(e),
    };
    // fstat on the open file: the type of what was opened, not of whatever
    // the path names by now.
    let file_type = file.metadata()?.file_type();
    if !file_type.is_file() {
        return Err(not_regular(file_type));
    }
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let fd = file.as_raw_fd();
        // SAFETY: F_GETFL and F_SETFL on a descriptor we own and keep open;
        // no memory is passed.
        let cleared = unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            flags >= 0 && libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) >= 0
        };
        if !cleared {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(file)
}

/// Why a file of this type is refused, in the words ward reports it with
/// (open errors and store listings alike).
pub fn not_regular_cause(file_type: fs::FileType) -> String {
    #[cfg(unix)]
    let what = {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            "a named pipe (FIFO)"
        } else if file_type.is_socket() {
            "a socket"
        } else if file_type.is_char_device() || file_type.is_block_device() {
            "a device"
        } else if file_type.is_dir() {
            "a folder"
        } else {
            "something else"
        }
    };
    #[cfg(not(unix))]
    let what = if file_type.is_dir() {
        "a folder"
    } else {
        "something else"
    };
    format!("{what}, not a regular file; ward does not open it")
}

fn not_regular(file_type: fs::FileType) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        not_regular_cause(file_type),
    )
}

/// Opens an existing file of ward's for reading, refusing symlinks and
/// anything but a regular file (a FIFO or device fails at once, never hangs).
pub fn open_read(path: &Path) -> std::io::Result<File> {
    open_private(path, OpenOptions::new().read(true))
}

/// Reads the whole of an open file, refusing one larger than `limit` bytes.
/// The size is checked on the open file before anything is read, and the
/// read stops at the limit in case the file grows meanwhile: a huge (or
/// sparse) file planted in the store costs neither time nor memory.
pub fn read_open(file: &mut File, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let len = file.metadata()?.len();
    if len > limit {
        return Err(too_large(len, limit));
    }
    let mut buf = Vec::with_capacity(len as usize);
    Read::by_ref(file)
        .take(limit.saturating_add(1))
        .read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(too_large(buf.len() as u64, limit));
    }
    Ok(buf)
}

fn too_large(len: u64, limit: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::FileTooLarge,
        format!(
            "{} is over ward's limit of {} for this file; not read",
            size_text(len),
            size_text(limit)
        ),
    )
}

/// A size for messages: `512 bytes`, `64 MiB`, `20.0 GiB`.
pub fn size_text(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut unit = 0;
    let mut scale = 1024u64;
    while unit + 1 < UNITS.len() && bytes >= scale * 1024 {
        unit += 1;
        scale *= 1024;
    }
    if bytes.is_multiple_of(scale) {
        format!("{} {}", bytes / scale, UNITS[unit])
    } else {
        format!("{:.1} {}", bytes as f64 / scale as f64, UNITS[unit])
    }
}

/// Reads a whole file of ward's of at most `limit` bytes, refusing symlinks
/// and anything but a regular file (see [`read_open`]).
pub fn read_file_max(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    read_open(&mut open_read(path)?, limit)
}

/// Reads a whole file of ward's of any size, refusing symlinks and anything
/// but a regular file. Only for files that grow without a fixed bound (the
/// append-only audit logs, local state); everything else has a limit and
/// uses [`read_file_max`].
pub fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    read_file_max(path, u64::MAX)
}

/// Opens (creating if needed, mode 0600) a file of ward's for appending,
/// refusing symlinks and anything but a regular file.
pub fn open_append(path: &Path) -> std::io::Result<File> {
    open_private(path, OpenOptions::new().append(true).create(true))
}

/// Like [`open_append`], but the file can also be read (to find its last
/// line before appending).
pub fn open_read_append(path: &Path) -> std::io::Result<File> {
    open_private(
        path,
        OpenOptions::new().read(true).append(true).create(true),
    )
}

/// Whether an error is the one `O_NOFOLLOW` gives for a symbolic link.
pub fn is_symlink_error(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Opens (creating if needed) a file of ward's for reading and writing,
/// refusing symlinks and anything but a regular file. Never truncates.
pub fn open_rw(path: &Path) -> std::io::Result<File> {
    open_private(
        path,
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false),
    )
}

/// Refuses a path whose components below `root` include a symlink: ward
/// walks only real folders inside a store.
pub fn check_no_symlinks(root: &Path, path: &Path) -> Result<()> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut cur = root.to_path_buf();
    for part in rel.components() {
        cur.push(part);
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(WardError::Other(format!(
                    "{} is a symbolic link; ward does not follow links inside a store",
                    cur.display()
                )))
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(WardError::io(&cur, e)),
        }
    }
    Ok(())
}

/// Atomically replaces (or creates) `path` with `bytes`, mode 0600.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    atomic_write_with(path, bytes, true)
}

/// [`atomic_write`] with the fsyncs optional: without them a crash may leave
/// the old version (never a mix), for state that may lag behind.
pub fn atomic_write_with(path: &Path, bytes: &[u8], durable: bool) -> Result<()> {
    atomic_write_then(path, bytes, durable, || {})
}

/// [`atomic_write_with`], calling `before_rename` once the new content is
/// durable in its temp file and just before it replaces `path`. The store
/// writes its audit record there (write-ahead): a crash after the rename then
/// never leaves a version the log has not seen.
pub fn atomic_write_then(
    path: &Path,
    bytes: &[u8],
    durable: bool,
    before_rename: impl FnOnce(),
) -> Result<()> {
    let tmp = write_temp(path, bytes, durable)?;
    let result = (|| -> Result<()> {
        before_rename();
        fs::rename(&tmp, path).at(path)?;
        if durable {
            if let Some(dir) = path.parent() {
                sync_dir(dir)?;
            }
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Writes `bytes` durably to a new temp file beside `path` (creating its
/// folder) and returns the temp file's path, for a caller that renames
/// several files into place only once all of them are written
/// (`store::stage`). Under the store lock, so no sweep removes it.
pub fn write_temp_beside(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
    write_temp(path, bytes, true)
}

/// A new temp file beside `path` with `bytes` (fsynced when `durable`),
/// removed again if the write fails.
fn write_temp(path: &Path, bytes: &[u8], durable: bool) -> Result<PathBuf> {
    let dir = path
        .parent()
        .ok_or_else(|| WardError::Other(format!("{} has no parent folder", path.display())))?;
    create_private_dir(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        "{TEMP_MARK}{}-{}-{name}",
        std::process::id(),
        rand::random::<u32>()
    ));
    let result = (|| -> Result<()> {
        let mut f = open_private(&tmp, OpenOptions::new().write(true).create_new(true)).at(&tmp)?;
        f.write_all(bytes).at(&tmp)?;
        if durable {
            f.sync_all().at(&tmp)?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// fsyncs a folder so that a rename or removal in it survives a crash.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        File::open(dir).and_then(|d| d.sync_all()).at(dir)?;
    }
    Ok(())
}

/// Removes temp files left in the one folder `dir` by a writer that died
/// (a small private folder such as the trust book's). Only call this while
/// holding that folder's lock: then no live writer owns a temp file there.
/// The store sweeps its whole tree itself ([`crate::store::Store::lock`]).
pub fn sweep_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let is_file = entry.file_type().is_ok_and(|t| !t.is_dir());
        if is_file && is_temp_name(&entry.file_name().to_string_lossy()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether a file name is one of our temp files.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with(TEMP_MARK)
}

/// Whether the process that made the temp file `name` (its pid is in the
/// name) is still running. A temp name without a pid is nobody's.
pub fn temp_writer_alive(name: &str) -> bool {
    let pid = name
        .strip_prefix(TEMP_MARK)
        .and_then(|rest| rest.split('-').next())
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|&p| p > 0);
    let Some(pid) = pid else {
        return false;
    };
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 sends nothing; it only asks whether the process exists.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// An exclusive advisory lock on the store, released on drop (or when the
/// process dies, so a `kill -9` never leaves the store locked).
pub struct StoreLock {
    _file: File,
    path: PathBuf,
}

impl StoreLock {
    /// Blocks until the lock at `path` is ours. The lock file is never renamed
    /// over, so every process locks the same inode.
    pub fn acquire(path: &Path) -> Result<StoreLock> {
        let file = open_private(
            path,
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false),
        )
        .at(path)?;
        file.lock().at(path)?;
        Ok(StoreLock {
            _file: file,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_sets_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/dir/x.age");
        atomic_write(&p, b"one").unwrap();
        atomic_write(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
            let d = fs::metadata(dir.path().join("sub/dir")).unwrap();
            assert_eq!(d.permissions().mode() & 0o777, 0o700);
        }
        let leftovers: Vec<_> = fs::read_dir(p.parent().unwrap())
            .unwrap()
            .flatten()
            .filter(|e| is_temp_name(&e.file_name().to_string_lossy()))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn creates_nested_private_dirs_once() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        create_private_dir(&deep).unwrap();
        create_private_dir(&deep).unwrap();
        assert!(deep.is_dir());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for d in ["a", "a/b", "a/b/c"] {
                let m = fs::metadata(dir.path().join(d))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(m & 0o777, 0o700, "{d}");
            }
        }
        fs::write(dir.path().join("file"), b"x").unwrap();
        assert!(create_private_dir(&dir.path().join("file/sub")).is_err());
    }

    #[test]
    fn reads_stop_at_the_limit_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        fs::write(&p, b"12345").unwrap();
        assert_eq!(read_file_max(&p, 5).unwrap(), b"12345");
        let e = read_file_max(&p, 4).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::FileTooLarge);
        assert!(e.to_string().contains("5 bytes"), "{e}");
        // A sparse 20 GiB file: refused from its size, instantly.
        File::create(&p).unwrap().set_len(20 << 30).unwrap();
        let t = std::time::Instant::now();
        let e = read_file_max(&p, 1 << 20).unwrap_err();
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
        assert!(e.to_string().contains("20 GiB"), "{e}");
    }

    #[test]
    fn sizes_read_plainly() {
        assert_eq!(size_text(512), "512 bytes");
        assert_eq!(size_text(64 << 20), "64 MiB");
        assert_eq!(size_text(1536), "1.5 KiB");
        assert_eq!(size_text(20 << 30), "20 GiB");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_at_once_for_reading_and_writing() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pipe");
        let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        for e in [
            read_file(&p).unwrap_err(),
            open_append(&p).unwrap_err(),
            open_rw(&p).unwrap_err(),
        ] {
            assert!(e.to_string().contains("named pipe"), "{e}");
        }
        let e = read_file(dir.path()).unwrap_err();
        assert!(e.to_string().contains("a folder"), "{e}");
    }

    #[test]
    fn a_temp_names_its_writer() {
        let mine = format!("{TEMP_MARK}{}-7-x.age", std::process::id());
        assert!(is_temp_name(&mine) && temp_writer_alive(&mine));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = child.id();
        child.wait().unwrap();
        assert!(!temp_writer_alive(&format!("{TEMP_MARK}{gone}-7-x.age")));
        assert!(!temp_writer_alive(&format!("{TEMP_MARK}x-7-x.age")));
        assert!(!temp_writer_alive(&format!("{TEMP_MARK}0-7-x.age")));
        assert!(!is_temp_name("x.age"));
    }
}
