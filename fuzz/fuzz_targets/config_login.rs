//! Configuration and login from the JavaScript API's JSON shapes: `ClientConfig::from_json`,
//! `ClientConfig::ellipsis_from_json`, `LoginOptions::from_json`, then `start_login` with what
//! they accept, and the callback that answers that login.
//!
//! Input: a JSON document `{"config": {...}, "options": {...}, "ellipsis": {...}}` (a missing
//! `config` or `ellipsis` means the document itself).
//!
//! Invariants: an accepted config validates; `start_login` stores one transaction and builds a
//! URL that a WHATWG parser (the `url` crate) reads as the endpoint's own query pairs followed
//! by exactly the parameters of RFC 6749 §4.1.1 / RFC 7636 §4.3 and the extra parameters, with
//! the S256 challenge of the stored verifier; the callback carrying that state (and the issuer)
//! then passes `begin_callback` and the popup check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_spa::{
    base64url, begin_callback, check_popup_response, form_encode, start_login, ClientConfig,
    ErrorCode, Json, LoginOptions, LoginRandom, MemoryStorage, Storage, Transaction,
};
use oauth_spa_fuzz::{assert_no_secret, member_names, uts46_table_refusal};
use sha2::Digest;

const NOW: u64 = 1_700_000_000_000;
// RFC 7636 Appendix B's octets.
const VERIFIER_OCTETS: [u8; 32] = [
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77,
    105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
];

fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn login(config: &ClientConfig, options: &LoginOptions) {
    let random = LoginRandom {
        verifier: VERIFIER_OCTETS,
        state: [7; 32],
    };
    let mut storage = MemoryStorage::new();
    let login = match start_login(config, options, &random, NOW, &mut storage) {
        Ok(l) => l,
        Err(e) => {
            assert!(
                matches!(
                    e.code(),
                    ErrorCode::InvalidConfig | ErrorCode::InvalidArgument
                ),
                "unexpected {:?}",
                e.code()
            );
            assert!(storage.is_empty(), "a refused login stored something");
            return;
        }
    };
    assert_eq!(storage.len(), 1);
    let key = [config.storage_key_prefix.as_str(), &login.state].concat();
    let stored = storage
        .get(&key)
        .unwrap()
        .expect("no transaction under prefix + state");
    let tx = Transaction::from_json(&stored).expect("the stored transaction does not read");
    assert_eq!(tx.client_id, config.client_id);
    assert_eq!(tx.token_endpoint, config.token_endpoint);
    assert_eq!(tx.redirect_uri, config.redirect_uri);
    assert_eq!(tx.issuer, config.issuer);
    assert_eq!(tx.app_state, options.app_state);
    let challenge = base64url(&sha2::Sha256::digest(tx.verifier.expose().as_bytes()));
    assert_eq!(login.code_challenge, challenge);

    // The URL, as the browser will read it.
    check_url(config, options, &login.url, &login.state, &challenge);

    // The callback answering this login.
    let mut callback = ["https://app.example/cb?code=c0de&state=", &login.state].concat();
    if let Some(i) = &config.issuer {
        callback.push_str("&iss=");
        callback.push_str(&form_encode(i));
    }
    check_popup_response(&callback, &login.state).expect("the popup check refuses the answer");
    match begin_callback(config, &callback, NOW + 999, &mut storage) {
        Ok(p) => {
            assert_eq!(p.requested_scope, config.scope_string());
            assert_eq!(p.app_state, options.app_state);
            assert!(storage.is_empty());
        }
        Err(e) => panic!("the answer to this login is refused: {:?}", e.code()),
    }
}

/// The authorization URL, read by a WHATWG parser: the endpoint's own query pairs, then ours.
fn check_url(
    config: &ClientConfig,
    options: &LoginOptions,
    built: &str,
    state: &str,
    challenge: &str,
) {
    let endpoint = match url::Url::parse(&config.authorization_endpoint) {
        Ok(u) => u,
        Err(e) => {
            let host = oauth_spa::fuzzing::parse_url("x", &config.authorization_endpoint)
                .expect("a validated endpoint does not split")
                .host;
            assert!(
                uts46_table_refusal(host, e),
                "the endpoint does not parse (WHATWG): {e}"
            );
            return;
        }
    };
    let url = url::Url::parse(built).expect("the authorization URL does not parse (WHATWG)");
    assert_eq!(url.scheme(), endpoint.scheme());
    assert_eq!(url.host(), endpoint.host());
    assert_eq!(url.port(), endpoint.port());
    assert_eq!(url.path(), endpoint.path());
    assert_eq!(url.fragment(), None);
    let mut want = pairs(endpoint.query());
    let mut add = |n: &str, v: &str| want.push((n.to_owned(), v.to_owned()));
    add("response_type", "code");
    add("client_id", &config.client_id);
    if let Some(r) = &config.redirect_uri {
        add("redirect_uri", r);
    }
    if let Some(s) = config.scope_string() {
        add("scope", &s);
    }
    add("state", state);
    add("code_challenge", challenge);
    add("code_challenge_method", "S256");
    for (n, v) in &options.extra_params {
        add(n, v);
    }
    assert_eq!(
        pairs(url.query()),
        want,
        "the server reads other parameters"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(doc) = Json::parse(text) else {
        return;
    };
    let options = match LoginOptions::from_json(doc.get("options").unwrap_or(&Json::Null)) {
        Ok(o) => o,
        Err(e) => {
            assert_eq!(e.code(), ErrorCode::InvalidArgument);
            LoginOptions::default()
        }
    };
    // The client secret never shows in an error (names are what messages quote).
    let mut names = Vec::new();
    member_names(&doc, &mut names);
    let secrets: Vec<&str> = [doc.get("config"), doc.get("ellipsis"), Some(&doc)]
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("clientSecret")?.as_str())
        .collect();
    for (config, what) in [
        (
            ClientConfig::from_json(doc.get("config").unwrap_or(&doc)),
            "config",
        ),
        (
            ClientConfig::ellipsis_from_json(doc.get("ellipsis").unwrap_or(&doc)),
            "ellipsis",
        ),
    ] {
        match config {
            Ok(c) => {
                if let Err(e) = c.validate() {
                    panic!("{what}: accepted, then refused by validate: {:?}", e.code());
                }
                login(&c, &options);
                login(&c, &LoginOptions::default());
            }
            Err(e) => {
                assert!(
                    matches!(
                        e.code(),
                        ErrorCode::InvalidConfig | ErrorCode::InsecureEndpoint
                    ),
                    "{what}: unexpected {:?}",
                    e.code()
                );
                for s in &secrets {
                    assert_no_secret(&e, s, &names);
                }
            }
        }
    }
});
