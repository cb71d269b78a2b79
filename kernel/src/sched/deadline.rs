//! The one owner of each CPU's LAPIC timer deadline.
//!
//! Two parties need the timer interrupt, and both program it through here:
//! - **The executor** ([`for_executor`], its `Platform::set_timer`): its run
//!   loop asks, at the end of a turn and on the idle path, for the earliest
//!   timer of the CPU (or the reaper's next pass), or for nothing (an idle
//!   CPU with no timers takes no interrupts). It remembers what it asked
//!   for and asks again only when that changes; the timer interrupt clears
//!   its memory (`on_timer_interrupt`).
//! - **A user thread about to run** ([`for_user_run`], from the thread loop
//!   in `proc::thread`): the end of its time slice, or sooner its nearest
//!   CPU-time expiry (CPU time advances only while it runs), and never later
//!   than the executor's earliest timer (read from the executor's lock-free
//!   hint, which is never later than the truth). So what the executor asked
//!   for is only ever brought forward underneath it: an early interrupt
//!   makes the CPU look again, none is lost.
//!
//! `platform::apic::lapic` only writes the hardware (TSC-deadline MSR or
//! the one-shot counter) and keeps what it wrote, to skip a write when a
//! deadline already programmed is at most 2 ms earlier. Nothing else in the
//! kernel programs the LAPIC timer (the boot self-test of the timer aside).

use platform::apic::lapic;

/// The executor's request: `deadline` (monotonic ns) or none.
pub fn for_executor(deadline: Option<u64>) {
    lapic::set_deadline(deadline)
}

/// Arms this CPU's timer for a user run starting at `now` on `cpu`: the
/// slice end, `budget` ns of CPU time at most, never past the executor's
/// earliest timer. Interrupts are off (they stay off until user mode, so an
/// interrupt cannot fire between here and there unseen). Returns the
/// executor's earliest timer, for the caller to see whether one is due.
pub fn for_user_run(cpu: usize, now: u64, slice: u64, budget: u64) -> Option<u64> {
    let timer = super::executor().next_deadline_hint(cpu);
    let end = now.saturating_add(slice.min(budget.max(1)));
    lapic::set_deadline_irqs_off(timer.map_or(end, |d| d.min(end)), now);
    timer
}
