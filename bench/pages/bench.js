// Runs inside headless Chromium (bundled by run.mjs into bench/dist/bench.js).
// oauth-spa is not bundled: it is imported at run time from the release package in /pkg/.
import { generateRandomCodeVerifier, calculatePKCECodeChallenge } from 'oauth4webapi';
import pkceChallenge, { generateChallenge } from 'pkce-challenge';
import * as o4w from '../entries/oauth4webapi.js';

let spa = null;
let cfg = null;

// ---- hand-written WebCrypto PKCE pair: what an app would write without a library ----
function base64url(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
async function webcryptoChallenge(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}
async function webcryptoPair() {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  return { verifier, challenge: await webcryptoChallenge(verifier), method: 'S256' };
}

// ---- the four PKCE candidates, each returning { verifier, challenge } ----
const PKCE = {
  'oauth-spa': { sync: true, pair: () => spa.createPkcePair() },
  'oauth4webapi': {
    sync: false,
    pair: async () => {
      const verifier = generateRandomCodeVerifier();
      return { verifier, challenge: await calculatePKCECodeChallenge(verifier) };
    },
  },
  'pkce-challenge': {
    sync: false,
    pair: async () => {
      const p = await pkceChallenge();
      return { verifier: p.code_verifier, challenge: p.code_challenge };
    },
  },
  'webcrypto (hand-written)': { sync: false, pair: webcryptoPair },
};
export const PKCE_NAMES = Object.keys(PKCE);

/** cfg: { spaUrl, pageOrigin, tokenOrigin } */
export async function setup(config) {
  cfg = config;
  spa = await import(/* not bundled */ cfg.spaUrl);
  await spa.default();
  return { crossOriginIsolated: self.crossOriginIsolated, userAgent: navigator.userAgent };
}

function assert(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
}

/** Correctness before speed: RFC 7636 Appendix B, and every candidate's pair re-checked with WebCrypto. */
export async function checkPkce() {
  const v = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const c = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
  assert(spa.computeCodeChallenge(v) === c, 'oauth-spa computeCodeChallenge(RFC 7636 App. B)');
  assert((await calculatePKCECodeChallenge(v)) === c, 'oauth4webapi RFC 7636 App. B');
  assert((await generateChallenge(v)) === c, 'pkce-challenge RFC 7636 App. B');
  assert((await webcryptoChallenge(v)) === c, 'webcrypto RFC 7636 App. B');
  const p = spa.createPkcePair();
  assert(p.method === 'S256', `oauth-spa createPkcePair().method is ${p.method}`);
  assert(!(p instanceof Promise), 'oauth-spa createPkcePair() is synchronous');
  const seen = new Set();
  for (const [name, cand] of Object.entries(PKCE)) {
    for (let i = 0; i < 3; i++) {
      const pair = await cand.pair();
      assert(/^[A-Za-z0-9_-]{43}$/.test(pair.verifier), `${name} verifier shape`);
      assert(pair.challenge === (await webcryptoChallenge(pair.verifier)), `${name} challenge = S256(verifier)`);
      assert(!seen.has(pair.verifier), `${name} verifier is random`);
      seen.add(pair.verifier);
    }
  }
  return true;
}

/** One round: each candidate in the given order for `ms` milliseconds; returns pairs/s per candidate. */
export async function pkceRound(order, ms) {
  const out = {};
  let sink = 0;
  for (const name of order) {
    const cand = PKCE[name];
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    if (cand.sync) {
      const pair = cand.pair;
      do {
        for (let i = 0; i < 32; i++) sink += pair().challenge.length;
        n += 32;
        t = performance.now();
      } while (t - t0 < ms);
    } else {
      const pair = cand.pair;
      do {
        sink += (await pair()).challenge.length;
        n++;
        t = performance.now();
      } while (t - t0 < ms);
    }
    out[name] = { n, ms: t - t0, perSecond: (n * 1000) / (t - t0) };
  }
  assert(sink > 0, 'pkce sink');
  return out;
}

// ---- code exchange: oauth-spa handleCallback vs the same POST with a bare fetch ----
const CODE = 'SplxlOBeZQQYbYS6WxSbIA';

function spaConfig() {
  return {
    clientId: 'bench-client',
    authorizationEndpoint: `${cfg.tokenOrigin}/authorize`,
    tokenEndpoint: `${cfg.tokenOrigin}/token`,
    redirectUri: `${cfg.pageOrigin}/pages/blank.html`,
    scope: ['read', 'write'],
  };
}

const EXCHANGE = {
  // Untimed prepare() returns what the timed run() needs.
  'oauth-spa handleCallback': {
    prepare() {
      const config = spaConfig();
      const authorize = new URL(spa.startLogin(config));
      const state = authorize.searchParams.get('state');
      assert(state && authorize.searchParams.get('code_challenge_method') === 'S256', 'oauth-spa authorize URL');
      return { config, url: `${config.redirectUri}?code=${CODE}&state=${encodeURIComponent(state)}` };
    },
    async run({ config, url }) {
      const tokens = await spa.handleCallback(config, url);
      return tokens.accessToken;
    },
  },
  // Context: the same request through exchangeCode (no transaction, no callback URL to read).
  'oauth-spa exchangeCode': {
    prepare() {
      return { config: spaConfig(), verifier: base64url(crypto.getRandomValues(new Uint8Array(32))) };
    },
    async run({ config, verifier }) {
      const tokens = await spa.exchangeCode(config, { code: CODE, codeVerifier: verifier });
      return tokens.accessToken;
    },
  },
  'bare fetch': {
    prepare() {
      return { verifier: base64url(crypto.getRandomValues(new Uint8Array(32))) };
    },
    async run({ verifier }) {
      const c = spaConfig();
      const response = await fetch(c.tokenEndpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: CODE,
          redirect_uri: c.redirectUri,
          code_verifier: verifier,
          client_id: c.clientId,
        }),
      });
      const body = await response.json();
      return response.ok ? body.access_token : undefined;
    },
  },
  'oauth4webapi': {
    async prepare() {
      const c = spaConfig();
      const as = {
        issuer: cfg.tokenOrigin,
        authorization_endpoint: c.authorizationEndpoint,
        token_endpoint: c.tokenEndpoint,
      };
      const client = { client_id: c.clientId };
      const authorize = new URL(await o4w.login(as, client, c.redirectUri, 'read write'));
      const state = authorize.searchParams.get('state');
      return { as, client, url: `${c.redirectUri}?code=${CODE}&state=${encodeURIComponent(state)}` };
    },
    async run({ as, client, url }) {
      const tokens = await o4w.callback(as, client, url, { [o4w.allowInsecureRequests]: true });
      return tokens.access_token;
    },
  },
};
export const EXCHANGE_NAMES = Object.keys(EXCHANGE);

