//! A protected resource (RFC 6750) so tests can prove a token works, or stopped working.

use serde_json::json;

use crate::app::App;
use crate::dialect::Dialect;
use crate::http::{Request, Response};

fn challenge(error: Option<(&str, &str)>) -> Response {
    let (header, body) = match error {
        None => (
            "Bearer realm=\"oauth-spa-server\"".to_string(),
            json!({"error": "invalid_request", "error_description": "a Bearer access token is required"}),
        ),
        Some((code, description)) => (
            format!("Bearer realm=\"oauth-spa-server\", error=\"{code}\", error_description=\"{description}\""),
            json!({"error": code, "error_description": description}),
        ),
    };
    let status = if error.is_some_and(|(c, _)| c == "invalid_request") {
        400
    } else {
        401
    };
    Response::json(status, &body)
        .header("WWW-Authenticate", &header)
        .no_store()
}

/// `GET /v3/account` and `GET /rfc/userinfo`: `{"sub": ..., "scope": ..., "client_id": ...}`
/// for a live Bearer token in the `Authorization` header (RFC 6750 §2.1; never the query).
pub fn resource(app: &App, dialect: Dialect, req: &Request) -> Response {
    if req.method != "GET" && req.method != "HEAD" {
        return Response::method_not_allowed("GET, HEAD, OPTIONS");
    }
    let response = resource_inner(app, dialect, req);
    let outcome = if response.status == 200 {
        "ok"
    } else {
        "denied"
    };
    app.store()
        .stats
        .bump(&format!("resource.{}.{outcome}", dialect.key()));
    response
}

/// A 401 with a `DPoP` challenge (RFC 9449 §7.1, §9), and a `DPoP-Nonce` when one is needed.
fn dpop_challenge(code: &str, description: &str, nonce: Option<&str>) -> Response {
    let header = format!(
        "DPoP algs=\"{}\", error=\"{code}\", error_description=\"{description}\"",
        crate::dpop::ALG
    );
    let mut r = Response::json(
        401,
        &json!({"error": code, "error_description": description}),
    )
    .header("WWW-Authenticate", &header)
    .no_store();
    if let Some(n) = nonce {
        r = r.header("DPoP-Nonce", n);
    }
    r
}

fn resource_inner(app: &App, dialect: Dialect, req: &Request) -> Response {
    let Some(header) = req.header("authorization") else {
        return challenge(None);
    };
    let (scheme, token) = header.split_once(' ').unwrap_or((header, ""));
    let token = token.trim();
    let dpop = scheme.eq_ignore_ascii_case("dpop");
    if !(dpop || scheme.eq_ignore_ascii_case("bearer")) || token.is_empty() {
        return challenge(Some((
            "invalid_request",
            "use the Bearer scheme (RFC 6750 section 2.1) or DPoP (RFC 9449 section 7.1)",
        )));
    }
    let (bound, client_id, scope) = {
        let store = app.store();
        match store.live_access_token(token, dialect, app.now_ms()) {
            Ok(record) => (
                record.jkt.clone(),
                store
                    .grants
                    .get(&record.grant)
                    .map(|g| g.client_id.clone())
                    .unwrap_or_default(),
                record.scope.clone(),
            ),
            Err(why) if dpop => return dpop_challenge("invalid_token", why, None),
            Err(why) => return challenge(Some(("invalid_token", why))),
        }
    };
    match (bound, dpop) {
        // RFC 9449 §7.2: a bound token is not a Bearer token.
        (Some(_), false) => {
            return challenge(Some((
                "invalid_token",
                "the token is DPoP-bound: present it with the DPoP scheme and a proof",
            )))
        }
        (None, true) => {
            return dpop_challenge(
                "invalid_token",
                "the token is not DPoP-bound: present it as a Bearer token",
                None,
            )
        }
        (Some(jkt), true) => match crate::dpop::check(app, req, Some(token)) {
            Ok(Some(key)) if key == jkt => {}
            Ok(Some(_)) => {
                return dpop_challenge(
                    "invalid_dpop_proof",
                    "the DPoP proof is signed by another key than the token is bound to",
                    None,
                )
            }
            Ok(None) => {
                return dpop_challenge(
                    "invalid_dpop_proof",
                    "a DPoP-bound token needs a DPoP proof",
                    None,
                )
            }
            Err(crate::dpop::Refusal::Invalid(why)) => {
                return dpop_challenge("invalid_dpop_proof", &why, None)
            }
            Err(crate::dpop::Refusal::NonceNeeded(nonce)) => {
                return dpop_challenge(
                    "use_dpop_nonce",
                    "the DPoP proof must carry the nonce in the DPoP-Nonce header",
                    Some(&nonce),
                )
            }
        },
        (None, false) => {}
    }
    Response::json(
        200,
        &json!({
            "sub": app.config.user,
            "scope": scope,
            "client_id": client_id,
        }),
    )
    .no_store()
    .note(format!("client={client_id}"))
}
