//! Browser tests of sessions: the store (memory, sessionStorage, and the shared store of
//! `storage: "localStorage"`, IndexedDB), the lock (one refresh per tab; Web Locks and the
//! IndexedDB lease across sessions sharing the store, which behave like tabs: BroadcastChannel
//! reaches other objects of the same page), the events, sign-out with RFC 7009 revocation, and
//! `refresh()`. Real
//! `fetch` against tests/support/token-server.mjs on 127.0.0.1 (its URL compiled in through
//! OAUTH_SPA_TEST_SERVER, as for tests/browser.rs); the server's per-run log counts requests.
//!
//! Run: OAUTH_SPA_TEST_SERVER=http://127.0.0.1:PORT wasm-pack test --headless --chrome . -- --test session
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Function, Object, Reflect};
use oauth_spa::wasm::{create_session, login_with_popup, popup_callback, refresh, revoke_token};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::{get, obj, s, server};

/// Runs a JS function body with `args` bound to `a`, `b`, `c` (test plumbing only).
fn js(body: &str, args: &[&JsValue]) -> JsValue {
    let f = Function::new_with_args("a, b, c", body);
    let arr = Array::new();
    for a in args {
        arr.push(a);
    }
    f.apply(&JsValue::NULL, &arr).expect("test JS")
}

async fn settle(p: JsValue) -> Result<JsValue, JsValue> {
    JsFuture::from(js_sys::Promise::resolve(&p)).await
}

/// Makes `Storage#setItem` and IndexedDB's `put` throw a `QuotaExceededError` (a full or
/// disabled storage), or, with `false`, restores them.
fn refuse_storage_writes(refuse: bool) {
    js(
        "for (const p of [Storage.prototype, IDBObjectStore.prototype]) {
           const k = p === Storage.prototype ? 'setItem' : 'put';
           if (a) {
             p.__w ??= p[k];
             p[k] = function () { throw new DOMException('full', 'QuotaExceededError'); };
           } else if (p.__w) {
             p[k] = p.__w;
             delete p.__w;
           }
         }",
        &[&refuse.into()],
    );
}

/// [`settle`], or an `Err("hung")` after `ms`: for calls that must not hang.
async fn settle_within(p: JsValue, ms: u32) -> Result<JsValue, JsValue> {
    let race = js(
        "return Promise.race([a, new Promise((_, no) => setTimeout(() => no('hung'), b))])",
        &[&p, &ms.into()],
    );
    settle(race).await
}

/// Calls `session.<method>(args...)`.
fn call(session: &JsValue, method: &str, args: &[&JsValue]) -> JsValue {
    let f: Function = get(session, method).unchecked_into();
    let arr = Array::new();
    for a in args {
        arr.push(a);
    }
    f.apply(session, &arr).expect("session method")
}

/// A fresh run id: the token server logs each run's requests apart.
fn run_id() -> String {
    let n = js_sys::Math::random().to_bits();
    ["s", &n.to_string()].concat()
}

/// The requests the token server received for `run`.
async fn log(run: &str) -> Array {
    let url = [server(), "/log/", run].concat();
    let v = settle(js("return fetch(a).then((r) => r.json())", &[&url.into()]))
        .await
        .expect("log");
    v.unchecked_into()
}

fn config(run: &str, token_mode: &str, revocation_mode: Option<&str>) -> JsValue {
    let c = obj(r#"{"clientId":"web-app","authorizationEndpoint":"https://as.example/authorize"}"#);
    let token = [server(), "/t/", run, "/", token_mode].concat();
    Reflect::set(&c, &"tokenEndpoint".into(), &token.into()).unwrap();
    if let Some(m) = revocation_mode {
        let r = [server(), "/t/", run, "/", m].concat();
        Reflect::set(&c, &"revocationEndpoint".into(), &r.into()).unwrap();
    }
    c
}

/// A TokenSet that expires `in_ms` from now.
fn tokens(at: &str, rt: &str, in_ms: f64) -> JsValue {
    let t = Object::new();
    for (k, v) in [
        ("accessToken", at),
        ("tokenType", "Bearer"),
        ("refreshToken", rt),
    ] {
        Reflect::set(&t, &k.into(), &v.into()).unwrap();
    }
    let at_ms = js_sys::Date::now() + in_ms;
    Reflect::set(&t, &"expiresAt".into(), &at_ms.into()).unwrap();
    t.into()
}

fn options(storage: &str, key: &str, t: Option<&JsValue>) -> JsValue {
    let o = Object::new();
    Reflect::set(&o, &"storage".into(), &storage.into()).unwrap();
    Reflect::set(&o, &"storageKey".into(), &key.into()).unwrap();
    if let Some(t) = t {
        Reflect::set(&o, &"tokens".into(), t).unwrap();
    }
    o.into()
}

/// A shared session (`storage: "localStorage"`) on `key`, against the token server's "ok"
/// mode, starting from what is stored.
fn shared(run: &str, key: &str) -> JsValue {
    create_session(config(run, "ok", None), options("localStorage", key, None)).unwrap()
}

/// Stores a session as the previous release did: JSON in localStorage under `key`.
fn store_as_previous_release(key: &str, at: &str, rt: &str) {
    js(
        "localStorage.setItem(a, JSON.stringify({ accessToken: b, tokenType: 'Bearer', refreshToken: c, expiresAt: Date.now() + 3600e3 }))",
        &[&key.into(), &at.into(), &rt.into()],
    );
}

/// Subscribes to all three events; returns the array they push "change:<at|null>",
/// "signedOut:<code|undefined>" and "error:<code>" into.
fn record(session: &JsValue) -> Array {
    let events = Array::new();
    js(
        "b.onChange((t) => a.push('change:' + (t ? t.accessToken : null)));
         b.onSignedOut((e) => a.push('signedOut:' + (e ? e.code + '/' + e.error : undefined)));
         b.onError((e) => a.push('error:' + e.code));",
        &[&events, session],
    );
    events
}

fn strings(a: &Array) -> Vec<String> {
    a.iter()
        .map(|v| v.as_string().unwrap_or_default())
        .collect()
}

/// Runs `body` with `s` bound to the object store of the shared sessions (IndexedDB
/// `oauth-spa`, store `s`) in a readwrite transaction and `a` to `arg`; resolves to what
/// `body` puts in `out.v` once the transaction committed.
async fn idb(body: &str, arg: &JsValue) -> JsValue {
    let f = [
        "return new Promise((ok, no) => {
           const r = indexedDB.open('oauth-spa', 1);
           r.onupgradeneeded = () => r.result.createObjectStore('s');
           r.onerror = () => no(r.error);
           r.onsuccess = () => {
             const t = r.result.transaction('s', 'readwrite'), s = t.objectStore('s'), out = {};
             t.oncomplete = () => { r.result.close(); ok(out.v); };
             t.onerror = () => no(t.error);
             ",
        body,
        "};
         })",
    ]
    .concat();
    settle(js(&f, &[arg])).await.expect("IndexedDB")
}

