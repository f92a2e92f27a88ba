//! Token revocation (RFC 7009), RFC dialect only.

use crate::app::App;
use crate::client_auth::authenticate;
use crate::dialect::Dialect;
use crate::http::{Request, Response};
use crate::oauth_error::OAuthError;
use crate::token::read_params;

/// `POST /rfc/oauth/revoke`. Revoking a refresh token revokes its whole grant, access tokens
/// included (RFC 7009 §2.1); revoking an access token revokes just that token. Unknown
/// tokens, and tokens the other dialect issued, get 200 and stay as they are (§2.2).
pub fn revoke(app: &App, req: &Request) -> Response {
    if req.method != "POST" {
        return Response::method_not_allowed("POST, OPTIONS");
    }
    let mut client_id = String::from("-");
    let mut what = "none";
    let result = read_params(Dialect::Rfc, req).and_then(|params| {
        let client = authenticate(&app.config, req, &params)?;
        client_id = client.id.clone();
        let Some(token) = params.get("token") else {
            return Err(OAuthError::invalid_request("token is missing"));
        };
        // token_type_hint only orders the search (§2.1); unknown hints are ignored.
        let mut store = app.store();
        let found = match (
            store.refresh_tokens.get(token),
            store.access_tokens.get(token),
        ) {
            (Some(record), _) => Some(("refresh_token", record.grant.clone())),
            (None, Some(record)) => Some(("access_token", record.grant.clone())),
            (None, None) => None,
        };
        // A token of the other dialect is not one this dialect issued: unknown to it.
        let Some((kind, grant)) = found.filter(|(_, g)| store.grant_of(g, Dialect::Rfc).is_some())
        else {
            return Ok(());
        };
        if store.grants.get(&grant).map(|g| g.client_id.as_str()) != Some(client.id.as_str()) {
            return Err(OAuthError::new(
                "unauthorized_client",
                "the token was not issued to this client (RFC 7009 §2.1)",
            ));
        }
        if kind == "refresh_token" {
            store.revoke_grant(&grant);
        } else if let Some(record) = store.access_tokens.get_mut(token) {
            record.revoked = true;
        }
        what = kind;
        Ok(())
    });
    let outcome = match &result {
        Ok(()) => "ok",
        Err(e) => e.code,
    };
    {
        let mut store = app.store();
        store.stats.bump("revoke.rfc.total");
        store.stats.bump(&format!("revoke.rfc.{outcome}"));
        if result.is_ok() {
            store.stats.bump(&format!("revoke.rfc.revoked.{what}"));
        }
    }
    let note = format!("client={client_id} revoked={what} outcome={outcome}");
    match result {
        Ok(()) => Response::new(200).no_store().note(note),
        Err(e) => e.to_response().note(note),
    }
}
