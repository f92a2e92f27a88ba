// Differential check of the endpoint URL checks against Node's `new URL()` (a WHATWG URL
// parser, independent of the `url` crate the fuzz targets use), for the two host forms the
// core parses itself: bracketed IPv6 literals and `xn--` (Punycode) labels.
//
// Usage: node fuzz/node-url-diff.mjs [COUNT] [SEED]   (after `bash scripts/build.sh`)
// Generates COUNT (default 200000) endpoints from a seeded generator, half IPv6 literals and
// half hosts with `xn--` labels, gives each to the built package (`startLogin` of pkg/, the
// shipped wasm, as `authorizationEndpoint`) and to `new URL()`, and counts the verdicts.
// Exits 1 on a disagreement outside the intended differences (fuzz/README.md):
// - the library refuses, Node accepts: an `xn--` label ending in `-` (decodes to nothing or to
//   ASCII only: refused by UTS 46 since Unicode 15.1 and the `url` crate; Node 20 still
//   accepts it), or more than 2000 characters after `xn--`; or `xn---` followed by digits
//   only (a `-` with no basic code points before it is a digit to RFC 3492 §6.2, so decoding
//   fails, as in the `url` crate and Node's own `node:punycode`; Node's URL parser skips it);
// - the library accepts, Node refuses: an `xn--` label that decodes (RFC 3492), checked here
//   with Node's own Punycode decoder, but that UTS 46's Unicode tables refuse.
import punycode from "node:punycode";
import init, { startLogin } from "../pkg/oauth_spa_core.js";

const count = Number(process.argv[2] ?? 200000);
let seed = Number(process.argv[3] ?? 1) >>> 0;

class MemoryStorage {
  getItem(k) { return Object.hasOwn(this, k) ? this[k] : null; }
  setItem(k, v) { this[k] = String(v); }
  removeItem(k) { delete this[k]; }
}
globalThis.sessionStorage = new MemoryStorage();
await init();

// xorshift32: the same endpoints for the same seed.
function rnd(n) {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed % n;
}
const pick = (s) => s[rnd(s.length)];
const str = (alphabet, max) => Array.from({ length: rnd(max + 1) }, () => pick(alphabet)).join("");

function ipv6() {
  if (rnd(4) === 0) return str("0123456789abcdefABCDEF:.g%v", 24);
  const n = rnd(10);
  const pieces = Array.from({ length: n }, () => str("0123456789abcdefABCDEF", rnd(8) === 0 ? 5 : 4) || (rnd(2) ? "0" : ""));
  if (rnd(3) === 0) {
    const octets = Array.from({ length: 3 + rnd(3) }, () => String(rnd(8) === 0 ? rnd(400) : rnd(256)).padStart(rnd(10) === 0 ? 2 : 1, "0"));
    pieces.push(octets.join("."));
  }
  let text = pieces.join(":");
  if (rnd(2)) {
    const at = rnd(pieces.length + 1);
    text = [...pieces.slice(0, at), "", ...pieces.slice(at)].join(":");
    if (at === 0) text = ":" + text;
    if (at === pieces.length) text += ":";
  }
  if (rnd(30) === 0) text += "%25eth0";
  return text;
}

function codePoint() {
  switch (rnd(5)) {
    case 0: return 0x80 + rnd(0x180);          // Latin-1 and Latin Extended
    case 1: return 0x400 + rnd(0x100);         // Cyrillic
    case 2: return 0x4e00 + rnd(0x5000);       // CJK
    case 3: return 0x1f300 + rnd(0x300);       // pictographs
    default: {
      const c = 0x80 + rnd(0x10ff80);
      return c >= 0xd800 && c < 0xe000 ? c + 0x800 : c;
    }
  }
}

function xnLabel() {
  switch (rnd(4)) {
    case 0: // what a correct encoder makes of a random label
      return "xn--" + punycode.encode(str("abcdefghijklmnopqrstuvwxyz0123456789-", 4) +
        String.fromCodePoint(...Array.from({ length: 1 + rnd(4) }, codePoint)));
    case 1: // random base-36 digits, maybe after basic code points
      return "xn--" + (rnd(2) ? str("abcdefghijklmnopqrstuvwxyz0123456789", 5) + "-" : "") +
        str("abcdefghijklmnopqrstuvwxyz0123456789", 10);
    case 2: // anything a host may hold
      return "xn--" + str("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_", 12);
    default: { // a correct encoding, then one character changed, dropped or added
      const good = punycode.encode(String.fromCodePoint(codePoint(), codePoint()));
      const at = rnd(good.length + 1);
      const edit = pick(["", "-", "9", "a", "Z"]);
      return "xn--" + good.slice(0, at) + edit + good.slice(at + (rnd(2) ? 1 : 0));
    }
  }
}

function library(url) {
  try {
    startLogin({ clientId: "c", authorizationEndpoint: url, tokenEndpoint: "https://as.example/token" });
    for (const k of Object.keys(sessionStorage)) sessionStorage.removeItem(k);
    return true;
  } catch (e) {
    if (e.code !== "invalid_config") throw e;
    return false;
  }
}
function node(url) {
  try { new URL(url); return true; } catch { return false; }
}
// Node's own Punycode decoder, with the rules the library checks without Unicode tables.
function decodes(label) {
  const rest = label.slice(4);
  if (rest.length > 2000 || rest.endsWith("-") || rest === "") return false;
  try { return /[^\x00-\x7f]/.test(punycode.decode(rest.toLowerCase())); } catch { return false; }
}

const tally = new Map();
const count1 = (key) => tally.set(key, (tally.get(key) ?? 0) + 1);
const bad = [];
for (let i = 0; i < count; i++) {
  const v6 = i % 2 === 0;
  const labels = v6 ? [] : [xnLabel(), ...(rnd(2) ? ["example"] : [])];
  const url = v6 ? `https://[${ipv6()}]/a` : `https://${labels.join(".")}/a`;
  const ours = library(url), theirs = node(url);
  const kind = v6 ? "ipv6" : "xn--";
  if (ours === theirs) { count1(`${kind}: both ${ours ? "accept" : "refuse"}`); continue; }
  const xn = labels.filter((l) => /^xn--/i.test(l));
  if (!v6 && !ours && xn.some((l) => l.endsWith("-") || l.length > 2004)) {
    count1("xn--: library refuses, Node accepts: label ends in - (decodes to ASCII only)");
  } else if (!v6 && !ours && xn.some((l) => l[4] === "-" && !decodes(l))) {
    count1("xn--: library refuses, Node accepts: xn--- with no basic code points (RFC 3492 and node:punycode refuse)");
  } else if (!v6 && ours && xn.every(decodes)) {
    count1("xn--: library accepts, Node refuses: decodes, refused by UTS 46 tables");
  } else {
    count1(`${kind}: UNEXPECTED (library ${ours ? "accepts" : "refuses"}, Node ${theirs ? "accepts" : "refuses"})`);
    if (bad.length < 20) bad.push(url);
  }
}
console.log(`node ${process.version}, ${count} endpoints, seed ${process.argv[3] ?? 1}`);
for (const [k, n] of [...tally].sort()) console.log(`  ${String(n).padStart(8)}  ${k}`);
for (const u of bad) console.log(`  unexpected: ${u}`);
process.exit(bad.length ? 1 : 0);
