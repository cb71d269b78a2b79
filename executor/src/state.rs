//! The task state machine: one atomic word per task.
//!
//! Owns: [`TaskState`], the only place a task's life-cycle state changes, and
//! the rule for who pushes the task onto a run queue.
//!
//! ```text
//!               spawn: starts SCHEDULED, pushed onto one run queue
//!                 |
//!                 v
//!           +-----------+ <------------------------- wake: no-op
//!    +----> | SCHEDULED | <-------------------------------+
//!    |      +-----------+                                 |
//!    |            |  run: start_poll (consumes the        |  end_poll: the
//!    |            |  queue entry)                         |  executor pushes
//!    |            v                                       |  it once, at the tail
//!    |      +-----------+          wake            +-----------+
//!    |      |  RUNNING  | -----------------------> | NOTIFIED  | <-- wake: no-op
//!    |      +-----------+                          +-----------+
//!    |        |       |                                   |
//!    | wake:  |       | Ready, or CANCEL seen             | Ready
//!    | waker  |       | at start_poll                     |
//!    | pushes |       +-------------+    +----------------+
//!    | once   | end_poll:           |    |
//!    |        | Pending             v    v
//!    |  +-----------+            +-----------+
//!    +--|   IDLE    |            |   DONE    | <-- wake, abort: no-op, forever
//!       +-----------+            +-----------+
//! ```
//!
//! The word holds the state in its low three bits and flags above them.
//! `CANCEL`: `abort` sets it and otherwise makes exactly the transition a
//! wake makes, so an aborted task is run once more, sees the flag at
//! `start_poll`, and is dropped instead of polled.
//!
//! Two more flags record who holds the references that reaping depends on
//! ([`crate::registry`], [`crate::reaper`]); the life-cycle transitions above
//! keep every flag as it is:
//!
//! ```text
//!   HANDLE_GONE  set once, by the JoinHandle's drop (`drop_handle`), after
//!                it left its reference in the registry.
//!   PARKED       set once, by the reaper, on a DONE task whose handle is not
//!                gone (`park`); the reaper then releases its reference.
//! ```
//!
//! Both are read-modify-writes of this word, so they are totally ordered:
//! either `park` comes first (and `drop_handle` returns `true`: the handle
//! takes its reference back and hands it to the reaper), or `drop_handle`
//! comes first (and `park` fails: the reaper takes the reference the handle
//! left in the registry). Never both, never neither.
//!
//! Rules a reader can check against the diagram:
//! 1. **One queue entry per SCHEDULED.** A task is pushed onto a run queue
//!    only by the thread that moves it into SCHEDULED: the waker that wins
//!    IDLE -> SCHEDULED, the executor at NOTIFIED -> SCHEDULED, or the spawner
//!    (which creates it SCHEDULED). The only way out of SCHEDULED is the
//!    executor popping that entry and calling `start_poll`. Hence a task is
//!    never enqueued twice and never polled by two CPUs at once.
//! 2. **No lost wake.** A wake that lands while the task is RUNNING turns it
//!    into NOTIFIED; `end_poll` cannot then move it to IDLE (its compare-and-
//!    swap expects RUNNING) and re-queues it instead, so the task is polled
//!    again after the wake. A wake on IDLE enqueues. A wake on SCHEDULED or
//!    NOTIFIED is already covered by a poll that has not started yet.
//! 3. **Wakes publish.** Every wake that does not find DONE performs a
//!    read-modify-write on the word (even when the state stays the same), so
//!    whatever the waker wrote before waking happens-before the next
//!    `start_poll` (which reads the word with acquire ordering).
//! 4. **DONE is final.** Nothing leaves DONE; wakes and aborts of a finished
//!    task do nothing.
//!
//! The type is public so that the loom models in `tests/loom.rs`
//! (`wake_while_polling_is_never_lost`, `concurrent_wakes_enqueue_once`,
//! `abort_races_poll`) can drive it directly; the unit tests below walk every
//! transition.

use crate::sync::{AtomicUsize, Ordering};

const MASK: usize = 0b111;
const IDLE: usize = 0;
const SCHEDULED: usize = 1;
const RUNNING: usize = 2;
const NOTIFIED: usize = 3;
const DONE: usize = 4;
const CANCEL: usize = 0b1000;
const HANDLE_GONE: usize = 0b1_0000;
const PARKED: usize = 0b10_0000;
/// The flag bits: the life-cycle transitions keep them.
const FLAGS: usize = !MASK;

