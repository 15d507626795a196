//! `ward export` (secrets with their values as shell lines, dotenv or JSON)
//! and `ward exec` (a command run with secrets in its environment).
//!
//! Both take the secrets under a prefix, name each after its leaf (or its
//! whole path with `--prefix-names`) as an environment variable, refuse
//! anything that cannot be said faithfully (binary values, NUL bytes, two
//! secrets with one name), and record one `export` audit event per secret.

use super::args::{ExecArgs, ExportArgs, ExportFormat};
use super::context::Context;
use super::output;
use crate::audit::{Action, Event};
use crate::error::{exit, Result, WardError};
use crate::store::{Encoding, SecretDoc, SecretPath};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use zeroize::Zeroizing;

/// Exit code when the command of `ward exec` cannot be found (as `env`, sh).
pub const EXEC_NOT_FOUND: i32 = 127;
/// Exit code when the command of `ward exec` exists but cannot be run.
pub const EXEC_CANNOT_RUN: i32 = 126;

pub fn export(ctx: &Context, args: ExportArgs) -> Result<i32> {
    if args.prefix_names && args.format == ExportFormat::Json {
        return Err(WardError::Usage(
            "--prefix-names applies to --format env and dotenv; JSON is keyed by path".into(),
        ));
    }
    let to_terminal = std::io::stdout().is_terminal();
    if to_terminal && !args.force {
        return Err(WardError::Usage(
            "refusing to print secret values to the terminal: pipe the output \
             (ward export … | …) or redirect it to a file, or pass --force"
                .into(),
        ));
    }
    let prefix = parse_prefix(args.prefix.as_deref())?;
    let docs = load(ctx, prefix.as_ref())?;
    let format_label = match args.format {
        ExportFormat::Env => "env",
        ExportFormat::Dotenv => "dotenv",
        ExportFormat::Json => "json",
    };
    let text = Zeroizing::new(match args.format {
        ExportFormat::Json => json_text(&docs),
        ExportFormat::Env | ExportFormat::Dotenv => {
            let vars = variables(
                &docs,
                args.prefix_names,
                &format!("--format {format_label}"),
            )?;
            let mut text = String::new();
            for (name, value) in &vars {
                match args.format {
                    ExportFormat::Env => {
                        text.push_str(&format!("export {name}={}\n", *sh_quote(value)))
                    }
                    _ => text.push_str(&format!("{name}={}\n", *dotenv_quote(value))),
                }
            }
            text
        }
    });
    // Recorded before anything is written, as for `get`.
    record(ctx, &docs, &format!("export {format_label}"));
    let shown = if to_terminal {
        // Only with --force: a value must not drive the terminal.
        Zeroizing::new(if args.format == ExportFormat::Json {
            output::escape_json_for_terminal(&text)
        } else {
            crate::sanitize::escape_multiline(&text)
        })
    } else {
        text
    };
    let mut out = std::io::stdout().lock();
    out.write_all(shown.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| WardError::io("stdout", e))?;
    Ok(exit::OK)
}

pub fn exec(ctx: &Context, args: ExecArgs) -> Result<i32> {
    let Some((program, rest)) = args.command.split_first() else {
        return Err(WardError::Usage(
            "no command: ward exec [PREFIX] -- COMMAND [ARGS…]".into(),
        ));
    };
    let prefix = parse_prefix(args.prefix.as_deref())?;
    let docs = load(ctx, prefix.as_ref())?;
    let vars = variables(&docs, args.prefix_names, "ward exec")?;
    let mut command = std::process::Command::new(program);
    command.args(rest);
    for (name, value) in &vars {
        command.env(name, &**value);
    }
    drop(vars);
    let shown_program = program.to_string_lossy().into_owned();
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                EXEC_NOT_FOUND
            } else {
                EXEC_CANNOT_RUN
            };
            output::error_line(&format!("cannot run {shown_program}: {e}"));
            return Ok(code);
        }
    };
    // The environment is copied into the child; ward's own copies go.
    drop(command);
    signals::forward_to(child.id());
    record(ctx, &docs, &format!("exec {shown_program}"));
    drop(docs);
    let status = child.wait().map_err(|e| WardError::io(&shown_program, e));
    signals::forward_to(0);
    Ok(exit_code(status?))
}

/// The exit code that reports `status` as a shell would: the code, or
/// 128 + the signal that killed the command.
fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => exit::FAILURE,
    }
}

fn parse_prefix(raw: Option<&str>) -> Result<Option<SecretPath>> {
    raw.map(SecretPath::parse_prefix).transpose()
}

