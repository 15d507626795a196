//! One action vocabulary for the TUI: the same table drives key dispatch, the
//! footer hints, dialogs' key names, the `?` help overlay and
//! docs/KEYBINDINGS.md. Keys are ward's own small types; the terminal layer
//! (`tui`) converts crossterm's events to them.

/// A key, without its modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyCode {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
    /// A key ward has no use for (still counts as activity).
    Other,
}

/// Modifier keys held with a key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Mods(u8);

impl Mods {
    pub const NONE: Mods = Mods(0);
    pub const SHIFT: Mods = Mods(1);
    pub const CONTROL: Mods = Mods(2);
    pub const ALT: Mods = Mods(4);
    /// Super, Hyper or Meta: ward binds none, so a key with one is no binding.
    pub const SUPER: Mods = Mods(8);

    pub const fn contains(self, other: Mods) -> bool {
        self.0 & other.0 == other.0
    }

    pub const fn without(self, other: Mods) -> Mods {
        Mods(self.0 & !other.0)
    }
}

impl std::ops::BitOr for Mods {
    type Output = Mods;
    fn bitor(self, other: Mods) -> Mods {
        Mods(self.0 | other.0)
    }
}

/// A key press as the app receives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyPress {
    pub code: KeyCode,
    pub mods: Mods,
}

impl KeyPress {
    pub const fn new(code: KeyCode, mods: Mods) -> KeyPress {
        KeyPress { code, mods }
    }

    /// A key without modifiers.
    pub const fn plain(code: KeyCode) -> KeyPress {
        KeyPress::new(code, Mods::NONE)
    }
}

/// Where the keyboard focus is; each has its own bindings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The tree and detail panes.
    Main,
    /// Typing a filter.
    Filter,
    /// A form (new, edit, rotate, rename, compromise).
    Form,
    /// A yes/no question.
    Confirm,
    /// The review screen.
    Review,
    /// The full-screen audit timeline.
    Audit,
    /// Choosing a field to copy.
    Pick,
    /// The help overlay.
    Help,
    /// The lock screen.
    Lock,
    /// The first run's screen: no store yet.
    FirstRun,
    /// Joining a store, no identity here yet: making one.
    JoinCreate,
    /// Joining a store: my key, for a member to add.
    Join,
    /// Recipient keys waiting for this machine's approval.
    Trust,
    /// The message of a sync that failed.
    SyncFailed,
    /// A secret's previous versions: reveal, copy, restore.
    History,
    /// The message log.
    Messages,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Main => "Tree and detail",
            Scope::Filter => "Filter",
            Scope::Form => "Forms",
            Scope::Confirm => "Confirmations",
            Scope::Review => "Review screen",
            Scope::Audit => "Audit timeline",
            Scope::Pick => "Copy a field",
            Scope::Help => "Help",
            Scope::Lock => "Lock screen",
            Scope::FirstRun => "First run",
            Scope::JoinCreate => "Joining a store: your identity",
            Scope::Join => "Joining a store: your key",
            Scope::Trust => "Keys to approve",
            Scope::SyncFailed => "A failed sync",
            Scope::History => "Previous versions",
            Scope::Messages => "Message log",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Up,
    Down,
    Collapse,
    Expand,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    SwitchPane,
    Filter,
    ClearFilter,
    Reveal,
    Copy,
    CopyField,
    New,
    Edit,
    Rotate,
    Rename,
    Delete,
    Compromise,
    Review,
    Audit,
    Lock,
    Refresh,
    Sync,
    Suspend,
    // Filter
    AcceptFilter,
    // Forms
    NextField,
    PrevField,
    Submit,
    Cancel,
    Generate,
    ToggleMask,
    Newline,
    // Confirm
    Yes,
    No,
    // Review
    SortNext,
    SortReverse,
    StatusFilter,
    ProjectFilter,
    OwnerFilter,
    TimeRange,
    Back,
    PickUrl,
    PickOwner,
    PickTags,
    PickNotes,
    PickKind,
    // Lock
    Unlock,
    // Trust
    Approve,
    // Previous versions
    History,
    Restore,
    /// The message log.
    Messages,
}

