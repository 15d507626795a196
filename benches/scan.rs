//! `ward scan` speed (docs/PERFORMANCE.md, "Scan"): the matcher over the
//! values of 10,000 secrets with three previous values each (every form:
//! base64 at three alignments, URL, JSON, shell), on one core over ordinary
//! source text, against `grep -F -f` and ripgrep's `rg -F -f` (when
//! installed) of the same needles on the same file as baselines, side by side; and `scan --git` of a 10,000-commit history
//! made with `git fast-import`. Run: `cargo bench --bench scan`.

use rand::{distributions::Alphanumeric, Rng, SeedableRng};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;
use ward::ops::scan::needles;
use ward::ops::scan::sources::{self, Options};
use ward::ops::scan::{Scanner, Which};
use ward::store::SecretPath;
use zeroize::Zeroizing;

const SECRETS: usize = 10_000;
const VERSIONS: u32 = 4;
const TEXT_MB: usize = 256;

fn main() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut values = Vec::new();
    for i in 0..SECRETS {
        let name = SecretPath::parse(&format!("p{}/api/KEY_{i}", i % 50)).unwrap();
        for v in 1..=VERSIONS {
            let value: String = (&mut rng)
                .sample_iter(&Alphanumeric)
                .take(32)
                .map(char::from)
                .collect();
            values.push((
                Which {
                    name: name.clone(),
                    version: v,
                    current: v == VERSIONS,
                },
                Zeroizing::new(format!("sk_{value}").into_bytes()),
            ));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    // The baseline gets the same needles: every form of every value.
    let patterns = dir.path().join("patterns");
    let mut pf = std::fs::File::create(&patterns).unwrap();
    let mut count = 0;
    for (_, v) in &values {
        for (_, form) in needles::forms(v, 8) {
            pf.write_all(&form).unwrap();
            pf.write_all(b"\n").unwrap();
            count += 1;
        }
    }
    drop(pf);
    let t = Instant::now();
    let scanner = Scanner::from_values(values, 8).unwrap();
    println!(
        "matcher over {} values ({count} needles): built in {:.0} ms",
        scanner.searched(),
        t.elapsed().as_secs_f64() * 1e3
    );

    // Ordinary source text: this crate's own sources, repeated.
    let mut source = Vec::new();
    for f in walk(Path::new("src")) {
        source.extend(std::fs::read(f).unwrap());
    }
    let mut text = Vec::with_capacity(TEXT_MB << 20);
    while text.len() < TEXT_MB << 20 {
        text.extend_from_slice(&source);
    }
    let file = dir.path().join("text");
    std::fs::write(&file, &text).unwrap();

    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let hits = scanner.find(&text);
        best = best.min(t.elapsed().as_secs_f64());
        assert!(hits.is_empty());
    }
    let mb = text.len() as f64 / (1 << 20) as f64;
    println!(
        "ward matcher, one core: {:.0} MB/s ({mb:.0} MB in {:.2} s)",
        mb / best,
        best
    );
    let mut grep = Command::new("grep");
    grep.args(["-c", "-F", "-f"])
        .arg(&patterns)
        .arg(&file)
        .env("LC_ALL", "C");
    match best_of_3(&mut grep) {
        Some(s) => println!(
            "grep -F -f (same needles, LC_ALL=C): {:.0} MB/s ({s:.2} s)",
            mb / s
        ),
        None => println!("grep -F -f: grep is not installed"),
    }
    // ripgrep, if installed (Debian's `ripgrep`), on one thread like ward's matcher.
    let mut rg = Command::new("rg");
    rg.args(["-c", "-F", "-j1", "--no-config", "-f"])
        .arg(&patterns)
        .arg(&file);
    match best_of_3(&mut rg) {
        Some(s) => println!("rg -F -f -j1 (same needles): {:.0} MB/s ({s:.2} s)", mb / s),
        None => println!("rg -F -f: ripgrep is not installed"),
    }

    // A 10,000-commit history, one file changed per commit.
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    let t = Instant::now();
    let mut import = Command::new("git")
        .arg("-C")
        .arg(&repo)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut w = std::io::BufWriter::new(import.stdin.take().unwrap());
        let chunk = &source[..source.len().min(4000)];
        for c in 0..10_000usize {
            let body = format!("// revision {c}\n{}", String::from_utf8_lossy(chunk));
            writeln!(w, "commit refs/heads/main").unwrap();
            writeln!(
                w,
                "committer dev <dev@example.com> {} +0000",
                1_700_000_000 + c
            )
            .unwrap();
            // Each commit continues the branch (fast-import's default).
            writeln!(w, "data 6\nchange").unwrap();
            writeln!(w, "M 644 inline src/file_{}.rs", c % 200).unwrap();
            writeln!(w, "data {}\n{body}", body.len()).unwrap();
        }
    }
    assert!(import.wait().unwrap().success());
    println!(
        "made a 10,000-commit repository in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let opts = Options {
        respect_ignore: true,
        binary: false,
    };
    let t = Instant::now();
    let (found, stats) = sources::scan_git_history(&scanner, &repo, opts).unwrap();
    println!(
        "scan --git of 10,000 commits ({} blobs, {:.0} MB): {:.2} s",
        stats.inputs,
        stats.bytes as f64 / (1 << 20) as f64,
        t.elapsed().as_secs_f64()
    );
    assert!(found.is_empty());
}

/// The best of three runs of a baseline, in seconds; `None` when the tool
/// is not installed. It must find nothing, as ward's matcher does.
fn best_of_3(cmd: &mut Command) -> Option<f64> {
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let status = cmd.stdout(Stdio::null()).status().ok()?;
        best = best.min(t.elapsed().as_secs_f64());
        assert_eq!(status.code(), Some(1), "{cmd:?} finds nothing either");
    }
    Some(best)
}

fn git(dir: &Path, args: &[&str]) {
    assert!(Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .status()
        .unwrap()
        .success());
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}
