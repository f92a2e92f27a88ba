//! Sign-in in a popup window: the message the popup's callback page sends to its opener, and
//! the checks the opener makes before it trusts one.
//!
//! The callback page posts `{ type: POPUP_MESSAGE_TYPE, url }` with `postMessage(data,
//! location.origin)`: only a window of the same origin can receive it (never `"*"`). The
//! opener accepts a message only when [`is_popup_message`] holds, then checks the response
//! with [`check_popup_response`] before it consumes the transaction.

use crate::core::callback::parse_authorization_response;
use crate::core::error::{Error, ErrorCode};

/// The `type` of the message a popup's callback page posts to its opener.
pub const POPUP_MESSAGE_TYPE: &str = "oauth-spa:callback";

/// `true` for a message the opener may read: sent by the popup it opened (`from_popup`, i.e.
/// `event.source === popup`), from exactly the opener's own origin (`origin`, compared with
/// `own_origin`: the popup's callback page is the redirect URI, which shares the transaction's
/// `sessionStorage`, so it has that origin), and of the right `type` with a string `url`.
pub fn is_popup_message(
    own_origin: &str,
    origin: &str,
    from_popup: bool,
    message_type: Option<&str>,
    url: Option<&str>,
) -> bool {
    from_popup && origin == own_origin && message_type == Some(POPUP_MESSAGE_TYPE) && url.is_some()
}

/// Checks that the popup's callback URL answers the login that opened it: its `state` must be
/// `expected_state`. Another state means a stale or foreign response: `unknown_state`, and
/// nothing is sent. Other checks (issuer, expiry, single use) follow in the callback itself.
pub fn check_popup_response(url: &str, expected_state: &str) -> Result<(), Error> {
    let response = parse_authorization_response(url)?;
    match response.state {
        Some(s) if s == expected_state => Ok(()),
        Some(_) => Err(Error::new(
            ErrorCode::UnknownState,
            "the popup answered another login than the one it was opened for",
        )),
        None => Err(Error::new(
            ErrorCode::MissingState,
            "the popup's response carries no state",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "https://app.example";
    const URL: &str = "https://app.example/cb?code=c&state=s1";

    #[test]
    fn accepts_only_its_popup_from_its_origin() {
        let ok = |origin, from_popup, t, url| is_popup_message(ORIGIN, origin, from_popup, t, url);
        assert!(ok(ORIGIN, true, Some(POPUP_MESSAGE_TYPE), Some(URL)));
        // Another origin, even a sub-domain or another port or scheme.
        for other in [
            "https://evil.example",
            "https://app.example:8443",
            "http://app.example",
            "https://a.app.example",
            "null",
        ] {
            assert!(
                !ok(other, true, Some(POPUP_MESSAGE_TYPE), Some(URL)),
                "{other}"
            );
        }
        // Another window of the same origin (a frame, the page itself).
        assert!(!ok(ORIGIN, false, Some(POPUP_MESSAGE_TYPE), Some(URL)));
        // Other messages of the app.
        assert!(!ok(ORIGIN, true, Some("something-else"), Some(URL)));
        assert!(!ok(ORIGIN, true, None, Some(URL)));
        assert!(!ok(ORIGIN, true, Some(POPUP_MESSAGE_TYPE), None));
    }

    #[test]
    fn response_must_answer_this_login() {
        assert!(check_popup_response(URL, "s1").is_ok());
        assert!(check_popup_response("https://app.example/cb#code=c&state=s1", "s1").is_ok());
        assert_eq!(
            check_popup_response(URL, "s2").unwrap_err().code(),
            ErrorCode::UnknownState
        );
        assert_eq!(
            check_popup_response("https://app.example/cb?code=c", "s1")
                .unwrap_err()
                .code(),
            ErrorCode::MissingState
        );
        assert_eq!(
            check_popup_response("https://app.example/cb?state=s1&state=s1", "s1")
                .unwrap_err()
                .code(),
            ErrorCode::DuplicateParameter
        );
        assert_eq!(
            check_popup_response("not a url", "s1").unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
    }
}
