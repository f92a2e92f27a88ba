//! Settings: command-line flags and the clients file.

use std::path::PathBuf;

use serde_json::Value;

/// The clients file shipped with the server (`server/clients.json`), used when no `--clients`
/// and no `--client` is given.
pub const DEFAULT_CLIENTS_JSON: &str = include_str!("../clients.json");

/// A registered client.
#[derive(Debug, Clone)]
pub struct Client {
    pub id: String,
    /// `None` for a public client (RFC 6749 §2.1).
    pub secret: Option<String>,
    /// Exact redirect URIs (RFC 6749 §3.1.2.2); compared as strings.
    pub redirect_uris: Vec<String>,
    /// Shown on the consent page.
    pub name: String,
    /// Skip the consent page and approve at once.
    pub auto_approve: bool,
    /// Issue refresh tokens (default true).
    pub refresh_tokens: bool,
}

/// Everything the server needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub clients: Vec<Client>,
    pub auto_approve: bool,
    pub expires_in: u64,
    pub code_ttl: u64,
    /// RFC dialect issuer; `None` derives `http://HOST:PORT/rfc` from the bound address.
    pub issuer: Option<String>,
    /// Send `iss` in RFC authorization responses (RFC 9207).
    pub send_iss: bool,
    /// Scopes the RFC dialect accepts.
    pub rfc_scopes: Vec<String>,
    /// RFC dialect: refuse authorization requests without `code_challenge`.
    pub rfc_require_pkce: bool,
    /// Extra CORS origins; the origins of all redirect URIs are always allowed; `*` allows any.
    pub cors_origins: Vec<String>,
    pub www: Option<PathBuf>,
    pub pkg: Option<PathBuf>,
    pub test_hooks: bool,
    /// The `sub` of the one local user.
    pub user: String,
    /// No request log.
    pub quiet: bool,
    /// Every DPoP proof must carry a nonce this server issued (RFC 9449 §8, §9).
    pub dpop_nonce: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 8080,
            clients: Vec::new(),
            auto_approve: false,
            expires_in: 3600,
            code_ttl: 60,
            issuer: None,
            send_iss: true,
            rfc_scopes: vec!["projects".into(), "offline_access".into()],
            rfc_require_pkce: true,
            cors_origins: Vec::new(),
            www: None,
            pkg: None,
            test_hooks: false,
            user: "demo-user".into(),
            quiet: false,
            dpop_nonce: false,
        }
    }
}

impl Config {
    pub fn client(&self, id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    Run(Box<Config>),
    Help,
    Version,
}

pub const USAGE: &str = "\
oauth-spa-server: local OAuth 2.0 authorization server for oauth-spa's demo and tests

USAGE: oauth-spa-server [FLAGS]

