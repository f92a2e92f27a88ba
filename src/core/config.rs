//! The client's settings: which server, which dialect, how the client authenticates.

use crate::core::args::Fields;
use crate::core::encoding::{cat, pieces, trim_slashes};
use crate::core::error::{Error, ErrorCode};
use crate::core::json::Json;
use crate::core::secret::Secret;
use crate::core::url;
use alloc::{string::String, vec::Vec};

/// Ellipsis Drive's public API base URL (API v3).
pub const ELLIPSIS_BASE_URL: &str = "https://api.ellipsis-drive.com/v3";

/// Which flavour of RFC 6749 the token endpoint speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Dialect {
    /// RFC 6749: the code goes in `code`.
    #[default]
    Rfc6749,
    /// Ellipsis Drive v3: the code goes in `authorization_code`.
    Ellipsis,
}

/// How the token request body is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyEncoding {
    /// `application/x-www-form-urlencoded` (RFC 6749 §4.1.3).
    Form,
    /// `application/json` (what Ellipsis Drive's own clients send).
    Json,
}

/// How the client authenticates at the token endpoint (RFC 6749 §2.3, RFC 7591 §2 names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// A public client: `client_id` in the body, no secret.
    None,
    /// `client_id` and `client_secret` in the body (RFC 6749 §2.3.1, second option).
    ClientSecretPost,
    /// HTTP Basic with form-encoded id and secret (RFC 6749 §2.3.1 and Appendix B).
    ClientSecretBasic,
}

/// Everything the library needs to know about one client at one authorization server.
///
/// Build it with [`ClientConfig::new`] (any RFC 6749 server) or [`ClientConfig::ellipsis`],
/// adjust the public fields, then [`ClientConfig::validate`]. The functions of this crate
/// validate it again on every call.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The client identifier (RFC 6749 §2.2).
    pub client_id: String,
    /// The authorization endpoint (RFC 6749 §3.1). It may carry a query; never a fragment.
    pub authorization_endpoint: String,
    /// The token endpoint (RFC 6749 §3.2), or your own backend that forwards to it.
    pub token_endpoint: String,
    /// The revocation endpoint (RFC 7009 §2), used by sign-out when set.
    #[cfg(feature = "session")]
    pub revocation_endpoint: Option<String>,
    /// The redirect URI (RFC 6749 §3.1.2). When set it is sent to both endpoints.
    pub redirect_uri: Option<String>,
    /// Requested scopes (RFC 6749 §3.3), sent space-separated.
    pub scope: Vec<String>,
    /// The expected issuer; when set, a response's `iss` must equal it (RFC 9207 §2.4).
    pub issuer: Option<String>,
    /// The server always sends `iss` (RFC 8414 `authorization_response_iss_parameter_supported`):
    /// a response without one is refused.
    pub require_issuer: bool,
    /// The token endpoint's dialect.
    pub dialect: Dialect,
    /// The token request's body encoding. Default: form for RFC 6749, JSON for Ellipsis.
    pub encoding: BodyEncoding,
    /// The client secret. In a browser it is not secret: prefer a public client, or point
    /// `token_endpoint` at a backend that adds the secret.
    pub client_secret: Option<Secret>,
    /// Client authentication. Default: `ClientSecretBasic` with a secret, `None` without.
    pub client_auth: ClientAuth,
    /// Prefix of the storage keys of pending logins.
    pub storage_key_prefix: String,
    /// How long a pending login stays valid, in seconds (1 to 2^31 - 1).
    pub transaction_ttl_seconds: u32,
    /// Time limit of a token request, in milliseconds (1 to 2^31 - 1: `setTimeout` fires at
    /// once past that).
    pub timeout_ms: u32,
    /// Refuse a token response without `token_type` (RFC 6749 §5.1 requires it).
    pub require_token_type: bool,
    /// Remove the response parameters from the address bar after a callback.
    pub clean_url: bool,
    /// Sender-constrained tokens (RFC 9449 DPoP): every token request carries a proof of a
    /// P-256 key, and the token response must say `token_type` `DPoP` (src/core/dpop.rs).
    #[cfg(feature = "dpop")]
    pub dpop: bool,
}

