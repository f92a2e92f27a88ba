//! The token request (RFC 6749 §4.1.3, §6) and its response (§5.1, §5.2), as pure data: the
//! caller sends the [`TokenRequest`] with whatever HTTP client it has and hands the answer to
//! [`parse_token_response`].

use crate::core::config::{BodyEncoding, ClientAuth, ClientConfig, Dialect};
use crate::core::encoding::{append_pairs, base64_std, cat, form_encode};
use crate::core::error::{Error, ErrorCode};
use crate::core::json::{
    as_non_negative_integer, Json, ObjectWriter, MAX_MEMBERS, TOKEN_RESPONSE_DEPTH,
};
use crate::core::secret::Secret;
use alloc::{string::String, vec::Vec};

/// An HTTP request to the token endpoint. `Debug` hides the body and the Authorization header.
#[derive(Clone)]
pub struct TokenRequest {
    /// The token endpoint.
    pub url: String,
    /// Header names and values, in order.
    pub headers: Vec<(&'static str, String)>,
    /// The encoded body.
    pub body: Secret,
}

impl core::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| *n).collect();
        f.debug_struct("TokenRequest")
            .field("url", &self.url)
            .field("headers", &names)
            .field("body", &self.body)
            .finish()
    }
}

/// What is exchanged at the token endpoint.
pub enum Grant<'a> {
    /// An authorization code (RFC 6749 §4.1.3).
    AuthorizationCode {
        /// The code from the callback.
        code: &'a str,
        /// The PKCE verifier (RFC 7636 §4.5), if PKCE was used.
        code_verifier: Option<&'a str>,
        /// The redirect URI, iff one was sent to the authorization endpoint.
        redirect_uri: Option<&'a str>,
    },
    /// A refresh token (RFC 6749 §6).
    #[cfg(feature = "session")]
    RefreshToken {
        /// The refresh token.
        refresh_token: &'a str,
        /// A narrower scope, if wanted.
        scope: Option<&'a str>,
    },
}

/// The `Authorization` header value for HTTP Basic client authentication: id and secret each
/// form-urlencoded, joined by `:`, base64-encoded (RFC 6749 §2.3.1).
pub fn basic_auth_header(client_id: &str, client_secret: &str) -> String {
    let pair = cat(&[&form_encode(client_id), ":", &form_encode(client_secret)]);
    cat(&["Basic ", &base64_std(pair.as_bytes())])
}

/// Adds the client's authentication (RFC 6749 §2.3.1) to a request to the token endpoint or
/// an endpoint that authenticates the same way (RFC 7009 §2.1): HTTP Basic, `client_id` and
/// `client_secret` in the body, or for a public client `client_id` alone (§4.1.3, §3.2.1).
pub(crate) fn add_client_auth<'a>(
    config: &'a ClientConfig,
    params: &mut Vec<(&'a str, &'a str)>,
    headers: &mut Vec<(&'static str, String)>,
) {
    match (config.client_auth, config.client_secret.as_ref()) {
        (ClientAuth::ClientSecretBasic, Some(s)) => {
            headers.push((
                "Authorization",
                basic_auth_header(&config.client_id, s.expose()),
            ));
        }
        (ClientAuth::ClientSecretPost, Some(s)) => {
            params.push(("client_id", &config.client_id));
            params.push(("client_secret", s.expose()));
        }
        _ => params.push(("client_id", &config.client_id)),
    }
}

