//! PKCE, RFC 7636: code verifier (§4.1) and S256 code challenge (§4.2).
//!
//! SHA-256 (the `sha2` crate) runs in Rust, not in `crypto.subtle`, so it works synchronously
//! and on pages that are not secure contexts (plain http on a LAN address), where
//! `crypto.subtle` is undefined.

use crate::core::encoding::base64url;
use crate::core::error::{Error, ErrorCode};
use crate::core::secret::Secret;
use alloc::string::String;
use sha2::{Digest, Sha256};

/// The only challenge method this crate sends. `plain` is never used (RFC 7636 §7.2), and
/// Ellipsis Drive defaults to `plain` when the method is omitted, so it is always sent.
pub const CODE_CHALLENGE_METHOD: &str = "S256";

/// A PKCE code verifier (RFC 7636 §4.1). Deliberately not `Clone`: one verifier, one login.
pub struct PkceVerifier(Secret);

impl PkceVerifier {
    /// A verifier from 32 random octets: their base64url form, 43 characters (RFC 7636 §4.1).
    pub fn from_random(octets: &[u8; 32]) -> Self {
        PkceVerifier(Secret::new(base64url(octets)))
    }

    /// Accepts an existing verifier after checking it against RFC 7636 §4.1.
    pub fn new(verifier: impl Into<String>) -> Result<Self, Error> {
        let verifier = verifier.into();
        check_verifier(&verifier)?;
        Ok(PkceVerifier(Secret::new(verifier)))
    }

    /// The S256 challenge: BASE64URL(SHA256(ASCII(verifier))), no padding (RFC 7636 §4.2).
    pub fn challenge(&self) -> String {
        s256(self.0.expose())
    }

    /// The verifier's value, for the token request.
    pub fn secret(&self) -> &str {
        self.0.expose()
    }

    /// The verifier's value, consuming the wrapper.
    pub fn into_secret(self) -> Secret {
        self.0
    }
}

impl core::fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PkceVerifier([redacted])")
    }
}

/// Checks RFC 7636 §4.1: `code-verifier = 43*128unreserved`, unreserved = `[A-Za-z0-9-._~]`.
pub fn check_verifier(verifier: &str) -> Result<(), Error> {
    let len = verifier.len();
    if !(43..=128).contains(&len) {
        return Err(Error::new(
            ErrorCode::InvalidVerifier,
            "code verifier must be 43 to 128 characters long (RFC 7636 §4.1)",
        ));
    }
    if !verifier.bytes().all(is_unreserved) {
        return Err(Error::new(
            ErrorCode::InvalidVerifier,
            "code verifier may only contain A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)",
        ));
    }
    Ok(())
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// The S256 code challenge of a verifier that has been checked, or an error naming the rule
/// it breaks.
pub fn code_challenge_s256(verifier: &str) -> Result<String, Error> {
    check_verifier(verifier)?;
    Ok(s256(verifier))
}

/// BASE64URL(SHA256(ASCII(`input`))), no padding: the S256 challenge (RFC 7636 §4.2), also
/// DPoP's `ath` (RFC 9449 §4.2).
pub(crate) fn s256(verifier: &str) -> String {
    base64url(&Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC7636_OCTETS: [u8; 32] = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37,
        77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];

    #[test]
    fn rfc7636_appendix_b() {
        let v = PkceVerifier::from_random(&RFC7636_OCTETS);
        assert_eq!(v.secret(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(v.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(
            code_challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    fn hex(d: &[u8]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The SHA-256 examples of FIPS 180-2 Appendix B (one block, two blocks) and the empty
    /// message, through the SHA-256 that `s256` uses.
    #[test]
    fn fips_180_2_sha256_vectors() {
        for (message, digest) in [
            (
                &b""[..],
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (
                b"abc",
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
            (
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            ),
        ] {
            assert_eq!(hex(&Sha256::digest(message)), digest);
        }
    }

    #[test]
    fn verifier_bounds() {
        assert!(check_verifier(&"a".repeat(43)).is_ok());
        assert!(check_verifier(&"~._-".repeat(32)).is_ok());
        for bad in ["a".repeat(42), "a".repeat(129), String::new()] {
            assert_eq!(
                check_verifier(&bad).unwrap_err().code(),
                ErrorCode::InvalidVerifier
            );
        }
        for bad in [
            format!("{}+", "a".repeat(42)),
            format!("{}=", "a".repeat(42)),
            format!("{} ", "a".repeat(42)),
            format!("{}é", "a".repeat(42)),
        ] {
            let e = code_challenge_s256(&bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidVerifier);
            assert!(!e.message().contains(&bad));
        }
    }

    #[test]
    fn debug_redacts_verifier() {
        let v = PkceVerifier::from_random(&RFC7636_OCTETS);
        assert_eq!(format!("{v:?}"), "PkceVerifier([redacted])");
    }
}
