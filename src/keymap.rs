//! One action vocabulary for the TUI: the same table drives key dispatch, the
//! footer hints, the `?` help overlay and docs/KEYBINDINGS.md.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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
}

/// A key as the user presses it, with the text shown for it.
#[derive(Clone, Copy, Debug)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
    pub label: &'static str,
}

const fn k(code: KeyCode, label: &'static str) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
        label,
    }
}
const fn c(ch: char, label: &'static str) -> Key {
    Key {
        code: KeyCode::Char(ch),
        mods: KeyModifiers::NONE,
        label,
    }
}
const fn ctrl(ch: char, label: &'static str) -> Key {
    Key {
        code: KeyCode::Char(ch),
        mods: KeyModifiers::CONTROL,
        label,
    }
}

pub struct Binding {
    pub scope: Scope,
    pub action: Action,
    pub keys: &'static [Key],
    /// Full description for the help overlay and docs.
    pub help: &'static str,
    /// Short label for the footer; None keeps it out of the footer.
    pub hint: Option<&'static str>,
}

const fn b(
    scope: Scope,
    action: Action,
    keys: &'static [Key],
    help: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        scope,
        action,
        keys,
        help,
        hint,
    }
}

use Action as A;
use KeyCode as K;
use Scope as S;

/// Every binding, in the order the help shows them.
pub static BINDINGS: &[Binding] = &[
    b(
        S::Main,
        A::Up,
        &[k(K::Up, "↑"), c('k', "k")],
        "Move up",
        None,
    ),
    b(
        S::Main,
        A::Down,
        &[k(K::Down, "↓"), c('j', "j")],
        "Move down",
        None,
    ),
    b(
        S::Main,
        A::Collapse,
        &[k(K::Left, "←"), c('h', "h")],
        "Collapse folder / go to parent",
        None,
    ),
    b(
        S::Main,
        A::Expand,
        &[k(K::Right, "→"), c('l', "l")],
        "Expand folder",
        None,
    ),
    b(
        S::Main,
        A::Top,
        &[c('g', "g"), k(K::Home, "Home")],
        "First item",
        None,
    ),
    b(
        S::Main,
        A::Bottom,
        &[c('G', "G"), k(K::End, "End")],
        "Last item",
        None,
    ),
    b(S::Main, A::PageUp, &[k(K::PageUp, "PgUp")], "Page up", None),
    b(
        S::Main,
        A::PageDown,
        &[k(K::PageDown, "PgDn")],
        "Page down",
        None,
    ),
    b(
        S::Main,
        A::Open,
        &[k(K::Enter, "Enter")],
        "Open folder / focus the detail pane",
        None,
    ),
    b(
        S::Main,
        A::SwitchPane,
        &[k(K::Tab, "Tab")],
        "Switch between tree and detail",
        None,
    ),
    b(
        S::Main,
        A::Filter,
        &[c('/', "/")],
        "Fuzzy filter over paths, tags and owners",
        Some("filter"),
    ),
    b(
        S::Main,
        A::ClearFilter,
        &[k(K::Esc, "Esc")],
        "Clear the filter",
        None,
    ),
    b(
        S::Main,
        A::Reveal,
        &[c('r', "r")],
        "Reveal or hide the value (hides itself again)",
        Some("reveal"),
    ),
    b(
        S::Main,
        A::Copy,
        &[c('c', "c")],
        "Copy the value to the clipboard (clears itself)",
        Some("copy"),
    ),
    b(S::Main, A::New, &[c('n', "n")], "New secret", Some("new")),
    b(
        S::Main,
        A::Edit,
        &[c('e', "e")],
        "Edit metadata",
        Some("edit"),
    ),
    b(
        S::Main,
        A::Rotate,
        &[c('R', "R")],
        "Rotate: set a new value, keep the old one",
        Some("rotate"),
    ),
    b(
        S::Main,
        A::Review,
        &[c('v', "v")],
        "Review screen: every secret's status",
        Some("review"),
    ),
    b(
        S::Main,
        A::Audit,
        &[c('a', "a")],
        "Audit timeline of the whole store",
        Some("audit"),
    ),
    b(
        S::Main,
        A::CopyField,
        &[c('y', "y")],
        "Copy a field (url, owner, …) to the clipboard",
        Some("field"),
    ),
    b(
        S::Main,
        A::Rename,
        &[c('m', "m")],
        "Rename or move",
        Some("move"),
    ),
    b(
        S::Main,
        A::Delete,
        &[c('d', "d"), k(K::Delete, "Del")],
        "Delete (asks first)",
        Some("delete"),
    ),
    b(
        S::Main,
        A::Compromise,
        &[c('!', "!")],
        "Mark compromised (until rotated)",
        Some("compromised"),
    ),
    b(S::Main, A::Lock, &[c('L', "L")], "Lock now", Some("lock")),
    b(
        S::Main,
        A::Refresh,
        &[k(K::F(5), "F5")],
        "Reload the store from disk",
        None,
    ),
    b(
        S::Main,
        A::Suspend,
        &[ctrl('z', "Ctrl-Z")],
        "Suspend to the shell",
        None,
    ),
    b(S::Main, A::Help, &[c('?', "?")], "Help", Some("help")),
    b(
        S::Main,
        A::Quit,
        &[c('q', "q"), ctrl('c', "Ctrl-C")],
        "Quit",
        Some("quit"),
    ),
    b(
        S::Filter,
        A::AcceptFilter,
        &[k(K::Enter, "Enter")],
        "Keep the filter and go back to the tree",
        Some("keep"),
    ),
    b(
        S::Filter,
        A::ClearFilter,
        &[k(K::Esc, "Esc"), ctrl('c', "Ctrl-C")],
        "Clear the filter",
        Some("clear"),
    ),
    b(S::Filter, A::Up, &[k(K::Up, "↑")], "Move up", None),
    b(S::Filter, A::Down, &[k(K::Down, "↓")], "Move down", None),
    b(
        S::Form,
        A::NextField,
        &[k(K::Tab, "Tab"), k(K::Down, "↓")],
        "Next field",
        Some("next"),
    ),
    b(
        S::Form,
        A::PrevField,
        &[k(K::BackTab, "Shift-Tab"), k(K::Up, "↑")],
        "Previous field",
        None,
    ),
    b(
        S::Form,
        A::Submit,
        &[ctrl('s', "Ctrl-S"), k(K::Enter, "Enter")],
        "Save (Enter on a single-line field)",
        Some("save"),
    ),
    b(
        S::Form,
        A::Generate,
        &[ctrl('g', "Ctrl-G")],
        "Generate a value",
        Some("generate"),
    ),
    b(
        S::Form,
        A::ToggleMask,
        &[ctrl('r', "Ctrl-R")],
        "Show or hide the value being typed",
        Some("show"),
    ),
    b(
        S::Form,
        A::Newline,
        &[ctrl('j', "Ctrl-J")],
        "New line inside a multi-line value",
        None,
    ),
    b(
        S::Form,
        A::Cancel,
        &[k(K::Esc, "Esc"), ctrl('c', "Ctrl-C")],
        "Cancel",
        Some("cancel"),
    ),
    b(S::Confirm, A::Yes, &[c('y', "y")], "Yes", Some("yes")),
    b(
        S::Confirm,
        A::No,
        &[c('n', "n"), k(K::Esc, "Esc"), ctrl('c', "Ctrl-C")],
        "No",
        Some("no"),
    ),
    b(
        S::Review,
        A::Up,
        &[k(K::Up, "↑"), c('k', "k")],
        "Move up",
        None,
    ),
    b(
        S::Review,
        A::Down,
        &[k(K::Down, "↓"), c('j', "j")],
        "Move down",
        None,
    ),
    b(
        S::Review,
        A::Top,
        &[c('g', "g"), k(K::Home, "Home")],
        "First row",
        None,
    ),
    b(
        S::Review,
        A::Bottom,
        &[c('G', "G"), k(K::End, "End")],
        "Last row",
        None,
    ),
    b(
        S::Review,
        A::PageUp,
        &[k(K::PageUp, "PgUp")],
        "Page up",
        None,
    ),
    b(
        S::Review,
        A::PageDown,
        &[k(K::PageDown, "PgDn")],
        "Page down",
        None,
    ),
    b(
        S::Review,
        A::SortNext,
        &[c('s', "s")],
        "Sort by the next column",
        Some("sort"),
    ),
    b(
        S::Review,
        A::SortReverse,
        &[c('S', "S")],
        "Reverse the sort",
        None,
    ),
    b(
        S::Review,
        A::StatusFilter,
        &[c('f', "f")],
        "Cycle the status filter",
        Some("status"),
    ),
    b(
        S::Review,
        A::ProjectFilter,
        &[c('p', "p")],
        "Cycle the project filter",
        Some("project"),
    ),
    b(
        S::Review,
        A::OwnerFilter,
        &[c('o', "o")],
        "Cycle the owner filter",
        None,
    ),
    b(
        S::Review,
        A::Filter,
        &[c('/', "/")],
        "Fuzzy filter",
        Some("filter"),
    ),
    b(
        S::Review,
        A::Open,
        &[k(K::Enter, "Enter")],
        "Jump to the secret",
        Some("open"),
    ),
    b(
        S::Review,
        A::Rotate,
        &[c('R', "R")],
        "Rotate the selected secret",
        Some("rotate"),
    ),
    b(
        S::Review,
        A::Back,
        &[
            k(K::Esc, "Esc"),
            c('v', "v"),
            c('q', "q"),
            ctrl('c', "Ctrl-C"),
        ],
        "Back",
        Some("back"),
    ),
    b(
        S::Audit,
        A::Up,
        &[k(K::Up, "↑"), c('k', "k")],
        "Move up",
        None,
    ),
    b(
        S::Audit,
        A::Down,
        &[k(K::Down, "↓"), c('j', "j")],
        "Move down",
        None,
    ),
    b(
        S::Audit,
        A::PageUp,
        &[k(K::PageUp, "PgUp")],
        "Page up",
        None,
    ),
    b(
        S::Audit,
        A::PageDown,
        &[k(K::PageDown, "PgDn")],
        "Page down",
        None,
    ),
    b(
        S::Audit,
        A::Filter,
        &[c('/', "/")],
        "Filter by actor, action or path",
        Some("filter"),
    ),
    b(
        S::Audit,
        A::StatusFilter,
        &[c('f', "f")],
        "Cycle the action filter",
        Some("action"),
    ),
    b(
        S::Audit,
        A::TimeRange,
        &[c('t', "t")],
        "Cycle the time range",
        Some("range"),
    ),
    b(
        S::Audit,
        A::Open,
        &[k(K::Enter, "Enter")],
        "Jump to the record's secret",
        Some("open"),
    ),
    b(S::Audit, A::Review, &[c('v', "v")], "Review screen", None),
    b(
        S::Audit,
        A::Back,
        &[
            k(K::Esc, "Esc"),
            c('a', "a"),
            c('q', "q"),
            ctrl('c', "Ctrl-C"),
        ],
        "Back",
        Some("back"),
    ),
    b(
        S::Pick,
        A::PickUrl,
        &[c('u', "u")],
        "Copy the URL",
        Some("url"),
    ),
    b(
        S::Pick,
        A::PickOwner,
        &[c('o', "o")],
        "Copy the owner",
        Some("owner"),
    ),
    b(
        S::Pick,
        A::PickTags,
        &[c('t', "t")],
        "Copy the tags",
        Some("tags"),
    ),
    b(
        S::Pick,
        A::PickNotes,
        &[c('n', "n")],
        "Copy the notes",
        Some("notes"),
    ),
    b(
        S::Pick,
        A::PickKind,
        &[c('k', "k")],
        "Copy the kind",
        Some("kind"),
    ),
    b(
        S::Pick,
        A::Back,
        &[k(K::Esc, "Esc"), ctrl('c', "Ctrl-C")],
        "Cancel",
        Some("cancel"),
    ),
    b(
        S::Help,
        A::Back,
        &[
            k(K::Esc, "Esc"),
            c('?', "?"),
            c('q', "q"),
            ctrl('c', "Ctrl-C"),
        ],
        "Close help",
        Some("close"),
    ),
    b(
        S::Help,
        A::Up,
        &[k(K::Up, "↑"), c('k', "k")],
        "Scroll up",
        None,
    ),
    b(
        S::Help,
        A::Down,
        &[k(K::Down, "↓"), c('j', "j")],
        "Scroll down",
        None,
    ),
    b(
        S::Lock,
        A::Unlock,
        &[k(K::Enter, "Enter")],
        "Unlock",
        Some("unlock"),
    ),
    b(
        S::Lock,
        A::Quit,
        &[ctrl('c', "Ctrl-C")],
        "Quit",
        Some("quit"),
    ),
];

