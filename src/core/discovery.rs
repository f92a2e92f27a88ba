//! Authorization server metadata: where to find it (RFC 8414 §3.1, OpenID Connect Discovery
//! 1.0 §4) and what a document must say before its endpoints are trusted (RFC 8414 §3.2,
//! §3.3). Servers without metadata (Ellipsis Drive) are configured with explicit endpoints.

use crate::core::config::ClientConfig;
use crate::core::encoding::{cat, trim_slashes};
use crate::core::error::{Error, ErrorCode};
use crate::core::json::{Json, MAX_MEMBERS};
use crate::core::pkce::CODE_CHALLENGE_METHOD;
use crate::core::url;
use alloc::{borrow::ToOwned, string::String, vec, vec::Vec};

/// The validated part of a metadata document that a browser client uses.
#[derive(Clone, Debug)]
pub struct Metadata {
    /// `issuer`: equal to the issuer that was asked for.
    pub issuer: String,
    /// `authorization_endpoint`
    pub authorization_endpoint: String,
    /// `token_endpoint`
    pub token_endpoint: String,
    /// `revocation_endpoint` (RFC 7009), if the server has one.
    pub revocation_endpoint: Option<String>,
    /// `authorization_response_iss_parameter_supported` (RFC 9207 §3): the server always sends
    /// `iss`, so a response without it is refused.
    pub iss_parameter_supported: bool,
    /// The whole document.
    pub raw: Json,
}

impl Metadata {
    /// A public client of this server: endpoints, issuer and the RFC 9207 setting filled in.
    pub fn client_config(&self, client_id: impl Into<String>) -> ClientConfig {
        let mut c = ClientConfig::new(
            client_id,
            self.authorization_endpoint.clone(),
            self.token_endpoint.clone(),
        );
        c.issuer = Some(self.issuer.clone());
        c.require_issuer = self.iss_parameter_supported;
        c.revocation_endpoint = self.revocation_endpoint.clone();
        c
    }
}

fn invalid(message: &'static str) -> Error {
    Error::new(ErrorCode::InvalidMetadata, message)
}

/// The URLs to try, in order, for the metadata of `issuer`:
/// 1. RFC 8414 §3.1: `/.well-known/oauth-authorization-server` inserted between the host and
///    the issuer's path (`https://as.example/tenant` →
///    `https://as.example/.well-known/oauth-authorization-server/tenant`);
/// 2. OpenID Connect Discovery §4: `/.well-known/openid-configuration` appended to the issuer;
/// 3. for an issuer with a path, RFC 8414 §5's inserted form of `openid-configuration`.
///
/// The issuer must be an `https` URL (plain `http` only on loopback hosts) without query or
/// fragment (RFC 8414 §2).
pub fn metadata_urls(issuer: &str) -> Result<Vec<String>, Error> {
    url::check_endpoint("issuer", issuer)?;
    let parts = url::parse("issuer", issuer)?;
    if parts.query.is_some() {
        return Err(Error::new(
            ErrorCode::InvalidConfig,
            "issuer must not contain a query (RFC 8414 §2)",
        ));
    }
    // `base` is scheme://authority/path: the path starts at the first '/' after "https://".
    let base = parts.base;
    let cut = base
        .bytes()
        .enumerate()
        .skip(if parts.https { 8 } else { 7 })
        .find(|(_, b)| *b == b'/')
        .map_or(base.len(), |(i, _)| i);
    let origin = base.get(..cut).unwrap_or(base);
    let path = trim_slashes(base.get(cut..).unwrap_or(""));
    let well_known = |suffix: &str| cat(&[origin, "/.well-known/", suffix, path]);
    let mut urls = vec![
        well_known("oauth-authorization-server"),
        cat(&[origin, path, "/.well-known/openid-configuration"]),
    ];
    if !path.is_empty() {
        urls.push(well_known("openid-configuration"));
    }
    Ok(urls)
}

/// What a client does with the answer to one of [`metadata_urls`], tried in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetadataAnswer {
    /// A 2xx answer: validate it ([`parse_metadata`]); a document that fails is an error, not
    /// a reason to try the next URL.
    Validate,
    /// Any other status (a 404: no document there), or a network failure (a 404 without CORS
    /// headers looks like one): try the next URL.
    TryNext,
    /// A timeout or an abort: the caller's limits, so stop with that error.
    Stop,
}

