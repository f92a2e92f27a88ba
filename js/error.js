// The one error class of oauth-spa, and the loaders of the entries a page imported.
// Each entry of the package (`oauth-spa`, `oauth-spa/core`) carries this code, but the first
// one evaluated in a page keeps the class under a registered symbol and every other entry uses
// that one, so `instanceof OAuthError` holds whichever entry or engine threw (also when a
// bundle ends up with two copies of the package). No module of its own: a second file would be
// a second request the browser can only make after the entry arrived.

function shared() {
  /** An OAuth failure with a stable `code` a program can branch on. */
  class OAuthError extends Error {
    constructor(code, message, error, errorDescription, errorUri, status) {
      super(message);
      this.name = 'OAuthError';
      this.code = code;
      if (error != null) this.error = error;
      if (errorDescription != null) this.errorDescription = errorDescription;
      if (errorUri != null) this.errorUri = errorUri;
      if (status != null) this.status = status;
    }
  }
  // The class's own name, which the minified package would otherwise lose (`e.constructor.name`).
  Object.defineProperty(OAuthError, 'name', { value: 'OAuthError' });
  // Each entry's loader (js/loader.js): a function that loads that entry's engine once.
  return { OAuthError, loaders: [] };
}

export const { OAuthError, loaders } = (globalThis[Symbol.for('oauth-spa')] ??= shared());

export function oauthError(code, message, error, errorDescription, errorUri, status) {
  return new OAuthError(code, message, error, errorDescription, errorUri, status);
}
