//! Just enough URL handling for OAuth endpoints and redirect URIs: split an absolute
//! `http(s)` URL into its parts, decide whether its host is loopback, and edit its query.

use crate::core::encoding::{pieces, split_once_at};
use crate::core::error::{Error, ErrorCode};
use core::num::NonZeroU32;

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
///   or `< > [ ] ^ |` (refused); an IPv6 literal that is not an IPv6 address ([`is_ipv6`]);
///   a label `xn--...` that IDNA cannot decode or refuses without Unicode tables
///   ([`punycode_ok`]);
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
        if !inside.get(1..).is_some_and(is_ipv6) {
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
        if !pieces(host, b'.').all(punycode_ok) {
            return Err(bad("has an invalid xn-- (Punycode) label"));
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

/// An IPv6 address (inside the brackets) as RFC 4291 §2.2 writes it and RFC 3986 §3.2.2
/// (`IPv6address`) allows, which is what WHATWG URL's IPv6 parser accepts: pieces of 1-4 hex
/// digits, `::` at most once for one or more zero pieces, the last 32 bits possibly a dotted
/// IPv4 address ([`is_ipv4`]); 8 pieces in all, at most 7 written beside `::`. A zone ID
/// (RFC 6874, `%25`) and IPvFuture (`v1.x`) are refused: WHATWG refuses both.
pub fn is_ipv6(a: &str) -> bool {
    // A `::` at either end loses one `:`, so that the gap is one empty piece wherever it is.
    let b = a.as_bytes();
    let start = match b {
        [b':', b':', ..] => 1,
        [b':', ..] | [] => return false,
        _ => 0,
    };
    let end = match b {
        [.., b':', b':'] => b.len() - 1,
        [.., b':'] => return false,
        _ => b.len(),
    };
    let (mut n, mut gaps, mut v4) = (0, 0, false);
    for p in pieces(a.get(start..end).unwrap_or(":"), b':') {
        if v4 {
            return false;
        }
        if p.is_empty() {
            gaps += 1;
        } else if p.len() <= 4 && p.bytes().all(|c| c.is_ascii_hexdigit()) {
            n += 1;
        } else if is_ipv4(p) {
            n += 2;
            v4 = true;
        } else {
            return false;
        }
    }
    match gaps {
        0 => n == 8,
        1 => n < 8,
        _ => false,
    }
}

/// `false` for a label starting `xn--` (any case) that WHATWG URL's IDNA step (UTS 46 §4,
/// which decodes it) refuses for reasons that need no Unicode tables:
/// - the RFC 3492 §6.2 decoding of what follows `xn--` fails: a character that is not a
///   base-36 digit after the last `-`, a number cut short, a 32-bit overflow, a code point
///   above U+10FFFF or a surrogate;
/// - the decoded label is empty or all ASCII (UTS 46 since Unicode 15.1): the label ends in
///   `-` (decoding only inserts code points from U+0080 up, after the last `-`);
/// - more than 2000 characters follow `xn--` (the limit of the `url` crate, taken from ICU).
///
/// What the tables decide (mapped or disallowed code points, NFC, a leading combining mark,
/// bidi and joiner rules) is left to the browser.
pub fn punycode_ok(label: &str) -> bool {
    let Some(rest) = strip_prefix_ci(label, "xn--") else {
        return true;
    };
    rest.len() <= 2000 && !label.ends_with('-') && punycode_decode(rest.as_bytes(), |_, _| {})
}

/// RFC 3492 §6.2 decoding of `b` (what follows `xn--`): `false` where it fails. Calls
/// `insert(position, code point)` for each code point it inserts among the basic ones (the
/// tests build the decoded label with it).
fn punycode_decode(b: &[u8], mut insert: impl FnMut(usize, u32)) -> bool {
    // Code points before the last `-` are copied as they are; a `-` first is a digit (none).
    let (mut len, digits) = match b.iter().rposition(|&c| c == b'-') {
        Some(p) if p > 0 => (p as u32, b.get(p + 1..).unwrap_or(&[])),
        _ => (0, b),
    };
    // n: the code point; i: where it goes, plus (len + 1) per step of n; w, k: the weight and
    // position of the next digit of the delta being read, which started at `old`.
    let (mut n, mut i, mut bias, mut w, mut k, mut old) = (0x80u32, 0u32, 72, 1u32, 36, 0);
    for &c in digits {
        let d = u32::from(match c {
            b'a'..=b'z' => c - b'a',
            b'A'..=b'Z' => c - b'A',
            b'0'..=b'9' => c - 22,
            _ => return false,
        });
        let Some(sum) = d.checked_mul(w).and_then(|x| x.checked_add(i)) else {
            return false;
        };
        i = sum;
        let t = u32::saturating_sub(k, bias).clamp(1, 26);
        if d >= t {
            let Some(next) = w.checked_mul(36 - t) else {
                return false;
            };
            w = next;
            k += 36;
            continue;
        }
        // The delta is complete: insert code point n at i.
        // Never 0 (at most 2001 code points): a `NonZeroU32` divides without a panic path.
        let Some(points) = NonZeroU32::new(len + 1) else {
            return false;
        };
        len = points.get();
        bias = adapt(i - old, points, old == 0);
        let Some(code) = n.checked_add(i / points) else {
            return false;
        };
        n = code;
        i %= points;
        if n > 0x10ffff || (0xd800..0xe000).contains(&n) {
            return false;
        }
        insert(i as usize, n);
        i += 1;
        (old, w, k) = (i, 1, 36);
    }
    // Not inside a delta (a delta's first digit that does not end it makes w at least 10).
    w == 1
}

/// RFC 3492 §6.1 bias adaptation (base 36, tmin 1, tmax 26, skew 38, damp 700).
fn adapt(delta: u32, points: NonZeroU32, first: bool) -> u32 {
    let mut delta = delta / if first { 700 } else { 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > 455 {
        delta /= 35;
        k += 36;
    }
    k + 36 * delta / (delta + 38)
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
            // Bracketed, but no IPv6 address: WHATWG refuses it.
            ("https://[:::]/", "IPv6"),
            ("https://[1:2]/", "IPv6"),
            ("https://[]/", "IPv6"),
            ("https://[::1.2.3]:443/", "IPv6"),
            ("https://[1::2::3]/", "IPv6"),
            // `xn--` labels IDNA cannot decode, or decodes to nothing or to ASCII only.
            ("https://xn--er.utex/", "Punycode"),
            ("https://as.xn--99999999999/", "Punycode"),
            ("https://XN--ER.example/", "Punycode"),
            ("https://xn--/", "Punycode"),
            ("https://xn--abc-.example/", "Punycode"),
            ("http://xn--bb0c.localhost/", "Punycode"),
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
            ("https://XN--Bcher-KVA.example/", "XN--Bcher-KVA.example"),
            ("https://xn--ls8h.xn--9n2bp8q/", "xn--ls8h.xn--9n2bp8q"),
            ("https://[0:0:0:0:0:0:0:1]/", "[0:0:0:0:0:0:0:1]"),
            ("https://[1:2:3:4:5:6:7::]:1/", "[1:2:3:4:5:6:7::]"),
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

    /// The decoded label, or `None` where RFC 3492 §6.2 decoding fails.
    fn decode(punycode: &str) -> Option<String> {
        let b = punycode.as_bytes();
        let mut out: Vec<char> = match b.iter().rposition(|&c| c == b'-') {
            Some(p) if p > 0 => punycode[..p].chars().collect(),
            _ => Vec::new(),
        };
        let ok = punycode_decode(b, |i, c| out.insert(i, char::from_u32(c).unwrap()));
        ok.then(|| out.into_iter().collect())
    }

    /// RFC 3492 §7.1, the sample strings: each decodes to the code points the RFC lists.
    #[test]
    fn punycode_rfc3492_samples() {
        for (punycode, label) in [
            // (A) Arabic (Egyptian)
            ("egbpdaj6bu4bxfgehfvwxn", "\u{644}\u{64a}\u{647}\u{645}\u{627}\u{628}\u{62a}\u{643}\u{644}\u{645}\u{648}\u{634}\u{639}\u{631}\u{628}\u{64a}\u{61f}"),
            // (B) Chinese (simplified)
            ("ihqwcrb4cv8a8dqg056pqjye", "\u{4ed6}\u{4eec}\u{4e3a}\u{4ec0}\u{4e48}\u{4e0d}\u{8bf4}\u{4e2d}\u{6587}"),
            // (C) Chinese (traditional)
            ("ihqwctvzc91f659drss3x8bo0yb", "\u{4ed6}\u{5011}\u{7232}\u{4ec0}\u{9ebd}\u{4e0d}\u{8aaa}\u{4e2d}\u{6587}"),
            // (D) Czech
            ("Proprostnemluvesky-uyb24dma41a", "Pro\u{10d}prost\u{11b}nemluv\u{ed}\u{10d}esky"),
            // (E) Hebrew
            ("4dbcagdahymbxekheh6e0a7fei0b", "\u{5dc}\u{5de}\u{5d4}\u{5d4}\u{5dd}\u{5e4}\u{5e9}\u{5d5}\u{5d8}\u{5dc}\u{5d0}\u{5de}\u{5d3}\u{5d1}\u{5e8}\u{5d9}\u{5dd}\u{5e2}\u{5d1}\u{5e8}\u{5d9}\u{5ea}"),
            // (F) Hindi (Devanagari)
            ("i1baa7eci9glrd9b2ae1bj0hfcgg6iyaf8o0a1dig0cd", "\u{92f}\u{939}\u{932}\u{94b}\u{917}\u{939}\u{93f}\u{928}\u{94d}\u{926}\u{940}\u{915}\u{94d}\u{92f}\u{94b}\u{902}\u{928}\u{939}\u{940}\u{902}\u{92c}\u{94b}\u{932}\u{938}\u{915}\u{924}\u{947}\u{939}\u{948}\u{902}"),
            // (G) Japanese
            ("n8jok5ay5dzabd5bym9f0cm5685rrjetr6pdxa", "\u{306a}\u{305c}\u{307f}\u{3093}\u{306a}\u{65e5}\u{672c}\u{8a9e}\u{3092}\u{8a71}\u{3057}\u{3066}\u{304f}\u{308c}\u{306a}\u{3044}\u{306e}\u{304b}"),
            // (H) Korean
            ("989aomsvi5e83db1d2a355cv1e0vak1dwrv93d5xbh15a0dt30a5jpsd879ccm6fea98c", "\u{c138}\u{acc4}\u{c758}\u{baa8}\u{b4e0}\u{c0ac}\u{b78c}\u{b4e4}\u{c774}\u{d55c}\u{ad6d}\u{c5b4}\u{b97c}\u{c774}\u{d574}\u{d55c}\u{b2e4}\u{ba74}\u{c5bc}\u{b9c8}\u{b098}\u{c88b}\u{c744}\u{ae4c}"),
            // (I) Russian
            ("b1abfaaepdrnnbgefbaDotcwatmq2g4l", "\u{43f}\u{43e}\u{447}\u{435}\u{43c}\u{443}\u{436}\u{435}\u{43e}\u{43d}\u{438}\u{43d}\u{435}\u{433}\u{43e}\u{432}\u{43e}\u{440}\u{44f}\u{442}\u{43f}\u{43e}\u{440}\u{443}\u{441}\u{441}\u{43a}\u{438}"),
            // (J) Spanish
            ("PorqunopuedensimplementehablarenEspaol-fmd56a", "Porqu\u{e9}nopuedensimplementehablarenEspa\u{f1}ol"),
            // (K) Vietnamese
            ("TisaohkhngthchnitingVit-kjcr8268qyxafd2f1b9g", "T\u{1ea1}isaoh\u{1ecd}kh\u{f4}ngth\u{1ec3}ch\u{1ec9}n\u{f3}iti\u{1ebf}ngVi\u{1ec7}t"),
            // (L)
            ("3B-ww4c5e180e575a65lsy2b", "3\u{5e74}B\u{7d44}\u{91d1}\u{516b}\u{5148}\u{751f}"),
            // (M)
            ("-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n", "\u{5b89}\u{5ba4}\u{5948}\u{7f8e}\u{6075}-with-SUPER-MONKEYS"),
            // (N)
            ("Hello-Another-Way--fc4qua05auwb3674vfr0b", "Hello-Another-Way-\u{305d}\u{308c}\u{305e}\u{308c}\u{306e}\u{5834}\u{6240}"),
            // (O)
            ("2-u9tlzr9756bt3uc0v", "\u{3072}\u{3068}\u{3064}\u{5c4b}\u{6839}\u{306e}\u{4e0b}2"),
            // (P)
            ("MajiKoi5-783gue6qz075azm5e", "Maji\u{3067}Koi\u{3059}\u{308b}5\u{79d2}\u{524d}"),
            // (Q)
            ("de-jg4avhby1noc0d", "\u{30d1}\u{30d5}\u{30a3}\u{30fc}de\u{30eb}\u{30f3}\u{30d0}"),
            // (R)
            ("d9juau41awczczp", "\u{305d}\u{306e}\u{30b9}\u{30d4}\u{30fc}\u{30c9}\u{3067}"),
            // (S)
            ("-> $1.00 <--", "-> $1.00 <-"),
        ] {
            assert_eq!(decode(punycode).as_deref(), Some(label), "{punycode}");
        }
    }

    /// Decoding failures of RFC 3492 §6.2, and what UTS 46 refuses without tables.
    #[test]
    fn punycode_refusals() {
        for bad in [
            "er",          // `r` ends no number: the input stops inside a delta
            "a-9",         // `9` (35) needs another digit
            "-a",          // a leading `-` is no delimiter, and no digit
            "ab.c",        // `.` is no digit (only reachable here, not through a host)
            "99999999999", // 32-bit overflow
            "9999j",       // U+180A59, above U+10FFFF
            "bb0c",        // U+DCC2, a surrogate
        ] {
            assert_eq!(decode(bad), None, "{bad}");
            assert!(!punycode_ok(&format!("xn--{bad}")), "{bad}");
        }
        // Decodable, but the decoded label is empty or all ASCII (UTS 46, Unicode 15.1).
        assert_eq!(decode("abc-").as_deref(), Some("abc"));
        for bad in ["xn--", "XN--", "xn---", "xn--abc-", "xn--ab-cja-"] {
            assert!(!punycode_ok(bad), "{bad}");
        }
        assert!(!punycode_ok(&format!("xn--{}", "a".repeat(2001))));
        for ok in [
            "xn--bcher-kva",
            "XN--BCHER-KVA",
            "xn--ls8h",
            "xn--9n2bp8q",
            "x-n--a",
            "xn-a-",
        ] {
            assert!(punycode_ok(ok), "{ok}");
        }
    }

    #[test]
    fn ipv6_addresses() {
        for ok in [
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1::8",
            "2001:DB8::ff00:42:8329",
            "0000:0:0:0:0:0:0:1",
            "::1.2.3.4",
            "::ffff:10.0.0.1",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5::1.2.3.4",
            "1::255.255.255.255",
        ] {
            assert!(is_ipv6(ok), "{ok}");
        }
        for bad in [
            "",
            ":",
            ":::",
            "1:2",
            "1::2::3",
            "1:::2",
            ":1::",
            "::1:",
            "1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:8:9",
            "1::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8::",
            "00000::1",
            "g::1",
            "1.2.3.4",
            "1.2.3.4::",
            "1.2.3.4:1:2:3:4:5:6",
            "::1.2.3",
            "::1.2.3.4.5",
            "::01.2.3.4",
            "::1.2.3.256",
            "::1a.2.3.4",
            "1:2:3:4:5:6::1.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4",
            "::1%25eth0",
            "fe80::1%eth0",
            "v1.x",
        ] {
            assert!(!is_ipv6(bad), "{bad}");
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
