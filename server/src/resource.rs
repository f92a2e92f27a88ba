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

fn resource_inner(app: &App, dialect: Dialect, req: &Request) -> Response {
    let Some(header) = req.header("authorization") else {
        return challenge(None);
    };
    let (scheme, token) = header.split_once(' ').unwrap_or((header, ""));
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return challenge(Some((
            "invalid_request",
            "use the Bearer scheme (RFC 6750 section 2.1)",
        )));
    }
    let store = app.store();
    match store.live_access_token(token, dialect, app.now_ms()) {
        Ok(record) => {
            let client_id = store
                .grants
                .get(&record.grant)
                .map(|g| g.client_id.clone())
                .unwrap_or_default();
            Response::json(
                200,
                &json!({
                    "sub": app.config.user,
                    "scope": record.scope,
                    "client_id": client_id,
                }),
            )
            .no_store()
            .note(format!("client={client_id}"))
        }
        Err(why) => challenge(Some(("invalid_token", why))),
    }
}
