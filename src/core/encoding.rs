//! Byte encodings the protocol needs: base64 (RFC 4648 §4 and §5) and
//! `application/x-www-form-urlencoded` (RFC 6749 Appendix B, WHATWG URL §5).
//!
//! Base64 is written out here instead of taken from the `base64` crate: measured in the shipped
//! build, the crate (its `encode_slice`, the cheapest way in) adds 1.5 to 1.9 KB gzip to each
//! entry, 5 to 7 % of the code-flow entry, for what is about twenty lines here (its
//! `Engine::encode` adds 4.6 KB); docs/size.md has the figures. The tests pin these functions
//! to the RFC 4648 vectors and to the crate for every input length from 0 to 299.

use alloc::{string::String, vec::Vec};
const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64(input: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    // `as_chunks`, not `chunks(3)`: the latter's split has a panic path (and its message).
    let (groups, rest) = input.as_chunks::<3>();
    for group in groups {
        quantum(&mut out, group, alphabet, pad);
    }
    if !rest.is_empty() {
        quantum(&mut out, rest, alphabet, pad);
    }
    out
}

/// One to three octets as four characters (padded with `=` when `pad`, else two or three).
fn quantum(out: &mut String, chunk: &[u8], alphabet: &[u8; 64], pad: bool) {
    let at = |i| u32::from(*chunk.get(i).unwrap_or(&0));
    let n = (at(0) << 16) | (at(1) << 8) | at(2);
    let chars = chunk.len() + 1;
    for i in 0..4 {
        if i < chars {
            out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize] as char);
        } else if pad {
            out.push('=');
        }
    }
}

/// Base64 with the standard alphabet and `=` padding (RFC 4648 §4), as HTTP Basic uses.
pub fn base64_std(input: &[u8]) -> String {
    base64(input, STD, true)
}

/// Base64url without padding (RFC 4648 §5, RFC 7636 Appendix A).
pub fn base64url(input: &[u8]) -> String {
    base64(input, URL, false)
}

/// `application/x-www-form-urlencoded` encoding of one name or value: ASCII alphanumerics and
/// `*-._` stay, space becomes `+`, every other byte of the UTF-8 form becomes `%XX`.
pub fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    form_encode_into(&mut out, value);
    out
}

pub(crate) fn form_encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in value.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
}

/// Decodes one form-urlencoded name or value: `+` is a space, `%XX` a byte; a `%` not followed
/// by two hex digits stays as it is (WHATWG URL §5.1); invalid UTF-8 becomes U+FFFD.
pub fn form_decode(value: &str) -> String {
    let mut out = Vec::with_capacity(value.len());
    let mut bytes = value.as_bytes().iter();
    while let Some(&b) = bytes.next() {
        let escaped = match (b, bytes.as_slice()) {
            (b'%', [h, l, ..]) => hex(*h).zip(hex(*l)).map(|(h, l)| h << 4 | l),
            _ => None,
        };
        let octet = match escaped {
            Some(e) => {
                bytes.nth(1);
                e
            }
            None if b == b'+' => b' ',
            None => b,
        };
        // (Not `Vec::push`: its own copy of the growth code for `u8`.)
        out.extend_from_slice(&[octet]);
    }
    // Like `String::from_utf8_lossy`: each invalid sequence becomes U+FFFD.
    let mut text = String::with_capacity(out.len());
    for chunk in out.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            text.push('\u{FFFD}');
        }
    }
    text
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Splits a query or fragment (without its leading `?`/`#`) into decoded name/value pairs,
/// in order, keeping repeats (the caller decides whether a repeat is an error).
pub fn parse_form(input: &str) -> Vec<(String, String)> {
    // A loop, not filter/map/collect: the collect specialization is larger in wasm.
    let mut out = Vec::new();
    for pair in pieces(input, b'&') {
        if pair.is_empty() {
            continue;
        }
        let (n, v) = split_once_at(pair, b'=').unwrap_or((pair, ""));
        out.push((form_decode(n), form_decode(v)));
    }
    out
}

