//! # oauth-spa
//!
//! OAuth 2.0 Authorization Code + PKCE sign-in for browser single-page apps, written in Rust and
//! compiled to WebAssembly. Ellipsis Drive API v3 and any RFC 6749 server.
//!
//! This crate has two layers:
//!
//! - the **protocol core** (this Rust API): pure functions over plain data. Randomness, the
//!   clock, storage and HTTP are passed in, so a Rust front-end (Yew, Leptos, Dioxus) or a test
//!   can drive it without JavaScript;
//! - the **browser layer** (`wasm32` only): the JavaScript API (`createPkcePair`, `startLogin`,
//!   `handleCallback`, ...) over `crypto.getRandomValues`, `sessionStorage` and `fetch`.
//!
//! ## A login with the core
//!
//! ```
//! use oauth_spa::{
//!     begin_callback, parse_token_response, start_login, ClientConfig, LoginOptions,
//!     LoginRandom, MemoryStorage,
//! };
//!
//! let mut config = ClientConfig::ellipsis("my-client-id", None);
//! config.redirect_uri = Some("https://app.example/callback".into());
//! let mut storage = MemoryStorage::new(); // in a browser: sessionStorage
//!
//! // 1. Redirect: 64 random octets (use a CSPRNG), the time in ms.
//! let random = LoginRandom { verifier: [1; 32], state: [2; 32] };
//! let login = start_login(&config, &LoginOptions::default(), &random, 1_700_000_000_000, &mut storage)?;
//! assert!(login.url.contains("code_challenge_method=S256"));
//!
//! // 2. Callback: the browser comes back with ?code=...&state=...
//! let callback = ["https://app.example/callback?code=abc&state=", &login.state].concat();
//! let pending = begin_callback(&config, &callback, 1_700_000_005_000, &mut storage)?;
//! assert!(pending.request.body.expose().contains("\"authorization_code\":\"abc\""));
//!
//! // 3. Send pending.request with your HTTP client, then read the answer.
//! let body = r#"{"access_token":"at","token_type":"Bearer","expires_in":3600}"#;
//! let tokens = parse_token_response(&config, 200, body, 1_700_000_006_000, pending.requested_scope.as_deref())?;
//! assert_eq!(tokens.access_token.expose(), "at");
//! # Ok::<(), oauth_spa::Error>(())
//! ```
//!
//! ## Security
//!
//! - PKCE S256 always; `plain` is never sent. `state` is 32 random octets, single-use, bound to
//!   the stored transaction, which is removed before the token request is built.
//! - Secrets ([`Secret`]) redact themselves in `Debug`; error messages never contain tokens,
//!   codes, verifiers or secrets.
//! - A client secret in a browser is not secret. Prefer a public client, or point the token
//!   endpoint at your own backend that adds the secret.

#![cfg_attr(all(target_arch = "wasm32", not(feature = "std")), no_std)]
// The only unsafe code is in the runtime of the `no_std` wasm build (src/wasm/rt.rs): the
// allocator and the random pool.
#![deny(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod core;
/// The browser layer: the functions JavaScript sees (`createPkcePair`, `startLogin`,
/// `handleCallback`, ...), callable from Rust on `wasm32` too. They take and return JS values.
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use crate::core::authorize::{
    start_login, AuthorizationRequest, LoginOptions, LoginRandom, RESERVED_PARAMS,
};
pub use crate::core::callback::{
    begin_callback, is_other_clients_login, parse_authorization_response, strip_response_params,
    AuthorizationResponse, PendingExchange,
};
pub use crate::core::config::{
    split_scope, BodyEncoding, ClientAuth, ClientConfig, Dialect, ELLIPSIS_BASE_URL,
};
#[cfg(feature = "session")]
pub use crate::core::discovery::{
    metadata_answer, metadata_urls, parse_metadata, Metadata, MetadataAnswer,
};
/// DPoP (RFC 9449): proof claims and signing input, `htu`, the JWK thumbprint, the nonce and
/// token type rules. The signature comes from the caller (the browser layer uses WebCrypto).
#[cfg(feature = "dpop")]
pub use crate::core::dpop;
pub use crate::core::encoding::{base64url, form_decode, form_encode};
pub use crate::core::error::{Error, ErrorCode};
pub use crate::core::json::Json;
pub use crate::core::pkce::{
    check_verifier, code_challenge_s256, PkceVerifier, CODE_CHALLENGE_METHOD,
};
#[cfg(feature = "session")]
pub use crate::core::popup::{check_popup_response, is_popup_message, POPUP_MESSAGE_TYPE};
#[cfg(feature = "session")]
pub use crate::core::revocation::{parse_revocation_response, revocation_request, TokenTypeHint};
pub use crate::core::secret::Secret;
/// The session state machine (`Machine`, its events and effects): see its module.
#[cfg(feature = "session")]
pub use crate::core::session::machine;
#[cfg(feature = "session")]
pub use crate::core::session::{
    ends_session, is_fresh, merge_refreshed, next_step, refresh_at, refresh_request,
    refusal_ends_session, token_set_from_json, NextStep, DEFAULT_SKEW_SECONDS,
};
pub use crate::core::token::{
    basic_auth_header, parse_token_response, token_request, Grant, TokenRequest, TokenSet,
};
pub use crate::core::transaction::{sweep, MemoryStorage, Storage, Transaction};
pub use crate::core::url::is_loopback_host;

/// Internals the fuzz targets in `fuzz/` compare with reference crates (standard base64, form
/// parsing, the URL splitter and its IPv6 and Punycode checks, the number reader). Only in builds with
/// `--cfg fuzzing` (cargo-fuzz sets it); not part of the API.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::core::encoding::{base64_std, parse_form};
    pub use crate::core::json::{as_non_negative_integer, SATURATED};
    pub use crate::core::url::{is_ipv6, parse as parse_url, punycode_ok, UrlParts};
}
