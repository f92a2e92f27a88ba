//! Integration tests: the real binary on port 0, real HTTP over TCP.

mod support;

use serde_json::json;
use support::*;

// ---------------------------------------------------------------- Ellipsis dialect (/v3)

#[test]
fn ellipsis_json_body_public_client_full_flow() {
    let s = Server::start(&[]);
    let p = s.authorize("v3", "spa", &[]);
    assert_eq!(param(&p, "state"), Some("st"));
    assert_eq!(param(&p, "iss"), None, "Ellipsis responses carry no iss");
    let code = param(&p, "code").unwrap();
    assert_eq!(code.len(), 43);

    let r = s.post_json(
        "/v3/oauth/token",
        &json!({
            "grant_type": "authorization_code",
            "client_id": "spa",
            "authorization_code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": VERIFIER,
        }),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    let t = r.json();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 3600);
    assert_eq!(t["scope"], "projects");
    let access = t["access_token"].as_str().unwrap();
    assert!(t["refresh_token"].as_str().is_some_and(|r| r != access));

    let me = s.get_with(
        "/v3/account",
        &[("Authorization", &format!("Bearer {access}"))],
    );
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["sub"], "demo-user");
    assert_eq!(me.json()["client_id"], "spa");

    let no = s.get("/v3/account");
    assert_eq!(no.status, 401);
    assert!(no.header("www-authenticate").unwrap().starts_with("Bearer"));
    let bad = s.get_with("/v3/account", &[("Authorization", "Bearer nope")]);
    assert_eq!(bad.status, 401);
    assert!(bad
        .header("www-authenticate")
        .unwrap()
        .contains("invalid_token"));
}

#[test]
fn ellipsis_form_body_with_basic_auth_decoded_per_rfc6749_2_3_1() {
    let s = Server::start(&[]);
    let code = s.code("v3", "conf");
    let r = s.post_form(
        "/v3/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("authorization_code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
        &[("Authorization", &basic("conf", CONF_SECRET))],
    );
    assert_eq!(r.status, 200, "{}", r.body);

    // The same credentials base64-encoded without form-encoding first: '+' reads as a space,
    // so the secret is wrong. 401 with a Basic challenge.
    let code = s.code("v3", "conf");
    let raw = format!("Basic {}", base64(format!("conf:{CONF_SECRET}").as_bytes()));
    let r = s.post_form(
        "/v3/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("authorization_code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
        &[("Authorization", &raw)],
    );
    r.assert_oauth_error(401, "invalid_client");
    assert!(r.header("www-authenticate").unwrap().starts_with("Basic "));

    // Not base64 at all.
    let r = s.post_form(
        "/v3/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("authorization_code", "x"),
        ],
        &[("Authorization", "Basic ***")],
    );
    r.assert_oauth_error(401, "invalid_client");
    assert!(r.header("www-authenticate").is_some());
}

