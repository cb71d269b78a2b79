//! Interrupt-safe spin locks.
//!
//! [`IrqMutex`] disables interrupts on the local CPU for as long as its guard
//! lives, so an interrupt handler that takes the same lock can never spin on
//! a lock held by the code it interrupted. Never hold one across `.await`.

use core::ops::{Deref, DerefMut};

use crate::cpu::interrupts;

/// A spin lock whose guard also keeps local interrupts disabled.
pub struct IrqMutex<T> {
    inner: spin::Mutex<T>,
}

/// Guard of an [`IrqMutex`]; restores the previous interrupt state on drop.
pub struct IrqMutexGuard<'a, T> {
    guard: Option<spin::MutexGuard<'a, T>>,
    were_enabled: bool,
}

impl<T> IrqMutex<T> {
    pub const fn new(value: T) -> Self {
        Self { inner: spin::Mutex::new(value) }
    }

    pub fn lock(&self) -> IrqMutexGuard<'_, T> {
        let were_enabled = interrupts::disable();
        IrqMutexGuard { guard: Some(self.inner.lock()), were_enabled }
    }

    pub fn try_lock(&self) -> Option<IrqMutexGuard<'_, T>> {
        let were_enabled = interrupts::disable();
        match self.inner.try_lock() {
            Some(g) => Some(IrqMutexGuard { guard: Some(g), were_enabled }),
            None => {
                interrupts::restore(were_enabled);
                None
            }
        }
    }
}

impl<T> Deref for IrqMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_deref().expect("guard present until drop")
    }
}

impl<T> DerefMut for IrqMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_deref_mut().expect("guard present until drop")
    }
}

impl<T> Drop for IrqMutexGuard<'_, T> {
    fn drop(&mut self) {
        self.guard = None;
        interrupts::restore(self.were_enabled);
    }
}
