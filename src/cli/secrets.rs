//! Commands on one secret: get, set, edit, rotate, history, mv, rm, gen.

use super::args::{
    EditArgs, FieldArgs, GenArgs, GetArgs, HistoryArgs, MetaArgs, MvArgs, RmArgs, RotateArgs,
    SetArgs, ValueArgs,
};
use super::context::{has_tty, Context};
use super::output;
use super::prompt::hidden as prompt_passphrase;
use crate::audit::{Action, Event};
use crate::error::{exit, Result, WardError};
use crate::ops::{self, Change, FieldChange, MetaPatch, NewValue};
use crate::policy::{parse_date, Interval};
use crate::store::crypto::read_all_zeroizing;
use crate::store::document::{Field, GeneratorSpec};
use crate::store::generate::{self, Charset, Recipe};
use crate::store::{Encoding, SecretDoc, SecretPath, SecretValue};
use age::secrecy::ExposeSecret;
use base64::Engine;
use std::io::{IsTerminal, Read, Write};

/// Largest value accepted (values live in memory and in one age file).
pub const MAX_VALUE_BYTES: usize = 16 * 1024 * 1024;

pub fn get(ctx: &Context, args: GetArgs) -> Result<i32> {
    let name = ctx.existing(&args.path)?;
    if let Some(field) = &args.field {
        check_field_name(field)?;
    }
    let doc = ctx.store.read(ctx.keys()?, &name)?;
    let field_text = match &args.field {
        Some(field) => Some(zeroize::Zeroizing::new(meta_field(&doc, field)?)),
        None => None,
    };
    // Recorded before anything is shown. The value, alone or in the JSON
    // document, and a masked field are a reveal; metadata and a field in
    // clear are a view.
    let masked = |f: &str| doc.custom_field(f).is_some_and(|f| f.secret);
    let action = match args.field.as_deref() {
        Some(f) if !masked(f) => Action::View,
        _ => Action::Reveal,
    };
    // A field of the secret's own is named in the record (a metadata
    // field is not, as before fields).
    let own = args
        .field
        .as_deref()
        .filter(|f| doc.custom_field(f).is_some());
    ctx.audit(
        Event::new(action)
            .path(name.as_str())
            .version(Some(doc.version))
            .reason(own.map(|f| format!("field {f}")).as_deref()),
    );
    if let Some(value) = field_text {
        if std::io::stdout().is_terminal() {
            output::print_line(&crate::sanitize::escape_multiline(&value))?;
        } else {
            output::print_line(&value)?;
        }
        return Ok(exit::OK);
    }
    if args.json {
        let mut v = serde_json::to_value(&doc).expect("a SecretDoc serialises");
        if let Some(obj) = v.as_object_mut() {
            obj.remove("history");
        }
        output::json(&v);
        return Ok(exit::OK);
    }
    let bytes = value_bytes(&doc.value, doc.encoding, &name)?;
    let mut out = std::io::stdout().lock();
    let write = if std::io::stdout().is_terminal() {
        // For a person at a terminal: control and escape characters shown
        // escaped (a value must not drive the terminal), and a final newline.
        let text = zeroize::Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned());
        let mut shown = zeroize::Zeroizing::new(crate::sanitize::escape_multiline(&text));
        if !shown.ends_with('\n') {
            shown.push('\n');
        }
        out.write_all(shown.as_bytes())
    } else {
        // Byte-exact for pipes and files.
        out.write_all(&bytes)
    };
    write
        .and_then(|_| out.flush())
        .map_err(|e| WardError::io("stdout", e))?;
    Ok(exit::OK)
}

/// One metadata field or one of the secret's fields as text (empty when
/// the secret does not have that metadata); an unknown name is an error
/// naming the secret's fields.
pub(super) fn meta_field(doc: &SecretDoc, field: &str) -> Result<String> {
    check_field_name(field)?;
    if is_metadata_name(field) {
        return Ok(doc.field(field).unwrap_or_default());
    }
    doc.field(field).ok_or_else(|| no_such_field(doc, field))
}

fn is_metadata_name(field: &str) -> bool {
    crate::store::document::metadata_names()
        .iter()
        .any(|k| *k == field.replace('-', "_"))
}

