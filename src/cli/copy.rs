//! `ward copy PATH [--field F] [--timeout SECONDS] [--backend B]`.

use super::args::CopyArgs;
use super::context::Context;
use crate::clipboard::{CopyOptions, SystemCopier};
use crate::error::{exit, Result, WardError};
use crate::ops::copy::{self, Copying, Request, Uncopyable};

pub fn run(ctx: &Context, args: CopyArgs) -> Result<i32> {
    let name = ctx.existing(&args.path)?;
    if let Some(field) = &args.field {
        super::secrets::check_field_name(field)?;
    }
    let doc = ctx.store.read(ctx.keys()?, &name)?;
    let text = copy::text_of(&doc, args.field.as_deref()).map_err(|why| match why {
        Uncopyable::NoField(field) => {
            WardError::Usage(format!("{name} has no {field}; nothing was copied"))
        }
        Uncopyable::Binary => WardError::Usage(format!(
            "{name} holds binary data, which cannot go on a text clipboard; use `ward get`"
        )),
        Uncopyable::BadBase64 => {
            WardError::Other(format!("{name}: stored base64 value does not decode"))
        }
    })?;
    let request = Request {
        name: &name,
        version: doc.version,
        text: &text,
        field: args.field.as_deref(),
    };
    match put(ctx, &request, args.backend, args.timeout) {
        Ok(copied) => {
            eprintln!("{}", copied.summary());
            Ok(exit::OK)
        }
        Err(e) => Err(WardError::Other(format!(
            "cannot copy {name}: {}",
            super::advice::copy_error(&e)
        ))),
    }
}

/// Puts `request` on the clipboard as `ward copy` does (the configured
/// backend and timeout unless given), recording the copy.
pub(super) fn put(
    ctx: &Context,
    request: &Request,
    backend: Option<crate::config::ClipboardBackend>,
    timeout: Option<u64>,
) -> std::result::Result<copy::Copied, crate::clipboard::CopyError> {
    let options = CopyOptions::new(
        backend.unwrap_or(ctx.config.clipboard_backend),
        timeout.unwrap_or(ctx.config.clipboard_timeout),
    );
    let timeout = options.timeout;
    // The keeper outlives this process: it records the clear itself.
    let mut copier = SystemCopier::new(options);
    let how = Copying {
        store_root: ctx.store.root(),
        actor: &ctx.actor,
        timeout,
        now: std::time::Instant::now(),
        at: chrono::Utc::now(),
        journal: ctx,
    };
    copy::copy(&mut copier, request, &how)
}
