// The DPoP bad paths (RFC 9449), shared by dpop.test.mjs (Chromium) and dpop-firefox.test.mjs
// (Firefox): each browser hands over what it really sent (proofs recorded on the way out, or
// made and held back before they reached the network), and these checks send them from Node,
// where the browser's own code cannot help. A second key for "another key" is made here with
// node:crypto (an attacker's own key), independently of the library.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** The RFC 7638 §3 thumbprint of an EC P-256 public JWK: its required members, sorted. */
export function jktOf(jwk) {
  return b64url(createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest());
}

/** The header and claims of a proof (compact JWS), decoded. */
export function decodeProof(proof) {
  const [h, c] = proof.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url')));
  return { header: h, claims: c };
}

/** The `dpop_jkt` values of an authorization URL (RFC 9449 §10). */
export const dpopJktOf = (url) => new URL(url).searchParams.getAll('dpop_jkt');

/** A P-256 key of Node's own, signing proofs (RFC 9449 §4.2) with ES256. */
export function nodeKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const jwk = { kty, crv, x, y };
  return {
    jwk,
    jkt: jktOf(jwk),
    proof(method, url, { token, nonce } = {}) {
      const header = { typ: 'dpop+jwt', alg: 'ES256', jwk };
      const claims = { jti: b64url(randomBytes(16)), htm: method, htu: url, iat: Math.floor(Date.now() / 1000) };
      if (token) claims.ath = b64url(createHash('sha256').update(token).digest());
      if (nonce) claims.nonce = nonce;
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      const sig = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
      return `${input}.${b64url(sig)}`;
    },
  };
}

// `fetch` with a proof of `key` (none without a key), sent once more with the server's nonce
// when it asks for one (RFC 9449 §8 at the token endpoint, §9 at a resource).
async function sendProved(url, { method = 'GET', headers = {}, body } = {}, key, token) {
  let nonce;
  for (let i = 0; ; i++) {
    const h = { ...headers };
    if (key) h.DPoP = key.proof(method, url, { token, nonce });
    const res = await fetch(url, { method, headers: h, body });
    const asked = res.status === 400
      ? (await res.clone().json().catch(() => ({}))).error === 'use_dpop_nonce'
      : /error="use_dpop_nonce"/.test(res.headers.get('www-authenticate') ?? '');
    if (!asked || i > 0 || !key) return res;
    nonce = res.headers.get('dpop-nonce');
  }
}

const form = (pairs) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(pairs).toString(),
});

/** The `WWW-Authenticate` error of a 401 (RFC 6750 §3, RFC 9449 §7.1). */
export function challengeError(res) {
  return /error="([^"]+)"/.exec(res.headers.get('www-authenticate') ?? '')?.[1];
}

/**
 * The resource's bad paths against the embedded server, with proofs the browser made for the
 * access token `at`: `last`, the `{ authorization, dpop }` of a request that reached the
 * resource (a replay); `otherUrl`, a proof for GET of another URL; `ownGet`, a proof for GET of
 * the resource itself that never reached it; `otherPost`, a proof for POST of another URL. All
 * are refused; `ownGet` with its own method then works once, so the refusals were the checks'.
 */
export async function resourceBadPaths({ resource, at, last, otherUrl, ownGet, otherPost }) {
  // 1. A replayed proof.
  const replay = await fetch(resource, { headers: { Authorization: last.authorization, DPoP: last.dpop } });
  assert.equal(replay.status, 401, 'replayed');
  assert.equal(challengeError(replay), 'invalid_dpop_proof');
  assert.match((await replay.json()).error_description, /used before/);
  // 2. A proof for another URL.
  const url = await fetch(resource, { headers: { Authorization: `DPoP ${at}`, DPoP: otherUrl } });
  assert.equal(url.status, 401, 'another URL');
  assert.equal(challengeError(url), 'invalid_dpop_proof');
  assert.match((await url.json()).error_description, /htu/);
  // 3. A proof for another method: the resource's own GET proof, sent with HEAD.
  const method = await fetch(resource, { method: 'HEAD', headers: { Authorization: `DPoP ${at}`, DPoP: ownGet } });
  assert.equal(method.status, 401, 'another method');
  assert.equal(challengeError(method), 'invalid_dpop_proof');
  assert.match(method.headers.get('www-authenticate'), /htm/);
  // 4. The bound token as a Bearer token, without and with a proof (RFC 9449 §7.2).
  for (const extra of [{}, { DPoP: otherPost }]) {
    const bearer = await fetch(resource, { headers: { Authorization: `Bearer ${at}`, ...extra } });
    assert.equal(bearer.status, 401, 'as Bearer');
    assert.equal(challengeError(bearer), 'invalid_token');
  }
  // The GET proof with its own method works once: it had never been used.
  const itsOwn = await fetch(resource, { headers: { Authorization: `DPoP ${at}`, DPoP: ownGet } });
  assert.equal(itsOwn.status, 200, 'the held-back proof with its own method');
}

/**
 * The tokens with another key (Node's): the resource refuses the access token with that key's
 * proof, and the token endpoint refuses the refresh token (RFC 9449 §5), without spending it.
 */
export async function anotherKeyRefused({ resource, tokenEndpoint, clientId, at, refreshToken }) {
  const thief = nodeKey();
  const res = await sendProved(resource, { headers: { Authorization: `DPoP ${at}` } }, thief, at);
  assert.equal(res.status, 401, 'the resource with another key');
  assert.equal(challengeError(res), 'invalid_dpop_proof');
  assert.match((await res.json()).error_description, /another key/);
  const refresh = await sendProved(tokenEndpoint,
    form({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }), thief);
  const body = await refresh.json();
  assert.equal(refresh.status, 400, 'the refresh with another key');
  assert.equal(body.error, 'invalid_grant');
  assert.equal(body.access_token, undefined);
}

/**
 * A code bound by `dpop_jkt` (RFC 9449 §10) exchanged, with the right verifier, by a request
 * without a proof (`'none'`) and by one with a proof of another key (Node's, `'other'`), in the
 * order of `which`: each refused with `invalid_grant` and no tokens. Resolves the error
 * descriptions.
 */
export async function boundCodeRefused({ tokenEndpoint, clientId, redirectUri, code, verifier }, which = ['none', 'other']) {
  const pairs = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: clientId };
  const said = [];
  for (const key of which.map((w) => (w === 'other' ? nodeKey() : undefined))) {
    const res = await sendProved(tokenEndpoint, form(pairs), key);
    const body = await res.json();
    assert.equal(res.status, 400, key ? 'another key' : 'no proof');
    assert.equal(body.error, 'invalid_grant', JSON.stringify(body));
    assert.equal(body.access_token, undefined);
    said.push(body.error_description);
  }
  return said;
}
