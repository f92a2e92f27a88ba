// oauth-spa demo: a single-page app that signs in with Authorization Code + PKCE through the
// package, the way any app would import it (pkg/, built by scripts/build.sh, served at /pkg/),
// and then lives with the session: refresh before expiry (rotation), API calls, sign-out with
// RFC 7009 revocation, popup sign-in, discovery, and DPoP (RFC 9449) where the server has it.
// The package is imported when the page starts (main), so that a package that fails to load
// shows an error instead of leaving the page at "Loading…". The demo imports the entry
// `oauth-spa/dpop` (pkg/oauth_spa_dpop.js): the whole API of `oauth-spa` plus DPoP and the
// vault, so one entry serves every kind of sign-in. An app that uses neither imports
// `oauth-spa` (pkg/oauth_spa.js): the same functions, without their code. With the vault option,
// the session runs in the package's module Worker (pkg/oauth_spa_vault.js), which holds the
// refresh token; its requests (code exchange, refreshes, revocations) are not this page's, so
// the journal, which watches this page's window.fetch, names them instead of showing them.
import { SNIPPETS } from './snippets.js';

let computeCodeChallenge, ellipsis, startLogin, handleCallback, createSession, loginWithPopup,
  popupCallback, discover, prepareDpop;

const SETTINGS_KEY = 'oauth-spa-demo.settings'; // localStorage: everything but secrets
const SECRETS_KEY = 'oauth-spa-demo.secrets'; // sessionStorage: client secrets, this tab only
const JOURNAL_KEY = 'oauth-spa-demo.journal'; // sessionStorage: the attempt shown, across the redirect
const ATTEMPT_PREFIX = 'oauth-spa-demo.attempt.'; // sessionStorage: sign-ins waiting for their response, by state
const TX_PREFIX = 'oauth-spa-demo.tx.'; // the library's transactions (storageKeyPrefix)
const LOCAL_SCOPE = 'projects';
const SKEW_SECONDS = 60; // the session refreshes this long before the access token expires
// Parameters whose values are credentials or one-time codes: never shown in full.
const MASKED = new Set(['code', 'authorization_code', 'code_verifier', 'client_secret',
  'refresh_token', 'access_token', 'id_token', 'token']);
const STEPS = ['discover', 'authorize', 'consent', 'callback', 'token', 'refresh', 'api', 'revoke', 'dpop'];

const $ = (id) => document.getElementById(id);
const form = $('settings-form');
let session = null; // the library's session: tokens in memory only
let sessionConfig = null; // the ClientConfig it was made with
let inVault = false; // the session runs in the vault worker (createSession(config, { vault: 'worker' }))
let lastAccessToken = null; // the access token the page last had: a new one from the vault is a refresh
let apiUrl = ''; // what "Call the API" calls
let journal = null; // the attempt shown in "What just happened"
let revealed = false;
let countdown = 0;
let refreshTimer = 0;

// The session, for the browser's console (and the demo's tests): what a script of this page can
// reach. With the vault, demoSession().getTokens() has no refresh token.
globalThis.demoSession = () => session;

// ---------- small helpers ----------
// Shows that a value is there and how long it is, and nothing of the value itself.
function mask(value) {
  const s = String(value ?? '');
  return s ? `${'•'.repeat(Math.min(s.length, 8))}… (${s.length} chars)` : '';
}

// FNV-1a, 32 bits: tells two tokens apart (a rotated refresh token) without showing any of
// their characters. Not a cryptographic hash, and not part of the token.
function fingerprint(value) {
  let h = 0x811c9dc5;
  for (const c of String(value)) {
    h ^= c.codePointAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function maskToken(value) {
  return value ? `${mask(value).slice(0, -1)}, #${fingerprint(value)})` : '';
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

// Long values wrap after / ? & = _ . : rather than in the middle of a word; random values
// without such points (tokens, challenges) still break where they must (CSS overflow-wrap).
function breakable(text) {
  const parts = String(text).split(/(?<=[/?&=_.:,])/);
  const out = document.createDocumentFragment();
  parts.forEach((part, i) => {
    if (i) out.append(document.createElement('wbr'));
    out.append(part);
  });
  return out;
}

function code(text) {
  const el = document.createElement('code');
  el.append(breakable(text));
  return el;
}

function setText(id, text) {
  $(id).replaceChildren(breakable(text ?? ''));
}

function fillTable(id, rows) {
  const body = $(id).tBodies[0];
  body.replaceChildren(...rows.map(([name, value]) => {
    const tr = document.createElement('tr');
    tr.dataset.param = name;
    const th = document.createElement('th');
    th.scope = 'row';
    th.append(breakable(name));
    const td = document.createElement('td');
    const code = document.createElement('code');
    code.append(breakable(value));
    td.append(code);
    tr.append(th, td);
    return tr;
  }));
}

function redirectUri() {
  return location.origin + location.pathname;
}

const time = (ms) => new Date(ms).toLocaleTimeString();

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
  showProviderPanel(settings);
}

// DPoP is offered where the server can have it: the embedded server's strict RFC side (its
// metadata lists dpop_signing_alg_values_supported) and a server of your own. Ellipsis Drive,
// and the embedded server's imitation of it, do not offer it.
function dpopOffered(settings) {
  return settings.provider === 'custom' || (settings.provider === 'local' && settings['local.flavor'] === 'rfc');
}

function showProviderPanel(settings) {
  for (const panel of form.querySelectorAll('[data-provider]')) {
    panel.hidden = panel.dataset.provider !== settings.provider;
  }
  $('dpop-option').hidden = !dpopOffered(settings);
}

// ---------- form errors: next to their field, in the form's words ----------
// The library names the config field it refuses (`config.tokenEndpoint must …`); these are the
// form's words for them, per provider.
const FIELD_WORDS = {
  clientId: 'Client id', clientSecret: 'Client secret', authorizationEndpoint: 'Authorization endpoint',
  tokenEndpoint: 'Token endpoint', revocationEndpoint: 'Revocation endpoint', issuer: 'Issuer',
  baseUrl: 'API base URL', scope: 'Scope', apiUrl: 'API to call',
};
const FIELD_IDS = {
  clientId: (p) => `${p}-client-id`, clientSecret: (p) => `${p}-client-secret`,
  authorizationEndpoint: () => 'custom-authorization-endpoint', tokenEndpoint: () => 'custom-token-endpoint',
  revocationEndpoint: () => 'custom-revocation-endpoint', issuer: () => 'custom-issuer',
  baseUrl: () => 'ellipsis-base-url', scope: (p) => `${p}-scope`, apiUrl: () => 'custom-api-url',
};

class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

/** A library error about one config field, as a FieldError in the form's words (or null). */
function asFieldError(error, provider) {
  if (error?.name !== 'OAuthError' || !['invalid_config', 'insecure_endpoint'].includes(error.code)) return null;
  const m = /^(?:options\.|config\.)?([A-Za-z]+)\b\s*(.*)$/s.exec(error.message ?? '');
  // Only a field of this provider's part of the form (the local server's base URL, for one,
  // is this page's origin, not a field).
  const input = m && m[1] in FIELD_IDS ? $(FIELD_IDS[m[1]](provider)) : null;
  if (!input || input.closest('[data-provider]')?.dataset.provider !== provider) return null;
  return new FieldError(m[1], `${FIELD_WORDS[m[1]]} ${m[2]}`);
}

function clearFieldErrors() {
  for (const el of form.querySelectorAll('[aria-invalid=true]')) {
    el.removeAttribute('aria-invalid');
    const described = (el.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => !id.startsWith('err-'));
    if (described.length) el.setAttribute('aria-describedby', described.join(' '));
    else el.removeAttribute('aria-describedby');
  }
  for (const p of form.querySelectorAll('.field-error')) p.remove();
}

function showFieldError(error, provider) {
  const input = $(FIELD_IDS[error.field](provider));
  const p = document.createElement('p');
  p.className = 'field-error';
  p.id = `err-${input.id}`;
  p.dataset.testid = 'field-error';
  p.textContent = error.message;
  input.after(p);
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), p.id].filter(Boolean).join(' '));
  const panel = input.closest('details');
  if (panel) panel.open = true;
  input.focus();
  setState(session?.getTokens() ? 'signed-in' : 'ready', `Check the form: ${error.message}`);
}

