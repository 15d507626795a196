//! Small wording helpers shared by the CLI and the TUI.

/// "1 secret", "2 secrets", "0 secrets".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
