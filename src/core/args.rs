//! Reading a caller's arguments given as a JSON object (the JavaScript API's config, options
//! and params objects arrive this way), with errors that name the field: `config.timeoutMs
//! must be a whole number from 1 to 2147483647`.
//!
//! `null` and an absent member mean the same: the default. An argument the browser layer could
//! not serialize at all is [`unreadable`], which [`Fields::new`] reports as such. The browser layer serializes JS
//! values JSON cannot carry (`NaN`, `Infinity`, functions, symbols, bigints) as `[0]`, which no
//! field accepts (none takes an array of numbers), so they are refused with the field's name.

use crate::core::error::{Error, ErrorCode};
use crate::core::json::Json;
use alloc::{string::String, vec::Vec};

/// The largest whole number [`Fields::whole`] takes: 2^31 - 1, the longest delay `setTimeout`
/// keeps (a larger one fires at once), and every such field is a time.
pub const MAX_WHOLE: u32 = i32::MAX as u32;

/// The stand-in for an argument that cannot be read as JSON (a cycle, a getter or `toJSON` that
/// throws, nesting deeper than the parser allows): a string no caller means as an argument.
/// (Only the browser layer makes it.)
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn unreadable() -> Json {
    Json::String(String::from(UNREADABLE))
}

const UNREADABLE: &str = "\u{0}";

/// The members of one argument object, with the argument's name for error messages.
pub struct Fields<'a> {
    members: &'a [(String, Json)],
    name: &'static str,
    code: ErrorCode,
}

impl<'a> Fields<'a> {
    /// `value` must be an object; when `optional`, it may also be `null` (absent). Errors
    /// carry `code` (`invalid_config` for a config, `invalid_argument` for the rest).
    pub fn new(
        value: &'a Json,
        name: &'static str,
        code: ErrorCode,
        optional: bool,
    ) -> Result<Self, Error> {
        let members: &[(String, Json)] = match value {
            Json::Object(m) => m,
            Json::Null if optional => &[],
            Json::String(s) if s == UNREADABLE => {
                return Err(Error::concat(
                    code,
                    &[
                        name,
                        " cannot be read as JSON (a cycle, a getter or toJSON that throws, or nesting deeper than 64)",
                    ],
                ))
            }
            _ => return Err(Error::concat(code, &[name, " must be an object"])),
        };
        Ok(Fields {
            members,
            name,
            code,
        })
    }

