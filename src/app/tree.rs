//! The project/secret tree: folders that expand and collapse, a selection, and
//! the fuzzy filter that narrows it.

use super::catalog::Catalog;
use super::filter::FilterLine;
use super::list::ListState;
use crate::policy::Status;
use std::collections::{HashMap, HashSet};

/// Above this many secrets, projects start collapsed.
const COLLAPSE_ABOVE: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowKind {
    Folder {
        path: String,
        name: String,
        count: usize,
        worst: Option<Status>,
        expanded: bool,
    },
    Secret {
        /// Index into the catalog's entries.
        index: usize,
        /// Its name: what the selection follows across rebuilds, whatever
        /// happened to the catalog's indices meanwhile (issue 16).
        name: crate::store::SecretPath,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub depth: usize,
    pub kind: RowKind,
}

/// Identifies a row across rebuilds.
#[derive(Clone, Debug, PartialEq, Eq)]
enum RowKey {
    Folder(String),
    Secret(String),
}

#[derive(Default)]
pub struct TreeView {
    collapsed: HashSet<String>,
    pub rows: Vec<Row>,
    /// The selected row and the first row shown.
    pub list: ListState,
    pub filter: FilterLine,
    initialised: bool,
    /// Catalog index of the best match of the current filter.
    best_match: Option<usize>,
}

impl TreeView {
    /// Recomputes the visible rows from the catalog, the collapsed folders and
    /// the filter, keeping the selection on the same item where it still shows.
    pub fn rebuild(&mut self, catalog: &Catalog) {
        let keep = self.selected_key();
        self.rebuild_keeping(catalog, keep);
    }

    fn rebuild_keeping(&mut self, catalog: &Catalog, keep: Option<RowKey>) {
        if !self.initialised && !catalog.is_empty() {
            self.initialised = true;
            if catalog.len() > COLLAPSE_ABOVE {
                for e in &catalog.entries {
                    self.collapsed.insert(e.name.project().to_string());
                }
            }
        }
        let matches = self.matches(catalog);
        let filtering = matches.is_some();

        let folder_stats = folder_stats(catalog, matches.as_deref());

        let mut rows = Vec::new();
        let mut open: Vec<String> = Vec::new(); // folder segments currently emitted
        for (i, e) in catalog.entries.iter().enumerate() {
            if matches.as_ref().is_some_and(|m| !m[i]) {
                continue;
            }
            let segs: Vec<&str> = e.name.segments().collect();
            let folders = &segs[..segs.len() - 1];
            let common = open
                .iter()
                .zip(folders.iter())
                .take_while(|(a, b)| a.as_str() == **b)
                .count();
            open.truncate(common);
            for seg in &folders[common..] {
                open.push(seg.to_string());
                let path = open.join("/");
                let visible = filtering || self.ancestors_expanded(&open[..open.len() - 1]);
                if visible {
                    let (count, worst) = folder_stats.get(&path).copied().unwrap_or((0, None));
                    rows.push(Row {
                        depth: open.len() - 1,
                        kind: RowKind::Folder {
                            expanded: filtering || !self.collapsed.contains(&path),
                            name: seg.to_string(),
                            path,
                            count,
                            worst,
                        },
                    });
                }
            }
            if filtering || self.ancestors_expanded(&open) {
                rows.push(Row {
                    depth: folders.len(),
                    kind: RowKind::Secret {
                        index: i,
                        name: e.name.clone(),
                    },
                });
            }
        }
        self.rows = rows;
        self.list.selected = keep
            .and_then(|k| self.find(&k))
            .unwrap_or(self.list.selected)
            .min(self.rows.len().saturating_sub(1));
    }

    fn ancestors_expanded(&self, segs: &[String]) -> bool {
        let mut path = String::new();
        for seg in segs {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(seg);
            if self.collapsed.contains(&path) {
                return false;
            }
        }
        true
    }

    /// Which entries the filter keeps (None: no filter), and remembers the
    /// best-scoring one so the selection can go there.
    fn matches(&mut self, catalog: &Catalog) -> Option<Vec<bool>> {
        let mut ranker = crate::find::Ranker::new(self.filter.text())?;
        let mut best: Option<(u32, usize)> = None;
        let keep = catalog
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let score = ranker.score(e.name.as_str(), &e.haystack);
                if let Some(s) = score {
                    if best.is_none_or(|(b, _)| s > b) {
                        best = Some((s, i));
                    }
                }
                score.is_some()
            })
            .collect();
        self.best_match = best.map(|(_, i)| i);
        Some(keep)
    }

    /// The selected row's key, from the row itself: right even when the
    /// catalog changed since the rows were built.
    fn selected_key(&self) -> Option<RowKey> {
        self.rows.get(self.list.selected).map(|r| match &r.kind {
            RowKind::Folder { path, .. } => RowKey::Folder(path.clone()),
            RowKind::Secret { name, .. } => RowKey::Secret(name.to_string()),
        })
    }

    fn find(&self, key: &RowKey) -> Option<usize> {
        self.rows.iter().position(|r| match (&r.kind, key) {
            (RowKind::Folder { path, .. }, RowKey::Folder(p)) => path == p,
            (RowKind::Secret { name, .. }, RowKey::Secret(n)) => name.as_str() == n,
            _ => false,
        })
    }

    /// The selected folder's path, if a folder row is selected.
    pub fn selected_folder_path(&self) -> Option<&str> {
        match &self.selected_row()?.kind {
            RowKind::Folder { path, .. } => Some(path),
            RowKind::Secret { .. } => None,
        }
    }

    /// The selected secret's name, if a secret is selected.
    pub fn selected_name(&self) -> Option<&crate::store::SecretPath> {
        match &self.selected_row()?.kind {
            RowKind::Secret { name, .. } => Some(name),
            RowKind::Folder { .. } => None,
        }
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.rows.get(self.list.selected)
    }

    /// The catalog index of the selected secret, if a secret is selected.
    pub fn selected_secret(&self) -> Option<usize> {
        match self.selected_row()?.kind {
            RowKind::Secret { index, .. } => Some(index),
            RowKind::Folder { .. } => None,
        }
    }

    /// The folder the selection is in (for "new secret here").
    pub fn selected_folder(&self) -> Option<String> {
        match &self.selected_row()?.kind {
            RowKind::Folder { path, .. } => Some(path.clone()),
            RowKind::Secret { name, .. } => name.parent().map(str::to_string),
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        self.list.move_by(delta, self.rows.len());
    }

    /// After the filter changes: the best match (else the first secret).
    pub fn select_first_secret(&mut self) {
        let best = self.best_match;
        self.list.selected = self
            .rows
            .iter()
            .position(|r| matches!(r.kind, RowKind::Secret { index, .. } if Some(index) == best))
            .or_else(|| {
                self.rows
                    .iter()
                    .position(|r| matches!(r.kind, RowKind::Secret { .. }))
            })
            .unwrap_or(0);
    }

    /// After the selected secret went away: onto the nearest secret at or
    /// after the selected row (else before it), not a folder row.
    pub fn settle_on_secret(&mut self) {
        let at = self.list.selected;
        let is_secret = |r: &Row| matches!(r.kind, RowKind::Secret { .. });
        if let Some(i) = self.rows[at.min(self.rows.len())..]
            .iter()
            .position(is_secret)
            .map(|i| i + at)
            .or_else(|| {
                self.rows[..at.min(self.rows.len())]
                    .iter()
                    .rposition(is_secret)
            })
        {
            self.list.selected = i;
        }
    }

    pub fn select_first(&mut self) {
        self.list.first();
    }

    pub fn select_last(&mut self) {
        self.list.last(self.rows.len());
    }

    /// Selects the secret at catalog index `index`, expanding its folders.
    pub fn reveal_secret(&mut self, catalog: &Catalog, index: usize) {
        if let Some(e) = catalog.entries.get(index) {
            let mut path = String::new();
            let segs: Vec<&str> = e.name.segments().collect();
            for seg in &segs[..segs.len() - 1] {
                if !path.is_empty() {
                    path.push('/');
                }
                path.push_str(seg);
                self.collapsed.remove(&path);
            }
            let name = e.name.to_string();
            self.rebuild(catalog);
            if let Some(i) = self.find(&RowKey::Secret(name)) {
                self.list.selected = i;
            }
        }
    }

    /// Left: collapse the selected folder, or go to the parent folder.
    pub fn collapse(&mut self, catalog: &Catalog) {
        let Some(row) = self.selected_row().cloned() else {
            return;
        };
        if let RowKind::Folder {
            path,
            expanded: true,
            ..
        } = &row.kind
        {
            if self.filter.text().trim().is_empty() {
                self.collapsed.insert(path.clone());
                self.rebuild(catalog);
            }
            return;
        }
        // Go to the parent folder row.
        if row.depth > 0 {
            if let Some(parent) = self.rows[..self.list.selected]
                .iter()
                .rposition(|r| r.depth < row.depth && matches!(r.kind, RowKind::Folder { .. }))
            {
                self.list.selected = parent;
            }
        }
    }

    /// Right/Enter on a folder: expand it.
    pub fn expand(&mut self, catalog: &Catalog) -> bool {
        if let Some(RowKind::Folder { path, expanded, .. }) =
            self.selected_row().map(|r| r.kind.clone())
        {
            if !expanded {
                self.collapsed.remove(&path);
                self.rebuild(catalog);
            }
            return true;
        }
        false
    }

    /// Toggles a folder (mouse click).
    pub fn toggle(&mut self, catalog: &Catalog) {
        if let Some(RowKind::Folder { path, expanded, .. }) =
            self.selected_row().map(|r| r.kind.clone())
        {
            if expanded {
                self.collapsed.insert(path);
            } else {
                self.collapsed.remove(&path);
            }
            self.rebuild(catalog);
        }
    }

    /// Keeps the selection inside a window of `height` rows.
    pub fn scroll_to(&mut self, height: usize) {
        self.list.fit(height, self.rows.len());
    }
}

/// Totals and worst status per folder, of the entries the filter keeps.
fn folder_stats(
    catalog: &Catalog,
    matches: Option<&[bool]>,
) -> HashMap<String, (usize, Option<Status>)> {
    let mut folder_stats: HashMap<String, (usize, Option<Status>)> = HashMap::new();
    for (i, e) in catalog.entries.iter().enumerate() {
        if matches.is_some_and(|m| !m[i]) {
            continue;
        }
        let mut prefix = String::new();
        let segs: Vec<&str> = e.name.segments().collect();
        for seg in &segs[..segs.len() - 1] {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(seg);
            let stat = folder_stats.entry(prefix.clone()).or_insert((0, None));
            stat.0 += 1;
            if let Some(s) = e.status() {
                stat.1 = Some(stat.1.map_or(s, |w| w.min(s)));
            }
        }
    }
    folder_stats
}
