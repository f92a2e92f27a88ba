// Every encoding that crosses between the wasm module and js/*.js: the constants of
// src/wasm/boundary.rs (which says what each means), under the same names with the same values.
// tests/declarations.rs fails when the two differ. esbuild inlines them in the package.

// makeSession's `storage`: where the session's tokens live.
export const STORAGE_MEMORY = 0;
export const STORAGE_SESSION = 1;
export const STORAGE_LOCAL = 2; // shared by the tabs of the origin

// Op.step's answer: what a session does before it hands out its access token.
export const STEP_USE_TOKEN = 0;
export const STEP_REFRESH = 1;
export const STEP_SIGN_IN = 2;

// Op.revoke's `hint`: the token_type_hint of the token (RFC 7009 §2.1).
export const HINT_ACCESS_TOKEN = 0;
export const HINT_REFRESH_TOKEN = 1;

// Between the sessionStorage keys skeys returns (a key with one is left out).
export const KEY_SEPARATOR = '\n';
// After each metadata URL getMetadata is given.
export const URL_SEPARATOR = ' ';

// pkcePair's octets: the verifier, then its challenge, each this long.
export const PKCE_VERIFIER_LEN = 43;
