//! The review screen's state: every loaded secret as a review row, with the
//! sort, the filters and the selection. Rows come from the shared review
//! model (`crate::review`), the same one `ward report` prints.

use super::catalog::Catalog;
use super::filter::FilterLine;
use super::list::ListState;
use crate::policy::Status;
use crate::review::{self, ReviewRow, SortKey};
use crate::store::{Listing, SecretPath};

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
    /// Rebuilds the rows from what the catalog has loaded; the selection
    /// stays on its secret (a rotation re-sorts the rows under it).
    pub fn rebuild(&mut self, catalog: &Catalog) {
        let keep = self.selected_name();
        self.rebuild_rows(catalog);
        self.reselect(keep);
    }

    fn rebuild_rows(&mut self, catalog: &Catalog) {
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
        review::sort(&mut self.rows, self.sort, self.reverse);
    }

    /// Sorts again (a new sort key or direction), the selection on its secret.
    pub fn resort(&mut self) {
        let keep = self.selected_name();
        review::sort(&mut self.rows, self.sort, self.reverse);
        self.reselect(keep);
    }

    /// The selected row's secret.
    pub fn selected_name(&self) -> Option<SecretPath> {
        self.visible()
            .get(self.list.selected)
            .map(|r| r.name.clone())
    }

    /// Puts the selection on `name` if its row shows, else on the first row
    /// when the secret is gone from view (never on whatever row took its place).
    pub fn reselect(&mut self, name: Option<SecretPath>) {
        let Some(name) = name else {
            return;
        };
        match self.visible().iter().position(|r| r.name == name) {
            Some(i) => self.list.selected = i,
            None => self.list.first(),
        }
    }

    /// Changes a filter with `change`, keeping the selection on its secret
    /// if it still shows.
    pub fn refilter(&mut self, change: impl FnOnce(&mut Self)) {
        let keep = self.selected_name();
        change(self);
        self.list.first();
        self.reselect(keep);
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
        self.refilter(|s| {
            s.project = Self::cycle(
                &s.project,
                s.rows.iter().map(|r| r.project.clone()).collect(),
            )
        });
    }

    pub fn next_owner(&mut self) {
        self.refilter(|s| {
            s.owner = Self::cycle(
                &s.owner,
                s.rows.iter().filter_map(|r| r.owner.clone()).collect(),
            )
        });
    }
}
