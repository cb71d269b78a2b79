//! The tty ioctls on the console (Linux's tty_ioctl and n_tty_ioctl):
//! termios (TCGETS/TCSETS[WF], the termios2 variants), window size, the foreground process group and the
//! controlling terminal (TIOCSCTTY, TIOCNOTTY, TIOCGSID), flush and flow
//! control, FIONREAD.

use core::sync::atomic::Ordering;

use super::tty::{Termios, TERMIOS2_SIZE, TERMIOS_SIZE, TTY};
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
const TIOCGPTN: u64 = 0x8004_5430;

pub fn ioctl(t: &Thread, request: u64, arg: u64) -> SysResult {
    let p = &t.process;
    let mm = p.mm().ok_or(Errno::EFAULT)?;
    match request {
        TCGETS | TCGETS2 => {
            let t = *TTY.termios.lock();
            uaccess::write_bytes(&mm, arg, t.abi_bytes(request == TCGETS2))?;
            Ok(0)
        }
        TCSETS | TCSETSW | TCSETSF | TCSETS2 | TCSETSW2 | TCSETSF2 => {
            let two = matches!(request, TCSETS2 | TCSETSW2 | TCSETSF2);
            let mut b = [0u8; TERMIOS2_SIZE];
            let len = if two { TERMIOS2_SIZE } else { TERMIOS_SIZE };
            uaccess::read_bytes(&mm, arg, &mut b[..len])?;
            let old = *TTY.termios.lock();
            // Output is never queued (TCSETSW has nothing to drain); the
            // input flush of TCSETSF is not done (pending input is kept).
            super::tty::set_termios(Termios::from_abi(&b[..len], &old));
            Ok(0)
        }
        TCSBRK | TCXONC | TCFLSH => Ok(0),
        TIOCGWINSZ => {
            let [ws_row, ws_col, ws_xpixel, ws_ypixel] = *TTY.winsize.lock();
            UserPtr::<Winsize>::new(arg).write(&mm, &Winsize { ws_row, ws_col, ws_xpixel, ws_ypixel })?;
            Ok(0)
        }
        TIOCSWINSZ => {
            let w = UserPtr::<Winsize>::new(arg).read(&mm)?;
            *TTY.winsize.lock() = [w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel];
            Ok(0)
        }
        TIOCSCTTY => {
            // Only a session leader without a terminal may take it (root may
            // steal it with arg 1).
            if p.sid() != p.pid {
                return Err(Errno::EPERM);
            }
            let cur = TTY.session.load(Ordering::Relaxed);
            if cur != 0 && cur != p.sid() && arg != 1 {
                return Err(Errno::EPERM);
            }
            TTY.session.store(p.sid(), Ordering::Relaxed);
            TTY.fg_pgrp.store(p.pgid(), Ordering::Relaxed);
            Ok(0)
        }
        TIOCNOTTY => {
            if TTY.session.load(Ordering::Relaxed) != p.sid() {
                return Err(Errno::ENOTTY);
            }
            if p.sid() == p.pid {
                TTY.session.store(0, Ordering::Relaxed);
                TTY.fg_pgrp.store(0, Ordering::Relaxed);
            }
            Ok(0)
        }
        TIOCGPGRP => {
            if TTY.session.load(Ordering::Relaxed) != p.sid() {
                return Err(Errno::ENOTTY);
            }
            uaccess::write_u32(&mm, arg, TTY.fg_pgrp.load(Ordering::Relaxed))?;
            Ok(0)
        }
        TIOCSPGRP => {
            if TTY.session.load(Ordering::Relaxed) != p.sid() {
                return Err(Errno::ENOTTY);
            }
            let pgrp = uaccess::read_u32(&mm, arg)? as i32;
            if pgrp < 0 {
                return Err(Errno::EINVAL);
            }
            if !crate::proc::pid::all().iter().any(|x| x.pgid() == pgrp as u32 && x.sid() == p.sid()) {
                return Err(Errno::EPERM);
            }
            TTY.fg_pgrp.store(pgrp as u32, Ordering::Relaxed);
            Ok(0)
        }
        TIOCGSID => {
            let s = TTY.session.load(Ordering::Relaxed);
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
            let n = if super::tty::readable() { 1 } else { 0 };
            uaccess::write_u32(&mm, arg, n)?;
            Ok(0)
        }
        TIOCGPTN => Err(Errno::ENOTTY),
        _ => Err(Errno::ENOTTY),
    }
}
