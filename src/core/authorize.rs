//! Starting a login: the authorization request (RFC 6749 §4.1.1 with RFC 7636 §4.3).

use crate::core::args::Fields;
use crate::core::config::ClientConfig;
use crate::core::encoding::{append_pair, append_pairs, base64url, cat, parse_form};
use crate::core::error::{Error, ErrorCode};
use crate::core::json::{first_repeat, Json};
use crate::core::pkce::{PkceVerifier, CODE_CHALLENGE_METHOD};
use crate::core::transaction::{sweep, Storage, Transaction};
use crate::core::url;
use alloc::{string::String, vec::Vec};

/// Parameters this crate sets itself; `extra_params` may not override them. With the feature
/// `dpop`, also `dpop_jkt` (RFC 9449 §10), which binds the code to the DPoP key.
pub const RESERVED_PARAMS: [&str; if cfg!(feature = "dpop") { 8 } else { 7 }] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    #[cfg(feature = "dpop")]
    DPOP_JKT,
];

/// The authorization request parameter that binds the code to a DPoP key (RFC 9449 §10).
#[cfg(feature = "dpop")]
pub const DPOP_JKT: &str = "dpop_jkt";

/// Options of one login.
#[derive(Debug, Clone, Default)]
pub struct LoginOptions {
    /// Additional authorization request parameters (e.g. `prompt`, `login_hint`), in order.
    pub extra_params: Vec<(String, String)>,
    /// The application's own value (e.g. the path to return to). It is stored with the
    /// transaction and returned with the tokens; it never goes into `state`.
    pub app_state: Option<String>,
    /// The RFC 7638 thumbprint of the DPoP public key (`core::dpop::PublicKey::thumbprint`),
    /// sent as `dpop_jkt` (RFC 9449 §10): the server then issues tokens for the code only to a
    /// token request whose proof is signed by that key. Set by the browser layer, never read
    /// from the options' JSON.
    #[cfg(feature = "dpop")]
    pub dpop_jkt: Option<String>,
}

impl LoginOptions {
    /// Reads `startLogin`'s options in the JavaScript API's shape (`extraParams`: an object of
    /// strings, `appState`: a string); absent or `null` means none. Errors are
    /// `invalid_argument` and name the member.
    pub fn from_json(options: &Json) -> Result<LoginOptions, Error> {
        let a = Fields::new(options, "options", ErrorCode::InvalidArgument, true)?;
        Ok(LoginOptions {
            extra_params: a.string_record("extraParams")?,
            app_state: a.string("appState")?,
            #[cfg(feature = "dpop")]
            dpop_jkt: None,
        })
    }
}

/// Randomness for one login: 32 octets for the PKCE verifier and 32 for `state`.
pub struct LoginRandom {
    /// Octets of the code verifier.
    pub verifier: [u8; 32],
    /// Octets of `state`.
    pub state: [u8; 32],
}

/// The result of [`start_login`].
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// The URL to send the browser to.
    pub url: String,
    /// The `state` value, also the storage key's suffix.
    pub state: String,
    /// The S256 code challenge that was sent.
    pub code_challenge: String,
}