/** Empty required fields, before the library is asked (it would say `config.clientId`). */
function checkRequired(settings) {
  const provider = settings.provider;
  const required = { local: ['clientId'], ellipsis: ['clientId'], custom: ['authorizationEndpoint', 'tokenEndpoint', 'clientId'] }[provider];
  for (const field of required) {
    if (!settings[`${provider}.${field}`]) {
      throw new FieldError(field, `${FIELD_WORDS[field]} is empty: enter the ${FIELD_WORDS[field].toLowerCase()}.`);
    }
  }
}

// ---------- the wire: every request the library (or the API button) sends ----------
// window.fetch is watched for the whole life of the page: each request to a known endpoint is
// described (credentials masked) into the attempt shown. Requests go through unchanged.
const realFetch = window.fetch;
let endpoints = {}; // token, revocation, api of the current config
let unwatched = 0; // > 0 while the page fetches for itself in the background

function headerRows(headers) {
  const rows = [];
  for (const [name, value] of headers) {
    if (name === 'authorization') {
      const [scheme, credentials = ''] = value.split(' ');
      let who = '';
      if (/^basic$/i.test(scheme)) {
        try {
          who = ` (user: ${decodeURIComponent(atob(credentials).split(':')[0].replace(/\+/g, ' '))}, password masked)`;
        } catch {
          // not Basic credentials
        }
      }
      rows.push([name, `${scheme} ${mask(credentials)}${who}`]);
    } else if (name === 'dpop') {
      rows.push([name, `a JWT of ${value.length} chars, decoded below (signature masked)`]);
    } else {
      rows.push([name, value]);
    }
  }
  return rows;
}

function bodyRows(contentType, body) {
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
  return entries.map(([k, v]) => [k, MASKED.has(k) ? (k === 'refresh_token' || k === 'token' ? maskToken(v) : mask(v)) : v]);
}

function responseRows(status, text, headers) {
  // DPoP's response headers (RFC 9449 §8, §9), when the server sent them.
  const extra = [['WWW-Authenticate', headers?.get('www-authenticate')], ['DPoP-Nonce', headers?.get('dpop-nonce')]]
    .filter(([, v]) => v).map(([k, v]) => [`${k} (header)`, v]);
  try {
    const json = JSON.parse(text);
    if (json && typeof json === 'object') {
      return [['HTTP status', String(status)], ...extra, ...Object.entries(json).map(([k, v]) => [k,
        MASKED.has(k) ? maskToken(v) : (typeof v === 'object' ? JSON.stringify(v) : String(v))])];
    }
  } catch {
    // not JSON
  }
  return [['HTTP status', String(status)], ...extra, ['(body)', text ? `${text.length} bytes, not JSON` : 'empty']];
}

// ---------- DPoP proofs, decoded from the request that carried them ----------
function base64urlJson(part) {
  const binary = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
}

async function sha256Base64url(text) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The DPoP header of a request, decoded: the JOSE header and the claims as the server reads
 * them, the signature masked, and this page's own checks of htm, htu and ath against the
 * request itself (the server makes the same checks, RFC 9449 §4.3).
 */
async function describeProof(jws, method, url, authorization) {
  const [h, c, sig = ''] = jws.split('.');
  let header, claims;
  try {
    header = base64urlJson(h);
    claims = base64urlJson(c);
  } catch {
    return { rows: [['(proof)', `not a JWT: ${jws.length} chars`]] };
  }
  const rows = [
    ['header.typ', String(header.typ)],
    ['header.alg', String(header.alg)],
    ['header.jwk', JSON.stringify(header.jwk)],
  ];
  for (const name of ['jti', 'htm', 'htu', 'iat', 'ath', 'nonce']) {
    if (!(name in claims)) continue;
    const v = claims[name];
    rows.push([`claims.${name}`, name === 'iat' ? `${v} (${time(v * 1000)})` : String(v)]);
  }
  rows.push(['signature', `${mask(sig)}: ES256, made by crypto.subtle.sign with the key`]);
  const target = new URL(url);
  const htu = target.origin + target.pathname;
  rows.push(['check: htm', claims.htm === method ? `equals the request's method, ${method}` : `DIFFERS from the request's method, ${method}`]);
  rows.push(['check: htu', claims.htu === htu ? 'equals the request\'s URL without query and fragment' : `DIFFERS from the request's URL, ${htu}`]);
  const [scheme, token] = (authorization ?? '').split(' ');
  if (/^dpop$/i.test(scheme) && token) {
    const ath = globalThis.crypto?.subtle ? await sha256Base64url(token) : null;
    rows.push(['check: ath', ath === null ? 'not checked here (no crypto.subtle)'
      : claims.ath === ath ? 'equals BASE64URL(SHA-256(the access token sent)), computed by this page'
        : 'DIFFERS from BASE64URL(SHA-256(the access token sent))']);
  }
  return { rows, nonce: claims.nonce ?? null };
}

/** A server's demand for a nonce (RFC 9449 §8: 400 at the token endpoint, §9: 401 at a resource). */
function nonceDemand(status, text, headers) {
  if (status === 400) {
    try { return JSON.parse(text).error === 'use_dpop_nonce'; } catch { return false; }
  }
  return status === 401 && /^\s*DPoP\b.*error="use_dpop_nonce"/i.test(headers.get('www-authenticate') ?? '');
}
// A nonce demand, held until the request sent again answers: shown together.
const demands = {};

window.fetch = async function watchedFetch(input, init) {
  const probe = input instanceof Request ? input.clone() : new Request(input, init);
  const url = probe.url;
  const kind = url === endpoints.token ? 'token'
    : url === endpoints.revocation ? 'revoke'
      : url === endpoints.api ? 'api'
        : /\/\.well-known\//.test(url) ? 'discover' : null;
  // The page's own background discovery is not shown; requests the library makes meanwhile are.
  if (!kind || !journal || (unwatched && kind === 'discover')) return realFetch.call(this, input, init);
  const headers = [...probe.headers];
  const contentType = probe.headers.get('content-type') ?? '';
  const body = probe.method === 'GET' || probe.method === 'HEAD' ? '' : await probe.text();
  const params = new URLSearchParams(/json/i.test(contentType) ? '' : body);
  let grant = params.get('grant_type');
  if (/json/i.test(contentType)) {
    try { grant = JSON.parse(body).grant_type; } catch { /* not JSON */ }
  }
  const request = { method: probe.method, url, headers: headerRows(headers), params: bodyRows(contentType, body) };
  const proofHeader = probe.headers.get('dpop');
  if (proofHeader) request.proof = await describeProof(proofHeader, probe.method, url, probe.headers.get('authorization'));
  // Fingerprints of the tokens sent (never the tokens): to tell whether a refresh rotated.
  let sentToken = params.get('refresh_token');
  if (/json/i.test(contentType)) {
    try { sentToken = JSON.parse(body).refresh_token; } catch { /* not JSON */ }
  }
  request.sentFingerprint = sentToken ? fingerprint(sentToken) : '';
  const started = performance.now();
  const step = kind === 'token' ? (grant === 'refresh_token' ? 'refresh' : 'token') : kind;
  if (step !== 'discover') markStep(step, 'active');
  if (proofHeader) markStep('dpop', 'active');
  let response;
  try {
    response = await realFetch.call(this, input, init);
  } catch (error) {
    request.demand = demands[step] ?? null;
    delete demands[step];
    record(step, request, { status: 0, rows: [['(no answer)', 'network error']] }, performance.now() - started);
    throw error;
  }
  // Read a copy before handing the response on, so the panel is complete by the time the
  // library's promise settles.
  const text = await response.clone().text();
  // One retry per request: a demand answering the retry is the answer, recorded as such.
  if (proofHeader && !demands[step] && nonceDemand(response.status, text, response.headers)) {
    // The library sends this request once more with a new proof carrying the server's nonce.
    demands[step] = { status: response.status, sentNonce: request.proof.nonce, nonce: response.headers.get('dpop-nonce') ?? '',
      error: 'use_dpop_nonce' };
    return response;
  }
  request.demand = demands[step] ?? null;
  delete demands[step];
  record(step, request, { status: response.status, text, rows: responseRows(response.status, text, response.headers) },
    performance.now() - started);
  return response;
};