/// A key as the user presses it, with the text shown for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: Mods,
    /// "Ctrl-S", "↑", or the text the user wrote in config.toml.
    pub label: String,
}

/// One line of the key map: what the keys do in a scope.
#[derive(Clone, Debug)]
pub struct Binding {
    pub scope: Scope,
    pub action: Action,
    pub keys: Vec<Key>,
    /// Full description for the help overlay and docs.
    pub help: &'static str,
    /// Short label for the footer; None keeps it out of the footer.
    pub hint: Option<&'static str>,
}

use Action as A;
use Scope as S;

/// Every default binding, one a line, in the order the help shows them:
/// scope, action, keys (written as in config.toml, space-separated), help,
/// footer hint. The first key is the one hints and dialogs name.
#[rustfmt::skip]
const DEFAULTS: &[(Scope, Action, &str, &str, Option<&str>)] = &[
    (S::Main, A::Up, "up k", "Move up", None),
    (S::Main, A::Down, "down j", "Move down", None),
    (S::Main, A::Collapse, "left h", "Collapse folder / go to parent", None),
    (S::Main, A::Expand, "right l", "Expand folder", None),
    (S::Main, A::Top, "g home", "First item", None),
    (S::Main, A::Bottom, "G end", "Last item", None),
    (S::Main, A::PageUp, "pgup", "Page up", None),
    (S::Main, A::PageDown, "pgdn", "Page down", None),
    (S::Main, A::Open, "enter", "Open folder / focus the detail pane", None),
    (S::Main, A::SwitchPane, "tab", "Switch between tree and detail", None),
    (S::Main, A::Filter, "/", "Fuzzy filter over paths, tags and owners", Some("filter")),
    (S::Main, A::ClearFilter, "esc", "Clear the filter", None),
    (S::Main, A::Reveal, "r", "Reveal or hide the value (hides itself again)", Some("reveal")),
    (S::Main, A::Copy, "c", "Copy the value to the clipboard (clears itself)", Some("copy")),
    (S::Main, A::New, "n", "New secret", Some("new")),
    (S::Main, A::Edit, "e", "Edit metadata", Some("edit")),
    (S::Main, A::Rotate, "R", "Rotate: set a new value, keep the old one", Some("rotate")),
    (S::Main, A::Review, "v", "Review screen: every secret's status", Some("review")),
    (S::Main, A::Audit, "a", "Audit timeline of the whole store", Some("audit")),
    (S::Main, A::CopyField, "y", "Copy a field (url, owner, …) to the clipboard", Some("field")),
    (S::Main, A::Rename, "m", "Rename or move", Some("move")),
    (S::Main, A::Delete, "d delete", "Delete (asks first)", Some("delete")),
    (S::Main, A::Compromise, "!", "Mark compromised (until rotated)", Some("compromised")),
    (S::Main, A::Sync, "S", "Sync with the git remote: commit, pull, merge, push", Some("sync")),
    (S::Main, A::Lock, "L", "Lock now", Some("lock")),
    (S::Main, A::Refresh, "f5", "Reload the store from disk", None),
    (S::Main, A::Suspend, "ctrl-z", "Suspend to the shell", None),
    (S::Main, A::Help, "?", "Help", Some("help")),
    (S::Main, A::Quit, "q ctrl-c", "Quit", Some("quit")),
    (S::Filter, A::AcceptFilter, "enter", "Keep the filter and go back to the tree", Some("keep")),
    (S::Filter, A::ClearFilter, "esc ctrl-c", "Clear the filter", Some("clear")),
    (S::Filter, A::Up, "up", "Move up", None),
    (S::Filter, A::Down, "down", "Move down", None),
    (S::Form, A::NextField, "tab down", "Next field", Some("next")),
    (S::Form, A::PrevField, "backtab up", "Previous field", None),
    (S::Form, A::Submit, "ctrl-s enter", "Save (Enter on a single-line field)", Some("save")),
    (S::Form, A::Generate, "ctrl-g", "Generate a value", Some("generate")),
    (S::Form, A::ToggleMask, "ctrl-r", "Show or hide the value being typed", Some("show")),
    (S::Form, A::Newline, "ctrl-j", "New line inside a multi-line value", None),
    (S::Form, A::Cancel, "esc ctrl-c", "Cancel", Some("cancel")),
    (S::Confirm, A::Yes, "y", "Yes", Some("yes")),
    (S::Confirm, A::No, "n esc ctrl-c", "No", Some("no")),
    (S::Review, A::Up, "up k", "Move up", None),
    (S::Review, A::Down, "down j", "Move down", None),
    (S::Review, A::Top, "g home", "First row", None),
    (S::Review, A::Bottom, "G end", "Last row", None),
    (S::Review, A::PageUp, "pgup", "Page up", None),
    (S::Review, A::PageDown, "pgdn", "Page down", None),
    (S::Review, A::SortNext, "s", "Sort by the next column", Some("sort")),
    (S::Review, A::SortReverse, "S", "Reverse the sort", None),
    (S::Review, A::StatusFilter, "f", "Cycle the status filter", Some("status")),
    (S::Review, A::ProjectFilter, "p", "Cycle the project filter", Some("project")),
    (S::Review, A::OwnerFilter, "o", "Cycle the owner filter", None),
    (S::Review, A::Filter, "/", "Fuzzy filter", Some("filter")),
    (S::Review, A::Open, "enter", "Jump to the secret", Some("open")),
    (S::Review, A::Rotate, "R", "Rotate the selected secret", Some("rotate")),
    (S::Review, A::Back, "esc v q ctrl-c", "Back", Some("back")),
    (S::Audit, A::Up, "up k", "Move up", None),
    (S::Audit, A::Down, "down j", "Move down", None),
    (S::Audit, A::PageUp, "pgup", "Page up", None),
    (S::Audit, A::PageDown, "pgdn", "Page down", None),
    (S::Audit, A::Filter, "/", "Filter by actor, action or path", Some("filter")),
    (S::Audit, A::StatusFilter, "f", "Cycle the action filter", Some("action")),
    (S::Audit, A::TimeRange, "t", "Cycle the time range", Some("range")),
    (S::Audit, A::Open, "enter", "Jump to the record's secret", Some("open")),
    (S::Audit, A::Review, "v", "Review screen", None),
    (S::Audit, A::Back, "esc a q ctrl-c", "Back", Some("back")),
    (S::Pick, A::PickUrl, "u", "Copy the URL", Some("url")),
    (S::Pick, A::PickOwner, "o", "Copy the owner", Some("owner")),
    (S::Pick, A::PickTags, "t", "Copy the tags", Some("tags")),
    (S::Pick, A::PickNotes, "n", "Copy the notes", Some("notes")),
    (S::Pick, A::PickKind, "k", "Copy the kind", Some("kind")),
    (S::Pick, A::Back, "esc ctrl-c", "Cancel", Some("cancel")),
    (S::Help, A::Back, "esc ? q ctrl-c", "Close help", Some("close")),
    (S::Help, A::Up, "up k", "Scroll up", None),
    (S::Help, A::Down, "down j", "Scroll down", None),
    (S::Help, A::PageUp, "pgup", "Page up", None),
    (S::Help, A::PageDown, "pgdn space", "Page down", None),
    (S::Help, A::Top, "g home", "Top", None),
    (S::Help, A::Bottom, "G end", "Bottom", None),
    (S::Review, A::Help, "?", "Help", Some("help")),
    (S::Audit, A::Help, "?", "Help", Some("help")),
    (S::Form, A::Help, "f1", "Help (the form stays open)", None),
    (S::Main, A::Messages, "M", "Message log: every notice of this session, in full", None),
    (S::Review, A::Messages, "M", "Message log", None),
    (S::Audit, A::Messages, "M", "Message log", None),
    (S::Messages, A::Back, "esc M q ctrl-c", "Close the message log", Some("close")),
    (S::Messages, A::Up, "up k", "Scroll up", None),
    (S::Messages, A::Down, "down j", "Scroll down", None),
    (S::Messages, A::PageUp, "pgup", "Page up", None),
    (S::Messages, A::PageDown, "pgdn space", "Page down", None),
    (S::Messages, A::Top, "g home", "Newest", None),
    (S::Messages, A::Bottom, "G end", "Oldest", None),
    (S::Lock, A::Unlock, "enter", "Unlock", Some("unlock")),
    (S::Lock, A::Quit, "ctrl-c", "Quit", Some("quit")),
    (S::FirstRun, A::Submit, "enter", "Create the store (and the identity)", Some("create")),
    (S::FirstRun, A::NextField, "tab backtab up down", "The other passphrase field", Some("next field")),
    (S::FirstRun, A::Quit, "esc ctrl-c", "Quit without creating anything", Some("quit without creating anything")),
    (S::JoinCreate, A::Submit, "enter", "Create your identity to join the store", Some("create")),
    (S::JoinCreate, A::NextField, "tab backtab up down", "The other passphrase field", Some("next field")),
    (S::JoinCreate, A::Quit, "esc ctrl-c", "Quit without creating anything", Some("quit")),
    (S::Join, A::Copy, "c", "Copy the command a member runs (not a secret)", Some("copy command")),
    (S::Join, A::Refresh, "r f5", "Check again whether you are a member", Some("check again")),
    (S::Join, A::Quit, "q esc ctrl-c", "Quit", Some("quit")),
    (S::Trust, A::Approve, "a", "Approve these keys on this machine (asks first)", Some("approve")),
    (S::Trust, A::Up, "up k", "Scroll up", None),
    (S::Trust, A::Down, "down j", "Scroll down", None),
    (S::Trust, A::Back, "esc q", "Close; writes to these keys stay refused", Some("close")),
    (S::SyncFailed, A::Back, "esc enter q", "Close the message; nothing was lost", Some("close")),
    (S::Main, A::History, "H", "Previous versions: reveal, copy or restore one", None),
    (S::History, A::Up, "up k", "Previous line", None),
    (S::History, A::Down, "down j", "Next line", None),
    (S::History, A::Reveal, "r", "Reveal or hide the selected value", Some("reveal")),
    (S::History, A::Copy, "c", "Copy the selected value (clears itself)", Some("copy")),
    (S::History, A::Restore, "R", "Make the selected value current again (asks first)", Some("restore")),
    (S::History, A::Back, "esc H q ctrl-c", "Close", Some("close")),
];

