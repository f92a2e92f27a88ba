//! A session after sign-in (RFC 6749 §6): when a token is still good, when to refresh it,
//! which refresh failures end the session, and how a refresh response replaces the held
//! [`TokenSet`]. Pure functions of the token set and the time; the caller owns the clock,
//! the HTTP client, the storage and the locking.

use crate::core::config::ClientConfig;
use crate::core::error::{Error, ErrorCode};
use crate::core::json::{as_non_negative_integer, Json};
use crate::core::secret::Secret;
use crate::core::token::{token_request, Grant, TokenRequest, TokenSet};
use alloc::string::String;

pub mod machine;

/// Default clock skew: a token that expires within 60 seconds is refreshed first.
pub const DEFAULT_SKEW_SECONDS: u32 = 60;

/// What a caller asking for an access token must do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// The held access token is good: use it.
    UseToken,
    /// The access token expires within the skew (or is forced out): refresh first.
    Refresh,
    /// No token, or an expiring token without a refresh token: the user must sign in again.
    SignIn,
}

/// The time (epoch ms) from which a token expiring at `expires_at` should no longer be used:
/// `expires_at - skew`. `None` when the expiry is unknown: the token is used until the
/// resource server refuses it (the app then forces a refresh).
pub fn refresh_at(expires_at: Option<u64>, skew_seconds: u32) -> Option<u64> {
    expires_at.map(|e| e.saturating_sub(u64::from(skew_seconds) * 1000))
}

/// `true` while the token set's access token can be used at `now_ms`.
pub fn is_fresh(tokens: &TokenSet, now_ms: u64, skew_seconds: u32) -> bool {
    refresh_at(tokens.expires_at, skew_seconds).is_none_or(|t| now_ms < t)
}

/// The session's next step for a caller that wants an access token at `now_ms`.
/// `force` treats a fresh token as spent (e.g. after the resource server answered 401).
pub fn next_step(
    tokens: Option<&TokenSet>,
    now_ms: u64,
    skew_seconds: u32,
    force: bool,
) -> NextStep {
    let held = tokens.map(|t| (t.expires_at, t.refresh_token.is_some()));
    next_step_of(held, now_ms, skew_seconds, force)
}

/// [`next_step`] over what it reads of a token set: its expiry and whether it has a refresh
/// token (`None`: no tokens).
pub(crate) fn next_step_of(
    held: Option<(Option<u64>, bool)>,
    now_ms: u64,
    skew_seconds: u32,
    force: bool,
) -> NextStep {
    match held {
        None => NextStep::SignIn,
        Some((e, _)) if !force && refresh_at(e, skew_seconds).is_none_or(|t| now_ms < t) => {
            NextStep::UseToken
        }
        Some((_, true)) => NextStep::Refresh,
        Some(_) => NextStep::SignIn,
    }
}

/// The refresh request (RFC 6749 §6) for the held token set, in the configuration's dialect,
/// encoding and client authentication. The scope is not narrowed, so it is not sent.
/// `not_signed_in` when the token set has no refresh token.
pub fn refresh_request(config: &ClientConfig, tokens: &TokenSet) -> Result<TokenRequest, Error> {
    let Some(rt) = &tokens.refresh_token else {
        return Err(Error::new(
            ErrorCode::NotSignedIn,
            "the session has no refresh token: sign in again",
        ));
    };
    token_request(
        config,
        &Grant::RefreshToken {
            refresh_token: rt.expose(),
            scope: None,
        },
    )
}