/// The shared session stored under `key`, as JSON text (`None` when there is none).
async fn local(key: &str) -> Option<String> {
    idb(
        "const g = s.get(a); g.onsuccess = () => { out.v = g.result === undefined ? undefined : JSON.stringify(g.result); };",
        &key.into(),
    )
    .await
    .as_string()
}

/// Waits (up to 5 s) until `session` holds the access token `at`: a shared session reads its
/// store, and adopts another tab's tokens, asynchronously.
async fn holds(session: &JsValue, at: &str) {
    settle_within(
        js(
            "return new Promise((r) => { const t = () => a.getTokens()?.accessToken === b ? r(1) : setTimeout(t, 10); t(); })",
            &[session, &at.into()],
        ),
        5000,
    )
    .await
    .expect("the session holds the tokens");
}

/// Stores `t` as the shared session under `key`, as another tab would, and tells the
/// sessions (BroadcastChannel) when `tell`.
async fn store_as_another_tab(key: &str, t: &JsValue, tell: bool) {
    let arg = js("return [a, b]", &[&key.into(), t]);
    idb("s.put(a[1], a[0]);", &arg).await;
    if tell {
        js(
            "const ch = new BroadcastChannel('oauth-spa:' + a); ch.postMessage(0); ch.close();",
            &[&key.into()],
        );
    }
}

fn session_storage(key: &str) -> Option<String> {
    js("return sessionStorage.getItem(a)", &[&key.into()]).as_string()
}

