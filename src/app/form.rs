//! Forms inside the TUI: new secret, edit metadata, rotate, rename, mark
//! compromised. Typing happens here, never in an external editor, so no value
//! ever reaches a temp file.

use super::input::TextInput;
use crate::keymap::{Action, Keymap, Mods, Scope};
use crate::policy::{parse_date, Interval};
use crate::store::document::GeneratorSpec;
use crate::store::generate::{self, Charset};
use crate::store::{Kind, SecretMeta, SecretPath, SecretValue};
use chrono::NaiveDate;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKey {
    Path,
    Value,
    Generator,
    Kind,
    Owner,
    Tags,
    Url,
    Notes,
    Expires,
    RotateEvery,
    Reason,
}

impl FieldKey {
    pub fn label(self) -> &'static str {
        match self {
            FieldKey::Path => "Path",
            FieldKey::Value => "Value",
            FieldKey::Generator => "Generate as",
            FieldKey::Kind => "Kind",
            FieldKey::Owner => "Owner",
            FieldKey::Tags => "Tags",
            FieldKey::Url => "URL",
            FieldKey::Notes => "Notes",
            FieldKey::Expires => "Expires",
            FieldKey::RotateEvery => "Rotate every",
            FieldKey::Reason => "Reason",
        }
    }

    /// The line under the form for this field; keys named from `keys`.
    pub fn help(self, keys: &Keymap) -> String {
        let key = |action| keys.key(Scope::Form, action);
        match self {
            FieldKey::Path => "project/…/NAME".into(),
            FieldKey::Value => format!(
                "type or paste; {} generates, {} shows, {} new line",
                key(Action::Generate),
                key(Action::ToggleMask),
                key(Action::Newline)
            ),
            FieldKey::Generator => "LENGTH CHARSET [PREFIX], e.g. 32 strong sk_live_".into(),
            FieldKey::Kind => {
                "password, api-key, token, certificate, ssh-key, connection-string, other".into()
            }
            FieldKey::Owner => "who is responsible".into(),
            FieldKey::Tags => "separated by commas or spaces".into(),
            FieldKey::Url => "where the key is managed".into(),
            FieldKey::Notes => format!("free text; {} starts a new line", key(Action::Newline)),
            FieldKey::Expires => "YYYY-MM-DD or +90d; empty for none".into(),
            FieldKey::RotateEvery => "90d, 6w, 3m, 1y; empty for none".into(),
            FieldKey::Reason => "why (kept in history and the audit log)".into(),
        }
    }
}

#[derive(Debug)]
pub struct Field {
    pub key: FieldKey,
    pub input: TextInput,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormKind {
    New,
    Edit(SecretPath),
    Rotate(SecretPath),
    Rename(SecretPath),
    Compromise(SecretPath),
}

impl FormKind {
    pub fn title(&self) -> String {
        let esc = |p: &SecretPath| crate::sanitize::escape(p.as_str());
        match self {
            FormKind::New => "New secret".into(),
            FormKind::Edit(p) => format!("Edit {}", esc(p)),
            FormKind::Rotate(p) => format!("Rotate {}", esc(p)),
            FormKind::Rename(p) => format!("Rename or move {}", esc(p)),
            FormKind::Compromise(p) => format!("Mark {} compromised", esc(p)),
        }
    }
}

/// Metadata as a form sets it: the whole set, replacing what was there.
#[derive(Clone, Debug, PartialEq)]
pub struct MetaEdit {
    pub kind: Kind,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub url: Option<String>,
    pub notes: Option<String>,
    pub expires: Option<NaiveDate>,
    pub rotate_every: Option<Interval>,
}

/// A change to the store, produced by a valid form or a confirmation.
#[derive(Debug)]
pub enum SaveOp {
    Create {
        name: SecretPath,
        value: SecretValue,
        meta: MetaEdit,
        generator: Option<GeneratorSpec>,
    },
    Edit {
        name: SecretPath,
        meta: MetaEdit,
    },
    Rotate {
        name: SecretPath,
        value: SecretValue,
        reason: Option<String>,
        generator: Option<GeneratorSpec>,
        /// The expiry after the rotation (the form starts with the current one).
        expires: Option<NaiveDate>,
    },
    Rename {
        from: SecretPath,
        to: SecretPath,
    },
    Delete {
        name: SecretPath,
    },
    Compromise {
        name: SecretPath,
        reason: Option<String>,
    },
    /// An earlier version's value current again, as a new version.
    Restore {
        name: SecretPath,
        version: u32,
    },
}

impl SaveOp {
    /// The secret the change leaves selected.
    pub fn target(&self) -> Option<&SecretPath> {
        match self {
            SaveOp::Create { name, .. }
            | SaveOp::Edit { name, .. }
            | SaveOp::Rotate { name, .. }
            | SaveOp::Compromise { name, .. }
            | SaveOp::Restore { name, .. } => Some(name),
            SaveOp::Rename { to, .. } => Some(to),
            SaveOp::Delete { .. } => None,
        }
    }

