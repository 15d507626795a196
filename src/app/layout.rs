//! Where each pane goes for a terminal size. Pure, and owned by the app:
//! the mouse handler and the renderer (`ui`) both use it, so that clicks land
//! on what was drawn.

use super::Pane;
use ratatui::layout::{Constraint, Rect};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    pub header: Rect,
    pub tree: Rect,
    pub detail: Rect,
    /// The timeline under the detail, when there is room.
    pub timeline: Rect,
    pub footer: Rect,
}

/// Below this width the tree and detail take turns (Tab switches).
pub const STACK_BELOW_WIDTH: u16 = 70;
/// From this width the tree takes a fixed share and the detail the rest.
const TIMELINE_MIN_HEIGHT: u16 = 30;

pub fn compute(area: Rect, focus: Pane) -> Layout {
    let header_h = 1.min(area.height);
    let footer_h = if area.height >= 3 { 1 } else { 0 };
    let body = Rect::new(
        area.x,
        area.y + header_h,
        area.width,
        area.height.saturating_sub(header_h + footer_h),
    );
    let header = Rect::new(area.x, area.y, area.width, header_h);
    let footer = Rect::new(
        area.x,
        area.y + area.height.saturating_sub(footer_h),
        area.width,
        footer_h,
    );
    let empty = Rect::new(body.x, body.y, 0, 0);

    if area.width < STACK_BELOW_WIDTH {
        // One pane at a time.
        let (tree, detail) = match focus {
            Pane::Tree => (body, empty),
            Pane::Detail => (empty, body),
        };
        return Layout {
            header,
            tree,
            detail,
            timeline: empty,
            footer,
        };
    }
    let tree_w = if area.width >= 140 {
        body.width * 35 / 100
    } else {
        body.width * 42 / 100
    };
    let tree = Rect::new(body.x, body.y, tree_w, body.height);
    let right = Rect::new(body.x + tree_w, body.y, body.width - tree_w, body.height);
    let (detail, timeline) = if body.height >= TIMELINE_MIN_HEIGHT {
        let tl_h = body.height * 30 / 100;
        (
            Rect::new(right.x, right.y, right.width, right.height - tl_h),
            Rect::new(right.x, right.y + right.height - tl_h, right.width, tl_h),
        )
    } else {
        (
            right,
            Rect::new(right.x, right.y + right.height, right.width, 0),
        )
    };
    Layout {
        header,
        tree,
        detail,
        timeline,
        footer,
    }
}

/// The screen less a status line at its bottom while a notice shows
/// (`notice`), and that line: notices never cover the footer's key hints.
/// A terminal too small for it shows the notice in the footer instead.
pub fn split_status(area: Rect, notice: bool) -> (Rect, Option<Rect>) {
    if !notice || area.height < 8 {
        return (area, None);
    }
    let main = Rect::new(area.x, area.y, area.width, area.height - 1);
    let line = Rect::new(area.x, area.bottom() - 1, area.width, 1);
    (main, Some(line))
}

/// A full screen's body (the review, the audit timeline): between the
/// header and the footer.
pub fn body(area: Rect) -> Rect {
    let l = compute(area, Pane::Tree);
    Rect::new(
        area.x,
        l.header.bottom(),
        area.width,
        l.footer.y.saturating_sub(l.header.bottom()),
    )
}

/// The review screen's parts, in its body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Review {
    pub charts: Rect,
    pub filters: Rect,
    pub table: Rect,
    /// The selected secret's reason, in full (every problem), at any width.
    pub why: Rect,
}

/// Lines of the reason box (its top border with the name, and the text).
const WHY_HEIGHT: u16 = 4;

pub fn review(body: Rect) -> Review {
    // The table and the reason come first: at 80x24 the charts would leave
    // the table five rows.
    let charts_h = if body.height >= 30 { 9 } else { 0 };
    let why_h = if body.height >= 12 { WHY_HEIGHT } else { 0 };
    let [charts, filters, table, why] = ratatui::layout::Layout::vertical([
        Constraint::Length(charts_h),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(why_h),
    ])
    .areas(body);
    Review {
        charts,
        filters,
        table,
        why,
    }
}

/// The audit screen's parts, in its body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Audit {
    pub filters: Rect,
    pub chart: Rect,
    pub table: Rect,
}

pub fn audit(body: Rect) -> Audit {
    let chart_h = if body.height >= 20 { 9 } else { 0 };
    let [filters, chart, table] = ratatui::layout::Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(chart_h),
        Constraint::Min(3),
    ])
    .areas(body);
    Audit {
        filters,
        chart,
        table,
    }
}

/// The rows a bordered table with a header line shows.
pub fn table_rows(table: Rect) -> usize {
    table.height.saturating_sub(3) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_fit_inside_the_screen_at_every_size() {
        for w in 0..200 {
            for h in 0..60 {
                let area = Rect::new(0, 0, w, h);
                for focus in [Pane::Tree, Pane::Detail] {
                    let l = compute(area, focus);
                    for r in [l.header, l.tree, l.detail, l.timeline, l.footer] {
                        assert!(
                            r.right() <= area.right() && r.bottom() <= area.bottom(),
                            "{w}x{h} {r:?}"
                        );
                    }
                }
            }
        }
    }
}
