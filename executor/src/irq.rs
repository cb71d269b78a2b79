//! Interrupt masking for locks that interrupt handlers may take.
//!
//! Owns: the [`InterruptControl`] hook, the process-wide hook used by
//! free-standing primitives ([`install`]), and `IrqSpinLock`, a spin lock
//! that runs its critical section with interrupts disabled on this CPU.
//!
//! Why: a wait queue can be woken from an interrupt handler (a serial byte
//! arrives and wakes the tty's readers). If the interrupted code held that
//! queue's lock on the same CPU, a plain spin lock would spin forever. Like
//! Linux's `spin_lock_irqsave`, an `IrqSpinLock` disables interrupts *before*
//! taking the lock and restores the previous state *after* releasing it, so
//! no handler can run on this CPU while the lock is held here.
//!
//! Rules:
//! - [`WaitQueue`](crate::WaitQueue) and [`Event`](crate::Event) locks are
//!   `IrqSpinLock`s using the global hook; the executor's own interrupt-safe
//!   lock (the run-queue overflow list) uses the executor's
//!   [`Platform`](crate::Platform), which is also an `InterruptControl`.
//! - Until [`install`] is called the global hook is a no-op: right for host
//!   tests, where there are no interrupts. The kernel installs its platform
//!   once, before enabling interrupts.
//! - Critical sections under an `IrqSpinLock` are short and never call a
//!   waker, allocate only on paths documented as task-context-only, and never
//!   drop a task.

use crate::sync::{SpinGuard, SpinLock};

/// Masking and unmasking interrupts on the current CPU (x86: `pushf; cli` /
/// `popf`).
pub trait InterruptControl: Send + Sync {
    /// Disables interrupts on this CPU; returns whether they were enabled.
    fn disable_interrupts(&self) -> bool;
    /// Restores the state returned by the matching `disable_interrupts`.
    fn restore_interrupts(&self, was_enabled: bool);
}

static GLOBAL: spin::Once<&'static dyn InterruptControl> = spin::Once::new();

/// The global hook was already installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlreadyInstalled;

/// Installs the interrupt-masking hook used by wait queues and events. Call
/// once at boot, before interrupts are enabled.
pub fn install(control: &'static dyn InterruptControl) -> Result<(), AlreadyInstalled> {
    let mut installed = false;
    GLOBAL.call_once(|| {
        installed = true;
        control
    });
    if installed {
        Ok(())
    } else {
        Err(AlreadyInstalled)
    }
}

/// Interrupts disabled on this CPU until dropped (then restored to what they
/// were).
pub(crate) struct IrqGuard<'a> {
    control: Option<&'a dyn InterruptControl>,
    was_enabled: bool,
}

impl<'a> IrqGuard<'a> {
    /// Disables interrupts through `control`.
    pub(crate) fn new(control: &'a dyn InterruptControl) -> Self {
        let was_enabled = control.disable_interrupts();
        Self {
            control: Some(control),
            was_enabled,
        }
    }
}

impl IrqGuard<'static> {
    /// Disables interrupts through the global hook (a no-op guard when none is
    /// installed).
    pub(crate) fn global() -> Self {
        match GLOBAL.get() {
            Some(control) => Self::new(*control),
            None => Self {
                control: None,
                was_enabled: false,
            },
        }
    }
}

impl Drop for IrqGuard<'_> {
    fn drop(&mut self) {
        if let Some(control) = self.control {
            control.restore_interrupts(self.was_enabled);
        }
    }
}

/// A spin lock whose critical section runs with interrupts disabled (global
/// hook).
pub(crate) struct IrqSpinLock<T> {
    lock: SpinLock<T>,
}

/// Guard of an `IrqSpinLock`. Field order matters: the lock is released
/// before interrupts are restored.
pub(crate) struct IrqSpinGuard<'a, T> {
    guard: SpinGuard<'a, T>,
    _irq: IrqGuard<'static>,
}

impl<T> IrqSpinLock<T> {
    #[cfg(not(loom))]
    pub(crate) const fn new(value: T) -> Self {
        Self {
            lock: SpinLock::new(value),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new(value: T) -> Self {
        Self {
            lock: SpinLock::new(value),
        }
    }

    pub(crate) fn lock(&self) -> IrqSpinGuard<'_, T> {
        let irq = IrqGuard::global();
        IrqSpinGuard {
            guard: self.lock.lock(),
            _irq: irq,
        }
    }
}

impl<T> core::ops::Deref for IrqSpinGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> core::ops::DerefMut for IrqSpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}
