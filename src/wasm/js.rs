//! Imports from `js/glue.js` and the conversions between JS values and the core's types.
//!
//! The release build (feature `std` off) has no `js-sys`: its bindings cost kilobytes. Use the
//! plain operations here (`get`, `set`, `obj`, `parse`, `reject`, `resolve`, [`Promise`]).

use crate::core::config::{split_scope, BodyEncoding, ClientAuth, ClientConfig, Dialect};
use crate::core::error::{Error, ErrorCode};
use crate::core::secret::Secret;
use crate::core::transaction::Storage;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/glue.js")]
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
    #[wasm_bindgen(catch)]
    fn sget(key: &str) -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(catch)]
    fn sset(key: &str, value: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(catch)]
    fn sremove(key: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(catch)]
    fn skeys(prefix: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = currentUrl)]
    pub(crate) fn current_url() -> Result<String, JsValue>;
    #[wasm_bindgen(catch, js_name = replaceUrl)]
    pub(crate) fn replace_url(url: &str) -> Result<(), JsValue>;
    /// `Promise.reject(e)`.
    pub(crate) fn reject(e: &JsValue) -> Promise;
    /// `Promise.resolve(v)`.
    pub(crate) fn resolve(v: &JsValue) -> Promise;
    /// `o[k]`, or undefined when reading it throws.
    pub(crate) fn get(o: &JsValue, k: &str) -> JsValue;
    /// `a[i]`.
    fn at(a: &JsValue, i: u32) -> JsValue;
    /// The length of an array, or -1 for anything else.
    fn len(a: &JsValue) -> i32;
    /// `Object.entries(o)`.
    fn entries(o: &JsValue) -> JsValue;
    /// `{}`
    pub(crate) fn obj() -> JsValue;
    /// `o[k] = v`
    pub(crate) fn set(o: &JsValue, k: &str, v: &JsValue);
    /// `o[k] = v` for a string `v` (no temporary JsValue to make and drop).
    #[wasm_bindgen(js_name = set)]
    fn set_str(o: &JsValue, k: &str, v: &str);
    /// `o[k] = v` for a number `v`.
    #[wasm_bindgen(js_name = set)]
    fn set_num(o: &JsValue, k: &str, v: f64);
    /// `JSON.parse(text)` of a text that parsed in Rust (`null` if it does not parse).
    pub(crate) fn parse(text: &str) -> JsValue;
    /// `Date.now()`
    fn now() -> f64;
    /// `{ verifier, challenge, method: "S256" }` from the verifier and challenge written back to back.
    #[wasm_bindgen(js_name = pkcePair)]
    pub(crate) fn pkce_pair(both: &str) -> JsValue;
    #[wasm_bindgen(catch)]
    fn rand(buf: &mut [u8]) -> Result<(), JsValue>;
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

/// Each item of a JS array, `None` when `v` is not an array.
fn items(v: &JsValue) -> Option<impl Iterator<Item = JsValue> + '_> {
    let n = u32::try_from(len(v)).ok()?;
    Some((0..n).map(move |i| at(v, i)))
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
        let keys = skeys(prefix).map_err(storage_failed)?;
        // A plain loop: iterator adapters cost more code here.
        let mut out = Vec::new();
        for i in 0..u32::try_from(len(&keys)).unwrap_or(0) {
            if let Some(k) = at(&keys, i).as_string() {
                out.push(k);
            }
        }
        Ok(out)
    }
}

pub(crate) fn now_ms() -> u64 {
    now() as u64
}

pub(crate) fn random32() -> Result<[u8; 32], Error> {
    let mut b = [0u8; 32];
    rand(&mut b).map_err(|_| {
        Error::new(
            ErrorCode::CryptoUnavailable,
            "crypto.getRandomValues is unavailable",
        )
    })?;
    Ok(b)
}

// ---- reading JS objects -------------------------------------------------------------------

