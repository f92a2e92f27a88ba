//! The authorization endpoint (RFC 6749 §4.1.1, §4.1.2) and its consent form.

use crate::app::App;
use crate::dialect::Dialect;
use crate::form::{self, Params};
use crate::http::{Request, Response};
use crate::oauth_error::sanitize_description;
use crate::pages;
use crate::pkce;
use crate::secret::random_token;
use crate::store::{AuthorizationRequest, Code, ConsentMode, PendingConsent};

/// How long a consent page stays answerable.
const CONSENT_TTL_MS: u64 = 10 * 60 * 1000;

/// Ellipsis Drive API v3 limits: `state` and `code_challenge` of at most 50 characters each.
const ELLIPSIS_MAX_STATE: usize = 50;
const ELLIPSIS_MAX_CHALLENGE: usize = 50;
/// A generous bound for the RFC dialect, so a page cannot make the server echo megabytes.
const RFC_MAX_STATE: usize = 1024;

/// Appends parameters to a redirect URI, keeping its own query (RFC 6749 §3.1.2).
pub fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let query = form::serialize(pairs);
    if !uri.contains('?') {
        format!("{uri}?{query}")
    } else if uri.ends_with('?') || uri.ends_with('&') {
        format!("{uri}{query}")
    } else {
        format!("{uri}&{query}")
    }
}

/// Redirect parameters for an authorization response: the given ones, then `state` if the
/// request had one, then `iss` in the RFC dialect (RFC 9207 §2: on success and on error).
fn response_params<'a>(
    app: &'a App,
    dialect: Dialect,
    state: Option<&'a str>,
    mut pairs: Vec<(&'a str, &'a str)>,
) -> Vec<(&'a str, &'a str)> {
    if let Some(state) = state {
        pairs.push(("state", state));
    }
    if dialect == Dialect::Rfc && app.config.send_iss {
        pairs.push(("iss", app.issuer.as_str()));
    }
    pairs
}

fn error_redirect(
    app: &App,
    dialect: Dialect,
    redirect_uri: &str,
    state: Option<&str>,
    error: &str,
    description: &str,
    status: u16,
) -> Response {
    let description = sanitize_description(description);
    let params = response_params(
        app,
        dialect,
        state,
        vec![("error", error), ("error_description", &description)],
    );
    Response::redirect(status, &with_query(redirect_uri, &params)).note(format!("error={error}"))
}

fn dialect_label(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Ellipsis => "Ellipsis Drive API v3 (local imitation)",
        Dialect::Rfc => "OAuth 2.0, RFC 6749",
    }
}

/// The granted scope, the PKCE challenge and the `dpop_jkt` of a valid request.
type Validated = (String, Option<(pkce::Method, String)>, Option<String>);

/// Checks the parameters after the redirect URI is trusted. `Err((error, description))`
/// becomes an error redirect.
fn validate(
    app: &App,
    dialect: Dialect,
    params: &Params,
) -> Result<Validated, (&'static str, String)> {
    if let Some(name) = params.repeated() {
        return Err((
            "invalid_request",
            format!("the parameter {name} is repeated (RFC 6749 §3.1)"),
        ));
    }
    let state = params.get("state");
    if let Some(state) = state {
        let max = match dialect {
            Dialect::Ellipsis => ELLIPSIS_MAX_STATE,
            Dialect::Rfc => RFC_MAX_STATE,
        };
        if state.len() > max {
            return Err((
                "invalid_request",
                format!("state is longer than {max} characters"),
            ));
        }
        if !state.bytes().all(|c| (0x20..=0x7e).contains(&c)) {
            return Err((
                "invalid_request",
                "state must be printable ASCII (RFC 6749 Appendix A.5)".into(),
            ));
        }
    }
    match params.get("response_type") {
        None => return Err(("invalid_request", "response_type is missing".into())),
        Some("code") => {}
        Some(_) => {
            return Err((
                "unsupported_response_type",
                "only response_type=code is supported".into(),
            ))
        }
    }
    let scope = match params.get("scope") {
        None => "projects".to_string(),
        Some(scope) => {
            let mut requested: Vec<&str> = Vec::new();
            for s in scope.split(' ') {
                if s.is_empty() {
                    return Err((
                        "invalid_scope",
                        "scope must be single-space-separated (RFC 6749 §3.3)".into(),
                    ));
                }
                if !requested.contains(&s) {
                    requested.push(s);
                }
            }
            let allowed: Vec<&str> = match dialect {
                Dialect::Ellipsis => vec!["projects"],
                Dialect::Rfc => app.config.rfc_scopes.iter().map(String::as_str).collect(),
            };
            if let Some(bad) = requested.iter().find(|s| !allowed.contains(s)) {
                return Err((
                    "invalid_scope",
                    format!("unknown scope {bad:?}; allowed: {}", allowed.join(" ")),
                ));
            }
            requested.join(" ")
        }
    };
    let method = match params.get("code_challenge_method") {
        None => pkce::Method::Plain, // Ellipsis' documented default, and RFC 7636 §4.3's
        Some(m) => pkce::Method::parse(m).ok_or((
            "invalid_request",
            "code_challenge_method must be S256 or plain".to_string(),
        ))?,
    };
    let challenge = match params.get("code_challenge") {
        None if params.get("code_challenge_method").is_some() => {
            return Err((
                "invalid_request",
                "code_challenge_method was sent without code_challenge".into(),
            ))
        }
        None if dialect == Dialect::Rfc && app.config.rfc_require_pkce => {
            return Err((
                "invalid_request",
                "code_challenge is required (PKCE, RFC 7636; RFC 9700 §2.1.1)".into(),
            ))
        }
        None => None,
        Some(c) => {
            if dialect == Dialect::Ellipsis && c.len() > ELLIPSIS_MAX_CHALLENGE {
                return Err((
                    "invalid_request",
                    format!("code_challenge is longer than {ELLIPSIS_MAX_CHALLENGE} characters"),
                ));
            }
            if !pkce::is_valid_challenge(method, c) {
                return Err((
                    "invalid_request",
                    format!(
                        "code_challenge is not a valid {} challenge (RFC 7636 §4.2)",
                        method.as_str()
                    ),
                ));
            }
            Some((method, c.to_string()))
        }
    };
    // RFC 9449 §10: the RFC 7638 thumbprint (SHA-256, base64url: 43 characters) of the key
    // the code is bound to; kept with the code and checked at the token endpoint.
    let dpop_jkt = match params.get("dpop_jkt") {
        None => None,
        Some(j) if is_sha256_base64url(j) => Some(j.to_string()),
        Some(_) => {
            return Err((
                "invalid_request",
                "dpop_jkt must be a JWK SHA-256 thumbprint in base64url, 43 characters (RFC 9449 §10, RFC 7638)".into(),
            ))
        }
    };
    Ok((scope, challenge, dpop_jkt))
}

