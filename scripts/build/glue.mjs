// Rewrites of the JS glue wasm-bindgen generates for `--target web` (scripts/postbuild.mjs).
// Each rewrite checks that what it replaces is there, so a wasm-bindgen that words its output
// differently fails the build instead of shipping a half-rewritten file. Tested by tests/build/.

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The same renames as `shortenNames` made in the wasm: import object keys and `wasm.<export>`. */
export function renameInGlue(src, renames) {
  for (const [from, to] of renames.modules) {
    const fields = renames.snippets.get(from);
    if (fields) {
      // A snippet imported whole (`import * as importN`): list just the functions the wasm
      // uses, so the bundler need not build the module's namespace object.
      const re = new RegExp(`(["'])${esc(from)}\\1: (\\w+),?\\n`, 'g');
      if (!re.test(src)) throw new Error(`import module ${from} not found in the glue`);
      let done = false;
      src = src.replace(re, (m, q, ns) => {
        if (done) return '';
        done = true;
        return `${to}: { ${[...fields].map((f) => `${f}: ${ns}.${f}`).join(', ')} },\n`;
      });
      continue;
    }
    const re = new RegExp(`(["'])${esc(from)}\\1:`, 'g');
    if (!re.test(src)) throw new Error(`import module ${from} not found in the glue`);
    src = src.replace(re, `${to}:`);
  }
  for (const [from, to] of renames.fields) {
    const re = new RegExp(`^(\\s*)${esc(from)}:`, 'gm');
    if (!re.test(src)) throw new Error(`import ${from} not found in the glue`);
    src = src.replace(re, `$1${to}:`);
  }
  return src.replace(/\bwasm\.(\w+)\b/g, (m, name) => {
    const to = renames.exports.get(name);
    if (!to) throw new Error(`the glue uses wasm.${name}, which is not exported`);
    return `wasm.${to}`;
  });
}

/**
 * The glue with its cached views of wasm memory renewed whenever `wasm.memory.buffer` is another
 * buffer. wasm-bindgen's own test (a detached buffer) holds for WebAssembly, whose memory
 * detaches the old buffer when it grows, but not for wasm2js, whose memory is a plain
 * ArrayBuffer replaced by a bigger one.
 */
export function renewMemoryViews(src) {
  let n = 0;
  src = src.replace(/if \((cached\w+Memory0) === null \|\| [^\n]*\) \{\n/g, (m, v) => {
    n++;
    return `if (${v} === null || ${v}.buffer !== wasm.memory.buffer) {\n`;
  });
  if (n === 0) throw new Error('no cached memory view found in the glue');
  if (/\.byteLength === 0|\.detached/.test(src)) throw new Error('a memory view check was left unchanged');
  return src;
}

/**
 * Replaces wasm-bindgen's loading code (from `let wasmModule, ... wasm;` to the end: fetching
 * a .wasm next to the module, `initSync`, the default export) with `loader` (js/loader.js),
 * whose `__OAUTH_SPA_WASM__` and `__OAUTH_SPA_FALLBACK__` become `wasmBase64` and
 * `fallbackPath`. `OAuthError` and the shared list of `loaders` are imported from `errorPath`;
 * `OAuthError` is exported. Each function named
 * in `asyncNames` (those that return a promise) waits for `init()` itself.
 */
export function installLoader(src, { loader, wasmBase64, fallbackPath, errorPath, asyncNames }) {
  const start = src.search(/^let (\w+, )*wasm(, \w+)*;$/m);
  if (start < 0) throw new Error('the glue\'s `let ... wasm;` declaration was not found');
  if (!/export \{ initSync, __wbg_init as default \};\s*$/.test(src)) {
    throw new Error('the glue does not end with its init exports');
  }
  for (const k of ['__OAUTH_SPA_WASM__', '__OAUTH_SPA_FALLBACK__']) {
    if (loader.split(k).length !== 2) throw new Error(`the loader must use ${k} exactly once`);
  }
  if (!/^[A-Za-z0-9+/]*=*$/.test(wasmBase64)) throw new Error('wasmBase64 is not base64');
  let out = src.slice(0, start);
  for (const name of asyncNames) {
    const re = new RegExp(`^export function ${esc(name)}\\(`, 'm');
    if (!re.test(out)) throw new Error(`export function ${name} not found in the glue`);
    out = out.replace(re, `function ${name}$now(`);
  }
  out = `import { OAuthError, loaders } from '${errorPath}';\n` + out + 'let wasm, engine;\n'
    + loader.replace('__OAUTH_SPA_WASM__', wasmBase64).replace('__OAUTH_SPA_FALLBACK__', fallbackPath)
    + asyncNames.map((n) => `export const ${n} = whenReady(${n}$now);\n`).join('')
    + 'export { OAuthError };\n';
  return out;
}

/**
 * wasm2js output (an ES module that imports what the wasm imports and exports what it
 * exports) as a module whose one export `instantiate(imports)` returns the exports, as
 * `WebAssembly.instantiate` would give them: the glue passes its own import object.
 */
export function fallbackModule(src) {
  const lines = src.split('\n');
  const imports = lines.filter((l) => /^import \* as \w+ from ['"][^'"]+['"];?$/.test(l));
  let out = lines.filter((l) => !imports.includes(l)).join('\n');
  const at = out.search(/^var retasmFunc = asmFunc\(/m);
  if (at < 0 || !/^function asmFunc\(imports\) \{$/m.test(out)) {
    throw new Error('not the wasm2js output this expects (function asmFunc(imports), var retasmFunc)');
  }
  out = out.slice(0, at) + 'export function instantiate(imports) {\n  return asmFunc(imports);\n}\n';
  if (/^\s*(import|export) /m.test(out.replace(/^export function instantiate\(/m, ''))) {
    throw new Error('wasm2js output has other imports or exports');
  }
  return out;
}

