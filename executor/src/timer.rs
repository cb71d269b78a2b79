//! One CPU's timer queue: nanosecond deadlines in a binary min-heap.
//!
//! Owns: which timers are armed on a CPU, the earliest deadline (to program
//! the one-shot timer), and expiry. It is plain data; the executor keeps one
//! per CPU behind a spin lock and calls wakers after releasing that lock.
//!
//! Structure: a slab of timer slots (a timer is `(slot, generation)`) and a
//! heap of `(deadline, generation, slot)` entries. Cancelling frees the slot
//! and leaves its heap entry behind as *stale* (recognised by the generation
//! no longer matching); stale entries are discarded when they reach the top,
//! and the heap is rebuilt when they outnumber live timers, so cancel is
//! O(1) amortised and memory stays proportional to live timers.
//!
//! Rules:
//! - **Never early.** `expire(now)` fires a timer only if `deadline <= now`.
//! - **Exactly once.** Firing frees the slot (bumping its generation) in the
//!   same step that takes the waker, so a timer is fired at most once, and a
//!   timer is either fired or cancelled, never both.
//! - `next_deadline()` is never later than the earliest armed deadline.
//! - Linux differs: it has hierarchical wheels with slack for coarse timeouts;
//!   this queue is exact, which is what a tickless one-shot timer needs.

use alloc::collections::BinaryHeap;
use alloc::vec::Vec;
use core::cmp::Reverse;
use core::task::Waker;

/// Identifies one armed timer in one queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimerKey {
    slot: u32,
    generation: u64,
}

/// A timer's status as seen by its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimerStatus {
    /// Still waiting for its deadline.
    Armed,
    /// Fired (its waker was taken by `expire`).
    Fired,
}

struct Slot {
    generation: u64,
    /// `Some` while armed.
    waker: Option<Waker>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    deadline: u64,
    generation: u64,
    slot: u32,
}

/// The timers of one CPU.
pub(crate) struct TimerQueue {
    heap: BinaryHeap<Reverse<Entry>>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    live: usize,
    stale: usize,
}

impl TimerQueue {
    pub(crate) const fn new() -> Self {
        Self {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            stale: 0,
        }
    }

    /// Number of armed timers.
    pub(crate) fn len(&self) -> usize {
        self.live
    }

