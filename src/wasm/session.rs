//! After sign-in, in the browser: `refresh`, `revokeToken`, `discover`, `createSession`,
//! `loginWithPopup` and `popupCallback`. Protocol and timing decisions are the core's
//! (`core::session`, `core::revocation`, `core::discovery`, `core::popup`); js/session.js only
//! does the browser plumbing (storage, Web Locks, events, windows, GET requests).
//!
//! Like `handleCallback`, nothing here is Rust `async`: the JS side calls back into an [`Op`]
//! (`finish`) once the network or the popup has answered.

use super::boundary::{
    EFFECT_BROADCAST, EFFECT_CHANGED, EFFECT_DONE, EFFECT_ERROR, EFFECT_LOCK, EFFECT_NONE,
    EFFECT_READ, EFFECT_REFRESH, EFFECT_REJECT, EFFECT_RESOLVE, EFFECT_REVOKE, EFFECT_SIGNED_OUT,
    EFFECT_TIMER, EFFECT_UNLOCK, EFFECT_WRITE, EVENT_CHANGED, EVENT_GET, EVENT_KEEP, EVENT_LOCK,
    EVENT_READ, EVENT_REFRESHED, EVENT_REVOKED, EVENT_SET, EVENT_SIGN_OUT, EVENT_TIMER,
    EVENT_WRITTEN, HINT_ACCESS_TOKEN, HINT_REFRESH_TOKEN, METADATA_STOP, METADATA_TRY_NEXT,
    METADATA_VALIDATE, STORAGE_LOCAL, STORAGE_MEMORY, STORAGE_SESSION, URL_SEPARATOR,
};
use super::js::{self, arg, get, gets, now_ms, read_config, to_js};
use super::op::{send, Kind, Op};
use super::promise;
use crate::core::args::Fields;
use crate::core::config::ClientConfig;
use crate::core::discovery::{metadata_answer, metadata_urls, MetadataAnswer};
use crate::core::error::{Error, ErrorCode};
use crate::core::json::Json;
use crate::core::popup::{is_popup_message, POPUP_MESSAGE_TYPE};
use crate::core::revocation::{revocation_request, TokenTypeHint};
use crate::core::secret::Secret;
use crate::core::session::machine::{
    Effect, Event, Failure, Machine, Store, Tokens, LEASE_MARGIN_MS,
};
use crate::core::session::{
    refresh_request, refusal_ends_session, token_set_from_json, DEFAULT_SKEW_SECONDS,
};
use crate::core::token::{token_request, Grant, TokenSet};
use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_SESSION_TYPES: &'static str = include_str!("session.d.ts");

#[wasm_bindgen(module = "/js/session.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = makeSession)]
    fn make_session(core: Op, storage: u8, key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = getMetadata)]
    fn get_metadata(urls: &str, ms: u32, signal: &JsValue, op: Op) -> JsValue;
    #[wasm_bindgen(js_name = openPopup)]
    fn open_popup(url: &str, features: &str, ms: u32, op: Op) -> JsValue;
    #[wasm_bindgen(js_name = postToOpener)]
    fn post_to_opener(message_type: &str) -> bool;
}

/// A token set as the session holds it: what Rust reads of it (for the machine's decisions)
/// and the JS object itself (what `getTokens`, `onChange` and the store get, `raw` included).
#[derive(Clone)]
pub(super) struct Held {
    /// Shared, not copied: the machine keeps several references to one set (cheaper code).
    set: Rc<TokenSet>,
    js: JsValue,
}

impl Tokens for Held {
    fn access_token(&self) -> &str {
        self.set.access_token()
    }
    fn refresh_token(&self) -> Option<&str> {
        Tokens::refresh_token(&*self.set)
    }
    fn expires_at(&self) -> Option<u64> {
        self.set.expires_at
    }
    fn same(&self, other: &Self) -> bool {
        self.set.same(&other.set)
    }
}

