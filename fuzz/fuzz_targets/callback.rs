//! The authorization response (RFC 6749 §4.1.2, RFC 9207 §2) over any callback URL:
//! `parse_authorization_response`, `begin_callback` against a `MemoryStorage` holding a pending
//! login for `state=xyz` (without and with an expected issuer that always sends `iss`),
//! `strip_response_params`, `is_other_clients_login`, and the popup checks.
//!
//! Invariants: a callback is accepted only with `state=xyz` and a non-empty code, and consumes
//! the transaction; an error leaves it in storage exactly when it comes before the state
//! matched; the code goes into the token request and never into an error; the stripped URL has
//! no response parameter left and strips to itself; the popup check agrees with the parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_spa::{
    begin_callback, check_popup_response, is_other_clients_login, is_popup_message,
    parse_authorization_response, strip_response_params, ErrorCode, MemoryStorage, Secret, Storage,
    Transaction, POPUP_MESSAGE_TYPE,
};
use oauth_spa_fuzz::{assert_no_secret, rfc_config};

const NOW: u64 = 1_700_000_000_000;
const STATE: &str = "xyz";
const ISSUER: &str = "https://server.example.com";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fuzz_target!(|data: &[u8]| {
    let Ok(url) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse_authorization_response(url);
    // Parameter names as the parser decodes them (an error message may quote a name).
    let names: Vec<String> = url
        .split(['?', '#'])
        .skip(1)
        .flat_map(oauth_spa::fuzzing::parse_form)
        .map(|(n, _)| n)
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();

    for with_issuer in [false, true] {
        let mut config = rfc_config();
        config.scope = vec!["openid".into()];
        if with_issuer {
            config.issuer = Some(ISSUER.into());
            config.require_issuer = true;
        }
        let tx = Transaction {
            verifier: Secret::new(VERIFIER),
            redirect_uri: config.redirect_uri.clone(),
            token_endpoint: config.token_endpoint.clone(),
            client_id: config.client_id.clone(),
            issuer: config.issuer.clone(),
            scope: Some("openid".into()),
            app_state: Some("/back".into()),
            created_at: NOW - 1000,
            expires_at: NOW + 600_000,
        };
        let key = [config.storage_key_prefix.as_str(), STATE].concat();
        let mut storage = MemoryStorage::new();
        storage.set(&key, &tx.to_json()).unwrap();

        let result = begin_callback(&config, url, NOW, &mut storage);
        let still_stored = storage.get(&key).unwrap().is_some();
        match result {
            Ok(pending) => {
                let response = parsed
                    .as_ref()
                    .expect("accepted a callback the parser refuses");
                assert_eq!(response.state.as_deref(), Some(STATE));
                assert!(response.error.is_none());
                let code = response.code.as_ref().expect("accepted without a code");
                assert!(!code.expose().is_empty());
                if with_issuer {
                    assert_eq!(response.iss.as_deref(), Some(ISSUER));
                }
                assert!(!still_stored, "the transaction was not consumed");
                assert_eq!(pending.requested_scope.as_deref(), Some("openid"));
                assert_eq!(pending.app_state.as_deref(), Some("/back"));
                // The form body, read back by a reference parser, has exactly these pairs.
                let pairs: Vec<(String, String)> =
                    form_urlencoded::parse(pending.request.body.expose().as_bytes())
                        .into_owned()
                        .collect();
                let want = [
                    ("grant_type", "authorization_code"),
                    ("code", code.expose()),
                    ("redirect_uri", "https://client.example.com/cb"),
                    ("code_verifier", VERIFIER),
                    ("client_id", "s6BhdRkqt3"),
                ];
                assert_eq!(pairs.len(), want.len());
                for (n, v) in want {
                    assert!(
                        pairs.iter().any(|(pn, pv)| pn == n && pv == v),
                        "{n} is not sent as given"
                    );
                }
            }
            Err(e) => {
                assert!(
                    !is_other_clients_login(&e),
                    "our own login read as another client's"
                );
                // Before the transaction is found nothing is removed; after, it is gone.
                let early = matches!(
                    e.code(),
                    ErrorCode::InvalidArgument
                        | ErrorCode::DuplicateParameter
                        | ErrorCode::MissingState
                        | ErrorCode::UnknownState
                );
                assert!(
                    matches!(
                        e.code(),
                        ErrorCode::InvalidArgument
                            | ErrorCode::DuplicateParameter
                            | ErrorCode::MissingState
                            | ErrorCode::UnknownState
                            | ErrorCode::IssuerMismatch
                            | ErrorCode::MissingIssuer
                            | ErrorCode::AuthorizationError
                            | ErrorCode::MissingCode
                    ),
                    "unexpected {:?}",
                    e.code()
                );
                assert_eq!(still_stored, early, "{:?} and the transaction", e.code());
                if let Ok(r) = &parsed {
                    if let Some(code) = &r.code {
                        assert_no_secret(&e, code.expose(), &names);
                    }
                    if e.code() == ErrorCode::UnknownState {
                        assert_ne!(r.state.as_deref(), Some(STATE));
                    }
                }
            }
        }
    }

    // Popup: the opener's check agrees with the parser.
    let popup = check_popup_response(url, STATE);
    match &parsed {
        Ok(r) if r.state.as_deref() == Some(STATE) => assert!(popup.is_ok()),
        Ok(r) if r.state.is_none() => {
            assert_eq!(popup.unwrap_err().code(), ErrorCode::MissingState)
        }
        Ok(_) => assert_eq!(popup.unwrap_err().code(), ErrorCode::UnknownState),
        Err(e) => assert_eq!(popup.unwrap_err().code(), e.code()),
    }
    let origin = "https://client.example.com";
    assert_eq!(
        is_popup_message(origin, url, true, Some(POPUP_MESSAGE_TYPE), Some(url)),
        url == origin
    );
    assert!(!is_popup_message(
        origin,
        origin,
        false,
        Some(POPUP_MESSAGE_TYPE),
        Some(url)
    ));

    // Stripping: no response parameter is left, and stripping again changes nothing.
    let stripped = strip_response_params(url);
    assert_eq!(strip_response_params(&stripped), stripped);
    if parsed.is_ok() || oauth_spa::fuzzing::parse_url("x", url).is_ok() {
        let r = parse_authorization_response(&stripped)
            .expect("the stripped callback URL does not parse");
        assert!(r.code.is_none() && r.state.is_none() && r.error.is_none() && r.iss.is_none());
        assert!(r.error_description.is_none() && r.error_uri.is_none());
    } else {
        assert_eq!(stripped, url, "an unparsable URL was changed");
    }
});