/// A JS object argument, with the name used in error messages (`config`, `options`, ...).
pub(crate) struct Arg<'a> {
    obj: &'a JsValue,
    name: &'static str,
    code: ErrorCode,
}

impl<'a> Arg<'a> {
    /// `value` must be an object (or, when `optional`, undefined/null).
    pub(crate) fn new(
        obj: &'a JsValue,
        name: &'static str,
        code: ErrorCode,
        optional: bool,
    ) -> Result<Self, Error> {
        if !(obj.is_object() || optional && obj.is_undefined() || optional && obj.is_null()) {
            return Err(Error::concat(code, &[name, " must be an object"]));
        }
        Ok(Arg { obj, name, code })
    }

    pub(crate) fn raw(&self, field: &str) -> JsValue {
        if self.obj.is_object() {
            get(self.obj, field)
        } else {
            JsValue::UNDEFINED
        }
    }

    fn wrong(&self, field: &str, what: &str) -> Error {
        Error::concat(self.code, &[self.name, ".", field, " must be ", what])
    }

    pub(crate) fn string(&self, field: &str) -> Result<Option<String>, Error> {
        let v = self.raw(field);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        v.as_string()
            .map(Some)
            .ok_or_else(|| self.wrong(field, "a string"))
    }

    pub(crate) fn required_string(&self, field: &str) -> Result<String, Error> {
        match self.string(field)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(self.wrong(field, "a non-empty string")),
        }
    }

    pub(crate) fn bool(&self, field: &str, default: bool) -> Result<bool, Error> {
        let v = self.raw(field);
        if v.is_undefined() || v.is_null() {
            return Ok(default);
        }
        v.as_bool().ok_or_else(|| self.wrong(field, "a boolean"))
    }

    pub(crate) fn positive_u32(&self, field: &str, default: u32) -> Result<u32, Error> {
        let v = self.raw(field);
        if v.is_undefined() || v.is_null() {
            return Ok(default);
        }
        match v.as_f64() {
            // `n as u32` saturates; equal back means a whole number in range (NaN never is).
            Some(n) if n >= 1.0 && f64::from(n as u32) == n => Ok(n as u32),
            _ => Err(self.wrong(field, "a positive whole number")),
        }
    }

    /// A string or an array of strings, as a list (RFC 6749 §3.3 scope).
    pub(crate) fn string_list(&self, field: &str) -> Result<Vec<String>, Error> {
        let v = self.raw(field);
        if v.is_undefined() || v.is_null() {
            return Ok(Vec::new());
        }
        if let Some(s) = v.as_string() {
            return Ok(split_scope(&s));
        }
        if let Some(list) = items(&v) {
            let mut out = Vec::new();
            for item in list {
                out.push(
                    item.as_string()
                        .ok_or_else(|| self.wrong(field, "a string or an array of strings"))?,
                );
            }
            return Ok(out);
        }
        Err(self.wrong(field, "a string or an array of strings"))
    }

    /// A string-valued record, in property order.
    pub(crate) fn string_record(&self, field: &str) -> Result<Vec<(String, String)>, Error> {
        let v = self.raw(field);
        if v.is_undefined() || v.is_null() {
            return Ok(Vec::new());
        }
        if !v.is_object() || len(&v) >= 0 {
            return Err(self.wrong(field, "an object of string values"));
        }
        let mut out = Vec::new();
        for pair in items(&entries(&v)).into_iter().flatten() {
            let name = at(&pair, 0).as_string().unwrap_or_default();
            let value = at(&pair, 1).as_string().ok_or_else(|| {
                Error::concat(
                    self.code,
                    &[self.name, ".", field, ".", &name, " must be a string"],
                )
            })?;
            out.push((name, value));
        }
        Ok(out)
    }
}

fn one_of<T: Copy>(
    arg: &Arg<'_>,
    field: &str,
    choices: &[(&str, T)],
    expected: &str,
) -> Result<Option<T>, Error> {
    match arg.string(field) {
        Ok(None) => Ok(None),
        Ok(Some(s)) => choices
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, v)| Some(*v))
            .ok_or_else(|| arg.wrong(field, expected)),
        Err(_) => Err(arg.wrong(field, expected)),
    }
}

