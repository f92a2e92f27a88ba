// ---- js/loader.js: how an entry of the package loads its engine --------------------------
// scripts/postbuild.mjs puts this text in place of wasm-bindgen's own loading code at the end of
// the generated glue (it uses the glue's `__wbg_get_imports` and memory caches), and fills in
// the constants below.
//
// The WebAssembly module travels inside this file (LZMA, then base64: about the bytes of the
// LZMA stream once the file is served gzipped), so there is no second request to wait for and
// nothing for a bundler to find, copy or serve. A small WebAssembly module of its own, the LZMA
// decoder (unlzma/, about 1.4 KB), unpacks it; LZMA is about 9 % smaller than the best deflate
// (which browsers would inflate natively) of the same module. Where WebAssembly cannot run
// (Apple's Lockdown Mode removes it; a Content-Security-Policy without 'wasm-unsafe-eval'
// refuses to compile it), the same module translated to JavaScript by binaryen's wasm2js is
// imported instead: same Rust, same API, same behaviour, and only the browsers that need it
// download it.

const WASM = '__OAUTH_SPA_WASM__';
const UNLZMA = '__OAUTH_SPA_UNLZMA__';
const WASM_SIZE = __OAUTH_SPA_WASM_SIZE__;
const loadFallback = () => import('__OAUTH_SPA_FALLBACK__');

function notReady(cause) {
  const e = new OAuthError('not_initialized', 'oauth-spa is not initialized: await init() first');
  if (cause !== undefined) e.cause = cause;
  return e;
}

// Until an engine is ready, each call that reaches it throws `not_initialized`.
wasm = new Proxy({}, { get() { throw notReady(); } });

// Native base64 where the browser has it; otherwise atob and a plain loop (a mapping function
// per octet is several times slower on a slow phone).
function fromBase64(text) {
  let bytes = Uint8Array.fromBase64?.(text);
  if (!bytes) {
    const s = atob(text);
    bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  }
  return bytes;
}

async function compile(imports) {
  const packed = fromBase64(WASM);
  // The decoder writes the module into its own memory, after the stream: grown to hold both.
  const { memory, d } = (await WebAssembly.instantiate(fromBase64(UNLZMA))).instance.exports;
  const at = memory.buffer.byteLength;
  memory.grow(Math.ceil((packed.length + WASM_SIZE) / 65536));
  new Uint8Array(memory.buffer).set(packed, at);
  d(at, at + packed.length, WASM_SIZE);
  const wasm = new Uint8Array(memory.buffer, at + packed.length, WASM_SIZE);
  return (await WebAssembly.instantiate(wasm, imports)).instance.exports;
}

async function load() {
  const imports = __wbg_get_imports();
  let kind = 'wasm';
  let exports = typeof WebAssembly == 'object' ? await compile(imports).catch(() => null) : null;
  if (!exports) {
    kind = 'js';
    exports = (await loadFallback()).instantiate(imports);
  }
  wasm = exports;
  cachedDataViewMemory0 = cachedUint8ArrayMemory0 = null;
  return (engine = kind);
}

let loading;
function loadOnce() {
  return loading ??= load().catch((e) => {
    loading = undefined;
    throw notReady(e);
  });
}
loaders.push(loadOnce);
loadOnce().catch(() => {});

/**
 * Loads the engine of every entry the page imported (each once): resolves to this entry's,
 * `"wasm"`, or `"js"` where the JavaScript fallback runs. Importing an entry starts it; await it
 * before the synchronous functions.
 */
export default function init() {
  return Promise.all(loaders.map((f) => f())).then(() => engine);
}

// A function that returns a promise waits for the engine itself; once the engine is ready it
// runs at once, in the caller's task (a popup must open inside the click that asked for it).
const whenReady = (f) => (...args) => (engine ? f(...args) : init().then(() => f(...args)));
