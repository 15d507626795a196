//! `ward incident open | list | report` (docs/INCIDENTS.md).

use super::args::{IncidentArgs, IncidentCommand, IncidentFormat};
use super::context::Context;
use super::output;
use crate::audit::{self, Action};
use crate::error::{exit, Result, WardError};
use crate::ops::incident::{self, Access, BlastRadius, Ending, Incident, RUNBOOK_FIELD};
use crate::ops::{Change, MetaPatch};
use crate::sanitize::escape;
use chrono::{DateTime, Utc};

pub fn run(ctx: &Context, args: IncidentArgs) -> Result<i32> {
    match args.command {
        IncidentCommand::Open { name, reason } => open(ctx, &name, &reason),
        IncidentCommand::List { all, json } => list(ctx, all, json),
        IncidentCommand::Report { name, format } => report(ctx, &name, format),
    }
}

fn open(ctx: &Context, raw: &str, reason: &str) -> Result<i32> {
    let name = ctx.existing(raw)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(WardError::Usage(
            "--reason is empty: say what happened (where the key leaked, who reported it)".into(),
        ));
    }
    let now = Utc::now();
    let before = radius(ctx, &name, now)?;
    match &before.compromised {
        Some(c) => output::print_line(&format!(
            "{} is already marked compromised (since {} by {}): nothing was changed.",
            escape(name.as_str()),
            c.since.format("%Y-%m-%d %H:%M UTC"),
            escape(&c.by)
        ))?,
        None => {
            let change = Change::Edit {
                name: name.clone(),
                meta: MetaPatch::default(),
                compromised: Some(Some(reason.to_string())),
            };
            let outcome = crate::ops::apply(&ctx.writer(false)?, change)?;
            if let Some(w) = &outcome.commit_warning {
                output::warn_line(w);
            }
            output::print_line(&format!(
                "Opened an incident: {} is marked compromised.",
                escape(name.as_str())
            ))?;
        }
    }
    for line in document(&radius(ctx, &name, now)?, Style::Text, now) {
        output::print_line(&line)?;
    }
    Ok(exit::OK)
}

/// The blast radius of `name` as the log stands now.
fn radius(
    ctx: &Context,
    name: &crate::store::SecretPath,
    now: DateTime<Utc>,
) -> Result<BlastRadius> {
    let timeline = audit::read_all(ctx.store.root());
    incident::blast_radius(&ctx.store, ctx.keys()?, name, &timeline, now)
}

fn list(ctx: &Context, all: bool, json: bool) -> Result<i32> {
    let timeline = audit::read_all(ctx.store.root());
    let found: Vec<Incident> = incident::incidents(&timeline)
        .into_iter()
        .filter(|i| all || i.closed.is_none())
        .collect();
    if json {
        let list: Vec<serde_json::Value> = found.iter().map(incident_json).collect();
        output::json(&serde_json::Value::Array(list));
        return Ok(exit::OK);
    }
    if found.is_empty() {
        let what = if all {
            "No incidents in the log."
        } else {
            "No open incidents."
        };
        output::print_line(what)?;
        return Ok(exit::OK);
    }
    let now = Utc::now();
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|i| {
            vec![
                match &i.closed {
                    None => "OPEN".into(),
                    Some(_) => "closed".into(),
                },
                i.opened.format("%Y-%m-%d").to_string(),
                escape(&i.name),
                match &i.closed {
                    None => format!("{} open", days(now - i.opened)),
                    Some(c) => ending_text(c.ending.clone(), &c.actor, c.time),
                },
                escape(i.reason.as_deref().unwrap_or("-")),
            ]
        })
        .collect();
    output::table(
        &["STATE", "OPENED", "SECRET", "SINCE / CLOSED", "REASON"],
        &rows,
    );
    Ok(exit::OK)
}

