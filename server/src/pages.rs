//! The HTML the authorization endpoint shows: the consent page and the error page. Plain HTML,
//! no scripts, no external resources; all inserted text is escaped.

use crate::http::Response;

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1rem;background:#f4f5f7;color:#1b1d21}\
main{max-width:32rem;margin:2rem auto;background:#fff;border:1px solid #c9ccd3;border-radius:8px;padding:1.5rem}\
h1{font-size:1.4rem;margin-top:0}dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}\
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}\
.actions{display:flex;gap:1rem;flex-wrap:wrap;margin-top:1.5rem}\
button{font:inherit;padding:.6rem 1.4rem;border-radius:6px;border:2px solid #1f4fbf;cursor:pointer}\
button.allow{background:#1f4fbf;color:#fff}button.deny{background:#fff;color:#1f4fbf}\
button:focus-visible{outline:3px solid #f0a000;outline-offset:2px}\
.note{color:#4a4f59;font-size:.9rem}\
a{color:#1f4fbf;font-weight:600}a:focus-visible{outline:3px solid #f0a000;outline-offset:2px}\
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}\
main{background:#161b22;border-color:#30363d}.note{color:#9da7b3}a{color:#79b8ff}\
button{border-color:#79b8ff}button.allow{background:#79b8ff;color:#0d1117}\
button.deny{background:#161b22;color:#79b8ff}}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"color-scheme\" content=\"light dark\">\n\
<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n",
        title = escape(title)
    )
}

/// Headers for pages: no framing (clickjacking), nothing loaded from elsewhere, no caching.
fn html_response(status: u16, html: String) -> Response {
    Response::html(status, html)
        .header(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        )
        .header("X-Frame-Options", "DENY")
        .no_store()
}

/// What the consent page shows.
pub struct ConsentView<'a> {
    pub client_name: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub user: &'a str,
    pub action: &'a str,
    pub consent_id: &'a str,
    pub dialect_label: &'a str,
}

pub fn consent(view: &ConsentView<'_>) -> Response {
    let scopes: String = view
        .scope
        .split(' ')
        .map(|s| format!("<li><code>{}</code></li>", escape(s)))
        .collect();
    let body = format!(
        "<h1 id=\"title\">Allow {name} to access your account?</h1>\n\
<p>You are signed in to this local test server as <strong>{user}</strong>.</p>\n\
<dl aria-labelledby=\"title\">\n\
<dt>Application</dt><dd>{name} (<code>{client_id}</code>)</dd>\n\
<dt>Returns to</dt><dd><code>{redirect}</code></dd>\n\
<dt>Access</dt><dd><ul>{scopes}</ul></dd>\n\
<dt>Protocol</dt><dd>{dialect}</dd>\n\
</dl>\n\
<form method=\"post\" action=\"{action}\">\n\
<input type=\"hidden\" name=\"consent_id\" value=\"{consent_id}\">\n\
<div class=\"actions\">\n\
<button type=\"submit\" name=\"decision\" value=\"allow\" class=\"allow\" autofocus>Allow</button>\n\
<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"deny\">Deny</button>\n\
</div>\n</form>\n\
<p class=\"note\">oauth-spa-server is a development and test server. Nothing here is a real account.</p>",
        name = escape(view.client_name),
        user = escape(view.user),
        client_id = escape(view.client_id),
        redirect = escape(view.redirect_uri),
        dialect = escape(view.dialect_label),
        action = escape(view.action),
        consent_id = escape(view.consent_id),
    );
    html_response(200, page("Sign in: allow access?", &body))
}

/// Why an error page cannot send the user back to the application (RFC 6749 §4.1.2.1: until
/// the client and its redirect URI are verified, the server must not redirect).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The query string could not be read at all.
    Unreadable,
    /// `client_id` is missing or repeated: the request does not say which application sent it.
    NoClient,
    /// No application is registered under the `client_id`.
    UnknownClient,
    /// The `redirect_uri` is missing, repeated, or not registered for this application.
    UnverifiedRedirect,
    /// The consent form cannot be answered (expired, answered, malformed).
    Consent,
}

impl Why {
    fn explanation(self) -> &'static str {
        match self {
            Why::Unreadable => {
                "The request could not be read, so the server does not know which application \
sent it or where to return."
            }
            Why::NoClient => {
                "The request does not say which application sent it, so the server has no \
registered address to send you back to."
            }
            Why::UnknownClient => {
                "Without a registered application the server has no address it may send you \
back to. Check the client id in the application's settings."
            }
            Why::UnverifiedRedirect => {
                "The address the application asked to return to is not one registered for it, \
so the server will not send you there."
            }
            Why::Consent => {
                "This consent page can no longer be answered, so no answer was sent to the \
application. Start the sign-in again from the application."
            }
        }
    }
}

/// An error the user sees because the client cannot safely be redirected to (RFC 6749
/// §4.1.2.1: unknown client, missing or mismatched redirect URI). It says why, and links to
/// this server's own start page (`/`: the demo when the server serves one), never to the
/// unverified address.
pub fn error(status: u16, error: &str, description: &str, why: Why, serves_app: bool) -> Response {
    let back = if serves_app {
        "Back to the demo page"
    } else {
        "Back to this server's start page"
    };
    let body = format!(
        "<h1>This sign-in request cannot continue</h1>\n\
<p role=\"alert\">{description}</p>\n\
<p>Error code: <code>{error}</code></p>\n\
<p>{why}</p>\n\
<p class=\"actions\"><a href=\"/\">{back}</a></p>",
        description = escape(description),
        error = escape(error),
        why = why.explanation(),
    );
    html_response(status, page("Sign-in error", &body)).note(format!("error={error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn consent_page_is_a_form_with_both_buttons_and_no_external_resources() {
        let r = consent(&ConsentView {
            client_name: "<script>",
            client_id: "c",
            redirect_uri: "http://a/",
            scope: "projects",
            user: "u",
            action: "/v3/oauth/consent",
            consent_id: "id123",
            dialect_label: "Ellipsis Drive v3",
        });
        let html = String::from_utf8(r.body.clone()).unwrap();
        assert!(html.contains("<html lang=\"en\">"));
        assert!(html.contains("name=\"consent_id\" value=\"id123\""));
        assert!(html.contains("value=\"allow\"") && html.contains("value=\"deny\""));
        assert!(!html.contains("<script>"));
        assert!(!html.contains("src=") && !html.contains("<link"));
        assert_eq!(r.header_value("X-Frame-Options"), Some("DENY"));
    }
}
