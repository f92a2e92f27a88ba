// An HTTP proxy on loopback for the headless browsers under wasm-bindgen-test-runner
// (scripts/test.sh gives Chrome `--proxy-server`, Firefox the proxy preferences). Each
// request goes upstream on a connection of its own that closes after the answer.
//
// Why: the runner serves the test page with tiny_http, whose pool gives each connection a
// thread for as long as the connection lives. When a browser opens several keep-alive
// connections at once (the test page imports one module per js/ file), a new connection can
// be queued behind threads that all wait on idle keep-alive connections; its request is then
// read only when the browser drops an idle connection: after 300 s in Chrome (seen in most
// first runs of the session-enabled browser tests), after about 115 s in Firefox (seen once,
// on a busy machine). In Chrome: the page stays at "Loading scripts...", the driver reports
// "Timed out receiving message from renderer: 300", the runner "Failed to detect test as
// having been run". Behind this proxy the runner's connections end after each answer, so
// every thread comes back.
//
// Only loopback destinations are forwarded. When the upstream cannot be reached, the
// browser's connection is destroyed, so that `fetch` fails as it would without the proxy
// (the tests of network errors rely on it), instead of answering with a proxy's 502.
// Usage: node tests/support/runner-proxy.mjs  (prints "runner-proxy <port>")
import http from 'node:http';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const server = http.createServer((req, res) => {
  let target;
  try {
    target = new URL(req.url);
  } catch {
    res.writeHead(400).end();
    return;
  }
  if (target.protocol !== 'http:' || !LOOPBACK.has(target.hostname)) {
    res.writeHead(403).end();
    return;
  }
  const headers = { ...req.headers };
  delete headers['proxy-connection'];
  delete headers.connection;
  delete headers['keep-alive'];
  const up = http.request({
    host: target.hostname.replace(/^\[|\]$/g, ''),
    port: target.port || 80,
    method: req.method,
    path: target.pathname + target.search,
    headers,
    agent: false, // a connection of its own, `Connection: close`
  }, (answer) => {
    res.writeHead(answer.statusCode, answer.statusMessage, answer.rawHeaders);
    answer.pipe(res);
  });
  up.on('error', () => req.socket.destroy());
  req.pipe(up);
});
server.on('connect', (req, socket) => socket.destroy()); // no tunnels: the tests use http only
server.listen(0, '127.0.0.1', () => console.log(`runner-proxy ${server.address().port}`));
