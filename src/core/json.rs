//! A small strict JSON reader and writer (RFC 8259), for token responses, error bodies,
//! JSON request bodies and the stored transaction.
//!
//! Numbers are kept as their text (the protocol only needs integers such as `expires_in`),
//! which keeps float parsing and formatting out of the wasm binary. Object member order is
//! preserved; duplicate names are reported, since a response that says `access_token` twice
//! is ambiguous.

use crate::core::encoding::split_once_at;
use alloc::{borrow::ToOwned, string::String, vec::Vec};
/// A parsed JSON value.
#[derive(Clone, PartialEq, Eq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, in document order.
    Object(Vec<(String, Json)>),
}

// Debug never prints string contents: values may be tokens.
impl core::fmt::Debug for Json {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.kind())
    }
}

impl Json {
    /// Parses a whole document of at most [`MAX_DEPTH`] levels; trailing non-whitespace is an
    /// error.
    pub fn parse(text: &str) -> Option<Json> {
        Json::parse_within(text, MAX_DEPTH)
    }

    /// [`Json::parse`] with a lower depth limit: for a document this library keeps and later
    /// writes inside others (see [`TOKEN_RESPONSE_DEPTH`]). `max_depth` above [`MAX_DEPTH`]
    /// counts as [`MAX_DEPTH`].
    pub fn parse_within(text: &str, max_depth: u32) -> Option<Json> {
        let mut p = Parser {
            t: text,
            s: text.as_bytes(),
            i: 0,
            depth: 0,
            max: max_depth.min(MAX_DEPTH),
        };
        let v = p.value()?;
        p.ws();
        (p.i == p.s.len()).then_some(v)
    }

    /// The member `name` of an object (the first, if repeated).
    pub fn get(&self, name: &str) -> Option<&Json> {
        match self {
            Json::Object(m) => m.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string value, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number of members of an object (0 for anything else).
    pub fn member_count(&self) -> usize {
        match self {
            Json::Object(m) => m.len(),
            _ => 0,
        }
    }

    /// The first member name, in document order, that repeats an earlier one, if any.
    /// O(n log n) name comparisons for n members.
    pub fn duplicate_member(&self) -> Option<&str> {
        match self {
            Json::Object(m) => {
                let mut names = Vec::with_capacity(m.len());
                for (i, (k, _)) in m.iter().enumerate() {
                    names.push((k.as_str(), i));
                }
                first_repeat(names, 0)
            }
            _ => None,
        }
    }

    /// `"object"`, `"string"`, ... for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }
}

/// The deepest nesting [`Json::parse`] reads: 64 arrays or objects (`[[1]]` is 2 levels).
/// Deeper documents are refused, so that reading is never a deep recursion.
pub const MAX_DEPTH: u32 = 64;

/// The deepest token response accepted. The response is kept as the TokenSet's `raw`, which
/// the JavaScript API writes one level deeper (the TokenSet object) and reads back two levels
/// deeper (`createSession(config, { tokens })`'s options object): 64 - 2 levels keep what was
/// accepted readable by [`Json::parse`].
pub const TOKEN_RESPONSE_DEPTH: u32 = MAX_DEPTH - 2;

/// The most members a token response or metadata document may have (real ones have a few
/// dozen): a bound on the work and memory a server can make the page spend on them.
pub const MAX_MEMBERS: usize = 1000;

/// Sorts `v` in place: heapsort, O(n log n) comparisons in the worst case, no recursion, and
/// a fraction of the code of `sort_unstable` (measured in the shipped wasm: 1.4 KB gzip less;
/// a `BTreeSet` of the names cost 1.8 KB more than this).
fn heap_sort(v: &mut [(&str, usize)]) {
    // Moves `v[root]` down its subtree until both children are smaller. Reads and writes
    // through `get`: no index can panic (a bounds check would bring the panic messages).
    fn sift_down(v: &mut [(&str, usize)], mut root: usize) {
        loop {
            let mut child = 2 * root + 1;
            let (Some(&top), Some(&left)) = (v.get(root), v.get(child)) else {
                return;
            };
            let mut big = left;
            if let Some(&right) = v.get(child + 1) {
                if less(&left, &right) {
                    child += 1;
                    big = right;
                }
            }
            if !less(&top, &big) {
                return;
            }
            if let Some(r) = v.get_mut(root) {
                *r = big;
            }
            if let Some(c) = v.get_mut(child) {
                *c = top;
            }
            root = child;
        }
    }
    // One comparison function, not two inlined copies.
    #[inline(never)]
    fn less(a: &(&str, usize), b: &(&str, usize)) -> bool {
        a < b
    }
    let n = v.len();
    for root in (0..n / 2).rev() {
        sift_down(v, root);
    }
    for end in (1..n).rev() {
        // The largest of `v[..=end]` goes last, then the heap is `v[..end]`.
        if let Some([first, .., last]) = v.get_mut(..=end) {
            core::mem::swap(first, last);
        }
        if let Some(heap) = v.get_mut(..end) {
            sift_down(heap, 0);
        }
    }
}

/// The first of `names` equal to an earlier one; the first `known` names are only remembered,
/// never reported (they may repeat among themselves). O(n log n) comparisons, where checking
/// each name against all before it would be O(n²): a few thousand long names then take
/// seconds.
/// `sorted` holds each name with its position (0, 1, 2...), pushed by the caller, and is
/// sorted here: a `Vec` (not a `dyn Iterator`, whose iterator types would each bring a vtable
/// of `next`, `size_hint`, `advance_by` and `nth`), and the one that is sorted (no second
/// `Vec` type with its own `push`).
pub(crate) fn first_repeat(mut sorted: Vec<(&str, usize)>, known: usize) -> Option<&str> {
    // Sorted by name, then by position: equal names are neighbours, earliest first.
    heap_sort(&mut sorted);
    let mut first: Option<(usize, &str)> = None;
    for pair in sorted.windows(2) {
        if let [(a, _), (b, i)] = *pair {
            if a == b && i >= known && first.is_none_or(|(f, _)| i < f) {
                first = Some((i, b));
            }
        }
    }
    first.map(|(_, n)| n)
}

struct Parser<'a> {
    t: &'a str,
    s: &'a [u8],
    i: usize,
    depth: u32,
    max: u32,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &[u8]) -> Option<()> {
        if self.s.get(self.i..).is_some_and(|r| r.starts_with(lit)) {
            self.i += lit.len();
            Some(())
        } else {
            None
        }
    }

