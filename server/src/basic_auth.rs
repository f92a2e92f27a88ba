//! HTTP Basic client authentication as RFC 6749 §2.3.1 defines it: the client identifier and
//! secret are form-urlencoded (Appendix B) *before* being joined with `:` and base64-encoded.

use crate::{base64, form};

/// The credentials carried by an `Authorization: Basic` header.
pub struct BasicCredentials {
    pub client_id: String,
    pub client_secret: String,
}

/// Why an `Authorization` header could not be read as Basic credentials.
#[derive(Debug, PartialEq, Eq)]
pub enum BasicError {
    /// The scheme is not `Basic`.
    OtherScheme,
    /// Not base64, not UTF-8, no `:`, or a bad percent-escape.
    Malformed,
}

/// Decodes `Authorization: Basic <b64>`: base64, UTF-8, split at the first `:`, then
/// form-urldecode each half. The scheme name is case-insensitive (RFC 9110 §11.1).
pub fn parse(header: &str) -> Result<BasicCredentials, BasicError> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(BasicError::OtherScheme);
    }
    let decoded = base64::decode_standard(rest.trim()).ok_or(BasicError::Malformed)?;
    let text = String::from_utf8(decoded).map_err(|_| BasicError::Malformed)?;
    let (id, secret) = text.split_once(':').ok_or(BasicError::Malformed)?;
    Ok(BasicCredentials {
        client_id: form::decode_component(id).map_err(|_| BasicError::Malformed)?,
        client_secret: form::decode_component(secret).map_err(|_| BasicError::Malformed)?,
    })
}

/// Builds the header value a correct client sends (tests only).
#[cfg(test)]
pub fn encode(client_id: &str, client_secret: &str) -> String {
    let joined = format!(
        "{}:{}",
        form::encode_component(client_id),
        form::encode_component(client_secret)
    );
    format!("Basic {}", base64::encode_standard(joined.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6749 §2.3.1, verbatim.
    #[test]
    fn rfc6749_section_2_3_1_vector() {
        assert_eq!(
            encode("s6BhdRkqt3", "7Fjfp0ZBr1KtDRbnfVdmIw"),
            "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"
        );
        let c = parse("Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3").unwrap();
        assert_eq!(c.client_id, "s6BhdRkqt3");
        assert_eq!(c.client_secret, "7Fjfp0ZBr1KtDRbnfVdmIw");
    }

    #[test]
    fn id_and_secret_are_form_decoded_after_splitting() {
        // The id contains ':' and the secret contains '+', ' ' and '€': encoded first, the
        // first raw ':' is the separator.
        let header = encode("my:client", "a+b c€:");
        let inner =
            String::from_utf8(base64::decode_standard(&header["Basic ".len()..]).unwrap()).unwrap();
        assert_eq!(inner, "my%3Aclient:a%2Bb+c%E2%82%AC%3A");
        let c = parse(&header).unwrap();
        assert_eq!(c.client_id, "my:client");
        assert_eq!(c.client_secret, "a+b c€:");
    }

    #[test]
    fn a_client_that_skips_the_urlencoding_gets_its_plus_read_as_space() {
        // "id:a+b" base64-encoded without form-encoding first.
        let header = format!("Basic {}", base64::encode_standard(b"id:a+b"));
        assert_eq!(parse(&header).unwrap().client_secret, "a b");
    }

    #[test]
    fn scheme_is_case_insensitive_and_errors_are_distinguished() {
        assert!(parse("bAsIc czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3").is_ok());
        assert_eq!(parse("Bearer abc").err(), Some(BasicError::OtherScheme));
        assert_eq!(parse("Basic !!!!").err(), Some(BasicError::Malformed));
        // "nocolon" has no separator.
        assert_eq!(
            parse("Basic bm9jb2xvbg==").err(),
            Some(BasicError::Malformed)
        );
        assert_eq!(parse("Basic").err(), Some(BasicError::Malformed));
    }

    #[test]
    fn empty_secret_is_allowed_syntactically() {
        let c = parse(&encode("demo-public", "")).unwrap();
        assert_eq!(c.client_id, "demo-public");
        assert_eq!(c.client_secret, "");
    }
}
