//! A small HTTP/1.1 server-side codec: reads one request from a connection, writes one
//! response. Enough for browsers, curl, Node's fetch and the tests; nothing more.

use std::io::{self, BufRead, Read, Write};

const MAX_HEAD_BYTES: usize = 16 * 1024;
const MAX_BODY_BYTES: usize = 64 * 1024;

/// One parsed request. Header names are lower-case; the body is complete.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// The path part of the request-target, still percent-encoded.
    pub path: String,
    /// The query part without `?`, still encoded; empty when absent.
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether the connection may carry another request afterwards.
    pub keep_alive: bool,
}

impl Request {
    /// The first value of a header (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// How many times a header occurs.
    pub fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .count()
    }

    /// The media type of `Content-Type`, lower-case, parameters dropped.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }
}

/// Why no request could be read.
#[derive(Debug)]
pub enum ReadError {
    /// The peer closed the connection (or timed out) before a request started.
    Closed,
    /// A malformed request: answer 400 and close.
    Bad(&'static str),
    /// Head or body over the limits: answer 413/431 and close.
    TooLarge(u16),
    /// `Transfer-Encoding` bodies are not supported: answer 411 and close.
    LengthRequired,
}

fn read_line(reader: &mut impl BufRead, budget: &mut usize) -> Result<Option<String>, ReadError> {
    let mut line = Vec::new();
    let mut limited = reader.take(*budget as u64 + 1);
    match limited.read_until(b'\n', &mut line) {
        Ok(0) => return Ok(None),
        Ok(n) if n > *budget => return Err(ReadError::TooLarge(431)),
        Ok(n) => *budget -= n,
        Err(_) => return Ok(None),
    }
    if line.last() != Some(&b'\n') {
        return Ok(None);
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| ReadError::Bad("request head is not UTF-8"))
}

/// Reads one request. `writer` is used only to send `100 Continue` when the client asks.
pub fn read_request(
    reader: &mut impl BufRead,
    writer: &mut impl Write,
) -> Result<Request, ReadError> {
    let mut budget = MAX_HEAD_BYTES;
    // Tolerate empty lines before the request line (RFC 9112 §2.2).
    let request_line = loop {
        match read_line(reader, &mut budget)? {
            None => return Err(ReadError::Closed),
            Some(line) if line.is_empty() => continue,
            Some(line) => break line,
        }
    };
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad("malformed request line"));
    };
    if !matches!(version, "HTTP/1.1" | "HTTP/1.0") {
        return Err(ReadError::Bad("unsupported HTTP version"));
    }
    if method.is_empty() || !method.bytes().all(|c| c.is_ascii_uppercase()) {
        return Err(ReadError::Bad("malformed method"));
    }
    // Origin-form only (RFC 9112 §3.2.1), and only the visible ASCII a URI is made of
    // (RFC 3986): no control characters reach routing or the request log.
    if !target.starts_with('/') {
        return Err(ReadError::Bad("the request target must start with /"));
    }
    if !target.bytes().all(|c| c.is_ascii_graphic()) {
        return Err(ReadError::Bad("the request target must be visible ASCII"));
    }
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader, &mut budget)?.ok_or(ReadError::Closed)?;
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            return Err(ReadError::Bad("obsolete header line folding"));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or(ReadError::Bad("malformed header"))?;
        if name.is_empty() || name.ends_with([' ', '\t']) {
            return Err(ReadError::Bad("malformed header name"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    let find = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    };
    if find("transfer-encoding").is_some() {
        return Err(ReadError::LengthRequired);
    }
    let lengths: Vec<&str> = headers
        .iter()
        .filter(|(k, _)| k == "content-length")
        .map(|(_, v)| v.as_str())
        .collect();
    // RFC 9110 §8.6: `Content-Length = 1*DIGIT` (no sign, no spaces, no list).
    let length = match lengths.as_slice() {
        [] => 0,
        [one] if !one.is_empty() && one.bytes().all(|c| c.is_ascii_digit()) => {
            one.parse::<usize>().map_err(|_| ReadError::TooLarge(413))?
        }
        [_] => return Err(ReadError::Bad("malformed Content-Length")),
        _ => return Err(ReadError::Bad("repeated Content-Length")),
    };
    if length > MAX_BODY_BYTES {
        return Err(ReadError::TooLarge(413));
    }
    if length > 0
        && find("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
        && version == "HTTP/1.1"
    {
        let _ = writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        let _ = writer.flush();
    }
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .map_err(|_| ReadError::Closed)?;
    let connection = find("connection").unwrap_or("").to_ascii_lowercase();
    let keep_alive = if version == "HTTP/1.1" {
        !connection.split(',').any(|t| t.trim() == "close")
    } else {
        connection.split(',').any(|t| t.trim() == "keep-alive")
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let path = path.split('#').next().unwrap_or("").to_string();
    Ok(Request {
        method: method.to_string(),
        path,
        query: query.split('#').next().unwrap_or("").to_string(),
        headers,
        body,
        keep_alive,
    })
}

/// A response under construction.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Extra words for the request log line (never secrets, codes or tokens).
    pub log_note: String,
}

impl Response {
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            log_note: String::new(),
        }
    }

    /// Adds a header (replacing none; callers add each name once).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
    }

    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self.header("Content-Type", content_type)
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        let mut text = serde_json::to_vec(value).expect("a JSON value always serializes");
        text.push(b'\n');
        Response::new(status).body("application/json; charset=utf-8", text)
    }

    pub fn text(status: u16, text: &str) -> Self {
        Response::new(status).body("text/plain; charset=utf-8", format!("{text}\n"))
    }

    pub fn html(status: u16, html: String) -> Self {
        Response::new(status).body("text/html; charset=utf-8", html)
    }

    /// A redirect (302 Found, or 303 See Other after a form POST).
    pub fn redirect(status: u16, location: &str) -> Self {
        Response::new(status)
            .header("Location", location)
            .no_store()
    }

    /// `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1), replacing any
    /// caching headers already set; applying it twice changes nothing.
    pub fn no_store(mut self) -> Self {
        self.set_header("Cache-Control", "no-store");
        self.set_header("Pragma", "no-cache");
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.log_note = note.into();
        self
    }

    pub fn method_not_allowed(allow: &str) -> Self {
        Response::text(405, "Method Not Allowed").header("Allow", allow)
    }

    pub fn not_found() -> Self {
        Response::text(404, "Not Found")
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        _ => "Unknown",
    }
}

