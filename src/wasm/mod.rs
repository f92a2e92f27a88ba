//! The browser layer: the JavaScript API over the core. Thin on purpose: read arguments, call
//! the core, talk to `crypto`, `sessionStorage`, `history` and `fetch`, convert the result.
//!
//! No Rust `async`: `handleCallback` and `exchangeCode` return the promise of js/glue.js `send`,
//! which calls back into a session `Op` (a [`TokenExchange`]) with the token endpoint's answer
//! (size: no futures executor, no closures).

mod boundary;
#[cfg(feature = "dpop")]
mod dpop;
#[cfg(feature = "session")]
mod fetch;
#[cfg(not(feature = "std"))]
mod heap;
mod js;
mod op;
#[cfg(not(feature = "std"))]
mod rt;
#[cfg(feature = "session")]
mod session;
#[cfg(feature = "vault")]
mod vault;

#[cfg(feature = "session")]
pub use session::{
    create_session, discover, login_with_popup, popup_callback, refresh, revoke_token,
};

use crate::core::args::Fields;
use crate::core::authorize::{
    start_login as core_start_login, AuthorizationRequest, LoginOptions, LoginRandom,
};
use crate::core::callback::{begin_callback, is_other_clients_login, strip_response_params};
use crate::core::config::ClientConfig;
use crate::core::error::{Error, ErrorCode};
use crate::core::json::ObjectWriter;
use crate::core::pkce::{check_verifier, code_challenge_s256, PkceVerifier};
use crate::core::token::{parse_token_response, token_request, Grant, TokenRequest, TokenSet};
use alloc::boxed::Box;
use alloc::string::String;
pub use js::Promise;
use js::{arg, from_json, now_ms, random32, read_config, to_js, SessionStorage};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = include_str!("types.d.ts");
/// The entries without DPoP refuse `dpop: true` (src/core/config.rs); their types say so.
#[cfg(not(feature = "dpop"))]
#[wasm_bindgen(typescript_custom_section)]
const TS_NO_DPOP_TYPES: &'static str = include_str!("no-dpop.d.ts");

/// A new PKCE pair (RFC 7636 §4.1, §4.2): 32 random octets as a 43-character verifier and its
/// S256 challenge. Synchronous; works outside secure contexts.
#[wasm_bindgen(js_name = createPkcePair, unchecked_return_type = "PkcePair")]
pub fn create_pkce_pair() -> Result<JsValue, JsValue> {
    let v = PkceVerifier::from_random(&random32().map_err(to_js)?);
    let mut both = String::with_capacity(2 * boundary::PKCE_VERIFIER_LEN);
    both.push_str(v.secret());
    both.push_str(&v.challenge());
    Ok(js::pkce_pair(both.as_bytes()))
}

/// The S256 challenge of `verifier`; throws `invalid_verifier` outside RFC 7636 §4.1.
pub fn compute_code_challenge(verifier: JsValue) -> Result<String, JsValue> {
    challenge_of(&verifier).map_err(to_js)
}

fn challenge_of(verifier: &JsValue) -> Result<String, Error> {
    let Some(v) = js::string(verifier) else {
        return Err(Error::new(
            ErrorCode::InvalidVerifier,
            "verifier must be a string",
        ));
    };
    code_challenge_s256(&v)
}

// The JS exports of the two functions that return a string: they return it as a JsValue, as a
// `String` return costs a shrinking copy in wasm and a copy-and-free in the JS glue.
/// The S256 challenge of `verifier`; throws `invalid_verifier` outside RFC 7636 §4.1.
#[doc(hidden)]
#[wasm_bindgen(js_name = computeCodeChallenge, unchecked_return_type = "string")]
pub fn compute_code_challenge_js(
    #[wasm_bindgen(unchecked_param_type = "string")] verifier: JsValue,
) -> Result<JsValue, JsValue> {
    string_result(challenge_of(&verifier))
}

/// Starts a login: stores the pending transaction in `sessionStorage` and returns the
/// authorization URL. Synchronous, so `window.open(url)` can run in the click handler.
#[doc(hidden)]
#[wasm_bindgen(js_name = startLogin, unchecked_return_type = "string")]
pub fn start_login_js(
    #[wasm_bindgen(unchecked_param_type = "ClientConfig")] config: JsValue,
    #[wasm_bindgen(unchecked_param_type = "StartLoginOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    string_result(start_login_request(&config, &options).map(|r| r.url))
}

