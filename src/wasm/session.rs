//! After sign-in, in the browser: `refresh`, `revokeToken`, `discover`, `createSession`,
//! `loginWithPopup` and `popupCallback`. Protocol and timing decisions are the core's
//! (`core::session`, `core::revocation`, `core::discovery`, `core::popup`); js/session.js only
//! does the browser plumbing (storage, Web Locks, events, windows, GET requests).
//!
//! Like `handleCallback`, nothing here is Rust `async`: the JS side calls back into an [`Op`]
//! (`finish`) once the network or the popup has answered.

use super::boundary::{
    HINT_ACCESS_TOKEN, HINT_REFRESH_TOKEN, STEP_REFRESH, STEP_SIGN_IN, STEP_USE_TOKEN,
    STORAGE_LOCAL, STORAGE_MEMORY, STORAGE_SESSION, URL_SEPARATOR,
};
use super::js::{arg, get, now_ms, read_config, to_js};
use super::op::{send, Kind, Op};
use super::promise;
use crate::core::args::Fields;
use crate::core::discovery::metadata_urls;
use crate::core::error::{Error, ErrorCode};
use crate::core::json::Json;
use crate::core::revocation::{revocation_request, TokenTypeHint};
use crate::core::secret::Secret;
use crate::core::session::{
    next_step, refresh_request, refusal_ends_session, token_set_from_json, NextStep,
    DEFAULT_SKEW_SECONDS,
};
use crate::core::token::{token_request, Grant, TokenSet};
use alloc::string::String;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_SESSION_TYPES: &'static str = include_str!("session.d.ts");

#[wasm_bindgen(module = "/js/session.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = makeSession)]
    fn make_session(
        core: Op,
        storage: u8,
        key: &str,
        initial: &JsValue,
        ms: u32,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = getMetadata)]
    fn get_metadata(urls: &str, ms: u32, signal: &JsValue, op: Op) -> JsValue;
    #[wasm_bindgen(js_name = openPopup)]
    fn open_popup(url: &str, features: &str, ms: u32, op: Op) -> JsValue;
    #[wasm_bindgen(js_name = postToOpener)]
    fn post_to_opener() -> bool;
}

#[wasm_bindgen]
impl Op {
    // ---- the session object's calls (Kind::Session only) ----

    /// `STEP_USE_TOKEN`, `STEP_REFRESH` or `STEP_SIGN_IN` (`core::session::next_step`).
    pub fn step(&self, tokens: JsValue, force: bool) -> u8 {
        let Kind::Session { skew_seconds, .. } = &self.0 else {
            return STEP_SIGN_IN;
        };
        let t = tokens_from_js(&tokens);
        match next_step(t.as_ref(), now_ms(), *skew_seconds, force) {
            NextStep::UseToken => STEP_USE_TOKEN,
            NextStep::Refresh => STEP_REFRESH,
            NextStep::SignIn => STEP_SIGN_IN,
        }
    }

    /// Sends the refresh for `tokens`; resolves to the merged TokenSet.
    pub fn refresh(&self, tokens: JsValue) -> JsValue {
        let (Kind::Session { config, .. }, Some(old)) = (&self.0, tokens_from_js(&tokens)) else {
            return rejected(Error::new(
                ErrorCode::NotSignedIn,
                "the session is signed out",
            ));
        };
        match refresh_request(config, &old) {
            Ok(r) => send(
                &r,
                config.timeout_ms,
                &JsValue::UNDEFINED,
                Kind::Refresh {
                    config: config.clone(),
                    old,
                },
            ),
            Err(e) => rejected(e),
        }
    }

    /// Revokes `token` (`HINT_REFRESH_TOKEN`: a refresh token, else an access token): a
    /// promise, or `undefined` when the configuration has no revocation endpoint.
    pub fn revoke(&self, token: &str, hint: u8) -> JsValue {
        let Kind::Session { config, .. } = &self.0 else {
            return JsValue::UNDEFINED;
        };
        if config.revocation_endpoint.is_none() {
            return JsValue::UNDEFINED;
        }
        let hint = match hint {
            HINT_REFRESH_TOKEN => TokenTypeHint::RefreshToken,
            HINT_ACCESS_TOKEN => TokenTypeHint::AccessToken,
            // js/session.js passes one of the two; any other value reads as an access token.
            _ => TokenTypeHint::AccessToken,
        };
        match revocation_request(config, token, Some(hint)) {
            Ok(r) => send(&r, config.timeout_ms, &JsValue::UNDEFINED, Kind::Revoke),
            Err(e) => rejected(e),
        }
    }