  --host HOST            address to bind (default 127.0.0.1)
  --port PORT            port to bind (default 8080; 0 picks a free port)
  --clients FILE         clients file (JSON); default: the built-in server/clients.json
  --client SPEC          add a client: id=ID,redirect_uri=URI[,redirect_uri=URI...]
                         [,secret=SECRET][,name=NAME][,auto_approve][,no_refresh_tokens]
  --auto-approve         approve every authorization request without a consent page
  --expires-in SECONDS   access token lifetime (default 3600)
  --code-ttl SECONDS     authorization code lifetime (default 60)
  --issuer URL           RFC dialect issuer (default http://HOST:PORT/rfc)
  --no-iss               do not send iss in RFC authorization responses (RFC 9207)
  --rfc-scopes LIST      space-separated scopes of the RFC dialect (default \"projects offline_access\")
  --rfc-pkce-optional    RFC dialect: allow authorization requests without PKCE
  --cors-origin ORIGIN   allow this origin (repeatable; '*' = any); redirect URI origins are allowed
  --www DIR              serve DIR at /
  --pkg DIR              serve DIR at /pkg/
  --user SUB             the local user's subject identifier (default demo-user)
  --test-hooks           enable /__stats, /__reset, /__clock, /__consent
  --quiet                no request log on stderr
  --dpop-nonce           every DPoP proof must carry a nonce from this server (RFC 9449 section 8)
  -h, --help             this text
  -V, --version          version
";

/// Parses the command line (without the program name).
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut config = Config::default();
    let mut clients_file: Option<PathBuf> = None;
    let mut flag_clients = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--host" => config.host = value("--host")?,
            "--port" => config.port = parse_number(&value("--port")?, "--port")?,
            "--clients" => clients_file = Some(PathBuf::from(value("--clients")?)),
            "--client" => flag_clients.push(parse_client_spec(&value("--client")?)?),
            "--auto-approve" => config.auto_approve = true,
            "--expires-in" => {
                config.expires_in = parse_number(&value("--expires-in")?, "--expires-in")?
            }
            "--code-ttl" => config.code_ttl = parse_number(&value("--code-ttl")?, "--code-ttl")?,
            "--issuer" => {
                let issuer = value("--issuer")?;
                let has_host = issuer
                    .split_once("://")
                    .is_some_and(|(_, rest)| !rest.is_empty() && !rest.starts_with('/'));
                if !(issuer.starts_with("http://") || issuer.starts_with("https://"))
                    || !has_host
                    || issuer.contains(['?', '#'])
                {
                    return Err(
                        "--issuer must be an http(s) URL without query or fragment (RFC 8414 §2)"
                            .into(),
                    );
                }
                config.issuer = Some(issuer.trim_end_matches('/').to_string());
            }
            "--no-iss" => config.send_iss = false,
            "--rfc-scopes" => {
                config.rfc_scopes = value("--rfc-scopes")?
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect();
                if config.rfc_scopes.is_empty() {
                    return Err("--rfc-scopes needs at least one scope".into());
                }
            }
            "--rfc-pkce-optional" => config.rfc_require_pkce = false,
            "--cors-origin" => config.cors_origins.push(value("--cors-origin")?),
            "--www" => config.www = Some(PathBuf::from(value("--www")?)),
            "--pkg" => config.pkg = Some(PathBuf::from(value("--pkg")?)),
            "--user" => config.user = value("--user")?,
            "--test-hooks" => config.test_hooks = true,
            "--quiet" => config.quiet = true,
            "--dpop-nonce" => config.dpop_nonce = true,
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    let mut clients = match &clients_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            parse_clients_json(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None if flag_clients.is_empty() => parse_clients_json(DEFAULT_CLIENTS_JSON)
            .map_err(|e| format!("built-in clients.json: {e}"))?,
        None => Vec::new(),
    };
    for client in flag_clients {
        if clients.iter().any(|c| c.id == client.id) {
            return Err(format!("client {:?} is defined twice", client.id));
        }
        clients.push(client);
    }
    Ok(Command::Run(Box::new(Config { clients, ..config })))
}

fn parse_number<T: std::str::FromStr>(text: &str, flag: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{flag}: {text:?} is not a valid number"))
}

/// Checks a redirect URI as RFC 6749 §3.1.2 requires: absolute, no fragment.
fn check_redirect_uri(uri: &str) -> Result<(), String> {
    let scheme_ok = uri
        .split_once("://")
        .is_some_and(|(scheme, rest)| !scheme.is_empty() && !rest.is_empty());
    if !scheme_ok {
        return Err(format!("redirect URI {uri:?} is not an absolute URI"));
    }
    if uri.contains('#') {
        return Err(format!(
            "redirect URI {uri:?} must not contain a fragment (RFC 6749 §3.1.2)"
        ));
    }
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("redirect URI {uri:?} contains whitespace"));
    }
    Ok(())
}