/// The bindings in force: the table above with the user's `[keys]` from
/// config.toml applied (see [`apply_overrides`]).
static ACTIVE: std::sync::OnceLock<Vec<Binding>> = std::sync::OnceLock::new();

/// Every binding in force, in help order.
pub fn bindings() -> &'static [Binding] {
    ACTIVE.get().map(Vec::as_slice).unwrap_or(BINDINGS)
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
    }
}

/// Parses a key as written in config.toml: `r`, `R`, `?`, `ctrl-r`, `f5`,
/// `enter`, `esc`, `tab`, `backtab`, `up`, `down`, `left`, `right`, `home`,
/// `end`, `pgup`, `pgdn`, `delete`, `backspace`, `space`.
pub fn parse_key(text: &str) -> Result<(KeyCode, KeyModifiers), String> {
    let t = text.trim();
    let (mods, rest) = match t.strip_prefix("ctrl-").or_else(|| t.strip_prefix("C-")) {
        Some(r) => (KeyModifiers::CONTROL, r),
        None => match t.strip_prefix("alt-").or_else(|| t.strip_prefix("M-")) {
            Some(r) => (KeyModifiers::ALT, r),
            None => (KeyModifiers::NONE, t),
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

/// Applies `[keys]` from config.toml: `reveal = ["space"]` (main screen) or
/// `"review.sort-next" = ["x"]` replaces the keys of that action. Refuses
/// unknown actions, unknown keys, and a key bound twice in one scope. Call
/// once, before the TUI starts; later calls are ignored.
pub fn apply_overrides(
    keys: &std::collections::BTreeMap<String, Vec<String>>,
) -> Result<(), String> {
    if keys.is_empty() || ACTIVE.get().is_some() {
        return Ok(());
    }
    let table = with_overrides(keys)?;
    let _ = ACTIVE.set(table);
    Ok(())
}

/// The default table with `keys` applied, checked (pure: used by
/// [`apply_overrides`] and the tests).
pub fn with_overrides(
    keys: &std::collections::BTreeMap<String, Vec<String>>,
) -> Result<Vec<Binding>, String> {
    let mut table: Vec<Binding> = BINDINGS
        .iter()
        .map(|b| Binding {
            scope: b.scope,
            action: b.action,
            keys: b.keys,
            help: b.help,
            hint: b.hint,
        })
        .collect();
    for (name, specs) in keys {
        let (scope, action) = name.split_once('.').unwrap_or(("main", name));
        let binding = table
            .iter_mut()
            .find(|b| scope_name(b.scope) == scope && action_name(b.action) == action)
            .ok_or_else(|| {
                format!("[keys] {name:?}: no such action (see docs/KEYBINDINGS.md for the names)")
            })?;
        let mut new = Vec::new();
        for spec in specs {
            let (code, mods) = parse_key(spec).map_err(|e| format!("[keys] {name:?}: {e}"))?;
            // Labels live as long as the program: the table is built once.
            let label: &'static str = Box::leak(spec.trim().to_string().into_boxed_str());
            new.push(Key { code, mods, label });
        }
        if new.is_empty() {
            return Err(format!("[keys] {name:?}: give at least one key"));
        }
        binding.keys = Box::leak(new.into_boxed_slice());
    }
    for scope in SCOPES {
        let mut seen: Vec<((KeyCode, KeyModifiers), Action)> = Vec::new();
        for b in table.iter().filter(|b| b.scope == scope) {
            for k in b.keys {
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
    Ok(table)
}

/// The action bound to `key` in `scope`, if any.
pub fn lookup(scope: Scope, key: &KeyEvent) -> Option<Action> {
    // Shift is implied by the character itself ('G', '!', '?').
    let mods = if matches!(key.code, KeyCode::Char(_) | KeyCode::BackTab) {
        key.modifiers - KeyModifiers::SHIFT
    } else {
        key.modifiers
    };
    bindings()
        .iter()
        .filter(|b| b.scope == scope)
        .find(|b| {
            b.keys
                .iter()
                .any(|kk| kk.code == key.code && kk.mods == mods)
        })
        .map(|b| b.action)
}

/// Footer hints for a scope: (key label, short label).
pub fn hints(scope: Scope) -> Vec<(&'static str, &'static str)> {
    bindings()
        .iter()
        .filter(|b| b.scope == scope)
        .filter_map(|b| b.hint.map(|h| (b.keys[0].label, h)))
        .collect()
}

/// All scopes in help order.
pub const SCOPES: [Scope; 9] = [
    Scope::Main,
    Scope::Filter,
    Scope::Form,
    Scope::Confirm,
    Scope::Pick,
    Scope::Review,
    Scope::Audit,
    Scope::Help,
    Scope::Lock,
];

/// Key labels for a binding: "↑ / k".
pub fn key_labels(binding: &Binding) -> String {
    binding
        .keys
        .iter()
        .map(|k| k.label)
        .collect::<Vec<_>>()
        .join(" / ")
}

/// docs/KEYBINDINGS.md, generated from the table above.
pub fn markdown() -> String {
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
        for binding in BINDINGS.iter().filter(|b| b.scope == scope) {
            out.push_str(&format!(
                "| {} | {} | `{}.{}` |\n",
                key_labels(binding).replace('|', "\\|"),
                binding.help,
                scope_name(scope),
                action_name(binding.action)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice_in_one_scope() {
        for scope in SCOPES {
            let mut seen = Vec::new();
            for binding in BINDINGS.iter().filter(|b| b.scope == scope) {
                for key in binding.keys {
                    let id = (key.code, key.mods);
                    assert!(!seen.contains(&id), "{scope:?}: {} bound twice", key.label);
                    seen.push(id);
                }
            }
        }
    }

    #[test]
    fn overrides_replace_keys_and_refuse_conflicts() {
        let keys = |pairs: &[(&str, &[&str])]| -> std::collections::BTreeMap<String, Vec<String>> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
                .collect()
        };
        let table = with_overrides(&keys(&[
            ("reveal", &["space", "ctrl-v"]),
            ("review.sort-next", &["x"]),
        ]))
        .unwrap();
        let reveal = table
            .iter()
            .find(|b| b.scope == Scope::Main && b.action == Action::Reveal)
            .unwrap();
        assert_eq!(key_labels(reveal), "space / ctrl-v");
        assert_eq!(reveal.keys[0].code, KeyCode::Char(' '));
        assert_eq!(reveal.keys[1].mods, KeyModifiers::CONTROL);
        let sort = table
            .iter()
            .find(|b| b.scope == Scope::Review && b.action == Action::SortNext)
            .unwrap();
        assert_eq!(sort.keys[0].code, KeyCode::Char('x'));
        // 'v' is the review key on the main screen: binding reveal to it clashes.
        let err = with_overrides(&keys(&[("reveal", &["v"])])).err().unwrap();
        assert!(err.contains("bound to both"), "{err}");
        assert!(with_overrides(&keys(&[("no-such-action", &["x"])])).is_err());
        assert!(with_overrides(&keys(&[("reveal", &["hyper-x"])])).is_err());
        assert!(with_overrides(&keys(&[("reveal", &[])])).is_err());
        assert_eq!(action_name(Action::SortNext), "sort-next");
        assert_eq!(parse_key("f5").unwrap().0, KeyCode::F(5));
        assert_eq!(parse_key("pgdn").unwrap().0, KeyCode::PageDown);
    }

    #[test]
    fn shifted_characters_match() {
        let key = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(lookup(Scope::Main, &key), Some(Action::Bottom));
        let key = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(Scope::Main, &key), Some(Action::Quit));
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
