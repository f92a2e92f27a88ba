// A token endpoint for the browser tests: real HTTP on 127.0.0.1, with CORS, that answers
// well or badly on purpose depending on the path, and logs what it received.
//
//   POST /t/<run>/<mode>   a token request; <run> groups requests of one test
//   GET  /log/<run>        JSON array of the POSTs received for <run>
//
// Modes: ok, echo (ok + what was received), bearer-lowercase, expires-string, no-token-type,
// rfc-error-400, rfc-error-401, rfc-error-200, ellipsis-error, html-502, invalid-json,
// no-access-token, mac, slow (answers after 3 s), same-access (ok, always access token "at-same"),
// same-set (access token "at-same", the refresh token sent, no expires_in: nothing changes).
// Usage: node tests/support/token-server.mjs [port]   (prints "token-server http://127.0.0.1:PORT")
import http from 'node:http';
import { createHash } from 'node:crypto';

const logs = new Map();
const s256 = (v) => createHash('sha256').update(v, 'ascii').digest('base64url');

function parseBody(type, text) {
  if ((type || '').startsWith('application/json')) {
    try { return JSON.parse(text); } catch { return { _unparsable: text }; }
  }
  const out = {};
  for (const [k, v] of new URLSearchParams(text)) {
    out[k] = k in out ? [].concat(out[k], v) : v;
  }
  return out;
}

const token = (extra = {}) => ({
  access_token: 'at-' + Math.random().toString(36).slice(2),
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: 'rt-' + Math.random().toString(36).slice(2),
  scope: 'projects',
  ...extra,
});

const server = http.createServer((req, res) => {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type, accept');
  res.setHeader('Access-Control-Allow-Methods', 'POST, GET');
  res.setHeader('Cache-Control', 'no-store');
  if (req.method === 'OPTIONS') { res.writeHead(204); return res.end(); }
  const [, kind, run, mode] = req.url.split('?')[0].split('/');
  if (req.method === 'GET' && kind === 'log') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify(logs.get(run) || []));
  }
  if (req.method !== 'POST' || kind !== 't') { res.writeHead(404); return res.end('not found'); }
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (c) => { text += c; });
  req.on('end', () => {
    const body = parseBody(req.headers['content-type'], text);
    const received = {
      contentType: req.headers['content-type'] || null,
      accept: req.headers.accept || null,
      authorization: req.headers.authorization || null,
      body,
      verifierS256: typeof body.code_verifier === 'string' ? s256(body.code_verifier) : null,
    };
    if (!logs.has(run)) logs.set(run, []);
    logs.get(run).push(received);
    const json = (status, obj) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    switch (mode) {
      case 'ok': return json(200, token());
      case 'same-access': return json(200, token({ access_token: 'at-same' }));
      case 'same-set': return json(200, { access_token: 'at-same', token_type: 'Bearer', refresh_token: body.refresh_token });
      case 'echo': return json(200, token({ received }));
      case 'bearer-lowercase': return json(200, token({ token_type: 'bearer' }));
      case 'expires-string': return json(200, token({ expires_in: '120' }));
      case 'no-token-type': { const t = token(); delete t.token_type; return json(200, t); }
      case 'rfc-error-400': return json(400, { error: 'invalid_grant', error_description: 'The authorization code has expired.' });
      case 'rfc-error-401': return json(401, { error: 'invalid_client', error_description: 'Client authentication failed.' });
      case 'rfc-error-200': return json(200, { error: 'bad_verification_code', error_description: 'The code is wrong.' });
      case 'ellipsis-error': return json(400, { message: 'Invalid authorization code.' });
      case 'html-502':
        res.writeHead(502, { 'Content-Type': 'text/html' });
        return res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      case 'invalid-json':
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end('{"access_token": "at-x", ');
      case 'no-access-token': return json(200, { token_type: 'Bearer', expires_in: 3600 });
      case 'mac': return json(200, token({ token_type: 'mac' }));
      case 'slow': return setTimeout(() => json(200, token()), 3000);
      default: return json(404, { detail: 'unknown mode' });
    }
  });
});

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log(`token-server http://127.0.0.1:${server.address().port}`);
});
