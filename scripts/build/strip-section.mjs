// node scripts/build/strip-section.mjs <in.wasm> <out.wasm> <custom-section-name>
// Copies a wasm file without the custom sections of that name.
import { readFileSync, writeFileSync } from 'node:fs';
import { withoutCustomSection } from './wasm-binary.mjs';

const [from, to, name] = process.argv.slice(2);
if (!from || !to || !name) {
  console.error('usage: strip-section.mjs <in.wasm> <out.wasm> <name>');
  process.exit(2);
}
writeFileSync(to, withoutCustomSection(readFileSync(from), name));
