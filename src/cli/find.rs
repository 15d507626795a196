//! `ward find TEXT` (alias `search`): secrets ranked by the TUI's fuzzy
//! match (`crate::find`) over names, tags, owners, kinds and URLs, the
//! metadata read through the encrypted cache; without an identity, over
//! names alone. Also the suggestions of `ward ls` for a folder that is not.

use super::args::FindArgs;
use super::context::Context;
use super::output;
use crate::error::{exit, Result};
use crate::store::{SecretMeta, SecretPath};

/// At most this many names are suggested by `ward ls`.
const SUGGESTED: usize = 5;

pub fn run(ctx: &Context, args: FindArgs) -> Result<i32> {
    let query = args.text.join(" ");
    let listing = ctx.store.list(None);
    for p in &listing.problems {
        output::warn_line(&format!("{}: {}", p.path.display(), p.cause));
    }
    let metas = match super::report::load_metas(ctx, &listing.secrets, false) {
        Ok(loaded) => loaded.into_iter().map(|(_, m)| m.ok()).collect(),
        Err(e) => {
            output::warn_line(&format!(
                "matching names only, not tags, owners, kinds or URLs: {}",
                super::advice::describe(&e)
            ));
            vec![None; listing.secrets.len()]
        }
    };
    let found = ranked(&query, &listing.secrets, &metas);
    if found.is_empty() {
        output::error_line(&format!("no secret matches {query:?}"));
        return Ok(exit::NOT_FOUND);
    }
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for name in found {
        let _ = writeln!(out, "{}", crate::sanitize::escape(name.as_str()));
    }
    let _ = out.flush();
    Ok(exit::OK)
}

/// The names matching `query`, best first; `metas` goes with `names`
/// (None where the metadata is unknown).
fn ranked<'a>(
    query: &str,
    names: &'a [SecretPath],
    metas: &[Option<SecretMeta>],
) -> Vec<&'a SecretPath> {
    let hays: Vec<String> = names
        .iter()
        .zip(metas)
        .map(|(n, m)| crate::find::haystack(n, m.as_ref(), crate::find::Reach::Everything))
        .collect();
    crate::find::rank(
        query,
        names
            .iter()
            .map(|n| n.as_str())
            .zip(hays.iter().map(String::as_str)),
    )
    .into_iter()
    .map(|(i, _)| &names[i])
    .collect()
}

/// The best fuzzy matches of `typed` by name alone, for a `ward ls` that
/// found nothing: no decryption, no prompt.
pub(super) fn suggestions(ctx: &Context, typed: &str) -> Vec<String> {
    let names = ctx.store.list(None).secrets;
    let metas = vec![None; names.len()];
    ranked(typed, &names, &metas)
        .into_iter()
        .take(SUGGESTED)
        .map(|n| n.to_string())
        .collect()
}
