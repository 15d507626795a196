//! The detail pane's one-time code line: a TOTP code with the seconds it
//! has left (masked until the value is revealed, then live at every tick),
//! a HOTP secret's counter (a code is only given by `ward otp`, which saves
//! the counter), and a warning when the seed sits beside the password it
//! is the second factor of.

use super::theme::Theme;
use crate::app::App;
use crate::otp::Kind;
use crate::sanitize::escape;
use crate::store::SecretDoc;
use ratatui::text::{Line, Span};

/// The lines for `doc`'s `otp` field, none when it has none.
pub fn lines<'a>(doc: &SecretDoc, revealed: bool, app: &App, theme: &Theme) -> Vec<Line<'a>> {
    let Some(parsed) = crate::ops::otp::of(doc) else {
        return Vec::new();
    };
    let label = Span::styled(format!("{:<10}", "One-time"), theme.label());
    let mut lines = Vec::new();
    match parsed {
        Err(why) => lines.push(Line::from(vec![
            label,
            Span::styled(format!("unusable: {}", escape(&why)), theme.error()),
        ])),
        Ok(otp) => match otp.kind {
            Kind::Totp { .. } => {
                let unix = app.clock.utc().timestamp().max(0) as u64;
                let code = otp.code_at(unix);
                let left = code.seconds_left.unwrap_or(0);
                let shown = if revealed {
                    Span::styled(code.code.to_string(), theme.revealed())
                } else {
                    Span::styled("•".repeat(otp.digits as usize), theme.masked())
                };
                lines.push(Line::from(vec![
                    label,
                    shown,
                    Span::styled(format!("  {left} s left · TOTP"), theme.dim()),
                ]));
            }
            Kind::Hotp { counter } => lines.push(Line::from(vec![
                label,
                Span::styled(
                    format!("HOTP, counter {counter}: ward otp gives the next code"),
                    theme.dim(),
                ),
            ])),
        },
    }
    if crate::ops::otp::two_factors_together(doc) {
        lines.push(Line::from(vec![
            Span::raw(format!("{:<10}", "")),
            Span::styled(
                "⚠ the one-time seed is kept with the password it protects: \
                 whoever reads this secret has both factors",
                theme.status(crate::policy::Status::DueSoon),
            ),
        ]));
    }
    lines
}