/// The key bindings in force: the defaults with the user's `[keys]` from
/// config.toml applied. A value the app owns (built by the front end and
/// handed to `App::new`); dispatch, the footer, dialogs' key names, the `?`
/// help and docs/KEYBINDINGS.md all read it.
#[derive(Clone, Debug)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    /// The built-in bindings.
    fn default() -> Keymap {
        let bindings = DEFAULTS
            .iter()
            .map(|&(scope, action, keys, help, hint)| Binding {
                scope,
                action,
                keys: keys
                    .split_whitespace()
                    .map(|spec| {
                        let (code, mods) = parse_key(spec).expect("a valid default key");
                        Key {
                            code,
                            mods,
                            label: label(code, mods),
                        }
                    })
                    .collect(),
                help,
                hint,
            })
            .collect();
        Keymap { bindings }
    }
}

/// The text shown for a key: `Ctrl-S`, `↑`, `PgDn`, `F5`, `G`.
pub fn label(code: KeyCode, mods: Mods) -> String {
    let base = match code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) if mods.contains(Mods::CONTROL) => c.to_ascii_uppercase().to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    if mods.contains(Mods::CONTROL) {
        format!("Ctrl-{base}")
    } else if mods.contains(Mods::ALT) {
        format!("Alt-{base}")
    } else {
        base
    }
}

