//! Discovery (RFC 8414 §3): `parse_metadata` over any document, for the RFC 8414 example's
//! issuer and for the issuer the document itself claims.
//!
//! Invariants: an accepted document's issuer is the one asked for, its endpoints are what the
//! document says, and the client configuration made from it validates whenever the issuer is
//! one `metadata_urls` accepts; the document is a JSON object without repeated members.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_spa::{metadata_urls, parse_metadata, ErrorCode, Json};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = Json::parse(body);
    let claimed = parsed
        .as_ref()
        .and_then(|j| j.get("issuer"))
        .and_then(Json::as_str);
    for issuer in ["https://server.example.com"].into_iter().chain(claimed) {
        match parse_metadata(issuer, body) {
            Ok(m) => {
                let j = parsed
                    .as_ref()
                    .expect("accepted a document that is not JSON");
                assert!(matches!(j, Json::Object(_)));
                assert_eq!(j.duplicate_member(), None);
                assert_eq!(m.issuer, issuer);
                let s = |n: &str| j.get(n).and_then(Json::as_str);
                assert_eq!(
                    s("authorization_endpoint"),
                    Some(m.authorization_endpoint.as_str())
                );
                assert_eq!(s("token_endpoint"), Some(m.token_endpoint.as_str()));
                assert_eq!(s("revocation_endpoint"), m.revocation_endpoint.as_deref());
                assert_eq!(&m.raw, j);
                let config = m.client_config("client");
                if metadata_urls(issuer).is_ok() {
                    if let Err(e) = config.validate() {
                        panic!(
                            "metadata accepted, its client config refused: {:?}",
                            e.code()
                        );
                    }
                }
            }
            Err(e) => assert!(
                matches!(
                    e.code(),
                    ErrorCode::InvalidMetadata
                        | ErrorCode::IssuerMismatch
                        | ErrorCode::InsecureEndpoint
                ),
                "unexpected {:?}",
                e.code()
            ),
        }
    }
});
