// Browser plumbing of sessions, discovery and popup sign-in. A session is the Rust state
// machine (core::session::machine, through a session `Op`): this file feeds it events and
// executes its effects (IndexedDB, Web Locks, BroadcastChannel, requests, timers, callbacks).
// Every protocol and timing decision is the machine's.
import { OAuthError } from './error.js';
import {
  STORAGE_SESSION, STORAGE_LOCAL, URL_SEPARATOR, METADATA_VALIDATE, METADATA_STOP, EFFECT_LOCK,
  EFFECT_UNLOCK, EFFECT_TIMER, EFFECT_READ, EFFECT_WRITE, EFFECT_BROADCAST, EFFECT_REFRESH, EFFECT_REVOKE, EFFECT_RESOLVE,
  EFFECT_REJECT, EFFECT_DONE, EVENT_GET, EVENT_SIGN_OUT, EVENT_SET, EVENT_LOCK, EVENT_TIMER,
  EVENT_READ, EVENT_WRITTEN, EVENT_CHANGED, EVENT_REFRESHED, EVENT_REVOKED, EVENT_KEEP,
} from './boundary.js';

const err = (code, message) => new OAuthError(code, message);

// The shared store: one IndexedDB database of the origin, key -> TokenSet (structured clone).
let db;
const idb = () => db ??= new Promise((ok, no) => {
  const r = indexedDB.open('oauth-spa', 1);
  r.onupgradeneeded = () => r.result.createObjectStore('s');
  r.onsuccess = () => ok(r.result);
  r.onerror = r.onblocked = () => no(r.error);
}).catch((e) => { db = null; throw e; }); // not kept: a later session tries again
// Runs `f(objectStore, done)` in one readwrite transaction; resolves to what `done` got once
// the transaction committed.
const tx = (f) => idb().then((d) => new Promise((ok, no) => {
  const t = d.transaction('s', 'readwrite');
  let v;
  t.oncomplete = () => ok(v);
  t.onerror = t.onabort = () => no(t.error);
  f(t.objectStore('s'), (x) => { v = x; });
}));
// A session the previous release stored in localStorage under `key` (null if none). It is
// removed only once the transaction that moved it to IndexedDB has committed.
const legacy = (key) => {
  try { return JSON.parse(localStorage.getItem(key)); } catch { return null; }
};
const forget = (key) => {
  try { localStorage.removeItem(key); } catch { /* kept: read again next time */ }
};
// `[read, write, sync]` of a store: IndexedDB (shared; migrating the previous release's
// session) or this tab's sessionStorage (JSON, as before; synchronous).
const stores = {
  [STORAGE_LOCAL]: (key) => [
    () => tx((s, done) => {
      const r = s.get(key);
      r.onsuccess = () => {
        const old = legacy(key);
        if (r.result === undefined && old) s.put(old, key);
        done(r.result ?? old);
      };
    }).then((t) => { forget(key); return t; }),
    // Written only if `keep(what the store holds)` (Rust's word, inside the transaction);
    // resolves to what it held.
    (t, keep) => tx((s, done) => {
      const r = s.get(key);
      r.onsuccess = () => {
        done(r.result);
        if (keep(r.result)) t ? s.put(t, key) : s.delete(key);
      };
    }),
  ],
  [STORAGE_SESSION]: (key) => [
    () => {
      const t = sessionStorage.getItem(key);
      try { return JSON.parse(t); } catch { return null; }
    },
    (t) => (t ? sessionStorage.setItem(key, JSON.stringify(t)) : sessionStorage.removeItem(key)),
    true,
  ],
};

// Without Web Locks: a lease in IndexedDB, taken in one transaction when free or expired.
const lease = (key, id, ms) => tx((s, done) => {
  const r = s.get(key);
  r.onsuccess = () => {
    const free = !r.result || r.result.until < Date.now() || r.result.id === id;
    if (free) s.put({ id, until: Date.now() + ms }, key);
    done(free);
  };
});

