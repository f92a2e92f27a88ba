//! DPoP, RFC 9449: the proof JWT's header and claims (§4.2), its signing input, the JWK
//! thumbprint (RFC 7638 §3), the `htu` and nonce rules (§4.2, §4.3, §8, §9), the `ath` of
//! resource requests (§7.1) and the token type of a token response (§5).
//!
//! The browser signs: the key is a non-extractable WebCrypto P-256 key, and WebCrypto's ECDSA
//! output is already the JWS form (`r || s`, 64 octets, RFC 7518 §3.4). Everything else is
//! decided here: the caller gives the public key's coordinates, the time, and random octets.

use crate::core::encoding::{base64url, cat};
use crate::core::error::{Error, ErrorCode};
use crate::core::json::{push_u64, write_string, Json, ObjectWriter};
use crate::core::url;
use alloc::string::String;
use sha2::{Digest, Sha256};

/// The proof's `typ` (RFC 9449 §4.2).
pub const TYP: &str = "dpop+jwt";
/// The only signature algorithm used: ECDSA P-256 with SHA-256 (RFC 7518 §3.4).
pub const ALG: &str = "ES256";
/// The token type of a DPoP-bound access token (RFC 9449 §5, §7.1), also the authorization
/// scheme of resource requests.
pub const TOKEN_TYPE: &str = "DPoP";
/// The error a server answers when it wants a nonce in the proof (RFC 9449 §8, §9).
pub const USE_DPOP_NONCE: &str = "use_dpop_nonce";

/// A P-256 public key as its JWK coordinates (RFC 7518 §6.2.1): `x` and `y`, each 32 octets
/// in base64url without padding (43 characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKey<'a> {
    x: &'a str,
    y: &'a str,
}

impl<'a> PublicKey<'a> {
    /// Checks the coordinates' form: 43 base64url characters each, encoding 32 octets (the
    /// last character carries 4 bits, so it is one of the 16 whose low two bits are zero).
    pub fn new(x: &'a str, y: &'a str) -> Result<Self, Error> {
        if coordinate(x) && coordinate(y) {
            Ok(PublicKey { x, y })
        } else {
            Err(Error::new(
                ErrorCode::DpopError,
                "the DPoP public key is not a P-256 JWK (x and y must be 32 octets in base64url)",
            ))
        }
    }

    /// The public JWK as the proof header carries it (RFC 9449 §4.2: public members only).
    pub fn jwk(&self) -> String {
        let mut o = ObjectWriter::new();
        o.string("kty", "EC")
            .string("x", self.x)
            .string("y", self.y)
            .string("crv", "P-256");
        o.finish()
    }

    /// The RFC 7638 thumbprint of the key, the value of `cnf.jkt` (RFC 9449 §6.1) and of
    /// `dpop_jkt` (§10): [`jwk_thumbprint`] of the members `crv`, `kty`, `x`, `y`, written
    /// here in that (sorted) order directly. The coordinates are checked base64url, which
    /// JSON carries without escapes; the generic form with its sort would cost the wasm some
    /// 600 B gzip more.
    pub fn thumbprint(&self) -> String {
        crate::core::pkce::s256(&cat(&[
            r#"{"crv":"P-256","kty":"EC","x":""#,
            self.x,
            r#"","y":""#,
            self.y,
            r#""}"#,
        ]))
    }
}

fn coordinate(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 43
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        // 43 characters hold 258 bits; the last character's two low bits must be zero.
        && b.last().is_some_and(|&c| b"AEIMQUYcgkosw048".contains(&c))
}

/// The JWK thumbprint of RFC 7638 §3 with SHA-256: the key's required members (§3.2; for an
/// EC key `crv`, `kty`, `x`, `y`; for RSA `e`, `kty`, `n`), all strings, serialized in the
/// lexicographic order of their names (§3.3) without whitespace, hashed, in base64url.
pub fn jwk_thumbprint(required: &[(&str, &str)]) -> String {
    let mut members: alloc::vec::Vec<&(&str, &str)> = required.iter().collect();
    // Member names are ASCII here, so byte order is the Unicode code point order of §3.3.
    members.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut json = String::from("{");
    for (i, (name, value)) in members.into_iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        write_string(&mut json, name);
        json.push(':');
        write_string(&mut json, value);
    }
    json.push('}');
    base64url(&Sha256::digest(json.as_bytes()))
}

