//! Browser tests of the JavaScript API: real `crypto`, real `sessionStorage`, real `history`,
//! real `fetch` against tests/support/token-server.mjs on 127.0.0.1 (started by
//! scripts/test.sh, its URL compiled in through OAUTH_SPA_TEST_SERVER).
//!
//! Run: `wasm-pack test --headless --chrome` / `--firefox` (see scripts/test.sh).
#![cfg(target_arch = "wasm32")]

use js_sys::{Reflect, JSON};
use oauth_spa::wasm::{
    compute_code_challenge, create_pkce_pair, ellipsis, exchange_code, handle_callback, start_login,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::{get, obj, s, server};

fn storage() -> web_storage::Storage {
    web_storage::Storage
}

/// Minimal sessionStorage access for assertions, through js_sys only.
mod web_storage {
    use js_sys::{Function, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    pub struct Storage;
    fn ss() -> JsValue {
        Reflect::get(&js_sys::global(), &"sessionStorage".into()).unwrap()
    }
    fn call(name: &str, args: &[JsValue]) -> JsValue {
        let s = ss();
        let f: Function = Reflect::get(&s, &name.into()).unwrap().unchecked_into();
        let arr = js_sys::Array::new();
        for a in args {
            arr.push(a);
        }
        Reflect::apply(&f, &s, &arr).unwrap_or(JsValue::UNDEFINED)
    }
    impl Storage {
        pub fn get(&self, k: &str) -> Option<String> {
            call("getItem", &[k.into()]).as_string()
        }
        pub fn set(&self, k: &str, v: &str) {
            call("setItem", &[k.into(), v.into()]);
        }
        pub fn try_set(&self, k: &str, v: &str) -> bool {
            let s = ss();
            let f: Function = Reflect::get(&s, &"setItem".into())
                .unwrap()
                .unchecked_into();
            f.call2(&s, &k.into(), &v.into()).is_ok()
        }
        pub fn remove(&self, k: &str) {
            call("removeItem", &[k.into()]);
        }
        pub fn clear(&self) {
            call("clear", &[]);
        }
        pub fn keys(&self) -> Vec<String> {
            let n = Reflect::get(&ss(), &"length".into())
                .unwrap()
                .as_f64()
                .unwrap() as u32;
            (0..n)
                .filter_map(|i| call("key", &[i.into()]).as_string())
                .collect()
        }
    }
}

/// A unique run id, so each test's requests are counted separately by the server.
fn run_id(name: &str) -> String {
    let r = js_sys::Math::random().to_bits();
    [name, "-", &(r % 1_000_000_007).to_string()].concat()
}

fn rfc_config(run: &str, mode: &str, extra: &str) -> JsValue {
    obj(&format!(
        r#"{{"clientId":"client-1","authorizationEndpoint":"https://as.example/authorize",
            "tokenEndpoint":"{}/t/{run}/{mode}","redirectUri":"https://app.example/cb",
            "scope":["openid","offline_access"]{extra}}}"#,
        server()
    ))
}

async fn log(run: &str) -> Vec<JsValue> {
    let window = js_sys::global();
    let fetch: js_sys::Function = Reflect::get(&window, &"fetch".into())
        .unwrap()
        .unchecked_into();
    let url = format!("{}/log/{run}", server());
    let resp = JsFuture::from(js_sys::Promise::from(
        fetch.call1(&window, &url.into()).unwrap(),
    ))
    .await
    .unwrap();
    let json_fn: js_sys::Function = Reflect::get(&resp, &"json".into())
        .unwrap()
        .unchecked_into();
    let v = JsFuture::from(js_sys::Promise::from(json_fn.call0(&resp).unwrap()))
        .await
        .unwrap();
    js_sys::Array::from(&v).iter().collect()
}

fn param(url: &str, name: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    q.split('&').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k == name).then(|| oauth_spa::form_decode(v))
    })
}

fn login(config: &JsValue) -> (String, String) {
    let url = start_login(config.clone(), JsValue::UNDEFINED).expect("startLogin");
    let state = param(&url, "state").expect("state in URL");
    (url, state)
}

fn callback(state: &str, code: &str) -> JsValue {
    format!("https://app.example/cb?code={code}&state={state}").into()
}

/// The error's `code`, after checking it is an OAuthError instance with a message.
fn code_of(e: &JsValue) -> String {
    assert!(e.is_instance_of::<js_sys::Error>(), "an Error instance");
    assert_eq!(s(e, "name").as_deref(), Some("OAuthError"));
    assert!(!s(e, "message").unwrap_or_default().is_empty());
    s(e, "code").expect("code")
}

async fn callback_err(config: &JsValue, url: JsValue) -> JsValue {
    handle_callback(config.clone(), url, JsValue::UNDEFINED)
        .await
        .expect_err("handleCallback should fail")
}

