// Compile-time test of the published TypeScript declarations (tsc --strict, see
// scripts/check-types.sh). Each `@ts-expect-error` line must be an error, or tsc fails.
import init, {
  createPkcePair,
  computeCodeChallenge,
  ellipsis,
  startLogin,
  handleCallback,
  exchangeCode,
  OAuthError,
  type ClientConfig,
  type TokenSet,
  type OAuthErrorCode,
  type PkcePair,
} from '../../pkg/oauth_spa.js';

export async function usage(): Promise<void> {
  await init();
  const pair: PkcePair = createPkcePair();
  const method: 'S256' = pair.method;
  const challenge: string = computeCodeChallenge(pair.verifier);

  const config: ClientConfig = ellipsis({ clientId: 'id', redirectUri: 'https://app.example/' });
  const custom: ClientConfig = {
    clientId: 'spa',
    authorizationEndpoint: 'https://as.example/authorize',
    tokenEndpoint: 'https://as.example/token',
    scope: ['openid'],
    dialect: 'rfc6749',
    tokenRequestEncoding: 'form',
    clientAuth: 'none',
    issuer: 'https://as.example',
  };
  const url: string = startLogin(config);
  startLogin(custom, { extraParams: { prompt: 'consent' }, appState: '/back' });

  const ctrl = new AbortController();
  const tokens: TokenSet = await handleCallback(config);
  await handleCallback(config, 'https://app.example/?code=c&state=s', { signal: ctrl.signal });
  await exchangeCode(config, { code: 'c', codeVerifier: pair.verifier });
  const expiresAt: number | undefined = tokens.expiresAt;
  const raw: Record<string, unknown> = tokens.raw;

  try {
    await handleCallback(config);
  } catch (e) {
    if (e instanceof OAuthError) {
      const code: OAuthErrorCode = e.code;
      const status: number | undefined = e.status;
      const err: string | undefined = e.error;
      console.log(code, status, err);
    }
  }

  // @ts-expect-error dialect is a closed set
  const bad: ClientConfig = { ...custom, dialect: 'oauth3' };
  // @ts-expect-error clientId is required
  ellipsis({ redirectUri: 'x' });
  // @ts-expect-error extraParams values are strings
  startLogin(config, { extraParams: { max_age: 5 } });
  // @ts-expect-error not an error code
  const wrong: OAuthErrorCode = 'oops';
  // The constructor takes the code first, as the runtime does.
  const made = new OAuthError('invalid_config', 'config.clientId must be a string');
  // @ts-expect-error a message is not a code (the message comes second)
  new OAuthError('something went wrong', 'details');
  console.log(made.code);

  console.log(method, challenge, url, expiresAt, raw, bad, wrong);
}
