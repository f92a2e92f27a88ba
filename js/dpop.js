// DPoP (RFC 9449) in the browser: the key, the signature, the requests. Every rule (the
// proof's claims, htu, which nonce applies, whether to retry) is asked of Rust through the
// `Op` (src/wasm/dpop.rs); this file holds only what needs the browser.
//
// The key: a P-256 pair from crypto.subtle.generateKey with extractable false (the private key
// never leaves the browser's key store; only the public half is exported, for the proof's
// jwk), kept as CryptoKey objects in IndexedDB: database `oauth-spa-dpop`, object store
// `keys`, one record per client under the name `<clientId> <tokenEndpoint>`. Where IndexedDB
// is missing or refuses (some private modes, Lockdown Mode), the pair lives as long as the page,
// and every TokenSet the page gets says so: `dpopKey: "page"` (else `"stored"`).
import { OAuthError } from './error.js';
import { post } from './glue.js';

const unavailable = (why) => new OAuthError('dpop_unavailable', why);
const keys = new Map(); // key name -> promise of { pair, x, y, stored }
const loaded = new Map(); // key name -> { pair, x, y, stored }, once loaded
const nonces = new Map(); // origin (Rust's) -> the server's last usable DPoP-Nonce

// One IndexedDB request as a promise.
const done = (r) => new Promise((ok, no) => { r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });

function openDb() {
  const r = indexedDB.open('oauth-spa-dpop', 1);
  r.onupgradeneeded = () => r.result.createObjectStore('keys');
  return done(r);
}
const store = (db, mode) => db.transaction('keys', mode).objectStore('keys');

async function loadKey(name) {
  // Not a secure context: no crypto.subtle. Nothing is sent, and never a Bearer request instead.
  if (!globalThis.isSecureContext || !crypto.subtle) {
    throw unavailable('dpop: true needs a secure context (https, or http on localhost): crypto.subtle is missing');
  }
  let db = null, pair;
  try {
    db = await openDb();
    pair = await done(store(db, 'readonly').get(name));
  } catch {
    db?.close();
    db = null;
  }
  if (!pair) {
    try {
      pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    } catch {
      throw unavailable('the browser refused to make a P-256 key');
    }
    if (db) {
      // `add`, not `put`: when another tab stored a key meanwhile, this page uses that one, so
      // that both tabs' tokens are bound to the key that stays.
      try { await done(store(db, 'readwrite').add(pair, name)); } catch {
        // Stored by another tab (or not storable: then this page's key, for the page only).
        const other = await done(store(db, 'readonly').get(name)).catch(() => undefined);
        if (other) pair = other; else { db.close(); db = null; }
      }
    }
  }
  db?.close();
  const { x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return { pair, x, y, stored: !!db };
}

function keyFor(name) {
  let k = keys.get(name);
  if (!k) {
    keys.set(name, k = loadKey(name));
    k.then((key) => loaded.set(name, key), () => keys.delete(name));
  }
  return k;
}

// For startLogin's `dpop_jkt` (RFC 9449 §10), which is synchronous: x and y (joined) of the key
// `name` when this page has loaded it and it is stored (a key that lives only for the page
// would be gone on the page that exchanges the code).
export function storedKey(name) {
  const k = loaded.get(name);
  return k?.stored ? k.x + k.y : undefined;
}

// prepareDpop: loads (or makes) the key `name`; resolves to its thumbprint (`null` without a
// name: `dpop` is off).
export async function prepare(name, op) {
  try {
    if (name === undefined) return null;
    const k = await keyFor(name);
    return op.dpopJkt(k.x + k.y);
  } finally {
    op.free();
  }
}

// A fresh proof of the key `name` for `method url` (with `ath` of `token` when given), with
// `nonce` (by default the one remembered for the URL's origin). Exported for the vault worker
// (js/vault.js), which signs for the page's `session.fetch`.
export async function proof(op, name, method, url, token, nonce = nonces.get(op.dpopOrigin(url))) {
  const key = await keyFor(name);
  const input = op.dpopInput(method, url, key.x, key.y, nonce, token);
  let sig;
  try {
    // WebCrypto's ECDSA signature is r || s, the JWS form (RFC 7518 §3.4).
    sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.pair.privateKey, new TextEncoder().encode(input));
  } catch {
    throw unavailable('the browser refused to sign with the DPoP key');
  }
  // The compact JWS: the signature's 64 octets in base64url (RFC 7515 §7.1).
  const b64 = btoa(String.fromCharCode(...new Uint8Array(sig)));
  return input + '.' + b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Remembers the answer's DPoP-Nonce for its origin; true when it carried a usable one.
function remember(op, url, res) {
  const n = res.headers.get('DPoP-Nonce');
  const origin = n !== null && op.dpopOrigin(url, n);
  if (origin) nonces.set(origin, n);
  return !!origin;
}

// js/glue.js `send` with a proof of the key `name`, sent once more when the server asks for a
// nonce (RFC 9449 §8: 400 use_dpop_nonce with a DPoP-Nonce). Resolves to `op.finish`'s TokenSet.
export async function dpopSend(url, headers, body, ms, signal, op, name) {
  let key, res, text;
  try {
    key = await keyFor(name);
    headers = JSON.parse(headers);
    for (let retried = false; ; retried = true) {
      headers.DPoP = await proof(op, name, 'POST', url);
      [res, text] = await post(url, headers, body, ms, signal);
      // Every answer's nonce is kept (a server may give a new one with a success, §8.2).
      if (!op.dpopRetry(res.status, text, null, remember(op, url, res), retried)) break;
    }
  } catch (e) {
    op.free();
    throw e;
  }
  const t = op.finish(res.status, text);
  t.dpopKey = key.stored ? 'stored' : 'page';
  return t;
}

// `session.fetch(input, init)` with `dpop: true`: `fetch` with the session's access token as
// `Authorization: DPoP <token>` plus a proof with `ath`. Once more with the new nonce on a
// `WWW-Authenticate: DPoP error="use_dpop_nonce"` 401 (RFC 9449 §9), and once more after a
// forced refresh on any other 401 (as js/fetch.js does for Bearer tokens). `name`: the key's
// name; `sign`: what makes the proof (`proof`, or the vault worker's).
export function addFetch(session, op, name, sign = proof) {
  session.fetch = async (input, init) => {
    const base = new Request(input, init);
    let force = false, retried = false, refreshed = false;
    for (;;) {
      const token = await session.getAccessToken(force ? { forceRefresh: true } : undefined);
      force = false;
      const req = base.clone();
      req.headers.set('Authorization', 'DPoP ' + token);
      req.headers.set('DPoP', await sign(op, name, req.method, req.url, token, nonces.get(op.dpopOrigin(req.url))));
      const res = await fetch(req);
      // Every answer's nonce is kept, as for token requests.
      const fresh = remember(op, req.url, res);
      if (res.status !== 401) return res;
      if (fresh && op.dpopRetry(401, '', res.headers.get('WWW-Authenticate'), true, retried)) {
        retried = true;
        continue;
      }
      if (refreshed) return res;
      refreshed = force = true;
    }
  };
}
