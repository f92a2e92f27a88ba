// A real, certified authorization server for the e2e tests: npm `oidc-provider` on loopback,
// configured as a browser app's server should be: one public client (auth method `none`),
// PKCE S256 required, RFC 9207 `iss` on authorization responses, refresh tokens, CORS on the
// token endpoint for the SPA's origin only, and an interaction that signs a test user in and
// grants consent without clicks (devInteractions off).
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

export const TEST_USER = 'e2e-user';
export const CLIENT_ID = 'e2e-spa';

/**
 * Starts oidc-provider on 127.0.0.1:port. `spaOrigin` is the only origin allowed by CORS;
 * `redirectUri` the only registered redirect URI. Resolves { issuer, stop, requests }.
 */
export async function startOidcProvider({ port, spaOrigin, redirectUri, scopes = ['openid', 'offline_access', 'projects'] }) {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      token_endpoint_auth_method: 'none',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }],
    scopes,
    pkce: { required: () => true }, // oidc-provider 9 accepts only S256
    features: { devInteractions: { enabled: false } },
    clientBasedCORS: (_ctx, origin) => origin === spaOrigin,
    // offline_access would otherwise need prompt=consent; this client always gets a refresh token.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    cookies: { keys: ['e2e-only-cookie-key'] },
    jwks: { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'e2e', use: 'sig' }] },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, Grant: 3600, IdToken: 3600, Interaction: 600, RefreshToken: 86400, Session: 3600 },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  provider.on('server_error', (_ctx, err) => console.error('[oidc-provider] server_error', err));

  const requests = { authorization: 0, token: 0 };
  provider.on('authorization.accepted', () => { requests.authorization += 1; });
  provider.on('grant.success', () => { requests.token += 1; });
  provider.on('grant.error', () => { requests.token += 1; });

  const stop = await serveProvider(provider, port);
  return {
    issuer,
    requests,
    stop,
  };
}

// Serves `provider` on 127.0.0.1:`port`, answering its interactions with `autoInteraction`
// as `accountId`. Resolves a function that stops the server. Also used by
// tests/support/session-op.mjs.
export async function serveProvider(provider, port, accountId = TEST_USER) {
  const callback = provider.callback();
  const server = http.createServer(async (req, res) => {
    if (!req.url.startsWith('/interaction/')) return callback(req, res);
    try {
      await autoInteraction(provider, req, res, accountId);
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
}

// Logs `accountId` in, then grants everything the client asked for, one prompt per visit.
export async function autoInteraction(provider, req, res, accountId = TEST_USER) {
  const { prompt, params, session, grantId } = await provider.interactionDetails(req, res);
  if (prompt.name === 'login') {
    return provider.interactionFinished(req, res, { login: { accountId } });
  }
  if (prompt.name === 'consent') {
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scope] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scope.join(' '));
    }
    return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } });
  }
  throw new Error(`unexpected prompt ${prompt.name}`);
}
