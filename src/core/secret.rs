//! A string that must not leak: `Debug` prints `[redacted]`, there is no `Display`, and no
//! `PartialEq` (comparing secrets is the server's job, not the client's).

use alloc::{borrow::ToOwned, string::String};
use core::fmt;

/// A secret string: a token, an authorization code, a PKCE verifier or a client secret.
///
/// Read it with [`Secret::expose`] where the protocol needs the value.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The value itself. Every call site is a place where the secret leaves this type.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// Consumes the wrapper and returns the value.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts() {
        let s = Secret::new("s3cr3t-token");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some([redacted])");
        assert_eq!(s.expose(), "s3cr3t-token");
    }
}
