//! reboot(2) (Linux's kernel/reboot.c): the caller needs CAP_SYS_BOOT
//! (EPERM, checked first), then the two magic numbers (EINVAL), then the
//! command:
//! - CAD_ON / CAD_OFF: whether Ctrl-Alt-Del (the PC keyboard's, see
//!   [`crate::power`]) restarts at once or sends SIGINT to init;
//! - RESTART / RESTART2: "reboot: Restarting system", and the machine
//!   resets (QEMU boots again; with `-no-reboot`, as the test runner
//!   starts it, QEMU exits and reports a guest reset);
//! - HALT: "reboot: System halted", every CPU stops and the machine stays
//!   on, as on Linux;
//! - POWER_OFF: "reboot: Power down", and the machine powers off (ACPI S5);
//! - anything else (SW_SUSPEND, KEXEC included: no hibernation, no kexec)
//!   is EINVAL.
//!
//! As Linux, nothing is synced or killed: init stops its services first.

use core::sync::atomic::Ordering;

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

pub fn reboot(call: &Call<'_>, magic1: u32, magic2: u32, cmd: u32, _arg: u64) -> SysResult {
    if !call.thread.creds.lock().capable(CAP_SYS_BOOT) {
        return Err(Errno::EPERM);
    }
    if magic1 != MAGIC1 || !MAGIC2.contains(&magic2) {
        return Err(Errno::EINVAL);
    }
    match cmd {
        CMD_CAD_ON | CMD_CAD_OFF => {
            crate::power::CAD_ON.store(cmd == CMD_CAD_ON, Ordering::Relaxed);
            Ok(0)
        }
        CMD_RESTART | CMD_RESTART2 => crate::power::restart(),
        CMD_HALT => crate::power::halt(),
        CMD_POWER_OFF => {
            log::info!("reboot: Power down");
            platform::power::power_off()
        }
        _ => Err(Errno::EINVAL),
    }
}
