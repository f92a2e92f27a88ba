//! The server clock: wall time plus an offset a test can advance (`POST /__clock`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The largest total offset `advance` accepts: 100 years (of 365 days). Far beyond any token
/// or code lifetime a test needs, and far from where millisecond arithmetic could overflow.
pub const MAX_OFFSET_SECONDS: u64 = 100 * 365 * 24 * 3600;

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
        wall.saturating_add(self.offset_ms.load(Ordering::SeqCst))
    }

    /// Moves the clock forward; returns the new total offset in seconds, or `None` (and
    /// leaves the clock alone) when the total would pass `MAX_OFFSET_SECONDS`.
    pub fn advance(&self, seconds: u64) -> Option<u64> {
        let add = seconds.checked_mul(1000)?;
        let previous = self
            .offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |offset| {
                offset
                    .checked_add(add)
                    .filter(|&total| total <= MAX_OFFSET_SECONDS * 1000)
            })
            .ok()?;
        Some((previous + add) / 1000)
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
        assert_eq!(clock.advance(61), Some(61));
        assert!(clock.now_ms() >= before + 61_000);
        assert_eq!(clock.advance(1), Some(62));
        clock.reset();
        assert_eq!(clock.offset_seconds(), 0);
    }

    #[test]
    fn advance_refuses_totals_past_the_limit_without_wrapping() {
        let clock = Clock::default();
        assert_eq!(clock.advance(18_446_744_073_709_551), None);
        assert_eq!(clock.advance(u64::MAX), None);
        assert_eq!(clock.offset_seconds(), 0);
        assert_eq!(
            clock.advance(MAX_OFFSET_SECONDS - 1),
            Some(MAX_OFFSET_SECONDS - 1)
        );
        assert_eq!(clock.advance(2), None);
        assert_eq!(clock.advance(1), Some(MAX_OFFSET_SECONDS));
        assert_eq!(clock.advance(1), None);
        assert_eq!(clock.offset_seconds(), MAX_OFFSET_SECONDS);
        assert!(clock.now_ms() > MAX_OFFSET_SECONDS * 1000);
    }
}
