//! Finishing a login: reading the authorization response (RFC 6749 §4.1.2, RFC 9207 §2) and
//! turning it into a token request, after the pending transaction has been consumed.

use crate::core::config::ClientConfig;
use crate::core::encoding::{append_pairs, cat, parse_form};
use crate::core::error::{Error, ErrorCode};
use crate::core::secret::Secret;
use crate::core::token::{token_request, Grant, TokenRequest};
use crate::core::transaction::{Storage, Transaction};
use crate::core::url;
use alloc::{borrow::ToOwned, string::String};

/// Response parameters this crate reads; each may appear at most once (RFC 6749 §3.1).
const RESPONSE_PARAMS: [&str; 7] = [
    "code",
    "state",
    "iss",
    "error",
    "error_description",
    "error_uri",
    "session_state",
];

/// The authorization response's parameters, read from the query or, when the query has none,
/// from the fragment (`response_mode=fragment`).
#[derive(Debug, Default)]
pub struct AuthorizationResponse {
    /// `code`
    pub code: Option<Secret>,
    /// `state`
    pub state: Option<String>,
    /// `iss` (RFC 9207)
    pub iss: Option<String>,
    /// `error`
    pub error: Option<String>,
    /// `error_description`
    pub error_description: Option<String>,
    /// `error_uri`
    pub error_uri: Option<String>,
    /// `true` when the parameters came from the fragment.
    pub in_fragment: bool,
}

/// Reads the response parameters from the callback URL, refusing repeated ones.
pub fn parse_authorization_response(callback_url: &str) -> Result<AuthorizationResponse, Error> {
    let parts = url::parse("callback URL", callback_url).map_err(|_| {
        Error::new(
            ErrorCode::InvalidArgument,
            "the callback URL is not an absolute http(s) URL",
        )
    })?;
    let has_response = |pairs: &[(String, String)]| {
        pairs
            .iter()
            .any(|(n, _)| matches!(n.as_str(), "code" | "state" | "error"))
    };
    let query = parse_form(parts.query.unwrap_or(""));
    let (pairs, in_fragment) = if has_response(&query) {
        (query, false)
    } else {
        let fragment = parse_form(parts.fragment.unwrap_or(""));
        if has_response(&fragment) {
            (fragment, true)
        } else {
            (query, false)
        }
    };
    let mut found: [Option<String>; 7] = Default::default();
    for (slot, name) in found.iter_mut().zip(RESPONSE_PARAMS) {
        for (n, v) in &pairs {
            if n != name {
                continue;
            }
            if slot.is_none() {
                *slot = Some(v.clone());
                continue;
            }
            return Err(Error::concat(
                ErrorCode::DuplicateParameter,
                &[
                    "the authorization response has the parameter ",
                    name,
                    " more than once (RFC 6749 §3.1)",
                ],
            ));
        }
    }
    // In RESPONSE_PARAMS order; session_state is only checked for repeats.
    let [code, state, iss, error, error_description, error_uri, _] = found;
    Ok(AuthorizationResponse {
        code: code.map(Secret::new),
        state,
        iss,
        error,
        error_description,
        error_uri,
        in_fragment,
    })
}

/// What is left to do after [`begin_callback`]: send `request`, then read the answer with
/// [`crate::parse_token_response`] passing `requested_scope`.
#[derive(Debug)]
pub struct PendingExchange {
    /// The token request to send.
    pub request: TokenRequest,
    /// The scope that was requested, for [`crate::parse_token_response`].
    pub requested_scope: Option<String>,
    /// The application's value given to `start_login`.
    pub app_state: Option<String>,
}

