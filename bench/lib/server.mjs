// Two tiny HTTP servers on 127.0.0.1 (loopback only):
// - the page origin: static files (the release pkg/, bench/dist, bench/pages), cross-origin isolated
//   (COOP + COEP) so performance.now() has its fine resolution;
// - the token origin: a token endpoint answering an RFC 6749 §5.1 response with CORS, so the
//   browser sends a real cross-origin request as it would to an authorization server.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

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

/** mounts: { '/pkg/': '/abs/dir', ... } */
export async function startServers(mounts) {
  const stats = { tokenRequests: 0, badTokenRequests: 0, lastBadReason: '' };
  let pageOrigin = '';

  const pages = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const base = Object.keys(mounts).find((m) => url.pathname.startsWith(m));
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-cache',
    };
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
      res.writeHead(200, headers).end(body);
    });
  });

  const token = http.createServer((req, res) => {
    const cors = {
      'Access-Control-Allow-Origin': pageOrigin,
      'Vary': 'Origin',
    };
    if (req.method === 'OPTIONS') {
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
