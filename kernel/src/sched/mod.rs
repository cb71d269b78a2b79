//! The kernel's executor: one [`executor::Executor`] for all CPUs, driven by
//! the platform.
//!
//! [`KernelPlatform`] implements the executor's hooks with the hardware:
//! the GS-based CPU index, the TSC clock, reschedule IPIs, the local APIC's
//! one-shot (or TSC-deadline) timer and `sti; hlt`. The timer interrupt only
//! tells the executor that a deadline passed; the CPU's loop then expires
//! its timers. No periodic tick exists: an idle CPU with no timers armed
//! takes no interrupts at all. [`deadline`] owns what the LAPIC timer is
//! programmed for (the executor's timers and the running thread's slice).

use alloc::sync::Arc;
use core::future::Future;

use executor::irq::InterruptControl;
use executor::{Config, Executor, JoinHandle, Platform, Sleep};
use platform::cpu::{interrupts, percpu};

pub mod deadline;

/// The executor's view of the machine.
pub struct KernelPlatform;

impl InterruptControl for KernelPlatform {
    fn disable_interrupts(&self) -> bool {
        interrupts::disable()
    }

    fn restore_interrupts(&self, was_enabled: bool) {
        interrupts::restore(was_enabled)
    }
}

impl Platform for KernelPlatform {
    fn cpu_id(&self) -> usize {
        percpu::cpu_id()
    }

    fn now_ns(&self) -> u64 {
        platform::time::now_ns()
    }

    fn send_reschedule_ipi(&self, cpu: usize) {
        platform::ipi::reschedule(cpu)
    }

    fn set_timer(&self, deadline_ns: Option<u64>) {
        deadline::for_executor(deadline_ns)
    }

    fn halt_until_interrupt(&self) {
        interrupts::enable_and_halt()
    }
}

static PLATFORM: KernelPlatform = KernelPlatform;
static EXECUTOR: spin::Once<Executor> = spin::Once::new();

/// Creates the executor for `cpus` CPUs and routes the timer and reschedule
/// interrupts to it. Called once on the bootstrap CPU before the APs start.
pub fn init(cpus: usize) {
    let _ = executor::irq::install(&PLATFORM);
    EXECUTOR.call_once(|| {
        Executor::new(Arc::new(KernelPlatform), Config::new(cpus.max(1))).expect("a valid executor configuration")
    });
    platform::cpu::trap::set_handlers(platform::cpu::trap::Handlers {
        timer: || executor().on_timer_interrupt(),
        // The interrupt itself ended `hlt`; the loop re-checks its queues.
        reschedule: || {},
    });
}

/// The kernel's executor.
pub fn executor() -> &'static Executor {
    EXECUTOR.get().expect("sched::init runs before any task")
}

/// Runs CPU `cpu`'s executor loop forever (with interrupts enabled when
/// idle).
pub fn run_cpu(cpu: usize) -> ! {
    interrupts::enable();
    executor().run_cpu(cpu)
}

/// Spawns `future` pinned to `cpu` (never stolen). Panics only for a CPU
/// index the executor was not created with: a kernel bug.
pub fn spawn_on<F>(cpu: usize, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    executor().spawn_pinned(cpu, future).expect("spawn on an existing CPU")
}

/// Runs `future` until `deadline_ns`; `Err(TimedOut)` if the deadline came
/// first.
pub fn timeout<F: Future>(deadline_ns: u64, future: F) -> executor::Timeout<F> {
    executor().timeout(deadline_ns, future)
}

/// Completes at `deadline_ns` on the monotonic clock, never earlier.
pub fn sleep_until(deadline_ns: u64) -> Sleep {
    executor().sleep_until(deadline_ns)
}

/// Sleeps until `deadline_ns` unless `cancel` is notified first (a timer
/// being re-armed or disarmed); true when the deadline came.
pub async fn sleep_unless_cancelled(deadline_ns: u64, cancel: &executor::Event) -> bool {
    matches!(executor::select(sleep_until(deadline_ns), cancel.notified()).await, executor::Either::Left(_))
}
