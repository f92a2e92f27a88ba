// Unit tests of the build pipeline's steps (scripts/build/), on tiny fixtures: a wasm module
// assembled here with binaryen's wasm-as, and glue text in the shape wasm-bindgen writes.
// Run: node --test tests/build/
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { leb, readLeb, sections, shortName, shortenNames, str, withoutCustomSection, assemble } from '../../scripts/build/wasm-binary.mjs';
import { compactGlue, fallbackModule, installLoader, renameInGlue, renewMemoryViews } from '../../scripts/build/glue.mjs';
import { initDeclarations, packageJson, pathEntries } from '../../scripts/build/package.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin');
const dir = mkdtempSync(join(tmpdir(), 'oauth-spa-build-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// A module shaped like wasm-bindgen's output: imports from its own `_bg.js` module and from a
// snippet, exports memory and a function.
const WAT = `(module
  (import "./t_bg.js" "__wbg_add_0123" (func $add (param i32 i32) (result i32)))
  (import "./snippets/t-1/js/glue.js" "twice" (func $twice (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "calc") (param i32) (result i32)
    (call $twice (call $add (local.get 0) (i32.const 1))))
  (func (export "grow") (result i32) (memory.grow (i32.const 1))))`;
function fixtureWasm() {
  writeFileSync(join(dir, 't.wat'), WAT);
  execFileSync(join(BIN, 'wasm-as'), [join(dir, 't.wat'), '-o', join(dir, 't.wasm')]);
  return readFileSync(join(dir, 't.wasm'));
}
const customSection = (name, bytes) => ({ id: 0, body: Buffer.concat([str(name), Buffer.from(bytes)]) });

test('LEB128 round trip, and short names are distinct identifiers', () => {
  for (const n of [0, 1, 127, 128, 300, 16384, 2 ** 31]) assert.deepEqual(readLeb(leb(n), 0), [n, leb(n).length]);
  const names = Array.from({ length: 3000 }, (_, i) => shortName(i));
  assert.equal(new Set(names).size, names.length);
  for (const n of names) assert.match(n, /^[A-Za-z]+$/);
  // compactGlue drops `__proto__: null` from the import objects, whose keys are these names:
  // none may be a property an object inherits (`constructor`, `toString`...).
  for (const n of names) assert.ok(!(n in Object.prototype), n);
  assert.deepEqual(names.slice(0, 3), ['a', 'b', 'c']);
  assert.equal(shortName(52), 'aa');
});

test('withoutCustomSection removes exactly the named custom sections', () => {
  const bin = fixtureWasm();
  const withFeatures = assemble(bin, [...sections(bin), customSection('target_features', [1, 0x2b, 3, 0x61, 0x62, 0x63]),
    customSection('keep', [9])]);
  assert.ok(WebAssembly.validate(withFeatures));
  const out = withoutCustomSection(withFeatures, 'target_features');
  assert.ok(WebAssembly.validate(out));
  const names = sections(out).filter((s) => s.id === 0).map((s) => s.name);
  assert.ok(names.includes('keep') && !names.includes('target_features'));
  assert.equal(out.length, withFeatures.length - (2 + 1 + 15 + 6));
  assert.throws(() => sections(Buffer.from('not wasm!')), /not a wasm file/);
});

test('shortenNames renames imports and exports, and the module still runs with the renamed glue', async () => {
  const { wasm, renames } = shortenNames(fixtureWasm());
  assert.ok(WebAssembly.validate(wasm));
  assert.deepEqual([...renames.modules], [['./t_bg.js', 'a'], ['./snippets/t-1/js/glue.js', 'b']]);
  assert.deepEqual([...renames.fields], [['__wbg_add_0123', 'a']]);
  assert.deepEqual([...renames.exports], [['memory', 'a'], ['calc', 'b'], ['grow', 'c']]);
  assert.deepEqual([...renames.snippets.get('./snippets/t-1/js/glue.js')], ['twice']);
  // Glue text as wasm-bindgen writes it.
  const glue = `const import1 = { twice: (x) => 2 * x };
function imports() {
    const import0 = {
        __proto__: null,
        __wbg_add_0123: function(arg0, arg1) { return arg0 + arg1; },
    };
    return {
        __proto__: null,
        "./t_bg.js": import0,
        "./snippets/t-1/js/glue.js": import1,
    };
}
export const run = (exports) => { wasm = exports; return wasm.calc(4) + wasm.memory.buffer.byteLength * 0; };
let wasm;
export { imports };
`;
  const renamed = renameInGlue(glue, renames);
  assert.match(renamed, /^\s*a: function\(arg0, arg1\)/m);
  assert.match(renamed, /a: import0,/);
  assert.match(renamed, /b: \{ twice: import1\.twice \},/);
  assert.match(renamed, /wasm\.b\(4\) \+ wasm\.a\.buffer/);
  writeFileSync(join(dir, 'glue.mjs'), renamed);
  const g = await import(pathToFileURL(join(dir, 'glue.mjs')));
  const { instance } = await WebAssembly.instantiate(wasm, g.imports());
  assert.equal(g.run(instance.exports), 10);
  assert.throws(() => renameInGlue(glue + 'wasm.nope();', renames), /wasm\.nope, which is not exported/);
  assert.throws(() => renameInGlue('no imports here', renames), /not found in the glue/);
});

test('renewMemoryViews makes every cached view follow a replaced buffer', () => {
  const glue = `let cachedDataViewMemory0 = null;
function getDataViewMemory0() {
    if (cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer.detached === true || (cachedDataViewMemory0.buffer.detached === undefined && cachedDataViewMemory0.buffer !== wasm.memory.buffer)) {
        cachedDataViewMemory0 = new DataView(wasm.memory.buffer);
    }
    return cachedDataViewMemory0;
}
let cachedUint8ArrayMemory0 = null;
function getUint8ArrayMemory0() {
    if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0) {
        cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);
    }
    return cachedUint8ArrayMemory0;
}
`;
  const out = renewMemoryViews(glue);
  // Run it against a memory whose buffer is replaced, as wasm2js's is when it grows.
  const wasm = { memory: { buffer: new ArrayBuffer(8) } };
  const f = new Function('wasm', `${out}; return [getDataViewMemory0, getUint8ArrayMemory0];`)(wasm);
  const [dv, u8] = f;
  assert.equal(dv().byteLength, 8);
  assert.equal(u8().byteLength, 8);
  wasm.memory.buffer = new ArrayBuffer(16);
  assert.equal(dv().byteLength, 16);
  assert.equal(u8().byteLength, 16);
  assert.throws(() => renewMemoryViews('function f() {}'), /no cached memory view/);
});

test('installLoader swaps wasm-bindgen\'s loading code for the loader and wraps async functions', () => {
  const glue = `import { x } from './snippets/t-1/js/glue.js';
export function sync() { return wasm.a(); }
export function later(config) { return wasm.b(config); }
function __wbg_get_imports() { return {}; }
let cachedDataViewMemory0 = null, cachedUint8ArrayMemory0 = null;
let wasmModule, wasmInstance, wasm;
function __wbg_finalize_init(instance, module) { wasm = instance.exports; }
function initSync(module) { return new URL('t_bg.wasm', import.meta.url); }
async function __wbg_init(module_or_path) {}
export { initSync, __wbg_init as default };
`;
  const loader = readFileSync(join(ROOT, 'js', 'loader.js'), 'utf8');
  const filled = { wasmBase64: 'AGFzbQ==', decoderBase64: 'AGFzbQE=', wasmSize: 1234 };
  const out = installLoader(glue, { loader, ...filled, fallbackPath: './t_fallback.js',
    errorPath: './snippets/t-1/js/error.js', asyncNames: ['later'] });
  assert.ok(out.startsWith("import { OAuthError, loaders } from './snippets/t-1/js/error.js';\n"));
  for (const gone of ['initSync', '__wbg_init', 'import.meta.url', 'wasmModule', '__OAUTH_SPA_']) {
    assert.ok(!out.includes(gone), `${gone} is gone`);
  }
  assert.match(out, /const WASM = 'AGFzbQ==';/);
  assert.match(out, /const UNLZMA = 'AGFzbQE=';\nconst WASM_SIZE = 1234;/);
  assert.match(out, /import\('\.\/t_fallback\.js'\)/);
  assert.match(out, /^function later\$now\(config\)/m);
  assert.match(out, /^export const later = whenReady\(later\$now\);$/m);
  assert.match(out, /^export function sync\(\)/m);
  assert.match(out, /^export default function init\(\)/m);
  assert.match(out, /^export \{ OAuthError \};$/m);
  // wasmAtEnd: the same text, but for the two base64 strings (the decoder's, then the module's)
  // and the two lines that start the engine, last.
  const atEnd = installLoader(glue, { loader, ...filled, fallbackPath: './t_fallback.js',
    errorPath: './snippets/t-1/js/error.js', asyncNames: ['later'], wasmAtEnd: true });
  const last = "const UNLZMA = 'AGFzbQE=';\nconst WASM = 'AGFzbQ==';\nloaders.push(loadOnce);\nloadOnce().catch(() => {});\nexport { OAuthError };\n";
  assert.ok(atEnd.endsWith(last));
  assert.equal(atEnd.split('\n').sort().join('\n'), out.split('\n').sort().join('\n'), 'the same lines');
  assert.ok(out.indexOf("const WASM = 'AGFzbQ=='") < out.indexOf('export const later'));
  const bad = { loader, ...filled, fallbackPath: './f.js', errorPath: './e.js', asyncNames: [] };
  assert.throws(() => installLoader(glue, { ...bad, wasmAtEnd: true, loader: loader.replace('loadOnce().catch(() => {});\n', '') }),
    /exactly once/);
  assert.throws(() => installLoader('let x;', bad), /declaration was not found/);
  assert.throws(() => installLoader(glue, { ...bad, asyncNames: ['missing'] }), /export function missing not found/);
  assert.throws(() => installLoader(glue, { ...bad, wasmBase64: 'not base64!' }), /wasmBase64 is not base64/);
  assert.throws(() => installLoader(glue, { ...bad, decoderBase64: 'not base64!' }), /decoderBase64 is not base64/);
  assert.throws(() => installLoader(glue, { ...bad, wasmSize: undefined }), /not a size/);
  assert.throws(() => installLoader(glue, { ...bad, loader: 'nothing' }), /exactly once/);
});

test('fallbackModule turns wasm2js output into instantiate(imports), which runs like the wasm', async () => {
  const { wasm } = shortenNames(fixtureWasm());
  writeFileSync(join(dir, 's.wasm'), wasm);
  const translated = execFileSync(join(BIN, 'wasm2js'), [join(dir, 's.wasm')], { encoding: 'utf8' });
  assert.match(translated, /^import \* as /m, 'wasm2js imports what the wasm imports');
  const out = fallbackModule(translated);
  assert.doesNotMatch(out, /^import /m);
  writeFileSync(join(dir, 'fallback.mjs'), out);
  const m = await import(pathToFileURL(join(dir, 'fallback.mjs')));
  assert.deepEqual(Object.keys(m), ['instantiate']);
  const calls = [];
  const exports = m.instantiate({ a: { a: (x, y) => { calls.push([x, y]); return x + y; } }, b: { twice: (x) => 2 * x } });
  assert.equal(exports.b(4), 10);
  assert.deepEqual(calls, [[4, 1]]);
  // Its memory grows by replacing its buffer (what renewMemoryViews is for).
  const before = exports.a.buffer;
  assert.equal(exports.c(), 1);
  assert.notEqual(exports.a.buffer, before);
  assert.equal(exports.a.buffer.byteLength, 2 * 65536);
  assert.throws(() => fallbackModule('export const x = 1;'), /not the wasm2js output/);
});

test('initDeclarations replaces wasm-bindgen\'s loader types with init(): Promise<Engine>', () => {
  const dts = `export function startLogin(config: ClientConfig): string;
export type InitInput = RequestInfo | URL;
export interface InitOutput { readonly a: WebAssembly.Memory; }
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;
export default function __wbg_init (module_or_path?: InitInput): Promise<InitOutput>;
`;
  const out = initDeclarations(dts);
  assert.match(out, /^export function startLogin/m);
  assert.match(out, /^export type Engine = "wasm" \| "js";$/m);
  assert.match(out, /^export default function init\(\): Promise<Engine>;$/m);
  for (const gone of ['InitInput', 'InitOutput', 'initSync', '__wbg_init']) assert.ok(!out.includes(gone), gone);
  assert.throws(() => initDeclarations('export function f(): void;'), /InitInput/);
});

test('packageJson: metadata from Cargo.toml, one export per entry and the vault worker, no internal file exported', () => {
  const cargo = `[package]
name = "oauth-spa"
version = "1.2.3"
license = "MIT OR Apache-2.0"
description = "d"
keywords = ["oauth", "pkce"]

[dependencies]
version = "9"
`;
  const names = ['oauth_spa', 'oauth_spa_core', 'oauth_spa_dpop'];
  const pkg = packageJson({ cargo, workspace: { repository: { type: 'git', url: 'u' }, bugs: 'b' }, names });
  assert.equal(pkg.version, '1.2.3');
  assert.deepEqual(pkg.keywords, ['oauth', 'pkce']);
  assert.deepEqual(pkg.repository, { type: 'git', url: 'u' });
  assert.equal(pkg.bugs, 'b');
  assert.deepEqual(Object.keys(pkg.exports), ['.', './core', './dpop', './vault', './package.json']);
  assert.deepEqual(pkg.exports['.'], { types: './oauth_spa.d.ts', default: './oauth_spa.js' });
  assert.deepEqual(pkg.exports['./core'], { types: './oauth_spa_core.d.ts', default: './oauth_spa_core.js' });
  assert.deepEqual(pkg.exports['./dpop'], { types: './oauth_spa_dpop.d.ts', default: './oauth_spa_dpop.js' });
  // The vault's worker (beside the DPoP entry it imports), for tools that take it as an entry point.
  assert.deepEqual(pkg.exports['./vault'], { types: './oauth_spa_vault.d.ts', default: './oauth_spa_vault.js' });
  assert.deepEqual(Object.keys(packageJson({ cargo, workspace: {}, names: ['oauth_spa', 'oauth_spa_core'] }).exports),
    ['.', './core', './package.json'], 'no vault without the DPoP entry');
  assert.deepEqual(pkg.files, ['LICENSE-APACHE', 'LICENSE-MIT', 'README.md', 'core.d.ts', 'core.js', 'dpop.d.ts', 'dpop.js',
    'oauth_spa.d.ts', 'oauth_spa.js', 'oauth_spa_core.d.ts', 'oauth_spa_core.js', 'oauth_spa_core_fallback.js',
    'oauth_spa_dpop.d.ts', 'oauth_spa_dpop.js', 'oauth_spa_dpop_fallback.js', 'oauth_spa_fallback.js',
    'oauth_spa_vault.d.ts', 'oauth_spa_vault.js']);
  assert.equal(pkg.sideEffects, false);
  assert.deepEqual(pathEntries(names).map(([f]) => f), ['core.js', 'core.d.ts', 'dpop.js', 'dpop.d.ts']);
  assert.equal(pathEntries(['oauth_spa_core'])[0][1], "export * from './oauth_spa_core.js';\nexport { default } from './oauth_spa_core.js';\n");
  assert.throws(() => packageJson({ cargo: '[package]\nname = "x"\n', workspace: {}, names: [] }), /no version/);
});


// Glue in the words of wasm-bindgen 0.2.130 (`--target web`): an internal class, an export that
// returns a Result through a return area, imports that return strings through one (one of them
// optional, in handleError), and the helpers they use.
const GLUE = `class Op {
    free() { return 'freed'; }
}
if (Symbol.dispose) Op.prototype[Symbol.dispose] = Op.prototype.free;
export function compute(arg) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        wasm.compute(retptr, addHeapObject(arg));
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        if (r2) {
            throw takeObject(r1);
        }
        return takeObject(r0);
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}
export function later(a) {
    const ret = wasm.later(addHeapObject(a));
    return takeObject(ret);
}
function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg___wbindgen_is_null_c22311b1cc228e3a: function(arg0) {
            const ret = getObject(arg0) === null;
            return ret;
        },
        __wbg_wrap_0123: function(arg0) {
            const ret = [getObject(arg0)];
            return addHeapObject(ret);
        },
        __wbg_json_776e5cb2287724fd: function(arg0, arg1) {
            const ret = String(getObject(arg1));
            const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            const len1 = WASM_VECTOR_LEN;
            getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
            getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
        },
        __wbg_sget_110ac8b3b2ed06ad: function() { return handleError(function (arg0, arg1) {
            const ret = getObject(arg1)();
            var ptr1 = isLikeNone(ret) ? 0 : passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            var len1 = WASM_VECTOR_LEN;
            getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
            getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
        }, arguments); },
    };
    return {
        __proto__: null,
        "./t_bg.js": import0,
    };
}
function addHeapObject(obj) {
    if (heap_next === heap.length) heap.push(heap.length + 1);
    const idx = heap_next;
    heap_next = heap[idx];

    heap[idx] = obj;
    return idx;
}
function dropObject(idx) {
    if (idx < 1028) return;
    heap[idx] = heap_next;
    heap_next = idx;
}
let cachedDataViewMemory0 = null;
function getDataViewMemory0() {
    if (cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer !== wasm.memory.buffer) {
        cachedDataViewMemory0 = new DataView(wasm.memory.buffer);
    }
    return cachedDataViewMemory0;
}
let cachedUint8ArrayMemory0 = null;
function getUint8ArrayMemory0() {
    if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.buffer !== wasm.memory.buffer) {
        cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);
    }
    return cachedUint8ArrayMemory0;
}
function getObject(idx) { return heap[idx]; }
function handleError(f, args) {
    try {
        return f.apply(this, args);
    } catch (e) {
        wasm.__wbindgen_exn_store(addHeapObject(e));
    }
}
let heap = new Array(1024).fill(undefined);
heap.push(undefined, null, true, false);
let heap_next = heap.length;
function isLikeNone(x) {
    return x === undefined || x === null;
}
function passStringToWasm0(arg, malloc, realloc) {
    if (realloc === undefined) {
        const buf = cachedTextEncoder.encode(arg);
        const ptr = malloc(buf.length, 1) >>> 0;
        getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
        WASM_VECTOR_LEN = buf.length;
        return ptr;
    }

    let len = arg.length;
    let ptr = malloc(len, 1) >>> 0;

    const mem = getUint8ArrayMemory0();

    let offset = 0;

    for (; offset < len; offset++) {
        const code = arg.charCodeAt(offset);
        if (code > 0x7F) break;
        mem[ptr + offset] = code;
    }
    if (offset !== len) {
        if (offset !== 0) {
            arg = arg.slice(offset);
        }
        ptr = realloc(ptr, len, len = offset + arg.length * 3, 1) >>> 0;
        const view = getUint8ArrayMemory0().subarray(ptr + offset, ptr + len);
        const ret = cachedTextEncoder.encodeInto(arg, view);

        offset += ret.written;
        ptr = realloc(ptr, len, offset, 1) >>> 0;
    }

    WASM_VECTOR_LEN = offset;
    return ptr;
}
function takeObject(idx) {
    const ret = getObject(idx);
    dropObject(idx);
    return ret;
}
const cachedTextEncoder = new TextEncoder();

if (!('encodeInto' in cachedTextEncoder)) {
    cachedTextEncoder.encodeInto = function (arg, view) {
        const buf = cachedTextEncoder.encode(arg);
        view.set(buf);
        return {
            read: arg.length,
            written: buf.length
        };
    };
}

let WASM_VECTOR_LEN = 0;
`;

// Runs glue text against a stand-in for the wasm module: `compute` answers Ok(its argument)
// for a string, Err for anything else; the imports' answers are read back from the return area.
function runGlue(src) {
  const memory = new WebAssembly.Memory({ initial: 1 });
  let top = 1024, sp = 512;
  const allocs = [];
  const wasm = {
    memory,
    __wbindgen_malloc: (n) => { allocs.push(n); const p = top; top += n; return p; },
    __wbindgen_realloc: (p, old, n) => { allocs.push(n); const q = top; top += n; new Uint8Array(memory.buffer).copyWithin(q, p, p + Math.min(old, n)); return q; },
    __wbindgen_add_to_stack_pointer: (n) => (sp += n),
    __wbindgen_exn_store: (i) => { wasm.exn = i; },
    later: (i) => g.imports.__wbg_wrap_0123(i),
    compute(ret, i) {
      const dv = new DataView(memory.buffer);
      const ok = typeof g.getObject(i) === 'string';
      dv.setInt32(ret + (ok ? 0 : 4), i, true);
      dv.setInt32(ret + 8, ok ? 0 : 1, true);
    },
  };
  const g = new Function('wasm', `${src.replace(/^export /gm, '')}
    return { compute, later, imports: __wbg_get_imports()['./t_bg.js'], Op, getObject, addHeapObject, takeObject, heap: () => heap };`)(wasm);
  const read = (at) => {
    const dv = new DataView(memory.buffer);
    const ptr = dv.getInt32(at, true), len = dv.getInt32(at + 4, true);
    return [ptr, len, ptr ? new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len)) : null];
  };
  const out = [];
  for (const s of ['', 'plain ascii', 'caf\u00e9', '\u00e9t\u00e9 \u{1F600} x', 'lone \ud800 surrogate', 'x'.repeat(3000) + '\u20ac']) {
    const before = allocs.length;
    g.imports.__wbg_json_776e5cb2287724fd(16, g.addHeapObject(s));
    const [, len, text] = read(16);
    out.push([s, len, text, allocs.at(-1), allocs.length > before]);
    g.imports.__wbg_sget_110ac8b3b2ed06ad(32, g.addHeapObject(() => s));
    out.push(read(32).slice(1));
    out.push(g.compute(s));
  }
  g.imports.__wbg_sget_110ac8b3b2ed06ad(48, g.addHeapObject(() => null));
  out.push(read(48)[0]);
  out.push(g.later('x'), g.imports.__wbg___wbindgen_is_null_c22311b1cc228e3a(g.addHeapObject(null)),
    g.imports.__wbg___wbindgen_is_null_c22311b1cc228e3a(g.addHeapObject(0)));
  const boom = new Error('boom');
  assert.equal(g.imports.__wbg_sget_110ac8b3b2ed06ad(48, g.addHeapObject(() => { throw boom; })), undefined);
  out.push(g.takeObject(wasm.exn) === boom);
  const err = (() => { try { g.compute(42); } catch (e) { return e; } })();
  out.push(err, sp, g.heap().length);
  out.push(Symbol.dispose in g.Op.prototype, Object.getPrototypeOf(g.imports) === null);
  return out;
}