/// The error for a field the secret does not have, naming those it has.
pub(super) fn no_such_field(doc: &SecretDoc, field: &str) -> WardError {
    let has: Vec<String> = doc
        .fields
        .iter()
        .map(|f| crate::sanitize::escape(&f.name))
        .collect();
    WardError::Usage(format!(
        "the secret has no field {:?} ({}); metadata fields: {}",
        crate::sanitize::escape(field),
        if has.is_empty() {
            "it has none; add one with ward edit --field-set NAME=VALUE".to_string()
        } else {
            format!("its fields: {}", has.join(", "))
        },
        crate::store::document::metadata_names().join(", ")
    ))
}

/// Refuses a name that is neither a metadata name nor a possible field
/// name, listing the metadata names.
pub(super) fn check_field_name(field: &str) -> Result<()> {
    if is_metadata_name(field) || crate::store::document::check_field_name(field).is_ok() {
        return Ok(());
    }
    Err(WardError::Usage(format!(
        "unknown field {:?}: use a field of the secret (login, otp, …) or one of {}",
        crate::sanitize::escape(field),
        crate::store::document::metadata_names().join(", ")
    )))
}

/// Checks the field flags before anything is read or typed: names valid
/// and not given twice, `NAME=VALUE` pairs, and at most one value from
/// stdin (`stdin_free`: nothing else reads it).
fn check_field_args(args: &FieldArgs, stdin_free: bool) -> Result<()> {
    let bad = |e: String| WardError::Usage(e);
    let mut named = std::collections::BTreeSet::new();
    let set_names = args.set.iter().map(|pair| {
        pair.split_once('=').map(|(n, _)| n).ok_or_else(|| {
            // Not the argument back: it may be a value typed without its name.
            bad("--field-set takes NAME=VALUE (an argument without `=` was given); for a masked field use --field-secret NAME".into())
        })
    });
    let secret_names = args.secret.iter().map(|n| Ok(n.as_str()));
    for field in set_names.chain(secret_names) {
        let field = field?;
        crate::store::document::check_field_name(field).map_err(bad)?;
        if !named.insert(field) {
            return Err(bad(format!(
                "field {:?} is named twice",
                crate::sanitize::escape(field)
            )));
        }
    }
    if !std::io::stdin().is_terminal()
        && !args.secret.is_empty()
        && (!stdin_free || args.secret.len() > 1)
    {
        return Err(bad(
            "only one value can come from stdin: give the other masked fields on a terminal \
             or with another ward edit"
                .into(),
        ));
    }
    Ok(())
}

/// The field flags as changes (set, masked, removed, in that order); a
/// masked field's value is asked for on a terminal or read from stdin,
/// never taken from the command line.
fn field_changes(
    args: &FieldArgs,
    name: &SecretPath,
    stdin_free: bool,
) -> Result<Vec<FieldChange>> {
    check_field_args(args, stdin_free)?;
    let mut changes = Vec::new();
    for (field, value) in args.set.iter().filter_map(|p| p.split_once('=')) {
        changes.push(FieldChange::Set(Field {
            name: field.to_string(),
            value: SecretValue::new(value.to_string()),
            secret: false,
        }));
    }
    for field in &args.secret {
        let what = format!("field {} of {name}", crate::sanitize::escape(field));
        changes.push(FieldChange::Set(Field {
            name: field.clone(),
            value: read_text(&what)?,
            secret: true,
        }));
    }
    changes.extend(args.remove.iter().cloned().map(FieldChange::Remove));
    Ok(changes)
}

pub(super) fn value_bytes(
    value: &SecretValue,
    encoding: Encoding,
    name: &SecretPath,
) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    Ok(zeroize::Zeroizing::new(match encoding {
        Encoding::Utf8 => value.expose().as_bytes().to_vec(),
        Encoding::Base64 => base64::engine::general_purpose::STANDARD
            .decode(value.expose())
            .map_err(|_| {
                WardError::Other(format!("{name}: stored base64 value does not decode"))
            })?,
    }))
}

