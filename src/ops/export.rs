//! Handing secrets over as environment variables: what `ward export` and
//! `ward exec` gather before any value leaves ward. The CLI parses, asks
//! for approval on the terminal, prints and spawns; this never prompts and
//! never prints.
//!
//! Names come from a store other people write (through git, and age does
//! not authenticate who wrote a file), and a variable name alone can make a
//! program run code (`GIT_CONFIG_*`, `LD_PRELOAD`, `NODE_OPTIONS`), so two
//! gates stand before any value is decrypted:
//!
//! 1. [`refused_family`]: names that steer loaders, shells, interpreters,
//!    git, TLS, proxies and tools are never set, whatever is approved
//!    ([`plan`] refuses them);
//! 2. the rest must be approved on this machine for this store and prefix
//!    (`crate::trust`, scope `env:PREFIX`; [`approval`]); a name that
//!    appears later is asked for again.

use super::Journal;
use crate::audit::{Action, Event};
use crate::error::{Result, WardError};
use crate::store::crypto::Keyring;
use crate::store::{Encoding, Problem, SecretDoc, SecretPath, Store};
use crate::trust::TrustBook;
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use zeroize::Zeroizing;

/// The names under `prefix` could not all be listed.
pub struct Unlisted {
    /// The files that could not be read, for the front end to name.
    pub problems: Vec<Problem>,
    pub error: WardError,
}

/// The names under `prefix` (None: the whole store), or an error if any
/// file there cannot be listed: an export that silently lacks a variable
/// would be worse than none. A prefix with no secret is not found.
pub fn list(store: &Store, prefix: Option<&SecretPath>) -> Result<Vec<SecretPath>, Box<Unlisted>> {
    let listing = store.list(prefix);
    if !listing.problems.is_empty() {
        let error = WardError::Corrupt {
            path: store.root().to_path_buf(),
            cause: format!(
                "{} could not be read; nothing was exported",
                crate::words::plural(listing.problems.len(), "file")
            ),
        };
        return Err(Box::new(Unlisted {
            problems: listing.problems,
            error,
        }));
    }
    if let (Some(prefix), true) = (prefix, listing.secrets.is_empty()) {
        return Err(Box::new(Unlisted {
            problems: Vec::new(),
            error: WardError::NotFound {
                name: prefix.to_string(),
                path: store
                    .root()
                    .join(prefix.segments().collect::<std::path::PathBuf>()),
            },
        }));
    }
    Ok(listing.secrets)
}

/// Decrypts every secret of `names`, in order, or fails without any.
pub fn decrypt(
    store: &Store,
    keys: &Keyring,
    names: &[SecretPath],
) -> Result<Vec<(SecretPath, SecretDoc)>> {
    names
        .par_iter()
        .map(|name| store.read(keys, name).map(|doc| (name.clone(), doc)))
        .collect()
}

/// Records one `export` event a secret handed over (`reason`: how, e.g.
/// "export env", "exec make"), before anything leaves ward.
pub fn record(
    journal: &dyn Journal,
    docs: &[(SecretPath, SecretDoc)],
    reason: &str,
    at: DateTime<Utc>,
) {
    for (name, doc) in docs {
        journal.record(
            Event::new(Action::Export)
                .at(at)
                .path(name.as_str())
                .version(Some(doc.version))
                .reason(Some(reason)),
        );
    }
}

/// A secret and the variable it becomes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var {
    pub name: String,
    pub path: SecretPath,
}

