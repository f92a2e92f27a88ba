// Browser side of oauth-spa's wasm glue: the error class, sessionStorage access and the
// token request. Small on purpose; all protocol logic lives in Rust.

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

export function oauthError(code, message, error, errorDescription, errorUri, status) {
  return new OAuthError(code, message, error, errorDescription, errorUri, status);
}

// Each of these throws when storage is disabled, sandboxed or full; Rust maps that to
// `storage_unavailable`.
export function sget(k) { return sessionStorage.getItem(k); }
export function sset(k, v) { sessionStorage.setItem(k, v); }
export function sremove(k) { sessionStorage.removeItem(k); }
export function skeys(prefix) {
  const s = sessionStorage, out = [];
  for (let i = 0; i < s.length; i++) {
    const k = s.key(i);
    if (k !== null && k.startsWith(prefix)) out.push(k);
  }
  return out;
}

export function currentUrl() { return location.href; }
export function replaceUrl(u) {
  if (u !== location.href) history.replaceState(history.state, '', u);
}

// POSTs to the token endpoint; resolves [status, bodyText]. Rejects with an OAuthError:
// `timeout` after `ms`, `aborted` when `signal` fires, `network_error` when fetch fails.
export async function send(url, headers, body, ms, signal) {
  if (signal != null && !(signal instanceof AbortSignal)) {
    throw new OAuthError('invalid_argument', 'options.signal must be an AbortSignal');
  }
  if (signal && signal.aborted) throw new OAuthError('aborted', 'the request was aborted before it was sent');
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; ctrl.abort(); }, ms);
  const onAbort = () => ctrl.abort();
  if (signal) signal.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await fetch(url, {
      method: 'POST', headers, body, signal: ctrl.signal,
      cache: 'no-store', redirect: 'error', referrerPolicy: 'no-referrer',
    });
    return [res.status, await res.text()];
  } catch (e) {
    if (timedOut) throw new OAuthError('timeout', 'the token endpoint did not answer within timeoutMs');
    if (signal && signal.aborted) throw new OAuthError('aborted', 'the request was aborted');
    throw new OAuthError('network_error', 'the token request failed to reach the server (network, CORS or redirect)');
  } finally {
    clearTimeout(timer);
    if (signal) signal.removeEventListener('abort', onAbort);
  }
}
