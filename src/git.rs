//! The user's own `git`, run in a store (docs/TEAMS.md, "Sharing a store
//! through git").
//!
//! ward never syncs by itself: every fetch, merge and push is the user's
//! `git` binary with their config, credentials, SSH agent and signing
//! settings. Each call runs `git -C <root> …` with stdin closed (so git can
//! never wait on a prompt nobody sees), captures stderr for the error, and
//! passes only names, paths and messages — never a value.

use crate::error::{Result, WardError};
use crate::sanitize::escape;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The ward lines of a git store's `.gitattributes` (the contract with the
/// merge drivers; docs/TEAMS.md).
pub const GITATTRIBUTES: &str = "# ward: merge drivers (docs/TEAMS.md)
*.age merge=ward
.recipients merge=ward-recipients
/.ward/recipients merge=ward-recipients
";

/// Where the audit appends live: the one thing ward leaves uncommitted on
/// purpose (reads append there, and reads never block a pull).
pub const AUDIT_DIR: &str = ".ward/audit";
/// Where each actor's audit signing keys are published (`audit::sign`):
/// written by the first append of a new identity, a read included, so it is
/// ward's own like the audit folder.
pub const ACTORS_DIR: &str = ".ward/actors";
/// The folders whose changes ward makes and commits by itself.
pub const WARD_OWNED_DIRS: [&str; 2] = [AUDIT_DIR, ACTORS_DIR];

/// A store folder that git drives.
#[derive(Clone, Debug)]
pub struct Repo {
    root: PathBuf,
}

/// Who a commit is by: the actor, as author; as committer too when the
/// user's git has no identity (a fresh machine).
#[derive(Clone, Debug)]
pub struct Author<'a> {
    pub actor: &'a str,
}

/// What `git status` says about a store, in ward's terms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    /// The branch checked out; None when HEAD is detached.
    pub branch: Option<String>,
    /// Whether HEAD points at a commit at all (false before the first one).
    pub has_commits: bool,
    /// The upstream (`origin/main`), when the branch has one.
    pub upstream: Option<String>,
    pub ahead: u32,
    pub behind: u32,
    /// Changed or new paths under `.ward/audit/` (ward's own appends).
    pub ward_dirty: Vec<String>,
    /// Every other changed or new path.
    pub other_dirty: Vec<String>,
    /// An unfinished merge, rebase, cherry-pick or revert, named.
    pub in_progress: Option<&'static str>,
}

impl Status {
    pub fn detached(&self) -> bool {
        self.branch.is_none() && self.has_commits
    }
}

impl Repo {
    /// The store at `root` as a git repository: only when `root` is the top
    /// of its own work tree (a store inside some other repository is not
    /// committed into it).
    pub fn open(root: &Path) -> Option<Repo> {
        std::fs::symlink_metadata(root.join(".git")).ok()?;
        Some(Repo {
            root: root.to_path_buf(),
        })
    }