fn string_result(r: Result<String, Error>) -> Result<JsValue, JsValue> {
    match r {
        Ok(s) => Ok(JsValue::from_str(&s)),
        Err(e) => Err(to_js(e)),
    }
}

/// A `ClientConfig` for Ellipsis Drive API v3 (`baseUrl` defaults to
/// `https://api.ellipsis-drive.com/v3`).
#[wasm_bindgen(unchecked_return_type = "ClientConfig")]
pub fn ellipsis(
    #[wasm_bindgen(unchecked_param_type = "EllipsisOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let c = ClientConfig::ellipsis_from_json(&arg(&options)).map_err(to_js)?;
    let mut o = ObjectWriter::new();
    o.string("clientId", &c.client_id)
        .string("authorizationEndpoint", &c.authorization_endpoint)
        .string("tokenEndpoint", &c.token_endpoint)
        .opt_string("redirectUri", c.redirect_uri.as_deref())
        .opt_string("scope", c.scope_string().as_deref())
        .string("dialect", "ellipsis")
        .string("tokenRequestEncoding", "json")
        .opt_string("clientSecret", c.client_secret.as_ref().map(|s| s.expose()));
    Ok(from_json(&o.finish()))
}

/// Starts a login: stores the pending transaction in `sessionStorage` and returns the
/// authorization URL. Synchronous, so `window.open(url)` can run in the click handler.
pub fn start_login(config: JsValue, options: JsValue) -> Result<String, JsValue> {
    start_login_request(&config, &options)
        .map(|r| r.url)
        .map_err(to_js)
}

/// `startLogin`: the authorization URL and the `state` it carries.
pub(crate) fn start_login_request(
    config: &JsValue,
    options: &JsValue,
) -> Result<AuthorizationRequest, Error> {
    let config = read_config(config)?;
    #[cfg_attr(not(feature = "dpop"), allow(unused_mut))]
    let mut opts = LoginOptions::from_json(&arg(options))?;
    // RFC 9449 §10: the code bound to the DPoP key, when this page has the key at hand.
    #[cfg(feature = "dpop")]
    if config.dpop {
        opts.dpop_jkt = dpop::stored_thumbprint(&config);
    }
    let random = LoginRandom {
        verifier: random32()?,
        state: random32()?,
    };
    core_start_login(&config, &opts, &random, now_ms(), &mut SessionStorage)
}

/// Finishes a login on the redirect page: validates the response in `url` (default
/// `location.href`), consumes the transaction, exchanges the code, cleans the address bar.
/// The promise rejects with an `OAuthError`.
#[wasm_bindgen(js_name = handleCallback, unchecked_return_type = "Promise<TokenSet>")]
pub fn handle_callback(
    #[wasm_bindgen(unchecked_param_type = "ClientConfig")] config: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | undefined")] url: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RequestOptions | undefined")] options: JsValue,
) -> Promise {
    let config = match read_config(&config) {
        Ok(c) => c,
        Err(e) => return rejected(e),
    };
    let signal = match signal_of(&options) {
        Ok(s) => s,
        Err(e) => return rejected(e),
    };
    let pending = pending_callback(&config, &url);
    match pending {
        Ok(p) => send_token_request(
            &p.request,
            TokenExchange {
                config,
                requested_scope: p.requested_scope,
                app_state: p.app_state,
            },
            &signal,
        ),
        Err(e) => rejected(e),
    }
}

fn rejected(e: Error) -> Promise {
    js::reject(&to_js(e))
}

