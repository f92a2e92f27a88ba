// PKCE speed of two or more builds of the release package, side by side in one headless Chromium
// page: `createPkcePair()` and `computeCodeChallenge(verifier)` per second. The builds take turns
// in 10 ms slices, so load from other processes falls on each of them alike; a round is
// `--ms` of slices per build, and the ratio column is the median of per-round ratios against the
// first build. Each build is first checked against RFC 7636 Appendix B.
// Usage (from the repo root, after `npm ci --prefix bench`):
//   node bench/ab.mjs [--rounds N] [--ms MS] [label=]DIR [label=]DIR ...
// where each DIR is a built pkg/ (scripts/build.sh), e.g. a copy of pkg/ per variant.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
let rounds = 31;
let ms = 100;
const builds = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--rounds') rounds = Number(args[++i]);
  else if (args[i] === '--ms') ms = Number(args[++i]);
  else {
    const eq = args[i].indexOf('=');
    const dir = path.resolve(eq > 0 ? args[i].slice(eq + 1) : args[i]);
    const label = eq > 0 ? args[i].slice(0, eq) : path.basename(dir);
    if (!fs.existsSync(path.join(dir, 'oauth_spa.js'))) throw new Error(`${dir}: no oauth_spa.js (build it with scripts/build.sh)`);
    builds.push({ label, dir });
  }
}
if (builds.length < 2 || !(rounds > 0) || !(ms >= 10)) {
  console.error('usage: node bench/ab.mjs [--rounds N] [--ms MS>=10] [label=]DIR [label=]DIR ...');
  process.exit(2);
}

// Build i is served under /b<i>/; only files directly in its folder.
const server = http.createServer((req, res) => {
  const m = /^\/b(\d+)\/([\w.-]+)$/.exec(req.url.split('?')[0]);
  const build = m && builds[Number(m[1])];
  const file = build && path.join(build.dir, m[2]);
  if (req.url === '/') {
    res.writeHead(200, { 'content-type': 'text/html' });
    return res.end('<!doctype html><title>ab</title>');
  }
  if (!file || !fs.existsSync(file)) {
    res.writeHead(404);
    return res.end();
  }
  res.writeHead(200, { 'content-type': file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' });
  res.end(fs.readFileSync(file));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let raw;
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  raw = await page.evaluate(async ({ n, rounds, ms }) => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    const mods = [];
    for (let i = 0; i < n; i++) {
      const m = await import(`/b${i}/oauth_spa.js`);
      await m.default();
      if (m.computeCodeChallenge(verifier) !== 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM') throw new Error(`build ${i}: wrong RFC 7636 challenge`);
      const p = m.createPkcePair();
      if (m.computeCodeChallenge(p.verifier) !== p.challenge) throw new Error(`build ${i}: inconsistent pair`);
      mods.push(m);
    }
    const tasks = {
      createPkcePair: (m) => () => m.createPkcePair(),
      computeCodeChallenge: (m) => () => m.computeCodeChallenge(verifier),
    };
    const out = Object.fromEntries(Object.keys(tasks).map((t) => [t, mods.map(() => [])]));
    for (let r = -1; r < rounds; r++) { // round -1 warms up
      for (const [task, make] of Object.entries(tasks)) {
        const count = mods.map(() => 0);
        const time = mods.map(() => 0);
        for (let slice = 0; slice < ms / 10; slice++) {
          for (let k = 0; k < n; k++) {
            const i = (k + r + n) % n; // rotate who goes first
            const fn = make(mods[i]);
            const t0 = performance.now();
            let t;
            do {
              for (let j = 0; j < 16; j++) fn();
              count[i] += 16;
              t = performance.now();
            } while (t - t0 < 10);
            time[i] += t - t0;
          }
        }
        if (r >= 0) for (let i = 0; i < n; i++) out[task][i].push(count[i] / (time[i] / 1000));
      }
    }
    return out;
  }, { n: builds.length, rounds, ms });
} finally {
  await browser.close();
  server.close();
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`${rounds} rounds of ${ms} ms per build, in 10 ms slices; ratio: median of per-round ratios vs ${builds[0].label}`);
for (const [task, perBuild] of Object.entries(raw)) {
  console.log(task);
  builds.forEach((b, i) => {
    const ratios = perBuild[i].map((x, r) => x / perBuild[0][r]);
    console.log(`  ${b.label.padEnd(16)} ${Math.round(median(perBuild[i])).toLocaleString('en-US').padStart(10)}/s`
      + `  ratio ${median(ratios).toFixed(3)}`
      + `  (middle half of rounds ${quantile(ratios, 0.25).toFixed(2)}-${quantile(ratios, 0.75).toFixed(2)})`);
  });
}
function quantile(a, q) {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
