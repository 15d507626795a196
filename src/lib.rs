//! ward: a terminal vault for API keys and secrets over age-encrypted files.
//!
//! Layout (docs/ARCHITECTURE.md): `store`, `policy` and `audit` know nothing of
//! terminals; `cli` is the scriptable front end; the TUI lives in `app`
//! (state and update), `ui` (pure renderers) and `tui` (the terminal owner).

pub mod agent;
pub mod agent_settings;
pub mod app;
pub mod audit;
pub mod cli;
pub mod clipboard;
pub mod config;
pub mod demo;
pub mod error;
pub mod find;
pub mod git;
pub mod hardening;
pub mod keymap;
pub mod ops;
pub mod otp;
pub mod policy;
pub mod review;
pub mod sanitize;
pub mod store;
pub mod trust;
pub mod tui;
pub mod ui;
pub mod words;
