//! `ward import [FORMAT] SOURCE [--prefix F] [--dry-run] [--on-conflict …]`:
//! parses, calls `ops::import`, prints the mapping (dry run) or the summary.

use super::args::ImportArgs;
use super::context::{load_keyring, Context};
use super::output;
use crate::error::{exit, Result, WardError};
use crate::ops::import::{self, Format, Options, Outcome, Report, SourceKeys};
use crate::sanitize::escape;
use crate::store::SecretPath;
use age::secrecy::{ExposeSecret, SecretString};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

pub fn run(ctx: &Context, args: ImportArgs) -> Result<i32> {
    let (format, source) = format_and_source(&args)?;
    let prefix = args
        .prefix
        .as_deref()
        .map(SecretPath::parse_prefix)
        .transpose()?;
    let on_conflict = args.on_conflict.parse().map_err(WardError::Usage)?;
    let age = match format {
        Format::Passage => Some(load_keyring(&passage_identities(&args))?),
        _ => None,
    };
    // The store's keys are loaded (and a passphrase asked) before the
    // source is decrypted, so a wrong one costs no gpg round.
    let w = ctx.writer(args.force)?;
    let (password, keyfile) = match format {
        Format::Kdbx => kdbx_key(&args, &source)?,
        _ => (None, None),
    };
    let kdbx = (format == Format::Kdbx).then(|| import::kdbx::Key {
        password: password.as_ref().map(|p| p.expose_secret()),
        keyfile: keyfile.as_deref().map(|k| &k[..]),
    });
    let bar = Bar::new();
    let parsed = import::read(
        format,
        &source,
        &SourceKeys {
            age: age.as_ref(),
            kdbx,
        },
        &|done, total| bar.show("Reading", done, total),
    )?;
    bar.clear();
    let (planned, failures) = import::plan(parsed.entries, prefix.as_ref());
    let options = Options {
        format,
        on_conflict,
        dry_run: args.dry_run,
    };
    let mut report = import::run(&w, planned, &options, &|done, total| {
        bar.show(
            if args.dry_run {
                "Checking"
            } else {
                "Importing"
            },
            done,
            total,
        )
    });
    bar.clear();
    // The run's own failures (a store it could not lock) stay with the
    // parser's and the writer's.
    let run_failures = std::mem::take(&mut report.failures);
    report.failures = parsed.failures;
    report.failures.extend(failures);
    report.failures.extend(run_failures);
    report.notices = parsed.notices;
    if args.dry_run {
        print_plan(&report)?;
    }
    print_summary(&report, args.dry_run);
    if let Some(w) = &report.commit_warning {
        output::warn_line(w);
    }
    Ok(if report.complete() {
        exit::OK
    } else {
        exit::FAILURE
    })
}

/// `FORMAT SOURCE`, or `SOURCE` alone when its format is obvious.
fn format_and_source(args: &ImportArgs) -> Result<(Format, PathBuf)> {
    if let Some(source) = &args.source {
        let format = args.format_or_source.parse().map_err(WardError::Usage)?;
        return Ok((format, source.clone()));
    }
    let source = PathBuf::from(&args.format_or_source);
    if args.format_or_source.parse::<Format>().is_ok() && !source.exists() {
        return Err(WardError::Usage(format!(
            "which {} to import? give the SOURCE after the format",
            args.format_or_source
        )));
    }
    if !source.exists() {
        return Err(WardError::Usage(format!(
            "{} does not exist",
            escape(&source.display().to_string())
        )));
    }
    match Format::detect(&source) {
        Some(format) => Ok((format, source)),
        None => Err(WardError::Usage(format!(
            "cannot tell what {} is: name the format (ward import FORMAT SOURCE; one of {})",
            escape(&source.display().to_string()),
            Format::ALL.map(|f| f.label()).join(", ")
        ))),
    }
}

/// A KeePass database's password (asked on a terminal, else the first line
/// of stdin; empty means none, for a key file alone) and key file.
type KdbxKey = (Option<SecretString>, Option<zeroize::Zeroizing<Vec<u8>>>);

fn kdbx_key(args: &ImportArgs, source: &std::path::Path) -> Result<KdbxKey> {
    let keyfile = args
        .key_file
        .as_deref()
        .map(import::read_file)
        .transpose()?;
    let password = if std::io::stdin().is_terminal() {
        super::prompt::hidden(&format!(
            "Password for {}{}: ",
            escape(&source.display().to_string()),
            if keyfile.is_some() {
                " (Enter for none)"
            } else {
                ""
            }
        ))?
    } else {
        let mut line = zeroize::Zeroizing::new(String::new());
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| WardError::io("stdin", e))?;
        let text = line.strip_suffix('\n').unwrap_or(&line);
        SecretString::from(text.strip_suffix('\r').unwrap_or(text).to_string())
    };
    let password = (!password.expose_secret().is_empty()).then_some(password);
    if password.is_none() && keyfile.is_none() {
        return Err(WardError::Usage(
            "no password and no --key-file: a KeePass database needs one".into(),
        ));
    }
    Ok((password, keyfile))
}

