//! DPoP in the browser (RFC 9449): js/dpop.js holds the key (a non-extractable WebCrypto P-256
//! key in IndexedDB), signs, sends and remembers nonces; every decision is asked of the core
//! (`core::dpop`) through these `Op` methods, which any kind of `Op` answers from its config.

use super::js::{now_ms, random32, read_config, to_js};
use super::op::{Kind, Op};
use crate::core::config::ClientConfig;
use crate::core::dpop::{nonce_ok, nonce_retry, origin, signing_input, Claims, PublicKey};
use crate::core::encoding::cat;
use crate::core::error::Error;
use crate::core::token::TokenRequest;
use alloc::boxed::Box;
use alloc::string::String;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/dpop.js")]
extern "C" {
    /// js/dpop.js `dpopSend`: js/glue.js `send` with a proof, and one retry on a nonce.
    #[wasm_bindgen(js_name = dpopSend)]
    pub(super) fn dpop_send(
        url: &str,
        headers: &str,
        body: &str,
        timeout_ms: u32,
        signal: &JsValue,
        op: Op,
        key: &str,
    ) -> JsValue;
    /// js/dpop.js `addFetch`: gives a session object its DPoP `fetch`, with the key `key`.
    #[wasm_bindgen(js_name = addFetch)]
    fn add_dpop_fetch(session: &JsValue, op: Op, key: &str);
    /// js/dpop.js `storedKey`: `x` and `y` (base64url, joined) of the key `key` when this page has loaded it and
    /// it is kept in IndexedDB.
    #[wasm_bindgen(js_name = storedKey)]
    fn stored_key(key: &str) -> Option<String>;
    /// js/dpop.js `prepare`: loads (or makes) the key `key`; resolves to `op.dpopJkt` of it
    /// (to `null` without a key).
    #[wasm_bindgen(js_name = prepare)]
    fn prepare(key: Option<String>, op: Op) -> JsValue;
}

/// The name of a client's key: one key per client id and token endpoint, so refreshes and
/// resource requests prove the key the tokens are bound to.
fn key_name(c: &ClientConfig) -> String {
    cat(&[&c.client_id, " ", &c.token_endpoint])
}

/// `dpop_jkt` for `startLogin` and `loginWithPopup` (RFC 9449 §10): the thumbprint of the
/// client's key when this page has already loaded it (`prepareDpop`, or an earlier token
/// request or `session.fetch`) and the key is stored. A key that lives only for the page is
/// not bound: the page that exchanges a redirect's code has another one.
pub(super) fn stored_thumbprint(c: &ClientConfig) -> Option<String> {
    thumbprint(&stored_key(&key_name(c))?)
}

/// The RFC 7638 thumbprint of the P-256 key `xy`: its `x` then its `y`, 43 base64url
/// characters each (checked by `PublicKey::new`).
#[inline(never)]
fn thumbprint(xy: &str) -> Option<String> {
    PublicKey::new(xy.get(..43)?, xy.get(43..)?)
        .ok()
        .map(|k| k.thumbprint())
}

/// Loads the client's DPoP key from IndexedDB, or makes and stores it, so that `startLogin`
/// (synchronous) can bind the authorization code to it with `dpop_jkt` (RFC 9449 §10).
/// Resolves to the key's RFC 7638 thumbprint, the `dpop_jkt` sent; to `null` when
/// `config.dpop` is not true (nothing to prepare). Rejects with `dpop_unavailable` where
/// DPoP cannot run, `invalid_config` for a bad config.
#[wasm_bindgen(js_name = prepareDpop, unchecked_return_type = "Promise<string | null>")]
pub fn prepare_dpop(
    #[wasm_bindgen(unchecked_param_type = "ClientConfig")] config: JsValue,
) -> JsValue {
    super::promise(|| {
        let c = read_config(&config)?;
        Ok(prepare(c.dpop.then(|| key_name(&c)), Op(Kind::Revoke)))
    })
}

/// js/dpop.js `dpopSend` for `request`.
#[inline(never)]
pub(super) fn send_with_proof(
    request: &TokenRequest,
    headers: &str,
    ms: u32,
    signal: &JsValue,
    kind: Kind,
    key: &str,
) -> JsValue {
    dpop_send(
        &request.url,
        headers,
        request.body.expose(),
        ms,
        signal,
        Op(kind),
        key,
    )
}

