//! Pure tests of `update`: an `App` built directly, messages in, state and effects out.
