//! `ward report` and `ward check`: the review (src/review.rs) for people, cron
//! and CI. Both read metadata only (in parallel, through the metadata cache)
//! and never print a value. Neither records anything in the audit log: like
//! `ward ls --long` they show no value, and a cron job running `ward check`
//! every hour would bury the log's real events (docs/ROTATION.md).

use super::args::{CheckArgs, ReportArgs, ReportFormat};
use super::context::Context;
use super::output::{self, plural};
use crate::error::{exit, Result, WardError};
use crate::policy::{Interval, PolicySource, Status};
use crate::review::{self, Filter, Review, ReviewRow, SortKey};
use crate::sanitize::escape;
use crate::store::{index, SecretMeta, SecretPath};
use chrono::NaiveDate;
use serde_json::json;
use std::io::IsTerminal;
use std::io::Write;

/// Metadata of `names` through the cache (or not, with `--no-cache`).
pub(super) fn load_metas(
    ctx: &Context,
    names: &[SecretPath],
    no_cache: bool,
) -> Result<Vec<(SecretPath, Result<SecretMeta>)>> {
    let keys = ctx.keys()?;
    if no_cache {
        return Ok(ctx.store.read_meta_all(keys, names));
    }
    let cache_dir = crate::config::cache_dir();
    Ok(index::load_metas(&ctx.store, keys, names, &cache_dir))
}

/// [`load_metas`] with what the review knows of the values: the weak
/// verdict, and the keyed fingerprints when this machine accepts the
/// store's fingerprint key (made on first need; a refused one is a
/// warning, and reuse is then not shown).
fn load_review_metas(
    ctx: &Context,
    names: &[SecretPath],
    no_cache: bool,
) -> Result<Vec<(SecretPath, Result<SecretMeta>)>> {
    let keys = ctx.keys()?;
    let values_key = match crate::ops::fingerprint::load(&ctx.store, keys) {
        Ok(Ok(k)) => Some(k),
        Ok(Err(refused)) => {
            output::warn_line(&refused.to_string());
            None
        }
        // Not a member (the key is encrypted to others): there is nothing
        // to compare, and the review says so once already.
        Err(WardError::Decrypt { .. }) => None,
        Err(e) => {
            output::warn_line(&format!(
                "reuse is not shown: the fingerprint key: {}",
                super::advice::describe(&e)
            ));
            None
        }
    };
    let cache_dir = crate::config::cache_dir();
    let cache = (!no_cache).then_some(cache_dir.as_path());
    Ok(index::load_metas_keyed(&ctx.store, keys, values_key.as_ref(), names, cache).0)
}

/// Lists, loads and assesses; warns on stderr about anything unreadable.
/// Returns the review and whether anything could not be read.
pub(super) fn load_review(
    ctx: &Context,
    prefix: Option<&str>,
    no_cache: bool,
    today: NaiveDate,
) -> Result<(Review, bool)> {
    let prefix = prefix.map(SecretPath::parse_prefix).transpose()?;
    let listing = ctx.store.list(prefix.as_ref());
    for p in &listing.problems {
        output::warn_line(&format!("{}: {}", p.path.display(), p.cause));
    }
    let loaded = load_review_metas(ctx, &listing.secrets, no_cache)?;
    let review = Review::build(&listing, loaded, ctx.config.lead_time, today);
    let keys = ctx.keys()?;
    if !review.unreadable.is_empty() && !crate::ops::identity::is_member(&ctx.store, keys) {
        // One line, not one per secret.
        output::warn_line(&crate::ops::identity::not_a_member_line(
            keys,
            review.unreadable.len(),
        ));
    } else {
        for u in &review.unreadable {
            output::warn_line(&u.error);
        }
    }
    let failed = !listing.problems.is_empty() || !review.unreadable.is_empty();
    Ok((review, failed))
}

