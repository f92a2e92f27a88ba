// Browser plumbing of sessions, discovery and popup sign-in: storage, Web Locks, events,
// windows and GET requests. Every protocol and timing decision is made in Rust (`core`, a
// session `Op`: `step`, `refresh`, `revoke`, `ends`).
import { OAuthError } from './error.js';
import {
  STORAGE_MEMORY, STORAGE_SESSION, STORAGE_LOCAL, STEP_USE_TOKEN, STEP_SIGN_IN,
  HINT_ACCESS_TOKEN, HINT_REFRESH_TOKEN, URL_SEPARATOR,
} from './boundary.js';

const TYPE = 'oauth-spa:callback';
const err = (code, message) => new OAuthError(code, message);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// What Rust reads of a TokenSet (core::session::token_set_from_json): the members it uses, not
// `raw`, whose content (the server's, or the app's through setTokens) is none of its business.
// An `expiresAt` of Infinity is "never": null, as JSON (and so the stored copy) writes it.
const held = (t) => t ? {
  accessToken: t.accessToken, refreshToken: t.refreshToken,
  expiresAt: t.expiresAt === Infinity ? null : t.expiresAt, scope: t.scope, idToken: t.idToken,
} : null;
const text = (t) => { try { return JSON.stringify(held(t)); } catch { return '?'; } };
// Two TokenSets hold the same tokens (`raw` aside: it may not even be serializable).
const same = (a, b) => text(a) === text(b);
// A short fingerprint of the tokens a TokenSet holds (FNV-1a), for lock names.
const fingerprint = (t) => {
  let h = 2166136261;
  for (const c of text(t)) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return (h >>> 0).toString(36);
};

