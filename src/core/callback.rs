//! Finishing a login: reading the authorization response (RFC 6749 §4.1.2, RFC 9207 §2) and
//! turning it into a token request, after the pending transaction has been consumed.

use crate::core::config::ClientConfig;
use crate::core::encoding::{cat, form_decode, parse_form, pieces, split_once_at};
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
    for (slot, &name) in found.iter_mut().zip(&RESPONSE_PARAMS) {
        let mut seen = false;
        for (n, v) in &pairs {
            if n != name {
                continue;
            }
            // RFC 6749 §3.1, as this crate reads it: a parameter without a value is treated as
            // omitted (an `error=` or `iss=` with nothing in it does not fail the login), and a
            // name given twice is a repeat ("MUST NOT be included more than once") whether or
            // not a value is empty: the stricter reading, since a response can't be trusted
            // to mean one of two `state`s.
            if !seen {
                seen = true;
                if !v.is_empty() {
                    *slot = Some(v.clone());
                }
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

const OTHER_CLIENTS_LOGIN: &str =
    "the pending login for this state has another clientId, tokenEndpoint or issuer";

/// `true` for the `unknown_state` error [`begin_callback`] gives when the response's pending
/// login belongs to another client configuration (another `clientId`, `tokenEndpoint` or
/// `issuer`: the issuer a login started with is the one its response is checked against). Its
/// transaction is left in storage, and the response in the address bar, for that
/// configuration's callback.
pub fn is_other_clients_login(error: &Error) -> bool {
    error.code() == ErrorCode::UnknownState && error.message() == OTHER_CLIENTS_LOGIN
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
    storage: &mut (impl Storage + ?Sized),
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
    if tx.client_id != config.client_id
        || tx.token_endpoint != config.token_endpoint
        || tx.issuer != config.issuer
    {
        // Another configuration's login: leave it for that configuration.
        return Err(Error::new(ErrorCode::UnknownState, OTHER_CLIENTS_LOGIN));
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
/// bar and history). A query or fragment without response parameters is kept as it is; in one
/// with them, the app's own parameters are kept as written (empty pairs go). A response
/// parameter is recognised by its decoded name, as [`parse_authorization_response`] reads it.
pub fn strip_response_params(callback_url: &str) -> String {
    let Ok(parts) = url::parse("callback URL", callback_url) else {
        return callback_url.to_owned();
    };
    let ours = |pair: &str| {
        let name = split_once_at(pair, b'=').map_or(pair, |(n, _)| n);
        RESPONSE_PARAMS.contains(&form_decode(name).as_str())
    };
    let mut out = parts.base.to_owned();
    for &(mark, part) in &[('?', parts.query), ('#', parts.fragment)] {
        let Some(part) = part else { continue };
        if !pieces(part, b'&').any(ours) {
            out.push(mark);
            out.push_str(part);
            continue;
        }
        let mut sep = mark;
        for pair in pieces(part, b'&') {
            if pair.is_empty() || ours(pair) {
                continue;
            }
            out.push(sep);
            out.push_str(pair);
            sep = '&';
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::authorize::{start_login, LoginOptions, LoginRandom};
    use crate::core::transaction::MemoryStorage;
    use alloc::vec::Vec;

    const T0: u64 = 1_700_000_000_000;
    const CB: &str = "https://client.example.com/cb";

    fn config() -> ClientConfig {
        let mut c = ClientConfig::new(
            "s6BhdRkqt3",
            "https://server.example.com/authorize",
            "https://server.example.com/token",
        );
        c.redirect_uri = Some(CB.into());
        c.issuer = Some("https://server.example.com".into());
        c
    }

    /// A stored login of `config` (state from octets `seed`), and its state.
    fn login(config: &ClientConfig, storage: &mut MemoryStorage, seed: u8) -> String {
        let random = LoginRandom {
            verifier: [seed.wrapping_add(1); 32],
            state: [seed; 32],
        };
        let options = LoginOptions {
            app_state: Some("/back".into()),
            ..LoginOptions::default()
        };
        start_login(config, &options, &random, T0, storage)
            .unwrap()
            .state
    }

    fn body(p: &PendingExchange) -> Vec<(String, String)> {
        crate::core::encoding::parse_form(p.request.body.expose())
    }

    #[test]
    fn a_good_response_consumes_its_transaction_and_builds_the_request() {
        let (c, mut s) = (config(), MemoryStorage::new());
        let state = login(&c, &mut s, 7);
        let url = cat(&[
            CB,
            "?code=SplxlOBeZQQYbYS6WxSbIA&state=",
            &state,
            "&iss=https%3A%2F%2Fserver.example.com",
        ]);
        let p = begin_callback(&c, &url, T0 + 1_000, &mut s).unwrap();
        assert!(s.is_empty(), "the transaction is removed");
        assert_eq!(p.app_state.as_deref(), Some("/back"));
        let b = body(&p);
        let get = |n: &str| b.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("code"), Some("SplxlOBeZQQYbYS6WxSbIA"));
        assert_eq!(get("redirect_uri"), Some(CB));
        assert_eq!(get("code_verifier").map(str::len), Some(43));
        // Single use: the same response again is unknown.
        let e = begin_callback(&c, &url, T0 + 2_000, &mut s).unwrap_err();
        assert_eq!(e.code(), ErrorCode::UnknownState);
        assert!(!is_other_clients_login(&e));
    }

    #[test]
    fn every_refusal_sends_nothing_and_names_the_reason() {
        let c = config();
        let mut require = config();
        require.require_issuer = true;
        // (callback query after "?", config, now, expected code, transaction kept)
        let cases: [(&str, &ClientConfig, u64, ErrorCode, bool); 8] = [
            ("code=c", &c, T0, ErrorCode::MissingState, true),
            ("code=c&state=", &c, T0, ErrorCode::MissingState, true),
            ("code=c&state=forged", &c, T0, ErrorCode::UnknownState, true),
            (
                "code=c&code=d&state=S",
                &c,
                T0,
                ErrorCode::DuplicateParameter,
                true,
            ),
            (
                "code=c&state=S",
                &c,
                T0 + 600_000,
                ErrorCode::TransactionExpired,
                false,
            ),
            (
                "code=c&state=S&iss=https%3A%2F%2Fevil.example",
                &c,
                T0,
                ErrorCode::IssuerMismatch,
                false,
            ),
            (
                "code=c&state=S",
                &require,
                T0,
                ErrorCode::MissingIssuer,
                false,
            ),
            ("state=S", &c, T0, ErrorCode::MissingCode, false),
        ];
        for (query, config, now, code, kept) in cases {
            let mut s = MemoryStorage::new();
            let state = login(&c, &mut s, 9);
            let url = cat(&[CB, "?", &query.replace('S', &state)]);
            let e = begin_callback(config, &url, now, &mut s).unwrap_err();
            assert_eq!(e.code(), code, "{query}");
            assert_eq!(s.len() == 1, kept, "{query}: transaction kept");
            assert!(!e.message().contains(&state), "{query}");
        }
    }

    #[test]
    fn empty_parameters_count_as_omitted_but_not_as_repeats() {
        // RFC 6749 §3.1: `error=` and `iss=` without a value do not fail the login.
        let (c, mut s) = (config(), MemoryStorage::new());
        let state = login(&c, &mut s, 11);
        let url = cat(&[CB, "?code=c&state=", &state, "&error=&iss="]);
        assert!(begin_callback(&c, &url, T0, &mut s).is_ok());
        // A name given twice is a repeat whether either value is empty or not (§3.1), and
        // nothing is consumed.
        for repeat in ["&state=", "&code=", "&iss=&iss=", "&state"] {
            let state = login(&c, &mut s, 13);
            let url = cat(&[CB, "?code=c&state=", &state, repeat]);
            let e = begin_callback(&c, &url, T0, &mut s).unwrap_err();
            assert_eq!(e.code(), ErrorCode::DuplicateParameter, "{repeat}");
            assert_eq!(s.len(), 1, "{repeat}: transaction kept");
            s.remove(&cat(&["oauth-spa:tx:", &state])).unwrap();
        }
        let e = begin_callback(&c, &cat(&[CB, "?code=&code=c&state=x"]), T0, &mut s).unwrap_err();
        assert_eq!(e.code(), ErrorCode::DuplicateParameter);
        let mut require = config();
        require.require_issuer = true;
        let state = login(&require, &mut s, 12);
        let url = cat(&[CB, "?code=c&state=", &state, "&iss="]);
        let e = begin_callback(&require, &url, T0, &mut s).unwrap_err();
        assert_eq!(e.code(), ErrorCode::MissingIssuer);
    }

    #[test]
    fn an_error_response_is_reported_after_state_and_iss() {
        let (c, mut s) = (config(), MemoryStorage::new());
        let state = login(&c, &mut s, 3);
        let url = cat(&[
            CB,
            "?error=access_denied&error_description=No+thanks&state=",
            &state,
        ]);
        let e = begin_callback(&c, &url, T0, &mut s).unwrap_err();
        assert_eq!(e.code(), ErrorCode::AuthorizationError);
        assert_eq!(e.error(), Some("access_denied"));
        assert_eq!(e.error_description(), Some("No thanks"));
        assert!(s.is_empty());
    }

    #[test]
    fn another_clients_login_is_left_alone() {
        let (c, mut s) = (config(), MemoryStorage::new());
        let state = login(&c, &mut s, 5);
        let mut other = config();
        other.client_id = "another".into();
        let url = cat(&[CB, "?code=c&state=", &state]);
        let e = begin_callback(&other, &url, T0, &mut s).unwrap_err();
        assert_eq!(e.code(), ErrorCode::UnknownState);
        assert!(is_other_clients_login(&e));
        assert_eq!(s.len(), 1, "kept for its own configuration");
        assert!(begin_callback(&c, &url, T0, &mut s).is_ok());
    }

    #[test]
    fn a_login_is_checked_against_the_issuer_it_started_with() {
        // A configuration that gained (or changed) its issuer after the login started does
        // not finish that login unchecked: RFC 9207 §2.4 needs the issuer the request went to.
        let (c, mut s) = (config(), MemoryStorage::new());
        let mut with_issuer = config();
        with_issuer.issuer = Some("https://as.example".into());
        with_issuer.require_issuer = true;
        for (started, finished) in [(&c, &with_issuer), (&with_issuer, &c)] {
            let state = login(started, &mut s, 14);
            let url = cat(&[
                CB,
                "?code=c&state=",
                &state,
                "&iss=https%3A%2F%2Fevil.example",
            ]);
            let e = begin_callback(finished, &url, T0, &mut s).unwrap_err();
            assert!(is_other_clients_login(&e));
            assert_eq!(s.len(), 1, "kept for its own configuration");
            let e = begin_callback(started, &url, T0, &mut s);
            assert_eq!(e.is_ok(), started.issuer.is_none());
            assert!(s.is_empty());
        }
    }

    #[test]
    fn a_corrupt_transaction_is_removed() {
        let (c, mut s) = (config(), MemoryStorage::new());
        s.set("oauth-spa:tx:st", "{not json").unwrap();
        let e = begin_callback(&c, &cat(&[CB, "?code=c&state=st"]), T0, &mut s).unwrap_err();
        assert_eq!(e.code(), ErrorCode::UnknownState);
        assert!(s.is_empty());
    }

    #[test]
    fn storage_failures_are_storage_unavailable() {
        struct Broken;
        impl Storage for Broken {
            fn get(&self, _: &str) -> Result<Option<String>, Error> {
                Err(Error::new(ErrorCode::StorageUnavailable, "disabled"))
            }
            fn set(&mut self, _: &str, _: &str) -> Result<(), Error> {
                Err(Error::new(ErrorCode::StorageUnavailable, "disabled"))
            }
            fn remove(&mut self, _: &str) -> Result<(), Error> {
                Err(Error::new(ErrorCode::StorageUnavailable, "disabled"))
            }
            fn keys_with_prefix(&self, _: &str) -> Result<Vec<String>, Error> {
                Err(Error::new(ErrorCode::StorageUnavailable, "disabled"))
            }
        }
        let e =
            begin_callback(&config(), &cat(&[CB, "?code=c&state=s"]), T0, &mut Broken).unwrap_err();
        assert_eq!(e.code(), ErrorCode::StorageUnavailable);
    }

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
        // The app's parameters stay as written; response names are matched decoded.
        assert_eq!(
            strip_response_params("https://c.example/cb?x=%20y+z&c%6Fde=a&st%61te=s&&q#f=1&iss=i"),
            "https://c.example/cb?x=%20y+z&q#f=1"
        );
        assert_eq!(
            strip_response_params(
                "https://c.example/cb?error=access_denied&error_description=x&error_uri=y"
            ),
            "https://c.example/cb"
        );
        assert_eq!(strip_response_params("not a url"), "not a url");
        // Nothing to strip: kept exactly, empty pairs and bare marks included.
        for url in [
            "https://c.example/cb?a&&b",
            "https://c.example/cb?",
            "https://c.example/cb?x=1#",
        ] {
            assert_eq!(strip_response_params(url), url);
        }
    }
}