/// Validates an authorization response and consumes its transaction.
///
/// In order: duplicate parameters, `state` present, a matching transaction for this client
/// (which is then **removed**, so a code is tried at most once), transaction expiry,
/// `iss` (RFC 9207 §2.4), `error`, `code`. Only when all pass is a token request built. No
/// error path leaves a request to send.
pub fn begin_callback(
    config: &ClientConfig,
    callback_url: &str,
    now_ms: u64,
    storage: &mut dyn Storage,
) -> Result<PendingExchange, Error> {
    config.validate()?;
    let response = parse_authorization_response(callback_url)?;
    let Some(state) = response.state.as_deref().filter(|s| !s.is_empty()) else {
        return Err(Error::new(
            ErrorCode::MissingState,
            "the authorization response has no state parameter (RFC 6749 §4.1.2)",
        ));
    };
    let unknown = || {
        Error::new(
            ErrorCode::UnknownState,
            "no pending login for this state: already used (reload, back button), another tab or origin, or forged",
        )
    };
    let key = cat(&[&config.storage_key_prefix, state]);
    let Some(stored) = storage.get(&key)? else {
        return Err(unknown());
    };
    let Some(tx) = Transaction::from_json(&stored) else {
        storage.remove(&key)?;
        return Err(unknown());
    };
    if tx.client_id != config.client_id || tx.token_endpoint != config.token_endpoint {
        // Another configuration's login: leave it for that configuration.
        return Err(Error::new(
            ErrorCode::UnknownState,
            "the pending login for this state has another clientId or tokenEndpoint",
        ));
    }
    // Single use: the transaction is gone before anything else can fail or be sent.
    storage.remove(&key)?;
    if now_ms >= tx.expires_at {
        return Err(Error::new(
            ErrorCode::TransactionExpired,
            "the pending login has expired (transactionTtlSeconds); start a new one",
        ));
    }
    match (&tx.issuer, &response.iss) {
        (Some(expected), Some(iss)) if expected != iss => {
            return Err(Error::new(
                ErrorCode::IssuerMismatch,
                "the response's iss is not the expected issuer (RFC 9207 §2.4)",
            ));
        }
        (Some(_), None) if config.require_issuer => {
            return Err(Error::new(
                ErrorCode::MissingIssuer,
                "the response has no iss, but this server always sends one (RFC 9207 §2.4)",
            ));
        }
        _ => {}
    }
    if let Some(error) = response.error {
        return Err(Error::new(
            ErrorCode::AuthorizationError,
            "the authorization server returned an error (RFC 6749 §4.1.2.1)",
        )
        .with_server(
            Some(error),
            response.error_description,
            response.error_uri,
            None,
        ));
    }
    let Some(code) = response.code.filter(|c| !c.expose().is_empty()) else {
        return Err(Error::new(
            ErrorCode::MissingCode,
            "the authorization response has neither code nor error (RFC 6749 §4.1.2)",
        ));
    };
    let request = token_request(
        config,
        &Grant::AuthorizationCode {
            code: code.expose(),
            code_verifier: Some(tx.verifier.expose()),
            redirect_uri: tx.redirect_uri.as_deref(),
        },
    )?;
    Ok(PendingExchange {
        request,
        requested_scope: tx.scope,
        app_state: tx.app_state,
    })
}

/// The callback URL without the authorization response's parameters, for
/// `history.replaceState` (OAuth for Browser-Based Apps: clean the code out of the address
/// bar and history). Other parameters of the app are kept.
pub fn strip_response_params(callback_url: &str) -> String {
    let Ok(parts) = url::parse("callback URL", callback_url) else {
        return callback_url.to_owned();
    };
    let keep = |input: &str| -> String {
        let pairs = parse_form(input);
        let ours = |n: &String| RESPONSE_PARAMS.contains(&n.as_str());
        if !pairs.iter().any(|(n, _)| ours(n)) {
            return input.to_owned();
        }
        let mut out = String::new();
        append_pairs(
            &mut out,
            pairs
                .iter()
                .filter(|(n, _)| !ours(n))
                .map(|(n, v)| (n.as_str(), v.as_str())),
        );
        out
    };
    let mut out = parts.base.to_owned();
    if let Some(q) = parts.query {
        let q = keep(q);
        if !q.is_empty() {
            out.push('?');
            out.push_str(&q);
        }
    }
    if let Some(f) = parts.fragment {
        let f = keep(f);
        if !f.is_empty() {
            out.push('#');
            out.push_str(&f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_query_then_fragment() {
        let r = parse_authorization_response(
            "https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz&iss=https%3A%2F%2Fhonest.as.example",
        )
        .unwrap();
        assert_eq!(r.code.unwrap().expose(), "SplxlOBeZQQYbYS6WxSbIA");
        assert_eq!(r.state.as_deref(), Some("xyz"));
        assert_eq!(r.iss.as_deref(), Some("https://honest.as.example"));
        assert!(!r.in_fragment);
        let r = parse_authorization_response("https://c.example/cb?page=2#state=s&code=c").unwrap();
        assert!(r.in_fragment);
        assert_eq!(r.state.as_deref(), Some("s"));
        let r = parse_authorization_response(
            "https://c.example/cb?error=access_denied&error_description=The+user+has+refused+access.&state=s",
        )
        .unwrap();
        assert_eq!(r.error.as_deref(), Some("access_denied"));
        assert_eq!(
            r.error_description.as_deref(),
            Some("The user has refused access.")
        );
    }

    #[test]
    fn duplicates_refused() {
        for url in [
            "https://c.example/cb?code=a&state=s&code=b",
            "https://c.example/cb?code=a&state=s&state=t",
            "https://c.example/cb?code=a&state=s&iss=x&iss=y",
        ] {
            let e = parse_authorization_response(url).unwrap_err();
            assert_eq!(e.code(), ErrorCode::DuplicateParameter);
            assert!(!e.message().contains("a&"));
        }
    }

    #[test]
    fn strips_response_params_only() {
        assert_eq!(
            strip_response_params("https://c.example/cb?code=a&state=s&iss=i&session_state=x"),
            "https://c.example/cb"
        );
        assert_eq!(
            strip_response_params("https://c.example/cb?tab=2&code=a&state=s#keep"),
            "https://c.example/cb?tab=2#keep"
        );
        assert_eq!(
            strip_response_params("https://c.example/cb#code=a&state=s"),
            "https://c.example/cb"
        );
        assert_eq!(
            strip_response_params("https://c.example/cb?x=%20y"),
            "https://c.example/cb?x=%20y"
        );
    }
}