    fn value(&mut self) -> Option<Json> {
        self.ws();
        match *self.s.get(self.i)? {
            b'n' => self.eat(b"null").map(|_| Json::Null),
            b't' => self.eat(b"true").map(|_| Json::Bool(true)),
            b'f' => self.eat(b"false").map(|_| Json::Bool(false)),
            b'"' => self.string().map(Json::String),
            b'[' => {
                self.nest()?;
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        items.push(self.value()?);
                        self.ws();
                        match self.s.get(self.i)? {
                            b',' => self.i += 1,
                            b']' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                self.depth -= 1;
                Some(Json::Array(items))
            }
            b'{' => {
                self.nest()?;
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        if self.s.get(self.i) != Some(&b'"') {
                            return None;
                        }
                        let name = self.string()?;
                        self.ws();
                        self.eat(b":")?;
                        let v = self.value()?;
                        members.push((name, v));
                        self.ws();
                        match self.s.get(self.i)? {
                            b',' => self.i += 1,
                            b'}' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                self.depth -= 1;
                Some(Json::Object(members))
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn nest(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= self.max).then_some(())
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.s.get(self.i), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    // RFC 8259 §6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
    fn number(&mut self) -> Option<Json> {
        let start = self.i;
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        let n = self.digits();
        if n == 0 || (n > 1 && self.s.get(int_start) == Some(&b'0')) {
            return None;
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        // The slice is ASCII, so `get` cannot fail.
        Some(Json::Number(self.t.get(start..self.i)?.to_owned()))
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.i..self.i + 4)?;
        let mut n = 0u32;
        for &b in h {
            n = n * 16 + (b as char).to_digit(16)?;
        }
        self.i += 4;
        Some(n)
    }

    fn string(&mut self) -> Option<String> {
        self.i += 1; // opening quote
        let mut out = String::new();
        // Unescaped text is copied in runs; they start and end next to ASCII bytes, so `get`
        // always finds char boundaries (no UTF-8 re-validation).
        let mut run = self.i;
        loop {
            let b = *self.s.get(self.i)?;
            if b == b'"' || b == b'\\' {
                out.push_str(self.t.get(run..self.i)?);
            }
            self.i += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let e = *self.s.get(self.i)?;
                    self.i += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            // A high surrogate pairs with a following low one; a surrogate
                            // alone is U+FFFD, as a JS TextEncoder makes it (RFC 8259 §8.2
                            // leaves it to the reader).
                            let hi = self.hex4()?;
                            let mut code = hi;
                            if (0xD800..0xDC00).contains(&hi) {
                                code = 0xFFFD;
                                let back = self.i;
                                match self.eat(b"\\u").and_then(|()| self.hex4()) {
                                    Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                                        code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                    }
                                    _ => self.i = back,
                                }
                            }
                            char::from_u32(code).unwrap_or('\u{FFFD}')
                        }
                        _ => return None,
                    };
                    out.push(c);
                    run = self.i;
                }
                0..=0x1f => return None,
                _ => {}
            }
        }
        Some(out)
    }
}