/** Puts one watched request into the attempt shown. */
function record(step, request, response, ms) {
  if (!journal) return;
  if (request.proof) {
    const dpop = journal.dpop ??= { proofs: 0, retries: 0 };
    dpop.proofs += request.demand ? 2 : 1;
    dpop.retries += request.demand ? 1 : 0;
    // The server refused the proof itself (RFC 9449 §4.3, §7.1): invalid_dpop_proof.
    const refused = /invalid_dpop_proof/.test(response.text ?? '') || response.rows.some(([k, v]) => k.startsWith('WWW-Authenticate') && /invalid_dpop_proof/.test(v));
    if (refused) dpop.refused = 'a proof was refused';
    // A token answer after a proof that is not DPoP: the server ignored the proof (the library
    // refuses such tokens, dpop_error).
    const type = response.rows.find(([k]) => k === 'token_type')?.[1];
    if ((step === 'token' || step === 'refresh') && response.status === 200 && !/^dpop$/i.test(type ?? '')) {
      dpop.refused = `the server ignored the proof (token_type ${type ?? 'missing'})`;
    }
    journal.steps.dpop = dpop.refused ? { status: 'failed', note: dpop.refused }
      : { status: 'done', note: `${dpop.proofs} proof${dpop.proofs === 1 ? '' : 's'} sent${inVault ? ' from this page' : ''}${dpop.retries ? `, ${dpop.retries} sent again with the server's nonce` : ''}`
        + (inVault ? '; the vault worker signs them, and its own requests\' proofs are not seen here' : '') };
  }
  if (step === 'token') {
    journal.tokenRequest = request;
    journal.tokenResponse = response.rows;
    journal.timings['token request (network)'] = ms;
  } else if (step === 'refresh') {
    let issued = null;
    try { issued = JSON.parse(response.text ?? '').refresh_token ?? null; } catch { /* not JSON */ }
    journal.refresh = {
      trigger: journal.refreshTrigger ?? 'the session',
      at: Date.now(),
      request: { method: request.method, url: request.url, headers: request.headers, params: request.params,
        proof: request.proof, demand: request.demand },
      response: response.rows,
      status: response.status,
      sent: request.sentFingerprint,
      issued: typeof issued === 'string' ? fingerprint(issued) : '',
      ms,
    };
    delete journal.refreshTrigger;
    if (response.status === 200) {
      journal.refreshes = (journal.refreshes ?? 0) + 1;
      journal.steps.refresh = { status: 'done', note: `${journal.refreshes} so far, the latest by ${journal.refresh.trigger}` };
    } else {
      journal.steps.refresh = { status: 'failed', note: `HTTP ${response.status}` };
    }
  } else if (step === 'api') {
    journal.api = { request, response: response.rows, status: response.status, ms };
    journal.steps.api = response.status >= 200 && response.status < 300
      ? { status: 'done', note: `HTTP ${response.status}` } : { status: 'failed', note: `HTTP ${response.status}` };
  } else if (step === 'revoke') {
    const hint = new URLSearchParams(request.params.map(([k, v]) => [k, v])).get('token_type_hint') ?? '(no hint)';
    (journal.revoke ??= { requests: [] }).requests.push([`${hint} ${request.params.find(([k]) => k === 'token')?.[1] ?? ''}`,
      `HTTP ${response.status}`]);
  } else if (step === 'discover') {
    (journal.discover ??= { tried: [] }).tried.push([request.url, response.status ? `HTTP ${response.status}` : 'no answer']);
  }
  saveJournal();
}

// ---------- the journal: what just happened ----------
/** Starts a new attempt: the panel and the diagram forget the previous one. */
function newAttempt(kind, title) {
  journal = { kind, title, startedAt: Date.now(), steps: {}, timings: {} };
  saveJournal();
  return journal;
}

function saveJournal() {
  if (journal?.kind === 'signout') writeStore(sessionStorage, JOURNAL_KEY, null);
  else writeStore(sessionStorage, JOURNAL_KEY, journal);
  renderJournal();
}

function markStep(step, status, note = '') {
  if (!journal) return;
  journal.steps[step] = { status, note };
  saveJournal();
}

function renderDiagram() {
  const steps = journal?.steps ?? {};
  // Step 7's arrow names the scheme the latest API call used.
  $('api-label').textContent = `7 ${journal?.api?.request.proof ? 'DPoP' : 'Bearer'} → account`;
  for (const step of STEPS) {
    const { status = 'idle', note = '' } = steps[step] ?? {};
    for (const el of document.querySelectorAll(`[data-step=${step}]`)) el.dataset.status = status;
    const li = document.querySelector(`#flow-steps li[data-step=${step}] .status`);
    li.textContent = { idle: '', active: '(under way)', done: `(done${note ? `: ${note}` : ''})`, failed: `(failed: ${note})` }[status];
    document.getElementById(`code-${step}`)?.classList.toggle('lit', status === 'active' || status === 'failed');
    if (step === 'dpop') {
      for (const id of ['code-dpop-nonce', 'code-dpop-type']) document.getElementById(id)?.classList.toggle('lit', status === 'active' || status === 'failed');
    }
  }
}

