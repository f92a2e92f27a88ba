//! DPoP (RFC 9449) on the server side: checks a request's proof (§4.3), keeps the `jti`s it
//! has seen (§11.1) and the nonces it handed out (§8, §9), and computes the key's RFC 7638
//! thumbprint, which binds tokens (`cnf.jkt`, §6.1).
//!
//! Written independently of the library's `src/core/dpop.rs`, so that the end-to-end tests
//! compare two implementations.

use std::collections::HashMap;

use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::base64::{decode_url_safe, encode_url_safe};
use crate::http::Request;
use crate::secret::random_token;

/// How far a proof's `iat` may be from the server's wall clock, in seconds, either way
/// (RFC 9449 §4.3 check 11, §11.1). Also how long a `jti` is remembered.
pub const IAT_WINDOW_SECONDS: u64 = 60;
/// How long a nonce this server handed out stays acceptable.
pub const NONCE_TTL_SECONDS: u64 = 300;
/// The only algorithm accepted (`dpop_signing_alg_values_supported`, §5.1).
pub const ALG: &str = "ES256";

/// Why a proof was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `invalid_dpop_proof` (§5, §7.1), with a description naming the check.
    Invalid(String),
    /// `use_dpop_nonce` (§8, §9): a new nonce is issued with it.
    NonceNeeded(String),
}

/// What the server remembers for DPoP.
#[derive(Default)]
pub struct DpopState {
    /// `jkt jti` of accepted proofs, with when they may be forgotten (wall ms).
    seen: HashMap<String, u64>,
    /// Nonces handed out, with when they were issued (wall ms).
    nonces: HashMap<String, u64>,
}

impl DpopState {
    /// A fresh nonce, remembered for [`NONCE_TTL_SECONDS`].
    pub fn new_nonce(&mut self, now_ms: u64) -> String {
        self.nonces
            .retain(|_, t| now_ms.saturating_sub(*t) < NONCE_TTL_SECONDS * 1000);
        let n = random_token();
        self.nonces.insert(n.clone(), now_ms);
        n
    }
}

/// The server's wall clock in ms, without the test clock's offset: that offset ages tokens
/// and codes, but a client's `iat` comes from the client's own clock, which it does not move.
fn wall_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The RFC 7638 §3 thumbprint of a P-256 public key given as its two 32-octet coordinates.
pub fn thumbprint(x: &[u8], y: &[u8]) -> String {
    let canonical = format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
        encode_url_safe(x),
        encode_url_safe(y)
    );
    encode_url_safe(&Sha256::digest(canonical.as_bytes()))
}

/// `htu` comparison form (RFC 9449 §4.3, RFC 3986 §6.2.2-6.2.3): no query or fragment, scheme
/// and host lower case, default port dropped, empty path `/`, percent-encoded unreserved
/// characters decoded, other percent-encodings in upper case. `None` for what is not an
/// absolute http(s) URL.
pub fn normalize_htu(url: &str) -> Option<String> {
    let url = url.split(['?', '#']).next().unwrap_or("");
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => "80",
        "https" => "443",
        _ => return None,
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let (host, port) = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => (&authority[..i], &authority[i + 1..]),
        _ => (authority, ""),
    };
    let port = port.trim_start_matches('0');
    let mut out = format!("{scheme}://{}", host.to_ascii_lowercase());
    if !port.is_empty() && port != default_port {
        out.push(':');
        out.push_str(port);
    }
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let hex = |j: usize| {
            bytes
                .get(j)
                .and_then(|&c| (c as char).to_digit(16))
                .map(|d| d as u8)
        };
        if let (b'%', Some(h), Some(l)) = (bytes[i], hex(i + 1), hex(i + 2)) {
            let c = h << 4 | l;
            if c.is_ascii_alphanumeric() || b"-._~".contains(&c) {
                out.push(c as char);
            } else {
                out.push_str(&path[i..i + 3].to_ascii_uppercase());
            }
            i += 3;
        } else {
            let ch = path[i..].chars().next()?;
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    Some(out)
}