/// Decrypts every secret under `prefix`, or fails without any: an export
/// that silently lacks a variable would be worse than none.
fn load(ctx: &Context, prefix: Option<&SecretPath>) -> Result<Vec<(SecretPath, SecretDoc)>> {
    let listing = ctx.store.list(prefix);
    if !listing.problems.is_empty() {
        for p in &listing.problems {
            output::warn_line(&format!("{}: {}", p.path.display(), p.cause));
        }
        return Err(WardError::Corrupt {
            path: ctx.store.root().to_path_buf(),
            cause: format!(
                "{} could not be read; nothing was exported",
                output::plural(listing.problems.len(), "file")
            ),
        });
    }
    if let (Some(prefix), true) = (prefix, listing.secrets.is_empty()) {
        return Err(WardError::NotFound {
            name: prefix.to_string(),
            path: ctx
                .store
                .root()
                .join(prefix.segments().collect::<std::path::PathBuf>()),
        });
    }
    let keys = ctx.keys()?;
    let store = &ctx.store;
    listing
        .secrets
        .par_iter()
        .map(|name| store.read(keys, name).map(|doc| (name.clone(), doc)))
        .collect()
}

fn record(ctx: &Context, docs: &[(SecretPath, SecretDoc)], reason: &str) {
    for (name, doc) in docs {
        ctx.audit(
            Event::new(Action::Export)
                .path(name.as_str())
                .version(Some(doc.version))
                .reason(Some(reason)),
        );
    }
}

/// Environment variables for `docs`, sorted by name. `what` names the
/// format in errors.
fn variables(
    docs: &[(SecretPath, SecretDoc)],
    full_path: bool,
    what: &str,
) -> Result<BTreeMap<String, Zeroizing<String>>> {
    let mut owner: BTreeMap<String, &SecretPath> = BTreeMap::new();
    let mut vars = BTreeMap::new();
    for (path, doc) in docs {
        let name = env_name(path, full_path);
        if let Some(other) = owner.get(&name) {
            let hint = if full_path {
                "rename one of them (ward mv)"
            } else {
                "use --prefix-names, or rename one of them (ward mv)"
            };
            return Err(WardError::Usage(format!(
                "{other} and {path} would both be the variable {name}: {hint}"
            )));
        }
        if is_dangerous_name(&name) {
            return Err(WardError::Usage(format!(
                "{path} would set {name}, which changes how shells, programs or the \
                 loader behave; ward does not set it: rename the secret (ward mv)"
            )));
        }
        if doc.encoding == Encoding::Base64 {
            return Err(WardError::Usage(format!(
                "{path} is a binary value, which an environment variable cannot hold \
                 faithfully, so {what} refuses it (ward export --format json gives it \
                 as base64, ward get {path} > FILE as bytes)"
            )));
        }
        if doc.value.expose().contains('\0') {
            return Err(WardError::Usage(format!(
                "{path} contains a NUL character, which an environment variable \
                 cannot hold, so {what} refuses it (ward export --format json gives it)"
            )));
        }
        owner.insert(name.clone(), path);
        vars.insert(name, Zeroizing::new(doc.value.expose().to_string()));
    }
    Ok(vars)
}

/// The variable name for `path`: its leaf (or whole path, `/` as `_`),
/// upper-cased, anything but `A-Z 0-9 _` as `_`, a leading digit after `_`.
pub fn env_name(path: &SecretPath, full_path: bool) -> String {
    let source = if full_path {
        path.as_str()
    } else {
        path.leaf()
    };
    let mut name: String = source
        .chars()
        .map(|c| {
            let c = c.to_ascii_uppercase();
            if c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// Variables that change how a shell, the dynamic loader or common
/// interpreters behave, or where ward itself looks: a secret file planted in
/// a shared store (age does not authenticate the writer) must not set them.
fn is_dangerous_name(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "PATH",
        "HOME",
        "SHELL",
        "USER",
        "LOGNAME",
        "IFS",
        "ENV",
        "BASH_ENV",
        "CDPATH",
        "PS1",
        "PS2",
        "PS4",
        "PROMPT_COMMAND",
        "SHELLOPTS",
        "BASHOPTS",
        "GLOBIGNORE",
        "NODE_OPTIONS",
        "PYTHONPATH",
        "PYTHONSTARTUP",
        "PERL5LIB",
        "PERL5OPT",
        "RUBYOPT",
        "JAVA_TOOL_OPTIONS",
        "GIT_SSH_COMMAND",
    ];
    const PREFIXES: &[&str] = &["LD_", "DYLD_", "BASH_FUNC_", "WARD_", "XDG_"];
    EXACT.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p))
}

