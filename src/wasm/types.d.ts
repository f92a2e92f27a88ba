/** A PKCE pair (RFC 7636): a 43-character verifier and its S256 challenge. */
export interface PkcePair {
  verifier: string;
  challenge: string;
  method: "S256";
}

/** Options of `ellipsis()`. */
export interface EllipsisOptions {
  clientId: string;
  redirectUri?: string;
  scope?: string | string[];
  /** Not secret in a browser: prefer a public client or your own backend. */
  clientSecret?: string;
  /** Default `https://api.ellipsis-drive.com/v3`. */
  baseUrl?: string;
}

/** One client at one authorization server. Plain data: spread it, store it, pass it. */
export interface ClientConfig {
  clientId: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  redirectUri?: string;
  scope?: string | string[];
  /** Expected issuer: a response's `iss` must equal it (RFC 9207). */
  issuer?: string;
  /** The server always sends `iss` (RFC 8414 metadata): a response without it is refused. */
  authorizationResponseIssParameterSupported?: boolean;
  /** Default `"rfc6749"`. */
  dialect?: "rfc6749" | "ellipsis";
  /** Default: `"form"` for rfc6749, `"json"` for ellipsis. */
  tokenRequestEncoding?: "form" | "json";
  clientSecret?: string;
  /** Default: `"client_secret_basic"` with a secret, `"none"` without. */
  clientAuth?: "none" | "client_secret_post" | "client_secret_basic";
  /** Default `"oauth-spa:tx:"`. */
  storageKeyPrefix?: string;
  /** Default 600. */
  transactionTtlSeconds?: number;
  /** Default 30000. */
  timeoutMs?: number;
  /** Default true. */
  requireTokenType?: boolean;
  /** Default true: remove the response parameters from the address bar. */
  cleanUrl?: boolean;
}

/** Options of `startLogin()`. */
export interface StartLoginOptions {
  /** More authorization request parameters; the library's own may not be overridden. */
  extraParams?: Record<string, string>;
  /** The app's own value (e.g. where to return to); comes back as `TokenSet.appState`. */
  appState?: string;
}

/** Options of a call that sends a request. */
export interface RequestOptions {
  signal?: AbortSignal;
}

/** Parameters of `exchangeCode()`. */
export interface ExchangeCodeParams {
  code: string;
  codeVerifier?: string;
  /** Default: `config.redirectUri`. */
  redirectUri?: string;
}

/** A validated token response (RFC 6749 §5.1). */
export interface TokenSet {
  accessToken: string;
  /** `"Bearer"`, or `"DPoP"` with `dpop: true`. */
  tokenType: string;
  expiresIn?: number;
  /** Epoch milliseconds. */
  expiresAt?: number;
  refreshToken?: string;
  scope?: string;
  idToken?: string;
  appState?: string;
  /** The whole response, unknown members included. */
  raw: Record<string, unknown>;
}

/** Stable error codes. */
export type OAuthErrorCode =
  /** The engine is not loaded yet (await init()), or could not load: see the error's `cause`. */
  | "not_initialized"
  | "invalid_config"
  | "invalid_argument"
  | "insecure_endpoint"
  | "invalid_verifier"
  | "crypto_unavailable"
  | "storage_unavailable"
  | "missing_state"
  | "unknown_state"
  | "transaction_expired"
  | "duplicate_parameter"
  | "authorization_error"
  | "missing_code"
  | "issuer_mismatch"
  | "missing_issuer"
  | "network_error"
  | "timeout"
  | "aborted"
  | "token_error"
  | "http_error"
  | "invalid_token_response"
  | "unsupported_token_type"
  | "not_signed_in"
  | "revocation_error"
  | "invalid_metadata"
  | "popup_blocked"
  | "popup_closed"
  /** `dpop: true` on a page that is not a secure context, or the browser refused the key. */
  | "dpop_unavailable"
  /** A DPoP rule broken, e.g. a Bearer token answered to a request that carried a proof. */
  | "dpop_error"
  /** `vault: "worker"` (oauth-spa/dpop): the vault's Worker could not be created or failed to load. */
  | "vault_unavailable";

/** Every failure of this library. Messages never contain tokens, codes or secrets. */
export class OAuthError extends Error {
  constructor(code: OAuthErrorCode, message: string, error?: string, errorDescription?: string,
              errorUri?: string, status?: number);
  name: "OAuthError";
  code: OAuthErrorCode;
  /** The server's `error`, e.g. `"invalid_grant"` or `"access_denied"`. */
  error?: string;
  errorDescription?: string;
  errorUri?: string;
  /** HTTP status of the answer (token or revocation endpoint, or the last metadata URL `discover` tried). */
  status?: number;
}
