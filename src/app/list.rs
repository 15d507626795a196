//! One selection in a list of rows, shared by the tree, the review table and
//! the audit table: the selected row, the first row shown, and how many rows
//! the pane shows (from the viewport's layout, set after every update).

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListState {
    pub selected: usize,
    /// The first row shown.
    pub offset: usize,
    /// How many rows the pane shows.
    height: usize,
}

impl ListState {
    /// Moves the selection by `delta` rows, inside `len` rows.
    /// Moves for a navigation action (up, down, a page, first, last) in a
    /// list of `len` rows; false for any other action.
    pub fn navigate(&mut self, action: crate::keymap::Action, len: usize) -> bool {
        use crate::keymap::Action;
        match action {
            Action::Up => self.move_by(-1, len),
            Action::Down => self.move_by(1, len),
            Action::PageUp => self.page_up(len),
            Action::PageDown => self.page_down(len),
            Action::Top => self.first(),
            Action::Bottom => self.last(len),
            _ => return false,
        }
        true
    }

    pub fn move_by(&mut self, delta: isize, len: usize) {
        if len == 0 {
            return;
        }
        let last = len as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
    }

    /// A page: what the pane shows, less one row kept for context.
    pub fn page(&self) -> isize {
        self.height.max(2) as isize - 1
    }

    pub fn page_up(&mut self, len: usize) {
        self.move_by(-self.page(), len);
    }

    pub fn page_down(&mut self, len: usize) {
        self.move_by(self.page(), len);
    }

    pub fn first(&mut self) {
        self.selected = 0;
    }

    pub fn last(&mut self, len: usize) {
        self.selected = len.saturating_sub(1);
    }

    /// Takes the pane's height and keeps the selection inside `len` rows and
    /// inside the window shown, moving the window as little as possible.
    pub fn fit(&mut self, height: usize, len: usize) {
        self.height = height;
        self.selected = self.selected.min(len.saturating_sub(1));
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        // No empty rows at the bottom while rows above are scrolled off
        // (after a delete, or a filter that narrowed the list).
        self.offset = self.offset.min(len.saturating_sub(height));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_inside_the_rows_and_scrolls_as_little_as_possible() {
        let mut l = ListState::default();
        l.fit(5, 20);
        l.move_by(-1, 20);
        assert_eq!(l.selected, 0);
        l.page_down(20);
        assert_eq!(l.selected, 4, "a page is the height less one");
        l.move_by(3, 20);
        l.fit(5, 20);
        assert_eq!((l.selected, l.offset), (7, 3));
        l.move_by(-1, 20);
        l.fit(5, 20);
        assert_eq!(l.offset, 3, "the window stays while the selection is in it");
        l.last(20);
        l.fit(5, 20);
        assert_eq!((l.selected, l.offset), (19, 15));
        l.fit(5, 4);
        assert_eq!((l.selected, l.offset), (3, 0), "rows went away: all show");
        l.move_by(1, 0);
        assert_eq!(l.selected, 3, "no rows: nothing moves");
        l.fit(5, 17);
        l.last(17);
        l.fit(5, 17);
        l.fit(5, 15);
        assert_eq!(
            (l.selected, l.offset),
            (14, 10),
            "no empty rows at the bottom"
        );
    }
}
