//! User and group IDs, supplementary groups, capabilities and the file
//! mode creation mask: get/set{uid,gid} and the re/res variants,
//! setfsuid/setfsgid, getgroups/setgroups, capget/capset, umask. The rules
//! are in [`crate::proc::creds`].

use core::sync::atomic::Ordering;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::proc::creds::{CAP_FULL, CAP_SETGID};
use crate::abi::CapData;
use crate::uaccess::{self, UserPtr};

/// Applies an ID change; when the effective or filesystem IDs or the
/// permitted capabilities changed, the process stops being dumpable
/// (Linux's commit_creds with suid_dumpable 0): its /proc entries then
/// belong to root and other users may not look into it.
fn commit(call: &Call<'_>, f: impl FnOnce(&mut crate::proc::creds::Creds) -> Result<(), Errno>) -> Result<(), Errno> {
    let mut c = call.thread.creds.lock();
    let key = |c: &crate::proc::creds::Creds| (c.euid, c.egid, c.fsuid, c.fsgid, c.cap_permitted);
    let before = key(&c);
    let ruid = c.ruid;
    f(&mut c)?;
    crate::proc::task_count::moved(ruid, c.ruid);
    if key(&c) != before {
        call.thread.process.dumpable.store(false, Ordering::Relaxed);
    }
    Ok(())
}

fn id(v: u64) -> Option<u32> {
    (v as u32 != u32::MAX).then_some(v as u32)
}

pub fn get(call: &Call<'_>, which: u8) -> SysResult {
    let c = call.thread.creds.lock();
    Ok(match which {
        b'u' => c.ruid,
        b'U' => c.euid,
        b'g' => c.rgid,
        _ => c.egid,
    } as u64)
}

/// setuid(-1) and setgid(-1) are EINVAL: -1 is no valid ID.
pub fn setuid(call: &Call<'_>, uid: u64) -> SysResult {
    commit(call, |c| c.setuid(id(uid).ok_or(Errno::EINVAL)?))?;
    Ok(0)
}

pub fn setgid(call: &Call<'_>, gid: u64) -> SysResult {
    commit(call, |c| c.setgid(id(gid).ok_or(Errno::EINVAL)?))?;
    Ok(0)
}

pub fn setreuid(call: &Call<'_>, r: u64, e: u64) -> SysResult {
    commit(call, |c| c.setreuid(id(r), id(e)))?;
    Ok(0)
}

pub fn setregid(call: &Call<'_>, r: u64, e: u64) -> SysResult {
    commit(call, |c| c.setregid(id(r), id(e)))?;
    Ok(0)
}

pub fn setresuid(call: &Call<'_>, r: u64, e: u64, s: u64) -> SysResult {
    commit(call, |c| c.set_uids(id(r), id(e), id(s)))?;
    Ok(0)
}

pub fn setresgid(call: &Call<'_>, r: u64, e: u64, s: u64) -> SysResult {
    commit(call, |c| c.set_gids(id(r), id(e), id(s)))?;
    Ok(0)
}

pub fn getres(call: &Call<'_>, r: u64, e: u64, s: u64, gid: bool) -> SysResult {
    let c = call.thread.creds.lock().clone();
    let v = if gid { [c.rgid, c.egid, c.sgid] } else { [c.ruid, c.euid, c.suid] };
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    for (addr, val) in [r, e, s].into_iter().zip(v) {
        uaccess::write_u32(&mm, addr, val)?;
    }
    Ok(0)
}

/// setfsuid/setfsgid: return the old value; change only when allowed and
/// never to -1 (an invalid ID is how callers query the current value).
pub fn setfs(call: &Call<'_>, v: u64, gid: bool) -> SysResult {
    let mut c = call.thread.creds.lock();
    let Some(v) = id(v) else {
        return Ok(if gid { c.fsgid } else { c.fsuid } as u64);
    };
    if gid {
        let old = c.fsgid;
        if c.capable(CAP_SETGID) || [c.rgid, c.egid, c.sgid, c.fsgid].contains(&v) {
            c.fsgid = v;
            if v != old {
                call.thread.process.dumpable.store(false, Ordering::Relaxed);
            }
        }
        Ok(old as u64)
    } else {
        let old = c.fsuid;
        if c.capable(crate::proc::creds::CAP_SETUID) || [c.ruid, c.euid, c.suid, c.fsuid].contains(&v) {
            c.set_fsuid(v);
            if v != old {
                call.thread.process.dumpable.store(false, Ordering::Relaxed);
            }
        }
        Ok(old as u64)
    }
}

const NGROUPS_MAX: u64 = 65536;