    /// `git init` in `root` (the user's default branch name and templates).
    pub fn init(root: &Path) -> Result<Repo> {
        let repo = Repo {
            root: root.to_path_buf(),
        };
        repo.run(["init", "-q"])?;
        Ok(repo)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The git command, in the store, with no stdin, no pager, no prompts
    /// for credentials (a terminal prompt would hang a TUI job), paths
    /// taken literally (a secret name is never a glob), and no optional locks.
    pub fn command(&self) -> Command {
        let mut c = Command::new("git");
        c.arg("-C")
            .arg(&self.root)
            .stdin(Stdio::null())
            .env("GIT_LITERAL_PATHSPECS", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_MERGE_AUTOEDIT", "no")
            .env("GIT_PAGER", "cat")
            // A look (`status` refreshing the index) never takes a lock that
            // would make a sync's merge or commit running meanwhile fail.
            .env("GIT_OPTIONAL_LOCKS", "0");
        c
    }

    fn output(&self, mut c: Command, what: &str) -> Result<Output> {
        c.output().map_err(|e| {
            WardError::Other(format!(
                "could not run git ({e}); ward's git features need git installed and on PATH \
                 ({what})"
            ))
        })
    }

    /// Runs git; a failure is an error quoting git's own message.
    fn run<I, S>(&self, args: I) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = self.command();
        c.args(args);
        self.checked(c)
    }

    fn checked(&self, c: Command) -> Result<String> {
        let what = describe(&c);
        let out = self.output(c, &what)?;
        if !out.status.success() {
            return Err(WardError::Other(format!(
                "{what} failed: {}",
                git_message(&out)
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs git and tells whether it succeeded, with its output.
    fn try_run<I, S>(&self, args: I) -> Result<Output>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = self.command();
        c.args(args);
        let what = describe(&c);
        self.output(c, &what)
    }

    /// The repository's git folder (`.git`, or where a `.git` file points).
    pub fn git_dir(&self) -> Result<PathBuf> {
        let out = self.run(["rev-parse", "--absolute-git-dir"])?;
        Ok(PathBuf::from(out.trim_end_matches('\n')))
    }

    /// `<git dir>/ward`: ward's local state of this clone (merge log, last
    /// sync, pending paths). Never committed, never shared.
    pub fn ward_dir(&self) -> Result<PathBuf> {
        Ok(self.git_dir()?.join("ward"))
    }

    /// Writes the merge drivers into this clone's local config (idempotent).
    pub fn configure_merge_drivers(&self, exe: &Path) -> Result<()> {
        let exe = shell_quote(&exe.display().to_string());
        for (key, value) in [
            (
                "merge.ward.name",
                "ward: three-way merge of secrets".to_string(),
            ),
            (
                "merge.ward.driver",
                format!("{exe} __merge-driver %O %A %B %P"),
            ),
            (
                "merge.ward-recipients.name",
                "ward: merge of recipients files".to_string(),
            ),
            (
                "merge.ward-recipients.driver",
                format!("{exe} __merge-recipients %O %A %B %P"),
            ),
        ] {
            self.run(["config", "--local", key, &value])?;
        }
        Ok(())
    }

    /// A config value (`user.name`), None when unset.
    pub fn config(&self, key: &str) -> Option<String> {
        let out = self.try_run(["config", "--get", key]).ok()?;
        let value = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !value.is_empty()).then_some(value)
    }

    /// Sets the author (and, on a machine whose git has no identity, the
    /// committer) of what `c` commits to the actor.
    fn as_author(&self, c: &mut Command, author: &Author) {
        let name = clean_ident(author.actor);
        c.env("GIT_AUTHOR_NAME", &name)
            .env("GIT_AUTHOR_EMAIL", &name);
        if self.config("user.name").is_none() || self.config("user.email").is_none() {
            c.env("GIT_COMMITTER_NAME", &name)
                .env("GIT_COMMITTER_EMAIL", &name);
        }
    }

    /// Commits exactly `paths` (files or folders, relative to the root):
    /// `git add -A -- paths`, then `git commit -- paths`, so whatever else the
    /// user staged or changed stays out of ward's commit. Paths neither on
    /// disk nor tracked are skipped. Returns whether a commit was made.
    pub fn commit_paths(&self, paths: &[PathBuf], message: &str, author: &Author) -> Result<bool> {
        let present: Vec<&PathBuf> = paths
            .iter()
            .filter(|p| std::fs::symlink_metadata(self.root.join(p)).is_ok() || self.tracked(p))
            .collect();
        if present.is_empty() {
            return Ok(false);
        }
        let mut add = self.command();
        add.args(["add", "-A", "--"]).args(&present);
        self.checked(add)?;
        let mut staged = self.command();
        staged
            .args([
                "diff",
                "--cached",
                "--name-only",
                "-z",
                "--no-renames",
                "--",
            ])
            .args(&present);
        let staged = self.checked(staged)?;
        let files: Vec<&str> = staged.split('\0').filter(|f| !f.is_empty()).collect();
        if files.is_empty() {
            return Ok(false);
        }
        let mut commit = self.command();
        commit
            .args(["commit", "-q", "-m", message, "--"])
            .args(&files);
        self.as_author(&mut commit, author);
        self.checked(commit)?;
        Ok(true)
    }

    /// Whether git knows `path` (in the index).
    fn tracked(&self, path: &Path) -> bool {
        let mut c = self.command();
        c.args(["ls-files", "--cached", "-z", "--"]).arg(path);
        c.output()
            .map(|o| o.status.success() && !o.stdout.is_empty())
            .unwrap_or(false)
    }

    /// Branch, upstream, ahead/behind, dirty paths, unfinished operations.
    pub fn status(&self) -> Result<Status> {
        let mut status = Status {
            has_commits: self
                .try_run(["rev-parse", "-q", "--verify", "HEAD"])?
                .status
                .success(),
            ..Status::default()
        };
        let branch = self.try_run(["symbolic-ref", "-q", "--short", "HEAD"])?;
        if branch.status.success() {
            status.branch = Some(String::from_utf8_lossy(&branch.stdout).trim().to_string());
        }
        let upstream =
            self.try_run(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}"])?;
        if upstream.status.success() && status.branch.is_some() {
            status.upstream = Some(String::from_utf8_lossy(&upstream.stdout).trim().to_string());
            let (ahead, behind) = self.ahead_behind("@{u}")?;
            status.ahead = ahead;
            status.behind = behind;
        }
        let porcelain = self.run(["status", "--porcelain=v1", "-z", "--untracked-files=all"])?;
        let mut entries = porcelain.split('\0').filter(|e| !e.is_empty());
        while let Some(entry) = entries.next() {
            let code = entry.get(..2).unwrap_or("");
            let path = entry.get(3..).unwrap_or("").to_string();
            // A rename's entry is followed by its old name.
            if code.starts_with('R') || code.starts_with('C') {
                entries.next();
            }
            let owned = WARD_OWNED_DIRS
                .iter()
                .any(|d| path.strip_prefix(d).is_some_and(|r| r.starts_with('/')));
            if owned {
                status.ward_dirty.push(path);
            } else {
                status.other_dirty.push(path);
            }
        }
        status.in_progress = self.in_progress()?;
        Ok(status)
    }

    /// Commits on HEAD not in `other`, and on `other` not in HEAD.
    pub fn ahead_behind(&self, other: &str) -> Result<(u32, u32)> {
        let out = self.run([
            "rev-list",
            "--left-right",
            "--count",
            &format!("HEAD...{other}"),
        ])?;
        let mut counts = out.split_whitespace().map(|n| n.parse().unwrap_or(0));
        Ok((counts.next().unwrap_or(0), counts.next().unwrap_or(0)))
    }

    /// Commits in `range` (`a..b`).
    pub fn count(&self, range: &str) -> Result<u32> {
        Ok(self
            .run(["rev-list", "--count", range])?
            .trim()
            .parse()
            .unwrap_or(0))
    }

    /// The commit a ref names, None when it does not exist.
    pub fn resolve(&self, refname: &str) -> Result<Option<String>> {
        let out = self.try_run([
            "rev-parse",
            "-q",
            "--verify",
            &format!("{refname}^{{commit}}"),
        ])?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()))
    }

    fn in_progress(&self) -> Result<Option<&'static str>> {
        let dir = self.git_dir()?;
        Ok([
            ("MERGE_HEAD", "merge"),
            ("rebase-merge", "rebase"),
            ("rebase-apply", "rebase"),
            ("CHERRY_PICK_HEAD", "cherry-pick"),
            ("REVERT_HEAD", "revert"),
        ]
        .into_iter()
        .find(|(file, _)| dir.join(file).exists())
        .map(|(_, what)| what))
    }

    /// The remotes, in git's order.
    pub fn remotes(&self) -> Result<Vec<String>> {
        Ok(self
            .run(["remote"])?
            .lines()
            .map(str::to_string)
            .filter(|r| !r.is_empty())
            .collect())
    }

    /// `git fetch REMOTE` (the user's refspecs, credentials and SSH).
    pub fn fetch(&self, remote: &str) -> Result<(), GitFailure> {
        self.fallible(["fetch", "-q", remote])
    }

    /// Merges `upstream` into the branch (ward's merge drivers run on the
    /// `.age` and recipients files); on a conflict git's state is left.
    pub fn merge(&self, upstream: &str, author: &Author) -> Result<(), GitFailure> {
        let mut c = self.command();
        c.args(["merge", "-q", "--no-edit", upstream]);
        self.as_author(&mut c, author);
        self.fallible_command(c)
    }

    /// Rebases the branch onto `upstream`.
    pub fn rebase(&self, upstream: &str, author: &Author) -> Result<(), GitFailure> {
        let mut c = self.command();
        c.args(["rebase", "-q", upstream]);
        self.as_author(&mut c, author);
        self.fallible_command(c)
    }

    /// `git push REMOTE BRANCH:BRANCH`, setting the upstream when `set_upstream`.
    pub fn push(&self, remote: &str, refspec: &str, set_upstream: bool) -> Result<(), GitFailure> {
        let mut c = self.command();
        c.args(["push", "-q"]);
        if set_upstream {
            c.arg("-u");
        }
        c.args([remote, refspec]);
        self.fallible_command(c)
    }

    /// Paths with unmerged entries (a conflict).
    pub fn conflicted(&self) -> Result<Vec<String>> {
        Ok(self
            .run(["diff", "--name-only", "--diff-filter=U", "-z"])?
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect())
    }

    fn fallible<I, S>(&self, args: I) -> Result<(), GitFailure>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = self.command();
        c.args(args);
        self.fallible_command(c)
    }

