//! DPoP (RFC 9449) at the embedded server: proofs are checked at the token endpoint and the
//! resource endpoint, tokens are bound to the proof's key, and the bad paths are refused.
//! The proofs are made here with the `p256` crate's signer, independently of the server code.

mod support;

use p256::ecdsa::{signature::Signer, Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::*;

fn b64url(bytes: &[u8]) -> String {
    base64(bytes)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

struct Key(SigningKey);

impl Key {
    fn new(seed: u8) -> Key {
        Key(SigningKey::from_slice(&[seed; 32]).unwrap())
    }

    fn jwk(&self) -> Value {
        let point = self.0.verifying_key().to_encoded_point(false);
        json!({
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(point.x().unwrap()),
            "y": b64url(point.y().unwrap()),
        })
    }

    fn jkt(&self) -> String {
        let j = self.jwk();
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            j["x"].as_str().unwrap(),
            j["y"].as_str().unwrap()
        );
        b64url(&Sha256::digest(canonical.as_bytes()))
    }

    /// A proof with these header and claims, signed.
    fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let sig: Signature = self.0.sign(input.as_bytes());
        format!("{input}.{}", b64url(&sig.to_bytes()))
    }

    fn header(&self) -> Value {
        json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk()})
    }

    /// A good proof for `method url`, with `ath` of `token` and `nonce` when given.
    fn proof(&self, method: &str, url: &str, token: Option<&str>, nonce: Option<&str>) -> String {
        self.sign(&self.header(), &claims(method, url, token, nonce))
    }
}

static JTI: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn claims(method: &str, url: &str, token: Option<&str>, nonce: Option<&str>) -> Value {
    let n = JTI.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let mut c = json!({
        "jti": format!("jti-{}-{n}", std::process::id()),
        "htm": method,
        "htu": url,
        "iat": now(),
    });
    if let Some(t) = token {
        c["ath"] = json!(b64url(&Sha256::digest(t.as_bytes())));
    }
    if let Some(n) = nonce {
        c["nonce"] = json!(n);
    }
    c
}

fn exchange_form(code: &str) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "authorization_code".into()),
        ("client_id", "spa".into()),
        ("code", code.into()),
        ("redirect_uri", REDIRECT.into()),
        ("code_verifier", VERIFIER.into()),
    ]
}

fn post(s: &Server, pairs: &[(&'static str, String)], proof: Option<&str>) -> Resp {
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let headers: Vec<(&str, &str)> = proof.map(|p| ("DPoP", p)).into_iter().collect();
    s.post_form("/rfc/oauth/token", &pairs, &headers)
}

fn refresh_form(rt: &str) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "refresh_token".into()),
        ("client_id", "spa".into()),
        ("refresh_token", rt.into()),
    ]
}

fn userinfo(s: &Server, auth: &str, proof: Option<&str>) -> Resp {
    let mut headers = vec![("Authorization", auth)];
    if let Some(p) = proof {
        headers.push(("DPoP", p));
    }
    s.get_with("/rfc/userinfo", &headers)
}

