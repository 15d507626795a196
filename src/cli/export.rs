//! `ward export` (secrets with their values as shell lines, dotenv or JSON)
//! and `ward exec` (a command run with secrets in its environment).
//!
//! Both take the secrets under a prefix (the whole store only with
//! `--all`), name each after its leaf (or its whole path with
//! `--prefix-names`) as an environment variable, and refuse anything that
//! cannot be said faithfully (binary values, NUL bytes, two secrets with one
//! name). Names come from a store other people write (through git, and age
//! does not authenticate who wrote a file), and a variable name alone can
//! make a program run code (`GIT_CONFIG_*`, `LD_PRELOAD`, `NODE_OPTIONS`), so
//! two gates stand before any value is decrypted:
//!
//! 1. [`refused_family`]: names that steer loaders, shells, interpreters,
//!    git, TLS, proxies and tools are never set, whatever is approved;
//! 2. the rest must be approved on this machine for this store and prefix
//!    (`crate::trust`, scope `env:PREFIX`): asked on the terminal, or
//!    given with `--allow`; a name that appears later is asked for again.
//!
//! One `export` audit event is recorded per secret.

use super::args::{ExecArgs, ExportArgs, ExportFormat};
use super::context::Context;
use super::output;
use crate::audit::{Action, Event};
use crate::error::{exit, IoContext, Result, WardError};
use crate::store::{fsio, Encoding, SecretDoc, SecretPath};
use crate::trust::TrustBook;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
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

/// The names under `prefix`, or an error if any file there cannot be
/// listed: an export that silently lacks a variable would be worse than none.
fn list(ctx: &Context, prefix: Option<&SecretPath>) -> Result<Vec<SecretPath>> {
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
    Ok(listing.secrets)
}