/// `dpop: true` in a build without the `dpop` feature (the entries `oauth-spa` and
/// `oauth-spa/core`): one rule for both, naming the entry that has DPoP.
#[cfg(any(test, not(feature = "dpop")))]
fn dpop_refused(a: &Fields) -> Error {
    a.wrong("dpop", "false here: DPoP is in the entry oauth-spa/dpop")
}

/// Default storage key prefix.
pub const DEFAULT_STORAGE_KEY_PREFIX: &str = "oauth-spa:tx:";
/// Default transaction time to live: ten minutes.
pub const DEFAULT_TRANSACTION_TTL_SECONDS: u32 = 600;
/// Default token request timeout: thirty seconds.
pub const DEFAULT_TIMEOUT_MS: u32 = 30_000;

impl ClientConfig {
    /// A public client of an RFC 6749 server, with every other setting at its default.
    pub fn new(
        client_id: impl Into<String>,
        authorization_endpoint: impl Into<String>,
        token_endpoint: impl Into<String>,
    ) -> Self {
        ClientConfig {
            client_id: client_id.into(),
            authorization_endpoint: authorization_endpoint.into(),
            token_endpoint: token_endpoint.into(),
            #[cfg(feature = "session")]
            revocation_endpoint: None,
            redirect_uri: None,
            scope: Vec::new(),
            issuer: None,
            require_issuer: false,
            dialect: Dialect::Rfc6749,
            encoding: BodyEncoding::Form,
            client_secret: None,
            client_auth: ClientAuth::None,
            storage_key_prefix: DEFAULT_STORAGE_KEY_PREFIX.into(),
            transaction_ttl_seconds: DEFAULT_TRANSACTION_TTL_SECONDS,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            require_token_type: true,
            clean_url: true,
            #[cfg(feature = "dpop")]
            dpop: false,
        }
    }

    /// A client of Ellipsis Drive API v3 at `base_url` (default [`ELLIPSIS_BASE_URL`]):
    /// `<base>/oauth/authorize`, `<base>/oauth/token`, Ellipsis dialect, JSON bodies. The base
    /// is not checked here: one with a query or fragment gives wrong endpoints
    /// ([`ClientConfig::ellipsis_from_json`], the JavaScript `ellipsis()`, refuses it).
    pub fn ellipsis(client_id: impl Into<String>, base_url: Option<&str>) -> Self {
        let base = trim_slashes(base_url.unwrap_or(ELLIPSIS_BASE_URL));
        let mut c = ClientConfig::new(
            client_id,
            cat(&[base, "/oauth/authorize"]),
            cat(&[base, "/oauth/token"]),
        );
        c.dialect = Dialect::Ellipsis;
        c.encoding = BodyEncoding::Json;
        c
    }

