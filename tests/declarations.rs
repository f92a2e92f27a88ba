//! The JavaScript API is declared in several files that nothing but this test ties together:
//! the Rust readers of the argument objects, the TypeScript declarations, the README's tables
//! and the errors js/*.js builds itself. This test reads them as text and fails, naming the
//! difference, when they disagree:
//!
//! - error codes: the arms of `ErrorCode::as_str` (src/core/error.rs) plus
//!   `ErrorCode::JS_ONLY_CODES` (same file) are the list; the `OAuthErrorCode` union of
//!   src/wasm/types.d.ts, the error tables of README.md and docs/session.md, and every code
//!   js/*.js builds an `OAuthError` with or compares `.code` to must match it;
//! - argument objects: the members each Rust reader accepts (`Fields` calls in the function
//!   that reads the object) must be the members of its TypeScript interface, and every
//!   `Fields::new` outside tests, and every object type an export takes, must belong to a
//!   reader listed here;
//! - every type named in a `#[wasm_bindgen(unchecked_param_type/unchecked_return_type)]` must
//!   be declared in the .d.ts files;
//! - the README's list of `ClientConfig` fields and docs/session.md's `createSession` option
//!   table must name the members of their interfaces.
//!
//! Native, no build: `cargo test --test declarations`.

use std::collections::{BTreeMap, BTreeSet};
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

// ---------------------------------------------------------------------------------------------
// Argument objects

/// The body of the function whose signature contains `anchor` (which must occur once).
fn fn_body<'a>(src: &'a str, file: &str, anchor: &str) -> &'a str {
    let hits: Vec<_> = src.match_indices(anchor).collect();
    assert_eq!(hits.len(), 1, "{file}: `{anchor}` must occur exactly once");
    block(src, hits[0].0, file.ends_with(".js"))
}

/// The methods of `Fields` (src/core/args.rs) whose first argument is a member name.
const FIELD_READS: &[&str] = &[
    "string(",
    "required_string(",
    "bool(",
    "whole(",
    "positive(",
    "one_of(",
    "string_list(",
    "string_record(",
    "get(",
];

/// Members a reader accepts: `<var>.<method>("name"` for the `Fields` variable(s) in `body`,
/// and `get(&<arg>, "name")`/`js::get(<arg>, "name")` (read from the JS object directly).
fn rust_members(body: &str, js_arg: Option<&str>) -> Set {
    // rustfmt breaks `a\n    .one_of(`: join method chains first.
    let mut joined = String::with_capacity(body.len());
    let mut pending = String::new();
    for c in body.chars() {
        if c.is_whitespace() {
            pending.push(c);
            continue;
        }
        if c != '.' {
            joined.push_str(&pending);
        }
        pending.clear();
        joined.push(c);
    }
    let body = joined.as_str();
    let mut vars = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find("Fields::new(") {
        let before = rest[..at].trim_end().trim_end_matches('=').trim_end();
        let var = before
            .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap();
        vars.push(var.to_string());
        rest = &rest[at + 1..];
    }
    let mut prefixes = Vec::new();
    for v in &vars {
        for m in FIELD_READS {
            prefixes.push(format!("{v}.{m}"));
        }
    }
    if let Some(arg) = js_arg {
        prefixes.push(format!("get(&{arg},"));
        prefixes.push(format!("get({arg},"));
    }
    let prefixes: Vec<&str> = prefixes.iter().map(|s| s.as_str()).collect();
    literals_after(body, &prefixes).into_iter().collect()
}