/// Writes `s` as a JSON string literal (with quotes) onto `out`.
pub fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    // Bytes, not chars: only ASCII needs escaping, and the runs between escapes start and end
    // next to ASCII bytes, so `get` finds char boundaries.
    let mut run = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "\\u00",
            _ => continue,
        };
        out.push_str(s.get(run..i).unwrap_or(""));
        out.push_str(escape);
        if escape.len() == 4 {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
        run = i + 1;
    }
    out.push_str(s.get(run..).unwrap_or(""));
    out.push('"');
}

/// Builds a flat JSON object of string (or raw) members, in order.
#[derive(Default)]
pub struct ObjectWriter {
    out: String,
}

impl ObjectWriter {
    /// An empty object writer.
    pub fn new() -> Self {
        ObjectWriter {
            out: String::from("{"),
        }
    }
    fn key(&mut self, name: &str) {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        write_string(&mut self.out, name);
        self.out.push(':');
    }
    /// Adds a string member.
    pub fn string(&mut self, name: &str, value: &str) -> &mut Self {
        self.key(name);
        write_string(&mut self.out, value);
        self
    }
    /// Adds a string member when `value` is `Some`.
    pub fn opt_string(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.string(name, v);
        }
        self
    }
    /// Adds a member whose value is `json`, already valid JSON text (written as it is).
    pub fn raw(&mut self, name: &str, json: &str) -> &mut Self {
        self.key(name);
        self.out.push_str(json);
        self
    }
    /// Adds an unsigned integer member.
    pub fn uint(&mut self, name: &str, value: u64) -> &mut Self {
        self.key(name);
        push_u64(&mut self.out, value);
        self
    }
    /// Closes the object and returns its text.
    pub fn finish(&mut self) -> String {
        let mut out = core::mem::take(&mut self.out);
        out.push('}');
        out
    }
}

