/** Members DPoP adds (the `oauth-spa/dpop` entry). */
export interface ClientConfig {
  /**
   * Default false. Sender-constrained tokens (RFC 9449 DPoP): every token request carries a
   * proof of a non-extractable P-256 key, and only `tokenType: "DPoP"` is accepted. Needs a
   * secure context (else `dpop_unavailable`). `startLogin` and `loginWithPopup` also bind the
   * authorization code to the key (`dpop_jkt`, RFC 9449 §10) when the page has the key loaded:
   * `await prepareDpop(config)` first.
   */
  dpop?: boolean;
}

export interface TokenSet {
  /**
   * With `dpop: true`: where the DPoP key the tokens are bound to lives. `"stored"`: in
   * IndexedDB, so the tokens stay usable after a reload. `"page"`: IndexedDB is missing or
   * refused, the key lives as long as the page, and after a reload the tokens (bound to the
   * lost key) can be neither used nor refreshed: sign in again.
   */
  dpopKey?: "stored" | "page";
}