/// Builds the token request for `grant` under `config` (which is validated first).
pub fn token_request(config: &ClientConfig, grant: &Grant<'_>) -> Result<TokenRequest, Error> {
    config.validate()?;
    let mut params: Vec<(&str, &str)> = Vec::with_capacity(7);
    match grant {
        Grant::AuthorizationCode {
            code,
            code_verifier,
            redirect_uri,
        } => {
            if code.is_empty() {
                return Err(Error::new(
                    ErrorCode::MissingCode,
                    "the authorization code is empty",
                ));
            }
            params.push(("grant_type", "authorization_code"));
            let code_name = match config.dialect {
                Dialect::Rfc6749 => "code",
                Dialect::Ellipsis => "authorization_code",
            };
            params.push((code_name, code));
            if let Some(r) = redirect_uri {
                params.push(("redirect_uri", r));
            }
            if let Some(v) = code_verifier {
                params.push(("code_verifier", v));
            }
        }
        #[cfg(feature = "session")]
        Grant::RefreshToken {
            refresh_token,
            scope,
        } => {
            if refresh_token.is_empty() {
                return Err(Error::new(
                    ErrorCode::InvalidArgument,
                    "the refresh token is empty",
                ));
            }
            params.push(("grant_type", "refresh_token"));
            params.push(("refresh_token", refresh_token));
            if let Some(s) = scope {
                params.push(("scope", s));
            }
        }
    }
    let mut headers = Vec::with_capacity(3);
    add_client_auth(config, &mut params, &mut headers);
    let (content_type, body) = match config.encoding {
        BodyEncoding::Form => {
            let mut b = String::new();
            append_pairs(&mut b, &params);
            ("application/x-www-form-urlencoded", b)
        }
        BodyEncoding::Json => {
            let mut w = ObjectWriter::new();
            for &(n, v) in &params {
                w.string(n, v);
            }
            ("application/json", w.finish())
        }
    };
    headers.push(("Content-Type", content_type.into()));
    headers.push(("Accept", "application/json".into()));
    Ok(TokenRequest {
        url: config.token_endpoint.clone(),
        headers,
        body: Secret::new(body),
    })
}

/// A successful token response (RFC 6749 §5.1), validated.
#[derive(Clone)]
pub struct TokenSet {
    /// The access token.
    pub access_token: Secret,
    /// `Bearer` (normalised; compared case-insensitively, RFC 6749 §5.1).
    pub token_type: String,
    /// Lifetime in seconds, when the server said.
    pub expires_in: Option<u64>,
    /// Expiry as milliseconds since the Unix epoch, when `expires_in` was given.
    pub expires_at: Option<u64>,
    /// The refresh token, when one was issued.
    pub refresh_token: Option<Secret>,
    /// The granted scope: the response's, or the requested one when the response omits it
    /// (RFC 6749 §5.1: omitted means identical to the request).
    pub scope: Option<String>,
    /// An OpenID Connect ID token, when present (not validated here).
    pub id_token: Option<Secret>,
    /// The whole response object, unknown members included.
    pub raw: Json,
    /// The response body as received.
    pub raw_text: Secret,
}

impl core::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token)
            .field("scope", &self.scope)
            .field("id_token", &self.id_token)
            .finish_non_exhaustive()
    }
}

impl TokenSet {
    /// The TokenSet in the JavaScript API's shape, as JSON text: `accessToken`, `tokenType`,
    /// `expiresIn`, `expiresAt`, `refreshToken`, `scope`, `idToken` (each when known),
    /// `appState` (when given) and `raw`, the response object as received.
    pub fn to_json(&self, app_state: Option<&str>) -> Secret {
        let mut o = ObjectWriter::new();
        o.string("accessToken", self.access_token.expose())
            .string("tokenType", &self.token_type);
        if let Some(n) = self.expires_in {
            o.uint("expiresIn", n);
        }
        if let Some(n) = self.expires_at {
            o.uint("expiresAt", n);
        }
        o.opt_string(
            "refreshToken",
            self.refresh_token.as_ref().map(|s| s.expose()),
        )
        .opt_string("scope", self.scope.as_deref())
        .opt_string("idToken", self.id_token.as_ref().map(|s| s.expose()))
        .opt_string("appState", app_state)
        // A body that parsed as a JSON object is valid JSON text as it is; a TokenSet not
        // read from a response has none.
        .raw(
            "raw",
            if self.raw_text.expose().is_empty() {
                "{}"
            } else {
                self.raw_text.expose()
            },
        );
        Secret::new(o.finish())
    }
}

