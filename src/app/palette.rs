//! Colour themes as data: a theme file (TOML, `[colors]` role = colour)
//! names a colour for each role the renderers draw with. The built-in
//! themes are the files in `assets/themes/`, compiled in; `theme =` in
//! config.toml names one of them or gives the path of a file of one's own
//! (read by the front end, parsed here). docs/THEMES.md describes them.
//!
//! A role with no colour (left out, or `"none"`) draws in the terminal's
//! own colours: the mono theme has none at all. Marks, words, bold and
//! reverse carry every meaning without colour, so a theme only helps.

use ratatui::style::Color;
use std::collections::BTreeMap;
use std::str::FromStr;

/// What a colour is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Compromised,
    Expired,
    Overdue,
    DueSoon,
    Ok,
    NoPolicy,
    Folder,
    Label,
    Masked,
    Revealed,
    Border,
    BorderFocused,
    Key,
    Error,
    Info,
    Dim,
    SelectedFg,
    SelectedBg,
}

impl Role {
    pub const ALL: [Role; 18] = [
        Role::Compromised,
        Role::Expired,
        Role::Overdue,
        Role::DueSoon,
        Role::Ok,
        Role::NoPolicy,
        Role::Folder,
        Role::Label,
        Role::Masked,
        Role::Revealed,
        Role::Border,
        Role::BorderFocused,
        Role::Key,
        Role::Error,
        Role::Info,
        Role::Dim,
        Role::SelectedFg,
        Role::SelectedBg,
    ];

    /// Its name in a theme file.
    pub fn name(self) -> &'static str {
        match self {
            Role::Compromised => "compromised",
            Role::Expired => "expired",
            Role::Overdue => "overdue",
            Role::DueSoon => "due-soon",
            Role::Ok => "ok",
            Role::NoPolicy => "no-policy",
            Role::Folder => "folder",
            Role::Label => "label",
            Role::Masked => "masked",
            Role::Revealed => "revealed",
            Role::Border => "border",
            Role::BorderFocused => "border-focused",
            Role::Key => "key",
            Role::Error => "error",
            Role::Info => "info",
            Role::Dim => "dim",
            Role::SelectedFg => "selected-fg",
            Role::SelectedBg => "selected-bg",
        }
    }

    /// Roles drawn as text on the terminal's background (not the selected
    /// row's own background): these must stay readable, so never colour 8.
    pub fn is_text(self) -> bool {
        !matches!(self, Role::SelectedBg | Role::SelectedFg)
    }
}

/// The built-in themes: name and file, in the order the docs list them.
pub const BUILTIN: [(&str, &str); 4] = [
    ("dark", include_str!("../../assets/themes/dark.toml")),
    ("light", include_str!("../../assets/themes/light.toml")),
    ("mono", include_str!("../../assets/themes/mono.toml")),
    (
        "high-contrast",
        include_str!("../../assets/themes/high-contrast.toml"),
    ),
];

/// A theme: a colour for some roles.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Palette {
    pub name: String,
    colors: BTreeMap<Role, Color>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    colors: BTreeMap<String, String>,
}

impl Palette {
    /// The built-in theme called `name`.
    pub fn builtin(name: &str) -> Option<Palette> {
        BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, text)| Palette::parse(n, text).expect("a built-in theme parses"))
    }

    /// The default theme (dark).
    pub fn dark() -> Palette {
        Palette::builtin("dark").expect("the dark theme is built in")
    }

    /// No colour at all (NO_COLOR).
    pub fn mono() -> Palette {
        Palette::builtin("mono").expect("the mono theme is built in")
    }

    /// "dark, light, mono or high-contrast": for messages.
    pub fn choices() -> String {
        let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        let (last, rest) = names.split_last().expect("themes are built in");
        format!("{} or {last}", rest.join(", "))
    }

    /// Parses a theme file's text; the error names the role or colour at fault.
    pub fn parse(name: &str, text: &str) -> Result<Palette, String> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| {
            // toml's message quotes the file, which is no secret.
            format!("not a theme file: {}", e.message())
        })?;
        let mut colors = BTreeMap::new();
        for (role_name, value) in &file.colors {
            let role = Role::ALL
                .into_iter()
                .find(|r| r.name() == role_name)
                .ok_or_else(|| {
                    let known: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
                    format!(
                        "[colors] {role_name:?}: no such role (the roles: {})",
                        known.join(", ")
                    )
                })?;
            if value == "none" {
                continue;
            }
            let color = Color::from_str(value).map_err(|_| {
                format!(
                    "[colors] {role_name} = {value:?}: not a colour (a name like \"red\", \
                     a 256-colour number like \"245\", \"#rrggbb\", or \"none\")"
                )
            })?;
            colors.insert(role, color);
        }
        Ok(Palette {
            name: name.to_string(),
            colors,
        })
    }

    /// The colour of a role, if the theme gives one.
    pub fn get(&self, role: Role) -> Option<Color> {
        self.colors.get(&role).copied()
    }

    /// No colour at all: the renderer marks with bold, reverse and
    /// underline alone.
    pub fn is_mono(&self) -> bool {
        self.colors.is_empty()
    }
}

/// What `theme =` names: a built-in theme, or a theme file's path (a value
/// with a `/` or ending in `.toml`). None: neither.
pub enum ThemeChoice {
    Builtin(Palette),
    File(std::path::PathBuf),
}

impl ThemeChoice {
    pub fn of(value: &str) -> Option<ThemeChoice> {
        if let Some(p) = Palette::builtin(value) {
            return Some(ThemeChoice::Builtin(p));
        }
        (value.contains('/') || value.ends_with(".toml")).then(|| ThemeChoice::File(value.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_parses_and_keeps_text_off_colour_8() {
        for (name, _) in BUILTIN {
            let p = Palette::builtin(name).unwrap();
            for role in Role::ALL.into_iter().filter(|r| r.is_text()) {
                assert!(
                    !matches!(
                        p.get(role),
                        Some(Color::DarkGray | Color::Indexed(8) | Color::Black)
                    ),
                    "{name}: {} is drawn in colour 8 or black",
                    role.name()
                );
            }
        }
        assert!(Palette::mono().is_mono());
        assert!(!Palette::dark().is_mono());
        assert_eq!(Palette::choices(), "dark, light, mono or high-contrast");
    }

    #[test]
    fn a_bad_theme_file_says_what_is_wrong() {
        let e = Palette::parse("x", "[colors]\nfolder = \"blurple\"\n").unwrap_err();
        assert!(e.contains("folder") && e.contains("not a colour"), "{e}");
        let e = Palette::parse("x", "[colors]\nfoldr = \"red\"\n").unwrap_err();
        assert!(e.contains("no such role"), "{e}");
        let e = Palette::parse("x", "colours = 1\n").unwrap_err();
        assert!(e.contains("not a theme file"), "{e}");
        let p = Palette::parse("x", "[colors]\nfolder = \"#102030\"\nkey = \"none\"\n").unwrap();
        assert_eq!(p.get(Role::Folder), Some(Color::Rgb(16, 32, 48)));
        assert_eq!(p.get(Role::Key), None);
        assert!(ThemeChoice::of("light").is_some());
        assert!(matches!(
            ThemeChoice::of("~/my.toml"),
            Some(ThemeChoice::File(_))
        ));
        assert!(ThemeChoice::of("solarized").is_none());
    }
}
