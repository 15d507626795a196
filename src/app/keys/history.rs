//! Keys of the previous-versions overlay (app/history.rs): move, reveal,
//! copy, restore (asked first), close.

use crate::app::form::SaveOp;
use crate::app::history::HistoryPick;
use crate::app::{App, Confirm, CopyRequest, Effect, Overlay};
use crate::keymap::Action;
use crate::ops::copy::Uncopyable;
use crate::store::document::PreviousValue;

/// `H` on the main screen: opens the overlay on a loaded secret with history.
pub(crate) fn open(app: &mut App) {
    match app.detail.loaded() {
        Some(doc) if !doc.history.is_empty() => {
            app.overlay = Overlay::History(HistoryPick::default())
        }
        Some(_) => app.info("This secret has no previous versions."),
        None => app.info("Select a secret (and wait for it to load) to see its versions."),
    }
}

pub(crate) fn history_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    let Overlay::History(pick) = &mut app.overlay else {
        return Vec::new();
    };
    let (Some(name), Some(doc)) = (app.detail.name.clone(), app.detail.loaded()) else {
        app.overlay = Overlay::None;
        return Vec::new();
    };
    let count = doc.history.len();
    let Some(entry) = doc.history.get(pick.selected.min(count.saturating_sub(1))) else {
        app.overlay = Overlay::None;
        return Vec::new();
    };
    match action {
        Some(Action::Up) => {
            pick.selected = pick.selected.saturating_sub(1);
            pick.revealed_until = None;
        }
        Some(Action::Down) => {
            pick.selected = (pick.selected + 1).min(count - 1);
            pick.revealed_until = None;
        }
        Some(Action::Reveal) if pick.is_revealed(app.clock.now) => pick.revealed_until = None,
        Some(Action::Reveal) => {
            pick.revealed_until = Some(app.clock.now + app.timings.reveal);
            let version = entry.version;
            let record = app
                .event(crate::audit::Action::Reveal)
                .path(name.to_string())
                .version(Some(version))
                .reason(Some("previous value"));
            return vec![Effect::Record(record)];
        }
        Some(Action::Copy) => {
            let version = entry.version;
            return match text_of(entry) {
                Ok(text) => vec![Effect::Copy(CopyRequest {
                    name,
                    version,
                    text,
                    field: Some("previous value"),
                })],
                Err(why) => {
                    app.error(why);
                    Vec::new()
                }
            };
        }
        Some(Action::Restore) => {
            let version = entry.version;
            app.overlay = Overlay::Confirm(Box::new(Confirm {
                question: format!(
                    "Make version {version} of {} current again? The current value is kept \
                     in history.",
                    crate::sanitize::escape(name.as_str())
                ),
                op: SaveOp::Restore { name, version },
            }));
        }
        Some(Action::Back) => app.overlay = Overlay::None,
        _ => {}
    }
    Vec::new()
}

/// A previous value as clipboard text, by the same rule as the value's.
fn text_of(entry: &PreviousValue) -> Result<zeroize::Zeroizing<String>, &'static str> {
    let mut doc = crate::store::SecretDoc::new(entry.value.clone(), entry.encoding, "", entry.set);
    let text = crate::ops::copy::text_of(&doc, None).map_err(|why| match why {
        Uncopyable::Binary => "This value is binary; use `ward history --reveal`.",
        _ => "The stored value does not decode: the file is damaged.",
    });
    doc.value = crate::store::SecretValue::default();
    text
}
