//! reboot(2) (Linux's kernel/reboot.c): the caller needs CAP_SYS_BOOT
//! (EPERM, checked first), then the two magic numbers (EINVAL), then the
//! command:
//! - CAD_ON / CAD_OFF: whether Ctrl-Alt-Del reboots at once or signals
//!   init; recorded (a serial console has no such key);
//! - RESTART / RESTART2: the machine resets (QEMU with `-no-reboot` exits);
//! - HALT / POWER_OFF: the machine powers off (QEMU's isa-debug-exit with
//!   status 0, else ACPI S5) — a halted QEMU would only sit there;
//! - anything else (SW_SUSPEND, KEXEC included: no hibernation, no kexec)
//!   is EINVAL.
//!
//! As Linux, nothing is synced or killed: init stops its services first.

use core::sync::atomic::{AtomicBool, Ordering};

use super::Call;
use crate::errno::{Errno, SysResult};

const MAGIC1: u32 = 0xfee1_dead;
const MAGIC2: [u32; 4] = [672_274_793, 85_072_278, 369_367_448, 537_993_216];
const CMD_RESTART: u32 = 0x0123_4567;
const CMD_HALT: u32 = 0xcdef_0123;
const CMD_CAD_ON: u32 = 0x89ab_cdef;
const CMD_CAD_OFF: u32 = 0;
const CMD_POWER_OFF: u32 = 0x4321_fedc;
const CMD_RESTART2: u32 = 0xa1b2_c3d4;
const CAP_SYS_BOOT: u32 = 22;

/// Ctrl-Alt-Del reboots at once (CAD_ON) instead of sending SIGINT to init.
pub static CAD: AtomicBool = AtomicBool::new(true);

pub fn reboot(call: &Call<'_>, magic1: u32, magic2: u32, cmd: u32, _arg: u64) -> SysResult {
    if !call.thread.creds.lock().capable(CAP_SYS_BOOT) {
        return Err(Errno::EPERM);
    }
    if magic1 != MAGIC1 || !MAGIC2.contains(&magic2) {
        return Err(Errno::EINVAL);
    }
    match cmd {
        CMD_CAD_ON | CMD_CAD_OFF => {
            CAD.store(cmd == CMD_CAD_ON, Ordering::Relaxed);
            Ok(0)
        }
        CMD_RESTART | CMD_RESTART2 => {
            log::info!("reboot: Restarting system");
            platform::power::reset()
        }
        CMD_HALT | CMD_POWER_OFF => {
            log::info!("reboot: Power down");
            platform::power::power_off()
        }
        _ => Err(Errno::EINVAL),
    }
}
