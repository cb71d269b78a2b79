//! The hardware hooks the executor needs, as one small trait.
//!
//! The kernel implements [`Platform`] for x86-64 (GS-based CPU ids, TSC time,
//! x2APIC/xAPIC IPIs, the LAPIC one-shot or TSC-deadline timer, `sti; hlt`,
//! `pushf; cli` / `popf`); host tests implement it with OS threads standing in
//! for CPUs (`sim`, feature `std`). Nothing else in the crate knows about hardware.
//!
//! Contract, method by method, for an implementer:
//!
//! | method | called from | must |
//! |---|---|---|
//! | `cpu_id` | any context | return the index (`0..cpus`) of the CPU running the caller |
//! | `now_ns` | any context | be monotonic (never go backwards), in nanoseconds |
//! | `send_reschedule_ipi(cpu)` | any context, often with interrupts disabled | make `cpu`'s pending or next `halt_until_interrupt` return; the handler on the target does nothing but acknowledge (EOI) |
//! | `set_timer(d)` | the CPU's own run loop | program *this* CPU's one-shot timer to interrupt at or after `d` (`None` = disarm); a deadline already in the past must still interrupt promptly |
//! | `halt_until_interrupt` | the CPU's own run loop, interrupts disabled | enable interrupts and halt **in one step** (x86: `sti; hlt`, whose one-instruction interrupt shadow makes the pair atomic), returning after an interrupt was taken; if an interrupt became pending while they were disabled it must return at once |
//! | `disable_interrupts` / `restore_interrupts` | anywhere | from [`InterruptControl`] |
//!
//! The timer interrupt handler calls
//! [`Executor::on_timer_interrupt`](crate::Executor::on_timer_interrupt);
//! the reschedule-IPI handler only acknowledges the interrupt. Neither calls
//! anything else in this crate.

use crate::irq::InterruptControl;

/// The executor's view of the machine. See the module documentation for the
/// contract of each method.
pub trait Platform: InterruptControl + Send + Sync + 'static {
    /// The CPU executing the caller, in `0..cpus`.
    fn cpu_id(&self) -> usize;
    /// Monotonic time in nanoseconds.
    fn now_ns(&self) -> u64;
    /// Interrupts `cpu` so that a halted CPU returns from
    /// [`halt_until_interrupt`](Platform::halt_until_interrupt).
    fn send_reschedule_ipi(&self, cpu: usize);
    /// Programs this CPU's one-shot timer (`None` disarms it).
    fn set_timer(&self, deadline_ns: Option<u64>);
    /// With interrupts disabled on entry: atomically enable interrupts and
    /// halt until one arrives (x86: `sti; hlt`). Returns after the interrupt
    /// was handled; the executor restores the interrupt state it saved.
    fn halt_until_interrupt(&self);
}
