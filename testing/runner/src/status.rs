//! The kernel's exit-status convention and its decoding from QEMU's status.
//!
//! The kernel ends a run by writing one byte `value` to the `isa-debug-exit`
//! device (I/O port 0xf4); QEMU then exits with `(value << 1) | 1`:
//!
//! | value        | QEMU status      | meaning                                     |
//! |--------------|------------------|---------------------------------------------|
//! | 0            | 1                | success: init exited 0 / self-tests passed  |
//! | 1..=0x7d     | 3..=0xfb (odd)   | init exited with N (or N self-test failures)|
//! | 0x7e         | 0xfd             | not assigned                                |
//! | 0x7f         | 0xff             | kernel panic                                |
//! | (no write)   | 0                | QEMU shut down otherwise (ACPI poweroff)    |
//!
//! An even non-zero status cannot come from the device: it is QEMU's own
//! failure. Note that QEMU also exits with 1 when it fails to start (bad
//! option, missing kernel, KVM unavailable); [`crate::monitor`] tells that
//! apart from a guest success by QEMU's error message on stderr.

use std::fmt;

/// I/O base of the `isa-debug-exit` device.
pub const DEBUG_EXIT_IOBASE: u16 = 0xf4;
/// Largest value meaning "init exited with N".
pub const MAX_EXIT_VALUE: u8 = 0x7d;
/// The value the kernel writes when it panics.
pub const PANIC_VALUE: u8 = 0x7f;

/// What QEMU's exit status says about the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QemuExit {
    /// Status 0: QEMU was shut down without the debug-exit device
    /// (ACPI poweroff, monitor `quit`): "powered off without a status".
    PoweredOff,
    /// Debug-exit value 0: init exited 0 / all self-tests passed.
    Success,
    /// Debug-exit value 1..=0x7d: init exited with this status (or this many
    /// self-tests failed).
    Failed(u8),
    /// Debug-exit value 0x7f: kernel panic.
    Panic,
    /// Debug-exit value 0x7e, which the convention does not assign.
    Unassigned(u8),
    /// A status the device cannot produce (even, or out of range): QEMU itself failed.
    QemuError(i32),
}

/// Decodes QEMU's exit status.
pub fn decode(status: i32) -> QemuExit {
    match status {
        0 => QemuExit::PoweredOff,
        s if !(1..=0xff).contains(&s) || s & 1 == 0 => QemuExit::QemuError(s),
        s => match (s >> 1) as u8 {
            0 => QemuExit::Success,
            v @ 1..=MAX_EXIT_VALUE => QemuExit::Failed(v),
            PANIC_VALUE => QemuExit::Panic,
            v => QemuExit::Unassigned(v),
        },
    }
}

/// The QEMU status produced when the guest writes `value`.
pub fn encode(value: u8) -> i32 {
    (i32::from(value) << 1 | 1) & 0xff
}

impl fmt::Display for QemuExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QemuExit::PoweredOff => write!(f, "powered off without a status"),
            QemuExit::Success => write!(f, "success"),
            QemuExit::Failed(n) => write!(f, "exit status {n}"),
            QemuExit::Panic => write!(f, "kernel panic"),
            QemuExit::Unassigned(v) => write!(f, "unassigned debug-exit value {v:#x}"),
            QemuExit::QemuError(s) => write!(f, "QEMU failed with status {s}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_convention() {
        assert_eq!(decode(0), QemuExit::PoweredOff);
        assert_eq!(decode(1), QemuExit::Success);
        assert_eq!(decode(3), QemuExit::Failed(1));
        assert_eq!(decode(0x0f), QemuExit::Failed(7));
        assert_eq!(decode(0xfb), QemuExit::Failed(0x7d));
        assert_eq!(decode(0xfd), QemuExit::Unassigned(0x7e));
        assert_eq!(decode(0xff), QemuExit::Panic);
        assert_eq!(decode(2), QemuExit::QemuError(2));
        assert_eq!(decode(0x100), QemuExit::QemuError(0x100));
        assert_eq!(decode(-1), QemuExit::QemuError(-1));
    }

    #[test]
    fn encode_is_the_inverse_for_every_value() {
        for v in 0..=0x7fu8 {
            let d = decode(encode(v));
            let expected = match v {
                0 => QemuExit::Success,
                0x7e => QemuExit::Unassigned(0x7e),
                0x7f => QemuExit::Panic,
                n => QemuExit::Failed(n),
            };
            assert_eq!(d, expected, "value {v:#x}");
        }
        assert_eq!(encode(PANIC_VALUE), 0xff);
    }

    #[test]
    fn displays_readably() {
        assert_eq!(decode(0).to_string(), "powered off without a status");
        assert_eq!(decode(7).to_string(), "exit status 3");
        assert_eq!(decode(0xff).to_string(), "kernel panic");
    }
}
