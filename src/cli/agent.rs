//! `ward unlock [--for SPAN] [--status]` and `ward lock`: the agent that
//! keeps a passphrase identity unlocked for the next commands and the TUI
//! (src/agent, docs/SECURITY.md "The agent").

use super::args::{Cli, UnlockArgs};
use crate::agent::{proto::Status, Span};
use crate::config::{self, Config};
use crate::error::{exit, Result, WardError};
use crate::ops::identity::Ask;
use crate::ops::unlock::{self, AgentUse};
use crate::store::crypto;

fn agent_use(cli: &Cli) -> Result<AgentUse> {
    let config = Config::load(&cli.config.clone().unwrap_or_else(Config::default_path))?;
    Ok(AgentUse::new(&config.agent, cli.no_agent))
}

pub fn unlock(cli: &Cli, args: UnlockArgs) -> Result<i32> {
    let mut agent = agent_use(cli)?;
    let client = agent.agent()?;
    if args.status {
        let status = client.status()?;
        super::output::print_line(&status_line(status.as_ref()))?;
        return Ok(if status.is_some_and(|s| !s.identities.is_empty()) {
            exit::OK
        } else {
            exit::FAILURE
        });
    }
    if !agent.enabled {
        return Err(WardError::Usage(
            "the agent is off (--no-agent, WARD_NO_AGENT or `[agent] enabled = false` in \
             config.toml), so there is nothing to unlock: each command asks for the passphrase"
                .into(),
        ));
    }
    let paths = config::identity_paths(&cli.identities);
    let mut protected = Vec::new();
    for path in &paths {
        crypto::check_private_permissions(path)?;
        let bytes =
            zeroize::Zeroizing::new(std::fs::read(path).map_err(|e| WardError::io(path, e))?);
        if crypto::lock_kind(&bytes).is_some() {
            protected.push(path.clone());
        }
    }
    if protected.is_empty() {
        super::output::print_line(
            "Your identity has no passphrase, so there is nothing to unlock: ward reads it \
             directly (`ward passwd` gives it one).",
        )?;
        return Ok(exit::OK);
    }
    agent.for_secs = args.for_span.map(Span::secs);
    let tty = super::context::has_tty();
    let mut ask = |path: &std::path::Path, kind, why: Ask| {
        if !tty {
            return Err(WardError::Usage(
                "ward unlock asks for the passphrase on the terminal, and there is none; \
                 nothing was read (stdin is never used for it)"
                    .into(),
            ));
        }
        super::context::ask_passphrase(path, kind, why)
    };
    unlock::load(&protected, &mut ask, &agent)
        .map_err(crate::ops::identity::LoadFailure::into_ward)?;
    let status = client.status()?;
    if status.is_none() {
        super::output::warn_line(
            "the agent could not be started: the identity was unlocked for this command only",
        );
        return Ok(exit::FAILURE);
    }
    eprintln!("{}", status_line(status.as_ref()));
    Ok(exit::OK)
}

pub fn lock(cli: &Cli) -> Result<i32> {
    if unlock::lock(&agent_use(cli)?)? {
        eprintln!("Locked: the agent forgot every identity it held.");
    } else {
        eprintln!("Nothing to lock: no agent is running.");
    }
    Ok(exit::OK)
}

/// One line: unlocked or not, what, until when.
pub fn status_line(status: Option<&Status>) -> String {
    let Some(s) = status.filter(|s| !s.identities.is_empty()) else {
        return "Locked: the agent holds no identity (`ward unlock` unlocks one).".into();
    };
    let until = chrono::Local::now() + chrono::Duration::seconds(s.locks_in_secs as i64);
    let names: Vec<String> = s
        .identities
        .iter()
        .map(|p| crate::sanitize::escape(p))
        .collect();
    let how = if s.fixed {
        "as --for asked".to_string()
    } else {
        format!(
            "{} more of no use, idle time {}",
            Span(s.locks_in_secs),
            Span(s.idle_secs)
        )
    };
    format!(
        "Unlocked: {} until {} ({how}); agent pid {}{}",
        names.join(", "),
        until.format("%H:%M:%S"),
        s.pid,
        if s.memory_locked {
            ", memory locked"
        } else {
            ""
        }
    )
}
