//! `application/x-www-form-urlencoded` (RFC 6749 Appendix B, WHATWG URL §5): decoding of query
//! strings and bodies, encoding of redirect parameters, and detection of repeated parameters
//! (RFC 6749 §3.1, §3.2: "parameters MUST NOT be included more than once").

use std::fmt;

/// A malformed percent-escape or a sequence that is not UTF-8.
#[derive(Debug, PartialEq, Eq)]
pub struct FormError;

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("malformed application/x-www-form-urlencoded data")
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn percent_decode(input: &str, plus_is_space: bool) -> Result<String, FormError> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' => {
                let hi = bytes.get(i + 1).copied().and_then(hex).ok_or(FormError)?;
                let lo = bytes.get(i + 2).copied().and_then(hex).ok_or(FormError)?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| FormError)
}

/// Decodes one form component: `+` is a space, `%XX` a byte; the result must be UTF-8.
pub fn decode_component(input: &str) -> Result<String, FormError> {
    percent_decode(input, true)
}

/// Decodes a URL path segment: `%XX` only (`+` stays a plus sign).
pub fn decode_path(input: &str) -> Result<String, FormError> {
    percent_decode(input, false)
}

/// Encodes one form component: ASCII alphanumerics and `*-._` stay, space becomes `+`, every
/// other byte of the UTF-8 encoding becomes `%XX` (upper-case hex).
pub fn encode_component(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for &b in input.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Serializes name/value pairs as a form string.
pub fn serialize(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Decoded parameters, in order, repeats kept so they can be refused.
#[derive(Debug, Default, Clone)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Builds parameters from already decoded pairs (for example a JSON object's members).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Params { pairs }
    }

    /// Parses a query string or form body. Empty `&`-separated pieces are skipped; a piece
    /// without `=` is a name with an empty value.
    pub fn parse(input: &str) -> Result<Self, FormError> {
        let mut pairs = Vec::new();
        for piece in input.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            pairs.push((decode_component(name)?, decode_component(value)?));
        }
        Ok(Params { pairs })
    }

    /// The value of `name`. RFC 6749 §3.1: "Parameters sent without a value MUST be treated as
    /// if they were omitted", so an empty value is `None`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Whether `name` occurs at all, even with an empty value.
    #[cfg(test)]
    pub fn contains(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    /// How many times `name` occurs, empty values included.
    pub fn count(&self, name: &str) -> usize {
        self.pairs.iter().filter(|(k, _)| k == name).count()
    }

    /// The first parameter name that occurs more than once (RFC 6749 §3.1, §3.2).
    pub fn repeated(&self) -> Option<&str> {
        self.pairs.iter().enumerate().find_map(|(i, (k, _))| {
            self.pairs[..i]
                .iter()
                .any(|(earlier, _)| earlier == k)
                .then_some(k.as_str())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6749 Appendix B: `" %&+£€"` is encoded as `+%25%26%2B%C2%A3%E2%82%AC`.
    #[test]
    fn rfc6749_appendix_b_vector() {
        assert_eq!(encode_component(" %&+£€"), "+%25%26%2B%C2%A3%E2%82%AC");
        assert_eq!(
            decode_component("+%25%26%2B%C2%A3%E2%82%AC").unwrap(),
            " %&+£€"
        );
    }

    /// RFC 9207 §2.1 example.
    #[test]
    fn rfc9207_iss_vector() {
        let p = Params::parse("code=x&iss=https%3A%2F%2Fhonest.as.example").unwrap();
        assert_eq!(p.get("iss"), Some("https://honest.as.example"));
    }

    #[test]
    fn lowercase_hex_and_unreserved_pass_through() {
        assert_eq!(decode_component("a%2fb%2Bc*-._~").unwrap(), "a/b+c*-._~");
        assert_eq!(encode_component("a/b~"), "a%2Fb%7E");
    }

    #[test]
    fn malformed_escapes_and_bad_utf8_are_errors() {
        assert_eq!(decode_component("%"), Err(FormError));
        assert_eq!(decode_component("%4"), Err(FormError));
        assert_eq!(decode_component("%zz"), Err(FormError));
        assert_eq!(decode_component("%C3"), Err(FormError));
        assert!(Params::parse("a=%ff").is_err());
    }

    #[test]
    fn path_decoding_keeps_plus() {
        assert_eq!(decode_path("a+b%20c").unwrap(), "a+b c");
    }

    #[test]
    fn empty_values_count_as_omitted_but_repeats_are_seen() {
        let p = Params::parse("scope=&state=abc&&flag&state=def").unwrap();
        assert_eq!(p.get("scope"), None);
        assert!(p.contains("scope"));
        assert_eq!(p.get("flag"), None);
        assert_eq!(p.get("state"), Some("abc"));
        assert_eq!(p.repeated(), Some("state"));
        assert_eq!(p.count("state"), 2);
        assert_eq!(p.count("scope"), 1);
        assert_eq!(p.count("nope"), 0);
        assert_eq!(Params::parse("a=1&b=2").unwrap().repeated(), None);
    }

    #[test]
    fn serialize_round_trips() {
        let s = serialize(&[("state", "a b&c"), ("error_description", "x+y")]);
        assert_eq!(s, "state=a+b%26c&error_description=x%2By");
        let p = Params::parse(&s).unwrap();
        assert_eq!(p.get("state"), Some("a b&c"));
        assert_eq!(p.get("error_description"), Some("x+y"));
    }
}
