//! Who is waiting for whom among blocked F_SETLKW calls, for Linux's
//! deadlock detection (fs/locks.c posix_locks_deadlock): before a process
//! sleeps on a POSIX lock held by another, follow "the holder is itself
//! waiting for ..." from that holder; reaching the caller again means the
//! wait would never end, and the caller gets EDEADLK. Only classic
//! process-owned locks take part (OFD locks are not checked, as on Linux).
//! The chain is followed for at most [`MAX_DEADLK_ITERATIONS`] steps.
//!
//! Lock order: the table's mutex is a leaf.

use alloc::vec::Vec;

use spin::Mutex;

use crate::errno::{Errno, Result};

/// Linux's bound on the length of the followed chain.
pub const MAX_DEADLK_ITERATIONS: usize = 10;

/// The global table of blocked POSIX lock waiters.
pub struct PosixWaits {
    /// (waiting process, process holding the lock it waits for).
    edges: Mutex<Vec<(u32, u32)>>,
}

impl Default for PosixWaits {
    fn default() -> Self {
        Self::new()
    }
}

impl PosixWaits {
    pub const fn new() -> Self {
        Self { edges: Mutex::new(Vec::new()) }
    }

    /// Records that `waiter` is about to wait for a lock of `holder`, or
    /// EDEADLK if `holder` is (through a chain of waits) waiting for
    /// `waiter`. Pair every `Ok` with [`PosixWaits::done`].
    pub fn start(&self, waiter: u32, holder: u32) -> Result<()> {
        let mut e = self.edges.lock();
        let mut cur = holder;
        for _ in 0..=MAX_DEADLK_ITERATIONS {
            if cur == waiter {
                return Err(Errno::EDEADLK);
            }
            match e.iter().find(|&&(w, _)| w == cur) {
                Some(&(_, next)) => cur = next,
                None => break,
            }
        }
        e.push((waiter, holder));
        Ok(())
    }

    /// Removes the record [`PosixWaits::start`] made.
    pub fn done(&self, waiter: u32, holder: u32) {
        let mut e = self.edges.lock();
        if let Some(i) = e.iter().position(|&x| x == (waiter, holder)) {
            e.swap_remove(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_and_three_process_cycles() {
        let w = PosixWaits::new();
        assert_eq!(w.start(1, 2), Ok(()));
        assert_eq!(w.start(2, 1), Err(Errno::EDEADLK));
        assert_eq!(w.start(2, 3), Ok(()));
        assert_eq!(w.start(3, 1), Err(Errno::EDEADLK));
        w.done(1, 2);
        assert_eq!(w.start(3, 1), Ok(()));
        assert_eq!(w.start(4, 4), Err(Errno::EDEADLK));
    }
}
