//! The server clock: wall time plus an offset a test can advance (`POST /__clock`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, shifted by a test-controlled offset.
#[derive(Default)]
pub struct Clock {
    offset_ms: AtomicU64,
}

impl Clock {
    pub fn now_ms(&self) -> u64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        wall + self.offset_ms.load(Ordering::SeqCst)
    }

    /// Moves the clock forward; returns the new total offset in seconds.
    pub fn advance(&self, seconds: u64) -> u64 {
        let add = seconds.saturating_mul(1000);
        (self.offset_ms.fetch_add(add, Ordering::SeqCst) + add) / 1000
    }

    pub fn offset_seconds(&self) -> u64 {
        self.offset_ms.load(Ordering::SeqCst) / 1000
    }

    pub fn reset(&self) {
        self.offset_ms.store(0, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_forward() {
        let clock = Clock::default();
        let before = clock.now_ms();
        assert_eq!(clock.advance(61), 61);
        assert!(clock.now_ms() >= before + 61_000);
        assert_eq!(clock.advance(1), 62);
        clock.reset();
        assert_eq!(clock.offset_seconds(), 0);
    }
}
