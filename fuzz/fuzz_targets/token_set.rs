//! A stored or app-given token set (`createSession(config, { tokens })`, the session's
//! storage): `token_set_from_json` over any JSON, then the session functions on what it reads:
//! `next_step`, `is_fresh`, `refresh_at`, `refresh_request`, `merge_refreshed`.
//!
//! Invariants: a set that reads writes back and reads again unchanged; `expiresAt` is what an
//! independent reader makes of it (0 for a present non-number); `next_step` follows from
//! `is_fresh` and the refresh token; a refresh request carries the refresh token; a merge keeps
//! the old refresh token, ID token and scope only where the new set has none.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_spa::fuzzing::SATURATED;
use oauth_spa::{
    is_fresh, merge_refreshed, next_step, refresh_at, refresh_request, token_set_from_json, Json,
    NextStep, TokenSet,
};
use oauth_spa_fuzz::{reference_whole_number, rfc_config, split_line};

fn fields(t: &TokenSet) -> impl PartialEq + std::fmt::Debug {
    let s = |x: &Option<oauth_spa::Secret>| x.as_ref().map(|s| s.expose().to_owned());
    (
        t.access_token.expose().to_owned(),
        t.expires_at,
        s(&t.refresh_token),
        t.scope.clone(),
        s(&t.id_token),
    )
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // An optional first line "now skew" (decimal) picks the clock; the rest is the JSON.
    let (line, json) = split_line(text);
    let mut numbers = line.split(' ').map(|n| n.parse::<u64>().ok());
    let now = numbers.next().flatten().unwrap_or(1_700_000_000_000);
    let skew = numbers.next().flatten().map_or(60, |s| s as u32);
    let Some(v) = Json::parse(json) else {
        return;
    };
    let Some(t) = token_set_from_json(&v) else {
        assert!(!matches!(v.get("accessToken"), Some(Json::String(s)) if !s.is_empty()));
        return;
    };
    let want_expiry = match v.get("expiresAt") {
        None | Some(Json::Null) => None,
        Some(n @ Json::Number(_)) => Some(reference_whole_number(n, SATURATED).unwrap_or(0)),
        Some(_) => Some(0),
    };
    assert_eq!(
        t.expires_at, want_expiry,
        "expiresAt read differently from the reference"
    );

    let back = Json::parse(t.to_json(None).expose()).expect("to_json is not JSON");
    let again = token_set_from_json(&back).expect("to_json does not read back");
    assert_eq!(fields(&again), fields(&t));

    let fresh = is_fresh(&t, now, skew);
    assert_eq!(
        fresh,
        refresh_at(t.expires_at, skew).is_none_or(|r| now < r)
    );
    let step = next_step(Some(&t), now, skew, false);
    let forced = next_step(Some(&t), now, skew, true);
    let can_refresh = t.refresh_token.is_some();
    let after = if can_refresh {
        NextStep::Refresh
    } else {
        NextStep::SignIn
    };
    assert_eq!(step, if fresh { NextStep::UseToken } else { after });
    assert_eq!(forced, after);
    assert_eq!(next_step(None, now, skew, false), NextStep::SignIn);
    match refresh_request(&rfc_config(), &t) {
        Ok(r) => {
            let rt = t
                .refresh_token
                .as_ref()
                .expect("a refresh request without refresh token");
            let pairs: Vec<(String, String)> = form_urlencoded::parse(r.body.expose().as_bytes())
                .into_owned()
                .collect();
            assert!(pairs.contains(&("refresh_token".into(), rt.expose().into())));
            assert!(pairs.contains(&("grant_type".into(), "refresh_token".into())));
        }
        Err(e) => {
            assert!(!can_refresh);
            assert_eq!(e.code(), oauth_spa::ErrorCode::NotSignedIn);
        }
    }

    // A refresh answer with nothing but a new access token keeps the rest; a full one wins.
    let mut bare = t.clone();
    bare.access_token = "new".into();
    bare.refresh_token = None;
    bare.id_token = None;
    bare.scope = None;
    let merged = merge_refreshed(&t, bare);
    let mut want = t.clone();
    want.access_token = "new".into();
    assert_eq!(fields(&merged), fields(&want));
    let merged = merge_refreshed(&want, t.clone());
    let s = |x: &Option<oauth_spa::Secret>| x.as_ref().map(|s| s.expose().to_owned());
    assert_eq!(merged.access_token.expose(), t.access_token.expose());
    assert_eq!(
        s(&merged.refresh_token),
        s(&t.refresh_token).or(s(&want.refresh_token))
    );
});