/// The name of an action in config.toml: `Reveal` → `reveal`, `SortNext` → `sort-next`.
pub fn action_name(action: Action) -> String {
    let mut out = String::new();
    for (i, c) in format!("{action:?}").chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The name of a scope in config.toml.
pub fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::Main => "main",
        Scope::Filter => "filter",
        Scope::Form => "form",
        Scope::Confirm => "confirm",
        Scope::Review => "review",
        Scope::Audit => "audit",
        Scope::Help => "help",
        Scope::Lock => "lock",
        Scope::Pick => "pick",
        Scope::FirstRun => "first-run",
        Scope::JoinCreate => "join-create",
        Scope::Join => "join",
        Scope::Trust => "trust",
        Scope::SyncFailed => "sync-failed",
        Scope::History => "history",
        Scope::Messages => "messages",
    }
}

/// Parses a key as written in config.toml: `r`, `R`, `?`, `ctrl-r`, `f5`,
/// `enter`, `esc`, `tab`, `backtab`, `up`, `down`, `left`, `right`, `home`,
/// `end`, `pgup`, `pgdn`, `delete`, `backspace`, `space`.
pub fn parse_key(text: &str) -> Result<(KeyCode, Mods), String> {
    let t = text.trim();
    let (mods, rest) = match t.strip_prefix("ctrl-").or_else(|| t.strip_prefix("C-")) {
        Some(r) => (Mods::CONTROL, r),
        None => match t.strip_prefix("alt-").or_else(|| t.strip_prefix("M-")) {
            Some(r) => (Mods::ALT, r),
            None => (Mods::NONE, t),
        },
    };
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) => KeyCode::Char(c),
        _ => match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "delete" | "del" => KeyCode::Delete,
            "backspace" => KeyCode::Backspace,
            "space" => KeyCode::Char(' '),
            f if f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().expect("checked"))
            }
            _ => {
                return Err(format!(
                    "unknown key {text:?}: use e.g. r, ctrl-r, f5, enter, esc, pgdn"
                ))
            }
        },
    };
    Ok((code, mods))
}