/// `s` split around the first `sep` (an ASCII byte): `str::split_once` without the generic
/// char searcher (smaller in wasm).
pub(crate) fn split_once_at(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == sep)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// The pieces of `s` between `sep` bytes (an ASCII byte), empty ones included: `str::split`
/// without the generic char searcher.
pub(crate) fn pieces(s: &str, sep: u8) -> Pieces<'_> {
    Pieces { rest: Some(s), sep }
}

/// The iterator of [`pieces`].
pub(crate) struct Pieces<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        match split_once_at(s, self.sep) {
            Some((head, tail)) => {
                self.rest = Some(tail);
                Some(head)
            }
            None => {
                self.rest = None;
                Some(s)
            }
        }
    }
}

/// `s` without trailing `/` (instead of `trim_end_matches`, whose char machinery is larger).
pub(crate) fn trim_slashes(mut s: &str) -> &str {
    while let Some(rest) = s.strip_suffix("/") {
        s = rest;
    }
    s
}

/// `parts` joined into one string (instead of `[..].concat()`, whose generic code is larger).
pub(crate) fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

/// Appends `name=value` pairs, form-encoded and joined with `&`, to `out`. (A slice, not a
/// generic `IntoIterator`: one copy of the loop, and no consuming iterator to drop.)
pub(crate) fn append_pairs(out: &mut String, pairs: &[(&str, &str)]) {
    for &(name, value) in pairs {
        append_pair(out, name, value);
    }
}

/// One `name=value` of [`append_pairs`].
pub(crate) fn append_pair(out: &mut String, name: &str, value: &str) {
    if !out.is_empty() && !out.ends_with('?') && !out.ends_with('&') {
        out.push('&');
    }
    form_encode_into(out, name);
    out.push('=');
    form_encode_into(out, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_section10_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64_std(plain.as_bytes()), encoded);
            assert_eq!(base64url(plain.as_bytes()), encoded.trim_end_matches('='));
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64_std(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn same_as_the_base64_crate_for_every_length() {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        use base64::Engine as _;
        let data: Vec<u8> = (0..300u32).map(|i| (i * 167 + 11) as u8).collect();
        for n in 0..data.len() {
            assert_eq!(
                base64_std(&data[..n]),
                STANDARD.encode(&data[..n]),
                "length {n}"
            );
            assert_eq!(
                base64url(&data[..n]),
                URL_SAFE_NO_PAD.encode(&data[..n]),
                "length {n}"
            );
        }
    }

    #[test]
    fn rfc6749_appendix_b_vector() {
        assert_eq!(form_encode(" %&+£€"), "+%25%26%2B%C2%A3%E2%82%AC");
        assert_eq!(form_decode("+%25%26%2B%C2%A3%E2%82%AC"), " %&+£€");
    }

    #[test]
    fn rfc9207_iss_vector() {
        assert_eq!(
            form_decode("https%3A%2F%2Fhonest.as.example"),
            "https://honest.as.example"
        );
    }

    #[test]
    fn decode_keeps_broken_escapes_and_replaces_bad_utf8() {
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz%4"), "%zz%4");
        assert_eq!(form_decode("%41%"), "A%");
        assert_eq!(form_decode("%FF"), "\u{FFFD}");
    }

    #[test]
    fn parse_form_keeps_order_and_repeats() {
        let p = parse_form("a=1&b=&c&a=2&&d=x%3Dy");
        assert_eq!(
            p,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "".into()),
                ("c".into(), "".into()),
                ("a".into(), "2".into()),
                ("d".into(), "x=y".into()),
            ]
        );
    }

    #[test]
    fn append_pairs_joins() {
        let mut s = String::from("https://as.example/authorize?");
        append_pairs(&mut s, &[("a b", "c&d"), ("e", "~")]);
        assert_eq!(s, "https://as.example/authorize?a+b=c%26d&e=%7E");
        let mut body = String::new();
        append_pairs(&mut body, &[("x", "1"), ("y", "2")]);
        assert_eq!(body, "x=1&y=2");
    }
}
