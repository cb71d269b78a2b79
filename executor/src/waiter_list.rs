//! The waiter list shared by [`WaitQueue`](crate::WaitQueue) and
//! [`Event`](crate::Event): a FIFO of waiters with O(1) insert, wake and
//! removal, without unsafe code.
//!
//! Owns: waiter slots and their states. It is plain data; its users keep it
//! behind an interrupt-safe spin lock and call wakers after unlocking.
//!
//! Waiters live in a slab (a `Vec` of slots, reused through a free list); the
//! FIFO is a doubly linked list threaded through the slots by index. A waiter
//! is named by `(slot index, generation)`; the generation changes whenever a
//! slot is freed, so a stale key can never touch a reused slot.
//!
//! ```text
//!          register: linked at the tail, given a sequence number
//!              |
//!              v
//!         +---------+  notify_first (kind One or All):  +----------+
//!         | Waiting | --------------------------------> | Notified |
//!         +---------+  unlinked; its waker is taken,     +----------+
//!              |       to be called after unlocking       |      |
//!              |                                   poll:  |      | cancel:
//!      cancel: |                              slot freed, |      | slot freed; the
//!   unlinked,  |                          owner completes |      | kind is returned and
//!   slot freed v                                          v      v a One is passed on
//!           (free)                                     (free)  (free)
//! ```
//!
//! Rules:
//! - Only `Waiting` slots are on the list; a notification unlinks its waiter
//!   in the same step, so one wake never notifies the same waiter twice.
//! - A notified waiter that is cancelled instead of consuming its wake hands
//!   back the kind of notification it held; for `One` the caller passes it to
//!   the next waiter (or, for an `Event`, restores the permit), so a wake is
//!   never swallowed by a waiter that went away.
//! - `wake_all` notifies only waiters registered before it started (their
//!   sequence number is below the snapshot), even when it works in batches.

use alloc::vec::Vec;
use core::task::Waker;

const NIL: u32 = u32::MAX;

/// Which kind of wake a waiter received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Notify {
    /// A targeted wake (`wake_one`, `wake_n`, `notify_one`): pass it on if
    /// the waiter is cancelled before consuming it.
    One,
    /// A broadcast (`wake_all`, `notify_all`): everyone got one; nothing to
    /// pass on.
    All,
}

/// Names one registered waiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WaiterKey {
    index: u32,
    generation: u64,
}

/// A registered waiter's state as seen by its owner.
#[derive(Debug)]
pub(crate) enum Polled {
    /// Still waiting; carries the replaced waker, to drop outside the lock.
    Waiting(Option<Waker>),
    /// Notified; the slot has been freed.
    Notified,
}

enum SlotState {
    Free,
    Waiting(Waker),
    Notified(Notify),
}

struct Slot {
    generation: u64,
    seq: u64,
    prev: u32,
    next: u32,
    state: SlotState,
}

pub(crate) struct WaiterList {
    slots: Vec<Slot>,
    free: Vec<u32>,
    head: u32,
    tail: u32,
    waiting: usize,
    next_seq: u64,
}

impl WaiterList {
    pub(crate) const fn new() -> Self {
        Self {
            slots: Vec::new(),
            free: Vec::new(),
            head: NIL,
            tail: NIL,
            waiting: 0,
            next_seq: 0,
        }
    }

    /// Number of waiters still waiting (registered, not notified).
    pub(crate) fn waiting(&self) -> usize {
        self.waiting
    }

