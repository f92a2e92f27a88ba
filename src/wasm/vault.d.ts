/** Options the vault adds to `createSession()` (the `oauth-spa/dpop` entry). */
export interface SessionOptions {
  /**
   * `"worker"`: the session runs in a module Worker shipped with the package
   * (`oauth_spa_vault.js`), which holds the refresh token and refreshes; the page gets access
   * tokens and TokenSets without `refreshToken`. `storage` must be `"memory"` (default), or
   * `"localStorage"` with `dpop: true` (a refresh token bound to the non-extractable key).
   */
  vault?: "worker";
  /**
   * Where the worker file is served, for tools that do not bundle
   * `new Worker(new URL("./oauth_spa_vault.js", import.meta.url))` themselves (esbuild, Rollup).
   */
  vaultUrl?: string | URL;
}

/** A session whose tokens live in the vault worker (`vault: "worker"`). */
export interface VaultSession extends Session {
  /**
   * `handleCallback(config, url)` for this session: the response is checked here (the pending
   * login is in this page's sessionStorage), the code is exchanged by the worker, which keeps
   * the tokens. Resolves to the TokenSet without `refreshToken`.
   */
  handleCallback(url?: string): Promise<TokenSet>;
  /**
   * `loginWithPopup(config, options)` for this session: call it from a click handler (the
   * window opens at once). The popup's answer is checked here (its message, the `state` of this
   * login, then `handleCallback`'s checks), the code is exchanged by the worker, which keeps the
   * tokens. Resolves to the TokenSet without `refreshToken`; rejects as `loginWithPopup` does
   * (`popup_blocked`, `popup_closed`, `timeout`, `unknown_state`, ...).
   */
  loginWithPopup(options?: PopupLoginOptions): Promise<TokenSet>;
}

/**
 * `createSession` with `vault: "worker"`: the session runs in the vault worker, and has
 * `handleCallback` and `loginWithPopup`.
 */
export function createSession(config: ClientConfig, options: SessionOptions & { vault: "worker" }): VaultSession;