/// `Some` for a TokenSet object with a non-empty `accessToken`, read as
/// `core::session::token_set_from_json` reads one, from the members Rust uses (`raw`, whatever
/// it holds, is never read; an `expiresAt` of `Infinity` is "never", like an absent one).
fn held(v: JsValue) -> Option<Held> {
    let s = |k| gets(&v, k).filter(|s| !s.is_empty());
    let e = get(&v, "expiresAt");
    let expires_at = match e.as_f64() {
        Some(n) if n == f64::INFINITY => None,
        Some(n) if n >= 0.0 => Some(n as u64),
        _ if e.is_null_or_undefined() => None,
        _ => Some(0), // present but not an expiry (a string, a negative number): expired
    };
    let set = TokenSet {
        access_token: Secret::new(s("accessToken")?),
        token_type: String::from("Bearer"),
        expires_in: None,
        expires_at,
        refresh_token: s("refreshToken").map(Secret::new),
        scope: s("scope"),
        id_token: s("idToken").map(Secret::new),
        raw: Json::Null,
        raw_text: Secret::default(),
    };
    Some(Held {
        set: Rc::new(set),
        js: v,
    })
}

type Fx = Effect<Held, JsValue>;

/// The session behind a `Session` object: its configuration, its machine (which queues the
/// effects not yet taken by js/session.js), the effect being executed, and the last caller id
/// handed out.
pub(super) struct Core {
    /// Shared with the refreshes it sends (`Kind::Refresh`): no copy of the configuration.
    config: Rc<ClientConfig>,
    machine: Machine<Held, JsValue>,
    current: Option<Fx>,
    callers: u32,
}

impl Core {
    /// The configuration (for the DPoP key's name).
    #[cfg(feature = "dpop")]
    pub(super) fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The same configuration with an idle memory machine: the `Op` a session's `fetch` asks
    /// (js/dpop.js calls only its DPoP methods).
    #[cfg(feature = "dpop")]
    pub(super) fn idle_copy(&self) -> Core {
        Core::idle(self.config.clone())
    }

    /// `config` with an idle memory machine (an `Op` asked for DPoP decisions, the vault's
    /// callback and exchange, or to check a TokenSet).
    #[cfg(feature = "dpop")]
    pub(super) fn idle(config: Rc<ClientConfig>) -> Core {
        Core {
            config,
            machine: Machine::new(Store::Memory, 0, None),
            current: None,
            callers: 0,
        }
    }

    fn feed(&mut self, e: Event<Held, JsValue>) {
        self.machine.feed(now_ms(), e);
    }
}

fn failure(f: &Failure<JsValue>) -> JsValue {
    match f {
        Failure::NotSignedIn => to_js(Error::new(
            ErrorCode::NotSignedIn,
            "the session has no usable token: sign in again",
        )),
        Failure::StorageUnavailable => to_js(Error::new(
            ErrorCode::StorageUnavailable,
            "the session store failed (IndexedDB or sessionStorage unavailable or full, or a TokenSet it cannot hold): the session goes on in memory",
        )),
        Failure::Request(e) => e.clone(),
    }
}

/// js/session.js's side of a session: events in (`ev`), effects out (`next`, then `num` and
/// `value` of the effect taken). See `EVENT_*` and `EFFECT_*` in boundary.rs.
impl Op {
    fn core(&mut self) -> Option<&mut Core> {
        match &mut self.0 {
            Kind::Session(c) => Some(c),
            _ => None,
        }
    }

    fn feed(&mut self, e: Event<Held, JsValue>) {
        if let Some(c) = self.core() {
            c.feed(e);
        }
    }

    fn call(&mut self, event: impl FnOnce(u32) -> Event<Held, JsValue>) -> u32 {
        let Some(c) = self.core() else { return 0 };
        c.callers += 1;
        let id = c.callers;
        c.feed(event(id));
        id
    }
}

