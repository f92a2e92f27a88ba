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
 * whose `__OAUTH_SPA_WASM__`, `__OAUTH_SPA_UNLZMA__`, `__OAUTH_SPA_WASM_SIZE__` and
 * `__OAUTH_SPA_FALLBACK__` become `wasmBase64` (the module, LZMA), `decoderBase64` (the LZMA
 * decoder's module), `wasmSize` (the module's bytes) and `fallbackPath`. `OAuthError` and the
 * shared list of `loaders` are imported from `errorPath`; `OAuthError` is exported. Each function named
 * in `asyncNames` (those that return a promise) waits for `init()` itself. With `wasmAtEnd`, the
 * two base64 strings (the decoder's, then the module's) and the two lines that start loading the
 * engine come last instead of in the loader's text (the same statements in another order: see
 * `scripts/postbuild.mjs` for why).
 */
export function installLoader(src, { loader, wasmBase64, decoderBase64, wasmSize, fallbackPath, errorPath, asyncNames, wasmAtEnd = false }) {
  const start = src.search(/^let (\w+, )*wasm(, \w+)*;$/m);
  if (start < 0) throw new Error('the glue\'s `let ... wasm;` declaration was not found');
  if (!/export \{ initSync, __wbg_init as default \};\s*$/.test(src)) {
    throw new Error('the glue does not end with its init exports');
  }
  for (const k of ['__OAUTH_SPA_WASM__', '__OAUTH_SPA_UNLZMA__', '__OAUTH_SPA_WASM_SIZE__', '__OAUTH_SPA_FALLBACK__']) {
    if (loader.split(k).length !== 2) throw new Error(`the loader must use ${k} exactly once`);
  }
  for (const [k, v] of Object.entries({ wasmBase64, decoderBase64 })) {
    if (!/^[A-Za-z0-9+/]*=*$/.test(v)) throw new Error(`${k} is not base64`);
  }
  if (!Number.isSafeInteger(wasmSize) || wasmSize <= 0) throw new Error('wasmSize is not a size');
  let out = src.slice(0, start);
  for (const name of asyncNames) {
    const re = new RegExp(`^export function ${esc(name)}\\(`, 'm');
    if (!re.test(out)) throw new Error(`export function ${name} not found in the glue`);
    out = out.replace(re, `function ${name}$now(`);
  }
  let tail = '';
  if (wasmAtEnd) {
    // The two base64 strings (the decoder's, then the module's) after the rest of the module,
    // and what starts the engine after them: no base64 among the code's compressed blocks.
    const moved = [`const UNLZMA = '__OAUTH_SPA_UNLZMA__';\n`, `const WASM = '__OAUTH_SPA_WASM__';\n`, 'loaders.push(loadOnce);\nloadOnce().catch(() => {});\n'];
    for (const m of moved) {
      if (loader.split(m).length !== 2) throw new Error(`the loader must have ${JSON.stringify(m)} exactly once`);
      loader = loader.replace(m, '');
    }
    tail = moved.join('');
  }
  const fill = (t) => t.replace('__OAUTH_SPA_WASM__', wasmBase64).replace('__OAUTH_SPA_UNLZMA__', decoderBase64)
    .replace('__OAUTH_SPA_WASM_SIZE__', wasmSize).replace('__OAUTH_SPA_FALLBACK__', fallbackPath);
  out = `import { OAuthError, loaders } from '${errorPath}';\n` + out + 'let wasm, engine;\n'
    + fill(loader) + asyncNames.map((n) => `export const ${n} = whenReady(${n}$now);\n`).join('')
    + fill(tail) + 'export { OAuthError };\n';
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


// Replaces every match of `re` in `src` with `to` (a string with $1... or a function), and fails
// the build when there is none, so a wasm-bindgen that words its output differently is noticed.
function must(src, re, to, what) {
  let n = 0;
  const out = src.replace(re, (...m) => {
    n++;
    return typeof to === 'function' ? to(...m) : to.replace(/\$(\d)/g, (_, i) => m[+i]);
  });
  if (n === 0) throw new Error(`${what} not found in the glue`);
  return out;
}

/**
 * The generated glue with fewer bytes and the same behaviour (measured in docs/size.md):
 * - strings are copied into wasm memory with TextEncoder's `encode` alone, instead of an ASCII
 *   loop, `encodeInto` (with a polyfill for engines without it) and two `realloc` calls: the
 *   same bytes arrive; `__wbindgen_malloc` is called with their exact length;
 * - a `Result<JsValue, JsValue>` is read from the return area by one function, `takeResult`;
 * - a string an import returns through a return area is stored by one function, `storeString`;
 * - `handleError(f)` wraps an import once, instead of a wrapper that builds a closure per call;
 * - `Op` (internal, never exported) gets no `Symbol.dispose` alias of `free`;
 * - the import objects keep Object's prototype (their keys are the short names of
 *   `shortenNames`, none of them a property of Object.prototype);
 * - a value is returned at once instead of through a `ret` variable.
 */
export function compactGlue(src) {
  src = must(src, /^function passStringToWasm0\(arg, malloc, realloc\) \{\n[\s\S]*?\n\}\n/m,
    'function passStringToWasm0(arg) {\n    const buf = cachedTextEncoder.encode(arg);\n'
    + '    const ptr = wasm.__wbindgen_malloc(buf.length, 1) >>> 0;\n'
    + '    getUint8ArrayMemory0().set(buf, ptr);\n    WASM_VECTOR_LEN = buf.length;\n    return ptr;\n}\n',
    'passStringToWasm0');
  src = must(src, /passStringToWasm0\((\w+), wasm\.__wbindgen_malloc, wasm\.__wbindgen_realloc\)/g,
    'passStringToWasm0($1)', 'a passStringToWasm0 call');
  src = must(src, /^if \(!\('encodeInto' in cachedTextEncoder\)\) \{\n[\s\S]*?\n\}\n/m, '', 'the encodeInto polyfill');
  if (/passStringToWasm0\([^)]*,|encodeInto/.test(src)) throw new Error('a passStringToWasm0 call was left unchanged');

  src = must(src, /^( *)var r0 = getDataViewMemory0\(\)\.getInt32\((\w+) \+ 4 \* 0, true\);\n *var r1 = getDataViewMemory0\(\)\.getInt32\(\2 \+ 4 \* 1, true\);\n *var r2 = getDataViewMemory0\(\)\.getInt32\(\2 \+ 4 \* 2, true\);\n *if \(r2\) \{\n *throw takeObject\(r1\);\n *\}\n *return takeObject\(r0\);\n/gm,
    '$1return takeResult($2);\n', 'a Result<JsValue, JsValue> return');
  src = must(src, /^( *)(?:const|var) (ptr\d+) = ([^\n;]*passStringToWasm0\(\w+\));\n *(?:const|var) (len\d+) = WASM_VECTOR_LEN;\n *getDataViewMemory0\(\)\.setInt32\(\((\w+) >>> 0\) \+ 4 \* 1, \4, true\);\n *getDataViewMemory0\(\)\.setInt32\(\(\5 >>> 0\) \+ 4 \* 0, \2, true\);\n/gm,
    '$1storeString($5, $3);\n', 'a string written to a return area');
  src = must(src, /^function takeObject\(/m, `function takeResult(p) {
    const m = getDataViewMemory0();
    if (m.getInt32(p + 8, true)) throw takeObject(m.getInt32(p + 4, true));
    return takeObject(m.getInt32(p, true));
}

function storeString(at, ptr) {
    const m = getDataViewMemory0();
    m.setInt32((at >>> 0) + 4, WASM_VECTOR_LEN, true);
    m.setInt32(at >>> 0, ptr, true);
}

function takeObject(`, 'takeObject');

  let open = 0;
  src = must(src, /function\(\) \{ return handleError\(function \(/g, () => { open++; return 'handleError(function ('; }, 'a handleError call');
  src = must(src, /\}, arguments\); \},\n/g, () => { open--; return '}),\n'; }, 'the end of a handleError call');
  if (open !== 0) throw new Error('the handleError calls of the glue were not all rewritten');
  src = must(src, /^function handleError\(f, args\) \{\n    try \{\n        return f\.apply\(this, args\);\n    \} catch \(e\) \{\n( *[^\n]*)\n    \}\n\}\n/m,
    'function handleError(f) {\n    return function () {\n        try {\n            return f.apply(this, arguments);\n        } catch (e) {\n    $1\n        }\n    };\n}\n',
    'handleError');

  src = must(src, /^if \(Symbol\.dispose\) Op\.prototype\[Symbol\.dispose\] = Op\.prototype\.free;\n/m, '', 'Op\'s Symbol.dispose');
  src = must(src, /^ *__proto__: null,\n/gm, '', 'an import object\'s __proto__: null');

  // `const ret = EXPR; return f(ret);` (or `return ret;`) as `return f(EXPR);`, and
  // `const ret = EXPR; storeString(at, passStringToWasm0(ret));` likewise: the same order of
  // evaluation, without a variable esbuild keeps.
  src = must(src, /^( *)const ret = ([^\n]*);\n *return (?:(addHeapObject|takeObject)\(ret\)|ret);\n/gm,
    (m, sp, e, f) => `${sp}return ${f ? `${f}(${e})` : e};\n`, 'a value returned through `ret`');
  return must(src, /^( *)const ret = ([^\n]*);\n *storeString\((\w+), passStringToWasm0\(ret\)\);\n/gm,
    '$1storeString($3, passStringToWasm0($2));\n', 'a string returned through `ret`');
}