    fn fallible_command(&self, c: Command) -> Result<(), GitFailure> {
        let what = describe(&c);
        let out = self.output(c, &what).map_err(GitFailure::NotRun)?;
        if out.status.success() {
            Ok(())
        } else {
            Err(GitFailure::Failed {
                what,
                message: git_message(&out),
            })
        }
    }
}

/// A git step that did not work: git could not run, or it said no.
#[derive(Debug)]
pub enum GitFailure {
    NotRun(WardError),
    Failed { what: String, message: String },
}

impl GitFailure {
    /// git's own words (escaped for the terminal).
    pub fn message(&self) -> String {
        match self {
            GitFailure::NotRun(e) => e.to_string(),
            GitFailure::Failed { what, message } => format!("{what}: {message}"),
        }
    }
}

/// Whether the git binary can be run at all.
pub fn available() -> bool {
    Command::new("git")
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `git clone URL DIR` (the user's credentials; stdin closed).
pub fn clone(url: &str, dir: &Path) -> Result<Repo> {
    let mut c = Command::new("git");
    c.args(["clone", "-q", "--", url])
        .arg(dir)
        .stdin(Stdio::null())
        .env("GIT_TERMINAL_PROMPT", "0");
    let out = c.output().map_err(|e| {
        WardError::Other(format!(
            "could not run git ({e}); `ward clone` needs git on PATH"
        ))
    })?;
    if !out.status.success() {
        return Err(WardError::Other(format!(
            "git clone {} failed: {}",
            escape(url),
            git_message(&out)
        )));
    }
    Ok(Repo {
        root: dir.to_path_buf(),
    })
}

/// `git ARGS…` in the store with the user's terminal (for `ward git`);
/// returns git's exit code.
pub fn passthrough(root: &Path, args: &[std::ffi::OsString]) -> Result<i32> {
    let status = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .status()
        .map_err(|e| WardError::Other(format!("could not run git: {e}")))?;
    Ok(status.code().unwrap_or(128))
}

/// `word` single-quoted for the shell git runs a merge driver with.
pub fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

/// An actor as a git ident: git refuses `<`, `>` and newlines in one.
fn clean_ident(actor: &str) -> String {
    let s: String = actor
        .chars()
        .filter(|c| !matches!(c, '<' | '>') && !c.is_control())
        .collect();
    if s.trim().is_empty() {
        "ward".into()
    } else {
        s.trim().to_string()
    }
}

/// How a command is named in an error: `git fetch`, `git push`.
fn describe(c: &Command) -> String {
    let sub = c
        .get_args()
        .skip(2)
        .map(|a| a.to_string_lossy())
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default();
    format!("git {sub}")
}

/// git's stderr (or stdout when stderr is empty), trimmed and escaped.
fn git_message(out: &Output) -> String {
    let text = if out.stderr.iter().all(u8::is_ascii_whitespace) {
        String::from_utf8_lossy(&out.stdout)
    } else {
        String::from_utf8_lossy(&out.stderr)
    };
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return format!("exit {}", out.status.code().unwrap_or(-1));
    }
    escape(&lines.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_for_the_shell_and_cleans_idents() {
        assert_eq!(shell_quote("/opt/it's/ward"), "'/opt/it'\\''s/ward'");
        assert_eq!(clean_ident("ann <x>\n"), "ann x");
        assert_eq!(clean_ident("<>"), "ward");
    }
}
