//! Persistent watchers of a [`WaitQueue`](crate::WaitQueue): the hook epoll
//! is built on.
//!
//! Owns: a list of wakers that stay registered across wakes. A waiter on a
//! wait queue is one-shot (woken, it is gone and must register again); a
//! watcher is woken by *every* `wake_*` on its queue until it is removed.
//! Linux's epoll hangs a callback entry (`ep_poll_callback`) on each watched
//! file's wait queue for the same reason: a registration is made once, at
//! `epoll_ctl`, and each wake of the file queues that one item as ready, so
//! `epoll_wait` never re-scans the interest list.
//!
//! Rules:
//! - Every wake calls every non-exclusive watcher and one exclusive watcher
//!   (taken in turn), whatever the number of waiters the wake was for:
//!   `EPOLLEXCLUSIVE` semantics.
//! - Wakers are called outside the lock, at most [`BATCH`] per lock hold;
//!   the walk resumes after the last id called, so watchers added or removed
//!   meanwhile are neither skipped nor called twice.
//! - A queue nobody watches pays one atomic load per wake.
//! - `watch` may allocate (task context); waking never allocates.

use core::task::Waker;

use alloc::vec::Vec;

use crate::irq::IrqSpinLock;
use crate::sync::{AtomicUsize, Ordering};

/// Wakers called per lock hold.
const BATCH: usize = 16;

/// Names one watcher of one queue, for [`WaitQueue::unwatch`](crate::WaitQueue::unwatch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct WatchId(u64);

struct Watch {
    id: u64,
    waker: Waker,
    exclusive: bool,
}

struct List {
    /// Sorted by id (ids only grow).
    watches: Vec<Watch>,
    next_id: u64,
    /// The exclusive watcher woken last.
    last_exclusive: u64,
}

pub(crate) struct Watchers {
    list: IrqSpinLock<List>,
    count: AtomicUsize,
}

impl Watchers {
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        Self {
            list: IrqSpinLock::new(List { watches: Vec::new(), next_id: 0, last_exclusive: 0 }),
            count: AtomicUsize::new(0),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        Self {
            list: IrqSpinLock::new(List { watches: Vec::new(), next_id: 0, last_exclusive: 0 }),
            count: AtomicUsize::new(0),
        }
    }

    pub(crate) fn add(&self, waker: Waker, exclusive: bool) -> WatchId {
        let mut list = self.list.lock();
        let id = list.next_id;
        list.next_id += 1;
        list.watches.push(Watch { id, waker, exclusive });
        // SeqCst pairs with the load in `wake`: a watcher added before the
        // caller's readiness re-check is seen by any later wake.
        self.count.fetch_add(1, Ordering::SeqCst);
        WatchId(id)
    }

    /// Removes a watcher; returns whether it was there.
    pub(crate) fn remove(&self, id: WatchId) -> bool {
        let removed = {
            let mut list = self.list.lock();
            match list.watches.binary_search_by_key(&id.0, |w| w.id) {
                Ok(i) => Some(list.watches.remove(i)),
                Err(_) => None,
            }
        };
        match removed {
            Some(watch) => {
                self.count.fetch_sub(1, Ordering::SeqCst);
                // The waker is dropped here, outside the lock.
                drop(watch);
                true
            }
            None => false,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Calls every non-exclusive watcher and the next exclusive one.
    pub(crate) fn wake(&self) {
        if self.count.load(Ordering::SeqCst) == 0 {
            return;
        }
        let mut after: Option<u64> = None;
        let mut exclusive_done = false;
        loop {
            let mut batch: [Option<Waker>; BATCH] = [const { None }; BATCH];
            let mut taken = 0;
            let mut more = false;
            {
                let mut list = self.list.lock();
                if !exclusive_done {
                    exclusive_done = true;
                    let last = list.last_exclusive;
                    let pick = list
                        .watches
                        .iter()
                        .find(|w| w.exclusive && w.id > last)
                        .or_else(|| list.watches.iter().find(|w| w.exclusive))
                        .map(|w| (w.id, w.waker.clone()));
                    if let Some((id, waker)) = pick {
                        list.last_exclusive = id;
                        batch[0] = Some(waker);
                        taken = 1;
                    }
                }
                let start = match after {
                    None => 0,
                    Some(a) => list.watches.partition_point(|w| w.id <= a),
                };
                for w in list.watches[start..].iter().filter(|w| !w.exclusive) {
                    if taken == BATCH {
                        more = true;
                        break;
                    }
                    batch[taken] = Some(w.waker.clone());
                    after = Some(w.id);
                    taken += 1;
                }
            }
            for waker in batch.iter_mut().take(taken).filter_map(Option::take) {
                waker.wake();
            }
            if !more {
                break;
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use alloc::sync::Arc;
    use alloc::task::Wake;
    use alloc::vec::Vec;
    use core::sync::atomic::{AtomicUsize, Ordering};
    use core::task::Waker;

    use crate::WaitQueue;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    fn n(c: &Count) -> usize {
        c.0.load(Ordering::SeqCst)
    }

    #[test]
    fn a_watcher_sees_every_wake_until_removed() {
        let q = WaitQueue::new();
        let (c, w) = counter();
        let id = q.watch(w, false);
        assert_eq!(q.wake_one(), false, "a watcher is not a waiter");
        q.wake_all();
        q.wake_n(3);
        assert_eq!(n(&c), 3);
        assert!(q.unwatch(id));
        assert!(!q.unwatch(id));
        q.wake_all();
        assert_eq!(n(&c), 3);
        assert_eq!(q.watchers(), 0);
    }

    #[test]
    fn more_watchers_than_a_batch_are_each_woken_once() {
        let q = WaitQueue::new();
        let counters: Vec<_> = (0..40).map(|_| counter()).collect();
        let ids: Vec<_> = counters.iter().map(|(_, w)| q.watch(w.clone(), false)).collect();
        q.wake_all();
        assert!(counters.iter().all(|(c, _)| n(c) == 1));
        q.unwatch(ids[5]);
        q.wake_one();
        assert_eq!(counters.iter().map(|(c, _)| n(c)).sum::<usize>(), 40 + 39);
    }

    #[test]
    fn exclusive_watchers_take_turns() {
        let q = WaitQueue::new();
        let (a, wa) = counter();
        let (b, wb) = counter();
        let (s, ws) = counter();
        q.watch(wa, true);
        q.watch(wb, true);
        q.watch(ws, false);
        for _ in 0..4 {
            q.wake_all();
        }
        assert_eq!((n(&a), n(&b), n(&s)), (2, 2, 4));
    }
}
