//! Revocation (RFC 7009): `parse_revocation_response` over any status and body, and
//! `revocation_request` for any token.
//!
//! Input: two bytes of HTTP status (big-endian), then the body; the body is also the token.
//!
//! Invariants: success exactly for 2xx; `revocation_error` exactly for a JSON body with a
//! string `error`, carrying that error and the status; the request body reads back (WHATWG form
//! parsing) as the token, the hint and the client id, and errors never contain the token.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_spa::{parse_revocation_response, revocation_request, ErrorCode, Json, TokenTypeHint};
use oauth_spa_fuzz::{assert_no_secret, rfc_config};

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]) % 1000, rest),
        _ => return,
    };
    let Ok(body) = std::str::from_utf8(body) else {
        return;
    };
    let parsed = Json::parse(body);
    let error = parsed
        .as_ref()
        .and_then(|j| j.get("error"))
        .and_then(Json::as_str);
    match parse_revocation_response(status, body) {
        Ok(()) => assert!((200..300).contains(&status)),
        Err(e) => {
            assert!(!(200..300).contains(&status));
            assert_eq!(e.status(), Some(status));
            if let Some(err) = error {
                assert_eq!(e.code(), ErrorCode::RevocationError);
                assert_eq!(e.error(), Some(err));
            } else {
                assert_eq!(e.code(), ErrorCode::HttpError);
            }
        }
    }

    let mut config = rfc_config();
    config.revocation_endpoint = Some("https://server.example.com/revoke".into());
    for hint in [
        None,
        Some(TokenTypeHint::AccessToken),
        Some(TokenTypeHint::RefreshToken),
    ] {
        match revocation_request(&config, body, hint) {
            Ok(r) => {
                let pairs: Vec<(String, String)> =
                    form_urlencoded::parse(r.body.expose().as_bytes())
                        .into_owned()
                        .collect();
                let mut want = vec![("token".to_owned(), body.to_owned())];
                if let Some(h) = hint {
                    want.push(("token_type_hint".into(), h.as_str().into()));
                }
                want.push(("client_id".into(), "s6BhdRkqt3".into()));
                assert_eq!(pairs, want);
            }
            Err(e) => {
                assert!(body.is_empty());
                assert_eq!(e.code(), ErrorCode::InvalidArgument);
                assert_no_secret(&e, body, &[]);
            }
        }
    }
});
