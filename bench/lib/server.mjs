// Two tiny HTTP servers on 127.0.0.1 (loopback only):
// - the page origin: static files (the release pkg/, bench/dist, bench/pages), cross-origin isolated
//   (COOP + COEP) so performance.now() has its fine resolution. With `{ deploy: true }` it serves
//   as a production static host does: text files gzip-encoded (gzip -9, made once per file, as
//   precompressed `.gz` files are served), a strong ETag on every file, and the cache policy of a
//   site whose asset URLs carry a content hash: under the `immutable` prefixes
//   `Cache-Control: public, max-age=31536000, immutable` (a repeat visit does not ask again),
//   everything else (the HTML) `no-cache` (a repeat visit revalidates it: 304 Not Modified).
//   `/calib/<n>` answers n random (incompressible) bytes, never cached: the bench's check that
//   the network emulation really throttles.
// - the token origin: a token endpoint answering an RFC 6749 §5.1 response with CORS, so the
//   browser sends a real cross-origin request as it would to an authorization server.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import zlib from 'node:zlib';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

// The same JSON body for every successful token request (RFC 6749 §5.1).
export const TOKEN_RESPONSE = JSON.stringify({
  access_token: 'bench-access-token-2YotnFZFEjr1zCsicMWpAA',
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: 'bench-refresh-token-tGzv3JOkF0XG5Qx2TlKWIA',
  scope: 'read write',
});

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.json', '.wasm', '.css', '.svg']);

/**
 * mounts: { '/pkg/': '/abs/dir', ... }
 * options: { deploy: false, immutable: ['/v/'] } (see the top of this file)
 */
export async function startServers(mounts, { deploy = false, immutable = [] } = {}) {
  const stats = { tokenRequests: 0, badTokenRequests: 0, lastBadReason: '', preflights: 0, pageRequests: 0, notModified: 0 };
  let pageOrigin = '';
  const encoded = new Map(); // file -> { body, gzip, etag }: made once, as precompressed files are

  const pages = http.createServer((req, res) => {
    stats.pageRequests++;
    const url = new URL(req.url, 'http://x');
    const base = Object.keys(mounts).find((m) => url.pathname.startsWith(m));
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-cache',
    };
    if (deploy && req.method === 'GET' && /^\/calib\/\d{1,8}$/.test(url.pathname)) {
      const n = Number(url.pathname.slice('/calib/'.length));
      res.writeHead(200, { ...headers, 'Cache-Control': 'no-store', 'Content-Type': 'application/octet-stream', 'Content-Length': n })
        .end(crypto.randomBytes(n));
      return;
    }
    if (req.method !== 'GET' || !base) {
      res.writeHead(404, headers).end('not found');
      return;
    }
    const dir = mounts[base];
    const file = path.resolve(dir, decodeURIComponent(url.pathname.slice(base.length)));
    if (!file.startsWith(dir + path.sep)) {
      res.writeHead(403, headers).end('forbidden');
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, headers).end('not found');
        return;
      }
      headers['Content-Type'] = TYPES[path.extname(file)] || 'application/octet-stream';
      if (!deploy) {
        res.writeHead(200, headers).end(body);
        return;
      }
      let e = encoded.get(file);
      if (!e || !e.body.equals(body)) {
        e = {
          body,
          gzip: COMPRESSIBLE.has(path.extname(file)) ? zlib.gzipSync(body, { level: 9 }) : null,
          etag: `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        };
        encoded.set(file, e);
      }
      headers.ETag = e.etag;
      if (immutable.some((p) => url.pathname.startsWith(p))) headers['Cache-Control'] = 'public, max-age=31536000, immutable';
      if (e.gzip) headers.Vary = 'Accept-Encoding';
      if (req.headers['if-none-match'] === e.etag) {
        stats.notModified++;
        res.writeHead(304, headers).end();
        return;
      }
      const gzip = e.gzip && /\bgzip\b/.test(req.headers['accept-encoding'] || '');
      if (gzip) headers['Content-Encoding'] = 'gzip';
      const out = gzip ? e.gzip : body;
      headers['Content-Length'] = out.length;
      res.writeHead(200, headers).end(out);
    });
  });

  const token = http.createServer((req, res) => {
    const cors = {
      'Access-Control-Allow-Origin': pageOrigin,
      'Vary': 'Origin',
    };
    if (req.method === 'OPTIONS') {
      stats.preflights++;
      res.writeHead(204, {
        ...cors,
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': 'Content-Type, Accept, Authorization',
        'Access-Control-Max-Age': '600',
      }).end();
      return;
    }
    const url = new URL(req.url, 'http://x');
    if (req.method !== 'POST' || url.pathname !== '/token') {
      res.writeHead(404, cors).end();
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      stats.tokenRequests++;
      const body = Buffer.concat(chunks).toString('utf8');
      const type = req.headers['content-type'] || '';
      let p;
      try {
        p = type.startsWith('application/json')
          ? new Map(Object.entries(JSON.parse(body)))
          : new URLSearchParams(body);
      } catch {
        p = new Map();
      }
      // Check the request is a real authorization_code grant with PKCE (RFC 6749 §4.1.3, RFC 7636 §4.5).
      const verifier = p.get('code_verifier') || '';
      const reason =
        p.get('grant_type') !== 'authorization_code' ? 'grant_type' :
        !p.get('code') ? 'code' :
        !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) ? 'code_verifier' :
        !p.get('client_id') && !req.headers.authorization ? 'client_id' : '';
      const headers = {
        ...cors,
        'Content-Type': 'application/json;charset=UTF-8',
        'Cache-Control': 'no-store',
        'Pragma': 'no-cache',
      };
      if (reason) {
        stats.badTokenRequests++;
        stats.lastBadReason = reason;
        res.writeHead(400, headers).end(JSON.stringify({ error: 'invalid_request', error_description: `bad ${reason}` }));
        return;
      }
      res.writeHead(200, headers).end(TOKEN_RESPONSE);
    });
  });

  const pagePort = await listen(pages);
  const tokenPort = await listen(token);
  pageOrigin = `http://127.0.0.1:${pagePort}`;
  return {
    pageOrigin,
    tokenOrigin: `http://127.0.0.1:${tokenPort}`,
    stats,
    close: () => Promise.all([pages, token].map((s) => new Promise((r) => { s.closeAllConnections?.(); s.close(r); }))),
  };
}
