//! The token endpoint (RFC 6749 §3.2, §4.1.3, §5, §6): code exchange and refresh.

use serde_json::{json, Value};

use crate::app::App;
use crate::client_auth::authenticate;
use crate::config::Client;
use crate::dialect::Dialect;
use crate::dpop::{self, Refusal};
use crate::form::Params;
use crate::http::{Request, Response};
use crate::oauth_error::OAuthError;
use crate::pkce;

/// Reads the token request's parameters. Form bodies in both dialects; JSON objects of
/// strings only in the Ellipsis dialect (its own clients send JSON).
pub fn read_params(dialect: Dialect, req: &Request) -> Result<Params, OAuthError> {
    let media_type = req.media_type();
    let params = match media_type.as_deref() {
        Some("application/x-www-form-urlencoded") => {
            let body = std::str::from_utf8(&req.body)
                .map_err(|_| OAuthError::invalid_request("the body is not UTF-8"))?;
            Params::parse(body).map_err(|_| {
                OAuthError::invalid_request(
                    "the body is not valid application/x-www-form-urlencoded",
                )
            })?
        }
        Some("application/json") if dialect == Dialect::Ellipsis => {
            let value: Value = serde_json::from_slice(&req.body)
                .map_err(|_| OAuthError::invalid_request("the body is not valid JSON"))?;
            let Value::Object(map) = value else {
                return Err(OAuthError::invalid_request(
                    "the JSON body must be an object",
                ));
            };
            let mut pairs = Vec::new();
            for (name, value) in map {
                match value {
                    Value::String(s) => pairs.push((name, s)),
                    Value::Null => {}
                    _ => {
                        return Err(OAuthError::invalid_request(format!(
                            "the JSON member {name:?} must be a string"
                        )))
                    }
                }
            }
            Params::from_pairs(pairs)
        }
        other => {
            let accepted = match dialect {
                Dialect::Ellipsis => "application/x-www-form-urlencoded or application/json",
                Dialect::Rfc => "application/x-www-form-urlencoded (RFC 6749 §4.1.3)",
            };
            return Err(OAuthError::invalid_request(format!(
                "unsupported Content-Type {}; send {accepted}",
                other.unwrap_or("(none)")
            )));
        }
    };
    if let Some(name) = params.repeated() {
        return Err(OAuthError::invalid_request(format!(
            "the parameter {name} is repeated (RFC 6749 §3.2)"
        )));
    }
    Ok(params)
}

/// `POST <prefix>/oauth/token`.
pub fn token(app: &App, dialect: Dialect, req: &Request) -> Response {
    if req.method != "POST" {
        return Response::method_not_allowed("POST, OPTIONS");
    }
    let mut grant_key = "unknown";
    let mut client_id = String::from("-");
    let result = read_params(dialect, req).and_then(|params| {
        grant_key = match params.get("grant_type") {
            Some("authorization_code") => "authorization_code",
            Some("refresh_token") => "refresh_token",
            Some(_) => "other",
            None => "missing",
        };
        let client = authenticate(&app.config, req, &params)?;
        client_id = client.id.clone();
        // Before the grant is looked at: a proof refused for want of a nonce must leave the
        // code unused for the retry (RFC 9449 §8).
        let jkt = match dpop::check(app, req, None) {
            Ok(jkt) => jkt,
            Err(Refusal::Invalid(why)) => return Err(OAuthError::new("invalid_dpop_proof", why)),
            Err(Refusal::NonceNeeded(nonce)) => {
                let mut e = OAuthError::new(
                    "use_dpop_nonce",
                    "the DPoP proof must carry the nonce in the DPoP-Nonce header",
                );
                e.dpop_nonce = Some(nonce);
                return Err(e);
            }
        };
        match grant_key {
            "authorization_code" => exchange_code(app, dialect, &params, client, jkt.as_deref()),
            "refresh_token" => refresh(app, dialect, &params, client, jkt.as_deref()),
            "missing" => Err(OAuthError::invalid_request("grant_type is missing")),
            _ => Err(OAuthError::new(
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            )),
        }
    });
    let outcome = match &result {
        Ok(_) => "ok",
        Err(e) => e.code,
    };
    {
        let mut store = app.store();
        let prefix = dialect.key();
        store.stats.bump(&format!("token.{prefix}.total"));
        store
            .stats
            .bump(&format!("token.{prefix}.{grant_key}.{outcome}"));
    }
    let note = format!("client={client_id} grant={grant_key} outcome={outcome}");
    match result {
        Ok(body) => Response::json(200, &body).no_store().note(note),
        Err(e) => e.to_response().note(note),
    }
}

