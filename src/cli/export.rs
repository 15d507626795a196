//! `ward export` (secrets with their values as shell lines, dotenv or JSON)
//! and `ward exec` (a command run with secrets in its environment).
//!
//! Both take the secrets under a prefix (the whole store only with
//! `--all`), name each after its leaf (or its whole path with
//! `--prefix-names`) as an environment variable, and refuse anything that
//! cannot be said faithfully (binary values, NUL bytes, two secrets with one
//! name). What is gathered before a value leaves ward — the names, the two
//! gates on variable names (refused families, this machine's approval), the
//! values and the audit records — is `ops::export`'s; this file parses,
//! asks for approval on the terminal, prints and spawns.
//!
//! One `export` audit event is recorded per secret.

use super::args::{ExecArgs, ExportArgs, ExportFormat};
use super::context::Context;
use super::output;
use crate::error::{exit, IoContext, Result, WardError};
use crate::ops;
use crate::ops::export::{Unplanned, Unsettable, Var};
use crate::store::{fsio, SecretDoc, SecretPath};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use zeroize::Zeroizing;

/// Exit code when the command of `ward exec` cannot be found (as `env`, sh).
pub const EXEC_NOT_FOUND: i32 = 127;
/// Exit code when the command of `ward exec` exists but cannot be run.
pub const EXEC_CANNOT_RUN: i32 = 126;