/// js/session.js's side of a session (continued): the methods it calls.
#[wasm_bindgen]
impl Op {
    /// Feeds an event (`EVENT_*`, with its arguments `a` and `b`) to the session's machine;
    /// returns the caller's id for `EVENT_GET` and `EVENT_SIGN_OUT` (their answer is an
    /// effect), and `EVENT_KEEP`'s answer. Throws `invalid_argument` for `EVENT_SET` of anything but `null`/`undefined` or
    /// a TokenSet with a non-empty `accessToken`. One method for every event: each exported
    /// method costs its own binding.
    pub fn ev(&mut self, kind: u8, a: JsValue, b: JsValue) -> Result<u32, JsValue> {
        let yes = |v: &JsValue| *v == JsValue::TRUE;
        let e = match kind {
            EVENT_GET => {
                let force = yes(&a);
                return Ok(self.call(|caller| Event::GetToken { caller, force }));
            }
            EVENT_SIGN_OUT => return Ok(self.call(|caller| Event::SignOut { caller })),
            EVENT_SET => {
                let t = held(a.clone());
                if t.is_none() && !a.is_null_or_undefined() {
                    return Err(to_js(Error::new(
                        ErrorCode::InvalidArgument,
                        "tokens must be a TokenSet with a non-empty accessToken",
                    )));
                }
                Event::SetTokens(t)
            }
            EVENT_LOCK if yes(&a) => Event::LockGranted,
            EVENT_LOCK => Event::LockBusy,
            EVENT_TIMER => Event::TimerFired,
            EVENT_READ => Event::StoreRead(if yes(&b) { Ok(held(a)) } else { Err(()) }),
            EVENT_WRITTEN => Event::StoreWritten(if yes(&b) { Ok(held(a)) } else { Err(()) }),
            EVENT_CHANGED => Event::StoreChanged,
            EVENT_REFRESHED => match held(a) {
                Some(t) => Event::RefreshAnswered(t),
                None => {
                    let s = |k| gets(&b, k);
                    let status = get(&b, "status").as_f64().map(|n| n as u16);
                    let ends_session = refusal_ends_session(
                        s("code").as_deref().unwrap_or(""),
                        s("error").as_deref(),
                        status,
                    );
                    Event::RefreshFailed {
                        error: b,
                        ends_session,
                    }
                }
            },
            EVENT_REVOKED => Event::RevokeDone((!a.is_undefined()).then_some(a)),
            EVENT_KEEP => {
                let keep = |c: &mut Core| c.machine.keeps(held(a).as_ref());
                return Ok(self.core().is_none_or(keep).into());
            }
            _ => return Ok(0),
        };
        self.feed(e);
        Ok(0)
    }

    /// Takes the next effect: its `EFFECT_*` number (`EFFECT_NONE` when there is none).
    pub fn next(&mut self) -> u8 {
        let Some(c) = self.core() else {
            return EFFECT_NONE;
        };
        c.current = c.machine.take_effect();
        match &c.current {
            None => EFFECT_NONE,
            Some(f) => match f {
                Effect::AcquireLock => EFFECT_LOCK,
                Effect::ReleaseLock => EFFECT_UNLOCK,
                Effect::StartTimer(_) => EFFECT_TIMER,
                Effect::ReadStore => EFFECT_READ,
                Effect::WriteStore(_) => EFFECT_WRITE,
                Effect::Broadcast => EFFECT_BROADCAST,
                Effect::SendRefresh(_) => EFFECT_REFRESH,
                Effect::Revoke { .. } => EFFECT_REVOKE,
                Effect::Resolve(..) => EFFECT_RESOLVE,
                Effect::Reject(..) => EFFECT_REJECT,
                Effect::Done(_) => EFFECT_DONE,
                Effect::Changed(_) => EFFECT_CHANGED,
                Effect::SignedOut(_) => EFFECT_SIGNED_OUT,
                Effect::Error(_) => EFFECT_ERROR,
            },
        }
    }

    /// The number of the effect taken: the caller's id (`RESOLVE`, `REJECT`, `DONE`), the
    /// timer's ms (`TIMER`), the lease's lifetime in ms (`LOCK`), the `HINT_*` (`REVOKE`).
    pub fn num(&mut self) -> u32 {
        let Some(c) = self.core() else { return 0 };
        match &c.current {
            Some(Effect::Resolve(id, _) | Effect::Reject(id, _) | Effect::Done(id)) => *id,
            Some(Effect::StartTimer(ms)) => *ms,
            Some(Effect::AcquireLock) => c.config.timeout_ms.saturating_add(LEASE_MARGIN_MS),
            Some(Effect::Revoke {
                refresh_token: true,
                ..
            }) => HINT_REFRESH_TOKEN.into(),
            _ => HINT_ACCESS_TOKEN.into(),
        }
    }