fn token_response(
    app: &App,
    access: String,
    refresh: Option<String>,
    scope: &str,
    bound: bool,
) -> Value {
    let mut body = json!({
        "access_token": access,
        // RFC 9449 §5: a token bound to the proof's key is of type DPoP.
        "token_type": if bound { "DPoP" } else { "Bearer" },
        "expires_in": app.config.expires_in,
        "scope": scope,
    });
    if let Some(refresh) = refresh {
        body["refresh_token"] = Value::String(refresh);
    }
    body
}

/// RFC 6749 §4.1.3 with RFC 7636 §4.5-4.6.
fn exchange_code(
    app: &App,
    dialect: Dialect,
    params: &Params,
    client: &Client,
    jkt: Option<&str>,
) -> Result<Value, OAuthError> {
    let name = dialect.code_param();
    let Some(code) = params.get(name) else {
        let other = match dialect {
            Dialect::Ellipsis => "code",
            Dialect::Rfc => "authorization_code",
        };
        let hint = if params.get(other).is_some() {
            format!(" (this endpoint reads the code from {name}, not {other})")
        } else {
            String::new()
        };
        return Err(OAuthError::invalid_request(format!(
            "{name} is missing{hint}"
        )));
    };
    let now = app.now_ms();
    let mut store = app.store();
    let Some(record) = store.codes.get_mut(code) else {
        return Err(OAuthError::invalid_grant(
            "the authorization code is unknown",
        ));
    };
    if record.used {
        // RFC 6749 §4.1.2: a reused code; revoke what was issued from it.
        let grant = record.grant.clone();
        if let Some(grant) = grant {
            store.revoke_grant(&grant);
        }
        return Err(OAuthError::invalid_grant(
            "the authorization code was already used; tokens issued from it are revoked",
        ));
    }
    // RFC 9449 §10: a code bound to a key (`dpop_jkt`) is exchanged only with a proof of that
    // key; the server "MUST reject the request" otherwise. The RFC names no error code:
    // `invalid_grant` (RFC 6749 §5.2), as for a bound refresh token below. Checked before the
    // code is spent, so a request that cannot prove the key cannot use the code up either.
    match (record.request.dpop_jkt.as_deref(), jkt) {
        (Some(_), None) => {
            return Err(OAuthError::invalid_grant(
                "the authorization code is bound to a DPoP key (dpop_jkt, RFC 9449 §10): send a DPoP proof of that key",
            ))
        }
        (Some(bound), Some(given)) if bound != given => {
            return Err(OAuthError::invalid_grant(
                "the authorization code is bound to another DPoP key (dpop_jkt, RFC 9449 §10)",
            ))
        }
        _ => {}
    }
    // Single use: the first request that presents the code consumes it, whatever happens.
    record.used = true;
    let request = record.request.clone();
    let issued_ms = record.issued_ms;
    if request.dialect != dialect {
        return Err(OAuthError::invalid_grant(
            "the authorization code was issued by the other dialect's authorization endpoint",
        ));
    }
    if request.client_id != client.id {
        return Err(OAuthError::invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    if now.saturating_sub(issued_ms) >= app.config.code_ttl.saturating_mul(1000) {
        return Err(OAuthError::invalid_grant(format!(
            "the authorization code expired (valid for {} seconds)",
            app.config.code_ttl
        )));
    }
    match params.get("redirect_uri") {
        None if request.redirect_uri_sent => {
            return Err(OAuthError::invalid_request(
                "redirect_uri is required because the authorization request included it",
            ))
        }
        Some(uri) if uri != request.redirect_uri => {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the authorization request",
            ))
        }
        _ => {}
    }
    let verifier = params.get("code_verifier");
    match (&request.challenge, verifier) {
        (Some(_), None) => {
            return Err(OAuthError::invalid_request(
                "code_verifier is required because the authorization request had a code_challenge",
            ))
        }
        (Some(_), Some(v)) if !pkce::is_valid_verifier(v) => {
            return Err(OAuthError::invalid_request(
                "code_verifier must be 43-128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1)",
            ))
        }
        (Some((method, challenge)), Some(v)) => {
            if !pkce::verify(*method, challenge, v) {
                return Err(OAuthError::invalid_grant(
                    "code_verifier does not match the code_challenge (RFC 7636 §4.6)",
                ));
            }
        }
        (None, Some(_)) => {
            // RFC 9700 §2.1.1: refuse a verifier for a code issued without a challenge
            // (PKCE downgrade).
            return Err(OAuthError::invalid_grant(
                "code_verifier sent, but the authorization request had no code_challenge",
            ));
        }
        (None, None) => {}
    }
    // RFC 9449 §5: the refresh tokens of a public client are bound to the key as well.
    let grant = store.new_grant(dialect, &client.id, &request.scope, jkt);
    if let Some(record) = store.codes.get_mut(code) {
        record.grant = Some(grant.clone());
    }
    let expires = now.saturating_add(app.config.expires_in.saturating_mul(1000));
    let issued = store.issue(&grant, &request.scope, expires, client.refresh_tokens, jkt);
    Ok(token_response(
        app,
        issued.access_token,
        issued.refresh_token,
        &request.scope,
        jkt.is_some(),
    ))
}

