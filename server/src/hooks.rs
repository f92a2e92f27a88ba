//! Test hooks, present only with `--test-hooks`. They are for test programs (Node, curl),
//! never for web pages: a request with an `Origin` header is refused, because a browser sends
//! one on every cross-origin POST, including the "simple" ones that need no preflight.

use serde_json::json;

use crate::app::App;
use crate::clock::MAX_OFFSET_SECONDS;
use crate::form::Params;
use crate::http::{Request, Response};
use crate::store::ConsentMode;

/// The hook paths.
pub const PATHS: [&str; 4] = ["/__stats", "/__reset", "/__clock", "/__consent"];

/// Routes `/__…` paths; `None` when the path is not a hook.
pub fn route(app: &App, req: &Request) -> Option<Response> {
    if !PATHS.contains(&req.path.as_str()) {
        return None;
    }
    if req.header("origin").is_some() {
        return Some(Response::json(
            403,
            &json!({ "error": "test hooks refuse requests from web pages (an Origin header)" }),
        ));
    }
    let params = Params::parse(&req.query).unwrap_or_default();
    let response = match req.path.as_str() {
        "/__stats" => {
            if req.method != "GET" {
                return Some(Response::method_not_allowed("GET"));
            }
            let store = app.store();
            let mut stats = store.stats.to_json();
            // Totals over both dialects, for tests that only ask "was a request sent?".
            let total = |section: &str| -> u64 {
                stats[section]
                    .as_object()
                    .map(|m| m.values().filter_map(|d| d["total"].as_u64()).sum())
                    .unwrap_or(0)
            };
            let totals = json!({
                "token_requests": total("token"),
                "authorize_requests": total("authorize"),
                "revocations": total("revoke"),
            });
            for (k, v) in totals.as_object().into_iter().flatten() {
                stats[k] = v.clone();
            }
            stats["clock"] = json!({ "offsetSeconds": app.clock.offset_seconds() });
            stats["consentMode"] = json!(match store.consent_mode {
                ConsentMode::Page => "page",
                ConsentMode::Allow => "allow",
                ConsentMode::Deny => "deny",
            });
            Response::json(200, &stats).no_store()
        }
        "/__reset" => {
            if req.method != "POST" {
                return Some(Response::method_not_allowed("POST"));
            }
            app.store().reset();
            app.clock.reset();
            Response::json(200, &json!({ "reset": true })).no_store()
        }
        "/__clock" => {
            if req.method != "POST" {
                return Some(Response::method_not_allowed("POST"));
            }
            let Some(seconds) = params.get("advance").and_then(|s| s.parse::<u64>().ok()) else {
                return Some(Response::json(
                    400,
                    &json!({ "error": "advance=SECONDS (a non-negative integer) is required" }),
                ));
            };
            let Some(offset) = app.clock.advance(seconds) else {
                return Some(Response::json(
                    400,
                    &json!({ "error": format!("the clock offset may not pass {MAX_OFFSET_SECONDS} seconds (100 years)") }),
                ));
            };
            Response::json(200, &json!({ "offsetSeconds": offset })).no_store()
        }
        "/__consent" => {
            if req.method != "POST" {
                return Some(Response::method_not_allowed("POST"));
            }
            let mode = match params.get("mode") {
                Some("page") => ConsentMode::Page,
                Some("allow") => ConsentMode::Allow,
                Some("deny") => ConsentMode::Deny,
                _ => {
                    return Some(Response::json(
                        400,
                        &json!({ "error": "mode=page|allow|deny is required" }),
                    ))
                }
            };
            app.store().consent_mode = mode;
            Response::json(200, &json!({ "consentMode": params.get("mode") })).no_store()
        }
        _ => return None,
    };
    Some(response)
}