test('compactGlue: fewer bytes, the same strings in wasm memory, the same results and errors', () => {
  const out = compactGlue(GLUE);
  assert.ok(out.length < GLUE.length - 1000, `${GLUE.length} -> ${out.length}`);
  for (const gone of ['encodeInto', '__wbindgen_realloc', 'var r2', 'arguments); }', 'Symbol.dispose', '__proto__', '(ret);', 'const ret = wasm', 'const ret = getObject(arg0)', 'const ret = [', 'const ret = String']) {
    assert.ok(!out.includes(gone), `${gone} is gone`);
  }
  const before = runGlue(GLUE), after = runGlue(out);
  // The same strings (their UTF-8 bytes and lengths), results, errors and heap; the last
  // allocation of each string is its exact UTF-8 length in both.
  const bytes = (s) => new TextEncoder().encode(s).length;
  for (const [s, len, text, lastAlloc, allocated] of [before[0], after[0], before[15], after[15]]) {
    assert.equal(len, bytes(s));
    assert.equal(text, new TextDecoder().decode(new TextEncoder().encode(s)));
    assert.equal(allocated, true);
    assert.equal(lastAlloc, bytes(s));
  }
  const strip = (o) => o.map((x, i) => (i % 3 === 0 && Array.isArray(x) ? x.slice(0, 3) : x));
  assert.deepEqual(strip(after.slice(0, -2)), strip(before.slice(0, -2)));
  assert.equal(after.at(-10), 0, 'an absent optional string is a null pointer');
  assert.deepEqual(after.slice(-9, -6), [['x'], true, false], 'values returned without a `ret` variable');
  assert.equal(after.at(-6), true, 'a thrown error reaches __wbindgen_exn_store');
  assert.equal(after.at(-5), 42, 'Err(value) is thrown');
  assert.deepEqual(before.slice(-2), [true, true]);
  assert.deepEqual(after.slice(-2), [false, false], 'no Symbol.dispose on Op; import objects with a prototype');
  for (const bad of [GLUE.replace(/encodeInto/g, 'encodeIt'), GLUE.replace('var r2', 'var r9'), GLUE.replace(/arguments\); \}/, ')')]) {
    assert.throws(() => compactGlue(bad), /not found in the glue|not all rewritten/);
  }
});
