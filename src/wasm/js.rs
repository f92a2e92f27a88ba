//! Imports from `js/glue.js` and the conversions between JS values and the core's types.
//!
//! The release build (feature `std` off) has no `js-sys`: its bindings cost kilobytes. Use the
//! plain operations here (`get`, `reject`, [`Promise`]); arguments come in as JSON ([`arg`]) and
//! results go out as JSON ([`from_json`]).

use crate::core::args;
use crate::core::config::ClientConfig;
use crate::core::error::{Error, ErrorCode};
use crate::core::json::Json;
use crate::core::transaction::Storage;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

// The error class has a module of its own, shared by every entry of the package.
#[wasm_bindgen(module = "/js/error.js")]
extern "C" {
    #[wasm_bindgen(js_name = oauthError)]
    fn oauth_error(
        code: &str,
        message: &str,
        error: Option<&str>,
        description: Option<&str>,
        uri: Option<&str>,
        status: Option<u16>,
    ) -> JsValue;
}

// js/boundary.js (the constants of src/wasm/boundary.rs) ships beside js/glue.js and
// js/session.js, which import it. wasm-bindgen copies a JS file only when a Rust item names it:
// this type does, and adds no import and no code. (Here, next to imports every build uses: a
// declaration left alone in its own module is not linked into a test's wasm.)
#[wasm_bindgen(module = "/js/boundary.js")]
extern "C" {
    type Boundary;
}

#[wasm_bindgen(module = "/js/glue.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn sget(key: &str) -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(catch)]
    fn sset(key: &str, value: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(catch)]
    fn sremove(key: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(catch)]
    fn skeys(prefix: &str) -> Result<String, JsValue>;
    #[wasm_bindgen(catch, js_name = currentUrl)]
    pub(crate) fn current_url() -> Result<String, JsValue>;
    #[wasm_bindgen(catch, js_name = replaceUrl)]
    pub(crate) fn replace_url(url: &str) -> Result<(), JsValue>;
    /// `Promise.reject(e)`.
    pub(crate) fn reject(e: &JsValue) -> Promise;
    /// `o?.[k]`, or undefined when reading it throws.
    pub(crate) fn get(o: &JsValue, k: &str) -> JsValue;
    /// [`get`] when the value is a string: one import instead of `get` and `as_string`. The
    /// key `""` reads `o` itself ([`string`]).
    pub(crate) fn gets(o: &JsValue, k: &str) -> Option<String>;
    /// `JSON.stringify(v)` for [`arg`].
    fn json(v: &JsValue) -> String;
    /// The JS value of JSON text written in Rust: `JSON.parse(text)` (`null` if it does not
    /// parse).
    #[wasm_bindgen(js_name = parse)]
    pub(crate) fn from_json(text: &str) -> JsValue;
    /// `Date.now()`
    fn now() -> f64;
    /// `{ verifier, challenge, method: "S256" }` from the verifier and challenge written back to
    /// back (`boundary::PKCE_VERIFIER_LEN` octets each), as ASCII octets (read in JS without a
    /// TextDecoder: faster for short strings).
    #[wasm_bindgen(js_name = pkcePair)]
    pub(crate) fn pkce_pair(both: &[u8]) -> JsValue;
    /// A JS `Promise` (exports set its TypeScript type with `unchecked_return_type`). With
    /// the `std` feature, Rust can `.await` it.
    #[wasm_bindgen(typescript_type = "Promise<unknown>")]
    pub type Promise;
}

#[cfg(feature = "std")]
impl core::future::IntoFuture for Promise {
    type Output = Result<JsValue, JsValue>;
    type IntoFuture = js_sys::futures::JsFuture;
    /// Rust callers (tests, Rust front-ends) can `.await` the promise.
    fn into_future(self) -> Self::IntoFuture {
        js_sys::futures::JsFuture::from(js_sys::Promise::from(JsValue::from(self)))
    }
}

/// The core error as a JS `OAuthError`.
pub(crate) fn to_js(e: Error) -> JsValue {
    oauth_error(
        e.code().as_str(),
        e.message(),
        e.error(),
        e.error_description(),
        e.error_uri(),
        e.status(),
    )
}

/// `window.sessionStorage`, each failure reported as `storage_unavailable`.
pub(crate) struct SessionStorage;

fn storage_failed(_: JsValue) -> Error {
    Error::new(
        ErrorCode::StorageUnavailable,
        "sessionStorage is unavailable (disabled, sandboxed or full)",
    )
}

