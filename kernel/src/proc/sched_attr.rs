//! A thread's scheduling attributes as Linux reports them: the nice value
//! (getpriority/setpriority), the policy and its real-time priority
//! (sched_setscheduler), SCHED_RESET_ON_FORK — and the permission rules
//! for changing them. They are per thread and inherited by every clone.
//!
//! Aramid's executor has one scheduling class: the attributes are kept and
//! reported, not used to order tasks. Real-time policies are refused (see
//! [`crate::syscall::sched`]), so `rt_priority` stays 0.

use super::creds::Creds;
use super::limits::Limits;
use crate::errno::Errno;

pub const SCHED_OTHER: u32 = 0;
pub const SCHED_FIFO: u32 = 1;
pub const SCHED_RR: u32 = 2;
pub const SCHED_BATCH: u32 = 3;
pub const SCHED_IDLE: u32 = 5;
pub const SCHED_DEADLINE: u32 = 6;
pub const SCHED_RESET_ON_FORK: u32 = 0x4000_0000;
pub const CAP_SYS_NICE: u32 = 23;
const RLIMIT_NICE: usize = 13;
pub const RLIMIT_RTPRIO: usize = 14;

#[derive(Clone, Copy, Debug)]
pub struct SchedAttr {
    /// -20..=19.
    pub nice: i32,
    pub policy: u32,
    pub rt_priority: u32,
    pub reset_on_fork: bool,
}

impl SchedAttr {
    pub const fn new() -> SchedAttr {
        SchedAttr { nice: 0, policy: SCHED_OTHER, rt_priority: 0, reset_on_fork: false }
    }

    /// What a clone (process or thread) starts with: the same, unless
    /// SCHED_RESET_ON_FORK is set, which gives a real-time creator's child
    /// SCHED_OTHER and any child a nice value of at least 0 (sched_fork).
    pub fn for_child(&self) -> SchedAttr {
        let mut a = *self;
        if a.reset_on_fork {
            if a.policy == SCHED_FIFO || a.policy == SCHED_RR || a.policy == SCHED_DEADLINE {
                a.policy = SCHED_OTHER;
                a.rt_priority = 0;
                a.nice = 0;
            } else if a.nice < 0 {
                a.nice = 0;
            }
            a.reset_on_fork = false;
        }
        a
    }
}

impl Default for SchedAttr {
    fn default() -> Self {
        SchedAttr::new()
    }
}

/// Linux's check_same_owner / set_one_prio owner test: the caller's
/// effective UID is the target's real or effective UID, or the caller has
/// CAP_SYS_NICE.
pub fn may_change(caller: &Creds, target: &Creds) -> Result<(), Errno> {
    if caller.euid == target.ruid || caller.euid == target.euid || caller.capable(CAP_SYS_NICE) {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// can_nice: may the target's nice value go down to `nice`? Either
/// RLIMIT_NICE (in units of 20 - nice) allows it or the caller has
/// CAP_SYS_NICE.
pub fn can_nice(caller: &Creds, target_limits: &Limits, nice: i32) -> bool {
    let wanted = (20 - nice) as u64;
    wanted <= target_limits.0[RLIMIT_NICE].0 || caller.capable(CAP_SYS_NICE)
}