/// Members a JavaScript function reads from its parameter `var` (`var.x`, `var?.x`).
fn js_members(body: &str, var: &str) -> Set {
    let mut out = Set::new();
    for sep in ["?.", "."] {
        let p = format!("{var}{sep}");
        let mut rest = body;
        while let Some(at) = rest.find(&p) {
            rest = &rest[at + p.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// The TypeScript declaration files the entries are built with (src/wasm/*.rs
/// `typescript_custom_section`): together, what `oauth-spa/dpop` declares; `oauth-spa` and
/// `oauth-spa/core` declare a part (no-dpop.d.ts gives them `dpop?: false` instead).
const DECLARATION_FILES: [&str; 6] = [
    "src/wasm/types.d.ts",
    "src/wasm/session.d.ts",
    "src/wasm/fetch.d.ts",
    "src/wasm/dpop.d.ts",
    "src/wasm/no-dpop.d.ts",
    "src/wasm/vault.d.ts",
];

/// TypeScript interfaces of the declaration files: name -> (members, extended interfaces).
/// Interfaces declared twice (ClientConfig: types.d.ts, session.d.ts, dpop.d.ts) are merged,
/// as TypeScript merges them.
fn ts_interfaces() -> BTreeMap<String, (Set, Vec<String>)> {
    let mut out: BTreeMap<String, (Set, Vec<String>)> = BTreeMap::new();
    for file in DECLARATION_FILES {
        let src = strip_block_comments(&read(file));
        let mut rest = src.as_str();
        while let Some(at) = rest.find("export interface ") {
            let head_end = at + rest[at..].find('{').unwrap();
            let head = &rest[at + "export interface ".len()..head_end];
            let mut words = head.split_whitespace();
            let name = words.next().unwrap().to_string();
            let extends: Vec<String> = match words.next() {
                Some("extends") => words
                    .flat_map(|w| w.split(','))
                    .filter(|w| !w.is_empty())
                    .map(String::from)
                    .collect(),
                _ => Vec::new(),
            };
            let body = block(rest, at, true);
            let entry = out.entry(name).or_default();
            entry.1.extend(extends);
            for line in body.lines() {
                let line = line.trim();
                let name: String = line
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let after = &line[name.len()..];
                if !name.is_empty() && (after.starts_with(':') || after.starts_with("?:")) {
                    entry.0.insert(name);
                }
            }
            rest = &rest[at + body.len()..];
        }
    }
    out
}

fn ts_members(all: &BTreeMap<String, (Set, Vec<String>)>, name: &str) -> Set {
    let (own, extends) = all
        .get(name)
        .unwrap_or_else(|| panic!("interface {name} is not declared in src/wasm/*.d.ts"));
    let mut out = own.clone();
    for e in extends {
        out.extend(ts_members(all, e));
    }
    out
}

/// Where an argument object is read: the file, a substring of the reading function's
/// signature, and the name of the JS value when members are also read from it directly.
struct Reader {
    file: &'static str,
    anchor: &'static str,
    js_arg: Option<&'static str>,
}

const fn r(file: &'static str, anchor: &'static str, js_arg: Option<&'static str>) -> Reader {
    Reader {
        file,
        anchor,
        js_arg,
    }
}

/// Each TypeScript argument interface and the functions that read its members.
fn readers() -> Vec<(&'static str, Vec<Reader>)> {
    vec![
        (
            "ClientConfig",
            vec![r(
                "src/core/config.rs",
                "pub fn from_json(value: &Json)",
                None,
            )],
        ),
        (
            "EllipsisOptions",
            vec![r("src/core/config.rs", "pub fn ellipsis_from_json(", None)],
        ),
        (
            "StartLoginOptions",
            vec![r(
                "src/core/authorize.rs",
                "pub fn from_json(options: &Json) -> Result<LoginOptions",
                None,
            )],
        ),
        (
            "ExchangeCodeParams",
            vec![r("src/wasm/mod.rs", "pub fn exchange_code(", None)],
        ),
        (
            "RequestOptions",
            vec![r("src/wasm/mod.rs", "fn signal_of(", Some("options"))],
        ),
        (
            "RefreshOptions",
            vec![r(
                "src/wasm/session.rs",
                "\npub fn refresh(",
                Some("options"),
            )],
        ),
        (
            "RevokeOptions",
            vec![r(
                "src/wasm/session.rs",
                "pub fn revoke_token(",
                Some("options"),
            )],
        ),
        (
            "DiscoverOptions",
            vec![r(
                "src/wasm/session.rs",
                "pub fn discover(",
                Some("options"),
            )],
        ),
        (
            "SessionOptions",
            vec![
                r("src/wasm/session.rs", "fn read_session(", Some("options")),
                // createSession reads `tokens` itself, once read_session has checked it.
                r(
                    "src/wasm/session.rs",
                    "pub fn create_session(",
                    Some("options"),
                ),
                // The vault's options: checked in Rust, `vaultUrl` read by the page's half.
                r(
                    "src/wasm/vault.rs",
                    "pub(super) fn wanted(",
                    Some("options"),
                ),
                r("js/vault.js", "export function openVault(", None),
            ],
        ),
        (
            "PopupLoginOptions",
            vec![
                // loginWithPopup and the vault's session.loginWithPopup share this reader.
                r("src/wasm/session.rs", "pub(super) fn popup_login(", None),
                // loginWithPopup hands its options to startLogin's reader.
                r(
                    "src/core/authorize.rs",
                    "pub fn from_json(options: &Json) -> Result<LoginOptions",
                    None,
                ),
            ],
        ),
        (
            "AccessTokenOptions",
            vec![r("js/session.js", "getAccessToken(options) {", None)],
        ),
    ]
}

#[test]
fn argument_objects_match_their_typescript_interfaces() {
    let interfaces = ts_interfaces();
    let mut problems = Vec::new();
    let mut covered: BTreeMap<&str, usize> = BTreeMap::new();
    for (interface, rs) in readers() {
        let mut accepted = Set::new();
        for reader in &rs {
            let src = read(reader.file);
            let body = fn_body(&src, reader.file, reader.anchor);
            if reader.file.ends_with(".js") {
                accepted.extend(js_members(body, "options"));
            } else {
                *covered.entry(reader.file).or_default() += body.matches("Fields::new(").count();
                accepted.extend(rust_members(body, reader.js_arg));
            }
        }
        assert!(!accepted.is_empty(), "no members read for {interface}");
        problems.extend(difference(
            &format!("the readers of {interface}"),
            &accepted,
            &format!("interface {interface}"),
            &ts_members(&interfaces, interface),
        ));
    }
    // A reader not listed above would escape the comparison: every `Fields::new` outside the
    // unit tests must be in a listed function (authorize.rs's reader is listed twice).
    *covered.get_mut("src/core/authorize.rs").unwrap() -= 1;
    for file in [
        "src/core/config.rs",
        "src/core/authorize.rs",
        "src/core/args.rs",
        "src/wasm/mod.rs",
        "src/wasm/session.rs",
        "src/wasm/vault.rs",
        "src/core/token.rs",
        "src/core/discovery.rs",
        "src/core/session/mod.rs",
        "src/core/session/machine.rs",
        "src/core/callback.rs",
    ] {
        let src = read(file);
        let code = src.split("#[cfg(test)]").next().unwrap();
        // The one in args.rs's doc comment and its definition are not readers.
        let calls = code
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .map(|l| l.matches("Fields::new(").count())
            .sum::<usize>();
        let listed = covered.get(file).copied().unwrap_or(0);
        if calls != listed {
            problems.push(format!(
                "{file} has {calls} Fields::new reader(s) outside tests, {listed} listed in tests/declarations.rs readers()"
            ));
        }
    }
    check_all(problems);
}

/// Every type the `#[wasm_bindgen]` exports name in `unchecked_param_type` and
/// `unchecked_return_type` is declared in the .d.ts files (or is a TypeScript built-in).
#[test]
fn wasm_bindgen_type_strings_name_declared_types() {
    let mut declared: Set = ts_interfaces().into_keys().collect();
    for file in DECLARATION_FILES {
        for line in read(file).lines() {
            for kw in ["export type ", "export class "] {
                if let Some(rest) = line.strip_prefix(kw) {
                    declared.insert(
                        rest.chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect(),
                    );
                }
            }
        }
    }
    let builtin = [
        "string",
        "undefined",
        "Promise",
        "void",
        "number",
        "boolean",
    ];
    let mut problems = Vec::new();
    let mut seen = 0;
    for file in ["src/wasm/mod.rs", "src/wasm/session.rs"] {
        let src = read(file);
        for ty in literals_after(&src, &["unchecked_param_type =", "unchecked_return_type ="]) {
            seen += 1;
            for name in ty.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                if !name.is_empty() && !builtin.contains(&name) && !declared.contains(name) {
                    problems.push(format!("{file}: type {name} (in {ty:?}) is not declared"));
                }
            }
        }
    }
    assert!(seen > 20, "read too few wasm_bindgen type strings: {seen}");
    check_all(problems);
}

/// The names in backticks of a prose list, outside parentheses: `name` or `name?`.
fn prose_members(text: &str) -> Set {
    let mut out = Set::new();
    let mut depth = 0i32;
    let mut rest = text;
    while let Some(i) = rest.find(['(', ')', '`']) {
        match rest.as_bytes()[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            _ => {
                let end = rest[i + 1..].find('`').expect("closed backtick");
                let item = &rest[i + 1..i + 1 + end];
                let name = item.trim_end_matches('?');
                if depth == 0
                    && name.starts_with(|c: char| c.is_ascii_lowercase())
                    && name.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    out.insert(name.to_string());
                }
                rest = &rest[i + 1 + end + 1..];
                continue;
            }
        }
        rest = &rest[i + 1..];
    }
    out
}

/// The README's list of `ClientConfig` fields and docs/session.md's `createSession` option table
/// name the members their interfaces declare.
#[test]
fn documented_members_match_the_interfaces() {
    let interfaces = ts_interfaces();
    let mut problems = Vec::new();

    let readme = read("README.md");
    let at = readme
        .find("`ClientConfig` fields:")
        .expect("README: `ClientConfig` fields:");
    let end = at + readme[at..].find("Every field").expect("end of the list");
    let listed = prose_members(&readme[at + "`ClientConfig` fields:".len()..end]);
    // The session feature adds `revocationEndpoint`, documented in docs/session.md.
    let mut declared = ts_members(&interfaces, "ClientConfig");
    declared.remove("revocationEndpoint");
    problems.extend(difference(
        "README's ClientConfig fields",
        &listed,
        "interface ClientConfig (types.d.ts)",
        &declared,
    ));
    let session_doc = read("docs/session.md");
    if !session_doc.contains("`revocationEndpoint`") {
        problems.push("docs/session.md does not document `revocationEndpoint`".into());
    }

    let at = session_doc
        .find("### `createSession(")
        .expect("docs/session.md: createSession");
    let table: Set = session_doc[at..]
        .lines()
        .skip_while(|l| !l.starts_with("| option |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.split('|')
                .nth(1)
                .unwrap()
                .trim()
                .trim_matches('`')
                .to_string()
        })
        .collect();
    problems.extend(difference(
        "docs/session.md createSession options",
        &table,
        "interface SessionOptions",
        &ts_members(&interfaces, "SessionOptions"),
    ));
    check_all(problems);
}

/// Every object type an export takes (`unchecked_param_type`) has its reader listed in
/// [`readers`], so a new argument object cannot escape the member comparison.
#[test]
fn every_argument_interface_has_a_listed_reader() {
    let listed: BTreeSet<&str> = readers().iter().map(|(i, _)| *i).collect();
    let mut problems = Vec::new();
    for file in ["src/wasm/mod.rs", "src/wasm/session.rs"] {
        for ty in literals_after(&read(file), &["unchecked_param_type ="]) {
            for name in ty.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                if name.starts_with(|c: char| c.is_ascii_uppercase()) && !listed.contains(name) {
                    problems.push(format!(
                        "{file}: {name} is an argument type without a reader in tests/declarations.rs readers()"
                    ));
                }
            }
        }
    }
    check_all(problems);
}

// ---------------------------------------------------------------------------------------------
// The boundary's encodings

/// A constant's value as both languages write it: a whole number, or a character or string
/// (Rust `b'x'`, `'x'` and `"x"`, JS `'x'` and `"x"`, with their escapes).
#[derive(Debug, PartialEq)]
enum Value {
    Int(u64),
    Text(String),
}

/// The value of the literal `lit`, or `None` when it is not a literal of [`Value`].
fn literal(lit: &str) -> Option<Value> {
    let lit = lit.trim();
    if !lit.is_empty() && lit.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return lit.replace('_', "").parse().ok().map(Value::Int);
    }
    let body = lit.strip_prefix('b').unwrap_or(lit);
    let q = body.chars().next()?;
    if !(q == '\'' || q == '"') || body.len() < 2 || !body.ends_with(q) {
        return None;
    }
    let mut out = String::new();
    let mut chars = body[1..body.len() - 1].chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            '0' => '\0',
            c @ ('\\' | '\'' | '"') => c,
            _ => return None,
        });
    }
    Some(Value::Text(out))
}

