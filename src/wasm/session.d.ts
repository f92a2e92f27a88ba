/** `ClientConfig` members the session API reads. */
export interface ClientConfig {
  /** RFC 7009 revocation endpoint: `Session.signOut()` revokes the tokens there. */
  revocationEndpoint?: string;
}

/** Options of `refresh()`. */
export interface RefreshOptions extends RequestOptions {
  /** A narrower scope (RFC 6749 §6); default: the granted one. */
  scope?: string;
}

/** Options of `revokeToken()`. */
export interface RevokeOptions extends RequestOptions {
  tokenTypeHint?: "access_token" | "refresh_token";
}

/** Options of `discover()`. */
export interface DiscoverOptions extends RequestOptions {
  /** Per request. Default 30000. */
  timeoutMs?: number;
}

/** What `discover()` found: spread it into a `ClientConfig` with `clientId` and `redirectUri`. */
export interface DiscoveredConfig {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  revocationEndpoint?: string;
  authorizationResponseIssParameterSupported: boolean;
  /** The whole metadata document. */
  metadata: Record<string, unknown>;
}

/** Options of `createSession()`. */
export interface SessionOptions {
  /**
   * Default `"memory"` (the browser-apps BCP's advice). `"sessionStorage"` survives reloads of
   * this tab; `"localStorage"` is shared by the origin's tabs, which then refresh one at a time
   * (Web Locks) and adopt each other's tokens.
   */
  storage?: "memory" | "sessionStorage" | "localStorage";
  /** Default `"oauth-spa:session"`. */
  storageKey?: string;
  /** Refresh when the access token expires within this many seconds. Default 60. */
  skewSeconds?: number;
  /** Tokens to start with, e.g. from `handleCallback`. */
  tokens?: TokenSet;
}

/** Options of `Session.getAccessToken()`. */
export interface AccessTokenOptions {
  /** Refresh even if the token looks valid (e.g. the API answered 401). */
  forceRefresh?: boolean;
}

/** A signed-in session. */
export interface Session {
  /** A valid access token, refreshed first when it expires within the skew. */
  getAccessToken(options?: AccessTokenOptions): Promise<string>;
  getTokens(): TokenSet | null;
  /** Replaces the tokens (e.g. after `handleCallback`); `null` clears them. */
  setTokens(tokens: TokenSet | null): void;
  /** Clears the session (in every tab when shared), then revokes refresh and access token. */
  signOut(): Promise<void>;
  /** Called with the new tokens, or `null`, on every change. Returns an unsubscribe function. */
  onChange(callback: (tokens: TokenSet | null) => void): () => void;
  /** Called when the session ends: the refresh error (e.g. `invalid_grant`), or `undefined`. */
  onSignedOut(callback: (reason: OAuthError | undefined) => void): () => void;
  /** Failures that keep the session: network, timeout, revocation, storage. */
  onError(callback: (error: OAuthError) => void): () => void;
  /** Stops listening to other tabs and drops the callbacks. */
  close(): void;
}

/** Options of `loginWithPopup()`. */
export interface PopupLoginOptions extends StartLoginOptions {
  /** `window.open` features. Default `"popup,width=480,height=640"`. */
  popupFeatures?: string;
  /** Default 300000 (five minutes). */
  popupTimeoutMs?: number;
}
