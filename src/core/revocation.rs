//! Token revocation (RFC 7009): the request to the revocation endpoint and the reading of its
//! answer, as pure data like the token request.

use crate::core::config::ClientConfig;
use crate::core::encoding::append_pairs;
use crate::core::error::{Error, ErrorCode};
use crate::core::json::Json;
use crate::core::secret::Secret;
use crate::core::token::{add_client_auth, TokenRequest};
use alloc::{string::String, vec, vec::Vec};

/// Which kind of token is revoked: the `token_type_hint` of RFC 7009 §2.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenTypeHint {
    /// `refresh_token`: revoking it should also end the grant's access tokens (§2.1).
    RefreshToken,
    /// `access_token`.
    AccessToken,
}

impl TokenTypeHint {
    /// The registered value (RFC 7009 §4.1.2).
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenTypeHint::RefreshToken => "refresh_token",
            TokenTypeHint::AccessToken => "access_token",
        }
    }
}

/// Builds the revocation request (RFC 7009 §2.1): a form-encoded POST of `token` and
/// `token_type_hint` to `config.revocation_endpoint`, with the client authentication of the
/// token endpoint (RFC 6749 §2.3). Fails with `invalid_config` when the configuration has no
/// revocation endpoint and `invalid_argument` for an empty token.
pub fn revocation_request(
    config: &ClientConfig,
    token: &str,
    hint: Option<TokenTypeHint>,
) -> Result<TokenRequest, Error> {
    config.validate()?;
    let Some(url) = &config.revocation_endpoint else {
        return Err(Error::new(
            ErrorCode::InvalidConfig,
            "revocationEndpoint is not set",
        ));
    };
    if token.is_empty() {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            "the token to revoke must be a non-empty string",
        ));
    }
    let mut params: Vec<(&str, &str)> = vec![("token", token)];
    if let Some(h) = hint {
        params.push(("token_type_hint", h.as_str()));
    }
    let mut headers = Vec::with_capacity(3);
    add_client_auth(config, &mut params, &mut headers);
    let mut body = String::new();
    append_pairs(&mut body, &params);
    headers.push(("Content-Type", "application/x-www-form-urlencoded".into()));
    headers.push(("Accept", "application/json".into()));
    Ok(TokenRequest {
        url: url.clone(),
        headers,
        body: Secret::new(body),
    })
}

/// Reads the revocation endpoint's answer (RFC 7009 §2.2): any 2xx is success (the server
/// also answers 200 for a token that was already invalid); an RFC 6749 §5.2 error body gives
/// [`ErrorCode::RevocationError`]; another non-2xx gives [`ErrorCode::HttpError`].
pub fn parse_revocation_response(status: u16, body: &str) -> Result<(), Error> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    if let Some(j) = Json::parse(body) {
        let s = |n: &str| j.get(n).and_then(Json::as_str).map(String::from);
        if let Some(error) = s("error") {
            return Err(Error::new(
                ErrorCode::RevocationError,
                "the revocation endpoint returned an error (RFC 7009 §2.2.1)",
            )
            .with_server(
                Some(error),
                s("error_description"),
                s("error_uri"),
                Some(status),
            ));
        }
    }
    Err(Error::new(
        ErrorCode::HttpError,
        "the revocation endpoint answered an HTTP error without an OAuth error body",
    )
    .with_server(None, None, None, Some(status)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::ClientAuth;

    fn config() -> ClientConfig {
        let mut c = ClientConfig::new(
            "s6BhdRkqt3",
            "https://server.example.com/authorize",
            "https://server.example.com/token",
        );
        c.revocation_endpoint = Some("https://server.example.com/revoke".into());
        c
    }

    fn header<'a>(r: &'a TokenRequest, name: &str) -> Option<&'a str> {
        r.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn rfc7009_section_2_1_example() {
        // The example request of RFC 7009 §2.1, with HTTP Basic client authentication.
        let c = config().with_client_secret("7Fjfp0ZBr1KtDRbnfVdmIw");
        let r = revocation_request(
            &c,
            "45ghiukldjahdnhzdauz",
            Some(TokenTypeHint::RefreshToken),
        )
        .unwrap();
        assert_eq!(r.url, "https://server.example.com/revoke");
        assert_eq!(
            r.body.expose(),
            "token=45ghiukldjahdnhzdauz&token_type_hint=refresh_token"
        );
        assert_eq!(
            header(&r, "Authorization"),
            Some("Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3")
        );
        assert_eq!(
            header(&r, "Content-Type"),
            Some("application/x-www-form-urlencoded")
        );
        assert!(!format!("{r:?}").contains("45ghiukldjahdnhzdauz"));
    }

    #[test]
    fn public_and_post_clients() {
        let r = revocation_request(&config(), "a+b", Some(TokenTypeHint::AccessToken)).unwrap();
        assert_eq!(
            r.body.expose(),
            "token=a%2Bb&token_type_hint=access_token&client_id=s6BhdRkqt3"
        );
        assert_eq!(header(&r, "Authorization"), None);
        let mut c = config().with_client_secret("s&1");
        c.client_auth = ClientAuth::ClientSecretPost;
        // JSON token requests do not change the revocation encoding: RFC 7009 is form only.
        c.encoding = crate::core::config::BodyEncoding::Json;
        let r = revocation_request(&c, "t", None).unwrap();
        assert_eq!(
            r.body.expose(),
            "token=t&client_id=s6BhdRkqt3&client_secret=s%261"
        );
    }

    #[test]
    fn refuses_without_endpoint_or_token() {
        let mut c = config();
        assert_eq!(
            revocation_request(&c, "", None).unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        c.revocation_endpoint = Some("http://as.example/revoke".into());
        let e = revocation_request(&c, "t", None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InsecureEndpoint);
        assert!(e.message().contains("revocationEndpoint"));
        c.revocation_endpoint = None;
        let e = revocation_request(&c, "t", None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidConfig);
        assert!(e.message().contains("revocationEndpoint"));
    }

    #[test]
    fn responses() {
        assert!(parse_revocation_response(200, "").is_ok());
        assert!(parse_revocation_response(204, "ignored").is_ok());
        let e = parse_revocation_response(
            400,
            r#"{"error":"unsupported_token_type","error_description":"no"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::RevocationError);
        assert_eq!(e.error(), Some("unsupported_token_type"));
        assert_eq!(e.error_description(), Some("no"));
        assert_eq!(e.status(), Some(400));
        let e = parse_revocation_response(503, "<html>busy</html>").unwrap_err();
        assert_eq!((e.code(), e.status()), (ErrorCode::HttpError, Some(503)));
    }
}