/// Appends the decimal form of `n` (no `core::fmt`).
pub fn push_u64(out: &mut String, n: u64) {
    // Divisions by the constant 10 only: no divide-by-zero panic path in the wasm.
    if n >= 10 {
        push_u64(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Reads a JSON number or numeric string as a non-negative whole number of seconds or
/// milliseconds, floored: `3600`, `"3600"`, `" 3600 "` (ASCII whitespace), `3600.0`, `3599.9`,
/// and exponent forms such as `3.6e3`, `1.0E7` or `1e0005` (RFC 8259 §6) are accepted;
/// negative numbers, non-numeric strings and exponents of more than three significant digits
/// are not. Values of 2^53 or more (a server's "never", such as Java's `Long.MAX_VALUE` or
/// `1e308`) read as [`SATURATED`].
pub fn as_non_negative_integer(v: &Json) -> Option<u64> {
    const LIMIT: u64 = SATURATED + 1;
    let is_digit = |b: u8| b.is_ascii_digit();
    let text = match v {
        Json::Number(t) => t.as_str(),
        Json::String(s) => s.trim_ascii(),
        _ => return None,
    };
    let (mantissa, exp) = match split_once_at(text, b'e').or_else(|| split_once_at(text, b'E')) {
        Some((m, e)) => {
            let (negative, digits) = match e.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, e.strip_prefix('+').unwrap_or(e)),
            };
            if digits.is_empty() || !digits.bytes().all(is_digit) {
                return None;
            }
            // Leading zeros are allowed (RFC 8259 §6: `1e0005`); exponents from 1000 on are
            // refused (counted up to 1000, so any number of digits is read in one pass).
            let n = digits
                .bytes()
                .fold(0, |n, b| (n * 10 + i32::from(b - b'0')).min(1000));
            if n > 999 {
                return None;
            }
            (m, if negative { -n } else { n })
        }
        None => (text, 0),
    };
    let (int, frac) = split_once_at(mantissa, b'.').unwrap_or((mantissa, ""));
    if int.is_empty() || !int.bytes().all(is_digit) || !frac.bytes().all(is_digit) {
        return None;
    }
    // The whole part of `int.frac` × 10^exp: the first `int.len() + exp` digits of `int frac`,
    // with zeros after the last.
    let whole = usize::try_from(int.len() as i32 + exp).unwrap_or(0);
    let mut n = 0u64;
    for b in int
        .bytes()
        .chain(frac.bytes())
        .chain(core::iter::repeat(b'0'))
        .take(whole)
    {
        n = n * 10 + u64::from(b - b'0');
        if n >= LIMIT {
            return Some(SATURATED);
        }
    }
    Some(n)
}

/// What [`as_non_negative_integer`] reads a value of 2^53 or more as: 2^53 - 1, the largest
/// whole number a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`). It is past the
/// last instant a JavaScript `Date` holds (8.64e15 ms, ECMAScript §21.4.1.1), so every
/// `expiresAt` this library writes reads back as it was (as seconds: 285 million years).
pub const SATURATED: u64 = (1 << 53) - 1;

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Json {
        Json::String(v.into())
    }

    #[test]
    fn parses_token_response() {
        let v = Json::parse(
            r#" {"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"example","expires_in":3600,
               "refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","example_parameter":"example_value",
               "nested":{"a":[1,-2.5e3,true,false,null]}} "#,
        )
        .unwrap();
        assert_eq!(v.get("access_token"), Some(&s("2YotnFZFEjr1zCsicMWpAA")));
        assert_eq!(v.get("expires_in"), Some(&Json::Number("3600".into())));
        assert_eq!(
            v.get("nested").and_then(|n| n.get("a")),
            Some(&Json::Array(vec![
                Json::Number("1".into()),
                Json::Number("-2.5e3".into()),
                Json::Bool(true),
                Json::Bool(false),
                Json::Null
            ]))
        );
        assert_eq!(v.duplicate_member(), None);
    }

    #[test]
    fn escapes_and_unicode() {
        let v = Json::parse(r#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#).unwrap();
        assert_eq!(v, s("a\"b\\c/d\né😀"));
        // Lone surrogates (JSON.stringify writes them escaped) read as U+FFFD.
        assert_eq!(
            Json::parse(r#""\ud83d""#),
            Some(s("\u{FFFD}")),
            "lone high surrogate"
        );
        assert_eq!(
            Json::parse(r#""\udc00""#),
            Some(s("\u{FFFD}")),
            "lone low surrogate"
        );
        assert_eq!(Json::parse(r#""a\ud83dz""#), Some(s("a\u{FFFD}z")));
        assert_eq!(
            Json::parse(r#""\ud83d\u0041""#),
            Some(s("\u{FFFD}A")),
            "not a low one"
        );
        assert_eq!(
            Json::parse(r#""\ud83d\ud83d\ude00""#),
            Some(s("\u{FFFD}😀"))
        );
        assert_eq!(Json::parse(r#""\ud83d\ude00""#), Some(s("😀")));
        assert_eq!(Json::parse("\"tab\there\""), None, "raw control char");
    }

    #[test]
    fn rejects_invalid_documents() {
        for bad in [
            "",
            "{",
            "{\"a\":1,}",
            "[1,]",
            "{'a':1}",
            "01",
            "1.",
            "-",
            "1e",
            "{\"a\" 1}",
            "nul",
            "{} x",
            "<html>502 Bad Gateway</html>",
            "\"unterminated",
        ] {
            assert_eq!(Json::parse(bad), None, "{bad}");
        }
        let deep = "[".repeat(65) + &"]".repeat(65);
        assert_eq!(Json::parse(&deep), None);
        let ok = "[".repeat(64) + &"]".repeat(64);
        assert!(Json::parse(&ok).is_some());
    }

    #[test]
    fn duplicates_found() {
        let v = Json::parse(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(v.duplicate_member(), Some("a"));
    }

    #[test]
    fn writer_round_trips() {
        let text = ObjectWriter::new()
            .string("k", "quote\" back\\ nl\n ctl\u{1} é")
            .opt_string("none", None)
            .uint("n", 1_700_000_000_123)
            .raw("r", r#"{"x":[true]}"#)
            .finish();
        assert_eq!(
            text,
            r#"{"k":"quote\" back\\ nl\n ctl\u0001 é","n":1700000000123,"r":{"x":[true]}}"#
        );
        let v = Json::parse(&text).unwrap();
        assert_eq!(v.get("k"), Some(&s("quote\" back\\ nl\n ctl\u{1} é")));
        assert_eq!(ObjectWriter::new().finish(), "{}");
    }

    #[test]
    fn integers() {
        assert_eq!(
            as_non_negative_integer(&Json::Number("3600".into())),
            Some(3600)
        );
        assert_eq!(as_non_negative_integer(&s("3600")), Some(3600));
        assert_eq!(as_non_negative_integer(&s(" 60 ")), Some(60));
        assert_eq!(as_non_negative_integer(&s("\t60\r\n")), Some(60));
        assert_eq!(
            as_non_negative_integer(&Json::Number("3599.9".into())),
            Some(3599)
        );
        assert_eq!(as_non_negative_integer(&Json::Number("0".into())), Some(0));
        // Exponent forms (RFC 8259 §6), e.g. a Java double written as 1.0E7.
        for (text, n) in [
            ("1e3", 1000),
            ("3.6e3", 3600),
            ("1.0E7", 10_000_000),
            ("36E+2", 3600),
            ("360000e-2", 3600),
            ("3599.9e0", 3599),
            ("5e-1", 0),
            ("0e99", 0),
            ("999999999999999", 999_999_999_999_999),
            ("000000000000000003600", 3600),
            ("1e15", 1_000_000_000_000_000),
            ("8640000000000000", 8_640_000_000_000_000),
            ("9007199254740991", SATURATED),
            // A server's "never": saturated, not refused.
            ("9007199254740992", SATURATED),
            ("1e16", SATURATED),
            ("9223372036854775807", SATURATED),
            ("9999999999999999999999", SATURATED),
            ("1e100", SATURATED),
            ("1.7976931348623157e308", SATURATED),
            ("1e-308", 0),
        ] {
            assert_eq!(
                as_non_negative_integer(&Json::Number(text.into())),
                Some(n),
                "{text}"
            );
        }
        for bad in [
            Json::Number("-1".into()),
            Json::Number("-1e3".into()),
            Json::Number("1e".into()),
            Json::Number("1e+".into()),
            Json::Number("1e1000".into()),
            s("e3"),
            s(".5"),
            s("soon"),
            s(""),
            s("1.2.3"),
            Json::Bool(true),
            Json::Null,
        ] {
            assert_eq!(as_non_negative_integer(&bad), None);
        }
    }

    #[test]
    fn exponents_with_leading_zeros() {
        // RFC 8259 §6: exp = e [ minus / plus ] 1*DIGIT, leading zeros allowed.
        for (text, n) in [
            ("1e0005", 100_000),
            ("1E+0003", 1000),
            ("36e0002", 3600),
            ("1e-0001", 0),
            ("36000e-0001", 3600),
            ("1e00000000000000000000003", 1000),
            ("1e000", 1),
        ] {
            assert_eq!(Json::parse(text), Some(Json::Number(text.into())), "{text}");
            assert_eq!(
                as_non_negative_integer(&Json::Number(text.into())),
                Some(n),
                "{text}"
            );
        }
        // Still refused: more than three significant exponent digits.
        assert_eq!(
            as_non_negative_integer(&Json::Number("1e0001000".into())),
            None
        );
    }

    #[test]
    fn heap_sort_sorts() {
        // Every arrangement of 0..7 names drawn from four (repeats included) sorts as the
        // standard library sorts it.
        const NAMES: [&str; 4] = ["", "a", "ab", "b"];
        for len in 0..7u32 {
            for code in 0..4usize.pow(len) {
                let mut v: Vec<(&str, usize)> = (0..len as usize)
                    .map(|i| (NAMES[code / 4usize.pow(i as u32) % 4], i % 3))
                    .collect();
                let mut want = v.clone();
                want.sort();
                heap_sort(&mut v);
                assert_eq!(v, want);
            }
        }
    }

    #[test]
    fn first_repeats() {
        let first = |names: &[&'static str], known| {
            first_repeat(names.iter().copied().zip(0..).collect(), known)
        };
        assert_eq!(first(&[], 0), None);
        assert_eq!(first(&["a", "b", "c"], 0), None);
        assert_eq!(first(&["b", "a", "c", "a", "b"], 0), Some("a"));
        assert_eq!(first(&["b", "a", "b", "a"], 0), Some("b"));
        // The first `known` names may repeat among themselves, not be repeated after.
        assert_eq!(first(&["x", "x", "a", "b"], 2), None);
        assert_eq!(first(&["x", "x", "a", "x"], 2), Some("x"));
        assert_eq!(first(&["x", "a", "b", "a", "x"], 1), Some("a"));
    }

    #[test]
    fn debug_hides_values() {
        assert_eq!(format!("{:?}", s("secret")), "string");
    }
}
