//! Restart, halt and Ctrl-Alt-Del: the kernel half of Linux's
//! kernel/reboot.c. reboot(2) (`syscall::reboot`) calls [`restart`] and
//! [`halt`] and sets [`CAD_ON`].
//!
//! Ctrl-Alt-Del (`ctrl_alt_del()` in Linux): the keyboard driver
//! (`platform::keyboard`) raises [`PRESSED`] from its interrupt; a task
//! then restarts the machine at once when CAD is on (the default, like
//! Linux's `C_A_D = 1`), or sends SIGINT to init (PID 1 of the initial
//! namespace, Linux's `cad_pid`) when init switched it off with
//! reboot(LINUX_REBOOT_CMD_CAD_OFF) — systemd does, and starts
//! ctrl-alt-del.target on that signal. The signal comes from the kernel:
//! `si_code` SI_KERNEL, like Linux's `kill_cad_pid(SIGINT, 1)`.

use core::sync::atomic::{AtomicBool, Ordering};

use executor::Event;

use crate::signal::info::SigInfo;

/// Ctrl-Alt-Del restarts at once (CAD_ON) instead of signalling init.
pub static CAD_ON: AtomicBool = AtomicBool::new(true);

/// Raised by the keyboard interrupt on Ctrl-Alt-Del.
static PRESSED: Event = Event::new();

const SIGINT: u32 = 2;

/// reboot(2)'s RESTART: Linux's `kernel_restart()`.
pub fn restart() -> ! {
    log::info!("reboot: Restarting system");
    platform::power::reset()
}

/// reboot(2)'s HALT: Linux's `kernel_halt()`, which stops the CPUs and
/// leaves the machine on.
pub fn halt() -> ! {
    log::info!("reboot: System halted");
    platform::power::halt()
}

/// What Ctrl-Alt-Del does (Linux's `ctrl_alt_del()`).
pub fn ctrl_alt_del() {
    if CAD_ON.load(Ordering::Relaxed) {
        restart();
    }
    match crate::proc::pid::find(1) {
        Some(init) if !init.is_zombie() => {
            crate::signal::send_process(&init, SigInfo::kernel(SIGINT), false);
        }
        _ => log::warn!("ctrl-alt-del: no init to signal"),
    }
}

fn key_pressed() {
    PRESSED.notify_one();
}

/// Connects the keyboard's Ctrl-Alt-Del to [`ctrl_alt_del`].
pub fn init() {
    platform::keyboard::set_cad_hook(key_pressed);
    drop(crate::sched::spawn_on(0, async {
        loop {
            PRESSED.notified().await;
            ctrl_alt_del();
        }
    }));
}