/// `ath`: the base64url SHA-256 of the access token's ASCII octets (RFC 9449 §4.2).
pub fn ath(access_token: &str) -> String {
    crate::core::pkce::s256(access_token)
}

/// The URL split for `htu` and origins: lower-case scheme and host, the port without a
/// default value, the path (`/` when empty).
struct Target<'a> {
    https: bool,
    host: &'a str,
    port: Option<u32>,
    path: &'a str,
}

fn target(url_text: &str) -> Result<Target<'_>, Error> {
    let parts = url::parse("the DPoP target URL", url_text)
        .map_err(|e| Error::new(ErrorCode::InvalidArgument, String::from(e.message())))?;
    // `base` is `scheme://authority/path`; `parse` checked the scheme and refused user
    // information, so the authority is the host and maybe a port.
    let rest = parts
        .base
        .get(if parts.https { 8 } else { 7 }..)
        .unwrap_or("");
    let (authority, path) = match rest.bytes().position(|b| b == b'/') {
        Some(i) => (rest.get(..i).unwrap_or(""), rest.get(i..).unwrap_or("")),
        None => (rest, ""),
    };
    let port_text = authority.get(parts.host.len()..).unwrap_or("");
    let port = match port_text.strip_prefix(':') {
        // `parse` checked it is 1 to 5 digits.
        Some(p) if !p.is_empty() => {
            let n = p.bytes().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
            // RFC 3986 §6.2.3: the scheme's default port is left out.
            Some(n).filter(|&n| n != if parts.https { 443 } else { 80 })
        }
        _ => None,
    };
    Ok(Target {
        https: parts.https,
        host: parts.host,
        port,
        path: if path.is_empty() { "/" } else { path },
    })
}

fn push_origin(out: &mut String, t: &Target<'_>) {
    out.push_str(if t.https { "https://" } else { "http://" });
    for b in t.host.bytes() {
        out.push(char::from(b.to_ascii_lowercase()));
    }
    if let Some(p) = t.port {
        out.push(':');
        push_u64(out, u64::from(p));
    }
}

/// `htu` (RFC 9449 §4.2): the request's URL without query and fragment, normalized as §4.3
/// compares it (RFC 3986 §6.2.2 and §6.2.3): scheme and host in lower case, the scheme's
/// default port left out, an empty path as `/`, percent-encoded unreserved characters
/// decoded and the hex digits of the remaining percent-encodings in upper case.
pub fn htu(url_text: &str) -> Result<String, Error> {
    let t = target(url_text)?;
    let mut out = String::with_capacity(url_text.len());
    push_origin(&mut out, &t);
    let p = t.path.as_bytes();
    let mut i = 0;
    while let Some(&b) = p.get(i) {
        let hex = |j: usize| p.get(j).and_then(|&c| char::from(c).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                let c = (h << 4 | l) as u8;
                if c.is_ascii_alphanumeric() || b"-._~".contains(&c) {
                    out.push(char::from(c));
                } else {
                    out.push('%');
                    for d in [h, l] {
                        out.push(char::from(b"0123456789ABCDEF"[(d & 15) as usize]));
                    }
                }
                i += 3;
            }
            _ => {
                // ASCII here (a `%` alone, or any other byte): UTF-8 sequences are copied
                // whole, byte by byte, so `out` stays valid.
                let end = i + t
                    .path
                    .get(i..)
                    .and_then(|s| s.chars().next())
                    .map_or(1, char::len_utf8);
                out.push_str(t.path.get(i..end).unwrap_or(""));
                i = end;
            }
        }
    }
    Ok(out)
}

/// The origin (`scheme://host[:port]`, normalized as [`htu`]) whose `DPoP-Nonce` applies to
/// a request to `url_text`: a server's nonce is remembered per origin (RFC 9449 §8, §9 leave
/// its scope to the server; an origin is what one server answers for).
pub fn origin(url_text: &str) -> Result<String, Error> {
    let t = target(url_text)?;
    let mut out = String::new();
    push_origin(&mut out, &t);
    Ok(out)
}

