// Reading and rewriting the sections of a WebAssembly binary (the parts scripts/postbuild.mjs
// needs: custom sections, the import and export sections). Tested by tests/build/.

export function readLeb(buf, pos) {
  let result = 0, shift = 0, b;
  do {
    b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [result, pos];
}

export function leb(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}

/** A name as the binary format writes it: its length, then its UTF-8 octets. */
export function str(s) {
  return Buffer.concat([leb(Buffer.byteLength(s)), Buffer.from(s)]);
}

/** The sections of `bin`: `{ id, body, name }` (name: custom sections only). */
export function sections(bin) {
  if (bin.length < 8 || bin.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm file');
  const out = [];
  let pos = 8;
  while (pos < bin.length) {
    const id = bin[pos];
    const [size, start] = readLeb(bin, pos + 1);
    const end = start + size;
    if (end > bin.length) throw new Error('wasm section runs past the end of the file');
    const body = bin.subarray(start, end);
    let name;
    if (id === 0) {
      const [len, p] = readLeb(body, 0);
      name = body.toString('utf8', p, p + len);
    }
    out.push({ id, body, name });
    pos = end;
  }
  return out;
}

/** The binary of `bin`'s header and `list` of sections. */
export function assemble(bin, list) {
  const parts = [bin.subarray(0, 8)];
  for (const { id, body } of list) parts.push(Buffer.from([id]), leb(body.length), body);
  return Buffer.concat(parts);
}

/** `bin` without its custom sections called `name`. */
export function withoutCustomSection(bin, name) {
  return assemble(bin, sections(bin).filter((s) => !(s.id === 0 && s.name === name)));
}

/** Short identifiers: a, b, ..., z, A, ..., Z, aa, ab, ... (valid JS property names). */
export function shortName(i) {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let s = '';
  do {
    s = chars[i % chars.length] + s;
    i = Math.floor(i / chars.length) - 1;
  } while (i >= 0);
  return s;
}

/**
 * Renames the imports of the glue's own module (fields and module) and of each snippet module
 * (module only: its fields are the snippet's export names), and every export.
 * Returns the new binary and the renames: modules, fields (of the glue module), exports, and
 * for each snippet module the fields the wasm imports from it.
 */
export function shortenNames(bin) {
  const renames = { modules: new Map(), fields: new Map(), exports: new Map(), snippets: new Map() };
  let fieldCount = 0;
  const list = sections(bin).map((s) => {
    if (s.id === 2) return { ...s, body: rewriteImports(s.body) };
    if (s.id === 7) return { ...s, body: rewriteExports(s.body) };
    return s;
  });
  return { wasm: assemble(bin, list), renames };

  function rewriteImports(b) {
    let [count, p] = readLeb(b, 0);
    const out = [leb(count)];
    for (let n = 0; n < count; n++) {
      let len;
      [len, p] = readLeb(b, p);
      const module = b.toString('utf8', p, p + len);
      p += len;
      [len, p] = readLeb(b, p);
      const field = b.toString('utf8', p, p + len);
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
      else throw new Error(`unknown import kind ${kind}`);
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
    if (p !== b.length) throw new Error('import section not fully read');
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
    if (p !== b.length) throw new Error('export section not fully read');
    return Buffer.concat(out);
  }
}
