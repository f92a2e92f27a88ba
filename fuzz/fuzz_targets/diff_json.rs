//! Differential: `Json::parse` against `serde_json`, where both define the result. The
//! intended differences (see fuzz/README.md) are skipped, each by its own test:
//! - nesting: the library refuses more than 64 levels (serde_json: 128);
//! - a lone surrogate escape (`"\ud800"`): the library reads U+FFFD, serde_json refuses;
//! - numbers: the library keeps the text; serde_json refuses one beyond f64 (`1e400`); each
//!   number is compared as serde_json reads its text;
//! - repeated member names: the library keeps every member in order (and its readers refuse
//!   the document), serde_json keeps the last: compared as "last wins";
//! - member cap: `Json::parse` has none (the token and metadata readers refuse more than 1000
//!   members), so there is no difference here.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_spa::Json;
use oauth_spa_fuzz::bracket_depth;
use serde_json::{Map, Value};

/// The library's value as serde_json would hold it.
fn to_serde(v: &Json) -> Value {
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(t) => serde_json::from_str(t).expect("a number serde_json cannot read"),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::Array(items.iter().map(to_serde).collect()),
        Json::Object(members) => {
            let mut m = Map::new();
            for (k, item) in members {
                m.insert(k.clone(), to_serde(item)); // last wins, as in serde_json
            }
            Value::Object(m)
        }
    }
}

fn has_out_of_range_number(v: &Json) -> bool {
    match v {
        Json::Number(t) => serde_json::from_str::<Value>(t).is_err(),
        Json::Array(items) => items.iter().any(has_out_of_range_number),
        Json::Object(m) => m.iter().any(|(_, i)| has_out_of_range_number(i)),
        _ => false,
    }
}

/// A `\uXXXX` escape of a surrogate anywhere in the text.
fn has_surrogate_escape(text: &str) -> bool {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(5)).any(|i| {
        b[i] == b'\\'
            && b[i + 1] == b'u'
            && matches!(b[i + 2], b'd' | b'D')
            && matches!(b[i + 3], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ours = Json::parse(text);
    let theirs = serde_json::from_str::<Value>(text);
    match (&ours, &theirs) {
        (Some(v), Ok(r)) => assert_eq!(&to_serde(v), r, "values differ"),
        (None, Err(_)) => {}
        (None, Ok(_)) => assert!(bracket_depth(text) > 64, "refused what serde_json reads"),
        (Some(v), Err(e)) => assert!(
            has_surrogate_escape(text) || has_out_of_range_number(v),
            "read what serde_json refuses: {e}"
        ),
    }
});
