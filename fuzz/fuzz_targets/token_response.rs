//! `parse_token_response` (RFC 6749 §5.1, §5.2 and Ellipsis' `{"message"}`) over any body, in
//! both dialects, with and without a requested scope, for a 2xx and a 4xx status.
//!
//! Invariants of an accepted response: printable-ASCII access token, `Bearer`, `expires_in`
//! as an independent reader floors it, `expiresAt` = now + expires_in s (capped at the last
//! JavaScript date, never before now), the scope rule of §5.1, and a TokenSet that reads back
//! through `to_json` -> `Json::parse` -> `token_set_from_json` unchanged. Errors carry a code
//! for their status and never the tokens of the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_spa::fuzzing::SATURATED;
use oauth_spa::{parse_token_response, token_set_from_json, ClientConfig, ErrorCode, Json};
use oauth_spa_fuzz::{
    assert_no_secret, ellipsis_config, member_names, reference_whole_number, rfc_config,
};

/// The last instant a JavaScript `Date` can hold (ECMAScript §21.4.1.1), in ms.
const MAX_DATE_MS: u64 = 8_640_000_000_000_000;
const NOW: u64 = 1_700_000_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = Json::parse(body);
    let mut names = Vec::new();
    if let Some(j) = &parsed {
        member_names(j, &mut names);
    }
    for config in [rfc_config(), ellipsis_config()] {
        for status in [200u16, 400] {
            check(&config, status, body, parsed.as_ref(), &names, NOW, None);
        }
        check(
            &config,
            200,
            body,
            parsed.as_ref(),
            &names,
            NOW,
            Some("openid profile"),
        );
        check(
            &config,
            204,
            body,
            parsed.as_ref(),
            &names,
            u64::MAX - 999,
            None,
        );
    }
});

fn check(
    config: &ClientConfig,
    status: u16,
    body: &str,
    parsed: Option<&Json>,
    names: &[&str],
    now: u64,
    requested_scope: Option<&str>,
) {
    let ok_status = (200..300).contains(&status);
    let member = |n: &str| parsed.and_then(|j| j.get(n));
    let expires_in_ref = member("expires_in")
        .filter(|v| **v != Json::Null)
        .map(|v| reference_whole_number(v, SATURATED));
    match parse_token_response(config, status, body, now, requested_scope) {
        Ok(t) => {
            assert!(ok_status, "accepted a token response with HTTP {status}");
            let at = t.access_token.expose();
            assert!(!at.is_empty() && at.bytes().all(|b| (0x20..=0x7e).contains(&b)));
            assert_eq!(member("access_token").and_then(Json::as_str), Some(at));
            assert_eq!(t.token_type, "Bearer");
            // expires_in: as the reference reads it (None when absent or null).
            assert_eq!(
                t.expires_in,
                expires_in_ref.flatten(),
                "expires_in read differently from the reference"
            );
            let want_at = t
                .expires_in
                .map(|s| now.saturating_add(s.saturating_mul(1000)).min(MAX_DATE_MS));
            assert_eq!(t.expires_at, want_at);
            if let Some(e) = t.expires_at {
                assert!(e <= MAX_DATE_MS && e >= now.min(MAX_DATE_MS));
            }
            // RFC 6749 §5.1: an omitted scope is the requested one.
            let scope = match member("scope") {
                Some(Json::String(s)) => Some(s.as_str()),
                _ => requested_scope,
            };
            assert_eq!(t.scope.as_deref(), scope);
            assert_eq!(Some(&t.raw), parsed);

            // The TokenSet reads back as it was written (the session stores it this way).
            let text = t.to_json(Some("/back"));
            let j = Json::parse(text.expose())
                .expect("TokenSet::to_json of an accepted response is not readable JSON");
            let back = token_set_from_json(&j).expect("to_json output has no accessToken");
            assert_eq!(back.access_token.expose(), at);
            let nonempty = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(String::from);
            assert_eq!(
                back.refresh_token.as_ref().map(|s| s.expose().to_owned()),
                nonempty(t.refresh_token.as_ref().map(|s| s.expose()))
            );
            assert_eq!(
                back.id_token.as_ref().map(|s| s.expose().to_owned()),
                nonempty(t.id_token.as_ref().map(|s| s.expose()))
            );
            assert_eq!(back.scope, nonempty(t.scope.as_deref()));
            assert_eq!(
                back.expires_at, t.expires_at,
                "expiresAt does not read back as written"
            );
            assert_eq!(j.get("raw"), Some(&t.raw));
            assert_eq!(j.get("appState").and_then(Json::as_str), Some("/back"));
        }
        Err(e) => {
            let allowed: &[ErrorCode] = if ok_status {
                &[
                    ErrorCode::TokenError,
                    ErrorCode::InvalidTokenResponse,
                    ErrorCode::UnsupportedTokenType,
                ]
            } else {
                &[ErrorCode::TokenError, ErrorCode::HttpError]
            };
            assert!(
                allowed.contains(&e.code()),
                "{:?} for HTTP {status}",
                e.code()
            );
            if matches!(e.code(), ErrorCode::TokenError | ErrorCode::HttpError) {
                assert_eq!(e.status(), Some(status));
            }
            // A valid number of seconds is never refused as `expires_in`.
            if e.message().contains("\"expires_in\" must be") {
                assert_eq!(expires_in_ref, Some(None), "a valid expires_in was refused");
            }
            for name in ["access_token", "refresh_token", "id_token"] {
                if let Some(secret) = member(name).and_then(Json::as_str) {
                    assert_no_secret(&e, secret, names);
                }
            }
        }
    }
}