// ---- PKCE -----------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn pkce_pair_is_random_and_consistent() {
    let a = create_pkce_pair().unwrap();
    let b = create_pkce_pair().unwrap();
    let va = s(&a, "verifier").unwrap();
    assert_eq!(va.len(), 43);
    assert!(va
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    assert_ne!(va, s(&b, "verifier").unwrap());
    assert_eq!(s(&a, "method").as_deref(), Some("S256"));
    assert_eq!(
        s(&a, "challenge").unwrap(),
        compute_code_challenge(va.into()).unwrap()
    );
    // Across refills of the 4 KB random pool (128 verifiers each): all distinct.
    let mut seen = std::collections::HashSet::new();
    for _ in 0..300 {
        let p = create_pkce_pair().unwrap();
        assert!(
            seen.insert(s(&p, "verifier").unwrap()),
            "a verifier repeated"
        );
    }
}

#[wasm_bindgen_test]
fn rfc7636_appendix_b_in_the_browser() {
    assert_eq!(
        compute_code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()).unwrap(),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    for bad in [
        JsValue::from_str("short"),
        JsValue::from_f64(1.0),
        JsValue::from_str(&"a+".repeat(30)),
    ] {
        let e = compute_code_challenge(bad).unwrap_err();
        assert_eq!(code_of(&e), "invalid_verifier");
    }
}

#[wasm_bindgen_test]
async fn challenge_matches_webcrypto_for_every_verifier_length() {
    // Verifiers of 43 to 128 characters take one to three SHA-256 blocks, with every padding
    // edge between (55/56, 64, 119/120 octets): each challenge must equal BASE64URL of
    // crypto.subtle's SHA-256 (an independent implementation) of the same verifier.
    let script = r#"(async () => {
        const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
        const out = [];
        for (let n = 43; n <= 128; n++) {
            let v = '';
            for (let i = 0; i < n; i++) v += chars[(i * 7 + n * 3) % chars.length];
            const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(v)));
            const b64 = btoa(String.fromCharCode(...d));
            out.push([v, b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')]);
        }
        return out;
    })()"#;
    let cases = JsFuture::from(js_sys::Promise::from(js_sys::eval(script).unwrap()))
        .await
        .unwrap();
    let cases = js_sys::Array::from(&cases);
    assert_eq!(cases.length(), 86);
    for case in cases.iter() {
        let verifier = s(&case, "0").unwrap();
        let expected = s(&case, "1").unwrap();
        assert_eq!(expected.len(), 43);
        assert_eq!(
            compute_code_challenge(verifier.as_str().into()).unwrap(),
            expected,
            "verifier of {} characters",
            verifier.len()
        );
    }
}

#[wasm_bindgen_test]
fn missing_crypto_gives_crypto_unavailable() {
    // `crypto.getRandomValues` replaced by one that throws: once the random pool is used up
    // (128 pairs at most), a pair is refused with `crypto_unavailable`, not a panic and not a
    // verifier from stale octets; with the real one back, pairs work again.
    js_sys::eval(
        "Object.defineProperty(crypto, 'getRandomValues', { configurable: true, writable: true, \
         value() { throw new TypeError('no randomness here') } })",
    )
    .unwrap();
    let mut refused = None;
    let mut made = 0;
    for _ in 0..200 {
        match create_pkce_pair() {
            Ok(_) => made += 1,
            Err(e) => {
                refused = Some(e);
                break;
            }
        }
    }
    let again = create_pkce_pair();
    js_sys::eval("delete crypto.getRandomValues").unwrap();
    let restored = create_pkce_pair();
    let e = refused.expect("pairs kept coming without crypto.getRandomValues");
    assert!(made <= 128, "{made} pairs from a 4 KB pool");
    assert_eq!(code_of(&e), "crypto_unavailable");
    assert_eq!(code_of(&again.unwrap_err()), "crypto_unavailable");
    assert_eq!(s(&restored.unwrap(), "verifier").unwrap().len(), 43);
}

// ---- startLogin ---------------------------------------------------------------------------

