//! The JavaScript API is declared in several files that nothing but this test ties together:
//! the Rust readers of the argument objects, the TypeScript declarations, the README's tables
//! and the errors js/*.js builds itself. This test reads them as text and fails, naming the
//! difference, when they disagree:
//!
//! - error codes: the arms of `ErrorCode::as_str` (src/core/error.rs) plus
//!   `ErrorCode::JS_ONLY_CODES` (same file) are the list; the `OAuthErrorCode` union of
//!   src/wasm/types.d.ts, the error tables of README.md and docs/session.md, and every code
//!   js/*.js builds an `OAuthError` with or compares `.code` to must match it;
//!
//! Native, no build: `cargo test --test declarations`.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

type Set = BTreeSet<String>;

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    fs::read_to_string(&full).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// "a differs from b" listing what each side has that the other lacks, or `None` when equal.
fn difference(a_name: &str, a: &Set, b_name: &str, b: &Set) -> Option<String> {
    let only_a: Vec<_> = a.difference(b).collect();
    let only_b: Vec<_> = b.difference(a).collect();
    if only_a.is_empty() && only_b.is_empty() {
        return None;
    }
    Some(format!(
        "{a_name} vs {b_name}: only in {a_name}: {only_a:?}; only in {b_name}: {only_b:?}"
    ))
}

fn check_all(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "declarations disagree:\n  {}",
        problems.join("\n  ")
    );
}

/// The text between the first `open` at or after `from` and its matching `close`, skipping
/// string literals (`"..."`, and `'...'`/`` `...` `` when `js`) and `//` comments.
fn block(text: &str, from: usize, js: bool) -> &str {
    let bytes = text.as_bytes();
    let start = from + text[from..].find('{').expect("a block");
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[start + 1..i];
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            q @ (b'"' | b'\'' | b'`') if q == b'"' || js => {
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    panic!("unbalanced block after byte {from}");
}

/// Every `"literal"` that directly follows one of `prefixes` in `text`.
fn literals_after(text: &str, prefixes: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for p in prefixes {
        let mut rest = text;
        while let Some(at) = rest.find(p) {
            rest = &rest[at + p.len()..];
            let r = rest.trim_start();
            let q = r.chars().next();
            if let Some(q @ ('"' | '\'')) = q {
                let end = r[1..].find(q).expect("closed literal");
                out.push(r[1..1 + end].to_string());
            }
        }
    }
    out
}

/// `text` without `/* ... */` comments.
fn strip_block_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(a) = rest.find("/*") {
        out.push_str(&rest[..a]);
        let b = rest[a..].find("*/").expect("closed comment");
        rest = &rest[a + b + 2..];
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------------------------
// Error codes

/// The names `ErrorCode::as_str` returns, read from its arms (every variant has one: the match
/// is exhaustive), whatever the features.
fn rust_codes() -> Set {
    let src = read("src/core/error.rs");
    let at = src.find("pub const fn as_str").expect("ErrorCode::as_str");
    let body = block(&src, at, false);
    let names = literals_after(body, &["=>"]);
    for n in &names {
        assert!(
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "ErrorCode name {n:?} is not snake_case"
        );
    }
    let codes: Set = names.iter().cloned().collect();
    assert_eq!(codes.len(), names.len(), "two ErrorCodes share a name");
    assert!(codes.len() > 20, "read too few as_str arms: {codes:?}");
    codes
}

fn js_only_codes() -> Set {
    oauth_spa::ErrorCode::JS_ONLY_CODES
        .iter()
        .map(|c| c.to_string())
        .collect()
}

fn ts_error_codes() -> Set {
    let src = strip_block_comments(&read("src/wasm/types.d.ts"));
    let at = src
        .find("export type OAuthErrorCode =")
        .expect("OAuthErrorCode in types.d.ts");
    let union = &src[at..at + src[at..].find(';').expect("end of the union")];
    union
        .split('|')
        .skip(1)
        .map(|m| {
            let m = m.trim();
            assert!(
                m.starts_with('"') && m.ends_with('"'),
                "OAuthErrorCode member {m} is not a string literal"
            );
            m.trim_matches('"').to_string()
        })
        .collect()
}

/// The codes of the `| code | when |` table under `heading` in a markdown file.
fn doc_table_codes(path: &str, heading: &str) -> Set {
    let src = read(path);
    let at = src
        .find(heading)
        .unwrap_or_else(|| panic!("{heading} in {path}"));
    let mut lines = src[at..].lines().skip_while(|l| !l.starts_with("| code |"));
    assert!(
        lines.next().is_some(),
        "no `| code |` table under {heading} in {path}"
    );
    lines
        .skip(1) // |---|---|
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cell = l.split('|').nth(1).unwrap().trim();
            assert!(
                cell.starts_with('`') && cell.ends_with('`'),
                "{path}: a code cell must be one `code`: {l}"
            );
            cell.trim_matches('`').to_string()
        })
        .collect()
}

