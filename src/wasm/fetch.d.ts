export interface Session {
  /**
   * `fetch` with the session's access token, as `Authorization: Bearer <token>`; sent once
   * more after a forced refresh when the answer is a 401. In the `oauth-spa/dpop` entry with
   * `dpop: true`: `Authorization: DPoP <token>` plus a fresh proof with `ath` (RFC 9449 §7.1),
   * and once more with the server's new nonce on a 401 `WWW-Authenticate: DPoP
   * error="use_dpop_nonce"` (§9). Resolves to the `Response` (a 401 after those tries
   * included); rejects as `getAccessToken` does.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
}