fn obtain_value(
    args: &ValueArgs,
    name: &SecretPath,
    previous: Option<&GeneratorSpec>,
) -> Result<NewValue> {
    if let Some(len) = args.generate {
        let spec = GeneratorSpec {
            length: len
                .or(previous.map(|p| p.length))
                .unwrap_or(generate::DEFAULT_LENGTH),
            charset: args
                .charset
                .or(previous.map(|p| p.charset))
                .unwrap_or_default(),
            prefix: args
                .prefix
                .clone()
                .or_else(|| previous.and_then(|p| p.prefix.clone())),
        };
        check_length(spec.length)?;
        let value = generate::generate(spec.length, spec.charset, spec.prefix.as_deref());
        return Ok(NewValue {
            value: SecretValue::new(value),
            encoding: Encoding::Utf8,
            generator: Some(spec),
        });
    }
    if args.charset.is_some() || args.prefix.is_some() {
        return Err(WardError::Usage(
            "--charset and --prefix only apply with --generate".into(),
        ));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() && args.binary {
        return Err(WardError::Usage(
            "--binary reads the value from stdin: pipe it in".into(),
        ));
    }
    if !args.binary {
        return Ok(NewValue::text(read_text(&name.to_string())?));
    }
    let raw = read_stdin()?;
    Ok(NewValue {
        value: SecretValue::new(base64::engine::general_purpose::STANDARD.encode(&raw[..])),
        encoding: Encoding::Base64,
        generator: None,
    })
}

/// A text value for `what` (a secret's name, or "field F of NAME"): asked
/// twice on a terminal, else read from stdin without its final newline.
fn read_text(what: &str) -> Result<SecretValue> {
    if std::io::stdin().is_terminal() {
        let first = prompt_passphrase(&format!("Value for {what}: "))?;
        if first.expose_secret().is_empty() {
            return Err(WardError::Usage("empty value; nothing was changed".into()));
        }
        let second = prompt_passphrase("Same value again: ")?;
        if first.expose_secret() != second.expose_secret() {
            return Err(WardError::Usage(
                "the two values differ; nothing was changed".into(),
            ));
        }
        return Ok(SecretValue::new(first.expose_secret().to_string()));
    }
    let raw = read_stdin()?;
    let text = std::str::from_utf8(&raw).map_err(|_| {
        WardError::Usage("value on stdin is not UTF-8 text: use --binary to store bytes".into())
    })?;
    // `echo value | ward set` should not store the newline echo adds.
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    if text.is_empty() {
        return Err(WardError::Usage(
            "empty value on stdin; nothing was changed".into(),
        ));
    }
    Ok(SecretValue::new(text.to_string()))
}

/// All of stdin, refused past [`MAX_VALUE_BYTES`].
fn read_stdin() -> Result<zeroize::Zeroizing<Vec<u8>>> {
    // One byte past the limit is enough to refuse: `ward set K < /dev/zero`
    // must not grow until memory runs out.
    let raw = read_all_zeroizing(std::io::stdin().lock().take(MAX_VALUE_BYTES as u64 + 1))
        .map_err(|e| WardError::io("stdin", e))?;
    if raw.len() > MAX_VALUE_BYTES {
        return Err(WardError::Usage(format!(
            "the value on stdin is larger than the limit of {MAX_VALUE_BYTES} bytes (16 MiB); \
             nothing was changed"
        )));
    }
    Ok(raw)
}

fn check_length(len: usize) -> Result<()> {
    if len == 0 || len > generate::MAX_LENGTH {
        return Err(WardError::Usage(format!(
            "length must be between 1 and {}",
            generate::MAX_LENGTH
        )));
    }
    Ok(())
}

/// The metadata flags as a change, each checked: nothing is read or written
/// before they all are valid.
fn meta_patch(meta: &MetaArgs) -> Result<MetaPatch> {
    let mut patch = MetaPatch {
        kind: meta
            .kind
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(WardError::Usage)?,
        owner: meta.owner.as_deref().map(non_empty),
        url: meta.url.as_deref().map(non_empty),
        notes: meta.notes.as_deref().map(non_empty),
        ..MetaPatch::default()
    };
    for tag in &meta.tags {
        let tag = tag.trim();
        if tag.is_empty()
            || tag.contains(',')
            || tag.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(WardError::Usage(format!(
                "invalid tag {:?}: a tag is one word, without commas, spaces or control \
                 characters; for several tags repeat --tag (--tag prod --tag pci)",
                crate::sanitize::escape(tag)
            )));
        }
        if !patch.add_tags.iter().any(|t| t == tag) {
            patch.add_tags.push(tag.to_string());
        }
    }
    if let Some(expires) = &meta.expires {
        let today = chrono::Local::now().date_naive();
        patch.expires = Some(Some(
            parse_date(expires, today).map_err(|e| WardError::Usage(format!("--expires: {e}")))?,
        ));
    }
    if let Some(every) = &meta.rotate_every {
        let interval: Interval = every
            .parse()
            .map_err(|e| WardError::Usage(format!("--rotate-every: {e}")))?;
        patch.rotate_every = Some(Some(interval));
    }
    Ok(patch)
}