// `storage`: STORAGE_MEMORY, STORAGE_SESSION or STORAGE_LOCAL (shared by tabs: locked and adopted).
export function makeSession(core, storage, key, initial, ms) {
  let store = null;
  try {
    if (storage !== STORAGE_MEMORY) (store = storage === STORAGE_SESSION ? sessionStorage : localStorage).getItem(key);
  } catch {
    core.free();
    throw err('storage_unavailable', 'the session storage is unavailable (disabled, sandboxed iframe or quota)');
  }
  const shared = storage === STORAGE_LOCAL;
  const changed = new Set(), signedOut = new Set(), errors = new Set();
  // `epoch` counts sign-outs and tokens the app sets: a refresh that was in flight across one
  // is dropped, not stored. `unsaved`: this tab's last write to the store failed and no newer
  // write of another tab came since, so the store is stale and only memory counts. `leaving`:
  // a sign-out is clearing the store; what other tabs store meanwhile is not adopted.
  let tokens = null, inflight = null, epoch = 0, unsaved = false, leaving = 0, requesting = false;
  let missed = null; // the last set another tab stored while a sign-out waited
  const emit = (subs, v) => subs.forEach((f) => {
    try { f(v); } catch (e) { setTimeout(() => { throw e; }); }
  });
  // The stored session: null when absent or not a session (signed out), undefined when the
  // storage throws (nothing known).
  const read = () => {
    let t;
    try { t = store.getItem(key); } catch { return undefined; }
    try { t = JSON.parse(t); } catch { t = null; }
    return t && typeof t.accessToken === 'string' && t.accessToken ? t : null;
  };
  // Replaces the held tokens; `why` is given to onSignedOut (an OAuthError, or undefined).
  const set = (t, why, persist = true) => {
    const had = tokens;
    tokens = t;
    if (!t) epoch++;
    if (persist && store) {
      try {
        if (t) store.setItem(key, JSON.stringify(t)); else store.removeItem(key);
        unsaved = false;
      } catch {
        unsaved = true;
        emit(errors, err('storage_unavailable', 'the session could not be saved (storage disabled or full, or a TokenSet JSON cannot hold)'));
      }
    }
    if (t || had) emit(changed, t);
    if (had && !t) emit(signedOut, why);
  };
  const notSignedIn = () => err('not_signed_in', 'the session has no usable token: sign in again');

  // Another tab of this origin changed the shared session: adopt its tokens (or its sign-out).
  const onStorage = (e) => {
    if (e.storageArea === store && (e.key === key || e.key === null)) {
      const t = read();
      // Nothing known, a sign-out under way, or a late event of a set this tab replaced.
      if (t && leaving) { missed = t; return; } // a sign-out revokes it unless this tab set tokens
      if (t === undefined || (t && marker(t) === heldMarker)) return;
      unsaved = false; // the store holds another tab's newer word now
      if (!same(t, tokens)) {
        if (t && requesting) epoch++; // another tab's new set wins over this tab's refresh
        set(t, undefined, false);
      }
    }
  };
  if (shared) addEventListener('storage', onStorage);

  const locked = (fn) => {
    if (!shared) return fn();
    if (navigator.locks) return navigator.locks.request('oauth-spa:' + key, fn);
    return lease(key + ':lock', ms + 5000, fn);
  };

  // Chromium hands a localStorage write to other tabs asynchronously: a tab granted the lock
  // right after another tab refreshed may still read the old tokens. The lock manager is
  // consistent, so the tab that replaced a token set holds a marker lock named after its
  // fingerprint (until 2.5 s after its next refresh or its close); a tab that finds its stored tokens
  // marked waits for the new ones to arrive (up to 2 s) instead of spending a rotated refresh
  // token again. The fingerprint covers every token, so a refresh that returns the same access
  // token still marks a new name. Marking never waits (`ifAvailable`): the name may be held
  // already, by this tab (a refresh that changed nothing) or another.
  const marker = (t) => 'oauth-spa:' + key + ':replaced:' + fingerprint(t);
  let heldMarker = '', dropMarker = () => {};
  const markReplaced = (t) => {
    const name = marker(t);
    if (name === heldMarker) return;
    return new Promise((done) => navigator.locks.request(name, { ifAvailable: true }, (lock) => {
      done();
      if (!lock) return;
      setTimeout(dropMarker, 2500);
      heldMarker = name;
      return new Promise((r) => { dropMarker = r; });
    }).catch(() => done()));
  };
  // Marked by another tab (this tab's own marker names tokens it has already replaced).
  const replaced = async (t) => {
    const name = marker(t);
    if (name === heldMarker) return false;
    try { return (await navigator.locks.query()).held.some((l) => l.name === name); } catch { return false; }
  };
  // The stored session once no tab's marker says it was replaced (waiting up to 2 s for the
  // newer write to arrive): null when signed out, undefined when the store is stale or throws.
  const latestStored = async () => {
    if (unsaved) return undefined;
    let latest = read();
    for (let i = 0; latest && navigator.locks && i < 100 && await replaced(latest); i++) {
      await sleep(20);
      latest = read();
    }
    return latest;
  };

  // One refresh at a time: callers in this tab share it; tabs take the lock in turn, and a tab
  // that gets the lock after another tab refreshed adopts that result instead of refreshing.
  // `before`: the tokens the caller found wanting (the storage event may replace `tokens` while
  // this tab waits for the lock).
  // `e0`: the epoch the caller saw. Runs under the lock.
  const refreshLocked = async (before, e0) => {
    // Signed out, or other tokens set, while this waited for the lock or its request was out:
    // those tokens if usable, else a refresh of them.
    const current = () => {
      if (!tokens) throw notSignedIn();
      return core.step(held(tokens), false) === STEP_USE_TOKEN ? tokens : refreshLocked(tokens, epoch);
    };
    if (e0 !== epoch) return current();
    // A store this tab could not write is stale, and one that throws tells nothing: then
    // memory decides. Otherwise the stored session is the latest word of every tab.
    if (shared) {
      const latest = await latestStored();
      if (latest === null) { // another tab signed out
        const e = notSignedIn();
        set(null, e, false);
        throw e;
      }
      if (latest && !same(latest, before)) {
        if (!same(latest, tokens)) set(latest, undefined, false);
        if (core.step(held(latest), false) === STEP_USE_TOKEN) return latest;
      }
    }
    const old = tokens;
    let t;
    // While the request is out, a set another tab stores (a sign-in, setTokens) moves the
    // epoch like this tab's own setTokens: it wins over this refresh's result.
    requesting = true;
    try {
      t = await core.refresh(held(old));
    } catch (e) {
      if (e0 === epoch) {
        if (core.ends(e.code, e.error, e.status)) set(null, e); else emit(errors, e);
        throw e;
      }
      return current(); // the failure is about tokens no longer held
    } finally {
      requesting = false;
    }
    if (e0 !== epoch) {
      // Signed out, or other tokens set, meanwhile: drop the late result. A sign-out queued
      // behind this lock has not cleared the store yet: clear `old` from it now, so no tab
      // waits for it. Other tabs still reading `old` wait as after any refresh (its refresh
      // token is spent), and what the result issued anew is revoked unless the session holds
      // it now (a sign-out revoked the tokens it knew; a rotated refresh token would
      // otherwise stay valid; one that did not rotate may have moved to where the app put
      // `old`).
      if (!tokens && shared && same(read(), old)) {
        try { store.removeItem(key); } catch { /* nothing stored then */ }
      }
      if (shared && navigator.locks && !same(t, old)) await markReplaced(old);
      await revokeAll(t, tokens, old);
      return current();
    }
    set(t);
    // Other tabs that still read `old` wait for `t` instead of spending its refresh token; a
    // refresh that changed nothing has nothing to wait for.
    if (shared && navigator.locks && !same(t, old)) await markReplaced(old);
    return t;
  };
  const refresh = (before = tokens, e0 = epoch) =>
    inflight ??= locked(() => refreshLocked(before, e0)).finally(() => { inflight = null; });

  // Revokes the refresh token, then the access token (RFC 7009) where the server has a
  // revocation endpoint, each unless one of the `kept` TokenSets holds it; the first failure
  // goes to onError.
  const revokeAll = async (t, ...kept) => {
    let first;
    for (const [name, hint] of [['refreshToken', HINT_REFRESH_TOKEN], ['accessToken', HINT_ACCESS_TOKEN]]) {
      const token = t[name];
      if (token && !kept.some((k) => k?.[name] === token)) {
        try { await core.revoke(token, hint); } catch (e) { first ??= e; }
      }
    }
    if (first) emit(errors, first);
  };

  if (initial) set(initial); else if (store) tokens = read() ?? null;

  const on = (subs) => (f) => {
    if (typeof f !== 'function') throw err('invalid_argument', 'the callback must be a function');
    subs.add(f);
    return () => { subs.delete(f); };
  };
  return {
    async getAccessToken(options) {
      const step = core.step(held(tokens), !!options?.forceRefresh);
      if (step === STEP_USE_TOKEN) return tokens.accessToken;
      if (step === STEP_SIGN_IN) {
        const e = notSignedIn();
        if (tokens) set(null, e);
        throw e;
      }
      return (await refresh()).accessToken;
    },
    getTokens: () => tokens,
    setTokens(t) {
      if (t != null && !(typeof t.accessToken === 'string' && t.accessToken)) {
        throw err('invalid_argument', 'tokens must be a TokenSet with a non-empty accessToken');
      }
      epoch++; // a refresh in flight is for the tokens these replace
      set(t ?? null);
    },
    // Clears the session here (and, when shared, in every tab), then revokes the refresh
    // token and the access token (RFC 7009) where the server has a revocation endpoint.
    // Resolves either way; a failed revocation is reported to onError.
    async signOut() {
      let t = tokens;
      set(null, undefined, !shared);
      const e1 = epoch;
      // Shared: clear the stored session under the lock, so that no tab's refresh is in flight
      // (it would store its new tokens after us), and revoke the latest tokens stored. What
      // other tabs store until then is not adopted here (`leaving`). Tokens this tab was given
      // meanwhile (setTokens: a new sign-in) are left alone, in the store and at the server.
      if (shared) {
        if (!leaving) missed = null;
        leaving++;
        try {
          await locked(async () => {
            if (epoch !== e1) {
              // Tokens set here meanwhile win; a set another tab stored before them (its
              // refresh) is held by nobody now: revoke what of it nothing holds.
              if (missed && !same(read(), missed) && !same(missed, tokens)) {
                await revokeAll(missed, tokens, t);
              }
              return;
            }
            t = (await latestStored()) ?? t;
            try { store.removeItem(key); unsaved = false; } catch { /* nothing stored then */ }
            // A tab whose view still shows `t` waits for the removal instead of refreshing it
            // (it would store a new set: the sign-out undone).
            if (t && navigator.locks) await markReplaced(t);
          });
        } finally {
          leaving--;
        }
      }
      if (t && !same(t, tokens)) await revokeAll(t);
    },
    onChange: on(changed),
    onSignedOut: on(signedOut),
    onError: on(errors),
    close() {
      removeEventListener('storage', onStorage);
      // The marker outlives the session by more than other tabs wait for it (2 s).
      setTimeout(dropMarker, 2500);
      changed.clear(); signedOut.clear(); errors.clear();
    },
  };
}

