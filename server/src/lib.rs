//! oauth-spa-server: a local OAuth 2.0 authorization server for oauth-spa's demo and
//! end-to-end tests. It speaks two dialects from one process: Ellipsis Drive API v3 under
//! `/v3` and strict RFC 6749 under `/rfc`. See `server/README.md`.
//!
//! This is a development and test tool: state is in memory, there is one local user, and
//! nothing here is meant to face the internet.

mod app;
mod authorize;
mod base64;
mod basic_auth;
mod client_auth;
mod clock;
pub mod config;
mod cors;
mod dialect;
mod dpop;
mod form;
mod hooks;
mod http;
mod metadata;
mod oauth_error;
mod pages;
mod pkce;
mod resource;
mod revoke;
mod secret;
mod server;
mod static_files;
mod store;
mod token;

pub use config::{parse_args, Command, Config, USAGE};
pub use server::run;