/// `handleCallback`'s checks: the response in `url` (default `location.href`), the transaction
/// consumed (`core::callback::begin_callback`), the address bar cleaned; the token request to
/// send. (Also the vault's, src/wasm/vault.rs; inlined, so the code-flow entry keeps its bytes.)
#[inline(always)]
pub(crate) fn pending_callback(
    config: &ClientConfig,
    url: &JsValue,
) -> Result<crate::core::callback::PendingExchange, Error> {
    let from_location = url.is_null_or_undefined();
    let url = if from_location {
        js::current_url().map_err(|_| {
            Error::new(
                ErrorCode::InvalidArgument,
                "location.href is unavailable; pass the callback URL",
            )
        })?
    } else {
        js::string(url)
            .ok_or_else(|| Error::new(ErrorCode::InvalidArgument, "url must be a string"))?
    };
    let pending = begin_callback(config, &url, now_ms(), &mut SessionStorage);
    // A response of another client configuration's login stays for that configuration.
    let other = matches!(&pending, Err(e) if is_other_clients_login(e));
    if from_location && config.clean_url && !other {
        // Best effort: a sandboxed document may refuse replaceState.
        let _ = js::replace_url(&strip_response_params(&url));
    }
    pending
}

/// The promise of an export whose `body` reads its arguments (with `?`) and starts the
/// request: an `Err` becomes a promise rejected with the `OAuthError`. (`P`: the [`Promise`], or
/// the `JsValue` of one.)
pub(crate) fn promise<P: From<Promise>>(body: impl FnOnce() -> Result<P, Error>) -> P {
    body().unwrap_or_else(|e| rejected(e).into())
}

/// Exchanges a code the app obtained itself (RFC 6749 §4.1.3), without a stored transaction.
/// The promise rejects with an `OAuthError`.
#[wasm_bindgen(js_name = exchangeCode, unchecked_return_type = "Promise<TokenSet>")]
pub fn exchange_code(
    #[wasm_bindgen(unchecked_param_type = "ClientConfig")] config: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ExchangeCodeParams")] params: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RequestOptions | undefined")] options: JsValue,
) -> Promise {
    promise(|| {
        let config = read_config(&config)?;
        let params = arg(&params);
        let p = Fields::new(&params, "params", ErrorCode::InvalidArgument, false)?;
        let code = p.required_string("code").map_err(|_| {
            Error::new(
                ErrorCode::MissingCode,
                "params.code must be a non-empty string",
            )
        })?;
        let verifier = p.string("codeVerifier")?;
        if let Some(v) = &verifier {
            check_verifier(v)?;
        }
        let redirect_uri = p
            .string("redirectUri")?
            .or_else(|| config.redirect_uri.clone());
        let request = token_request(
            &config,
            &Grant::AuthorizationCode {
                code: &code,
                code_verifier: verifier.as_deref(),
                redirect_uri: redirect_uri.as_deref(),
            },
        )?;
        let signal = signal_of(&options)?;
        Ok(send_token_request(
            &request,
            TokenExchange {
                requested_scope: config.scope_string(),
                config,
                app_state: None,
            },
            &signal,
        ))
    })
}

/// `options.signal` (js/glue.js checks that it is an AbortSignal), once `options` is an object.
fn signal_of(options: &JsValue) -> Result<JsValue, Error> {
    Fields::new(&arg(options), "options", ErrorCode::InvalidArgument, true)?;
    Ok(js::get(options, "signal"))
}

/// Sends a token request with `fetch` (timeout and `signal` abort it); the promise resolves
/// to what [`TokenExchange::finish`] makes of the answer.
pub(crate) fn send_token_request(
    request: &TokenRequest,
    exchange: TokenExchange,
    signal: &JsValue,
) -> Promise {
    op::send_code(request, exchange, signal).unchecked_into()
}

/// What reading a token response needs once `fetch` has answered (carried by a session `Op`).
pub(crate) struct TokenExchange {
    pub(crate) config: Box<ClientConfig>,
    pub(crate) requested_scope: Option<String>,
    pub(crate) app_state: Option<String>,
}

impl TokenExchange {
    /// Reads the token endpoint's answer: the TokenSet object.
    pub(crate) fn finish(self, status: u16, body: &str) -> Result<JsValue, Error> {
        parse_token_response(
            &self.config,
            status,
            body,
            now_ms(),
            self.requested_scope.as_deref(),
        )
        .map(|t| token_set_to_js(&t, self.app_state.as_deref()))
    }
}

pub(crate) fn token_set_to_js(t: &TokenSet, app_state: Option<&str>) -> JsValue {
    from_json(t.to_json(app_state).expose())
}
