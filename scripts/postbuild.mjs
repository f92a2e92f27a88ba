// Post-processing of a wasm-pack output folder:
//   node scripts/postbuild.mjs <dir> <web|bundler> [name]   (name: the --out-name, default oauth_spa)
//   node scripts/postbuild.mjs --add-entry <from> <dir> <subpath> <name>
//     copies entry <name> (its .js, _bg.wasm, .d.ts files; bundler: also _bg.js, snippets) built
//     in folder <from> into package folder <dir>, importable as `oauth-spa/<subpath>`, and
//     writes package.json `exports` and `files` for every entry of <dir>.
// For each entry:
// - re-exports the OAuthError class (defined in js/glue.js, emitted as a snippet) from the
//   package entry, so `import { OAuthError } from 'oauth-spa'` works and `instanceof` holds;
// - sets the npm package name and metadata;
// - web target, for size (notes/size.md rule 11): gives the wasm's imports and exports short
//   names (rewriting the import and export sections, and the same names in the JS glue), then
//   bundles the glue and its snippets into one minified oauth_spa.js with esbuild. The JS API,
//   its names and behaviour are unchanged: only internal names and whitespace go.
import { readFileSync, writeFileSync, readdirSync, statSync, rmSync, existsSync, cpSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.argv[2] === '--add-entry') {
  addEntry(...process.argv.slice(3));
  process.exit(0);
}
const [dir = 'pkg', target = 'web', name = 'oauth_spa'] = process.argv.slice(2);

function find(base, name) {
  for (const e of readdirSync(base)) {
    const p = join(base, e);
    if (statSync(p).isDirectory()) {
      const r = find(p, name);
      if (r) return r;
    } else if (e === name) return p;
  }
  return null;
}

