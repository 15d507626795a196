//! `ward scan`: prints where the vault's values were found (docs/SCAN.md).
//! Never the value, never the matching line: a place, the secret's name,
//! which of its values, and the encoding it was found in.

use super::args::{ScanArgs, ScanFormat};
use super::context::Context;
use super::output;
use crate::error::{exit, Result, WardError};
use crate::ops::change::{apply, Change, MetaPatch};
use crate::ops::scan::sources::{self, Finding, Options, Place, Stats};
use crate::ops::scan::Scanner;
use crate::sanitize::escape;
use crate::words::plural;
use std::path::PathBuf;

pub fn run(ctx: &Context, args: ScanArgs) -> Result<i32> {
    let started = std::time::Instant::now();
    let opts = Options {
        respect_ignore: !args.all,
        binary: args.binary,
    };
    let min_length = args.min_length.unwrap_or(ctx.config.scan.min_length);
    let scanner = Scanner::from_store(&ctx.store, ctx.keys()?, min_length)?;
    let (mut findings, stats) = if let Some(repo) = &args.git {
        sources::scan_git_history(&scanner, repo, opts)?
    } else if args.staged {
        sources::scan_staged(&scanner, &PathBuf::from("."), opts)?
    } else if args.paths.iter().any(|p| p.as_os_str() == "-") {
        if args.paths.len() > 1 {
            return Err(WardError::Usage(
                "`-` (standard input) cannot be mixed with paths; scan them in two runs".into(),
            ));
        }
        sources::scan_reader(&scanner, std::io::stdin().lock(), opts)?
    } else {
        let paths = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        for p in &paths {
            if std::fs::symlink_metadata(p).is_err() {
                return Err(WardError::Usage(format!(
                    "{} does not exist",
                    escape(&p.display().to_string())
                )));
            }
        }
        sources::scan_paths(&scanner, &paths, opts)
    };
    findings.sort_by(|a, b| (&a.place, a.hit.line).cmp(&(&b.place, b.hit.line)));
    match args.format {
        ScanFormat::Text => print_text(&findings)?,
        ScanFormat::Json => output::json(&json(&findings, &scanner, &stats)),
        ScanFormat::Sarif => output::json(&sarif(&findings)),
    }
    summary(&findings, &scanner, &stats, started.elapsed());
    if args.mark_compromised {
        mark(ctx, &findings)?;
    }
    Ok(if findings.is_empty() {
        exit::OK
    } else {
        exit::LEAK_FOUND
    })
}

/// `ward scan --install-hook [REPO]`: needs no store or identity.
pub fn install_hook(args: ScanArgs) -> Result<i32> {
    let repo = args
        .install_hook
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    let exe = super::git::exe()?;
    let hook = sources::install_hook(&repo, &exe, args.force)?;
    output::print_line(&format!(
        "Installed {}: each commit is scanned first (`ward scan --staged`) and blocked when it \
         holds a value of the vault, or when the vault cannot be opened.",
        escape(&hook.display().to_string())
    ))?;
    Ok(exit::OK)
}

/// Where a find is, for a person (escaped).
fn place(f: &Finding) -> String {
    let at = match &f.place {
        Place::File(p) => p.strip_prefix("./").unwrap_or(p).display().to_string(),
        Place::Stdin => "(stdin)".into(),
        Place::Staged(p) => format!("(staged) {p}"),
        Place::Git { commit, path, blob } => match (commit, path) {
            (Some(c), Some(p)) => format!("{c}:{p}"),
            _ => format!("(unreachable object {})", &blob[..blob.len().min(12)]),
        },
    };
    format!("{}:{}", escape(&at), f.hit.line)
}

fn print_text(findings: &[Finding]) -> Result<()> {
    for f in findings {
        output::print_line(&format!(
            "{}: {} ({} value, {})",
            place(f),
            escape(f.hit.which.name.as_str()),
            f.hit.which.label(),
            f.hit.form.label()
        ))?;
    }
    Ok(())
}

