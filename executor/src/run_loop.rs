//! The per-CPU run loop: one *turn* at a time, idling when a turn finds
//! nothing.
//!
//! Owns: the order of work within a turn, timer expiry and timer
//! programming, and what the timer interrupt handler does.
//!
//! A turn on CPU `c`:
//! 1. **Timers.** If the timer interrupt flag is set, or the cached earliest
//!    deadline has passed, expire due timers: under the timer lock take at
//!    most 32 wakers, release the lock, wake them, repeat while more are due.
//! 2. **Run.** Pop and run at most `Config::batch` tasks from `c`'s queue
//!    (bounded so timers, stealing and reaping get their turn and a task
//!    that keeps re-queueing itself cannot starve them). A task that
//!    finishes goes to the reaper: parked at once if its `JoinHandle` is
//!    alive (nothing is dropped), else onto `c`'s reaper inbox.
//! 3. **Steal.** If step 2 ran nothing, steal from another CPU and run one.
//! 4. **Program** the one-shot timer if the deadline it needs changed: the
//!    earlier of the earliest timer and the reaper's next lingering pass.
//! 5. **Reap** ([`crate::reaper`]): examine at most `Config::reap_batch`
//!    finished tasks plus the number this turn sent to the inbox, stopping
//!    early once a timer is due. Last, and after step 4, because dropping a
//!    task can be slow: it must never hold back the timer or the next turn's
//!    expiry.
//!
//! A turn that ran nothing is followed by the idle handshake
//! ([`crate::idle`]); reap work left over counts as work there, so reaping
//! continues, a bounded batch per turn, until it is done.
//!
//! Interrupt context: [`Shared::on_timer_interrupt`] stores two atomics and
//! returns. It takes no lock, wakes nothing, allocates nothing and drops
//! nothing, so it cannot deadlock against the code it interrupted or free a
//! task; expiry (which calls wakers) happens in step 1 of the next turn, in
//! task context. The reschedule IPI needs no handler work at all: ending the
//! halt is its whole purpose.

use core::task::Waker;

use crate::cpu::NO_DEADLINE;
use crate::scheduler::Shared;
use crate::state::State;
use crate::sync::Ordering;
use crate::task::{RunResult, TaskRef};

/// Timers expired per lock hold.
const EXPIRE_BATCH: usize = 32;

impl Shared {
    /// One turn on `cpu`. Returns how many tasks it ran.
    pub(crate) fn turn(&self, cpu: usize) -> usize {
        let Some(c) = self.cpu(cpu) else { return 0 };
        self.expire_due(cpu);

        let mut ran = 0;
        // Finished tasks this turn sent to the reaper inbox.
        let mut finished = 0;
        while ran < self.config.batch {
            let Some(task) = c.queue.pop(&*self.platform) else {
                break;
            };
            finished += usize::from(self.run_task(cpu, task));
            ran += 1;
        }
        if ran == 0 {
            if let Some(task) = self.steal(cpu) {
                finished += usize::from(self.run_task(cpu, task));
                ran = 1;
            }
        }
        self.program_timer(cpu);
        self.reap(cpu, finished);
        ran
    }

    /// Runs `task` once; returns whether it finished and went to this CPU's
    /// reaper inbox.
    fn run_task(&self, cpu: usize, task: TaskRef) -> bool {
        let Some(c) = self.cpu(cpu) else { return false };
        c.stats
            .polls
            .fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        match task.run(cpu) {
            RunResult::Idle => {}
            RunResult::Requeue(task) => self.push(cpu, task),
            RunResult::Finished(task) => {
                c.stats
                    .completed
                    .fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                return self.finished(cpu, task);
            }
            // Finished by shutdown while queued or running.
            RunResult::Skipped(State::Done) => {}
            RunResult::Skipped(state) | RunResult::Invalid(state) => {
                debug_assert!(false, "task state machine invariant broken: {state:?}");
                self.violations
                    .fetch_add(1, core::sync::atomic::Ordering::Relaxed);
            }
        }
        false
    }