#[wasm_bindgen_test]
async fn refresh_sends_the_grant_and_returns_the_rotated_token() {
    let run = run_id();
    let t = settle(refresh(
        config(&run, "echo", None),
        "rt-old".into(),
        JsValue::UNDEFINED,
    ))
    .await
    .expect("refresh");
    let rt = s(&t, "refreshToken").unwrap();
    assert!(
        rt.starts_with("rt-") && rt != "rt-old",
        "the server's new refresh token replaced the old one"
    );
    assert_eq!(s(&t, "tokenType").as_deref(), Some("Bearer"));
    let sent = log(&run).await.get(0);
    assert_eq!(
        s(&sent, "body.grant_type").as_deref(),
        Some("refresh_token")
    );
    assert_eq!(s(&sent, "body.refresh_token").as_deref(), Some("rt-old"));
    assert_eq!(s(&sent, "body.client_id").as_deref(), Some("web-app"));
    assert_eq!(
        s(&sent, "contentType").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    // An empty scope is no scope (RFC 6749 §3.1): not sent, the grant's own one is kept (§6).
    let run3 = run_id();
    settle(refresh(
        config(&run3, "echo", None),
        "rt-old".into(),
        obj(r#"{"scope":""}"#),
    ))
    .await
    .expect("refresh");
    let sent = log(&run3).await.get(0);
    assert_eq!(s(&sent, "body.refresh_token").as_deref(), Some("rt-old"));
    assert!(
        get(&get(&sent, "body"), "scope").is_undefined(),
        "no scope="
    );
    // An empty refresh token is refused before anything is sent.
    let run2 = run_id();
    let e = settle(refresh(
        config(&run2, "ok", None),
        "".into(),
        JsValue::UNDEFINED,
    ))
    .await
    .unwrap_err();
    assert_eq!(s(&e, "code").as_deref(), Some("invalid_argument"));
    assert_eq!(log(&run2).await.length(), 0);
}

#[wasm_bindgen_test]
async fn memory_session_refreshes_within_the_skew_once_for_concurrent_callers() {
    let run = run_id();
    let session = create_session(
        config(&run, "ok", None),
        options(
            "memory",
            "unused",
            Some(&tokens("at-0", "rt-0", 3_600_000.0)),
        ),
    )
    .expect("session");
    let events = record(&session);
    // Valid for an hour: no request.
    let at = settle(call(&session, "getAccessToken", &[])).await.unwrap();
    assert_eq!(at.as_string().as_deref(), Some("at-0"));
    assert_eq!(log(&run).await.length(), 0);
    // Expires in 30 s, within the default 60 s skew: three callers, one refresh.
    call(&session, "setTokens", &[&tokens("at-1", "rt-1", 30_000.0)]);
    let all = js(
        "return Promise.all([a.getAccessToken(), a.getAccessToken(), a.getAccessToken()])",
        &[&session],
    );
    let all: Array = settle(all).await.expect("tokens").unchecked_into();
    let got = strings(&all);
    assert!(got[0].starts_with("at-") && got[0] != "at-1");
    assert!(got.iter().all(|t| *t == got[0]), "{got:?}");
    assert_eq!(log(&run).await.length(), 1, "one refresh for three callers");
    let held = call(&session, "getTokens", &[]);
    assert_ne!(s(&held, "refreshToken").as_deref(), Some("rt-1"), "rotated");
    assert_eq!(
        strings(&events),
        vec!["change:at-1".to_string(), ["change:", &got[0]].concat()]
    );
    // forceRefresh refreshes a valid token.
    let forced = settle(call(
        &session,
        "getAccessToken",
        &[&obj(r#"{"forceRefresh":true}"#)],
    ))
    .await
    .unwrap();
    assert_ne!(forced.as_string(), Some(got[0].clone()));
    assert_eq!(log(&run).await.length(), 2);
}

#[wasm_bindgen_test]
async fn tokens_with_an_unserializable_raw_still_work() {
    // The session hands Rust only the members it reads: a `raw` with a cycle, a bigint or a
    // lone surrogate (set by the app) neither signs the session out nor breaks a refresh.
    let run = run_id();
    let session = create_session(config(&run, "ok", None), JsValue::UNDEFINED).expect("session");
    let events = record(&session);
    let t = tokens("at-raw", "rt-raw", 3_600_000.0);
    js(
        "a.raw = { n: 1n, s: '\\ud800' }; a.raw.self = a.raw; a.appState = '\\ud800x';",
        &[&t],
    );
    call(&session, "setTokens", &[&t]);
    let at = settle(call(&session, "getAccessToken", &[])).await.unwrap();
    assert_eq!(at.as_string().as_deref(), Some("at-raw"));
    let forced = settle(call(
        &session,
        "getAccessToken",
        &[&obj(r#"{"forceRefresh":true}"#)],
    ))
    .await
    .expect("refreshed");
    assert_ne!(forced.as_string().as_deref(), Some("at-raw"));
    assert_eq!(log(&run).await.length(), 1);
    assert!(
        !strings(&events).iter().any(|e| e.starts_with("signedOut")),
        "{:?}",
        strings(&events)
    );
}

#[wasm_bindgen_test]
async fn skew_option_moves_the_refresh_point() {
    let run = run_id();
    let o = options("memory", "k", Some(&tokens("at-0", "rt-0", 30_000.0)));
    Reflect::set(&o, &"skewSeconds".into(), &0.into()).unwrap();
    let session = create_session(config(&run, "ok", None), o).unwrap();
    let at = settle(call(&session, "getAccessToken", &[])).await.unwrap();
    assert_eq!(
        at.as_string().as_deref(),
        Some("at-0"),
        "30 s left, no skew: still valid"
    );
    assert_eq!(log(&run).await.length(), 0);
}

#[wasm_bindgen_test]
async fn invalid_grant_signs_out_and_clears_the_store() {
    let run = run_id();
    let key = ["oauth-spa-test:", &run].concat();
    let session = create_session(
        config(&run, "rfc-error-400", None),
        options(
            "sessionStorage",
            &key,
            Some(&tokens("at-0", "rt-0", -1000.0)),
        ),
    )
    .unwrap();
    assert!(session_storage(&key).unwrap().contains("at-0"), "persisted");
    let events = record(&session);
    let e = settle(call(&session, "getAccessToken", &[]))
        .await
        .unwrap_err();
    assert_eq!(s(&e, "code").as_deref(), Some("token_error"));
    assert_eq!(s(&e, "error").as_deref(), Some("invalid_grant"));
    assert!(call(&session, "getTokens", &[]).is_null());
    assert_eq!(session_storage(&key), None);
    assert_eq!(
        strings(&events),
        vec!["change:null", "signedOut:token_error/invalid_grant"]
    );
    let again = settle(call(&session, "getAccessToken", &[]))
        .await
        .unwrap_err();
    assert_eq!(s(&again, "code").as_deref(), Some("not_signed_in"));
    assert_eq!(
        log(&run).await.length(),
        1,
        "no second refresh once signed out"
    );
}

#[wasm_bindgen_test]
async fn network_failure_keeps_the_session() {
    let c = obj(
        r#"{"clientId":"web-app","authorizationEndpoint":"https://as.example/a","tokenEndpoint":"http://127.0.0.1:9/token","timeoutMs":5000}"#,
    );
    let key = ["oauth-spa-test:", &run_id()].concat();
    let session = create_session(
        c,
        options("localStorage", &key, Some(&tokens("at-0", "rt-0", -1000.0))),
    )
    .unwrap();
    let events = record(&session);
    let e = settle(call(&session, "getAccessToken", &[]))
        .await
        .unwrap_err();
    assert_eq!(s(&e, "code").as_deref(), Some("network_error"));
    assert_eq!(
        s(&call(&session, "getTokens", &[]), "refreshToken").as_deref(),
        Some("rt-0")
    );
    assert!(local(&key).await.unwrap().contains("rt-0"));
    assert_eq!(strings(&events), vec!["error:network_error"]);
    call(&session, "close", &[]);
    idb("s.delete(a);", &key.clone().into()).await;
}

#[wasm_bindgen_test]
async fn persisted_sessions_survive_a_new_session_object() {
    for storage in ["sessionStorage", "localStorage"] {
        let run = run_id();
        let key = ["oauth-spa-test:", &run].concat();
        let first = create_session(
            config(&run, "ok", None),
            options(storage, &key, Some(&tokens("at-p", "rt-p", 3_600_000.0))),
        )
        .unwrap();
        // A reload: a new session object with the same key reads the stored tokens.
        let second =
            create_session(config(&run, "ok", None), options(storage, &key, None)).unwrap();
        let at = settle(call(&second, "getAccessToken", &[])).await.unwrap();
        assert_eq!(at.as_string().as_deref(), Some("at-p"), "{storage}");
        // Memory sessions never touch storage.
        let mem = create_session(config(&run, "ok", None), options("memory", &key, None)).unwrap();
        assert!(call(&mem, "getTokens", &[]).is_null(), "{storage}");
        settle(call(&first, "signOut", &[])).await.unwrap();
        let stored = match storage {
            "localStorage" => local(&key).await,
            _ => session_storage(&key),
        };
        assert!(
            stored.is_none(),
            "{storage}: sign-out removed the stored session"
        );
        call(&first, "close", &[]);
        call(&second, "close", &[]);
    }
}

/// Two session objects on one localStorage key behave like two tabs: the lock lets one
/// refresh, the other adopts its result under the lock.
async fn two_sessions_share_one_refresh(without_web_locks: bool) {
    if without_web_locks {
        js(
            "Object.defineProperty(navigator, 'locks', { value: undefined, configurable: true })",
            &[],
        );
    }
    let run = run_id();
    let key = ["oauth-spa-test:", &run].concat();
    let a = create_session(
        config(&run, "ok", None),
        options("localStorage", &key, Some(&tokens("at-0", "rt-0", -1000.0))),
    )
    .unwrap();
    let b = shared(&run, &key);
    let both = js(
        "return Promise.all([a.getAccessToken(), b.getAccessToken()])",
        &[&a, &b],
    );
    let both: Array = settle(both).await.expect("tokens").unchecked_into();
    let got = strings(&both);
    assert_eq!(log(&run).await.length(), 1, "exactly one refresh request");
    assert_eq!(got[0], got[1]);
    assert_ne!(got[0], "at-0");
    assert!(local(&key).await.unwrap().contains(&got[0]));
    assert_eq!(
        local(&[&key, ":lease"].concat()).await,
        None,
        "the lease is released"
    );
    settle(call(&a, "signOut", &[])).await.unwrap();
    call(&a, "close", &[]);
    call(&b, "close", &[]);
    if without_web_locks {
        js("delete navigator.locks", &[]);
    }
}

#[wasm_bindgen_test]
async fn shared_sessions_refresh_once_with_web_locks() {
    assert!(!get(&js("return navigator", &[]), "locks").is_undefined());
    two_sessions_share_one_refresh(false).await;
}

#[wasm_bindgen_test]
async fn shared_sessions_refresh_once_with_the_lease_fallback() {
    two_sessions_share_one_refresh(true).await;
}

#[wasm_bindgen_test]
async fn sign_out_revokes_refresh_then_access_token_and_always_clears() {
    let run = run_id();
    let session = create_session(
        config(&run, "ok", Some("echo")),
        options("memory", "k", Some(&tokens("at-9", "rt-9", 3_600_000.0))),
    )
    .unwrap();
    let events = record(&session);
    settle(call(&session, "signOut", &[])).await.unwrap();
    let sent = log(&run).await;
    assert_eq!(sent.length(), 2);
    assert_eq!(s(&sent.get(0), "body.token").as_deref(), Some("rt-9"));
    assert_eq!(
        s(&sent.get(0), "body.token_type_hint").as_deref(),
        Some("refresh_token")
    );
    assert_eq!(
        s(&sent.get(0), "body.client_id").as_deref(),
        Some("web-app")
    );
    assert_eq!(s(&sent.get(1), "body.token").as_deref(), Some("at-9"));
    assert_eq!(
        s(&sent.get(1), "body.token_type_hint").as_deref(),
        Some("access_token")
    );
    assert!(call(&session, "getTokens", &[]).is_null());
    assert_eq!(strings(&events), vec!["change:null", "signedOut:undefined"]);

    // The revocation endpoint is unreachable: local state is cleared all the same.
    let c = config(&run_id(), "ok", None);
    Reflect::set(
        &c,
        &"revocationEndpoint".into(),
        &"http://127.0.0.1:9/revoke".into(),
    )
    .unwrap();
    let session = create_session(
        c,
        options("memory", "k", Some(&tokens("at-8", "rt-8", 3_600_000.0))),
    )
    .unwrap();
    let events = record(&session);
    settle(call(&session, "signOut", &[])).await.unwrap();
    assert!(call(&session, "getTokens", &[]).is_null());
    assert_eq!(
        strings(&events),
        vec!["change:null", "signedOut:undefined", "error:network_error"]
    );
}

#[wasm_bindgen_test]
async fn revoke_token_and_bad_arguments() {
    let run = run_id();
    let e = settle(revoke_token(
        config(&run, "ok", None),
        "t".into(),
        JsValue::UNDEFINED,
    ))
    .await
    .unwrap_err();
    assert_eq!(
        s(&e, "code").as_deref(),
        Some("invalid_config"),
        "no revocationEndpoint"
    );
    settle(revoke_token(
        config(&run, "ok", Some("echo")),
        "t".into(),
        obj(r#"{"tokenTypeHint":"access_token"}"#),
    ))
    .await
    .expect("revoked");
    assert_eq!(
        s(&log(&run).await.get(0), "body.token_type_hint").as_deref(),
        Some("access_token")
    );
    let bad = |o: &str| create_session(config(&run, "ok", None), obj(o)).unwrap_err();
    for (o, field) in [
        (r#"{"storage":"cookies"}"#, "options.storage"),
        (r#"{"skewSeconds":-1}"#, "options.skewSeconds"),
        (r#"{"tokens":{"accessToken":""}}"#, "options.tokens"),
    ] {
        let e = bad(o);
        assert_eq!(s(&e, "code").as_deref(), Some("invalid_argument"), "{o}");
        assert!(s(&e, "message").unwrap().contains(field), "{o}");
    }
    assert!(!popup_callback(), "this window is no popup");
}

#[wasm_bindgen_test]
async fn ellipsis_refresh_is_json_with_basic_auth() {
    let run = run_id();
    let c = config(&run, "echo", None);
    Reflect::set(&c, &"dialect".into(), &"ellipsis".into()).unwrap();
    Reflect::set(&c, &"clientSecret".into(), &"s3cret".into()).unwrap();
    let t = settle(refresh(c, "rt-e".into(), JsValue::UNDEFINED))
        .await
        .expect("refresh");
    assert!(s(&t, "accessToken").is_some());
    let sent = log(&run).await.get(0);
    assert_eq!(s(&sent, "contentType").as_deref(), Some("application/json"));
    assert_eq!(
        s(&sent, "body.grant_type").as_deref(),
        Some("refresh_token")
    );
    assert_eq!(s(&sent, "body.refresh_token").as_deref(), Some("rt-e"));
    assert!(
        get(&sent, "body.client_secret").is_undefined(),
        "the secret goes in Basic"
    );
    // base64("web-app:s3cret")
    assert_eq!(
        s(&sent, "authorization").as_deref(),
        Some("Basic d2ViLWFwcDpzM2NyZXQ=")
    );
}

#[wasm_bindgen_test]
async fn sign_out_during_a_refresh_is_not_undone_by_it() {
    // The token endpoint answers after 3 s; the user signs out meanwhile.
    let run = run_id();
    let session = create_session(
        config(&run, "slow", Some("echo")),
        options("memory", "k", Some(&tokens("at-0", "rt-0", -1000.0))),
    )
    .unwrap();
    let events = record(&session);
    let pending = call(&session, "getAccessToken", &[]);
    settle(call(&session, "signOut", &[])).await.unwrap();
    let e = settle(pending).await.unwrap_err();
    assert_eq!(s(&e, "code").as_deref(), Some("not_signed_in"));
    assert!(
        call(&session, "getTokens", &[]).is_null(),
        "the late refresh result was dropped"
    );
    assert_eq!(strings(&events), vec!["change:null", "signedOut:undefined"]);
    // The refresh, the sign-out's two revocations (rt-0, at-0), then the late answer's tokens
    // revoked too: its rotated refresh token must not stay valid.
    // The refresh and the sign-out's first revocation leave in the same task, so the server
    // may log them in either order: the refresh is found by its grant, the revocations keep
    // their order.
    let sent = log(&run).await;
    let is_refresh = |r: &JsValue| s(r, "body.grant_type").as_deref() == Some("refresh_token");
    let bodies: Vec<(String, String)> = sent
        .iter()
        .filter(|r| !is_refresh(r))
        .map(|r| {
            (
                s(&r, "body.token").unwrap_or_default(),
                s(&r, "body.token_type_hint").unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(sent.length(), 5, "{bodies:?}");
    assert_eq!(sent.iter().filter(|r| is_refresh(r)).count(), 1);
    assert_eq!(bodies[0], ("rt-0".into(), "refresh_token".into()));
    assert_eq!(bodies[1], ("at-0".into(), "access_token".into()));
    assert!(
        bodies[2].0.starts_with("rt-") && bodies[2].0 != "rt-0",
        "{bodies:?}"
    );
    assert_eq!(bodies[2].1, "refresh_token");
    assert!(
        bodies[3].0.starts_with("at-") && bodies[3].0 != "at-0",
        "{bodies:?}"
    );
}

#[wasm_bindgen_test]
async fn a_shared_session_survives_refreshes_that_keep_the_access_token() {
    // RFC 6749 §6 does not require a new access token: two forced refreshes that return the
    // same one (with a rotated refresh token) must each finish, and sign-out too.
    let run = run_id();
    let key = ["oauth-spa-test:", &run].concat();
    let session = create_session(
        config(&run, "same-access", None),
        options(
            "localStorage",
            &key,
            Some(&tokens("at-same", "rt-0", 3_600_000.0)),
        ),
    )
    .unwrap();
    let force = obj(r#"{"forceRefresh":true}"#);
    for _ in 0..3 {
        let at = settle_within(call(&session, "getAccessToken", &[&force]), 5000)
            .await
            .expect("a forced refresh finishes");
        assert_eq!(at.as_string().as_deref(), Some("at-same"));
    }
    assert_eq!(log(&run).await.length(), 3);
    let stored = local(&key).await.unwrap();
    let rt = s(&call(&session, "getTokens", &[]), "refreshToken").unwrap();
    assert!(
        stored.contains(&rt) && rt != "rt-0",
        "the rotated refresh token is stored"
    );
    settle_within(call(&session, "signOut", &[]), 5000)
        .await
        .expect("sign-out finishes");
    assert_eq!(local(&key).await, None);
    call(&session, "close", &[]);
}

#[wasm_bindgen_test]
async fn a_shared_session_that_cannot_save_still_refreshes() {
    // localStorage refuses writes (quota): the session reports it and keeps working from
    // memory instead of reading the stale stored copy as a sign-out.
    let run = run_id();
    let key = ["oauth-spa-test:", &run].concat();
    let session = create_session(
        config(&run, "ok", None),
        options(
            "localStorage",
            &key,
            Some(&tokens("at-old", "rt-old", 3_600_000.0)),
        ),
    )
    .unwrap();
    let events = record(&session);
    refuse_storage_writes(true);
    call(&session, "setTokens", &[&tokens("at-1", "rt-1", 10_000.0)]);
    let got = settle_within(call(&session, "getAccessToken", &[]), 5000).await;
    refuse_storage_writes(false);
    let at = got.expect("refreshed");
    assert!(at.as_string().unwrap().starts_with("at-"));
    assert_ne!(at.as_string().as_deref(), Some("at-1"));
    assert_eq!(log(&run).await.length(), 1, "one refresh sent");
    assert_eq!(
        s(&log(&run).await.get(0), "body.refresh_token").as_deref(),
        Some("rt-1")
    );
    let ev = strings(&events);
    assert!(
        ev.contains(&"error:storage_unavailable".to_string()),
        "{ev:?}"
    );
    assert!(!ev.iter().any(|e| e.starts_with("signedOut")), "{ev:?}");

    // A TokenSet JSON cannot hold (a cycle in `raw`) over an older stored one: the same.
    let t = tokens("at-2", "rt-2", 10_000.0);
    js("a.raw = {}; a.raw.self = a.raw;", &[&t]);
    call(&session, "setTokens", &[&t]);
    let at = settle_within(call(&session, "getAccessToken", &[]), 5000)
        .await
        .expect("refreshed, no TypeError");
    assert_ne!(at.as_string().as_deref(), Some("at-2"));
    assert_eq!(
        s(&log(&run).await.get(1), "body.refresh_token").as_deref(),
        Some("rt-2")
    );
    settle(call(&session, "signOut", &[])).await.unwrap();
    call(&session, "close", &[]);
}

#[wasm_bindgen_test]
async fn an_unreadable_stored_expiry_means_expired() {
    // A hand-edited or corrupted stored session whose expiresAt is not a number is refreshed,
    // not served as if it never expired.
    let run = run_id();
    let key = ["oauth-spa-test:", &run].concat();
    js(
        "localStorage.setItem(a, JSON.stringify({ accessToken: 'at-x', refreshToken: 'rt-x', expiresAt: '2020-01-01' }))",
        &[&key.clone().into()],
    );
    let session = shared(&run, &key);
    let at = settle(call(&session, "getAccessToken", &[]))
        .await
        .expect("refreshed");
    assert_ne!(at.as_string().as_deref(), Some("at-x"));
    assert_eq!(
        s(&log(&run).await.get(0), "body.refresh_token").as_deref(),
        Some("rt-x")
    );
    settle(call(&session, "signOut", &[])).await.unwrap();
    call(&session, "close", &[]);
}

#[wasm_bindgen_test]
async fn a_sign_out_is_not_undone_by_another_tabs_refresh_it_waited_for() {
    // Tab B refreshes (slowly, holding the lock); tab A signs out meanwhile and waits for the
    // lock. B's new tokens reach A (B's notice) before A's sign-out clears the store: A must not
    // adopt them, and the sign-out revokes them.
    let run = run_id();
    let key = ["oauth-spa-test:", &run].concat();
    let a = create_session(
        config(&run, "slow", Some("echo")),
        options(
            "localStorage",
            &key,
            Some(&tokens("at-0", "rt-0", 3_600_000.0)),
        ),
    )
    .unwrap();
    let b = create_session(
        config(&run, "slow", Some("echo")),
        options("localStorage", &key, None),
    )
    .unwrap();
    // The shared store is asynchronous (IndexedDB): B holds A's tokens once it read them.
    holds(&b, "at-0").await;
    let refreshing = call(&b, "getAccessToken", &[&obj(r#"{"forceRefresh":true}"#)]);
    let signing_out = call(&a, "signOut", &[]);
    let at1 = settle(refreshing).await.expect("B refreshed");
    settle_within(signing_out, 5000)
        .await
        .expect("A signed out");
    assert!(
        call(&a, "getTokens", &[]).is_null(),
        "A holds no tokens after its sign-out"
    );
    assert_eq!(local(&key).await, None);
    let revoked: Vec<String> = log(&run)
        .await
        .iter()
        .filter_map(|r| s(&r, "body.token"))
        .collect();
    assert!(revoked.contains(&at1.as_string().unwrap()), "{revoked:?}");
    call(&a, "close", &[]);
    call(&b, "close", &[]);
}

#[wasm_bindgen_test]
async fn after_a_failed_write_another_tabs_newer_tokens_count_again() {
    // A's write fails once; then other tabs write T1 (A gets the notice) and T2 (A's notice is
    // late). A's forced refresh must read the store (T2, fresh: used as it is) instead of
    // spending T1's rotated refresh token from memory.
    let run = run_id();
    let key = ["oauth-spa-test:", &run].concat();
    let a = shared(&run, &key);
    refuse_storage_writes(true);
    call(&a, "setTokens", &[&tokens("at-0", "rt-0", 3_600_000.0)]);
    let _ = settle_within(
        js("return new Promise((r) => setTimeout(r, 100))", &[]),
        1000,
    )
    .await;
    refuse_storage_writes(false);
    store_as_another_tab(&key, &tokens("at-1", "rt-1", 3_600_000.0), true).await;
    holds(&a, "at-1").await; // A adopted the other tab's tokens
    store_as_another_tab(&key, &tokens("at-2", "rt-2", 3_600_000.0), false).await;
    let at = settle(call(
        &a,
        "getAccessToken",
        &[&obj(r#"{"forceRefresh":true}"#)],
    ))
    .await
    .expect("token");
    assert_eq!(
        at.as_string().as_deref(),
        Some("at-2"),
        "the stored, newer tokens"
    );
    assert_eq!(
        log(&run).await.length(),
        0,
        "no refresh with the spent rt-1"
    );
    call(&a, "close", &[]);
    idb("s.delete(a);", &key.into()).await;
}

#[wasm_bindgen_test]
async fn refreshes_that_change_nothing_do_not_stall() {
    // Same access token, same refresh token, no expires_in: nothing to wait for, in this tab
    // or another one.
    let run = run_id();
    let key = ["oauth-spa-test:", &run].concat();
    let t = js(
        "return { accessToken: 'at-same', tokenType: 'Bearer', refreshToken: 'rt-same' }",
        &[],
    );
    let session = create_session(
        config(&run, "same-set", None),
        options("localStorage", &key, Some(&t)),
    )
    .unwrap();
    let force = obj(r#"{"forceRefresh":true}"#);
    for _ in 0..3 {
        let ms = settle(js(
            "const t0 = performance.now(); return a.getAccessToken(b).then(() => performance.now() - t0)",
            &[&session, &force],
        ))
        .await
        .expect("refreshed")
        .as_f64()
        .unwrap();
        assert!(ms < 1000.0, "a refresh took {ms} ms");
    }
    assert_eq!(log(&run).await.length(), 3);
    settle(call(&session, "signOut", &[])).await.unwrap();
    call(&session, "close", &[]);
}

#[wasm_bindgen_test]
async fn tokens_set_during_a_refresh_win_and_the_late_result_is_revoked() {
    let run = run_id();
    let session = create_session(
        config(&run, "slow", Some("echo")),
        options("memory", "k", Some(&tokens("at-0", "rt-0", 3_600_000.0))),
    )
    .unwrap();
    let pending = call(
        &session,
        "getAccessToken",
        &[&obj(r#"{"forceRefresh":true}"#)],
    );
    call(
        &session,
        "setTokens",
        &[&tokens("at-new", "rt-new", 3_600_000.0)],
    );
    let at = settle(pending).await.expect("a token");
    assert_eq!(at.as_string().as_deref(), Some("at-new"));
    assert_eq!(
        s(&call(&session, "getTokens", &[]), "accessToken").as_deref(),
        Some("at-new"),
        "the late refresh result did not overwrite the new tokens"
    );
    let sent = log(&run).await;
    assert_eq!(sent.length(), 3, "the refresh, then its two tokens revoked");
    let late_rt = s(&sent.get(1), "body.token").unwrap();
    assert!(late_rt.starts_with("rt-") && late_rt != "rt-0" && late_rt != "rt-new");
}

#[wasm_bindgen_test]
async fn infinity_expires_at_means_never() {
    let run = run_id();
    let t = js(
        "return { accessToken: 'at-inf', tokenType: 'Bearer', refreshToken: 'rt', expiresAt: Infinity }",
        &[],
    );
    let session =
        create_session(config(&run, "ok", None), options("memory", "k", Some(&t))).unwrap();
    let at = settle(call(&session, "getAccessToken", &[]))
        .await
        .expect("token");
    assert_eq!(at.as_string().as_deref(), Some("at-inf"));
    assert_eq!(log(&run).await.length(), 0);
    // Shared: the stored copy (JSON has no Infinity: null) is the same session, so a forced
    // refresh refreshes at once instead of "adopting" it.
    let key = ["oauth-spa-test:", &run].concat();
    let shared = create_session(
        config(&run, "ok", None),
        options("localStorage", &key, Some(&t)),
    )
    .unwrap();
    let events = record(&shared);
    let at = settle(call(
        &shared,
        "getAccessToken",
        &[&obj(r#"{"forceRefresh":true}"#)],
    ))
    .await
    .expect("refreshed");
    assert_ne!(at.as_string().as_deref(), Some("at-inf"));
    assert_eq!(log(&run).await.length(), 1);
    assert_eq!(strings(&events).len(), 1, "{:?}", strings(&events));
    settle(call(&shared, "signOut", &[])).await.unwrap();
    call(&shared, "close", &[]);
}

#[wasm_bindgen_test]
async fn the_lease_fallback_survives_a_storage_that_throws() {
    // No Web Locks and a localStorage that refuses writes: the refresh still happens (from
    // memory, without a lease) and nothing but OAuthErrors come out.
    js(
        "Object.defineProperty(navigator, 'locks', { value: undefined, configurable: true })",
        &[],
    );
    let run = run_id();
    let key = ["oauth-spa-test:", &run].concat();
    let session = create_session(
        config(&run, "ok", None),
        options("localStorage", &key, Some(&tokens("at-0", "rt-0", -1000.0))),
    )
    .unwrap();
    refuse_storage_writes(true);
    let got = settle_within(call(&session, "getAccessToken", &[]), 5000).await;
    refuse_storage_writes(false);
    js("delete navigator.locks", &[]);
    let at = got.expect("refreshed, no DOMException");
    assert!(at.as_string().unwrap().starts_with("at-"));
    assert_ne!(at.as_string().as_deref(), Some("at-0"));
    assert_eq!(log(&run).await.length(), 1);
    call(&session, "close", &[]);
    idb("s.delete(a);", &key.clone().into()).await;
}

/// `loginWithPopup` with an authorization endpoint whose query repeats a parameter: the opener
/// expects the `state` its login made (not one read back from the authorization URL, which
/// has `iss` twice), so the popup's answer is exchanged. A real popup window; the answer is
/// posted from inside it, from its first document (same origin as the opener, before the
/// authorization server's page replaces it; its `location.origin` is "null", so the target
/// is `self.origin`), as `popupCallback` posts it on the redirect page.
#[wasm_bindgen_test]
async fn popup_sign_in_with_a_repeated_parameter_in_the_authorization_endpoint() {
    let run = run_id();
    let c = config(&run, "ok", None);
    let prefix = ["oauth-spa:popup:", &run, ":"].concat();
    for (k, v) in [
        (
            "authorizationEndpoint",
            "https://as.example/authorize?iss=a&iss=b",
        ),
        ("redirectUri", "https://app.example/cb"),
        ("storageKeyPrefix", &prefix),
    ] {
        Reflect::set(&c, &k.into(), &v.into()).unwrap();
    }
    // Keep the window the library opens (it stays the real one).
    js(
        "const open = window.open;
         window.open = function (...args) { return (window.__popup = open.apply(this, args)); };
         window.__open = open;",
        &[],
    );
    let result = login_with_popup(c, JsValue::UNDEFINED);
    js("window.open = window.__open; delete window.__open;", &[]);
    // The state of the login: the suffix of its transaction's key.
    let state = js(
        "return Object.keys(sessionStorage).find((k) => k.startsWith(a)).slice(a.length)",
        &[&prefix.clone().into()],
    )
    .as_string()
    .expect("the login's transaction");
    let answer = ["https://app.example/cb?code=c0de&state=", &state].concat();
    js(
        "const w = window.__popup;
         const s = w.document.createElement('script');
         s.textContent = 'opener.postMessage({ type: \"oauth-spa:callback\", url: '
           + JSON.stringify(a) + ' }, self.origin)';
         w.document.documentElement.appendChild(s);",
        &[&answer.into()],
    );
    let outcome = settle_within(result, 10_000).await;
    js("window.__popup.close(); delete window.__popup;", &[]);
    let tokens = outcome.unwrap_or_else(|e| {
        panic!(
            "loginWithPopup failed: {:?} {:?}",
            s(&e, "code"),
            s(&e, "message")
        )
    });
    assert!(s(&tokens, "accessToken").is_some_and(|t| t.starts_with("at-")));
    let requests = log(&run).await;
    assert_eq!(requests.length(), 1, "one code exchange");
    assert_eq!(s(&requests.get(0), "body.code").as_deref(), Some("c0de"));
    let left = js(
        "return Object.keys(sessionStorage).filter((k) => k.startsWith(a)).length",
        &[&prefix.into()],
    );
    assert_eq!(left.as_f64(), Some(0.0), "the transaction is consumed");
}

#[wasm_bindgen_test]
async fn a_session_stored_by_the_previous_release_moves_to_indexeddb() {
    // The previous release kept the shared session as JSON in localStorage under the key: the
    // first read takes it into IndexedDB and removes it from localStorage.
    let run = run_id();
    let key = ["oauth-spa-test:", &run].concat();
    store_as_previous_release(&key, "at-m", "rt-m");
    let session = shared(&run, &key);
    let at = settle(call(&session, "getAccessToken", &[]))
        .await
        .expect("the migrated session");
    assert_eq!(at.as_string().as_deref(), Some("at-m"));
    assert!(
        js("return localStorage.getItem(a)", &[&key.clone().into()]).is_null(),
        "removed from localStorage"
    );
    assert!(local(&key).await.unwrap().contains("rt-m"), "in IndexedDB");
    assert_eq!(log(&run).await.length(), 0);
    settle(call(&session, "signOut", &[])).await.unwrap();
    assert_eq!(local(&key).await, None);
    call(&session, "close", &[]);
}

#[wasm_bindgen_test]
async fn a_migration_that_cannot_be_written_keeps_the_previous_releases_copy() {
    // IndexedDB refuses the write that would take the previous release's session in: the
    // localStorage copy stays (removing it first would lose the session), and a later
    // session, with a working store, moves it.
    let run = run_id();
    let key = ["oauth-spa-test:", &run].concat();
    store_as_previous_release(&key, "at-k", "rt-k");
    refuse_storage_writes(true);
    let session = shared(&run, &key);
    let events = record(&session);
    let got = settle_within(call(&session, "getAccessToken", &[]), 5000).await;
    refuse_storage_writes(false);
    assert_ne!(
        got.as_ref().err().and_then(|e| e.as_string()).as_deref(),
        Some("hung")
    );
    let ev = strings(&events);
    assert!(
        ev.contains(&"error:storage_unavailable".to_string()),
        "{ev:?}"
    );
    assert!(!ev.iter().any(|e| e.starts_with("signedOut")), "{ev:?}");
    let kept = js("return localStorage.getItem(a)", &[&key.clone().into()]);
    assert!(
        kept.as_string().is_some_and(|t| t.contains("rt-k")),
        "the previous release's copy is kept"
    );
    assert_eq!(local(&key).await, None, "nothing half-written in IndexedDB");
    call(&session, "close", &[]);

    let session = shared(&run, &key);
    let at = settle(call(&session, "getAccessToken", &[]))
        .await
        .expect("the migrated session");
    assert_eq!(at.as_string().as_deref(), Some("at-k"));
    assert!(
        js("return localStorage.getItem(a)", &[&key.clone().into()]).is_null(),
        "removed from localStorage once in IndexedDB"
    );
    assert!(local(&key).await.unwrap().contains("rt-k"), "in IndexedDB");
    assert_eq!(log(&run).await.length(), 0, "nothing sent");
    settle(call(&session, "signOut", &[])).await.unwrap();
    call(&session, "close", &[]);
}

#[wasm_bindgen_test]
async fn without_indexeddb_a_shared_session_works_from_memory_and_says_so() {
    // Apple's Lockdown Mode has no IndexedDB: the shared session keeps its tokens in memory,
    // refreshes, and reports storage_unavailable through onError, without signing out.
    js(
        "window.__idb = Object.getOwnPropertyDescriptor(window, 'indexedDB');
         Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });",
        &[],
    );
    let run = run_id();
    let key = ["oauth-spa-test:", &run].concat();
    let session = create_session(
        config(&run, "ok", None),
        options("localStorage", &key, Some(&tokens("at-0", "rt-0", -1000.0))),
    )
    .unwrap();
    let events = record(&session);
    let got = settle_within(call(&session, "getAccessToken", &[]), 5000).await;
    js(
        "Object.defineProperty(window, 'indexedDB', window.__idb); delete window.__idb;",
        &[],
    );
    let at = got.expect("refreshed from memory");
    assert!(at.as_string().unwrap().starts_with("at-"));
    assert_ne!(at.as_string().as_deref(), Some("at-0"));
    assert_eq!(log(&run).await.length(), 1, "one refresh");
    let ev = strings(&events);
    assert!(
        ev.contains(&"error:storage_unavailable".to_string()),
        "{ev:?}"
    );
    assert!(!ev.iter().any(|e| e.starts_with("signedOut")), "{ev:?}");
    assert_eq!(
        s(&call(&session, "getTokens", &[]), "accessToken").as_deref(),
        at.as_string().as_deref()
    );
    call(&session, "close", &[]);
}
