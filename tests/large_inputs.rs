//! Inputs a hostile server or a careless app can make large: the work each takes must grow
//! about linearly (n log n at most), never with the square. The tests check the answers on
//! large inputs; `timings` (ignored, run with `--release -- --ignored --nocapture`) prints how
//! long each takes.
#![cfg(not(target_arch = "wasm32"))]

#[cfg(feature = "session")]
use oauth_spa::parse_metadata;
use oauth_spa::{
    parse_token_response, start_login, sweep, ClientConfig, ErrorCode, Json, LoginOptions,
    LoginRandom, MemoryStorage, Storage, Transaction,
};

/// A long name, distinct for each `i`, whose difference comes last (so comparing two costs
/// their whole length).
fn long_name(i: usize, len: usize) -> String {
    let mut s = "n".repeat(len);
    s.push_str(&format!("{i:06}"));
    s
}

/// A JSON object with `head` (members without braces) and then `n` members named
/// `long_name(i, len)` (`repeat`: the last one repeats the first).
fn object(head: &str, n: usize, len: usize, repeat: bool) -> String {
    let mut b = format!("{{{head}");
    for i in 0..n {
        let name = if repeat && i == n - 1 { 0 } else { i };
        b.push_str(&format!(",\"{}\":0", long_name(name, len)));
    }
    b.push('}');
    b
}

fn config() -> ClientConfig {
    let mut c = ClientConfig::new(
        "client",
        "https://as.example/authorize?tenant=t",
        "https://as.example/token",
    );
    c.redirect_uri = Some("https://app.example/cb".into());
    c
}

const TOKEN_HEAD: &str = r#""access_token":"a","token_type":"Bearer""#;

fn token_response(members: usize, len: usize, repeat: bool) -> Result<usize, ErrorCode> {
    parse_token_response(
        &config(),
        200,
        &object(TOKEN_HEAD, members - 2, len, repeat),
        0,
        None,
    )
    .map(|t| t.raw.member_count())
    .map_err(|e| e.code())
}

#[cfg(feature = "session")]
const METADATA_HEAD: &str = r#""issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t""#;

#[cfg(feature = "session")]
fn metadata(members: usize, len: usize, repeat: bool) -> Result<usize, ErrorCode> {
    parse_metadata(
        "https://as.example",
        &object(METADATA_HEAD, members - 3, len, repeat),
    )
    .map(|m| m.raw.member_count())
    .map_err(|e| e.code())
}

fn extra_params(n: usize, last: Option<&str>) -> LoginOptions {
    let mut extra_params: Vec<(String, String)> =
        (0..n).map(|i| (format!("p{i:06}"), "v".into())).collect();
    if let Some(name) = last {
        extra_params.push((name.into(), "again".into()));
    }
    LoginOptions {
        extra_params,
        ..LoginOptions::default()
    }
}

fn login(options: &LoginOptions) -> Result<String, (ErrorCode, String)> {
    let random = LoginRandom {
        verifier: [1; 32],
        state: [2; 32],
    };
    start_login(&config(), options, &random, 0, &mut MemoryStorage::new())
        .map(|r| r.url)
        .map_err(|e| (e.code(), e.message().to_owned()))
}

/// A store with `n` expired transactions, `n` live ones and `n` values that are not
/// transactions under the prefix, and `n` entries under another prefix.
fn crowded_storage(n: usize) -> MemoryStorage {
    let tx = |expires_at| Transaction {
        verifier: oauth_spa::Secret::new("v".repeat(43)),
        redirect_uri: None,
        token_endpoint: "https://as.example/token".into(),
        client_id: "c".into(),
        issuer: None,
        scope: None,
        app_state: None,
        created_at: 0,
        expires_at,
    };
    let (old, new) = (tx(1_000).to_json(), tx(9_000).to_json());
    let mut s = MemoryStorage::new();
    for i in 0..n {
        s.set(&format!("p:old{i:06}"), &old).unwrap();
        s.set(&format!("p:new{i:06}"), &new).unwrap();
        s.set(&format!("p:junk{i:06}"), "junk").unwrap();
        s.set(&format!("q:old{i:06}"), &old).unwrap();
    }
    s
}

