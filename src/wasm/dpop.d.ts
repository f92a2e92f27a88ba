/** Members DPoP adds (the `oauth-spa/dpop` entry). */
export interface ClientConfig {
  /**
   * Default false. Sender-constrained tokens (RFC 9449 DPoP): every token request carries a
   * proof of a non-extractable P-256 key, and only `tokenType: "DPoP"` is accepted. Needs a
   * secure context (else `dpop_unavailable`).
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