/// RFC 6749 §6 with rotation: every use returns a new refresh token and retires the old one.
/// Presenting a retired refresh token revokes the whole grant (RFC 9700 §4.14.2). Only the
/// dialect that issued the grant accepts its refresh tokens.
fn refresh(
    app: &App,
    dialect: Dialect,
    params: &Params,
    client: &Client,
    jkt: Option<&str>,
) -> Result<Value, OAuthError> {
    let Some(token) = params.get("refresh_token") else {
        return Err(OAuthError::invalid_request("refresh_token is missing"));
    };
    let now = app.now_ms();
    let mut store = app.store();
    let Some(record) = store.refresh_tokens.get(token) else {
        return Err(OAuthError::invalid_grant(
            "the refresh token is unknown or revoked",
        ));
    };
    let grant_id = record.grant.clone();
    let rotated = record.rotated;
    let Some(grant) = store.grants.get(&grant_id) else {
        return Err(OAuthError::invalid_grant(
            "the refresh token is unknown or revoked",
        ));
    };
    if grant.dialect != dialect {
        return Err(OAuthError::invalid_grant(
            "the refresh token was issued by the other dialect's token endpoint",
        ));
    }
    if grant.client_id != client.id {
        return Err(OAuthError::invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    if grant.revoked {
        return Err(OAuthError::invalid_grant("the refresh token was revoked"));
    }
    // RFC 9449 §5: a bound refresh token needs a proof of the same key. Checked before the
    // rotation below, so a refused attempt does not spend the token.
    match (grant.jkt.as_deref(), jkt) {
        (Some(_), None) => {
            return Err(OAuthError::invalid_grant(
                "the refresh token is bound to a DPoP key: send a DPoP proof of that key",
            ))
        }
        (Some(bound), Some(given)) if bound != given => {
            return Err(OAuthError::invalid_grant(
                "the refresh token is bound to another DPoP key",
            ))
        }
        _ => {}
    }
    if rotated {
        store.revoke_grant(&grant_id);
        return Err(OAuthError::invalid_grant(
            "the refresh token was already used and replaced; the grant is revoked",
        ));
    }
    let granted = grant.scope.clone();
    let scope = match params.get("scope") {
        None => granted.clone(),
        Some(asked) => {
            let granted_set: Vec<&str> = granted.split(' ').collect();
            if let Some(bad) = asked.split(' ').find(|s| !granted_set.contains(s)) {
                return Err(OAuthError::new(
                    "invalid_scope",
                    format!("scope {bad:?} was not granted (RFC 6749 §6)"),
                ));
            }
            asked.to_string()
        }
    };
    if let Some(record) = store.refresh_tokens.get_mut(token) {
        record.rotated = true;
    }
    let expires = now.saturating_add(app.config.expires_in.saturating_mul(1000));
    let issued = store.issue(&grant_id, &scope, expires, true, jkt);
    Ok(token_response(
        app,
        issued.access_token,
        issued.refresh_token,
        &scope,
        jkt.is_some(),
    ))
}
