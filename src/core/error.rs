//! The one error type of the crate: a stable machine-readable [`ErrorCode`] plus a message that
//! names what was wrong. Messages never contain tokens, codes, verifiers or secrets.

use alloc::borrow::Cow;
use alloc::{boxed::Box, string::String};
use core::fmt;

/// Stable, machine-readable error codes. `as_str()` is what JavaScript sees as `error.code`.
///
/// New codes may be added in minor versions; match with a wildcard arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// A client configuration value is missing, of the wrong type or malformed.
    InvalidConfig,
    /// A function argument other than the configuration is malformed (e.g. an `extraParams`
    /// entry that would override a protocol parameter).
    InvalidArgument,
    /// An endpoint is not `https`, and not on a loopback host either.
    InsecureEndpoint,
    /// A PKCE code verifier outside RFC 7636 §4.1 (43-128 chars of `[A-Za-z0-9-._~]`).
    InvalidVerifier,
    /// `crypto.getRandomValues` is missing or failed.
    CryptoUnavailable,
    /// `sessionStorage` is missing or throws (disabled, sandboxed iframe, quota exceeded).
    StorageUnavailable,
    /// The authorization response carries no `state` (RFC 6749 §4.1.2).
    MissingState,
    /// No pending transaction matches the response's `state`: a reload, the back button,
    /// another tab, another client configuration or a forged response.
    UnknownState,
    /// The pending transaction is older than its time to live.
    TransactionExpired,
    /// A response parameter appears more than once (RFC 6749 §3.1).
    DuplicateParameter,
    /// The server redirected back with `error=` (RFC 6749 §4.1.2.1); see [`Error::error`].
    AuthorizationError,
    /// A success response without a `code`.
    MissingCode,
    /// The response's `iss` differs from the expected issuer (RFC 9207 §2.4).
    IssuerMismatch,
    /// The server is known to send `iss` (RFC 9207), but this response has none.
    MissingIssuer,
    /// `fetch` failed: DNS, connection refused, CORS, offline.
    NetworkError,
    /// The request took longer than the configured timeout.
    Timeout,
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// The token endpoint answered an error body: RFC 6749 §5.2 JSON or Ellipsis `{"message"}`.
    TokenError,
    /// The token endpoint answered a non-2xx status without an error body we can read.
    HttpError,
    /// A 2xx token response that is not valid RFC 6749 §5.1 (not JSON, no `access_token`, ...).
    InvalidTokenResponse,
    /// A `token_type` other than `Bearer` (RFC 6749 §7.1).
    UnsupportedTokenType,
    /// The session holds no usable token and cannot refresh: sign in again.
    #[cfg(feature = "session")]
    NotSignedIn,
    /// The revocation endpoint answered an RFC 7009 §2.2.1 error.
    #[cfg(feature = "session")]
    RevocationError,
    /// An authorization server metadata document (RFC 8414 §3.2) is invalid, or its server
    /// lacks what this library needs (PKCE S256, the code flow).
    #[cfg(feature = "session")]
    InvalidMetadata,
    /// `window.open` returned no window: a popup blocker, or not called in a click handler.
    #[cfg(feature = "session")]
    PopupBlocked,
    /// The sign-in popup was closed before it delivered a response.
    #[cfg(feature = "session")]
    PopupClosed,
    /// `dpop: true`, but DPoP cannot run here: the page is not a secure context (no
    /// `crypto.subtle`), or the browser refused to make or use the P-256 key. Nothing is sent
    /// (never a Bearer request instead).
    #[cfg(feature = "dpop")]
    DpopUnavailable,
    /// A DPoP rule was broken: a token response without `token_type` `DPoP` to a request that
    /// carried a proof (RFC 9449 §5), a public key or signature of the wrong form.
    #[cfg(feature = "dpop")]
    DpopError,
}