#[wasm_bindgen(typescript_custom_section)]
const TS_DPOP_TYPES: &'static str = include_str!("dpop.d.ts");

/// Gives `session` its `fetch`: with `dpop: true`, DPoP, whose proofs ask `op` (see
/// [`fetch_op`]); else Bearer (src/wasm/fetch.rs).
pub(super) fn add_fetch(session: &JsValue, op: Op) {
    match op.0.dpop_key() {
        Some(key) => add_dpop_fetch(session, op, &key),
        None => super::fetch::add_fetch(session),
    }
}

/// The `Op` a session's `fetch` asks (a copy of the session's protocol half).
pub(super) fn fetch_op(core: &Op) -> Op {
    Op(match &core.0 {
        Kind::Session(c) => Kind::Session(Box::new(c.idle_copy())),
        _ => Kind::Revoke,
    })
}

impl Kind {
    fn config(&self) -> Option<&ClientConfig> {
        match self {
            Kind::Code(exchange) => Some(&exchange.config),
            Kind::Refresh { config, .. } => Some(config),
            Kind::Popup { config, .. } => Some(config),
            #[cfg(feature = "vault")]
            Kind::VaultPopup { config, .. } => Some(config),
            Kind::Session(c) => Some(c.config()),
            Kind::Revoke | Kind::Discover { .. } => None,
        }
    }

    /// The name of the client's key when its config has `dpop: true`: one key per client id
    /// and token endpoint, so refreshes and resource requests prove the key the tokens are
    /// bound to.
    pub(super) fn dpop_key(&self) -> Option<String> {
        self.config().filter(|c| c.dpop).map(key_name)
    }
}

#[wasm_bindgen]
impl Op {
    /// The signing input of a proof for `htm url` (`core::dpop::signing_input`): a fresh
    /// random `jti`, `iat` now, `ath` of `access_token` and `nonce` when given.
    #[wasm_bindgen(js_name = dpopInput)]
    pub fn dpop_input(
        &self,
        htm: &str,
        url: &str,
        x: &str,
        y: &str,
        nonce: Option<String>,
        access_token: Option<String>,
    ) -> Result<String, JsValue> {
        let input = || -> Result<String, Error> {
            let jti = random32()?;
            signing_input(
                &PublicKey::new(x, y)?,
                &Claims {
                    htm,
                    url,
                    iat: now_ms() / 1000,
                    jti: &jti,
                    nonce: nonce.as_deref(),
                    access_token: access_token.as_deref(),
                },
            )
        };
        input().map_err(to_js)
    }

    /// The origin whose nonce applies to `url` (`core::dpop::origin`); with `nonce`, `None`
    /// unless that `DPoP-Nonce` value may be remembered and sent (RFC 9449 §8.1).
    #[wasm_bindgen(js_name = dpopOrigin)]
    pub fn dpop_origin(&self, url: &str, nonce: Option<String>) -> Result<Option<String>, JsValue> {
        if nonce.is_some_and(|n| !nonce_ok(&n)) {
            return Ok(None);
        }
        origin(url).map(Some).map_err(to_js)
    }

    /// The RFC 7638 thumbprint of the P-256 key `xy` (its `x` and `y` joined), the answer of
    /// `prepareDpop`; `undefined` for what is not such a key.
    #[wasm_bindgen(js_name = dpopJkt)]
    pub fn dpop_jkt(&self, xy: &str) -> JsValue {
        thumbprint(xy).map_or(JsValue::UNDEFINED, |t| JsValue::from_str(&t))
    }

    /// Whether to send the request once more with the new nonce (`core::dpop::nonce_retry`).
    #[wasm_bindgen(js_name = dpopRetry)]
    pub fn dpop_retry(
        &self,
        status: u16,
        body: &str,
        www_authenticate: Option<String>,
        fresh_nonce: bool,
        retried: bool,
    ) -> bool {
        nonce_retry(
            status,
            body,
            www_authenticate.as_deref(),
            fresh_nonce,
            retried,
        )
    }
}