/// A warning when `--expires` names a day already past: accepted (it may
/// record a real expiry), but the secret will show as expired.
fn warn_past_expiry(name: &SecretPath, meta: &MetaArgs) {
    let today = chrono::Local::now().date_naive();
    let Some(date) = meta
        .expires
        .as_deref()
        .and_then(|e| parse_date(e, today).ok())
    else {
        return;
    };
    if date < today {
        output::warn_line(&format!(
            "{name} expires {date}, which is in the past: it shows as expired"
        ));
    }
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

pub fn set(ctx: &Context, args: SetArgs) -> Result<i32> {
    let name = ctx.name(&args.path)?;
    // Validate metadata before reading a value, so a typo costs no retyping
    // (and everything else before a passphrase is asked).
    let mut meta = meta_patch(&args.meta)?;
    let stdin_free = args.value.generate.is_some();
    check_field_args(&args.fields, stdin_free)?;
    // A name that a new secret may not have is refused before the value is typed.
    let exists = ctx.store.exists(&name);
    if !exists {
        ctx.store.check_new_name(&name, None)?;
    }
    // At a terminal, replacing a value is a question; a script piping the
    // value in replaces it as it always did (and is told so below).
    if exists && std::io::stdin().is_terminal() {
        let question = format!(
            "{} exists: replace its value (the old one is kept in history)? [y/N] ",
            crate::sanitize::escape(name.as_str())
        );
        if let Some(answer) = super::prompt::ask_on_terminal(&question) {
            if !answer? {
                eprintln!("Nothing was changed.");
                return Ok(exit::FAILURE);
            }
        }
    }
    // The passphrase (if any) before the value: a wrong one must not cost
    // a retyped value.
    let keys = ctx.keys()?;
    // The generator settings of an existing secret are only needed for --generate.
    let previous = if args.value.generate.is_some() && exists {
        ctx.store.read(keys, &name)?.generator
    } else {
        None
    };
    let value = obtain_value(&args.value, &name, previous.as_ref())?;
    meta.fields = field_changes(&args.fields, &name, stdin_free)?;
    // Only a value someone chose is estimated: a generated one is as strong
    // as its length says.
    let strength = (value.generator.is_none() && value.encoding == Encoding::Utf8)
        .then(|| generate::Strength::of(value.value.expose()));
    let change = Change::Set {
        name: name.clone(),
        value,
        meta,
        reason: args.reason.clone(),
    };
    let outcome = apply(ctx, args.force, change).map_err(force_hint)?;
    match outcome.action {
        Action::Create => eprintln!("Created {}", crate::sanitize::escape(name.as_str())),
        Action::Rotate => say_rotated(&name, &outcome),
        // The same value again: only the metadata changed.
        _ => eprintln!("Updated {}", crate::sanitize::escape(name.as_str())),
    }
    if let Some(strength) = strength.filter(|s| s.is_weak()) {
        output::warn_line(&format!(
            "the value of {name} is {} (about {:.0} bits, zxcvbn): it may be guessed; \
             `ward rotate {name} --generate` replaces it with a random one",
            strength.word(),
            strength.bits
        ));
    }
    warn_past_expiry(&name, &args.meta);
    Ok(exit::OK)
}

pub fn edit(ctx: &Context, args: EditArgs) -> Result<i32> {
    let name = ctx.existing(&args.path)?;
    if args.no_compromised {
        return clear_compromised(ctx, args);
    }
    let mut meta = meta_patch(&args.meta)?;
    meta.untag = args.untags.iter().map(|t| t.trim().to_string()).collect();
    if args.no_expires {
        meta.expires = Some(None);
    }
    if args.no_rotate_every {
        meta.rotate_every = Some(None);
    }
    meta.fields = field_changes(&args.fields, &name, true)?;
    let compromised = args.compromised.as_deref().map(non_empty);
    if meta.is_empty() && compromised.is_none() {
        return Err(WardError::Usage(
            "nothing to change: give at least one flag (see ward edit --help)".into(),
        ));
    }
    let change = Change::Edit {
        name: name.clone(),
        meta,
        compromised,
    };
    apply(ctx, args.force, change).map_err(force_hint)?;
    eprintln!("Edited {}", crate::sanitize::escape(name.as_str()));
    warn_past_expiry(&name, &args.meta);
    Ok(exit::OK)
}

pub fn rotate(ctx: &Context, args: RotateArgs) -> Result<i32> {
    let name = ctx.existing(&args.path)?;
    // The new policy is checked before a value is typed or a key loaded.
    let policy = MetaArgs {
        expires: args.expires.clone(),
        rotate_every: args.rotate_every.clone(),
        ..MetaArgs::default()
    };
    let mut meta = meta_patch(&policy)?;
    if args.no_expires {
        meta.expires = Some(None);
    }
    let keys = ctx.keys()?;
    let current = ctx.store.read(keys, &name)?;
    let value = obtain_value(&args.value, &name, current.generator.as_ref())?;
    drop(current);
    let change = Change::Rotate {
        name: name.clone(),
        value,
        meta,
        reason: args.reason.clone(),
    };
    let outcome = apply(ctx, args.force, change).map_err(force_hint)?;
    say_rotated(&name, &outcome);
    warn_past_expiry(&name, &policy);
    Ok(exit::OK)
}

/// `Rotated NAME to version N`: after `rotate`, and after a `set` that
/// replaced a value.
fn say_rotated(name: &SecretPath, outcome: &ops::Outcome) {
    eprintln!(
        "Rotated {} to version {}",
        crate::sanitize::escape(name.as_str()),
        outcome.version.unwrap_or_default()
    );
}

/// `edit --no-compromised --reason R`: a false alarm, cleared and recorded.
fn clear_compromised(ctx: &Context, args: EditArgs) -> Result<i32> {
    let name = ctx.existing(&args.path)?;
    let reason = args.reason.as_deref().and_then(non_empty).ok_or_else(|| {
        WardError::Usage("--no-compromised needs a --reason: why was it a false alarm?".into())
    })?;
    let change = Change::ClearCompromised {
        name: name.clone(),
        reason,
    };
    apply(ctx, args.force, change).map_err(force_hint)?;
    eprintln!(
        "Cleared the compromised mark of {}",
        crate::sanitize::escape(name.as_str())
    );
    Ok(exit::OK)
}

pub fn history(ctx: &Context, args: HistoryArgs) -> Result<i32> {
    let name = ctx.existing(&args.path)?;
    let doc = ctx.store.read(ctx.keys()?, &name)?;
    let action = if args.reveal {
        Action::Reveal
    } else {
        Action::View
    };
    ctx.audit(
        Event::new(action)
            .path(name.as_str())
            .version(Some(doc.version)),
    );
    let shown = |v: &SecretValue, enc: Encoding| -> String {
        if !args.reveal {
            return mask(v);
        }
        match enc {
            Encoding::Utf8 => v.expose().to_string(),
            Encoding::Base64 => format!("base64:{}", v.expose()),
        }
    };
    if args.json {
        let mut versions = vec![serde_json::json!({
            "version": doc.version,
            "current": true,
            "set": doc.rotated,
            "set_by": current_set_by(&doc),
            "value": args.reveal.then(|| doc.value.expose()),
            "encoding": doc.encoding,
        })];
        for h in &doc.history {
            let mut entry = serde_json::json!({
                "version": h.version,
                "current": false,
                "set": h.set,
                "replaced": h.replaced,
                "replaced_by": h.replaced_by,
                "reason": h.reason,
                "value": args.reveal.then(|| h.value.expose()),
                "encoding": h.encoding,
            });
            // Only on a value that lost a merge (docs/TEAMS.md).
            if let Some(c) = &h.concurrent {
                entry["concurrent_by"] = serde_json::json!(c.by);
            }
            versions.push(entry);
        }
        output::json(&serde_json::json!(versions));
        return Ok(exit::OK);
    }
    let fmt_time = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M").to_string();
    let mut rows = vec![vec![
        format!("{} (current)", doc.version),
        fmt_time(doc.rotated),
        "-".into(),
        current_set_by(&doc).unwrap_or("-").to_string(),
        "-".into(),
        shown(&doc.value, doc.encoding),
    ]];
    for h in &doc.history {
        rows.push(vec![
            h.version.to_string(),
            fmt_time(h.set),
            fmt_time(h.replaced),
            h.replaced_by.clone(),
            match (&h.concurrent, &h.reason) {
                (Some(c), _) => format!("concurrent change by {}", c.by),
                (None, Some(r)) => r.clone(),
                (None, None) => "-".into(),
            },
            shown(&h.value, h.encoding),
        ]);
    }
    output::table(
        &["VERSION", "SET", "REPLACED", "BY", "REASON", "VALUE"],
        &rows,
    );
    Ok(exit::OK)
}

/// Who set the current value: whoever replaced the newest previous one, or
/// the creator of a secret never rotated. None when history no longer says.
fn current_set_by(doc: &SecretDoc) -> Option<&str> {
    match doc.history.first() {
        Some(h) if h.version + 1 == doc.version => Some(&h.replaced_by),
        Some(_) => None,
        None if doc.version == 1 => Some(&doc.created_by),
        None => None,
    }
}

/// A masked value: bullets and the length, never any character of it.
pub fn mask(v: &SecretValue) -> String {
    format!(
        "•••••••• ({})",
        output::plural(v.expose().chars().count(), "char")
    )
}

pub fn mv(ctx: &Context, args: MvArgs) -> Result<i32> {
    let source = ctx.name(&args.from)?;
    if !ctx.store.exists(&source) && ctx.store.is_folder(&source) {
        return super::bulk::mv_folder(ctx, args);
    }
    let from = ctx.existing(&args.from)?;
    let to = ctx.name(&args.to)?;
    let change = Change::Move {
        from: from.clone(),
        to: to.clone(),
    };
    apply(ctx, args.force, change).map_err(force_hint)?;
    eprintln!(
        "Moved {} to {}",
        crate::sanitize::escape(from.as_str()),
        crate::sanitize::escape(to.as_str())
    );
    Ok(exit::OK)
}

pub fn rm(ctx: &Context, args: RmArgs) -> Result<i32> {
    if args.recursive {
        return super::bulk::rm_folder(ctx, args);
    }
    let name = ctx.existing(&args.path)?;
    let shown = crate::sanitize::escape(name.as_str());
    let question = if args.purge {
        format!("Delete {shown} for good (its history too, no trash)? [y/N] ")
    } else {
        format!("Delete {shown}? It goes to the trash. [y/N] ")
    };
    if !args.force && std::io::stdin().is_terminal() && has_tty() && !confirm(&question)? {
        eprintln!("Nothing deleted.");
        return Ok(exit::FAILURE);
    }
    if args.purge {
        apply(ctx, false, Change::Delete { name: name.clone() })?;
        eprintln!("Deleted {shown} for good");
        return Ok(exit::OK);
    }
    let outcome = ops::trash::put(&ctx.writer(false)?, &name, ctx.config.trash.keep)?;
    if let Some(w) = &outcome.commit_warning {
        output::warn_line(w);
    }
    eprintln!("Moved {shown} to the trash: ward trash restore {shown} puts it back");
    Ok(exit::OK)
}

/// Applies a change as this user; a change saved but not committed to git
/// is a warning, not a failure.
fn apply(ctx: &Context, force: bool, change: Change) -> Result<ops::Outcome> {
    let outcome = ops::apply(&ctx.writer(force)?, change)?;
    if let Some(w) = &outcome.commit_warning {
        super::output::warn_line(w);
    }
    Ok(outcome)
}

/// A lock-out refusal with the flag that overrides it.
fn force_hint(e: WardError) -> WardError {
    match e {
        WardError::LockOut { .. } => e.hint(
            "add one of your keys to that file first (ward recipients add), or pass --force \
             to write it anyway",
        ),
        e => e,
    }
}

/// Asks a yes/no question on the controlling terminal (echoed, unlike a passphrase).
fn confirm(question: &str) -> Result<bool> {
    use std::io::BufRead;
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| WardError::Other(format!("cannot ask on the terminal: {e}")))?;
    let mut writer = &tty;
    writer
        .write_all(question.as_bytes())
        .and_then(|_| writer.flush())
        .map_err(|e| WardError::io("/dev/tty", e))?;
    let mut line = String::new();
    std::io::BufReader::new(&tty)
        .read_line(&mut line)
        .map_err(|e| WardError::io("/dev/tty", e))?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

pub fn gen(args: GenArgs) -> Result<i32> {
    if let Some(count) = &args.count {
        let n = crate::sanitize::escape(count);
        return Err(WardError::Usage(format!(
            "`ward gen {n}` is ambiguous: did you mean --words {n} (a passphrase of {n} words) \
             or --length {n} ({n} characters)?"
        )));
    }
    let recipe = gen_recipe(&args)?;
    let value = zeroize::Zeroizing::new(match recipe {
        Recipe::Chars {
            length,
            charset,
            no_lookalike,
        } => {
            check_length(length)?;
            generate::generate_from(length, charset, no_lookalike, args.prefix.as_deref())
        }
        Recipe::Words { count } => {
            if count == 0 || count > generate::MAX_WORDS {
                return Err(WardError::Usage(format!(
                    "--words must be between 1 and {}",
                    generate::MAX_WORDS
                )));
            }
            let separator = args.separator.as_deref().unwrap_or("-");
            format!(
                "{}{}",
                args.prefix.as_deref().unwrap_or(""),
                generate::passphrase(count, separator)
            )
        }
    });
    output::print_line(&value)?;
    let bits = recipe.bits();
    let drawn = match recipe {
        Recipe::Chars {
            length,
            charset,
            no_lookalike,
        } => format!(
            "{length} characters from a set of {}",
            charset.alphabet_for(no_lookalike).len()
        ),
        Recipe::Words { count } => format!(
            "{count} words from a list of {}",
            generate::wordlist().len()
        ),
    };
    eprintln!(
        "{bits:.0} bits of entropy ({drawn}); zxcvbn: {}",
        generate::Strength::of(&value).word()
    );
    if bits < generate::WEAK_BITS {
        output::warn_line(&format!(
            "{bits:.0} bits is below {:.0}: a guessing attack may succeed; add --length or --words",
            generate::WEAK_BITS
        ));
    }
    Ok(exit::OK)
}

/// The flags of `ward gen` over its kind's defaults (or the plain defaults).
fn gen_recipe(args: &GenArgs) -> Result<Recipe> {
    let base = match args.kind.as_deref() {
        Some(kind) if kind.trim().eq_ignore_ascii_case("passphrase") => Recipe::PASSPHRASE,
        Some(kind) => kind
            .parse::<crate::store::Kind>()
            .map_err(|e| WardError::Usage(format!("--kind: {e}, passphrase")))?
            .recipe(),
        None => Recipe::DEFAULT,
    };
    let words = match (args.words, base) {
        (Some(count), _) => Some(count),
        (None, Recipe::Words { count }) if args.length.is_none() && args.charset.is_none() => {
            Some(count)
        }
        _ => None,
    };
    if let Some(count) = words {
        if args.no_lookalike {
            return Err(WardError::Usage(
                "--no-lookalike applies to characters, not to words".into(),
            ));
        }
        return Ok(Recipe::Words { count });
    }
    if args.separator.is_some() {
        return Err(WardError::Usage(
            "--separator goes with --words (or --kind passphrase)".into(),
        ));
    }
    let (length, charset, no_lookalike) = match base {
        Recipe::Chars {
            length,
            charset,
            no_lookalike,
        } => (length, charset, no_lookalike),
        Recipe::Words { .. } => (generate::DEFAULT_LENGTH, Charset::default(), false),
    };
    Ok(Recipe::Chars {
        length: args.length.unwrap_or(length),
        charset: args.charset.unwrap_or(charset),
        no_lookalike: no_lookalike || args.no_lookalike,
    })
}