    /// `true` when a refresh that failed with an OAuthError of this `code`, `error` and
    /// `status` ends the session (`core::session::ends_session`).
    pub fn ends(&self, code: &str, error: Option<String>, status: Option<u16>) -> bool {
        refusal_ends_session(code, error.as_deref(), status)
    }
}

/// A rejected promise of the OAuthError for `e`.
pub(super) fn rejected(e: Error) -> JsValue {
    super::js::reject(&to_js(e)).into()
}

/// Reads a TokenSet object back (from the app or from storage): `core::session::token_set_from_json`.
fn tokens_from_js(v: &JsValue) -> Option<TokenSet> {
    token_set_from_json(&arg(v))
}

/// Refreshes an access token (RFC 6749 §6) in the configuration's dialect, encoding and client
/// authentication. The TokenSet's `refreshToken` is the new one when the server rotated it,
/// else the one passed in: always store the returned value. Rejects with an `OAuthError`
/// (`token_error` with `error: "invalid_grant"` when the refresh token is refused).
#[wasm_bindgen(unchecked_return_type = "Promise<TokenSet>")]
pub fn refresh(
    #[wasm_bindgen(unchecked_param_type = "ClientConfig")] config: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string", js_name = "refreshToken")]
    refresh_token: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RefreshOptions | undefined")] options: JsValue,
) -> JsValue {
    promise(|| {
        let config = read_config(&config)?;
        let rt = refresh_token
            .as_string()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::InvalidArgument,
                    "refreshToken must be a non-empty string",
                )
            })?;
        let o = arg(&options);
        let a = Fields::new(&o, "options", ErrorCode::InvalidArgument, true)?;
        // An empty scope is no scope (RFC 6749 §3.1): the grant's original one (§6).
        let scope = a.string("scope")?.filter(|s| !s.is_empty());
        let request = token_request(
            &config,
            &Grant::RefreshToken {
                refresh_token: &rt,
                scope: scope.as_deref(),
            },
        )?;
        let old = TokenSet {
            access_token: Secret::default(),
            token_type: String::new(),
            expires_in: None,
            expires_at: None,
            refresh_token: Some(Secret::new(rt)),
            scope: scope.or_else(|| config.scope_string()),
            id_token: None,
            raw: Json::Null,
            raw_text: Secret::default(),
        };
        let signal = get(&options, "signal");
        Ok(send(
            &request,
            config.timeout_ms,
            &signal,
            Kind::Refresh { config, old },
        ))
    })
}

/// Revokes a token (RFC 7009) at `config.revocationEndpoint`. Resolves when the server
/// answered 2xx (also for a token that was already invalid); rejects with an `OAuthError`.
#[wasm_bindgen(js_name = revokeToken, unchecked_return_type = "Promise<void>")]
pub fn revoke_token(
    #[wasm_bindgen(unchecked_param_type = "ClientConfig")] config: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RevokeOptions | undefined")] options: JsValue,
) -> JsValue {
    promise(|| {
        let config = read_config(&config)?;
        let o = arg(&options);
        let a = Fields::new(&o, "options", ErrorCode::InvalidArgument, true)?;
        let hint = a.one_of(
            "tokenTypeHint",
            &[
                ("refresh_token", TokenTypeHint::RefreshToken),
                ("access_token", TokenTypeHint::AccessToken),
            ],
            "\"refresh_token\" or \"access_token\"",
        )?;
        let token = token.as_string().unwrap_or_default();
        let request = revocation_request(&config, &token, hint)?;
        let signal = get(&options, "signal");
        Ok(send(&request, config.timeout_ms, &signal, Kind::Revoke))
    })
}

/// Fetches and validates the authorization server metadata of `issuer` (RFC 8414, then OpenID
/// Connect Discovery). Resolves to ClientConfig fields: spread them into a config with your
/// `clientId` and `redirectUri`.
#[wasm_bindgen(unchecked_return_type = "Promise<DiscoveredConfig>")]
pub fn discover(
    #[wasm_bindgen(unchecked_param_type = "string")] issuer: JsValue,
    #[wasm_bindgen(unchecked_param_type = "DiscoverOptions | undefined")] options: JsValue,
) -> JsValue {
    promise(|| {
        let issuer = issuer
            .as_string()
            .ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "issuer must be a string"))?;
        let urls = metadata_urls(&issuer)?;
        let o = arg(&options);
        let a = Fields::new(&o, "options", ErrorCode::InvalidArgument, true)?;
        let ms = a.positive("timeoutMs", crate::core::config::DEFAULT_TIMEOUT_MS)?;
        let mut joined = String::new();
        for u in &urls {
            joined.push_str(u);
            joined.push(URL_SEPARATOR);
        }
        let signal = get(&options, "signal");
        Ok(get_metadata(
            &joined,
            ms,
            &signal,
            Op(Kind::Discover { issuer }),
        ))
    })
}

