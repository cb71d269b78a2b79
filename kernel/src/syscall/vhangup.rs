//! vhangup(2): hangs up the caller's controlling terminal (the console or
//! a pty) as Linux's tty_vhangup_self — the session leader gets SIGHUP
//! and SIGCONT and the session loses the terminal — for a caller with
//! CAP_SYS_TTY_CONFIG; EPERM for others. Without a controlling terminal
//! it does nothing and succeeds.

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::{pty, tty, tty_ioctl};

const CAP_SYS_TTY_CONFIG: u32 = 26;

pub fn vhangup(call: &Call<'_>) -> SysResult {
    if !call.thread.creds.lock().capable(CAP_SYS_TTY_CONFIG) {
        return Err(Errno::EPERM);
    }
    let p = &call.thread.process;
    if let Some(pty) = pty::controlling(p) {
        tty_ioctl::hangup(&pty.tty);
    } else if tty::TTY.is_controlling(p) {
        tty_ioctl::hangup(&tty::TTY);
    }
    Ok(0)
}
