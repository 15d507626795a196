//! The hidden commands git runs as merge drivers (`__merge-driver`,
//! `__merge-recipients`, docs/TEAMS.md): exit 0 with the result in OURS, or
//! exit 1 with OURS untouched and one explanation on stderr.

use super::args::{Cli, MergeArgs};
use super::output;
use crate::config::{self, Config};
use crate::error::exit;
use crate::ops::merge_driver::{self, Done, Sides};
use crate::sanitize::escape;

fn sides(a: &MergeArgs) -> Sides<'_> {
    Sides {
        base: &a.base,
        ours: &a.ours,
        theirs: &a.theirs,
        path: &a.path,
    }
}

fn conflict(path: &str, why: &str) -> i32 {
    output::error_line(&format!(
        "cannot merge {}: {why}; the file is left as a conflict, nothing was lost",
        escape(path)
    ));
    exit::FAILURE
}

/// `ward __merge-driver BASE OURS THEIRS PATH`.
pub fn secret(cli: &Cli, a: MergeArgs) -> i32 {
    let config_path = cli.config.clone().unwrap_or_else(Config::default_path);
    let config = match Config::load(&config_path) {
        Ok(c) => c,
        Err(e) => return conflict(&a.path, &e.to_string()),
    };
    // A passphrase is asked on /dev/tty when there is one, else refused.
    let keys = match super::context::load_keyring(&config::identity_paths(&cli.identities)) {
        Ok(k) => k,
        Err(e) => return conflict(&a.path, &e.to_string()),
    };
    match merge_driver::merge_secret(&keys, config.history_limit, &sides(&a)) {
        Ok(Done::Same) => exit::OK,
        Ok(Done::Secret {
            name,
            winner,
            loser,
            version,
        }) => {
            if let Err(e) = merge_driver::log_merge(&name, &winner, &loser, version) {
                output::warn_line(&format!("the merge of {name} was not logged: {e}"));
            }
            exit::OK
        }
        Err(why) => conflict(&a.path, &why),
    }
}

/// `ward __merge-recipients BASE OURS THEIRS PATH`.
pub fn recipients(a: MergeArgs) -> i32 {
    match merge_driver::merge_recipients_file(&sides(&a)) {
        Ok(merged) => {
            for (key, ours, theirs) in merged.label_differences {
                output::warn_line(&format!(
                    "{}: {} is labelled {:?} here and {:?} on the other side; kept {:?}",
                    escape(&a.path),
                    crate::store::recipients::short_key(&key),
                    escape(&ours),
                    escape(&theirs),
                    escape(&ours)
                ));
            }
            exit::OK
        }
        Err(why) => conflict(&a.path, &why),
    }
}
