//! In-memory server state: pending consents, authorization codes, grants, tokens, counters.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::dialect::Dialect;
use crate::pkce;
use crate::secret::random_token;

/// A validated authorization request, waiting for consent or bound to a code.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub dialect: Dialect,
    pub client_id: String,
    /// The effective redirect URI (the registered one when none was sent).
    pub redirect_uri: String,
    /// Whether `redirect_uri` was in the request (then the token request must repeat it,
    /// RFC 6749 §4.1.3).
    pub redirect_uri_sent: bool,
    pub scope: String,
    pub state: Option<String>,
    pub challenge: Option<(pkce::Method, String)>,
    /// `dpop_jkt` (RFC 9449 §10): the code is exchanged only with a DPoP proof of the key
    /// with this RFC 7638 thumbprint.
    pub dpop_jkt: Option<String>,
}

pub struct PendingConsent {
    pub request: AuthorizationRequest,
    pub created_ms: u64,
}

pub struct Code {
    pub request: AuthorizationRequest,
    pub issued_ms: u64,
    /// Set by the first token request that presents the code, successful or not.
    pub used: bool,
    /// The grant created by a successful exchange, revoked if the code is replayed.
    pub grant: Option<String>,
}

/// What one successful code exchange created; refresh tokens rotate within it.
pub struct Grant {
    /// The dialect whose token endpoint issued it: its tokens work only in that dialect.
    pub dialect: Dialect,
    pub client_id: String,
    pub scope: String,
    pub revoked: bool,
    /// The thumbprint of the DPoP key the grant's refresh tokens are bound to (RFC 9449 §5):
    /// a refresh must come with a proof of that key.
    pub jkt: Option<String>,
}

pub struct AccessToken {
    pub grant: String,
    pub scope: String,
    pub expires_ms: u64,
    pub revoked: bool,
    /// `cnf.jkt` (RFC 9449 §6): the token works only with a proof of this key.
    pub jkt: Option<String>,
}

pub struct RefreshToken {
    pub grant: String,
    /// Replaced by a newer refresh token (rotation); presenting it again is reuse.
    pub rotated: bool,
}

/// The consent decision a test can force with `POST /__consent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentMode {
    Page,
    Allow,
    Deny,
}

/// Request counters, keyed by dotted paths such as `token.v3.authorization_code.ok`.
#[derive(Default)]
pub struct Stats {
    counters: BTreeMap<String, u64>,
}

impl Stats {
    pub fn new() -> Self {
        let mut stats = Stats::default();
        for key in [
            "authorize.v3.total",
            "authorize.rfc.total",
            "token.v3.total",
            "token.rfc.total",
            "revoke.rfc.total",
            "consent.allow",
            "consent.deny",
        ] {
            stats.counters.insert(key.into(), 0);
        }
        stats
    }

    pub fn bump(&mut self, key: &str) {
        *self.counters.entry(key.to_string()).or_insert(0) += 1;
    }

    /// The counters as nested JSON objects.
    pub fn to_json(&self) -> Value {
        let mut root = Map::new();
        for (key, count) in &self.counters {
            let parts: Vec<&str> = key.split('.').collect();
            let mut node = &mut root;
            for part in &parts[..parts.len() - 1] {
                node = node
                    .entry(part.to_string())
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .expect("counter keys never name both a leaf and a branch");
            }
            node.insert(parts[parts.len() - 1].to_string(), Value::from(*count));
        }
        Value::Object(root)
    }
}

/// Everything that changes while the server runs.
pub struct Store {
    pub consents: HashMap<String, PendingConsent>,
    pub codes: HashMap<String, Code>,
    pub grants: HashMap<String, Grant>,
    pub access_tokens: HashMap<String, AccessToken>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    pub stats: Stats,
    pub consent_mode: ConsentMode,
    pub dpop: crate::dpop::DpopState,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            consents: HashMap::new(),
            codes: HashMap::new(),
            grants: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            stats: Stats::new(),
            consent_mode: ConsentMode::Page,
            dpop: Default::default(),
        }
    }
}

/// Tokens handed out by one token response.
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
}

impl Store {
    pub fn new_grant(
        &mut self,
        dialect: Dialect,
        client_id: &str,
        scope: &str,
        jkt: Option<&str>,
    ) -> String {
        let id = random_token();
        self.grants.insert(
            id.clone(),
            Grant {
                dialect,
                client_id: client_id.into(),
                scope: scope.into(),
                revoked: false,
                jkt: jkt.map(String::from),
            },
        );
        id
    }

