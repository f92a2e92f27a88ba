//! Base64 (RFC 4648): the standard alphabet with padding for HTTP Basic (RFC 7617), and the
//! URL-safe alphabet without padding for PKCE challenges (RFC 7636 §3) and opaque tokens.

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn encode_with(alphabet: &[u8; 64], input: &[u8], pad: bool) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextets = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        let used = chunk.len() + 1;
        for (i, s) in sextets.iter().enumerate() {
            if i < used {
                out.push(char::from(alphabet[*s as usize]));
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

/// RFC 4648 §4 encoding with `=` padding (what a client puts in `Authorization: Basic`).
#[cfg(test)]
pub fn encode_standard(input: &[u8]) -> String {
    encode_with(STANDARD, input, true)
}

/// RFC 4648 §5 encoding without padding (RFC 7636 Appendix A).
pub fn encode_url_safe(input: &[u8]) -> String {
    encode_with(URL_SAFE, input, false)
}

/// Strict RFC 4648 §5 decoding without padding (JWS, RFC 7515 §2): URL-safe alphabet, unused
/// bits zero. Returns `None` for anything else.
pub fn decode_url_safe(input: &str) -> Option<Vec<u8>> {
    if input.len() % 4 == 1 || input.contains(['+', '/', '=']) {
        return None;
    }
    let mut standard: String = input
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !standard.len().is_multiple_of(4) {
        standard.push('=');
    }
    decode_standard(&standard)
}

/// Strict RFC 4648 §4 decoding: standard alphabet, length a multiple of four, padding only at
/// the end, unused bits zero. Returns `None` for anything else.
pub fn decode_standard(input: &str) -> Option<Vec<u8>> {
    let bytes = input.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let pad = bytes.iter().rev().take_while(|&&c| c == b'=').count();
    if pad > 2 {
        return None;
    }
    let body = &bytes[..bytes.len() - pad];
    let mut values = Vec::with_capacity(body.len());
    for &c in body {
        let v = STANDARD.iter().position(|&a| a == c)?;
        values.push(v as u32);
    }
    let mut out = Vec::with_capacity(body.len() / 4 * 3);
    for group in values.chunks(4) {
        let mut n = 0u32;
        for (i, v) in group.iter().enumerate() {
            n |= v << (18 - 6 * i);
        }
        let produced = match group.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        // Unused low bits of the last group must be zero (canonical encoding).
        let unused_mask = match produced {
            2 => 0xFF,
            1 => 0xFFFF,
            _ => 0,
        };
        if n & unused_mask != 0 {
            return None;
        }
        for i in 0..produced {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
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
            assert_eq!(encode_standard(plain.as_bytes()), encoded);
            assert_eq!(decode_standard(encoded).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn url_safe_has_no_padding_and_uses_dash_underscore() {
        assert_eq!(encode_url_safe(&[0xfb, 0xff]), "-_8");
        assert_eq!(encode_standard(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn url_safe_decoding() {
        assert_eq!(decode_url_safe("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(decode_url_safe("").unwrap(), b"");
        assert_eq!(decode_url_safe("Zm9vYg").unwrap(), b"foob");
        assert_eq!(decode_url_safe("Zm9vYg=="), None); // padding
        assert_eq!(decode_url_safe("+/8"), None); // standard alphabet
        assert_eq!(decode_url_safe("Zh"), None); // non-zero unused bits
        assert_eq!(decode_url_safe("Zm9vY"), None); // impossible length
    }

    #[test]
    fn rejects_non_canonical_input() {
        assert_eq!(decode_standard("Zg="), None); // length not a multiple of 4
        assert_eq!(decode_standard("Zh=="), None); // non-zero unused bits
        assert_eq!(decode_standard("Z==="), None); // too much padding
        assert_eq!(decode_standard("Zm9v-_=="), None); // URL-safe alphabet
        assert_eq!(decode_standard("Zg==Zg=="), None); // padding in the middle
    }
}