/// Writes `response`. Every response carries `Referrer-Policy: no-referrer` and
/// `X-Content-Type-Options: nosniff`. `head_only` omits the body (HEAD requests).
pub fn write_response(
    writer: &mut impl Write,
    response: &Response,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("Referrer-Policy: no-referrer\r\n");
    head.push_str("X-Content-Type-Options: nosniff\r\n");
    head.push_str("Server: oauth-spa-server\r\n");
    // RFC 9110 §8.6: no Content-Length in 1xx and 204 responses.
    if !matches!(response.status, 100..=199 | 204) {
        head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    }
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    writer.write_all(head.as_bytes())?;
    if !head_only {
        writer.write_all(&response.body)?;
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    fn read(raw: &str) -> Result<Request, ReadError> {
        let mut reader = BufReader::new(raw.as_bytes());
        read_request(&mut reader, &mut Vec::new())
    }

    #[test]
    fn parses_request_line_headers_and_body() {
        let r = read(
            "POST /rfc/oauth/token?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded; charset=UTF-8\r\nContent-Length: 5\r\n\r\nhello",
        )
        .unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/rfc/oauth/token");
        assert_eq!(r.query, "x=1");
        assert_eq!(r.body, b"hello");
        assert_eq!(
            r.media_type().as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        assert!(r.keep_alive);
    }

    #[test]
    fn connection_close_and_http10() {
        assert!(
            !read("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
                .unwrap()
                .keep_alive
        );
        assert!(!read("GET / HTTP/1.0\r\n\r\n").unwrap().keep_alive);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(read("GET /\r\n\r\n"), Err(ReadError::Bad(_))));
        assert!(matches!(
            read("GET / HTTP/2\r\n\r\n"),
            Err(ReadError::Bad(_))
        ));
        assert!(matches!(
            read("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            Err(ReadError::Bad(_))
        ));
        assert!(matches!(
            read("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Err(ReadError::LengthRequired)
        ));
        assert!(matches!(
            read("POST / HTTP/1.1\r\nContent-Length: 999999\r\n\r\n"),
            Err(ReadError::TooLarge(413))
        ));
        for length in ["+5", "-0", " ", "5 5", "5,5", "0x5", "٥"] {
            let raw = format!("POST / HTTP/1.1\r\nContent-Length: {length}\r\n\r\nhello");
            assert!(matches!(read(&raw), Err(ReadError::Bad(_))), "{length:?}");
        }
        assert!(matches!(
            read("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
            Err(ReadError::TooLarge(413))
        ));
        for target in [
            "index.html",
            "*",
            "http://a/",
            "?x",
            "/x\rY",
            "/\x1b[2J",
            "/\x7f",
            "/é",
        ] {
            let raw = format!("GET {target} HTTP/1.1\r\n\r\n");
            assert!(matches!(read(&raw), Err(ReadError::Bad(_))), "{target:?}");
        }
        let huge = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(20_000));
        assert!(matches!(read(&huge), Err(ReadError::TooLarge(431))));
        assert!(matches!(read(""), Err(ReadError::Closed)));
    }

    #[test]
    fn writes_security_headers_and_length() {
        let mut out = Vec::new();
        let response = Response::text(200, "hi");
        write_response(&mut out, &response, false, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(text.contains("Referrer-Policy: no-referrer\r\n"));
        assert!(text.contains("Content-Length: 3\r\n"));
        assert!(text.contains("Connection: close\r\n"));
        assert!(text.ends_with("\r\n\r\nhi\n"));
    }

    #[test]
    fn no_store_replaces_instead_of_repeating() {
        let r = Response::text(200, "x")
            .header("Cache-Control", "no-cache")
            .no_store()
            .no_store();
        let names: Vec<&str> = r.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["Content-Type", "Cache-Control", "Pragma"]);
        assert_eq!(r.header_value("Cache-Control"), Some("no-store"));
    }
}