/// The life-cycle state of a task (see the module diagram).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Not queued, not running: waiting for a wake.
    Idle,
    /// In exactly one run queue, waiting to be polled.
    Scheduled,
    /// Being polled by one CPU.
    Running,
    /// Being polled, and woken since the poll began: will be re-queued.
    Notified,
    /// Finished (completed or cancelled). Final.
    Done,
}

impl State {
    fn from_bits(bits: usize) -> Self {
        match bits & MASK {
            IDLE => State::Idle,
            SCHEDULED => State::Scheduled,
            RUNNING => State::Running,
            NOTIFIED => State::Notified,
            _ => State::Done,
        }
    }
}

/// What `start_poll` tells the executor to do with the task it popped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartPoll {
    /// Now RUNNING: poll the future.
    Poll,
    /// Now RUNNING with `CANCEL` set: drop the future, then `complete`.
    Cancel,
    /// The task was not SCHEDULED (only possible if the one-entry rule was
    /// broken, or the executor is shutting down and finished it): skip it.
    NotScheduled(State),
}

/// What `end_poll` (after a `Pending` poll) tells the executor to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndPoll {
    /// RUNNING -> IDLE: the task waits for a wake; nothing to do.
    Idle,
    /// NOTIFIED -> SCHEDULED: push the task once, at the tail of a queue.
    Requeue,
    /// The task was finished by shutdown while it was being polled.
    Done,
    /// The state was not RUNNING or NOTIFIED: an invariant was broken.
    Invalid(State),
}

/// One task's state word. See the module documentation.
pub struct TaskState(AtomicUsize);

impl TaskState {
    /// A new task, SCHEDULED: the spawner must push it once.
    pub fn new_scheduled() -> Self {
        Self(AtomicUsize::new(SCHEDULED))
    }

    /// A task that is DONE from the start (spawned after shutdown).
    pub fn new_done() -> Self {
        Self(AtomicUsize::new(DONE | CANCEL))
    }

    /// The current state and whether `CANCEL` is set.
    pub fn load(&self) -> (State, bool) {
        let bits = self.0.load(Ordering::Acquire);
        (State::from_bits(bits), bits & CANCEL != 0)
    }

    /// Whether the task is DONE.
    pub fn is_done(&self) -> bool {
        self.load().0 == State::Done
    }

    /// A wake. Returns `true` when the caller moved the task IDLE ->
    /// SCHEDULED and must now push it onto a run queue (exactly once).
    pub fn wake(&self) -> bool {
        self.transition_for_wake(0)
    }

    /// An abort request: sets `CANCEL` and makes the same transition as a
    /// wake. Returns `true` when the caller must push the task.
    pub fn cancel(&self) -> bool {
        self.transition_for_wake(CANCEL)
    }

