//! The join screen: a store this user cannot read. Without an identity,
//! the step that makes one; then the public key and the one command a
//! member runs, with the keys to copy it and to check again.

use super::lock::masked;
use super::theme::Theme;
use super::widgets::{pane, popup};
use crate::app::{App, JoinScreen};
use crate::keymap::{Keymap, Scope};
use crate::sanitize::escape;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, join: &JoinScreen, theme: &Theme) {
    frame.render_widget(Clear, area);
    let width = area.width.min(112);
    let mut lines = vec![
        Line::styled(escape(&join.store_path), theme.dim()),
        Line::raw(""),
    ];
    let scope = if join.public.is_none() {
        lines.extend(create_lines(join, theme));
        Scope::JoinCreate
    } else {
        lines.extend(key_lines(join, theme));
        Scope::Join
    };
    lines.push(Line::raw(""));
    lines.push(hints(&app.keymap, scope, theme));
    if join.busy {
        let doing = if join.public.is_none() {
            "Creating…"
        } else {
            "Checking…"
        };
        lines.push(Line::styled(doing, theme.dim()));
    } else if let Some(e) = &join.error {
        lines.push(Line::styled(escape(e), theme.error()));
    } else if let Some(s) = join
        .status
        .as_ref()
        .or(app.notice.as_ref().map(|n| &n.text))
    {
        lines.push(Line::styled(escape(s), theme.info()));
    }
    let rect = popup(frame, area, width, fitted_height(&lines, width));
    let block = pane(" Join this store ", theme.border(true), theme);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

/// The rows `lines` take wrapped in a box `width` wide, with its borders.
pub fn fitted_height(lines: &[Line], width: u16) -> u16 {
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    // Word wrapping can take a row more than the characters need.
    (rows + 2 + 1) as u16
}

/// No identity here: what is made, and its passphrase typed twice.
fn create_lines<'a>(join: &JoinScreen, theme: &Theme) -> Vec<Line<'a>> {
    let field = |name: &'static str, n: usize, focus: bool| {
        Line::from(vec![
            Span::styled(name, if focus { theme.key() } else { theme.label() }),
            Span::raw(masked(n, focus)),
        ])
    };
    vec![
        Line::raw(
            "A store exists here, but there is no identity on this machine to read it. \
             To join it, create your own key; a member of the store then adds it.",
        ),
        Line::raw(""),
        Line::raw(format!("  identity  {}", escape(&join.identity_path))),
        Line::styled(
            "            your private age key; back it up, never share it",
            theme.dim(),
        ),
        Line::raw(""),
        Line::raw("Protect it with a passphrase (empty: no passphrase):"),
        field(
            "  Passphrase  ",
            join.passphrase.text().chars().count(),
            join.focus == 0,
        ),
        field(
            "  Again       ",
            join.confirm.text().chars().count(),
            join.focus == 1,
        ),
    ]
}

/// An identity that is not a recipient: the key and the command.
fn key_lines<'a>(join: &JoinScreen, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if join.created {
        let how = if join.protected {
            " (protected by your passphrase)"
        } else {
            ""
        };
        lines.push(Line::raw(format!(
            "Created your identity {}{how}.",
            escape(&join.identity_path)
        )));
        if join.approved > 0 {
            lines.push(Line::styled(
                format!(
                    "This machine now approves the {} the store holds today; check them \
                     with the team (`ward recipients`).",
                    crate::words::plural(join.approved, "recipient key")
                ),
                theme.dim(),
            ));
        }
    } else {
        lines.push(Line::raw(
            "You are not a member of this store yet: none of your keys is a recipient.",
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Your public key:", theme.label()));
    lines.push(Line::raw(format!(
        "  {}",
        escape(join.public.as_deref().unwrap_or_default())
    )));
    lines.push(Line::styled(
        "Ask a member of the store to run:",
        theme.label(),
    ));
    lines.push(Line::styled(
        format!("  {}", escape(&join.command().unwrap_or_default())),
        theme.key(),
    ));
    lines.push(Line::raw(
        "Once they have (and the store here is synced), check again: the tree opens.",
    ));
    lines
}

/// The footer hints of a scope, from the keymap: "c copy command   r …".
pub fn hints<'a>(keymap: &'a Keymap, scope: Scope, theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    for (key, hint) in keymap.hints(scope) {
        if !spans.is_empty() {
            spans.push(Span::raw("   "));
        }
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(format!(" {hint}")));
    }
    Line::from(spans)
}