/// Starts a login: makes a verifier and `state`, stores the transaction under
/// `<prefix><state>` (sweeping expired ones first), and builds the authorization URL.
///
/// Nothing is stored when the configuration or the options are invalid.
pub fn start_login(
    config: &ClientConfig,
    options: &LoginOptions,
    random: &LoginRandom,
    now_ms: u64,
    storage: &mut (impl Storage + ?Sized),
) -> Result<AuthorizationRequest, Error> {
    config.validate()?;
    let endpoint_query = url::parse("authorizationEndpoint", &config.authorization_endpoint)?.query;
    let existing = parse_form(endpoint_query.unwrap_or(""));
    for &name in &RESERVED_PARAMS {
        if existing.iter().any(|(n, _)| n == name) {
            return Err(Error::concat(
                ErrorCode::InvalidConfig,
                &[
                    "authorizationEndpoint already contains the parameter ",
                    name,
                    ", which the library sets (RFC 6749 §3.1)",
                ],
            ));
        }
    }
    for (name, _) in &options.extra_params {
        if name.is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                "extraParams names must be non-empty",
            ));
        }
        if RESERVED_PARAMS.contains(&name.as_str()) {
            return Err(Error::concat(
                ErrorCode::InvalidArgument,
                &[
                    "extraParams may not set ",
                    name,
                    ": the library sets it (RFC 6749 §4.1.1)",
                ],
            ));
        }
    }
    // A name of extraParams given twice, or already in the endpoint's query (whose own
    // repeats are the server's business).
    let mut names = Vec::with_capacity(existing.len() + options.extra_params.len());
    for (i, (n, _)) in existing.iter().chain(&options.extra_params).enumerate() {
        names.push((n.as_str(), i));
    }
    if let Some(name) = first_repeat(names, existing.len()) {
        return Err(Error::concat(
            ErrorCode::InvalidArgument,
            &[
                "extraParams parameter ",
                name,
                " would be sent twice (RFC 6749 §3.1)",
            ],
        ));
    }

    let verifier = PkceVerifier::from_random(&random.verifier);
    let challenge = verifier.challenge();
    let state = base64url(&random.state);
    let scope = config.scope_string();
    let ttl_ms = u64::from(config.transaction_ttl_seconds) * 1000;

    let transaction = Transaction {
        verifier: verifier.into_secret(),
        redirect_uri: config.redirect_uri.clone(),
        token_endpoint: config.token_endpoint.clone(),
        client_id: config.client_id.clone(),
        issuer: config.issuer.clone(),
        scope: scope.clone(),
        app_state: options.app_state.clone(),
        created_at: now_ms,
        expires_at: now_ms.saturating_add(ttl_ms),
    };
    sweep(storage, &config.storage_key_prefix, now_ms)?;
    storage.set(
        &cat(&[&config.storage_key_prefix, &state]),
        &transaction.to_json(),
    )?;

    // RFC 6749 §3.1: the endpoint URI may have a query, which "MUST be retained when adding
    // additional query parameters". It is kept byte for byte (`?a=1?` means a = "1?": RFC
    // 3986 §3.4 allows `?` in a query), and the parameters added start a pair of their own:
    // after `?` when there is no query, after `&` unless the query is empty or ends with one.
    let mut url = config.authorization_endpoint.clone();
    match endpoint_query {
        None => url.push('?'),
        Some(q) if !q.is_empty() && !q.ends_with('&') => url.push('&'),
        Some(_) => {}
    }
    append_pairs(
        &mut url,
        &[
            ("response_type", "code"),
            ("client_id", config.client_id.as_str()),
        ],
    );
    if let Some(r) = &config.redirect_uri {
        append_pair(&mut url, "redirect_uri", r);
    }
    if let Some(s) = &scope {
        append_pair(&mut url, "scope", s);
    }
    append_pairs(
        &mut url,
        &[
            ("state", state.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", CODE_CHALLENGE_METHOD),
        ],
    );
    #[cfg(feature = "dpop")]
    if let Some(jkt) = &options.dpop_jkt {
        append_pair(&mut url, DPOP_JKT, jkt);
    }
    for (name, value) in &options.extra_params {
        append_pair(&mut url, name, value);
    }
    Ok(AuthorizationRequest {
        url,
        state,
        code_challenge: challenge,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::transaction::MemoryStorage;

    fn config() -> ClientConfig {
        let mut c = ClientConfig::new(
            "s6BhdRkqt3",
            "https://server.example.com/authorize",
            "https://server.example.com/token",
        );
        c.redirect_uri = Some("https://client.example.com/cb".into());
        c.scope = vec!["openid".into(), "profile".into()];
        c
    }

    fn random() -> LoginRandom {
        LoginRandom {
            verifier: [
                116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22,
                212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
            ],
            state: [7; 32],
        }
    }

    #[test]
    fn options_from_the_javascript_shape() {
        let j =
            Json::parse(r#"{"extraParams":{"prompt":"login","ui_locales":"nl"},"appState":"/x"}"#)
                .unwrap();
        let o = LoginOptions::from_json(&j).unwrap();
        assert_eq!(
            o.extra_params,
            [
                ("prompt".into(), "login".into()),
                ("ui_locales".into(), "nl".into())
            ]
        );
        assert_eq!(o.app_state.as_deref(), Some("/x"));
        let o = LoginOptions::from_json(&Json::Null).unwrap();
        assert!(o.extra_params.is_empty() && o.app_state.is_none());
        for (text, msg) in [
            (
                r#"{"extraParams":{"prompt":1}}"#,
                "options.extraParams.prompt must be a string",
            ),
            (
                r#"{"extraParams":"prompt=login"}"#,
                "options.extraParams must be an object of string values",
            ),
            (r#"{"appState":{}}"#, "options.appState must be a string"),
            ("7", "options must be an object"),
        ] {
            let e = LoginOptions::from_json(&Json::parse(text).unwrap()).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidArgument, "{text}");
            assert_eq!(e.message(), msg);
        }
    }

    #[test]
    fn builds_url_and_stores_transaction() {
        let mut s = MemoryStorage::new();
        let r = start_login(
            &config(),
            &LoginOptions::default(),
            &random(),
            1_000,
            &mut s,
        )
        .unwrap();
        assert_eq!(r.state.len(), 43);
        assert_eq!(
            r.url,
            [
                "https://server.example.com/authorize?response_type=code&client_id=s6BhdRkqt3",
                "&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&scope=openid+profile",
                "&state=",
                &r.state,
                "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                "&code_challenge_method=S256",
            ]
            .concat()
        );
        let stored = s
            .get(&["oauth-spa:tx:", &r.state].concat())
            .unwrap()
            .unwrap();
        let t = Transaction::from_json(&stored).unwrap();
        assert_eq!(
            t.verifier.expose(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert_eq!(t.created_at, 1_000);
        assert_eq!(t.expires_at, 601_000);
        assert_eq!(t.scope.as_deref(), Some("openid profile"));
    }

    #[test]
    fn keeps_endpoint_query_and_adds_extras() {
        let mut c = config();
        c.authorization_endpoint = "https://as.example/authorize?tenant=a%20b".into();
        c.redirect_uri = None;
        c.scope.clear();
        let opts = LoginOptions {
            extra_params: vec![("prompt".into(), "consent".into())],
            app_state: Some("/back".into()),
            ..LoginOptions::default()
        };
        let mut s = MemoryStorage::new();
        let r = start_login(&c, &opts, &random(), 0, &mut s).unwrap();
        assert!(r
            .url
            .starts_with("https://as.example/authorize?tenant=a%20b&response_type=code&client_id=s6BhdRkqt3&state="));
        assert!(r
            .url
            .ends_with("&code_challenge_method=S256&prompt=consent"));
        assert!(!r.url.contains("redirect_uri"));
        assert!(
            !r.url.contains("/back"),
            "appState must not leave the browser"
        );
    }

    #[test]
    fn added_parameters_never_join_the_endpoints_last_pair() {
        // RFC 6749 §3.1: the endpoint's query is kept as it is, and the request's parameters
        // follow it as pairs of their own.
        for (endpoint, kept) in [
            (
                "https://as.example/authorize?a=1?",
                "https://as.example/authorize?a=1?&",
            ),
            (
                "https://as.example/authorize?a=%3F?",
                "https://as.example/authorize?a=%3F?&",
            ),
            (
                "https://as.example/authorize?a=1&",
                "https://as.example/authorize?a=1&",
            ),
            (
                "https://as.example/authorize?a",
                "https://as.example/authorize?a&",
            ),
            (
                "https://as.example/authorize?",
                "https://as.example/authorize?",
            ),
            (
                "https://as.example/authorize",
                "https://as.example/authorize?",
            ),
            ("https://as.example/a?b/?", "https://as.example/a?b/?&"),
        ] {
            let r = login_at(endpoint);
            let rest = r.url.strip_prefix(kept);
            assert!(
                rest.is_some_and(|q| q.starts_with("response_type=code&client_id=")),
                "{endpoint}: {}",
                r.url
            );
            let query = url::parse("u", &r.url).unwrap().query.unwrap();
            let pairs = parse_form(query);
            assert!(pairs.contains(&("response_type".into(), "code".into())));
            assert!(pairs.contains(&("state".into(), r.state.clone())));
        }
        let r = login_at("https://as.example/authorize?a=1?");
        let query = url::parse("u", &r.url).unwrap().query.unwrap();
        assert_eq!(parse_form(query)[0], ("a".into(), "1?".into()), "kept");
    }

    /// A login with the test config, its authorization endpoint replaced by `endpoint`.
    fn try_login_at(endpoint: &str) -> Result<AuthorizationRequest, Error> {
        let mut c = config();
        c.authorization_endpoint = endpoint.into();
        start_login(
            &c,
            &LoginOptions::default(),
            &random(),
            0,
            &mut MemoryStorage::new(),
        )
    }

    fn login_at(endpoint: &str) -> AuthorizationRequest {
        try_login_at(endpoint).unwrap()
    }

    #[test]
    fn refuses_overrides_and_stores_nothing() {
        for name in RESERVED_PARAMS {
            let opts = LoginOptions {
                extra_params: vec![(name.into(), "x".into())],
                ..LoginOptions::default()
            };
            let mut s = MemoryStorage::new();
            let e = start_login(&config(), &opts, &random(), 0, &mut s).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidArgument);
            assert!(e.message().contains(name));
            assert!(s.is_empty());
        }
        let mut c = config();
        c.authorization_endpoint = "https://as.example/authorize?client_id=x".into();
        let mut s = MemoryStorage::new();
        let e = start_login(&c, &LoginOptions::default(), &random(), 0, &mut s).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidConfig);
        assert!(s.is_empty());
    }

    /// RFC 9449 §10: `dpop_jkt` follows the PKCE parameters (as in the RFC's Figure 25), is
    /// the thumbprint it was given (here of the RFC's §4.1 example key, whose thumbprint is the
    /// RFC 7638 value pinned in `core::dpop`), and neither `extraParams` nor the endpoint's
    /// query may set it.
    #[cfg(feature = "dpop")]
    #[test]
    fn dpop_jkt_binds_the_code_to_the_key() {
        use crate::core::dpop::PublicKey;
        let key = PublicKey::new(
            "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
            "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
        )
        .unwrap();
        let opts = LoginOptions {
            extra_params: vec![("prompt".into(), "login".into())],
            dpop_jkt: Some(key.thumbprint()),
            ..LoginOptions::default()
        };
        let mut s = MemoryStorage::new();
        let r = start_login(&config(), &opts, &random(), 0, &mut s).unwrap();
        assert!(
            r.url.ends_with(
                "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&dpop_jkt=0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I&prompt=login"
            ),
            "{}",
            r.url
        );
        let query = url::parse("u", &r.url).unwrap().query.unwrap();
        let pairs = parse_form(query);
        assert_eq!(pairs.iter().filter(|(n, _)| n == "dpop_jkt").count(), 1);
        // Without a thumbprint, no parameter.
        let plain = start_login(&config(), &LoginOptions::default(), &random(), 0, &mut s).unwrap();
        assert!(!plain.url.contains("dpop_jkt"), "{}", plain.url);
        // Reserved: extraParams may not send its own (it would bind the code to another key).
        assert!(RESERVED_PARAMS.contains(&"dpop_jkt"));
        let forged = LoginOptions {
            extra_params: vec![("dpop_jkt".into(), "x".into())],
            ..LoginOptions::default()
        };
        let mut empty = MemoryStorage::new();
        let e = start_login(&config(), &forged, &random(), 0, &mut empty).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument);
        assert_eq!(
            e.message(),
            "extraParams may not set dpop_jkt: the library sets it (RFC 6749 §4.1.1)"
        );
        assert!(empty.is_empty());
        let e = login_err_at("https://as.example/authorize?dpop_jkt=x");
        assert_eq!(e.code(), ErrorCode::InvalidConfig);
        assert!(e.message().contains("dpop_jkt"), "{}", e.message());
    }

    #[cfg(feature = "dpop")]
    fn login_err_at(endpoint: &str) -> Error {
        try_login_at(endpoint).unwrap_err()
    }

    #[test]
    fn several_pending_logins_coexist_and_expired_are_swept() {
        let mut s = MemoryStorage::new();
        let a = start_login(&config(), &LoginOptions::default(), &random(), 0, &mut s).unwrap();
        let mut r2 = random();
        r2.state = [9; 32];
        let b = start_login(&config(), &LoginOptions::default(), &r2, 1, &mut s).unwrap();
        assert_ne!(a.state, b.state);
        assert_eq!(s.len(), 2);
        let mut r3 = random();
        r3.state = [11; 32];
        // 600 s later the first two have expired and are swept.
        start_login(&config(), &LoginOptions::default(), &r3, 600_001, &mut s).unwrap();
        assert_eq!(s.len(), 1);
    }
}
