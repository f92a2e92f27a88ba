// @auth0/auth0-spa-js: an Auth0Client doing the redirect, the callback and the code exchange.
// (new Auth0Client rather than createAuth0Client, which also tries a silent login first.)
import { Auth0Client } from '@auth0/auth0-spa-js';

export function client(options) {
  // options: { domain, clientId, authorizationParams: { redirect_uri, scope } }
  return new Auth0Client(options);
}

export function login(auth0, openUrl) {
  return auth0.loginWithRedirect(openUrl ? { openUrl } : undefined);
}

export function callback(auth0, url = location.href) {
  return auth0.handleRedirectCallback(url);
}
