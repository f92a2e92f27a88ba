export interface ClientConfig {
  /**
   * DPoP (RFC 9449) is in the entry `oauth-spa/dpop`: this entry refuses `dpop: true` with
   * `invalid_config` (never a Bearer token in place of a bound one).
   */
  dpop?: false;
}
