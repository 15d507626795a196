//! `ward clone`, `ward sync` and `ward git`: the store shared through the
//! user's own git (docs/TEAMS.md). The work is in `ops::sync` and
//! `crate::git`; this prints.

use super::args::{Cli, CloneArgs, GitArgs, SyncArgs};
use super::context::Context;
use crate::config::{self, PullMode};
use crate::error::{exit, Result, WardError};
use crate::ops::sync;
use crate::sanitize::escape;
use crate::store::Store;
use crate::words::plural;
use std::path::{Path, PathBuf};

/// The running ward binary, for git's merge drivers.
pub fn exe() -> Result<PathBuf> {
    std::env::current_exe()
        .map_err(|e| WardError::Other(format!("cannot find the ward binary's own path: {e}")))
}

/// `ward clone URL [DIR]`.
pub fn clone(cli: &Cli, args: CloneArgs) -> Result<i32> {
    let default = cli.store.clone().unwrap_or_else(config::default_store);
    let dir = args.dir.clone().unwrap_or_else(|| default.clone());
    if let Ok(mut entries) = std::fs::read_dir(&dir) {
        if entries.next().is_some() {
            return Err(WardError::Exists {
                what: "a folder that is not empty".into(),
                path: dir,
            }
            .hint("ward clone only clones into a new or empty folder; give another DIR"));
        }
    }
    let repo = crate::git::clone(&args.url, &dir)?;
    let store = match Store::open(&dir) {
        Ok(store) => store,
        Err(e) => {
            // Only what the clone just made is removed; the remote has it all.
            let _ = std::fs::remove_dir_all(&dir);
            return Err(WardError::Usage(format!(
                "{} is not a ward store ({e}); the clone was removed",
                escape(&args.url)
            )));
        }
    };
    repo.configure_merge_drivers(&exe()?)?;
    println!(
        "Cloned the store {} into {}.",
        escape(&args.url),
        store.root().display()
    );
    let identity = config::identity_paths(&cli.identities).remove(0);
    let point = if same_place(&dir, &default) {
        String::new()
    } else {
        format!(" --store {}", dir.display())
    };
    if std::fs::symlink_metadata(&identity).is_err() {
        println!(
            "Next: `ward{point} init` makes your own key; then ask a member to add you (it prints \
             the command they run)."
        );
    } else {
        println!("Next: `ward{point} identity` shows your key and what you can read.");
    }
    if !point.is_empty() {
        println!(
            "This is not the store ward uses by default: pass --store {} or set \
             WARD_STORE={} to use it.",
            dir.display(),
            dir.display()
        );
    }
    Ok(exit::OK)
}

fn same_place(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// `ward sync [--rebase]`: one line on stdout.
pub fn sync(ctx: &Context, args: SyncArgs) -> Result<i32> {
    let exe = exe()?;
    let report = sync::sync(&sync::Sync {
        store: &ctx.store,
        actor: &ctx.actor,
        rebase: args.rebase || ctx.config.git.pull == PullMode::Rebase,
        exe: &exe,
        journal: ctx,
        now: chrono::Utc::now(),
    })?;
    for w in &report.warnings {
        super::output::warn_line(w);
    }
    println!("{}", report.summary());
    if !report.untrusted.is_empty() {
        super::output::warn_line(&format!(
            "the recipients files now hold {} not approved on this machine: \
             `ward recipients trust` to review them (writes are refused until then)",
            plural(report.untrusted.len(), "key")
        ));
    }
    Ok(exit::OK)
}

/// `ward git ARGS…`: git in the store folder, its exit code passed on.
pub fn git(cli: &Cli, args: GitArgs) -> Result<i32> {
    let root = cli.store.clone().unwrap_or_else(config::default_store);
    if !root.is_dir() {
        return Err(WardError::NoStore(root));
    }
    crate::git::passthrough(&root, &args.args)
}