impl ErrorCode {
    /// The `error.code` values JavaScript makes itself and Rust never does: `not_initialized`
    /// (js/loader.js: the engine is not loaded yet, or none could load, so there is no Rust to
    /// ask) and `vault_unavailable` (js/vault.js: the vault's Worker could not start or run). With the [`as_str`](Self::as_str) names this is the whole list of codes;
    /// tests/declarations.rs checks the TypeScript `OAuthErrorCode` union, the README's error
    /// tables and the codes js/*.js builds against it. Nothing on the wasm path reads it, so the
    /// shipped build does not carry it.
    pub const JS_ONLY_CODES: &'static [&'static str] = &["not_initialized", "vault_unavailable"];

    /// The stable snake_case name, e.g. `"unknown_state"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidConfig => "invalid_config",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::InsecureEndpoint => "insecure_endpoint",
            ErrorCode::InvalidVerifier => "invalid_verifier",
            ErrorCode::CryptoUnavailable => "crypto_unavailable",
            ErrorCode::StorageUnavailable => "storage_unavailable",
            ErrorCode::MissingState => "missing_state",
            ErrorCode::UnknownState => "unknown_state",
            ErrorCode::TransactionExpired => "transaction_expired",
            ErrorCode::DuplicateParameter => "duplicate_parameter",
            ErrorCode::AuthorizationError => "authorization_error",
            ErrorCode::MissingCode => "missing_code",
            ErrorCode::IssuerMismatch => "issuer_mismatch",
            ErrorCode::MissingIssuer => "missing_issuer",
            ErrorCode::NetworkError => "network_error",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Aborted => "aborted",
            ErrorCode::TokenError => "token_error",
            ErrorCode::HttpError => "http_error",
            ErrorCode::InvalidTokenResponse => "invalid_token_response",
            ErrorCode::UnsupportedTokenType => "unsupported_token_type",
            #[cfg(feature = "session")]
            ErrorCode::NotSignedIn => "not_signed_in",
            #[cfg(feature = "session")]
            ErrorCode::RevocationError => "revocation_error",
            #[cfg(feature = "session")]
            ErrorCode::InvalidMetadata => "invalid_metadata",
            #[cfg(feature = "session")]
            ErrorCode::PopupBlocked => "popup_blocked",
            #[cfg(feature = "session")]
            ErrorCode::PopupClosed => "popup_closed",
            #[cfg(feature = "dpop")]
            ErrorCode::DpopUnavailable => "dpop_unavailable",
            #[cfg(feature = "dpop")]
            ErrorCode::DpopError => "dpop_error",
        }
    }
}

/// An error with a stable [`ErrorCode`], a human message, and for server errors the server's
/// `error`, `error_description`, `error_uri` and HTTP status.
///
/// The type is deliberately opaque: read it through its accessors.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

// Boxed: a `Result<T, Error>` stays as small as `T` allows, which keeps the many `?` cheap.
#[derive(Clone, PartialEq, Eq)]
struct Inner {
    code: ErrorCode,
    message: Cow<'static, str>,
    server: Option<ServerError>,
}

#[derive(Clone, PartialEq, Eq, Default)]
struct ServerError {
    error: Option<String>,
    description: Option<String>,
    uri: Option<String>,
    status: Option<u16>,
}

impl Error {
    /// An error with a fixed message.
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Error(Box::new(Inner {
            code,
            message: message.into(),
            server: None,
        }))
    }

    /// An error whose message is `parts` joined (no `format!`, to keep `core::fmt` out of wasm).
    pub(crate) fn concat(code: ErrorCode, parts: &[&str]) -> Self {
        Error::new(code, crate::core::encoding::cat(parts))
    }

    pub(crate) fn with_server(
        mut self,
        error: Option<String>,
        description: Option<String>,
        uri: Option<String>,
        status: Option<u16>,
    ) -> Self {
        self.0.server = Some(ServerError {
            error,
            description,
            uri,
            status,
        });
        self
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }
    /// What went wrong, for people. Never contains tokens, codes or secrets.
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// The server's `error` value (RFC 6749 §4.1.2.1 or §5.2), e.g. `invalid_grant`.
    pub fn error(&self) -> Option<&str> {
        self.0.server.as_ref()?.error.as_deref()
    }
    /// The server's `error_description` (or an Ellipsis `message`).
    pub fn error_description(&self) -> Option<&str> {
        self.0.server.as_ref()?.description.as_deref()
    }
    /// The server's `error_uri`.
    pub fn error_uri(&self) -> Option<&str> {
        self.0.server.as_ref()?.uri.as_deref()
    }
    /// The HTTP status of the token endpoint's answer, where there was one.
    pub fn status(&self) -> Option<u16> {
        self.0.server.as_ref()?.status
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("code", &self.0.code.as_str())
            .field("message", &self.0.message);
        if let Some(s) = &self.0.server {
            d.field("error", &s.error)
                .field("error_description", &s.description)
                .field("status", &s.status);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.code.as_str())?;
        f.write_str(": ")?;
        f.write_str(&self.0.message)
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_accessors() {
        let e = Error::new(ErrorCode::TokenError, "the token endpoint refused the code")
            .with_server(
                Some("invalid_grant".into()),
                Some("expired".into()),
                None,
                Some(400),
            );
        assert_eq!(
            e.to_string(),
            "token_error: the token endpoint refused the code"
        );
        assert_eq!(e.error(), Some("invalid_grant"));
        assert_eq!(e.error_description(), Some("expired"));
        assert_eq!(e.status(), Some(400));
        assert_eq!(e.error_uri(), None);
    }
}
