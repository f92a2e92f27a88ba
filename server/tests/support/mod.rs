//! Test support: starts the real binary on port 0 and speaks HTTP/1.1 to it over TCP.
//! The helpers here are written independently of the server's own code on purpose.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// Another well-formed verifier, not the one for CHALLENGE.
pub const OTHER_VERIFIER: &str = "eBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const REDIRECT: &str = "http://127.0.0.1:9999/cb";
/// A secret that needs RFC 6749 §2.3.1 form-encoding: ':' '+' ' ' and a non-ASCII char.
pub const CONF_SECRET: &str = "s3cr:t+ €";

pub const CLIENTS: &str = r#"{"clients": [
  {"clientId": "spa", "redirectUris": ["http://127.0.0.1:9999/cb"], "autoApprove": true},
  {"clientId": "spa2", "redirectUris": ["http://127.0.0.1:9999/cb"], "autoApprove": true},
  {"clientId": "multi", "redirectUris": ["http://app.test/a", "http://app.test/b?x=1"], "autoApprove": true},
  {"clientId": "conf", "clientSecret": "s3cr:t+ €", "redirectUris": ["http://127.0.0.1:9999/cb"], "autoApprove": true},
  {"clientId": "manual", "name": "Manual <App>", "redirectUris": ["http://127.0.0.1:9999/cb"]}
]}"#;

pub struct Server {
    child: Child,
    pub base: String,
    pub port: u16,
    log: Arc<Mutex<Vec<String>>>,
    dir: std::path::PathBuf,
}

fn unique_dir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "oauth-spa-server-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Server {
    /// Starts with the test clients file, `--port 0 --test-hooks`, plus `extra` flags.
    pub fn start(extra: &[&str]) -> Server {
        Self::start_raw(true, true, extra)
    }

    pub fn start_raw(with_clients: bool, hooks: bool, extra: &[&str]) -> Server {
        let dir = unique_dir();
        let clients = dir.join("clients.json");
        std::fs::write(&clients, CLIENTS).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_oauth-spa-server"));
        cmd.args(["--port", "0"]);
        if with_clients {
            cmd.arg("--clients").arg(&clients);
        }
        if hooks {
            cmd.arg("--test-hooks");
        }
        cmd.args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start the server binary");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("oauth-spa-server listening on ")
            .unwrap_or_else(|| panic!("unexpected first stdout line {line:?}"))
            .to_string();
        let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();
        assert_ne!(port, 0, "port 0 must be replaced by the chosen port");
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        Server {
            child,
            base,
            port,
            log,
            dir,
        }
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    pub fn log(&self) -> String {
        // Let the stderr reader catch up.
        std::thread::sleep(std::time::Duration::from_millis(100));
        self.log.lock().unwrap().join("\n")
    }

    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}/rfc", self.port)
    }

    pub fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Resp {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n",
            self.port
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        Resp::parse(&raw)
    }

    /// Sends `raw` bytes as they are (a whole request, possibly malformed) and reads the
    /// response until the server closes the connection.
    pub fn raw(&self, raw: &[u8]) -> Resp {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.write_all(raw).unwrap();
        let mut out = Vec::new();
        stream.read_to_end(&mut out).unwrap();
        Resp::parse(&out)
    }

    pub fn get(&self, target: &str) -> Resp {
        self.request("GET", target, &[], "")
    }

    pub fn get_with(&self, target: &str, headers: &[(&str, &str)]) -> Resp {
        self.request("GET", target, headers, "")
    }

    pub fn post_form(&self, path: &str, pairs: &[(&str, &str)], headers: &[(&str, &str)]) -> Resp {
        let mut all = vec![("Content-Type", "application/x-www-form-urlencoded")];
        all.extend_from_slice(headers);
        self.request("POST", path, &all, &form(pairs))
    }

    pub fn post_json(
        &self,
        path: &str,
        json: &serde_json::Value,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut all = vec![("Content-Type", "application/json")];
        all.extend_from_slice(headers);
        self.request("POST", path, &all, &json.to_string())
    }

    pub fn stats(&self) -> serde_json::Value {
        self.get("/__stats").json()
    }

    pub fn advance_clock(&self, seconds: u64) {
        let r = self.request("POST", &format!("/__clock?advance={seconds}"), &[], "");
        assert_eq!(r.status, 200, "{}", r.body);
    }

    /// Runs `/authorize` with S256 PKCE and state "st"; returns the redirect's parameters.
    pub fn authorize(
        &self,
        prefix: &str,
        client: &str,
        extra: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        let mut pairs = vec![
            ("response_type", "code"),
            ("client_id", client),
            ("redirect_uri", REDIRECT),
            ("state", "st"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ];
        for (k, v) in extra {
            pairs.retain(|(n, _)| n != k);
            if !v.is_empty() {
                pairs.push((k, v));
            }
        }
        let r = self.get(&format!("/{prefix}/oauth/authorize?{}", form(&pairs)));
        assert_eq!(r.status, 302, "authorize: {} {}", r.status, r.body);
        redirect_params(&r)
    }

    /// `authorize` and return the code, checking state.
    pub fn code(&self, prefix: &str, client: &str) -> String {
        let p = self.authorize(prefix, client, &[]);
        assert_eq!(param(&p, "state"), Some("st"));
        param(&p, "code").expect("a code").to_string()
    }

    /// Exchanges a code with the public client `spa` (form body), returning the response.
    /// `grant_type=refresh_token` for the public client `spa` at `/{prefix}/oauth/token`.
    pub fn refresh(&self, prefix: &str, refresh_token: &str) -> Resp {
        self.post_form(
            &format!("/{prefix}/oauth/token"),
            &[
                ("grant_type", "refresh_token"),
                ("client_id", "spa"),
                ("refresh_token", refresh_token),
            ],
            &[],
        )
    }

    pub fn exchange(&self, prefix: &str, code: &str) -> Resp {
        let name = if prefix == "v3" {
            "authorization_code"
        } else {
            "code"
        };
        self.post_form(
            &format!("/{prefix}/oauth/token"),
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "spa"),
                (name, code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
            &[],
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    fn parse(raw: &[u8]) -> Resp {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete response head");
        let head = std::str::from_utf8(&raw[..split]).unwrap();
        let body = String::from_utf8_lossy(&raw[split + 4..]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers = lines
            .map(|l| {
                let (k, v) = l.split_once(':').unwrap();
                (k.to_ascii_lowercase(), v.trim().to_string())
            })
            .collect();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// Asserts an RFC 6749 §5.2 error and returns its description.
    pub fn assert_oauth_error(&self, status: u16, code: &str) -> String {
        assert_eq!(self.status, status, "{}", self.body);
        let j = self.json();
        assert_eq!(j["error"], code, "{}", self.body);
        assert_eq!(self.header("cache-control"), Some("no-store"));
        j["error_description"].as_str().unwrap().to_string()
    }
}

pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The query parameters of a redirect's `Location`.
pub fn redirect_params(r: &Resp) -> Vec<(String, String)> {
    let location = r.header("location").expect("a Location header");
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Standard base64 with padding, for Basic headers built independently of the server code.
pub fn base64(input: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in input.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `Authorization: Basic` as RFC 6749 §2.3.1 says: encode each part, join, base64.
pub fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64(format!("{}:{}", encode(id), encode(secret)).as_bytes())
    )
}