/// The files of js/ (the browser layer's JavaScript).
fn js_files() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("js");
    let mut out: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "js"))
        .map(|p| {
            let name = format!("js/{}", p.file_name().unwrap().to_string_lossy());
            (name.clone(), read(&name))
        })
        .collect();
    out.sort();
    assert!(out.len() >= 3, "js/ has fewer files than expected");
    out
}

/// Codes js/*.js builds errors with (`new OAuthError('x'`, `oauthError('x'`, and the `err('x'`
/// shorthand) or compares an error's `.code` to. Any other first argument of `OAuthError(` must
/// be the parameter `code` of a wrapper (js/error.js's `oauthError`, js/session.js's `err`).
fn js_codes() -> (Set, Vec<String>) {
    let mut codes = Set::new();
    let mut problems = Vec::new();
    for (name, text) in js_files() {
        let built = literals_after(
            &text,
            &[
                "OAuthError(",
                "oauthError(",
                " err(",
                "(err(",
                ".code === ",
                ".code !== ",
                ".code == ",
                ".code != ",
            ],
        );
        codes.extend(built);
        for (i, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("OAuthError(") {
                rest = &rest[at + "OAuthError(".len()..];
                let arg = rest.trim_start();
                if !(arg.starts_with('\'') || arg.starts_with('"') || arg.starts_with("code")) {
                    problems.push(format!(
                        "{name}:{}: OAuthError built with a code that is neither a literal nor a wrapper's `code`: {}",
                        i + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    (codes, problems)
}

#[test]
fn error_codes_are_declared_once() {
    let rust = rust_codes();
    let js_only = js_only_codes();
    let mut problems = Vec::new();
    for c in rust.intersection(&js_only) {
        problems.push(format!(
            "{c} is both an ErrorCode and in JS_ONLY_CODES: keep it in one"
        ));
    }
    let all: Set = rust.union(&js_only).cloned().collect();
    problems.extend(difference(
        "ErrorCode::as_str + JS_ONLY_CODES",
        &all,
        "OAuthErrorCode (src/wasm/types.d.ts)",
        &ts_error_codes(),
    ));
    let mut docs = doc_table_codes("README.md", "## Errors");
    docs.extend(doc_table_codes("docs/session.md", "## Error codes added"));
    problems.extend(difference(
        "ErrorCode::as_str + JS_ONLY_CODES",
        &all,
        "the error tables of README.md and docs/session.md",
        &docs,
    ));
    let (js, js_problems) = js_codes();
    problems.extend(js_problems);
    for c in js.difference(&all) {
        problems.push(format!(
            "js/*.js uses the code {c:?}, which is neither an ErrorCode nor in JS_ONLY_CODES"
        ));
    }
    for c in js_only.difference(&js) {
        problems.push(format!(
            "JS_ONLY_CODES lists {c:?}, which no js/*.js builds: remove it"
        ));
    }
    check_all(problems);
}
