//! The stored pending login (`Transaction` as JSON in sessionStorage, which other scripts of
//! the origin can write): `Transaction::from_json` over any text, and `sweep` over a storage
//! holding it.
//!
//! Invariants: a transaction that reads reads back identically after `to_json`; `sweep`
//! removes the value exactly when it has no readable `expiresAt` or that time has passed, and
//! never touches keys outside its prefix.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_spa::{sweep, Json, MemoryStorage, Storage, Transaction};
use oauth_spa_fuzz::reference_whole_number;

const PREFIX: &str = "oauth-spa:tx:";

fn fields(t: &Transaction) -> impl PartialEq + std::fmt::Debug {
    (
        t.verifier.expose().to_owned(),
        t.redirect_uri.clone(),
        t.token_endpoint.clone(),
        t.client_id.clone(),
        t.issuer.clone(),
        t.scope.clone(),
        t.app_state.clone(),
        t.created_at,
        t.expires_at,
    )
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let tx = Transaction::from_json(text);
    if let Some(t) = &tx {
        let again = Transaction::from_json(&t.to_json()).expect("to_json does not read back");
        assert_eq!(fields(&again), fields(t));
        assert_eq!(again.to_json(), t.to_json());
    }

    // What sweep should read: the top-level expiresAt as a non-negative number (read by the
    // reference reader of the fuzz crate, not the library's).
    let expiry = Json::parse(text)
        .and_then(|j| reference_whole_number(j.get("expiresAt")?, oauth_spa::fuzzing::SATURATED));
    if let Some(t) = &tx {
        assert_eq!(expiry, Some(t.expires_at));
    }
    for now in [0u64, 1_700_000_000_000, u64::MAX] {
        let mut storage = MemoryStorage::new();
        storage.set("oauth-spa:tx:a", text).unwrap();
        storage.set("other:b", text).unwrap();
        let removed = sweep(&mut storage, PREFIX, now).unwrap();
        let stale = expiry.is_none_or(|e| e <= now);
        assert_eq!(removed, usize::from(stale));
        assert_eq!(storage.get("oauth-spa:tx:a").unwrap().is_none(), stale);
        assert_eq!(storage.get("other:b").unwrap().as_deref(), Some(text));
    }
});
