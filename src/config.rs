//! Where things live (from `dirs`, overridable) and the user's settings
//! (`<config dir>/ward/config.toml`).

use crate::error::{Result, WardError};
use crate::policy::{Interval, DEFAULT_LEAD};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Default store folder: `<data dir>/ward/store`.
pub fn default_store() -> PathBuf {
    base(dirs::data_dir()).join("ward").join("store")
}

/// Default identity file: `<config dir>/ward/identity.txt`.
pub fn default_identity() -> PathBuf {
    config_dir().join("identity.txt")
}

/// The identity files to use: those given (--identity, WARD_IDENTITY; empty
/// entries are ignored), else the default one. Never empty.
pub fn identity_paths(given: &[PathBuf]) -> Vec<PathBuf> {
    let named: Vec<PathBuf> = given
        .iter()
        .filter(|p| !p.as_os_str().is_empty())
        .cloned()
        .collect();
    if named.is_empty() {
        vec![default_identity()]
    } else {
        named
    }
}

/// Whether identity files were named (--identity, WARD_IDENTITY) rather than
/// the default one being used.
pub fn identities_given(given: &[PathBuf]) -> bool {
    given.iter().any(|p| !p.as_os_str().is_empty())
}

/// `<config dir>/ward`.
pub fn config_dir() -> PathBuf {
    base(dirs::config_dir()).join("ward")
}

/// `<cache dir>/ward`.
pub fn cache_dir() -> PathBuf {
    base(dirs::cache_dir()).join("ward")
}

fn base(dir: Option<PathBuf>) -> PathBuf {
    dir.or_else(dirs::home_dir)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Longest `clipboard_timeout`: a day.
pub const MAX_CLIPBOARD_TIMEOUT: u64 = 24 * 60 * 60;
/// Longest `reveal_timeout`: an hour.
pub const MAX_REVEAL_TIMEOUT: u64 = 60 * 60;
/// Longest `idle_lock`: a day.
pub const MAX_IDLE_LOCK: u64 = 24 * 60 * 60;
/// Longest configured actor name, in characters.
pub const MAX_ACTOR_CHARS: usize = 100;

/// Which clipboard mechanism to use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ClipboardBackend {
    /// Native when a display is available and the session is local, else OSC 52.
    #[default]
    Auto,
    /// The desktop clipboard (X11 or Wayland).
    Native,
    /// The terminal's clipboard through the OSC 52 escape sequence.
    Osc52,
}

/// Settings from config.toml; every field has a default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Name recorded in history and the audit log; default user@host.
    pub actor: Option<String>,
    /// Seconds before a copied value is cleared; 0 never clears.
    pub clipboard_timeout: u64,
    pub clipboard_backend: ClipboardBackend,
    /// Seconds a revealed value stays visible in the TUI.
    pub reveal_timeout: u64,
    /// Seconds of inactivity before the TUI locks; 0 never locks.
    pub idle_lock: u64,
    /// How long before a due date a secret counts as "due soon".
    pub lead_time: Interval,
    /// Previous values kept per secret.
    pub history_limit: usize,
    /// Key bindings: action name (see docs/KEYBINDINGS.md) → keys.
    pub keys: std::collections::BTreeMap<String, Vec<String>>,
    /// Colour theme: dark, light, mono, high-contrast, or the path of a
    /// theme file (docs/THEMES.md; checked by the TUI). NO_COLOR forces mono.
    pub theme: String,
    /// `[git]`: commits and sync in a git store (docs/TEAMS.md).
    pub git: GitSettings,
    /// `[alerts]`: thresholds of `ward audit alerts` (docs/AUDIT.md).
    pub alerts: AlertRules,
    /// `[agent]`: keeping a passphrase identity unlocked (docs/SECURITY.md).
    pub agent: crate::agent_settings::AgentSettings,
    /// `[trash]`: how long `ward rm` keeps a secret (docs/FORMAT.md, "Trash").
    pub trash: TrashSettings,
    /// The TUI captures the mouse (clicks and the wheel); false leaves it to
    /// the terminal, for selecting text without Shift.
    pub mouse: bool,
    /// `[review]`: what `ward check` fails on besides statuses (docs/SCAN.md).
    pub review: ReviewSettings,
    /// `[scan]`: `ward scan` defaults (docs/SCAN.md).
    pub scan: ScanSettings,
}

/// The `[trash]` table of config.toml.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrashSettings {
    /// Entries older than this are removed at the trash's next write.
    pub keep: Interval,
}

impl Default for TrashSettings {
    fn default() -> Self {
        TrashSettings {
            keep: Interval::days(30),
        }
    }
}

/// The `[review]` table of config.toml.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewSettings {
    /// Value flags (`weak`, `reuse`, `reverted`) that make `ward check`
    /// exit non-zero; none by default (they are shown, not failed).
    pub fail_on: Vec<crate::review::Flag>,
}

/// Values shorter than this are not searched by `ward scan` by default.
pub const DEFAULT_SCAN_MIN_LENGTH: usize = 8;

