//! membarrier(2), as Linux 6.1 built without CONFIG_RSEQ (Aramid has no
//! rseq: its RSEQ commands are EINVAL and missing from MEMBARRIER_CMD_QUERY).
//!
//! A barrier makes every CPU that may run the targeted user code take an
//! interrupt and acknowledge it (the TLB-shootdown IPI with an empty
//! range: entering the kernel is serializing on x86-64), so every store
//! the caller made before the call is visible to those threads and theirs
//! to it. MEMBARRIER_CMD_GLOBAL(_EXPEDITED) reaches every CPU; the private
//! commands the CPUs that have this address space loaded, and need the
//! matching REGISTER command first (EPERM). Registrations belong to the
//! address space: fork's child keeps them, exec drops them. Flags other
//! than 0 are EINVAL.

use core::sync::atomic::Ordering;

use super::Call;
use crate::errno::{Errno, SysResult};

const CMD_QUERY: u32 = 0;
const CMD_GLOBAL: u32 = 1;
const CMD_GLOBAL_EXPEDITED: u32 = 1 << 1;
const CMD_REGISTER_GLOBAL_EXPEDITED: u32 = 1 << 2;
const CMD_PRIVATE_EXPEDITED: u32 = 1 << 3;
const CMD_REGISTER_PRIVATE_EXPEDITED: u32 = 1 << 4;
const CMD_PRIVATE_EXPEDITED_SYNC_CORE: u32 = 1 << 5;
const CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE: u32 = 1 << 6;
/// What MEMBARRIER_CMD_QUERY answers.
const SUPPORTED: u32 = CMD_GLOBAL
    | CMD_GLOBAL_EXPEDITED
    | CMD_REGISTER_GLOBAL_EXPEDITED
    | CMD_PRIVATE_EXPEDITED
    | CMD_REGISTER_PRIVATE_EXPEDITED
    | CMD_PRIVATE_EXPEDITED_SYNC_CORE
    | CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE;

pub fn membarrier(call: &Call<'_>, cmd: u32, flags: u32, _cpu_id: i32) -> SysResult {
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EINVAL)?;
    let registered = |reg: u32| mm.membarrier.load(Ordering::Acquire) & reg != 0;
    match cmd {
        CMD_QUERY => return Ok(SUPPORTED as u64),
        CMD_GLOBAL | CMD_GLOBAL_EXPEDITED => {
            if platform::smp::cpus_online() > 1 {
                platform::ipi::tlb_shootdown(0, 0);
            }
        }
        CMD_REGISTER_GLOBAL_EXPEDITED | CMD_REGISTER_PRIVATE_EXPEDITED | CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE => {
            mm.membarrier.fetch_or(cmd, Ordering::AcqRel);
        }
        CMD_PRIVATE_EXPEDITED if !registered(CMD_REGISTER_PRIVATE_EXPEDITED) => return Err(Errno::EPERM),
        CMD_PRIVATE_EXPEDITED_SYNC_CORE if !registered(CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE) => return Err(Errno::EPERM),
        CMD_PRIVATE_EXPEDITED | CMD_PRIVATE_EXPEDITED_SYNC_CORE => mm.shootdown(0, 0),
        _ => return Err(Errno::EINVAL),
    }
    core::sync::atomic::fence(Ordering::SeqCst);
    Ok(0)
}
