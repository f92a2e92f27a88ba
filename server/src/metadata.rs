//! Authorization server metadata (RFC 8414) for the RFC dialect.

use serde_json::json;

use crate::app::App;
use crate::http::{Request, Response};

/// `GET /rfc/.well-known/oauth-authorization-server` (and the RFC 8414 §3.1 location
/// `/.well-known/oauth-authorization-server/rfc`).
pub fn metadata(app: &App, req: &Request) -> Response {
    if req.method != "GET" && req.method != "HEAD" {
        return Response::method_not_allowed("GET, HEAD, OPTIONS");
    }
    let issuer = &app.issuer;
    let auth_methods = ["client_secret_basic", "client_secret_post", "none"];
    Response::json(
        200,
        &json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/oauth/authorize"),
            "token_endpoint": format!("{issuer}/oauth/token"),
            "revocation_endpoint": format!("{issuer}/oauth/revoke"),
            "userinfo_endpoint": format!("{issuer}/userinfo"),
            "scopes_supported": app.config.rfc_scopes,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256", "plain"],
            "token_endpoint_auth_methods_supported": auth_methods,
            "revocation_endpoint_auth_methods_supported": auth_methods,
            "authorization_response_iss_parameter_supported": app.config.send_iss,
        }),
    )
    .header("Cache-Control", "no-cache")
}
