//! The review screen's state: every loaded secret as a review row, with the
//! sort, the filters and the selection. Rows come from the shared review
//! model (`crate::review`), the same one `ward report` prints.

use super::catalog::Catalog;
use super::filter::FilterLine;
use super::list::ListState;
use crate::policy::Status;
use crate::review::{self, ReviewRow, SortKey};
use crate::store::Listing;

/// The status filter cycles through these.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatusFilter {
    #[default]
    All,
    /// Compromised, expired and overdue.
    NeedsAction,
    One(Status),
}

impl StatusFilter {
    pub fn next(self) -> StatusFilter {
        match self {
            StatusFilter::All => StatusFilter::NeedsAction,
            StatusFilter::NeedsAction => StatusFilter::One(Status::ALL[0]),
            StatusFilter::One(s) => match Status::ALL.iter().position(|x| *x == s) {
                Some(i) if i + 1 < Status::ALL.len() => StatusFilter::One(Status::ALL[i + 1]),
                _ => StatusFilter::All,
            },
        }
    }

    pub fn label(self) -> String {
        match self {
            StatusFilter::All => "all statuses".into(),
            StatusFilter::NeedsAction => "needs action".into(),
            StatusFilter::One(s) => s.label().into(),
        }
    }

    fn keeps(self, s: Status) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::NeedsAction => s.needs_action(),
            StatusFilter::One(x) => x == s,
        }
    }
}

#[derive(Debug, Default)]
pub struct ReviewState {
    /// Every readable secret, in the current sort order.
    pub rows: Vec<ReviewRow>,
    /// Secrets whose metadata could not be read.
    pub unreadable: usize,
    pub sort: SortKey,
    pub reverse: bool,
    pub status: StatusFilter,
    /// Only this project (cycled with `p`).
    pub project: Option<String>,
    /// Only this owner (cycled with `o`).
    pub owner: Option<String>,
    /// The fuzzy filter over paths and owners.
    pub filter: FilterLine,
    /// The table's selection and scroll.
    pub list: ListState,
}

impl ReviewState {
    /// Rebuilds the rows from what the catalog has loaded.
    pub fn rebuild(&mut self, catalog: &Catalog) {
        let listing = Listing {
            folder_policies: catalog.folder_policies.clone(),
            ..Default::default()
        };
        let today = catalog.today;
        self.rows = catalog
            .entries
            .iter()
            .filter_map(|e| {
                e.loaded()
                    .map(|l| review::row(e.name.clone(), &l.meta, &listing, catalog.lead, today))
            })
            .collect();
        review::mark_reuse(&mut self.rows);
        self.unreadable = catalog.counts().failed;
        self.resort();
    }

    pub fn resort(&mut self) {
        review::sort(&mut self.rows, self.sort, self.reverse);
    }

    /// The rows under the filters, in order.
    pub fn visible(&self) -> Vec<&ReviewRow> {
        let mut ranker = crate::find::Ranker::new(self.filter.text());
        self.rows
            .iter()
            .filter(|r| self.status.keeps(r.status))
            .filter(|r| self.project.as_ref().is_none_or(|p| &r.project == p))
            .filter(|r| {
                self.owner
                    .as_ref()
                    .is_none_or(|o| r.owner.as_ref() == Some(o))
            })
            .filter(|r| {
                ranker.as_mut().is_none_or(|ranker| {
                    let hay = format!("{} {}", r.name, r.owner.as_deref().unwrap_or(""));
                    ranker.score(r.name.as_str(), &hay).is_some()
                })
            })
            .collect()
    }

    /// Cycles a filter through the values present in the rows.
    fn cycle(current: &Option<String>, mut values: Vec<String>) -> Option<String> {
        values.sort();
        values.dedup();
        match current {
            None => values.first().cloned(),
            Some(c) => values
                .iter()
                .position(|v| v == c)
                .and_then(|i| values.get(i + 1).cloned()),
        }
    }

    pub fn next_project(&mut self) {
        self.project = Self::cycle(
            &self.project,
            self.rows.iter().map(|r| r.project.clone()).collect(),
        );
        self.list.first();
    }

    pub fn next_owner(&mut self) {
        self.owner = Self::cycle(
            &self.owner,
            self.rows.iter().filter_map(|r| r.owner.clone()).collect(),
        );
        self.list.first();
    }
}
