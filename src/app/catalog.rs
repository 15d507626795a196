//! What the TUI knows about the store without values: every secret name (from
//! file names, at once) and its metadata and status (filled in as the
//! background load reports).

use crate::policy::{
    assess_secret, resolve, Assessment, FolderPolicy, Interval, PolicySource, Status,
};
use crate::store::{Listing, Problem, SecretMeta, SecretPath};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Debug)]
pub enum MetaState {
    /// Not decrypted yet.
    Pending,
    Loaded(Box<Loaded>),
    /// The file could not be read; the message names the cause.
    Failed(String),
}

#[derive(Clone, Debug)]
pub struct Loaded {
    pub meta: SecretMeta,
    pub assessment: Assessment,
    pub source: PolicySource,
    /// The rotation interval in force (the secret's own or its folder's),
    /// resolved with the status, so that the detail pane shows the policy
    /// without resolving it again.
    pub rotate_every: Option<Interval>,
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub name: SecretPath,
    pub state: MetaState,
    /// Text the fuzzy filter matches (`find::haystack`): path, tags, owner.
    pub haystack: String,
}

impl Entry {
    pub fn status(&self) -> Option<Status> {
        match &self.state {
            MetaState::Loaded(l) => Some(l.assessment.status),
            _ => None,
        }
    }
    pub fn loaded(&self) -> Option<&Loaded> {
        match &self.state {
            MetaState::Loaded(l) => Some(l),
            _ => None,
        }
    }
}

/// Counts by status for the header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub by_status: BTreeMap<Status, usize>,
    pub failed: usize,
    pub pending: usize,
}

impl Counts {
    pub fn get(&self, s: Status) -> usize {
        self.by_status.get(&s).copied().unwrap_or(0)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Catalog {
    /// Sorted segment-wise, so every folder's secrets are contiguous.
    pub entries: Vec<Entry>,
    index: HashMap<SecretPath, usize>,
    pub folder_policies: BTreeMap<String, FolderPolicy>,
    pub problems: Vec<Problem>,
    pub lead: Interval,
    /// The day statuses are computed for (from the app's clock).
    pub today: NaiveDate,
}

/// Segment-wise order: `a/b` < `a/b/c` < `a/b-x`.
/// Case does not split the tree (`my key` sorts beside `MY_KEY`). Segment
/// by segment, case-folded first, exact text second: folders that differ only
/// in case stay apart, so every folder's secrets remain contiguous.
pub fn tree_order(a: &SecretPath, b: &SecretPath) -> std::cmp::Ordering {
    tree_key(a).cmp(&tree_key(b))
}

/// The sort key behind [`tree_order`]: per segment, folded then exact.
/// It allocates, so a whole listing sorts with it cached (`sort_by_cached_key`).
pub fn tree_key(p: &SecretPath) -> Vec<(String, String)> {
    p.segments()
        .map(|s| {
            (
                s.chars().flat_map(char::to_lowercase).collect(),
                s.to_string(),
            )
        })
        .collect()
}

impl Catalog {
    /// No secrets yet; statuses will be computed for `today`.
    pub fn empty(today: NaiveDate) -> Catalog {
        Catalog {
            today,
            ..Default::default()
        }
    }

    pub fn from_listing(listing: Listing, lead: Interval, today: NaiveDate) -> Catalog {
        let mut names = listing.secrets;
        names.sort_by_cached_key(tree_key);
        let entries: Vec<Entry> = names
            .into_iter()
            .map(|name| Entry {
                haystack: name.to_string(),
                name,
                state: MetaState::Pending,
            })
            .collect();
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i))
            .collect();
        Catalog {
            entries,
            index,
            folder_policies: listing.folder_policies,
            problems: listing.problems,
            lead,
            today,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn position(&self, name: &SecretPath) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub fn get(&self, name: &SecretPath) -> Option<&Entry> {
        self.position(name).map(|i| &self.entries[i])
    }

    /// Records a loaded (or failed) secret's metadata and computes its status.
    pub fn set_meta(&mut self, name: &SecretPath, result: Result<SecretMeta, String>) {
        let Some(i) = self.position(name) else {
            return;
        };
        let today = self.today;
        let entry = &mut self.entries[i];
        match result {
            Ok(meta) => {
                let (assessment, source) = assess_secret(
                    name.as_str(),
                    &meta,
                    &self.folder_policies,
                    self.lead,
                    today,
                );
                let (rotate_every, _, _) = resolve(
                    &self.folder_policies,
                    name.as_str(),
                    meta.rotate_every,
                    self.lead,
                );
                entry.haystack = crate::find::haystack(name, Some(&meta), crate::find::Reach::Tree);
                entry.state = MetaState::Loaded(Box::new(Loaded {
                    meta,
                    assessment,
                    source,
                    rotate_every,
                }));
            }
            Err(e) => entry.state = MetaState::Failed(e),
        }
    }

    /// Moves to another day (a running TUI passing midnight): every loaded
    /// secret's status is computed again for `today`.
    pub fn set_today(&mut self, today: NaiveDate) {
        if today == self.today {
            return;
        }
        self.today = today;
        for e in &mut self.entries {
            if let MetaState::Loaded(l) = &mut e.state {
                (l.assessment, l.source) = assess_secret(
                    e.name.as_str(),
                    &l.meta,
                    &self.folder_policies,
                    self.lead,
                    today,
                );
            }
        }
    }

    /// Adds a name (after a create or move); keeps the order.
    pub fn insert(&mut self, name: SecretPath) {
        if self.index.contains_key(&name) {
            return;
        }
        let at = self
            .entries
            .partition_point(|e| tree_order(&e.name, &name) == std::cmp::Ordering::Less);
        self.entries.insert(
            at,
            Entry {
                haystack: name.to_string(),
                name,
                state: MetaState::Pending,
            },
        );
        self.reindex();
    }

    pub fn remove(&mut self, name: &SecretPath) {
        if let Some(i) = self.position(name) {
            self.entries.remove(i);
            self.reindex();
        }
    }

    fn reindex(&mut self) {
        self.index = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i))
            .collect();
    }

    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for e in &self.entries {
            match &e.state {
                MetaState::Pending => c.pending += 1,
                MetaState::Failed(_) => c.failed += 1,
                MetaState::Loaded(l) => *c.by_status.entry(l.assessment.status).or_default() += 1,
            }
        }
        c
    }

    /// Progress of the background load: (done, total).
    pub fn progress(&self) -> (usize, usize) {
        let pending = self
            .entries
            .iter()
            .filter(|e| matches!(e.state, MetaState::Pending))
            .count();
        (self.entries.len() - pending, self.entries.len())
    }
}
