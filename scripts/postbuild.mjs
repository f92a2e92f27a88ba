// Post-processing of a wasm-pack output folder:
// - re-exports the OAuthError class (defined in js/glue.js, emitted as a snippet) from the
//   package entry, so `import { OAuthError } from 'oauth-spa'` works and `instanceof` holds;
// - sets the npm package name and metadata.
import { readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const [dir = 'pkg'] = process.argv.slice(2);

function find(root, name) {
  for (const e of readdirSync(root)) {
    const p = join(root, e);
    if (statSync(p).isDirectory()) {
      const r = find(p, name);
      if (r) return r;
    } else if (e === name) return p;
  }
  return null;
}

const glue = find(join(dir, 'snippets'), 'glue.js');
if (!glue) throw new Error(`postbuild: no snippets/**/glue.js in ${dir}`);
const entry = join(dir, 'oauth_spa.js');
let js = readFileSync(entry, 'utf8');
const line = `export { OAuthError } from './${relative(dir, glue).split('\\').join('/')}';\n`;
if (!js.includes(line)) js += line;
writeFileSync(entry, js);

const file = join(dir, 'package.json');
const pkg = JSON.parse(readFileSync(file, 'utf8'));
pkg.name = 'oauth-spa';
pkg.sideEffects = ['./snippets/*'];
writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