/// The `[scan]` table of config.toml.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScanSettings {
    /// Values shorter than this many bytes are not searched (listed as
    /// unsearchable); `ward scan --min-length` overrides it.
    pub min_length: usize,
}

impl Default for ScanSettings {
    fn default() -> Self {
        ScanSettings {
            min_length: DEFAULT_SCAN_MIN_LENGTH,
        }
    }
}

/// How `ward sync` brings in the remote's commits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PullMode {
    #[default]
    Merge,
    Rebase,
}

/// The `[git]` table of config.toml.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GitSettings {
    /// Commit every change ward makes in a git store (one commit each).
    pub autocommit: bool,
    /// `merge` (default) or `rebase`; `ward sync --rebase` overrides.
    pub pull: PullMode,
}

impl Default for GitSettings {
    fn default() -> Self {
        GitSettings {
            autocommit: true,
            pull: PullMode::Merge,
        }
    }
}

/// The thresholds of `ward audit alerts` (`[alerts]`; crate::audit::alerts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertRules {
    /// Value reads (reveal, copy, export) by one actor that make a burst…
    pub value_reads: usize,
    /// …within this many minutes.
    pub value_reads_minutes: u32,
    /// Failed unlocks by one actor on one host that make an alert…
    pub unlock_failures: usize,
    /// …within this many minutes.
    pub unlock_failures_minutes: u32,
    /// Folders (or secrets) whose export is always worth an alert; an
    /// export of a folder above one of them counts too.
    pub sensitive: Vec<String>,
}

impl Default for AlertRules {
    fn default() -> Self {
        AlertRules {
            value_reads: 20,
            value_reads_minutes: 10,
            unlock_failures: 3,
            unlock_failures_minutes: 15,
            sensitive: Vec::new(),
        }
    }
}

impl AlertRules {
    /// The first setting out of its range, as a message naming it.
    pub fn check(&self) -> Result<(), String> {
        let positive = [
            ("value_reads", self.value_reads as u64),
            ("value_reads_minutes", self.value_reads_minutes.into()),
            ("unlock_failures", self.unlock_failures as u64),
            (
                "unlock_failures_minutes",
                self.unlock_failures_minutes.into(),
            ),
        ];
        match positive.iter().find(|(_, v)| *v == 0) {
            Some((name, _)) => Err(format!("alerts.{name} must be at least 1")),
            None => Ok(()),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            actor: None,
            clipboard_timeout: 45,
            clipboard_backend: ClipboardBackend::Auto,
            reveal_timeout: 20,
            idle_lock: 300,
            lead_time: DEFAULT_LEAD,
            history_limit: crate::store::document::DEFAULT_HISTORY_LIMIT,
            theme: "dark".into(),
            keys: Default::default(),
            git: GitSettings::default(),
            alerts: Default::default(),
            agent: Default::default(),
            trash: TrashSettings::default(),
            mouse: true,
            review: ReviewSettings::default(),
            scan: ScanSettings::default(),
        }
    }
}

impl Config {
    /// Default location of config.toml.
    pub fn default_path() -> PathBuf {
        config_dir().join("config.toml")
    }

    /// Loads settings; a missing file means defaults.
    pub fn load(path: &Path) -> Result<Config> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(WardError::io(path, e)),
        };
        let config_problem = |message: String| WardError::Config {
            path: path.to_path_buf(),
            line: None,
            message,
        };
        let text = String::from_utf8(bytes)
            .map_err(|_| config_problem("not UTF-8 text; save it as UTF-8".into()))?;
        let config: Config = toml::from_str(&text).map_err(|e| config_error(path, &text, &e))?;
        config.check_limits().map_err(config_problem)?;
        Ok(config)
    }

    /// Refuses values past the documented limits (docs/CLI.md, "Settings"):
    /// a huge timeout would overflow the clock arithmetic, and the actor name
    /// goes into every audit record and file name.
    fn check_limits(&self) -> std::result::Result<(), String> {
        for (key, value, max) in [
            (
                "clipboard_timeout",
                self.clipboard_timeout,
                MAX_CLIPBOARD_TIMEOUT,
            ),
            ("reveal_timeout", self.reveal_timeout, MAX_REVEAL_TIMEOUT),
            ("idle_lock", self.idle_lock, MAX_IDLE_LOCK),
        ] {
            if value > max {
                return Err(format!(
                    "{key}: {value} seconds is more than the most ward allows ({max})"
                ));
            }
        }
        if let Some(actor) = &self.actor {
            if actor.chars().count() > MAX_ACTOR_CHARS {
                return Err(format!("actor: longer than {MAX_ACTOR_CHARS} characters"));
            }
            if actor.chars().any(char::is_control) {
                return Err("actor: contains a control character".into());
            }
        }
        self.alerts.check()
    }

    /// The actor name: configured, else `user@host`.
    pub fn actor(&self) -> String {
        if let Some(a) = self.actor.as_deref().filter(|a| !a.trim().is_empty()) {
            return a.trim().to_string();
        }
        // USER comes from the environment: keep it within the limit too.
        format!("{}@{}", user_name(), host_name())
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_ACTOR_CHARS)
            .collect()
    }
}

