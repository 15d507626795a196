//! Parsing the command line, and clap's refusals in ward's own words: every
//! error line starts with `ward: error:` (docs/CLI.md), an unknown command
//! gets "did you mean", and clap's advice to pass a flag after `--` (wrong
//! for every flag ward knows elsewhere) is left out.

use super::args::Cli;
use crate::error::exit;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser};

/// The parsed arguments, or the exit code after help, the version or a
/// usage error was printed.
pub fn parse() -> Result<Cli, i32> {
    Cli::try_parse().map_err(|e| report(&e))
}

/// Prints what clap refused (or the help it was asked for); the exit code.
fn report(e: &clap::Error) -> i32 {
    if !e.use_stderr() {
        // --help and --version, on stdout.
        let _ = e.print();
        return exit::OK;
    }
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        let _ = e.print();
    } else {
        eprint!("{}", reword(e));
    }
    exit::USAGE
}

/// clap's rendering, plain, with ward's prefix, without the `--` tip, and
/// with a suggestion for an unknown command clap found none for.
fn reword(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let mut out = String::new();
    for line in rendered.lines() {
        if line.trim_start().starts_with("tip: to pass '") || is_hidden_tip(line) {
            continue;
        }
        match line.strip_prefix("error: ") {
            Some(rest) => out.push_str(&format!("ward: error: {rest}\n")),
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    if let Some(name) = unknown_command_without_tip(e) {
        if let Some(similar) = similar_command(&name) {
            let tip = format!("  tip: did you mean '{similar}'?\n");
            match out.find("\n\n") {
                Some(at) => out.insert_str(at + 2, &format!("{tip}\n")),
                None => out.push_str(&tip),
            }
        }
    }
    // Nothing after the lines but one newline; a blank-line pair collapsed.
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    out
}

/// A tip that names a hidden command: never offered.
fn is_hidden_tip(line: &str) -> bool {
    line.trim_start().starts_with("tip:") && line.contains("'__")
}

/// The unknown command of an "unrecognized subcommand" error for which clap
/// suggested nothing.
fn unknown_command_without_tip(e: &clap::Error) -> Option<String> {
    if e.kind() != ErrorKind::InvalidSubcommand {
        return None;
    }
    let suggested = e.get(ContextKind::SuggestedSubcommand).is_some_and(
        |v| !matches!(v, ContextValue::Strings(s) if s.iter().all(|s| s.starts_with("__"))),
    );
    if suggested {
        return None;
    }
    match e.get(ContextKind::InvalidSubcommand) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    }
}

/// How far `typed` is from `name`: two letters swapped count as one slip
/// (`gte` for `get`), otherwise the edit distance.
fn slip(typed: &str, name: &str) -> usize {
    let a: Vec<char> = typed.chars().collect();
    let b: Vec<char> = name.chars().collect();
    let swapped = a.len() == b.len()
        && (1..a.len()).any(|i| {
            let mut c = a.clone();
            c.swap(i - 1, i);
            c == b
        });
    if swapped {
        1
    } else {
        crate::store::edit_distance(typed, name)
    }
}

/// The visible command or alias closest to `typed`, if it is a slip of a
/// letter or two (one for names of three letters or fewer).
pub fn similar_command(typed: &str) -> Option<String> {
    let cli = Cli::command();
    let limit = if typed.chars().count() <= 3 { 1 } else { 2 };
    cli.get_subcommands()
        .filter(|c| !c.is_hide_set())
        .flat_map(|c| {
            std::iter::once(c.get_name().to_string())
                .chain(c.get_visible_aliases().map(str::to_string))
        })
        .map(|name| (slip(typed, &name), name))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slip_of_a_letter_or_two_finds_the_command() {
        assert_eq!(similar_command("gte").as_deref(), Some("get"));
        assert_eq!(similar_command("rotat").as_deref(), Some("rotate"));
        assert_eq!(similar_command("serach").as_deref(), Some("search"));
        assert_eq!(similar_command("shwo").as_deref(), Some("show"));
        assert_eq!(similar_command("xyzzy"), None);
        // Hidden commands are never suggested.
        assert_eq!(similar_command("__clipboard-keepr"), None);
    }
}