/// Reads a TokenSet in the JavaScript API's shape back (from the app or from storage):
/// `None` unless `accessToken` is a non-empty string. `refreshToken`, `scope`, `idToken` are
/// read when they are non-empty strings, `expiresAt` when it is a non-negative number (epoch
/// ms, floored); anything else is left out, except an `expiresAt` that is present but not such
/// a number (a string, a negative number, a date object): that reads as 0, expired, so a
/// corrupted or hand-edited session is refreshed or ends instead of never expiring.
pub fn token_set_from_json(v: &Json) -> Option<TokenSet> {
    let s = |f: &str| {
        v.get(f)?
            .as_str()
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    Some(TokenSet {
        access_token: Secret::new(s("accessToken")?),
        token_type: String::from("Bearer"),
        expires_in: None,
        expires_at: match v.get("expiresAt") {
            None | Some(Json::Null) => None,
            Some(n @ Json::Number(_)) => Some(as_non_negative_integer(n).unwrap_or(0)),
            Some(_) => Some(0),
        },
        refresh_token: s("refreshToken").map(Secret::new),
        scope: s("scope"),
        id_token: s("idToken").map(Secret::new),
        raw: Json::Null,
        raw_text: Secret::default(),
    })
}

/// The token set after a refresh: the new response, where
/// - a new `refresh_token` replaces the old one, always (rotation, RFC 9700 §4.14.2); the old
///   one is dropped, since a rotating server refuses it from now on;
/// - a response without `refresh_token` keeps the old one (RFC 6749 §6: "MAY issue");
/// - a response without `id_token` keeps the old one (OpenID Connect Core §12.2);
/// - a response without `scope` keeps the old scope (RFC 6749 §5.1: omitted when unchanged).
pub fn merge_refreshed(old: &TokenSet, new: TokenSet) -> TokenSet {
    let keep = |n: Option<Secret>, o: &Option<Secret>| n.or_else(|| o.clone());
    TokenSet {
        refresh_token: keep(new.refresh_token, &old.refresh_token),
        id_token: keep(new.id_token, &old.id_token),
        scope: new.scope.or_else(|| old.scope.clone()),
        ..new
    }
}

/// `true` when a failed refresh means the grant is over and the session must sign out:
/// the server refused the refresh token (`invalid_grant`, RFC 6749 §5.2: expired, revoked,
/// already used) or does not know the client any more (`invalid_client`, `unauthorized_client`),
/// or refused it Ellipsis-style (`{"message"}` with HTTP 400, 401 or 403, which has no `error`
/// to go by). Network failures, timeouts, aborts, server trouble (5xx) and other error values
/// keep the session, so a later call can retry.
pub fn ends_session(error: &Error) -> bool {
    refusal_ends_session(error.code().as_str(), error.error(), error.status())
}

/// [`ends_session`] over an error's parts: its code's name (`"token_error"`), the server's
/// `error` value and the HTTP status. For errors that crossed into JavaScript and back.
pub fn refusal_ends_session(code: &str, error: Option<&str>, status: Option<u16>) -> bool {
    match (code, error) {
        ("not_signed_in", _) => true,
        ("token_error", Some(e)) => {
            matches!(
                e,
                "invalid_grant" | "invalid_client" | "unauthorized_client"
            )
        }
        ("token_error", None) => matches!(status, Some(400 | 401 | 403)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::token::parse_token_response;

    const T0: u64 = 1_700_000_000_000;

    fn config() -> ClientConfig {
        let mut c = ClientConfig::new(
            "client",
            "https://as.example/authorize",
            "https://as.example/token",
        );
        c.scope = vec!["openid".into(), "offline_access".into()];
        c
    }

    fn tokens(body: &str, now: u64, scope: Option<&str>) -> TokenSet {
        parse_token_response(&config(), 200, body, now, scope).unwrap()
    }

    fn signed_in() -> TokenSet {
        tokens(
            r#"{"access_token":"at1","token_type":"Bearer","expires_in":3600,"refresh_token":"rt1","id_token":"id1","scope":"openid offline_access"}"#,
            T0,
            None,
        )
    }

    #[test]
    fn token_sets_are_read_back() {
        let j = Json::parse(
            r#"{"accessToken":"at","tokenType":"Bearer","expiresAt":1700000000000.7,
                "refreshToken":"rt","scope":"a b","idToken":"","raw":{"x":1}}"#,
        )
        .unwrap();
        let t = token_set_from_json(&j).unwrap();
        assert_eq!(t.access_token.expose(), "at");
        assert_eq!(t.expires_at, Some(1_700_000_000_000));
        assert_eq!(t.refresh_token.as_ref().map(|s| s.expose()), Some("rt"));
        assert_eq!(t.scope.as_deref(), Some("a b"));
        assert!(t.id_token.is_none(), "an empty idToken is none");
        for bad in [
            r#"{"accessToken":""}"#,
            r#"{"accessToken":1}"#,
            r#"{}"#,
            r#""at""#,
        ] {
            assert!(
                token_set_from_json(&Json::parse(bad).unwrap()).is_none(),
                "{bad}"
            );
        }
        // Present but not a non-negative number: expired (0), never "never expires".
        for (text, at) in [
            (r#"{"accessToken":"a","expiresAt":-5}"#, Some(0)),
            (r#"{"accessToken":"a","expiresAt":"5"}"#, Some(0)),
            (
                r#"{"accessToken":"a","expiresAt":"2026-11-25T10:00:00Z"}"#,
                Some(0),
            ),
            (r#"{"accessToken":"a","expiresAt":[0]}"#, Some(0)),
            (r#"{"accessToken":"a","expiresAt":null}"#, None),
            (r#"{"accessToken":"a"}"#, None),
            (r#"{"accessToken":"a","expiresAt":5}"#, Some(5)),
        ] {
            let t = token_set_from_json(&Json::parse(text).unwrap()).unwrap();
            assert_eq!(t.expires_at, at, "{text}");
        }
    }

    #[test]
    fn freshness_with_injected_clock() {
        let t = signed_in(); // expires at T0 + 3600 s
        let expires = T0 + 3_600_000;
        assert_eq!(t.expires_at, Some(expires));
        assert_eq!(
            refresh_at(t.expires_at, DEFAULT_SKEW_SECONDS),
            Some(expires - 60_000)
        );
        assert!(is_fresh(&t, T0, DEFAULT_SKEW_SECONDS));
        assert!(is_fresh(&t, expires - 60_001, DEFAULT_SKEW_SECONDS));
        // Within the skew: no longer used.
        assert!(!is_fresh(&t, expires - 60_000, DEFAULT_SKEW_SECONDS));
        assert!(!is_fresh(&t, expires - 1, DEFAULT_SKEW_SECONDS));
        assert!(!is_fresh(&t, expires + 5_000, DEFAULT_SKEW_SECONDS));
        // Zero skew: good until the last millisecond.
        assert!(is_fresh(&t, expires - 1, 0));
        assert!(!is_fresh(&t, expires, 0));
        // A skew longer than the lifetime: refresh at once, without underflow.
        assert_eq!(refresh_at(Some(5), 60), Some(0));
        assert!(!is_fresh(&t, T0, 7200));
    }

    #[test]
    fn unknown_expiry_is_used_until_forced() {
        let t = tokens(
            r#"{"access_token":"at","token_type":"Bearer","refresh_token":"rt"}"#,
            T0,
            None,
        );
        assert_eq!(t.expires_at, None);
        assert!(is_fresh(&t, u64::MAX, DEFAULT_SKEW_SECONDS));
        assert_eq!(next_step(Some(&t), u64::MAX, 60, false), NextStep::UseToken);
        assert_eq!(next_step(Some(&t), T0, 60, true), NextStep::Refresh);
    }

    #[test]
    fn next_steps() {
        let t = signed_in();
        let late = T0 + 3_590_000;
        assert_eq!(next_step(None, T0, 60, false), NextStep::SignIn);
        assert_eq!(next_step(Some(&t), T0, 60, false), NextStep::UseToken);
        assert_eq!(next_step(Some(&t), late, 60, false), NextStep::Refresh);
        assert_eq!(next_step(Some(&t), T0, 60, true), NextStep::Refresh);
        let mut no_rt = t.clone();
        no_rt.refresh_token = None;
        assert_eq!(next_step(Some(&no_rt), T0, 60, false), NextStep::UseToken);
        assert_eq!(next_step(Some(&no_rt), late, 60, false), NextStep::SignIn);
        assert_eq!(next_step(Some(&no_rt), T0, 60, true), NextStep::SignIn);
    }

    #[test]
    fn refresh_request_uses_the_held_refresh_token() {
        let r = refresh_request(&config(), &signed_in()).unwrap();
        assert_eq!(
            r.body.expose(),
            "grant_type=refresh_token&refresh_token=rt1&client_id=client"
        );
        let e = ClientConfig::ellipsis("id", None).with_client_secret("s");
        let r = refresh_request(&e, &signed_in()).unwrap();
        assert_eq!(
            r.body.expose(),
            r#"{"grant_type":"refresh_token","refresh_token":"rt1"}"#
        );
        assert!(r.headers.iter().any(|(n, _)| *n == "Authorization"));
        let mut no_rt = signed_in();
        no_rt.refresh_token = None;
        let err = refresh_request(&config(), &no_rt).unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotSignedIn);
        assert!(ends_session(&err));
    }

    #[test]
    fn rotation_replaces_the_refresh_token() {
        let old = signed_in();
        let later = T0 + 3_570_000;
        let new = tokens(
            r#"{"access_token":"at2","token_type":"Bearer","expires_in":3600,"refresh_token":"rt2"}"#,
            later,
            old.scope.as_deref(),
        );
        let m = merge_refreshed(&old, new);
        assert_eq!(m.access_token.expose(), "at2");
        assert_eq!(m.refresh_token.as_ref().map(Secret::expose), Some("rt2"));
        assert_eq!(m.expires_at, Some(later + 3_600_000));
        assert_eq!(m.id_token.as_ref().map(Secret::expose), Some("id1"));
        assert_eq!(m.scope.as_deref(), Some("openid offline_access"));
        assert_eq!(
            m.raw.get("refresh_token").and_then(Json::as_str),
            Some("rt2")
        );
    }

    #[test]
    fn a_response_without_refresh_token_keeps_the_old_one() {
        let old = signed_in();
        let new = tokens(
            r#"{"access_token":"at2","token_type":"Bearer","expires_in":60,"id_token":"id2","scope":"openid"}"#,
            T0 + 1,
            None,
        );
        let m = merge_refreshed(&old, new);
        assert_eq!(m.access_token.expose(), "at2");
        assert_eq!(m.refresh_token.as_ref().map(Secret::expose), Some("rt1"));
        assert_eq!(m.id_token.as_ref().map(Secret::expose), Some("id2"));
        assert_eq!(m.scope.as_deref(), Some("openid"), "a narrower scope wins");
        assert_eq!(m.expires_at, Some(T0 + 1 + 60_000));
        // Without expires_in the new token's lifetime is unknown, not the old one's.
        let new = tokens(r#"{"access_token":"at3","token_type":"Bearer"}"#, T0, None);
        assert_eq!(merge_refreshed(&old, new).expires_at, None);
    }

    #[test]
    fn which_failures_sign_out() {
        let server = |code, error: &str| {
            Error::new(code, "x").with_server(Some(error.into()), None, None, Some(400))
        };
        assert!(ends_session(&server(
            ErrorCode::TokenError,
            "invalid_grant"
        )));
        assert!(ends_session(&server(
            ErrorCode::TokenError,
            "invalid_client"
        )));
        assert!(!ends_session(&server(
            ErrorCode::TokenError,
            "temporarily_unavailable"
        )));
        assert!(!ends_session(&server(
            ErrorCode::TokenError,
            "invalid_request"
        )));
        for code in [
            ErrorCode::NetworkError,
            ErrorCode::Timeout,
            ErrorCode::Aborted,
            ErrorCode::HttpError,
            ErrorCode::InvalidTokenResponse,
        ] {
            assert!(!ends_session(&Error::new(code, "x")), "{code:?}");
        }
        // An Ellipsis-style {"message"} refusal: a 4xx ends the session, a 5xx does not.
        let ellipsis = |status| {
            Error::new(ErrorCode::TokenError, "x").with_server(
                None,
                Some("Invalid refresh token.".into()),
                None,
                Some(status),
            )
        };
        assert!(ends_session(&ellipsis(400)));
        assert!(!ends_session(&ellipsis(503)));
    }
}
