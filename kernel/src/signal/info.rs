//! `siginfo_t`: what a handler (SA_SIGINFO), rt_sigtimedwait, signalfd and
//! waitid learn about a signal. 128 bytes on x86-64.

use crate::abi::Siginfo;

/// si_code values.
pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_QUEUE: i32 = -1;
pub const SI_TIMER: i32 = -2;
pub const SI_TKILL: i32 = -6;
pub const SEGV_MAPERR: i32 = 1;
pub const SEGV_ACCERR: i32 = 2;
pub const ILL_ILLOPN: i32 = 2;
pub const FPE_INTDIV: i32 = 1;
pub const BUS_ADRALN: i32 = 1;
pub const TRAP_BRKPT: i32 = 1;
pub const CLD_EXITED: i32 = 1;
pub const CLD_KILLED: i32 = 2;
pub const CLD_DUMPED: i32 = 3;
pub const CLD_STOPPED: i32 = 5;
pub const CLD_CONTINUED: i32 = 6;

/// A signal and its details.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigInfo {
    pub signo: u32,
    pub errno: i32,
    pub code: i32,
    /// Sender (kill, sigqueue) or child (SIGCHLD).
    pub pid: u32,
    pub uid: u32,
    /// SIGCHLD: exit status or signal.
    pub status: i32,
    /// sigqueue's value (sival_int / sival_ptr).
    pub value: u64,
    /// Fault address (SIGSEGV, SIGBUS, SIGILL, SIGFPE).
    pub addr: u64,
}

impl SigInfo {
    /// A signal sent by a process (kill, tgkill).
    pub fn user(signo: u32, code: i32, pid: u32) -> SigInfo {
        SigInfo { signo, code, pid, ..Default::default() }
    }

    pub fn fault(signo: u32, code: i32, addr: u64) -> SigInfo {
        SigInfo { signo, code, addr, ..Default::default() }
    }

    /// A POSIX timer's expiry: siginfo's si_timerid and si_overrun share
    /// the offsets of si_pid and si_uid, so they are kept in those fields.
    pub fn timer(signo: u32, timer_id: u32, overrun: u32, value: u64) -> SigInfo {
        SigInfo { signo, code: SI_TIMER, pid: timer_id, uid: overrun, value, ..Default::default() }
    }

    /// A child's exit, stop or continue (Linux's sigchld fields: pid, uid,
    /// status), with any exit signal: si_status shares sival_int's offset,
    /// so a signal other than SIGCHLD shows it through `value`.
    pub fn child(signo: u32, code: i32, pid: u32, uid: u32, status: i32) -> SigInfo {
        SigInfo { signo, code, pid, uid, status, value: status as u32 as u64, ..Default::default() }
    }

    pub fn kernel(signo: u32) -> SigInfo {
        SigInfo { signo, code: SI_KERNEL, ..Default::default() }
    }

    /// The `siginfo_t` user space sees.
    pub fn to_abi(self) -> Siginfo {
        let fault = matches!(self.signo, 4 | 5 | 7 | 8 | 11) && self.code > 0;
        let (word0, word1) = if fault {
            (self.addr, 0)
        } else {
            let ids = self.pid as u64 | (self.uid as u64) << 32;
            (ids, if self.signo == 17 { self.status as u32 as u64 } else { self.value })
        };
        Siginfo { si_signo: self.signo as i32, si_errno: self.errno, si_code: self.code, word0, word1, ..Siginfo::default() }
    }

    /// A `siginfo_t` a process supplied (rt_sigqueueinfo, pidfd_send_signal).
    pub fn from_abi(s: &Siginfo) -> SigInfo {
        SigInfo {
            signo: s.si_signo as u32,
            errno: s.si_errno,
            code: s.si_code,
            pid: s.word0 as u32,
            uid: (s.word0 >> 32) as u32,
            status: 0,
            value: s.word1,
            addr: 0,
        }
    }
}