/// 32 octets in unpadded base64url: 43 characters, the last one carrying 4 bits.
fn is_sha256_base64url(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 43
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        && b"AEIMQUYcgkosw048".contains(&b[42])
}

/// `GET <prefix>/oauth/authorize`.
pub fn authorize(app: &App, dialect: Dialect, req: &Request) -> Response {
    // GET only: a HEAD must not mint codes or consent ids.
    if req.method != "GET" {
        return Response::method_not_allowed("GET");
    }
    app.store()
        .stats
        .bump(&format!("authorize.{}.total", dialect.key()));
    let outcome = authorize_inner(app, dialect, req);
    let kind = if outcome.status == 200 {
        "consent_page"
    } else if outcome.header_value("Location").is_some() {
        if outcome.log_note.starts_with("error=") {
            "error_redirect"
        } else {
            "code"
        }
    } else {
        "error_page"
    };
    app.store()
        .stats
        .bump(&format!("authorize.{}.{kind}", dialect.key()));
    outcome
}

fn authorize_inner(app: &App, dialect: Dialect, req: &Request) -> Response {
    let serves_app = app.config.www.is_some();
    let Ok(params) = Params::parse(&req.query) else {
        return pages::error(
            400,
            "invalid_request",
            "The request's query string is not valid URL encoding.",
            pages::Why::Unreadable,
            serves_app,
        );
    };
    // Until the client and its redirect URI are verified, errors are shown here and never
    // redirected (RFC 6749 §4.1.2.1).
    for name in ["client_id", "redirect_uri"] {
        if params.count(name) > 1 {
            let why = if name == "client_id" {
                pages::Why::NoClient
            } else {
                pages::Why::UnverifiedRedirect
            };
            return pages::error(
                400,
                "invalid_request",
                &format!("The parameter {name} is repeated (RFC 6749 §3.1)."),
                why,
                serves_app,
            );
        }
    }
    let Some(client_id) = params.get("client_id") else {
        return pages::error(
            400,
            "invalid_request",
            "The client_id parameter is missing.",
            pages::Why::NoClient,
            serves_app,
        );
    };
    let Some(client) = app.config.client(client_id) else {
        return pages::error(
            400,
            "invalid_client",
            &format!("No application is registered with client_id \"{client_id}\"."),
            pages::Why::UnknownClient,
            serves_app,
        );
    };
    let (redirect_uri, redirect_uri_sent) = match params.get("redirect_uri") {
        Some(uri) if client.redirect_uris.iter().any(|r| r == uri) => (uri.to_string(), true),
        Some(_) => return pages::error(
            400,
            "invalid_request",
            "The redirect_uri is not one registered for this application (exact match required).",
            pages::Why::UnverifiedRedirect,
            serves_app,
        ),
        None if client.redirect_uris.len() == 1 => (client.redirect_uris[0].clone(), false),
        None => {
            return pages::error(
                400,
                "invalid_request",
                "The redirect_uri parameter is required: this application has several registered.",
                pages::Why::UnverifiedRedirect,
                serves_app,
            )
        }
    };
    let state = params.get("state").map(String::from);
    let (scope, challenge, dpop_jkt) = match validate(app, dialect, &params) {
        Ok(v) => v,
        Err((error, description)) => {
            return error_redirect(
                app,
                dialect,
                &redirect_uri,
                state.as_deref(),
                error,
                &description,
                302,
            )
        }
    };
    let request = AuthorizationRequest {
        dialect,
        client_id: client.id.clone(),
        redirect_uri,
        redirect_uri_sent,
        scope,
        state,
        challenge,
        dpop_jkt,
    };
    let mode = app.store().consent_mode;
    let decision = match mode {
        ConsentMode::Allow => Some(true),
        ConsentMode::Deny => Some(false),
        ConsentMode::Page if app.config.auto_approve || client.auto_approve => Some(true),
        ConsentMode::Page => None,
    };
    match decision {
        Some(allow) => {
            app.store().stats.bump(if allow {
                "consent.auto_allow"
            } else {
                "consent.auto_deny"
            });
            decide(app, request, allow, 302)
        }
        None => {
            let consent_id = random_token();
            app.store().consents.insert(
                consent_id.clone(),
                PendingConsent {
                    request: request.clone(),
                    created_ms: app.now_ms(),
                },
            );
            pages::consent(&pages::ConsentView {
                client_name: &client.name,
                client_id: &client.id,
                redirect_uri: &request.redirect_uri,
                scope: &request.scope,
                user: &app.config.user,
                action: &format!("/{}/oauth/consent", dialect.key()),
                consent_id: &consent_id,
                dialect_label: dialect_label(dialect),
            })
            .note(format!("client={} consent_page", client.id))
        }
    }
}

