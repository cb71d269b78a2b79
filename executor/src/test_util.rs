//! Helpers for the crate's unit tests.

use alloc::sync::Arc;
use alloc::task::Wake;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::Waker;

/// A waker that counts its wakes.
pub(crate) struct CountingWaker(AtomicU64);

/// Reads a [`CountingWaker`]'s count.
#[derive(Clone)]
pub(crate) struct Counter(Arc<CountingWaker>);

impl Counter {
    pub(crate) fn count(&self) -> u64 {
        self.0 .0.load(Ordering::SeqCst)
    }
}

impl CountingWaker {
    #[allow(clippy::new_ret_no_self)]
    pub(crate) fn new() -> (Waker, Counter) {
        let inner = Arc::new(CountingWaker(AtomicU64::new(0)));
        (Waker::from(inner.clone()), Counter(inner))
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// xorshift64*: deterministic pseudo-random numbers for tests.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}
