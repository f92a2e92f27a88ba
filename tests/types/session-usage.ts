// Compile-time test of the session declarations (sessions, refresh, revocation, discovery,
// popup sign-in), tsc --strict like usage.ts.
// Each `@ts-expect-error` line must be an error, or tsc fails.
import init, {
  createSession,
  discover,
  loginWithPopup,
  popupCallback,
  refresh,
  revokeToken,
  OAuthError,
  type ClientConfig,
  type DiscoveredConfig,
  type OAuthErrorCode,
  type Session,
  type TokenSet,
} from '../../pkg/oauth_spa.js';

export async function sessionUsage(): Promise<void> {
  await init();
  const found: DiscoveredConfig = await discover('https://as.example', { timeoutMs: 5000 });
  const revocation: string | undefined = found.revocationEndpoint;
  const iss: boolean = found.authorizationResponseIssParameterSupported;
  const config: ClientConfig = { ...found, clientId: 'spa', redirectUri: 'https://app.example/cb' };

  const tokens: TokenSet = await loginWithPopup(config, { popupTimeoutMs: 60_000, appState: '/home' });
  const rotated: TokenSet = await refresh(config, tokens.refreshToken ?? '', { scope: 'openid' });
  await revokeToken(config, rotated.accessToken, { tokenTypeHint: 'access_token' });
  const inPopup: boolean = popupCallback();

  const session: Session = createSession(config, { storage: 'localStorage', skewSeconds: 30, tokens });
  const at: string = await session.getAccessToken({ forceRefresh: true });
  const held: TokenSet | null = session.getTokens();
  const off: () => void = session.onChange((t: TokenSet | null) => void t);
  session.onSignedOut((reason: OAuthError | undefined) => void reason?.code);
  session.onError((e: OAuthError) => {
    const code: OAuthErrorCode = e.code;
    const mine: boolean = code === 'not_signed_in' || code === 'popup_closed' || code === 'invalid_metadata';
    void mine;
  });
  await session.signOut();
  session.close();
  off();

  // @ts-expect-error storage is one of three names
  createSession(config, { storage: 'cookies' });
  // @ts-expect-error tokenTypeHint is access_token or refresh_token
  await revokeToken(config, 't', { tokenTypeHint: 'id_token' });
  // @ts-expect-error getAccessToken resolves to a string, not a TokenSet
  const wrong: TokenSet = await session.getAccessToken();
  // @ts-expect-error not an error code
  const bad: OAuthErrorCode = 'popup_exploded';
  void [revocation, iss, at, held, inPopup, wrong, bad];
}