impl Storage for SessionStorage {
    fn get(&self, key: &str) -> Result<Option<String>, Error> {
        sget(key).map_err(storage_failed)
    }
    fn set(&mut self, key: &str, value: &str) -> Result<(), Error> {
        sset(key, value).map_err(storage_failed)
    }
    fn remove(&mut self, key: &str) -> Result<(), Error> {
        sremove(key).map_err(storage_failed)
    }
    fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, Error> {
        // The keys joined by `KEY_SEPARATOR` (js/glue.js leaves out a key that has one).
        let keys = skeys(prefix).map_err(storage_failed)?;
        let mut out = Vec::new();
        for k in crate::core::encoding::pieces(&keys, super::boundary::KEY_SEPARATOR) {
            if !k.is_empty() {
                out.push(String::from(k));
            }
        }
        Ok(out)
    }
}

/// `v` when it is a string: [`gets`] with the key `""` (one import for both, instead of
/// wasm-bindgen's own conversion beside it).
pub(crate) fn string(v: &JsValue) -> Option<String> {
    gets(v, "")
}

pub(crate) fn now_ms() -> u64 {
    now() as u64
}

/// Octets of `POOL_SIZE` from `crypto.getRandomValues` at a time: the call into JS, not SHA-256,
/// was the largest part of a PKCE pair's cost (measured in headless Chromium: +15-19 % pairs/s
/// over a pool kept in JS). Each octet is handed out once and zeroed in the pool.
pub(crate) struct RandomPool {
    buf: [u8; POOL_SIZE],
    /// How many octets at the end of `buf` are not handed out yet.
    left: usize,
}

const POOL_SIZE: usize = 4096;

impl RandomPool {
    /// An empty pool (all zero: it lives in `.bss`, not in the wasm data).
    pub(crate) const EMPTY: RandomPool = RandomPool {
        buf: [0; POOL_SIZE],
        left: 0,
    };

    /// 32 fresh octets; refills the whole pool first when fewer are left. Its only call out is
    /// `crypto.getRandomValues` (through `getrandom::fill`, which writes straight into wasm
    /// memory); the callers refuse a nested call, should a replaced one call back into this
    /// module.
    pub(crate) fn take32(&mut self) -> Result<[u8; 32], Error> {
        if self.left < 32 && getrandom::fill(&mut self.buf).is_ok() {
            self.left = POOL_SIZE;
        }
        // `left` is 0 or 32..=POOL_SIZE, so the range is valid whenever 32 octets are left.
        let start = POOL_SIZE - self.left;
        match self
            .buf
            .get_mut(start..)
            .and_then(|rest| rest.first_chunk_mut::<32>())
        {
            Some(src) if self.left >= 32 => {
                let out = *src;
                src.fill(0);
                self.left -= 32;
                Ok(out)
            }
            _ => Err(Self::unavailable()),
        }
    }

    /// The error when no random octets can be had.
    pub(crate) fn unavailable() -> Error {
        Error::new(
            ErrorCode::CryptoUnavailable,
            "crypto.getRandomValues is unavailable",
        )
    }
}

/// 32 random octets (RFC 7636 §4.1 verifier, `state`) from this thread's [`RandomPool`].
#[cfg(feature = "std")]
pub(crate) fn random32() -> Result<[u8; 32], Error> {
    std::thread_local! {
        static POOL: core::cell::RefCell<RandomPool> = const {
            core::cell::RefCell::new(RandomPool::EMPTY)
        };
    }
    // A nested call (a replaced crypto.getRandomValues calling back in) fails, not panics.
    POOL.with(|p| {
        p.try_borrow_mut()
            .map_err(|_| RandomPool::unavailable())?
            .take32()
    })
}

/// 32 random octets (RFC 7636 §4.1 verifier, `state`) from the instance's [`RandomPool`].
#[cfg(not(feature = "std"))]
pub(crate) use super::rt::random32;

// ---- arguments in, results out -------------------------------------------------------------

/// A JS argument as JSON (`JSON.stringify` in js/glue.js `json`, then the core's parser), for
/// `core::args`. `undefined` is `null`. An argument that cannot be serialized (a cycle, a getter
/// or `toJSON` that throws) or nests deeper than the parser's 64 levels is
/// [`args::unreadable`], which `Fields::new` reports as such.
pub(crate) fn arg(v: &JsValue) -> Json {
    Json::parse(&json(v)).unwrap_or_else(args::unreadable)
}

/// Reads a JS `ClientConfig` (`ClientConfig::from_json`: every member type-checked, then
/// validated). Boxed: the config is moved around whole (into a `TokenExchange`), and is large.
pub(crate) fn read_config(value: &JsValue) -> Result<Box<ClientConfig>, Error> {
    ClientConfig::from_json(&arg(value)).map(Box::new)
}
