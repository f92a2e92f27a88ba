// oidc-client-ts: a UserManager doing the redirect, the callback and the code exchange.
import { UserManager } from 'oidc-client-ts';

export function manager(settings) {
  // settings: { authority, client_id, redirect_uri, scope, metadata: { issuer, authorization_endpoint, token_endpoint } }
  return new UserManager({ response_type: 'code', ...settings });
}

export function login(userManager) {
  return userManager.signinRedirect();
}

export function callback(userManager, url = location.href) {
  return userManager.signinCallback(url);
}