/// `value` in POSIX single quotes: everything literal; a `'` ends the
/// quotes, is escaped, and opens them again (`'\''`).
pub fn sh_quote(value: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(value.len() + 2));
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// `value` in dotenv double quotes: `\` `"` `$` escaped with a backslash,
/// newline as `\n`, carriage return as `\r`.
pub fn dotenv_quote(value: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(value.len() + 2));
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `{ "path": {"value", "encoding", "version", "kind", "expires"} }`, pretty.
fn json_text(docs: &[(SecretPath, SecretDoc)]) -> String {
    let mut map = serde_json::Map::new();
    for (path, doc) in docs {
        map.insert(
            path.to_string(),
            serde_json::json!({
                "value": doc.value.expose(),
                "encoding": doc.encoding,
                "version": doc.version,
                "kind": doc.kind,
                "expires": doc.expires,
            }),
        );
    }
    let mut text = serde_json::to_string_pretty(&serde_json::Value::Object(map))
        .expect("a JSON value serialises");
    text.push('\n');
    text
}

/// Passes signals sent to ward by `kill` (SIGTERM, SIGHUP, SIGINT, SIGQUIT)
/// on to the running command. Signals from the terminal (Ctrl-C) already
/// reach the command, which is in the same process group, so they are not
/// sent twice; ward itself waits for the command either way.
mod signals {
    use std::sync::atomic::{AtomicI32, Ordering};
    use std::sync::Once;

    static CHILD: AtomicI32 = AtomicI32::new(0);
    static INSTALL: Once = Once::new();
    const SIGNALS: [libc::c_int; 4] = [libc::SIGTERM, libc::SIGHUP, libc::SIGINT, libc::SIGQUIT];

    /// Forwards to `pid` from now on; 0 stops forwarding.
    pub fn forward_to(pid: u32) {
        CHILD.store(pid as i32, Ordering::SeqCst);
        if pid != 0 {
            INSTALL.call_once(install);
        }
    }

    extern "C" fn handler(
        signal: libc::c_int,
        info: *mut libc::siginfo_t,
        _context: *mut libc::c_void,
    ) {
        let pid = CHILD.load(Ordering::SeqCst);
        if pid <= 0 {
            return;
        }
        // SAFETY: the kernel passes a valid siginfo with SA_SIGINFO.
        let code = if info.is_null() {
            0
        } else {
            unsafe { (*info).si_code }
        };
        // SI_USER (kill) and SI_QUEUE and similar are <= 0; the terminal's
        // signals come from the kernel (> 0) and have reached the command.
        if code <= 0 {
            // SAFETY: kill is async-signal-safe.
            unsafe {
                libc::kill(pid, signal);
            }
        }
    }

    fn install() {
        for signal in SIGNALS {
            // SAFETY: a zeroed sigaction is valid; we fill in the handler,
            // flags and an empty mask before passing it.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handler
                    as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
                    as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> SecretPath {
        SecretPath::parse(s).unwrap()
    }

    #[test]
    fn names_follow_the_leaf_or_the_path() {
        assert_eq!(env_name(&p("acme/api/STRIPE_KEY"), false), "STRIPE_KEY");
        assert_eq!(
            env_name(&p("acme/api/STRIPE_KEY"), true),
            "ACME_API_STRIPE_KEY"
        );
        assert_eq!(env_name(&p("a/db-password"), false), "DB_PASSWORD");
        assert_eq!(env_name(&p("a/9lives"), false), "_9LIVES");
        assert_eq!(env_name(&p("a/clé.api"), false), "CL__API");
        assert_eq!(env_name(&p("my app/x y"), true), "MY_APP_X_Y");
    }

    #[test]
    fn dangerous_names_are_known() {
        for n in [
            "PATH",
            "LD_PRELOAD",
            "DYLD_INSERT_LIBRARIES",
            "BASH_ENV",
            "WARD_STORE",
        ] {
            assert!(is_dangerous_name(n), "{n}");
        }
        for n in ["STRIPE_KEY", "PATH_PREFIX", "MYPATH", "_PATH"] {
            assert!(!is_dangerous_name(n), "{n}");
        }
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(*sh_quote("plain"), "'plain'");
        assert_eq!(*sh_quote("it's"), "'it'\\''s'");
        assert_eq!(
            *sh_quote("$HOME `x` \\ \"q\"\nline"),
            "'$HOME `x` \\ \"q\"\nline'"
        );
        assert_eq!(*sh_quote(""), "''");
    }

    #[test]
    fn dotenv_quoting() {
        assert_eq!(*dotenv_quote("plain"), "\"plain\"");
        assert_eq!(
            *dotenv_quote("a\\b\"c$d\ne\rf'g"),
            "\"a\\\\b\\\"c\\$d\\ne\\rf'g\""
        );
    }
}
