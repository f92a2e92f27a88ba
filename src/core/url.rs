//! Just enough URL handling for OAuth endpoints and redirect URIs: split an absolute
//! `http(s)` URL into its parts, decide whether its host is loopback, and edit its query.

use crate::core::encoding::{pieces, split_once_at};
use crate::core::error::{Error, ErrorCode};

/// An absolute `http` or `https` URL, split (RFC 3986 §3). Borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// `true` for `https`.
    pub https: bool,
    /// The host, lower-cased by the caller where it matters; IPv6 literals keep their brackets.
    pub host: &'a str,
    /// Everything before the query or fragment (scheme, authority, path).
    pub base: &'a str,
    /// The query without `?`, if there is a `?`.
    pub query: Option<&'a str>,
    /// The fragment without `#`, if there is a `#`.
    pub fragment: Option<&'a str>,
}

/// Splits an absolute `http:`/`https:` URL. `field` names the value in error messages.
pub fn parse<'a>(field: &str, url: &'a str) -> Result<UrlParts<'a>, Error> {
    let bad = |what: &str| Error::concat(ErrorCode::InvalidConfig, &[field, " ", what]);
    if url.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(bad("must not contain spaces or control characters"));
    }
    let (https, rest) = if let Some(r) = strip_prefix_ci(url, "https://") {
        (true, r)
    } else if let Some(r) = strip_prefix_ci(url, "http://") {
        (false, r)
    } else {
        return Err(bad("must be an absolute http(s) URL"));
    };
    let authority = match rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')) {
        Some(end) => rest.get(..end).unwrap_or(rest),
        None => rest,
    };
    if authority.bytes().any(|b| b == b'@') {
        return Err(bad("must not contain user information"));
    }
    let host = if authority.starts_with('[') {
        let Some((inside, port)) = split_once_at(authority, b']') else {
            return Err(bad("has an unterminated IPv6 address"));
        };
        if !(port.is_empty() || port.strip_prefix(':').is_some_and(port_ok)) {
            return Err(bad("has an invalid port"));
        }
        // `inside` and the `]` after it.
        authority.get(..=inside.len()).unwrap_or(authority)
    } else {
        match split_once_at(authority, b':') {
            Some((h, p)) => {
                if !port_ok(p) {
                    return Err(bad("has an invalid port"));
                }
                h
            }
            None => authority,
        }
    };
    if host.is_empty() {
        return Err(bad("has no host"));
    }
    let (before_fragment, fragment) = match split_once_at(url, b'#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let (base, query) = match split_once_at(before_fragment, b'?') {
        Some((b, q)) => (b, Some(q)),
        None => (before_fragment, None),
    };
    Ok(UrlParts {
        https,
        host,
        base,
        query,
        fragment,
    })
}

/// A port after `:` (RFC 3986 §3.2.3: digits, may be empty), at most 65535.
fn port_ok(d: &str) -> bool {
    d.len() <= 5 && d.bytes().all(|b| b.is_ascii_digit()) && decimal(d) <= 65535
}

/// The value of a short run of ASCII digits (checked by the caller).
fn decimal(digits: &str) -> u32 {
    digits
        .bytes()
        .fold(0, |n, b| n * 10 + u32::from(b.wrapping_sub(b'0')))
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// `localhost`, `127.0.0.0/8` written as four decimal octets, or `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") || host == "[::1]" {
        return true;
    }
    let mut parts = pieces(host, b'.');
    let octet = |p: &str| {
        !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) && decimal(p) <= 255
    };
    parts.next() == Some("127")
        && (0..3).all(|_| parts.next().is_some_and(octet))
        && parts.next().is_none()
}

/// Checks an OAuth endpoint (RFC 6749 §3.1, §3.2): absolute, no fragment, `https` unless the
/// host is loopback (RFC 9700 §2.6, RFC 8252 §8.3).
pub fn check_endpoint(field: &str, url: &str) -> Result<(), Error> {
    let parts = parse(field, url)?;
    if parts.fragment.is_some() {
        return Err(Error::concat(
            ErrorCode::InvalidConfig,
            &[field, " must not contain a fragment (RFC 6749 §3.1)"],
        ));
    }
    if !parts.https && !is_loopback_host(parts.host) {
        return Err(Error::concat(
            ErrorCode::InsecureEndpoint,
            &[
                field,
                " must use https (http only on localhost, 127.0.0.0/8, [::1])",
            ],
        ));
    }
    Ok(())
}

/// Checks a redirect URI (RFC 6749 §3.1.2): an absolute http(s) URL without a fragment.
/// Plain http is allowed on any host: the page that receives the code may be on a LAN address.
pub fn check_redirect_uri(field: &str, url: &str) -> Result<(), Error> {
    let parts = parse(field, url)?;
    if parts.fragment.is_some() {
        return Err(Error::concat(
            ErrorCode::InvalidConfig,
            &[field, " must not contain a fragment (RFC 6749 §3.1.2)"],
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls() {
        let p = parse("x", "https://AS.example:8443/a/b?x=1&y=2#frag").unwrap();
        assert!(p.https);
        assert_eq!(p.host, "AS.example");
        assert_eq!(p.base, "https://AS.example:8443/a/b");
        assert_eq!(p.query, Some("x=1&y=2"));
        assert_eq!(p.fragment, Some("frag"));
        let p = parse("x", "http://[::1]:3000?q").unwrap();
        assert_eq!(p.host, "[::1]");
        assert_eq!(p.query, Some("q"));
        assert_eq!(p.base, "http://[::1]:3000");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "as.example/token",
            "ftp://as.example/",
            "https://",
            "https://user:pw@as.example/",
            "https://as.example:99999/",
            "https://as.example:8x/",
            "https://as example/",
            "https://[::1/",
            "javascript:alert(1)",
        ] {
            let e = parse("tokenEndpoint", bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidConfig, "{bad}");
            assert!(e.message().starts_with("tokenEndpoint "), "{}", e.message());
        }
    }

    #[test]
    fn loopback() {
        for h in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.255.0.9",
            "[::1]",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "127.1",
            "127.0.0.256",
            "128.0.0.1",
            "[::2]",
            "10.0.0.1",
            "example.com",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn endpoints_need_https_unless_loopback() {
        assert!(check_endpoint("e", "https://as.example/token").is_ok());
        assert!(check_endpoint("e", "http://127.0.0.1:8080/token").is_ok());
        assert!(check_endpoint("e", "http://localhost/token").is_ok());
        assert!(check_endpoint("e", "http://[::1]:1/token").is_ok());
        assert!(check_endpoint("e", "https://as.example/authorize?tenant=a").is_ok());
        let e = check_endpoint("tokenEndpoint", "http://as.example/token").unwrap_err();
        assert_eq!(e.code(), ErrorCode::InsecureEndpoint);
        assert!(e.message().contains("tokenEndpoint"));
        let e = check_endpoint("tokenEndpoint", "https://as.example/token#x").unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidConfig);
    }

    #[test]
    fn redirect_uris() {
        assert!(check_redirect_uri("r", "http://192.168.1.20:8080/cb").is_ok());
        assert!(check_redirect_uri("r", "https://app.example/cb?x=1").is_ok());
        assert!(check_redirect_uri("r", "https://app.example/cb#x").is_err());
        assert!(check_redirect_uri("r", "/cb").is_err());
    }
}