/**
 * What the exchange bench relies on (the API's contract): handleCallback resolves a TokenSet of the
 * §5.1 response, and the state is single-use (a replay rejects with code `unknown_state`).
 * Returns how many token requests it sent (the driver checks the server saw exactly that many).
 */
export async function checkExchange() {
  const { config, url } = EXCHANGE['oauth-spa handleCallback'].prepare();
  const before = Date.now();
  const t = await spa.handleCallback(config, url);
  assert(t.accessToken === 'bench-access-token-2YotnFZFEjr1zCsicMWpAA', 'TokenSet.accessToken');
  assert(String(t.tokenType).toLowerCase() === 'bearer', `TokenSet.tokenType is ${t.tokenType}`);
  assert(t.expiresIn === 3600, `TokenSet.expiresIn is ${t.expiresIn}`);
  assert(typeof t.expiresAt === 'number' && t.expiresAt >= before + 3590e3 && t.expiresAt <= Date.now() + 3600e3,
    `TokenSet.expiresAt is ${t.expiresAt}`);
  assert(t.refreshToken === 'bench-refresh-token-tGzv3JOkF0XG5Qx2TlKWIA', 'TokenSet.refreshToken');
  assert(t.scope === 'read write', `TokenSet.scope is ${t.scope}`);
  assert(t.raw && t.raw.access_token === t.accessToken, 'TokenSet.raw');
  let replay = null;
  try {
    await spa.handleCallback(config, url);
  } catch (e) {
    replay = e;
  }
  assert(replay && replay.name === 'OAuthError' && replay.code === 'unknown_state',
    `a replayed callback rejects with OAuthError unknown_state (got ${replay && `${replay.name} ${replay.code}`})`);
  return 1;
}

/**
 * `pairs` alternations of every candidate, the order rotated each time (A B C, B C A, C A B, ...)
 * so that no candidate always runs right after the same other one; returns milliseconds per
 * candidate, index i of every list from the same alternation.
 */
export async function exchangeRound(order, pairs, start = 0) {
  const times = Object.fromEntries(order.map((n) => [n, []]));
  for (let i = 0; i < pairs; i++) {
    const k = (start + i) % order.length;
    for (const name of [...order.slice(k), ...order.slice(0, k)]) {
      const cand = EXCHANGE[name];
      const input = await cand.prepare();
      const t0 = performance.now();
      const token = await cand.run(input);
      const t1 = performance.now();
      assert(token === 'bench-access-token-2YotnFZFEjr1zCsicMWpAA', `${name} got the access token`);
      times[name].push(t1 - t0);
    }
  }
  return times;
}
