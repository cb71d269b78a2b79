//! The tty ioctls of the console and of pty slaves (Linux's tty_ioctl and
//! n_tty_ioctl): termios (TCGETS/TCSETS[WF], the termios2 variants),
//! window size (TIOCSWINSZ sends SIGWINCH to the foreground group when the
//! size changes), the foreground process group and the controlling
//! terminal (TIOCSCTTY, TIOCNOTTY, TIOCGSID), flush and flow control,
//! FIONREAD, TIOCEXCL/TIOCNXCL (accepted: exclusive mode is not enforced),
//! TIOCVHANGUP (CAP_SYS_ADMIN: the session leader gets SIGHUP and SIGCONT
//! and the tty is freed; descriptors already open are not hung up).
//! Anything else, TIOCLINUX included (a virtual-console request a serial
//! line does not know), is ENOtty.

use core::sync::atomic::Ordering;

use super::tty::{Termios, Tty, TERMIOS2_SIZE, TERMIOS_SIZE};
use crate::errno::{Errno, SysResult};
use crate::proc::Thread;
use crate::abi::Winsize;
use crate::uaccess::{self, UserPtr};

const TCGETS: u64 = 0x5401;
const TCSETS: u64 = 0x5402;
const TCSETSW: u64 = 0x5403;
const TCSETSF: u64 = 0x5404;
const TCSBRK: u64 = 0x5409;
const TCXONC: u64 = 0x540a;
const TCFLSH: u64 = 0x540b;
const TIOCSCTTY: u64 = 0x540e;
const TIOCGPGRP: u64 = 0x540f;
const TIOCSPGRP: u64 = 0x5410;
const TIOCOUTQ: u64 = 0x5411;
const TIOCGWINSZ: u64 = 0x5413;
const TIOCSWINSZ: u64 = 0x5414;
const FIONREAD: u64 = 0x541b;
const TIOCNOTTY: u64 = 0x5422;
const TIOCGSID: u64 = 0x5429;
const TCGETS2: u64 = 0x802c_542a;
const TCSETS2: u64 = 0x402c_542b;
const TCSETSW2: u64 = 0x402c_542c;
const TCSETSF2: u64 = 0x402c_542d;
const TIOCEXCL: u64 = 0x540c;
const TIOCNXCL: u64 = 0x540d;
const TIOCVHANGUP: u64 = 0x5437;
const CAP_SYS_ADMIN: u32 = 21;

