// The vault (`createSession(config, { vault: "worker" })`, entry oauth-spa/dpop). The session
// runs in a module Worker (pkg/oauth_spa_vault.js, js/vault-worker.js) that holds the refresh
// token; this file is the page's session object, whose methods ask the worker over postMessage,
// and the two methods the worker's session gets (`addVault`). Every rule is Rust's.
import { OAuthError } from './error.js';
import { EVENT_SET } from './boundary.js';
import { addFetch as dpopFetch, proof } from './dpop.js';
import { addFetch } from './fetch.js';

const err = (code, message) => new OAuthError(code, message);
const unavailable = () => err('vault_unavailable', 'the vault worker could not start or run (options.vaultUrl, or a Content-Security-Policy without worker-src \'self\')');
// An OAuthError as it crossed postMessage (a plain object: structured clone drops the class).
const revive = ({ code, message, error, errorDescription, errorUri, status }) =>
  new OAuthError(code, message, error, errorDescription, errorUri, status);
// A TokenSet for the page: no refresh token, in `refreshToken` or in the response (`raw`).
const strip = (t) => {
  if (!t) return t ?? null;
  const { refreshToken, ...s } = t;
  if (s.raw) {
    const { refresh_token, ...r } = s.raw;
    s.raw = r;
  }
  return s;
};
// The worker's methods, by number (js/vault-worker.js has the same list).
const GET = 0, SET = 1, SIGN_OUT = 2, CALLBACK = 3, PROOF = 4;

// The page's session object. `op`: an idle session Op of the config (handleCallback's checks,
// TokenSet checks, DPoP rules); `name`: the DPoP key's name (undefined without DPoP).
export function openVault(config, options, op, name) {
  const url = options.vaultUrl;
  const { vault, vaultUrl, ...o } = options; // what the worker's session reads
  if (url != null && typeof url != 'string' && !(url instanceof URL)) {
    op.free();
    throw err('invalid_argument', 'options.vaultUrl must be a string or a URL');
  }
  let w;
  try {
    // The literal form Vite, webpack 5 and Parcel recognise (they bundle the worker file);
    // `vaultUrl` for the tools that do not.
    w = url ? new Worker(url, { type: 'module' })
      : new Worker(new URL('./oauth_spa_vault.js', import.meta.url), { type: 'module' });
  } catch {
    op.free();
    throw unavailable();
  }
  const subs = [new Set(), new Set(), new Set()]; // onChange, onSignedOut, onError
  const calls = new Map(); // id -> [resolve, reject]
  let n = 0, tokens = strip(o.tokens), dead;
  const end = (e) => {
    dead = e;
    w.terminate();
    calls.forEach(([, no]) => no(e));
    calls.clear();
  };
  const call = (k, ...a) => dead ? Promise.reject(dead) : new Promise((ok, no) => {
    calls.set(++n, [ok, no]);
    w.postMessage([n, k, a]);
  });
  // [id, 0 or 1, value, the tokens now]: the answer to call `id` (0: resolved, 1: rejected),
  // or with id 0 an event (0 onChange, 1 onSignedOut, 2 onError).
  w.onmessage = ({ data: [id, k, v, t] }) => {
    tokens = t;
    if (id) {
      calls.get(id)?.[k](k ? revive(v) : v); // (a rejection always carries an error)
      calls.delete(id);
    } else {
      subs[k].forEach((f) => {
        try { f(k && v ? revive(v) : v); } catch (e) { setTimeout(() => { throw e; }); }
      });
    }
  };
  w.onerror = (e) => {
    e.preventDefault?.();
    end(unavailable());
  };
  try {
    w.postMessage([0, 0, [config, o]]);
  } catch {
    w.terminate();
    op.free();
    throw err('invalid_config', 'config and options must be plain data to reach the vault worker');
  }
  const on = (k) => (f) => {
    if (typeof f !== 'function') throw err('invalid_argument', 'the callback must be a function');
    subs[k].add(f);
    return () => { subs[k].delete(f); };
  };
  const s = {
    getAccessToken: (a) => call(GET, { forceRefresh: !!a?.forceRefresh }),
    getTokens: () => tokens,
    setTokens(t) {
      op.ev(EVENT_SET, t); // throws invalid_argument as every session does
      while (op.next()); // (the idle machine's effects: nothing to do)
      tokens = strip(t);
      call(SET, t).catch(() => {});
    },
    signOut: () => call(SIGN_OUT),
    // The checks here (the transaction is in this page's sessionStorage), the request there.
    // (Not when the worker is known to be gone: the pending login stays for another try.)
    handleCallback: (url) => dead ? Promise.reject(dead)
      : new Promise((ok) => ok(op.callback(url))).then((p) => call(CALLBACK, p)),
    // loginWithPopup's window, message and checks here (the window opens now: call it from a
    // click handler), the same request there.
    loginWithPopup: (a) => dead ? Promise.reject(dead)
      : op.popup(config, a).then((p) => call(CALLBACK, p)),
    onChange: on(0),
    onSignedOut: on(1),
    onError: on(2),
    close() {
      subs.forEach((x) => x.clear());
      if (!dead) end(err('aborted', 'the session was closed'));
    },
  };
  if (name) dpopFetch(s, op, name, (_, __, ...a) => call(PROOF, ...a));
  else addFetch(s);
  return s;
}

// The worker's session: `exchange(prepared)` sends the code exchange the page prepared,
// `proof(method, url, token, nonce)` signs with the session's key for the page's fetch.
export function addVault(session, op, name) {
  session.exchange = (p) => op.exchange(p);
  session.proof = (...a) => proof(op, name, ...a);
}
