// Every encoding that crosses between the wasm module and js/*.js: the constants of
// src/wasm/boundary.rs (which says what each means), under the same names with the same values.
// tests/declarations.rs fails when the two differ. esbuild inlines them in the package.

// makeSession's `storage`: where the session's tokens live.
export const STORAGE_MEMORY = 0;
export const STORAGE_SESSION = 1;
export const STORAGE_LOCAL = 2; // shared by the tabs of the origin (IndexedDB)

// Op.ev's kind: the event fed to the session's state machine.
export const EVENT_GET = 0;
export const EVENT_SIGN_OUT = 1;
export const EVENT_SET = 2;
export const EVENT_LOCK = 3;
export const EVENT_TIMER = 4;
export const EVENT_READ = 5;
export const EVENT_WRITTEN = 6;
export const EVENT_CHANGED = 7;
export const EVENT_REFRESHED = 8;
export const EVENT_REVOKED = 9;
export const EVENT_KEEP = 10;

// Op.next's answer: the effect of the session's state machine to execute next.
export const EFFECT_NONE = 0;
export const EFFECT_LOCK = 1;
export const EFFECT_UNLOCK = 2;
export const EFFECT_TIMER = 3;
export const EFFECT_READ = 4;
export const EFFECT_WRITE = 5;
export const EFFECT_BROADCAST = 6;
export const EFFECT_REFRESH = 7;
export const EFFECT_REVOKE = 8;
export const EFFECT_RESOLVE = 9;
export const EFFECT_REJECT = 10;
export const EFFECT_DONE = 11;
export const EFFECT_CHANGED = 12;
export const EFFECT_SIGNED_OUT = 13;
export const EFFECT_ERROR = 14;

// Op.revoke's `hint`: the token_type_hint of the token (RFC 7009 §2.1).
export const HINT_ACCESS_TOKEN = 0;
export const HINT_REFRESH_TOKEN = 1;

// Op.check's answer for a discovery: what to do with one metadata URL's answer.
export const METADATA_VALIDATE = 0;
export const METADATA_TRY_NEXT = 1;
export const METADATA_STOP = 2;

// Between the sessionStorage keys skeys returns (a key with one is left out).
export const KEY_SEPARATOR = '\n';
// After each metadata URL getMetadata is given.
export const URL_SEPARATOR = ' ';

// pkcePair's octets: the verifier, then its challenge, each this long.
export const PKCE_VERIFIER_LEN = 43;