/// Why the secrets cannot become variables; the front end phrases the fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unplanned {
    /// Two secrets would be one variable.
    Clash {
        first: SecretPath,
        second: SecretPath,
        name: String,
    },
    /// Secrets that would set refused variables, each with what the
    /// variable does: all of them at once, so one round of renames fixes them.
    Refused(Vec<(Var, &'static str)>),
}

/// The variable of each secret of `names`, in the same order (`full_path`:
/// named after the whole path, not the leaf).
pub fn plan(names: &[SecretPath], full_path: bool) -> Result<Vec<Var>, Unplanned> {
    let mut owner: BTreeMap<String, &SecretPath> = BTreeMap::new();
    let mut refused = Vec::new();
    let mut plan = Vec::with_capacity(names.len());
    for path in names {
        let name = env_name(path, full_path);
        if let Some(other) = owner.get(&name) {
            return Err(Unplanned::Clash {
                first: (*other).clone(),
                second: path.clone(),
                name,
            });
        }
        let var = Var {
            name: name.clone(),
            path: path.clone(),
        };
        if let Some(why) = refused_family(&name) {
            refused.push((var.clone(), why));
        }
        owner.insert(name, path);
        plan.push(var);
    }
    if !refused.is_empty() {
        return Err(Unplanned::Refused(refused));
    }
    Ok(plan)
}

/// The trust scope of the variable names handed over from `prefix`.
pub fn env_scope(prefix: Option<&SecretPath>) -> String {
    format!("env:{}", prefix.map_or("", SecretPath::as_str))
}

/// Where this machine's approval of a plan's variable names stands.
pub struct Approval {
    book: TrustBook,
    scope: String,
    /// Every planned name not approved yet (given in `allow` or not).
    pending: Vec<String>,
    /// Whether names were approved for this scope before (so the new ones
    /// appeared since).
    pub known_before: bool,
    /// The planned variables neither approved nor allowed: the ones to ask for.
    pub missing: Vec<Var>,
    /// Names given to allow that no planned variable has.
    pub unused_allows: Vec<String>,
}

/// Compares `plan` with what this machine approved for `store_id` and
/// `prefix`, counting `allow` (names approved for this run, case and
/// spaces ignored) as approved.
pub fn approval(
    store_id: &str,
    prefix: Option<&SecretPath>,
    plan: &[Var],
    allow: &[String],
) -> Result<Approval> {
    let scope = env_scope(prefix);
    let book = TrustBook::open(store_id)?;
    let known_before = !book.approved(&scope).is_empty();
    let pending = book.unapproved(&scope, plan.iter().map(|v| v.name.as_str()));
    let allowed: BTreeSet<String> = allow
        .iter()
        .map(|a| a.trim().to_ascii_uppercase())
        .filter(|a| !a.is_empty())
        .collect();
    let unused_allows = allowed
        .iter()
        .filter(|a| !plan.iter().any(|v| &v.name == *a))
        .cloned()
        .collect();
    let missing = plan
        .iter()
        .filter(|v| pending.contains(&v.name) && !allowed.contains(&v.name))
        .cloned()
        .collect();
    Ok(Approval {
        book,
        scope,
        pending,
        known_before,
        missing,
        unused_allows,
    })
}

impl Approval {
    /// Remembers every pending name as approved (once each is approved:
    /// allowed, or agreed to by the user).
    pub fn approve(mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.book.approve(&self.scope, &self.pending)
    }
}

/// Why a value cannot be an environment variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unsettable {
    /// A binary value.
    Binary(SecretPath),
    /// Text with a NUL character.
    Nul(SecretPath),
}

/// The value of each planned variable, sorted by name; `docs` are the
/// plan's secrets decrypted, in the plan's order.
pub fn values(
    plan: &[Var],
    docs: &[(SecretPath, SecretDoc)],
) -> Result<BTreeMap<String, Zeroizing<String>>, Unsettable> {
    let mut vars = BTreeMap::new();
    for (var, (path, doc)) in plan.iter().zip(docs) {
        debug_assert_eq!(&var.path, path);
        if doc.encoding == Encoding::Base64 {
            return Err(Unsettable::Binary(path.clone()));
        }
        if doc.value.expose().contains('\0') {
            return Err(Unsettable::Nul(path.clone()));
        }
        vars.insert(
            var.name.clone(),
            Zeroizing::new(doc.value.expose().to_string()),
        );
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
        let Err(Unplanned::Refused(refused)) = plan(&names, false) else {
            panic!("planned a refused name")
        };
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].0.name, "GIT_PAGER");
        assert_eq!(refused[0].0.path, p("deploy/git_pager"));
        // With --prefix-names the whole path decides.
        let names = [p("git/config_count")];
        assert!(plan(&names, true).is_err());
        assert!(plan(&names, false).is_ok());
    }

    #[test]
    fn two_secrets_cannot_be_one_variable() {
        let names = [p("a/KEY"), p("b/key")];
        assert_eq!(
            plan(&names, false),
            Err(Unplanned::Clash {
                first: p("a/KEY"),
                second: p("b/key"),
                name: "KEY".into()
            })
        );
        assert!(
            plan(&names, true).is_ok(),
            "the whole path tells them apart"
        );
    }

    #[test]
    fn values_refuse_what_a_variable_cannot_hold() {
        use crate::store::SecretValue;
        let doc = |v: &str, e: Encoding| {
            SecretDoc::new(SecretValue::new(v.into()), e, "me@host", Utc::now())
        };
        let names = [p("a/B_KEY"), p("a/A_KEY")];
        let vars = plan(&names, false).unwrap();
        let docs = vec![
            (p("a/B_KEY"), doc("b", Encoding::Utf8)),
            (p("a/A_KEY"), doc("a", Encoding::Utf8)),
        ];
        let got = values(&vars, &docs).unwrap();
        let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(got, [("A_KEY", "a"), ("B_KEY", "b")], "sorted by name");
        let nul = vec![docs[0].clone(), (p("a/A_KEY"), doc("x\0y", Encoding::Utf8))];
        assert_eq!(values(&vars, &nul), Err(Unsettable::Nul(p("a/A_KEY"))));
        let bin = vec![
            (p("a/B_KEY"), doc("AAEC", Encoding::Base64)),
            docs[1].clone(),
        ];
        assert_eq!(values(&vars, &bin), Err(Unsettable::Binary(p("a/B_KEY"))));
    }

    #[test]
    fn scopes_name_the_prefix() {
        assert_eq!(env_scope(Some(&p("acme/api"))), "env:acme/api");
        assert_eq!(env_scope(None), "env:");
    }
}
