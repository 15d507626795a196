//! `ward review sign` and `ward report --evidence` (docs/ROTATION.md,
//! "Evidence and sign-off"): the facts of ops::evidence, as a Markdown
//! document or one self-contained HTML file (no script, no network).

use super::args::{ReportArgs, ReportFormat, ReviewArgs, ReviewCommand};
use super::context::Context;
use super::output;
use crate::audit::{self, Action, Event};
use crate::error::{exit, Result, WardError};
use crate::ops::evidence::{self, Evidence, Period};
use crate::ops::incident::Ending;
use crate::sanitize::escape;
use chrono::Utc;
use std::fmt::Write as _;

fn period(raw: Option<&str>) -> Result<Period> {
    match raw {
        Some(p) => Period::parse(p).map_err(WardError::Usage),
        None => Ok(Period::current_quarter(Utc::now())),
    }
}

/// `ward review sign [--period P]`.
pub fn review(ctx: &Context, args: ReviewArgs) -> Result<i32> {
    let ReviewCommand::Sign { period: raw } = args.command;
    let period = period(raw.as_deref())?;
    let today = Utc::now().date_naive();
    let (review, failed) = super::report::load_review(ctx, None, false, today)?;
    if failed {
        return Err(WardError::Usage(format!(
            "the review is incomplete ({} could not be read): nothing was signed",
            output::plural(review.unreadable.len().max(1), "secret")
        )));
    }
    let reason = evidence::signoff_reason(&period, &review.rows);
    let keys = ctx.keys()?;
    let record = audit::Log::open(
        ctx.store.root(),
        &ctx.actor,
        audit::keyring_fingerprint(keys),
    )
    .append(keys, Event::new(Action::SignOff).reason(Some(&reason)))?;
    output::print_line(&format!(
        "Signed off the review of {} as {}: {}.",
        escape(&period.label),
        escape(&record.actor),
        escape(reason.split_once(": ").map(|(_, r)| r).unwrap_or(&reason))
    ))?;
    Ok(exit::OK)
}

/// `ward report --evidence [--format markdown|html] [--period P]`.
pub fn report(ctx: &Context, args: ReportArgs) -> Result<i32> {
    let html = match args.format {
        ReportFormat::Markdown | ReportFormat::Table => false,
        ReportFormat::Html => true,
        ReportFormat::Json | ReportFormat::Csv => {
            return Err(WardError::Usage(
                "the evidence pack is --format markdown (default) or html".into(),
            ))
        }
    };
    let period = period(args.period.as_deref())?;
    let now = Utc::now();
    let (review, failed) =
        super::report::load_review(ctx, args.prefix.as_deref(), args.no_cache, now.date_naive())?;
    let timeline = audit::read_all(ctx.store.root());
    let verified = match audit::verify(ctx.store.root(), ctx.keys()?) {
        Ok(report) => {
            let broken: Vec<String> = report
                .files
                .iter()
                .filter(|f| !f.is_ok())
                .map(|f| f.chain.clone())
                .collect();
            match (report.is_ok(), broken.is_empty()) {
                (true, _) => format!(
                    "intact: {} verified",
                    output::plural(report.files.len(), "chain")
                ),
                (false, true) => {
                    "the audit key is not the one this machine pinned (`ward audit verify`)".into()
                }
                (false, false) => format!("BROKEN: {} (`ward audit verify`)", broken.join(", ")),
            }
        }
        Err(e) => format!("not verified: {e}"),
    };
    let pack = evidence::build(&ctx.store, &review.rows, &timeline, period, now)?;
    let text = if html {
        render_html(&pack, &verified, failed)
    } else {
        render_markdown(&pack, &verified, failed)
    };
    print!("{text}");
    Ok(if failed { exit::CORRUPT } else { exit::OK })
}