const glue = find(join(dir, 'snippets'), 'glue.js');
if (!glue) throw new Error(`postbuild: no snippets/**/glue.js in ${dir}`);
const entry = join(dir, `${name}.js`);
let js = readFileSync(entry, 'utf8');
const line = `export { OAuthError } from './${relative(dir, glue).split('\\').join('/')}';\n`;
if (!js.includes(line)) js += line;
// `Op` (src/wasm/op.rs) is how the glue calls back into Rust once fetch answers: internal, not
// part of the API (its types are skipped too), so the entry does not export it.
js = js.replace(/^export class Op \{/m, 'class Op {').replace(/^(export \{\s*)Op, /m, '$1');

const file = join(dir, 'package.json');
const pkg = JSON.parse(readFileSync(file, 'utf8'));
pkg.name = 'oauth-spa';
// wasm-pack lists the license files only when they were in the folder before it ran.
for (const f of readdirSync(dir)) {
  if (/^LICENSE/.test(f) && !pkg.files.includes(f)) pkg.files.push(f);
}
// Bundler target: the entry module hands the wasm instance to the glue when it is evaluated
// (`__wbg_set_wasm`), so it has side effects: a bundler told otherwise skips it and the wasm is
// never loaded (tests/e2e/bundler.test.mjs).
// `**`: the snippets sit two folders down (snippets/<crate>-<hash>/js/glue.js).
pkg.sideEffects = [`./${name}.js`, './snippets/**'];

if (target === 'web' && !js.includes('/* postbuild: minified */')) {
  const wasmFile = join(dir, `${name}_bg.wasm`);
  const { wasm, renames } = shortenNames(readFileSync(wasmFile));
  writeFileSync(wasmFile, wasm);
  js = renameInGlue(js, renames);
  // wasm-bindgen's init warnings, shorter (each is skipped if this wasm-bindgen words it otherwise).
  for (const [from, to] of [
    ['`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\\n',
      'oauth-spa: the .wasm is not served as application/wasm; using WebAssembly.instantiate:'],
    ['using deprecated parameters for `initSync()`; pass a single object instead', 'initSync: pass { module }'],
    ['using deprecated parameters for the initialization function; pass a single object instead',
      'init: pass { module_or_path }'],
  ]) js = js.split(from).join(to);
  for (const d of [`${name}.d.ts`, `${name}_bg.wasm.d.ts`]) {
    const p = join(dir, d);
    if (!existsSync(p)) continue;
    let ts = readFileSync(p, 'utf8');
    for (const [from, to] of renames.exports) {
      ts = ts.replace(new RegExp(`(readonly |export const )${from}(?=\\W)`, 'g'), `$1${to}`);
    }
    writeFileSync(p, ts);
  }
  writeFileSync(entry, js);
  // One file: the glue, the snippets inlined, minified. `import.meta.url` (where init finds
  // the .wasm) is kept as it is.
  const esbuild = join(root, 'node_modules', '.bin', 'esbuild');
  const out = execFileSync(esbuild, [entry, '--bundle', '--format=esm', '--minify',
    '--log-level=error', '--legal-comments=none', '--target=es2020'], { encoding: 'utf8' });
  writeFileSync(entry, '/* postbuild: minified */\n' + out);
  rmSync(join(dir, 'snippets'), { recursive: true, force: true });
  pkg.files = pkg.files.filter((f) => f !== 'snippets');
  // The inlined snippets have no top-level side effects beyond the module itself.
  delete pkg.sideEffects;
} else {
  writeFileSync(entry, js);
}
writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');

// ---- a second entry in the same package -------------------------------------------------

function addEntry(from, dir, subpath, name) {
  if (!from || !dir || !subpath || !name) {
    throw new Error('usage: postbuild.mjs --add-entry <from> <dir> <subpath> <name>');
  }
  const file = join(dir, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  const main = pkg.main.replace(/\.js$/, '');
  const copied = [];
  for (const f of readdirSync(from)) {
    if (f.startsWith(`${name}.`) || f.startsWith(`${name}_bg.`)) {
      cpSync(join(from, f), join(dir, f));
      copied.push(f);
    }
  }
  if (!copied.includes(`${name}.js`) || !copied.includes(`${name}_bg.wasm`)) {
    throw new Error(`postbuild: no ${name}.js and ${name}_bg.wasm in ${from}`);
  }
  // Bundler target: the snippets (the same files for both entries of one crate) merge.
  if (existsSync(join(from, 'snippets'))) {
    cpSync(join(from, 'snippets'), join(dir, 'snippets'), { recursive: true });
  }
  const files = new Set(pkg.files);
  // As wasm-pack lists the first entry's files: not the raw ABI declarations (_bg.wasm.d.ts).
  for (const f of copied) if (!f.endsWith('.d.ts') || f === `${name}.d.ts`) files.add(f);
  pkg.files = [...files];
  const exp = (n) => (existsSync(join(dir, `${n}.d.ts`))
    ? { types: `./${n}.d.ts`, default: `./${n}.js` }
    : `./${n}.js`);
  pkg.exports = {
    '.': exp(main),
    [`./${subpath}`]: exp(name),
    // Every file stays reachable by its path, as before `exports` existed
    // (e.g. `oauth-spa/oauth_spa_bg.wasm` for a bundler's asset import).
    './*': './*',
  };
  if (pkg.sideEffects) {
    pkg.sideEffects = [...new Set(pkg.sideEffects.flatMap((f) => [f, f.split(main).join(name)]))];
  }
  writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
}

// ---- wasm import/export names -------------------------------------------------------------

/** Short identifiers: a, b, ..., z, A, ..., Z, aa, ab, ... (valid JS property names). */
function shortName(i) {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let s = '';
  do {
    s = chars[i % chars.length] + s;
    i = Math.floor(i / chars.length) - 1;
  } while (i >= 0);
  return s;
}

function readLeb(buf, pos) {
  let result = 0, shift = 0, b;
  do {
    b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [result, pos];
}

function leb(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}

function str(s) {
  return Buffer.concat([leb(Buffer.byteLength(s)), Buffer.from(s)]);
}

/**
 * Renames the imports of the glue's own module (fields and module) and of each snippet module
 * (module only: its fields are the snippet's export names), and every export.
 * Returns the new binary and the renames: modules, fields (of the glue module), exports.
 */
function shortenNames(bin) {
  if (bin.readUInt32LE(0) !== 0x6d736100) throw new Error('postbuild: not a wasm file');
  // snippets: for each snippet module, the fields the wasm imports from it.
  const renames = { modules: new Map(), fields: new Map(), exports: new Map(), snippets: new Map() };
  const parts = [bin.subarray(0, 8)];
  let pos = 8;
  let fieldCount = 0;
  while (pos < bin.length) {
    const id = bin[pos];
    const [size, start] = readLeb(bin, pos + 1);
    const end = start + size;
    let body = bin.subarray(start, end);
    if (id === 2) body = rewriteImports(body);
    if (id === 7) body = rewriteExports(body);
    parts.push(Buffer.from([id]), leb(body.length), body);
    pos = end;
  }
  return { wasm: Buffer.concat(parts), renames };

  function rewriteImports(b) {
    let [count, p] = readLeb(b, 0);
    const out = [leb(count)];
    for (let n = 0; n < count; n++) {
      let len, module, field;
      [len, p] = readLeb(b, p);
      module = b.toString('utf8', p, p + len);
      p += len;
      [len, p] = readLeb(b, p);
      field = b.toString('utf8', p, p + len);
      p += len;
      const descStart = p;
      const kind = b[p++];
      if (kind === 0) [, p] = readLeb(b, p); // function: type index
      else if (kind === 1 || kind === 2) { // table (reftype, limits) or memory (limits)
        if (kind === 1) p++;
        const flags = b[p++];
        [, p] = readLeb(b, p);
        if (flags & 1) [, p] = readLeb(b, p);
      } else if (kind === 3) p += 2; // global: valtype, mutability
      else if (kind === 4) { p++; [, p] = readLeb(b, p); } // tag
      else throw new Error(`postbuild: unknown import kind ${kind}`);
      if (!renames.modules.has(module)) renames.modules.set(module, shortName(renames.modules.size));
      const own = module.endsWith('_bg.js');
      if (own && !renames.fields.has(field)) renames.fields.set(field, shortName(fieldCount++));
      if (!own) {
        if (!renames.snippets.has(module)) renames.snippets.set(module, new Set());
        renames.snippets.get(module).add(field);
      }
      out.push(str(renames.modules.get(module)), str(own ? renames.fields.get(field) : field),
        b.subarray(descStart, p));
    }
    if (p !== b.length) throw new Error('postbuild: import section not fully read');
    return Buffer.concat(out);
  }

  function rewriteExports(b) {
    let [count, p] = readLeb(b, 0);
    const out = [leb(count)];
    for (let n = 0; n < count; n++) {
      let len;
      [len, p] = readLeb(b, p);
      const name = b.toString('utf8', p, p + len);
      p += len;
      const descStart = p;
      p++;
      [, p] = readLeb(b, p);
      const to = shortName(n);
      renames.exports.set(name, to);
      out.push(str(to), b.subarray(descStart, p));
    }
    if (p !== b.length) throw new Error('postbuild: export section not fully read');
    return Buffer.concat(out);
  }
}

/** The same renames in the generated glue: import object keys and `wasm.<export>`. */
function renameInGlue(src, renames) {
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  for (const [from, to] of renames.modules) {
    const fields = renames.snippets.get(from);
    if (fields) {
      // A snippet imported whole (`import * as importN`): list just the functions the wasm
      // uses, so the bundler need not build the module's namespace object.
      const re = new RegExp(`(["'])${esc(from)}\\1: (\\w+),?\\n`, 'g');
      if (!re.test(src)) throw new Error(`postbuild: import module ${from} not found in the glue`);
      let done = false;
      src = src.replace(re, (m, q, ns) => {
        if (done) return '';
        done = true;
        return `${to}: { ${[...fields].map((f) => `${f}: ${ns}.${f}`).join(', ')} },\n`;
      });
      continue;
    }
    const re = new RegExp(`(["'])${esc(from)}\\1:`, 'g');
    if (!re.test(src)) throw new Error(`postbuild: import module ${from} not found in the glue`);
    src = src.replace(re, `${to}:`);
  }
  for (const [from, to] of renames.fields) {
    const re = new RegExp(`^(\\s*)${esc(from)}:`, 'gm');
    if (!re.test(src)) throw new Error(`postbuild: import ${from} not found in the glue`);
    src = src.replace(re, `$1${to}:`);
  }
  src = src.replace(/\bwasm\.(\w+)\b/g, (m, name) => {
    const to = renames.exports.get(name);
    if (!to) throw new Error(`postbuild: the glue uses wasm.${name}, which is not exported`);
    return `wasm.${to}`;
  });
  return src;
}
