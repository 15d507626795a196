//! What `ward scan` reads: files and folders (ignore rules as git sees
//! them), a stream, every blob in a git repository's object store (history
//! of every branch, deleted files and unreachable objects included), or
//! the git index (what the next commit holds). Each input is read once and
//! searched by the one matcher; files in parallel.

use super::{Hit, Scanner};
use crate::error::{IoContext, Result, WardError};
use rayon::prelude::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where a find is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    File(PathBuf),
    Stdin,
    /// A blob of the repository's history: the oldest commit that has it
    /// at `path` (none for an object no commit reaches).
    Git {
        commit: Option<String>,
        path: Option<String>,
        blob: String,
    },
    /// A file as staged in the index.
    Staged(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub place: Place,
    pub hit: Hit,
}

/// What was read.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub inputs: usize,
    pub bytes: u64,
    /// Inputs that look binary (a NUL byte near the start) and were skipped.
    pub binary_skipped: usize,
    /// Symbolic links, sockets, FIFOs and devices met in a walk: never
    /// opened (a FIFO would block, a link could lead anywhere).
    pub special_skipped: usize,
    /// Inputs that could not be read, with why.
    pub errors: Vec<(String, String)>,
}

impl Stats {
    fn add(&mut self, other: Stats) {
        self.inputs += other.inputs;
        self.bytes += other.bytes;
        self.binary_skipped += other.binary_skipped;
        self.special_skipped += other.special_skipped;
        self.errors.extend(other.errors);
    }
}

/// How files are chosen and read.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Follow `.gitignore`, `.ignore` and git's excludes (default).
    pub respect_ignore: bool,
    /// Search binary inputs too.
    pub binary: bool,
}

/// Bytes looked at to tell a binary file (as git and ripgrep do).
const BINARY_PROBE: usize = 8000;

fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(BINARY_PROBE)].contains(&0)
}

/// Read size of files and streams: memory stays near this, whatever
/// their size.
const CHUNK: usize = 8 << 20;

/// Searches a file or stream in chunks; `None` when it was skipped as
/// binary.
fn search_stream(
    scanner: &Scanner,
    reader: impl Read,
    opts: Options,
    stats: &mut Stats,
) -> std::io::Result<Option<Vec<Hit>>> {
    stats.inputs += 1;
    let mut binary = false;
    let found = scanner.find_stream(reader, CHUNK, |first| {
        binary = !opts.binary && is_binary(first);
        !binary
    })?;
    if binary {
        stats.binary_skipped += 1;
    }
    Ok(found.map(|(hits, bytes)| {
        stats.bytes += bytes;
        hits
    }))
}

/// Searches one input held in memory; `None` when it was skipped as binary.
fn search(scanner: &Scanner, bytes: &[u8], opts: Options, stats: &mut Stats) -> Option<Vec<Hit>> {
    stats.inputs += 1;
    stats.bytes += bytes.len() as u64;
    if !opts.binary && is_binary(bytes) {
        stats.binary_skipped += 1;
        return None;
    }
    Some(scanner.find(bytes))
}

/// Searches files and folders. Folders are walked without following links,
/// hidden files included (`.env` is where keys leak), `.git` never.
pub fn scan_paths(scanner: &Scanner, paths: &[PathBuf], opts: Options) -> (Vec<Finding>, Stats) {
    let mut files = Vec::new();
    let mut stats = Stats::default();
    for root in paths {
        let mut walk = ignore::WalkBuilder::new(root);
        walk.hidden(false)
            .follow_links(false)
            .git_ignore(opts.respect_ignore)
            .git_global(opts.respect_ignore)
            .git_exclude(opts.respect_ignore)
            .ignore(opts.respect_ignore)
            .parents(opts.respect_ignore)
            .require_git(false)
            .filter_entry(|e| e.file_name() != ".git");
        for entry in walk.build() {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => files.push(e.into_path()),
                Ok(e) if e.file_type().is_some_and(|t| t.is_dir()) => {}
                Ok(_) => stats.special_skipped += 1,
                Err(e) => stats
                    .errors
                    .push((root.display().to_string(), e.to_string())),
            }
        }
    }
    files.sort();
    files.dedup();
    let results: Vec<(Vec<Finding>, Stats)> = files
        .par_iter()
        .map(|path| {
            let mut s = Stats::default();
            let searched = crate::store::fsio::open_read(path)
                .and_then(|file| search_stream(scanner, file, opts, &mut s));
            let found = match searched {
                Ok(hits) => hits
                    .unwrap_or_default()
                    .into_iter()
                    .map(|hit| Finding {
                        place: Place::File(path.clone()),
                        hit,
                    })
                    .collect(),
                Err(e) => {
                    s.errors.push((path.display().to_string(), e.to_string()));
                    Vec::new()
                }
            };
            (found, s)
        })
        .collect();
    let mut findings = Vec::new();
    for (f, s) in results {
        findings.extend(f);
        stats.add(s);
    }
    (findings, stats)
}