/// A `DPoP-Nonce` header value is usable: `nonce = 1*NQCHAR`, NQCHAR = `%x21 / %x23-5B /
/// %x5D-7E` (RFC 9449 §8.1). Another value is ignored, never echoed.
pub fn nonce_ok(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

/// What a proof is for.
#[derive(Clone, Copy, Debug)]
pub struct Claims<'a> {
    /// The request's method, e.g. `POST` (a token) token, RFC 9110 §9.1).
    pub htm: &'a str,
    /// The request's URL; `htu` is made from it with [`htu`].
    pub url: &'a str,
    /// The time of creation, in seconds since the epoch.
    pub iat: u64,
    /// Random octets for `jti` (RFC 9449 §4.2: unique per proof); 16 or more.
    pub jti: &'a [u8],
    /// The server's last `DPoP-Nonce` for this origin (§8, §9), if any.
    pub nonce: Option<&'a str>,
    /// The access token a resource request presents: the proof then carries its `ath` (§7.1).
    pub access_token: Option<&'a str>,
}

/// The JWS signing input of a DPoP proof (RFC 7515 §5.1 steps 1-6): `BASE64URL(header) "."
/// BASE64URL(claims)`, header `{"typ":"dpop+jwt","alg":"ES256","jwk":{...}}` and claims
/// `jti`, `htm`, `htu`, `iat`, then `ath` and `nonce` when given (RFC 9449 §4.2).
pub fn signing_input(key: &PublicKey<'_>, c: &Claims<'_>) -> Result<String, Error> {
    let bad = |m: &'static str| Err(Error::new(ErrorCode::InvalidArgument, m));
    // RFC 9110 §9.1: a method is a token.
    if c.htm.is_empty() || !c.htm.bytes().all(tchar) {
        return bad("the DPoP proof's method must be an HTTP method token");
    }
    if c.jti.len() < 16 {
        return bad("a DPoP proof's jti needs 16 or more random octets");
    }
    if c.nonce.is_some_and(|n| !nonce_ok(n)) {
        return bad(
            "a DPoP nonce must be printable ASCII without space, '\"' or '\\' (RFC 9449 §8.1)",
        );
    }
    let mut header = ObjectWriter::new();
    header
        .string("typ", TYP)
        .string("alg", ALG)
        .raw("jwk", &key.jwk());
    let mut claims = ObjectWriter::new();
    claims
        .string("jti", &base64url(c.jti))
        .string("htm", c.htm)
        .string("htu", &htu(c.url)?)
        .uint("iat", c.iat)
        .opt_string("ath", c.access_token.map(ath).as_deref())
        .opt_string("nonce", c.nonce);
    let mut out = base64url(header.finish().as_bytes());
    out.push('.');
    out.push_str(&base64url(claims.finish().as_bytes()));
    Ok(out)
}

/// The compact proof: the signing input, `.`, the base64url signature (`r || s`, 64 octets).
/// For Rust callers; the browser layer joins the two in js/dpop.js (one wasm export fewer).
pub fn compact(signing_input: &str, signature: &[u8]) -> Result<String, Error> {
    if signature.len() != 64 {
        return Err(Error::new(
            ErrorCode::DpopError,
            "an ES256 signature is 64 octets (r || s, RFC 7518 §3.4)",
        ));
    }
    let mut out = String::from(signing_input);
    out.push('.');
    out.push_str(&base64url(signature));
    Ok(out)
}

