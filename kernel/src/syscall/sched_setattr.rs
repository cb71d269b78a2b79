//! sched_setattr(2), sched_getattr(2): the extensible form of the
//! scheduling calls, over the same attributes
//! ([`crate::proc::sched_attr`]) and rules as sched_setscheduler and
//! setpriority.
//!
//! `struct sched_attr` grows by size (48 bytes in its first version, 56
//! with the utilization clamps): sched_setattr reads `size` bytes (0 means
//! 48), refuses a size below 48 or past a page, and a larger structure
//! whose bytes past 56 are not zero, with E2BIG after writing the size it
//! knows (56) back; sched_getattr writes min(its size, 56) bytes and that
//! size. The clamps read 0, as a kernel without CONFIG_UCLAMP_TASK, and
//! setting them is EOPNOTSUPP. SCHED_FLAG_KEEP_POLICY / KEEP_PARAMS keep
//! what is there. Real-time and deadline policies are refused with EINVAL
//! once permitted, as sched_setscheduler refuses them.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::proc::sched_attr::*;
use crate::uaccess;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
struct SchedAttrAbi {
    size: u32,
    policy: u32,
    flags: u64,
    nice: i32,
    priority: u32,
    runtime: u64,
    deadline: u64,
    period: u64,
    util_min: u32,
    util_max: u32,
}

const SIZE_VER0: u32 = 48;
const SIZE: u32 = 56;
const PAGE: u32 = 4096;
const FLAG_RESET_ON_FORK: u64 = 0x01;
const FLAG_KEEP_POLICY: u64 = 0x08;
const FLAG_KEEP_PARAMS: u64 = 0x10;
const FLAG_UTIL_CLAMP: u64 = 0x60;
const FLAG_ALL: u64 = 0x7f;

fn target(call: &Call<'_>, pid: i32) -> Result<alloc::sync::Arc<crate::proc::Thread>, Errno> {
    if pid == 0 {
        Ok(call.thread.clone())
    } else {
        crate::proc::pid::find_thread(pid as u32).ok_or(Errno::ESRCH)
    }
}

pub fn sched_getattr(call: &Call<'_>, pid: i32, uattr: u64, usize: u32, flags: u32) -> SysResult {
    if uattr == 0 || pid < 0 || !(SIZE_VER0..=PAGE).contains(&usize) || flags != 0 {
        return Err(Errno::EINVAL);
    }
    let s = *target(call, pid)?.sched.lock();
    let rt = s.policy == SCHED_FIFO || s.policy == SCHED_RR;
    let size = usize.min(SIZE);
    let attr = SchedAttrAbi {
        size,
        policy: s.policy,
        flags: if s.reset_on_fork { FLAG_RESET_ON_FORK } else { 0 },
        nice: if rt { 0 } else { s.nice },
        priority: s.rt_priority,
        ..Default::default()
    };
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    uaccess::write_bytes(&mm, uattr, &attr.as_bytes()[..size as usize])?;
    Ok(0)
}

/// Linux's sched_copy_attr.
fn read_attr(call: &Call<'_>, uattr: u64) -> Result<SchedAttrAbi, Errno> {
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let mut size = uaccess::read_u32(&mm, uattr)?;
    if size == 0 {
        size = SIZE_VER0;
    }
    let too_big = |mm: &crate::mm::Mm| -> Errno {
        let _ = uaccess::write_u32(mm, uattr, SIZE);
        Errno::E2BIG
    };
    if !(SIZE_VER0..=PAGE).contains(&size) {
        return Err(too_big(&mm));
    }
    let mut attr = SchedAttrAbi::default();
    let n = size.min(SIZE) as usize;
    uaccess::read_bytes(&mm, uattr, &mut attr.as_mut_bytes()[..n])?;
    if size > SIZE {
        let mut rest = alloc::vec![0u8; (size - SIZE) as usize];
        uaccess::read_bytes(&mm, uattr + SIZE as u64, &mut rest)?;
        if rest.iter().any(|b| *b != 0) {
            return Err(too_big(&mm));
        }
    }
    if attr.flags & FLAG_UTIL_CLAMP != 0 && size < SIZE {
        return Err(Errno::EINVAL);
    }
    attr.nice = attr.nice.clamp(-20, 19);
    Ok(attr)
}

pub fn sched_setattr(call: &Call<'_>, pid: i32, uattr: u64, flags: u32) -> SysResult {
    if uattr == 0 || pid < 0 || flags != 0 {
        return Err(Errno::EINVAL);
    }
    let mut attr = read_attr(call, uattr)?;
    if (attr.policy as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let t = target(call, pid)?;
    let old = *t.sched.lock();
    if attr.flags & FLAG_KEEP_POLICY != 0 {
        attr.policy = old.policy;
    }
    if attr.flags & FLAG_KEEP_PARAMS != 0 {
        attr.nice = old.nice;
        attr.priority = old.rt_priority;
    }
    let policy = attr.policy;
    let reset_on_fork = attr.flags & FLAG_RESET_ON_FORK != 0;
    if !matches!(policy, SCHED_OTHER | SCHED_FIFO | SCHED_RR | SCHED_BATCH | SCHED_IDLE | SCHED_DEADLINE) || attr.flags & !FLAG_ALL != 0 {
        return Err(Errno::EINVAL);
    }
    let rt = policy == SCHED_FIFO || policy == SCHED_RR;
    if attr.priority > 99 || rt != (attr.priority != 0) || policy == SCHED_DEADLINE {
        return Err(Errno::EINVAL);
    }
    let caller = call.thread.creds.lock().clone();
    if !caller.capable(CAP_SYS_NICE) {
        let limits = *t.process.limits.lock();
        let fair = matches!(policy, SCHED_OTHER | SCHED_BATCH | SCHED_IDLE);
        if fair && attr.nice < old.nice && !can_nice(&caller, &limits, attr.nice) {
            return Err(Errno::EPERM);
        }
        let rtprio = limits.0[RLIMIT_RTPRIO].0;
        if rt && ((policy != old.policy && rtprio == 0) || attr.priority as u64 > rtprio.max(old.rt_priority as u64)) {
            return Err(Errno::EPERM);
        }
        if old.policy == SCHED_IDLE && policy != SCHED_IDLE && !can_nice(&caller, &limits, old.nice) {
            return Err(Errno::EPERM);
        }
        may_change(&caller, &t.creds.lock().clone())?;
        if old.reset_on_fork && !reset_on_fork {
            return Err(Errno::EPERM);
        }
    }
    if rt {
        return Err(Errno::EINVAL);
    }
    if attr.flags & FLAG_UTIL_CLAMP != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let mut s = t.sched.lock();
    s.policy = policy;
    s.rt_priority = 0;
    s.reset_on_fork = reset_on_fork;
    s.nice = attr.nice;
    Ok(0)
}