impl Keymap {
    /// The defaults with `[keys]` from config.toml applied: `reveal =
    /// ["space"]` (main screen) or `"review.sort-next" = ["x"]` replaces the
    /// keys of that action. Refuses unknown actions, unknown keys, and a key
    /// bound twice in one scope.
    pub fn with_overrides(
        keys: &std::collections::BTreeMap<String, Vec<String>>,
    ) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        for (name, specs) in keys {
            let (scope, action) = name.split_once('.').unwrap_or(("main", name));
            let binding = map
                .bindings
                .iter_mut()
                .find(|b| scope_name(b.scope) == scope && action_name(b.action) == action)
                .ok_or_else(|| {
                    format!(
                        "[keys] {name:?}: no such action (see docs/KEYBINDINGS.md for the names)"
                    )
                })?;
            let mut new = Vec::new();
            for spec in specs {
                let (code, mods) = parse_key(spec).map_err(|e| format!("[keys] {name:?}: {e}"))?;
                // Shown as the user wrote it.
                let label = spec.trim().to_string();
                new.push(Key { code, mods, label });
            }
            if new.is_empty() {
                return Err(format!("[keys] {name:?}: give at least one key"));
            }
            binding.keys = new;
        }
        map.check()?;
        Ok(map)
    }

    /// Refuses a key bound twice in one scope.
    fn check(&self) -> Result<(), String> {
        for scope in SCOPES {
            let mut seen: Vec<((KeyCode, Mods), Action)> = Vec::new();
            for b in self.in_scope(scope) {
                for k in &b.keys {
                    if let Some((_, other)) = seen.iter().find(|(id, _)| *id == (k.code, k.mods)) {
                        return Err(format!(
                            "[keys]: {} is bound to both {} and {} in the {} scope",
                            k.label,
                            action_name(*other),
                            action_name(b.action),
                            scope_name(scope)
                        ));
                    }
                    seen.push(((k.code, k.mods), b.action));
                }
            }
        }
        Ok(())
    }

    /// Every binding, in help order.
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The bindings of one scope, in help order.
    pub fn in_scope(&self, scope: Scope) -> impl Iterator<Item = &Binding> + '_ {
        self.bindings.iter().filter(move |b| b.scope == scope)
    }

    fn binding(&self, scope: Scope, action: Action) -> Option<&Binding> {
        self.in_scope(scope).find(|b| b.action == action)
    }

    /// The action bound to `key` in `scope`, if any.
    pub fn lookup(&self, scope: Scope, key: &KeyPress) -> Option<Action> {
        // Shift is implied by the character itself ('G', '!', '?').
        let mods = if matches!(key.code, KeyCode::Char(_) | KeyCode::BackTab) {
            key.mods.without(Mods::SHIFT)
        } else {
            key.mods
        };
        self.in_scope(scope)
            .find(|b| {
                b.keys
                    .iter()
                    .any(|kk| kk.code == key.code && kk.mods == mods)
            })
            .map(|b| b.action)
    }

    /// Footer hints for a scope: (key label, short label).
    pub fn hints(&self, scope: Scope) -> Vec<(&str, &'static str)> {
        self.in_scope(scope)
            .filter_map(|b| b.hint.map(|h| (b.keys[0].label.as_str(), h)))
            .collect()
    }

    /// The label of the first key bound to `action` in `scope`: what a hint
    /// names ("press n to add…"). Empty if the action has no binding there.
    pub fn key(&self, scope: Scope, action: Action) -> &str {
        self.binding(scope, action)
            .and_then(|b| b.keys.first())
            .map(|k| k.label.as_str())
            .unwrap_or("")
    }

    /// The labels of the first `n` keys bound to `action`: "n / Esc".
    pub fn keys(&self, scope: Scope, action: Action, n: usize) -> String {
        self.binding(scope, action)
            .map(|b| {
                b.keys
                    .iter()
                    .take(n)
                    .map(|k| k.label.as_str())
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
            .unwrap_or_default()
    }

    /// The keys bound to `action` in `scope`.
    pub fn keys_of(&self, scope: Scope, action: Action) -> &[Key] {
        self.binding(scope, action)
            .map(|b| b.keys.as_slice())
            .unwrap_or(&[])
    }
}

/// All scopes in help order.
pub const SCOPES: [Scope; 16] = [
    Scope::Main,
    Scope::Filter,
    Scope::Form,
    Scope::Confirm,
    Scope::Pick,
    Scope::Review,
    Scope::Audit,
    Scope::Help,
    Scope::Lock,
    Scope::FirstRun,
    Scope::JoinCreate,
    Scope::Join,
    Scope::Trust,
    Scope::SyncFailed,
    Scope::History,
    Scope::Messages,
];

/// Key labels for a binding: "↑ / k".
pub fn key_labels(binding: &Binding) -> String {
    binding
        .keys
        .iter()
        .map(|k| k.label.as_str())
        .collect::<Vec<_>>()
        .join(" / ")
}

/// docs/KEYBINDINGS.md, generated from the default table.
pub fn markdown() -> String {
    let defaults = Keymap::default();
    let mut out = String::from(
        "# Key bindings\n\nGenerated from `src/keymap.rs` (a test keeps this file in step with it). \
         Press `?` in ward to see them in place.\n\n\
         Change them in config.toml under `[keys]`, by the name in the last column \
         (`scope.name`; the scope may be left out for the main screen). The new keys \
         replace the defaults of that action:\n\n\
         ```toml\n[keys]\nreveal = [\"r\", \"space\"]\n\"review.sort-next\" = [\"x\"]\nquit = [\"ctrl-q\"]\n```\n\n\
         Keys: a character (`r`, `R`, `?`), `ctrl-` or `alt-` and a character, `f1`…`f12`, \
         `enter`, `esc`, `tab`, `backtab`, `up`, `down`, `left`, `right`, `home`, `end`, \
         `pgup`, `pgdn`, `delete`, `backspace`, `space`. A key bound twice in one scope \
         is refused.\n",
    );
    for scope in SCOPES {
        out.push_str(&format!(
            "\n## {}\n\n| Keys | Action | Name in config.toml |\n|---|---|---|\n",
            scope.title()
        ));
        for binding in defaults.in_scope(scope) {
            out.push_str(&format!(
                "| {} | {} | `{}.{}` |\n",
                key_labels(binding).replace('|', "\\|"),
                binding.help,
                scope_name(scope),
                action_name(binding.action)
            ));
        }
    }
    out.push_str(
        "\n## Mouse\n\n\
         The wheel scrolls the tree, the detail, the review and audit tables, the help and \
         the message log; a click selects a row (in the tree, a click on a folder or on the \
         selected row opens or closes it) and focuses its pane.\n\n\
         While ward has the mouse, the terminal selects text with **Shift** held (Shift-drag; \
         Option/Alt-drag in some macOS terminals). To leave the mouse to the terminal \
         altogether, set `mouse = false` in config.toml.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_parse_and_no_key_is_bound_twice_in_one_scope() {
        let defaults = Keymap::default();
        assert!(defaults.check().is_ok(), "{:?}", defaults.check());
        assert!(defaults.bindings().iter().all(|b| !b.keys.is_empty()));
    }

    #[test]
    fn default_labels_are_the_familiar_names() {
        let map = Keymap::default();
        let labels = |scope, action| map.keys(scope, action, 9);
        assert_eq!(labels(Scope::Main, Action::Up), "↑ / k");
        assert_eq!(labels(Scope::Main, Action::Delete), "d / Del");
        assert_eq!(labels(Scope::Main, Action::Suspend), "Ctrl-Z");
        assert_eq!(labels(Scope::Main, Action::Refresh), "F5");
        assert_eq!(labels(Scope::Form, Action::PrevField), "Shift-Tab / ↑");
        assert_eq!(labels(Scope::Review, Action::PageDown), "PgDn");
        assert_eq!(map.key(Scope::Confirm, Action::No), "n");
        assert_eq!(map.keys(Scope::Confirm, Action::No, 2), "n / Esc");
        assert_eq!(map.key(Scope::Main, Action::Unlock), "", "not bound there");
    }

    #[test]
    fn overrides_replace_keys_and_refuse_conflicts() {
        let keys = |pairs: &[(&str, &[&str])]| -> std::collections::BTreeMap<String, Vec<String>> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
                .collect()
        };
        let map = Keymap::with_overrides(&keys(&[
            ("reveal", &["space", "ctrl-v"]),
            ("review.sort-next", &["x"]),
        ]))
        .unwrap();
        let reveal = map.keys_of(Scope::Main, Action::Reveal);
        assert_eq!(map.keys(Scope::Main, Action::Reveal, 9), "space / ctrl-v");
        assert_eq!(map.key(Scope::Main, Action::Reveal), "space");
        assert_eq!(reveal[0].code, KeyCode::Char(' '));
        assert_eq!(reveal[1].mods, Mods::CONTROL);
        let sort = map.keys_of(Scope::Review, Action::SortNext);
        assert_eq!(sort[0].code, KeyCode::Char('x'));
        // The defaults are untouched by another map's overrides.
        assert_eq!(Keymap::default().key(Scope::Main, Action::Reveal), "r");
        // 'v' is the review key on the main screen: binding reveal to it clashes.
        let err = Keymap::with_overrides(&keys(&[("reveal", &["v"])]))
            .err()
            .unwrap();
        assert!(err.contains("bound to both"), "{err}");
        assert!(Keymap::with_overrides(&keys(&[("no-such-action", &["x"])])).is_err());
        assert!(Keymap::with_overrides(&keys(&[("reveal", &["hyper-x"])])).is_err());
        assert!(Keymap::with_overrides(&keys(&[("reveal", &[])])).is_err());
        assert_eq!(action_name(Action::SortNext), "sort-next");
        assert_eq!(parse_key("f5").unwrap().0, KeyCode::F(5));
        assert_eq!(parse_key("pgdn").unwrap().0, KeyCode::PageDown);
    }

    #[test]
    fn shifted_characters_match() {
        let map = Keymap::default();
        let key = KeyPress::new(KeyCode::Char('G'), Mods::SHIFT);
        assert_eq!(map.lookup(Scope::Main, &key), Some(Action::Bottom));
        let key = KeyPress::new(KeyCode::Char('c'), Mods::CONTROL);
        assert_eq!(map.lookup(Scope::Main, &key), Some(Action::Quit));
    }

    #[test]
    fn keybindings_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/KEYBINDINGS.md");
        let want = markdown();
        if std::env::var_os("WARD_UPDATE_DOCS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "docs/KEYBINDINGS.md is out of date: run WARD_UPDATE_DOCS=1 cargo test keybindings_doc"
        );
    }
}