    pub fn verb(&self) -> &'static str {
        match self {
            SaveOp::Create { .. } => "Created",
            SaveOp::Edit { .. } => "Saved",
            SaveOp::Rotate { .. } => "Rotated",
            SaveOp::Rename { .. } => "Moved",
            SaveOp::Delete { .. } => "Moved to the trash:",
            SaveOp::Compromise { .. } => "Marked compromised",
            SaveOp::Restore { .. } => "Restored an earlier value of",
        }
    }
}

#[derive(Debug)]
pub struct Form {
    pub kind: FormKind,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// A validation or store error, shown under the fields; input is kept.
    pub error: Option<String>,
    /// Waiting for the store to finish saving.
    pub busy: bool,
    /// Set when the value came from the generator (and not edited since).
    generated: Option<GeneratorSpec>,
    /// To tell whether anything was typed: lengths and a hash of the
    /// fields as opened (never the texts themselves: a value may be typed).
    initial_lens: Vec<usize>,
    initial_hash: u64,
    discard_armed: bool,
}

fn fields_hash(fields: &[Field]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for f in fields {
        f.input.text().hash(&mut h);
    }
    h.finish()
}

fn field(key: FieldKey, text: &str) -> Field {
    Field {
        key,
        input: TextInput::new(text),
    }
}

fn value_field() -> Field {
    Field {
        key: FieldKey::Value,
        input: TextInput::secret(true),
    }
}