/// RFC 9110 §5.6.2 `tchar`.
fn tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether an answer asks for the request again with a fresh nonce (RFC 9449 §8 for the token
/// endpoint: 400 with `"error":"use_dpop_nonce"`; §9 for a resource server: 401 with a `DPoP`
/// challenge whose `error` is `use_dpop_nonce`). `fresh_nonce`: the answer carried a usable
/// `DPoP-Nonce` (without one, a second try would send the same proof again). `retried`: this
/// answer is to the request sent again already; there is one retry per request, so a second
/// challenge is the answer.
pub fn nonce_retry(
    status: u16,
    body: &str,
    www_authenticate: Option<&str>,
    fresh_nonce: bool,
    retried: bool,
) -> bool {
    fresh_nonce
        && !retried
        && match status {
            400 => Json::parse(body)
                .and_then(|j| {
                    j.get("error")
                        .and_then(Json::as_str)
                        .map(|e| e == USE_DPOP_NONCE)
                })
                .unwrap_or(false),
            401 => www_authenticate
                .and_then(|h| challenge_param(h, TOKEN_TYPE, "error"))
                .is_some_and(|e| e == USE_DPOP_NONCE),
            _ => false,
        }
}

/// The value of parameter `param` of the first challenge with scheme `scheme` in a
/// `WWW-Authenticate` header (RFC 9110 §11.6.1: `challenge = auth-scheme [ 1*SP ( token68 /
/// #auth-param ) ]`, challenges and parameters separated by commas; scheme and parameter
/// names case-insensitive; values a token or a quoted-string).
pub fn challenge_param(header: &str, scheme: &str, param: &str) -> Option<String> {
    let mut s = Scanner { s: header, i: 0 };
    let mut in_wanted = false;
    loop {
        s.skip(|b| b == b' ' || b == b'\t' || b == b',');
        let name = s.token()?;
        s.skip(|b| b == b' ' || b == b'\t');
        if s.peek() == Some(b'=') && !s.token68_end() {
            // A parameter of the current challenge.
            s.i += 1;
            s.skip(|b| b == b' ' || b == b'\t');
            let value = if s.peek() == Some(b'"') {
                s.quoted()?
            } else {
                String::from(s.token()?)
            };
            if in_wanted && name.eq_ignore_ascii_case(param) {
                return Some(value);
            }
        } else {
            // A new challenge: `name` is its scheme; a token68 may follow.
            in_wanted = name.eq_ignore_ascii_case(scheme);
            let start = s.i;
            let t = s.token();
            if t.is_some() {
                s.skip(|b| b == b' ' || b == b'\t');
                if s.peek() == Some(b'=') && !s.token68_end() {
                    s.i = start; // a parameter after all: read it on the next turn
                } else {
                    s.skip(|b| b == b'=');
                }
            }
        }
        if s.i >= s.s.len() {
            return None;
        }
    }
}

struct Scanner<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }
    fn skip(&mut self, f: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&f) {
            self.i += 1;
        }
    }
    /// A token (token68 characters included: `/` and `=` aside, they are `tchar`s too). Its
    /// bytes are ASCII, so the slice ends on character boundaries.
    fn token(&mut self) -> Option<&'a str> {
        let start = self.i;
        self.skip(|b| tchar(b) || b == b'/');
        self.s.get(start..self.i).filter(|t| !t.is_empty())
    }
    /// At a `=` that ends a token68 (`=` padding up to a comma or the end), not a parameter's.
    fn token68_end(&self) -> bool {
        let b = self.s.as_bytes();
        let mut j = self.i;
        while b.get(j) == Some(&b'=') {
            j += 1;
        }
        while matches!(b.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        j - self.i > 1 || matches!(b.get(j), None | Some(b','))
    }
    /// A quoted-string (RFC 9110 §5.6.4), unescaped. The pieces between escapes start and end
    /// next to ASCII bytes, so they are whole characters.
    fn quoted(&mut self) -> Option<String> {
        self.i += 1;
        let mut out = String::new();
        let mut run = self.i;
        loop {
            let b = self.peek()?;
            match b {
                b'"' | b'\\' => {
                    out.push_str(self.s.get(run..self.i)?);
                    self.i += 1;
                    if b == b'"' {
                        return Some(out);
                    }
                    // The escaped character starts the next piece.
                    run = self.i;
                    self.peek()?;
                    self.i += 1;
                }
                _ => self.i += 1,
            }
        }
    }
}

