// Compile-time test of the DPoP declarations of the entry `oauth-spa/dpop`
// (pkg/oauth_spa_dpop.d.ts: `dpop` in ClientConfig, `prepareDpop`, `Session.fetch`,
// `TokenSet.dpopKey`, the two error codes), and of their absence from `oauth-spa`, tsc --strict
// like usage.ts.
// Each `@ts-expect-error` line must be an error, or tsc fails.
import init, {
  createSession,
  handleCallback,
  OAuthError,
  prepareDpop,
  startLogin,
  type ClientConfig,
  type OAuthErrorCode,
  type Session,
  type TokenSet,
  type VaultSession,
} from '../../pkg/oauth_spa_dpop.js';
import * as full from '../../pkg/oauth_spa.js';

export async function dpopUsage(base: ClientConfig): Promise<void> {
  await init();
  const config: ClientConfig = { ...base, dpop: true };
  // The key loaded first, so that startLogin sends dpop_jkt: its thumbprint (null when dpop is off).
  const jkt: string | null = await prepareDpop(config);
  // @ts-expect-error it may be null
  const sure: string = await prepareDpop(config);
  const login: string = startLogin(config);
  const tokens: TokenSet = await handleCallback(config);
  const where: 'stored' | 'page' | undefined = tokens.dpopKey;
  const session: Session = createSession(config, { tokens });
  const res: Response = await session.fetch('https://api.example/items', { method: 'POST', body: '{}' });
  const again: Response = await session.fetch(new Request('https://api.example/items'));
  const url: Response = await session.fetch(new URL('https://api.example/items'));
  try {
    await session.fetch('https://api.example/items');
  } catch (e) {
    if (e instanceof OAuthError) {
      const dpop: boolean = e.code === 'dpop_unavailable' || e.code === 'dpop_error';
      void dpop;
    }
  }
  // @ts-expect-error dpop is a boolean
  const wrongConfig: ClientConfig = { ...base, dpop: 'yes' };
  // @ts-expect-error dpopKey is "stored" or "page"
  const wrongKey: TokenSet['dpopKey'] = 'indexeddb';
  // @ts-expect-error not an error code
  const bad: OAuthErrorCode = 'dpop_exploded';
  void [jkt, sure, login, where, res, again, url, wrongConfig, wrongKey, bad];
}

// The vault: `vault: "worker"` gives a VaultSession (a Session with handleCallback and
// loginWithPopup).
export async function vaultUsage(config: ClientConfig): Promise<void> {
  const vault: VaultSession = createSession(config, { vault: 'worker' });
  const tokens: TokenSet = await vault.handleCallback();
  const fromUrl: TokenSet = await vault.handleCallback('https://app.example/cb?code=c&state=s');
  const asSession: Session = vault;
  const popup: TokenSet = await vault.loginWithPopup();
  const popupWith: Promise<TokenSet> = vault.loginWithPopup({
    appState: '/back', popupFeatures: 'popup,width=500,height=700', popupTimeoutMs: 60000,
    extraParams: { prompt: 'login' },
  });
  // @ts-expect-error popupTimeoutMs is a number
  const badTimeout = vault.loginWithPopup({ popupTimeoutMs: '60000' });
  const persisted = createSession({ ...config, dpop: true }, {
    vault: 'worker', storage: 'localStorage', vaultUrl: new URL('./vault.js', 'https://app.example/'),
  });
  const named = createSession(config, { vault: 'worker', vaultUrl: '/vault.js' });
  const res: Response = await named.fetch('https://api.example/items');
  // @ts-expect-error the vault is "worker"
  const other = createSession(config, { vault: 'iframe' });
  // @ts-expect-error vaultUrl is a string or a URL
  const wrongUrl = createSession(config, { vault: 'worker', vaultUrl: 42 });
  // @ts-expect-error a session without the vault has no handleCallback
  const plain: VaultSession = createSession(config);
  void [tokens, fromUrl, asSession, popup, popupWith, badTimeout, persisted, res, other, wrongUrl, plain];
}

// `oauth-spa` has no DPoP: its ClientConfig refuses `dpop: true` (as the entry does at run
// time), its TokenSet has no `dpopKey`; its sessions still have `fetch` (Bearer).
export async function withoutDpop(base: full.ClientConfig): Promise<void> {
  // @ts-expect-error DPoP is in oauth-spa/dpop
  const refused: full.ClientConfig = { ...base, dpop: true };
  const off: full.ClientConfig = { ...base, dpop: false };
  const tokens: full.TokenSet = await full.handleCallback(off);
  // @ts-expect-error no dpopKey without DPoP
  const where: unknown = tokens.dpopKey;
  // @ts-expect-error no prepareDpop without DPoP
  const prepare: unknown = full.prepareDpop;
  const session: full.Session = full.createSession(off, { tokens });
  const res: Response = await session.fetch('https://api.example/items', { method: 'POST', body: '{}' });
  // A config made for oauth-spa fits oauth-spa/dpop.
  const shared: ClientConfig = off;
  // @ts-expect-error the vault is in oauth-spa/dpop
  const noVault = full.createSession(off, { vault: 'worker' });
  void [refused, where, prepare, res, shared, noVault];
}