fn meta_fields(meta: Option<&SecretMeta>) -> Vec<Field> {
    let m = meta;
    let mut fields = vec![
        field(
            FieldKey::Kind,
            m.map(|m| m.kind.label()).unwrap_or("api-key"),
        ),
        field(
            FieldKey::Owner,
            m.and_then(|m| m.owner.as_deref()).unwrap_or(""),
        ),
        field(
            FieldKey::Tags,
            &m.map(|m| m.tags.join(", ")).unwrap_or_default(),
        ),
        field(
            FieldKey::Url,
            m.and_then(|m| m.url.as_deref()).unwrap_or(""),
        ),
        field(
            FieldKey::Notes,
            m.and_then(|m| m.notes.as_deref()).unwrap_or(""),
        ),
        field(
            FieldKey::Expires,
            &m.and_then(|m| m.expires)
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        field(
            FieldKey::RotateEvery,
            &m.and_then(|m| m.rotate_every)
                .map(|i| i.to_string())
                .unwrap_or_default(),
        ),
    ];
    // Notes may run over several lines.
    for f in fields.iter_mut().filter(|f| f.key == FieldKey::Notes) {
        f.input.multiline = true;
    }
    fields
}

fn generator_text(spec: Option<&GeneratorSpec>) -> String {
    match spec {
        Some(s) => format!(
            "{} {}{}",
            s.length,
            s.charset,
            s.prefix
                .as_deref()
                .map(|p| format!(" {p}"))
                .unwrap_or_default()
        ),
        None => format!("{} {}", generate::DEFAULT_LENGTH, Charset::Strong),
    }
}

impl Form {
    fn build(kind: FormKind, fields: Vec<Field>) -> Form {
        let initial = fields.iter().map(|f| f.input.text().len()).collect();
        let initial_hash = fields_hash(&fields);
        Form {
            kind,
            fields,
            focus: 0,
            error: None,
            busy: false,
            generated: None,
            initial_lens: initial,
            initial_hash,
            discard_armed: false,
        }
    }

    /// Whether a form key does anything in this form: generating needs a
    /// value field, showing needs a masked one (the rename and compromise
    /// forms have neither, so their hints leave those keys out).
    pub fn offers(&self, action: Action) -> bool {
        match action {
            Action::Generate => self.fields.iter().any(|f| f.key == FieldKey::Value),
            Action::ToggleMask => self.fields.iter().any(|f| f.input.secret),
            _ => true,
        }
    }

    /// Whether anything was typed since the form opened.
    pub fn is_dirty(&self) -> bool {
        self.fields
            .iter()
            .map(|f| f.input.text().len())
            .collect::<Vec<_>>()
            != self.initial_lens
            || fields_hash(&self.fields) != self.initial_hash
    }

    /// Esc: true when the form may close. A form with typing in it asks for a
    /// second Esc, so a pasted key is not lost to one stray keypress.
    pub fn request_cancel(&mut self, keys: &Keymap) -> bool {
        if !self.is_dirty() || self.discard_armed {
            return true;
        }
        self.discard_armed = true;
        self.error = Some(format!(
            "Press {} again to discard what you typed.",
            keys.key(Scope::Form, Action::Cancel)
        ));
        false
    }

    /// Any other key disarms the discard.
    pub fn disarm(&mut self) {
        if self.discard_armed {
            self.discard_armed = false;
            self.error = None;
        }
    }

    pub fn new_secret(folder: Option<&str>) -> Form {
        let path = folder.map(|f| format!("{f}/")).unwrap_or_default();
        let mut fields = vec![
            field(FieldKey::Path, &path),
            value_field(),
            field(FieldKey::Generator, &generator_text(None)),
        ];
        fields.extend(meta_fields(None));
        Form::build(FormKind::New, fields)
    }

    pub fn edit(name: SecretPath, meta: &SecretMeta) -> Form {
        Form::build(FormKind::Edit(name), meta_fields(Some(meta)))
    }

    /// The rotate form; `expires` is the secret's expiry now, to keep,
    /// change (a new key often comes with a new date) or clear.
    pub fn rotate(
        name: SecretPath,
        generator: Option<&GeneratorSpec>,
        expires: Option<NaiveDate>,
    ) -> Form {
        let expires = expires.map(|d| d.to_string()).unwrap_or_default();
        let fields = vec![
            value_field(),
            field(FieldKey::Generator, &generator_text(generator)),
            field(FieldKey::Reason, ""),
            // Last: most rotations keep the date; Enter on the reason saves
            // only when this is left as it is.
            field(FieldKey::Expires, &expires),
        ];
        Form::build(FormKind::Rotate(name), fields)
    }

    pub fn rename(name: SecretPath) -> Form {
        let text = name.to_string();
        Form::build(FormKind::Rename(name), vec![field(FieldKey::Path, &text)])
    }

    pub fn compromise(name: SecretPath) -> Form {
        Form::build(
            FormKind::Compromise(name),
            vec![field(FieldKey::Reason, "")],
        )
    }

    pub fn focused(&mut self) -> &mut Field {
        &mut self.fields[self.focus]
    }

    pub fn focused_key(&self) -> FieldKey {
        self.fields[self.focus].key
    }

    pub fn next(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len();
    }

    pub fn prev(&mut self) {
        self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
    }

    pub fn is_last(&self) -> bool {
        self.focus + 1 == self.fields.len()
    }

    fn get(&self, key: FieldKey) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.input.text())
    }

    fn index_of(&self, key: FieldKey) -> usize {
        self.fields.iter().position(|f| f.key == key).unwrap_or(0)
    }

    /// Typing in the value field means the value is no longer the generated one.
    pub fn value_edited(&mut self) {
        self.generated = None;
    }

    /// Ctrl-G: fills the value from the "Generate as" settings.
    pub fn generate(&mut self) {
        if !self.fields.iter().any(|f| f.key == FieldKey::Value) {
            return;
        }
        match parse_generator(self.get(FieldKey::Generator).unwrap_or("")) {
            Ok(spec) => {
                let value = generate::generate(spec.length, spec.charset, spec.prefix.as_deref());
                let i = self.index_of(FieldKey::Value);
                self.fields[i].input.set(&value);
                self.generated = Some(spec);
                self.error = None;
            }
            Err(e) => {
                self.focus = self.index_of(FieldKey::Generator);
                self.error = Some(e);
            }
        }
    }

    /// Checks every field and builds the change; on error, focuses the field.
    /// `today` anchors relative dates ("+90d"); `keys` names keys in advice.
    pub fn validate(&mut self, today: NaiveDate, keys: &Keymap) -> Option<SaveOp> {
        match self.try_build(today, keys) {
            Ok(op) => {
                self.error = None;
                Some(op)
            }
            Err((key, msg)) => {
                self.focus = self.index_of(key);
                self.error = Some(format!("{}: {msg}", key.label()));
                None
            }
        }
    }

    /// The metadata fields as an edit, or the first field in error.
    fn meta_edit(&self, today: NaiveDate) -> Result<MetaEdit, (FieldKey, String)> {
        let text = |k| self.get(k).unwrap_or("").trim().to_string();
        let opt = |k| Some(text(k)).filter(|s: &String| !s.is_empty());
        let tags: Vec<String> = text(FieldKey::Tags)
            .split(|c: char| c == ',' || c.is_whitespace())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        Ok(MetaEdit {
            kind: text(FieldKey::Kind)
                .parse()
                .map_err(|e| (FieldKey::Kind, e))?,
            owner: opt(FieldKey::Owner),
            tags,
            url: opt(FieldKey::Url),
            notes: opt(FieldKey::Notes),
            expires: opt(FieldKey::Expires)
                .map(|d| parse_date(&d, today))
                .transpose()
                .map_err(|e| (FieldKey::Expires, e))?,
            rotate_every: opt(FieldKey::RotateEvery)
                .map(|i| i.parse())
                .transpose()
                .map_err(|e| (FieldKey::RotateEvery, e))?,
        })
    }

    fn try_build(&self, today: NaiveDate, keys: &Keymap) -> Result<SaveOp, (FieldKey, String)> {
        let text = |k| self.get(k).unwrap_or("").trim().to_string();
        let opt = |k| Some(text(k)).filter(|s: &String| !s.is_empty());
        let path =
            |k| SecretPath::parse(&text(k)).map_err(|e| (k, strip_name_prefix(&e.to_string())));
        let value = || {
            let v = self.get(FieldKey::Value).unwrap_or("");
            if v.is_empty() {
                Err((
                    FieldKey::Value,
                    format!(
                        "empty: type or paste a value, or press {}",
                        keys.key(Scope::Form, Action::Generate)
                    ),
                ))
            } else {
                Ok(SecretValue::new(v.to_string()))
            }
        };
        let meta = || self.meta_edit(today);
        Ok(match &self.kind {
            FormKind::New => SaveOp::Create {
                name: path(FieldKey::Path)?,
                value: value()?,
                meta: meta()?,
                generator: self.generated.clone(),
            },
            FormKind::Edit(name) => SaveOp::Edit {
                name: name.clone(),
                meta: meta()?,
            },
            FormKind::Rotate(name) => SaveOp::Rotate {
                name: name.clone(),
                value: value()?,
                reason: opt(FieldKey::Reason),
                generator: self.generated.clone(),
                expires: opt(FieldKey::Expires)
                    .map(|d| parse_date(&d, today))
                    .transpose()
                    .map_err(|e| (FieldKey::Expires, e))?,
            },
            FormKind::Rename(from) => {
                let to = path(FieldKey::Path)?;
                if &to == from {
                    return Err((
                        FieldKey::Path,
                        "the new path is the same as the old one".into(),
                    ));
                }
                SaveOp::Rename {
                    from: from.clone(),
                    to,
                }
            }
            FormKind::Compromise(name) => SaveOp::Compromise {
                name: name.clone(),
                reason: Some(opt(FieldKey::Reason).ok_or((
                    FieldKey::Reason,
                    "say what happened (it is kept with the flag and in the audit log)".to_string(),
                ))?),
            },
        })
    }
}