/// Every setting config.toml knows, from the struct itself.
pub fn known_settings() -> Vec<String> {
    match serde_json::to_value(Config::default()) {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// A config.toml error a person can act on: the line, the key, what is
/// wrong. Settings are not secret, so quoting them is fine.
fn config_error(path: &Path, text: &str, e: &toml::de::Error) -> WardError {
    let start = e.span().map(|s| s.start.min(text.len()));
    let line = start.map(|at| text[..at].matches('\n').count() + 1);
    let message = e.message().trim();
    let unknown = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(key, _)| key);
    let message = if let Some(key) = unknown {
        let known = known_settings();
        let close = crate::store::closest(key, known.iter().map(|k| (k.as_str(), k)), 1);
        let guess = close
            .first()
            .map(|k| format!("did you mean `{k}`? "))
            .unwrap_or_default();
        format!(
            "unknown setting `{key}` ({guess}known: {})",
            known.join(", ")
        )
    } else {
        // The key on that line, when the line is `key = value`.
        let key = start.and_then(|at| {
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_text = text[line_start..].lines().next().unwrap_or("");
            let (key, _) = line_text.split_once('=')?;
            let key = key.trim().trim_matches('"');
            (!key.is_empty() && !key.starts_with('#') && !key.starts_with('[')).then_some(key)
        });
        match key {
            Some(key) if !message.contains(&format!("`{key}`")) => format!("{key}: {message}"),
            _ => message.to_string(),
        }
    };
    WardError::Config {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// The login name, from the environment or the password database.
pub fn user_name() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(passwd_name)
        .unwrap_or_else(|| "unknown".into())
}

/// The current user's name from the password database (cron jobs and
/// containers often run without $USER).
#[cfg(unix)]
fn passwd_name() -> Option<String> {
    let mut buf = vec![0u8; 4096];
    loop {
        // SAFETY: an all-zero passwd is a valid value (null pointers, zero ids);
        // getpwuid_r only fills it with pointers into `buf`.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call, and `buf.len()` is its size.
        let rc = unsafe {
            libc::getpwuid_r(
                libc::getuid(),
                &mut pwd,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        // SAFETY: on success pw_name points to a NUL-terminated string inside `buf`.
        let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
        let name = name.to_string_lossy().into_owned();
        return (!name.is_empty()).then_some(name);
    }
}

#[cfg(not(unix))]
fn passwd_name() -> Option<String> {
    None
}

/// This machine's host name.
pub fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into our buffer.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc == 0 {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        let name = String::from_utf8_lossy(&buf[..end]).into_owned();
        if !name.is_empty() {
            return name;
        }
    }
    "localhost".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_missing_and_parses_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        assert_eq!(Config::load(&p).unwrap(), Config::default());
        std::fs::write(
            &p,
            "actor = \"ann\"\nclipboard_timeout = 10\nlead_time = \"3w\"\n",
        )
        .unwrap();
        let c = Config::load(&p).unwrap();
        assert_eq!(c.actor(), "ann");
        assert_eq!(c.clipboard_timeout, 10);
        assert_eq!(c.lead_time.to_string(), "3w");
        std::fs::write(&p, "nonsense = 1\n").unwrap();
        assert!(Config::load(&p).is_err());
    }

    #[test]
    fn errors_name_the_line_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        let msg = |text: &str| {
            std::fs::write(&p, text).unwrap();
            let e = Config::load(&p).unwrap_err();
            assert_eq!(e.exit_code(), crate::error::exit::CORRUPT);
            e.to_string()
        };
        let m = msg("actor = \"ann\"\n\nclipboard_timeout = \"ten\"\n");
        assert!(
            m.ends_with(
                "config.toml line 3: clipboard_timeout: invalid type: string \"ten\", expected u64"
            ),
            "{m}"
        );
        let m = msg("actor = \"ann\"\nclipbord_timeout = 10\n");
        assert!(
            m.contains("config.toml line 2: unknown setting `clipbord_timeout`"),
            "{m}"
        );
        assert!(m.contains("did you mean `clipboard_timeout`?"), "{m}");
        // Sorted, every setting and table (more come with new features).
        assert!(m.contains("known: actor, "), "{m}");
        assert!(
            m.contains(", clipboard_backend, clipboard_timeout, "),
            "{m}"
        );
        assert!(!m.contains("corrupt"), "{m}");
        let m = msg("lead_time = \"soon\"\n");
        assert!(m.contains("line 1: lead_time: "), "{m}");
    }

    #[cfg(unix)]
    #[test]
    fn password_database_knows_us() {
        let name = passwd_name().expect("the current uid has a passwd entry");
        assert!(!name.is_empty());
    }
}
