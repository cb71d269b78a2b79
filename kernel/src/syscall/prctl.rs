//! prctl(2): the options init systems and runtimes use. Unknown options
//! are EINVAL, like Linux's answer for an option it does not have.

use core::sync::atomic::Ordering;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::proc::creds::CAP_LAST_CAP;
use crate::uaccess;

const PR_SET_PDEATHSIG: u64 = 1;
const PR_GET_PDEATHSIG: u64 = 2;
const PR_GET_DUMPABLE: u64 = 3;
const PR_SET_DUMPABLE: u64 = 4;
const PR_GET_KEEPCAPS: u64 = 7;
const PR_SET_KEEPCAPS: u64 = 8;
const PR_SET_NAME: u64 = 15;
const PR_GET_NAME: u64 = 16;
const PR_GET_SECCOMP: u64 = 21;
const PR_CAPBSET_READ: u64 = 23;
const PR_CAPBSET_DROP: u64 = 24;
const PR_GET_SECUREBITS: u64 = 27;
const PR_GET_TIMERSLACK: u64 = 30;
const PR_SET_TIMERSLACK: u64 = 29;
const PR_SET_CHILD_SUBREAPER: u64 = 36;
const PR_GET_CHILD_SUBREAPER: u64 = 37;
const PR_SET_NO_NEW_PRIVS: u64 = 38;
const PR_GET_NO_NEW_PRIVS: u64 = 39;
const PR_GET_TID_ADDRESS: u64 = 40;
const PR_SET_THP_DISABLE: u64 = 41;
const PR_GET_THP_DISABLE: u64 = 42;
const PR_CAP_AMBIENT: u64 = 47;
const PR_SET_MM: u64 = 35;

pub fn prctl(call: &Call<'_>, option: u64, a2: u64, a3: u64, a4: u64, a5: u64) -> SysResult {
    let p = &call.thread.process;
    let mm = || p.mm().ok_or(Errno::EFAULT);
    match option {
        PR_SET_PDEATHSIG => {
            if a2 > crate::signal::NSIG as u64 {
                return Err(Errno::EINVAL);
            }
            p.pdeathsig.store(a2 as u32, Ordering::Relaxed);
            Ok(0)
        }
        PR_GET_PDEATHSIG => {
            uaccess::write_u32(&*mm()?, a2, p.pdeathsig.load(Ordering::Relaxed))?;
            Ok(0)
        }
        PR_GET_DUMPABLE => Ok(p.dumpable.load(Ordering::Relaxed) as u64),
        PR_SET_DUMPABLE => match a2 {
            0 | 1 => {
                p.dumpable.store(a2 == 1, Ordering::Relaxed);
                Ok(0)
            }
            _ => Err(Errno::EINVAL),
        },
        PR_GET_KEEPCAPS => Ok(call.thread.creds.lock().keep_caps as u64),
        PR_SET_KEEPCAPS => match a2 {
            0 | 1 => {
                call.thread.creds.lock().keep_caps = a2 == 1;
                Ok(0)
            }
            _ => Err(Errno::EINVAL),
        },
        PR_SET_NAME => {
            let mut b = [0u8; 16];
            // The name is at most 16 bytes; a shorter string may end
            // before a page boundary, so read byte-wise on failure.
            if uaccess::read_bytes(&*mm()?, a2, &mut b).is_err() {
                let s = uaccess::read_cbytes(&*mm()?, a2, 4096).map_err(|_| Errno::EFAULT)?;
                let n = s.len().min(16);
                b[..n].copy_from_slice(&s[..n]);
            }
            call.thread.set_name(&b);
            Ok(0)
        }
        PR_GET_NAME => {
            let name = *call.thread.name.lock();
            uaccess::write_bytes(&*mm()?, a2, &name)?;
            Ok(0)
        }
        PR_GET_SECCOMP => Ok(0),
        PR_CAPBSET_READ => {
            if a2 > CAP_LAST_CAP as u64 {
                return Err(Errno::EINVAL);
            }
            Ok((call.thread.creds.lock().cap_bounding >> a2) & 1)
        }
        PR_CAPBSET_DROP => {
            if a2 > CAP_LAST_CAP as u64 {
                return Err(Errno::EINVAL);
            }
            let mut c = call.thread.creds.lock();
            if !c.capable(crate::proc::creds::CAP_SETPCAP) {
                return Err(Errno::EPERM);
            }
            c.cap_bounding &= !(1 << a2);
            Ok(0)
        }
        PR_GET_SECUREBITS => Ok(0),
        PR_GET_TIMERSLACK => Ok(50_000),
        PR_SET_TIMERSLACK => Ok(0),
        PR_SET_CHILD_SUBREAPER => {
            p.subreaper.store(a2 != 0, Ordering::Relaxed);
            Ok(0)
        }
        PR_GET_CHILD_SUBREAPER => {
            uaccess::write_u32(&*mm()?, a2, p.subreaper.load(Ordering::Relaxed) as u32)?;
            Ok(0)
        }
        PR_SET_NO_NEW_PRIVS => {
            if a2 != 1 || a3 != 0 || a4 != 0 || a5 != 0 {
                return Err(Errno::EINVAL);
            }
            p.no_new_privs.store(true, Ordering::Relaxed);
            Ok(0)
        }
        PR_GET_NO_NEW_PRIVS => {
            if a2 != 0 || a3 != 0 || a4 != 0 || a5 != 0 {
                return Err(Errno::EINVAL);
            }
            Ok(p.no_new_privs.load(Ordering::Relaxed) as u64)
        }
        PR_GET_TID_ADDRESS => {
            uaccess::write_u64(&*mm()?, a2, call.thread.clear_child_tid.load(Ordering::Relaxed))?;
            Ok(0)
        }
        PR_SET_THP_DISABLE | PR_GET_THP_DISABLE => Ok(0),
        PR_CAP_AMBIENT => match a2 {
            1 => Ok(0),                          // PR_CAP_AMBIENT_IS_SET: no ambient caps
            4 => Ok(0),                          // PR_CAP_AMBIENT_CLEAR_ALL
            2 | 3 => Err(Errno::EPERM),          // raise/lower: ambient caps not kept yet
            _ => Err(Errno::EINVAL),
        },
        PR_SET_MM => set_mm(call, a2, a3, a4, a5),
        _ => Err(Errno::EINVAL),
    }
}

