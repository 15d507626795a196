//! Fuzzy ranking of secrets against typed text, shared by the TUI's filters
//! and `ward find`: one pattern, one score (nucleo, smart case, a literal
//! piece of the name first), so a name found in the tree is found by `ward
//! find` too; `find` also looks at kinds and URLs ([`Reach`]).

use crate::store::{SecretMeta, SecretPath};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// Added to the score of a secret whose name holds the query literally: a
/// substring of the path beats a scattered match anywhere.
const LITERAL_BONUS: u32 = 10_000;

/// How much of a secret a query looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Name, tags and owner: the TUI's filters, which show every match
    /// (unranked in the tree), so long texts would bring in scattered ones.
    Tree,
    /// Also the kind (unless `other`) and the URL: `ward find`, best first.
    Everything,
}

/// The text a query is matched against: the name and, once the metadata is
/// known, what `reach` takes of it.
pub fn haystack(name: &SecretPath, meta: Option<&SecretMeta>, reach: Reach) -> String {
    let mut hay = name.to_string();
    let Some(meta) = meta else {
        return hay;
    };
    let everything = reach == Reach::Everything;
    // `other` is what a secret of no particular kind says: no clue to match.
    let kind =
        (everything && meta.kind != crate::store::Kind::Other).then(|| meta.kind.to_string());
    let words = meta
        .tags
        .iter()
        .map(String::as_str)
        .chain(meta.owner.as_deref())
        .chain(kind.as_deref())
        .chain(meta.url.as_deref().filter(|_| everything));
    for word in words {
        hay.push(' ');
        hay.push_str(word);
    }
    hay
}

/// One query, parsed once and scored against many secrets.
pub struct Ranker {
    pattern: Pattern,
    matcher: Matcher,
    lowered: String,
    buf: Vec<char>,
}

impl Ranker {
    /// None for a query of blanks: it matches everything and ranks nothing.
    pub fn new(query: &str) -> Option<Ranker> {
        let query = query.trim();
        if query.is_empty() {
            return None;
        }
        Some(Ranker {
            pattern: Pattern::parse(query, CaseMatching::Smart, Normalization::Smart),
            matcher: Matcher::new(Config::DEFAULT.match_paths()),
            lowered: query.to_lowercase(),
            buf: Vec::new(),
        })
    }

    /// The score of a secret (higher is better), None when it does not match.
    pub fn score(&mut self, name: &str, haystack: &str) -> Option<u32> {
        let score = self
            .pattern
            .score(Utf32Str::new(haystack, &mut self.buf), &mut self.matcher)?;
        let literal = name.to_lowercase().contains(&self.lowered);
        Some(score + if literal { LITERAL_BONUS } else { 0 })
    }
}

/// The matching items, best first (ties by name), as (index, score).
/// `items` yields each secret's name and haystack.
pub fn rank<'a>(
    query: &str,
    items: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<(usize, u32)> {
    let Some(mut ranker) = Ranker::new(query) else {
        return Vec::new();
    };
    let mut found: Vec<(usize, u32, &str)> = items
        .into_iter()
        .enumerate()
        .filter_map(|(i, (name, hay))| ranker.score(name, hay).map(|s| (i, s, name)))
        .collect();
    found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.2.cmp(b.2)));
    found.into_iter().map(|(i, s, _)| (i, s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(query: &str, items: &[(&str, &str)]) -> Vec<String> {
        rank(query, items.iter().copied())
            .into_iter()
            .map(|(i, _)| items[i].0.to_string())
            .collect()
    }

    #[test]
    fn a_literal_name_beats_a_scattered_match_and_ties_go_by_name() {
        let items = [
            ("acme/s/t/r/i/p/e", "acme/s/t/r/i/p/e"),
            ("b/STRIPE_KEY", "b/STRIPE_KEY"),
            ("a/stripe", "a/stripe"),
            ("other/DB", "other/DB"),
        ];
        let found = names("stripe", &items);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[..2].contains(&"a/stripe".to_string()), "{found:?}");
        assert!(
            found[..2].contains(&"b/STRIPE_KEY".to_string()),
            "{found:?}"
        );
        assert_eq!(found[2], "acme/s/t/r/i/p/e");
        assert!(names("   ", &items).is_empty());
        assert!(names("zzz", &items).is_empty());
    }

    #[test]
    fn the_haystack_holds_tags_owner_kind_and_url_once_known() {
        let name = SecretPath::parse("acme/api/KEY").unwrap();
        assert_eq!(haystack(&name, None, Reach::Everything), "acme/api/KEY");
        let mut doc = crate::store::SecretDoc::new(
            crate::store::SecretValue::new("v".into()),
            crate::store::Encoding::Utf8,
            "ann@host",
            chrono::Utc::now(),
        );
        doc.kind = crate::store::Kind::ApiKey;
        doc.tags = vec!["pci".into(), "prod".into()];
        doc.owner = Some("payments-team".into());
        doc.url = Some("https://dashboard.example.com".into());
        let meta = doc.meta();
        assert_eq!(
            haystack(&name, Some(&meta), Reach::Tree),
            "acme/api/KEY pci prod payments-team"
        );
        let hay = haystack(&name, Some(&meta), Reach::Everything);
        assert_eq!(
            hay,
            "acme/api/KEY pci prod payments-team api-key https://dashboard.example.com"
        );
        for query in ["payments", "pci", "api-key", "dashboard"] {
            assert_eq!(
                rank(query, [("acme/api/KEY", hay.as_str())]).len(),
                1,
                "{query}"
            );
        }
        assert!(rank("payments", [("acme/api/KEY", "acme/api/KEY")]).is_empty());
    }
}
