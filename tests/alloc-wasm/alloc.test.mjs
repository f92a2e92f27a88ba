// Property test of the shipped no_std allocator (src/wasm/heap.rs, built into a wasm module of
// its own by tests/alloc-wasm; run: bash scripts/alloc-test.sh). Random alloc / alloc_zeroed /
// realloc / dealloc sequences from a seeded PRNG, each on a fresh instance; after every call:
// - a block is non-null, aligned, inside the memory and overlaps no other live block;
// - alloc_zeroed gives zeroes (also where a freed block is reused);
// - realloc keeps the first min(old, new) bytes;
// - every live block still holds what was written into it (checked every 500 calls and at the
//   end), so the allocator never writes into a block it handed out.
// And at the top of the 4 GiB address space: allocations return null, never trap or wrap.
// ALLOC_SEED=<n> replays a run; ALLOC_OPS=<n> sets the calls per sequence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const wasm = process.env.ALLOC_WASM
  ?? new URL('../../target/alloc-wasm/wasm32-unknown-unknown/release/oauth_spa_alloc_test.wasm', import.meta.url);
const module = new WebAssembly.Module(readFileSync(wasm));
const PAGE = 65536;

// mulberry32: a small seeded PRNG (uniform in [0, 1)).
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The byte at `i` of the block written with `tag`: never 0, so a zero check means something.
const pattern = (tag, i) => ((tag * 131 + i * 7) % 255) + 1;
// The offsets written and checked in a block of `size` bytes: all of a small block; the first
// and last 4 KiB and every 4093rd byte of a large one (a 8 MiB block stays cheap).
function* offsets(size) {
  if (size <= 16384) {
    for (let i = 0; i < size; i++) yield i;
    return;
  }
  for (let i = 0; i < 4096; i++) yield i;
  for (let i = 4096; i < size - 4096; i += 4093) yield i;
  for (let i = size - 4096; i < size; i++) yield i;
}

// The allocator's exports, with every block it hands out checked and tracked.
class Heap {
  constructor() {
    this.e = new WebAssembly.Instance(module, {}).exports;
    this.live = new Map(); // address -> { size, align, tag }
    this.starts = []; // live addresses, sorted
    this.tag = 0;
  }
  bytes() { return new Uint8Array(this.e.memory.buffer); }
  // Records a block the allocator returned, after checking where it lies.
  place(what, p, size, align) {
    assert.notEqual(p, 0, `${what}(${size}, ${align}) returned null`);
    assert.equal(p % align, 0, `${what}(${size}, ${align}) = ${p}: misaligned`);
    const len = this.e.memory.buffer.byteLength;
    assert.ok(p + size <= len, `${what}(${size}, ${align}) = ${p}: past the memory (${len})`);
    let lo = 0, hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] < p) lo = mid + 1; else hi = mid;
    }
    const before = this.starts[lo - 1], after = this.starts[lo];
    if (before !== undefined) {
      const b = this.live.get(before);
      assert.ok(before + b.size <= p, `${what}(${size}, ${align}) = ${p} overlaps the live block ${before} of ${b.size} B`);
    }
    if (after !== undefined) {
      assert.ok(p + size <= after, `${what}(${size}, ${align}) = ${p} overlaps the live block ${after}`);
    }
    this.starts.splice(lo, 0, p);
    this.live.set(p, { size, align, tag: 0 });
  }
  forget(p) {
    this.live.delete(p);
    let lo = 0, hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] < p) lo = mid + 1; else hi = mid;
    }
    assert.equal(this.starts[lo], p);
    this.starts.splice(lo, 1);
  }
  write(p) {
    const b = this.live.get(p), m = this.bytes();
    b.tag = ++this.tag;
    for (const i of offsets(b.size)) m[p + i] = pattern(b.tag, i);
  }
  // Checks the bytes written with `tag` into a block of `written` bytes, below `upTo`.
  check(p, upTo = Infinity, tag = this.live.get(p).tag, written = this.live.get(p).size) {
    const m = this.bytes();
    for (const i of offsets(written)) {
      if (i >= upTo) break;
      if (m[p + i] !== pattern(tag, i)) {
        assert.fail(`the block ${p} changed at byte ${i}: ${m[p + i]}, not ${pattern(tag, i)}`);
      }
    }
  }
  checkAll() { for (const p of this.live.keys()) this.check(p); }

  alloc(size, align, zeroed) {
    const p = (zeroed ? this.e.alloc_zeroed : this.e.alloc)(size, align) >>> 0;
    this.place(zeroed ? 'alloc_zeroed' : 'alloc', p, size, align);
    if (zeroed) {
      const m = this.bytes();
      for (const i of offsets(size)) {
        if (m[p + i] !== 0) assert.fail(`alloc_zeroed(${size}, ${align}) = ${p}: byte ${i} is ${m[p + i]}`);
      }
    }
    this.write(p);
    return p;
  }
  realloc(p, newSize) {
    const old = this.live.get(p);
    this.forget(p);
    const q = this.e.realloc(p, old.size, old.align, newSize) >>> 0;
    this.place('realloc', q, newSize, old.align);
    // The old contents (the offsets written into the old block), as far as both sizes go;
    // the block may have moved.
    this.check(q, Math.min(old.size, newSize), old.tag, old.size);
    this.write(q);
    return q;
  }
  dealloc(p) {
    const b = this.live.get(p);
    this.forget(p);
    this.e.dealloc(p, b.size, b.align);
  }
}

