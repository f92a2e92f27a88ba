//! The LZMA decoder the package's entries use to unpack their WebAssembly module.
//!
//! Each entry carries its module compressed with LZMA (`xz --format=raw --lzma1=...,lc=3,lp=0,
//! pb=0`, scripts/postbuild.mjs), about 9 % smaller than the best deflate (zopfli) of the same
//! module. Browsers inflate deflate natively but not LZMA, so this decoder ships with the entry
//! as a WebAssembly module of its own of about 1.4 KB (js/loader.js runs it, then compiles what
//! it wrote). It decodes a raw LZMA1 stream with the literal context bits `lc = 3` and no
//! position bits (`lp = 0`, `pb = 0`), whose decoded size the caller knows, and stops there.
//!
//! It reads only what the caller wrote: the stream comes from the same file as the code that
//! runs it, so there is no untrusted input; a corrupt stream makes the WebAssembly memory
//! accesses trap (js/loader.js then falls back to the JavaScript engine).
#![cfg_attr(target_arch = "wasm32", no_std)]

/// Where each group of probabilities starts (LZMA's decoder state, all 11-bit probabilities):
/// `IS_MATCH` 12 states (no position bits), `IS_REP*`, `IS_REP0_LONG`, the distance slot trees
/// (4 length states x 64), the special distances (115), the align bits (16), the match and rep
/// length coders (514 each: choice, choice 2, low 8, mid 8, high 256) and the literal coders
/// (0x300 for each of the 8 contexts of `lc = 3`).
const IS_MATCH: usize = 0;
const IS_REP: usize = 192;
const IS_REP_G0: usize = 204;
const IS_REP_G1: usize = 216;
const IS_REP_G2: usize = 228;
const IS_REP0_LONG: usize = 240;
const SLOT: usize = 432;
const SPECIAL: usize = 688;
const ALIGN: usize = 803;
const MATCH_LEN: usize = 819;
const REP_LEN: usize = 1333;
const LITERAL: usize = 1847;
/// Number of probabilities.
pub const PROBS: usize = LITERAL + 0x300 * 8;

struct RangeDecoder {
    src: *const u8,
    range: u32,
    code: u32,
    probs: *mut u16,
}

impl RangeDecoder {
    /// One bit with the adaptive probability at `at`.
    #[inline(never)]
    unsafe fn bit(&mut self, at: usize) -> usize {
        let q = self.probs.add(at);
        let p = *q as u32;
        let bound = (self.range >> 11) * p;
        let b = if self.code < bound {
            self.range = bound;
            *q = (p + ((2048 - p) >> 5)) as u16;
            0
        } else {
            self.range -= bound;
            self.code -= bound;
            *q = (p - (p >> 5)) as u16;
            1
        };
        self.normalize();
        b
    }

    /// Out of line: 38 B less of decoder for one more call per bit (docs/size.md).
    #[inline(never)]
    unsafe fn normalize(&mut self) {
        if self.range < 1 << 24 {
            self.range <<= 8;
            self.code = self.code << 8 | *self.src as u32;
            self.src = self.src.add(1);
        }
    }

    /// A `bits`-bit number, most significant bit first, through the tree at `at`.
    #[inline(never)]
    unsafe fn tree(&mut self, at: usize, bits: u32) -> usize {
        let mut m = 1;
        while m < 1 << bits {
            m = m << 1 | self.bit(at + m);
        }
        m - (1 << bits)
    }

    /// A `bits`-bit number, least significant bit first, through the tree at `at`.
    #[inline(never)]
    unsafe fn reverse(&mut self, at: usize, bits: u32) -> usize {
        let (mut m, mut n) = (1, 0);
        for k in 0..bits {
            let b = self.bit(at + m);
            m = m << 1 | b;
            n |= b << k;
        }
        n
    }

    /// A match length minus 2 (0 to 271), from the length coder at `at`.
    unsafe fn length(&mut self, at: usize) -> usize {
        if self.bit(at) == 0 {
            self.tree(at + 2, 3)
        } else if self.bit(at + 1) == 0 {
            8 + self.tree(at + 130, 3)
        } else {
            16 + self.tree(at + 258, 8)
        }
    }
}

#[cfg(target_arch = "wasm32")]
static mut PROBABILITIES: [u16; PROBS] = [0; PROBS];

