//! The scriptable command line. Never enters raw mode; prints values only where
//! the user asked for exactly that (`get`, `gen`, `history --reveal`).

mod args;
mod audit;
mod context;
mod init;
mod list;
mod output;
mod secrets;

pub use args::{Cli, Command};
pub use context::Context;

use crate::error::{exit, Result};

/// Runs one CLI command and returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let command = match cli.command.clone() {
        Some(c) => c,
        None => return exit::USAGE,
    };
    match dispatch(&cli, command) {
        Ok(code) => code,
        Err(e) => {
            output::error_line(&e.to_string());
            e.exit_code()
        }
    }
}

fn dispatch(cli: &Cli, command: Command) -> Result<i32> {
    match command {
        Command::Init(a) => init::run(cli, a),
        Command::Completions { shell } => {
            args::print_completions(shell);
            Ok(exit::OK)
        }
        Command::Gen(a) => secrets::gen(a),
        other => {
            let ctx = Context::new(cli)?;
            match other {
                Command::Ls(a) => list::run(&ctx, a),
                Command::Get(a) => secrets::get(&ctx, a),
                Command::Set(a) => secrets::set(&ctx, a),
                Command::Edit(a) => secrets::edit(&ctx, a),
                Command::Rotate(a) => secrets::rotate(&ctx, a),
                Command::History(a) => secrets::history(&ctx, a),
                Command::Mv(a) => secrets::mv(&ctx, a),
                Command::Rm(a) => secrets::rm(&ctx, a),
                Command::Audit(a) => audit::run(&ctx, a),
                Command::Init(_) | Command::Completions { .. } | Command::Gen(_) => {
                    unreachable!("handled above")
                }
            }
        }
    }
}
