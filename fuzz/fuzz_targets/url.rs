//! The URL checks every endpoint, redirect URI and issuer goes through (`ClientConfig::validate`,
//! `metadata_urls`, `is_loopback_host`) and the splitter under them, against the WHATWG URL
//! parser that `fetch` and `location` use (the `url` crate).
//!
//! Invariants: whatever the library accepts as an endpoint, WHATWG reads with the same scheme,
//! host, query and fragment presence (the host compared after WHATWG's own host parsing of the
//! host the library found, so case, IDNA and IPv4 forms are not differences); plain http only
//! where WHATWG sees a loopback host; every URL `metadata_urls` makes is an endpoint the
//! library accepts, on the issuer's host.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_spa::fuzzing::{is_ipv6, parse_url, punycode_ok};
use oauth_spa::{is_loopback_host, metadata_urls, ClientConfig, ErrorCode};
use oauth_spa_fuzz::{reference_punycode, uts46_table_refusal};
use url::{Host, Url};

fn whatwg_loopback(u: &Url) -> bool {
    match u.host() {
        Some(Host::Domain(d)) => d == "localhost",
        Some(Host::Ipv4(a)) => a.octets()[0] == 127,
        Some(Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    }
}

/// `url`, which the library accepted (as an endpoint, or as a redirect URI: plain http on any
/// host), reads the same way in WHATWG. `None` for the intended difference of
/// `uts46_table_refusal`.
fn same_in_whatwg(url: &str, endpoint: bool) -> Option<Url> {
    let parts = parse_url("x", url).expect("accepted but not splittable");
    let w = match Url::parse(url) {
        Ok(w) => w,
        Err(e) if uts46_table_refusal(parts.host, e) => return None,
        Err(e) => panic!("accepted, but WHATWG refuses it: {e}"),
    };
    assert_eq!(w.scheme(), if parts.https { "https" } else { "http" });
    let ours = Host::parse(parts.host).map(|h| h.to_owned());
    assert_eq!(
        ours.ok().as_ref(),
        w.host().map(|h| h.to_owned()).as_ref(),
        "WHATWG reads another host"
    );
    assert_eq!(w.query().is_some(), parts.query.is_some(), "query");
    assert_eq!(w.fragment().is_some(), parts.fragment.is_some(), "fragment");
    if endpoint && !parts.https {
        assert!(is_loopback_host(parts.host));
        assert!(
            whatwg_loopback(&w),
            "http allowed to a host WHATWG does not see as loopback"
        );
    }
    Some(w)
}

fuzz_target!(|data: &[u8]| {
    let Ok(url) = std::str::from_utf8(data) else {
        return;
    };
    let _ = is_loopback_host(url);
    // The IPv6 check is WHATWG's IPv6 parser: the same addresses, on any text.
    let whatwg = Host::parse(&format!("[{url}]")).is_ok();
    assert_eq!(is_ipv6(url), whatwg, "IPv6 check and WHATWG disagree");
    // The Punycode check is the reference decoder with the same rules, on each dot-separated
    // ASCII piece (the library checks only ASCII hosts).
    for label in url.split('.').filter(|l| l.is_ascii()) {
        let reference = reference_punycode(label).is_none_or(|d| d.is_ok());
        assert_eq!(
            punycode_ok(label),
            reference,
            "Punycode check and idna disagree"
        );
    }
    let ok = "https://server.example.com/ok";
    let mut configs = Vec::new();
    for field in 0..4 {
        let mut c = ClientConfig::new("client", ok, ok);
        match field {
            0 => c.authorization_endpoint = url.into(),
            1 => c.token_endpoint = url.into(),
            2 => c.revocation_endpoint = Some(url.into()),
            _ => c.redirect_uri = Some(url.into()),
        }
        configs.push((field, c));
    }
    for (field, c) in configs {
        match c.validate() {
            Ok(()) => {
                let w = same_in_whatwg(url, field < 3);
                assert!(w.is_none_or(|w| w.fragment().is_none()));
            }
            Err(e) => assert!(
                matches!(
                    e.code(),
                    ErrorCode::InvalidConfig | ErrorCode::InsecureEndpoint
                ),
                "unexpected {:?}",
                e.code()
            ),
        }
    }
    let mut c = ClientConfig::new("client", ok, ok);
    c.issuer = Some(url.into());
    let issuer_ok = c.validate().is_ok();
    match metadata_urls(url) {
        Ok(urls) => {
            assert!(
                issuer_ok,
                "metadata_urls accepts an issuer validate refuses"
            );
            let Some(issuer) = same_in_whatwg(url, true) else {
                return;
            };
            let host = issuer.host().map(|h| h.to_owned());
            assert!(urls.len() == 2 || urls.len() == 3);
            for u in &urls {
                let mut c = ClientConfig::new("client", ok, ok);
                c.token_endpoint = u.clone();
                if let Err(e) = c.validate() {
                    panic!(
                        "metadata_urls made an endpoint validate refuses: {:?}",
                        e.code()
                    );
                }
                let w = same_in_whatwg(u, true).expect("the issuer parses, this URL does not");
                assert_eq!(
                    w.host().map(|h| h.to_owned()),
                    host,
                    "metadata URL on another host"
                );
                assert!(w.path().contains("/.well-known/"));
            }
        }
        Err(e) => {
            assert!(
                !issuer_ok,
                "validate accepts an issuer metadata_urls refuses"
            );
            assert!(matches!(
                e.code(),
                ErrorCode::InvalidConfig | ErrorCode::InsecureEndpoint
            ));
        }
    }
});