// A size: mostly small strings, sometimes pages, rarely megabytes.
function size(rand) {
  const r = rand();
  const upTo = r < 0.6 ? 64 : r < 0.85 ? 4096 : r < 0.95 ? PAGE : r < 0.99 ? 1 << 20 : 8 << 20;
  return 1 + Math.floor(rand() * upTo);
}
function align(rand) {
  const r = rand();
  const log2 = r < 0.7 ? Math.floor(rand() * 4) : r < 0.95 ? 4 + Math.floor(rand() * 9) : 13 + Math.floor(rand() * 4);
  return 2 ** log2; // 1 .. 65536
}

const seed0 = process.env.ALLOC_SEED ? Number(process.env.ALLOC_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const ops = Number(process.env.ALLOC_OPS ?? 5000);

for (let run = 0; run < 6; run++) {
  const seed = (seed0 + run) >>> 0;
  test(`random alloc/realloc/dealloc sequence, seed ${seed}`, (t) => {
    t.diagnostic(`seed ${seed} (replay: ALLOC_SEED=${seed} bash scripts/alloc-test.sh), ${ops} calls`);
    const rand = prng(seed), h = new Heap();
    // Some runs keep few blocks live (much reuse), some many.
    const target = run % 2 ? 40 : 400;
    const counts = { alloc: 0, alloc_zeroed: 0, realloc: 0, dealloc: 0, refused: 0 };
    for (let n = 1; n <= ops; n++) {
      const r = rand(), live = [...h.live.keys()];
      const pick = () => live[Math.floor(rand() * live.length)];
      if (live.length && (r < 0.2 || (live.length > target && r < 0.6))) {
        h.dealloc(pick());
        counts.dealloc++;
      } else if (live.length && r < 0.45) {
        h.realloc(pick(), size(rand));
        counts.realloc++;
      } else if (r < 0.46) {
        // Alignments past 64 KiB and layouts Rust refuses are refused, not served.
        assert.equal(h.e.alloc(size(rand), 2 ** (17 + Math.floor(rand() * 4))) >>> 0, 0, 'align > 64 KiB');
        assert.equal(h.e.alloc(16, 3) >>> 0, 0, 'align not a power of two');
        counts.refused++;
      } else {
        const zeroed = rand() < 0.35;
        h.alloc(size(rand), align(rand), zeroed);
        counts[zeroed ? 'alloc_zeroed' : 'alloc']++;
      }
      if (n % 500 === 0) h.checkAll();
    }
    h.checkAll();
    t.diagnostic(`${JSON.stringify(counts)}; ${h.live.size} blocks live, memory ${h.e.memory.buffer.byteLength / PAGE} pages`);
  });
}

test('at the top of the 4 GiB address space allocations return null: no trap, no wrap', (t) => {
  const h = new Heap();
  // A block of `s` bytes, checked and tracked; 0 when the allocator has none.
  const tryTake = (s, align) => {
    const p = h.e.alloc(s, align) >>> 0;
    if (p === 0) return 0;
    h.place('alloc', p, s, align);
    // Only the ends are written: touching gigabytes would take the RAM.
    const m = h.bytes();
    m[p] = 1;
    m[p + s - 1] = 2;
    return p;
  };
  const take = (s, align) => {
    const p = tryTake(s, align);
    assert.notEqual(p, 0, `alloc(${s}, ${align})`);
    return p;
  };
  // Blocks of the classes from 2 GiB down to 128 KiB, each while it fits: the memory grows to
  // one page short of its 65,536-page limit.
  for (let s = 2 ** 31 - 1; s > PAGE; s = Math.floor(s / 2)) {
    while (tryTake(s, 1));
  }
  const pagesBefore = h.e.memory.buffer.byteLength / PAGE;
  assert.equal(pagesBefore, 65535);
  // The last page: 15 blocks of 4 KiB, then 255 of 16 B: 16 bytes are left, at 2^32 - 16.
  for (let i = 0; i < 15; i++) take(4000, 4096);
  for (let i = 0; i < 255; i++) take(16, 16);
  const pages = h.e.memory.buffer.byteLength / PAGE;
  assert.equal(pages, 65536, 'the memory grew to 4 GiB (otherwise the top was not reached)');
  // Rounding 2^32 - 16 up to the alignment of a larger class passes 2^32: null, no trap.
  assert.equal(h.e.alloc(4000, 4096) >>> 0, 0, 'a 4 KiB block when 16 B are left');
  assert.equal(h.e.alloc(17, 1) >>> 0, 0, 'a 32 B block when 16 B are left');
  // The last 16 bytes, up to the end of the address space.
  const top = take(1, 1);
  assert.equal(top, 2 ** 32 - 16, 'the last block ends at 2^32');
  t.diagnostic(`memory ${pagesBefore} pages, then ${pages}; ${h.live.size} blocks tracked; the last at ${top}`);
  // Full: every size, zeroed or not, is refused, as often as asked.
  for (let i = 0; i < 3; i++) {
    for (let s = 1; s < 2 ** 31; s *= 2) {
      assert.equal(h.e.alloc(s, 1) >>> 0, 0, `alloc(${s}) when full`);
      assert.equal(h.e.alloc_zeroed(s, 8) >>> 0, 0, `alloc_zeroed(${s}) when full`);
    }
  }
  // A block grows in place within its class; past it: null, and the block is kept.
  assert.equal(h.e.realloc(top, 1, 1, 16) >>> 0, top, 'realloc within the class');
  h.bytes()[top + 15] = 7;
  assert.equal(h.e.realloc(top, 16, 1, 1 << 20) >>> 0, 0, 'realloc past the class when full');
  assert.equal(h.bytes()[top + 15], 7, 'the block kept its contents');
  // A freed block is handed out again: the topmost one, and the 2 GiB one (to its class only).
  h.live.get(top).size = 16;
  h.dealloc(top);
  assert.equal(h.e.alloc_zeroed(9, 1) >>> 0, top, 'the freed top block is reused');
  assert.equal(h.bytes()[top], 0, 'and zeroed');
  const big = h.starts[0], bigSize = h.live.get(big).size;
  assert.equal(bigSize, 2 ** 31 - 1, 'the first block is the 2 GiB one');
  h.dealloc(big);
  assert.equal(h.e.alloc(100, 4) >>> 0, 0, 'another class does not use the freed block');
  assert.equal(h.e.alloc(2 ** 30 + 1, 1) >>> 0, big, 'its own class does');
});
