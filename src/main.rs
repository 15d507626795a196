//! Entry point: parse arguments and hand over to the CLI or the TUI.

use clap::Parser;

fn main() {
    ward::hardening::disable_core_dumps();
    let cli = ward::cli::Cli::parse();
    let code = ward::cli::run(cli);
    std::process::exit(code);
}