// `m`: the session Op; `storage`: STORAGE_*; `key`: where it is stored.
export function makeSession(m, storage, key) {
  if (storage === STORAGE_SESSION) {
    try { sessionStorage.getItem(key); } catch {
      m.free();
      throw err('storage_unavailable', 'the session storage is unavailable (disabled, sandboxed iframe or quota)');
    }
  }
  const [read, write, sync] = stores[storage]?.(key) ?? [];
  const subs = [new Set(), new Set(), new Set()]; // onChange, onSignedOut, onError
  const calls = new Map(); // caller id -> [resolve, reject]
  const chan = storage === STORAGE_LOCAL && self.BroadcastChannel ? new BroadcastChannel('oauth-spa:' + key) : null;
  const id = Math.random().toString(36);
  let release = () => {};
  const emit = (k, v) => subs[k].forEach((f) => {
    try { f(v); } catch (e) { setTimeout(() => { throw e; }); }
  });
  const answer = (n, k, v) => { calls.get(n)?.[k](v); calls.delete(n); };
  // Feeds what `p` settles to into `f(value or error, ok)`, then executes the effects.
  const then = (p, f) => Promise.resolve(p).then((v) => f(v, true), (e) => f(e, false)).then(run);
  // The same for a store call `g`, at once when the store is synchronous.
  const use = (g, f) => {
    if (!sync) return then(g(), f);
    try { f(g(), true); } catch (e) { f(e, false); }
    run();
  };
  const lock = (ms) => navigator.locks
    ? navigator.locks.request('oauth-spa:' + key, () => new Promise((r) => { release = r; m.ev(EVENT_LOCK, true); run(); }))
      .catch(() => { m.ev(EVENT_LOCK, true); run(); }) // no lock to be had (an opaque origin): unlocked
    : then(lease(key + ':lease', id, ms).catch(() => true), (free) => {
      release = () => tx((s, done) => {
        const r = s.get(key + ':lease');
        r.onsuccess = () => done(r.result?.id === id && s.delete(key + ':lease'));
      }).catch(() => {});
      m.ev(EVENT_LOCK, free);
    });
  // Executes the machine's effects, in order, until none is left.
  function run() {
    for (let k; (k = m.next());) {
      const n = m.num(), v = m.value();
      if (k === EFFECT_LOCK) lock(n);
      else if (k === EFFECT_UNLOCK) release();
      else if (k === EFFECT_TIMER) setTimeout(() => { m.ev(EVENT_TIMER); run(); }, n);
      else if (k === EFFECT_READ) use(read, (t, ok) => m.ev(EVENT_READ, ok && t, ok));
      else if (k === EFFECT_WRITE) use(() => write(v, (c) => m.ev(EVENT_KEEP, c)), (c, ok) => m.ev(EVENT_WRITTEN, ok && c, ok));
      else if (k === EFFECT_BROADCAST) chan?.postMessage(0);
      // The one place a refresh is sent.
      else if (k === EFFECT_REFRESH) then(m.refresh(v), (x, ok) => m.ev(EVENT_REFRESHED, ok && x, x));
      else if (k === EFFECT_REVOKE) then(m.revoke(v, n), (x, ok) => m.ev(EVENT_REVOKED, ok ? undefined : x));
      else if (k === EFFECT_RESOLVE || k === EFFECT_DONE) answer(n, 0, v);
      else if (k === EFFECT_REJECT) answer(n, 1, v);
      else emit(k - EFFECT_DONE - 1, v); // EFFECT_CHANGED, EFFECT_SIGNED_OUT, EFFECT_ERROR
    }
  }
  if (chan) chan.onmessage = () => { m.ev(EVENT_CHANGED); run(); };
  run();
  const ask = (n) => new Promise((ok, no) => { calls.set(n, [ok, no]); run(); });
  const on = (k) => (f) => {
    if (typeof f !== 'function') throw err('invalid_argument', 'the callback must be a function');
    subs[k].add(f);
    return () => { subs[k].delete(f); };
  };
  return {
    getAccessToken(options) { return ask(m.ev(EVENT_GET, !!options?.forceRefresh)); },
    getTokens: () => m.tokens(),
    setTokens(t) { m.ev(EVENT_SET, t); run(); },
    signOut: () => ask(m.ev(EVENT_SIGN_OUT)),
    onChange: on(0),
    onSignedOut: on(1),
    onError: on(2),
    close() {
      chan?.close();
      subs.forEach((s) => s.clear());
    },
  };
}