    /// Sets a client secret and, unless chosen otherwise later, HTTP Basic authentication.
    pub fn with_client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(Secret::new(secret));
        self.client_auth = ClientAuth::ClientSecretBasic;
        self
    }

    /// Checks every field; the error names the first one that is wrong.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |msg: &'static str| Err(Error::new(ErrorCode::InvalidConfig, msg));
        if self.client_id.is_empty() {
            return bad("clientId must be a non-empty string");
        }
        if has_control(&self.client_id) {
            return bad("clientId must not contain control characters");
        }
        url::check_endpoint("authorizationEndpoint", &self.authorization_endpoint)?;
        url::check_endpoint("tokenEndpoint", &self.token_endpoint)?;
        #[cfg(feature = "session")]
        if let Some(r) = &self.revocation_endpoint {
            url::check_endpoint("revocationEndpoint", r)?;
        }
        if let Some(r) = &self.redirect_uri {
            url::check_redirect_uri("redirectUri", r)?;
        }
        for s in &self.scope {
            // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
            if s.is_empty()
                || !s
                    .bytes()
                    .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
            {
                return bad("scope entries must be non-empty printable ASCII without space, '\"' or '\\' (RFC 6749 §3.3)");
            }
        }
        if let Some(i) = &self.issuer {
            // RFC 8414 §2, RFC 9207 §2: an https URL (plain http on loopback, like the
            // endpoints) with no query or fragment; another value could never match an `iss`.
            let parts = url::parse("issuer", i)?;
            if parts.query.is_some() || parts.fragment.is_some() {
                return bad("issuer must not contain a query or fragment (RFC 8414 §2)");
            }
            url::check_endpoint("issuer", i)?;
        } else if self.require_issuer {
            return bad("authorizationResponseIssParameterSupported needs issuer to be set");
        }
        match (self.client_auth, &self.client_secret) {
            (ClientAuth::None, Some(_)) => {
                return bad("clientSecret is set but clientAuth is \"none\"")
            }
            (ClientAuth::ClientSecretBasic | ClientAuth::ClientSecretPost, None) => {
                return bad("clientAuth client_secret_basic/client_secret_post needs clientSecret")
            }
            (ClientAuth::ClientSecretBasic | ClientAuth::ClientSecretPost, Some(s))
                if s.expose().is_empty() =>
            {
                return bad("clientSecret must be a non-empty string")
            }
            _ => {}
        }
        if self.storage_key_prefix.is_empty() || has_control(&self.storage_key_prefix) {
            return bad("storageKeyPrefix must be a non-empty string without control characters");
        }
        let whole = 1..=crate::core::args::MAX_WHOLE;
        if !whole.contains(&self.transaction_ttl_seconds) {
            return bad("transactionTtlSeconds must be a whole number from 1 to 2147483647");
        }
        if !whole.contains(&self.timeout_ms) {
            return bad("timeoutMs must be a whole number from 1 to 2147483647");
        }
        Ok(())
    }

    /// Reads a config in the JavaScript API's shape (`clientId`, `authorizationEndpoint`,
    /// `tokenEndpoint`, `redirectUri`, `scope`, ...: see the README), every member
    /// type-checked, then [`validate`](Self::validate)s it. Errors name the member.
    pub fn from_json(value: &Json) -> Result<ClientConfig, Error> {
        let a = Fields::new(value, "config", ErrorCode::InvalidConfig, false)?;
        let mut c = ClientConfig::new(
            a.required_string("clientId")?,
            a.required_string("authorizationEndpoint")?,
            a.required_string("tokenEndpoint")?,
        );
        #[cfg(feature = "session")]
        {
            c.revocation_endpoint = a.string("revocationEndpoint")?;
        }
        c.redirect_uri = a.string("redirectUri")?;
        c.scope = a.string_list("scope")?;
        c.issuer = a.string("issuer")?;
        c.require_issuer = a.bool("authorizationResponseIssParameterSupported", false)?;
        c.dialect = a
            .one_of(
                "dialect",
                &[
                    ("rfc6749", Dialect::Rfc6749),
                    ("ellipsis", Dialect::Ellipsis),
                ],
                "\"rfc6749\" or \"ellipsis\"",
            )?
            .unwrap_or_default();
        c.encoding = a
            .one_of(
                "tokenRequestEncoding",
                &[("form", BodyEncoding::Form), ("json", BodyEncoding::Json)],
                "\"form\" or \"json\"",
            )?
            .unwrap_or(match c.dialect {
                Dialect::Rfc6749 => BodyEncoding::Form,
                Dialect::Ellipsis => BodyEncoding::Json,
            });
        c.client_secret = a.string("clientSecret")?.map(Secret::new);
        c.client_auth = a
            .one_of(
                "clientAuth",
                &[
                    ("none", ClientAuth::None),
                    ("client_secret_post", ClientAuth::ClientSecretPost),
                    ("client_secret_basic", ClientAuth::ClientSecretBasic),
                ],
                "\"none\", \"client_secret_post\" or \"client_secret_basic\"",
            )?
            .unwrap_or(if c.client_secret.is_some() {
                ClientAuth::ClientSecretBasic
            } else {
                ClientAuth::None
            });
        if let Some(p) = a.string("storageKeyPrefix")? {
            c.storage_key_prefix = p;
        }
        c.transaction_ttl_seconds =
            a.positive("transactionTtlSeconds", c.transaction_ttl_seconds)?;
        c.timeout_ms = a.positive("timeoutMs", c.timeout_ms)?;
        c.require_token_type = a.bool("requireTokenType", true)?;
        c.clean_url = a.bool("cleanUrl", true)?;
        #[cfg(feature = "dpop")]
        {
            c.dpop = a.bool("dpop", false)?;
        }
        // Never a Bearer token in place of the bound one the app asked for.
        #[cfg(not(feature = "dpop"))]
        if a.bool("dpop", false)? {
            return Err(dpop_refused(&a));
        }
        c.validate()?;
        Ok(c)
    }

    /// The config for the options of the JavaScript `ellipsis()` helper (`clientId`,
    /// `baseUrl`, `redirectUri`, `scope`, `clientSecret`), validated.
    pub fn ellipsis_from_json(options: &Json) -> Result<ClientConfig, Error> {
        let a = Fields::new(options, "options", ErrorCode::InvalidConfig, false)?;
        let base = a.string("baseUrl")?;
        if let Some(b) = &base {
            // Errors name the option given, not the endpoints made from it.
            url::check_endpoint("options.baseUrl", b)?;
            // The endpoints are the base plus a path: a query would end up before it.
            if b.bytes().any(|c| c == b'?') {
                return Err(Error::new(
                    ErrorCode::InvalidConfig,
                    "options.baseUrl must not contain a query or fragment",
                ));
            }
        }
        let mut c = ClientConfig::ellipsis(a.required_string("clientId")?, base.as_deref());
        c.redirect_uri = a.string("redirectUri")?;
        c.scope = a.string_list("scope")?;
        if let Some(s) = a.string("clientSecret")? {
            c = c.with_client_secret(s);
        }
        c.validate()?;
        Ok(c)
    }

    /// The requested scope as sent on the wire: entries joined by one space, or `None`.
    pub fn scope_string(&self) -> Option<String> {
        let (first, rest) = self.scope.split_first()?;
        let mut out = first.clone();
        for s in rest {
            out.push(' ');
            out.push_str(s);
        }
        Some(out)
    }
}

