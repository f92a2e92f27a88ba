//! The listener, one thread per connection, routing and the request log.

use std::io::{self, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::app::App;
use crate::config::Config;
use crate::dialect::Dialect;
use crate::http::{self, ReadError, Request, Response};
use crate::{authorize, cors, hooks, metadata, resource, revoke, static_files, token};

/// Binds, prints `oauth-spa-server listening on http://HOST:PORT`, and serves forever.
pub fn run(config: Config) -> io::Result<()> {
    let (listener, app) = bind(config)?;
    println!("oauth-spa-server listening on {}", app.base_url);
    io::stdout().flush()?;
    serve(listener, app);
    Ok(())
}

/// Binds the listening socket and builds the shared context (the issuer needs the port).
pub fn bind(config: Config) -> io::Result<(TcpListener, Arc<App>)> {
    let listener = TcpListener::bind((config.host.as_str(), config.port))?;
    let addr = listener.local_addr()?;
    Ok((listener, Arc::new(App::new(config, addr))))
}

/// Accepts connections forever, each on its own thread.
pub fn serve(listener: TcpListener, app: Arc<App>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let app = Arc::clone(&app);
        std::thread::spawn(move || handle_connection(&app, stream));
    }
}

fn handle_connection(app: &App, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let req = match http::read_request(&mut reader, &mut writer) {
            Ok(req) => req,
            Err(ReadError::Closed) => return,
            Err(err) => {
                // The path is not known here, and this may be a token request: no-store.
                let response = match err {
                    ReadError::Bad(why) => Response::text(400, why),
                    ReadError::TooLarge(status) => Response::text(status, "request too large"),
                    ReadError::LengthRequired => {
                        Response::text(411, "send a Content-Length body, not Transfer-Encoding")
                    }
                    ReadError::Closed => unreachable!("handled above"),
                }
                .no_store();
                let _ = http::write_response(&mut writer, &response, false, false);
                return;
            }
        };
        let started = Instant::now();
        let response = route(app, &req);
        if !app.config.quiet {
            // Path only: queries carry codes and state; bodies carry secrets and tokens.
            let note = if response.log_note.is_empty() {
                String::new()
            } else {
                format!(" {}", response.log_note)
            };
            let line = format!(
                "{} {} {} {}ms{}",
                req.method,
                req.path,
                response.status,
                started.elapsed().as_millis(),
                note
            );
            eprintln!("{}", log_safe(&line));
        }
        let head_only = req.method == "HEAD";
        if http::write_response(&mut writer, &response, head_only, req.keep_alive).is_err()
            || !req.keep_alive
        {
            return;
        }
    }
}

/// Escapes every character outside printable ASCII (`\r`, `\u{1b}`, …), so that each
/// request stays one log line and nothing reaches a terminal as a control sequence.
fn log_safe(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        if (' '..='~').contains(&c) {
            out.push(c);
        } else {
            out.extend(c.escape_default());
        }
    }
    out
}

/// The token and revocation endpoints: every response they give is `no-store`.
fn is_oauth_endpoint(path: &str) -> bool {
    matches!(
        path,
        "/v3/oauth/token" | "/rfc/oauth/token" | "/rfc/oauth/revoke"
    )
}

/// Which CORS-enabled endpoint a path is, with the methods its preflight allows. The test
/// hooks are not among them: they refuse browser requests.
fn cors_methods(app: &App, path: &str) -> Option<&'static str> {
    match path {
        _ if is_oauth_endpoint(path) => Some("POST"),
        "/v3/account" | "/rfc/userinfo" => Some("GET, HEAD"),
        _ if metadata::is_metadata_path(app, path) => Some("GET, HEAD"),
        _ => None,
    }
}

/// Dispatches one request.
pub fn route(app: &App, req: &Request) -> Response {
    let path = req.path.as_str();
    if let Some(methods) = cors_methods(app, path) {
        let response = if req.method == "OPTIONS" {
            app.store().stats.bump("preflight");
            cors::preflight(app, req, methods)
        } else {
            let response = match path {
                "/v3/oauth/token" => token::token(app, Dialect::Ellipsis, req),
                "/rfc/oauth/token" => token::token(app, Dialect::Rfc, req),
                "/rfc/oauth/revoke" => revoke::revoke(app, req),
                "/v3/account" => resource::resource(app, Dialect::Ellipsis, req),
                "/rfc/userinfo" => resource::resource(app, Dialect::Rfc, req),
                _ => metadata::metadata(app, req),
            };
            cors::decorate(app, req, response)
        };
        return if is_oauth_endpoint(path) {
            response.no_store()
        } else {
            response
        };
    }
    if app.config.test_hooks {
        if let Some(response) = hooks::route(app, req) {
            return response;
        }
    }
    match path {
        "/v3/oauth/authorize" => authorize::authorize(app, Dialect::Ellipsis, req),
        "/rfc/oauth/authorize" => authorize::authorize(app, Dialect::Rfc, req),
        "/v3/oauth/consent" => authorize::consent(app, Dialect::Ellipsis, req),
        "/rfc/oauth/consent" => authorize::consent(app, Dialect::Rfc, req),
        _ if path.starts_with("/v3/")
            || path.starts_with("/rfc/")
            || path.starts_with("/__")
            || path.starts_with("/.well-known/") =>
        {
            Response::json(
                404,
                &serde_json::json!({"error": "not_found", "error_description": "no such endpoint"}),
            )
        }
        _ => static_or_index(app, req),
    }
}

fn static_or_index(app: &App, req: &Request) -> Response {
    let path = req.path.as_str();
    if let Some(rest) = path.strip_prefix("/pkg/") {
        return match &app.config.pkg {
            Some(dir) => static_files::serve(dir, rest, path, &req.method),
            None => Response::not_found(),
        };
    }
    if path == "/pkg" && app.config.pkg.is_some() {
        return Response::redirect(301, "/pkg/");
    }
    match &app.config.www {
        Some(dir) => static_files::serve(dir, path.trim_start_matches('/'), path, &req.method),
        None if path == "/" => index_page(app),
        None => Response::not_found(),
    }
}

/// Without `--www`: a short page listing the endpoints.
fn index_page(app: &App) -> Response {
    let base = &app.base_url;
    let text = format!(
        "oauth-spa-server\n\n\
Ellipsis Drive v3 dialect:\n  {base}/v3/oauth/authorize\n  {base}/v3/oauth/token\n  {base}/v3/account\n\n\
RFC 6749 dialect (issuer {issuer}):\n  {base}/rfc/oauth/authorize\n  {base}/rfc/oauth/token\n  {base}/rfc/oauth/revoke\n  {base}/rfc/userinfo\n  {base}/rfc/.well-known/oauth-authorization-server\n  {base}{rfc8414}",
        issuer = app.issuer,
        rfc8414 = app.metadata_path
    );
    Response::text(200, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_escape_control_characters() {
        assert_eq!(
            log_safe("GET /x\rFAKE\u{1b}[31m\u{9b}\u{7f}\té 404 0ms"),
            "GET /x\\rFAKE\\u{1b}[31m\\u{9b}\\u{7f}\\t\\u{e9} 404 0ms"
        );
        assert_eq!(
            log_safe("POST /v3/oauth/token 200 1ms client=a"),
            "POST /v3/oauth/token 200 1ms client=a"
        );
    }
}