/// Searches a stream (standard input) of any length.
pub fn scan_reader(
    scanner: &Scanner,
    reader: impl Read,
    opts: Options,
) -> Result<(Vec<Finding>, Stats)> {
    let mut stats = Stats::default();
    let findings = search_stream(scanner, reader, opts, &mut stats)
        .map_err(|e| WardError::Other(format!("cannot read standard input: {e}")))?
        .unwrap_or_default()
        .into_iter()
        .map(|hit| Finding {
            place: Place::Stdin,
            hit,
        })
        .collect();
    Ok((findings, stats))
}

fn git(repo: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C").arg(repo).stdin(Stdio::null());
    c
}

fn git_output(repo: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let out = git(repo)
        .args(args)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| WardError::Other(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(WardError::Other(format!(
            "git {} in {}: {}",
            args.first().unwrap_or(&""),
            repo.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out.stdout)
}

/// Reads the objects `names` (anything `git cat-file` takes: a blob id,
/// `:path` for the index) and hands each one's bytes to `each` with its
/// index in `names` (a missing object, such as a submodule, is skipped).
fn cat_objects(repo: &Path, names: Vec<String>, mut each: impl FnMut(usize, &[u8])) -> Result<()> {
    let mut child = git(repo)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| WardError::Other(format!("cannot run git: {e}")))?;
    let stdin = child.stdin.take().expect("piped");
    // Fed from a thread: git answers while it reads, so writing every
    // name first could fill both pipes and stop both processes.
    let feeder = std::thread::spawn(move || {
        let mut stdin = std::io::BufWriter::new(stdin);
        for n in &names {
            if writeln!(stdin, "{n}").is_err() {
                break;
            }
        }
    });
    let mut out = BufReader::with_capacity(1 << 20, child.stdout.take().expect("piped"));
    let mut header = String::new();
    let mut content = Vec::new();
    let mut index = 0;
    let result = loop {
        header.clear();
        match out.read_line(&mut header) {
            Ok(0) => break Ok(()),
            Ok(_) => {}
            Err(e) => break Err(WardError::Other(format!("reading git objects: {e}"))),
        }
        let parts: Vec<&str> = header.split_whitespace().collect();
        index += 1;
        if parts.get(1) == Some(&"missing") || parts.len() < 3 {
            continue;
        }
        let size: usize = parts[2].parse().unwrap_or(0);
        content.resize(size + 1, 0);
        if let Err(e) = out.read_exact(&mut content) {
            break Err(WardError::Other(format!("reading git objects: {e}")));
        }
        each(index - 1, &content[..size]);
    };
    let _ = feeder.join();
    let _ = child.wait();
    result
}

/// Searches every blob in the repository at `repo`: all branches and tags,
/// deleted files, unreachable objects. Each find names the oldest commit
/// that has the blob and its path there.
pub fn scan_git_history(
    scanner: &Scanner,
    repo: &Path,
    opts: Options,
) -> Result<(Vec<Finding>, Stats)> {
    let list = git_output(
        repo,
        &[
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objectname) %(objecttype)",
        ],
    )?;
    let blobs: Vec<String> = String::from_utf8_lossy(&list)
        .lines()
        .filter_map(|l| l.strip_suffix(" blob").map(str::to_string))
        .collect();
    let mut stats = Stats::default();
    let mut found: Vec<(usize, Hit)> = Vec::new();
    cat_objects(repo, blobs.clone(), |i, bytes| {
        if let Some(hits) = search(scanner, bytes, opts, &mut stats) {
            found.extend(hits.into_iter().map(|h| (i, h)));
        }
    })?;
    let mut located: std::collections::HashMap<String, (Option<String>, Option<String>)> =
        Default::default();
    let mut findings = Vec::new();
    for (i, hit) in found {
        let blob = blobs[i].clone();
        let (commit, path) = match located.get(&blob) {
            Some(l) => l.clone(),
            None => {
                let l = locate_blob(repo, &blob)?;
                located.insert(blob.clone(), l.clone());
                l
            }
        };
        findings.push(Finding {
            place: Place::Git { commit, path, blob },
            hit,
        });
    }
    Ok((findings, stats))
}

/// The oldest commit (on any ref) whose tree has `blob`, and its path.
fn locate_blob(repo: &Path, blob: &str) -> Result<(Option<String>, Option<String>)> {
    let out = git_output(
        repo,
        &[
            "log",
            "--all",
            "--no-abbrev",
            "--format=commit %H",
            "--raw",
            "--find-object",
            blob,
        ],
    )?;
    let mut commit = None;
    let mut oldest = (None, None);
    for line in String::from_utf8_lossy(&out).lines() {
        if let Some(c) = line.strip_prefix("commit ") {
            commit = Some(c[..c.len().min(12)].to_string());
        } else if let Some(raw) = line.strip_prefix(':') {
            // ":100644 100644 <old> <new> M\tpath"
            let (meta, path) = raw.split_once('\t').unwrap_or((raw, ""));
            if meta.split_whitespace().nth(3) == Some(blob) {
                oldest = (commit.clone(), Some(path.to_string()));
            }
        }
    }
    Ok(oldest)
}

/// Searches the files staged in the index of the repository at `repo`
/// (added, copied, modified or renamed): what the next commit would hold.
pub fn scan_staged(scanner: &Scanner, repo: &Path, opts: Options) -> Result<(Vec<Finding>, Stats)> {
    let list = git_output(
        repo,
        &[
            "diff",
            "--cached",
            "--name-only",
            "-z",
            "--diff-filter=ACMR",
        ],
    )?;
    let paths: Vec<String> = list
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    let names = paths.iter().map(|p| format!(":{p}")).collect();
    let mut stats = Stats::default();
    let mut findings = Vec::new();
    cat_objects(repo, names, |i, bytes| {
        if let Some(hits) = search(scanner, bytes, opts, &mut stats) {
            findings.extend(hits.into_iter().map(|hit| Finding {
                place: Place::Staged(paths[i].clone()),
                hit,
            }));
        }
    })?;
    Ok((findings, stats))
}

/// Installs a git pre-commit hook in the repository at `repo` that runs
/// `<exe> scan --staged`. An existing hook that ward did not write is left
/// alone (an error) unless `force`. Returns the hook's path.
pub fn install_hook(repo: &Path, exe: &Path, force: bool) -> Result<PathBuf> {
    let hooks = git_output(repo, &["rev-parse", "--git-path", "hooks"])?;
    let hooks = PathBuf::from(String::from_utf8_lossy(&hooks).trim());
    let hooks = if hooks.is_absolute() {
        hooks
    } else {
        repo.join(hooks)
    };
    std::fs::create_dir_all(&hooks).at(&hooks)?;
    let hook = hooks.join("pre-commit");
    if let Ok(existing) = std::fs::read_to_string(&hook) {
        if !existing.contains(HOOK_MARK) && !force {
            return Err(WardError::Exists {
                what: format!(
                    "a pre-commit hook that ward did not write (add `{} scan --staged` to it, or replace it with --force)",
                    exe.display()
                ),
                path: hook,
            });
        }
    }
    let exe = exe.display().to_string().replace('\'', r"'\''");
    let script = format!(
        "#!/bin/sh\n{HOOK_MARK}\n# Blocks a commit that holds a value of the vault (docs/SCAN.md);\n\
         # `git commit --no-verify` skips it.\nexec '{exe}' scan --staged\n"
    );
    crate::store::fsio::atomic_write(&hook, script.as_bytes())?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).at(&hook)?;
    Ok(hook)
}

/// The line that marks a hook as ward's.
const HOOK_MARK: &str = "# installed by `ward scan --install-hook`";
