//! Proof Key for Code Exchange (RFC 7636): challenge methods, format checks, verification.

use sha2::{Digest, Sha256};

use crate::{base64, secret};

/// `code_challenge_method` (RFC 7636 §4.3). Ellipsis Drive defaults to `plain` when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Plain,
    S256,
}

impl Method {
    /// Parses the exact, case-sensitive method name.
    pub fn parse(value: &str) -> Option<Method> {
        match value {
            "plain" => Some(Method::Plain),
            "S256" => Some(Method::S256),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Plain => "plain",
            Method::S256 => "S256",
        }
    }
}

fn is_unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
}

/// RFC 7636 §4.1: `code-verifier = 43*128unreserved`.
pub fn is_valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len()) && verifier.bytes().all(is_unreserved)
}

/// RFC 7636 §4.2: a `plain` challenge is a verifier; an `S256` challenge is the base64url
/// encoding of 32 octets, 43 characters without padding.
pub fn is_valid_challenge(method: Method, challenge: &str) -> bool {
    match method {
        Method::Plain => is_valid_verifier(challenge),
        Method::S256 => {
            challenge.len() == 43
                && challenge
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        }
    }
}

/// RFC 7636 §4.2: `BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))`.
pub fn s256_challenge(verifier: &str) -> String {
    base64::encode_url_safe(&Sha256::digest(verifier.as_bytes()))
}

/// RFC 7636 §4.6: recomputes the challenge from the verifier and compares in constant time.
pub fn verify(method: Method, challenge: &str, verifier: &str) -> bool {
    if !is_valid_verifier(verifier) {
        return false;
    }
    match method {
        Method::Plain => secret::constant_time_eq(challenge.as_bytes(), verifier.as_bytes()),
        Method::S256 => {
            secret::constant_time_eq(challenge.as_bytes(), s256_challenge(verifier).as_bytes())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const APPENDIX_B_OCTETS: [u8; 32] = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37,
        77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];
    const APPENDIX_B_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const APPENDIX_B_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    /// RFC 7636 Appendix B, verbatim.
    #[test]
    fn rfc7636_appendix_b() {
        assert_eq!(
            base64::encode_url_safe(&APPENDIX_B_OCTETS),
            APPENDIX_B_VERIFIER
        );
        assert_eq!(s256_challenge(APPENDIX_B_VERIFIER), APPENDIX_B_CHALLENGE);
        assert!(verify(
            Method::S256,
            APPENDIX_B_CHALLENGE,
            APPENDIX_B_VERIFIER
        ));
        assert!(is_valid_challenge(Method::S256, APPENDIX_B_CHALLENGE));
        assert!(is_valid_verifier(APPENDIX_B_VERIFIER));
    }

    #[test]
    fn wrong_or_malformed_verifiers_fail() {
        let tampered = APPENDIX_B_VERIFIER.replace('d', "e");
        assert!(!verify(Method::S256, APPENDIX_B_CHALLENGE, &tampered));
        // The challenge itself is not a valid S256 verifier for itself.
        assert!(!verify(
            Method::S256,
            APPENDIX_B_CHALLENGE,
            APPENDIX_B_CHALLENGE
        ));
        // plain: the verifier equals the challenge.
        assert!(verify(
            Method::Plain,
            APPENDIX_B_VERIFIER,
            APPENDIX_B_VERIFIER
        ));
        assert!(!verify(Method::Plain, APPENDIX_B_VERIFIER, &tampered));
    }

    #[test]
    fn verifier_length_and_charset_limits() {
        assert!(!is_valid_verifier(&"a".repeat(42)));
        assert!(is_valid_verifier(&"a".repeat(43)));
        assert!(is_valid_verifier(&"a".repeat(128)));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        assert!(is_valid_verifier(&format!("{}-._~", "A".repeat(40))));
        assert!(!is_valid_verifier(&format!("{}+", "a".repeat(43))));
        assert!(!is_valid_verifier(&format!("{}=", "a".repeat(43))));
        // A too-short plain verifier never verifies, even when equal to the challenge.
        assert!(!verify(Method::Plain, "short", "short"));
    }

    #[test]
    fn challenge_format() {
        assert!(!is_valid_challenge(Method::S256, &"a".repeat(44)));
        assert!(!is_valid_challenge(
            Method::S256,
            &format!("{}=", &APPENDIX_B_CHALLENGE[..42])
        ));
        assert!(!is_valid_challenge(Method::S256, &"a~".repeat(21)[..42]));
        assert!(is_valid_challenge(Method::Plain, &"a~".repeat(22)));
    }

    #[test]
    fn method_names_are_case_sensitive() {
        assert_eq!(Method::parse("S256"), Some(Method::S256));
        assert_eq!(Method::parse("plain"), Some(Method::Plain));
        assert_eq!(Method::parse("s256"), None);
        assert_eq!(Method::parse("PLAIN"), None);
    }
}
