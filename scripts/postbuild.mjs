// Post-processing of a wasm-pack output folder: sets the package name and metadata users install.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir = 'pkg'] = process.argv.slice(2);
const file = join(dir, 'package.json');
const pkg = JSON.parse(readFileSync(file, 'utf8'));
pkg.name = 'oauth-spa';
pkg.sideEffects = pkg.sideEffects ?? ['./snippets/*'];
writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