function renderJournal() {
  renderDiagram();
  const j = journal;
  $('journal-empty').hidden = Boolean(j);
  $('journal-attempt').hidden = !j;
  $('journal-attempt').textContent = j ? `${j.title} (started ${time(j.startedAt)})` : '';
  $('secure-context').textContent = window.isSecureContext
    ? 'yes'
    : 'no: crypto.subtle is unavailable here, and S256 still works (SHA-256 runs in Rust)';
  const signIn = Boolean(j && (j.authorize || j.callback || j.tokenRequest));
  $('journal-body').hidden = !signIn;
  $('journal-discover').hidden = !j?.discover;
  $('journal-refresh').hidden = !j?.refresh;
  $('journal-api').hidden = !j?.api;
  $('journal-revoke').hidden = !j?.revoke;
  if (!j) return;
  if (signIn) {
    const { pkce = {}, authorize = {}, callback, tokenRequest, tokenResponse, timings = {} } = j;
    setText('pkce-verifier', pkce.verifier ?? '(kept by the library)');
    setText('pkce-challenge', pkce.challenge ?? '');
    $('pkce-check').textContent = pkce.check ?? '';
    setText('authorize-endpoint', authorize.endpoint ?? '(not part of this attempt)');
    fillTable('authorize-params', authorize.params ?? []);
    fillTable('callback-params', callback?.params ?? []);
    setText('token-request-line', !tokenRequest ? 'not sent'
      : tokenRequest.vault ? `${tokenRequest.method} ${tokenRequest.url}: ${tokenRequest.vault}` : `${tokenRequest.method} ${tokenRequest.url}`);
    // The vault worker's request: not seen by this page, so no headers or body to show.
    $('token-request-headers').hidden = Boolean(tokenRequest?.vault);
    $('token-request-params').hidden = Boolean(tokenRequest?.vault);
    fillTable('token-request-headers', tokenRequest?.headers ?? []);
    fillTable('token-request-params', tokenRequest?.params ?? []);
    renderProof('token', tokenRequest);
    fillTable('token-response', tokenResponse ?? []);
    fillTable('timings', Object.entries(timings).map(([k, v]) => [k, `${Math.round(v)} ms`]));
  }
  if (j.discover) {
    fillTable('discover-tried', j.discover.tried ?? []);
    $('discover-result').textContent = j.discover.result ?? '';
  }
  if (j.refresh) {
    const r = j.refresh;
    $('refresh-summary').textContent = r.vault
      ? `At ${time(r.at)}, started by ${r.trigger}: sent by the vault worker; this page never held the refresh token. `
        + 'The worker read the answer and handed this page a new access token (below); whether the refresh token rotated, only the worker knows.'
      : `At ${time(r.at)}, started by ${r.trigger}: HTTP ${r.status} in ${Math.round(r.ms)} ms. `
      + (r.status !== 200 ? 'Refused.'
        : r.issued && r.issued !== r.sent
          ? `Refresh token rotated: sent #${r.sent}, received #${r.issued} (fingerprints); the server refuses the old one from now on.`
          : 'The server kept the refresh token (no rotation).');
    setText('refresh-request-line', `${r.request.method} ${r.request.url}${r.vault ? ': from the vault worker, not seen by this page' : ''}`);
    $('refresh-request-headers').hidden = Boolean(r.vault);
    $('refresh-request-params').hidden = Boolean(r.vault);
    fillTable('refresh-request-headers', r.request.headers ?? []);
    fillTable('refresh-request-params', r.request.params);
    renderProof('refresh', r.request);
    fillTable('refresh-response', r.response);
  }
  if (j.api) {
    setText('api-request-line', `${j.api.request.method} ${j.api.request.url}`);
    const rows = [...j.api.request.headers];
    // DPoP (RFC 9449): shown from the request itself, whose `dpop` header is in this table when
    // it has one; without one, this row says what that means.
    if (!rows.some(([name]) => name === 'dpop')) rows.push(['dpop', '(none: no DPoP proof, DPoP is off; the access token is a Bearer token, usable by whoever holds it)']);
    fillTable('api-request-headers', rows);
    renderProof('api', j.api.request);
    fillTable('api-response', j.api.response);
  }
  if (j.revoke) {
    $('revoke-summary').textContent = j.revoke.summary ?? '';
    // The vault worker's revocation requests are not seen by this page: no table of them.
    $('revoke-requests').hidden = Boolean(j.revoke.vault);
    fillTable('revoke-requests', j.revoke.requests ?? []);
  }
}

/** The decoded DPoP proof of a request (and the nonce demand before it), or nothing. */
function renderProof(prefix, request) {
  const proof = request?.proof;
  $(`${prefix}-dpop`).hidden = !proof;
  const challenge = $(`${prefix}-dpop-challenge`);
  const demand = request?.demand;
  challenge.hidden = !demand;
  challenge.replaceChildren(...(demand ? [
    `The server demanded a nonce (RFC 9449 §${demand.status === 400 ? 8 : 9}): the first request, whose proof carried `,
    ...(demand.sentNonce ? ['the nonce ', code(demand.sentNonce)] : ['no nonce']),
    `, was answered HTTP ${demand.status} use_dpop_nonce with DPoP-Nonce: `, code(demand.nonce),
    '. The library sent it once more with a new proof carrying that nonce: the proof below.',
  ] : []));
  fillTable(`${prefix}-dpop-proof`, proof?.rows ?? []);
}

/** The verifier in the library's stored transaction for `state` (shown for teaching only). */
function pendingVerifier(state) {
  const verifier = readStore(sessionStorage, TX_PREFIX + state)?.verifier;
  return typeof verifier === 'string' ? verifier : undefined;
}

// ---------- configs ----------
/** The endpoints of the embedded server's strict RFC 6749 side, through the library's discover(). */
async function localRfcMetadata({ quiet = false } = {}) {
  // The server publishes its metadata at its dialect's own path too; the issuer it names
  // depends on how the server was started (--host, --issuer), so read it there first, then let
  // discover() fetch and validate the document at the RFC 8414 location of that issuer.
  const response = await realFetch('/rfc/.well-known/oauth-authorization-server', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`the embedded server's metadata: HTTP ${response.status}`);
  const { issuer, userinfo_endpoint: userinfo } = await response.json();
  if (quiet) {
    unwatched += 1;
    try {
      return { found: await discover(issuer), userinfo };
    } finally {
      unwatched -= 1;
    }
  }
  markStep('discover', 'active');
  const found = await discover(issuer);
  markStep('discover', 'done', 'endpoints found');
  return { found, userinfo };
}

/** The library's ClientConfig for the chosen provider, and the API the page calls with it. */
async function buildConfig(settings, secrets, discovered) {
  const provider = settings.provider;
  const secret = secrets[`${provider}.clientSecret`] || undefined;
  let config;
  let api;
  if (provider === 'local' && settings['local.flavor'] === 'rfc') {
    const { found, userinfo } = discovered ?? await localRfcMetadata();
    if (journal) journal.discovered = { found, userinfo };
    config = { ...found, clientId: settings['local.clientId'], dialect: 'rfc6749', redirectUri: redirectUri(), scope: LOCAL_SCOPE };
    delete config.metadata;
    api = userinfo;
  } else if (provider === 'local') {
    config = ellipsis({
      clientId: settings['local.clientId'],
      redirectUri: redirectUri(),
      scope: LOCAL_SCOPE,
      baseUrl: `${location.origin}/v3`,
    });
    api = `${location.origin}/v3/account`;
  } else if (provider === 'ellipsis') {
    config = ellipsis({
      clientId: settings['ellipsis.clientId'],
      redirectUri: redirectUri(),
      scope: settings['ellipsis.scope'] || undefined,
      baseUrl: settings['ellipsis.baseUrl'] || undefined,
    });
    api = `${(settings['ellipsis.baseUrl'] || 'https://api.ellipsis-drive.com/v3').replace(/\/$/, '')}/account`;
  } else {
    config = {
      clientId: settings['custom.clientId'],
      authorizationEndpoint: settings['custom.authorizationEndpoint'],
      tokenEndpoint: settings['custom.tokenEndpoint'],
      revocationEndpoint: settings['custom.revocationEndpoint'] || undefined,
      issuer: settings['custom.issuer'] || undefined,
      authorizationResponseIssParameterSupported: settings['custom.issRequired'] === true,
      dialect: settings['custom.dialect'],
      redirectUri: redirectUri(),
      scope: settings['custom.scope'] || undefined,
    };
    api = settings['custom.apiUrl'] || '';
  }
  config = { ...config, storageKeyPrefix: TX_PREFIX, cleanUrl: settings.cleanUrl !== false };
  if (settings.dpop === true && dpopOffered(settings)) config.dpop = true;
  if (secret) config.clientSecret = secret;
  if (settings.encoding) config.tokenRequestEncoding = settings.encoding;
  if (settings.clientAuth) config.clientAuth = settings.clientAuth;
  endpoints = { token: config.tokenEndpoint, revocation: config.revocationEndpoint, api };
  return { config, api };
}

// The strict RFC server's endpoints, found once in the background for the popup button:
// loginWithPopup must open its window in the click itself, before anything is awaited.
let popupDiscovery = null;
function prepareForPopup() {
  const { settings } = readSettings();
  if (settings.provider === 'local' && settings['local.flavor'] === 'rfc' && !popupDiscovery) {
    popupDiscovery = localRfcMetadata({ quiet: true }).catch(() => null);
  }
}

// ---------- errors ----------
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

