// Compile-time test of the code-flow entry's declarations (`oauth-spa/core`,
// pkg/oauth_spa_core.d.ts), tsc --strict like usage.ts: the same functions and types as the
// full package, without the session API. Each `@ts-expect-error` line must be an error.
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
} from '../../pkg/oauth_spa_core.js';
// @ts-expect-error the session API is not in the code-flow entry
import { createSession } from '../../pkg/oauth_spa_core.js';
// @ts-expect-error nor its types
import type { Session } from '../../pkg/oauth_spa_core.js';

export async function coreUsage(): Promise<void> {
  await init();
  const pair: PkcePair = createPkcePair();
  const challenge: string = computeCodeChallenge(pair.verifier);
  const config: ClientConfig = ellipsis({ clientId: 'id', redirectUri: 'https://app.example/' });
  const url: string = startLogin(config, { appState: '/back' });
  const ctrl = new AbortController();
  const tokens: TokenSet = await handleCallback(config, undefined, { signal: ctrl.signal });
  await exchangeCode(config, { code: 'c', codeVerifier: pair.verifier });
  try {
    await handleCallback(config);
  } catch (e) {
    if (e instanceof OAuthError) {
      const code: OAuthErrorCode = e.code;
      console.log(code, e.status, e.error);
    }
  }
  // @ts-expect-error not an error code
  const wrong: OAuthErrorCode = 'oops';
  // @ts-expect-error DPoP is in oauth-spa/dpop: this entry refuses `dpop: true`
  const dpop: ClientConfig = { ...config, dpop: true };
  const off: ClientConfig = { ...config, dpop: false };
  console.log(challenge, url, tokens, wrong, dpop, off, createSession as unknown, null as Session | null);
}