pub fn export(ctx: &Context, args: ExportArgs) -> Result<i32> {
    let json = args.format == ExportFormat::Json;
    if args.prefix_names && json {
        return Err(WardError::Usage(
            "--prefix-names applies to --format env and dotenv; JSON is keyed by path".into(),
        ));
    }
    if !args.allow.is_empty() && json {
        return Err(WardError::Usage(
            "--allow applies to --format env and dotenv; JSON sets no variables".into(),
        ));
    }
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    if to_terminal && !args.force {
        return Err(WardError::Usage(
            "refusing to print secret values to the terminal: pipe the output \
             (ward export … | …), write it to a file (--output FILE), or pass --force"
                .into(),
        ));
    }
    if let Some(path) = &args.output {
        // Before anything is decrypted; checked again when the file is made.
        check_output(path, args.force)?;
    }
    let prefix = selection(args.prefix.as_deref(), args.all, "ward export")?;
    let names = list(ctx, prefix.as_ref())?;
    let format_label = match args.format {
        ExportFormat::Env => "env",
        ExportFormat::Dotenv => "dotenv",
        ExportFormat::Json => "json",
    };
    // JSON is keyed by path and sets no variable; env and dotenv are read
    // into an environment (a shell's, docker compose's), so both gates apply.
    let plan = if json {
        Vec::new()
    } else {
        let plan = plan(&names, args.prefix_names)?;
        approve(ctx, prefix.as_ref(), &plan, &args.allow, "ward export")?;
        plan
    };
    let docs = decrypt(ctx, &names)?;
    let text = Zeroizing::new(if json {
        json_text(&docs)
    } else {
        let vars = values(&plan, &docs, &format!("--format {format_label}"))?;
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
    });
    // Recorded before anything is written, as for `get`.
    record(ctx, &docs, &format!("export {format_label}"));
    drop(docs);
    if let Some(path) = &args.output {
        write_output(path, text.as_bytes(), args.force)?;
        return Ok(exit::OK);
    }
    let shown = if to_terminal {
        // Only with --force: a value must not drive the terminal.
        Zeroizing::new(if json {
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
            "no command: ward exec PREFIX -- COMMAND [ARGS…]".into(),
        ));
    };
    let prefix = selection(args.prefix.as_deref(), args.all, "ward exec")?;
    let names = list(ctx, prefix.as_ref())?;
    let plan = plan(&names, args.prefix_names)?;
    approve(ctx, prefix.as_ref(), &plan, &args.allow, "ward exec")?;
    let docs = decrypt(ctx, &names)?;
    let vars = values(&plan, &docs, "ward exec")?;
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

/// The prefix to hand over; `None` is the whole store, which takes `--all`:
/// a forgotten prefix must not put every secret into one environment.
fn selection(raw: Option<&str>, all: bool, command: &str) -> Result<Option<SecretPath>> {
    match raw {
        Some(raw) => SecretPath::parse_prefix(raw).map(Some),
        None if all => Ok(None),
        None => Err(WardError::Usage(format!(
            "{command} needs a PREFIX (a folder or one secret); to hand over every \
             secret in the store, pass --all"
        ))),
    }
}

/// The names under `prefix`; the files that cannot be read are named.
fn list(ctx: &Context, prefix: Option<&SecretPath>) -> Result<Vec<SecretPath>> {
    ops::export::list(&ctx.store, prefix).map_err(|unlisted| {
        for p in &unlisted.problems {
            output::warn_line(&format!("{}: {}", p.path.display(), p.cause));
        }
        unlisted.error
    })
}

/// Decrypts every secret of `names`, in order, or fails without any.
fn decrypt(ctx: &Context, names: &[SecretPath]) -> Result<Vec<(SecretPath, SecretDoc)>> {
    ops::export::decrypt(&ctx.store, ctx.keys()?, names)
}

fn record(ctx: &Context, docs: &[(SecretPath, SecretDoc)], reason: &str) {
    ops::export::record(ctx, docs, reason, chrono::Utc::now());
}

/// The variable of each secret of `names`, or why not with the fix: two
/// secrets with one variable, every variable of a refused family (all of
/// them named at once, so one round of `ward mv` fixes them).
fn plan(names: &[SecretPath], full_path: bool) -> Result<Vec<Var>> {
    ops::export::plan(names, full_path).map_err(|why| match why {
        Unplanned::Clash {
            first,
            second,
            name,
        } => {
            let hint = if full_path {
                "rename one of them (ward mv)"
            } else {
                "use --prefix-names, or rename one of them (ward mv)"
            };
            WardError::Usage(format!(
                "{first} and {second} would both be the variable {name}: {hint}"
            ))
        }
        Unplanned::Refused(refused) => {
            let each: Vec<String> = refused
                .iter()
                .map(|(v, why)| format!("{} would set {}, which {why}", v.path, v.name))
                .collect();
            WardError::Usage(format!(
                "{}; ward never sets such a variable, whatever is approved: rename the \
                 {} (ward mv)",
                each.join("; "),
                if each.len() == 1 { "secret" } else { "secrets" }
            ))
        }
    })
}

/// Lets through only variable names this machine approved for this store
/// and prefix. `--allow` approves the names it gives; with a terminal the
/// rest are asked for there (never on stdin, which may be the command's);
/// without one they are refused, named, with the flag that approves them.
/// Approvals are written only when every name is approved.
fn approve(
    ctx: &Context,
    prefix: Option<&SecretPath>,
    plan: &[Var],
    allow: &[String],
    command: &str,
) -> Result<()> {
    let approval = ops::export::approval(&ctx.store.info().id, prefix, plan, allow)?;
    let place = match prefix {
        Some(p) => format!("under {p}"),
        None => "in the whole store".to_string(),
    };
    for name in &approval.unused_allows {
        output::warn_line(&format!(
            "--allow {name}: no secret {place} gives this variable; ignored"
        ));
    }
    if approval.missing.is_empty() {
        return approval.approve();
    }
    let missing = &approval.missing;
    let mut report = if approval.known_before {
        format!(
            "{command}: {} {place} since this machine last approved names there:\n",
            output::plural(missing.len(), "new variable")
        )
    } else {
        format!(
            "{command}: {} {place} not yet approved on this machine for this store:\n",
            output::plural(missing.len(), "variable")
        )
    };
    let width = missing.iter().map(|v| v.name.len()).max().unwrap_or(0);
    for v in missing {
        // Variable names are A-Z 0-9 _ only; the path comes from the store.
        report.push_str(&format!(
            "  {:width$}  from {}\n",
            v.name,
            crate::sanitize::escape(v.path.as_str())
        ));
    }
    let names: Vec<&str> = missing.iter().map(|v| v.name.as_str()).collect();
    let allow_flag = format!("--allow {}", names.join(","));
    let question = format!(
        "{report}Set {} and remember the approval for this store and prefix? [y/N] ",
        if missing.len() == 1 { "it" } else { "them" }
    );
    match super::prompt::ask_on_terminal(&question) {
        Some(answer) => {
            if answer? {
                approval.approve()
            } else {
                Err(WardError::Usage(format!(
                    "not approved; nothing was handed over (next time: {allow_flag})"
                )))
            }
        }
        None => {
            eprint!("{report}");
            Err(WardError::Usage(format!(
                "{} not approved, and there is no terminal to ask on: nothing was \
                 handed over. Check that these secrets belong there, then approve \
                 them with {allow_flag} (remembered on this machine for this store \
                 and prefix)",
                names.join(", ")
            )))
        }
    }
}

/// The value of each planned variable, sorted by name. `what` names the
/// format in errors.
fn values(
    plan: &[Var],
    docs: &[(SecretPath, SecretDoc)],
    what: &str,
) -> Result<BTreeMap<String, Zeroizing<String>>> {
    ops::export::values(plan, docs).map_err(|why| match why {
        Unsettable::Binary(path) => WardError::Usage(format!(
            "{path} is a binary value, which an environment variable cannot hold \
             faithfully, so {what} refuses it (ward export --format json gives it \
             as base64, ward get {path} > FILE as bytes)"
        )),
        Unsettable::Nul(path) => WardError::Usage(format!(
            "{path} contains a NUL character, which an environment variable \
             cannot hold, so {what} refuses it (ward export --format json gives it)"
        )),
    })
}

/// Refuses an `--output` target that is a link or not a regular file, and
/// an existing file unless `replace`.
fn check_output(path: &Path, replace: bool) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(WardError::io(path, e)),
        Ok(m) if m.file_type().is_symlink() => Err(WardError::Usage(format!(
            "{} is a symbolic link; ward export neither writes through nor replaces a link",
            path.display()
        ))),
        Ok(m) if !m.is_file() => Err(WardError::Usage(format!(
            "{} is not a regular file",
            path.display()
        ))),
        Ok(_) if replace => Ok(()),
        Ok(_) => Err(WardError::Exists {
            what: "a file".into(),
            path: path.to_path_buf(),
        }
        .hint("pass --force to replace it")),
    }
}