#[test]
fn client_secret_post_and_client_authentication_rules() {
    let s = Server::start(&[]);
    let token = |pairs: &[(&str, &str)], headers: &[(&str, &str)]| {
        let code = s.code("v3", "conf");
        let mut all = vec![
            ("grant_type", "authorization_code"),
            ("authorization_code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ];
        all.extend_from_slice(pairs);
        s.post_form("/v3/oauth/token", &all, headers)
    };
    // client_secret_post works, JSON too.
    let r = token(
        &[("client_id", "conf"), ("client_secret", CONF_SECRET)],
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // Both Basic and client_secret: more than one method.
    let d = token(
        &[("client_secret", CONF_SECRET)],
        &[("Authorization", &basic("conf", CONF_SECRET))],
    )
    .assert_oauth_error(400, "invalid_request");
    assert!(d.contains("both"), "{d}");
    // Basic plus a different client_id in the body.
    token(
        &[("client_id", "spa")],
        &[("Authorization", &basic("conf", CONF_SECRET))],
    )
    .assert_oauth_error(400, "invalid_request");
    // Confidential client without a secret.
    token(&[("client_id", "conf")], &[]).assert_oauth_error(400, "invalid_client");
    // Wrong secret in the body: 400 (no Basic attempt, so no 401 challenge).
    let r = token(&[("client_id", "conf"), ("client_secret", "wrong")], &[]);
    r.assert_oauth_error(400, "invalid_client");
    assert!(r.header("www-authenticate").is_none());
    // No client identification at all.
    token(&[], &[]).assert_oauth_error(400, "invalid_client");
    // A public client must not send a secret.
    let code = s.code("v3", "spa");
    s.post_form(
        "/v3/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "spa"),
            ("client_secret", "x"),
            ("authorization_code", &code),
            ("code_verifier", VERIFIER),
            ("redirect_uri", REDIRECT),
        ],
        &[],
    )
    .assert_oauth_error(400, "invalid_client");
    // A public client may identify itself with Basic and an empty password.
    let code = s.code("v3", "spa");
    let r = s.post_form(
        "/v3/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("authorization_code", &code),
            ("code_verifier", VERIFIER),
            ("redirect_uri", REDIRECT),
        ],
        &[("Authorization", &basic("spa", ""))],
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn dialects_read_the_code_from_different_parameters() {
    let s = Server::start(&[]);
    // Ellipsis reads authorization_code; `code` is not it.
    let code = s.code("v3", "spa");
    let d = s
        .post_form(
            "/v3/oauth/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "spa"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
            &[],
        )
        .assert_oauth_error(400, "invalid_request");
    assert!(d.contains("authorization_code"), "{d}");
    // The code was not presented under its name, so it still works.
    assert_eq!(s.exchange("v3", &code).status, 200);

    // RFC reads `code`; authorization_code is not it.
    let code = s.code("rfc", "spa");
    s.post_form(
        "/rfc/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "spa"),
            ("authorization_code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
        &[],
    )
    .assert_oauth_error(400, "invalid_request");
    assert_eq!(s.exchange("rfc", &code).status, 200);

    // Ellipsis JSON bodies hold strings only; other media types are refused in both dialects.
    let code = s.code("v3", "spa");
    let d = s
        .post_json(
            "/v3/oauth/token",
            &json!({"grant_type": "authorization_code", "client_id": "spa",
                    "authorization_code": code, "redirect_uri": REDIRECT, "code_verifier": 42}),
            &[],
        )
        .assert_oauth_error(400, "invalid_request");
    assert!(d.contains("code_verifier"), "{d}");
    for (prefix, content_type) in [
        ("v3", "text/plain;charset=UTF-8"),
        ("rfc", "text/plain"),
        ("v3", ""),
    ] {
        let mut headers = vec![];
        if !content_type.is_empty() {
            headers.push(("Content-Type", content_type));
        }
        let r = s.request(
            "POST",
            &format!("/{prefix}/oauth/token"),
            &headers,
            "grant_type=authorization_code&client_id=spa",
        );
        r.assert_oauth_error(400, "invalid_request");
    }
    assert_eq!(s.get("/v3/oauth/token").status, 405);

    // A code from one dialect is refused by the other's token endpoint.
    let code = s.code("v3", "spa");
    s.exchange("rfc", &code)
        .assert_oauth_error(400, "invalid_grant");
}

// ---------------------------------------------------------------- RFC dialect (/rfc)

#[test]
fn rfc_flow_sends_iss_and_accepts_only_form_bodies() {
    let s = Server::start(&[]);
    let p = s.authorize("rfc", "spa", &[("scope", "projects offline_access")]);
    assert_eq!(param(&p, "iss"), Some(s.issuer().as_str()));
    let code = param(&p, "code").unwrap().to_string();

    let r = s.post_json(
        "/rfc/oauth/token",
        &json!({"grant_type": "authorization_code", "client_id": "spa", "code": code,
                "redirect_uri": REDIRECT, "code_verifier": VERIFIER}),
        &[],
    );
    let d = r.assert_oauth_error(400, "invalid_request");
    assert!(d.contains("x-www-form-urlencoded"), "{d}");

    let r = s.exchange("rfc", &code);
    assert_eq!(r.status, 200, "{}", r.body);
    let t = r.json();
    assert_eq!(t["scope"], "projects offline_access");
    let access = t["access_token"].as_str().unwrap();
    let me = s.get_with(
        "/rfc/userinfo",
        &[("Authorization", &format!("Bearer {access}"))],
    );
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["sub"], "demo-user");

    // Error redirects carry iss too (RFC 9207 §2).
    let p = s.authorize("rfc", "spa", &[("scope", "admin")]);
    assert_eq!(param(&p, "error"), Some("invalid_scope"));
    assert_eq!(param(&p, "iss"), Some(s.issuer().as_str()));
}

#[test]
fn rfc_metadata_document() {
    let s = Server::start(&[]);
    let issuer = s.issuer();
    for path in [
        "/rfc/.well-known/oauth-authorization-server",
        "/.well-known/oauth-authorization-server/rfc",
    ] {
        let m = s.get(path);
        assert_eq!(m.status, 200);
        let m = m.json();
        assert_eq!(m["issuer"], issuer.as_str());
        assert_eq!(
            m["authorization_endpoint"],
            format!("{issuer}/oauth/authorize")
        );
        assert_eq!(m["token_endpoint"], format!("{issuer}/oauth/token"));
        assert_eq!(m["revocation_endpoint"], format!("{issuer}/oauth/revoke"));
        assert_eq!(
            m["code_challenge_methods_supported"],
            json!(["S256", "plain"])
        );
        assert_eq!(m["authorization_response_iss_parameter_supported"], true);
        assert_eq!(m["response_types_supported"], json!(["code"]));
    }
    // Ellipsis has no discovery document.
    assert_eq!(
        s.get("/v3/.well-known/oauth-authorization-server").status,
        404
    );
}

#[test]
fn iss_can_be_turned_off_and_issuer_overridden_and_clients_come_from_flags() {
    let s = Server::start_raw(
        false,
        false,
        &[
            "--no-iss",
            "--issuer",
            "https://as.example/rfc",
            "--client",
            "id=flagged,redirect_uri=http://127.0.0.1:9999/cb",
            "--auto-approve",
        ],
    );
    let p = s.authorize("rfc", "flagged", &[]);
    assert!(param(&p, "code").is_some());
    assert_eq!(param(&p, "iss"), None);
    let m = s.get("/rfc/.well-known/oauth-authorization-server").json();
    assert_eq!(m["issuer"], "https://as.example/rfc");
    assert_eq!(m["authorization_response_iss_parameter_supported"], false);
    // Only the flag client exists.
    let r = s.get(&format!(
        "/v3/oauth/authorize?response_type=code&client_id=demo-public&redirect_uri={}",
        encode("http://127.0.0.1:8080/")
    ));
    assert_eq!(r.status, 400);
}

#[test]
fn custom_issuer_metadata_is_at_its_rfc8414_location_and_names_served_endpoints() {
    // An issuer without a path: RFC 8414 §3.1 puts its metadata at the root well-known URI.
    let s = Server::start(&["--issuer", "https://as.example/"]);
    let m = s.get("/.well-known/oauth-authorization-server");
    assert_eq!(m.status, 200, "{}", m.body);
    let m = m.json();
    assert_eq!(m["issuer"], "https://as.example");
    // §3.3: the location derived from another issuer (…/rfc) does not serve this document.
    assert_eq!(
        s.get("/.well-known/oauth-authorization-server/rfc").status,
        404
    );
    // The dialect's own location, which the demo page reads, serves the same document.
    assert_eq!(
        s.get("/rfc/.well-known/oauth-authorization-server").json(),
        m
    );
    // The endpoints are the ones this server serves, whatever the issuer says.
    let base = &s.base;
    assert_eq!(
        m["authorization_endpoint"],
        format!("{base}/rfc/oauth/authorize")
    );
    assert_eq!(m["token_endpoint"], format!("{base}/rfc/oauth/token"));
    assert_eq!(m["revocation_endpoint"], format!("{base}/rfc/oauth/revoke"));
    assert_eq!(m["userinfo_endpoint"], format!("{base}/rfc/userinfo"));
    let path = |name: &str| m[name].as_str().unwrap()[base.len()..].to_string();
    let page = s.get(&path("authorization_endpoint"));
    assert_eq!(page.status, 400, "an error page, not a 404: {}", page.body);
    s.post_form(&path("token_endpoint"), &[("client_id", "spa")], &[])
        .assert_oauth_error(400, "invalid_request");
    let r = s.post_form(
        &path("revocation_endpoint"),
        &[("client_id", "spa"), ("token", "unknown")],
        &[],
    );
    assert_eq!(r.status, 200);
    assert_eq!(s.get(&path("userinfo_endpoint")).status, 401);
    // RFC 9207 iss is the same issuer.
    let p = s.authorize("rfc", "spa", &[]);
    assert_eq!(param(&p, "iss"), Some("https://as.example"));
    drop(s);

    // An issuer with another path: its §3.1 location follows the path.
    let s = Server::start(&["--issuer", "https://as.example/tenant/one"]);
    let m = s.get("/.well-known/oauth-authorization-server/tenant/one");
    assert_eq!(m.status, 200);
    assert_eq!(m.json()["issuer"], "https://as.example/tenant/one");
    assert_eq!(s.get("/.well-known/oauth-authorization-server").status, 404);
    assert_eq!(
        s.get("/.well-known/oauth-authorization-server/rfc").status,
        404
    );
}

#[test]
fn repeated_parameters_are_refused() {
    let s = Server::start(&[]);
    let code = s.code("rfc", "spa");
    let body = format!(
        "grant_type=authorization_code&client_id=spa&code={code}&code={code}&redirect_uri={}&code_verifier={VERIFIER}",
        encode(REDIRECT)
    );
    let r = s.request(
        "POST",
        "/rfc/oauth/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &body,
    );
    let d = r.assert_oauth_error(400, "invalid_request");
    assert!(d.contains("repeated"), "{d}");

    // Repeated state: an error redirect.
    let q = format!(
        "response_type=code&client_id=spa&redirect_uri={}&state=a&state=b&code_challenge={CHALLENGE}&code_challenge_method=S256",
        encode(REDIRECT)
    );
    let r = s.get(&format!("/rfc/oauth/authorize?{q}"));
    assert_eq!(r.status, 302);
    assert_eq!(
        param(&redirect_params(&r), "error"),
        Some("invalid_request")
    );

    // Repeated client_id after another repeated parameter: still an error page.
    let q = format!(
        "response_type=code&state=a&state=b&client_id=spa&client_id=spa2&redirect_uri={}",
        encode(REDIRECT)
    );
    let r = s.get(&format!("/rfc/oauth/authorize?{q}"));
    assert_eq!(r.status, 400);
    assert!(r.header("location").is_none());

    // Repeated redirect_uri: the redirect target is not trustworthy, so no redirect.
    let q = format!(
        "response_type=code&client_id=spa&redirect_uri={r}&redirect_uri={r}",
        r = encode(REDIRECT)
    );
    let r = s.get(&format!("/rfc/oauth/authorize?{q}"));
    assert_eq!(r.status, 400);
    assert!(r.header("location").is_none());
}

// ---------------------------------------------------------------- codes

#[test]
fn replayed_code_is_refused_and_revokes_the_tokens_it_issued() {
    let s = Server::start(&[]);
    for (prefix, resource) in [("v3", "/v3/account"), ("rfc", "/rfc/userinfo")] {
        let code = s.code(prefix, "spa");
        let first = s.exchange(prefix, &code);
        assert_eq!(first.status, 200);
        let t = first.json();
        let bearer = format!("Bearer {}", t["access_token"].as_str().unwrap());
        assert_eq!(
            s.get_with(resource, &[("Authorization", &bearer)]).status,
            200
        );

        let d = s
            .exchange(prefix, &code)
            .assert_oauth_error(400, "invalid_grant");
        assert!(d.contains("already used"), "{d}");
        let after = s.get_with(resource, &[("Authorization", &bearer)]);
        assert_eq!(
            after.status, 401,
            "tokens from a replayed code must stop working"
        );
        s.refresh(prefix, t["refresh_token"].as_str().unwrap())
            .assert_oauth_error(400, "invalid_grant");
    }
    s.exchange("v3", "never-issued")
        .assert_oauth_error(400, "invalid_grant");
}

#[test]
fn code_expires_after_60_seconds_on_the_server_clock() {
    let s = Server::start(&[]);
    let code = s.code("v3", "spa");
    s.advance_clock(58);
    assert_eq!(s.exchange("v3", &code).status, 200, "58 s old: still valid");

    let code = s.code("v3", "spa");
    s.advance_clock(60);
    let d = s
        .exchange("v3", &code)
        .assert_oauth_error(400, "invalid_grant");
    assert!(d.contains("expired"), "{d}");
    assert_eq!(s.stats()["clock"]["offsetSeconds"], 118);

    // Access tokens expire too (expires_in 3600).
    let t = s.exchange("rfc", &s.code("rfc", "spa")).json();
    let bearer = format!("Bearer {}", t["access_token"].as_str().unwrap());
    assert_eq!(
        s.get_with("/rfc/userinfo", &[("Authorization", &bearer)])
            .status,
        200
    );
    s.advance_clock(3600);
    let r = s.get_with("/rfc/userinfo", &[("Authorization", &bearer)]);
    assert_eq!(r.status, 401);
    assert!(r.json()["error_description"]
        .as_str()
        .unwrap()
        .contains("expired"));
}

#[test]
fn pkce_is_verified() {
    let s = Server::start(&[]);
    let exchange = |code: &str, verifier: Option<&str>| {
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("client_id", "spa"),
            ("authorization_code", code),
            ("redirect_uri", REDIRECT),
        ];
        if let Some(v) = verifier {
            pairs.push(("code_verifier", v));
        }
        s.post_form("/v3/oauth/token", &pairs, &[])
    };
    // Tampered verifier.
    let d = exchange(&s.code("v3", "spa"), Some(OTHER_VERIFIER))
        .assert_oauth_error(400, "invalid_grant");
    assert!(d.contains("code_verifier"), "{d}");
    // Missing verifier.
    exchange(&s.code("v3", "spa"), None).assert_oauth_error(400, "invalid_request");
    // Malformed verifier (too short).
    exchange(&s.code("v3", "spa"), Some("short")).assert_oauth_error(400, "invalid_request");
    // The challenge itself is not the verifier.
    exchange(&s.code("v3", "spa"), Some(CHALLENGE)).assert_oauth_error(400, "invalid_grant");

    // plain is Ellipsis' default method: challenge == verifier.
    let p = s.authorize(
        "v3",
        "spa",
        &[("code_challenge", VERIFIER), ("code_challenge_method", "")],
    );
    let code = param(&p, "code").unwrap().to_string();
    assert_eq!(exchange(&code, Some(VERIFIER)).status, 200);

    // No PKCE at /authorize (allowed by Ellipsis), then a verifier: downgrade refused.
    let p = s.authorize(
        "v3",
        "spa",
        &[("code_challenge", ""), ("code_challenge_method", "")],
    );
    let code = param(&p, "code").unwrap().to_string();
    exchange(&code, Some(VERIFIER)).assert_oauth_error(400, "invalid_grant");
    // And without a verifier it works.
    let p = s.authorize(
        "v3",
        "spa",
        &[("code_challenge", ""), ("code_challenge_method", "")],
    );
    let code = param(&p, "code").unwrap().to_string();
    assert_eq!(exchange(&code, None).status, 200);
}

#[test]
fn redirect_uri_rules() {
    let s = Server::start(&[]);
    // Not registered: error page, never a redirect.
    let r = s.get(&format!(
        "/v3/oauth/authorize?response_type=code&client_id=spa&redirect_uri={}",
        encode("http://evil.test/cb")
    ));
    assert_eq!(r.status, 400);
    assert!(r.header("location").is_none());
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    // Unknown client: error page.
    let r = s.get(&format!(
        "/v3/oauth/authorize?response_type=code&client_id=nobody&redirect_uri={}",
        encode(REDIRECT)
    ));
    assert_eq!(r.status, 400);
    assert!(r.header("location").is_none());
    assert!(r.body.contains("nobody"));
    // Several registered and none sent: error page.
    let r = s.get("/v3/oauth/authorize?response_type=code&client_id=multi");
    assert_eq!(r.status, 400);
    assert!(r.header("location").is_none());
    // A registered URI with its own query keeps it.
    let r = s.get(&format!(
        "/v3/oauth/authorize?response_type=code&client_id=multi&redirect_uri={}&state=z",
        encode("http://app.test/b?x=1")
    ));
    assert_eq!(r.status, 302);
    let location = r.header("location").unwrap();
    assert!(
        location.starts_with("http://app.test/b?x=1&code="),
        "{location}"
    );

    // One registered URI: redirect_uri may be omitted at /authorize and at /token.
    let p = s.authorize("v3", "spa", &[("redirect_uri", "")]);
    let code = param(&p, "code").unwrap().to_string();
    let r = s.post_form(
        "/v3/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "spa"),
            ("authorization_code", &code),
            ("code_verifier", VERIFIER),
        ],
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.body);

    // Sent at /authorize: required at /token, and must be equal.
    let code = s.code("v3", "spa");
    s.post_form(
        "/v3/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "spa"),
            ("authorization_code", &code),
            ("code_verifier", VERIFIER),
        ],
        &[],
    )
    .assert_oauth_error(400, "invalid_request");
    let code = s.code("v3", "spa");
    s.post_form(
        "/v3/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "spa"),
            ("authorization_code", &code),
            ("code_verifier", VERIFIER),
            ("redirect_uri", "http://127.0.0.1:9999/cb/"),
        ],
        &[],
    )
    .assert_oauth_error(400, "invalid_grant");
    // Another client cannot redeem spa's code.
    let code = s.code("v3", "spa");
    s.post_form(
        "/v3/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "spa2"),
            ("authorization_code", &code),
            ("code_verifier", VERIFIER),
            ("redirect_uri", REDIRECT),
        ],
        &[],
    )
    .assert_oauth_error(400, "invalid_grant");
}