fn check_client(client: &Client) -> Result<(), String> {
    if client.id.is_empty() {
        return Err("a client has an empty clientId".into());
    }
    if client.redirect_uris.is_empty() {
        return Err(format!("client {:?} has no redirect URIs", client.id));
    }
    for uri in &client.redirect_uris {
        check_redirect_uri(uri).map_err(|e| format!("client {:?}: {e}", client.id))?;
    }
    if client.secret.as_deref() == Some("") {
        return Err(format!(
            "client {:?}: clientSecret is empty (omit it for a public client)",
            client.id
        ));
    }
    Ok(())
}

/// Parses `--client id=ID,redirect_uri=URI,...`.
pub fn parse_client_spec(spec: &str) -> Result<Client, String> {
    let mut client = Client {
        id: String::new(),
        secret: None,
        redirect_uris: Vec::new(),
        name: String::new(),
        auto_approve: false,
        refresh_tokens: true,
    };
    for part in spec.split(',') {
        match part.split_once('=') {
            Some(("id", v)) => client.id = v.to_string(),
            Some(("secret", v)) => client.secret = Some(v.to_string()),
            Some(("redirect_uri", v)) => client.redirect_uris.push(v.to_string()),
            Some(("name", v)) => client.name = v.to_string(),
            None if part == "auto_approve" => client.auto_approve = true,
            None if part == "no_refresh_tokens" => client.refresh_tokens = false,
            _ => return Err(format!("--client: unknown part {part:?}")),
        }
    }
    if client.name.is_empty() {
        client.name = client.id.clone();
    }
    check_client(&client).map_err(|e| format!("--client: {e}"))?;
    Ok(client)
}

/// Parses the clients file: `{"clients": [ ... ]}` or a bare array of client objects with
/// `clientId`, `redirectUris`, and optionally `clientSecret`, `name`, `autoApprove`,
/// `refreshTokens`. Unknown fields are errors, so a typo cannot silently change behaviour.
pub fn parse_clients_json(text: &str) -> Result<Vec<Client>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let list = match &value {
        Value::Array(list) => list,
        Value::Object(map) => {
            if let Some(extra) = map.keys().find(|k| *k != "clients") {
                return Err(format!("unknown top-level field {extra:?}"));
            }
            map.get("clients")
                .and_then(Value::as_array)
                .ok_or("\"clients\" must be an array")?
        }
        _ => return Err("expected an object with \"clients\" or an array".into()),
    };
    let mut clients: Vec<Client> = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let at = format!("clients[{i}]");
        let map = entry
            .as_object()
            .ok_or_else(|| format!("{at} must be an object"))?;
        let string = |field: &str| -> Result<Option<String>, String> {
            match map.get(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("{at}.{field} must be a string")),
            }
        };
        let boolean = |field: &str, default: bool| -> Result<bool, String> {
            match map.get(field) {
                None => Ok(default),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(format!("{at}.{field} must be true or false")),
            }
        };
        for key in map.keys() {
            if !matches!(
                key.as_str(),
                "clientId"
                    | "clientSecret"
                    | "redirectUris"
                    | "name"
                    | "autoApprove"
                    | "refreshTokens"
            ) {
                return Err(format!("{at}: unknown field {key:?}"));
            }
        }
        let id = string("clientId")?.ok_or_else(|| format!("{at}.clientId is required"))?;
        let redirect_uris = map
            .get("redirectUris")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("{at}.redirectUris must be an array of strings"))?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(String::from)
                    .ok_or_else(|| format!("{at}.redirectUris must be an array of strings"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let client = Client {
            name: string("name")?.unwrap_or_else(|| id.clone()),
            secret: string("clientSecret")?,
            redirect_uris,
            auto_approve: boolean("autoApprove", false)?,
            refresh_tokens: boolean("refreshTokens", true)?,
            id,
        };
        check_client(&client).map_err(|e| format!("{at}: {e}"))?;
        if clients.iter().any(|c| c.id == client.id) {
            return Err(format!("{at}: client {:?} is defined twice", client.id));
        }
        clients.push(client);
    }
    Ok(clients)
}

