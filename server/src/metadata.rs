//! Authorization server metadata (RFC 8414) for the RFC dialect.

use serde_json::json;

use crate::app::App;
use crate::dialect::Dialect;
use crate::http::{Request, Response};

/// The dialect's own metadata location, whatever the issuer (the demo page reads it).
const DIALECT_PATH: &str = "/rfc/.well-known/oauth-authorization-server";

/// Whether `path` serves the metadata: the dialect's own location, or the RFC 8414 §3.1
/// location derived from the issuer (`/.well-known/oauth-authorization-server/rfc` by
/// default). The §3.1 location of any other issuer is not served, so a document is never
/// found where §3.3 would make its `issuer` wrong.
pub fn is_metadata_path(app: &App, path: &str) -> bool {
    path == DIALECT_PATH || path == app.metadata_path
}

/// `GET` one of the metadata paths. The endpoints are those this server serves under
/// `http://HOST:PORT/rfc`, also when `--issuer` names another URL.
pub fn metadata(app: &App, req: &Request) -> Response {
    if req.method != "GET" && req.method != "HEAD" {
        return Response::method_not_allowed("GET, HEAD, OPTIONS");
    }
    let served = format!("{}/{}", app.base_url, Dialect::Rfc.key());
    let auth_methods = ["client_secret_basic", "client_secret_post", "none"];
    Response::json(
        200,
        &json!({
            "issuer": app.issuer,
            "authorization_endpoint": format!("{served}/oauth/authorize"),
            "token_endpoint": format!("{served}/oauth/token"),
            "revocation_endpoint": format!("{served}/oauth/revoke"),
            "userinfo_endpoint": format!("{served}/userinfo"),
            "scopes_supported": app.config.rfc_scopes,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256", "plain"],
            "token_endpoint_auth_methods_supported": auth_methods,
            "revocation_endpoint_auth_methods_supported": auth_methods,
            "authorization_response_iss_parameter_supported": app.config.send_iss,
            "dpop_signing_alg_values_supported": [crate::dpop::ALG],
        }),
    )
    .header("Cache-Control", "no-cache")
}
