//! Differential: the library's `application/x-www-form-urlencoded` code (RFC 6749 Appendix B,
//! WHATWG URL §5) against the `form_urlencoded` crate: `form_encode` against
//! `byte_serialize`, `form_decode` and the query splitter against `parse`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_spa::fuzzing::parse_form;
use oauth_spa::{form_decode, form_encode};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let encoded = form_encode(text);
    assert_eq!(
        encoded,
        form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>(),
        "form_encode differs"
    );
    assert_eq!(form_decode(&encoded), text, "decode(encode(x)) != x");

    let reference: Vec<(String, String)> = form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(parse_form(text), reference, "query pairs differ");
    // One name alone: `form_decode` is the decoding of each name and value.
    if !text.is_empty() && !text.contains(['&', '=']) {
        assert_eq!(form_decode(text), reference[0].0, "form_decode differs");
    }
});