/// Ends an authorization request: a code, or `access_denied`.
fn decide(app: &App, request: AuthorizationRequest, allow: bool, status: u16) -> Response {
    let dialect = request.dialect;
    if !allow {
        return error_redirect(
            app,
            dialect,
            &request.redirect_uri,
            request.state.as_deref(),
            "access_denied",
            "The user has refused access.",
            status,
        );
    }
    let code = random_token();
    let location = {
        let params = response_params(
            app,
            dialect,
            request.state.as_deref(),
            vec![("code", code.as_str())],
        );
        with_query(&request.redirect_uri, &params)
    };
    let note = format!("client={} code_issued", request.client_id);
    app.store().codes.insert(
        code,
        Code {
            request,
            issued_ms: app.now_ms(),
            used: false,
            grant: None,
        },
    );
    Response::redirect(status, &location).note(note)
}

/// `POST <prefix>/oauth/consent`: the consent page's Allow / Deny buttons.
pub fn consent(app: &App, dialect: Dialect, req: &Request) -> Response {
    if req.method != "POST" {
        return Response::method_not_allowed("POST");
    }
    if req.media_type().as_deref() != Some("application/x-www-form-urlencoded") {
        return pages::error(
            400,
            "invalid_request",
            "The consent form was not form-encoded.",
            pages::Why::Consent,
            app.config.www.is_some(),
        );
    }
    let params = std::str::from_utf8(&req.body)
        .ok()
        .and_then(|body| Params::parse(body).ok());
    let Some(params) = params else {
        return pages::error(
            400,
            "invalid_request",
            "The consent form is malformed.",
            pages::Why::Consent,
            app.config.www.is_some(),
        );
    };
    let allow = match params.get("decision") {
        Some("allow") => true,
        Some("deny") => false,
        _ => {
            return pages::error(
                400,
                "invalid_request",
                "The consent form has no decision (allow or deny).",
                pages::Why::Consent,
                app.config.www.is_some(),
            )
        }
    };
    // Only the dialect that showed the page may use up its consent id: a form posted to the
    // other dialect's endpoint leaves it answerable where it belongs.
    let pending = params.get("consent_id").and_then(|id| {
        let mut store = app.store();
        let ours = store
            .consents
            .get(id)
            .is_some_and(|p| p.request.dialect == dialect);
        if ours {
            store.consents.remove(id)
        } else {
            None
        }
    });
    let Some(pending) = pending else {
        return pages::error(
            400,
            "invalid_request",
            "This consent request is unknown, expired, or was already answered.",
            pages::Why::Consent,
            app.config.www.is_some(),
        );
    };
    if app.now_ms().saturating_sub(pending.created_ms) >= CONSENT_TTL_MS {
        return pages::error(
            400,
            "invalid_request",
            "This consent request is unknown, expired, or was already answered.",
            pages::Why::Consent,
            app.config.www.is_some(),
        );
    }
    app.store().stats.bump(if allow {
        "consent.allow"
    } else {
        "consent.deny"
    });
    // 303: the browser follows with a GET to the client's redirect URI.
    decide(app, pending.request, allow, 303)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_appended_to_existing_queries() {
        assert_eq!(
            with_query("http://a/cb", &[("code", "x"), ("state", "s t")]),
            "http://a/cb?code=x&state=s+t"
        );
        assert_eq!(
            with_query("http://a/cb?app=1", &[("code", "x")]),
            "http://a/cb?app=1&code=x"
        );
        assert_eq!(
            with_query("http://a/cb?", &[("code", "x")]),
            "http://a/cb?code=x"
        );
    }
}
