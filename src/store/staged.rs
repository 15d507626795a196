//! Many atomic writes made durable together (an import's batch).
//!
//! Each file is still written as [`fsio::atomic_write_then`] writes one: to a
//! temp file in its own folder, made durable, then renamed over its name, and
//! the folder fsynced. What a batch saves is the waiting: instead of two
//! fsyncs a file, every temp file of the batch is written first, then made
//! durable at once (one `syncfs(2)` of the store's file system on Linux, an
//! fsync of each temp file elsewhere), the caller's write-ahead step runs
//! once (the batch's audit records), then every file takes its name and each
//! folder touched is fsynced once. A crash at any moment leaves each file
//! old or new, never a mix; temp files left behind are swept under the next
//! store lock, as those of a single write are.

use super::fsio::{self, TEMP_MARK};
use crate::error::{IoContext, Result};
use std::collections::BTreeSet;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Temp files written and waiting to take their names. Dropped without
/// [`Staged::commit`], it removes them.
#[derive(Default)]
pub struct Staged {
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Writes `bytes` to a temp file beside `path` (mode 0600, never through
    /// a link), not yet durable and not yet under its name.
    pub fn stage(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        let dir = path.parent().ok_or_else(|| {
            crate::error::WardError::Other(format!("{} has no parent folder", path.display()))
        })?;
        fsio::create_private_dir(dir)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(
            "{TEMP_MARK}{}-{}-{name}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let written = (|| {
            let mut f = fsio::open_private(&tmp, OpenOptions::new().write(true).create_new(true))?;
            f.write_all(bytes)
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(crate::error::WardError::io(&tmp, e));
        }
        self.files.push((tmp, path.to_path_buf()));
        Ok(())
    }

    /// Makes every staged file durable, runs `before_rename` (the
    /// write-ahead audit records), renames each over its name and fsyncs
    /// each folder once. A rename that fails stops there: the files renamed
    /// before it stay (each is whole), the rest are removed.
    pub fn commit(mut self, before_rename: impl FnOnce()) -> Result<()> {
        if self.files.is_empty() {
            return Ok(());
        }
        self.make_durable()?;
        before_rename();
        let mut dirs = BTreeSet::new();
        let files = std::mem::take(&mut self.files);
        let mut result = Ok(());
        let mut rest = files.into_iter();
        for (tmp, path) in rest.by_ref() {
            if let Err(e) = fs::rename(&tmp, &path) {
                let _ = fs::remove_file(&tmp);
                result = Err(crate::error::WardError::io(&path, e));
                break;
            }
            if let Some(dir) = path.parent() {
                dirs.insert(dir.to_path_buf());
            }
        }
        for (tmp, _) in rest {
            let _ = fs::remove_file(&tmp);
        }
        for dir in &dirs {
            fsio::sync_dir(dir)?;
        }
        result
    }

    /// Every staged temp file's content on disk.
    fn make_durable(&self) -> Result<()> {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            use std::os::unix::fs::MetadataExt;
            // One syncfs per file system the batch wrote to (a folder of
            // the store may be a mount of its own).
            let mut devices = std::collections::BTreeMap::new();
            for (tmp, _) in &self.files {
                let dev = fs::symlink_metadata(tmp).at(tmp)?.dev();
                devices.entry(dev).or_insert(tmp);
            }
            let synced = devices.values().all(|tmp| {
                fs::File::open(tmp).is_ok_and(|f| {
                    // SAFETY: syncfs on a descriptor we own and keep open
                    // for the call; no memory is passed.
                    unsafe { libc::syncfs(f.as_raw_fd()) == 0 }
                })
            });
            if synced {
                return Ok(());
            }
            // Not supported or failed: fsync each, as below.
        }
        for (tmp, _) in &self.files {
            fs::File::open(tmp).and_then(|f| f.sync_all()).at(tmp)?;
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (tmp, _) in &self.files {
            let _ = fs::remove_file(tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_take_their_names_only_on_commit_after_the_write_ahead_step() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("x/a.age"), dir.path().join("y/b.age"));
        let mut staged = Staged::default();
        staged.stage(&a, b"one").unwrap();
        staged.stage(&b, b"two").unwrap();
        assert!(!a.exists() && !b.exists());
        let seen = std::cell::Cell::new(false);
        staged
            .commit(|| {
                assert!(!a.exists(), "the write-ahead step runs before any rename");
                seen.set(true);
            })
            .unwrap();
        assert!(seen.get());
        assert_eq!(fs::read(&a).unwrap(), b"one");
        assert_eq!(fs::read(&b).unwrap(), b"two");
        let temps = fs::read_dir(dir.path().join("x"))
            .unwrap()
            .filter(|e| fsio::is_temp_name(&e.as_ref().unwrap().file_name().to_string_lossy()))
            .count();
        assert_eq!(temps, 0);
    }

    #[test]
    fn a_batch_dropped_before_commit_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.age");
        let mut staged = Staged::default();
        staged.stage(&a, b"one").unwrap();
        drop(staged);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
