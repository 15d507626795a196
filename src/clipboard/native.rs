//! The desktop clipboard through arboard (X11, and Wayland with the
//! data-control protocol).
//!
//! On X11 and Wayland the clipboard's content is served by its owner process
//! and dies with it, which is why copies are made from the keeper process (see
//! `keeper.rs`), which lives until the value is cleared.

use super::{BackendUsed, Clipboard, CopyError, CopyErrorKind, ReadBack};
use zeroize::Zeroizing;

pub struct Native {
    board: arboard::Clipboard,
}

impl Native {
    /// Connects to the display's clipboard; fails at once without a display.
    pub fn open() -> Result<Native, CopyError> {
        arboard::Clipboard::new()
            .map(|board| Native { board })
            .map_err(|e| {
                CopyError::new(
                    CopyErrorKind::NativeUnavailable,
                    format!("the native clipboard cannot be opened: {e}"),
                )
            })
    }
}

impl Clipboard for Native {
    fn backend(&self) -> BackendUsed {
        BackendUsed::Native
    }

    fn set_text(&mut self, text: &str) -> Result<(), CopyError> {
        let set = self.board.set();
        #[cfg(all(unix, not(target_os = "macos")))]
        let set = {
            use arboard::SetExtLinux;
            // Clipboard managers that honour the KDE hint leave it out of history.
            set.exclude_from_history()
        };
        set.text(text).map_err(|e| {
            CopyError::new(
                CopyErrorKind::Write,
                format!("the native clipboard refused the value: {e}"),
            )
        })
    }

    fn read_text(&mut self) -> ReadBack {
        match self.board.get_text() {
            Ok(s) => ReadBack::Text(Zeroizing::new(s)),
            Err(_) => ReadBack::NotText,
        }
    }

    fn clear(&mut self) -> Result<(), CopyError> {
        self.board.clear().map_err(|e| {
            CopyError::new(
                CopyErrorKind::Write,
                format!("clearing the native clipboard failed: {e}"),
            )
        })
    }
}