fn has_control(s: &str) -> bool {
    s.bytes().any(|b| b < b' ' || b == 0x7f)
}

/// Splits a space-separated scope string into entries (RFC 6749 §3.3).
pub fn split_scope(scope: &str) -> Vec<String> {
    // A loop, not filter/map/collect: the collect specialization is larger in wasm.
    let mut out = Vec::new();
    for s in pieces(scope, b' ') {
        if !s.is_empty() {
            out.push(String::from(s));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> ClientConfig {
        let mut c = ClientConfig::new(
            "client",
            "https://as.example/authorize",
            "https://as.example/token",
        );
        c.redirect_uri = Some("https://app.example/cb".into());
        c
    }

    #[test]
    fn ellipsis_defaults() {
        let c = ClientConfig::ellipsis("id", None);
        assert_eq!(
            c.authorization_endpoint,
            "https://api.ellipsis-drive.com/v3/oauth/authorize"
        );
        assert_eq!(
            c.token_endpoint,
            "https://api.ellipsis-drive.com/v3/oauth/token"
        );
        assert_eq!(c.dialect, Dialect::Ellipsis);
        assert_eq!(c.encoding, BodyEncoding::Json);
        assert_eq!(c.client_auth, ClientAuth::None);
        let c = ClientConfig::ellipsis("id", Some("http://127.0.0.1:8080/v3/"));
        assert_eq!(c.token_endpoint, "http://127.0.0.1:8080/v3/oauth/token");
        assert!(c.validate().is_ok());
        let c = ClientConfig::ellipsis("id", None).with_client_secret("s");
        assert_eq!(c.client_auth, ClientAuth::ClientSecretBasic);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn validation_names_the_field() {
        assert!(ok().validate().is_ok());
        type Case = (fn(&mut ClientConfig), ErrorCode, &'static str);
        let cases: Vec<Case> = vec![
            (
                |c| c.client_id.clear(),
                ErrorCode::InvalidConfig,
                "clientId",
            ),
            (
                |c| c.token_endpoint = "http://as.example/token".into(),
                ErrorCode::InsecureEndpoint,
                "tokenEndpoint",
            ),
            (
                |c| c.authorization_endpoint = "as.example".into(),
                ErrorCode::InvalidConfig,
                "authorizationEndpoint",
            ),
            (
                |c| c.redirect_uri = Some("https://app.example/#x".into()),
                ErrorCode::InvalidConfig,
                "redirectUri",
            ),
            (
                |c| c.scope = vec!["a b".into()],
                ErrorCode::InvalidConfig,
                "scope",
            ),
            (
                |c| c.client_secret = Some(Secret::new("x")),
                ErrorCode::InvalidConfig,
                "clientSecret",
            ),
            (
                |c| c.client_auth = ClientAuth::ClientSecretPost,
                ErrorCode::InvalidConfig,
                "clientAuth",
            ),
            (
                |c| c.require_issuer = true,
                ErrorCode::InvalidConfig,
                "issuer",
            ),
            (
                |c| c.issuer = Some("https://as.example/?tenant=1".into()),
                ErrorCode::InvalidConfig,
                "issuer",
            ),
            (
                |c| c.issuer = Some("https://as.example/#f".into()),
                ErrorCode::InvalidConfig,
                "issuer",
            ),
            (
                |c| c.issuer = Some("http://as.example".into()),
                ErrorCode::InsecureEndpoint,
                "issuer",
            ),
            (
                |c| c.transaction_ttl_seconds = 0,
                ErrorCode::InvalidConfig,
                "transactionTtlSeconds",
            ),
            (|c| c.timeout_ms = 0, ErrorCode::InvalidConfig, "timeoutMs"),
            // setTimeout fires at once past 2^31 - 1 ms: the request would time out unsent.
            (
                |c| c.timeout_ms = 1 << 31,
                ErrorCode::InvalidConfig,
                "timeoutMs",
            ),
            (
                |c| c.transaction_ttl_seconds = u32::MAX,
                ErrorCode::InvalidConfig,
                "transactionTtlSeconds",
            ),
        ];
        for (mutate, code, field) in cases {
            let mut c = ok();
            mutate(&mut c);
            let e = c.validate().unwrap_err();
            assert_eq!(e.code(), code, "{field}");
            assert!(e.message().contains(field), "{field}: {}", e.message());
        }
    }

    #[test]
    fn read_from_the_javascript_shape() {
        let j = Json::parse(
            r#"{"clientId":"c","authorizationEndpoint":"https://as.example/a",
                "tokenEndpoint":"https://as.example/t","redirectUri":"https://app.example/cb",
                "scope":["openid","email"],"issuer":"https://as.example",
                "authorizationResponseIssParameterSupported":true,"dialect":"ellipsis",
                "clientSecret":"s","clientAuth":"client_secret_post","storageKeyPrefix":"p:",
                "transactionTtlSeconds":60,"timeoutMs":5000,"requireTokenType":false,
                "cleanUrl":false,"unknown":{"ignored":[1]}}"#,
        )
        .unwrap();
        let c = ClientConfig::from_json(&j).unwrap();
        assert_eq!(c.client_id, "c");
        assert_eq!(c.redirect_uri.as_deref(), Some("https://app.example/cb"));
        assert_eq!(c.scope, ["openid", "email"]);
        assert_eq!(c.issuer.as_deref(), Some("https://as.example"));
        assert!(c.require_issuer);
        assert_eq!(c.dialect, Dialect::Ellipsis);
        assert_eq!(c.encoding, BodyEncoding::Json, "the dialect's default");
        assert_eq!(c.client_auth, ClientAuth::ClientSecretPost);
        assert_eq!(c.client_secret.as_ref().map(|s| s.expose()), Some("s"));
        assert_eq!(c.storage_key_prefix, "p:");
        assert_eq!((c.transaction_ttl_seconds, c.timeout_ms), (60, 5000));
        assert!(!c.require_token_type && !c.clean_url);

        // Defaults: a public RFC 6749 client with form bodies; a secret means Basic.
        let min = r#"{"clientId":"c","authorizationEndpoint":"https://as.example/a","tokenEndpoint":"https://as.example/t""#;
        let c = ClientConfig::from_json(&Json::parse(&cat(&[min, "}"])).unwrap()).unwrap();
        assert_eq!(
            (c.dialect, c.encoding, c.client_auth),
            (Dialect::Rfc6749, BodyEncoding::Form, ClientAuth::None)
        );
        assert_eq!(c.timeout_ms, DEFAULT_TIMEOUT_MS);
        assert!(c.require_token_type && c.clean_url && c.scope.is_empty());
        let c = ClientConfig::from_json(
            &Json::parse(&cat(&[min, r#","clientSecret":"s","scope":" a  b "}"#])).unwrap(),
        )
        .unwrap();
        assert_eq!(c.client_auth, ClientAuth::ClientSecretBasic);
        assert_eq!(c.scope, ["a", "b"]);

        for (extra, code, field) in [
            (
                r#","timeoutMs":0"#,
                ErrorCode::InvalidConfig,
                "config.timeoutMs",
            ),
            (
                r#","timeoutMs":2147483648"#,
                ErrorCode::InvalidConfig,
                "config.timeoutMs",
            ),
            (
                r#","timeoutMs":"5""#,
                ErrorCode::InvalidConfig,
                "config.timeoutMs",
            ),
            (
                r#","dialect":"oauth3""#,
                ErrorCode::InvalidConfig,
                "config.dialect",
            ),
            (
                r#","cleanUrl":"no""#,
                ErrorCode::InvalidConfig,
                "config.cleanUrl",
            ),
            (r#","scope":[1]"#, ErrorCode::InvalidConfig, "config.scope"),
            (
                r#","clientAuth":"basic""#,
                ErrorCode::InvalidConfig,
                "config.clientAuth",
            ),
            (
                r#","storageKeyPrefix":"a\nb""#,
                ErrorCode::InvalidConfig,
                "storageKeyPrefix",
            ),
            (
                r#","redirectUri":"https://app.example/#x""#,
                ErrorCode::InvalidConfig,
                "redirectUri",
            ),
        ] {
            let e = ClientConfig::from_json(&Json::parse(&cat(&[min, extra, "}"])).unwrap())
                .unwrap_err();
            assert_eq!(e.code(), code, "{extra}");
            assert!(e.message().contains(field), "{extra}: {}", e.message());
        }
        let e = ClientConfig::from_json(&Json::parse(r#"{"clientId":"c"}"#).unwrap()).unwrap_err();
        assert!(e.message().contains("config.authorizationEndpoint"));
        let e = ClientConfig::from_json(&Json::Null).unwrap_err();
        assert_eq!(e.message(), "config must be an object");
    }

    #[test]
    fn ellipsis_from_the_javascript_shape() {
        let j = Json::parse(
            r#"{"clientId":"abc","baseUrl":"http://127.0.0.1:9/v3/","scope":"read",
                "clientSecret":"s"}"#,
        )
        .unwrap();
        let c = ClientConfig::ellipsis_from_json(&j).unwrap();
        assert_eq!(c.token_endpoint, "http://127.0.0.1:9/v3/oauth/token");
        assert_eq!(c.dialect, Dialect::Ellipsis);
        assert_eq!(c.client_auth, ClientAuth::ClientSecretBasic);
        assert_eq!(c.scope, ["read"]);
        let e = ClientConfig::ellipsis_from_json(&Json::parse("{}").unwrap()).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidConfig);
        assert!(e.message().contains("options.clientId"));
        // Errors name the option given, not the endpoints made from it.
        for (base, code) in [
            ("http://ellipsis.example/v3", ErrorCode::InsecureEndpoint),
            ("not a url", ErrorCode::InvalidConfig),
            ("https://e.example/v3?tenant=1", ErrorCode::InvalidConfig),
            ("https://e.example/v3#f", ErrorCode::InvalidConfig),
        ] {
            let j = cat(&[r#"{"clientId":"a","baseUrl":""#, base, r#""}"#]);
            let e = ClientConfig::ellipsis_from_json(&Json::parse(&j).unwrap()).unwrap_err();
            assert_eq!(e.code(), code, "{base}");
            assert!(
                e.message().starts_with("options.baseUrl "),
                "{base}: {}",
                e.message()
            );
        }
    }

    /// Every URL a config holds is checked the way the WHATWG URL parser (`fetch`, the
    /// browser's location) will read it: a backslash, for one, is a `/` there.
    #[test]
    fn every_url_is_refused_where_a_browser_would_read_it_differently() {
        const BAD: [&str; 4] = [
            r"https://as.example\.evil.example/x",
            r"https://\\/a",
            "https://as.example%2eevil.example/x",
            "https://as.example/a/%2e%2e/x",
        ];
        type Set = fn(&mut ClientConfig, &str);
        let fields: Vec<(Set, &str)> = vec![
            (
                |c, u| c.authorization_endpoint = u.into(),
                "authorizationEndpoint",
            ),
            (|c, u| c.token_endpoint = u.into(), "tokenEndpoint"),
            (|c, u| c.redirect_uri = Some(u.into()), "redirectUri"),
            (|c, u| c.issuer = Some(u.into()), "issuer"),
        ];
        #[cfg(feature = "session")]
        let fields = {
            let mut f = fields;
            f.push((
                |c, u| c.revocation_endpoint = Some(u.into()),
                "revocationEndpoint",
            ));
            f
        };
        for bad in BAD {
            for &(set, field) in &fields {
                let mut c = ok();
                set(&mut c, bad);
                let e = c.validate().unwrap_err();
                assert_eq!(e.code(), ErrorCode::InvalidConfig, "{field} {bad}");
                assert!(
                    e.message().starts_with(field),
                    "{field} {bad}: {}",
                    e.message()
                );
            }
            // Ellipsis' baseUrl, named as given.
            let mut j = String::from(r#"{"clientId":"a","baseUrl":"#);
            crate::core::json::write_string(&mut j, bad);
            j.push('}');
            let e = ClientConfig::ellipsis_from_json(&Json::parse(&j).unwrap()).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidConfig, "baseUrl {bad}");
            assert!(
                e.message().starts_with("options.baseUrl "),
                "baseUrl {bad}: {}",
                e.message()
            );
        }
    }

    /// `dpop` is read by both builds: the full one turns it on, the code-flow one refuses it
    /// by name instead of sending Bearer requests.
    #[test]
    fn dpop_member() {
        let read = |dpop: &str| {
            let j = String::from(
                r#"{"clientId":"c","authorizationEndpoint":"https://as.example/a","tokenEndpoint":"https://as.example/t","dpop":"#,
            ) + dpop
                + "}";
            ClientConfig::from_json(&Json::parse(&j).unwrap())
        };
        let e = read("\"yes\"").unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidConfig);
        assert!(e.message().contains("dpop"), "{}", e.message());
        #[cfg(feature = "dpop")]
        {
            assert!(read("true").unwrap().dpop);
            assert!(!read("false").unwrap().dpop);
            assert!(!read("null").unwrap().dpop);
        }
        #[cfg(not(feature = "dpop"))]
        {
            let e = read("true").unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidConfig);
            assert_eq!(
                e.message(),
                "config.dpop must be false here: DPoP is in the entry oauth-spa/dpop"
            );
            assert!(read("false").is_ok());
            assert!(read("null").is_ok());
        }
    }

    /// The refusal of the builds without DPoP, checked in every build (scripts/test.sh also
    /// runs `dpop_member` without the feature, where `from_json` returns it).
    #[test]
    fn dpop_refusal_names_the_entry() {
        let j = Json::parse(r#"{"dpop":true}"#).unwrap();
        let a = Fields::new(&j, "config", ErrorCode::InvalidConfig, false).unwrap();
        let e = dpop_refused(&a);
        assert_eq!(e.code(), ErrorCode::InvalidConfig);
        assert_eq!(
            e.message(),
            "config.dpop must be false here: DPoP is in the entry oauth-spa/dpop"
        );
    }

    #[test]
    fn secret_not_in_debug() {
        let c = ok().with_client_secret("very-secret-value");
        assert!(!format!("{c:?}").contains("very-secret-value"));
    }

    #[test]
    fn scopes() {
        assert_eq!(split_scope(" a  b c "), vec!["a", "b", "c"]);
        let mut c = ok();
        assert_eq!(c.scope_string(), None);
        c.scope = vec!["openid".into(), "offline_access".into()];
        assert_eq!(c.scope_string().as_deref(), Some("openid offline_access"));
    }
}