/** A failure of a sign-in step: next to its field when it is about one, else the error panel. */
function failSignIn(error, settings, step) {
  const field = error instanceof FieldError ? error : asFieldError(error, settings.provider);
  if (field) {
    journal = null; // nothing was started: the panel stays empty
    writeStore(sessionStorage, JOURNAL_KEY, null);
    renderJournal();
    showFieldError(field, settings.provider);
    return;
  }
  if (step) markStep(step, 'failed', error?.code ?? error?.message ?? 'error');
  showError(error);
}

// ---------- the session ----------
function renderTokens() {
  clearInterval(countdown);
  const tokens = session?.getTokens() ?? null;
  $('tokens').hidden = !tokens;
  $('vault-note').hidden = !(tokens && inVault);
  $('session-note').hidden = Boolean(tokens && inVault);
  if (!tokens) {
    for (const id of ['access-token', 'token-type', 'token-key', 'token-scope', 'token-expiry', 'next-refresh', 'refresh-token', 'token-app-state', 'api-url']) {
      $(id).textContent = '';
    }
    return;
  }
  $('access-token').replaceChildren(revealed ? breakable(tokens.accessToken) : maskToken(tokens.accessToken));
  $('reveal-token').setAttribute('aria-pressed', String(revealed));
  $('reveal-token').textContent = revealed ? 'Hide' : 'Reveal';
  $('token-type').textContent = tokens.tokenType;
  $('token-key').textContent = {
    stored: 'yes (DPoP): to a key kept in this browser\'s IndexedDB, whose private half cannot be read out',
    page: 'yes (DPoP): to a key that lives as long as this page (this browser gave it no IndexedDB)',
  }[tokens.dpopKey] ?? 'no: a Bearer token, usable by whoever holds it';
  $('token-scope').textContent = tokens.scope ?? '(not returned: as requested)';
  // What session.getTokens() really holds: with the vault, no refreshToken (the worker keeps it).
  $('refresh-token').textContent = tokens.refreshToken ? `present: ${maskToken(tokens.refreshToken)}`
    : inVault ? `held by the vault worker, not by this page: session.getTokens() has no refreshToken (its members: ${Object.keys(tokens).join(', ')})`
      : 'absent';
  $('token-app-state').textContent = tokens.appState ?? '—';
  $('refresh-count').textContent = String(journal?.refreshes ?? 0);
  setText('api-url', apiUrl ? `GET ${apiUrl}` : 'none set (Custom: “API to call”)');
  $('call-api').disabled = !apiUrl;
  // The page cannot tell whether the vault's worker has a refresh token; the worker answers.
  const refreshable = Boolean(tokens.refreshToken) || inVault;
  $('refresh-now').disabled = !refreshable;
  const expiry = $('token-expiry');
  const next = $('next-refresh');
  const expiresAt = tokens.expiresAt;
  if (expiresAt === undefined) {
    expiry.textContent = 'not stated by the server';
    next.textContent = 'none: the expiry is unknown (use “Refresh now” when the API refuses the token)';
    return;
  }
  expiry.dataset.expiresAt = String(expiresAt);
  const refreshAt = expiresAt - SKEW_SECONDS * 1000;
  const tick = () => {
    const left = Math.round((expiresAt - Date.now()) / 1000);
    expiry.textContent = left > 0
      ? `in ${Math.floor(left / 60)} min ${left % 60} s (${time(expiresAt)})`
      : 'expired';
    const due = Math.max(0, Math.round((refreshAt - Date.now()) / 1000));
    next.textContent = refreshable
      ? `in ${due} s (${time(refreshAt)}, ${SKEW_SECONDS} s before expiry${inVault ? ', in the vault worker' : ''})`
      : 'none: no refresh token';
  };
  tick();
  countdown = setInterval(tick, 1000);
}

/** Asks the session for a token when it is due to be refreshed, which refreshes it. */
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const tokens = session?.getTokens();
  if (!(tokens?.refreshToken || (tokens && inVault)) || tokens.expiresAt === undefined) return;
  // At least 5 s apart, so a server whose tokens live shorter than the skew is not hammered.
  const delay = Math.max(5000, tokens.expiresAt - SKEW_SECONDS * 1000 - Date.now());
  refreshTimer = setTimeout(() => refreshSession('the timer (automatic, before expiry)', false), Math.min(delay, 2147483647));
}

/** The attempt the session's steps go into: a new one when the panel was cleared meanwhile. */
function sessionJournal() {
  return journal ?? newAttempt('session', 'The session');
}

async function refreshSession(trigger, force) {
  if (!session) return;
  const journal = sessionJournal();
  journal.refreshTrigger = trigger;
  const before = journal.refreshes ?? 0;
  try {
    await session.getAccessToken({ forceRefresh: force });
    $('session-result').textContent = (journal.refreshes ?? 0) <= before ? 'The access token is still fresh: nothing was sent.'
      : inVault ? `Refreshed by ${trigger}, in the vault worker: this page got a new access token, and no refresh token.`
        : `Refreshed by ${trigger}: a new access token and a new refresh token.`;
  } catch (error) {
    // onSignedOut / onError show it too.
    if (journal.steps.refresh?.status !== 'failed') markStep('refresh', 'failed', error?.code ?? 'error');
    $('session-result').textContent = `The refresh failed: ${error?.code ?? ''} ${error?.message ?? error}`;
  }
  renderTokens();
  scheduleRefresh();
}

/**
 * Starts showing a session: `vault`, a vault session that already holds `tokens` (it exchanged
 * the code), or else a new session in this page made with them.
 */
function startSession(config, tokens, api, vault = null) {
  session?.close();
  session = vault ?? createSession(config, { tokens, skewSeconds: SKEW_SECONDS });
  inVault = Boolean(vault);
  lastAccessToken = tokens.accessToken;
  sessionConfig = config;
  apiUrl = api;
  endpoints = { token: config.tokenEndpoint, revocation: config.revocationEndpoint, api };
  session.onChange((now) => {
    // The vault's refreshes are the worker's requests, which this page cannot see: a new access
    // token from the worker is how the page learns that one happened.
    if (inVault && now && now.accessToken !== lastAccessToken) vaultRefreshed(now);
    lastAccessToken = now?.accessToken ?? null;
    renderTokens();
    scheduleRefresh(); // new tokens (a refresh, whoever asked for it): a new due time
  });
  session.onError((error) => {
    $('session-result').textContent = `The session reported ${error.code}: ${error.message}`;
  });
  session.onSignedOut((reason) => {
    if (!reason) return; // signOut(): handled there
    clearTimeout(refreshTimer);
    renderTokens();
    showError(reason);
    // not_signed_in: no server answered; the session had no refresh token to use (with the
    // vault, the page cannot know beforehand whether the worker holds one).
    setState('error', reason.code === 'not_signed_in'
      ? 'Signed out: the session had no refresh token to get a new access token with (not_signed_in). Sign in again.'
      : `Signed out by the server's answer: ${reason.code}${reason.error ? ` (${reason.error})` : ''}. Sign in again.`);
  });
  revealed = false;
  renderTokens();
  scheduleRefresh();
  setState('signed-in', 'Signed in.');
}

// ---------- the vault: the session in the package's module Worker ----------

/**
 * The code exchange with the vault (entry oauth-spa/dpop), as an app writes it: the session is
 * made first, and its worker sends the token request and keeps the refresh token.
 */
async function vaultCallback(config) {
  // Memory storage (the default): the refresh token is in the worker's memory only.
  const vault = createSession(config, { vault: 'worker', skewSeconds: SKEW_SECONDS });
  try {
    // Here: the checks (state, expiry, iss; the pending login is in this page's sessionStorage).
    // In the worker: the token request (with a DPoP proof when config.dpop), and the TokenSet.
    const tokens = await vault.handleCallback(); // location.href; no tokens.refreshToken
    return { vault, tokens }; // vault.getAccessToken(), .fetch(), .signOut() ask the worker
  } catch (error) {
    vault.close(); // ends the worker
    throw error;
  }
}

