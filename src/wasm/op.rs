//! The one exported class: an [`Op`] is what to do with an answer once it arrives. js/glue.js
//! `send` (and, with the `session` feature, js/session.js) calls `finish` with the answer, or
//! `free` when there is none. Nothing here is Rust `async`.

use super::js::to_js;
use super::TokenExchange;
use crate::core::json::ObjectWriter;
use crate::core::token::TokenRequest;
use alloc::string::String;
use wasm_bindgen::prelude::*;
#[cfg(feature = "session")]
use {
    super::js::{now_ms, SessionStorage},
    super::{send_token_request, token_set_to_js},
    crate::core::callback::begin_callback,
    crate::core::config::ClientConfig,
    crate::core::discovery::parse_metadata,
    crate::core::encoding::cat,
    crate::core::popup::check_popup_response,
    crate::core::revocation::parse_revocation_response,
    crate::core::session::merge_refreshed,
    crate::core::token::{parse_token_response, TokenSet},
    crate::core::transaction::Storage,
    alloc::boxed::Box,
    alloc::rc::Rc,
};

#[wasm_bindgen(module = "/js/glue.js")]
extern "C" {
    /// js/glue.js `send`: POSTs, then calls `op.finish(status, body)`.
    #[wasm_bindgen(js_name = send)]
    pub(super) fn send_op(
        url: &str,
        headers: &str,
        body: &str,
        timeout_ms: u32,
        signal: &JsValue,
        op: Op,
    ) -> JsValue;
}

/// What to do with an answer once it arrives. Internal: js/glue.js `send` and js/session.js
/// call `finish` (or `free` when there is no answer).
#[wasm_bindgen(skip_typescript)]
pub struct Op(pub(super) Kind);

pub(super) enum Kind {
    /// A code exchange (`handleCallback`, `exchangeCode`, the popup's).
    Code(TokenExchange),
    /// A refresh: merge the answer into `old` (rotation rules of `merge_refreshed`).
    #[cfg(feature = "session")]
    Refresh {
        config: Rc<ClientConfig>,
        old: TokenSet,
    },
    /// A revocation: any 2xx is success.
    #[cfg(feature = "session")]
    Revoke,
    /// A metadata document fetched for `issuer`.
    #[cfg(feature = "session")]
    Discover { issuer: String },
    /// A popup's callback URL (passed as `body`) for the login whose state is `state`.
    #[cfg(feature = "session")]
    Popup {
        config: Box<ClientConfig>,
        state: String,
    },
    /// The vault's popup (js/vault.js `loginWithPopup`): `Popup`'s checks, then the code
    /// exchange prepared for the worker (src/wasm/vault.rs `prepared`) instead of sent here.
    #[cfg(feature = "vault")]
    VaultPopup {
        config: Box<ClientConfig>,
        state: String,
    },
    /// A session object's state machine (`core::session::machine`): js/session.js feeds it
    /// events and executes its effects (one class for all of this layer's callbacks: fewer
    /// bytes).
    #[cfg(feature = "session")]
    Session(Box<super::session::Core>),
}

#[cfg(feature = "session")]
impl Kind {
    /// A popup's login (`Popup`, `VaultPopup`): its configuration and the `state` it made.
    fn popup(&self) -> Option<(&ClientConfig, &str)> {
        match self {
            Kind::Popup { config, state } => Some((config, state)),
            #[cfg(feature = "vault")]
            Kind::VaultPopup { config, state } => Some((config, state)),
            _ => None,
        }
    }
}

/// A popup that closed, timed out or was refused leaves no pending transaction behind.
#[cfg(feature = "session")]
impl Drop for Op {
    fn drop(&mut self) {
        if let Some((config, state)) = self.0.popup() {
            let _ = SessionStorage.remove(&cat(&[&config.storage_key_prefix, state]));
        }
    }
}