/// HTML-safe text.
fn h(s: &str) -> String {
    escape(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn met_word(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "NOT met",
        None => "no policy",
    }
}

fn ending_word(e: &Ending) -> String {
    match e {
        Ending::Rotated { version: Some(v) } => format!("rotated to v{v}"),
        Ending::Rotated { version: None } => "rotated".into(),
        Ending::FalseAlarm { reason } => format!("false alarm: {}", escape(reason)),
        Ending::Deleted => "deleted".into(),
    }
}

/// The facts every layout shows, as (heading, header, rows) tables.
struct Table {
    title: &'static str,
    note: String,
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

fn tables(e: &Evidence) -> Vec<Table> {
    let keys = e
        .readers
        .iter()
        .flat_map(|r| {
            r.keys.iter().map(move |(id, label)| {
                vec![
                    r.scope.clone(),
                    label.clone().unwrap_or_else(|| "-".into()),
                    id.clone(),
                    r.secrets.to_string(),
                ]
            })
        })
        .collect();
    let with_policy = e.cryptoperiods.iter().filter(|c| c.met.is_some()).count();
    let met = e
        .cryptoperiods
        .iter()
        .filter(|c| c.met == Some(true))
        .count();
    let periods = e
        .cryptoperiods
        .iter()
        .map(|c| {
            vec![
                c.row.name.as_str().to_string(),
                c.row
                    .policy
                    .map(|p| format!("{p} ({})", super::report::source_cell(&c.row.policy_source)))
                    .unwrap_or_else(|| "-".into()),
                met_word(c.met).into(),
                format!("{} d", c.longest_days),
                c.rotations.len().to_string(),
                c.row.status.label().into(),
                c.row.owner.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let rotations: Vec<Vec<String>> = {
        let mut all: Vec<(chrono::DateTime<Utc>, &str)> = e
            .cryptoperiods
            .iter()
            .flat_map(|c| c.rotations.iter().map(move |t| (*t, c.row.name.as_str())))
            .collect();
        all.sort();
        all.into_iter()
            .map(|(t, n)| vec![t.format("%Y-%m-%d").to_string(), n.to_string()])
            .collect()
    };
    let incidents = e
        .incidents
        .iter()
        .map(|i| {
            vec![
                i.name.clone(),
                format!("{} by {}", i.opened.format("%Y-%m-%d"), i.opened_by),
                i.reason.clone().unwrap_or_else(|| "-".into()),
                match &i.closed {
                    None => "open".into(),
                    Some(c) => format!(
                        "{} by {} on {}",
                        ending_word(&c.ending),
                        c.actor,
                        c.time.format("%Y-%m-%d")
                    ),
                },
            ]
        })
        .collect();
    let access = e
        .access
        .iter()
        .map(|(actor, a)| {
            vec![
                actor.clone(),
                a.value_reads().to_string(),
                a.reveal.to_string(),
                a.copy.to_string(),
                a.export.to_string(),
                a.secrets.to_string(),
                a.view.to_string(),
            ]
        })
        .collect();
    let signoffs = e
        .signoffs
        .iter()
        .map(|s| {
            vec![
                s.time.format("%Y-%m-%d %H:%M UTC").to_string(),
                s.actor.clone(),
                s.summary
                    .rsplit_once("; sha256 ")
                    .map(|(head, _)| head.to_string())
                    .unwrap_or_else(|| s.summary.clone()),
                s.hash.chars().take(16).collect(),
                if s.signed {
                    "signed".into()
                } else {
                    "NOT signed".into()
                },
            ]
        })
        .collect();
    vec![
        Table {
            title: "Who can read",
            note: "Every recipients file in force: the keys that can decrypt the secrets it governs.".into(),
            header: vec!["SCOPE", "LABEL", "KEY", "SECRETS"],
            rows: keys,
        },
        Table {
            title: "Cryptoperiods",
            note: format!(
                "{met} of {with_policy} secrets with a rotation policy met it over the whole period (no value in force longer than its policy); {} have no policy.",
                e.cryptoperiods.len() - with_policy
            ),
            header: vec!["SECRET", "POLICY", "MET", "OLDEST", "ROTATIONS", "STATUS NOW", "OWNER"],
            rows: periods,
        },
        Table {
            title: "Rotations",
            note: format!("{} value changes in the period.", rotations.len()),
            header: vec!["DATE", "SECRET"],
            rows: rotations,
        },
        Table {
            title: "Incidents",
            note: format!("{} open during the period.", e.incidents.len()),
            header: vec!["SECRET", "OPENED", "REASON", "STATE"],
            rows: incidents,
        },
        Table {
            title: "Value access",
            note: "Reads of values (reveal, copy, export) and views of masked details, per actor, from the audit log.".into(),
            header: vec!["ACTOR", "VALUE READS", "REVEAL", "COPY", "EXPORT", "SECRETS", "VIEWS"],
            rows: access,
        },
        Table {
            title: "Sign-offs",
            note: if e.signoffs.is_empty() {
                format!("No sign-off of {} yet: `ward review sign --period {}`.", e.period.label, e.period.label)
            } else {
                "Each records the hash of every secret's status at that moment, in the signer's signed audit chain.".into()
            },
            header: vec!["TIME", "BY", "REVIEW", "HASH", "RECORD"],
            rows: signoffs,
        },
    ]
}

fn summary(e: &Evidence, verified: &str, failed: bool) -> Vec<String> {
    let statuses: Vec<String> = evidence::status_counts(e)
        .into_iter()
        .map(|(s, n)| format!("{n} {}", s.label()))
        .collect();
    let mut out = vec![
        format!(
            "Period {} ({} to {}), generated {}.",
            e.period.label,
            e.period.start.format("%Y-%m-%d"),
            e.period.last_day(),
            e.generated.format("%Y-%m-%d %H:%M UTC")
        ),
        format!(
            "{} now: {}.",
            output::plural(e.cryptoperiods.len(), "secret"),
            if statuses.is_empty() {
                "none".into()
            } else {
                statuses.join(", ")
            }
        ),
        format!(
            "Audit log: {} in the period; chains {verified}.",
            output::plural(e.records, "record")
        ),
    ];
    if failed {
        out.push(
            "Incomplete: some secrets could not be read (see the warnings ward printed).".into(),
        );
    }
    out
}

fn render_markdown(e: &Evidence, verified: &str, failed: bool) -> String {
    let mut s = format!(
        "# Key management evidence: {}\n\n",
        output::markdown_text(&e.period.label)
    );
    for line in summary(e, verified, failed) {
        let _ = writeln!(s, "- {}", output::markdown_text(&line));
    }
    for t in tables(e) {
        let _ = write!(
            s,
            "\n## {}\n\n{}\n\n",
            t.title,
            output::markdown_text(&t.note)
        );
        if t.rows.is_empty() {
            s.push_str("(none)\n");
            continue;
        }
        let _ = writeln!(s, "| {} |", t.header.join(" | "));
        let _ = writeln!(s, "|{}", "---|".repeat(t.header.len()));
        for row in &t.rows {
            let cells: Vec<String> = row.iter().map(|c| output::markdown_text(c)).collect();
            let _ = writeln!(s, "| {} |", cells.join(" | "));
        }
    }
    s
}

/// A bar chart as inline SVG: one bar per (label, value).
fn svg_bars(title: &str, bars: &[(String, usize)]) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(1).max(1);
    let row = 22;
    let height = bars.len() * row + 30;
    let mut s = format!(
        "<svg role=\"img\" aria-label=\"{}\" width=\"640\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        h(title),
        h(title)
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = 28 + i * row;
        let w = value * 380 / max;
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text>\
             <rect x=\"200\" y=\"{}\" width=\"{w}\" height=\"14\" fill=\"#3b6ea8\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\">{value}</text>",
            y + 12,
            h(&label.chars().take(28).collect::<String>()),
            y,
            205 + w,
            y + 12
        );
    }
    s.push_str("</svg>");
    s
}

fn render_html(e: &Evidence, verified: &str, failed: bool) -> String {
    let title = format!("Key management evidence: {}", e.period.label);
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
         <title>{}</title><style>\
         body{{font-family:system-ui,sans-serif;margin:2em;max-width:75em;color:#111;background:#fff}}\
         table{{border-collapse:collapse;margin:.5em 0 1.5em}}td,th{{border:1px solid #999;padding:.2em .6em;text-align:left}}\
         th{{background:#e8e8e8}}.bad{{color:#a00;font-weight:bold}}.good{{color:#060}}\
         @media print{{body{{margin:0}}}}</style></head><body>\n<h1>{}</h1>\n<ul>",
        h(&title),
        h(&title)
    );
    for line in summary(e, verified, failed) {
        let _ = write!(s, "<li>{}</li>", h(&line));
    }
    s.push_str("</ul>\n");
    let access: Vec<(String, usize)> = e
        .access
        .iter()
        .map(|(a, c)| (a.clone(), c.value_reads()))
        .filter(|(_, n)| *n > 0)
        .collect();
    let mut per_month: std::collections::BTreeMap<String, usize> = Default::default();
    for c in &e.cryptoperiods {
        for t in &c.rotations {
            *per_month.entry(t.format("%Y-%m").to_string()).or_default() += 1;
        }
    }
    let per_month: Vec<(String, usize)> = per_month.into_iter().collect();
    for t in tables(e) {
        let _ = write!(s, "<h2>{}</h2>\n<p>{}</p>\n", t.title, h(&t.note));
        match t.title {
            "Rotations" => s.push_str(&svg_bars("Rotations per month", &per_month)),
            "Value access" => s.push_str(&svg_bars("Value reads per actor", &access)),
            _ => {}
        }
        if t.rows.is_empty() {
            s.push_str("<p>(none)</p>\n");
            continue;
        }
        s.push_str("<table><tr>");
        for head in &t.header {
            let _ = write!(s, "<th>{head}</th>");
        }
        s.push_str("</tr>\n");
        for row in &t.rows {
            s.push_str("<tr>");
            for cell in row {
                let class = match cell.as_str() {
                    "NOT met" | "NOT signed" | "open" | "compromised" | "expired" | "overdue" => {
                        " class=\"bad\""
                    }
                    "met" | "signed" => " class=\"good\"",
                    _ => "",
                };
                let _ = write!(s, "<td{class}>{}</td>", h(cell));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</table>\n");
    }
    s.push_str("</body></html>\n");
    s
}