/** A vault session for the popup sign-in (its loginWithPopup opens the window at once). */
function createVault(config) {
  return createSession(config, { vault: 'worker', skewSeconds: SKEW_SECONDS });
}

// Errors that come from the token endpoint's answer (or its absence): the request was sent.
const SENT_CODES = new Set(['network_error', 'timeout', 'token_error', 'http_error', 'invalid_token_response',
  'unsupported_token_type', 'dpop_error']);

/** A TokenSet as the vault handed it to this page (tokens masked), refresh token or not. */
function vaultTokenRows(tokens) {
  const rows = [['(answer)', 'read by the vault worker, which handed this page the TokenSet below']];
  rows.push(['accessToken', maskToken(tokens.accessToken)], ['tokenType', String(tokens.tokenType)]);
  if (typeof tokens.expiresAt === 'number') rows.push(['expiresAt', time(tokens.expiresAt)]);
  if (tokens.scope !== undefined) rows.push(['scope', String(tokens.scope)]);
  rows.push(['refreshToken', 'refreshToken' in tokens ? `in this page: ${maskToken(tokens.refreshToken)}`
    : 'not in the TokenSet this page got: the vault worker keeps it']);
  rows.push(['raw: its members', Object.keys(tokens.raw ?? {}).join(', ') || '(none)']);
  return rows;
}

/** The code exchange the vault worker sent (tokens: its result) or that failed (error). */
function vaultTokenRequest(config, tokens, error) {
  if (error && !SENT_CODES.has(error.code)) return; // refused by the checks here: nothing sent
  journal.tokenRequest = {
    vault: tokens ? 'sent by the vault worker; this page never held the refresh token (nor sees the worker\'s requests)'
      : 'sent by the vault worker, whose answer was the error shown above',
    method: 'POST', url: config.tokenEndpoint, headers: [], params: [],
  };
  journal.tokenResponse = tokens ? vaultTokenRows(tokens)
    : [['(answer)', `read by the vault worker: ${error.code}${error.status ? ` (HTTP ${error.status})` : ''}`]];
  if (!tokens) return;
  markStep('token', 'done', 'tokens received by the vault worker');
  // A proof went with it: the library takes no other token type after one (dpop_error).
  if (config.dpop && /^dpop$/i.test(tokens.tokenType)) markStep('dpop', 'done', 'the token request\'s proof was signed and sent by the vault worker');
}

/** A new access token from the vault worker: it refreshed (a request this page cannot see). */
function vaultRefreshed(tokens) {
  const j = sessionJournal();
  j.refresh = {
    vault: true,
    trigger: j.refreshTrigger ?? 'the session',
    at: Date.now(),
    request: { method: 'POST', url: sessionConfig?.tokenEndpoint ?? '', headers: [], params: [] },
    response: vaultTokenRows(tokens),
    status: 200,
  };
  delete j.refreshTrigger;
  j.refreshes = (j.refreshes ?? 0) + 1;
  j.steps.refresh = { status: 'done', note: `${j.refreshes} so far, the latest by ${j.refresh.trigger}, sent by the vault worker` };
  saveJournal();
}

async function callApi() {
  if (!session || !apiUrl) return;
  $('session-result').textContent = '';
  sessionJournal().refreshTrigger = '“Call the API” (the token was due)';
  try {
    // session.fetch adds the access token (valid for at least SKEW_SECONDS) as `Bearer`, or
    // with DPoP as `DPoP` plus a proof with its `ath`; it sends once more with the server's
    // nonce when asked (RFC 9449 §9), and once more after a forced refresh on another 401.
    const response = await session.fetch(apiUrl);
    const ok = response.ok;
    $('session-result').textContent = ok ? `The API answered ${response.status}.` : `The API refused the token: HTTP ${response.status}.`;
  } catch (error) {
    markStep('api', 'failed', error?.code ?? error?.message);
    $('session-result').textContent = `The API call failed: ${error?.code ?? ''} ${error?.message ?? error}`;
  }
  renderTokens();
}

async function signOut() {
  clearTimeout(refreshTimer);
  clearError();
  const had = session;
  const revocation = sessionConfig?.revocationEndpoint;
  const vault = inVault;
  // The sign-out is an attempt of its own: the panel now shows it alone.
  newAttempt('signout', 'Sign-out');
  journal.revoke = { requests: [], summary: revocation ? 'Revoking…' : '', vault };
  const failures = []; // with the vault: what the worker reported (its requests are not seen here)
  if (had) {
    markStep('revoke', 'active');
    const unsubscribe = had.onError((error) => failures.push(error));
    await had.signOut(); // clears at once, then revokes refresh and access token (RFC 7009)
    unsubscribe();
    had.close();
  }
  inVault = false;
  session = null;
  sessionConfig = null;
  revealed = false;
  renderTokens();
  for (let i = sessionStorage.length - 1; i >= 0; i -= 1) {
    const key = sessionStorage.key(i);
    if (key?.startsWith(TX_PREFIX) || key?.startsWith(ATTEMPT_PREFIX)) sessionStorage.removeItem(key);
  }
  const answers = vault ? failures.map((e) => `${e.code}${e.status ? ` (HTTP ${e.status})` : ''}`)
    : journal.revoke.requests.map(([, a]) => a);
  const allOk = vault ? Boolean(had) && failures.length === 0 : answers.length > 0 && answers.every((a) => a === 'HTTP 200');
  journal.revoke.summary = !revocation
    ? `This server has no revocation endpoint (the Ellipsis dialect has none): the tokens were forgotten ${vault ? 'by the vault worker and this page' : 'here'} and stay valid at the server until they expire.`
    : vault && allOk ? `The vault worker revoked both tokens at ${revocation} (RFC 7009), the refresh token first, then the access token: `
      + 'it sent the requests, so this page cannot show them; session.signOut() resolved and the worker reported no error.'
      : vault ? `Revocation at ${revocation}, sent by the vault worker, failed: ${answers.join(', ')}; the session was cleared anyway.`
        : allOk ? `Both tokens revoked at ${revocation} (RFC 7009): the refresh token first, then the access token.`
          : `Revocation at ${revocation} did not succeed for every token (${answers.join(', ') || 'no answer'}); the tokens were forgotten here anyway.`;
  markStep('revoke', revocation ? (allOk ? 'done' : 'failed') : 'done', revocation
    ? (allOk ? `both tokens revoked${vault ? ' by the vault worker' : ''}` : answers.join(', ')) : 'no revocation endpoint');
  setState('ready', `Signed out. ${revocation ? (allOk ? `Both tokens were revoked${vault ? ' by the vault worker' : ''}.` : 'Revocation failed; see below.') : 'No revocation endpoint: the tokens were only forgotten.'} Pending sign-ins are cleared.`);
  $('sign-in').focus();
}

// ---------- the sign-in flows ----------
function beginSignIn(kind, title) {
  clearError();
  clearFieldErrors();
  saveSettings();
  const { settings, secrets } = readSettings();
  checkRequired(settings);
  newAttempt(kind, title);
  journal.settings = settings;
  return { settings, secrets };
}

function describeAuthorize(url, startLoginMs) {
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
  journal.state = state;
  journal.pkce = { verifier, challenge, check };
  journal.authorize = { endpoint: authorize.origin + authorize.pathname, params: [...authorize.searchParams] };
  if (startLoginMs !== undefined) journal.timings['startLogin (verifier, state, SHA-256, storage)'] = startLoginMs;
}

