//! The vault: `createSession(config, { vault: "worker" })` in the `oauth-spa/dpop` entry. A
//! module Worker (pkg/oauth_spa_vault.js, from js/vault-worker.js) runs the session of this
//! entry, so the refresh token lives in the worker's memory (or, DPoP-bound only, in the shared
//! IndexedDB store) and the page gets access tokens only. js/vault.js is the page's half: a
//! session object whose methods ask the worker over `postMessage`. The session machine is the
//! one of every session; here are only the option rules and the code exchange, split between
//! the page (which has the transaction in `sessionStorage`) and the worker (which sends the
//! request and keeps the TokenSet).

use super::boundary::{STORAGE_LOCAL, STORAGE_SESSION};
use super::js::{arg, from_json, gets, to_js};
use super::op::{send_op, Kind, Op};
use super::session::{open_session, popup_login, read_session, rejected, Core};
use super::TokenExchange;
use crate::core::args::Fields;
use crate::core::callback::PendingExchange;
use crate::core::config::ClientConfig;
use crate::core::error::{Error, ErrorCode};
use crate::core::json::ObjectWriter;
use alloc::boxed::Box;
use alloc::string::String;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_VAULT_TYPES: &'static str = include_str!("vault.d.ts");

#[wasm_bindgen(module = "/js/vault.js")]
extern "C" {
    /// js/vault.js `openVault`: starts the worker; the page's session object.
    #[wasm_bindgen(catch, js_name = openVault)]
    fn open_vault(
        config: &JsValue,
        options: &JsValue,
        op: Op,
        key: Option<String>,
    ) -> Result<JsValue, JsValue>;
    /// js/vault.js `addVault`: the worker's session gets `exchange` and `proof`.
    #[wasm_bindgen(js_name = addVault)]
    fn add_vault(session: &JsValue, op: Op, key: Option<String>);
}

/// Whether `options` asks for the vault (`vault: "worker"`), and whether it may: a worker has no
/// `sessionStorage`, and a refresh token stored where the page can read it (the shared
/// IndexedDB store of `"localStorage"`) must be bound to the non-extractable DPoP key.
pub(super) fn wanted(options: &JsValue, config: &ClientConfig, storage: u8) -> Result<bool, Error> {
    let o = arg(options);
    let a = Fields::new(&o, "options", ErrorCode::InvalidArgument, true)?;
    let vault = a
        .one_of("vault", &[("worker", true)], "\"worker\"")?
        .is_some();
    if !vault {
        return Ok(false);
    }
    if storage == STORAGE_SESSION {
        return Err(a.wrong(
            "storage",
            "\"memory\" or \"localStorage\" with vault: \"worker\" (a worker has no sessionStorage)",
        ));
    }
    if storage == STORAGE_LOCAL && !config.dpop {
        return Err(a.wrong(
            "storage",
            "\"memory\" with vault: \"worker\" unless config.dpop is true: only a refresh token bound to the DPoP key may be stored where the page can read it",
        ));
    }
    Ok(true)
}

/// The page's session object of a vault (js/vault.js), whose `Op` is `core` (idle).
pub(super) fn open(config: &JsValue, options: &JsValue, core: Core) -> Result<JsValue, JsValue> {
    let op = Op(Kind::Session(Box::new(core)));
    let key = op.0.dpop_key();
    open_vault(config, options, op, key)
}

/// The worker's session (pkg/oauth_spa_vault.js): `createSession` without the vault, plus
/// `exchange(prepared)` (the code exchange the page prepared with `handleCallback`'s or
/// `loginWithPopup`'s checks) and, with `dpop: true`, `proof(method, url, accessToken, nonce)`
/// for the page's `session.fetch`. Internal: only the worker file calls it.
#[wasm_bindgen(js_name = vaultSession, skip_typescript)]
pub fn vault_session(config: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let (c, storage, key, skew_seconds) = read_session(&config, &options).map_err(to_js)?;
    let c = alloc::rc::Rc::new(*c);
    let op = Op(Kind::Session(Box::new(Core::idle(c.clone()))));
    let name = op.0.dpop_key();
    let session = open_session(c, storage, &key, skew_seconds, &options)?;
    add_vault(&session, op, name);
    Ok(session)
}

/// The code exchange `p` as the page hands it to the worker: `{ url, headers, body, scope,
/// appState }` (the worker's `exchange`).
pub(super) fn prepared(p: &PendingExchange) -> JsValue {
    let mut h = ObjectWriter::new();
    for (name, value) in &p.request.headers {
        h.string(name, value);
    }
    let mut o = ObjectWriter::new();
    o.string("url", &p.request.url)
        .string("headers", &h.finish())
        .string("body", p.request.body.expose())
        .opt_string("scope", p.requested_scope.as_deref())
        .opt_string("appState", p.app_state.as_deref());
    from_json(&o.finish())
}

#[wasm_bindgen]
impl Op {
    /// The page's half of a vault session's `handleCallback(url)`: `handleCallback`'s checks
    /// (the transaction consumed from `sessionStorage`, state, expiry, `iss`, `error`), then the
    /// token request the worker is to send: `{ url, headers, body, scope, appState }`.
    pub fn callback(&self, url: JsValue) -> Result<JsValue, JsValue> {
        let Kind::Session(c) = &self.0 else {
            return Ok(JsValue::UNDEFINED);
        };
        let p = super::pending_callback(c.config(), &url).map_err(to_js)?;
        Ok(prepared(&p))
    }

    /// The page's half of a vault session's `loginWithPopup(options)`: `loginWithPopup` itself
    /// (the window opened now, in the caller's click handler; the popup's message, the `state`
    /// this login made, then `handleCallback`'s checks), resolving to what `callback` resolves
    /// to, the token request for the worker. `config`: the session's, as the app passed it.
    pub fn popup(&self, config: JsValue, options: JsValue) -> JsValue {
        super::promise(|| {
            popup_login(&config, &options, |config, state| Kind::VaultPopup {
                config,
                state,
            })
        })
    }

    /// The worker's half: sends the request `callback` prepared (to this config's token
    /// endpoint only; with a proof when `dpop` is on) and resolves to the TokenSet.
    pub fn exchange(&self, prepared: JsValue) -> JsValue {
        let Kind::Session(c) = &self.0 else {
            return JsValue::UNDEFINED;
        };
        let config = c.config();
        let s = |k| gets(&prepared, k);
        let url = s("url").unwrap_or_default();
        if url != config.token_endpoint {
            return rejected(Error::new(
                ErrorCode::InvalidArgument,
                "the vault sends a code exchange only to config.tokenEndpoint",
            ));
        }
        let kind = Kind::Code(TokenExchange {
            config: Box::new(config.clone()),
            requested_scope: s("scope"),
            app_state: s("appState"),
        });
        let (headers, body) = (
            s("headers").unwrap_or_default(),
            s("body").unwrap_or_default(),
        );
        let ms = config.timeout_ms;
        match kind.dpop_key() {
            Some(k) => {
                super::dpop::dpop_send(&url, &headers, &body, ms, &JsValue::UNDEFINED, Op(kind), &k)
            }
            None => send_op(&url, &headers, &body, ms, &JsValue::UNDEFINED, Op(kind)),
        }
    }
}