/// `ath`: base64url(SHA-256(access token)) (§4.2).
pub fn ath(access_token: &str) -> String {
    encode_url_safe(&Sha256::digest(access_token.as_bytes()))
}

fn invalid<T>(why: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal::Invalid(why.into()))
}

/// Checks the `DPoP` header of `req` (RFC 9449 §4.3) for a request to this server's
/// `req.path` with `req.method`; `access_token` for a resource request (then `ath` must match,
/// §7.1). `Ok(None)` when the request has no proof. On success, the key's thumbprint.
pub fn check(
    app: &App,
    req: &Request,
    access_token: Option<&str>,
) -> Result<Option<String>, Refusal> {
    let proof = match req.header_count("dpop") {
        0 => return Ok(None),
        1 => req.header("dpop").unwrap_or(""),
        _ => return invalid("more than one DPoP header (RFC 9449 section 4.3 check 1)"),
    };
    let parts: Vec<&str> = proof.split('.').collect();
    let [header_b64, claims_b64, sig_b64] = parts[..] else {
        return invalid("the DPoP proof is not a JWS in compact form (three parts)");
    };
    let json = |b64: &str, what: &str| -> Result<serde_json::Map<String, Value>, Refusal> {
        let bytes = decode_url_safe(b64)
            .ok_or_else(|| Refusal::Invalid(format!("the DPoP proof's {what} is not base64url")))?;
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(m)) => Ok(m),
            _ => invalid(format!("the DPoP proof's {what} is not a JSON object")),
        }
    };
    let header = json(header_b64, "header")?;
    let claims = json(claims_b64, "claims")?;
    if header.get("typ").and_then(Value::as_str) != Some("dpop+jwt") {
        return invalid("the DPoP proof's typ is not dpop+jwt");
    }
    if header.get("alg").and_then(Value::as_str) != Some(ALG) {
        return invalid("the DPoP proof's alg is not ES256 (the only one supported)");
    }
    let Some(Value::Object(jwk)) = header.get("jwk") else {
        return invalid("the DPoP proof's header has no jwk");
    };
    if jwk.contains_key("d") {
        return invalid("the DPoP proof's jwk holds a private key");
    }
    if jwk.get("kty").and_then(Value::as_str) != Some("EC")
        || jwk.get("crv").and_then(Value::as_str) != Some("P-256")
    {
        return invalid("the DPoP proof's jwk is not an EC P-256 key");
    }
    let coordinate = |name: &str| {
        jwk.get(name)
            .and_then(Value::as_str)
            .and_then(decode_url_safe)
            .filter(|b| b.len() == 32)
    };
    let (Some(x), Some(y)) = (coordinate("x"), coordinate("y")) else {
        return invalid("the DPoP proof's jwk needs x and y of 32 octets");
    };
    let Ok(key) = VerifyingKey::from_sec1_bytes(&[&[4u8][..], &x, &y].concat()) else {
        return invalid("the DPoP proof's jwk is not a point on P-256");
    };
    let signature = decode_url_safe(sig_b64)
        .filter(|s| s.len() == 64)
        .and_then(|s| Signature::from_slice(&s).ok());
    let Some(signature) = signature else {
        return invalid("the DPoP proof's signature is not 64 octets (r || s)");
    };
    let signing_input = &proof[..header_b64.len() + 1 + claims_b64.len()];
    if key.verify(signing_input.as_bytes(), &signature).is_err() {
        return invalid("the DPoP proof's signature does not verify with its jwk");
    }
    let claim = |name: &str| claims.get(name).and_then(Value::as_str);
    let jti = match claim("jti") {
        Some(j) if !j.is_empty() && j.len() <= 256 => j,
        _ => return invalid("the DPoP proof has no jti (or one over 256 characters)"),
    };
    if claim("htm") != Some(req.method.as_str()) {
        return invalid("the DPoP proof's htm is not this request's method");
    }
    let host = req.header("host").unwrap_or("");
    let expected = normalize_htu(&format!("http://{host}{}", req.path));
    let given = claim("htu").and_then(normalize_htu);
    if given.is_none() || given != expected {
        return invalid("the DPoP proof's htu is not this request's URL");
    }
    let now = wall_ms();
    let Some(iat) = claims.get("iat").and_then(Value::as_u64) else {
        return invalid("the DPoP proof has no iat (a whole number of seconds)");
    };
    if iat.saturating_mul(1000).abs_diff(now) > IAT_WINDOW_SECONDS * 1000 {
        return invalid(format!(
            "the DPoP proof's iat is more than {IAT_WINDOW_SECONDS} seconds from the server's time"
        ));
    }
    if let Some(token) = access_token {
        if claim("ath") != Some(ath(token).as_str()) {
            return invalid("the DPoP proof's ath is not the hash of the access token");
        }
    }
    let jkt = thumbprint(&x, &y);
    let mut store = app.store();
    let state = &mut store.dpop;
    if app.config.dpop_nonce {
        let fresh = claim("nonce")
            .and_then(|n| state.nonces.get(n))
            .is_some_and(|&t| now.saturating_sub(t) < NONCE_TTL_SECONDS * 1000);
        if !fresh {
            return Err(Refusal::NonceNeeded(state.new_nonce(now)));
        }
    }
    // Past `iat` + the window a proof fails the `iat` check anyway.
    state.seen.retain(|_, forget| *forget >= now);
    let key = format!("{jkt} {jti}");
    if state.seen.contains_key(&key) {
        return invalid("the DPoP proof was used before (its jti is replayed)");
    }
    state
        .seen
        .insert(key, iat.saturating_mul(1000) + IAT_WINDOW_SECONDS * 1000);
    Ok(Some(jkt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9449_thumbprint_and_ath() {
        let x = decode_url_safe("l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs").unwrap();
        let y = decode_url_safe("9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA").unwrap();
        assert_eq!(
            thumbprint(&x, &y),
            "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
        );
        assert_eq!(
            ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }

    #[test]
    fn rfc9449_figure_2_signature_verifies() {
        // The §4.1 example proof: its signature verifies with its own key.
        let proof = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg";
        let x = decode_url_safe("l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs").unwrap();
        let y = decode_url_safe("9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA").unwrap();
        // SEC1 uncompressed form: 0x04, x, y.
        let key = VerifyingKey::from_sec1_bytes(&[&[4u8][..], &x, &y].concat()).unwrap();
        let (input, sig) = proof.rsplit_once('.').unwrap();
        let sig = Signature::from_slice(&decode_url_safe(sig).unwrap()).unwrap();
        assert!(key.verify(input.as_bytes(), &sig).is_ok());
        let mut tampered = input.to_string();
        tampered.push('x');
        assert!(key.verify(tampered.as_bytes(), &sig).is_err());
    }

    #[test]
    fn htu_normalization() {
        let n = |u: &str| normalize_htu(u);
        assert_eq!(
            n("HTTP://127.0.0.1:80/rfc/oauth/token?x#y").as_deref(),
            Some("http://127.0.0.1/rfc/oauth/token")
        );
        assert_eq!(
            n("https://AS.example:443").as_deref(),
            Some("https://as.example/")
        );
        assert_eq!(
            n("http://localhost:8080/%7e%2f").as_deref(),
            Some("http://localhost:8080/~%2F")
        );
        assert_eq!(
            n("http://[::1]:3000/t").as_deref(),
            Some("http://[::1]:3000/t")
        );
        assert_eq!(n("ftp://a/b"), None);
        assert_eq!(n("/token"), None);
        assert_eq!(n("http://u@a/b"), None);
    }
}