async function signIn(event) {
  event.preventDefault();
  let settings = readSettings().settings;
  try {
    const begun = beginSignIn('redirect', 'Sign-in through a redirect');
    settings = begun.settings;
    const { config } = await buildConfig(settings, begun.secrets);
    // With DPoP, the key is loaded first, so that startLogin (synchronous) binds the code to
    // it: dpop_jkt in the authorization request (RFC 9449 §10).
    if (config.dpop) await prepareDpop(config);
    const t0 = performance.now();
    const url = startLogin(config, { appState: location.hash || '/' });
    describeAuthorize(url, performance.now() - t0);
    journal.leftAt = Date.now();
    journal.phase = 'redirecting';
    markStep('authorize', 'active');
    writeStore(sessionStorage, ATTEMPT_PREFIX + journal.state, journal);
    setState('redirecting', 'Redirecting to the authorization server…');
    location.assign(url);
  } catch (error) {
    failSignIn(error, settings, 'authorize');
  }
}

async function signInWithPopup() {
  let settings = readSettings().settings;
  let begun;
  try {
    begun = beginSignIn('popup', 'Sign-in in a popup');
    settings = begun.settings;
  } catch (error) {
    failSignIn(error, settings);
    return;
  }
  // loginWithPopup must open its window inside this click, before anything is awaited that
  // could outlast the click's user activation: the strict RFC server's endpoints were found
  // when it was selected (prepareForPopup), so this await is of a settled promise.
  let built;
  try {
    const discovered = settings.provider === 'local' && settings['local.flavor'] === 'rfc'
      ? await (popupDiscovery ?? localRfcMetadata()) ?? undefined : undefined;
    built = await buildConfig(settings, begun.secrets, discovered);
    if (discovered) markStep('discover', 'done', 'found when this server was selected');
  } catch (error) {
    failSignIn(error, settings, 'discover');
    return;
  }
  const { config, api } = built;
  endpoints = { token: config.tokenEndpoint, revocation: config.revocationEndpoint, api };
  // The popup's address is the authorization URL startLogin builds inside loginWithPopup; the
  // page watches window.open once to show it.
  const open = window.open;
  let popup = null;
  window.open = function watchedOpen(url, ...rest) {
    window.open = open;
    describeAuthorize(url);
    popup = open.call(window, url, ...rest);
    return popup;
  };
  const onMessage = (event) => {
    if (event.source === popup && event.origin === location.origin && typeof event.data?.url === 'string') {
      journal.callback = { params: callbackParams(event.data.url).map(([k, v]) => [k, MASKED.has(k) ? mask(v) : v]) };
      markStep('consent', 'done');
      markStep('callback', 'active');
    }
  };
  window.addEventListener('message', onMessage);
  const t0 = performance.now();
  let tokens;
  // With the vault: the session first, whose loginWithPopup opens the window here and has its
  // worker send the token request.
  const vault = settings.vault === true ? createVault(config) : null;
  try {
    markStep('authorize', 'active');
    const pending = vault ? vault.loginWithPopup({ appState: 'popup' }) : loginWithPopup(config, { appState: 'popup' });
    window.open = open;
    markStep('authorize', 'done', 'in a popup');
    markStep('consent', 'active');
    setState('popup', 'Waiting for the popup: sign in there.');
    tokens = await pending;
  } catch (error) {
    window.open = open;
    window.removeEventListener('message', onMessage);
    journal.timings[`${vault ? 'session.' : ''}loginWithPopup (until the error)`] = performance.now() - t0;
    if (vault) {
      vaultTokenRequest(config, null, error);
      vault.close();
    }
    const step = ['popup_blocked'].includes(error?.code) ? 'authorize'
      : ['popup_closed', 'timeout'].includes(error?.code) ? 'consent'
        : journal.tokenRequest ? 'token' : 'callback';
    failSignIn(error, settings, step);
    return;
  }
  window.removeEventListener('message', onMessage);
  journal.timings[`${vault ? 'session.' : ''}loginWithPopup (popup, checks, token request)`] = performance.now() - t0;
  markStep('callback', 'done', 'state, iss');
  if (vault) vaultTokenRequest(config, tokens);
  else markStep('token', 'done', 'tokens received');
  journal.phase = 'signed-in';
  saveJournal();
  startSession(config, tokens, api, vault);
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
  delete journal.tokenRequest;
  delete journal.tokenResponse;
  // Settings of the sign-in that started this flow (they may have been changed since).
  const settings = journal.settings ?? readSettings().settings;
  const secrets = readStore(sessionStorage, SECRETS_KEY) ?? {};
  setState('exchanging', 'Exchanging the code for tokens…');
  markStep('callback', 'active');
  const t0 = performance.now();
  try {
    const { config, api } = await buildConfig(settings, secrets, journal.discovered);
    if (settings.vault === true) {
      const { vault, tokens } = await vaultCallback(config).catch((error) => {
        vaultTokenRequest(config, null, error);
        throw error;
      });
      journal.timings['session.handleCallback (checks here, request in the vault worker)'] = performance.now() - t0;
      markStep('callback', 'done', journal.callback?.params.some(([k]) => k === 'iss') ? 'state, iss' : 'state');
      vaultTokenRequest(config, tokens);
      journal.phase = 'signed-in';
      saveJournal();
      startSession(config, tokens, api, vault);
      return;
    }
    // No URL argument: the library reads location.href and cleans the address bar itself.
    const tokens = await handleCallback(config);
    journal.timings['handleCallback (checks, request, validation)'] = performance.now() - t0;
    markStep('callback', 'done', journal.callback?.params.some(([k]) => k === 'iss') ? 'state, iss' : 'state');
    markStep('token', 'done', 'tokens received');
    journal.phase = 'signed-in';
    saveJournal();
    startSession(config, tokens, api); // createSession(config, { tokens })
  } catch (error) {
    journal.timings[`${settings.vault === true ? 'session.' : ''}handleCallback (until the error)`] = performance.now() - t0;
    journal.phase = 'failed';
    failSignIn(error, settings, journal.tokenRequest ? 'token' : 'callback');
  } finally {
    // The attempt waits for its response only while the library still holds its login.
    if (journal.state && sessionStorage.getItem(TX_PREFIX + journal.state) === null) {
      writeStore(sessionStorage, ATTEMPT_PREFIX + journal.state, null);
    }
  }
}

function onCallback(settings, initMs) {
  const href = location.href;
  const params = callbackParams(href);
  const state = params.find(([k]) => k === 'state')?.[1];
  // The attempt that sent the browser away with this state, if this tab is waiting for it;
  // anything else (a replay, a forged or foreign link) is an attempt of its own.
  const waiting = state ? readStore(sessionStorage, ATTEMPT_PREFIX + state) : null;
  if (waiting) {
    journal = waiting;
    journal.timings['at the authorization server (redirect to redirect back)'] = Date.now() - journal.leftAt;
    markStep('authorize', 'done');
    markStep('consent', 'done', params.some(([k]) => k === 'error') ? 'refused' : 'allowed');
  } else {
    newAttempt('callback', 'A response this tab was not waiting for (already used by a reload or the back button, forged, or from another tab)');
    journal.settings = settings;
  }
  journal.timings['wasm init on return'] = initMs;
  journal.phase = 'callback';
  journal.callback = { params: params.map(([k, v]) => [k, MASKED.has(k) ? mask(v) : v]) };
  saveJournal();
  if (settings.autoExchange === false) {
    setState('callback', 'The server redirected back. Press “Exchange” to send the token request.');
    $('callback-panel').hidden = false;
    $('exchange').onclick = () => exchange();
    $('exchange').focus();
    return;
  }
  return exchange();
}

