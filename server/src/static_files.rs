//! Static files for the demo: `--www DIR` at `/`, `--pkg DIR` at `/pkg/`.

use std::path::{Path, PathBuf};

use crate::form::decode_path;
use crate::http::Response;

/// The MIME type for a file name; `application/wasm` matters for `instantiateStreaming`.
pub fn mime_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "txt" | "md" => "text/plain; charset=utf-8",
        "ts" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Maps a URL path (still percent-encoded, relative to the mount point) to a file under
/// `root`. Refuses `..`, `.`, hidden names, backslashes and NUL, then checks that the
/// canonical path (symlinks resolved) is still inside the canonical root.
pub fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = decode_path(url_path).ok()?;
    let mut path = root.to_path_buf();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        if segment.starts_with('.') || segment.contains(['\\', '\0']) || segment.contains(':') {
            return None;
        }
        path.push(segment);
    }
    if decoded.is_empty() || decoded.ends_with('/') {
        path.push("index.html");
    }
    let canonical = path.canonicalize().ok()?;
    let canonical_root = root.canonicalize().ok()?;
    (canonical.starts_with(&canonical_root) && canonical.is_file()).then_some(canonical)
}

/// `path` with every run of `/` collapsed to one: a `Location` built from it is never
/// protocol-relative (`//sub/` would send the browser to the host `sub`).
fn single_slashes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if !(c == '/' && out.ends_with('/')) {
            out.push(c);
        }
    }
    out
}

/// Serves a file, or 404. A directory without a trailing slash redirects to add it.
pub fn serve(root: &Path, url_path: &str, full_path: &str, method: &str) -> Response {
    if method != "GET" && method != "HEAD" {
        return Response::method_not_allowed("GET, HEAD");
    }
    if !url_path.is_empty() && !url_path.ends_with('/') {
        if let Some(dir) = resolve(root, &format!("{url_path}/")) {
            if dir.is_file() {
                let location = format!("{}/", single_slashes(full_path));
                return Response::redirect(301, &location);
            }
        }
    }
    let Some(file) = resolve(root, url_path) else {
        return Response::not_found();
    };
    match std::fs::read(&file) {
        Ok(bytes) => Response::new(200)
            .body(mime_type(&file), bytes)
            .header("Cache-Control", "no-cache"),
        Err(_) => Response::not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_root() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "oauth-spa-server-static-{}-{}",
            std::process::id(),
            crate::secret::random_token()
        ));
        std::fs::create_dir_all(dir.join("www/sub")).unwrap();
        std::fs::write(dir.join("www/index.html"), "<h1>home</h1>").unwrap();
        std::fs::write(dir.join("www/sub/index.html"), "sub").unwrap();
        std::fs::write(dir.join("www/.env"), "hidden").unwrap();
        std::fs::write(dir.join("secret.txt"), "outside").unwrap();
        dir
    }

    #[test]
    fn resolves_inside_and_refuses_escapes() {
        let dir = temp_root();
        let www = dir.join("www");
        assert!(resolve(&www, "").unwrap().ends_with("www/index.html"));
        assert!(resolve(&www, "sub/").unwrap().ends_with("sub/index.html"));
        assert!(resolve(&www, "index.html").is_some());
        assert!(resolve(&www, "../secret.txt").is_none());
        assert!(resolve(&www, "%2e%2e/secret.txt").is_none());
        assert!(resolve(&www, "sub/%2E%2E/%2E%2E/secret.txt").is_none());
        assert!(resolve(&www, "..%2fsecret.txt").is_none());
        assert!(resolve(&www, "..%5csecret.txt").is_none());
        assert!(resolve(&www, ".env").is_none());
        assert!(resolve(&www, "index.html%00").is_none());
        assert!(resolve(&www, "missing.js").is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn directory_redirects_have_one_leading_slash() {
        let dir = temp_root();
        let www = dir.join("www");
        for (url_path, full_path) in [("sub", "/sub"), ("/sub", "//sub"), ("//sub", "///sub")] {
            let r = serve(&www, url_path, full_path, "GET");
            assert_eq!(r.status, 301, "{full_path}");
            assert_eq!(r.header_value("Location"), Some("/sub/"), "{full_path}");
        }
        let r = serve(&www, "/sub", "/pkg//sub", "GET");
        assert_eq!(r.header_value("Location"), Some("/pkg/sub/"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn mime_types() {
        assert_eq!(
            mime_type(Path::new("a/oauth_spa_bg.wasm")),
            "application/wasm"
        );
        assert_eq!(
            mime_type(Path::new("oauth_spa.js")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(mime_type(Path::new("x.HTML")), "text/html; charset=utf-8");
        assert_eq!(mime_type(Path::new("x")), "application/octet-stream");
    }
}