/// What was searched and what could not be, on stderr.
fn summary(findings: &[Finding], scanner: &Scanner, stats: &Stats, took: std::time::Duration) {
    let secrets: std::collections::BTreeSet<_> =
        findings.iter().map(|f| &f.hit.which.name).collect();
    eprintln!(
        "ward scan: {} of {} in {} ({}) for {}, in {:.2} s",
        plural(findings.len(), "find"),
        plural(secrets.len(), "secret"),
        plural(stats.inputs, "input"),
        crate::store::fsio::size_text(stats.bytes),
        plural(scanner.searched(), "value"),
        took.as_secs_f64()
    );
    if stats.binary_skipped > 0 {
        eprintln!(
            "  {} skipped as binary (--binary searches them)",
            plural(stats.binary_skipped, "input")
        );
    }
    if stats.special_skipped > 0 {
        eprintln!(
            "  {} skipped (links, FIFOs, sockets, devices are never opened)",
            plural(stats.special_skipped, "special file")
        );
    }
    let gaps = &scanner.gaps;
    if !gaps.too_short.is_empty() {
        let names: Vec<String> = gaps
            .too_short
            .iter()
            .map(|w| format!("{} ({})", escape(w.name.as_str()), w.label()))
            .collect();
        eprintln!(
            "  not searched, shorter than --min-length: {}",
            names.join(", ")
        );
    }
    if !gaps.unreadable.is_empty() {
        eprintln!(
            "  not searched, not readable with your identities: {}",
            plural(gaps.unreadable.len(), "secret")
        );
    }
    for (name, why) in &gaps.damaged {
        eprintln!("  not searched: {}: {}", escape(name.as_str()), escape(why));
    }
    for (input, why) in &stats.errors {
        eprintln!("  could not read {}: {}", escape(input), escape(why));
    }
}

fn json(findings: &[Finding], scanner: &Scanner, stats: &Stats) -> serde_json::Value {
    let finds: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            let mut v = serde_json::json!({
                "line": f.hit.line,
                "secret": f.hit.which.name.as_str(),
                "version": f.hit.which.version,
                "current": f.hit.which.current,
                "encoding": f.hit.form.label(),
            });
            match &f.place {
                Place::File(p) => v["file"] = p.display().to_string().into(),
                Place::Stdin => v["stdin"] = true.into(),
                Place::Staged(p) => v["staged"] = p.as_str().into(),
                Place::Git { commit, path, blob } => {
                    v["commit"] = commit.clone().into();
                    v["path"] = path.clone().into();
                    v["blob"] = blob.as_str().into();
                }
            }
            v
        })
        .collect();
    serde_json::json!({
        "found": finds,
        "searched_values": scanner.searched(),
        "inputs": stats.inputs,
        "bytes": stats.bytes,
        "binary_skipped": stats.binary_skipped,
        "special_skipped": stats.special_skipped,
        "too_short": scanner.gaps.too_short.iter().map(|w| serde_json::json!({
            "secret": w.name.as_str(), "version": w.version, "current": w.current,
        })).collect::<Vec<_>>(),
        "unreadable": scanner.gaps.unreadable.iter().map(|n| n.as_str()).collect::<Vec<_>>(),
        "errors": stats.errors.iter().map(|(i, e)| serde_json::json!({"input": i, "error": e})).collect::<Vec<_>>(),
    })
}

/// SARIF 2.1.0: one rule, one result per find, located by file (or the
/// blob's path) and line.
fn sarif(findings: &[Finding]) -> serde_json::Value {
    let results: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            let uri = match &f.place {
                Place::File(p) => p.strip_prefix("./").unwrap_or(p).display().to_string(),
                Place::Staged(p) => p.clone(),
                Place::Git { path, blob, .. } => path.clone().unwrap_or_else(|| blob.clone()),
                Place::Stdin => "stdin".into(),
            };
            let mut r = serde_json::json!({
                "ruleId": "ward/known-secret",
                "level": "error",
                "message": { "text": format!(
                    "The {} value of {} is here ({}).",
                    f.hit.which.label(), f.hit.which.name.as_str(), f.hit.form.label()
                )},
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": uri },
                    "region": { "startLine": f.hit.line },
                }}],
            });
            if let Place::Git {
                commit: Some(c), ..
            } = &f.place
            {
                r["properties"] = serde_json::json!({ "commit": c });
            }
            r
        })
        .collect();
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "ward",
                "informationUri": "https://github.com/ward/ward",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": [{
                    "id": "ward/known-secret",
                    "name": "KnownSecretValue",
                    "shortDescription": { "text": "A value kept in the ward vault appears here" },
                    "help": { "text": "Rotate the secret (`ward rotate NAME`) and remove the value from this place and its history." },
                }],
            }},
            "results": results,
        }],
    })
}

/// `--mark-compromised`: each secret whose current value was found, once,
/// with the first place as the reason.
fn mark(ctx: &Context, findings: &[Finding]) -> Result<()> {
    let mut done = std::collections::BTreeSet::new();
    let writer = ctx.writer(false)?;
    for f in findings.iter().filter(|f| f.hit.which.current) {
        if !done.insert(f.hit.which.name.clone()) {
            continue;
        }
        let reason = format!("found by ward scan at {}", place(f));
        apply(
            &writer,
            Change::Edit {
                name: f.hit.which.name.clone(),
                meta: MetaPatch::default(),
                compromised: Some(Some(reason)),
            },
        )?;
        eprintln!(
            "Marked {} compromised (rotate it: ward rotate {})",
            escape(f.hit.which.name.as_str()),
            escape(f.hit.which.name.as_str())
        );
    }
    Ok(())
}