    /// The sequence number the next registration will get: `wake_all`'s
    /// snapshot.
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Registers a waiter at the tail. Task context only (may allocate).
    pub(crate) fn register(&mut self, waker: Waker) -> WaiterKey {
        let seq = self.next_seq;
        self.next_seq += 1;
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    seq: 0,
                    prev: NIL,
                    next: NIL,
                    state: SlotState::Free,
                });
                u32::try_from(self.slots.len() - 1).unwrap_or(NIL)
            }
        };
        let tail = self.tail;
        let Some(slot) = self.slots.get_mut(index as usize) else {
            return WaiterKey {
                index: NIL,
                generation: 0,
            };
        };
        slot.seq = seq;
        slot.prev = tail;
        slot.next = NIL;
        slot.state = SlotState::Waiting(waker);
        let generation = slot.generation;
        match self.slots.get_mut(tail as usize) {
            Some(last) => last.next = index,
            None => self.head = index,
        }
        self.tail = index;
        self.waiting += 1;
        WaiterKey { index, generation }
    }

    fn slot(&mut self, key: WaiterKey) -> Option<&mut Slot> {
        self.slots
            .get_mut(key.index as usize)
            .filter(|s| s.generation == key.generation)
    }

    fn unlink(&mut self, index: u32) {
        let (prev, next) = match self.slots.get(index as usize) {
            Some(slot) => (slot.prev, slot.next),
            None => return,
        };
        match self.slots.get_mut(prev as usize) {
            Some(p) => p.next = next,
            None => self.head = next,
        }
        match self.slots.get_mut(next as usize) {
            Some(n) => n.prev = prev,
            None => self.tail = prev,
        }
        self.waiting -= 1;
    }

    fn release(&mut self, index: u32) {
        if let Some(slot) = self.slots.get_mut(index as usize) {
            slot.state = SlotState::Free;
            slot.generation = slot.generation.wrapping_add(1);
            slot.prev = NIL;
            slot.next = NIL;
            self.free.push(index);
        }
    }

    /// The owner's poll: reports a notification (freeing the slot), or keeps
    /// waiting with `waker` as the one to wake. A key that no longer names a
    /// slot reads as notified.
    pub(crate) fn poll(&mut self, key: WaiterKey, waker: &Waker) -> Polled {
        let Some(slot) = self.slot(key) else {
            return Polled::Notified;
        };
        match &mut slot.state {
            SlotState::Waiting(current) if current.will_wake(waker) => Polled::Waiting(None),
            SlotState::Waiting(current) => {
                Polled::Waiting(Some(core::mem::replace(current, waker.clone())))
            }
            SlotState::Notified(_) => {
                self.release(key.index);
                Polled::Notified
            }
            SlotState::Free => Polled::Notified,
        }
    }

    /// The owner gives up. Returns the notification it held, if one had
    /// landed (the caller passes a `One` on), plus the waker to drop outside
    /// the lock.
    pub(crate) fn cancel(&mut self, key: WaiterKey) -> (Option<Notify>, Option<Waker>) {
        let Some(slot) = self.slot(key) else {
            return (None, None);
        };
        let state = core::mem::replace(&mut slot.state, SlotState::Free);
        match state {
            SlotState::Waiting(waker) => {
                self.unlink(key.index);
                self.release(key.index);
                (None, Some(waker))
            }
            SlotState::Notified(kind) => {
                self.release(key.index);
                (Some(kind), None)
            }
            SlotState::Free => (None, None),
        }
    }

    /// Notifies the first waiter if it registered before `seq_limit`:
    /// unlinks it and returns its waker, to be called after unlocking.
    pub(crate) fn notify_first(&mut self, kind: Notify, seq_limit: u64) -> Option<Waker> {
        let index = self.head;
        let slot = self.slots.get_mut(index as usize)?;
        if slot.seq >= seq_limit {
            return None;
        }
        let state = core::mem::replace(&mut slot.state, SlotState::Notified(kind));
        self.unlink(index);
        match state {
            SlotState::Waiting(waker) => Some(waker),
            // Unreachable: only Waiting slots are linked.
            SlotState::Notified(_) | SlotState::Free => None,
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::test_util::CountingWaker;

    #[test]
    fn fifo_order_and_single_notification() {
        let mut list = WaiterList::new();
        let (w1, c1) = CountingWaker::new();
        let (w2, c2) = CountingWaker::new();
        let k1 = list.register(w1.clone());
        let k2 = list.register(w2.clone());
        assert_eq!(list.waiting(), 2);
        list.notify_first(Notify::One, u64::MAX)
            .into_iter()
            .for_each(Waker::wake);
        assert_eq!(
            (c1.count(), c2.count()),
            (1, 0),
            "first registered is first woken"
        );
        assert_eq!(list.waiting(), 1);
        assert!(matches!(list.poll(k1, &w1), Polled::Notified));
        assert!(matches!(list.poll(k2, &w2), Polled::Waiting(None)));
        list.notify_first(Notify::All, u64::MAX)
            .into_iter()
            .for_each(Waker::wake);
        assert!(
            list.notify_first(Notify::One, u64::MAX).is_none(),
            "nobody left"
        );
        assert!(matches!(list.poll(k2, &w2), Polled::Notified));
        assert_eq!(list.slots.len(), 2);
        assert_eq!(list.free.len(), 2);
    }

    #[test]
    fn cancel_in_the_middle_keeps_links() {
        let mut list = WaiterList::new();
        let wakers: Vec<_> = (0..3).map(|_| CountingWaker::new()).collect();
        let keys: Vec<_> = wakers
            .iter()
            .map(|(w, _)| list.register(w.clone()))
            .collect();
        let (held, old) = list.cancel(keys[1]);
        assert_eq!(held, None);
        assert!(old.is_some());
        list.notify_first(Notify::One, u64::MAX)
            .into_iter()
            .for_each(Waker::wake);
        list.notify_first(Notify::One, u64::MAX)
            .into_iter()
            .for_each(Waker::wake);
        assert!(list.notify_first(Notify::One, u64::MAX).is_none());
        let counts: Vec<u64> = wakers.iter().map(|(_, c)| c.count()).collect();
        assert_eq!(counts, [1, 0, 1]);
        // Cancelling tail and head of a fresh list.
        let k = list.register(wakers[0].0.clone());
        let _ = list.cancel(k);
        assert_eq!(list.head, NIL);
        assert_eq!(list.tail, NIL);
    }

    #[test]
    fn cancel_after_notification_hands_it_back() {
        let mut list = WaiterList::new();
        let (w, _) = CountingWaker::new();
        let k = list.register(w.clone());
        list.notify_first(Notify::One, u64::MAX);
        assert_eq!(list.cancel(k).0, Some(Notify::One));
        assert_eq!(list.cancel(k).0, None, "key is stale now");
    }

    #[test]
    fn seq_limit_excludes_late_registrations() {
        let mut list = WaiterList::new();
        let (w, c) = CountingWaker::new();
        list.register(w.clone());
        let limit = list.next_seq();
        list.register(w.clone());
        assert!(list
            .notify_first(Notify::All, limit)
            .map(Waker::wake)
            .is_some());
        assert!(list.notify_first(Notify::All, limit).is_none());
        assert_eq!(c.count(), 1);
        assert_eq!(list.waiting(), 1);
    }

    #[test]
    fn stale_key_after_slot_reuse_is_harmless() {
        let mut list = WaiterList::new();
        let (w, _) = CountingWaker::new();
        let old = list.register(w.clone());
        let _ = list.cancel(old);
        let new = list.register(w.clone());
        assert_eq!(old.index, new.index, "slot reused");
        assert!(matches!(list.cancel(old), (None, None)));
        assert!(matches!(list.poll(new, &w), Polled::Waiting(None)));
    }
}
