//! Helpers shared by the fuzz targets: fixed configurations, an independent reader of
//! non-negative numbers, a JSON writer for round trips, and the "no secret in an error" check.

use oauth_spa::{ClientConfig, Error, Json};

/// The RFC 6749 examples' client (§4.1, §2.3.1) at `server.example.com`.
pub fn rfc_config() -> ClientConfig {
    let mut c = ClientConfig::new(
        "s6BhdRkqt3",
        "https://server.example.com/authorize",
        "https://server.example.com/token",
    );
    c.redirect_uri = Some("https://client.example.com/cb".into());
    c
}

/// An Ellipsis Drive client (JSON bodies, `{"message"}` errors) that accepts a token response
/// without `token_type`.
pub fn ellipsis_config() -> ClientConfig {
    let mut c = ClientConfig::ellipsis("ellipsis-client", None);
    c.redirect_uri = Some("https://app.example/callback".into());
    c.require_token_type = false;
    c
}

/// What a reader of `expires_in` should make of a JSON number or numeric string, written
/// independently of the library: `digits [. digits*] [(e|E) [+|-] digits]` (a string may have
/// ASCII whitespace around it), floored; an exponent may have leading zeros but at most three
/// significant digits (the library's documented limit); values above `saturated` read as
/// `saturated`. `None` for anything else (negative numbers included).
pub fn reference_whole_number(v: &Json, saturated: u64) -> Option<u64> {
    let text = match v {
        Json::Number(t) => t.as_str(),
        Json::String(s) => s.trim_matches(|c: char| c.is_ascii_whitespace()),
        _ => return None,
    };
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let (int, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) {
        return None;
    }
    let exp: i64 = match exponent {
        None => 0,
        Some(e) => {
            let (neg, d) = match e.as_bytes().first() {
                Some(b'-') => (true, &e[1..]),
                Some(b'+') => (false, &e[1..]),
                _ => (false, e),
            };
            if d.is_empty() || !digits(d) {
                return None;
            }
            let significant = d.trim_start_matches('0');
            if significant.len() > 3 {
                return None;
            }
            let n = significant.parse::<i64>().unwrap_or(0);
            if neg {
                -n
            } else {
                n
            }
        }
    };
    // The value is 0.d1d2d3... x 10^point, with d1 the first non-zero digit.
    let all: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let Some(first) = all.iter().position(|&b| b != b'0') else {
        return Some(0);
    };
    let point = int.len() as i64 - first as i64 + exp;
    if point <= 0 {
        return Some(0);
    }
    if point > 30 {
        return Some(saturated);
    }
    let mut n = 0u128;
    for i in 0..point as usize {
        let d = all.get(first + i).map_or(0, |b| u128::from(b - b'0'));
        n = n * 10 + d;
    }
    Some(u64::try_from(n).map_or(saturated, |n| n.min(saturated)))
}

/// Writes `v` as JSON text (compact), for round trips through `Json::parse`.
pub fn write_json(out: &mut String, v: &Json) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(t) => out.push_str(t),
        Json::String(s) => write_json_string(out, s),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Json::Object(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(out, k);
                out.push(':');
                write_json(out, item);
            }
            out.push('}');
        }
    }
}

fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Every member name of every object in `v` (to tell a leaked value from a quoted name).
pub fn member_names<'a>(v: &'a Json, out: &mut Vec<&'a str>) {
    match v {
        Json::Array(items) => items.iter().for_each(|i| member_names(i, out)),
        Json::Object(members) => {
            for (k, item) in members {
                out.push(k);
                member_names(item, out);
            }
        }
        _ => {}
    }
}

/// Asserts that the library's own text of `error` (its message and `Display`; `Debug` adds
/// only what the server itself sent back) does not contain `secret`. Checked only for a secret
/// that could not be part of a fixed message: at least 8 bytes with `~~~` in it (no message of
/// the library has that), and not inside a name the input also uses (messages quote member and
/// parameter names).
pub fn assert_no_secret(error: &Error, secret: &str, names: &[&str]) {
    if secret.len() < 8 || !secret.contains("~~~") || names.iter().any(|n| n.contains(secret)) {
        return;
    }
    assert!(
        !error.message().contains(secret) && !error.to_string().contains(secret),
        "error text contains a secret: code {:?}",
        error.code()
    );
}

/// The nesting depth of arrays and objects in JSON-like text (brackets outside strings).
pub fn bracket_depth(text: &str) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for b in text.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Splits fuzz input at the first `\n`: a short parameter line and the rest.
pub fn split_line(text: &str) -> (&str, &str) {
    match text.find('\n') {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => ("", text),
    }
}

/// What WHATWG URL's IDNA step (UTS 46 §4) makes of the label `xn--<rest>` by the rules the
/// library checks itself (`oauth_spa::fuzzing::punycode_ok`), decoded by the `idna` crate's
/// Punycode decoder instead of the library's: `Some(decoded)` when it decodes (RFC 3492 §6.2),
/// to a label that is neither empty nor all ASCII, from at most 2000 characters. `None` for a
/// label not starting `xn--`.
pub fn reference_punycode(label: &str) -> Option<Result<String, ()>> {
    let head = label.get(..4)?;
    if !head.eq_ignore_ascii_case("xn--") {
        return None;
    }
    let rest = &label[4..];
    if rest.len() > 2000 || !rest.is_ascii() {
        return Some(Err(()));
    }
    Some(match idna::punycode::decode_to_string(rest) {
        Some(d) if !d.is_ascii() => Ok(d),
        _ => Err(()),
    })
}

/// The one kind of WHATWG refusal the URL checks leave to the browser (an intended difference,
/// fuzz/README.md): UTS 46's rules that need Unicode tables (mapped or disallowed code points,
/// NFC, a leading combining mark, bidi and joiner rules). Recognised as an IDNA error of a
/// host with `xn--` labels that each decode (reference decoder) to a label that is neither
/// empty nor all ASCII; every other refusal, an invalid IPv6 address included, fails the
/// target.
pub fn uts46_table_refusal(host: &str, error: url::ParseError) -> bool {
    let mut labels = host.split('.').filter_map(reference_punycode).peekable();
    error == url::ParseError::IdnaError
        && labels.peek().is_some()
        && labels.all(|decoded| decoded.is_ok())
}
