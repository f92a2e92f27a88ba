//! CORS for the endpoints a browser app calls with fetch: token, revocation, resources,
//! metadata, test hooks. Origins not configured get no CORS headers at all.

use crate::app::App;
use crate::http::{Request, Response};

fn allowed_origin<'r>(app: &App, req: &'r Request) -> Option<&'r str> {
    let origin = req.header("origin")?;
    let ok = app
        .cors_origins
        .iter()
        .any(|o| o == "*" || o.eq_ignore_ascii_case(origin));
    ok.then_some(origin)
}

/// Answers a preflight (`OPTIONS` with `Access-Control-Request-Method`), 204 either way.
pub fn preflight(app: &App, req: &Request, methods: &str) -> Response {
    let mut response = Response::new(204).header("Vary", "Origin");
    if let Some(origin) = allowed_origin(app, req) {
        response = response
            .header("Access-Control-Allow-Origin", origin)
            .header("Access-Control-Allow-Methods", methods)
            .header(
                "Access-Control-Allow-Headers",
                "authorization, content-type, accept, dpop",
            )
            .header("Access-Control-Max-Age", "600");
        // Chromium's Private Network Access preflight.
        if req
            .header("access-control-request-private-network")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            response = response.header("Access-Control-Allow-Private-Network", "true");
        }
    }
    response
}

/// Adds CORS headers to an actual response when the origin is allowed.
pub fn decorate(app: &App, req: &Request, mut response: Response) -> Response {
    response.set_header("Vary", "Origin");
    if let Some(origin) = allowed_origin(app, req) {
        response.set_header("Access-Control-Allow-Origin", origin);
        response.set_header(
            "Access-Control-Expose-Headers",
            "WWW-Authenticate, DPoP-Nonce",
        );
    }
    response
}