/// The [`MetadataAnswer`] for an answer with HTTP `status`, or for a request that failed
/// (`status` `None`) with the error code `error_code` (`"network_error"`, `"timeout"`, ...).
pub fn metadata_answer(status: Option<u16>, error_code: &str) -> MetadataAnswer {
    match status {
        Some(200..=299) => MetadataAnswer::Validate,
        Some(_) => MetadataAnswer::TryNext,
        None if error_code == "network_error" => MetadataAnswer::TryNext,
        None => MetadataAnswer::Stop,
    }
}

/// Validates a metadata document fetched for `expected_issuer`:
/// - a JSON object without repeated members;
/// - `issuer` identical to `expected_issuer` (RFC 8414 §3.3), else `issuer_mismatch`;
/// - `authorization_endpoint` and `token_endpoint` present, and they and `revocation_endpoint`
///   `https` (or loopback) URLs without fragment;
/// - `response_types_supported`, when present, lists `code`;
/// - `code_challenge_methods_supported`, when present, lists `S256` (RFC 7636 §4.2; this
///   library sends nothing else). When absent, PKCE is sent anyway.
pub fn parse_metadata(expected_issuer: &str, body: &str) -> Result<Metadata, Error> {
    let Some(j) = Json::parse(body).filter(|j| matches!(j, Json::Object(_))) else {
        return Err(invalid(
            "the metadata document is not a JSON object (or nests deeper than 64 levels)",
        ));
    };
    if j.member_count() > MAX_MEMBERS {
        return Err(invalid("the metadata document has more than 1000 members"));
    }
    if let Some(name) = j.duplicate_member() {
        return Err(Error::concat(
            ErrorCode::InvalidMetadata,
            &["the metadata document has the member \"", name, "\" twice"],
        ));
    }
    let string = |name: &'static str| -> Result<Option<String>, Error> {
        match j.get(name) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Error::concat(
                ErrorCode::InvalidMetadata,
                &["the metadata member \"", name, "\" must be a string"],
            )),
        }
    };
    let endpoint = |name: &'static str| -> Result<Option<String>, Error> {
        let Some(v) = string(name)? else {
            return Ok(None);
        };
        url::check_endpoint(name, &v).map_err(|e| match e.code() {
            ErrorCode::InsecureEndpoint => e,
            _ => Error::new(ErrorCode::InvalidMetadata, e.message().to_owned()),
        })?;
        Ok(Some(v))
    };
    let lists = |name: &'static str, wanted: &str| -> Result<bool, Error> {
        match j.get(name) {
            None | Some(Json::Null) => Ok(true),
            Some(Json::Array(items)) => Ok(items.iter().any(|i| i.as_str() == Some(wanted))),
            Some(_) => Err(Error::concat(
                ErrorCode::InvalidMetadata,
                &["the metadata member \"", name, "\" must be an array"],
            )),
        }
    };
    let issuer = string("issuer")?.ok_or_else(|| invalid("the metadata has no \"issuer\""))?;
    if issuer != expected_issuer {
        return Err(Error::new(
            ErrorCode::IssuerMismatch,
            "the metadata's \"issuer\" differs from the issuer asked for (RFC 8414 §3.3)",
        ));
    }
    let authorization_endpoint = endpoint("authorization_endpoint")?
        .ok_or_else(|| invalid("the metadata has no \"authorization_endpoint\""))?;
    let token_endpoint = endpoint("token_endpoint")?
        .ok_or_else(|| invalid("the metadata has no \"token_endpoint\""))?;
    let revocation_endpoint = endpoint("revocation_endpoint")?;
    if !lists("response_types_supported", "code")? {
        return Err(invalid(
            "the server does not support response_type=code (response_types_supported)",
        ));
    }
    if !lists("code_challenge_methods_supported", CODE_CHALLENGE_METHOD)? {
        return Err(invalid(
            "the server does not support PKCE S256 (code_challenge_methods_supported)",
        ));
    }
    let iss_parameter_supported = match j.get("authorization_response_iss_parameter_supported") {
        None | Some(Json::Null) => false,
        Some(Json::Bool(b)) => *b,
        Some(_) => {
            return Err(invalid(
                "the metadata member \"authorization_response_iss_parameter_supported\" must be a boolean",
            ))
        }
    };
    Ok(Metadata {
        issuer,
        authorization_endpoint,
        token_endpoint,
        revocation_endpoint,
        iss_parameter_supported,
        raw: j,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_answers_in_order() {
        use MetadataAnswer::*;
        assert_eq!(metadata_answer(Some(200), ""), Validate);
        assert_eq!(metadata_answer(Some(299), ""), Validate);
        for status in [404, 500, 301, 199, 300] {
            assert_eq!(metadata_answer(Some(status), ""), TryNext, "{status}");
        }
        assert_eq!(metadata_answer(None, "network_error"), TryNext);
        assert_eq!(metadata_answer(None, "timeout"), Stop);
        assert_eq!(metadata_answer(None, "aborted"), Stop);
    }

    #[test]
    fn well_known_urls() {
        assert_eq!(
            metadata_urls("https://as.example").unwrap(),
            [
                "https://as.example/.well-known/oauth-authorization-server",
                "https://as.example/.well-known/openid-configuration",
            ]
        );
        assert_eq!(
            metadata_urls("https://as.example/").unwrap(),
            [
                "https://as.example/.well-known/oauth-authorization-server",
                "https://as.example/.well-known/openid-configuration",
            ]
        );
        // RFC 8414 §3.1's example: path insertion.
        assert_eq!(
            metadata_urls("https://example.com/issuer1").unwrap(),
            [
                "https://example.com/.well-known/oauth-authorization-server/issuer1",
                "https://example.com/issuer1/.well-known/openid-configuration",
                "https://example.com/.well-known/openid-configuration/issuer1",
            ]
        );
        assert_eq!(
            metadata_urls("http://127.0.0.1:4000/t/a/").unwrap()[0],
            "http://127.0.0.1:4000/.well-known/oauth-authorization-server/t/a"
        );
    }

    #[test]
    fn refuses_bad_issuers() {
        for (issuer, code) in [
            ("http://as.example", ErrorCode::InsecureEndpoint),
            ("https://as.example?x=1", ErrorCode::InvalidConfig),
            ("https://as.example#f", ErrorCode::InvalidConfig),
            ("as.example", ErrorCode::InvalidConfig),
        ] {
            let e = metadata_urls(issuer).unwrap_err();
            assert_eq!(e.code(), code, "{issuer}");
            assert!(e.message().contains("issuer"), "{}", e.message());
        }
    }

    /// The issuer and the document's endpoints are read the way `fetch` will read them: with a
    /// backslash in the issuer, the URLs built from it would go to a host named `.well-known`.
    #[test]
    fn refuses_urls_a_browser_reads_differently() {
        for issuer in [
            r"https://as.example\.evil.example",
            r"https://\\",
            "https://as.example%2eevil.example",
            "https://as.example/tenant/..",
        ] {
            let e = metadata_urls(issuer).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidConfig, "{issuer}");
            assert!(e.message().starts_with("issuer "), "{}", e.message());
        }
        for (member, url) in [
            (
                "authorization_endpoint",
                r"https://server.example.com\.evil.example/a",
            ),
            (
                "token_endpoint",
                r"https://server.example.com\.evil.example/t",
            ),
            (
                "revocation_endpoint",
                r"https://server.example.com\.evil.example/r",
            ),
            ("token_endpoint", "https://server.example.com/a/%2e%2e/t"),
        ] {
            let mut m = String::from(
                r#"{"issuer":"https://server.example.com","authorization_endpoint":"https://server.example.com/authorize","token_endpoint":"https://server.example.com/token""#,
            );
            if member != "revocation_endpoint" {
                m = m.replace(&["\"", member, "\":"].concat(), "\"old\":");
            }
            m.push_str(",\"");
            m.push_str(member);
            m.push_str("\":");
            crate::core::json::write_string(&mut m, url);
            m.push('}');
            let e = parse_metadata(ISS, &m).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidMetadata, "{member} {url}");
            assert!(e.message().starts_with(member), "{member}: {}", e.message());
        }
    }

    const ISS: &str = "https://server.example.com";

    fn doc(extra: &str) -> String {
        [
            r#"{"issuer":"https://server.example.com","authorization_endpoint":"https://server.example.com/authorize","token_endpoint":"https://server.example.com/token","response_types_supported":["code","code token"]"#,
            extra,
            "}",
        ]
        .concat()
    }

    #[test]
    fn reads_a_valid_document() {
        let m = parse_metadata(
            ISS,
            &doc(
                r#","revocation_endpoint":"https://server.example.com/revoke","code_challenge_methods_supported":["plain","S256"],"authorization_response_iss_parameter_supported":true,"x":{"y":[1]}"#,
            ),
        )
        .unwrap();
        assert_eq!(m.issuer, ISS);
        assert_eq!(m.token_endpoint, "https://server.example.com/token");
        assert_eq!(
            m.revocation_endpoint.as_deref(),
            Some("https://server.example.com/revoke")
        );
        assert!(m.iss_parameter_supported);
        let c = m.client_config("client");
        assert!(c.require_issuer);
        assert_eq!(c.issuer.as_deref(), Some(ISS));
        assert!(c.validate().is_ok());
        // Optional members absent: no revocation, no RFC 9207 requirement, PKCE sent anyway.
        let m = parse_metadata(ISS, &doc("")).unwrap();
        assert_eq!(m.revocation_endpoint, None);
        assert!(!m.iss_parameter_supported);
    }

    #[test]
    fn more_than_1000_members_are_refused() {
        let extra = |n: usize| {
            let mut e = String::new();
            for i in 0..n {
                e.push_str(",\"x");
                crate::core::json::push_u64(&mut e, i as u64);
                e.push_str("\":0");
            }
            e
        };
        // doc("") has 4 members.
        assert!(parse_metadata(ISS, &doc(&extra(MAX_MEMBERS - 4))).is_ok());
        let e = parse_metadata(ISS, &doc(&extra(MAX_MEMBERS - 3))).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidMetadata);
        assert!(e.message().contains("more than 1000 members"));
    }

    #[test]
    fn issuer_must_be_identical() {
        for other in [
            "https://server.example.com/",
            "https://SERVER.example.com",
            "https://evil.example",
        ] {
            let body = doc("").replace(
                r#""issuer":"https://server.example.com""#,
                &["\"issuer\":\"", other, "\""].concat(),
            );
            let e = parse_metadata(ISS, &body).unwrap_err();
            assert_eq!(e.code(), ErrorCode::IssuerMismatch, "{other}");
        }
    }

    #[test]
    fn refuses_invalid_documents() {
        for (body, code, needle) in [
            ("<html>", ErrorCode::InvalidMetadata, "JSON"),
            ("[]", ErrorCode::InvalidMetadata, "JSON"),
            (
                r#"{"authorization_endpoint":"https://a/x"}"#,
                ErrorCode::InvalidMetadata,
                "issuer",
            ),
            (
                r#"{"issuer":"https://server.example.com","token_endpoint":"https://a/t"}"#,
                ErrorCode::InvalidMetadata,
                "authorization_endpoint",
            ),
            (
                &doc(r#","code_challenge_methods_supported":["plain"]"#),
                ErrorCode::InvalidMetadata,
                "S256",
            ),
            (
                &doc(r#","code_challenge_methods_supported":"S256""#),
                ErrorCode::InvalidMetadata,
                "array",
            ),
            (
                &doc(r#","revocation_endpoint":"http://server.example.com/revoke""#),
                ErrorCode::InsecureEndpoint,
                "revocation_endpoint",
            ),
            (
                &doc(r#","revocation_endpoint":"/revoke""#),
                ErrorCode::InvalidMetadata,
                "revocation_endpoint",
            ),
            (
                &doc(r#","revocation_endpoint":7"#),
                ErrorCode::InvalidMetadata,
                "revocation_endpoint",
            ),
            (
                &doc(r#","authorization_response_iss_parameter_supported":"yes""#),
                ErrorCode::InvalidMetadata,
                "authorization_response_iss_parameter_supported",
            ),
            (
                &doc(r#","token_endpoint":"https://evil.example/token""#),
                ErrorCode::InvalidMetadata,
                "twice",
            ),
            (
                &doc("").replace(r#"["code","code token"]"#, r#"["token"]"#),
                ErrorCode::InvalidMetadata,
                "response_type",
            ),
        ] {
            let e = parse_metadata(ISS, body).unwrap_err();
            assert_eq!(e.code(), code, "{body}");
            assert!(e.message().contains(needle), "{body}: {}", e.message());
        }
    }
}
