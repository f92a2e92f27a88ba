//! Every encoding that crosses between the wasm module and js/*.js, in one place. The browser
//! layer passes numbers and strings across, not JS arrays or enums (their bindings cost bytes),
//! so what a number, or a separator in a string, means is agreed here. js/boundary.js exports
//! the same constants under the same names with the same values; `tests/declarations.rs` fails
//! when the two differ or a constant exists on one side only.
//!
//! Values only, no code: a constant compiles to the literal, and esbuild inlines the JS ones
//! when it bundles the package.
//!
//! What crosses without a constant of its own:
//! - argument objects go to Rust as JSON text (js/glue.js `json`): `""` when the value cannot
//!   be serialized (a cycle, a throwing getter), which Rust reports as unreadable, and `[0]`
//!   for a value JSON has no form for (NaN, a function, a symbol, a bigint), which no member
//!   accepts; results come back as JSON text (js/glue.js `parse`, `null` when it does not
//!   parse);
//! - request headers go to js/glue.js `send` as the text of one JSON object of strings;
//! - the class [`Op`](super::op::Op) (see its module) is the one way JS calls back into Rust.
//!   JS never sees which kind an `Op` is; each JS function that takes one calls only these:
//!
//!   | kind (`op::Kind`) | made by | handed to | JS calls |
//!   |---|---|---|---|
//!   | `Code` | `handleCallback`, `exchangeCode`, a popup's `finish` | js/glue.js `send` | `finish(status, body)` or `free()` |
//!   | `Refresh` | `refresh`, `Op.refresh` | js/glue.js `send` | the same |
//!   | `Revoke` | `revokeToken`, `Op.revoke` | js/glue.js `send` | the same |
//!   | `Discover` | `discover` | js/session.js `getMetadata` | `finish(status, body)` or `free()` |
//!   | `Popup` | `loginWithPopup` | js/session.js `openPopup` | `finish(0, callbackUrl)` (no HTTP status) or `free()` |
//!   | `Session` | `createSession` | js/session.js `makeSession` | `step`, `refresh`, `revoke`, `ends`, `free()` |
//!   | `Code`, `Refresh` of a `dpop: true` config | the same | js/dpop.js `dpopSend` (instead of `send`) | `dpopInput`, `dpopOrigin`, `dpopRetry`, then `finish(status, body)` or `free()` |
//!   | `Session` (a copy) of a `dpop: true` config | `createSession` | js/dpop.js `addFetch` (`session.fetch`; js/fetch.js without DPoP, which takes no `Op`) | `dpopInput`, `dpopOrigin`, `dpopRetry` |

// ---- js/session.js `makeSession(core, storage, ...)`: where the session's tokens live ----

/// `storage: "memory"` (the default): in the page's memory only.
#[cfg(feature = "session")]
pub(crate) const STORAGE_MEMORY: u8 = 0;
/// `storage: "sessionStorage"`: this tab's `sessionStorage`.
#[cfg(feature = "session")]
pub(crate) const STORAGE_SESSION: u8 = 1;
/// `storage: "localStorage"`: shared by the tabs of the origin (locked, and adopted).
#[cfg(feature = "session")]
pub(crate) const STORAGE_LOCAL: u8 = 2;

// ---- `Op.step(tokens, force)`: what a session does before it hands out its access token ----

/// Use the access token held (`core::session::NextStep::UseToken`).
#[cfg(feature = "session")]
pub(crate) const STEP_USE_TOKEN: u8 = 0;
/// Refresh first (`NextStep::Refresh`).
#[cfg(feature = "session")]
pub(crate) const STEP_REFRESH: u8 = 1;
/// Sign in again (`NextStep::SignIn`); also the answer of an `Op` that is not a session.
#[cfg(feature = "session")]
pub(crate) const STEP_SIGN_IN: u8 = 2;

// ---- `Op.revoke(token, hint)`: the RFC 7009 §2.1 `token_type_hint` of the token ----

/// `token_type_hint=access_token` (also for any value other than [`HINT_REFRESH_TOKEN`]).
#[cfg(feature = "session")]
pub(crate) const HINT_ACCESS_TOKEN: u8 = 0;
/// `token_type_hint=refresh_token`.
#[cfg(feature = "session")]
pub(crate) const HINT_REFRESH_TOKEN: u8 = 1;

// ---- separators of lists passed as one string (cheaper to pass than an array) ----

/// Between the `sessionStorage` keys js/glue.js `skeys` returns. A key with this character is
/// left out there; no key this library writes has one (the prefix has no control characters,
/// the rest is base64url).
pub(crate) const KEY_SEPARATOR: u8 = b'\n';
/// After each metadata URL passed to js/session.js `getMetadata` (a URL has no spaces).
#[cfg(feature = "session")]
pub(crate) const URL_SEPARATOR: char = ' ';

// ---- js/glue.js `pkcePair(octets)`: a PKCE pair as ASCII octets in wasm memory ----

/// The octets are the verifier (32 random octets in base64url, RFC 7636 §4.1) followed by its
/// S256 challenge (a SHA-256 digest in base64url, §4.2): both this long, so the challenge
/// starts at this offset and the whole is twice as long.
pub(crate) const PKCE_VERIFIER_LEN: usize = 43;