pub fn getgroups(call: &Call<'_>, size: u64, list: u64) -> SysResult {
    let groups = call.thread.creds.lock().groups.clone();
    let size = size as i32;
    if size < 0 {
        return Err(Errno::EINVAL);
    }
    if size == 0 {
        return Ok(groups.len() as u64);
    }
    if (size as usize) < groups.len() {
        return Err(Errno::EINVAL);
    }
    UserPtr::<u32>::new(list).write_array(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, &groups)?;
    Ok(groups.len() as u64)
}

pub fn setgroups(call: &Call<'_>, size: u64, list: u64) -> SysResult {
    if size > NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    if !call.thread.creds.lock().capable(CAP_SETGID) {
        return Err(Errno::EPERM);
    }
    let mut groups = UserPtr::<u32>::new(list).read_array(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, size as usize)?;
    groups.sort_unstable();
    call.thread.creds.lock().groups = groups;
    Ok(0)
}

const V1: u32 = 0x1998_0330;
const V2: u32 = 0x2007_1026;
const V3: u32 = 0x2008_0522;

/// Reads the header; an unknown version is answered with V3 and EINVAL.
fn cap_header(call: &Call<'_>, hdr: u64) -> Result<(u32, i32), Errno> {
    cap_header_inner(call, hdr)
}

fn cap_header_inner(call: &Call<'_>, hdr: u64) -> Result<(u32, i32), Errno> {
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let version = uaccess::read_u32(&mm, hdr)?;
    let pid = uaccess::read_u32(&mm, hdr + 4)? as i32;
    if ![V1, V2, V3].contains(&version) {
        uaccess::write_u32(&mm, hdr, V3)?;
        return Err(Errno::EINVAL);
    }
    Ok((version, pid))
}

pub fn capget(call: &Call<'_>, hdr: u64, data: UserPtr<CapData>) -> SysResult {
    // With NULL data this is a version probe: a bad version is answered
    // with the preferred one and success (Linux's capget).
    let (version, pid) = match cap_header(call, hdr) {
        Err(Errno::EINVAL) if data.is_null() => return Ok(0),
        r => r?,
    };
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    // Another thread's, by thread ID, as Linux's find_task_by_vpid.
    let target = if pid == 0 { Some(call.thread.clone()) } else { crate::proc::pid::find_thread(pid as u32) };
    let target = target.ok_or(Errno::ESRCH)?;
    if data.is_null() {
        return Ok(0);
    }
    let c = target.creds.lock().clone();
    let words = if version == V1 { 1 } else { 2 };
    let half = |i: usize| CapData {
        effective: (c.cap_effective >> (32 * i)) as u32,
        permitted: (c.cap_permitted >> (32 * i)) as u32,
        inheritable: (c.cap_inheritable >> (32 * i)) as u32,
    };
    let out: alloc::vec::Vec<CapData> = (0..words).map(half).collect();
    data.write_array(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, &out)?;
    Ok(0)
}

pub fn capset(call: &Call<'_>, hdr: u64, data: UserPtr<CapData>) -> SysResult {
    let (version, pid) = cap_header(call, hdr)?;
    if pid != 0 && pid as u32 != call.thread.process.pid {
        return Err(Errno::EPERM);
    }
    let words = if version == V1 { 1 } else { 2 };
    let halves = data.read_array(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, words)?;
    let (mut e, mut p, mut inh) = (0u64, 0u64, 0u64);
    for (i, h) in halves.iter().enumerate() {
        e |= (h.effective as u64) << (32 * i);
        p |= (h.permitted as u64) << (32 * i);
        inh |= (h.inheritable as u64) << (32 * i);
    }
    let (e, p, inh) = (e & CAP_FULL, p & CAP_FULL, inh & CAP_FULL);
    let mut c = call.thread.creds.lock();
    let setpcap = c.capable(crate::proc::creds::CAP_SETPCAP);
    // cap_capset: the new inheritable set stays within the old one plus
    // the bounding set, and without CAP_SETPCAP also plus the permitted.
    let in_bounding = c.cap_inheritable | c.cap_bounding;
    let inh_limit = if setpcap { in_bounding } else { in_bounding & (c.cap_inheritable | c.cap_permitted) };
    if p & !c.cap_permitted != 0 || e & !p != 0 || inh & !inh_limit != 0 {
        return Err(Errno::EPERM);
    }
    c.cap_effective = e;
    c.cap_permitted = p;
    c.cap_inheritable = inh;
    Ok(0)
}

pub fn umask(call: &Call<'_>, mask: u64) -> SysResult {
    Ok(call.thread.process.umask.swap(mask as u32 & 0o777, Ordering::Relaxed) as u64)
}