pub fn ioctl(tty: &Tty, t: &Thread, request: u64, arg: u64) -> SysResult {

    let p = &t.process;
    let mm = p.mm().ok_or(Errno::EFAULT)?;
    match request {
        TCGETS | TCGETS2 => {
            let t = *tty.termios.lock();
            uaccess::write_bytes(&mm, arg, t.abi_bytes(request == TCGETS2))?;
            Ok(0)
        }
        TCSETS | TCSETSW | TCSETSF | TCSETS2 | TCSETSW2 | TCSETSF2 => {
            let two = matches!(request, TCSETS2 | TCSETSW2 | TCSETSF2);
            let mut b = [0u8; TERMIOS2_SIZE];
            let len = if two { TERMIOS2_SIZE } else { TERMIOS_SIZE };
            uaccess::read_bytes(&mm, arg, &mut b[..len])?;
            let old = *tty.termios.lock();
            // Output is never queued: TCSETSW has nothing to drain.
            if matches!(request, TCSETSF | TCSETSF2) {
                tty.flush_input();
            }
            tty.set_termios(Termios::from_abi(&b[..len], &old));
            Ok(0)
        }
        TCFLSH => {
            match arg {
                0 | 2 => tty.flush_input(), // TCIFLUSH, TCIOFLUSH
                1 => {}
                _ => return Err(Errno::EINVAL),
            }
            Ok(0)
        }
        TCSBRK | TCXONC | TIOCEXCL | TIOCNXCL => Ok(0),
        TIOCVHANGUP => {
            if !t.creds.lock().capable(CAP_SYS_ADMIN) {
                return Err(Errno::EPERM);
            }
            hangup(tty);
            Ok(0)
        }
        TIOCGWINSZ => {
            let [ws_row, ws_col, ws_xpixel, ws_ypixel] = *tty.winsize.lock();
            UserPtr::<Winsize>::new(arg).write(&mm, &Winsize { ws_row, ws_col, ws_xpixel, ws_ypixel })?;
            Ok(0)
        }
        TIOCSWINSZ => {
            let w = UserPtr::<Winsize>::new(arg).read(&mm)?;
            set_winsize(tty, [w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel]);
            Ok(0)
        }
        TIOCSCTTY => {
            // A session leader takes a tty no session has; already its
            // own: nothing to do; with another terminal: EPERM; root may
            // steal it with arg 1 (Linux's tiocsctty).
            if p.sid() == p.pid && tty.session.load(Ordering::Relaxed) == p.sid() {
                return Ok(0);
            }
            if p.sid() != p.pid || super::pty::has_controlling_tty(p) {
                return Err(Errno::EPERM);
            }
            let cur = tty.session.load(Ordering::Relaxed);
            if cur != 0 && !(arg == 1 && t.creds.lock().capable(CAP_SYS_ADMIN)) {
                return Err(Errno::EPERM);
            }
            tty.session.store(p.sid(), Ordering::Relaxed);
            tty.fg_pgrp.store(p.pgid(), Ordering::Relaxed);
            Ok(0)
        }
        TIOCNOTTY => {
            if !tty.is_controlling(p) {
                return Err(Errno::ENOTTY);
            }
            if p.sid() == p.pid {
                tty.session.store(0, Ordering::Relaxed);
                tty.fg_pgrp.store(0, Ordering::Relaxed);
            }
            Ok(0)
        }
        TIOCGPGRP => {
            if !tty.is_controlling(p) {
                return Err(Errno::ENOTTY);
            }
            uaccess::write_u32(&mm, arg, tty.fg_pgrp.load(Ordering::Relaxed))?;
            Ok(0)
        }
        TIOCSPGRP => {
            if !tty.is_controlling(p) {
                return Err(Errno::ENOTTY);
            }
            let pgrp = uaccess::read_u32(&mm, arg)? as i32;
            if pgrp < 0 {
                return Err(Errno::EINVAL);
            }
            // No such group: ESRCH; one of another session: EPERM.
            let all = crate::proc::pid::all();
            let group: alloc::vec::Vec<_> = all.iter().filter(|x| x.pgid() == pgrp as u32 && !x.is_zombie()).collect();
            if group.is_empty() {
                return Err(Errno::ESRCH);
            }
            if !group.iter().any(|x| x.sid() == p.sid()) {
                return Err(Errno::EPERM);
            }
            tty.fg_pgrp.store(pgrp as u32, Ordering::Relaxed);
            Ok(0)
        }
        TIOCGSID => {
            let s = tty.session.load(Ordering::Relaxed);
            if s == 0 || s != p.sid() {
                return Err(Errno::ENOTTY);
            }
            uaccess::write_u32(&mm, arg, s)?;
            Ok(0)
        }
        TIOCOUTQ => {
            uaccess::write_u32(&mm, arg, 0)?;
            Ok(0)
        }
        FIONREAD => {
            uaccess::write_u32(&mm, arg, tty.input_len() as u32)?;
            Ok(0)
        }
        _ => Err(Errno::ENOTTY),
    }
}

/// A new window size; a change sends SIGWINCH to the foreground group
/// (Linux's tty_do_resize).
pub fn set_winsize(tty: &Tty, ws: [u16; 4]) {
    let old = core::mem::replace(&mut *tty.winsize.lock(), ws);
    if old != ws {
        tty.signal_fg(crate::signal::SIGWINCH);
    }
}

/// A hangup (Linux's tty_signal_session_leader): the session leader gets
/// SIGHUP and SIGCONT, and the session loses the tty.
pub fn hangup(tty: &Tty) {
    let sid = tty.session.swap(0, Ordering::Relaxed);
    tty.fg_pgrp.store(0, Ordering::Relaxed);
    if sid == 0 {
        return;
    }
    if let Some(leader) = crate::proc::pid::all().into_iter().find(|p| p.pid == sid && !p.is_zombie()) {
        for sig in [crate::signal::SIGHUP, crate::signal::SIGCONT] {
            crate::signal::send_process(&leader, crate::signal::SigInfo::kernel(sig), false);
        }
    }
}
