//! `session.fetch` without DPoP (js/fetch.js): the session's access token on a `fetch`, as a
//! Bearer token. With `dpop: true` (the `oauth-spa/dpop` entry), src/wasm/dpop.rs gives the
//! session its DPoP `fetch` instead.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_FETCH_TYPES: &'static str = include_str!("fetch.d.ts");

#[wasm_bindgen(module = "/js/fetch.js")]
extern "C" {
    /// js/fetch.js `addFetch`: gives a session object its Bearer `fetch`.
    #[wasm_bindgen(js_name = addFetch)]
    pub(super) fn add_fetch(session: &JsValue);
}
