/** Members DPoP (`dpop: true`) adds. */
export interface TokenSet {
  /**
   * With `dpop: true`: where the DPoP key the tokens are bound to lives. `"stored"`: in
   * IndexedDB, so the tokens stay usable after a reload. `"page"`: IndexedDB is missing or
   * refused, the key lives as long as the page, and after a reload the tokens (bound to the
   * lost key) can be neither used nor refreshed: sign in again.
   */
  dpopKey?: "stored" | "page";
}

export interface Session {
  /**
   * `fetch` with the session's access token: `Authorization: DPoP <token>` plus a fresh proof
   * with `ath` (RFC 9449 §7.1) when the config has `dpop: true`, else `Authorization: Bearer`.
   * Sent once more with the server's new nonce on a 401 `WWW-Authenticate: DPoP
   * error="use_dpop_nonce"` (§9), and once more after a forced refresh on another 401.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
}