    /// Issues an access token (and optionally a refresh token) within `grant`.
    pub fn issue(
        &mut self,
        grant: &str,
        scope: &str,
        expires_ms: u64,
        with_refresh: bool,
        jkt: Option<&str>,
    ) -> IssuedTokens {
        let access_token = random_token();
        self.access_tokens.insert(
            access_token.clone(),
            AccessToken {
                grant: grant.into(),
                scope: scope.into(),
                expires_ms,
                revoked: false,
                jkt: jkt.map(String::from),
            },
        );
        let refresh_token = with_refresh.then(|| {
            let token = random_token();
            self.refresh_tokens.insert(
                token.clone(),
                RefreshToken {
                    grant: grant.into(),
                    rotated: false,
                },
            );
            token
        });
        IssuedTokens {
            access_token,
            refresh_token,
        }
    }

    /// Revokes a grant: every access and refresh token issued within it stops working.
    pub fn revoke_grant(&mut self, grant: &str) {
        if let Some(g) = self.grants.get_mut(grant) {
            g.revoked = true;
        }
        for token in self.access_tokens.values_mut() {
            if token.grant == grant {
                token.revoked = true;
            }
        }
        self.refresh_tokens.retain(|_, t| t.grant != grant);
    }

    pub fn grant_is_live(&self, grant: &str) -> bool {
        self.grants.get(grant).is_some_and(|g| !g.revoked)
    }

    /// The grant a token belongs to, if `dialect` issued it.
    pub fn grant_of(&self, grant: &str, dialect: Dialect) -> Option<&Grant> {
        self.grants.get(grant).filter(|g| g.dialect == dialect)
    }

    /// The access token if `dialect` issued it and it is unrevoked, unexpired, and its grant
    /// is live.
    pub fn live_access_token(
        &self,
        token: &str,
        dialect: Dialect,
        now_ms: u64,
    ) -> Result<&AccessToken, &'static str> {
        let record = self
            .access_tokens
            .get(token)
            .ok_or("the access token is unknown")?;
        if self.grant_of(&record.grant, dialect).is_none() {
            return Err("the access token was issued by the other dialect's token endpoint");
        }
        if record.revoked || !self.grant_is_live(&record.grant) {
            return Err("the access token was revoked");
        }
        if now_ms >= record.expires_ms {
            return Err("the access token expired");
        }
        Ok(record)
    }

    /// Forgets everything except the consent mode, which `/__reset` also restores.
    pub fn reset(&mut self) {
        *self = Store::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_nest_by_dots() {
        let mut stats = Stats::new();
        stats.bump("token.v3.authorization_code.ok");
        stats.bump("token.v3.authorization_code.ok");
        stats.bump("token.v3.total");
        let json = stats.to_json();
        assert_eq!(json["token"]["v3"]["authorization_code"]["ok"], 2);
        assert_eq!(json["token"]["v3"]["total"], 1);
        assert_eq!(json["token"]["rfc"]["total"], 0);
    }

    #[test]
    fn revoking_a_grant_kills_its_tokens_only() {
        let mut store = Store::default();
        let g1 = store.new_grant(Dialect::Rfc, "c", "projects", None);
        let g2 = store.new_grant(Dialect::Rfc, "c", "projects", None);
        let t1 = store.issue(&g1, "projects", u64::MAX, true, None);
        let t2 = store.issue(&g2, "projects", u64::MAX, true, None);
        store.revoke_grant(&g1);
        assert!(store
            .live_access_token(&t1.access_token, Dialect::Rfc, 0)
            .is_err());
        assert!(store
            .live_access_token(&t2.access_token, Dialect::Rfc, 0)
            .is_ok());
        assert!(!store
            .refresh_tokens
            .contains_key(t1.refresh_token.as_ref().unwrap()));
        assert!(store
            .refresh_tokens
            .contains_key(t2.refresh_token.as_ref().unwrap()));
    }

    #[test]
    fn access_tokens_expire() {
        let mut store = Store::default();
        let g = store.new_grant(Dialect::Ellipsis, "c", "projects", None);
        let t = store.issue(&g, "projects", 1000, false, None);
        assert!(t.refresh_token.is_none());
        assert!(store
            .live_access_token(&t.access_token, Dialect::Ellipsis, 999)
            .is_ok());
        assert_eq!(
            store
                .live_access_token(&t.access_token, Dialect::Ellipsis, 1000)
                .err(),
            Some("the access token expired")
        );
    }

    #[test]
    fn access_tokens_work_only_in_their_dialect() {
        let mut store = Store::default();
        let g = store.new_grant(Dialect::Ellipsis, "c", "projects", None);
        let t = store.issue(&g, "projects", u64::MAX, false, None);
        assert!(store
            .live_access_token(&t.access_token, Dialect::Ellipsis, 0)
            .is_ok());
        let err = store
            .live_access_token(&t.access_token, Dialect::Rfc, 0)
            .err()
            .unwrap();
        assert!(err.contains("other dialect"), "{err}");
        assert!(store.grant_of(&g, Dialect::Rfc).is_none());
        assert!(store.grant_of(&g, Dialect::Ellipsis).is_some());
    }
}
