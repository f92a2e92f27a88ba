//! Helpers shared by the browser test files (tests/browser.rs, tests/session.rs).
#![allow(dead_code)]

use js_sys::{Reflect, JSON};
use wasm_bindgen::JsValue;

/// The URL of tests/support/token-server.mjs, compiled in by scripts/test.sh.
pub fn server() -> &'static str {
    match option_env!("OAUTH_SPA_TEST_SERVER") {
        Some(url) => url,
        None => {
            panic!("OAUTH_SPA_TEST_SERVER must be set at compile time (scripts/test.sh does it)")
        }
    }
}

/// `v.a.b.c` for the path `"a.b.c"`; undefined where a step is missing.
pub fn get(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |acc, k| {
        Reflect::get(&acc, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
    })
}

/// The string at `path`, if it is one.
pub fn s(v: &JsValue, path: &str) -> Option<String> {
    get(v, path).as_string()
}

/// A JS value from JSON text.
pub fn obj(json: &str) -> JsValue {
    JSON::parse(json).expect("test JSON")
}
