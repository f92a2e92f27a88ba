//! The runtime of the `no_std` wasm build (feature `std` off, what scripts/build.sh ships): a
//! panic handler that traps, a small allocator, and the one random-octet pool. The first two
//! exist for size: std's panic machinery formats messages (all of `core::fmt`), and dlmalloc is
//! several KB. The pool is here because, like the heap, it is a mutable static: with `std`,
//! src/wasm/js.rs keeps it in a `thread_local!` instead.
//!
//! The allocator keeps one free list per power-of-two size class (16 B to 2 GiB). A block of
//! class `c` is `2^c` bytes, aligned to `min(2^c, 64 KiB)`, and is only ever reused for class
//! `c`. New blocks are cut from pages taken with `memory.grow`. There is no coalescing: this
//! library's calls allocate a few small strings and free them all before returning, so the
//! same blocks are reused call after call.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr;

use super::js::RandomPool;
use crate::core::error::Error;

#[cfg(target_feature = "atomics")]
compile_error!("the no_std runtime is single-threaded: build with the `std` feature for atomics");

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    wasm32::unreachable()
}

const MIN_CLASS: u32 = 4;
const CLASSES: usize = 32;
const PAGE: usize = 1 << 16;

struct Heap {
    /// Head of each class's free list (0: empty); a free block's first word links the next.
    free: [usize; CLASSES],
    /// The unused part of the last pages taken: `next..end`.
    next: usize,
    end: usize,
}

struct Allocator(UnsafeCell<Heap>);

// SAFETY: wasm32 without the atomics feature (checked above) has a single thread.
unsafe impl Sync for Allocator {}

#[global_allocator]
static ALLOCATOR: Allocator = Allocator(UnsafeCell::new(Heap {
    free: [0; CLASSES],
    next: 0,
    end: 0,
}));

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
        let size = 1usize << c;
        let align = size.min(PAGE);
        loop {
            let start = (heap.next + align - 1) & !(align - 1);
            if start >= heap.next && heap.end.checked_sub(start).is_some_and(|room| room >= size) {
                heap.next = start + size;
                return start as *mut u8;
            }
            let pages = size.div_ceil(PAGE);
            let old = wasm32::memory_grow(0, pages);
            if old == usize::MAX {
                return ptr::null_mut();
            }
            let base = old * PAGE;
            if base != heap.end {
                // Not contiguous with the last pages (or the first call): start afresh.
                heap.next = base;
            }
            heap.end = base + pages * PAGE;
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

/// The instance's random-octet pool (see [`RandomPool`]), and whether a call is using it.
struct PoolCell {
    busy: UnsafeCell<bool>,
    pool: UnsafeCell<RandomPool>,
}

// SAFETY: wasm32 without the atomics feature (checked above) has a single thread.
unsafe impl Sync for PoolCell {}

static RANDOM_POOL: PoolCell = PoolCell {
    busy: UnsafeCell::new(false),
    pool: UnsafeCell::new(RandomPool::EMPTY),
};

/// 32 random octets from the instance's pool.
pub(crate) fn random32() -> Result<[u8; 32], Error> {
    // `take32` calls out to `crypto.getRandomValues`; a replaced one could call back into this
    // module. The flag makes such a nested call fail instead of reaching the pool twice.
    let busy = RANDOM_POOL.busy.get();
    // SAFETY: one thread; `busy` is only read and written through this raw pointer, and the
    // pool is borrowed only while `busy` is set, so there is never a second reference to it.
    unsafe {
        if *busy {
            return Err(RandomPool::unavailable());
        }
        *busy = true;
        let r = (*RANDOM_POOL.pool.get()).take32();
        *busy = false;
        r
    }
}
