//! src/wasm/heap.rs, the allocator of the shipped `no_std` build, exported to JavaScript for
//! alloc.test.mjs: `alloc`, `alloc_zeroed`, `realloc` and `dealloc` with sizes and alignments as
//! numbers. A layout Rust would not accept (size 0, alignment not a power of two) gives null.
#![no_std]
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::ptr;

#[path = "../../src/wasm/heap.rs"]
mod heap;

static HEAP: heap::Allocator = heap::Allocator::new();

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

fn layout(size: usize, align: usize) -> Option<Layout> {
    Layout::from_size_align(size, align)
        .ok()
        .filter(|l| l.size() > 0)
}

/// `GlobalAlloc::alloc`.
#[no_mangle]
pub extern "C" fn alloc(size: usize, align: usize) -> *mut u8 {
    match layout(size, align) {
        // SAFETY: a valid layout of non-zero size.
        Some(l) => unsafe { HEAP.alloc(l) },
        None => ptr::null_mut(),
    }
}

/// `GlobalAlloc::alloc_zeroed`.
#[no_mangle]
pub extern "C" fn alloc_zeroed(size: usize, align: usize) -> *mut u8 {
    match layout(size, align) {
        // SAFETY: a valid layout of non-zero size.
        Some(l) => unsafe { HEAP.alloc_zeroed(l) },
        None => ptr::null_mut(),
    }
}

/// `GlobalAlloc::realloc` of a block `alloc` returned for `size` and `align`.
///
/// # Safety
/// `block` must be live and have come from this module with exactly `size` and `align`.
#[no_mangle]
pub unsafe extern "C" fn realloc(
    block: *mut u8,
    size: usize,
    align: usize,
    new_size: usize,
) -> *mut u8 {
    match (layout(size, align), layout(new_size, align)) {
        // SAFETY: the caller's promise, and the new layout is valid.
        (Some(l), Some(_)) => unsafe { HEAP.realloc(block, l, new_size) },
        _ => ptr::null_mut(),
    }
}

/// `GlobalAlloc::dealloc` of a block `alloc` returned for `size` and `align`.
///
/// # Safety
/// As for [`realloc`].
#[no_mangle]
pub unsafe extern "C" fn dealloc(block: *mut u8, size: usize, align: usize) {
    if let Some(l) = layout(size, align) {
        // SAFETY: the caller's promise.
        unsafe { HEAP.dealloc(block, l) }
    }
}