/// `scheme://host[:port]` of an absolute URI, lower-cased, as a browser's `Origin` header
/// would carry it (default ports dropped).
pub fn origin_of(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?.to_ascii_lowercase();
    let scheme = scheme.to_ascii_lowercase();
    let authority = match (
        scheme.as_str(),
        authority.strip_suffix(":80"),
        authority.strip_suffix(":443"),
    ) {
        ("http", Some(host), _) => host.to_string(),
        ("https", _, Some(host)) => host.to_string(),
        _ => authority,
    };
    Some(format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn default_clients_file_has_the_demo_clients() {
        let clients = parse_clients_json(DEFAULT_CLIENTS_JSON).unwrap();
        let public = clients.iter().find(|c| c.id == "demo-public").unwrap();
        assert!(public.secret.is_none());
        assert!(public
            .redirect_uris
            .contains(&"http://127.0.0.1:8080/".to_string()));
        assert!(public
            .redirect_uris
            .contains(&"http://localhost:8080/".to_string()));
        let confidential = clients
            .iter()
            .find(|c| c.id == "demo-confidential")
            .unwrap();
        assert!(confidential.secret.is_some());
    }

    #[test]
    fn flags_parse() {
        let Command::Run(config) = parse_args(args(&[
            "--port=0",
            "--host",
            "127.0.0.1",
            "--auto-approve",
            "--expires-in",
            "10",
            "--no-iss",
            "--client",
            "id=x,redirect_uri=http://a/cb,secret=s,auto_approve",
            "--test-hooks",
        ]))
        .unwrap() else {
            panic!("expected Run")
        };
        assert_eq!(config.port, 0);
        assert!(config.auto_approve && config.test_hooks && !config.send_iss);
        assert_eq!(config.expires_in, 10);
        // --client without --clients: only the flag clients.
        assert_eq!(config.clients.len(), 1);
        let x = config.client("x").unwrap();
        assert_eq!(x.secret.as_deref(), Some("s"));
        assert!(x.auto_approve);
    }

    #[test]
    fn bad_flags_and_files_say_what_is_wrong() {
        assert!(parse_args(args(&["--port", "abc"]))
            .unwrap_err()
            .contains("--port"));
        assert!(parse_args(args(&["--nope"]))
            .unwrap_err()
            .contains("--nope"));
        assert!(parse_args(args(&["--port"]))
            .unwrap_err()
            .contains("needs a value"));
        for issuer in [
            "https://",
            "https:///rfc",
            "ftp://a",
            "http://a/?x",
            "http://a/#f",
        ] {
            let e = parse_args(args(&["--issuer", issuer])).unwrap_err();
            assert!(e.contains("--issuer"), "{issuer}: {e}");
        }
        let Command::Run(config) =
            parse_args(args(&["--issuer", "https://as.example/rfc/"])).unwrap()
        else {
            panic!("expected Run")
        };
        assert_eq!(config.issuer.as_deref(), Some("https://as.example/rfc"));
        let e =
            parse_clients_json(r#"{"clients":[{"clientId":"a","redirectUris":["http://x/#f"]}]}"#)
                .unwrap_err();
        assert!(e.contains("fragment"), "{e}");
        let e =
            parse_clients_json(r#"[{"clientId":"a","redirectUri":["http://x/"]}]"#).unwrap_err();
        assert!(e.contains("unknown field \"redirectUri\""), "{e}");
        let e = parse_clients_json(
            r#"[{"clientId":"a","redirectUris":["http://x/"],"autoApprove":"yes"}]"#,
        )
        .unwrap_err();
        assert!(e.contains("clients[0].autoApprove"), "{e}");
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("http://127.0.0.1:8080/cb?x=1").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            origin_of("HTTP://LocalHost:80/").as_deref(),
            Some("http://localhost")
        );
        assert_eq!(
            origin_of("https://a.example:443").as_deref(),
            Some("https://a.example")
        );
        assert_eq!(origin_of("not a uri"), None);
    }
}
