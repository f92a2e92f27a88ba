//! The protocol core: pure Rust, no `wasm_bindgen`, no `web_sys`. Randomness, the clock,
//! storage and HTTP come in from the caller, so all of it is tested natively.

pub mod args;
pub mod authorize;
pub mod callback;
pub mod config;
#[cfg(feature = "session")]
pub mod discovery;
#[cfg(feature = "dpop")]
pub mod dpop;
pub mod encoding;
pub mod error;
pub mod json;
pub mod pkce;
#[cfg(feature = "session")]
pub mod popup;
#[cfg(feature = "session")]
pub mod revocation;
pub mod secret;
#[cfg(feature = "session")]
pub mod session;
pub mod token;
pub mod transaction;
pub mod url;