    /// The value of the effect taken: the TokenSet (`WRITE`, `REFRESH`, `CHANGED`; `null`
    /// for none), the access token (`RESOLVE`), the token to revoke (`REVOKE`), the
    /// OAuthError (`REJECT`, `ERROR`, `SIGNED_OUT`: `undefined` for a sign-out).
    pub fn value(&mut self) -> JsValue {
        let Some(c) = self.core() else {
            return JsValue::UNDEFINED;
        };
        match &c.current {
            Some(Effect::WriteStore(t) | Effect::Changed(t)) => {
                t.as_ref().map_or(JsValue::NULL, |t| t.js.clone())
            }
            Some(Effect::SendRefresh(t)) => t.js.clone(),
            Some(Effect::Resolve(_, s) | Effect::Revoke { token: s, .. }) => s.into(),
            Some(Effect::Reject(_, f) | Effect::Error(f) | Effect::SignedOut(Some(f))) => {
                failure(f)
            }
            _ => JsValue::UNDEFINED,
        }
    }

    /// `getTokens()`: the TokenSet held, or `null`.
    pub fn tokens(&mut self) -> JsValue {
        self.core()
            .and_then(|c| c.machine.tokens().map(|t| t.js.clone()))
            .unwrap_or(JsValue::NULL)
    }

    /// The core's word on something js/session.js received, for the two kinds that receive:
    /// - a popup (`loginWithPopup`, the vault's too): `a` is a `message` event, `b` the popup window, `c` this
    ///   page's origin: `1` when the message is the popup's answer (`core::popup::is_popup_message`),
    ///   else `0` (ignored);
    /// - a discovery: `a` is the HTTP status of one metadata URL's answer (or `undefined`
    ///   when the request failed with the OAuthError `b`): `METADATA_*`
    ///   (`core::discovery::metadata_answer`).
    pub fn check(&self, a: JsValue, b: JsValue, c: JsValue) -> u8 {
        match &self.0 {
            Kind::Discover { .. } => {
                let code = gets(&b, "code").unwrap_or_default();
                match metadata_answer(a.as_f64().map(|n| n as u16), &code) {
                    MetadataAnswer::Validate => METADATA_VALIDATE,
                    MetadataAnswer::TryNext => METADATA_TRY_NEXT,
                    MetadataAnswer::Stop => METADATA_STOP,
                }
            }
            // A popup's (`Popup`, or the vault's `VaultPopup`).
            _ => {
                let data = get(&a, "data");
                let s = |o: &JsValue, k| gets(o, k);
                u8::from(is_popup_message(
                    &js::string(&c).unwrap_or_default(),
                    &s(&a, "origin").unwrap_or_default(),
                    get(&a, "source") == b,
                    s(&data, "type").as_deref(),
                    s(&data, "url").as_deref(),
                ))
            }
        }
    }

    /// Sends the refresh for `tokens` (`EFFECT_REFRESH`'s value); resolves to the merged
    /// TokenSet.
    pub fn refresh(&mut self, tokens: JsValue) -> JsValue {
        let (Some(c), Some(old)) = (self.core(), tokens_from_js(&tokens)) else {
            return rejected(Error::new(
                ErrorCode::NotSignedIn,
                "the session is signed out",
            ));
        };
        match refresh_request(&c.config, &old) {
            Ok(r) => send(
                &r,
                c.config.timeout_ms,
                &JsValue::UNDEFINED,
                Kind::Refresh {
                    config: c.config.clone(),
                    old,
                },
            ),
            Err(e) => rejected(e),
        }
    }

    /// Revokes `token` (`HINT_REFRESH_TOKEN`: a refresh token, else an access token): a
    /// promise, or `undefined` when the configuration has no revocation endpoint.
    pub fn revoke(&mut self, token: String, hint: u8) -> JsValue {
        let Some(c) = self.core() else {
            return JsValue::UNDEFINED;
        };
        if c.config.revocation_endpoint.is_none() {
            return JsValue::UNDEFINED;
        }
        let hint = match hint {
            HINT_REFRESH_TOKEN => TokenTypeHint::RefreshToken,
            // js/session.js passes one of the two; any other value reads as an access token.
            _ => TokenTypeHint::AccessToken,
        };
        match revocation_request(&c.config, &token, Some(hint)) {
            Ok(r) => send(&r, c.config.timeout_ms, &JsValue::UNDEFINED, Kind::Revoke),
            Err(e) => rejected(e),
        }
    }
}

/// A rejected promise of the OAuthError for `e`.
pub(super) fn rejected(e: Error) -> JsValue {
    super::js::reject(&to_js(e)).into()
}

