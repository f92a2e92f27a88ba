//! The allocator of the `no_std` wasm build (src/wasm/rt.rs installs it as the global
//! allocator). Standalone: it uses nothing but `core`, so tests/alloc-wasm can build this very
//! file into a small wasm module of its own and test it under random allocation sequences.
//!
//! One free list per power-of-two size class (16 B to 2 GiB). A block of class `c` is `2^c`
//! bytes, aligned to `min(2^c, 64 KiB)`, and is only ever reused for class `c`. New blocks are
//! cut from pages taken with `memory.grow`. There is no coalescing: this library's calls
//! allocate a few small strings and free them all before returning, so the same blocks are
//! reused call after call.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr;

#[cfg(target_feature = "atomics")]
compile_error!("the no_std allocator is single-threaded: build with the `std` feature for atomics");

const MIN_CLASS: u32 = 4;
const CLASSES: usize = 32;
const PAGE: usize = 1 << 16;

struct Heap {
    /// Head of each class's free list (0: empty); a free block's first word links the next.
    free: [usize; CLASSES],
    /// The unused part of the last pages taken: `next..end`. 64-bit, so that nothing here can
    /// overflow: a memory of 65,536 pages ends at 2^32, which a 32-bit `usize` would wrap to 0
    /// (every later allocation then failed), and rounding an address near the top up to an
    /// alignment would pass 2^32 (a trap with overflow checks on).
    next: u64,
    end: u64,
}

/// The allocator: [`Allocator::new`] in a `static`.
pub struct Allocator(UnsafeCell<Heap>);

// SAFETY: wasm32 without the atomics feature (checked above) has a single thread.
unsafe impl Sync for Allocator {}

impl Allocator {
    /// An allocator with an empty heap: it takes pages with `memory.grow` as it needs them.
    pub const fn new() -> Self {
        Allocator(UnsafeCell::new(Heap {
            free: [0; CLASSES],
            next: 0,
            end: 0,
        }))
    }
}

/// The size class of `layout`: the smallest `c` with `2^c >= max(size, align, 16)`.
fn class(layout: Layout) -> usize {
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
    (usize::BITS - (size - 1).leading_zeros()) as usize
}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let c = class(layout);
        if c >= CLASSES || layout.align() > PAGE {
            return ptr::null_mut();
        }
        // SAFETY: one thread, and no reentrancy (nothing here allocates).
        let heap = unsafe { &mut *self.0.get() };
        let head = heap.free[c];
        if head != 0 {
            // SAFETY: `head` is a free block of this class, its first word links the next one.
            heap.free[c] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        // At most 2^31 (`c < CLASSES`); with `next` and `end` at most 2^32, no sum below
        // reaches 2^64.
        let size = 1u64 << c;
        let align = size.min(PAGE as u64);
        loop {
            let start = (heap.next + align - 1) & !(align - 1);
            if start + size <= heap.end {
                heap.next = start + size;
                // Below `end`, so an address of the 32-bit memory.
                return start as usize as *mut u8;
            }
            let pages = (size as usize).div_ceil(PAGE);
            let old = wasm32::memory_grow(0, pages);
            if old == usize::MAX {
                // The memory cannot grow (at 65,536 pages, or the host's limit): null.
                return ptr::null_mut();
            }
            let base = old as u64 * PAGE as u64;
            if base != heap.end {
                // Not contiguous with the last pages (or the first call): start afresh.
                heap.next = base;
            }
            heap.end = base + (pages * PAGE) as u64;
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let c = class(layout);
        // SAFETY: one thread; `block` came from `alloc` with this layout, so it is a block of
        // class `c` (at least 16 bytes, word-aligned) that nothing uses any more.
        // (`get_mut`: alloc never hands out a class past the table, and no bounds-check panic.)
        unsafe {
            let heap = &mut *self.0.get();
            if let Some(head) = heap.free.get_mut(c) {
                *(block as *mut usize) = *head;
                *head = block as usize;
            }
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees that `align` with `new_size` is a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if class(new_layout) == class(layout) {
            return block;
        }
        // SAFETY: as for `alloc` and `dealloc`; the two blocks are distinct.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                ptr::copy_nonoverlapping(block, new, layout.size().min(new_size));
                self.dealloc(block, layout);
            }
            new
        }
    }
}
