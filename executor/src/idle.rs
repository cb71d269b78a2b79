//! The idle handshake: how a CPU with nothing to run halts without losing a
//! wake, and how a waker decides whether to send a reschedule IPI.
//!
//! Owns: the per-CPU idle flag ([`IdleFlag`]), the halting half
//! (`Shared::idle`) and the waking half (`Shared::notify_cpu`).
//!
//! ```text
//!   CPU c, run loop found nothing           any CPU (or interrupt handler)
//!   -----------------------------           waking a task whose CPU is c
//!                                           --------------------------------
//!   program one-shot timer (next deadline)
//!   was = disable_interrupts()    (cli)
//!   idle[c] := IDLE          ---+           push task onto queue[c] (or a
//!   fence(SeqCst)               |  Dekker     finished task onto c's
//!   re-check: queue[c] empty?   |  pair       reaper inbox)
//!     reaper inbox[c] empty,    |           fence(SeqCst)
//!       lingering pass not due? |           if idle[c] == IDLE
//!     timer interrupt flag?     |              and CAS idle[c] IDLE -> BUSY wins:
//!     earliest deadline due or -+                 send_reschedule_ipi(c)
//!     earlier than programmed?
//!     stop requested?
//!   any true: idle[c] := BUSY, restore(was), go run it
//!   halt_until_interrupt()        (sti; hlt: one step)
//!   idle[c] := BUSY; restore(was)
//! ```
//!
//! Why no wake is lost: both sides *store, fence, then load* the other's
//! location. With sequentially consistent fences at least one side sees the
//! other's store: either the CPU's re-check sees the queued task and does not
//! halt, or the waker sees IDLE and sends the IPI. An IPI that arrives after
//! `cli` stays pending, and `sti; hlt` (enable-and-halt in one step, thanks to
//! the one-instruction interrupt shadow of `sti`) returns as soon as it is
//! delivered, so a wake between the re-check and the halt still ends the halt.
//! Timer interrupts are handled the same way: the handler only sets the
//! CPU's timer flag, which the re-check and the next turn read. The reaper
//! inbox is published and re-checked exactly like the run queue (a dropped
//! `JoinHandle` hands its parked task over this way, see
//! [`crate::reaper`]), so a CPU never halts with finished tasks it could
//! reap; its lingering pass is a deadline it programmed itself.
//!
//! Why exactly one IPI per idle period: only the waker whose compare-and-swap
//! moves `idle[c]` from IDLE to BUSY sends one; every later waker sees BUSY.
//! (If that waker runs on `c` itself it can only be an interrupt handler that
//! already ended the halt — `c`'s interrupts are off between marking itself
//! idle and halting — so it sends none.)
//! The CPU sets its own flag back to BUSY when it leaves the idle path, so a
//! busy CPU never receives a reschedule IPI from a wake. (An IPI can still be
//! *spurious* — the CPU found the work in its re-check just before the waker's
//! CAS — which costs one interrupt and is harmless.)
//!
//! Checked by the loom models `executor_wake_and_idle_handshake` and
//! `executor_two_cpus_steal_and_wake` (`tests/loom.rs`). Under loom the run
//! queue's emptiness is read with acquire/release only, so the proof rests on
//! the two fences above (removing them makes the model fail).

use crate::scheduler::Shared;
use crate::sync::{fence, AtomicUsize, Ordering};

const BUSY: usize = 0;
const IDLE: usize = 1;

/// Whether a CPU is in its idle path (between marking itself idle and
/// leaving the halt).
pub(crate) struct IdleFlag(AtomicUsize);

impl IdleFlag {
    pub(crate) fn new() -> Self {
        Self(AtomicUsize::new(BUSY))
    }

    /// The CPU marks itself idle (first half of the Dekker pair).
    fn enter(&self) {
        self.0.store(IDLE, Ordering::SeqCst);
        fence(Ordering::SeqCst);
    }

    /// The CPU leaves the idle path. Returns whether it was still IDLE (no
    /// waker claimed it).
    fn leave(&self) -> bool {
        self.0.swap(BUSY, Ordering::SeqCst) == IDLE
    }

    /// A waker claims the right to send the one IPI (second half of the
    /// Dekker pair; the caller already published its work).
    fn claim(&self) -> bool {
        fence(Ordering::SeqCst);
        self.0.load(Ordering::SeqCst) == IDLE
            && self
                .0
                .compare_exchange(IDLE, BUSY, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
    }

    pub(crate) fn is_idle(&self) -> bool {
        self.0.load(Ordering::SeqCst) == IDLE
    }
}

impl Shared {
    /// The halting half of the handshake, for `cpu`'s own run loop. Returns
    /// after an interrupt (`true`), or at once (`false`) if the re-check
    /// finds work or `stop()`.
    pub(crate) fn idle(&self, cpu: usize, stop: &mut dyn FnMut() -> bool) -> bool {
        let Some(c) = self.cpu(cpu) else { return false };
        self.program_timer(cpu);
        let was_enabled = self.platform.disable_interrupts();
        // Counted before the flag is set so the count never underflows when
        // a waker claims the flag at once; the count is only a hint.
        self.idle_cpus.fetch_add(1, Ordering::SeqCst);
        c.idle.enter();

        let work = !c.queue.is_empty() || self.reap_work(cpu) || self.timer_work(cpu) || stop();
        if !work {
            self.platform.halt_until_interrupt();
        }
        if c.idle.leave() {
            self.idle_cpus.fetch_sub(1, Ordering::SeqCst);
        }
        self.platform.restore_interrupts(was_enabled);
        !work
    }

    /// The waking half: after work for `cpu` was published, interrupt it if
    /// (and only if) it is idle and nobody else has done so.
    pub(crate) fn notify_cpu(&self, cpu: usize) {
        let Some(c) = self.cpu(cpu) else { return };
        if c.idle.claim() {
            self.idle_cpus.fetch_sub(1, Ordering::SeqCst);
            // While a CPU's flag is IDLE its interrupts are disabled until it
            // halts, so code running *on* that CPU now is an interrupt
            // handler that ended the halt: the CPU resumes when the handler
            // returns, and a self-IPI would only cost another interrupt.
            if self.platform.cpu_id() != cpu {
                c.stats
                    .ipis
                    .fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                self.platform.send_reschedule_ipi(cpu);
            }
        }
    }

    /// Interrupts one idle CPU other than `busy` so it comes to steal.
    pub(crate) fn kick_idle_thief(&self, busy: usize) {
        if self.idle_cpus.load(Ordering::SeqCst) == 0 {
            return;
        }
        let n = self.cpus.len();
        for offset in 1..n {
            let victim = (busy + offset) % n;
            if self.cpus[victim].idle.is_idle() {
                self.notify_cpu(victim);
                return;
            }
        }
    }
}