fn parse_span(raw: &str) -> Result<Interval> {
    raw.parse::<Interval>()
        .map_err(|e| WardError::Usage(format!("--due-within: {e}")))
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

pub fn report(ctx: &Context, args: ReportArgs) -> Result<i32> {
    if args.format == ReportFormat::Html {
        return Err(WardError::Usage(
            "--format html is for the evidence pack: ward report --evidence --format html".into(),
        ));
    }
    let today = today();
    let sort_key: SortKey = args
        .sort
        .parse()
        .map_err(|e| WardError::Usage(format!("--sort: {e}")))?;
    let statuses = args
        .statuses
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.parse::<Status>())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| WardError::Usage(format!("--status: {e}")))?;
    let due_by = args
        .due_within
        .as_deref()
        .map(parse_span)
        .transpose()?
        .map(|span| review::due_by(span, today));
    let filter = Filter {
        statuses,
        project: args.project.clone(),
        owner: args.owner.clone(),
        prefix: None, // the listing is already limited to the prefix
        due_by,
    };

    let (mut review, failed) = load_review(ctx, args.prefix.as_deref(), args.no_cache, today)?;
    review.rows.retain(|r| filter.matches(r));
    review::sort(&mut review.rows, sort_key, args.reverse);

    let mut out = std::io::stdout().lock();
    let written = match args.format {
        ReportFormat::Table => {
            let width = if args.wide {
                None
            } else {
                output::terminal_width()
            };
            write_table(&mut out, &review, width)
        }
        ReportFormat::Json => write_json(&mut out, &review, today),
        ReportFormat::Csv => write_csv(&mut out, &review.rows),
        ReportFormat::Markdown => write_markdown(&mut out, &review.rows),
        ReportFormat::Html => unreachable!("refused above"),
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(WardError::Other(format!("cannot write the report: {e}")));
        }
    }
    Ok(if failed { exit::CORRUPT } else { exit::OK })
}