const PR_SET_MM_START_CODE: u64 = 1;
const PR_SET_MM_ENV_END: u64 = 11;
const PR_SET_MM_AUXV: u64 = 12;
const PR_SET_MM_EXE_FILE: u64 = 13;
const PR_SET_MM_MAP: u64 = 14;
const PR_SET_MM_MAP_SIZE: u64 = 15;
const CAP_SYS_RESOURCE: u32 = crate::proc::creds::CAP_SYS_RESOURCE;

/// PR_SET_MM (Linux's prctl_set_mm), in its order: stray arguments are
/// EINVAL; the checkpoint/restore forms (MAP, MAP_SIZE) are EINVAL as on a
/// kernel without CONFIG_CHECKPOINT_RESTORE; then EPERM without
/// CAP_SYS_RESOURCE; an unknown field or an address outside user space is
/// EINVAL. Aramid does not move a process's code, data, stack, argument or
/// environment bounds: a request that passes these checks is refused with
/// EINVAL, Linux's answer for bounds it finds inconsistent
/// (validate_prctl_map), so callers (systemd's rename_process) fall back
/// to rewriting argv in place.
fn set_mm(call: &Call<'_>, opt: u64, addr: u64, a4: u64, a5: u64) -> SysResult {
    if a5 != 0 || (a4 != 0 && !matches!(opt, PR_SET_MM_AUXV | PR_SET_MM_MAP | PR_SET_MM_MAP_SIZE)) {
        return Err(Errno::EINVAL);
    }
    if opt == PR_SET_MM_MAP || opt == PR_SET_MM_MAP_SIZE {
        return Err(Errno::EINVAL);
    }
    if !call.thread.creds.lock().capable(CAP_SYS_RESOURCE) {
        return Err(Errno::EPERM);
    }
    if opt == PR_SET_MM_EXE_FILE || opt == PR_SET_MM_AUXV {
        return Err(Errno::EINVAL);
    }
    if !(PR_SET_MM_START_CODE..=PR_SET_MM_ENV_END).contains(&opt) || !(0x10000..platform::user::USER_END).contains(&addr) {
        return Err(Errno::EINVAL);
    }
    Err(Errno::EINVAL)
}
