//! arch_prctl(2): the FS and GS bases (thread-local storage).

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::uaccess;

const ARCH_SET_GS: u64 = 0x1001;
const ARCH_SET_FS: u64 = 0x1002;
const ARCH_GET_FS: u64 = 0x1003;
const ARCH_GET_GS: u64 = 0x1004;

pub fn arch_prctl(call: &mut Call<'_>, code: u64, addr: u64) -> SysResult {
    // As Linux: a base at or above TASK_SIZE_MAX is refused.
    let canonical = addr < platform::user::USER_END;
    match code {
        ARCH_SET_FS if canonical => call.ctx.fs_base = addr,
        ARCH_SET_GS if canonical => call.ctx.gs_base = addr,
        ARCH_SET_FS | ARCH_SET_GS => return Err(Errno::EPERM),
        ARCH_GET_FS | ARCH_GET_GS => {
            let v = if code == ARCH_GET_FS { call.ctx.fs_base } else { call.ctx.gs_base };
            let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
            uaccess::write_u64(&mm, addr, v)?;
        }
        _ => return Err(Errno::EINVAL),
    }
    Ok(0)
}