/// Decodes the raw LZMA1 stream at `src` (`lc = 3`, `lp = 0`, `pb = 0`) into the `n` bytes at
/// `out`.
///
/// # Safety
/// `src` holds a stream whose decoded size is at least `n`, `out` has room for `n` bytes and
/// `probs` for [`PROBS`] values; none of them overlap.
pub unsafe fn decode(src: *const u8, out: *mut u8, n: usize, probs: *mut u16) {
    for k in 0..PROBS {
        *probs.add(k) = 1024;
    }
    // The first byte of the stream is always 0; the next four start the code.
    let code = u32::from_be_bytes(*(src.add(1) as *const [u8; 4]));
    let mut rc = RangeDecoder {
        src: src.add(5),
        range: u32::MAX,
        code,
        probs,
    };
    let (mut pos, mut state) = (0, 0);
    let (mut r0, mut r1, mut r2, mut r3) = (0, 0, 0, 0);
    while pos < n {
        let mut len;
        if rc.bit(IS_MATCH + (state << 4)) == 0 {
            // A literal, coded with the three high bits of the previous byte; after a match,
            // against the byte at the last distance until the first bit that differs.
            let previous = if pos > 0 { *out.add(pos - 1) >> 5 } else { 0 };
            let at = LITERAL + 0x300 * previous as usize;
            let mut s = 1;
            if state > 6 {
                let mut matched = *out.add(pos - r0 - 1) as usize;
                while s < 0x100 {
                    let m = matched >> 7 & 1;
                    matched <<= 1;
                    let b = rc.bit(at + ((1 + m) << 8) + s);
                    s = s << 1 | b;
                    if m != b {
                        break;
                    }
                }
            }
            while s < 0x100 {
                s = s << 1 | rc.bit(at + s);
            }
            *out.add(pos) = s as u8;
            pos += 1;
            state = if state < 4 {
                0
            } else if state < 10 {
                state - 3
            } else {
                state - 6
            };
            continue;
        }
        if rc.bit(IS_REP + state) == 0 {
            // A match with a new distance.
            r3 = r2;
            r2 = r1;
            r1 = r0;
            len = rc.length(MATCH_LEN);
            state = if state < 7 { 7 } else { 10 };
            let slot = rc.tree(SLOT + len.min(3) * 64, 6);
            r0 = slot;
            if slot >= 4 {
                let bits = (slot >> 1) as u32 - 1;
                r0 = (2 | (slot & 1)) << bits;
                if slot < 14 {
                    r0 += rc.reverse(SPECIAL + r0 - slot, bits);
                } else {
                    let mut direct = 0;
                    for _ in 4..bits {
                        rc.range >>= 1;
                        direct <<= 1;
                        if rc.code >= rc.range {
                            rc.code -= rc.range;
                            direct += 1;
                        }
                        rc.normalize();
                    }
                    r0 += (direct << 4) + rc.reverse(ALIGN, 4);
                }
            }
        } else {
            // A match at one of the last four distances, or one byte at the last one.
            if rc.bit(IS_REP_G0 + state) == 0 {
                if rc.bit(IS_REP0_LONG + (state << 4)) == 0 {
                    state = if state < 7 { 9 } else { 11 };
                    *out.add(pos) = *out.add(pos - r0 - 1);
                    pos += 1;
                    continue;
                }
            } else {
                let d;
                if rc.bit(IS_REP_G1 + state) == 0 {
                    d = r1;
                } else {
                    if rc.bit(IS_REP_G2 + state) == 0 {
                        d = r2;
                    } else {
                        d = r3;
                        r3 = r2;
                    }
                    r2 = r1;
                }
                r1 = r0;
                r0 = d;
            }
            len = rc.length(REP_LEN);
            state = if state < 7 { 8 } else { 11 };
        }
        len += 2;
        while len > 0 && pos < n {
            *out.add(pos) = *out.add(pos - r0 - 1);
            pos += 1;
            len -= 1;
        }
    }
}

/// The export js/loader.js calls: [`decode`] with the module's own probabilities.
///
/// # Safety
/// As [`decode`].
#[cfg(target_arch = "wasm32")]
#[export_name = "d"]
pub unsafe extern "C" fn decode_export(src: *const u8, out: *mut u8, n: usize) {
    decode(
        src,
        out,
        n,
        core::ptr::addr_of_mut!(PROBABILITIES) as *mut u16,
    )
}

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
