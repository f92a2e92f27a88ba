// oauth-spa demo: a single-page app that signs in with Authorization Code + PKCE through the
// package, the way any app would import it (pkg/, built by scripts/build.sh, served at /pkg/).
// The package is imported when the page starts (main), so that a package that fails to load
// shows an error instead of leaving the page at "Loading…".
let computeCodeChallenge, ellipsis, startLogin, handleCallback;

const SETTINGS_KEY = 'oauth-spa-demo.settings'; // localStorage: everything but secrets
const SECRETS_KEY = 'oauth-spa-demo.secrets'; // sessionStorage: client secrets, this tab only
const JOURNAL_KEY = 'oauth-spa-demo.journal'; // sessionStorage: "what just happened", across the redirect
const TX_PREFIX = 'oauth-spa-demo.tx.'; // the library's transactions (storageKeyPrefix)
const LOCAL_SCOPE = 'projects';
// Parameters whose values are credentials or one-time codes: never shown in full.
const MASKED = new Set(['code', 'authorization_code', 'code_verifier', 'client_secret',
  'refresh_token', 'access_token', 'id_token']);

const $ = (id) => document.getElementById(id);
const form = $('settings-form');
let tokens = null; // in memory only
let revealed = false;
let countdown = 0;

// ---------- small helpers ----------
// Shows that a value is there and how long it is, and nothing of the value itself.
function mask(value) {
  const s = String(value ?? '');
  return s ? `${'•'.repeat(Math.min(s.length, 8))}… (${s.length} chars)` : '';
}

function setState(state, message) {
  document.body.dataset.state = state;
  if (message !== undefined) $('status').textContent = message;
}