    /// The member `field`, `None` when absent or `null` (the first, if repeated).
    pub fn get(&self, field: &str) -> Option<&'a Json> {
        match self.members.iter().find(|(k, _)| k == field) {
            Some((_, Json::Null)) | None => None,
            Some((_, v)) => Some(v),
        }
    }

    /// The error for a member of the wrong type: `<name>.<field> must be <what>`.
    pub fn wrong(&self, field: &str, what: &str) -> Error {
        Error::concat(self.code, &[self.name, ".", field, " must be ", what])
    }

    /// An optional string.
    pub fn string(&self, field: &str) -> Result<Option<String>, Error> {
        match self.get(field) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.wrong(field, "a string")),
        }
    }

    /// A string that must be present and non-empty.
    pub fn required_string(&self, field: &str) -> Result<String, Error> {
        match self.string(field)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(self.wrong(field, "a non-empty string")),
        }
    }

    /// A boolean, `default` when absent.
    pub fn bool(&self, field: &str, default: bool) -> Result<bool, Error> {
        match self.get(field) {
            None => Ok(default),
            Some(Json::Bool(b)) => Ok(*b),
            Some(_) => Err(self.wrong(field, "a boolean")),
        }
    }

    /// A whole number from `min` to [`MAX_WHOLE`], `default` when absent; `what` describes it.
    pub fn whole(&self, field: &str, default: u32, min: u32, what: &str) -> Result<u32, Error> {
        let Some(v) = self.get(field) else {
            return Ok(default);
        };
        // JSON.stringify writes whole numbers below 1e21 as plain digits; `1.5`, `-1` and
        // `1e+21` are not, so they fail here.
        match v {
            Json::Number(t) if !t.is_empty() && t.len() <= 10 => {
                let mut n = 0u64;
                for b in t.bytes() {
                    if !b.is_ascii_digit() {
                        return Err(self.wrong(field, what));
                    }
                    n = n * 10 + u64::from(b - b'0');
                }
                match u32::try_from(n) {
                    Ok(n) if n >= min && n <= MAX_WHOLE => Ok(n),
                    _ => Err(self.wrong(field, what)),
                }
            }
            _ => Err(self.wrong(field, what)),
        }
    }

    /// A positive whole number (`1..=MAX_WHOLE`), `default` when absent.
    pub fn positive(&self, field: &str, default: u32) -> Result<u32, Error> {
        self.whole(field, default, 1, "a whole number from 1 to 2147483647")
    }

    /// One of `choices` by name, `None` when absent; `expected` lists them for the message.
    pub fn one_of<T: Copy>(
        &self,
        field: &str,
        choices: &[(&str, T)],
        expected: &str,
    ) -> Result<Option<T>, Error> {
        let Some(v) = self.get(field) else {
            return Ok(None);
        };
        choices
            .iter()
            .find(|(n, _)| v.as_str() == Some(n))
            .map(|(_, t)| Some(*t))
            .ok_or_else(|| self.wrong(field, expected))
    }

    /// A string of space-separated entries or an array of strings, as a list (RFC 6749 §3.3
    /// scope); empty when absent.
    pub fn string_list(&self, field: &str) -> Result<Vec<String>, Error> {
        let what = "a string or an array of strings";
        match self.get(field) {
            None => Ok(Vec::new()),
            Some(Json::String(s)) => Ok(crate::core::config::split_scope(s)),
            Some(Json::Array(items)) => {
                let mut out = Vec::new();
                for item in items {
                    out.push(item.as_str().ok_or_else(|| self.wrong(field, what))?.into());
                }
                Ok(out)
            }
            Some(_) => Err(self.wrong(field, what)),
        }
    }

    /// An object of string values, in member order; empty when absent.
    pub fn string_record(&self, field: &str) -> Result<Vec<(String, String)>, Error> {
        let members = match self.get(field) {
            None => return Ok(Vec::new()),
            Some(Json::Object(m)) => m,
            Some(_) => return Err(self.wrong(field, "an object of string values")),
        };
        let mut out = Vec::new();
        for (name, value) in members {
            let Some(v) = value.as_str() else {
                return Err(Error::concat(
                    self.code,
                    &[self.name, ".", field, ".", name, " must be a string"],
                ));
            };
            out.push((name.clone(), v.into()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::encoding::cat;

    fn parse(text: &str) -> Json {
        Json::parse(text).unwrap()
    }

    #[test]
    fn absent_and_null_are_the_default() {
        let j = parse(r#"{"a":null}"#);
        let f = Fields::new(&j, "options", ErrorCode::InvalidArgument, false).unwrap();
        assert_eq!(f.string("a").unwrap(), None);
        assert_eq!(f.string("b").unwrap(), None);
        assert!(f.bool("a", true).unwrap());
        assert_eq!(f.positive("a", 7).unwrap(), 7);
        assert!(f.string_list("a").unwrap().is_empty());
        assert!(f.string_record("a").unwrap().is_empty());
        assert!(Fields::new(&Json::Null, "options", ErrorCode::InvalidArgument, true).is_ok());
    }

    #[test]
    fn the_argument_must_be_an_object() {
        for text in ["\"x\"", "1", "[]", "true"] {
            let j = Json::parse(text).unwrap();
            let e = Fields::new(&j, "config", ErrorCode::InvalidConfig, true)
                .err()
                .unwrap();
            assert_eq!(e.code(), ErrorCode::InvalidConfig);
            assert_eq!(e.message(), "config must be an object");
        }
        let e = Fields::new(&unreadable(), "config", ErrorCode::InvalidConfig, true)
            .err()
            .unwrap();
        assert_eq!(e.code(), ErrorCode::InvalidConfig);
        assert!(e.message().starts_with("config cannot be read as JSON"));
        let e = Fields::new(&Json::Null, "params", ErrorCode::InvalidArgument, false)
            .err()
            .unwrap();
        assert_eq!(e.message(), "params must be an object");
    }

    #[test]
    fn wrong_types_name_the_field() {
        let j = parse(
            r#"{"s":1,"b":"yes","n":"5","f":1.5,"neg":-1,"big":4294967296,"exp":1e+21,
                "l":[1],"r":{"x":1},"r2":[],"c":"maybe","nan":[0],"rn":{"x":[0]}}"#,
        );
        let f = Fields::new(&j, "config", ErrorCode::InvalidConfig, false).unwrap();
        let msg = |e: Error| {
            assert_eq!(e.code(), ErrorCode::InvalidConfig);
            String::from(e.message())
        };
        assert_eq!(msg(f.string("s").unwrap_err()), "config.s must be a string");
        assert_eq!(
            msg(f.required_string("missing").unwrap_err()),
            "config.missing must be a non-empty string"
        );
        assert_eq!(
            msg(f.bool("b", false).unwrap_err()),
            "config.b must be a boolean"
        );
        for n in ["n", "f", "neg", "big", "exp", "nan"] {
            assert_eq!(
                msg(f.positive(n, 1).unwrap_err()),
                cat(&["config.", n, " must be a whole number from 1 to 2147483647"])
            );
        }
        // The browser layer's marker for NaN, Infinity, functions, symbols and bigints.
        assert!(f.string("nan").is_err(), "the marker is no string");
        assert!(f.bool("nan", true).is_err(), "the marker is no boolean");
        assert!(f.string_list("nan").is_err(), "the marker is no scope");
        assert!(f.one_of("nan", &[("x", 1)], "x").is_err());
        assert_eq!(
            msg(f.string_record("nan").unwrap_err()),
            "config.nan must be an object of string values"
        );
        assert_eq!(
            msg(f.string_record("rn").unwrap_err()),
            "config.rn.x must be a string"
        );
        let marker = Json::parse("[0]").unwrap();
        assert!(Fields::new(&marker, "options", ErrorCode::InvalidArgument, true).is_err());
        assert_eq!(
            msg(f.string_list("l").unwrap_err()),
            "config.l must be a string or an array of strings"
        );
        assert_eq!(
            msg(f.string_record("r").unwrap_err()),
            "config.r.x must be a string"
        );
        assert_eq!(
            msg(f.string_record("r2").unwrap_err()),
            "config.r2 must be an object of string values"
        );
        assert_eq!(
            msg(f
                .one_of("c", &[("yes", 1), ("no", 0)], "\"yes\" or \"no\"")
                .unwrap_err()),
            "config.c must be \"yes\" or \"no\""
        );
    }

    #[test]
    fn values_are_read() {
        let j = parse(
            r#"{"s":"v","b":false,"n":2147483647,"n1":2147483648,"max":4294967295,"z":0,"l":"a  b","a":["x","y"],
                "r":{"k":"v","j":"w"},"c":"no"}"#,
        );
        let f = Fields::new(&j, "options", ErrorCode::InvalidArgument, false).unwrap();
        assert_eq!(f.string("s").unwrap().as_deref(), Some("v"));
        assert!(!f.bool("b", true).unwrap());
        assert_eq!(f.positive("n", 1).unwrap(), 2_147_483_647);
        // One more would make setTimeout fire at once.
        assert!(f.positive("n1", 1).is_err());
        assert!(f.positive("max", 1).is_err());
        assert_eq!(f.whole("z", 5, 0, "0 or more").unwrap(), 0);
        assert!(f.positive("z", 5).is_err());
        assert_eq!(f.string_list("l").unwrap(), ["a", "b"]);
        assert_eq!(f.string_list("a").unwrap(), ["x", "y"]);
        assert_eq!(
            f.string_record("r").unwrap(),
            [("k".into(), "v".into()), ("j".into(), "w".into())]
        );
        assert_eq!(
            f.one_of("c", &[("yes", 1), ("no", 0)], "").unwrap(),
            Some(0)
        );
    }
}
