//! The two protocol dialects one server process speaks, each under its own path prefix.

/// Which flavour of OAuth 2.0 an endpoint speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Ellipsis Drive API v3 under `/v3`: the token endpoint reads the code from
    /// `authorization_code` and accepts JSON or form bodies.
    Ellipsis,
    /// Strict RFC 6749 under `/rfc`: the code is `code`, bodies are form-encoded only.
    Rfc,
}

impl Dialect {
    /// The path prefix, also the key used in statistics.
    pub fn key(self) -> &'static str {
        match self {
            Dialect::Ellipsis => "v3",
            Dialect::Rfc => "rfc",
        }
    }

    /// The token-request parameter carrying the authorization code.
    pub fn code_param(self) -> &'static str {
        match self {
            Dialect::Ellipsis => "authorization_code",
            Dialect::Rfc => "code",
        }
    }
}
