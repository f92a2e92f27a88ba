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
//!   | `Discover` | `discover` | js/session.js `getMetadata` | `check(status, error)`, `finish(status, body)` or `free()` |
//!   | `Popup` | `loginWithPopup` | js/session.js `openPopup` | `check(messageEvent, popup, origin)`, `finish(0, callbackUrl)` (no HTTP status) or `free()` |
//!   | `Session` | `createSession` | js/session.js `makeSession` | `ev` (events), `next`, `num`, `value` (effects), `tokens`, `refresh`, `revoke` |
//!   | `Code`, `Refresh` of a `dpop: true` config | the same | js/dpop.js `dpopSend` (instead of `send`) | `dpopInput`, `dpopOrigin`, `dpopRetry`, then `finish(status, body)` or `free()` |
//!   | `Session` (a copy, with an idle machine) of a `dpop: true` config | `createSession` | js/dpop.js `addFetch` (`session.fetch`; js/fetch.js without DPoP, which takes no `Op`) | `dpopInput`, `dpopOrigin`, `dpopRetry` |

// ---- js/session.js `makeSession(core, storage, ...)`: where the session's tokens live ----

/// `storage: "memory"` (the default): in the page's memory only.
#[cfg(feature = "session")]
pub(crate) const STORAGE_MEMORY: u8 = 0;
/// `storage: "sessionStorage"`: this tab's `sessionStorage`.
#[cfg(feature = "session")]
pub(crate) const STORAGE_SESSION: u8 = 1;
/// `storage: "localStorage"`: shared by the tabs of the origin (IndexedDB under a lock).
#[cfg(feature = "session")]
pub(crate) const STORAGE_LOCAL: u8 = 2;

// ---- `Op.ev(kind, a, b)`: an event js/session.js feeds to the session's state machine ----
// (`core::session::machine::Event`)

/// `getAccessToken`: `a` is `forceRefresh` (a boolean).
#[cfg(feature = "session")]
pub(crate) const EVENT_GET: u8 = 0;
/// `signOut`.
#[cfg(feature = "session")]
pub(crate) const EVENT_SIGN_OUT: u8 = 1;
/// `setTokens`: `a` is the TokenSet or `null`.
#[cfg(feature = "session")]
pub(crate) const EVENT_SET: u8 = 2;
/// The lock: `a` is `true` when granted, `false` when the lease is another tab's.
#[cfg(feature = "session")]
pub(crate) const EVENT_LOCK: u8 = 3;
/// The timer of `EFFECT_TIMER` fired.
#[cfg(feature = "session")]
pub(crate) const EVENT_TIMER: u8 = 4;
/// The store was read: `a` is what it holds, `b` is `true` unless the read failed.
#[cfg(feature = "session")]
pub(crate) const EVENT_READ: u8 = 5;
/// A write of the store ended: `b` is `true` unless it failed, `a` then what the store held
/// before it (written over only when `Op.keep` said so of that).
#[cfg(feature = "session")]
pub(crate) const EVENT_WRITTEN: u8 = 6;
/// Another tab wrote the store (its BroadcastChannel message).
#[cfg(feature = "session")]
pub(crate) const EVENT_CHANGED: u8 = 7;
/// The refresh answered: `a` is the TokenSet, or not one and `b` is the OAuthError.
#[cfg(feature = "session")]
pub(crate) const EVENT_REFRESHED: u8 = 8;
/// A revocation finished: `a` is its OAuthError, or `undefined`.
#[cfg(feature = "session")]
pub(crate) const EVENT_REVOKED: u8 = 9;
/// Not an event but a question, inside the transaction of an `EFFECT_WRITE`: `Op.ev` answers
/// `1` when the write is done over `a`, what the store holds (`Machine::keeps`), else `0`.
#[cfg(feature = "session")]
pub(crate) const EVENT_KEEP: u8 = 10;

// ---- `Op.next()`: the effect of the session's state machine js/session.js executes next ----
// (`core::session::machine::Effect`; `Op.num()` and `Op.value()` give its contents)

/// No effect left.
#[cfg(feature = "session")]
pub(crate) const EFFECT_NONE: u8 = 0;
/// Take the cross-tab lock (Web Locks; without them, the IndexedDB lease living `num` ms).
#[cfg(feature = "session")]
pub(crate) const EFFECT_LOCK: u8 = 1;
/// Release it.
#[cfg(feature = "session")]
pub(crate) const EFFECT_UNLOCK: u8 = 2;
/// Start a timer of `num` ms, then call `Op.timer()`.
#[cfg(feature = "session")]
pub(crate) const EFFECT_TIMER: u8 = 3;
/// Read the store, then call `Op.read(stored, ok)`.
#[cfg(feature = "session")]
pub(crate) const EFFECT_READ: u8 = 4;
/// Write `value` (a TokenSet, or `null`: remove) to the store if `Op.keep(what it holds)`, in
/// one transaction, then feed `EVENT_WRITTEN`.
#[cfg(feature = "session")]
pub(crate) const EFFECT_WRITE: u8 = 5;
/// Tell the other tabs that the store changed (BroadcastChannel).
#[cfg(feature = "session")]
pub(crate) const EFFECT_BROADCAST: u8 = 6;
/// Send the refresh of `value` (`Op.refresh`), then call `Op.refreshed(tokens, error)`.
#[cfg(feature = "session")]
pub(crate) const EFFECT_REFRESH: u8 = 7;
/// Revoke `value` (`Op.revoke(value, num)`), then call `Op.revoked(error)`.
#[cfg(feature = "session")]
pub(crate) const EFFECT_REVOKE: u8 = 8;
/// Resolve caller `num` with `value`.
#[cfg(feature = "session")]
pub(crate) const EFFECT_RESOLVE: u8 = 9;
/// Reject caller `num` with `value`.
#[cfg(feature = "session")]
pub(crate) const EFFECT_REJECT: u8 = 10;
/// Resolve `signOut()` caller `num`.
#[cfg(feature = "session")]
pub(crate) const EFFECT_DONE: u8 = 11;
/// Call the `onChange` callbacks with `value`.
#[cfg(feature = "session")]
pub(crate) const EFFECT_CHANGED: u8 = 12;
/// Call the `onSignedOut` callbacks with `value`.
#[cfg(feature = "session")]
pub(crate) const EFFECT_SIGNED_OUT: u8 = 13;
/// Call the `onError` callbacks with `value`.
#[cfg(feature = "session")]
pub(crate) const EFFECT_ERROR: u8 = 14;

// ---- `Op.revoke(token, hint)`: the RFC 7009 §2.1 `token_type_hint` of the token ----

/// `token_type_hint=access_token` (also for any value other than [`HINT_REFRESH_TOKEN`]).
#[cfg(feature = "session")]
pub(crate) const HINT_ACCESS_TOKEN: u8 = 0;
/// `token_type_hint=refresh_token`.
#[cfg(feature = "session")]
pub(crate) const HINT_REFRESH_TOKEN: u8 = 1;

// ---- `Op.check(status, error)` of a discovery: what to do with one metadata URL's answer ----
// (`core::discovery::MetadataAnswer`)

/// Validate it (`Op.finish`).
#[cfg(feature = "session")]
pub(crate) const METADATA_VALIDATE: u8 = 0;
/// Try the next URL.
#[cfg(feature = "session")]
pub(crate) const METADATA_TRY_NEXT: u8 = 1;
/// Stop with the request's error.
#[cfg(feature = "session")]
pub(crate) const METADATA_STOP: u8 = 2;

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
