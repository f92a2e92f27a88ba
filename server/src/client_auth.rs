//! Client authentication at the token and revocation endpoints (RFC 6749 §2.3, §3.2.1).

use crate::basic_auth::{self, BasicError};
use crate::config::{Client, Config};
use crate::form::Params;
use crate::http::Request;
use crate::oauth_error::OAuthError;
use crate::secret::constant_time_eq;

/// Identifies and authenticates the client of a token or revocation request.
///
/// - Credentials come from HTTP Basic (decoded per RFC 6749 §2.3.1) or from `client_id` /
///   `client_secret` in the body, never both (§2.3: "MUST NOT use more than one").
/// - A `client_id` in the body next to Basic must name the same client.
/// - A public client sends `client_id` (or Basic with an empty password) and no secret.
/// - A confidential client must present its secret.
pub fn authenticate<'c>(
    config: &'c Config,
    req: &Request,
    params: &Params,
) -> Result<&'c Client, OAuthError> {
    let body_id = params.get("client_id");
    let body_secret = params.get("client_secret");
    let authorization = match req.header_count("authorization") {
        0 => None,
        1 => req.header("authorization"),
        _ => {
            return Err(OAuthError::invalid_request(
                "the Authorization header is repeated",
            ))
        }
    };
    let (id, secret, via_basic) = match authorization {
        Some(header) => {
            let creds = match basic_auth::parse(header) {
                Ok(creds) => creds,
                Err(BasicError::OtherScheme) => {
                    return Err(OAuthError::invalid_client(
                        "only the Basic authentication scheme is supported here",
                        true,
                    ))
                }
                Err(BasicError::Malformed) => {
                    return Err(OAuthError::invalid_client(
                        "the Basic credentials are malformed (RFC 6749 §2.3.1: base64 of urlencoded id ':' urlencoded secret)",
                        true,
                    ))
                }
            };
            if body_secret.is_some() {
                return Err(OAuthError::invalid_request(
                    "client credentials were sent both in the Authorization header and in the body (RFC 6749 §2.3)",
                ));
            }
            if body_id.is_some_and(|id| id != creds.client_id) {
                return Err(OAuthError::invalid_request(
                    "client_id in the body differs from the one in the Authorization header",
                ));
            }
            let secret = (!creds.client_secret.is_empty()).then_some(creds.client_secret);
            (creds.client_id, secret, true)
        }
        None => match body_id {
            Some(id) => (id.to_string(), body_secret.map(String::from), false),
            None => {
                return Err(OAuthError::invalid_client(
                    "client_id is missing (send it in the body, or use HTTP Basic)",
                    false,
                ))
            }
        },
    };
    let Some(client) = config.client(&id) else {
        return Err(OAuthError::invalid_client("unknown client", via_basic));
    };
    match (&client.secret, &secret) {
        (None, None) => Ok(client),
        (None, Some(_)) => Err(OAuthError::invalid_client(
            "this is a public client: it has no secret and must not send one",
            via_basic,
        )),
        (Some(_), None) => Err(OAuthError::invalid_client(
            "this confidential client must authenticate (client_secret or HTTP Basic)",
            via_basic,
        )),
        (Some(expected), Some(given)) => {
            if constant_time_eq(expected.as_bytes(), given.as_bytes()) {
                Ok(client)
            } else {
                Err(OAuthError::invalid_client(
                    "client authentication failed",
                    via_basic,
                ))
            }
        }
    }
}