/// Writes `bytes` to `path` as a new file of mode 0600: a temp file in the
/// same folder (created exclusively, never through a link), fsynced, then
/// linked to its name (which fails if anything took the name meanwhile) or,
/// with `replace`, renamed over it (which replaces a link, never follows
/// it). A reader never sees half a file.
fn write_output(path: &Path, bytes: &[u8], replace: bool) -> Result<()> {
    use std::fs::OpenOptions;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    check_output(path, replace)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if path.file_name().is_none() {
        return Err(WardError::Usage(format!(
            "--output {} names no file",
            path.display()
        )));
    }
    let tmp = dir.join(format!(
        ".ward-export-{}-{}.tmp",
        std::process::id(),
        rand::random::<u32>()
    ));
    // Exclusive (`create_new`) and never through a link.
    let create = |target: &Path| {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(target)
            .at(target)
    };
    let fill = |mut f: std::fs::File, target: &Path| -> Result<()> {
        // Exactly 0600 whatever the umask.
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .at(target)?;
        f.write_all(bytes).at(target)?;
        f.sync_all().at(target)
    };
    let result = create(&tmp).and_then(|f| fill(f, &tmp)).and_then(|()| {
        if replace {
            return std::fs::rename(&tmp, path).at(path);
        }
        match std::fs::hard_link(&tmp, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(WardError::Exists {
                what: "a file".into(),
                path: path.to_path_buf(),
            }
            .hint("pass --force to replace it")),
            // A file system without hard links: create the file itself,
            // still exclusively and never through a link.
            Err(_) => {
                let f = create(path)?;
                fill(f, path).inspect_err(|_| {
                    let _ = std::fs::remove_file(path);
                })
            }
        }
    });
    let _ = std::fs::remove_file(&tmp);
    result?;
    fsio::sync_dir(dir)
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

/// `{ "path": {"value", "encoding", "version", "kind", "expires", …} }`,
/// pretty; with, where the secret has them, `owner`, `tags`, `url`,
/// `notes`, `rotate_every`, `fields` (login and otp among them) and its
/// dates (`created`, `updated`, `rotated`): all that `ward import json`
/// reads back (docs/IMPORT.md).
fn json_text(docs: &[(SecretPath, SecretDoc)]) -> String {
    let mut map = serde_json::Map::new();
    for (path, doc) in docs {
        let mut entry = serde_json::json!({
            "value": doc.value.expose(),
            "encoding": doc.encoding,
            "version": doc.version,
            "kind": doc.kind,
            "expires": doc.expires,
            "created": doc.created,
            "updated": doc.updated,
            "rotated": doc.rotated,
        });
        let obj = entry.as_object_mut().expect("an object");
        let mut put = |key: &str, value: serde_json::Value| {
            obj.insert(key.to_string(), value);
        };
        if let Some(owner) = &doc.owner {
            put("owner", owner.as_str().into());
        }
        if !doc.tags.is_empty() {
            put("tags", serde_json::json!(doc.tags));
        }
        if let Some(url) = &doc.url {
            put("url", url.as_str().into());
        }
        if let Some(notes) = &doc.notes {
            put("notes", notes.as_str().into());
        }
        if let Some(every) = doc.rotate_every {
            put("rotate_every", every.to_string().into());
        }
        if !doc.fields.is_empty() {
            let fields = doc
                .fields
                .iter()
                .map(|f| {
                    serde_json::json!({
                        "name": f.name,
                        "value": f.value.expose(),
                        "secret": f.secret,
                    })
                })
                .collect();
            put("fields", serde_json::Value::Array(fields));
        }
        map.insert(path.to_string(), entry);
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
    fn a_refused_name_is_named_with_the_fix() {
        let names = [p("deploy/STRIPE_KEY"), p("deploy/git_pager")];
        let Err(e) = plan(&names, false) else {
            panic!("planned a refused name")
        };
        let msg = e.to_string();
        assert_eq!(e.exit_code(), exit::USAGE);
        assert!(
            msg.contains("deploy/git_pager would set GIT_PAGER"),
            "{msg}"
        );
        assert!(msg.contains("ward mv"), "{msg}");
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