#[wasm_bindgen_test]
fn start_login_stores_transaction_and_builds_url() {
    let run = run_id("start");
    let config = rfc_config(&run, "ok", "");
    let opts = obj(r#"{"extraParams":{"prompt":"consent"},"appState":"/after"}"#);
    let url = start_login(config, opts).unwrap();
    assert!(url.starts_with("https://as.example/authorize?response_type=code&client_id=client-1"));
    assert_eq!(
        param(&url, "redirect_uri").as_deref(),
        Some("https://app.example/cb")
    );
    assert_eq!(
        param(&url, "scope").as_deref(),
        Some("openid offline_access")
    );
    assert_eq!(
        param(&url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(param(&url, "prompt").as_deref(), Some("consent"));
    let state = param(&url, "state").unwrap();
    assert_eq!(state.len(), 43);
    assert!(!url.contains("after"), "appState stays in the browser");
    let stored = storage()
        .get(&format!("oauth-spa:tx:{state}"))
        .expect("stored");
    let tx = obj(&stored);
    let verifier = s(&tx, "verifier").unwrap();
    assert_eq!(
        compute_code_challenge(verifier.into()).unwrap(),
        param(&url, "code_challenge").unwrap()
    );
    assert_eq!(s(&tx, "appState").as_deref(), Some("/after"));
    storage().remove(&format!("oauth-spa:tx:{state}"));
}

#[wasm_bindgen_test]
fn start_login_refuses_bad_input_and_stores_nothing() {
    let before = storage().keys().len();
    let cases: Vec<(JsValue, JsValue, &str, &str)> = vec![
        (
            obj(
                r#"{"clientId":"c","authorizationEndpoint":"http://as.example/a","tokenEndpoint":"https://as.example/t"}"#,
            ),
            JsValue::UNDEFINED,
            "insecure_endpoint",
            "authorizationEndpoint",
        ),
        (
            obj(
                r#"{"clientId":"c","authorizationEndpoint":"https://as.example/a","tokenEndpoint":"http://10.0.0.1/t"}"#,
            ),
            JsValue::UNDEFINED,
            "insecure_endpoint",
            "tokenEndpoint",
        ),
        (
            obj(
                r#"{"clientId":7,"authorizationEndpoint":"https://as.example/a","tokenEndpoint":"https://as.example/t"}"#,
            ),
            JsValue::UNDEFINED,
            "invalid_config",
            "clientId",
        ),
        (
            obj(
                r#"{"clientId":"c","authorizationEndpoint":"https://as.example/a","tokenEndpoint":"https://as.example/t","dialect":"oauth3"}"#,
            ),
            JsValue::UNDEFINED,
            "invalid_config",
            "dialect",
        ),
        (
            obj(
                r#"{"clientId":"c","authorizationEndpoint":"https://as.example/a","tokenEndpoint":"https://as.example/t","timeoutMs":-1}"#,
            ),
            JsValue::UNDEFINED,
            "invalid_config",
            "timeoutMs",
        ),
        (
            JsValue::from_str("nope"),
            JsValue::UNDEFINED,
            "invalid_config",
            "config",
        ),
        (
            obj(
                r#"{"clientId":"c","authorizationEndpoint":"https://as.example/a","tokenEndpoint":"https://as.example/t"}"#,
            ),
            obj(r#"{"extraParams":{"state":"mine"}}"#),
            "invalid_argument",
            "state",
        ),
        (
            obj(
                r#"{"clientId":"c","authorizationEndpoint":"https://as.example/a","tokenEndpoint":"https://as.example/t"}"#,
            ),
            obj(r#"{"extraParams":{"prompt":1}}"#),
            "invalid_argument",
            "prompt",
        ),
    ];
    for (config, opts, code, field) in cases {
        let e = start_login(config, opts).unwrap_err();
        assert_eq!(code_of(&e), code, "{field}");
        let msg = s(&e, "message").unwrap();
        assert!(msg.contains(field), "message {msg:?} names {field}");
    }
    // Values JSON has no form for are refused, not dropped or read as null (the default).
    let good = || {
        obj(
            r#"{"clientId":"c","authorizationEndpoint":"https://as.example/a","tokenEndpoint":"https://as.example/t"}"#,
        )
    };
    let odd: [(&str, JsValue); 5] = [
        ("timeoutMs", JsValue::from_f64(f64::NAN)),
        ("transactionTtlSeconds", JsValue::from_f64(f64::INFINITY)),
        (
            "clientId",
            js_sys::Function::new_no_args("return 'c'").into(),
        ),
        ("scope", js_sys::Symbol::for_("openid").into()),
        ("cleanUrl", JsValue::bigint_from_str("1")),
    ];
    for (field, value) in odd {
        let config = good();
        Reflect::set(&config, &field.into(), &value).unwrap();
        let e = start_login(config, JsValue::UNDEFINED).unwrap_err();
        assert_eq!(code_of(&e), "invalid_config", "{field}");
        let msg = s(&e, "message").unwrap();
        assert!(
            msg.contains(&format!("config.{field}")),
            "message {msg:?} names {field}"
        );
    }
    let cyclic = good();
    Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    let e = start_login(cyclic, JsValue::UNDEFINED).unwrap_err();
    assert_eq!(code_of(&e), "invalid_config");
    assert!(s(&e, "message")
        .unwrap()
        .starts_with("config cannot be read as JSON"));
    let e = start_login(good(), JsValue::from_f64(f64::NAN)).unwrap_err();
    assert_eq!(code_of(&e), "invalid_argument");
    assert_eq!(
        s(&e, "message").as_deref(),
        Some("options must be an object")
    );
    let opts = obj(r#"{"extraParams":{}}"#);
    Reflect::set(
        &get(&opts, "extraParams"),
        &"prompt".into(),
        &JsValue::from_f64(f64::NAN),
    )
    .unwrap();
    let e = start_login(good(), opts).unwrap_err();
    assert_eq!(code_of(&e), "invalid_argument");
    assert!(s(&e, "message").unwrap().contains("extraParams.prompt"));
    assert_eq!(storage().keys().len(), before);
}

#[wasm_bindgen_test]
fn ellipsis_helper_builds_a_config() {
    let c = ellipsis(obj(
        r#"{"clientId":"abc","redirectUri":"http://localhost:8080/"}"#,
    ))
    .unwrap();
    assert_eq!(
        s(&c, "authorizationEndpoint").as_deref(),
        Some("https://api.ellipsis-drive.com/v3/oauth/authorize")
    );
    assert_eq!(
        s(&c, "tokenEndpoint").as_deref(),
        Some("https://api.ellipsis-drive.com/v3/oauth/token")
    );
    assert_eq!(s(&c, "dialect").as_deref(), Some("ellipsis"));
    let c = ellipsis(obj(
        r#"{"clientId":"abc","baseUrl":"http://127.0.0.1:9/v3/"}"#,
    ))
    .unwrap();
    assert_eq!(
        s(&c, "tokenEndpoint").as_deref(),
        Some("http://127.0.0.1:9/v3/oauth/token")
    );
    let e = ellipsis(obj(
        r#"{"clientId":"abc","baseUrl":"http://ellipsis.example/v3"}"#,
    ))
    .unwrap_err();
    assert_eq!(code_of(&e), "insecure_endpoint");
    let e = ellipsis(obj(r#"{}"#)).unwrap_err();
    assert_eq!(code_of(&e), "invalid_config");
}

// ---- handleCallback: success paths --------------------------------------------------------

#[wasm_bindgen_test]
async fn rfc_flow_sends_one_correct_form_request() {
    let run = run_id("rfc");
    let config = rfc_config(&run, "echo", "");
    let url = start_login(config.clone(), obj(r#"{"appState":"/dash"}"#)).unwrap();
    let state = param(&url, "state").unwrap();
    let t = handle_callback(config, callback(&state, "c0de-1"), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert!(s(&t, "accessToken").unwrap().starts_with("at-"));
    assert_eq!(s(&t, "tokenType").as_deref(), Some("Bearer"));
    assert_eq!(get(&t, "expiresIn").as_f64(), Some(3600.0));
    let now = js_sys::Date::now();
    let exp = get(&t, "expiresAt").as_f64().unwrap();
    assert!(exp > now + 3_590_000.0 && exp <= now + 3_600_000.0);
    assert!(s(&t, "refreshToken").unwrap().starts_with("rt-"));
    assert_eq!(s(&t, "scope").as_deref(), Some("projects"));
    assert_eq!(s(&t, "appState").as_deref(), Some("/dash"));
    let received = get(&t, "raw.received");
    assert_eq!(
        s(&received, "contentType").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(s(&received, "accept").as_deref(), Some("application/json"));
    assert!(get(&received, "authorization").is_null());
    assert_eq!(
        s(&received, "body.grant_type").as_deref(),
        Some("authorization_code")
    );
    assert_eq!(s(&received, "body.code").as_deref(), Some("c0de-1"));
    assert_eq!(s(&received, "body.client_id").as_deref(), Some("client-1"));
    assert_eq!(
        s(&received, "body.redirect_uri").as_deref(),
        Some("https://app.example/cb")
    );
    assert!(get(&received, "body.authorization_code").is_undefined());
    // The verifier sent hashes to the challenge that went to /authorize.
    assert_eq!(s(&received, "verifierS256"), param(&url, "code_challenge"));
    assert_eq!(log(&run).await.len(), 1);
    assert!(storage().get(&format!("oauth-spa:tx:{state}")).is_none());
}

#[wasm_bindgen_test]
async fn ellipsis_dialect_json_body_and_basic_auth() {
    let run = run_id("ellipsis");
    let base = format!("{}/t/{run}/echo", server());
    let config = obj(&format!(
        r#"{{"clientId":"s6BhdRkqt3","clientSecret":"7Fjfp0ZBr1KtDRbnfVdmIw","dialect":"ellipsis",
            "authorizationEndpoint":"https://api.ellipsis-drive.com/v3/oauth/authorize",
            "tokenEndpoint":"{base}","redirectUri":"https://app.example/cb"}}"#
    ));
    let (_, state) = login(&config);
    let t = handle_callback(config, callback(&state, "ell-code"), JsValue::UNDEFINED)
        .await
        .unwrap();
    let r = get(&t, "raw.received");
    assert_eq!(s(&r, "contentType").as_deref(), Some("application/json"));
    assert_eq!(
        s(&r, "authorization").as_deref(),
        Some("Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3")
    );
    assert_eq!(
        s(&r, "body.authorization_code").as_deref(),
        Some("ell-code")
    );
    assert!(
        get(&r, "body.code").is_undefined(),
        "no RFC `code` in Ellipsis dialect"
    );
    assert!(get(&r, "body.client_secret").is_undefined());
    assert_eq!(
        s(&r, "body.grant_type").as_deref(),
        Some("authorization_code")
    );
    assert!(s(&r, "body.code_verifier").is_some());
}

#[wasm_bindgen_test]
async fn client_secret_post_form() {
    let run = run_id("post");
    let config = rfc_config(
        &run,
        "echo",
        r#","clientSecret":"s e&c","clientAuth":"client_secret_post","dialect":"ellipsis","tokenRequestEncoding":"form""#,
    );
    let (_, state) = login(&config);
    let t = handle_callback(config, callback(&state, "x"), JsValue::UNDEFINED)
        .await
        .unwrap();
    let r = get(&t, "raw.received");
    assert_eq!(
        s(&r, "contentType").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(s(&r, "body.client_secret").as_deref(), Some("s e&c"));
    assert_eq!(s(&r, "body.client_id").as_deref(), Some("client-1"));
    assert_eq!(s(&r, "body.authorization_code").as_deref(), Some("x"));
    assert!(get(&r, "authorization").is_null());
}

#[wasm_bindgen_test]
async fn lenient_token_responses() {
    for (mode, extra) in [
        ("bearer-lowercase", ""),
        ("expires-string", ""),
        ("no-token-type", r#","requireTokenType":false"#),
    ] {
        let run = run_id(mode);
        let config = rfc_config(&run, mode, extra);
        let (_, state) = login(&config);
        let t = handle_callback(config, callback(&state, "c"), JsValue::UNDEFINED)
            .await
            .unwrap_or_else(|e| panic!("{mode}: {:?}", s(&e, "message")));
        assert_eq!(s(&t, "tokenType").as_deref(), Some("Bearer"), "{mode}");
        if mode == "expires-string" {
            assert_eq!(get(&t, "expiresIn").as_f64(), Some(120.0));
        }
    }
}

#[wasm_bindgen_test]
async fn concurrent_logins_in_one_tab_do_not_clash() {
    let run = run_id("two");
    let config = rfc_config(&run, "ok", "");
    let (_, s1) = login(&config);
    let (_, s2) = login(&config);
    assert_ne!(s1, s2);
    handle_callback(config.clone(), callback(&s2, "b"), JsValue::UNDEFINED)
        .await
        .unwrap();
    handle_callback(config, callback(&s1, "a"), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(log(&run).await.len(), 2);
}

#[wasm_bindgen_test]
async fn fragment_response_mode_is_read() {
    let run = run_id("frag");
    let config = rfc_config(&run, "ok", "");
    let (_, state) = login(&config);
    let url = format!("https://app.example/cb#state={state}&code=f");
    handle_callback(config, url.into(), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(log(&run).await.len(), 1);
}

#[wasm_bindgen_test]
async fn callback_cleans_the_address_bar() {
    let run = run_id("clean");
    let config = rfc_config(&run, "ok", "");
    let (_, state) = login(&config);
    let history = Reflect::get(&js_sys::global(), &"history".into()).unwrap();
    let location = Reflect::get(&js_sys::global(), &"location".into()).unwrap();
    let original = s(&location, "href").unwrap();
    let replace: js_sys::Function = Reflect::get(&history, &"replaceState".into())
        .unwrap()
        .unchecked_into();
    let base = original.split(['?', '#']).next().unwrap().to_string();
    let with_params = format!("{base}?keep=1&code=secret-code&state={state}&iss=x&session_state=y");
    replace
        .call3(
            &history,
            &JsValue::NULL,
            &"".into(),
            &with_params.clone().into(),
        )
        .unwrap();
    assert_eq!(s(&location, "href").as_deref(), Some(with_params.as_str()));
    handle_callback(config, JsValue::UNDEFINED, JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(s(&location, "href"), Some(format!("{base}?keep=1")));
    replace
        .call3(&history, &JsValue::NULL, &"".into(), &original.into())
        .unwrap();
}

// ---- handleCallback: refusals that send nothing -------------------------------------------

#[wasm_bindgen_test]
async fn replayed_forged_missing_and_duplicate_state_send_nothing() {
    let run = run_id("refuse");
    let config = rfc_config(&run, "ok", "");
    let (_, state) = login(&config);
    handle_callback(config.clone(), callback(&state, "once"), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(log(&run).await.len(), 1);
    // Replay (reload, back button): the transaction is gone.
    let e = callback_err(&config, callback(&state, "once")).await;
    assert_eq!(code_of(&e), "unknown_state");
    // Forged state.
    let e = callback_err(&config, callback("forged-state-value", "c")).await;
    assert_eq!(code_of(&e), "unknown_state");
    // No state at all.
    let e = callback_err(&config, "https://app.example/cb?code=c".into()).await;
    assert_eq!(code_of(&e), "missing_state");
    // Duplicate parameters.
    let (_, s2) = login(&config);
    let e = callback_err(
        &config,
        format!("https://app.example/cb?code=a&state={s2}&code=b").into(),
    )
    .await;
    assert_eq!(code_of(&e), "duplicate_parameter");
    let e = callback_err(
        &config,
        format!("https://app.example/cb?code=a&state={s2}&state={s2}").into(),
    )
    .await;
    assert_eq!(code_of(&e), "duplicate_parameter");
    assert_eq!(log(&run).await.len(), 1, "no request after the first");
    storage().remove(&format!("oauth-spa:tx:{s2}"));
}

#[wasm_bindgen_test]
async fn expired_transaction_is_refused_and_removed() {
    let run = run_id("expired");
    let config = rfc_config(&run, "ok", "");
    let (_, state) = login(&config);
    let key = format!("oauth-spa:tx:{state}");
    let tx = obj(&storage().get(&key).unwrap());
    Reflect::set(
        &tx,
        &"expiresAt".into(),
        &JsValue::from_f64(js_sys::Date::now() - 1.0),
    )
    .unwrap();
    storage().set(&key, &JSON::stringify(&tx).unwrap().as_string().unwrap());
    let e = callback_err(&config, callback(&state, "c")).await;
    assert_eq!(code_of(&e), "transaction_expired");
    assert!(storage().get(&key).is_none());
    assert_eq!(log(&run).await.len(), 0);
}

#[wasm_bindgen_test]
async fn transaction_ttl_is_honoured() {
    let run = run_id("ttl");
    let config = rfc_config(&run, "ok", r#","transactionTtlSeconds":1"#);
    let (_, state) = login(&config);
    sleep(1100).await;
    let e = callback_err(&config, callback(&state, "c")).await;
    assert_eq!(code_of(&e), "transaction_expired");
    assert_eq!(log(&run).await.len(), 0);
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let set_timeout: js_sys::Function = Reflect::get(&js_sys::global(), &"setTimeout".into())
            .unwrap()
            .unchecked_into();
        set_timeout
            .call2(&JsValue::NULL, &resolve, &JsValue::from(ms))
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

#[wasm_bindgen_test]
async fn issuer_checks_rfc9207() {
    let run = run_id("iss");
    let config = rfc_config(&run, "ok", r#","issuer":"https://honest.as.example""#);
    // Matching iss (the RFC 9207 §2.1 example value, form-encoded): accepted.
    let (_, state) = login(&config);
    handle_callback(
        config.clone(),
        format!("https://app.example/cb?code=c&state={state}&iss=https%3A%2F%2Fhonest.as.example")
            .into(),
        JsValue::UNDEFINED,
    )
    .await
    .unwrap();
    // Wrong iss: refused.
    let (_, state) = login(&config);
    let e = callback_err(
        &config,
        format!("https://app.example/cb?code=c&state={state}&iss=https%3A%2F%2Fattacker.example")
            .into(),
    )
    .await;
    assert_eq!(code_of(&e), "issuer_mismatch");
    // Missing iss where the server always sends one: refused.
    let strict = rfc_config(
        &run,
        "ok",
        r#","issuer":"https://honest.as.example","authorizationResponseIssParameterSupported":true"#,
    );
    let (_, state) = login(&strict);
    let e = callback_err(&strict, callback(&state, "c")).await;
    assert_eq!(code_of(&e), "missing_issuer");
    assert_eq!(log(&run).await.len(), 1);
}

#[wasm_bindgen_test]
async fn authorization_error_and_missing_code() {
    let run = run_id("deny");
    let config = rfc_config(&run, "ok", "");
    let (_, state) = login(&config);
    let e = callback_err(
        &config,
        format!("https://app.example/cb?error=access_denied&error_description=The+user+has+refused+access.&state={state}").into(),
    )
    .await;
    assert_eq!(code_of(&e), "authorization_error");
    assert_eq!(s(&e, "error").as_deref(), Some("access_denied"));
    assert_eq!(
        s(&e, "errorDescription").as_deref(),
        Some("The user has refused access.")
    );
    let (_, state) = login(&config);
    let e = callback_err(
        &config,
        format!("https://app.example/cb?state={state}").into(),
    )
    .await;
    assert_eq!(code_of(&e), "missing_code");
    assert_eq!(log(&run).await.len(), 0);
}

#[wasm_bindgen_test]
async fn other_client_configuration_leaves_the_transaction() {
    let run = run_id("other");
    let a = rfc_config(&run, "ok", "");
    let b = obj(&format!(
        r#"{{"clientId":"client-2","authorizationEndpoint":"https://as.example/authorize",
            "tokenEndpoint":"{}/t/{run}/ok"}}"#,
        server()
    ));
    let (_, state) = login(&a);
    let e = callback_err(&b, callback(&state, "c")).await;
    assert_eq!(code_of(&e), "unknown_state");
    // Still there for the right configuration.
    handle_callback(a, callback(&state, "c"), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(log(&run).await.len(), 1);
}

// ---- token endpoint answers ---------------------------------------------------------------

#[wasm_bindgen_test]
async fn token_endpoint_failures_have_codes() {
    let cases = [
        (
            "rfc-error-400",
            "token_error",
            Some("invalid_grant"),
            Some(400.0),
        ),
        (
            "rfc-error-401",
            "token_error",
            Some("invalid_client"),
            Some(401.0),
        ),
        (
            "rfc-error-200",
            "token_error",
            Some("bad_verification_code"),
            Some(200.0),
        ),
        ("ellipsis-error", "token_error", None, Some(400.0)),
        ("html-502", "http_error", None, Some(502.0)),
        ("invalid-json", "invalid_token_response", None, None),
        ("no-access-token", "invalid_token_response", None, None),
        ("no-token-type", "invalid_token_response", None, None),
        ("mac", "unsupported_token_type", None, None),
    ];
    for (mode, code, error, status) in cases {
        let run = run_id(mode);
        let config = rfc_config(
            &run,
            mode,
            r#","clientSecret":"hunter2-secret","clientAuth":"client_secret_post""#,
        );
        let (_, state) = login(&config);
        let e = callback_err(&config, callback(&state, "the-code-value")).await;
        assert_eq!(code_of(&e), code, "{mode}");
        assert_eq!(s(&e, "error").as_deref(), error, "{mode}");
        assert_eq!(get(&e, "status").as_f64(), status, "{mode}");
        if mode == "ellipsis-error" {
            assert_eq!(
                s(&e, "errorDescription").as_deref(),
                Some("Invalid authorization code.")
            );
        }
        // Nothing secret in what the error carries.
        let text = format!(
            "{:?} {:?} {:?}",
            s(&e, "message"),
            s(&e, "errorDescription"),
            JSON::stringify(&e).ok().and_then(|j| j.as_string())
        );
        for secret in ["the-code-value", "hunter2-secret", "at-"] {
            assert!(!text.contains(secret), "{mode}: {text}");
        }
        assert_eq!(log(&run).await.len(), 1, "{mode}: exactly one request");
    }
}

#[wasm_bindgen_test]
async fn network_failure_timeout_and_abort() {
    // Nothing listens on port 9 (discard) on loopback.
    let config = obj(
        r#"{"clientId":"c","authorizationEndpoint":"https://as.example/a","tokenEndpoint":"http://127.0.0.1:9/token"}"#,
    );
    let (_, state) = login(&config);
    let e = callback_err(&config, callback(&state, "c")).await;
    assert_eq!(code_of(&e), "network_error");

    let run = run_id("slow");
    let config = rfc_config(&run, "slow", r#","timeoutMs":300"#);
    let (_, state) = login(&config);
    let started = js_sys::Date::now();
    let e = callback_err(&config, callback(&state, "c")).await;
    assert_eq!(code_of(&e), "timeout");
    assert!(
        js_sys::Date::now() - started < 2500.0,
        "gave up at the timeout"
    );

    let config = rfc_config(&run, "slow", "");
    let (_, state) = login(&config);
    let ctrl = js_sys::eval("new AbortController()").unwrap();
    let signal = get(&ctrl, "signal");
    let opts = js_sys::Object::new();
    Reflect::set(&opts, &"signal".into(), &signal).unwrap();
    let abort: js_sys::Function = Reflect::get(&ctrl, &"abort".into())
        .unwrap()
        .unchecked_into();
    let fut = handle_callback(config.clone(), callback(&state, "c"), opts.into());
    let set_timeout: js_sys::Function = Reflect::get(&js_sys::global(), &"setTimeout".into())
        .unwrap()
        .unchecked_into();
    let bound = abort.bind0(&ctrl);
    set_timeout
        .call2(&JsValue::NULL, &bound, &JsValue::from(200))
        .unwrap();
    let e = fut.await.unwrap_err();
    assert_eq!(code_of(&e), "aborted");
}

#[wasm_bindgen_test]
async fn exchange_code_directly() {
    let run = run_id("direct");
    let config = rfc_config(&run, "echo", "");
    let pair = create_pkce_pair().unwrap();
    let params = js_sys::Object::new();
    Reflect::set(&params, &"code".into(), &"direct-code".into()).unwrap();
    Reflect::set(&params, &"codeVerifier".into(), &get(&pair, "verifier")).unwrap();
    let t = exchange_code(config.clone(), params.into(), JsValue::UNDEFINED)
        .await
        .unwrap();
    let r = get(&t, "raw.received");
    assert_eq!(s(&r, "body.code").as_deref(), Some("direct-code"));
    assert_eq!(s(&r, "verifierS256"), s(&pair, "challenge"));
    assert_eq!(
        s(&r, "body.redirect_uri").as_deref(),
        Some("https://app.example/cb")
    );
    let bad = obj(r#"{"code":"x","codeVerifier":"too-short"}"#);
    let e = exchange_code(config.clone(), bad, JsValue::UNDEFINED)
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), "invalid_verifier");
    let e = exchange_code(config, obj("{}"), JsValue::UNDEFINED)
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), "missing_code");
    assert_eq!(log(&run).await.len(), 1);
}

// ---- storage ------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn full_session_storage_gives_storage_unavailable() {
    let run = run_id("quota");
    let config = rfc_config(&run, "ok", "");
    // Fill the real sessionStorage until the browser refuses (QuotaExceededError).
    let chunk = "x".repeat(1 << 20);
    let mut filled = Vec::new();
    for i in 0..64 {
        let k = format!("filler-{i}");
        if !storage().try_set(&k, &chunk) {
            break;
        }
        filled.push(k);
    }
    // Top up with smaller pieces so not even a transaction fits.
    let small = "y".repeat(1024);
    for i in 0..20_000 {
        let k = format!("filler-s-{i}");
        if !storage().try_set(&k, &small) {
            break;
        }
        filled.push(k);
    }
    let tiny = "z".repeat(16);
    for i in 0..2_000 {
        let k = format!("f{i}");
        if !storage().try_set(&k, &tiny) {
            break;
        }
        filled.push(k);
    }
    let result = start_login(config, JsValue::UNDEFINED);
    for k in &filled {
        storage().remove(k);
    }
    let e = result.unwrap_err();
    assert_eq!(code_of(&e), "storage_unavailable");
}

/// Sweeping lists the prefix's keys in one pass (js/glue.js `skeys`): thousands of stale
/// values are removed, while other keys, keys with a newline and live logins stay.
#[wasm_bindgen_test]
fn thousands_of_stored_keys_are_swept() {
    storage().clear();
    let run = run_id("sweep-many");
    let config = rfc_config(&run, "ok", "");
    let (_, live) = login(&config);
    for i in 0..3_000 {
        storage().set(&format!("oauth-spa:tx:old{i}"), r#"{"v":1,"expiresAt":1}"#);
        storage().set(&format!("other:{i}"), "kept");
    }
    storage().set("oauth-spa:tx:with\nnewline", "not listed");
    let (_, new) = login(&config);
    let mut left = storage().keys();
    left.sort();
    assert_eq!(
        left.len(),
        3_003,
        "3000 other keys, two logins, one unlisted"
    );
    assert!(left.iter().all(|k| !k.starts_with("oauth-spa:tx:old")));
    for k in [
        format!("oauth-spa:tx:{live}"),
        format!("oauth-spa:tx:{new}"),
        "oauth-spa:tx:with\nnewline".into(),
        "other:2999".into(),
    ] {
        assert!(left.binary_search(&k).is_ok(), "{k} kept");
    }
    storage().clear();
}

#[wasm_bindgen_test]
fn expired_transactions_are_swept_on_start() {
    storage().clear();
    let run = run_id("sweep");
    let config = rfc_config(&run, "ok", "");
    let (_, old) = login(&config);
    let key = format!("oauth-spa:tx:{old}");
    let tx = obj(&storage().get(&key).unwrap());
    Reflect::set(&tx, &"expiresAt".into(), &JsValue::from_f64(1.0)).unwrap();
    storage().set(&key, &JSON::stringify(&tx).unwrap().as_string().unwrap());
    storage().set("unrelated", "kept");
    let (_, new) = login(&config);
    assert!(storage().get(&key).is_none(), "expired one swept");
    assert!(storage().get(&format!("oauth-spa:tx:{new}")).is_some());
    assert_eq!(storage().get("unrelated").as_deref(), Some("kept"));
    storage().clear();
}