/// A grant bound to `key` (`form`: a code bound by `dpop_jkt`, or a bound refresh token):
/// refused without a proof (the description says `unproved`) and with a proof of `other`,
/// neither of which spends it; then answered to a proof of `key` with DPoP-bound tokens whose
/// access token the resource takes with a proof of `key`. Returns the token response.
fn bound_grant(
    s: &Server,
    form: &[(&'static str, String)],
    key: &Key,
    other: &Key,
    unproved: &str,
) -> Value {
    let token_url = format!("{}/rfc/oauth/token", s.base);
    let r = post(s, form, None);
    assert!(r
        .assert_oauth_error(400, "invalid_grant")
        .contains(unproved));
    let r = post(s, form, Some(&other.proof("POST", &token_url, None, None)));
    assert!(r
        .assert_oauth_error(400, "invalid_grant")
        .contains("another DPoP key"));
    let r = post(s, form, Some(&key.proof("POST", &token_url, None, None)));
    assert_eq!(r.status, 200, "{}", r.body);
    let t = r.json();
    assert_eq!(t["token_type"], "DPoP");
    let at = t["access_token"].as_str().unwrap();
    let resource_url = format!("{}/rfc/userinfo", s.base);
    let r = userinfo(
        s,
        &format!("DPoP {at}"),
        Some(&key.proof("GET", &resource_url, Some(at), None)),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    t
}

/// The `error` of a 401's `WWW-Authenticate: DPoP ...` challenge.
fn dpop_error(r: &Resp) -> String {
    assert_eq!(r.status, 401, "{}", r.body);
    let h = r.header("www-authenticate").unwrap_or("").to_string();
    assert!(h.starts_with("DPoP "), "{h}");
    r.json()["error"].as_str().unwrap().to_string()
}

#[test]
fn tokens_are_bound_and_the_resource_wants_a_proof_of_the_key() {
    let s = Server::start(&[]);
    let token_url = format!("{}/rfc/oauth/token", s.base);
    let resource_url = format!("{}/rfc/userinfo", s.base);
    let key = Key::new(7);
    let other = Key::new(9);

    // The code exchange with a proof gives a DPoP token (RFC 9449 §5).
    let code = s.code("rfc", "spa");
    let r = post(
        &s,
        &exchange_form(&code),
        Some(&key.proof("POST", &token_url, None, None)),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let t = r.json();
    assert_eq!(t["token_type"], "DPoP");
    let at = t["access_token"].as_str().unwrap().to_string();
    let rt = t["refresh_token"].as_str().unwrap().to_string();
    let auth = format!("DPoP {at}");

    // A good proof: 200. The same proof again: a replay.
    let p = key.proof("GET", &resource_url, Some(&at), None);
    let ok = userinfo(&s, &auth, Some(&p));
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["client_id"], "spa");
    let replay = userinfo(&s, &auth, Some(&p));
    assert_eq!(dpop_error(&replay), "invalid_dpop_proof");
    assert!(replay.body.contains("used before"), "{}", replay.body);

    // A bound token as Bearer (RFC 9449 §7.2), with or without a proof.
    let bearer = format!("Bearer {at}");
    for proof in [None, Some(key.proof("GET", &resource_url, Some(&at), None))] {
        let r = userinfo(&s, &bearer, proof.as_deref());
        assert_eq!(r.status, 401);
        assert_eq!(r.json()["error"], "invalid_token", "{}", r.body);
    }

    // Bad proofs, each wrong in one way.
    let url_other = format!("{}/v3/account", s.base);
    let bad: Vec<(&str, String)> = vec![
        ("none", String::new()),
        (
            "another key",
            other.proof("GET", &resource_url, Some(&at), None),
        ),
        ("another URL", key.proof("GET", &url_other, Some(&at), None)),
        (
            "another method",
            key.proof("POST", &resource_url, Some(&at), None),
        ),
        ("no ath", key.proof("GET", &resource_url, None, None)),
        (
            "another token's ath",
            key.proof("GET", &resource_url, Some("x"), None),
        ),
        (
            "the token endpoint's",
            key.proof("POST", &token_url, None, None),
        ),
        ("old iat", {
            let mut c = claims("GET", &resource_url, Some(&at), None);
            c["iat"] = json!(now() - 120);
            key.sign(&key.header(), &c)
        }),
        ("future iat", {
            let mut c = claims("GET", &resource_url, Some(&at), None);
            c["iat"] = json!(now() + 120);
            key.sign(&key.header(), &c)
        }),
        ("typ JWT", {
            let mut h = key.header();
            h["typ"] = json!("JWT");
            key.sign(&h, &claims("GET", &resource_url, Some(&at), None))
        }),
        ("alg none", {
            let mut h = key.header();
            h["alg"] = json!("none");
            key.sign(&h, &claims("GET", &resource_url, Some(&at), None))
        }),
        ("a private jwk", {
            let mut h = key.header();
            h["jwk"]["d"] = json!(b64url(&[1; 32]));
            key.sign(&h, &claims("GET", &resource_url, Some(&at), None))
        }),
        ("another key's jwk", {
            let mut h = key.header();
            h["jwk"] = other.jwk();
            key.sign(&h, &claims("GET", &resource_url, Some(&at), None))
        }),
        ("a changed claim", {
            let p = key.proof("GET", &resource_url, Some(&at), None);
            let parts: Vec<&str> = p.split('.').collect();
            let mut c = claims("GET", &resource_url, Some(&at), None);
            c["jti"] = json!("changed");
            format!(
                "{}.{}.{}",
                parts[0],
                b64url(c.to_string().as_bytes()),
                parts[2]
            )
        }),
        ("not a JWS", "a.b".into()),
    ];
    for (what, proof) in &bad {
        let r = userinfo(&s, &auth, (!proof.is_empty()).then_some(proof.as_str()));
        assert_eq!(dpop_error(&r), "invalid_dpop_proof", "{what}: {}", r.body);
    }
    // Two DPoP headers (RFC 9449 §4.3 check 1).
    let p1 = key.proof("GET", &resource_url, Some(&at), None);
    let p2 = key.proof("GET", &resource_url, Some(&at), None);
    let r = s.get_with(
        "/rfc/userinfo",
        &[("Authorization", &auth), ("DPoP", &p1), ("DPoP", &p2)],
    );
    assert_eq!(dpop_error(&r), "invalid_dpop_proof");

    // htu is compared normalized (RFC 9449 §4.3, RFC 3986 §6.2).
    let loud = format!("HTTP://127.0.0.1:{}/rfc/%75serinfo?q=1#f", s.port);
    let r = userinfo(&s, &auth, Some(&key.proof("GET", &loud, Some(&at), None)));
    assert_eq!(r.status, 200, "{}", r.body);

    // A bound refresh token needs a proof of the same key; a refused try does not spend it.
    bound_grant(&s, &refresh_form(&rt), &key, &other, "bound");

    // An unbound token with the DPoP scheme is refused; as Bearer it works.
    let plain = s.exchange("rfc", &s.code("rfc", "spa")).json();
    assert_eq!(plain["token_type"], "Bearer");
    let pat = plain["access_token"].as_str().unwrap();
    let r = userinfo(
        &s,
        &format!("DPoP {pat}"),
        Some(&key.proof("GET", &resource_url, Some(pat), None)),
    );
    assert_eq!(dpop_error(&r), "invalid_token");
    assert_eq!(userinfo(&s, &format!("Bearer {pat}"), None).status, 200);

    // The key binds the thumbprint this test computes (RFC 7638).
    assert_eq!(key.jkt().len(), 43);
}

#[test]
fn a_bad_proof_at_the_token_endpoint_leaves_the_code_unused() {
    let s = Server::start(&[]);
    let token_url = format!("{}/rfc/oauth/token", s.base);
    let key = Key::new(3);
    let code = s.code("rfc", "spa");
    let wrong_url = key.proof("POST", &format!("{}/v3/oauth/token", s.base), None, None);
    let r = post(&s, &exchange_form(&code), Some(&wrong_url));
    assert!(r
        .assert_oauth_error(400, "invalid_dpop_proof")
        .contains("htu"));
    let wrong_method = key.proof("GET", &token_url, None, None);
    let r = post(&s, &exchange_form(&code), Some(&wrong_method));
    assert!(r
        .assert_oauth_error(400, "invalid_dpop_proof")
        .contains("htm"));
    let good = key.proof("POST", &token_url, None, None);
    let r = post(&s, &exchange_form(&code), Some(&good));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["token_type"], "DPoP");
    // The same proof for the next request: a replay.
    let r = post(&s, &exchange_form(&s.code("rfc", "spa")), Some(&good));
    assert!(r
        .assert_oauth_error(400, "invalid_dpop_proof")
        .contains("used before"));
}

#[test]
fn nonces_are_demanded_once_and_then_accepted() {
    let s = Server::start(&["--dpop-nonce"]);
    let token_url = format!("{}/rfc/oauth/token", s.base);
    let resource_url = format!("{}/rfc/userinfo", s.base);
    let key = Key::new(5);

    // The metadata says which algorithm (RFC 9449 §5.1).
    let m = s.get("/.well-known/oauth-authorization-server/rfc").json();
    assert_eq!(m["dpop_signing_alg_values_supported"], json!(["ES256"]));

    // RFC 9449 §8: 400 use_dpop_nonce with a DPoP-Nonce; the code is still good.
    let code = s.code("rfc", "spa");
    let r = post(
        &s,
        &exchange_form(&code),
        Some(&key.proof("POST", &token_url, None, None)),
    );
    r.assert_oauth_error(400, "use_dpop_nonce");
    let nonce = r.header("dpop-nonce").expect("a DPoP-Nonce").to_string();
    let made_up = key.proof("POST", &token_url, None, Some("made-up"));
    let r = post(&s, &exchange_form(&code), Some(&made_up));
    r.assert_oauth_error(400, "use_dpop_nonce");
    let r = post(
        &s,
        &exchange_form(&code),
        Some(&key.proof("POST", &token_url, None, Some(&nonce))),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let at = r.json()["access_token"].as_str().unwrap().to_string();

    // RFC 9449 §9: 401 with a DPoP challenge whose error is use_dpop_nonce.
    let auth = format!("DPoP {at}");
    let r = userinfo(
        &s,
        &auth,
        Some(&key.proof("GET", &resource_url, Some(&at), None)),
    );
    assert_eq!(dpop_error(&r), "use_dpop_nonce");
    assert!(r
        .header("www-authenticate")
        .unwrap()
        .contains("error=\"use_dpop_nonce\""));
    let nonce2 = r.header("dpop-nonce").expect("a DPoP-Nonce").to_string();
    let r = userinfo(
        &s,
        &auth,
        Some(&key.proof("GET", &resource_url, Some(&at), Some(&nonce2))),
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn a_code_bound_by_dpop_jkt_is_exchanged_only_with_a_proof_of_that_key() {
    // RFC 9449 §10: the authorization request's dpop_jkt binds the code to the key.
    let s = Server::start(&[]);
    let token_url = format!("{}/rfc/oauth/token", s.base);
    let key = Key::new(11);
    let other = Key::new(13);

    // Not a SHA-256 thumbprint in base64url: an error redirect, no code.
    for bad in [
        "short",
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9X+",
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xt",
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs=",
    ] {
        let p = s.authorize("rfc", "spa", &[("dpop_jkt", bad)]);
        assert_eq!(param(&p, "error"), Some("invalid_request"), "{bad}");
        assert!(param(&p, "code").is_none(), "{bad}");
        assert!(
            param(&p, "error_description").is_some_and(|d| d.contains("dpop_jkt")),
            "{bad}"
        );
    }
    // The example value of the RFC's Figure 25 has the form.
    let p = s.authorize(
        "rfc",
        "spa",
        &[("dpop_jkt", "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")],
    );
    assert!(param(&p, "code").is_some());

    let bound_code = |s: &Server| {
        let p = s.authorize("rfc", "spa", &[("dpop_jkt", &key.jkt())]);
        param(&p, "code").expect("a code").to_string()
    };
    let code = bound_code(&s);
    // No proof, and a proof of another key: refused, and the code is not spent; the key it
    // is bound to: tokens bound to that key.
    bound_grant(
        &s,
        &exchange_form(&code),
        &key,
        &other,
        "bound to a DPoP key",
    );
    // Spent now: the code is single use, whatever the key.
    let r = post(
        &s,
        &exchange_form(&code),
        Some(&key.proof("POST", &token_url, None, None)),
    );
    assert!(r
        .assert_oauth_error(400, "invalid_grant")
        .contains("already used"));
    let stats = s.stats();
    assert_eq!(stats["token"]["rfc"]["authorization_code"]["ok"], 1);
    assert_eq!(
        stats["token"]["rfc"]["authorization_code"]["invalid_grant"],
        3
    );

    // A code without dpop_jkt is bound to whatever key the exchange proves (RFC 9449 §5).
    let r = post(
        &s,
        &exchange_form(&s.code("rfc", "spa")),
        Some(&other.proof("POST", &token_url, None, None)),
    );
    assert_eq!(r.status, 200, "{}", r.body);

    // With a server that demands nonces, the use_dpop_nonce answer does not spend a bound
    // code either, and the key's retry with the nonce exchanges it.
    let n = Server::start(&["--dpop-nonce"]);
    let n_token_url = format!("{}/rfc/oauth/token", n.base);
    let code = bound_code(&n);
    let r = post(
        &n,
        &exchange_form(&code),
        Some(&key.proof("POST", &n_token_url, None, None)),
    );
    r.assert_oauth_error(400, "use_dpop_nonce");
    let nonce = r.header("dpop-nonce").unwrap().to_string();
    let r = post(
        &n,
        &exchange_form(&code),
        Some(&other.proof("POST", &n_token_url, None, Some(&nonce))),
    );
    r.assert_oauth_error(400, "invalid_grant");
    let r = post(
        &n,
        &exchange_form(&code),
        Some(&key.proof("POST", &n_token_url, None, Some(&nonce))),
    );
    assert_eq!(r.status, 200, "{}", r.body);
}
