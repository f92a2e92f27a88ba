// npm `oidc-provider` configured for the session tests: a public client (auth method
// `none`, so refresh tokens rotate), PKCE S256 required, RFC 9207 `iss`, refresh tokens,
// RFC 7009 revocation, userinfo (to see whether an access token still works), CORS for the
// SPA's origin only, and an interaction that signs the test user in and consents without clicks.
// Loopback only. Counts every token-endpoint grant by grant type.
import Provider from 'oidc-provider';
import { serveProvider } from '../e2e/oidc-provider.mjs';

export const CLIENT_ID = 'session-spa';

/** Resolves { issuer, grants: { authorization_code, refresh_token, errors }, userinfo(at), stop() }. */
export async function startSessionProvider({ port, spaOrigin, redirectUri }) {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      token_endpoint_auth_method: 'none',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }],
    scopes: ['openid', 'offline_access'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false }, revocation: { enabled: true } },
    clientBasedCORS: (_ctx, origin) => origin === spaOrigin,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    cookies: { keys: ['session-e2e-only-cookie-key'] },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  provider.on('server_error', (_ctx, err) => console.error('[oidc-provider] server_error', err));
  const grants = { authorization_code: 0, refresh_token: 0, errors: 0 };
  provider.on('grant.success', (ctx) => { grants[ctx.oidc.params.grant_type] += 1; });
  provider.on('grant.error', () => { grants.errors += 1; });

  const stop = await serveProvider(provider, port, 'session-user');
  return {
    issuer,
    grants,
    resetCounts: () => { grants.authorization_code = 0; grants.refresh_token = 0; grants.errors = 0; },
    /** HTTP status of the userinfo endpoint for this access token: 200 while it works. */
    userinfo: async (accessToken) => (await fetch(`${issuer}/me`, { headers: { Authorization: `Bearer ${accessToken}` } })).status,
    /** The token endpoint's answer to a refresh with this refresh token, sent from Node. */
    refreshFromNode: async (refreshToken) => {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID }),
      });
      return { status: res.status, body: await res.json() };
    },
    stop,
  };
}