/// passage's identities: `--source-identity`, else its own defaults.
fn passage_identities(args: &ImportArgs) -> Vec<PathBuf> {
    if !args.source_identities.is_empty() {
        return args.source_identities.clone();
    }
    if let Some(file) = std::env::var_os("PASSAGE_IDENTITIES_FILE") {
        return vec![PathBuf::from(file)];
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    vec![home.join(".passage").join("identities")]
}

/// What `--dry-run` shows: every entry, the name it gets, and what would happen.
fn print_plan(report: &Report) -> Result<()> {
    let rows: Vec<Vec<String>> = report
        .items
        .iter()
        .map(|i| {
            let mut what = outcome_word(&i.outcome, true);
            if let Some(why) = &i.renamed {
                what.push_str(&format!(" (renamed: {why})"));
            }
            vec![
                escape(&i.source_name),
                escape(i.name.as_str()),
                escape(&what),
            ]
        })
        .collect();
    output::table(&["SOURCE", "NAME", "WOULD"], &rows);
    Ok(())
}

fn outcome_word(o: &Outcome, dry: bool) -> String {
    match (o, dry) {
        (Outcome::Imported, true) => "import".into(),
        (Outcome::Imported, false) => "imported".into(),
        (Outcome::Updated, true) => "rotate the existing secret".into(),
        (Outcome::Updated, false) => "rotated".into(),
        (Outcome::Unchanged, _) => "skip: already in the store".into(),
        (Outcome::Exists, _) => "skip: a different secret has the name".into(),
        (Outcome::Failed(why), _) => format!("fail: {why}"),
    }
}

/// The summary on stderr: counts, then every renamed entry, every secret
/// left alone and every failure with its reason.
fn print_summary(report: &Report, dry: bool) {
    let n = |f: fn(&Outcome) -> bool| report.count(f);
    let failed = n(|o| matches!(o, Outcome::Failed(_))) + report.failures.len();
    let renamed = report.items.iter().filter(|i| i.renamed.is_some()).count();
    eprintln!(
        "{}{} imported, {} rotated, {} skipped (unchanged), {} left alone (name taken), \
         {} renamed, {} failed",
        if dry {
            "Dry run, nothing written; it would give: "
        } else {
            ""
        },
        n(|o| *o == Outcome::Imported),
        n(|o| *o == Outcome::Updated),
        n(|o| *o == Outcome::Unchanged),
        n(|o| *o == Outcome::Exists),
        renamed,
        failed
    );
    for notice in &report.notices {
        eprintln!("  note: {}", escape(notice));
    }
    for i in &report.items {
        for part in &i.left_out {
            eprintln!(
                "  {}: {} not imported (ward keeps no attachments)",
                escape(i.name.as_str()),
                escape(part)
            );
        }
        if dry {
            continue;
        }
        if let Some(why) = &i.renamed {
            eprintln!(
                "  renamed {} -> {}: {}",
                escape(&i.source_name),
                escape(i.name.as_str()),
                escape(why)
            );
        }
        if i.outcome == Outcome::Exists {
            eprintln!(
                "  left alone {}: a different secret has the name (--on-conflict rotate or rename)",
                escape(i.name.as_str())
            );
        }
    }
    for i in &report.items {
        if let Outcome::Failed(why) = &i.outcome {
            eprintln!(
                "  failed {} ({}): {}",
                escape(&i.source_name),
                escape(&i.origin),
                escape(why)
            );
        }
    }
    for f in &report.failures {
        eprintln!("  failed {}: {}", escape(&f.entry), escape(&f.reason));
    }
}

/// A progress bar on stderr when it is a terminal; nothing on a pipe.
struct Bar {
    on: bool,
}

impl Bar {
    fn new() -> Bar {
        Bar {
            on: std::io::stderr().is_terminal(),
        }
    }

    fn show(&self, what: &str, done: usize, total: usize) {
        // About a hundred redraws, whatever the size.
        if !self.on || total == 0 || (!done.is_multiple_of((total / 100).max(1)) && done != total) {
            return;
        }
        let width = 30;
        let filled = done * width / total;
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r{what} [{}{}] {done}/{total}",
            "#".repeat(filled),
            " ".repeat(width - filled)
        );
        let _ = err.flush();
    }

    fn clear(&self) {
        if self.on {
            eprint!("\r\x1b[K");
        }
    }
}
