//! Entry point: parse arguments and hand over to the CLI or the TUI.

fn main() {
    ward::hardening::disable_core_dumps();
    // A shell asking for completions at <Tab> is answered before anything else.
    ward::cli::complete::answer_if_asked();
    let code = match ward::cli::parse() {
        Ok(cli) => ward::cli::run(cli),
        Err(code) => code,
    };
    std::process::exit(code);
}