/// The `token_type` rule of RFC 9449 §5 for a token response whose request carried a proof:
/// the type must be `DPoP` (compared case-insensitively, as RFC 6749 §5.1 token types are);
/// anything else, `Bearer` or none, means the token is not bound to the key, and the answer is
/// refused (`dpop_error`) instead of holding a Bearer token the app did not ask for. Without a
/// proof, core::token's rules apply (`Bearer` only).
pub fn bound_token_type(given: Option<&str>) -> Result<&'static str, Error> {
    match given {
        Some(t) if t.eq_ignore_ascii_case(TOKEN_TYPE) => Ok(TOKEN_TYPE),
        _ => Err(Error::new(
            ErrorCode::DpopError,
            "the token response's \"token_type\" is not DPoP although the request carried a DPoP proof: the token is not bound to the key (RFC 9449 §5)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 9449 §4.1 Figure 2's key (also §6.1, §7.1).
    const X: &str = "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs";
    const Y: &str = "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA";

    fn decode(b64: &str) -> String {
        use base64::Engine;
        String::from_utf8(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(b64)
                .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn rfc7638_section_3_1_example() {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        // Given in any order: the thumbprint sorts the members.
        assert_eq!(
            jwk_thumbprint(&[("kty", "RSA"), ("n", n), ("e", "AQAB")]),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn rfc9449_jkt_and_ath() {
        // §6.1 Figure 9: the jkt of the §4.1 key.
        let key = PublicKey::new(X, Y).unwrap();
        assert_eq!(
            key.thumbprint(),
            "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
        );
        // The same as RFC 7638 §3's generic form, given the members in another order.
        assert_eq!(
            key.thumbprint(),
            jwk_thumbprint(&[("y", Y), ("x", X), ("kty", "EC"), ("crv", "P-256")])
        );
        // §7.1 Figures 12 and 14: the access token and the proof's ath.
        assert_eq!(
            ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }

    #[test]
    fn rfc9449_section_4_1_header() {
        // The first part of Figure 2's proof is exactly this header (Figure 3), in this order.
        let fig2_header = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19";
        let key = PublicKey::new(X, Y).unwrap();
        let input = signing_input(
            &key,
            &Claims {
                htm: "POST",
                url: "https://server.example.com/token",
                iat: 1562262616,
                jti: &[7; 16],
                nonce: None,
                access_token: None,
            },
        )
        .unwrap();
        let (header, claims) = input.split_once('.').unwrap();
        assert_eq!(header, fig2_header);
        assert_eq!(
            decode(claims),
            r#"{"jti":"BwcHBwcHBwcHBwcHBwcHBw","htm":"POST","htu":"https://server.example.com/token","iat":1562262616}"#
        );
    }

    #[test]
    fn resource_proof_claims() {
        let key = PublicKey::new(X, Y).unwrap();
        let input = signing_input(
            &key,
            &Claims {
                htm: "GET",
                url: "https://Resource.Example.org:443/protectedresource?x=1#f",
                iat: 1562262618,
                jti: &[0; 16],
                nonce: Some("eyJ7S_zG.eyJH0-Z.HX4w-7v"),
                access_token: Some("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            },
        )
        .unwrap();
        let claims = decode(input.split_once('.').unwrap().1);
        assert_eq!(
            claims,
            r#"{"jti":"AAAAAAAAAAAAAAAAAAAAAA","htm":"GET","htu":"https://resource.example.org/protectedresource","iat":1562262618,"ath":"fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo","nonce":"eyJ7S_zG.eyJH0-Z.HX4w-7v"}"#
        );
    }

    #[test]
    fn compact_form() {
        let p = compact("a.b", &[0xff; 64]).unwrap();
        assert_eq!(p.len(), 3 + 1 + 86);
        assert!(p.starts_with("a.b.__"));
        assert_eq!(
            compact("a.b", &[0; 70]).unwrap_err().code(),
            ErrorCode::DpopError
        );
    }

    #[test]
    fn bad_claims_are_refused() {
        let key = PublicKey::new(X, Y).unwrap();
        let ok = Claims {
            htm: "POST",
            url: "https://as.example/token",
            iat: 1,
            jti: &[1; 16],
            nonce: None,
            access_token: None,
        };
        assert!(signing_input(&key, &ok).is_ok());
        for c in [
            Claims { htm: "", ..ok },
            Claims { htm: "PO ST", ..ok },
            Claims {
                jti: &[1; 15],
                ..ok
            },
            Claims {
                nonce: Some("a b"),
                ..ok
            },
            Claims {
                nonce: Some(""),
                ..ok
            },
            Claims {
                url: "/token",
                ..ok
            },
            Claims {
                url: "ftp://as.example/token",
                ..ok
            },
        ] {
            let e = signing_input(&key, &c).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidArgument, "{c:?}");
        }
        for (x, y) in [
            ("", Y),
            (X, "short"),
            // 43 characters whose last one carries bits past 256.
            ("l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFt", Y),
            ("l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBF+", Y),
        ] {
            assert_eq!(
                PublicKey::new(x, y).unwrap_err().code(),
                ErrorCode::DpopError
            );
        }
    }

    #[test]
    fn htu_normalization() {
        let cases = [
            // §4.2: no query, no fragment.
            ("https://as.example/token?a=b#c", "https://as.example/token"),
            // RFC 3986 §6.2.2.1: case of scheme and host; hex digits upper case.
            ("HTTPS://AS.Example/A%2fb", "https://as.example/A%2Fb"),
            // §6.2.2.2: unreserved characters decoded.
            (
                "https://as.example/%7Euser/%41%2D%5f",
                "https://as.example/~user/A-_",
            ),
            // §6.2.3: default port and empty path.
            ("https://as.example:443", "https://as.example/"),
            ("http://127.0.0.1:80/t", "http://127.0.0.1/t"),
            ("http://localhost:8080/t", "http://localhost:8080/t"),
            ("https://as.example:0443/t", "https://as.example/t"),
            ("https://as.example:8443/t", "https://as.example:8443/t"),
            ("https://as.example:/t", "https://as.example/t"),
            ("http://[::1]:3000/t", "http://[::1]:3000/t"),
            // A lone `%` and non-ASCII stay as they are.
            ("https://as.example/a%zz/é", "https://as.example/a%zz/é"),
        ];
        for (input, want) in cases {
            assert_eq!(htu(input).unwrap(), want, "{input}");
        }
        assert_eq!(
            origin("HTTPS://AS.example:443/x?y").unwrap(),
            "https://as.example"
        );
        assert_eq!(
            origin("http://localhost:8080/").unwrap(),
            "http://localhost:8080"
        );
        for bad in [
            "",
            "/token",
            "https://u@as.example/t",
            "https://as.example/a/../t",
        ] {
            assert_eq!(
                htu(bad).unwrap_err().code(),
                ErrorCode::InvalidArgument,
                "{bad}"
            );
        }
    }

    #[test]
    fn nonce_syntax() {
        assert!(nonce_ok("eyJ7S_zG.eyJH0-Z.HX4w-7v"));
        assert!(nonce_ok("!#[]~"));
        for bad in ["", "a b", "a\"b", "a\\b", "é", "a\tb"] {
            assert!(!nonce_ok(bad), "{bad}");
        }
    }

    #[test]
    fn nonce_challenges() {
        let token = r#"{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof"}"#;
        assert!(nonce_retry(400, token, None, true, false));
        // One retry per request: the answer to the retry is final.
        assert!(!nonce_retry(400, token, None, true, true));
        assert!(!nonce_retry(400, token, None, false, false));
        assert!(!nonce_retry(
            400,
            r#"{"error":"invalid_dpop_proof"}"#,
            None,
            true,
            false
        ));
        assert!(!nonce_retry(401, token, None, true, false));
        assert!(!nonce_retry(400, "not json", None, true, false));
        // §9 Figure 20.
        let h = r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#;
        assert!(nonce_retry(401, "", Some(h), true, false));
        assert!(!nonce_retry(401, "", Some(h), true, true));
        assert!(!nonce_retry(403, "", Some(h), true, false));
        assert!(!nonce_retry(401, "", Some(h), false, false));
        assert!(!nonce_retry(
            401,
            "",
            Some(r#"Bearer error="use_dpop_nonce""#),
            true,
            false
        ));
        assert!(!nonce_retry(
            401,
            "",
            Some(r#"DPoP error="invalid_token""#),
            true,
            false
        ));
        assert!(!nonce_retry(401, "", None, true, false));
    }

    #[test]
    fn www_authenticate_parsing() {
        let h =
            r#"Basic realm="a, b", Bearer abc==, dpop algs="ES256 PS256", ERROR=use_dpop_nonce"#;
        assert_eq!(
            challenge_param(h, "DPoP", "error").as_deref(),
            Some("use_dpop_nonce")
        );
        assert_eq!(
            challenge_param(h, "DPoP", "algs").as_deref(),
            Some("ES256 PS256")
        );
        assert_eq!(
            challenge_param(h, "Basic", "realm").as_deref(),
            Some("a, b")
        );
        assert_eq!(challenge_param(h, "Bearer", "error"), None);
        assert_eq!(challenge_param(h, "Basic", "error"), None);
        let h = r#"Bearer token68==, DPoP error="a\"b""#;
        assert_eq!(challenge_param(h, "DPoP", "error").as_deref(), Some("a\"b"));
        let h = "Newauth, DPoP error=x";
        assert_eq!(challenge_param(h, "DPoP", "error").as_deref(), Some("x"));
        for broken in [
            "",
            ",,,",
            "DPoP error=\"unterminated",
            "DPoP error=",
            "\u{1}",
        ] {
            assert_eq!(challenge_param(broken, "DPoP", "error"), None, "{broken}");
        }
    }

    #[test]
    fn token_type_rules() {
        assert_eq!(bound_token_type(Some("DPoP")).unwrap(), "DPoP");
        assert_eq!(bound_token_type(Some("dpop")).unwrap(), "DPoP");
        for t in [Some("Bearer"), Some("bearer"), Some("mac"), Some(""), None] {
            let e = bound_token_type(t).unwrap_err();
            assert_eq!(e.code(), ErrorCode::DpopError);
            assert!(e.message().contains("RFC 9449 §5"));
        }
    }
}
