//! Geometry of what the renderers draw over the panes (dialogs, help, the
//! lock screen). Where the panes go is [`crate::app::layout`]: the app's mouse
//! handler needs it too.

use ratatui::layout::Rect;

/// A centred box of at most `w`×`h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