// A lease in localStorage where Web Locks are missing: "<id> <expiry ms>" (Fischer's timed
// mutex). A tab writes its lease when none is live, waits longer than a write takes to reach
// the other tabs, and proceeds only if its lease is still the one stored. Best effort: correct
// while localStorage writes propagate within that wait (150 ms).
async function lease(k, ttl, fn) {
  const id = Math.random().toString(36).slice(2) + ' ';
  const mine = () => localStorage.getItem(k)?.startsWith(id);
  try {
    for (;;) {
      const cur = localStorage.getItem(k);
      if (!cur || +cur.split(' ')[1] < Date.now()) {
        localStorage.setItem(k, id + (Date.now() + ttl));
        await sleep(150);
        if (mine()) break;
      }
      await sleep(50 + Math.random() * 100);
    }
  } catch {
    return fn(); // a storage that throws (full, disabled) holds no lease: best effort without
  }
  try { return await fn(); } finally { try { if (mine()) localStorage.removeItem(k); } catch { /* gone */ } }
}

// GETs the metadata URLs in order; the first 2xx answer goes to `op.finish` (Rust validates it,
// and a document that fails is an error, not a reason to try the next URL). A 404 or a
// network failure (a 404 without CORS headers looks like one) moves on to the next URL.
export async function getMetadata(urls, ms, signal, op) {
  let last;
  for (const url of urls.trim().split(URL_SEPARATOR)) { // each URL is followed by one
    let res;
    try {
      res = await get(url, ms, signal);
    } catch (e) {
      if (e.code !== 'network_error') { op.free(); throw e; }
      last = e;
      continue;
    }
    if (res[0] > 199 && res[0] < 300) {
      const config = op.finish(res[0], res[1]); // throws unless the document is valid
      config.metadata = JSON.parse(res[1]);
      return config;
    }
    last = new OAuthError('http_error', 'no metadata document at the well-known URLs of the issuer',
      undefined, undefined, undefined, res[0]);
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
      const d = e.data;
      if (e.source === w && e.origin === location.origin && d?.type === TYPE && typeof d.url === 'string') {
        end();
        try { resolve(op.finish(0, d.url)); } catch (x) { reject(x); }
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
export function postToOpener() {
  const o = window.opener;
  try {
    if (!o || o === window || o.location.origin !== location.origin) return false;
  } catch {
    return false; // a cross-origin opener: not ours
  }
  o.postMessage({ type: TYPE, url: location.href }, location.origin);
  close();
  return true;
}