    /// Arms a timer. Allocates only when the slab or heap must grow.
    pub(crate) fn insert(&mut self, deadline: u64, waker: Waker) -> TimerKey {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    waker: None,
                });
                // More than 2^32 simultaneous timers is not a real case; the
                // saturating cast keeps the arithmetic total.
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        let Some(entry) = self.slots.get_mut(slot as usize) else {
            // Unreachable: the slot was just pushed or came from `free`.
            return TimerKey {
                slot,
                generation: u64::MAX,
            };
        };
        entry.waker = Some(waker);
        let generation = entry.generation;
        self.heap.push(Reverse(Entry {
            deadline,
            generation,
            slot,
        }));
        self.live += 1;
        TimerKey { slot, generation }
    }

    /// Reports whether `key` is still armed, and if so makes `waker` the one
    /// to wake. Returns the replaced waker (to be dropped outside the lock).
    pub(crate) fn poll(&mut self, key: TimerKey, waker: &Waker) -> (TimerStatus, Option<Waker>) {
        match self.slots.get_mut(key.slot as usize) {
            Some(slot) if slot.generation == key.generation => match &mut slot.waker {
                Some(current) if current.will_wake(waker) => (TimerStatus::Armed, None),
                Some(current) => (
                    TimerStatus::Armed,
                    Some(core::mem::replace(current, waker.clone())),
                ),
                None => (TimerStatus::Fired, None),
            },
            _ => (TimerStatus::Fired, None),
        }
    }

    /// Disarms `key` if it is still armed. Returns its waker (to drop outside
    /// the lock) when it was armed; `None` when it had already fired.
    pub(crate) fn cancel(&mut self, key: TimerKey) -> Option<Waker> {
        let slot = self.slots.get_mut(key.slot as usize)?;
        if slot.generation != key.generation {
            return None;
        }
        let waker = slot.waker.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(key.slot);
        self.live -= 1;
        self.stale += 1;
        if self.stale > 64 && self.stale > self.live {
            self.compact();
        }
        Some(waker)
    }

    /// Drops stale heap entries by rebuilding the heap from live ones.
    fn compact(&mut self) {
        let slots = &self.slots;
        let entries: Vec<Reverse<Entry>> = core::mem::take(&mut self.heap)
            .into_vec()
            .into_iter()
            .filter(|Reverse(e)| Self::is_live(slots, e))
            .collect();
        self.heap = BinaryHeap::from(entries);
        self.stale = 0;
    }

    fn is_live(slots: &[Slot], entry: &Entry) -> bool {
        slots
            .get(entry.slot as usize)
            .is_some_and(|s| s.generation == entry.generation && s.waker.is_some())
    }

    /// The earliest armed deadline (discarding stale entries on top).
    pub(crate) fn next_deadline(&mut self) -> Option<u64> {
        while let Some(Reverse(top)) = self.heap.peek() {
            if Self::is_live(&self.slots, top) {
                return Some(top.deadline);
            }
            self.heap.pop();
            self.stale = self.stale.saturating_sub(1);
        }
        None
    }

    /// Fires timers whose deadline is `<= now`, earliest first, moving their
    /// wakers into `out` (at most `out.len()`). Returns how many it fired and
    /// whether more are due (call again after waking these).
    pub(crate) fn expire(&mut self, now: u64, out: &mut [Option<Waker>]) -> (usize, bool) {
        let mut fired = 0;
        while let Some(Reverse(top)) = self.heap.peek() {
            if top.deadline > now {
                return (fired, false);
            }
            if fired == out.len() {
                return (fired, true);
            }
            let top = *top;
            self.heap.pop();
            match self.slots.get_mut(top.slot as usize) {
                Some(slot) if slot.generation == top.generation && slot.waker.is_some() => {
                    out[fired] = slot.waker.take();
                    slot.generation = slot.generation.wrapping_add(1);
                    self.free.push(top.slot);
                    self.live -= 1;
                    fired += 1;
                }
                _ => self.stale = self.stale.saturating_sub(1),
            }
        }
        (fired, false)
    }

    /// Disarms everything, returning the wakers (shutdown).
    pub(crate) fn clear(&mut self) -> Vec<Waker> {
        let wakers = self.slots.iter_mut().filter_map(|s| {
            s.generation = s.generation.wrapping_add(1);
            s.waker.take()
        });
        let wakers: Vec<Waker> = wakers.collect();
        self.heap.clear();
        self.free = (0..self.slots.len())
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        self.live = 0;
        self.stale = 0;
        wakers
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::test_util::CountingWaker;

    #[test]
    fn fires_in_deadline_order_and_never_early() {
        let mut q = TimerQueue::new();
        let (w1, c1) = CountingWaker::new();
        let (w2, c2) = CountingWaker::new();
        let (w3, c3) = CountingWaker::new();
        q.insert(300, w3);
        q.insert(100, w1);
        q.insert(200, w2);
        assert_eq!(q.next_deadline(), Some(100));
        let mut out: [Option<Waker>; 4] = [const { None }; 4];
        assert_eq!(q.expire(99, &mut out), (0, false));
        assert_eq!(q.expire(100, &mut out), (1, false));
        out.iter_mut()
            .filter_map(Option::take)
            .for_each(Waker::wake);
        assert_eq!((c1.count(), c2.count(), c3.count()), (1, 0, 0));
        assert_eq!(q.next_deadline(), Some(200));
        assert_eq!(q.expire(1000, &mut out), (2, false));
        out.iter_mut()
            .filter_map(Option::take)
            .for_each(Waker::wake);
        assert_eq!((c1.count(), c2.count(), c3.count()), (1, 1, 1));
        assert_eq!(q.next_deadline(), None);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn cancel_disarms_and_status_tracks_firing() {
        let mut q = TimerQueue::new();
        let (w1, c1) = CountingWaker::new();
        let (w2, _c2) = CountingWaker::new();
        let k1 = q.insert(10, w1.clone());
        let k2 = q.insert(20, w2.clone());
        assert_eq!(q.poll(k1, &w1).0, TimerStatus::Armed);
        assert!(q.cancel(k1).is_some());
        assert!(q.cancel(k1).is_none(), "second cancel is a no-op");
        assert_eq!(
            q.poll(k1, &w1).0,
            TimerStatus::Fired,
            "a stale key reads as gone"
        );
        assert_eq!(q.next_deadline(), Some(20), "stale entry skipped");
        let mut out: [Option<Waker>; 4] = [const { None }; 4];
        assert_eq!(q.expire(100, &mut out), (1, false));
        assert_eq!(q.poll(k2, &w2).0, TimerStatus::Fired);
        assert!(q.cancel(k2).is_none(), "cancel after fire does nothing");
        drop(out);
        assert_eq!(c1.count(), 0, "cancelled timer never fires");
    }

    #[test]
    fn expire_respects_batch_size() {
        let mut q = TimerQueue::new();
        let (w, c) = CountingWaker::new();
        for d in 0..10 {
            q.insert(d, w.clone());
        }
        let mut out: [Option<Waker>; 4] = [const { None }; 4];
        assert_eq!(q.expire(5, &mut out), (4, true));
        out.iter_mut()
            .filter_map(Option::take)
            .for_each(Waker::wake);
        assert_eq!(q.expire(5, &mut out), (2, false));
        out.iter_mut()
            .filter_map(Option::take)
            .for_each(Waker::wake);
        assert_eq!(c.count(), 6);
        assert_eq!(q.len(), 4);
    }

    #[test]
    fn poll_replaces_waker() {
        let mut q = TimerQueue::new();
        let (w1, c1) = CountingWaker::new();
        let (w2, c2) = CountingWaker::new();
        let k = q.insert(5, w1.clone());
        let (status, old) = q.poll(k, &w2);
        assert_eq!(status, TimerStatus::Armed);
        assert!(old.is_some());
        let mut out: [Option<Waker>; 1] = [const { None }; 1];
        q.expire(5, &mut out);
        out.iter_mut()
            .filter_map(Option::take)
            .for_each(Waker::wake);
        assert_eq!((c1.count(), c2.count()), (0, 1));
    }

    #[test]
    fn compaction_bounds_stale_entries() {
        let mut q = TimerQueue::new();
        let (w, _c) = CountingWaker::new();
        let keep = q.insert(1_000_000, w.clone());
        for i in 0..10_000 {
            let k = q.insert(500_000 + i, w.clone());
            assert!(q.cancel(k).is_some());
        }
        assert!(q.heap.len() < 200, "heap holds {} entries", q.heap.len());
        assert_eq!(q.len(), 1);
        assert_eq!(q.next_deadline(), Some(1_000_000));
        assert_eq!(q.poll(keep, &w).0, TimerStatus::Armed);
    }

    #[test]
    fn random_deadlines_fire_exactly_once_never_early() {
        let mut rng = crate::test_util::Rng::new(7);
        let mut q = TimerQueue::new();
        // 100 000 timers in release builds, 10 000 in debug builds.
        let n = if cfg!(debug_assertions) {
            10_000
        } else {
            100_000
        };
        let mut counters = Vec::new();
        let mut deadlines = Vec::new();
        let mut keys = Vec::new();
        for _ in 0..n {
            let d = rng.below(1_000_000);
            let (w, c) = CountingWaker::new();
            keys.push(q.insert(d, w));
            counters.push(c);
            deadlines.push(d);
        }
        // Cancel every 7th.
        for i in (0..n).step_by(7) {
            assert!(q.cancel(keys[i]).is_some());
        }
        let mut now = 0;
        let mut out: [Option<Waker>; 32] = [const { None }; 32];
        while q.len() > 0 {
            now += rng.below(5_000);
            loop {
                let (fired, more) = q.expire(now, &mut out);
                for w in out.iter_mut().take(fired).filter_map(Option::take) {
                    w.wake();
                }
                if !more {
                    break;
                }
            }
            // Everything not cancelled with deadline <= now has fired exactly
            // once; nothing later has.
            for (i, (counter, deadline)) in counters.iter().zip(&deadlines).enumerate() {
                let expect = u64::from(i % 7 != 0 && *deadline <= now);
                assert_eq!(counter.count(), expect, "timer {i} at now={now}");
            }
        }
        for (i, counter) in counters.iter().enumerate() {
            assert_eq!(counter.count(), u64::from(i % 7 != 0), "timer {i}");
        }
    }
}