    /// Runs turns until `stop()` returns true, idling between them.
    pub(crate) fn run_until(&self, cpu: usize, stop: &mut dyn FnMut() -> bool) {
        while !stop() {
            // A re-check that found work the next turn could not take (a
            // thief got it first) retries at once; say so to the CPU.
            if self.turn(cpu) == 0 && !self.idle(cpu, stop) {
                crate::sync::spin_hint();
            }
        }
    }

    /// Runs turns until one finds nothing to run, no timer is due and the
    /// reaper has no work. Never halts.
    pub(crate) fn run_until_idle(&self, cpu: usize) -> usize {
        let Some(c) = self.cpu(cpu) else { return 0 };
        let mut total = 0;
        loop {
            let ran = self.turn(cpu);
            total += ran;
            if ran == 0 && c.queue.is_empty() && !self.timer_due(cpu) && !self.reap_work(cpu) {
                return total;
            }
        }
    }

    /// Whether a timer on `cpu` is due now (or its interrupt is pending).
    pub(crate) fn timer_due(&self, cpu: usize) -> bool {
        let Some(c) = self.cpu(cpu) else { return false };
        c.timer_irq.load(Ordering::SeqCst)
            || c.next_deadline.load(Ordering::SeqCst) <= self.platform.now_ns()
    }

    /// The idle re-check's timer part: a timer is due, or the earliest
    /// deadline is earlier than what is programmed (a timer was added from
    /// another CPU after this one programmed its timer).
    pub(crate) fn timer_work(&self, cpu: usize) -> bool {
        let Some(c) = self.cpu(cpu) else { return false };
        self.timer_due(cpu)
            || c.next_deadline.load(Ordering::SeqCst) < c.programmed.load(Ordering::SeqCst)
    }

    /// Step 1 of a turn.
    pub(crate) fn expire_due(&self, cpu: usize) {
        let Some(c) = self.cpu(cpu) else { return };
        let interrupted = c.timer_irq.swap(false, Ordering::SeqCst);
        let now = self.platform.now_ns();
        if !interrupted && c.next_deadline.load(Ordering::SeqCst) > now {
            return;
        }
        loop {
            let mut batch: [Option<Waker>; EXPIRE_BATCH] = [const { None }; EXPIRE_BATCH];
            let (fired, more) = {
                let mut timers = c.timers.lock();
                let result = timers.expire(now, &mut batch);
                c.next_deadline.store(
                    timers.next_deadline().unwrap_or(NO_DEADLINE),
                    Ordering::SeqCst,
                );
                result
            };
            c.stats
                .timers_fired
                .fetch_add(fired as u64, core::sync::atomic::Ordering::Relaxed);
            for waker in batch.iter_mut().take(fired).filter_map(Option::take) {
                waker.wake();
            }
            if !more {
                return;
            }
        }
    }

    /// Step 4 of a turn (and the start of the idle path): tell the platform
    /// about a changed deadline — the earliest timer's or, if earlier, the
    /// reaper's next lingering pass.
    pub(crate) fn program_timer(&self, cpu: usize) {
        let Some(c) = self.cpu(cpu) else { return };
        let next = c
            .next_deadline
            .load(Ordering::SeqCst)
            .min(c.recheck_at.load(Ordering::SeqCst));
        if next != c.programmed.load(Ordering::SeqCst) {
            c.programmed.store(next, Ordering::SeqCst);
            self.platform.set_timer(if next == NO_DEADLINE {
                None
            } else {
                Some(next)
            });
        }
    }

    /// Interrupt context (see the module documentation).
    pub(crate) fn on_timer_interrupt(&self) {
        let Some(c) = self.cpu(self.current_cpu()) else {
            return;
        };
        c.stats
            .timer_interrupts
            .fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        // The one-shot timer has fired: nothing is programmed any more.
        c.programmed.store(NO_DEADLINE, Ordering::SeqCst);
        c.timer_irq.store(true, Ordering::SeqCst);
    }

    /// Whether the current CPU's loop has other work waiting (a task queued
    /// or a timer interrupt pending): what a long-running task (a user thread
    /// returning from a timer interrupt) asks before deciding to yield.
    pub(crate) fn should_yield(&self) -> bool {
        let Some(c) = self.cpu(self.current_cpu()) else {
            return false;
        };
        !c.queue.is_empty() || self.timer_due(self.current_cpu())
    }
}