pub fn check(ctx: &Context, args: CheckArgs) -> Result<i32> {
    let today = today();
    let due_by = args
        .due_within
        .as_deref()
        .map(parse_span)
        .transpose()?
        .map(|span| review::due_by(span, today));
    let (mut review, failed) = load_review(ctx, args.prefix.as_deref(), args.no_cache, today)?;
    // Flagged values (weak, reuse, reverted) are counted on stderr; they
    // are listed, and fail the check, only when config.toml's `[review]
    // fail_on` names their flag: a cron job's mail stays quiet otherwise.
    let fail_on = &ctx.config.review.fail_on;
    let flagged = review::flag_counts(&review.rows);
    review
        .rows
        .retain(|r| review::needs_attention(r, due_by) || r.has_flag(fail_on));
    review::sort(&mut review.rows, SortKey::Status, false);

    // A row listed only because it is due within the span is "due", not
    // "ok": the span asked for what comes next.
    let label = |r: &ReviewRow| {
        if r.status.needs_action() || r.status == Status::DueSoon {
            r.status.label()
        } else if review::needs_attention(r, due_by) {
            "due"
        } else {
            r.flags
                .iter()
                .find(|f| fail_on.contains(&f.flag))
                .map_or("due", |f| f.flag.label())
        }
    };
    let rows: Vec<Vec<String>> = review
        .rows
        .iter()
        .map(|r| {
            vec![
                label(r).to_string(),
                r.name.to_string(),
                r.owner.clone().unwrap_or_else(|| "-".into()),
                r.full_reason(),
            ]
        })
        .collect();
    let mut out = std::io::stdout().lock();
    let _ = super::output::write_rows(&mut out, &rows);
    let _ = out.flush();
    let failing_flags = review.rows.iter().filter(|r| r.has_flag(fail_on)).count();
    let counts = review::counts(
        review
            .rows
            .iter()
            .filter(|r| review::needs_attention(r, due_by)),
    );
    let needing = counts.needing_action();
    if !review.rows.is_empty() || !flagged.is_empty() {
        let parts: Vec<String> = counts
            .iter()
            .filter(|(s, n)| *n > 0 && s.needs_action())
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        let mut summary = if needing == 0 {
            "nothing needs action".to_string()
        } else {
            format!(
                "{} need{} action ({})",
                plural(needing, "secret"),
                if needing == 1 { "s" } else { "" },
                parts.join(", ")
            )
        };
        let later = counts.total() - needing;
        if let (Some(by), true) = (due_by, later > 0) {
            summary.push_str(&format!("; {} due by {by}", plural(later, "more secret")));
        }
        if !flagged.is_empty() {
            let words: Vec<String> = flagged.iter().map(|(f, n)| format!("{n} {f}")).collect();
            let how = if failing_flags > 0 {
                "listed above: [review] fail_on"
            } else {
                "`ward report` lists them"
            };
            summary.push_str(&format!("; values flagged: {} ({how})", words.join(", ")));
        }
        eprintln!("ward check: {summary}");
    }
    Ok(if needing > 0 || failing_flags > 0 {
        exit::NEEDS_ACTION
    } else if failed {
        exit::CORRUPT
    } else {
        exit::OK
    })
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// "90d", "30d (infra)" when inherited, "" when none.
fn policy_cell(r: &ReviewRow) -> String {
    match (&r.policy, &r.policy_source) {
        (Some(p), PolicySource::Folder(f)) => format!("{p} ({f}/)"),
        (Some(p), _) => p.to_string(),
        (None, _) => String::new(),
    }
}

pub(super) fn source_cell(s: &PolicySource) -> String {
    match s {
        PolicySource::Secret => "secret".into(),
        PolicySource::Folder(f) => format!("folder:{f}"),
        PolicySource::None => "none".into(),
    }
}

fn or_dash(s: String) -> String {
    if s.is_empty() {
        "-".into()
    } else {
        s
    }
}

/// The table, one line per secret: at a terminal's width, the columns a
/// lead needs least give way first (KIND, EXPIRES, POLICY, OWNER), the
/// reason is cut at its end and a long name in its middle; `--wide` (or a
/// pipe without `COLUMNS`) shows everything.
fn write_table(out: &mut impl Write, review: &Review, width: Option<usize>) -> std::io::Result<()> {
    use output::{Column, Give};
    let col = |title, give| Column { title, give };
    let columns = [
        col("STATUS", Give::Keep),
        col(
            "NAME",
            Give::Shorten {
                min: 24,
                middle: true,
            },
        ),
        col("AGE", Give::Keep),
        col("POLICY", Give::Drop(3)),
        col("DUE", Give::Drop(5)),
        col("EXPIRES", Give::Drop(2)),
        col("OWNER", Give::Drop(4)),
        col("KIND", Give::Drop(1)),
        col(
            "REASON",
            Give::Shorten {
                min: 20,
                middle: false,
            },
        ),
    ];
    let rows: Vec<Vec<String>> = review
        .rows
        .iter()
        .map(|r| {
            vec![
                format!("{} {}", r.status.symbol(), r.status),
                r.name.to_string(),
                format!("{}d", r.age_days),
                or_dash(policy_cell(r)),
                or_dash(date(r.due)),
                or_dash(date(r.expires)),
                or_dash(r.owner.clone().unwrap_or_default()),
                r.kind.to_string(),
                r.full_reason(),
            ]
        })
        .collect();
    output::write_fitted(out, &columns, &rows, width)?;
    let c = review::counts(&review.rows);
    let parts: Vec<String> = c
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    writeln!(
        out,
        "\n{}{}{}",
        plural(c.total(), "secret"),
        if parts.is_empty() { "" } else { ": " },
        parts.join(", ")
    )?;
    if !review.unreadable.is_empty() {
        writeln!(
            out,
            "{} could not be read (see the warnings above)",
            plural(review.unreadable.len(), "secret")
        )?;
    }
    Ok(())
}

fn write_json(out: &mut impl Write, review: &Review, today: NaiveDate) -> std::io::Result<()> {
    let c = review::counts(&review.rows);
    let counts: serde_json::Map<String, serde_json::Value> = c
        .iter()
        .map(|(s, n)| (s.label().to_string(), json!(n)))
        .collect();
    let doc = json!({
        "today": today,
        "total": c.total(),
        "counts": counts,
        "secrets": review.rows,
        "unreadable": review.unreadable,
    });
    let text = serde_json::to_string_pretty(&doc).expect("a JSON value serialises");
    // The same escaping as every other JSON ward prints: names and notes
    // come from the store and must not drive the terminal.
    let text = if std::io::stdout().is_terminal() {
        super::output::escape_json_for_terminal(&text)
    } else {
        text
    };
    writeln!(out, "{text}")
}

const CSV_HEADER: [&str; 13] = [
    "name",
    "project",
    "status",
    "reason",
    "age_days",
    "rotated",
    "policy",
    "policy_source",
    "lead",
    "due",
    "expires",
    "owner",
    "kind",
];

fn csv_cells(r: &ReviewRow) -> [String; 13] {
    [
        r.name.to_string(),
        r.project.clone(),
        r.status.to_string(),
        r.reason.clone(),
        r.age_days.to_string(),
        r.rotated.to_string(),
        r.policy.map(|p| p.to_string()).unwrap_or_default(),
        source_cell(&r.policy_source),
        r.lead.to_string(),
        date(r.due),
        date(r.expires),
        r.owner.clone().unwrap_or_default(),
        r.kind.to_string(),
    ]
}

/// RFC 4180: quote a field holding a comma, quote, CR or LF; double quotes.
/// Control characters are escaped first, as everywhere on the terminal.
/// A cell a spreadsheet would read as a formula (starting with `=`, `+`, `-`,
/// `@`, tab or CR) gets a leading `'`, as OWASP advises against CSV
/// injection; plain numbers such as `-3` are left alone.
pub fn csv_field(raw: &str) -> String {
    let mut s = escape(raw);
    let formula = |t: &str| t.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if (formula(raw) || formula(&s)) && !is_plain_number(&s) {
        s.insert(0, '\'');
    }
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// `-3`, `+12`, `0.5`: digits with an optional sign and one decimal point.
fn is_plain_number(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

fn write_csv(out: &mut impl Write, rows: &[ReviewRow]) -> std::io::Result<()> {
    write!(out, "{}\r\n", CSV_HEADER.join(","))?;
    for r in rows {
        let line: Vec<String> = csv_cells(r).iter().map(|c| csv_field(c)).collect();
        write!(out, "{}\r\n", line.join(","))?;
    }
    Ok(())
}

/// A Markdown table cell: escaped, pipes and backslashes made literal.
pub fn markdown_cell(raw: &str) -> String {
    escape(raw)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn write_markdown(out: &mut impl Write, rows: &[ReviewRow]) -> std::io::Result<()> {
    writeln!(
        out,
        "| Status | Name | Age | Policy | Due | Expires | Owner | Kind | Reason |"
    )?;
    writeln!(out, "|---|---|---:|---|---|---|---|---|---|")?;
    for r in rows {
        let cells = [
            r.status.to_string(),
            format!("`{}`", r.name.as_str().replace('`', "'")),
            format!("{}d", r.age_days),
            policy_cell(r),
            date(r.due),
            date(r.expires),
            r.owner.clone().unwrap_or_default(),
            r.kind.to_string(),
            r.reason.clone(),
        ];
        let cells: Vec<String> = cells.iter().map(|c| markdown_cell(c)).collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("\x1b[31m"), "\\e[31m");
    }

    #[test]
    fn csv_formulas_are_defused() {
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("+1+cmd"), "'+1+cmd");
        assert_eq!(csv_field("-2+3"), "'-2+3");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("\tx"), "'\\tx");
        assert_eq!(csv_field("\rx"), "'\\rx");
        assert_eq!(csv_field("-"), "'-");
        assert_eq!(csv_field("-3"), "-3");
        assert_eq!(csv_field("+1.5"), "+1.5");
        assert_eq!(csv_field("a=b"), "a=b");
    }

    #[test]
    fn markdown_escaping() {
        assert_eq!(markdown_cell("a|b"), "a\\|b");
        assert_eq!(markdown_cell("x\\y"), "x\\\\y");
    }
}