#[test]
fn a_thousand_long_member_names() {
    // 1000 members of 10 KB names: about 10 MB, the largest token response accepted.
    assert_eq!(token_response(1000, 10_000, false), Ok(1000));
    assert_eq!(
        token_response(1000, 10_000, true),
        Err(ErrorCode::InvalidTokenResponse)
    );
    assert_eq!(
        token_response(1001, 10, false),
        Err(ErrorCode::InvalidTokenResponse)
    );
}

#[test]
#[cfg(feature = "session")]
fn a_thousand_long_metadata_member_names() {
    assert_eq!(metadata(1000, 10_000, false), Ok(1000));
    assert_eq!(
        metadata(1000, 10_000, true),
        Err(ErrorCode::InvalidMetadata)
    );
}

#[test]
fn repeats_among_many_members_are_found_in_document_order() {
    let v = Json::parse(&object("\"a\":1", 100_000, 20, false)).unwrap();
    assert_eq!(v.member_count(), 100_001);
    assert_eq!(v.duplicate_member(), None);
    let v = Json::parse(&object("\"a\":1", 100_000, 20, true)).unwrap();
    assert_eq!(v.duplicate_member(), Some(long_name(0, 20).as_str()));
    // The member whose second occurrence comes first is named.
    let v = Json::parse(r#"{"b":1,"a":2,"c":3,"a":4,"b":5,"c":6}"#).unwrap();
    assert_eq!(v.duplicate_member(), Some("a"));
}

#[test]
fn thirty_thousand_extra_params() {
    let url = login(&extra_params(30_000, None)).unwrap();
    assert!(url.starts_with("https://as.example/authorize?tenant=t&response_type=code&"));
    assert!(url.contains("&p000000=v&") && url.ends_with("&p029999=v"));
    let (code, message) = login(&extra_params(30_000, Some("p000007"))).unwrap_err();
    assert_eq!(code, ErrorCode::InvalidArgument);
    assert_eq!(
        message,
        "extraParams parameter p000007 would be sent twice (RFC 6749 §3.1)"
    );
    // A name the endpoint's query has already.
    let (code, message) = login(&extra_params(30_000, Some("tenant"))).unwrap_err();
    assert_eq!(code, ErrorCode::InvalidArgument);
    assert!(message.contains(" tenant "), "{message}");
}

#[test]
fn sweeping_ten_thousand_keys() {
    let mut s = crowded_storage(2_500);
    assert_eq!(s.len(), 10_000);
    assert_eq!(sweep(&mut s, "p:", 5_000).unwrap(), 5_000);
    assert_eq!(s.len(), 5_000);
    assert_eq!(s.keys_with_prefix("p:").unwrap().len(), 2_500);
    assert!(s
        .keys_with_prefix("p:")
        .unwrap()
        .iter()
        .all(|k| k.starts_with("p:new")));
    assert_eq!(s.keys_with_prefix("q:").unwrap().len(), 2_500);
    assert_eq!(sweep(&mut s, "p:", 5_000).unwrap(), 0);
}

/// `cargo test --release --test large_inputs -- --ignored --nocapture`
#[test]
#[ignore = "a benchmark: prints timings"]
fn timings() {
    use std::time::Instant;
    let time = |what: &str, f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        println!("{what}: {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
    };
    let body = object(TOKEN_HEAD, 998, 10_000, false);
    time(
        "parse_token_response, 1000 members x 10 KB names",
        &mut || {
            assert!(parse_token_response(&config(), 200, &body, 0, None).is_ok());
        },
    );
    #[cfg(feature = "session")]
    {
        let body = object(METADATA_HEAD, 997, 10_000, false);
        time("parse_metadata, 1000 members x 10 KB names", &mut || {
            assert!(parse_metadata("https://as.example", &body).is_ok());
        });
    }
    let v = Json::parse(&object("\"a\":1", 100_000, 20, false)).unwrap();
    time("Json::duplicate_member, 100k members", &mut || {
        assert_eq!(v.duplicate_member(), None);
    });
    let options = extra_params(30_000, None);
    time("start_login, 30k extraParams", &mut || {
        assert!(login(&options).is_ok());
    });
    let mut s = crowded_storage(2_500);
    time("sweep, 10k keys", &mut || {
        assert_eq!(sweep(&mut s, "p:", 5_000).unwrap(), 5_000);
    });
}
