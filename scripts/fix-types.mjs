// Tidies the TypeScript declarations wasm-pack generated in a package folder:
// - trailing `x: T | undefined` parameters become optional (`x?: T`), as the JS API treats them;
// - the raw wasm ABI declarations (InitOutput, *_bg.wasm.d.ts) say `unknown`, never `any`.
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [dir = 'pkg'] = process.argv.slice(2);
for (const f of readdirSync(dir).filter((n) => n.endsWith('.d.ts'))) {
  const file = join(dir, f);
  let ts = readFileSync(file, 'utf8');
  ts = ts.replace(/^(export function \w+\()(.*)(\):.*)$/gm, (_, head, params, tail) => {
    const parts = params.split(/, (?=\w+: )/);
    for (let i = parts.length - 1; i >= 0; i--) {
      const m = /^(\w+): (.*) \| undefined$/.exec(parts[i]);
      if (!m) break;
      parts[i] = `${m[1]}?: ${m[2]}`;
    }
    return head + parts.join(', ') + tail;
  });
  // Code only: the word "any" in a doc comment stays.
  ts = ts.split('\n').map((l) => (/^\s*(\/\*\*|\*|\/\/)/.test(l) ? l : l.replace(/\bany\b/g, 'unknown'))).join('\n');
  writeFileSync(file, ts);
}
