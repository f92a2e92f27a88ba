//! Differential: the library's base64url without padding (RFC 4648 §5) and standard base64
//! with padding (§4) against the `base64` crate, and the PKCE functions (RFC 7636 §4.1, §4.2)
//! against their definitions, with the `sha2` crate as the SHA-256 (which the library also
//! uses, so SHA-256 itself has nothing to be compared with). The library never decodes base64,
//! so there is no decoder to compare.
#![no_main]

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use oauth_spa::fuzzing::base64_std;
use oauth_spa::{base64url, check_verifier, code_challenge_s256, PkceVerifier};
use sha2::Digest;

fuzz_target!(|data: &[u8]| {
    let reference: [u8; 32] = sha2::Sha256::digest(data).into();
    assert_eq!(
        base64url(data),
        URL_SAFE_NO_PAD.encode(data),
        "base64url differs"
    );
    assert_eq!(base64_std(data), STANDARD.encode(data), "base64 differs");

    // RFC 7636 §4.1: 43 to 128 unreserved characters.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let valid = (43..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    assert_eq!(check_verifier(text).is_ok(), valid, "check_verifier");
    match code_challenge_s256(text) {
        Ok(c) => {
            assert!(valid);
            assert_eq!(c, URL_SAFE_NO_PAD.encode(reference), "S256 challenge");
            let v = PkceVerifier::new(text).expect("PkceVerifier refuses a valid verifier");
            assert_eq!(v.challenge(), c);
        }
        Err(_) => assert!(!valid),
    }
    if let Ok(octets) = <[u8; 32]>::try_from(data) {
        let v = PkceVerifier::from_random(&octets);
        assert_eq!(v.secret(), URL_SAFE_NO_PAD.encode(octets));
        assert!(check_verifier(v.secret()).is_ok());
    }
});
