//! Writes of many secrets that land together or not at all (`ward cp`, a
//! folder's `mv`): every new file is first encrypted and written durably
//! to a temp file beside its place ([`Store::stage_locked`]); only when all
//! of them are written do they take their names ([`Store::land_locked`]).
//! A failure before that removes the temps and leaves the store as it
//! was; one while landing takes back the files already landed.

use super::{fsio, Guard, SecretDoc, SecretPath, Store};
use crate::error::{IoContext, Result, WardError};
use std::fs;
use std::path::PathBuf;

/// A secret file written in full beside its place, not yet under its name.
/// Dropped without landing, its temp file is removed.
pub struct Staged {
    pub name: SecretPath,
    tmp: PathBuf,
    path: PathBuf,
    landed: bool,
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.landed {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

impl Store {
    /// Encrypts `doc` as the new secret `name` (after `guard`'s checks) into
    /// a temp file beside its place. Refused when `name` exists. The
    /// caller holds the lock until every staged file has landed.
    pub fn stage_locked(
        &self,
        _lock: &fsio::StoreLock,
        name: &SecretPath,
        doc: &SecretDoc,
        guard: Guard<'_>,
    ) -> Result<Staged> {
        if fs::symlink_metadata(self.file_of(name)).is_ok() {
            return Err(WardError::Exists {
                what: format!("secret {name}"),
                path: self.file_of(name),
            });
        }
        let (path, cipher) = self.seal(name, doc, guard)?;
        let tmp = fsio::write_temp_beside(&path, &cipher)?;
        Ok(Staged {
            name: name.clone(),
            tmp,
            path,
            landed: false,
        })
    }

    /// Gives every staged file its name, in order, calling `before(i)`
    /// just before the `i`th lands (its write-ahead audit record). If one
    /// cannot land, those landed are removed again and the rest dropped:
    /// the error is returned with the store as before.
    pub fn land_locked(
        &self,
        _lock: &fsio::StoreLock,
        mut staged: Vec<Staged>,
        mut before: impl FnMut(usize),
    ) -> Result<()> {
        let mut failed = None;
        for (i, s) in staged.iter_mut().enumerate() {
            // Nothing may have taken the name meanwhile: writers hold the lock.
            let landed = if fs::symlink_metadata(&s.path).is_ok() {
                Err(WardError::Exists {
                    what: format!("secret {}", s.name),
                    path: s.path.clone(),
                })
            } else {
                before(i);
                fs::rename(&s.tmp, &s.path).at(&s.path)
            };
            match landed {
                Ok(()) => s.landed = true,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let Some(e) = failed else {
            for s in &staged {
                if let Some(dir) = s.path.parent() {
                    fsio::sync_dir(dir)?;
                }
            }
            return Ok(());
        };
        self.unstage(&mut staged);
        Err(e)
    }

    /// Takes back whatever of `staged` exists: landed files are removed,
    /// temps too, and the folders that leaves empty.
    fn unstage(&self, staged: &mut [Staged]) {
        for s in staged.iter_mut() {
            if s.landed {
                let _ = fs::remove_file(&s.path);
                s.landed = false;
            }
            let _ = fs::remove_file(&s.tmp);
            if let Some(dir) = s.path.parent() {
                self.prune_empty_dirs(dir);
            }
        }
    }

    /// Drops staged files that will not land (an error after staging some),
    /// removing the folders staging made for them.
    pub fn discard_staged(&self, mut staged: Vec<Staged>) {
        self.unstage(&mut staged);
    }

    /// Removes the file of `name` (the source of a landed move); the
    /// caller holds the lock.
    pub fn remove_locked(&self, _lock: &fsio::StoreLock, name: &SecretPath) -> Result<()> {
        let path = self.secret_file(name)?;
        fs::remove_file(&path).at(&path)?;
        self.left(&path)
    }
}