/// Reads the token endpoint's answer.
///
/// - 2xx with an RFC 6749 §5.1 JSON object → [`TokenSet`];
/// - any status with a JSON object carrying a string `error` (RFC 6749 §5.2), or an
///   Ellipsis-style `{"message": "..."}` on a non-2xx or without `access_token` →
///   [`ErrorCode::TokenError`];
/// - another non-2xx → [`ErrorCode::HttpError`];
/// - a 2xx that is not a valid token response → [`ErrorCode::InvalidTokenResponse`] or
///   [`ErrorCode::UnsupportedTokenType`].
pub fn parse_token_response(
    config: &ClientConfig,
    status: u16,
    body: &str,
    now_ms: u64,
    requested_scope: Option<&str>,
) -> Result<TokenSet, Error> {
    let ok = (200..300).contains(&status);
    // At most 62 levels: what is accepted must read back inside a TokenSet (`raw`) and inside
    // `createSession`'s options (`TOKEN_RESPONSE_DEPTH`).
    let json =
        Json::parse_within(body, TOKEN_RESPONSE_DEPTH).filter(|j| matches!(j, Json::Object(_)));
    if let Some(j) = &json {
        // An empty `error` (or `message`) is no error: as if omitted (RFC 6749 §3.1 spirit).
        let s = |n: &str| {
            j.get(n)
                .and_then(Json::as_str)
                .filter(|v| !v.is_empty())
                .map(String::from)
        };
        if let Some(error) = s("error") {
            return Err(Error::new(
                ErrorCode::TokenError,
                "the token endpoint returned an error (RFC 6749 §5.2)",
            )
            .with_server(
                Some(error),
                s("error_description"),
                s("error_uri"),
                Some(status),
            ));
        }
        // Ellipsis' `{"message"}`: an error on a non-2xx, or on a 2xx without a token.
        let no_token = !matches!(j.get("access_token"), Some(Json::String(t)) if !t.is_empty());
        if !ok || no_token {
            if let Some(message) = s("message") {
                return Err(Error::new(
                    ErrorCode::TokenError,
                    "the token endpoint returned an error message",
                )
                .with_server(None, Some(message), None, Some(status)));
            }
        }
    }
    if !ok {
        let mut msg = String::from("the token endpoint answered HTTP ");
        crate::core::json::push_u64(&mut msg, u64::from(status));
        msg.push_str(" without an OAuth error body");
        return Err(Error::new(ErrorCode::HttpError, msg).with_server(
            None,
            None,
            None,
            Some(status),
        ));
    }
    let invalid = |m: &'static str| Error::new(ErrorCode::InvalidTokenResponse, m);
    let Some(j) = json else {
        return Err(invalid(
            "the token response is not a JSON object (or nests deeper than 62 levels)",
        ));
    };
    if j.member_count() > MAX_MEMBERS {
        return Err(invalid("the token response has more than 1000 members"));
    }
    if let Some(name) = j.duplicate_member() {
        return Err(Error::concat(
            ErrorCode::InvalidTokenResponse,
            &["the token response has the member \"", name, "\" twice"],
        ));
    }
    let string_member = |name: &'static str| -> Result<Option<String>, Error> {
        match j.get(name) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Error::concat(
                ErrorCode::InvalidTokenResponse,
                &["the token response member \"", name, "\" must be a string"],
            )),
        }
    };
    // RFC 6749 Appendix A.12 and A.17: access-token and refresh-token are 1*VSCHAR (printable
    // ASCII). A server sending anything else is not speaking OAuth 2.0.
    let vschar = |name: &'static str, t: &str| {
        if t.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
            Ok(())
        } else {
            Err(Error::concat(
                ErrorCode::InvalidTokenResponse,
                &[
                    "the token response member \"",
                    name,
                    "\" has characters other than printable ASCII (RFC 6749 Appendix A)",
                ],
            ))
        }
    };
    let access_token = match string_member("access_token")? {
        Some(t) if !t.is_empty() => t,
        _ => {
            return Err(invalid(
                "the token response has no \"access_token\" (RFC 6749 §5.1)",
            ))
        }
    };
    vschar("access_token", &access_token)?;
    let token_type = match string_member("token_type")? {
        // A proof was sent: the token must be bound (RFC 9449 §5).
        #[cfg(feature = "dpop")]
        t if config.dpop => String::from(crate::core::dpop::bound_token_type(t.as_deref())?),
        Some(t) if t.eq_ignore_ascii_case("bearer") => String::from("Bearer"),
        Some(_) => {
            return Err(Error::new(
                ErrorCode::UnsupportedTokenType,
                "the token response's \"token_type\" is not Bearer (only Bearer is supported)",
            ))
        }
        None if config.require_token_type => {
            return Err(invalid(
                "the token response has no \"token_type\" (RFC 6749 §5.1; set requireTokenType: false to accept this server)",
            ))
        }
        None => String::from("Bearer"),
    };
    let expires_in = match j.get("expires_in") {
        None | Some(Json::Null) => None,
        Some(v) => Some(as_non_negative_integer(v).ok_or_else(|| {
            invalid(
                "the token response member \"expires_in\" must be a non-negative number of seconds",
            )
        })?),
    };
    let refresh_token = string_member("refresh_token")?.filter(|t| !t.is_empty());
    if let Some(t) = &refresh_token {
        vschar("refresh_token", t)?;
    }
    let scope = string_member("scope")?.or_else(|| requested_scope.map(String::from));
    let id_token = string_member("id_token")?
        .filter(|t| !t.is_empty())
        .map(Secret::new);
    Ok(TokenSet {
        access_token: Secret::new(access_token),
        token_type,
        expires_in,
        // At most the last instant a JavaScript `Date` can hold (ECMAScript §21.4.1.1).
        expires_at: expires_in.map(|s| {
            now_ms
                .saturating_add(s.saturating_mul(1000))
                .min(8_640_000_000_000_000)
        }),
        refresh_token: refresh_token.map(Secret::new),
        scope,
        id_token,
        raw: j,
        raw_text: Secret::new(body),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc() -> ClientConfig {
        let mut c = ClientConfig::new(
            "s6BhdRkqt3",
            "https://server.example.com/authorize",
            "https://server.example.com/token",
        );
        c.redirect_uri = Some("https://client.example.com/cb".into());
        c
    }

    fn code_grant() -> Grant<'static> {
        Grant::AuthorizationCode {
            code: "SplxlOBeZQQYbYS6WxSbIA",
            code_verifier: Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            redirect_uri: Some("https://client.example.com/cb"),
        }
    }

    #[test]
    fn token_set_in_the_javascript_shape() {
        let body = r#" {"access_token":"at-9f2c","token_type":"bearer","expires_in":"60","refresh_token":"rt-77ab","x":[1,{"y":null}]} "#;
        let t = parse_token_response(&rfc(), 200, body, 1_000, Some("a b")).unwrap();
        let text = t.to_json(Some("/back"));
        let j = Json::parse(text.expose()).unwrap();
        let s = |k: &str| j.get(k).and_then(Json::as_str);
        assert_eq!(s("accessToken"), Some("at-9f2c"));
        assert_eq!(s("tokenType"), Some("Bearer"));
        assert_eq!(j.get("expiresIn"), Some(&Json::Number("60".into())));
        assert_eq!(j.get("expiresAt"), Some(&Json::Number("61000".into())));
        assert_eq!(s("refreshToken"), Some("rt-77ab"));
        assert_eq!(
            s("scope"),
            Some("a b"),
            "omitted scope is the requested one"
        );
        assert_eq!(s("appState"), Some("/back"));
        assert_eq!(j.get("idToken"), None);
        assert_eq!(j.get("raw"), Json::parse(body).as_ref());
        assert_eq!(format!("{text:?}"), "[redacted]", "Debug hides the tokens");
        let t = TokenSet {
            raw_text: Secret::default(),
            ..t
        };
        let j = Json::parse(t.to_json(None).expose()).unwrap();
        assert_eq!(j.get("raw"), Some(&Json::Object(Vec::new())));
        assert_eq!(j.get("appState"), None);
    }

    fn header<'a>(r: &'a TokenRequest, name: &str) -> Option<&'a str> {
        r.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn rfc6749_section_2_3_1_basic_vector() {
        assert_eq!(
            basic_auth_header("s6BhdRkqt3", "7Fjfp0ZBr1KtDRbnfVdmIw"),
            "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"
        );
        // Appendix B: id and secret are form-encoded before joining.
        assert_eq!(
            basic_auth_header("a:b", " %&+£€"),
            ["Basic ", &base64_std(b"a%3Ab:+%25%26%2B%C2%A3%E2%82%AC")].concat()
        );
    }

    #[test]
    fn public_client_form_request() {
        let r = token_request(&rfc(), &code_grant()).unwrap();
        assert_eq!(r.url, "https://server.example.com/token");
        assert_eq!(
            r.body.expose(),
            "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA\
             &redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb\
             &code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&client_id=s6BhdRkqt3"
        );
        assert_eq!(
            header(&r, "Content-Type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(header(&r, "Accept"), Some("application/json"));
        assert_eq!(header(&r, "Authorization"), None);
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("SplxlOBeZQQYbYS6WxSbIA"));
        assert!(!dbg.contains("dBjftJeZ4CVP"));
    }

    #[test]
    fn ellipsis_json_request_with_basic_auth() {
        let c =
            ClientConfig::ellipsis("s6BhdRkqt3", None).with_client_secret("7Fjfp0ZBr1KtDRbnfVdmIw");
        let g = Grant::AuthorizationCode {
            code: "abc",
            code_verifier: Some("v"),
            redirect_uri: None,
        };
        let r = token_request(&c, &g).unwrap();
        assert_eq!(
            r.body.expose(),
            r#"{"grant_type":"authorization_code","authorization_code":"abc","code_verifier":"v"}"#
        );
        assert_eq!(
            header(&r, "Authorization"),
            Some("Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3")
        );
        assert_eq!(header(&r, "Content-Type"), Some("application/json"));
    }

    #[test]
    fn client_secret_post_and_ellipsis_form() {
        let mut c = ClientConfig::ellipsis("id", None).with_client_secret("s&1");
        c.client_auth = ClientAuth::ClientSecretPost;
        c.encoding = BodyEncoding::Form;
        let g = Grant::AuthorizationCode {
            code: "abc",
            code_verifier: None,
            redirect_uri: Some("https://a/cb"),
        };
        let r = token_request(&c, &g).unwrap();
        assert_eq!(
            r.body.expose(),
            "grant_type=authorization_code&authorization_code=abc&redirect_uri=https%3A%2F%2Fa%2Fcb&client_id=id&client_secret=s%261"
        );
        assert!(!r.body.expose().contains("&code="));
    }

    #[test]
    #[cfg(feature = "session")]
    fn refresh_request() {
        let r = token_request(
            &rfc(),
            &Grant::RefreshToken {
                refresh_token: "tGzv3JOkF0XG5Qx2TlKWIA",
                scope: None,
            },
        )
        .unwrap();
        assert_eq!(
            r.body.expose(),
            "grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA&client_id=s6BhdRkqt3"
        );
    }

    #[test]
    fn empty_code_sends_nothing() {
        let g = Grant::AuthorizationCode {
            code: "",
            code_verifier: None,
            redirect_uri: None,
        };
        assert_eq!(
            token_request(&rfc(), &g).unwrap_err().code(),
            ErrorCode::MissingCode
        );
    }

    const RFC_EXAMPLE: &str = r#"{
       "access_token":"2YotnFZFEjr1zCsicMWpAA",
       "token_type":"example",
       "expires_in":3600,
       "refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA",
       "example_parameter":"example_value"
     }"#;

    #[test]
    fn parses_success() {
        let body = RFC_EXAMPLE.replace("\"example\"", "\"bEaReR\"");
        let t = parse_token_response(&rfc(), 200, &body, 1_000, Some("a b")).unwrap();
        assert_eq!(t.access_token.expose(), "2YotnFZFEjr1zCsicMWpAA");
        assert_eq!(t.token_type, "Bearer");
        assert_eq!(t.expires_in, Some(3600));
        assert_eq!(t.expires_at, Some(3_601_000));
        assert_eq!(
            t.refresh_token.as_ref().map(Secret::expose),
            Some("tGzv3JOkF0XG5Qx2TlKWIA")
        );
        assert_eq!(t.scope.as_deref(), Some("a b"));
        assert_eq!(
            t.raw.get("example_parameter").and_then(Json::as_str),
            Some("example_value")
        );
        let dbg = format!("{t:?}");
        assert!(!dbg.contains("2YotnFZFEjr1zCsicMWpAA") && !dbg.contains("tGzv3JOk"));
    }

    /// RFC 9449 §5: after a proof, only a `DPoP` token type is accepted (any case); without
    /// one, `DPoP` is an unsupported type like any other but Bearer.
    #[cfg(feature = "dpop")]
    #[test]
    fn dpop_token_type() {
        let mut c = rfc();
        c.dpop = true;
        let body = |t: &str| RFC_EXAMPLE.replace("\"example\"", t);
        let t = parse_token_response(&c, 200, &body("\"dPoP\""), 0, None).unwrap();
        assert_eq!(t.token_type, "DPoP");
        assert!(t.to_json(None).expose().contains(r#""tokenType":"DPoP""#));
        for other in ["\"Bearer\"", "\"mac\"", "null"] {
            let e = parse_token_response(&c, 200, &body(other), 0, None).unwrap_err();
            assert_eq!(e.code(), ErrorCode::DpopError, "{other}");
        }
        c.require_token_type = false;
        let e = parse_token_response(&c, 200, r#"{"access_token":"a"}"#, 0, None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::DpopError);
        let e = parse_token_response(&rfc(), 200, &body("\"DPoP\""), 0, None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::UnsupportedTokenType);
    }

    #[test]
    fn lenient_where_servers_differ() {
        let t = parse_token_response(
            &rfc(),
            201,
            r#"{"access_token":"a","token_type":"bearer","expires_in":"60","scope":"x"}"#,
            0,
            Some("y"),
        )
        .unwrap();
        assert_eq!(t.expires_in, Some(60));
        assert_eq!(t.scope.as_deref(), Some("x"));
        let mut c = rfc();
        c.require_token_type = false;
        let t = parse_token_response(&c, 200, r#"{"access_token":"a"}"#, 0, None).unwrap();
        assert_eq!(t.token_type, "Bearer");
        assert_eq!(t.expires_at, None);
        // A "never" written as Java's Long.MAX_VALUE signs in, with a far-future expiry.
        let never =
            r#"{"access_token":"a","token_type":"Bearer","expires_in":9223372036854775807}"#;
        let t = parse_token_response(&rfc(), 200, never, 5, None).unwrap();
        assert_eq!(t.expires_in, Some(crate::core::json::SATURATED));
        assert_eq!(t.expires_at, Some(8_640_000_000_000_000), "a valid JS Date");
    }

    #[test]
    #[cfg(feature = "session")]
    fn long_lifetimes_read_back_as_they_were_written() {
        // expiresAt is now + expires_in seconds, capped at the last instant a JavaScript Date
        // holds (ECMAScript §21.4.1.1: 8.64e15 ms); the stored TokenSet reads back the same.
        const T0: u64 = 1_700_000_000_000;
        const DATE_MAX: u64 = 8_640_000_000_000_000;
        for (expires_in, expires_at) in [
            ("3600", T0 + 3_600_000),
            ("1e12", T0 + 1_000_000_000_000_000),
            ("1000000000000", T0 + 1_000_000_000_000_000),
            ("8638300000000", T0 + 8_638_300_000_000_000),
            ("8638300000001", DATE_MAX),
            ("1e15", DATE_MAX),
            ("9223372036854775807", DATE_MAX),
            ("1e308", DATE_MAX),
        ] {
            let body = cat(&[
                r#"{"access_token":"a","token_type":"Bearer","expires_in":"#,
                expires_in,
                "}",
            ]);
            let t = parse_token_response(&rfc(), 200, &body, T0, None).unwrap();
            assert_eq!(t.expires_at, Some(expires_at), "{expires_in}");
            let stored = Json::parse(t.to_json(None).expose()).unwrap();
            let back = crate::core::session::token_set_from_json(&stored).unwrap();
            assert_eq!(back.expires_at, Some(expires_at), "{expires_in} read back");
        }
    }

    fn err(status: u16, body: &str) -> Error {
        parse_token_response(&rfc(), status, body, 0, None).unwrap_err()
    }

    #[test]
    fn error_bodies() {
        let e = err(
            400,
            r#"{"error":"invalid_grant","error_description":"code expired","error_uri":"https://as/e"}"#,
        );
        assert_eq!(e.code(), ErrorCode::TokenError);
        assert_eq!(e.error(), Some("invalid_grant"));
        assert_eq!(e.error_description(), Some("code expired"));
        assert_eq!(e.error_uri(), Some("https://as/e"));
        assert_eq!(e.status(), Some(400));
        let e = err(401, r#"{"error":"invalid_client"}"#);
        assert_eq!((e.code(), e.status()), (ErrorCode::TokenError, Some(401)));
        let e = err(200, r#"{"error":"bad_verification_code"}"#);
        assert_eq!(e.code(), ErrorCode::TokenError);
        // An empty `error` is no error; an empty Ellipsis `message` is no OAuth error body.
        let ok = r#"{"access_token":"a","token_type":"Bearer","error":""}"#;
        assert!(parse_token_response(&rfc(), 200, ok, 0, None).is_ok());
        assert_eq!(err(400, r#"{"message":""}"#).code(), ErrorCode::HttpError);
        let e = err(400, r#"{"message":"Invalid authorization code."}"#);
        assert_eq!(e.code(), ErrorCode::TokenError);
        assert_eq!(e.error(), None);
        assert_eq!(e.error_description(), Some("Invalid authorization code."));
        let e = err(502, "<html><body>502 Bad Gateway</body></html>");
        assert_eq!((e.code(), e.status()), (ErrorCode::HttpError, Some(502)));
        assert_eq!(
            e.message(),
            "the token endpoint answered HTTP 502 without an OAuth error body"
        );
        let e = err(500, r#"{"detail":"x"}"#);
        assert_eq!(e.code(), ErrorCode::HttpError);
        // Ellipsis' message on a 200 without a token is its error too.
        let e = err(200, r#"{"message":"Invalid authorization code."}"#);
        assert_eq!((e.code(), e.status()), (ErrorCode::TokenError, Some(200)));
        assert_eq!(e.error_description(), Some("Invalid authorization code."));
        let e = err(200, r#"{"access_token":null,"message":"Invalid code."}"#);
        assert_eq!(e.code(), ErrorCode::TokenError);
        let ok = r#"{"access_token":"a","token_type":"Bearer","message":"welcome"}"#;
        assert!(parse_token_response(&rfc(), 200, ok, 0, None).is_ok());
    }

    #[test]
    fn many_members_are_refused_before_the_quadratic_repeat_check() {
        let body = |n: usize| {
            let mut b = String::from(r#"{"access_token":"a","token_type":"Bearer""#);
            for i in 2..n {
                b.push_str(",\"m");
                crate::core::json::push_u64(&mut b, i as u64);
                b.push_str("\":0");
            }
            b.push('}');
            b
        };
        let t = parse_token_response(&rfc(), 200, &body(MAX_MEMBERS), 0, None).unwrap();
        assert_eq!(t.raw.member_count(), MAX_MEMBERS);
        let e = err(200, &body(MAX_MEMBERS + 1));
        assert_eq!(e.code(), ErrorCode::InvalidTokenResponse);
        assert!(e.message().contains("more than 1000 members"));
    }

    #[test]
    #[cfg(feature = "session")]
    fn what_is_accepted_reads_back_at_any_depth() {
        // `raw` holds the response object; the TokenSet wraps it one level deeper, and
        // `createSession({ tokens })` one more: whatever is accepted must read back through
        // both (the JSON reader stops at 64 levels).
        let body = |arrays: usize| {
            cat(&[
                r#"{"access_token":"a","token_type":"Bearer","expires_in":60,"x":"#,
                &"[".repeat(arrays),
                &"]".repeat(arrays),
                "}",
            ])
        };
        let mut accepted = 0;
        for arrays in 58..=64 {
            let Ok(t) = parse_token_response(&rfc(), 200, &body(arrays), 1_000, None) else {
                continue;
            };
            accepted = arrays;
            let text = t.to_json(Some("/back"));
            let stored = Json::parse(text.expose())
                .unwrap_or_else(|| panic!("{arrays} levels: TokenSet::to_json does not parse"));
            let back = crate::core::session::token_set_from_json(&stored).unwrap();
            assert_eq!(back.access_token.expose(), "a");
            assert_eq!(back.expires_at, Some(61_000));
            assert_eq!(stored.get("raw"), Some(&t.raw), "{arrays}");
            // createSession(config, { tokens }) reads its options object as JSON.
            let options = cat(&[r#"{"storage":"memory","tokens":"#, text.expose(), "}"]);
            let options = Json::parse(&options)
                .unwrap_or_else(|| panic!("{arrays} levels: createSession's options do not parse"));
            let tokens = options.get("tokens").unwrap();
            assert!(crate::core::session::token_set_from_json(tokens).is_some());
        }
        assert_eq!(accepted, 61, "the deepest response accepted");
        let e = err(200, &body(62));
        assert_eq!(e.code(), ErrorCode::InvalidTokenResponse);
        assert!(e.message().contains("deeper than 62"), "{}", e.message());
    }

    #[test]
    fn tokens_are_printable_ascii_and_empty_ones_are_absent() {
        // RFC 6749 Appendix A.12 / A.17: 1*VSCHAR, which includes the space.
        let ok =
            r#"{"access_token":"a b~","token_type":"Bearer","refresh_token":"r","id_token":""}"#;
        let t = parse_token_response(&rfc(), 200, ok, 0, None).unwrap();
        assert_eq!(t.access_token.expose(), "a b~");
        assert!(
            t.id_token.is_none(),
            "an empty id_token is absent, like refresh_token"
        );
        for (body, member) in [
            (
                r#"{"access_token":"a\nb","token_type":"Bearer"}"#,
                "access_token",
            ),
            (
                r#"{"access_token":"\u00e9","token_type":"Bearer"}"#,
                "access_token",
            ),
            (
                r#"{"access_token":"a","token_type":"Bearer","refresh_token":"r\u0000"}"#,
                "refresh_token",
            ),
        ] {
            let e = err(200, body);
            assert_eq!(e.code(), ErrorCode::InvalidTokenResponse, "{body}");
            assert!(e.message().contains(member), "{body}: {}", e.message());
        }
    }

    #[test]
    fn invalid_success_bodies() {
        let deep = "[".repeat(62) + &"]".repeat(62);
        let deep = cat(&[
            r#"{"access_token":"a","token_type":"Bearer","x":"#,
            &deep,
            "}",
        ]);
        for (body, code, needle) in [
            ("not json", ErrorCode::InvalidTokenResponse, "JSON"),
            (&deep, ErrorCode::InvalidTokenResponse, "deeper than 62"),
            ("[1]", ErrorCode::InvalidTokenResponse, "JSON"),
            (
                r#"{"token_type":"Bearer"}"#,
                ErrorCode::InvalidTokenResponse,
                "access_token",
            ),
            (
                r#"{"access_token":"","token_type":"Bearer"}"#,
                ErrorCode::InvalidTokenResponse,
                "access_token",
            ),
            (
                r#"{"access_token":5,"token_type":"Bearer"}"#,
                ErrorCode::InvalidTokenResponse,
                "access_token",
            ),
            (
                r#"{"access_token":"a"}"#,
                ErrorCode::InvalidTokenResponse,
                "token_type",
            ),
            (
                r#"{"access_token":"a","token_type":"mac"}"#,
                ErrorCode::UnsupportedTokenType,
                "Bearer",
            ),
            (
                r#"{"access_token":"a","token_type":"Bearer","expires_in":"soon"}"#,
                ErrorCode::InvalidTokenResponse,
                "expires_in",
            ),
            (
                r#"{"access_token":"a","token_type":"Bearer","expires_in":-5}"#,
                ErrorCode::InvalidTokenResponse,
                "expires_in",
            ),
            (
                r#"{"access_token":"a","token_type":"Bearer","refresh_token":7}"#,
                ErrorCode::InvalidTokenResponse,
                "refresh_token",
            ),
            (
                r#"{"access_token":"a","access_token":"b","token_type":"Bearer"}"#,
                ErrorCode::InvalidTokenResponse,
                "twice",
            ),
        ] {
            let e = err(200, body);
            assert_eq!(e.code(), code, "{body}");
            assert!(e.message().contains(needle), "{body}: {}", e.message());
            assert!(!e.message().contains("\"a\""));
        }
    }
}
