//! Enabling and disabling interrupts on the local CPU.

use x86_64::instructions::interrupts as int;

/// Disables interrupts; returns whether they were enabled.
pub fn disable() -> bool {
    let was = int::are_enabled();
    int::disable();
    was
}

/// Restores the state returned by [`disable`].
pub fn restore(were_enabled: bool) {
    if were_enabled {
        int::enable();
    }
}

pub fn enable() {
    int::enable();
}

pub fn are_enabled() -> bool {
    int::are_enabled()
}

/// `sti; hlt` as one step: an interrupt that became pending while interrupts
/// were disabled is taken after `hlt` begins (the `sti` shadow), so a wake-up
/// checked for with interrupts off can never be missed.
pub fn enable_and_halt() {
    int::enable_and_hlt();
}
