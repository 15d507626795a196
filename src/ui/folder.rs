//! The detail pane on a folder: how many secrets it holds, their statuses,
//! the rotation policy in force there and where it comes from, and the
//! secrets that need action, worst first.

use super::theme::Theme;
use crate::app::catalog::MetaState;
use crate::app::App;
use crate::policy::{PolicySource, Status};
use crate::sanitize::escape;
use ratatui::text::{Line, Span};

/// At most this many secrets needing action are named.
const NAMED: usize = 8;

pub fn lines(app: &App, folder: &str, theme: &Theme) -> Vec<Line<'static>> {
    let prefix = format!("{folder}/");
    let inside: Vec<_> = app
        .catalog
        .entries
        .iter()
        .filter(|e| e.name.as_str().starts_with(&prefix))
        .collect();
    let label = |t: &str| Span::styled(format!("{t:<10}"), theme.label());
    let mut out = vec![Line::from(vec![
        label("Folder"),
        Span::raw(format!("{}/  ", escape(folder))),
        Span::styled(
            format!(
                "{} secret{}",
                inside.len(),
                if inside.len() == 1 { "" } else { "s" }
            ),
            theme.title(),
        ),
    ])];
    // Statuses, worst first, as marks and words.
    let mut spans = vec![label("Statuses")];
    let (mut pending, mut failed) = (0, 0);
    for s in Status::ALL {
        let n = inside.iter().filter(|e| e.status() == Some(s)).count();
        if n > 0 {
            spans.push(Span::styled(
                format!("{} {n} {}  ", s.symbol(), s.label()),
                theme.status(s),
            ));
        }
    }
    for e in &inside {
        match e.state {
            MetaState::Pending => pending += 1,
            MetaState::Failed(_) => failed += 1,
            MetaState::Loaded(_) => {}
        }
    }
    if failed > 0 {
        spans.push(Span::styled(
            format!("? {failed} unreadable  "),
            theme.error(),
        ));
    }
    if pending > 0 {
        spans.push(Span::styled(
            format!("· {pending} not decrypted yet"),
            theme.dim(),
        ));
    }
    out.push(Line::from(spans));
    // The policy a new secret here gets: this folder's or the nearest one's.
    let probe = format!("{folder}/_");
    let (every, lead, source) =
        crate::policy::resolve(&app.catalog.folder_policies, &probe, None, app.catalog.lead);
    let policy = match (every, source) {
        (Some(i), PolicySource::Folder(from)) if from == folder => {
            format!("rotate every {i} (this folder's .policy.toml)")
        }
        (Some(i), PolicySource::Folder(from)) => {
            format!("rotate every {i} (from {}/.policy.toml)", escape(&from))
        }
        _ => "no folder policy: each secret's own expiry and rotation apply".into(),
    };
    out.push(Line::from(vec![label("Policy"), Span::raw(policy)]));
    out.push(Line::from(vec![
        label("Lead"),
        Span::raw(format!(
            "{lead}: a secret is due soon this long before its date"
        )),
    ]));
    // The secrets that need action, worst first.
    let mut needing: Vec<_> = inside
        .iter()
        .filter_map(|e| e.status().filter(|s| s.needs_action()).map(|s| (s, e)))
        .collect();
    needing.sort_by_key(|(s, e)| (*s, e.name.as_str().to_string()));
    if !needing.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled("Needs action", theme.title()));
        for (s, e) in needing.iter().take(NAMED) {
            let rest = e.name.as_str().strip_prefix(&prefix).unwrap_or("");
            out.push(Line::from(vec![
                Span::styled(format!("  {} ", s.symbol()), theme.status(*s)),
                Span::raw(escape(rest)),
                Span::styled(format!("  {}", s.label()), theme.status(*s)),
            ]));
        }
        if needing.len() > NAMED {
            out.push(Line::styled(
                format!(
                    "  … and {} more (the review lists them all)",
                    needing.len() - NAMED
                ),
                theme.dim(),
            ));
        }
    }
    out
}
