// The one error class of oauth-spa. Its own module: every entry of the package (`oauth-spa`,
// `oauth-spa/core`) and both engines (WebAssembly and the JavaScript fallback) import this file,
// so `instanceof OAuthError` holds whichever of them threw.

/** An OAuth failure with a stable `code` a program can branch on. */
export class OAuthError extends Error {
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

export function oauthError(code, message, error, errorDescription, errorUri, status) {
  return new OAuthError(code, message, error, errorDescription, errorUri, status);
}
