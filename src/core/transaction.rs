//! The pending login ("transaction") kept between the redirect and the callback, and the
//! storage it lives in.

use crate::core::error::Error;
use crate::core::json::{as_non_negative_integer, Json, ObjectWriter};
use crate::core::secret::Secret;
use alloc::{borrow::ToOwned, collections::BTreeMap, string::String, vec::Vec};
use core::ops::Bound;

/// Key/value storage with the shape of the Web Storage API (`sessionStorage`).
///
/// Every method may fail: browsers throw when storage is disabled, in sandboxed iframes and
/// when the quota is exceeded. Implementations report that as
/// [`crate::ErrorCode::StorageUnavailable`].
pub trait Storage {
    /// The value under `key`, if any.
    fn get(&self, key: &str) -> Result<Option<String>, Error>;
    /// Stores `value` under `key`.
    fn set(&mut self, key: &str, value: &str) -> Result<(), Error>;
    /// Removes `key` (absent keys are fine).
    fn remove(&mut self, key: &str) -> Result<(), Error>;
    /// All keys that start with `prefix`.
    fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, Error>;
}

/// A [`Storage`] in memory, for tests and for non-browser hosts. Ordered by key: each
/// operation is O(log n), listing a prefix O(log n + k).
#[derive(Default, Debug, Clone)]
pub struct MemoryStorage {
    entries: BTreeMap<String, String>,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Storage for MemoryStorage {
    fn get(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(self.entries.get(key).cloned())
    }
    fn set(&mut self, key: &str, value: &str) -> Result<(), Error> {
        self.entries.insert(key.to_owned(), value.to_owned());
        Ok(())
    }
    fn remove(&mut self, key: &str) -> Result<(), Error> {
        self.entries.remove(key);
        Ok(())
    }
    fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, Error> {
        // The keys from `prefix` on, in order, while they start with it.
        Ok(self
            .entries
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(prefix))
            .cloned()
            .collect())
    }
}

/// One pending login: what the callback needs to finish it, bound to one `state`.
#[derive(Debug, Clone)]
pub struct Transaction {
    /// The PKCE code verifier.
    pub verifier: Secret,
    /// The redirect URI sent to the authorization endpoint, if any (RFC 6749 §4.1.3).
    pub redirect_uri: Option<String>,
    /// The token endpoint the code is for.
    pub token_endpoint: String,
    /// The client the code is for.
    pub client_id: String,
    /// The expected issuer, if known (RFC 9207).
    pub issuer: Option<String>,
    /// The scope requested, if any.
    pub scope: Option<String>,
    /// The application's own value, returned with the tokens.
    pub app_state: Option<String>,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_at: u64,
    /// Expiry time, milliseconds since the Unix epoch.
    pub expires_at: u64,
}

const VERSION: u64 = 1;

impl Transaction {
    /// Serialises to the stored JSON form.
    pub fn to_json(&self) -> String {
        ObjectWriter::new()
            .uint("v", VERSION)
            .string("verifier", self.verifier.expose())
            .opt_string("redirectUri", self.redirect_uri.as_deref())
            .string("tokenEndpoint", &self.token_endpoint)
            .string("clientId", &self.client_id)
            .opt_string("issuer", self.issuer.as_deref())
            .opt_string("scope", self.scope.as_deref())
            .opt_string("appState", self.app_state.as_deref())
            .uint("createdAt", self.created_at)
            .uint("expiresAt", self.expires_at)
            .finish()
    }

    /// Reads the stored JSON form; `None` when it is not one of ours.
    pub fn from_json(text: &str) -> Option<Transaction> {
        let v = Json::parse(text)?;
        if v.get("v").and_then(as_non_negative_integer) != Some(VERSION) {
            return None;
        }
        let s = |name: &str| v.get(name).and_then(Json::as_str).map(String::from);
        let n = |name: &str| v.get(name).and_then(as_non_negative_integer);
        Some(Transaction {
            verifier: Secret::new(s("verifier")?),
            redirect_uri: s("redirectUri"),
            token_endpoint: s("tokenEndpoint")?,
            client_id: s("clientId")?,
            issuer: s("issuer"),
            scope: s("scope"),
            app_state: s("appState"),
            created_at: n("createdAt")?,
            expires_at: n("expiresAt")?,
        })
    }
}

/// Only the expiry of a stored value, read without building a whole transaction.
fn expiry_of(text: &str) -> Option<u64> {
    Json::parse(text)?
        .get("expiresAt")
        .and_then(as_non_negative_integer)
}

/// Removes every transaction under `prefix` that has expired at `now_ms`, and every value
/// under `prefix` that is not a transaction, among the keys `storage` lists for `prefix` (the
/// browser's skips keys with a newline, which this library never writes). Returns how many
/// were removed.
pub fn sweep(
    storage: &mut (impl Storage + ?Sized),
    prefix: &str,
    now_ms: u64,
) -> Result<usize, Error> {
    let mut removed = 0;
    for key in &storage.keys_with_prefix(prefix)? {
        let stale = match storage.get(key)? {
            Some(text) => expiry_of(&text).is_none_or(|exp| exp <= now_ms),
            None => false,
        };
        if stale {
            storage.remove(key)?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(expires_at: u64) -> Transaction {
        Transaction {
            verifier: Secret::new("v".repeat(43)),
            redirect_uri: Some("https://app.example/cb".into()),
            token_endpoint: "https://as.example/token".into(),
            client_id: "c".into(),
            issuer: None,
            scope: Some("a b".into()),
            app_state: Some("/return/to?x=\"1\"".into()),
            created_at: 1000,
            expires_at,
        }
    }

    #[test]
    fn round_trip() {
        let t = tx(5000);
        let back = Transaction::from_json(&t.to_json()).unwrap();
        assert_eq!(back.verifier.expose(), t.verifier.expose());
        assert_eq!(back.redirect_uri, t.redirect_uri);
        assert_eq!(back.token_endpoint, t.token_endpoint);
        assert_eq!(back.client_id, t.client_id);
        assert_eq!(back.issuer, None);
        assert_eq!(back.scope, t.scope);
        assert_eq!(back.app_state, t.app_state);
        assert_eq!((back.created_at, back.expires_at), (1000, 5000));
        assert!(Transaction::from_json("{}").is_none());
        assert!(Transaction::from_json("not json").is_none());
        assert!(Transaction::from_json(r#"{"v":2,"verifier":"x"}"#).is_none());
    }

    #[test]
    fn debug_redacts_verifier() {
        let t = tx(1);
        assert!(!format!("{t:?}").contains(&"v".repeat(43)));
    }

    #[test]
    fn sweep_removes_expired_and_foreign_only() {
        let mut s = MemoryStorage::new();
        s.set("p:old", &tx(2000).to_json()).unwrap();
        s.set("p:new", &tx(9000).to_json()).unwrap();
        s.set("p:junk", "garbage").unwrap();
        s.set("other:old", &tx(2000).to_json()).unwrap();
        assert_eq!(sweep(&mut s, "p:", 5000).unwrap(), 2);
        assert!(s.get("p:old").unwrap().is_none());
        assert!(s.get("p:junk").unwrap().is_none());
        assert!(s.get("p:new").unwrap().is_some());
        assert!(s.get("other:old").unwrap().is_some());
    }
}