/** After a reload (no response in the address bar): say truthfully what became of the last attempt. */
function afterReload() {
  const last = readStore(sessionStorage, JOURNAL_KEY);
  if (last?.phase === 'signed-in') {
    writeStore(sessionStorage, JOURNAL_KEY, null);
    const where = last.settings?.vault === true ? 'in the vault worker\'s memory only (the worker ended with the page)' : 'in this page\'s memory only';
    setState('ready', `The page was reloaded, so it is signed out: the last sign-in's tokens lived ${where}. `
      + 'They were not revoked (the page no longer holds them) and expire at the server on their own.');
    return;
  }
  if (last?.phase === 'redirecting' && readStore(sessionStorage, ATTEMPT_PREFIX + last.state)) {
    journal = last;
    journal.title = `${last.title}: left for the authorization server and has not come back (Back button, or the page was closed)`;
    renderJournal();
    setState('ready', 'A sign-in is still pending: its login stays stored until it expires. Sign in again to start over.');
    return;
  }
  writeStore(sessionStorage, JOURNAL_KEY, null);
  setState('ready', 'Ready. Pick a server and sign in.');
}

// ---------- discovery for Custom ----------
async function fillFromMetadata() {
  const result = $('custom-discover-result');
  clearFieldErrors();
  clearError();
  const issuer = $('custom-issuer').value.trim();
  if (!issuer) {
    showFieldError(new FieldError('issuer', 'Issuer is empty: enter the issuer, e.g. https://id.example.'), 'custom');
    return;
  }
  newAttempt('discover', `Discovery: discover("${issuer}")`);
  journal.discover = { tried: [] };
  markStep('discover', 'active');
  result.textContent = 'Fetching metadata…';
  try {
    const found = await discover(issuer);
    $('custom-issuer').value = found.issuer;
    $('custom-authorization-endpoint').value = found.authorizationEndpoint;
    $('custom-token-endpoint').value = found.tokenEndpoint;
    $('custom-revocation-endpoint').value = found.revocationEndpoint ?? '';
    $('custom-api-url').value = typeof found.metadata?.userinfo_endpoint === 'string' ? found.metadata.userinfo_endpoint : '';
    $('custom-iss-required').checked = found.authorizationResponseIssParameterSupported === true;
    $('custom-dialect').value = 'rfc6749';
    saveSettings();
    const s256 = (found.metadata?.code_challenge_methods_supported ?? []).includes('S256');
    const from = journal.discover.tried.at(-1)?.[0] ?? issuer;
    journal.discover.result = `Filled in from ${from}: the issuer matches, the endpoints are https or loopback.${s256 ? ' The server supports PKCE S256.' : ''}${found.revocationEndpoint ? ' It has a revocation endpoint.' : ' It has no revocation endpoint.'}`;
    markStep('discover', 'done', 'endpoints found');
    result.textContent = journal.discover.result;
  } catch (error) {
    const field = asFieldError(error, 'custom');
    if (field) {
      journal = null;
      writeStore(sessionStorage, JOURNAL_KEY, null);
      renderJournal();
      result.textContent = '';
      showFieldError(field, 'custom');
      return;
    }
    journal.discover.result = `Discovery failed: ${error.code ?? ''} ${error.message}`;
    markStep('discover', 'failed', error?.code ?? 'error');
    result.textContent = journal.discover.result;
  }
}

// ---------- library code ----------
const CODE_TITLES = {
  discover: 'Step 1: the metadata document is trusted only for the issuer asked for',
  authorize: 'Step 2: verifier, challenge and state',
  callback: 'Step 4: the callback checks; the pending login is consumed before anything is sent',
  token: 'Step 5: the token request in the config\'s dialect',
  refresh: 'Step 6: the refresh request',
  api: 'Step 7: what getAccessToken() does before handing out a token',
  revoke: 'Step 8: the revocation request',
  popup: 'Popup: the response must answer the login that opened the window',
  pkce: 'PKCE: the S256 challenge',
  dpop: 'DPoP: the proof\'s header and claims (the browser\'s WebCrypto signs them)',
  'dpop-nonce': 'DPoP: when a request is sent once more with the server\'s nonce',
  'dpop-type': 'DPoP: a token response after a proof must say token_type DPoP',
  vault: 'The vault: the code an app writes (this page\'s own) for a session whose worker holds the refresh token',
  'vault-worker': 'The vault: the worker hands the page no refresh token',
};

function renderSnippets() {
  $('code-list').replaceChildren(...Object.entries(SNIPPETS).map(([step, s]) => {
    const article = document.createElement('article');
    article.className = 'snippet';
    article.id = `code-${step}`;
    article.tabIndex = -1;
    const h = document.createElement('h3');
    h.textContent = CODE_TITLES[step] ?? step;
    const where = document.createElement('p');
    where.className = 'hint';
    where.innerHTML = '<code></code>, lines ';
    where.firstChild.textContent = `${s.file}: ${s.fn}`;
    where.append(s.lines);
    const pre = document.createElement('pre');
    const code = document.createElement('code');
    code.textContent = s.code;
    pre.append(code);
    article.append(h, where, pre);
    return article;
  }));
}

// ---------- start ----------
async function main() {
  $('redirect-uri').textContent = redirectUri();
  $('skew-note').textContent = `${SKEW_SECONDS} s`;
  renderSnippets();
  const saved = readStore(localStorage, SETTINGS_KEY);
  applySettings(saved ?? {}, readStore(sessionStorage, SECRETS_KEY) ?? {});
  const { settings } = readSettings();
  showProviderPanel(settings);
  form.addEventListener('change', () => {
    saveSettings();
    prepareForPopup();
  });
  form.addEventListener('input', (event) => {
    saveSettings();
    if (event.target.getAttribute('aria-invalid') === 'true') clearFieldErrors();
  });
  form.addEventListener('submit', signIn);
  $('sign-in-popup').addEventListener('click', signInWithPopup);
  $('reset-settings').addEventListener('click', () => {
    form.reset();
    clearFieldErrors();
    writeStore(sessionStorage, SECRETS_KEY, null);
    saveSettings();
  });
  $('sign-out').addEventListener('click', signOut);
  $('refresh-now').addEventListener('click', () => refreshSession('“Refresh now”', true));
  $('call-api').addEventListener('click', callApi);
  $('custom-discover').addEventListener('click', fillFromMetadata);
  $('dismiss-error').addEventListener('click', () => {
    clearError();
    setState(session?.getTokens() ? 'signed-in' : 'ready', '');
  });
  $('reveal-token').addEventListener('click', () => {
    revealed = !revealed;
    renderTokens();
  });

  const t0 = performance.now();
  try {
    const pkg = await import('/pkg/oauth_spa_dpop.js');
    ({ computeCodeChallenge, ellipsis, startLogin, handleCallback, createSession, loginWithPopup,
      popupCallback, discover, prepareDpop } = pkg);
    await pkg.default();
  } catch (error) {
    const why = `The oauth-spa package failed to load from /pkg/ (is it built? npm start builds it): ${error?.message ?? error}`;
    showError({ name: 'Package not loaded', message: why });
    setState('error', why);
    return;
  }
  const initMs = performance.now() - t0;
  // In the sign-in popup: hand the response to the page that opened it (which checks and
  // exchanges it), and close.
  if (popupCallback()) {
    setState('popup', 'Handed the response to the page that opened this window.');
    return;
  }
  $('sign-in').disabled = false;
  $('sign-in-popup').disabled = false;
  prepareForPopup();

  // Attempts whose pending login the library no longer holds (used, or swept when expired)
  // wait for nothing.
  for (let i = sessionStorage.length - 1; i >= 0; i -= 1) {
    const key = sessionStorage.key(i);
    if (key?.startsWith(ATTEMPT_PREFIX) && sessionStorage.getItem(TX_PREFIX + key.slice(ATTEMPT_PREFIX.length)) === null) {
      sessionStorage.removeItem(key);
    }
  }
  const names = new Set(callbackParams(location.href).map(([k]) => k));
  if (['code', 'state', 'error'].some((k) => names.has(k))) {
    await onCallback(settings, initMs);
  } else {
    afterReload();
  }
}

main();