#[test]
fn authorize_errors_redirect_with_error_description_and_state() {
    let s = Server::start(&[]);
    let expect = |prefix: &str, extra: &[(&str, &str)], error: &str| {
        let p = s.authorize(prefix, "spa", extra);
        assert_eq!(param(&p, "error"), Some(error), "{extra:?} -> {p:?}");
        assert!(param(&p, "error_description").is_some());
        assert_eq!(param(&p, "code"), None);
        p
    };
    let p = expect(
        "v3",
        &[("response_type", "token")],
        "unsupported_response_type",
    );
    assert_eq!(param(&p, "state"), Some("st"));
    expect("v3", &[("response_type", "")], "invalid_request");
    expect("v3", &[("scope", "projects admin")], "invalid_scope");
    expect("v3", &[("scope", "offline_access")], "invalid_scope");
    expect("v3", &[("state", &"s".repeat(51))], "invalid_request");
    expect(
        "v3",
        &[("code_challenge_method", "S512")],
        "invalid_request",
    );
    expect(
        "v3",
        &[("code_challenge_method", "s256")],
        "invalid_request",
    );
    expect("v3", &[("code_challenge", "tooshort")], "invalid_request");
    expect("v3", &[("code_challenge", "")], "invalid_request"); // method without challenge
                                                                // A 128-character plain challenge is valid PKCE but exceeds Ellipsis' 50-char column.
    expect(
        "v3",
        &[
            ("code_challenge", &"a".repeat(128)),
            ("code_challenge_method", "plain"),
        ],
        "invalid_request",
    );
    // RFC dialect: PKCE required by default; scopes configurable.
    expect(
        "rfc",
        &[("code_challenge", ""), ("code_challenge_method", "")],
        "invalid_request",
    );
    expect("rfc", &[("scope", "projects admin")], "invalid_scope");

    // Limits that pass.
    let p = s.authorize(
        "v3",
        "spa",
        &[("state", &"s".repeat(50)), ("scope", "projects")],
    );
    assert!(param(&p, "code").is_some());
    let p = s.authorize("rfc", "spa", &[("state", &"s".repeat(200))]);
    assert!(param(&p, "code").is_some());
}

