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
///
/// The URL must also mean the same to the WHATWG URL parser that `fetch`, `location` and
/// `window.open` use, so that the host checked here is the host a request goes to. Refused
/// (`invalid_config`, naming the field) is what that parser reads differently:
/// - spaces and control characters (it removes tab, LF and CR anywhere, and trims C0
///   controls and spaces);
/// - a backslash before the query (in `http`/`https` it is a `/`: `https://a\.b/` is host `a`);
/// - user information;
/// - a host that is not ASCII (mapped by IDNA: `U+3002` becomes a dot), or has `%` (decoded)
///   or `< > [ ] ^ |` (refused); an IPv6 literal with anything but hex digits, `:` and `.`;
/// - a host whose last label starts with a digit (WHATWG URL reads a host that ends in a
///   number as an IPv4 address, in octal, hex or as one number: `https://2130706433/` is
///   127.0.0.1) unless it is four decimal numbers 0-255 without leading zeros. No top-level
///   domain starts with a digit;
/// - `.` and `..` path segments, also percent-encoded (removed: `/a/%2e%2e/t` is `/t`).
pub fn parse<'a>(field: &str, url: &'a str) -> Result<UrlParts<'a>, Error> {
    let bad = |what: &str| Error::concat(ErrorCode::InvalidConfig, &[field, " ", what]);
    if url.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(bad("must not contain spaces or control characters"));
    }
    let (before_fragment, fragment) = match split_once_at(url, b'#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let (base, query) = match split_once_at(before_fragment, b'?') {
        Some((b, q)) => (b, Some(q)),
        None => (before_fragment, None),
    };
    if base.bytes().any(|b| b == b'\\') {
        return Err(bad(
            "must not contain a backslash before the query (browsers read it as /)",
        ));
    }
    let (https, rest) = if let Some(r) = strip_prefix_ci(base, "https://") {
        (true, r)
    } else if let Some(r) = strip_prefix_ci(base, "http://") {
        (false, r)
    } else {
        return Err(bad("must be an absolute http(s) URL"));
    };
    let (authority, path) = match rest.bytes().position(|b| b == b'/') {
        Some(end) => (
            rest.get(..end).unwrap_or(rest),
            rest.get(end..).unwrap_or(""),
        ),
        None => (rest, ""),
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
        if !inside
            .bytes()
            .skip(1)
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err(bad("has an invalid IPv6 address"));
        }
        // `inside` and the `]` after it.
        authority.get(..=inside.len()).unwrap_or(authority)
    } else {
        let host = match split_once_at(authority, b':') {
            Some((h, p)) => {
                if !port_ok(p) {
                    return Err(bad("has an invalid port"));
                }
                h
            }
            None => authority,
        };
        if host.bytes().any(|b| b >= 0x80 || b"%<>[]^|".contains(&b)) {
            return Err(bad(
                "must have an ASCII host without % < > [ ] ^ | (browsers map, decode or refuse them)",
            ));
        }
        let last = pieces(host.strip_suffix('.').unwrap_or(host), b'.').last();
        if last.is_some_and(|l| l.bytes().next().is_some_and(|b| b.is_ascii_digit()))
            && !is_ipv4(host)
        {
            return Err(bad(
                "has a numeric host other than four decimal numbers 0-255 (browsers read it as another IPv4 address)",
            ));
        }
        host
    };
    if host.is_empty() {
        return Err(bad("has no host"));
    }
    if pieces(path, b'/').any(is_dot_segment) {
        return Err(bad(
            "must not have . or .. path segments (browsers remove them)",
        ));
    }
    Ok(UrlParts {
        https,
        host,
        base,
        query,
        fragment,
    })
}

/// Four decimal numbers from 0 to 255 without leading zeros, joined by dots: an IPv4 address
/// as WHATWG URL reads it.
fn is_ipv4(host: &str) -> bool {
    let mut n = 0;
    pieces(host, b'.').all(|p| {
        n += 1;
        !p.is_empty()
            && p.len() <= 3
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p.len() == 1 || !p.starts_with('0'))
            && decimal(p) <= 255
    }) && n == 4
}