#[wasm_bindgen]
impl Op {
    /// Reads the answer: a TokenSet, `undefined`, a metadata object, the promise of the
    /// popup's token exchange or (the vault's popup) the exchange prepared for the worker;
    /// throws an `OAuthError`.
    #[cfg(feature = "session")]
    pub fn finish(mut self, status: u16, body: String) -> Result<JsValue, JsValue> {
        let body = body.as_str();
        // A popup's callback URL (`body`): it must carry the `state` this login made, then
        // `handleCallback`'s checks, which consume the transaction. Refused (another state,
        // say), this Op drops with its login, which removes the pending transaction, as for a
        // closed popup.
        if let Some((config, state)) = self.0.popup() {
            let p = check_popup_response(body, state)
                .and_then(|()| begin_callback(config, body, now_ms(), &mut SessionStorage))
                .map_err(to_js)?;
            return Ok(match core::mem::replace(&mut self.0, Kind::Revoke) {
                // The vault's: the worker sends it (js/vault.js).
                #[cfg(feature = "vault")]
                Kind::VaultPopup { .. } => super::vault::prepared(&p),
                Kind::Popup { config, .. } => send_token_request(
                    &p.request,
                    TokenExchange {
                        config,
                        requested_scope: p.requested_scope,
                        app_state: p.app_state,
                    },
                    &JsValue::UNDEFINED,
                )
                .into(),
                _ => JsValue::UNDEFINED, // (not a popup: read above)
            });
        }
        match core::mem::replace(&mut self.0, Kind::Revoke) {
            Kind::Code(exchange) => exchange.finish(status, body),
            Kind::Refresh { config, old } => {
                parse_token_response(&config, status, body, now_ms(), old.scope.as_deref())
                    .map(|new| token_set_to_js(&merge_refreshed(&old, new), None))
            }
            Kind::Revoke => parse_revocation_response(status, body).map(|()| JsValue::UNDEFINED),
            Kind::Discover { issuer } => parse_metadata(&issuer, body).map(|m| {
                let mut o = ObjectWriter::new();
                o.string("issuer", &m.issuer)
                    .string("authorizationEndpoint", &m.authorization_endpoint)
                    .string("tokenEndpoint", &m.token_endpoint)
                    .opt_string("revocationEndpoint", m.revocation_endpoint.as_deref())
                    .raw(
                        "authorizationResponseIssParameterSupported",
                        if m.iss_parameter_supported {
                            "true"
                        } else {
                            "false"
                        },
                    );
                super::js::from_json(&o.finish())
            }),
            // (`Session`; the popups are read above)
            _ => Ok(JsValue::UNDEFINED),
        }
        .map_err(to_js)
    }

    /// Reads the token endpoint's answer: a TokenSet; throws an `OAuthError`.
    #[cfg(not(feature = "session"))]
    pub fn finish(self, status: u16, body: String) -> Result<JsValue, JsValue> {
        let body = body.as_str();
        let Kind::Code(exchange) = self.0;
        exchange.finish(status, body).map_err(to_js)
    }
}

/// Sends a token request: `send` in js/glue.js, whose promise resolves to what
/// [`TokenExchange::finish`] makes of the answer.
pub(super) fn send_code(
    request: &TokenRequest,
    exchange: TokenExchange,
    signal: &JsValue,
) -> JsValue {
    let ms = exchange.config.timeout_ms;
    send(request, ms, signal, Kind::Code(exchange))
}

pub(super) fn send(request: &TokenRequest, ms: u32, signal: &JsValue, kind: Kind) -> JsValue {
    let mut headers = ObjectWriter::new();
    for (name, value) in &request.headers {
        headers.string(name, value);
    }
    // `dpop: true`: the same request with a proof (js/dpop.js), never without one.
    #[cfg(feature = "dpop")]
    if let Some(key) = kind.dpop_key() {
        return super::dpop::send_with_proof(request, &headers.finish(), ms, signal, kind, &key);
    }
    send_op(
        &request.url,
        &headers.finish(),
        request.body.expose(),
        ms,
        signal,
        Op(kind),
    )
}