function readStore(storage, key) {
  try {
    return JSON.parse(storage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

function writeStore(storage, key, value) {
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage can be disabled; the demo still runs, it just forgets.
  }
}

function fillTable(id, rows) {
  const body = $(id).tBodies[0];
  body.replaceChildren(...rows.map(([name, value]) => {
    const tr = document.createElement('tr');
    tr.dataset.param = name;
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = name;
    const td = document.createElement('td');
    const code = document.createElement('code');
    code.textContent = value;
    td.append(code);
    tr.append(th, td);
    return tr;
  }));
}

function redirectUri() {
  return location.origin + location.pathname;
}

// ---------- settings ----------
function fields() {
  return [...form.elements].filter((el) => el.name);
}

function readSettings() {
  const settings = {};
  const secrets = {};
  for (const el of fields()) {
    if (el.type === 'radio') {
      if (el.checked) settings[el.name] = el.value;
    } else if (el.type === 'checkbox') {
      settings[el.name] = el.checked;
    } else if ('secret' in el.dataset) {
      secrets[el.name] = el.value;
    } else {
      settings[el.name] = el.value.trim();
    }
  }
  return { settings, secrets };
}

function applySettings(settings, secrets) {
  for (const el of fields()) {
    const source = 'secret' in el.dataset ? secrets : settings;
    if (!source || !(el.name in source)) continue;
    if (el.type === 'radio') el.checked = el.value === source[el.name];
    else if (el.type === 'checkbox') el.checked = Boolean(source[el.name]);
    else el.value = source[el.name];
  }
}

function saveSettings() {
  const { settings, secrets } = readSettings();
  writeStore(localStorage, SETTINGS_KEY, settings);
  writeStore(sessionStorage, SECRETS_KEY, secrets);
  showProviderPanel(settings.provider);
}

function showProviderPanel(provider) {
  for (const panel of form.querySelectorAll('[data-provider]')) {
    panel.hidden = panel.dataset.provider !== provider;
  }
}

let localMetadata = null;
async function localRfcMetadata() {
  // The embedded server publishes RFC 8414 metadata for its strict RFC 6749 endpoints.
  if (!localMetadata) {
    const response = await fetch('/rfc/.well-known/oauth-authorization-server', { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`metadata: HTTP ${response.status}`);
    localMetadata = await response.json();
  }
  return localMetadata;
}

/** RFC 8414 metadata of `issuer`, or else its OpenID Connect discovery document. */
async function discover(issuer) {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  const candidates = [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
  for (const candidate of candidates) {
    const response = await fetch(candidate, { headers: { accept: 'application/json' } }).catch(() => null);
    if (response?.ok) {
      const meta = await response.json();
      if (meta.issuer !== issuer.replace(/\/$/, '') && meta.issuer !== issuer) {
        throw new Error(`${candidate} names issuer ${meta.issuer}, not ${issuer}`);
      }
      return { meta, from: candidate };
    }
  }
  throw new Error(`no metadata at ${candidates.join(' or ')}`);
}

async function fillFromMetadata() {
  const result = $('custom-discover-result');
  result.textContent = 'Fetching metadata…';
  try {
    const { meta, from } = await discover($('custom-issuer').value.trim());
    $('custom-issuer').value = meta.issuer;
    $('custom-authorization-endpoint').value = meta.authorization_endpoint ?? '';
    $('custom-token-endpoint').value = meta.token_endpoint ?? '';
    $('custom-iss-required').checked = meta.authorization_response_iss_parameter_supported === true;
    $('custom-dialect').value = 'rfc6749';
    saveSettings();
    const s256 = (meta.code_challenge_methods_supported ?? []).includes('S256');
    result.textContent = `Filled in from ${from}.${s256 ? ' The server supports PKCE S256.' : ''}`;
  } catch (error) {
    result.textContent = `Discovery failed: ${error.message}`;
  }
}

/** The library's ClientConfig for the chosen provider. */
async function buildConfig(settings, secrets) {
  const provider = settings.provider;
  const secret = secrets[`${provider}.clientSecret`] || undefined;
  let config;
  if (provider === 'local' && settings['local.flavor'] === 'rfc') {
    const meta = await localRfcMetadata();
    config = {
      clientId: settings['local.clientId'],
      authorizationEndpoint: meta.authorization_endpoint,
      tokenEndpoint: meta.token_endpoint,
      issuer: meta.issuer,
      authorizationResponseIssParameterSupported: meta.authorization_response_iss_parameter_supported === true,
      dialect: 'rfc6749',
      redirectUri: redirectUri(),
      scope: LOCAL_SCOPE,
    };
  } else if (provider === 'local') {
    config = ellipsis({
      clientId: settings['local.clientId'],
      redirectUri: redirectUri(),
      scope: LOCAL_SCOPE,
      baseUrl: `${location.origin}/v3`,
    });
  } else if (provider === 'ellipsis') {
    config = ellipsis({
      clientId: settings['ellipsis.clientId'],
      redirectUri: redirectUri(),
      scope: settings['ellipsis.scope'] || undefined,
      baseUrl: settings['ellipsis.baseUrl'] || undefined,
    });
  } else {
    config = {
      clientId: settings['custom.clientId'],
      authorizationEndpoint: settings['custom.authorizationEndpoint'],
      tokenEndpoint: settings['custom.tokenEndpoint'],
      issuer: settings['custom.issuer'] || undefined,
      authorizationResponseIssParameterSupported: settings['custom.issRequired'] === true,
      dialect: settings['custom.dialect'],
      redirectUri: redirectUri(),
      scope: settings['custom.scope'] || undefined,
    };
  }
  config = { ...config, storageKeyPrefix: TX_PREFIX, cleanUrl: settings.cleanUrl !== false };
  if (secret) config.clientSecret = secret;
  if (settings.encoding) config.tokenRequestEncoding = settings.encoding;
  if (settings.clientAuth) config.clientAuth = settings.clientAuth;
  return config;
}

// ---------- the journal: what just happened ----------
function readJournal() {
  return readStore(sessionStorage, JOURNAL_KEY);
}

function saveJournal(journal) {
  writeStore(sessionStorage, JOURNAL_KEY, journal);
  renderJournal(journal);
}

function renderJournal(journal) {
  $('journal-empty').hidden = Boolean(journal);
  $('journal-body').hidden = !journal;
  $('secure-context').textContent = window.isSecureContext
    ? 'yes'
    : 'no: crypto.subtle is unavailable here, and S256 still works (SHA-256 runs in Rust)';
  if (!journal) return;
  const { pkce = {}, authorize = {}, callback, tokenRequest, tokenResponse, timings = {} } = journal;
  $('pkce-verifier').textContent = pkce.verifier ?? '(kept by the library)';
  $('pkce-challenge').textContent = pkce.challenge ?? '';
  $('pkce-check').textContent = pkce.check ?? '';
  $('authorize-endpoint').textContent = authorize.endpoint ?? '';
  fillTable('authorize-params', authorize.params ?? []);
  fillTable('callback-params', callback?.params ?? []);
  $('token-request-line').textContent = tokenRequest ? `${tokenRequest.method} ${tokenRequest.url}` : 'not sent';
  fillTable('token-request-headers', tokenRequest?.headers ?? []);
  fillTable('token-request-params', tokenRequest?.params ?? []);
  fillTable('token-response', tokenResponse ?? []);
  fillTable('timings', Object.entries(timings).map(([k, v]) => [k, `${Math.round(v)} ms`]));
}

/** The verifier in the library's stored transaction for `state` (shown for teaching only). */
function pendingVerifier(state) {
  const verifier = readStore(sessionStorage, TX_PREFIX + state)?.verifier;
  return typeof verifier === 'string' ? verifier : undefined;
}

function describeHeaders(headers) {
  const rows = [];
  for (const [name, value] of headers) {
    if (name === 'authorization') {
      const [scheme, credentials = ''] = value.split(' ');
      let who = '';
      try {
        who = ` (user: ${decodeURIComponent(atob(credentials).split(':')[0].replace(/\+/g, ' '))}, password masked)`;
      } catch {
        // not Basic credentials
      }
      rows.push([name, `${scheme} ${mask(credentials)}${who}`]);
    } else {
      rows.push([name, value]);
    }
  }
  return rows;
}

function describeBody(contentType, body) {
  let entries = [];
  if (/json/i.test(contentType)) {
    try {
      entries = Object.entries(JSON.parse(body)).map(([k, v]) => [k, String(v)]);
    } catch {
      entries = [['(body)', body]];
    }
  } else {
    entries = [...new URLSearchParams(body)];
  }
  return entries.map(([k, v]) => [k, MASKED.has(k) ? mask(v) : v]);
}

// Records what the library sends to the token endpoint, by watching window.fetch while
// handleCallback runs. The request itself goes through unchanged.
async function watchTokenRequest(journal, tokenEndpoint, run) {
  const realFetch = window.fetch;
  window.fetch = async function watchedFetch(input, init) {
    const probe = input instanceof Request ? input.clone() : new Request(input, init);
    if (!probe.url.startsWith(tokenEndpoint)) return realFetch.call(this, input, init);
    const headers = [...probe.headers];
    journal.tokenRequest = {
      method: probe.method,
      url: probe.url,
      headers: describeHeaders(headers),
      params: describeBody(probe.headers.get('content-type') ?? '', await probe.text()),
    };
    const started = performance.now();
    try {
      const response = await realFetch.call(this, input, init);
      journal.timings['token request (network)'] = performance.now() - started;
      // Read a copy before handing the response on, so the journal is complete (and never
      // written back after a sign-out) by the time handleCallback settles.
      const text = await response.clone().text();
      let fields;
      try {
        fields = Object.entries(JSON.parse(text)).map(([k, v]) => [k, MASKED.has(k) ? mask(v) : String(v)]);
      } catch {
        fields = [['(body, not JSON)', `${text.length} bytes`]];
      }
      journal.tokenResponse = [['HTTP status', String(response.status)], ...fields];
      return response;
    } catch (error) {
      journal.timings['token request (network)'] = performance.now() - started;
      throw error;
    }
  };
  try {
    return await run();
  } finally {
    window.fetch = realFetch;
  }
}

// ---------- errors and tokens ----------
function showError(error) {
  const isOAuth = error && error.name === 'OAuthError';
  $('error-code').textContent = isOAuth ? error.code : (error?.name ?? 'Error');
  $('error-error').textContent = (isOAuth && error.error) || '—';
  $('error-description').textContent = (isOAuth && error.errorDescription) || '—';
  $('error-status').textContent = (isOAuth && error.status) ? String(error.status) : '—';
  $('error-message').textContent = error?.message ?? String(error);
  $('error-panel').hidden = false;
  setState('error', `Error: ${isOAuth ? error.code : error?.message}`);
}

function clearError() {
  $('error-panel').hidden = true;
}

function renderTokens() {
  clearInterval(countdown);
  $('tokens').hidden = !tokens;
  if (!tokens) {
    for (const id of ['access-token', 'token-type', 'token-scope', 'token-expiry', 'refresh-token', 'token-app-state']) {
      $(id).textContent = '';
    }
    return;
  }
  $('access-token').textContent = revealed ? tokens.accessToken : mask(tokens.accessToken);
  $('reveal-token').setAttribute('aria-pressed', String(revealed));
  $('reveal-token').textContent = revealed ? 'Hide' : 'Reveal';
  $('token-type').textContent = tokens.tokenType;
  $('token-scope').textContent = tokens.scope ?? '(not returned: as requested)';
  $('refresh-token').textContent = tokens.refreshToken ? `present: ${mask(tokens.refreshToken)}` : 'absent';
  $('token-app-state').textContent = tokens.appState ?? '—';
  const expiry = $('token-expiry');
  const expiresAt = tokens.expiresAt ?? (tokens.expiresIn !== undefined ? Date.now() + tokens.expiresIn * 1000 : undefined);
  if (expiresAt === undefined) {
    expiry.textContent = 'not stated by the server';
    return;
  }
  expiry.dataset.expiresAt = String(expiresAt);
  const tick = () => {
    const left = Math.round((expiresAt - Date.now()) / 1000);
    expiry.textContent = left > 0
      ? `in ${Math.floor(left / 60)} min ${left % 60} s (${new Date(expiresAt).toLocaleTimeString()})`
      : 'expired';
  };
  tick();
  countdown = setInterval(tick, 1000);
}

// ---------- the flow ----------
async function signIn(event) {
  event.preventDefault();
  clearError();
  saveSettings();
  const { settings, secrets } = readSettings();
  try {
    const config = await buildConfig(settings, secrets);
    const t0 = performance.now();
    const url = startLogin(config, { appState: location.hash || '/' });
    const startLoginMs = performance.now() - t0;
    const authorize = new URL(url);
    const state = authorize.searchParams.get('state');
    const challenge = authorize.searchParams.get('code_challenge');
    const verifier = pendingVerifier(state);
    let check = 'the verifier stays inside the library';
    if (verifier) {
      check = computeCodeChallenge(verifier) === challenge
        ? 'BASE64URL(SHA-256(verifier)) equals the challenge sent'
        : 'MISMATCH between verifier and challenge';
    }
    saveJournal({
      settings,
      pkce: { verifier, challenge, check },
      authorize: { endpoint: authorize.origin + authorize.pathname, params: [...authorize.searchParams] },
      timings: { 'startLogin (verifier, state, SHA-256, storage)': startLoginMs },
      leftAt: Date.now(),
    });
    setState('redirecting', 'Redirecting to the authorization server…');
    location.assign(url);
  } catch (error) {
    showError(error);
  }
}

function callbackParams(href) {
  const url = new URL(href);
  const params = [...url.searchParams];
  if (url.hash.length > 1) params.push(...new URLSearchParams(url.hash.slice(1)));
  return params;
}

async function exchange() {
  clearError();
  $('callback-panel').hidden = true;
  const journal = readJournal() ?? { timings: {} };
  journal.timings ??= {};
  delete journal.tokenRequest;
  delete journal.tokenResponse;
  // Settings of the sign-in that started this flow (they may have been changed since).
  const settings = journal.settings ?? readSettings().settings;
  const secrets = readStore(sessionStorage, SECRETS_KEY) ?? {};
  setState('exchanging', 'Exchanging the code for tokens…');
  const t0 = performance.now();
  try {
    const config = await buildConfig(settings, secrets);
    // No URL argument: the library reads location.href and cleans the address bar itself.
    tokens = await watchTokenRequest(journal, config.tokenEndpoint, () => handleCallback(config));
    journal.timings['handleCallback (checks, request, validation)'] = performance.now() - t0;
    saveJournal(journal);
    revealed = false;
    renderTokens();
    setState('signed-in', 'Signed in.');
  } catch (error) {
    journal.timings['handleCallback (until the error)'] = performance.now() - t0;
    saveJournal(journal);
    showError(error);
  }
}

function onCallback(settings) {
  const href = location.href;
  const journal = readJournal() ?? { timings: {} };
  journal.timings ??= {};
  if (journal.leftAt) {
    journal.timings['at the authorization server (redirect to redirect back)'] = Date.now() - journal.leftAt;
    delete journal.leftAt;
  }
  journal.callback = {
    params: callbackParams(href).map(([k, v]) => [k, MASKED.has(k) ? mask(v) : v]),
  };
  saveJournal(journal);
  if (settings.autoExchange === false) {
    setState('callback', 'The server redirected back. Press “Exchange” to send the token request.');
    $('callback-panel').hidden = false;
    $('exchange').onclick = () => exchange();
    $('exchange').focus();
    return;
  }
  return exchange();
}

function signOut() {
  tokens = null;
  revealed = false;
  renderTokens();
  clearError();
  writeStore(sessionStorage, JOURNAL_KEY, null);
  for (let i = sessionStorage.length - 1; i >= 0; i -= 1) {
    const key = sessionStorage.key(i);
    if (key?.startsWith(TX_PREFIX)) sessionStorage.removeItem(key);
  }
  renderJournal(null);
  setState('ready', 'Signed out. Tokens, pending sign-ins and the journal are cleared.');
  $('sign-in').focus();
}

async function main() {
  $('redirect-uri').textContent = redirectUri();
  const saved = readStore(localStorage, SETTINGS_KEY);
  applySettings(saved ?? {}, readStore(sessionStorage, SECRETS_KEY) ?? {});
  const { settings } = readSettings();
  showProviderPanel(settings.provider);
  form.addEventListener('change', saveSettings);
  form.addEventListener('input', saveSettings);
  form.addEventListener('submit', signIn);
  $('reset-settings').addEventListener('click', () => {
    form.reset();
    writeStore(sessionStorage, SECRETS_KEY, null);
    saveSettings();
  });
  $('sign-out').addEventListener('click', signOut);
  $('custom-discover').addEventListener('click', fillFromMetadata);
  $('dismiss-error').addEventListener('click', () => {
    clearError();
    setState(tokens ? 'signed-in' : 'ready', '');
  });
  $('reveal-token').addEventListener('click', () => {
    revealed = !revealed;
    renderTokens();
  });

  const t0 = performance.now();
  try {
    const pkg = await import('/pkg/oauth_spa.js');
    ({ computeCodeChallenge, ellipsis, startLogin, handleCallback } = pkg);
    await pkg.default();
  } catch (error) {
    const why = `The oauth-spa package failed to load from /pkg/ (is it built? npm start builds it): ${error?.message ?? error}`;
    showError({ name: 'Package not loaded', message: why });
    setState('error', why);
    return;
  }
  const initMs = performance.now() - t0;
  $('sign-in').disabled = false;

  const names = new Set(callbackParams(location.href).map(([k]) => k));
  if (['code', 'state', 'error'].some((k) => names.has(k))) {
    const journal = readJournal();
    if (journal) {
      (journal.timings ??= {})['wasm init on return'] = initMs;
      saveJournal(journal);
    }
    await onCallback(settings);
  } else {
    renderJournal(readJournal());
    setState('ready', 'Ready. Pick a server and sign in.');
  }
}

main();
