// Browser side of oauth-spa's wasm glue: sessionStorage access and the token request. Small on
// purpose; all protocol logic lives in Rust. The error class is in error.js.

import { OAuthError } from './error.js';
import { KEY_SEPARATOR, PKCE_VERIFIER_LEN } from './boundary.js';

// Each of these throws when storage is disabled, sandboxed or full; Rust maps that to
// `storage_unavailable`.
export function sget(k) { return sessionStorage.getItem(k); }
export function sset(k, v) { sessionStorage.setItem(k, v); }
export function sremove(k) { sessionStorage.removeItem(k); }
// The keys that start with `prefix`, joined by KEY_SEPARATOR (keys with one are not this
// library's: the prefix has no control characters and the rest is base64url). Object.keys
// lists them in one pass; a `key(i)` loop is quadratic in Firefox, whose key(i) walks the
// entries from the first (10,000 keys: 0.58 s). It leaves out a key that is also the name of
// a Storage member (`length`, `getItem`, ...): never one of this library's (43-character
// states after the prefix).
export function skeys(prefix) {
  return Object.keys(sessionStorage).filter((k) => k.startsWith(prefix) && !k.includes(KEY_SEPARATOR)).join(KEY_SEPARATOR);
}

// Plain JS operations for Rust (instead of js-sys, whose bindings cost bytes).
export function get(o, k) { try { return o?.[k]; } catch { return undefined; } }
// `get` (`o` itself for the key ""), when the value is a string (Rust's `Option<String>`).
export function gets(o, k) { const v = k ? get(o, k) : o; return typeof v == 'string' ? v : undefined; }
export function parse(t) { try { return JSON.parse(t); } catch { return null; } }
// An argument object as JSON text for Rust, which type-checks every member (core::args).
// `undefined` is "null". A value JSON has no form for (NaN, Infinity, a function, a symbol, a
// bigint) becomes [0], which no member accepts (no member takes an array of numbers), instead of
// vanishing or turning into null. A value that cannot be serialized at all (a cycle, a throwing
// getter or toJSON) gives "" (no JSON), which Rust reports as unreadable.
const odd = [0];
export function json(v) {
  try {
    return JSON.stringify(v, (k, x) => {
      const t = typeof x;
      return t == 'number' ? (isFinite(x) ? x : odd) : t == 'function' || t == 'symbol' || t == 'bigint' ? odd : x;
    }) ?? 'null';
  } catch { return ''; }
}
export const now = Date.now;
export function reject(e) { return Promise.reject(e); }

export function currentUrl() { return location.href; }
export function replaceUrl(u) {
  if (u !== location.href) history.replaceState(history.state, '', u);
}

// POSTs to the token endpoint (`headers`: a JSON object of strings) and resolves to `ex.finish(status, bodyText)` (Rust reads the
// answer). Rejects with an OAuthError: `timeout` after `ms`, `aborted` when `signal` fires,
// `network_error` when fetch fails, or what `finish` throws.
export async function send(url, headers, body, ms, signal, ex) {
  let res, text;
  try {
    [res, text] = await post(url, JSON.parse(headers), body, ms, signal);
  } catch (e) {
    ex.free();
    throw e;
  }
  return ex.finish(res.status, text);
}

export async function post(url, headers, body, ms, signal) {
  if (signal != null && !(signal instanceof AbortSignal)) {
    throw new OAuthError('invalid_argument', 'options.signal must be an AbortSignal');
  }
  if (signal?.aborted) throw new OAuthError('aborted', 'the request was aborted before it was sent');
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; ctrl.abort(); }, ms);
  const onAbort = () => ctrl.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await fetch(url, {
      method: 'POST', headers, body, signal: ctrl.signal, credentials: 'omit',
      cache: 'no-store', redirect: 'error', referrerPolicy: 'no-referrer',
    });
    return [res, await res.text()];
  } catch (e) {
    if (timedOut) throw new OAuthError('timeout', 'the server did not answer within timeoutMs');
    if (signal?.aborted) throw new OAuthError('aborted', 'the request was aborted');
    throw new OAuthError('network_error', 'the request failed to reach the server (network, CORS or redirect)');
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

// A PKCE pair object from the verifier and the challenge (PKCE_VERIFIER_LEN characters each),
// joined, as base64url (ASCII) octets in wasm memory: String.fromCharCode reads these 86 octets
// several times faster than a TextDecoder.
export function pkcePair(b) {
  const s = String.fromCharCode.apply(null, b);
  return { verifier: s.slice(0, PKCE_VERIFIER_LEN), challenge: s.slice(PKCE_VERIFIER_LEN), method: 'S256' };
}
