//! The running server's shared context: settings, derived URLs, clock and state.

use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};

use crate::clock::Clock;
use crate::config::{origin_of, Config};
use crate::store::Store;

pub struct App {
    pub config: Config,
    /// `http://HOST:PORT` as printed on start.
    pub base_url: String,
    /// The RFC dialect's issuer identifier (RFC 8414 §2, RFC 9207).
    pub issuer: String,
    /// Where RFC 8414 §3.1 puts the issuer's metadata: `/.well-known/oauth-authorization-server`
    /// followed by the issuer's path (`…/rfc` for the default issuer).
    pub metadata_path: String,
    /// Origins allowed to call the CORS endpoints.
    pub cors_origins: Vec<String>,
    pub clock: Clock,
    store: Mutex<Store>,
}

/// `http://host:port` for a bound address, with IPv6 in brackets; an unspecified bind
/// address (0.0.0.0, ::) is shown as the loopback address of its family.
pub fn base_url(host: &str, addr: SocketAddr) -> String {
    let ip = addr.ip();
    let shown = if ip.is_unspecified() {
        if ip.is_ipv4() {
            "127.0.0.1".to_string()
        } else {
            "[::1]".to_string()
        }
    } else if host.parse::<std::net::IpAddr>().is_err() && !host.is_empty() {
        host.to_string() // a name such as "localhost": keep what the user asked for
    } else if ip.is_ipv6() {
        format!("[{ip}]")
    } else {
        ip.to_string()
    };
    format!("http://{shown}:{}", addr.port())
}

/// The path of an absolute URL without query or fragment (`""` when it has none).
fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.find('/').map_or("", |at| &rest[at..])
}

impl App {
    pub fn new(config: Config, addr: SocketAddr) -> Self {
        let base_url = base_url(&config.host, addr);
        let issuer = config
            .issuer
            .clone()
            .unwrap_or_else(|| format!("{base_url}/rfc"));
        let metadata_path = format!(
            "/.well-known/oauth-authorization-server{}",
            url_path(&issuer)
        );
        let mut cors_origins: Vec<String> = config.cors_origins.clone();
        cors_origins.push(base_url.clone());
        for client in &config.clients {
            cors_origins.extend(client.redirect_uris.iter().filter_map(|u| origin_of(u)));
        }
        cors_origins.sort();
        cors_origins.dedup();
        App {
            config,
            base_url,
            issuer,
            metadata_path,
            cors_origins,
            clock: Clock::default(),
            store: Mutex::new(Store::default()),
        }
    }

    /// Locks the state. A panic in another request thread does not poison the server.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_path_follows_the_issuer_path() {
        let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let with_issuer = |issuer: Option<&str>| {
            let config = Config {
                issuer: issuer.map(String::from),
                ..Config::default()
            };
            App::new(config, addr).metadata_path
        };
        let well_known = "/.well-known/oauth-authorization-server";
        assert_eq!(with_issuer(None), format!("{well_known}/rfc"));
        assert_eq!(with_issuer(Some("http://127.0.0.1:8080")), well_known);
        assert_eq!(
            with_issuer(Some("https://as.example/a/b")),
            format!("{well_known}/a/b")
        );
    }
}
