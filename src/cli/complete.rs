//! Shell completion through clap_complete's dynamic engine. The script that
//! `ward completions SHELL` prints has the shell run `WARD_COMPLETE=SHELL
//! ward -- WORDS…` at each <Tab>; ward answers with commands and flags from
//! its grammar and with secret and folder names from file names alone:
//! nothing is decrypted, nothing is asked, no cache is read. Hidden commands
//! (`__clipboard-keeper`, the merge drivers) are not in the grammar it
//! completes from, so they are never offered, not even after a typed `__`.

use super::args::Cli;
use crate::error::{Result, WardError};
use clap::CommandFactory;
use clap_complete::env::{EnvCompleter, Shells};

/// The variable that turns a run of ward into a completion request.
const VAR: &str = "WARD_COMPLETE";

/// Answers a completion request and exits, when the shell made one;
/// otherwise returns at once.
pub fn answer_if_asked() {
    clap_complete::CompleteEnv::with_factory(visible_grammar)
        .var(VAR)
        .complete();
}

/// `ward completions SHELL`: the script that registers the completion.
pub fn print_registration(shell: clap_complete::Shell) -> Result<()> {
    let name = shell.to_string();
    let shells = Shells::builtins();
    let completer: &dyn EnvCompleter = shells
        .completer(&name)
        .ok_or_else(|| WardError::Usage(format!("no completion for {name}")))?;
    let mut script = Vec::new();
    completer
        .write_registration(VAR, "ward", "ward", "ward", &mut script)
        .map_err(|e| WardError::io("stdout", e))?;
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(&script)
        .and_then(|()| out.flush())
        .map_err(|e| WardError::io("stdout", e))
}

/// The grammar less its hidden commands.
fn visible_grammar() -> clap::Command {
    let full = Cli::command();
    let mut visible = clap::Command::new("ward")
        .about(full.get_about().cloned().unwrap_or_default())
        .args(full.get_arguments().cloned());
    for sub in full.get_subcommands().filter(|c| !c.is_hide_set()) {
        visible = visible.subcommand(sub.clone());
    }
    visible
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_completed_grammar_has_no_hidden_command() {
        let g = visible_grammar();
        assert!(g.get_subcommands().all(|c| !c.get_name().starts_with("__")));
        assert!(g.find_subcommand("get").is_some());
        assert!(g.get_arguments().any(|a| a.get_long() == Some("store")));
    }
}
