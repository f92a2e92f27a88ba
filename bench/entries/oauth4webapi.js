// oauth4webapi: the code-flow functions only (no discovery, no DPoP, no refresh).
// Same job as oauth-spa's startLogin + handleCallback: PKCE pair + state, a transaction in
// sessionStorage, the authorize URL; on the callback: validate the response, exchange the code,
// validate the token response. Used by the size table and by the exchange bench (as context).
import * as oauth from 'oauth4webapi';

const KEY = 'bench.oauth4webapi.transaction';

/** as = { issuer, authorization_endpoint, token_endpoint }, client = { client_id } */
export async function login(as, client, redirectUri, scope) {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const codeChallenge = await oauth.calculatePKCECodeChallenge(codeVerifier);
  const state = oauth.generateRandomState();
  sessionStorage.setItem(KEY, JSON.stringify({ codeVerifier, state, redirectUri }));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', client.client_id);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('scope', scope);
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.href;
}

export async function callback(as, client, currentUrl = location.href, options = {}) {
  const saved = sessionStorage.getItem(KEY);
  sessionStorage.removeItem(KEY);
  if (!saved) throw new Error('no pending login');
  const { codeVerifier, state, redirectUri } = JSON.parse(saved);
  const params = oauth.validateAuthResponse(as, client, new URL(currentUrl), state);
  const response = await oauth.authorizationCodeGrantRequest(
    as, client, oauth.None(), params, redirectUri, codeVerifier, options);
  return oauth.processAuthorizationCodeResponse(as, client, response);
}

export { allowInsecureRequests } from 'oauth4webapi';
