//! The runtime of the `no_std` wasm build (feature `std` off, what scripts/build.sh ships): a
//! panic handler that traps, a small allocator (src/wasm/heap.rs), and the one random-octet
//! pool. The first two exist for size: std's panic machinery formats messages (all of
//! `core::fmt`), and dlmalloc is several KB. The pool is here because, like the heap, it is a
//! mutable static: with `std`, src/wasm/js.rs keeps it in a `thread_local!` instead.
#![allow(unsafe_code)]

use core::arch::wasm32;
use core::cell::UnsafeCell;

use super::heap::Allocator;
use super::js::RandomPool;
use crate::core::error::Error;

#[cfg(target_feature = "atomics")]
compile_error!("the no_std runtime is single-threaded: build with the `std` feature for atomics");

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    wasm32::unreachable()
}

#[global_allocator]
static ALLOCATOR: Allocator = Allocator::new();

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