/// `NAME -> value` of every `const` in src/wasm/boundary.rs (`pub(crate) const NAME: T = v;`),
/// and the lines that declare a constant some other way.
fn rust_boundary() -> (BTreeMap<String, Value>, Vec<String>) {
    let file = "src/wasm/boundary.rs";
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for (i, line) in read(file).lines().enumerate() {
        let line = line.trim();
        let Some(decl) = line
            .strip_prefix("pub(crate) ")
            .unwrap_or(line)
            .strip_prefix("const ")
        else {
            continue;
        };
        let parsed = decl
            .strip_suffix(';')
            .and_then(|d| d.split_once('='))
            .and_then(|(name_ty, v)| Some((name_ty.split_once(':')?.0.trim(), literal(v)?)));
        match parsed {
            Some((name, v)) if !line.starts_with("const ") => {
                if out.insert(name.to_string(), v).is_some() {
                    problems.push(format!("{file}: {name} is declared twice"));
                }
            }
            _ => problems.push(format!(
                "{file}:{}: not a `pub(crate) const NAME: T = literal;` on one line: {line}",
                i + 1
            )),
        }
    }
    (out, problems)
}

/// `NAME -> value` of every `export const NAME = literal;` of js/boundary.js, and the lines that
/// export anything else.
fn js_boundary() -> (BTreeMap<String, Value>, Vec<String>) {
    let file = "js/boundary.js";
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for (i, line) in read(file).lines().enumerate() {
        let code = line.split(" //").next().unwrap().trim();
        if !code.starts_with("export") {
            continue;
        }
        let parsed = code
            .strip_prefix("export const ")
            .and_then(|d| d.strip_suffix(';'))
            .and_then(|d| d.split_once('='))
            .and_then(|(name, v)| Some((name.trim(), literal(v)?)));
        match parsed {
            Some((name, v)) => {
                if out.insert(name.to_string(), v).is_some() {
                    problems.push(format!("{file}: {name} is exported twice"));
                }
            }
            None => problems.push(format!(
                "{file}:{}: not an `export const NAME = literal;`: {}",
                i + 1,
                line.trim()
            )),
        }
    }
    (out, problems)
}

