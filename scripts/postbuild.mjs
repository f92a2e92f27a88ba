// Turns what wasm-bindgen generated into the package folder users install:
//   node scripts/postbuild.mjs <dir> <name>...
// <dir> holds, for each entry <name> (oauth_spa, oauth_spa_core, oauth_spa_dpop), wasm-bindgen's `--target web`
// output (<name>.js, <name>_bg.wasm, <name>.d.ts, snippets/) with the wasm already optimised.
// For each entry it:
// - gives the wasm's imports and exports short names, and the glue the same (size);
// - translates the wasm to JavaScript with binaryen's wasm2js: <name>_fallback.js, the engine
//   where WebAssembly cannot run, loaded only there (a dynamic import);
// - puts the wasm inside <name>.js (LZMA, base64) with the loader of js/loader.js instead of
//   wasm-bindgen's and the LZMA decoder's module (<dir>/unlzma.wasm, built by scripts/build.sh
//   from unlzma/), and bundles the glue and its snippets into one minified module (one
//   request; js/error.js says how the entries share one error class);
// - writes the declarations of init() and removes the files no longer shipped.
// Then it writes package.json. The steps live in scripts/build/ (tested by tests/build/).
import { readFileSync, writeFileSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { execFileSync } from 'node:child_process';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { shortenNames } from './build/wasm-binary.mjs';
import { renameInGlue, renewMemoryViews, installLoader, fallbackModule, compactGlue } from './build/glue.mjs';
import { initDeclarations, packageJson, pathEntries } from './build/package.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [dir, ...names] = process.argv.slice(2);
if (!dir || names.length === 0) {
  console.error('usage: postbuild.mjs <dir> <name>...');
  process.exit(2);
}
const bin = (tool) => join(root, 'node_modules', '.bin', tool);

function find(base, file) {
  for (const e of readdirSync(base)) {
    const p = join(base, e);
    if (statSync(p).isDirectory()) {
      const r = find(p, file);
      if (r) return r;
    } else if (e === file) return p;
  }
  return null;
}

const errorSnippet = find(join(dir, 'snippets'), 'error.js');
if (!errorSnippet) throw new Error(`postbuild: no snippets/**/error.js in ${dir}`);
// esbuild: the fallback is a file of the package, loaded by the entry at run time.
const fallbackExternal = {
  name: 'fallback-external',
  setup(b) {
    b.onResolve({ filter: /_fallback\.js$/ }, (a) => ({ path: a.path, external: true }));
  },
};

const OP_INTERNALS = /^__(wbg_ptr|destroy_into_raw|wrap)$/;
// Bytes of `buf` under GNU gzip -9 (what scripts/size.sh measures; zlib level 9 where there is
// no gzip), zlib level 6 (a web server's usual gzip) and brotli 11.
function compressedSizes(buf) {
  let gz;
  try {
    gz = execFileSync('gzip', ['-9', '-c'], { input: buf, maxBuffer: 64 << 20 }).length;
  } catch {
    gz = gzipSync(buf, { level: 9 }).length;
  }
  return [gz, gzipSync(buf, { level: 6 }).length,
    brotliCompressSync(buf, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }).length];
}
const loader = readFileSync(join(root, 'js', 'loader.js'), 'utf8');
const decoderFile = join(dir, 'unlzma.wasm');
const decoder = readFileSync(decoderFile);
const decoderBase64 = decoder.toString('base64');
// The module as a raw LZMA1 stream (xz from xz-utils), with the options unlzma/ decodes:
// lc=3 (literals coded by the 3 high bits of the byte before), no position bits (lp=0, pb=0:
// wasm has no alignment to exploit), the longest match search. Measured on the full entry's
// module (78,841 B): 30,692 B, against 33,750 B with zopfli's deflate (15 iterations) before;
// lc=4 30,809 B, pb=2 30,802 B, lc=0 31,097 B. unlzma/tests/round_trip.rs uses the same options.
const LZMA1 = ['--format=raw', '--lzma1=preset=9e,lc=3,lp=0,pb=0,nice=273', '-c'];
const lzma = (bytes) => execFileSync('xz', LZMA1, { input: bytes, maxBuffer: 64 << 20 });
// What the shipped decoder makes of `packed`, run the way js/loader.js `compile` runs it (keep the
// two alike): the build stops unless each entry unpacks to its very module, whatever xz's
// version or defaults.
async function unpack(packed, size) {
  const { memory, d } = (await WebAssembly.instantiate(decoder)).instance.exports;
  const at = memory.buffer.byteLength;
  memory.grow(Math.ceil((packed.length + size) / 65536));
  new Uint8Array(memory.buffer).set(packed, at);
  d(at, at + packed.length, size);
  return Buffer.from(new Uint8Array(memory.buffer, at + packed.length, size));
}
for (const name of names) {
  const entry = join(dir, `${name}.js`);
  const wasmFile = join(dir, `${name}_bg.wasm`);
  const dts = join(dir, `${name}.d.ts`);
  let js = readFileSync(entry, 'utf8');
  if (js.includes('_fallback.js')) throw new Error(`postbuild: ${entry} was already processed`);
  // `Op` (src/wasm/op.rs) is how the glue calls back into Rust once fetch answers: internal, not
  // part of the API (its types are skipped too), so the entry does not export it.
  js = js.replace(/^export class Op \{/m, 'class Op {');

  js = compactGlue(renewMemoryViews(js));
  const { wasm, renames } = shortenNames(readFileSync(wasmFile));
  js = renameInGlue(js, renames);

  // The JavaScript engine: the same wasm, translated.
  const fallbackName = `${name}_fallback.js`;
  writeFileSync(wasmFile, wasm);
  // wasm2js cannot translate the saturating float-to-int operations (Rust's `as u64`):
  // lower them first to the MVP instructions that compute the same results.
  const lowered = join(dir, `${name}_lowered.wasm`);
  execFileSync(bin('wasm-opt'), [wasmFile, '-o', lowered, '--enable-bulk-memory', '--enable-sign-ext',
    '--enable-nontrapping-float-to-int', '--enable-mutable-globals', '--llvm-nontrapping-fptoint-lowering']);
  const translated = execFileSync(bin('wasm2js'), [lowered, '-Oz', '--enable-bulk-memory',
    '--enable-sign-ext', '--enable-mutable-globals'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  rmSync(lowered);
  await build({
    stdin: { contents: fallbackModule(translated), loader: 'js' },
    outfile: join(dir, fallbackName), format: 'esm', minify: true, target: 'es2020',
    legalComments: 'none', logLevel: 'error',
  });

  // Functions that return a promise wait for the engine themselves (their declarations say so).
  const asyncNames = [...readFileSync(dts, 'utf8').matchAll(/^export function (\w+)\(.*\): Promise<.*;$/gm)]
    .map((m) => m[1]);
  const glueDir = dirname(entry);
  const packed = lzma(wasm);
  if (!(await unpack(packed, wasm.length)).equals(wasm)) {
    throw new Error(`postbuild: ${name}'s LZMA stream does not unpack to its module with unlzma/`);
  }
  const loaderOptions = {
    loader,
    wasmBase64: packed.toString('base64'),
    decoderBase64,
    wasmSize: wasm.length,
    fallbackPath: `./${fallbackName}`,
    errorPath: './' + relative(glueDir, errorSnippet).split('\\').join('/'),
    asyncNames,
  };
  // One file: the glue and its snippets, minified.
  const bundle = async (wasmAtEnd) => {
    writeFileSync(entry, installLoader(js, { ...loaderOptions, wasmAtEnd }));
    const out = await build({
      entryPoints: [entry], bundle: true, outfile: entry, write: false, format: 'esm',
      minify: true, target: 'es2020', legalComments: 'none', logLevel: 'error',
      plugins: [fallbackExternal],
      // The internal members of `Op` get short names of their own ($-prefixed: no other
      // property of the bundle has one, and `Op` never leaves it).
      mangleProps: OP_INTERNALS, mangleCache: { __wbg_ptr: '$p', __destroy_into_raw: '$d', __wrap: '$w' },
    });
    return out.outputFiles[0].contents;
  };
  // Where the base64 sits decides how much of it shares compressed blocks (and their Huffman
  // codes) with the code, by hundreds of bytes either way (docs/size.md): the base64 goes after
  // the code when that is no larger under each of gzip -9, zlib level 6 and brotli 11.
  const inMiddle = await bundle(false), atEnd = await bundle(true);
  const [a, b] = [inMiddle, atEnd].map(compressedSizes);
  writeFileSync(entry, b.every((n, i) => n <= a[i]) ? atEnd : inMiddle);
  if (/__(wbg_ptr|destroy_into_raw|wrap)\b/.test(readFileSync(entry, 'utf8'))) {
    throw new Error(`postbuild: ${entry} still names an internal member of Op`);
  }
  writeFileSync(dts, initDeclarations(readFileSync(dts, 'utf8')));
  rmSync(wasmFile);
  rmSync(join(dir, `${name}_bg.wasm.d.ts`), { force: true });
}

rmSync(decoderFile);

// The vault worker (js/vault-worker.js): a module of its own beside the DPoP entry, which it
// imports (so a page without a bundler loads no byte twice); js/vault.js starts it.
if (names.includes('oauth_spa_dpop')) {
  await build({
    entryPoints: [join(root, 'js', 'vault-worker.js')], bundle: true, outfile: join(dir, 'oauth_spa_vault.js'),
    external: ['./oauth_spa_dpop.js'], format: 'esm', minify: true, target: 'es2020',
    legalComments: 'none', logLevel: 'error',
  });
  writeFileSync(join(dir, 'oauth_spa_vault.d.ts'),
    '// The vault worker of createSession(config, { vault: "worker" }) (oauth-spa/dpop): it exports nothing.\nexport {};\n');
}
rmSync(join(dir, 'snippets'), { recursive: true, force: true });
for (const [file, text] of pathEntries(names)) writeFileSync(join(dir, file), text);
const cargo = readFileSync(join(root, 'Cargo.toml'), 'utf8');
const workspace = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
writeFileSync(join(dir, 'package.json'), JSON.stringify(packageJson({ cargo, workspace, names, dir }), null, 2) + '\n');