// ---------------------------------------------------------------- consent

#[test]
fn consent_page_allow_and_deny() {
    let s = Server::start(&[]);
    let q = |state: &str| {
        format!(
            "/v3/oauth/authorize?{}",
            form(&[
                ("response_type", "code"),
                ("client_id", "manual"),
                ("redirect_uri", REDIRECT),
                ("state", state),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ])
        )
    };
    let consent_id = |page: &Resp| {
        let at = page.body.find("name=\"consent_id\" value=\"").unwrap() + 25;
        page.body[at..at + 43].to_string()
    };
    let page = s.get(&q("xyz"));
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert!(page
        .header("content-security-policy")
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert!(
        page.body.contains("Manual &lt;App&gt;"),
        "client name is escaped"
    );
    assert!(page.body.contains(">Allow<") && page.body.contains(">Deny<"));
    let id = consent_id(&page);

    let deny = s.post_form(
        "/v3/oauth/consent",
        &[("consent_id", &id), ("decision", "deny")],
        &[],
    );
    assert_eq!(deny.status, 303);
    assert_eq!(
        deny.header("location").unwrap(),
        format!("{REDIRECT}?error=access_denied&error_description=The+user+has+refused+access.&state=xyz")
    );
    // One-time: the same consent id cannot be answered again.
    let again = s.post_form(
        "/v3/oauth/consent",
        &[("consent_id", &id), ("decision", "allow")],
        &[],
    );
    assert_eq!(again.status, 400);
    assert!(again.header("location").is_none());

    let id = consent_id(&s.get(&q("abc")));
    let allow = s.post_form(
        "/v3/oauth/consent",
        &[("consent_id", &id), ("decision", "allow")],
        &[],
    );
    assert_eq!(allow.status, 303);
    let p = redirect_params(&allow);
    assert_eq!(param(&p, "state"), Some("abc"));
    let code = param(&p, "code").unwrap();
    let r = s.post_form(
        "/v3/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "manual"),
            ("authorization_code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.body);

    // RFC dialect: Deny carries iss; a v3 consent id is not valid at /rfc.
    let id = consent_id(&s.get(&q("x")));
    assert_eq!(
        s.post_form(
            "/rfc/oauth/consent",
            &[("consent_id", &id), ("decision", "allow")],
            &[]
        )
        .status,
        400
    );

    // The test hook forces a decision without the page.
    assert_eq!(
        s.request("POST", "/__consent?mode=deny", &[], "").status,
        200
    );
    let r = s.get(&q("hooked"));
    assert_eq!(r.status, 302);
    assert_eq!(param(&redirect_params(&r), "error"), Some("access_denied"));
    assert_eq!(s.stats()["consent"]["deny"], 1);
}

#[test]
fn a_consent_posted_to_the_other_dialect_is_not_used_up() {
    let s = Server::start(&[]);
    let page = s.get(&format!(
        "/rfc/oauth/authorize?{}",
        form(&[
            ("response_type", "code"),
            ("client_id", "manual"),
            ("redirect_uri", REDIRECT),
            ("state", "st"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ])
    ));
    assert_eq!(page.status, 200);
    let at = page.body.find("name=\"consent_id\" value=\"").unwrap() + 25;
    let id = page.body[at..at + 43].to_string();
    let wrong = s.post_form(
        "/v3/oauth/consent",
        &[("consent_id", &id), ("decision", "allow")],
        &[],
    );
    assert_eq!(wrong.status, 400);
    assert!(wrong.header("location").is_none());
    // The form still works at the endpoint it was made for.
    let right = s.post_form(
        "/rfc/oauth/consent",
        &[("consent_id", &id), ("decision", "allow")],
        &[],
    );
    assert_eq!(right.status, 303, "{}", right.body);
    let p = redirect_params(&right);
    assert!(param(&p, "code").is_some());
    assert_eq!(param(&p, "iss"), Some(s.issuer().as_str()));
}

#[test]
fn auto_approve_flag_skips_the_consent_page() {
    let s = Server::start(&["--auto-approve"]);
    let r = s.get(&format!(
        "/v3/oauth/authorize?{}",
        form(&[
            ("response_type", "code"),
            ("client_id", "manual"),
            ("redirect_uri", REDIRECT)
        ])
    ));
    assert_eq!(r.status, 302);
    assert!(param(&redirect_params(&r), "code").is_some());
}

// ---------------------------------------------------------------- refresh & revocation

#[test]
fn refresh_tokens_rotate_and_reuse_revokes_the_grant() {
    let s = Server::start(&[]);
    for (prefix, resource) in [("v3", "/v3/account"), ("rfc", "/rfc/userinfo")] {
        let t0 = s.exchange(prefix, &s.code(prefix, "spa")).json();
        let refresh = |rt: &str| s.refresh(prefix, rt);
        let rt1 = t0["refresh_token"].as_str().unwrap();
        let r = refresh(rt1);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("cache-control"), Some("no-store"));
        let t1 = r.json();
        let rt2 = t1["refresh_token"].as_str().unwrap();
        assert_ne!(rt1, rt2, "rotation: a new refresh token");
        assert_ne!(t0["access_token"], t1["access_token"]);
        let bearer1 = format!("Bearer {}", t1["access_token"].as_str().unwrap());
        assert_eq!(
            s.get_with(resource, &[("Authorization", &bearer1)]).status,
            200
        );

        // The old refresh token stops working at once; its reuse revokes the grant.
        let d = refresh(rt1).assert_oauth_error(400, "invalid_grant");
        assert!(d.contains("already used"), "{d}");
        refresh(rt2).assert_oauth_error(400, "invalid_grant");
        assert_eq!(
            s.get_with(resource, &[("Authorization", &bearer1)]).status,
            401
        );
    }

    // Refresh with a narrower scope; a wider one is refused; another client cannot use it.
    let t = s.exchange("rfc", &s.code("rfc", "spa")).json();
    let rt = t["refresh_token"].as_str().unwrap();
    s.post_form(
        "/rfc/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "spa2"),
            ("refresh_token", rt),
        ],
        &[],
    )
    .assert_oauth_error(400, "invalid_grant");
    s.post_form(
        "/rfc/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "spa"),
            ("refresh_token", rt),
            ("scope", "projects offline_access"),
        ],
        &[],
    )
    .assert_oauth_error(400, "invalid_scope");
    s.post_form(
        "/rfc/oauth/token",
        &[("grant_type", "password"), ("client_id", "spa")],
        &[],
    )
    .assert_oauth_error(400, "unsupported_grant_type");
    s.post_form("/rfc/oauth/token", &[("client_id", "spa")], &[])
        .assert_oauth_error(400, "invalid_request");
}

#[test]
fn revocation_rfc7009() {
    let s = Server::start(&[]);
    let revoke = |token: &str, client: &str| {
        s.post_form(
            "/rfc/oauth/revoke",
            &[("token", token), ("client_id", client)],
            &[],
        )
    };
    let t = s.exchange("rfc", &s.code("rfc", "spa")).json();
    let access = t["access_token"].as_str().unwrap();
    let bearer = format!("Bearer {access}");
    assert_eq!(
        s.get_with("/rfc/userinfo", &[("Authorization", &bearer)])
            .status,
        200
    );

    // Another client may not revoke it.
    revoke(access, "spa2").assert_oauth_error(400, "unauthorized_client");
    assert_eq!(
        s.get_with("/rfc/userinfo", &[("Authorization", &bearer)])
            .status,
        200
    );

    let r = revoke(access, "spa");
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    let after = s.get_with("/rfc/userinfo", &[("Authorization", &bearer)]);
    assert_eq!(after.status, 401);
    assert!(after
        .header("www-authenticate")
        .unwrap()
        .contains("invalid_token"));

    // Revoking the refresh token revokes its access tokens too.
    let t = s.exchange("rfc", &s.code("rfc", "spa")).json();
    let bearer = format!("Bearer {}", t["access_token"].as_str().unwrap());
    let rt = t["refresh_token"].as_str().unwrap();
    let r = s.post_form(
        "/rfc/oauth/revoke",
        &[("token", rt), ("token_type_hint", "refresh_token")],
        &[("Authorization", &basic("spa", ""))],
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        s.get_with("/rfc/userinfo", &[("Authorization", &bearer)])
            .status,
        401
    );
    s.refresh("rfc", rt)
        .assert_oauth_error(400, "invalid_grant");

    // Unknown tokens: 200 (RFC 7009 §2.2). Missing token: invalid_request.
    assert_eq!(revoke("unknown", "spa").status, 200);
    s.post_form("/rfc/oauth/revoke", &[("client_id", "spa")], &[])
        .assert_oauth_error(400, "invalid_request");
    // Confidential clients must authenticate here too.
    revoke("unknown", "conf").assert_oauth_error(400, "invalid_client");

    let stats = s.stats();
    assert_eq!(stats["revoke"]["rfc"]["total"], 6);
    assert_eq!(stats["revoke"]["rfc"]["ok"], 3);
    assert_eq!(stats["revoke"]["rfc"]["revoked"]["access_token"], 1);
    assert_eq!(stats["revoke"]["rfc"]["revoked"]["refresh_token"], 1);
    // Ellipsis has no revocation endpoint.
    assert_eq!(
        s.post_form("/v3/oauth/revoke", &[("token", "x")], &[])
            .status,
        404
    );
}

#[test]
fn tokens_work_only_in_the_dialect_that_issued_them() {
    let s = Server::start(&[]);
    let v3 = s.exchange("v3", &s.code("v3", "spa")).json();
    let rfc = s.exchange("rfc", &s.code("rfc", "spa")).json();
    let token = |t: &serde_json::Value, name: &str| t[name].as_str().unwrap().to_string();
    let resource = |path: &str, t: &serde_json::Value| {
        let bearer = format!("Bearer {}", token(t, "access_token"));
        s.get_with(path, &[("Authorization", &bearer)])
    };
    let refresh = |prefix: &str, rt: &str| s.refresh(prefix, rt);

    // Access tokens: each dialect's resource knows only its own.
    for (path, other) in [("/rfc/userinfo", &v3), ("/v3/account", &rfc)] {
        let r = resource(path, other);
        assert_eq!(r.status, 401, "{path}: {}", r.body);
        assert!(r
            .header("www-authenticate")
            .unwrap()
            .contains("invalid_token"));
    }
    assert_eq!(resource("/v3/account", &v3).status, 200);
    assert_eq!(resource("/rfc/userinfo", &rfc).status, 200);

    // Refresh tokens: refused by the other dialect's token endpoint, and not used up there.
    let d = refresh("rfc", &token(&v3, "refresh_token")).assert_oauth_error(400, "invalid_grant");
    assert!(d.contains("other dialect"), "{d}");
    refresh("v3", &token(&rfc, "refresh_token")).assert_oauth_error(400, "invalid_grant");

    // Revocation (RFC 7009 §2.2): a v3 token is not one the RFC dialect issued: 200, no effect.
    for name in ["access_token", "refresh_token"] {
        let r = s.post_form(
            "/rfc/oauth/revoke",
            &[("client_id", "spa"), ("token", &token(&v3, name))],
            &[],
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    assert_eq!(resource("/v3/account", &v3).status, 200);
    assert_eq!(refresh("v3", &token(&v3, "refresh_token")).status, 200);
    assert_eq!(refresh("rfc", &token(&rfc, "refresh_token")).status, 200);
}

// ---------------------------------------------------------------- CORS

#[test]
fn cors_preflight_and_response_headers() {
    let s = Server::start(&["--cors-origin", "http://demo.test:8080"]);
    let preflight = |path: &str, origin: &str| {
        s.request(
            "OPTIONS",
            path,
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
                (
                    "Access-Control-Request-Headers",
                    "authorization, content-type",
                ),
            ],
            "",
        )
    };
    // Redirect URI origins are allowed automatically; --cors-origin adds more.
    for origin in [
        "http://127.0.0.1:9999",
        "http://demo.test:8080",
        "http://app.test",
    ] {
        let r = preflight("/v3/oauth/token", origin);
        assert_eq!(r.status, 204);
        assert!(r.body.is_empty() && r.header("content-length").is_none());
        assert_eq!(r.header("access-control-allow-origin"), Some(origin));
        assert_eq!(
            r.header("access-control-allow-headers"),
            Some("authorization, content-type, accept, dpop")
        );
        assert!(r
            .header("access-control-allow-methods")
            .unwrap()
            .contains("POST"));
    }
    for path in [
        "/rfc/oauth/token",
        "/rfc/oauth/revoke",
        "/rfc/userinfo",
        "/rfc/.well-known/oauth-authorization-server",
    ] {
        let r = preflight(path, "http://127.0.0.1:9999");
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("http://127.0.0.1:9999"),
            "{path}"
        );
    }
    let r = preflight("/v3/oauth/token", "http://evil.test");
    assert_eq!(r.status, 204);
    assert!(
        r.headers
            .iter()
            .all(|(k, _)| !k.starts_with("access-control-")),
        "{:?}",
        r.headers
    );

    // Actual responses, success and error alike.
    let code = s.code("v3", "spa");
    let r = s.post_form(
        "/v3/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "spa"),
            ("authorization_code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
        &[("Origin", "http://127.0.0.1:9999")],
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://127.0.0.1:9999")
    );
    assert_eq!(r.header("vary"), Some("Origin"));
    let r = s.post_form(
        "/v3/oauth/token",
        &[("client_id", "spa")],
        &[("Origin", "http://evil.test")],
    );
    assert_eq!(r.status, 400);
    assert!(r.header("access-control-allow-origin").is_none());
    let r = s.post_form(
        "/v3/oauth/token",
        &[("client_id", "spa")],
        &[("Origin", "http://127.0.0.1:9999")],
    );
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://127.0.0.1:9999")
    );
    assert_eq!(
        r.header("access-control-expose-headers"),
        Some("WWW-Authenticate, DPoP-Nonce")
    );

    // Preflights are not token requests.
    let stats = s.stats();
    assert_eq!(stats["token"]["v3"]["total"], 3);
    assert!(stats["preflight"].as_u64().unwrap() >= 8);
}

// ---------------------------------------------------------------- static files, hooks, logs

#[test]
fn static_serving_with_mime_types_and_no_traversal() {
    let dir = std::env::temp_dir().join(format!("oauth-spa-server-www-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("www")).unwrap();
    std::fs::create_dir_all(dir.join("pkg/snippets")).unwrap();
    std::fs::write(
        dir.join("www/index.html"),
        "<!doctype html><title>demo</title>",
    )
    .unwrap();
    std::fs::write(dir.join("www/app.js"), "export {}").unwrap();
    std::fs::write(dir.join("pkg/oauth_spa_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.join("pkg/oauth_spa.js"), "export default 1").unwrap();
    std::fs::write(dir.join("secret.txt"), "outside").unwrap();
    let www = dir.join("www");
    let pkg = dir.join("pkg");
    let s = Server::start(&[
        "--www",
        www.to_str().unwrap(),
        "--pkg",
        pkg.to_str().unwrap(),
    ]);

    let home = s.get("/");
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(home.header("referrer-policy"), Some("no-referrer"));
    // The OAuth callback: the query is ignored by the file server.
    let cb = s.get("/?code=abc&state=xyz");
    assert_eq!(cb.status, 200);
    assert!(cb.body.contains("<title>demo</title>"));
    assert_eq!(
        s.get("/app.js").header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let wasm = s.get("/pkg/oauth_spa_bg.wasm");
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(wasm.body.as_bytes(), b"\0asm\x01\0\0\0");
    assert_eq!(
        s.get("/pkg/oauth_spa.js").header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let head = s.request("HEAD", "/pkg/oauth_spa.js", &[], "");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-length"), Some("16"));

    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/pkg/../secret.txt",
        "/pkg/%2E%2E/secret.txt",
        "/pkg/..%2f..%2fsecret.txt",
        "/pkg/..%5csecret.txt",
        "/missing.js",
    ] {
        let r = s.get(path);
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.body.contains("outside"), "{path}");
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
    }
    assert_eq!(s.request("POST", "/app.js", &[], "").status, 405);
    // Every kind of response carries Referrer-Policy.
    for r in [
        s.get("/v3/oauth/authorize"),
        s.exchange("v3", "x"),
        s.get("/rfc/userinfo"),
    ] {
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    }
    drop(s);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn hooks_exist_only_with_the_flag_and_count_requests() {
    let plain = Server::start_raw(true, false, &[]);
    assert_eq!(plain.get("/__stats").status, 404);
    assert_eq!(plain.request("POST", "/__reset", &[], "").status, 404);
    assert_eq!(
        plain
            .request("POST", "/__clock?advance=100", &[], "")
            .status,
        404
    );
    // Without the hook, the clock did not move: a fresh code works.
    assert_eq!(plain.exchange("v3", &plain.code("v3", "spa")).status, 200);

    let s = Server::start(&[]);
    let stats = s.stats();
    assert_eq!(stats["token"]["v3"]["total"], 0);
    assert_eq!(stats["authorize"]["rfc"]["total"], 0);

    let code = s.code("v3", "spa");
    assert_eq!(s.exchange("v3", &code).status, 200);
    assert_eq!(s.exchange("v3", &code).status, 400);
    let _ = s.get("/v3/oauth/authorize?client_id=nobody");
    let rfc = s.exchange("rfc", &s.code("rfc", "spa")).json();
    let _ = s.refresh("rfc", rfc["refresh_token"].as_str().unwrap());
    let stats = s.stats();
    assert_eq!(stats["authorize"]["v3"]["total"], 2);
    assert_eq!(stats["authorize"]["v3"]["code"], 1);
    assert_eq!(stats["authorize"]["v3"]["error_page"], 1);
    assert_eq!(stats["token"]["v3"]["total"], 2);
    assert_eq!(stats["token"]["v3"]["authorization_code"]["ok"], 1);
    assert_eq!(
        stats["token"]["v3"]["authorization_code"]["invalid_grant"],
        1
    );
    assert_eq!(stats["token"]["rfc"]["authorization_code"]["ok"], 1);
    assert_eq!(stats["token"]["rfc"]["refresh_token"]["ok"], 1);
    assert_eq!(stats["token_requests"], 4);
    assert_eq!(stats["authorize_requests"], 3);
    assert_eq!(stats["revocations"], 0);
    assert_eq!(stats["consent"]["auto_allow"], 2);

    s.advance_clock(5);
    assert_eq!(s.request("POST", "/__reset", &[], "").status, 200);
    let stats = s.stats();
    assert_eq!(stats["token"]["v3"]["total"], 0);
    assert!(stats["token"]["v3"].get("authorization_code").is_none());
    assert_eq!(stats["clock"]["offsetSeconds"], 0);
    // Reset forgets tokens.
    let bearer = format!("Bearer {}", rfc["access_token"].as_str().unwrap());
    assert_eq!(
        s.get_with("/rfc/userinfo", &[("Authorization", &bearer)])
            .status,
        401
    );
    assert_eq!(
        s.request("POST", "/__clock?advance=-1", &[], "").status,
        400
    );
    assert_eq!(s.get("/__reset").status, 405);
}

#[test]
fn request_log_has_one_line_per_request_and_no_secrets() {
    let s = Server::start(&[]);
    let p = s.authorize("v3", "conf", &[("state", "STATE-VALUE-1234")]);
    let code = param(&p, "code").unwrap().to_string();
    let r = s.post_form(
        "/v3/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("authorization_code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
        &[("Authorization", &basic("conf", CONF_SECRET))],
    );
    let t = r.json();
    let _ = s.get("/?code=ZZZ-CALLBACK-CODE");
    let log = s.log();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 3, "{log}");
    assert!(lines[1].starts_with("POST /v3/oauth/token 200 "), "{log}");
    assert!(lines[1].contains("client=conf") && lines[1].contains("grant=authorization_code"));
    for secret in [
        code.as_str(),
        t["access_token"].as_str().unwrap(),
        t["refresh_token"].as_str().unwrap(),
        "s3cr",
        VERIFIER,
        CHALLENGE,
        "STATE-VALUE-1234",
        "ZZZ-CALLBACK-CODE",
    ] {
        assert!(!log.contains(secret), "log leaks {secret:?}:\n{log}");
    }
}

/// A fresh `www` folder with `index.html` and `sub/index.html`; the caller removes `dir`.
fn temp_www(name: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("oauth-spa-server-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("www/sub")).unwrap();
    std::fs::write(dir.join("www/index.html"), "home").unwrap();
    std::fs::write(dir.join("www/sub/index.html"), "sub").unwrap();
    let www = dir.join("www").to_str().unwrap().to_string();
    (dir, www)
}

/// `METHOD TARGET HTTP/1.1` with `headers` (each ending in CRLF) and no body.
fn raw_head(method: &str, target: &[u8], headers: &str) -> Vec<u8> {
    let mut raw = format!("{method} ").into_bytes();
    raw.extend_from_slice(target);
    raw.extend_from_slice(
        format!(" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\r\n").as_bytes(),
    );
    raw
}

#[test]
fn request_targets_with_control_characters_are_refused_and_the_log_stays_one_line_each() {
    let s = Server::start(&[]);
    for target in [
        &b"/x\rFAKE-LINE"[..],
        b"/x\x1b[31mRED",
        b"/x\x07bell",
        b"/x\x7f",
        b"/x\tTAB",
        "/café".as_bytes(),
        "/x\u{9b}31m".as_bytes(),
    ] {
        let r = s.raw(&raw_head("GET", target, ""));
        assert_eq!(r.status, 400, "{target:?}");
    }
    let _ = s.get("/ok");
    let log = s.log();
    assert!(
        log.chars().all(|c| c == '\n' || (' '..='~').contains(&c)),
        "{log:?}"
    );
    assert_eq!(log.lines().count(), 1, "{log:?}");
    assert!(log.starts_with("GET /ok 404 "), "{log:?}");
}

#[test]
fn content_length_is_digits_only_and_targets_are_origin_form() {
    let (dir, www) = temp_www("origin-form");
    let s = Server::start(&["--www", &www]);
    // RFC 9110 §8.6: Content-Length = 1*DIGIT; RFC 9112 §6.3: anything else is a 400.
    for length in ["+5", "+0", "-0", "5 5", "0x5", "5,5", ""] {
        let mut raw = raw_head(
            "POST",
            b"/__reset",
            &format!("Content-Length: {length}\r\n"),
        );
        raw.extend_from_slice(b"hello");
        assert_eq!(s.raw(&raw).status, 400, "Content-Length: {length:?}");
    }
    let mut raw = raw_head("POST", b"/__reset", "Content-Length: 5\r\n");
    raw.extend_from_slice(b"hello");
    assert_eq!(s.raw(&raw).status, 200);
    // RFC 9112 §3.2.1: origin-form starts with "/".
    for target in [
        &b"index.html"[..],
        b"*",
        b"http://127.0.0.1/index.html",
        b"?x=1",
    ] {
        let r = s.raw(&raw_head("GET", target, ""));
        assert_eq!(r.status, 400, "{target:?}");
        assert_ne!(r.body, "home");
    }
    assert_eq!(s.raw(&raw_head("GET", b"/index.html", "")).body, "home");
    drop(s);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn directory_redirects_are_never_protocol_relative() {
    let (dir, www) = temp_www("dir-redirect");
    let s = Server::start(&["--www", &www]);
    for (path, location) in [
        ("/sub", "/sub/"),
        ("//sub", "/sub/"),
        ("///sub", "/sub/"),
        ("//sub?x=1", "/sub/"),
    ] {
        let r = s.get(path);
        assert_eq!(r.status, 301, "{path}");
        assert_eq!(r.header("location"), Some(location), "{path}");
    }
    assert_eq!(s.get("//sub/").body, "sub");
    drop(s);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn every_token_endpoint_response_is_no_store() {
    let s = Server::start(&[]);
    for path in ["/v3/oauth/token", "/rfc/oauth/token", "/rfc/oauth/revoke"] {
        let oversized = s.raw(&raw_head(
            "POST",
            path.as_bytes(),
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 70000\r\n",
        ));
        let chunked = s.raw(&raw_head(
            "POST",
            path.as_bytes(),
            "Transfer-Encoding: chunked\r\n",
        ));
        let bad_length = s.raw(&raw_head("POST", path.as_bytes(), "Content-Length: x\r\n"));
        let preflight = s.request(
            "OPTIONS",
            path,
            &[
                ("Origin", "http://127.0.0.1:9999"),
                ("Access-Control-Request-Method", "POST"),
            ],
            "",
        );
        for (r, status) in [
            (s.get(path), 405),
            (s.request("PUT", path, &[], ""), 405),
            (oversized, 413),
            (chunked, 411),
            (bad_length, 400),
            (preflight, 204),
            (s.post_form(path, &[("client_id", "spa")], &[]), 400),
        ] {
            assert_eq!(r.status, status, "{path}: {}", r.body);
            let count = |name: &str| r.headers.iter().filter(|(k, _)| k == name).count();
            assert_eq!(
                r.header("cache-control"),
                Some("no-store"),
                "{path} {status}"
            );
            assert_eq!(r.header("pragma"), Some("no-cache"), "{path} {status}");
            assert_eq!((count("cache-control"), count("pragma")), (1, 1), "{path}");
        }
    }
}

#[test]
fn hooks_refuse_requests_from_web_pages() {
    let s = Server::start(&[]);
    let code = s.code("v3", "spa");
    let own = s.base.clone();
    for origin in ["https://evil.example", "null", own.as_str()] {
        for target in ["/__consent?mode=allow", "/__clock?advance=100", "/__reset"] {
            let r = s.request(
                "POST",
                target,
                &[("Origin", origin), ("Content-Type", "text/plain")],
                "x",
            );
            assert_eq!(r.status, 403, "{origin} {target}: {}", r.body);
            assert!(r.header("access-control-allow-origin").is_none());
        }
        assert_eq!(s.get_with("/__stats", &[("Origin", origin)]).status, 403);
        // No CORS for hooks: a preflight grants nothing.
        let r = s.request(
            "OPTIONS",
            "/__consent",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
            ],
            "",
        );
        assert!(
            r.header("access-control-allow-origin").is_none(),
            "{origin}"
        );
    }
    // Nothing changed: consent mode, clock, counters, codes.
    let stats = s.stats();
    assert_eq!(stats["consentMode"], "page");
    assert_eq!(stats["clock"]["offsetSeconds"], 0);
    assert_eq!(stats["authorize"]["v3"]["total"], 1);
    assert_eq!(s.exchange("v3", &code).status, 200);
    // Without Origin (Node, curl, the tests) the hooks work.
    assert_eq!(
        s.request("POST", "/__consent?mode=deny", &[], "").status,
        200
    );
}

#[test]
fn clock_hook_refuses_advances_that_would_overflow() {
    let s = Server::start(&[]);
    for _ in 0..2 {
        let r = s.request("POST", "/__clock?advance=18446744073709551", &[], "");
        assert_eq!(r.status, 400, "{}", r.body);
    }
    let r = s.request("POST", "/__clock?advance=18446744073709551615", &[], "");
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(s.stats()["clock"]["offsetSeconds"], 0);
    // Up to 100 years in total is fine; one second more is refused.
    s.advance_clock(100 * 365 * 24 * 3600 - 10);
    s.advance_clock(10);
    assert_eq!(s.request("POST", "/__clock?advance=1", &[], "").status, 400);
    assert_eq!(
        s.stats()["clock"]["offsetSeconds"],
        100 * 365 * 24 * 3600_u64
    );
    // The server still works on the moved clock.
    let t = s.exchange("v3", &s.code("v3", "spa")).json();
    let bearer = format!("Bearer {}", t["access_token"].as_str().unwrap());
    assert_eq!(
        s.get_with("/v3/account", &[("Authorization", &bearer)])
            .status,
        200
    );
}

#[test]
fn default_clients_and_bad_command_lines() {
    // No --clients: the shipped server/clients.json.
    let s = Server::start_raw(false, false, &[]);
    let r = s.get(&format!(
        "/v3/oauth/authorize?{}",
        form(&[
            ("response_type", "code"),
            ("client_id", "demo-public"),
            ("redirect_uri", "http://localhost:8080/"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ])
    ));
    assert_eq!(r.status, 200, "consent page for the demo client");
    assert!(r.body.contains("demo-public"));
    drop(s);

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_oauth-spa-server"))
        .args(["--port", "0", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bogus"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_oauth-spa-server"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--test-hooks"));
}

#[test]
fn keep_alive_connections_serve_several_requests() {
    use std::io::{Read, Write};
    let s = Server::start(&[]);
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    stream
        .write_all(b"GET /rfc/.well-known/oauth-authorization-server HTTP/1.1\r\nHost: x\r\n\r\nGET /__stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut all = String::new();
    stream.read_to_string(&mut all).unwrap();
    assert_eq!(all.matches("HTTP/1.1 200 OK").count(), 2, "{all}");
}

#[test]
fn error_pages_give_the_reason_and_a_way_back_never_to_the_unverified_address() {
    let s = Server::start(&[]);
    // Unknown client: the page blames the client id, not the redirect address.
    let r = s.get(&format!(
        "/v3/oauth/authorize?response_type=code&client_id=nobody&redirect_uri={}",
        encode(REDIRECT)
    ));
    assert_eq!(r.status, 400);
    assert!(r
        .body
        .contains("Without a registered application the server has no address"));
    assert!(r.body.contains("Check the client id"));
    assert!(!r.body.contains("not one registered for it"), "{}", r.body);
    assert!(
        r.body
            .contains("<a href=\"/\">Back to this server's start page</a>"),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains(REDIRECT),
        "no link to the unverified address"
    );
    // A redirect URI that is not registered: the page blames the address, and never links to it.
    let evil = "http://evil.test/cb";
    let r = s.get(&format!(
        "/v3/oauth/authorize?response_type=code&client_id=spa&redirect_uri={}",
        encode(evil)
    ));
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("is not one registered for it"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("evil.test"));
    // Missing client_id.
    let r = s.get("/rfc/oauth/authorize?response_type=code");
    assert!(
        r.body.contains("does not say which application sent it"),
        "{}",
        r.body
    );
    // A consent form that cannot be answered.
    let r = s.post_form(
        "/v3/oauth/consent",
        &[("consent_id", "unknown"), ("decision", "allow")],
        &[],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("can no longer be answered"), "{}", r.body);
    // Served with a demo (--www): the link says where it goes; pages follow the dark theme.
    let (dir, www) = temp_www("error-page");
    let s = Server::start(&["--www", &www]);
    let r = s.get("/v3/oauth/authorize?response_type=code&client_id=nobody");
    assert!(
        r.body.contains("<a href=\"/\">Back to the demo page</a>"),
        "{}",
        r.body
    );
    assert!(r.body.contains("prefers-color-scheme:dark"));
    assert_eq!(s.get("/").body, "home", "the link's target is the demo");
    let _ = std::fs::remove_dir_all(dir);
}