/// The keys line under a form: "Enter next/save · Ctrl-S save · Esc cancel".
/// A Submit key without modifiers moves to the next field until the last
/// (see `app::keys::overlay::form_key`), one with modifiers saves from anywhere.
pub fn keys_hint(keys: &Keymap) -> String {
    let submit = keys.keys_of(Scope::Form, Action::Submit);
    let labels = |plain: bool| {
        submit
            .iter()
            .filter(|k| (k.mods == Mods::NONE) == plain)
            .map(|k| k.label.as_str())
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut parts = Vec::new();
    let (plain, chorded) = (labels(true), labels(false));
    if !plain.is_empty() {
        parts.push(format!("{plain} next/save"));
    }
    if !chorded.is_empty() {
        parts.push(format!("{chorded} save"));
    }
    parts.push(format!("{} cancel", keys.key(Scope::Form, Action::Cancel)));
    parts.join(" · ")
}

fn strip_name_prefix(msg: &str) -> String {
    msg.split_once(": ")
        .map(|(_, r)| r.to_string())
        .unwrap_or_else(|| msg.to_string())
}

/// Parses "LENGTH CHARSET [PREFIX]".
pub fn parse_generator(text: &str) -> Result<GeneratorSpec, String> {
    let mut parts = text.split_whitespace();
    let length: usize = parts
        .next()
        .ok_or("give a length, e.g. 32 strong")?
        .parse()
        .map_err(|_| "the length must be a number, e.g. 32 strong".to_string())?;
    if length == 0 || length > generate::MAX_LENGTH {
        return Err(format!(
            "length must be between 1 and {}",
            generate::MAX_LENGTH
        ));
    }
    let charset: Charset = parts.next().unwrap_or("strong").parse()?;
    let prefix = parts.next().map(str::to_string);
    Ok(GeneratorSpec {
        length,
        charset,
        prefix,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    #[test]
    fn new_form_validates_and_focuses_the_bad_field() {
        let mut f = Form::new_secret(Some("acme"));
        assert!(f.validate(today(), &Keymap::default()).is_none());
        assert_eq!(f.focused_key(), FieldKey::Path);
        f.fields[0].input.set("acme/KEY");
        assert!(f.validate(today(), &Keymap::default()).is_none());
        assert_eq!(f.focused_key(), FieldKey::Value);
        f.generate();
        let exp = f.index_of(FieldKey::Expires);
        f.fields[exp].input.set("tomorrow");
        assert!(f.validate(today(), &Keymap::default()).is_none());
        assert_eq!(f.focused_key(), FieldKey::Expires);
        f.fields[exp].input.set("+30d");
        match f.validate(today(), &Keymap::default()) {
            Some(SaveOp::Create {
                name,
                value,
                generator,
                ..
            }) => {
                assert_eq!(name.as_str(), "acme/KEY");
                assert_eq!(value.len(), 32);
                assert_eq!(generator.unwrap().length, 32);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn key_names_come_from_the_keymap() {
        let defaults = Keymap::default();
        assert_eq!(
            keys_hint(&defaults),
            "Enter next/save · Ctrl-S save · Esc cancel"
        );
        assert_eq!(
            FieldKey::Value.help(&defaults),
            "type or paste; Ctrl-G generates, Ctrl-R shows, Ctrl-J new line"
        );
        let keys = [
            ("form.submit".to_string(), vec!["ctrl-x".to_string()]),
            ("form.generate".to_string(), vec!["f2".to_string()]),
        ]
        .into_iter()
        .collect();
        let rebound = Keymap::with_overrides(&keys).unwrap();
        assert_eq!(keys_hint(&rebound), "ctrl-x save · Esc cancel");
        assert!(FieldKey::Value.help(&rebound).contains("f2 generates"));
        let mut f = Form::new_secret(None);
        f.fields[0].input.set("acme/KEY");
        assert!(f.validate(today(), &rebound).is_none());
        assert_eq!(
            f.error.as_deref(),
            Some("Value: empty: type or paste a value, or press f2")
        );
    }

    #[test]
    fn generator_text_parses() {
        let g = parse_generator("24 alnum sk_live_").unwrap();
        assert_eq!(
            (g.length, g.charset, g.prefix.as_deref()),
            (24, Charset::Alnum, Some("sk_live_"))
        );
        assert!(parse_generator("x").is_err());
        assert!(parse_generator("10 nope").is_err());
    }
}