/// The names each js/*.js file imports from './boundary.js'.
fn js_boundary_imports() -> Vec<(String, Set)> {
    let mut out = Vec::new();
    for (name, text) in js_files() {
        let mut rest = text.as_str();
        while let Some(at) = rest.find("import {") {
            rest = &rest[at + "import {".len()..];
            let end = rest.find('}').expect("closed import list");
            let from = rest[end..].trim_start_matches(['}', ' ']);
            if from.starts_with("from './boundary.js'") {
                let names = rest[..end]
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(String::from)
                    .collect();
                out.push((name.clone(), names));
            }
        }
    }
    out
}

#[test]
fn boundary_constants_match_on_both_sides() {
    let (rust, mut problems) = rust_boundary();
    let (js, js_problems) = js_boundary();
    problems.extend(js_problems);
    assert!(
        rust.len() >= 10,
        "src/wasm/boundary.rs: found only {} constants",
        rust.len()
    );
    problems.extend(difference(
        "src/wasm/boundary.rs",
        &rust.keys().cloned().collect(),
        "js/boundary.js",
        &js.keys().cloned().collect(),
    ));
    for (name, v) in &rust {
        if let Some(j) = js.get(name).filter(|j| *j != v) {
            problems.push(format!(
                "{name} is {v:?} in src/wasm/boundary.rs but {j:?} in js/boundary.js"
            ));
        }
    }
    let imports = js_boundary_imports();
    for file in ["js/glue.js", "js/session.js"] {
        if !imports.iter().any(|(f, _)| f == file) {
            problems.push(format!("{file} imports nothing from './boundary.js'"));
        }
    }
    for (file, names) in imports {
        for n in names.iter().filter(|n| !js.contains_key(*n)) {
            problems.push(format!(
                "{file} imports {n} from './boundary.js', which does not export it"
            ));
        }
    }
    check_all(problems);
}

#[test]
fn boundary_literals_parse() {
    assert_eq!(literal("0"), Some(Value::Int(0)));
    assert_eq!(literal("300_000"), Some(Value::Int(300_000)));
    assert_eq!(literal("b'\\n'"), Some(Value::Text("\n".into())));
    assert_eq!(literal("'\\n'"), Some(Value::Text("\n".into())));
    assert_eq!(literal("\" \""), Some(Value::Text(" ".into())));
    assert_eq!(literal("'\\''"), Some(Value::Text("'".into())));
    assert_eq!(literal("2 * X"), None);
    assert_eq!(literal("'a"), None);
    assert_eq!(literal("-1"), None);
}
