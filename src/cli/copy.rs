//! `ward copy PATH [--field F] [--timeout SECONDS] [--backend B]`.

use super::args::CopyArgs;
use super::context::Context;
use super::secrets::value_bytes;
use crate::clipboard::{self, CopyOptions};
use crate::error::{exit, Result, WardError};
use crate::sanitize::escape;
use zeroize::Zeroizing;

pub fn run(ctx: &Context, args: CopyArgs) -> Result<i32> {
    let name = ctx.name(&args.path)?;
    if let Some(field) = &args.field {
        super::secrets::check_field_name(field)?;
    }
    let doc = ctx.store.read(ctx.keys()?, &name)?;
    let (value, what) = match &args.field {
        Some(field) => {
            let v = super::secrets::meta_field(&doc, field)?;
            if v.is_empty() {
                return Err(WardError::Usage(format!(
                    "{name} has no {field}; nothing was copied"
                )));
            }
            (Zeroizing::new(v), format!("the {field} of {name}"))
        }
        None => {
            let bytes = value_bytes(&doc.value, doc.encoding, &name)?;
            let text = std::str::from_utf8(&bytes).map_err(|_| {
                WardError::Usage(format!(
                    "{name} holds binary data, which cannot go on a text clipboard; use `ward get`"
                ))
            })?;
            (Zeroizing::new(text.to_string()), name.to_string())
        }
    };
    let mut opts = CopyOptions::new(
        args.backend.unwrap_or(ctx.config.clipboard_backend),
        args.timeout.unwrap_or(ctx.config.clipboard_timeout),
    );
    // The keeper outlives this process: it records the clear itself.
    opts.audit = Some(crate::clipboard::AuditTarget {
        store_root: ctx.store.root().to_path_buf(),
        actor: ctx.actor.clone(),
        path: name.to_string(),
    });
    match clipboard::copy(&value, &opts) {
        Ok(copied) => {
            ctx.audit(
                crate::audit::Event::new(crate::audit::Action::Copy)
                    .path(name.as_str())
                    .version(Some(doc.version))
                    .reason(
                        args.field
                            .as_deref()
                            .map(|f| format!("field {f}"))
                            .as_deref(),
                    ),
            );
            eprintln!("{}", copied.report.summary(&escape(&what)));
            Ok(exit::OK)
        }
        Err(e) => Err(WardError::Other(format!(
            "cannot copy {name}: {}",
            e.message
        ))),
    }
}
