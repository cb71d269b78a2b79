//! `siginfo_t`: what a handler (SA_SIGINFO), rt_sigtimedwait, signalfd and
//! waitid learn about a signal. 128 bytes on x86-64.

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

    pub fn kernel(signo: u32) -> SigInfo {
        SigInfo { signo, code: SI_KERNEL, ..Default::default() }
    }

    /// The 128-byte `siginfo_t` layout.
    pub fn to_bytes(self) -> [u8; 128] {
        let mut b = [0u8; 128];
        b[0..4].copy_from_slice(&(self.signo as i32).to_le_bytes());
        b[4..8].copy_from_slice(&self.errno.to_le_bytes());
        b[8..12].copy_from_slice(&self.code.to_le_bytes());
        let fault = matches!(self.signo, 4 | 5 | 7 | 8 | 11) && self.code > 0;
        if fault {
            b[16..24].copy_from_slice(&self.addr.to_le_bytes());
        } else {
            b[16..20].copy_from_slice(&self.pid.to_le_bytes());
            b[20..24].copy_from_slice(&self.uid.to_le_bytes());
            if self.signo == 17 {
                b[24..28].copy_from_slice(&self.status.to_le_bytes());
            } else {
                b[24..32].copy_from_slice(&self.value.to_le_bytes());
            }
        }
        b
    }

    /// Reads a `siginfo_t` a process supplied (rt_sigqueueinfo).
    pub fn from_bytes(b: &[u8; 128]) -> SigInfo {
        let i32_at = |o: usize| i32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        SigInfo {
            signo: i32_at(0) as u32,
            errno: i32_at(4),
            code: i32_at(8),
            pid: i32_at(16) as u32,
            uid: i32_at(20) as u32,
            status: 0,
            value: u64::from_le_bytes(b[24..32].try_into().unwrap_or([0; 8])),
            addr: 0,
        }
    }
}
