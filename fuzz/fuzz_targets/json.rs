//! `Json::parse`, the reader of every server document and stored value, over any text.
//!
//! Invariants: no panic; a parsed value written back as JSON parses to the same value; no
//! accepted document nests deeper than 64; `duplicate_member` names a member that really
//! occurs twice (and finds one whenever there is one); every number and string reads as a
//! non-negative whole number exactly as an independent reader does (`expires_in`, `expiresAt`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_spa::fuzzing::{as_non_negative_integer, SATURATED};
use oauth_spa::Json;
use oauth_spa_fuzz::{bracket_depth, reference_whole_number, write_json};

fn visit(v: &Json, depth: usize) {
    assert!(depth <= 64, "a value nests deeper than 64");
    match v {
        Json::Number(_) | Json::String(_) => {
            assert_eq!(
                as_non_negative_integer(v),
                reference_whole_number(v, SATURATED),
                "number read differently from the reference"
            );
        }
        Json::Array(items) => items.iter().for_each(|i| visit(i, depth + 1)),
        Json::Object(members) => {
            assert_eq!(v.member_count(), members.len());
            let dup = members
                .iter()
                .enumerate()
                .find(|(i, (k, _))| members[..*i].iter().any(|(k2, _)| k2 == k))
                .map(|(_, (k, _))| k.as_str());
            assert_eq!(v.duplicate_member(), dup);
            for (k, item) in members {
                let first = members.iter().find(|(k2, _)| k2 == k).map(|(_, x)| x);
                assert_eq!(v.get(k), first);
                visit(item, depth + 1);
            }
        }
        Json::Null | Json::Bool(_) => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(v) = Json::parse(text) else {
        return;
    };
    assert!(bracket_depth(text) <= 64);
    visit(&v, 0);
    let mut out = String::new();
    write_json(&mut out, &v);
    assert_eq!(
        Json::parse(&out).as_ref(),
        Some(&v),
        "written value parses differently"
    );
    // Whitespace around a document does not matter.
    assert_eq!(
        Json::parse(&[" \n", text, "\t\r "].concat()).as_ref(),
        Some(&v)
    );
});