// GETs the metadata URLs in order; Rust says what each answer means (`op.check`: validate it
// with `op.finish`, try the next URL, or stop).
export async function getMetadata(urls, ms, signal, op) {
  let last;
  for (const url of urls.trim().split(URL_SEPARATOR)) { // each URL is followed by one
    let res, k;
    try {
      res = await get(url, ms, signal);
      k = op.check(res[0]);
    } catch (e) {
      last = e;
      k = op.check(undefined, e);
    }
    if (k === METADATA_VALIDATE) {
      const config = op.finish(res[0], res[1]); // throws unless the document is valid
      config.metadata = JSON.parse(res[1]);
      return config;
    }
    if (k === METADATA_STOP) break;
    last = res ? new OAuthError('http_error', 'no metadata document at the well-known URLs of the issuer',
      undefined, undefined, undefined, res[0]) : last;
  }
  op.free();
  throw last;
}

async function get(url, ms, signal) {
  if (signal != null && !(signal instanceof AbortSignal)) throw err('invalid_argument', 'options.signal must be an AbortSignal');
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; ctrl.abort(); }, ms);
  const onAbort = () => ctrl.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted) throw 0;
    const res = await fetch(url, {
      headers: { Accept: 'application/json' }, signal: ctrl.signal,
      cache: 'no-store', redirect: 'error', referrerPolicy: 'no-referrer',
    });
    return [res.status, await res.text()];
  } catch {
    if (timedOut) throw err('timeout', 'the metadata request did not finish within timeoutMs');
    if (signal?.aborted) throw err('aborted', 'the request was aborted');
    throw err('network_error', 'the metadata request failed (network, CORS or redirect)');
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

// Opens the sign-in popup (synchronously: call from a click handler) and resolves to
// `op.finish(0, callbackUrl)` once the popup posts its response. Only a message whose source is
// this popup, whose origin is exactly this page's, and whose shape is ours is read.
export function openPopup(url, features, ms, op) {
  const w = open(url, 'oauth-spa-login', features);
  if (!w) {
    op.free();
    return Promise.reject(err('popup_blocked', 'the browser blocked the sign-in popup: call loginWithPopup from a click handler'));
  }
  return new Promise((resolve, reject) => {
    let closedTicks = 0;
    const end = () => {
      clearInterval(poll);
      clearTimeout(timer);
      removeEventListener('message', onMessage);
    };
    const fail = (e) => { end(); op.free(); reject(e); };
    const onMessage = (e) => {
      if (op.check(e, w, location.origin)) { // core::popup::is_popup_message
        end();
        try { resolve(op.finish(0, e.data.url)); } catch (x) { reject(x); }
      }
    };
    addEventListener('message', onMessage);
    // A message posted just before the popup closed is still queued: wait one more tick.
    const poll = setInterval(() => {
      if (w.closed && ++closedTicks > 1) fail(err('popup_closed', 'the sign-in popup was closed before it finished'));
    }, 250);
    const timer = setTimeout(() => {
      w.close();
      fail(err('timeout', 'the sign-in popup did not finish within popupTimeoutMs'));
    }, ms);
  });
}

// In the popup, on the redirect page: hands the response to a same-origin opener and closes.
export function postToOpener(type) {
  const o = window.opener;
  try {
    if (!o || o === window || o.location.origin !== location.origin) return false;
  } catch {
    return false; // a cross-origin opener: not ours
  }
  o.postMessage({ type, url: location.href }, location.origin);
  close();
  return true;
}