    fn transition_for_wake(&self, extra: usize) -> bool {
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            let next = match current & MASK {
                IDLE => (current & !MASK) | SCHEDULED | extra,
                RUNNING => (current & !MASK) | NOTIFIED | extra,
                SCHEDULED | NOTIFIED => current | extra,
                _ => return false,
            };
            match self
                .0
                .compare_exchange_weak(current, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return current & MASK == IDLE,
                Err(actual) => current = actual,
            }
        }
    }

    /// The executor popped the task: SCHEDULED -> RUNNING.
    pub fn start_poll(&self) -> StartPoll {
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            if current & MASK != SCHEDULED {
                return StartPoll::NotScheduled(State::from_bits(current));
            }
            let next = (current & FLAGS) | RUNNING;
            match self
                .0
                .compare_exchange_weak(current, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) if current & CANCEL != 0 => return StartPoll::Cancel,
                Ok(_) => return StartPoll::Poll,
                Err(actual) => current = actual,
            }
        }
    }

    /// The poll returned `Pending`: RUNNING -> IDLE, or NOTIFIED -> SCHEDULED.
    pub fn end_poll(&self) -> EndPoll {
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            let (next, outcome) = match current & MASK {
                RUNNING => ((current & FLAGS) | IDLE, EndPoll::Idle),
                NOTIFIED => ((current & FLAGS) | SCHEDULED, EndPoll::Requeue),
                DONE => return EndPoll::Done,
                _ => return EndPoll::Invalid(State::from_bits(current)),
            };
            match self
                .0
                .compare_exchange_weak(current, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return outcome,
                Err(actual) => current = actual,
            }
        }
    }

    /// The task finished (its future returned `Ready` or was dropped): any
    /// state -> DONE. Returns the state it left.
    pub fn complete(&self) -> State {
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            let next = (current & FLAGS) | DONE;
            match self
                .0
                .compare_exchange_weak(current, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return State::from_bits(current),
                Err(actual) => current = actual,
            }
        }
    }

    /// The reaper, on a DONE task: if the task's `JoinHandle` is not gone,
    /// sets `PARKED` and returns `true` (the reaper then releases its
    /// reference, and the handle's drop hands its own over). Returns `false`
    /// once the handle is gone.
    pub fn park(&self) -> bool {
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            if current & HANDLE_GONE != 0 {
                return false;
            }
            match self.0.compare_exchange_weak(
                current,
                current | PARKED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }

    /// Whether the reaper parked the task (final until the handle's drop).
    pub fn is_parked(&self) -> bool {
        self.0.load(Ordering::Acquire) & PARKED != 0
    }

    /// The `JoinHandle` is dropped (after leaving its reference for the
    /// reaper, unless the task was already parked): sets `HANDLE_GONE`.
    /// Returns whether the task was parked, i.e. whether the handle must
    /// hand its reference to the reaper itself.
    pub fn drop_handle(&self) -> bool {
        self.0.fetch_or(HANDLE_GONE, Ordering::AcqRel) & PARKED != 0
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn state(s: &TaskState) -> State {
        s.load().0
    }

    #[test]
    fn spawn_poll_pending_wake_poll_ready() {
        let s = TaskState::new_scheduled();
        assert_eq!(state(&s), State::Scheduled);
        assert_eq!(s.start_poll(), StartPoll::Poll);
        assert_eq!(state(&s), State::Running);
        assert_eq!(s.end_poll(), EndPoll::Idle);
        assert_eq!(state(&s), State::Idle);
        assert!(s.wake(), "IDLE -> SCHEDULED: the waker enqueues");
        assert_eq!(state(&s), State::Scheduled);
        assert_eq!(s.start_poll(), StartPoll::Poll);
        assert_eq!(s.complete(), State::Running);
        assert_eq!(state(&s), State::Done);
    }

    #[test]
    fn wakes_on_scheduled_are_absorbed() {
        let s = TaskState::new_scheduled();
        assert!(!s.wake());
        assert!(!s.wake());
        assert_eq!(state(&s), State::Scheduled);
    }

    #[test]
    fn wake_while_running_requeues_exactly_once() {
        let s = TaskState::new_scheduled();
        s.start_poll();
        assert!(!s.wake(), "RUNNING -> NOTIFIED: the waker does not enqueue");
        assert_eq!(state(&s), State::Notified);
        assert!(!s.wake(), "NOTIFIED absorbs further wakes");
        assert_eq!(s.end_poll(), EndPoll::Requeue, "the executor enqueues");
        assert_eq!(state(&s), State::Scheduled);
        assert!(!s.wake());
    }

    #[test]
    fn completion_after_notified_is_done() {
        let s = TaskState::new_scheduled();
        s.start_poll();
        s.wake();
        assert_eq!(s.complete(), State::Notified);
        assert!(s.is_done());
    }

    #[test]
    fn done_is_final() {
        let s = TaskState::new_scheduled();
        s.start_poll();
        s.complete();
        assert!(!s.wake());
        assert!(!s.cancel());
        assert_eq!(
            s.load(),
            (State::Done, false),
            "cancel of a DONE task sets nothing"
        );
        assert_eq!(s.start_poll(), StartPoll::NotScheduled(State::Done));
        assert_eq!(s.end_poll(), EndPoll::Done);
    }

    #[test]
    fn cancel_behaves_like_wake_and_is_seen_at_start() {
        // Idle: cancel enqueues, start_poll says Cancel.
        let s = TaskState::new_scheduled();
        s.start_poll();
        s.end_poll();
        assert!(s.cancel());
        assert_eq!(s.load(), (State::Scheduled, true));
        assert_eq!(s.start_poll(), StartPoll::Cancel);
        assert_eq!(s.complete(), State::Running);
        assert_eq!(s.load(), (State::Done, true));

        // Running: cancel notifies; the re-queued run sees it.
        let s = TaskState::new_scheduled();
        s.start_poll();
        assert!(!s.cancel());
        assert_eq!(s.load(), (State::Notified, true));
        assert_eq!(s.end_poll(), EndPoll::Requeue);
        assert_eq!(s.start_poll(), StartPoll::Cancel);

        // Scheduled: absorbed, but the flag is set.
        let s = TaskState::new_scheduled();
        assert!(!s.cancel());
        assert_eq!(s.start_poll(), StartPoll::Cancel);
    }

    #[test]
    fn invalid_transitions_are_reported_not_performed() {
        let s = TaskState::new_scheduled();
        assert_eq!(s.end_poll(), EndPoll::Invalid(State::Scheduled));
        s.start_poll();
        assert_eq!(s.start_poll(), StartPoll::NotScheduled(State::Running));
        s.end_poll();
        assert_eq!(s.end_poll(), EndPoll::Invalid(State::Idle));
        assert_eq!(state(&s), State::Idle);
    }

    #[test]
    fn new_done_is_cancelled() {
        assert_eq!(TaskState::new_done().load(), (State::Done, true));
    }

    /// Two threads wake a task while this thread plays the executor: every
    /// enqueue is matched by exactly one poll, and after the last wake the
    /// task was polled again (it ends IDLE, not SCHEDULED or NOTIFIED).
    #[test]
    fn concurrent_wakes_enqueue_once_per_scheduled() {
        use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
        use std::sync::Arc;
        const WAKES: u64 = 20_000;
        let s = Arc::new(TaskState::new_scheduled());
        let queued = Arc::new(AtomicU64::new(1)); // spawn's entry
        let done = Arc::new(AtomicBool::new(false));
        let wakers: std::vec::Vec<_> = (0..2)
            .map(|_| {
                let (s, queued) = (s.clone(), queued.clone());
                std::thread::spawn(move || {
                    for _ in 0..WAKES {
                        if s.wake() {
                            queued.fetch_add(1, SeqCst);
                        }
                    }
                })
            })
            .collect();
        let d = done.clone();
        let joiner = std::thread::spawn(move || {
            for w in wakers {
                w.join().unwrap();
            }
            d.store(true, SeqCst);
        });
        let mut polls = 0u64;
        loop {
            let finished = done.load(SeqCst);
            while queued.load(SeqCst) > polls {
                assert_eq!(s.start_poll(), StartPoll::Poll, "entry without SCHEDULED");
                polls += 1;
                if s.end_poll() == EndPoll::Requeue {
                    queued.fetch_add(1, SeqCst);
                }
            }
            if finished {
                break;
            }
            core::hint::spin_loop();
        }
        joiner.join().unwrap();
        assert_eq!(queued.load(SeqCst), polls);
        assert_eq!(state(&s), State::Idle, "every wake was followed by a poll");
    }

    #[test]
    fn park_before_handle_drop_hands_the_task_back() {
        let s = TaskState::new_scheduled();
        assert_eq!(s.start_poll(), StartPoll::Poll);
        s.complete();
        assert!(!s.is_parked());
        assert!(s.park(), "handle alive: the reaper parks it");
        assert!(s.is_parked());
        assert!(s.drop_handle(), "the handle sees PARKED and hands it over");
        assert!(!s.park(), "handle gone: never parked again");
        assert_eq!(s.load(), (State::Done, false));
    }

    #[test]
    fn handle_drop_before_park_leaves_it_to_the_reaper() {
        let s = TaskState::new_scheduled();
        assert!(!s.drop_handle(), "not parked: the reference stays behind");
        // The life cycle goes on and keeps the flag.
        assert_eq!(s.start_poll(), StartPoll::Poll);
        assert_eq!(s.end_poll(), EndPoll::Idle);
        assert!(s.wake());
        assert!(!s.cancel(), "already scheduled");
        assert_eq!(s.start_poll(), StartPoll::Cancel);
        s.complete();
        assert!(!s.park(), "the flag survived every transition");
        assert!(!s.is_parked());
        assert_eq!(s.load(), (State::Done, true));
    }

    #[test]
    fn parked_flag_survives_wakes_of_a_done_task() {
        let s = TaskState::new_scheduled();
        assert_eq!(s.start_poll(), StartPoll::Poll);
        s.complete();
        assert!(s.park());
        assert!(!s.wake(), "DONE is final");
        assert!(!s.cancel());
        assert!(s.is_parked());
        assert_eq!(s.load(), (State::Done, false));
    }
}
