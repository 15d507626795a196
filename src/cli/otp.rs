//! `ward otp NAME [--copy]`: the current one-time code of a secret's
//! `otp` field (TOTP or HOTP).

use super::args::OtpArgs;
use super::context::Context;
use crate::error::{exit, Result, WardError};
use crate::ops::copy::Request;

pub fn run(ctx: &Context, args: OtpArgs) -> Result<i32> {
    let name = ctx.existing(&args.path)?;
    let writer = ctx.writer(false)?;
    let given = crate::ops::otp::next(&writer, &name)?;
    if let Some(w) = &given.commit_warning {
        super::output::warn_line(w);
    }
    let valid = match (given.code.seconds_left, given.counter) {
        (Some(left), _) => format!("valid for {left} s"),
        (None, Some(counter)) => format!("HOTP counter {counter}, now saved as {}", counter + 1),
        (None, None) => String::new(),
    };
    if !args.copy {
        super::output::print_line(&given.code.code)?;
        eprintln!("{valid}");
        return Ok(exit::OK);
    }
    let request = Request {
        name: &name,
        version: given.version,
        text: &given.code.code,
        field: Some("otp code"),
    };
    match super::copy::put(ctx, &request, args.backend, args.timeout) {
        Ok(copied) => {
            eprintln!("{} ({valid})", copied.summary());
            Ok(exit::OK)
        }
        Err(e) => Err(WardError::Other(format!(
            "cannot copy the otp code of {name}: {}",
            super::advice::copy_error(&e)
        ))),
    }
}
