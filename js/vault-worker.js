// The vault worker, shipped as pkg/oauth_spa_vault.js: a module Worker that js/vault.js starts
// for `createSession(config, { vault: "worker" })`. It runs the session of the entry
// oauth-spa/dpop (the same state machine, refresh, DPoP key and store as any session), keeps
// the TokenSet, and answers the page with access tokens and TokenSets without the refresh
// token. Messages: [id, method, args] in; [id, 0 or 1 (resolved, rejected), value, the page's
// TokenSet] out, id 0 for the session's events (0 onChange, 1 onSignedOut, 2 onError).
import init, { vaultSession } from './oauth_spa_dpop.js';

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
// An error as plain data (structured clone keeps no class, and no `code` of an Error).
const plain = (e) => e && {
  code: e.code ?? 'vault_unavailable', message: String(e.message ?? e), error: e.error,
  errorDescription: e.errorDescription, errorUri: e.errorUri, status: e.status,
};
let session, s;
const post = (id, k, v) => postMessage([id, k, k ? plain(v) : v, strip(s?.getTokens())]);
// js/vault.js's method numbers: GET, SET, SIGN_OUT, CALLBACK, PROOF.
const methods = [
  (o) => s.getAccessToken(o),
  (t) => s.setTokens(t),
  () => s.signOut(),
  (p) => s.exchange(p).then((t) => (s.setTokens(t), strip(t))),
  (...a) => s.proof(...a),
];
onmessage = async ({ data: [id, k, a] }) => {
  if (!id) {
    // The first message: the page's config and options (checked there already).
    session = init().then(() => {
      s = vaultSession(...a);
      s.onChange((t) => post(0, 0, strip(t)));
      s.onSignedOut((r) => post(0, 1, r));
      s.onError((e) => post(0, 2, e));
    });
    // A session that could not start: onError now, and every call rejects with the error.
    session.catch((e) => post(0, 2, e));
    return;
  }
  try {
    await session;
    post(id, 0, await methods[k](...a));
  } catch (e) {
    post(id, 1, e);
  }
};
