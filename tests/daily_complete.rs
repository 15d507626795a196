//! Shell completion in real shells (issue 12): the scripts of `ward
//! completions bash|zsh|fish`, sourced in bash, zsh and fish, complete
//! commands, secret and folder names from file names only (no identity
//! needed, nothing decrypted, no cache), and never offer a hidden command.
//! bash and fish run their own completion machinery (`_clap_complete_ward`
//! with COMP_WORDS; `complete -C`); zsh's compsys needs a live line editor,
//! so the zsh script runs in zsh with `_describe`/`compdef` standing in for
//! compsys and printing what they are given.

mod common;

use common::{require, Ward};
use std::path::Path;
use std::process::Command;

/// A store with secrets in folders, then no identity at all: completion
/// must not need one.
fn store_without_identity() -> Ward {
    let w = Ward::init();
    for name in [
        "acme/api/STRIPE_KEY",
        "acme/db/PASSWORD",
        "acme/README",
        "other/TOKEN",
    ] {
        w.set(name, b"Hq4-Tz9_wLm2Xk7p", &[]);
    }
    // A damaged file completes like any other: only its name is read.
    std::fs::write(w.store().join("other/BROKEN.age"), b"not age at all").unwrap();
    std::fs::remove_file(w.identity()).unwrap();
    let _ = std::fs::remove_dir_all(w.cache_home.join("ward"));
    w
}

/// A shell command with this world's environment and ward on the PATH.
fn shell(w: &Ward, program: &str, args: &[&str]) -> Command {
    let mut c = Command::new(program);
    c.args(args);
    w.apply_env(&mut c);
    let bin_dir = Path::new(common::BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    c.env("PATH", path);
    c
}

fn lines(out: std::process::Output) -> Vec<String> {
    assert!(out.status.success(), "{}", common::stderr(&out));
    let mut found: Vec<String> = common::stdout(&out)
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    found.sort();
    found
}

/// What bash offers for the words of `line` (the last one being completed).
fn bash(w: &Ward, line: &str) -> Vec<String> {
    let mut words: Vec<&str> = line.split(' ').collect();
    let current = words.len() - 1;
    let previous = words.get(current.wrapping_sub(1)).copied().unwrap_or("");
    let quoted: Vec<String> = words.drain(..).map(|w| format!("'{w}'")).collect();
    let script = format!(
        "source <(ward completions bash)\n\
         COMP_WORDS=({words}); COMP_CWORD={current}; COMP_TYPE=9\n\
         COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}\n\
         _clap_complete_ward ward {cur} '{previous}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        words = quoted.join(" "),
        cur = quoted[current],
    );
    lines(run(shell(
        w,
        "bash",
        &["--norc", "--noprofile", "-c", &script],
    )))
}

fn fish(w: &Ward, line: &str) -> Vec<String> {
    let script = format!("ward completions fish | source; complete -C '{line}'");
    lines(run(shell(w, "fish", &["--no-config", "-c", &script])))
}

fn zsh(w: &Ward, line: &str) -> Vec<String> {
    let words: Vec<String> = line.split(' ').map(|w| format!("'{w}'")).collect();
    let script = format!(
        "compdef() {{ : }}\n\
         _describe() {{ local arr=$3; local suffix=''; [[ $4 == -S ]] && suffix=$5\n\
           local x; for x in \"${{(@P)arr}}\"; do print -r -- \"${{x%%:*}}$suffix\"; done }}\n\
         source <(ward completions zsh)\n\
         words=({}); CURRENT=${{#words}}\n\
         _clap_dynamic_completer_ward\n\
         true\n",
        words.join(" ")
    );
    lines(run(shell(w, "zsh", &["-f", "-c", &script])))
}

fn run(mut c: Command) -> std::process::Output {
    c.stdin(std::process::Stdio::null());
    c.output().expect("run the shell")
}

/// The same answers in every shell.
fn check_shell(w: &Ward, complete: &dyn Fn(&Ward, &str) -> Vec<String>, shell: &str) {
    assert_eq!(complete(w, "ward get ac"), ["acme/"], "{shell}");
    assert_eq!(
        complete(w, "ward get acme/"),
        ["acme/README", "acme/api/", "acme/db/"],
        "{shell}"
    );
    assert_eq!(
        complete(w, "ward show acme/api/"),
        ["acme/api/STRIPE_KEY"],
        "{shell}"
    );
    assert_eq!(
        complete(w, "ward rotate acme/db/P"),
        ["acme/db/PASSWORD"],
        "{shell}"
    );
    assert_eq!(complete(w, "ward ls o"), ["other/"], "{shell}");
    assert_eq!(
        complete(w, "ward rm other/"),
        ["other/BROKEN", "other/TOKEN"],
        "{shell}"
    );
    let commands = complete(w, "ward ");
    for c in ["get", "find", "generate", "passwd", "rotate"] {
        assert!(
            commands.iter().any(|x| x == c),
            "{shell}: {c} in {commands:?}"
        );
    }
    // The aliases, once their first letters are typed.
    assert_eq!(complete(w, "ward sho"), ["show"], "{shell}");
    assert_eq!(complete(w, "ward sea"), ["search"], "{shell}");
    assert_eq!(complete(w, "ward ins"), ["insert"], "{shell}");
    assert!(
        commands.iter().all(|c| !c.starts_with("__")),
        "{shell}: {commands:?}"
    );
    assert!(complete(w, "ward __").is_empty(), "{shell}");
    assert!(complete(w, "ward __clip").is_empty(), "{shell}");
}

#[test]
fn bash_completes_names_from_file_names_and_never_a_hidden_command() {
    if !require("bash") {
        return;
    }
    let w = store_without_identity();
    check_shell(&w, &bash, "bash");
    // Another store through --store, as the completed command would use.
    let other = Ward::init();
    other.set("zeta/ONLY_HERE", b"Hq4-Tz9_wLm2Xk7p", &[]);
    let flag = format!("ward --store {} get ze", other.store().display());
    assert_eq!(bash(&w, &flag), ["zeta/"]);
    // Nothing was decrypted, so nothing was cached.
    assert!(!w.cache_home.join("ward").exists());
}

#[test]
fn zsh_completes_names_from_file_names_and_never_a_hidden_command() {
    if !require("zsh") {
        return;
    }
    let w = store_without_identity();
    check_shell(&w, &zsh, "zsh");
}

#[test]
fn fish_completes_names_from_file_names_and_never_a_hidden_command() {
    if !require("fish") {
        return;
    }
    let w = store_without_identity();
    check_shell(&w, &fish, "fish");
}