fn report(ctx: &Context, raw: &str, format: IncidentFormat) -> Result<i32> {
    let name = ctx.existing(raw)?;
    let now = Utc::now();
    let radius = radius(ctx, &name, now)?;
    let style = match format {
        IncidentFormat::Markdown => Style::Markdown,
        IncidentFormat::Text => Style::Text,
    };
    for line in document(&radius, style, now) {
        output::print_line(&line)?;
    }
    Ok(exit::OK)
}

fn incident_json(i: &Incident) -> serde_json::Value {
    serde_json::json!({
        "name": i.name,
        "opened": i.opened,
        "opened_by": i.opened_by,
        "reason": i.reason,
        "version": i.version,
        "open": i.closed.is_none(),
        "closed": i.closed.as_ref().map(|c| serde_json::json!({
            "time": c.time,
            "by": c.actor,
            "how": match &c.ending {
                Ending::Rotated { .. } => "rotated",
                Ending::FalseAlarm { .. } => "false-alarm",
                Ending::Deleted => "deleted",
            },
            "version": match &c.ending { Ending::Rotated { version } => *version, _ => None },
            "reason": match &c.ending { Ending::FalseAlarm { reason } => Some(reason.clone()), _ => None },
        })),
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Text,
    Markdown,
}

fn days(d: chrono::Duration) -> String {
    match d.num_days() {
        0 => format!("{} h", d.num_hours().max(0)),
        n => format!("{n} d"),
    }
}

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn ending_text(ending: Ending, actor: &str, time: DateTime<Utc>) -> String {
    let how = match ending {
        Ending::Rotated { version: Some(v) } => format!("rotated to v{v}"),
        Ending::Rotated { version: None } => "rotated".into(),
        Ending::FalseAlarm { reason } => format!("false alarm: {}", escape(&reason)),
        Ending::Deleted => "deleted".into(),
    };
    format!("{how} by {} on {}", escape(actor), time.format("%Y-%m-%d"))
}

/// Text from the store (names, reasons, labels): control characters made
/// visible, and in Markdown the characters that would format it escaped.
fn text(s: &str, style: Style) -> String {
    match style {
        Style::Text => escape(s),
        Style::Markdown => output::markdown_text(s),
    }
}

/// A name from the store (secret, actor, host, label): in Markdown a code
/// span, so that it is shown as it is.
fn code(s: &str, style: Style) -> String {
    match style {
        Style::Text => escape(s),
        Style::Markdown => format!("`{}`", escape(s).replace('`', "'")),
    }
}

fn access_line(a: &Access, style: Style) -> String {
    let mut line = format!(
        "{}  {} on {}: {}{}{}",
        when(a.time),
        code(&a.actor, style),
        code(&a.host, style),
        a.action,
        a.version.map(|v| format!(" v{v}")).unwrap_or_default(),
        a.reason
            .as_deref()
            .map(|r| format!(" ({})", text(r, style)))
            .unwrap_or_default()
    );
    if !a.same_run.is_empty() {
        let shown: Vec<String> = a.same_run.iter().take(10).map(|n| code(n, style)).collect();
        let more = a.same_run.len().saturating_sub(shown.len());
        line.push_str(&format!(
            "; the same run exported {}: {}{}",
            output::plural(a.same_run.len(), "more secret"),
            shown.join(", "),
            if more > 0 {
                format!(", and {more} more")
            } else {
                String::new()
            }
        ));
    }
    line
}

/// The blast radius as lines: a short report on the terminal, or a
/// Markdown document to paste into a ticket.
fn document(r: &BlastRadius, style: Style, now: DateTime<Utc>) -> Vec<String> {
    let md = style == Style::Markdown;
    let heading = |s: &str| {
        if md {
            format!("## {s}")
        } else {
            format!("{s}:")
        }
    };
    let item = |s: String| {
        if md {
            format!("- {s}")
        } else {
            format!("  {s}")
        }
    };
    let name = code(r.name.as_str(), style);
    let mut out = Vec::new();
    if md {
        out.push(format!("# Incident: {name}"));
        out.push(String::new());
    }
    match (&r.incident, &r.compromised) {
        (Some(i), _) => {
            out.push(format!(
                "Opened {} by {}{}.",
                when(i.opened),
                code(&i.opened_by, style),
                i.reason
                    .as_deref()
                    .map(|why| format!(": {}", text(why, style)))
                    .unwrap_or_default()
            ));
            out.push(match &i.closed {
                None => format!(
                    "State: open for {} (version v{} is compromised).",
                    days(now - i.opened),
                    r.version
                ),
                Some(c) => format!(
                    "State: closed, {}.",
                    ending_text(c.ending.clone(), &c.actor, c.time)
                ),
            });
        }
        (None, Some(c)) => out.push(format!(
            "Marked compromised {} by {} (no compromise record in the log).",
            when(c.since),
            code(&c.by, style)
        )),
        (None, None) => out.push(format!(
            "No incident: {name} is not marked compromised. What follows is the blast radius of its current value."
        )),
    }
    if md {
        out.push(String::new());
    }
    out.push(heading(&format!(
        "Reads of v{} (current from {} to {})",
        r.version,
        r.value_since.format("%Y-%m-%d"),
        if r.incident.as_ref().is_some_and(|i| i.closed.is_some()) {
            r.until.format("%Y-%m-%d").to_string()
        } else {
            "now".into()
        }
    )));
    if r.accesses.is_empty() {
        out.push(item("none in the audit log".into()));
    } else {
        let actors: std::collections::BTreeSet<&str> =
            r.accesses.iter().map(|a| a.actor.as_str()).collect();
        out.push(item(format!(
            "{} of the value ({}), {} of its detail, by {}",
            output::plural(r.value_reads(), "read"),
            [Action::Reveal, Action::Copy, Action::Export]
                .iter()
                .map(|a| format!(
                    "{} {a}",
                    r.accesses.iter().filter(|x| x.action == *a).count()
                ))
                .collect::<Vec<_>>()
                .join(", "),
            output::plural(r.accesses.len() - r.value_reads(), "view"),
            output::plural(actors.len(), "actor")
        )));
        out.extend(r.accesses.iter().map(|a| item(access_line(a, style))));
    }
    if md {
        out.push(String::new());
    }
    out.push(heading("Who could decrypt it"));
    if r.readers.is_empty() {
        out.push(item("unknown (no recipients recorded)".into()));
    }
    for reader in &r.readers {
        out.push(item(format!(
            "{}{}",
            reader
                .label
                .as_deref()
                .map(|l| format!("{} ", code(l, style)))
                .unwrap_or_default(),
            if reader.current {
                format!("(key {})", reader.key_id)
            } else {
                format!("(key {}, no longer a recipient)", reader.key_id)
            }
        )));
    }
    if md {
        out.push(String::new());
    }
    out.push(heading("People to tell"));
    let people = r.people();
    if people.is_empty() {
        out.push(item(
            "nobody is named: no owner, no reads, no labels".into(),
        ));
    } else {
        out.push(item(
            people
                .iter()
                .map(|p| code(p, style))
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    out.push(item(format!(
        "owner: {}",
        r.owner
            .as_deref()
            .map(|o| code(o, style))
            .unwrap_or_else(|| "none (set one: ward edit NAME --owner WHO)".into())
    )));
    if md {
        out.push(String::new());
    }
    out.push(heading("Runbook"));
    match &r.runbook {
        Some(book) => out.extend(book.lines().map(|l| item(text(l, style)))),
        None => out.push(item(format!(
            "none: add one with `ward edit {} --field-set {RUNBOOK_FIELD}=\"URL and steps\"`",
            r.name.as_str()
        ))),
    }
    if r.incident.as_ref().is_none_or(|i| i.closed.is_none()) && r.compromised.is_some() {
        if md {
            out.push(String::new());
        }
        out.push(format!(
            "Next: rotate it (`ward rotate {}`), which closes the incident.",
            r.name.as_str()
        ));
    }
    out
}