/// Reads a TokenSet object back (from the app or from storage): `core::session::token_set_from_json`.
fn tokens_from_js(v: &JsValue) -> Option<TokenSet> {
    held(v.clone()).and_then(|h| Rc::into_inner(h.set))
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
        let rt = js::string(&refresh_token)
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
            Kind::Refresh {
                config: Rc::new(*config),
                old,
            },
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
        let token = js::string(&token).unwrap_or_default();
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
        let issuer = js::string(&issuer)
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
    let (c, storage, key, skew_seconds) = read_session(&config, &options).map_err(to_js)?;
    // `vault: "worker"`: the session runs in a Worker (src/wasm/vault.rs).
    #[cfg(feature = "vault")]
    if super::vault::wanted(&options, &c, storage).map_err(to_js)? {
        return super::vault::open(&config, &options, Core::idle(Rc::new(*c)));
    }
    open_session(Rc::new(*c), storage, &key, skew_seconds, &options)
}

/// A session object of `config` (createSession's, or the vault worker's).
pub(super) fn open_session(
    config: Rc<ClientConfig>,
    storage: u8,
    key: &str,
    skew_seconds: u32,
    options: &JsValue,
) -> Result<JsValue, JsValue> {
    let store = match storage {
        STORAGE_LOCAL => Store::Shared,
        STORAGE_SESSION => Store::Tab,
        _ => Store::Memory,
    };
    let mut machine = Machine::new(store, skew_seconds, held(get(options, "tokens")));
    machine.open(now_ms());
    let core = Op(Kind::Session(Box::new(Core {
        config,
        machine,
        current: None,
        callers: 0,
    })));
    #[cfg(feature = "dpop")]
    let fetcher = super::dpop::fetch_op(&core);
    let session = make_session(core, storage, key)?;
    #[cfg(feature = "dpop")]
    super::dpop::add_fetch(&session, fetcher);
    #[cfg(not(feature = "dpop"))]
    super::fetch::add_fetch(&session);
    Ok(session)
}

/// `createSession`'s arguments, read and checked: the configuration, the store (`STORAGE_*`),
/// the storage key and the skew.
pub(super) fn read_session(
    config: &JsValue,
    options: &JsValue,
) -> Result<(Box<ClientConfig>, u8, String, u32), Error> {
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
    // The vault (a Worker holding the refresh token) is in the DPoP entry, beside the key.
    #[cfg(not(feature = "vault"))]
    if a.get("vault").is_some() {
        return Err(a.wrong(
            "vault",
            "absent here: the vault is in the entry oauth-spa/dpop",
        ));
    }
    Ok((config, storage, key, skew_seconds))
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
        popup_login(&config_js, &options, |config, state| Kind::Popup {
            config,
            state,
        })
    })
}

/// `loginWithPopup`: opens the popup at the authorization URL of a new login; `kind` makes the
/// Op that reads the popup's answer from this login's configuration and `state` (`Popup`, or
/// the vault's `VaultPopup`, src/wasm/vault.rs: one copy for both).
pub(super) fn popup_login(
    config_js: &JsValue,
    options: &JsValue,
    kind: fn(Box<ClientConfig>, String) -> Kind,
) -> Result<JsValue, Error> {
    let o = arg(options);
    let a = Fields::new(&o, "options", ErrorCode::InvalidArgument, true)?;
    let features = a.string("popupFeatures")?;
    let ms = a.positive("popupTimeoutMs", 300_000)?;
    let config = read_config(config_js)?;
    // `startLogin` itself: it checks the options, stores the transaction, builds the URL.
    // The popup's response must carry the `state` this login made (never one read back
    // from the URL, whose endpoint query may hold anything, `state` aside).
    let r = super::start_login_request(config_js, options)?;
    Ok(open_popup(
        &r.url,
        features.as_deref().unwrap_or("popup,width=480,height=640"),
        ms,
        Op(kind(config, r.state)),
    ))
}

/// On the redirect page: when this window is a sign-in popup opened by `loginWithPopup` from
/// a page of the same origin, posts the response to that page (to its exact origin, never
/// `"*"`), closes the window and returns `true`. Otherwise returns `false`: call
/// `handleCallback` as usual.
#[wasm_bindgen(js_name = popupCallback)]
pub fn popup_callback() -> bool {
    post_to_opener(POPUP_MESSAGE_TYPE)
}