/// Decrypts every secret of `names`, in order, or fails without any.
fn decrypt(ctx: &Context, names: &[SecretPath]) -> Result<Vec<(SecretPath, SecretDoc)>> {
    let keys = ctx.keys()?;
    let store = &ctx.store;
    names
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

/// A secret and the variable it becomes.
struct Var {
    name: String,
    path: SecretPath,
}

/// The variable of each secret of `names`, in the same order. Refuses two
/// secrets with one variable, and every variable of a refused family (all
/// of them named at once, so one round of `ward mv` fixes them).
fn plan(names: &[SecretPath], full_path: bool) -> Result<Vec<Var>> {
    let mut owner: BTreeMap<String, &SecretPath> = BTreeMap::new();
    let mut refused = Vec::new();
    let mut plan = Vec::with_capacity(names.len());
    for path in names {
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
        if let Some(why) = refused_family(&name) {
            refused.push(format!("{path} would set {name}, which {why}"));
        }
        owner.insert(name.clone(), path);
        plan.push(Var {
            name,
            path: path.clone(),
        });
    }
    if !refused.is_empty() {
        return Err(WardError::Usage(format!(
            "{}; ward never sets such a variable, whatever is approved: rename the \
             {} (ward mv)",
            refused.join("; "),
            if refused.len() == 1 {
                "secret"
            } else {
                "secrets"
            }
        )));
    }
    Ok(plan)
}

/// The trust scope of the variable names handed over from `prefix`.
fn env_scope(prefix: Option<&SecretPath>) -> String {
    format!("env:{}", prefix.map_or("", SecretPath::as_str))
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
    let scope = env_scope(prefix);
    let mut book = TrustBook::open(&ctx.store.info().id)?;
    let known_before = !book.approved(&scope).is_empty();
    let pending = book.unapproved(&scope, plan.iter().map(|v| v.name.as_str()));
    let allowed: BTreeSet<String> = allow
        .iter()
        .map(|a| a.trim().to_ascii_uppercase())
        .filter(|a| !a.is_empty())
        .collect();
    let place = match prefix {
        Some(p) => format!("under {p}"),
        None => "in the whole store".to_string(),
    };
    for name in &allowed {
        if !plan.iter().any(|v| &v.name == name) {
            output::warn_line(&format!(
                "--allow {name}: no secret {place} gives this variable; ignored"
            ));
        }
    }
    let missing: Vec<&Var> = plan
        .iter()
        .filter(|v| pending.contains(&v.name) && !allowed.contains(&v.name))
        .collect();
    if missing.is_empty() {
        if !pending.is_empty() {
            book.approve(&scope, &pending)?;
        }
        return Ok(());
    }
    let mut report = if known_before {
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
    for v in &missing {
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
                book.approve(&scope, &pending)?;
                Ok(())
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
    let mut vars = BTreeMap::new();
    for (var, (path, doc)) in plan.iter().zip(docs) {
        debug_assert_eq!(&var.path, path);
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
        vars.insert(
            var.name.clone(),
            Zeroizing::new(doc.value.expose().to_string()),
        );
    }
    Ok(vars)
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

/// How a [`Family`] recognises a variable name (compared upper-case).
enum Pattern {
    Exact(&'static str),
    Prefix(&'static str),
    Suffix(&'static str),
    Contains(&'static str),
    /// A whole `_`-separated word anywhere: `CA` in `AWS_CA_BUNDLE`, not in
    /// `CACHE_KEY`.
    Word(&'static str),
    /// Starting with the prefix and matching one of the patterns.
    Under(&'static str, &'static [Pattern]),
    /// `PS` and digits only: the shell prompts `PS0`…`PS4` and any later one.
    PromptDigits,
}

impl Pattern {
    fn matches(&self, name: &str) -> bool {
        match self {
            Pattern::Exact(s) => name == *s,
            Pattern::Prefix(s) => name.starts_with(s),
            Pattern::Suffix(s) => name.ends_with(s),
            Pattern::Contains(s) => name.contains(s),
            Pattern::Word(s) => name.split('_').any(|w| w == *s),
            Pattern::Under(prefix, inner) => {
                name.starts_with(prefix) && inner.iter().any(|p| p.matches(name))
            }
            Pattern::PromptDigits => name
                .strip_prefix("PS")
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())),
        }
    }
}

/// Variable names that change how a program behaves rather than handing it
/// a credential, with what they do (shown in the refusal).
struct Family {
    does: &'static str,
    patterns: &'static [Pattern],
}

use Pattern::{Contains, Exact, Prefix, PromptDigits, Suffix, Under, Word};

/// Names `ward exec` and `ward export` never set, whatever is approved and
/// whatever a store says: each can make the command (or a program it
/// starts) run code, load code, trust another TLS certificate, send its
/// traffic elsewhere, or read its configuration from somewhere else. Wide
/// by design: a secret with such a name is renamed once (`ward mv`); a
/// missed name is a way into every machine that runs `ward exec`.
const FAMILIES: &[Family] = &[
    // git reads any setting from GIT_CONFIG_COUNT/KEY_n/VALUE_n
    // (core.fsmonitor, core.sshCommand, …: commands git runs), and
    // GIT_SSH, GIT_PAGER, GIT_EXEC_PATH, GIT_DIR… name programs and places.
    // First, so that GIT_PAGER and GIT_SSH are reported as git's.
    Family {
        does: "configures git (any setting, such as a command for git to run)",
        patterns: &[Prefix("GIT_")],
    },
    // glibc's own list of variables it drops for setuid programs
    // (unsecvars.h), macOS dyld, and the allocator's knobs: they load
    // libraries or make libc read files named in the variable.
    Family {
        does: "steers the dynamic loader or the C library",
        patterns: &[
            Prefix("LD_"),
            Prefix("DYLD_"),
            Prefix("MALLOC_"),
            Exact("GCONV_PATH"),
            Exact("GETCONF_DIR"),
            Exact("GLIBC_TUNABLES"),
            Exact("HOSTALIASES"),
            Exact("LOCALDOMAIN"),
            Exact("RES_OPTIONS"),
            Exact("RESOLV_HOST_CONF"),
            Exact("NIS_PATH"),
            Exact("TZDIR"),
        ],
    },
    // What a shell runs on start, before each prompt, or where it finds
    // commands; `BASH_FUNC_*` defines functions, `PS4` is expanded (and
    // can run commands) under `set -x`.
    Family {
        does: "changes what a shell runs or where it finds commands",
        patterns: &[
            Exact("PATH"),
            Exact("SHELL"),
            Exact("IFS"),
            Exact("ENV"),
            Exact("CDPATH"),
            Exact("FPATH"),
            Exact("GLOBIGNORE"),
            Exact("EXECIGNORE"),
            Exact("SHELLOPTS"),
            Exact("BASHOPTS"),
            Exact("POSIXLY_CORRECT"),
            Exact("PROMPT_COMMAND"),
            Exact("ZDOTDIR"),
            Exact("INPUTRC"),
            Exact("TMOUT"),
            Exact("PWD"),
            Exact("OLDPWD"),
            Exact("COMSPEC"),
            Prefix("BASH_"),
            Prefix("HISTFILE"),
            Suffix("_SHELL"),
            PromptDigits,
        ],
    },
    // Who programs think the user is, and where they read dotfiles from
    // (git's ~/.gitconfig, ssh's ~/.ssh, every tool's ~/.config).
    Family {
        does: "changes who programs think you are or where they read their configuration",
        patterns: &[
            Exact("HOME"),
            Exact("USER"),
            Exact("LOGNAME"),
            Prefix("XDG_"),
            Suffix("_HOME"),
            Suffix("_CONFIG_FILE"),
            Suffix("_CONFIG_DIR"),
            Suffix("_CONFIG_PATH"),
            Suffix("_RC"),
            Exact("KUBECONFIG"),
            Exact("BOTO_CONFIG"),
            Exact("NETRC"),
            Exact("WGETRC"),
            Exact("SYSTEM_WGETRC"),
            Exact("SCREENRC"),
            Exact("SYSSCREENRC"),
            Exact("MAILRC"),
            Exact("NAILRC"),
            Exact("IRBRC"),
            Exact("PHPRC"),
            Exact("PHP_INI_SCAN_DIR"),
        ],
    },
    // Where temporary files go: a folder someone else controls turns every
    // temp file into a file they can read or swap.
    Family {
        does: "moves where programs write temporary files",
        patterns: &[
            Exact("TMPDIR"),
            Exact("TMP"),
            Exact("TEMP"),
            Exact("TEMPDIR"),
        ],
    },
    // Variables that name a program which something will run: editors,
    // pagers, browsers, password helpers, `*_COMMAND` hooks, wrappers.
    Family {
        does: "names a program that other programs run",
        patterns: &[
            Exact("PAGER"),
            Exact("EDITOR"),
            Exact("VISUAL"),
            Exact("FCEDIT"),
            Exact("BROWSER"),
            Exact("MANPAGER"),
            Exact("MANOPT"),
            Exact("MANPATH"),
            Exact("MANROFFOPT"),
            Exact("MORE"),
            Prefix("LESS"),
            Prefix("SUDO_"),
            Suffix("_PAGER"),
            Suffix("_EDITOR"),
            Suffix("_BROWSER"),
            Contains("ASKPASS"),
            Suffix("COMMAND"),
            Suffix("_CMD"),
            Suffix("_PROG"),
            Suffix("_PROGRAM"),
            Suffix("_HOOK"),
            Suffix("_HOOKS"),
            Suffix("_WRAPPER"),
            Suffix("_BIN"),
            Suffix("_BINARY"),
            Suffix("_BINARY_PATH"),
            Contains("EXECUTABLE"),
            Suffix("_RSH"),
            Suffix("_SSH"),
            Exact("VIMINIT"),
            Exact("GVIMINIT"),
            Exact("EXINIT"),
            Exact("VIMRUNTIME"),
            Exact("MYVIMRC"),
            Exact("MYGVIMRC"),
            Exact("EMACSLOADPATH"),
        ],
    },
    // Interpreters and runtimes load modules, start-up files and options
    // from these (PYTHONSTARTUP, PERL5OPT, RUBYOPT, NODE_OPTIONS, JDK's
    // *_OPTIONS -javaagent, .NET startup hooks, ELECTRON_RUN_AS_NODE).
    Family {
        does: "makes an interpreter or runtime load code or options",
        patterns: &[
            Prefix("PYTHON"),
            Prefix("PERL"),
            Prefix("RUBY"),
            Prefix("NODE_"),
            Prefix("JAVA_"),
            Prefix("_JAVA_"),
            Prefix("JDK_"),
            Exact("CLASSPATH"),
            Prefix("GEM_"),
            Prefix("BUNDLE_"),
            Prefix("BUNDLER_"),
            Prefix("LUA_"),
            Exact("TCLLIBPATH"),
            Prefix("GUILE_"),
            Prefix("ERL_"),
            Prefix("DOTNET_"),
            Prefix("CORECLR_"),
            Prefix("COMPLUS_"),
            Prefix("ASPNETCORE_HOSTINGSTARTUP"),
            Prefix("ELECTRON_"),
            Prefix("JUPYTER_"),
            Exact("IPYTHONDIR"),
            Exact("VIRTUAL_ENV"),
            Prefix("CONDA"),
            Exact("R_HOME"),
            Prefix("R_LIBS"),
            Prefix("R_PROFILE"),
            Prefix("R_ENVIRON"),
            Exact("JULIA_LOAD_PATH"),
            Exact("JULIA_DEPOT_PATH"),
            Exact("JULIA_PROJECT"),
            Exact("DENO_DIR"),
            Exact("DENO_CERT"),
            Exact("DENO_TLS_CA_STORE"),
            Exact("DENO_INSTALL_ROOT"),
        ],
    },
    // Extra command-line options and flags read from the environment
    // (JAVA_OPTS, MAVEN_OPTS, RUSTFLAGS, MAKEFLAGS, TF_CLI_ARGS…): an
    // option such as -javaagent or --require loads code.
    Family {
        does: "passes options to a program, which can make it load code",
        patterns: &[
            Suffix("_OPTIONS"),
            Suffix("_OPTS"),
            Suffix("_ARGS"),
            Suffix("FLAGS"),
        ],
    },
    // ssh's agent socket and helpers (SSH_AUTH_SOCK, SSH_ASKPASS,
    // SSH_SK_PROVIDER loads a library), GnuPG's home and agent, Kerberos'
    // configuration and ticket cache.
    Family {
        does: "steers ssh, GnuPG or Kerberos",
        patterns: &[
            Prefix("SSH_"),
            Exact("GNUPGHOME"),
            Exact("GPG_AGENT_INFO"),
            Exact("GPG_TTY"),
            Prefix("KRB5"),
        ],
    },
    // Which certificates are trusted, whether they are checked at all,
    // and where TLS session keys are logged (SSLKEYLOGFILE decrypts
    // captured traffic); OpenSSL's configuration loads engines.
    Family {
        does: "changes which TLS certificates are trusted or whether they are checked",
        patterns: &[
            Prefix("SSL"),
            Word("SSL"),
            Word("CA"),
            Word("CACERT"),
            Word("CACERTS"),
            Word("CAINFO"),
            Word("CAPATH"),
            Word("CAFILE"),
            Word("CABUNDLE"),
            Contains("CA_CERT"),
            Contains("CA_BUNDLE"),
            Contains("KEYLOG"),
            Prefix("OPENSSL_"),
            Prefix("GNUTLS_"),
            Prefix("PGSSL"),
            Contains("INSECURE"),
            Contains("SKIP_VERIFY"),
            Contains("NO_VERIFY"),
            Contains("NOVERIFY"),
            Contains("REJECT_UNAUTHORIZED"),
            Suffix("TLS_VERIFY"),
        ],
    },
    // HTTP(S)_PROXY, ALL_PROXY, NO_PROXY (curl reads them in either case;
    // ward's names are upper-case), SOCKS servers, Go's module proxy.
    Family {
        does: "sends network traffic through a proxy",
        patterns: &[
            Word("PROXY"),
            Exact("GOPROXY"),
            Exact("GONOPROXY"),
            Prefix("SOCKS"),
        ],
    },
    // Locale and message catalogues are files libc and gettext parse;
    // the terminal description, display, session bus and multiplexer
    // decide where output and the clipboard go.
    Family {
        does: "changes locale files, the terminal or the desktop session programs talk to",
        patterns: &[
            Prefix("LC_"),
            Exact("LANG"),
            Exact("LANGUAGE"),
            Exact("NLSPATH"),
            Exact("LOCPATH"),
            Exact("TEXTDOMAIN"),
            Exact("TEXTDOMAINDIR"),
            Exact("TERM"),
            Prefix("TERM_"),
            Prefix("TERMINFO"),
            Exact("TERMCAP"),
            Exact("TERMPATH"),
            Exact("DISPLAY"),
            Prefix("WAYLAND_"),
            Exact("XAUTHORITY"),
            Prefix("DBUS_"),
            Prefix("TMUX"),
            Exact("STY"),
            Prefix("QT_"),
            Prefix("GTK_"),
            Prefix("GIO_"),
            Prefix("GST_"),
            Prefix("GDK_"),
        ],
    },
    // Compilers, linkers, make and toolchain selection: build tools run
    // whatever these name (RUSTC_WRAPPER, CC, GOTOOLCHAIN, MAKEFILES).
    Family {
        does: "chooses a compiler, toolchain or build setting",
        patterns: &[
            Exact("CC"),
            Exact("CXX"),
            Exact("CPP"),
            Exact("AR"),
            Exact("AS"),
            Exact("LD"),
            Exact("NM"),
            Exact("RANLIB"),
            Exact("STRIP"),
            Exact("OBJCOPY"),
            Exact("OBJDUMP"),
            Exact("LDLIBS"),
            Exact("MAKE"),
            Exact("MAKEFILES"),
            Exact("MAKELEVEL"),
            Prefix("PKG_CONFIG"),
            Prefix("CGO_"),
            Prefix("CCACHE_"),
            Prefix("CMAKE_"),
            Prefix("RUSTC"),
            Prefix("RUSTDOC"),
            Prefix("RUSTUP_"),
            Prefix("CARGO_"),
            Exact("GOPATH"),
            Exact("GOROOT"),
            Exact("GOBIN"),
            Exact("GOENV"),
            Exact("GOTOOLCHAIN"),
            Exact("GOWORK"),
            Exact("GOCACHE"),
            Exact("GOMODCACHE"),
            Exact("GOEXPERIMENT"),
            Exact("GODEBUG"),
            Exact("GOTRACEBACK"),
            Exact("GOOS"),
            Exact("GOARCH"),
            Exact("GOAMD64"),
            Exact("GOARM"),
            Exact("GO386"),
            Exact("GOSUMDB"),
            Exact("GONOSUMDB"),
            Exact("GONOSUMCHECK"),
            Exact("GOPRIVATE"),
            Exact("GOINSECURE"),
            Exact("GRADLE_USER_HOME"),
            Exact("M2_HOME"),
            Exact("MAVEN_ARGS"),
        ],
    },
    // Package managers read any setting from these (registry, index,
    // scripts to run), which decides what code gets installed and run.
    Family {
        does: "configures a package manager (its registry, index or scripts: what code is installed and run)",
        patterns: &[
            Prefix("NPM_CONFIG_"),
            Prefix("YARN_"),
            Prefix("PNPM_"),
            Prefix("PIP_"),
            Prefix("PIPENV_"),
            Prefix("POETRY_"),
            Prefix("UV_"),
            Prefix("COMPOSER_"),
            Prefix("NIX_"),
            Prefix("HOMEBREW_"),
        ],
    },
    // Where container, cluster and cloud tools connect and which
    // configuration or credentials file they read (an AWS config file can
    // hold `credential_process`, a command; DOCKER_CONFIG names credential
    // helpers; AWS_ENDPOINT_URL sends signed requests elsewhere). AWS's
    // keys themselves (AWS_ACCESS_KEY_ID, …) are credentials and pass.
    Family {
        does: "points a container, cluster or cloud tool at another daemon, endpoint, \
               configuration or credentials file",
        patterns: &[
            Prefix("DOCKER_"),
            Prefix("BUILDKIT_"),
            Prefix("COMPOSE_"),
            Exact("CONTAINER_HOST"),
            Prefix("CONTAINERS_"),
            Exact("REGISTRY_AUTH_FILE"),
            Prefix("HELM_"),
            Under(
                "AWS_",
                &[
                    Suffix("_FILE"),
                    Suffix("_PATH"),
                    Suffix("_URI"),
                    Suffix("_DIR"),
                    Contains("ENDPOINT"),
                ],
            ),
            Prefix("CLOUDSDK_"),
            Exact("GOOGLE_APPLICATION_CREDENTIALS"),
            Exact("GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES"),
            Prefix("TF_CLI_"),
            Prefix("TF_PLUGIN"),
            Exact("TF_DATA_DIR"),
        ],
    },
    // ward's own settings (WARD_STORE, WARD_IDENTITY, WARD_CONFIG): a
    // command that runs ward again must see the user's, not the store's.
    Family {
        does: "is read by ward itself",
        patterns: &[Prefix("WARD_")],
    },
];

/// Credentials inside a refused family: the tool sends them, they steer
/// nothing, and CI jobs commonly pass them in exactly these names.
const CREDENTIALS_IN_FAMILIES: &[&str] = &[
    "CARGO_REGISTRY_TOKEN",
    "NODE_AUTH_TOKEN",
    "DOCKER_PASSWORD",
    "DOCKER_USERNAME",
    "UV_PUBLISH_TOKEN",
    "POETRY_PYPI_TOKEN_PYPI",
    "HOMEBREW_GITHUB_API_TOKEN",
];

/// What the variable `name` would do if ward set it, when it is one that
/// ward never sets (see [`FAMILIES`]); `None` for names that only hand a
/// program a value. No store file or flag changes the answer.
pub fn refused_family(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_uppercase();
    if CREDENTIALS_IN_FAMILIES.contains(&name.as_str()) {
        return None;
    }
    FAMILIES
        .iter()
        .find(|f| f.patterns.iter().any(|p| p.matches(&name)))
        .map(|f| f.does)
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

    /// Names ward never sets: the ones the GIT_CONFIG_* hole report named,
    /// and at least one of every family (lower case too: curl reads
    /// `https_proxy`).
    const REFUSED: &[&str] = &[
        // The report.
        "GIT_CONFIG_COUNT",
        "GIT_CONFIG_KEY_0",
        "GIT_CONFIG_VALUE_0",
        "_JAVA_OPTIONS",
        "JDK_JAVA_OPTIONS",
        "PERLLIB",
        "RUBYLIB",
        "NODE_PATH",
        "PYTHONHOME",
        "GCONV_PATH",
        "GIT_SSH",
        "GIT_PAGER",
        "GIT_EXEC_PATH",
        "PAGER",
        "EDITOR",
        "LESSOPEN",
        "HTTPS_PROXY",
        "SSL_CERT_FILE",
        "NODE_EXTRA_CA_CERTS",
        "TMPDIR",
        // Loader and libc.
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "LD_AUDIT",
        "DYLD_INSERT_LIBRARIES",
        "MALLOC_CHECK_",
        "GLIBC_TUNABLES",
        "HOSTALIASES",
        "RES_OPTIONS",
        "LOCALDOMAIN",
        "TZDIR",
        // Shells.
        "PATH",
        "SHELL",
        "IFS",
        "ENV",
        "BASH_ENV",
        "BASH_FUNC_LS__",
        "CDPATH",
        "PS0",
        "PS1",
        "PS2",
        "PS4",
        "PS12",
        "PROMPT_COMMAND",
        "SHELLOPTS",
        "GLOBIGNORE",
        "ZDOTDIR",
        "INPUTRC",
        "HISTFILE",
        "CONFIG_SHELL",
        // Identity and configuration places.
        "HOME",
        "USER",
        "LOGNAME",
        "XDG_CONFIG_HOME",
        "CURL_HOME",
        "KUBECONFIG",
        "WGETRC",
        "NETRC",
        "PHPRC",
        "TF_CLI_CONFIG_FILE",
        "AZURE_CONFIG_DIR",
        // Temp folders.
        "TEMP",
        "TMP",
        // Programs that get run.
        "VISUAL",
        "FCEDIT",
        "BROWSER",
        "MANPAGER",
        "LESS",
        "LESSCLOSE",
        "GH_PAGER",
        "SUDO_EDITOR",
        "SUDO_ASKPASS",
        "SSH_ASKPASS",
        "RESTIC_PASSWORD_COMMAND",
        "BORG_PASSCOMMAND",
        "RSYNC_RSH",
        "SVN_SSH",
        "CHROME_BIN",
        "PUPPETEER_EXECUTABLE_PATH",
        "VIMINIT",
        "EXINIT",
        // Interpreters and runtimes.
        "PYTHONPATH",
        "PYTHONSTARTUP",
        "PERL5LIB",
        "PERL5OPT",
        "RUBYOPT",
        "NODE_OPTIONS",
        "NODE_TLS_REJECT_UNAUTHORIZED",
        "JAVA_TOOL_OPTIONS",
        "JAVA_HOME",
        "CLASSPATH",
        "GEM_PATH",
        "BUNDLE_GEMFILE",
        "LUA_INIT",
        "DOTNET_STARTUP_HOOKS",
        "CORECLR_PROFILER_PATH",
        "ELECTRON_RUN_AS_NODE",
        "ERL_AFLAGS",
        "R_PROFILE_USER",
        // Options and flags.
        "JAVA_OPTS",
        "MAVEN_OPTS",
        "GRADLE_OPTS",
        "TF_CLI_ARGS",
        "MAKEFLAGS",
        "CFLAGS",
        "LDFLAGS",
        // git, ssh, GnuPG, Kerberos.
        "GIT_SSH_COMMAND",
        "GIT_DIR",
        "GIT_ASKPASS",
        "GIT_CONFIG_PARAMETERS",
        "SSH_AUTH_SOCK",
        "SSH_SK_PROVIDER",
        "GNUPGHOME",
        "KRB5_CONFIG",
        "KRB5CCNAME",
        // TLS.
        "SSL_CERT_DIR",
        "SSLKEYLOGFILE",
        "CURL_CA_BUNDLE",
        "REQUESTS_CA_BUNDLE",
        "AWS_CA_BUNDLE",
        "GIT_SSL_CAINFO",
        "VAULT_CACERT",
        "PIP_CERT",
        "OPENSSL_CONF",
        "PGSSLROOTCERT",
        "GOINSECURE",
        "VAULT_SKIP_VERIFY",
        // Proxies.
        "HTTP_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "FTP_PROXY",
        "https_proxy",
        "http_proxy",
        "GOPROXY",
        "SOCKS_SERVER",
        // Locale, terminal, desktop.
        "LC_ALL",
        "LC_CTYPE",
        "LANG",
        "LANGUAGE",
        "NLSPATH",
        "LOCPATH",
        "TERM",
        "TERMINFO",
        "TERMINFO_DIRS",
        "DISPLAY",
        "WAYLAND_DISPLAY",
        "XAUTHORITY",
        "DBUS_SESSION_BUS_ADDRESS",
        "TMUX",
        "GTK_MODULES",
        "QT_PLUGIN_PATH",
        // Build tools.
        "CC",
        "LD",
        "MAKEFILES",
        "PKG_CONFIG_PATH",
        "CGO_LDFLAGS",
        "CARGO_HOME",
        "CARGO_BUILD_RUSTC_WRAPPER",
        "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER",
        "RUSTC",
        "RUSTC_WRAPPER",
        "RUSTFLAGS",
        "RUSTDOCFLAGS",
        "RUSTUP_TOOLCHAIN",
        "GOFLAGS",
        "GOPATH",
        "GOTOOLCHAIN",
        // Package managers.
        "NPM_CONFIG_REGISTRY",
        "YARN_YARN_PATH",
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "POETRY_REPOSITORIES_X_URL",
        "UV_INDEX_URL",
        "NIX_PATH",
        // Containers, clusters, cloud.
        "DOCKER_HOST",
        "DOCKER_CONFIG",
        "COMPOSE_FILE",
        "HELM_PLUGINS",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "AWS_DATA_PATH",
        "CLOUDSDK_PYTHON",
        "GOOGLE_APPLICATION_CREDENTIALS",
        // ward.
        "WARD_STORE",
        "WARD_IDENTITY",
    ];

    /// Credentials and plain values, which must keep working.
    const ALLOWED: &[&str] = &[
        "STRIPE_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "DATABASE_URL",
        "GITHUB_TOKEN",
        "GITLAB_TOKEN",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "SENDGRID_API_KEY",
        "PATH_PREFIX",
        "MYPATH",
        "_PATH",
        "_2FA_SEED",
        "PS",
        "PSK",
        "API_KEY",
        "TOKEN",
        "PASSWORD",
        "DB_PASSWORD",
        "PGPASSWORD",
        "MYSQL_ROOT_PASSWORD",
        "REDIS_URL",
        "SENTRY_DSN",
        "JWT_SECRET",
        "SECRET_KEY_BASE",
        "CACHE_KEY",
        "LICENSE_KEY",
        "SLACK_WEBHOOK_URL",
        "SLACK_BOT_TOKEN",
        "TWILIO_AUTH_TOKEN",
        "NPM_TOKEN",
        "PYPI_TOKEN",
        "TF_VAR_DB_PASSWORD",
        "GOOGLE_API_KEY",
        "AZURE_CLIENT_SECRET",
        "DOCKERHUB_TOKEN",
        "CLOUDFLARE_API_TOKEN",
        "HEROKU_API_KEY",
        "BORG_PASSPHRASE",
        "RESTIC_PASSWORD",
        "GPG_PRIVATE_KEY",
        "GPG_PASSPHRASE",
        "TERMS_URL",
        // Credentials inside refused families, said so in the table.
        "CARGO_REGISTRY_TOKEN",
        "NODE_AUTH_TOKEN",
        "DOCKER_PASSWORD",
        "HOMEBREW_GITHUB_API_TOKEN",
    ];

    #[test]
    fn refused_families_are_matched() {
        for name in REFUSED {
            assert!(refused_family(name).is_some(), "{name} should be refused");
        }
        for name in ALLOWED {
            assert_eq!(refused_family(name), None, "{name} should be allowed");
        }
        // Say what the variable does.
        assert_eq!(
            refused_family("GIT_CONFIG_COUNT"),
            Some("configures git (any setting, such as a command for git to run)")
        );
        assert!(refused_family("LD_PRELOAD")
            .unwrap()
            .contains("dynamic loader"));
    }

    #[test]
    fn secret_names_map_onto_refused_variables() {
        // What a planted secret file would be called, and the variable.
        for (secret, var) in [
            ("deploy/git_config_count", "GIT_CONFIG_COUNT"),
            ("deploy/git-config-key-0", "GIT_CONFIG_KEY_0"),
            ("deploy/ld.preload", "LD_PRELOAD"),
            ("deploy/_java_options", "_JAVA_OPTIONS"),
            ("deploy/https_proxy", "HTTPS_PROXY"),
        ] {
            let name = env_name(&p(secret), false);
            assert_eq!(name, var);
            assert!(refused_family(&name).is_some(), "{secret}");
        }
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
        // With --prefix-names the whole path decides.
        let names = [p("git/config_count")];
        assert!(plan(&names, true).is_err());
        assert!(plan(&names, false).is_ok());
    }

    #[test]
    fn scopes_name_the_prefix() {
        assert_eq!(env_scope(Some(&p("acme/api"))), "env:acme/api");
        assert_eq!(env_scope(None), "env:");
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