/// A path segment WHATWG URL removes: `.` or `..`, each dot possibly written `%2e`.
fn is_dot_segment(segment: &str) -> bool {
    let mut dots = 0;
    let mut rest = segment.as_bytes();
    loop {
        rest = match rest {
            [] => return dots > 0,
            [b'.', r @ ..] => r,
            [b'%', b'2', b'e' | b'E', r @ ..] => r,
            _ => return false,
        };
        dots += 1;
        if dots > 2 {
            return false;
        }
    }
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

/// `localhost`, `127.0.0.0/8` written as four decimal octets (without leading zeros), or
/// `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host == "[::1]"
        || (host.starts_with("127.") && is_ipv4(host))
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

    /// URLs the WHATWG URL parser (what `fetch`, `location` and `window.open` use) reads
    /// differently from this module: each is refused, naming the field and the reason.
    #[test]
    fn what_browsers_read_differently_is_refused() {
        for (bad, needle) in [
            // Special schemes read `\` as `/` in the authority and path.
            (r"https://\\/a", "backslash"),
            (r"https://\/a", "backslash"),
            (r"https://as.example\.evil.example/token", "backslash"),
            (r"https://as.example\@evil.example/", "backslash"),
            (r"https://as.example/a\..\token", "backslash"),
            (r"https:\\as.example/", "backslash"),
            (r"http://127.0.0.1\@evil.example/", "backslash"),
            // Tab, newline and CR are removed anywhere; C0 controls and space are trimmed.
            ("https://as.exa\tmple/", "control"),
            ("https://as.example/\ntoken", "control"),
            ("https://as.example/token\r", "control"),
            (" https://as.example/", "control"),
            ("https://as.example/\u{1}", "control"),
            ("https://as.example/token\u{7f}", "control"),
            // The host is percent-decoded, then mapped (IDNA): another host than written.
            ("https://as.example%2eevil.example/", "host"),
            ("https://as.example%2Eevil.example/", "host"),
            ("http://127.0.0.1%2e/", "host"),
            ("https://as.example\u{3002}evil.example/", "ASCII"),
            ("https://\u{ff41}s.example/", "ASCII"),
            ("https://b\u{fc}cher.example/", "ASCII"),
            // Forbidden host code points: fetch would throw.
            ("https://a<b/", "host"),
            ("https://a>b/", "host"),
            ("https://a^b/", "host"),
            ("https://a|b/", "host"),
            ("https://a]b/", "host"),
            ("https://a[b/", "host"),
            ("https://[::1%25eth0]/", "IPv6"),
            ("https://[as.example]/", "IPv6"),
            // A host that ends in a number is an IPv4 address, read in octal, hex or as one
            // 32-bit number: only four plain decimal numbers mean what they say.
            ("https://2130706433/", "IPv4"),
            ("https://0x7f.1/", "IPv4"),
            ("https://127.1/", "IPv4"),
            ("http://127.0.0.010/", "IPv4"),
            ("http://127.0.0.1./", "IPv4"),
            ("https://1.2.3.4.5/", "IPv4"),
            ("https://10.0.0.256/", "IPv4"),
            ("https://as.example.0x/", "IPv4"),
            ("https://as.example.08/", "IPv4"),
            ("https://0x7g/", "IPv4"),
            // User information: never needed by an endpoint, and where `@` tricks live.
            ("https://user@as.example/", "user information"),
            ("https://:@as.example/", "user information"),
            // Dot segments, also percent-encoded, are removed from the path.
            ("https://as.example/tenant/..", "path"),
            ("https://as.example/a/../token", "path"),
            ("https://as.example/./token", "path"),
            ("https://as.example/a/%2e%2e/token", "path"),
            ("https://as.example/a/%2E./token", "path"),
            ("https://as.example/a/.%2E/token", "path"),
            ("https://as.example/a/%2e?x", "path"),
            ("https://as.example/.", "path"),
        ] {
            let e = parse("tokenEndpoint", bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidConfig, "{bad:?}");
            assert!(
                e.message().starts_with("tokenEndpoint "),
                "{bad:?}: {}",
                e.message()
            );
            assert!(e.message().contains(needle), "{bad:?}: {}", e.message());
        }
    }

    #[test]
    fn what_browsers_read_the_same_is_kept() {
        for (ok, host) in [
            ("https://as.example/token", "as.example"),
            ("HTTPS://AS.Example:443/Token", "AS.Example"),
            ("https://xn--bcher-kva.example/", "xn--bcher-kva.example"),
            ("https://as.example/a%2eb/..c/d../.x/x./", "as.example"),
            ("https://as.example/a?x=\\&y=/../&z=%2e", "as.example"),
            ("https://as.example/a?\u{e9}=1", "as.example"),
            ("https://as.example/tenant#\\", "as.example"),
            ("http://127.0.0.1:8080/", "127.0.0.1"),
            ("https://10.0.0.255/", "10.0.0.255"),
            ("https://0.0.0.0/", "0.0.0.0"),
            ("https://as-1.example/", "as-1.example"),
            ("https://as.example.com1/", "as.example.com1"),
            ("https://1a.example/", "1a.example"),
            ("http://[::1]:3000/", "[::1]"),
            ("https://[2001:db8::1]/", "[2001:db8::1]"),
            ("https://[::ffff:10.0.0.1]/", "[::ffff:10.0.0.1]"),
            ("https://as.example", "as.example"),
            ("https://as.example?x", "as.example"),
        ] {
            let p = parse("u", ok).unwrap_or_else(|e| panic!("{ok}: {}", e.message()));
            assert_eq!(p.host, host, "{ok}");
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