/// Reads a JS `ClientConfig`, every field type-checked, then validated by the core.
/// Boxed: the config is moved around whole (into a `TokenExchange`), and is large.
pub(crate) fn read_config(value: &JsValue) -> Result<Box<ClientConfig>, Error> {
    let a = Arg::new(value, "config", ErrorCode::InvalidConfig, false)?;
    let mut c = Box::new(ClientConfig::new(
        a.required_string("clientId")?,
        a.required_string("authorizationEndpoint")?,
        a.required_string("tokenEndpoint")?,
    ));
    // Only the session API uses it (sign-out): the code-flow entry neither reads nor checks it.
    #[cfg(feature = "session")]
    {
        c.revocation_endpoint = a.string("revocationEndpoint")?;
    }
    c.redirect_uri = a.string("redirectUri")?;
    c.scope = a.string_list("scope")?;
    c.issuer = a.string("issuer")?;
    c.require_issuer = a.bool("authorizationResponseIssParameterSupported", false)?;
    c.dialect = one_of(
        &a,
        "dialect",
        &[
            ("rfc6749", Dialect::Rfc6749),
            ("ellipsis", Dialect::Ellipsis),
        ],
        "\"rfc6749\" or \"ellipsis\"",
    )?
    .unwrap_or_default();
    c.encoding = one_of(
        &a,
        "tokenRequestEncoding",
        &[("form", BodyEncoding::Form), ("json", BodyEncoding::Json)],
        "\"form\" or \"json\"",
    )?
    .unwrap_or(match c.dialect {
        Dialect::Rfc6749 => BodyEncoding::Form,
        Dialect::Ellipsis => BodyEncoding::Json,
    });
    c.client_secret = a.string("clientSecret")?.map(Secret::new);
    c.client_auth = one_of(
        &a,
        "clientAuth",
        &[
            ("none", ClientAuth::None),
            ("client_secret_post", ClientAuth::ClientSecretPost),
            ("client_secret_basic", ClientAuth::ClientSecretBasic),
        ],
        "\"none\", \"client_secret_post\" or \"client_secret_basic\"",
    )?
    .unwrap_or(if c.client_secret.is_some() {
        ClientAuth::ClientSecretBasic
    } else {
        ClientAuth::None
    });
    if let Some(p) = a.string("storageKeyPrefix")? {
        c.storage_key_prefix = p;
    }
    c.transaction_ttl_seconds =
        a.positive_u32("transactionTtlSeconds", c.transaction_ttl_seconds)?;
    c.timeout_ms = a.positive_u32("timeoutMs", c.timeout_ms)?;
    c.require_token_type = a.bool("requireTokenType", true)?;
    c.clean_url = a.bool("cleanUrl", true)?;
    c.validate()?;
    Ok(c)
}

// ---- writing JS objects -------------------------------------------------------------------

pub(crate) struct ObjBuilder(JsValue);

impl ObjBuilder {
    pub(crate) fn new() -> Self {
        ObjBuilder(obj())
    }
    pub(crate) fn set(&self, name: &str, value: &JsValue) -> &Self {
        // Setting a data property on a plain object cannot throw.
        set(&self.0, name, value);
        self
    }
    pub(crate) fn str(&self, name: &str, value: &str) -> &Self {
        set_str(&self.0, name, value);
        self
    }
    pub(crate) fn opt_str(&self, name: &str, value: Option<&str>) -> &Self {
        if let Some(v) = value {
            self.str(name, v);
        }
        self
    }
    pub(crate) fn opt_num(&self, name: &str, value: Option<u64>) -> &Self {
        if let Some(v) = value {
            set_num(&self.0, name, v as f64);
        }
        self
    }
    pub(crate) fn build(self) -> JsValue {
        self.0
    }
}