/// A session: holds the TokenSet and keeps it valid (see the `Session` type). In memory by
/// default; `storage: "sessionStorage" | "localStorage"` persists it (localStorage: shared by
/// the tabs of the origin, which then refresh one at a time and adopt each other's result).
#[wasm_bindgen(js_name = createSession, unchecked_return_type = "Session")]
pub fn create_session(
    #[wasm_bindgen(unchecked_param_type = "ClientConfig")] config: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SessionOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let (core, storage, key, ms) = read_session(&config, &options).map_err(to_js)?;
    #[cfg(feature = "dpop")]
    let fetcher = super::dpop::fetch_op(&core);
    let session = make_session(core, storage, &key, &get(&options, "tokens"), ms)?;
    #[cfg(feature = "dpop")]
    super::dpop::add_fetch(&session, fetcher);
    #[cfg(not(feature = "dpop"))]
    super::fetch::add_fetch(&session);
    Ok(session)
}

/// `createSession`'s arguments, read and checked: the protocol half of the session (an `Op`),
/// its store (`STORAGE_*`), its storage key and the timeout of its requests.
fn read_session(config: &JsValue, options: &JsValue) -> Result<(Op, u8, String, u32), Error> {
    let config = read_config(config)?;
    let o = arg(options);
    let a = Fields::new(&o, "options", ErrorCode::InvalidArgument, true)?;
    let storage = a
        .one_of(
            "storage",
            &[
                ("memory", STORAGE_MEMORY),
                ("sessionStorage", STORAGE_SESSION),
                ("localStorage", STORAGE_LOCAL),
            ],
            "\"memory\", \"sessionStorage\" or \"localStorage\"",
        )?
        .unwrap_or(STORAGE_MEMORY);
    let key = a
        .string("storageKey")?
        .unwrap_or_else(|| String::from("oauth-spa:session"));
    let skew_seconds = a.whole(
        "skewSeconds",
        DEFAULT_SKEW_SECONDS,
        0,
        "a whole number of seconds from 0 to 2147483647",
    )?;
    if a.get("tokens")
        .is_some_and(|t| token_set_from_json(t).is_none())
    {
        return Err(a.wrong("tokens", "a TokenSet with a non-empty accessToken"));
    }
    let ms = config.timeout_ms;
    Ok((
        Op(Kind::Session {
            config,
            skew_seconds,
        }),
        storage,
        key,
        ms,
    ))
}

/// Signs in in a popup window. Call it from a click handler: it opens the window at once
/// (synchronously), so popup blockers allow it. The popup's redirect page calls
/// `popupCallback()`, which hands the response to this window; the code is exchanged here.
/// Rejects with `popup_blocked`, `popup_closed`, `timeout` or one of `handleCallback`'s errors.
#[wasm_bindgen(js_name = loginWithPopup, unchecked_return_type = "Promise<TokenSet>")]
pub fn login_with_popup(
    #[wasm_bindgen(unchecked_param_type = "ClientConfig", js_name = "config")] config_js: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PopupLoginOptions | undefined")] options: JsValue,
) -> JsValue {
    promise(|| {
        let o = arg(&options);
        let a = Fields::new(&o, "options", ErrorCode::InvalidArgument, true)?;
        let features = a.string("popupFeatures")?;
        let ms = a.positive("popupTimeoutMs", 300_000)?;
        let config = read_config(&config_js)?;
        // `startLogin` itself: it checks the options, stores the transaction, builds the URL.
        // The popup's response must carry the `state` this login made (never one read back
        // from the URL, whose endpoint query may hold anything, `state` aside).
        let r = super::start_login_request(&config_js, &options)?;
        Ok(open_popup(
            &r.url,
            features.as_deref().unwrap_or("popup,width=480,height=640"),
            ms,
            Op(Kind::Popup {
                config,
                state: r.state,
            }),
        ))
    })
}

/// On the redirect page: when this window is a sign-in popup opened by `loginWithPopup` from
/// a page of the same origin, posts the response to that page (to its exact origin, never
/// `"*"`), closes the window and returns `true`. Otherwise returns `false`: call
/// `handleCallback` as usual.
#[wasm_bindgen(js_name = popupCallback)]
pub fn popup_callback() -> bool {
    post_to_opener()
}
