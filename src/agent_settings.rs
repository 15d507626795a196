//! The `[agent]` table of config.toml and the spans of time it takes
//! (`idle = "15m"`, `ward unlock --for 8h`). Apart from `agent`, so that
//! config.toml's reader needs nothing of the agent itself.

use serde::{Deserialize, Serialize};

/// Default idle time before the agent locks: 15 minutes.
pub const DEFAULT_IDLE: Span = Span(15 * 60);
/// Longest idle time: a day.
pub const MAX_IDLE: u64 = 24 * 60 * 60;
/// Longest `ward unlock --for`: a week.
pub const MAX_FOR: u64 = 7 * 24 * 60 * 60;

/// `[agent]` in config.toml (docs/SECURITY.md, "The agent").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentSettings {
    /// Whether a passphrase identity is kept unlocked by the agent.
    pub enabled: bool,
    /// How long the agent stays unlocked with nobody using it.
    pub idle: Span,
}

impl Default for AgentSettings {
    fn default() -> Self {
        AgentSettings {
            enabled: true,
            idle: DEFAULT_IDLE,
        }
    }
}

/// A span of whole seconds, written `90s`, `15m`, `8h`, `1d`, `1h30m` or a
/// bare number of seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Span(pub u64);

impl Span {
    pub fn secs(self) -> u64 {
        self.0
    }

    /// Parses `text`; the error says what is expected.
    pub fn parse(text: &str) -> Result<Span, String> {
        let bad = || {
            format!(
                "`{}` is not a time span: write 30s, 15m, 8h or 1d",
                text.trim()
            )
        };
        let text = text.trim();
        if text.is_empty() {
            return Err(bad());
        }
        if let Ok(n) = text.parse::<u64>() {
            return Ok(Span(n));
        }
        let mut total: u64 = 0;
        let mut number = String::new();
        for c in text.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let unit = match c {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86400,
                _ => return Err(bad()),
            };
            let n: u64 = number.parse().map_err(|_| bad())?;
            number.clear();
            total = n
                .checked_mul(unit)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(bad)?;
        }
        if !number.is_empty() {
            return Err(bad());
        }
        Ok(Span(total))
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0;
        if s == 0 {
            return write!(f, "0s");
        }
        let (d, h, m, sec) = (s / 86400, s % 86400 / 3600, s % 3600 / 60, s % 60);
        for (n, unit) in [(d, "d"), (h, "h"), (m, "m"), (sec, "s")] {
            if n > 0 {
                write!(f, "{n}{unit}")?;
            }
        }
        Ok(())
    }
}

impl TryFrom<String> for Span {
    type Error = String;
    fn try_from(s: String) -> Result<Span, String> {
        let span = Span::parse(&s)?;
        if span.0 == 0 || span.0 > MAX_IDLE {
            return Err(format!(
                "`{s}`: the agent's idle time is between 1s and {}",
                Span(MAX_IDLE)
            ));
        }
        Ok(span)
    }
}

impl From<Span> for String {
    fn from(s: Span) -> String {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_parse_and_print_back() {
        for (text, secs, shown) in [
            ("15m", 900, "15m"),
            ("90", 90, "1m30s"),
            ("1h30m", 5400, "1h30m"),
            ("8h", 28800, "8h"),
            ("2d", 172800, "2d"),
            (" 3s ", 3, "3s"),
        ] {
            let s = Span::parse(text).unwrap();
            assert_eq!(s.secs(), secs, "{text}");
            assert_eq!(s.to_string(), shown);
        }
        for bad in ["", "m", "15x", "1h30", "-5m", "99999999999999999999d"] {
            assert!(Span::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_config_table_has_defaults_and_limits() {
        let s: AgentSettings = toml::from_str("").unwrap();
        assert_eq!(s, AgentSettings::default());
        let s: AgentSettings = toml::from_str("idle = \"3s\"\nenabled = false\n").unwrap();
        assert_eq!((s.idle.secs(), s.enabled), (3, false));
        assert!(toml::from_str::<AgentSettings>("idle = \"2d\"\n").is_err());
        assert!(toml::from_str::<AgentSettings>("idle = \"0s\"\n").is_err());
        assert!(toml::from_str::<AgentSettings>("idle = \"soon\"\n").is_err());
    }
}
