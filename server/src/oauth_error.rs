//! RFC 6749 §5.2 error responses of the token and revocation endpoints.

use serde_json::json;

use crate::http::Response;

/// RFC 6749 §4.1.2.1, §5.2: `error_description` may only hold `%x20-21 / %x23-5B / %x5D-7E`
/// (printable ASCII without `"` and `\`). Section signs become "section", quotes become
/// apostrophes, anything else outside the set becomes `?`.
pub fn sanitize_description(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '§' => out.push_str("section "),
            '"' => out.push('\''),
            '\\' => out.push('/'),
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out.replace("section  ", "section ")
}

/// An error the token or revocation endpoint answers with.
#[derive(Debug)]
pub struct OAuthError {
    /// The §5.2 `error` code.
    pub code: &'static str,
    /// Human-readable `error_description`; never contains codes, tokens or secrets.
    pub description: String,
    /// 400, or 401 for `invalid_client`.
    pub status: u16,
    /// Whether the client tried HTTP Basic, so a 401 must carry `WWW-Authenticate: Basic`.
    pub basic_challenge: bool,
    /// A fresh nonce for the `DPoP-Nonce` header of a `use_dpop_nonce` error (RFC 9449 §8).
    pub dpop_nonce: Option<String>,
}

impl OAuthError {
    pub fn new(code: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            code,
            description: sanitize_description(&description.into()),
            status: 400,
            basic_challenge: false,
            dpop_nonce: None,
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new("invalid_request", description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new("invalid_grant", description)
    }

    /// `invalid_client`: 401 with `WWW-Authenticate: Basic` when the client used Basic
    /// (RFC 6749 §5.2), otherwise 400 (a 401 must always carry a challenge, RFC 9110 §15.5.2).
    pub fn invalid_client(description: impl Into<String>, via_basic: bool) -> Self {
        OAuthError {
            code: "invalid_client",
            description: sanitize_description(&description.into()),
            status: if via_basic { 401 } else { 400 },
            basic_challenge: via_basic,
            dpop_nonce: None,
        }
    }

    /// The JSON response, with `Cache-Control: no-store` (RFC 6749 §5.1).
    pub fn to_response(&self) -> Response {
        let mut response = Response::json(
            self.status,
            &json!({ "error": self.code, "error_description": self.description }),
        )
        .no_store();
        if self.basic_challenge {
            response = response.header(
                "WWW-Authenticate",
                "Basic realm=\"oauth-spa-server\", charset=\"UTF-8\"",
            );
        }
        if let Some(nonce) = &self.dpop_nonce {
            response = response.header("DPoP-Nonce", nonce);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_use_only_the_allowed_characters() {
        let d = sanitize_description("the \"x\" field (RFC 6749 §3.1) é\\");
        assert_eq!(d, "the 'x' field (RFC 6749 section 3.1) ?/");
        assert!(d
            .bytes()
            .all(|c| matches!(c, 0x20..=0x21 | 0x23..=0x5b | 0x5d..=0x7e)));
    }

    #[test]
    fn invalid_client_via_basic_is_401_with_a_challenge() {
        let r = OAuthError::invalid_client("no", true).to_response();
        assert_eq!(r.status, 401);
        assert!(r
            .header_value("WWW-Authenticate")
            .unwrap()
            .starts_with("Basic "));
        let r = OAuthError::invalid_client("no", false).to_response();
        assert_eq!(r.status, 400);
        assert!(r.header_value("WWW-Authenticate").is_none());
        assert_eq!(r.header_value("Cache-Control"), Some("no-store"));
    }
}
