//! The scriptable command line. Never enters raw mode; prints values only where
//! the user asked for exactly that (`get`, `gen`, `history --reveal`, `export`).

mod advice;
mod agent;
mod args;
mod audit;
mod bulk;
pub mod complete;
pub mod context;
mod copy;
mod evidence;
mod export;
mod find;
mod git;
mod identity;
mod import;
mod incident;
mod init;
mod list;
mod merge;
pub mod names;
mod otp;
mod output;
mod passwd;
mod prompt;
mod recipients;
mod report;
mod scan;
mod secrets;
mod trash;
mod usage;

pub use args::{Cli, Command};
pub use context::Context;
pub use usage::parse;

use crate::config::{self, Config};
use crate::error::{exit, Result, WardError};
use crate::tui::Settings;

/// Runs one CLI command and returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let result = match cli.command.clone() {
        None => {
            if cli.no_agent {
                // The TUI takes its settings from the environment and
                // config.toml; set before any thread starts.
                std::env::set_var("WARD_NO_AGENT", "1");
            }
            crate::tui::run(&tui_settings(&cli)).map(|()| exit::OK)
        }
        Some(command) => dispatch(&cli, command),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            output::error_line(&advice::describe(&e));
            e.exit_code()
        }
    }
}

fn dispatch(cli: &Cli, command: Command) -> Result<i32> {
    match command {
        Command::Init(a) => init::run(cli, a),
        Command::Identity(a) => identity::run(cli, a),
        Command::Passwd => passwd::run(cli),
        Command::Completions { shell } => complete::print_registration(shell).map(|()| exit::OK),
        Command::Gen(a) => secrets::gen(a),
        Command::ClipboardKeeper(a) => Ok(crate::clipboard::keeper::run(a)),
        Command::Agent(a) => Ok(crate::agent::server::run(a)),
        Command::Unlock(a) => agent::unlock(cli, a),
        Command::Lock => agent::lock(cli),
        Command::Demo => demo(cli),
        Command::MergeDriver(a) => Ok(merge::secret(cli, a)),
        Command::MergeRecipients(a) => Ok(merge::recipients(a)),
        Command::Clone(a) => git::clone(cli, a),
        Command::Git(a) => git::git(cli, a),
        Command::Scan(a) if a.install_hook.is_some() => scan::install_hook(a),
        other => {
            let ctx = Context::new(cli)?;
            let result = match other {
                Command::Ls(a) => list::run(&ctx, a),
                Command::Get(a) if a.copy => copy::run(&ctx, a.into_copy()),
                Command::Get(a) => secrets::get(&ctx, a),
                Command::Set(a) => secrets::set(&ctx, a),
                Command::Generate(a) => secrets::set(&ctx, a.into_set()),
                Command::Find(a) => find::run(&ctx, a),
                Command::Edit(a) => secrets::edit(&ctx, a),
                Command::Rotate(a) => secrets::rotate(&ctx, a),
                Command::History(a) => secrets::history(&ctx, a),
                Command::Mv(a) => secrets::mv(&ctx, a),
                Command::Cp(a) => bulk::cp(&ctx, a),
                Command::Rm(a) => secrets::rm(&ctx, a),
                Command::Otp(a) => otp::run(&ctx, a),
                Command::Restore(a) => trash::restore_version(&ctx, a),
                Command::Trash(a) => trash::run(&ctx, a),
                Command::Copy(a) => copy::run(&ctx, a),
                Command::Audit(a) => audit::run(&ctx, a),
                Command::Report(a) if a.evidence => evidence::report(&ctx, a),
                Command::Report(a) => report::report(&ctx, a),
                Command::Check(a) => report::check(&ctx, a),
                Command::Export(a) => export::export(&ctx, a),
                Command::Exec(a) => export::exec(&ctx, a),
                Command::Import(a) => import::run(&ctx, a),
                Command::Recipients(a) => recipients::run(&ctx, a),
                Command::Offboard(a) => recipients::offboard(&ctx, a),
                Command::Sync(a) => git::sync(&ctx, a),
                Command::Scan(a) => scan::run(&ctx, a),
                Command::Incident(a) => incident::run(&ctx, a),
                Command::Review(a) => evidence::review(&ctx, a),
                Command::Init(_)
                | Command::Identity(_)
                | Command::Passwd
                | Command::Completions { .. }
                | Command::Gen(_)
                | Command::Demo
                | Command::MergeDriver(_)
                | Command::MergeRecipients(_)
                | Command::Clone(_)
                | Command::Git(_)
                | Command::ClipboardKeeper(_)
                | Command::Agent(_)
                | Command::Unlock(_)
                | Command::Lock => {
                    unreachable!("handled above")
                }
            };
            result
                .map_err(|e| explain_not_found(&ctx, e))
                .map_err(|e| explain_untrusted(&ctx, e))
        }
    }
}

/// A key not approved here: in a git store, also who committed it.
fn explain_untrusted(ctx: &Context, e: WardError) -> WardError {
    let WardError::Untrusted { recipients, .. } = &e else {
        return e;
    };
    match crate::ops::trust::added_by(&ctx.store, recipients) {
        Some(commit) => {
            let hint = format!(
                "{} {}",
                recipients.display(),
                crate::sanitize::escape(&commit)
            );
            e.hint(hint)
        }
        None => e,
    }
}

/// What the TUI needs from the arguments, with the defaults filled in.
pub fn tui_settings(cli: &Cli) -> Settings {
    Settings {
        store: cli.store.clone().unwrap_or_else(config::default_store),
        identities: config::identity_paths(&cli.identities),
        identities_given: config::identities_given(&cli.identities),
        config: cli.config.clone().unwrap_or_else(Config::default_path),
    }
}

/// A secret that is not there: say when the name is a folder, or which
/// existing name was probably meant.
fn explain_not_found(ctx: &Context, e: WardError) -> WardError {
    let WardError::NotFound { name, .. } = &e else {
        return e;
    };
    let Ok(name) = crate::store::SecretPath::parse(name) else {
        return e;
    };
    if ctx.store.is_folder(&name) {
        return e.hint(format!("{name} is a folder: ward ls {name}"));
    }
    let similar = ctx.store.similar_names(&name);
    if similar.is_empty() {
        return e;
    }
    let names: Vec<&str> = similar.iter().map(|s| s.as_str()).collect();
    e.hint(format!("did you mean {}?", names.join(" or ")))
}

/// `ward demo`: the TUI on a generated store in a temporary folder, removed on exit.
fn demo(cli: &Cli) -> Result<i32> {
    let dir = tempfile::Builder::new()
        .prefix("ward-demo-")
        .tempdir()
        .map_err(|e| crate::error::WardError::io(std::env::temp_dir(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .map_err(|e| crate::error::WardError::io(dir.path(), e))?;
    }
    let demo = crate::demo::create(dir.path())?;
    let result = crate::tui::run(&Settings {
        store: demo.store.clone(),
        identities: vec![demo.identity.clone()],
        identities_given: true,
        ..tui_settings(cli)
    });
    // The approval of the demo's key goes with the demo store.
    if let Ok(store) = crate::store::Store::open(&demo.store) {
        if let Ok(book) = crate::trust::TrustBook::open(&store.info().id) {
            let _ = std::fs::remove_file(book.path());
        }
    }
    result?;
    eprintln!(
        "The demo store in {} has been removed.",
        dir.path().display()
    );
    Ok(exit::OK)
}
