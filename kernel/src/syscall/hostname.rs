//! sethostname(2) and setdomainname(2): the names of the caller's UTS
//! namespace. CAP_SYS_ADMIN (EPERM), a length of at most 64 bytes (EINVAL;
//! a negative length too), and the bytes as given: embedded NULs and all.

use alloc::vec;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::ns::uts::MAX_NAME;
use crate::uaccess;

const CAP_SYS_ADMIN: u32 = 21;

/// Reads the new name, with Linux's checks in its order.
fn new_name(call: &Call<'_>, name: u64, len: i64) -> Result<alloc::vec::Vec<u8>, Errno> {
    if !call.thread.creds.lock().capable(CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    if !(0..=MAX_NAME as i64).contains(&len) {
        return Err(Errno::EINVAL);
    }
    let mut buf = vec![0u8; len as usize];
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    uaccess::read_bytes(&mm, name, &mut buf)?;
    Ok(buf)
}

pub fn sethostname(call: &Call<'_>, name: u64, len: i64) -> SysResult {
    let n = new_name(call, name, len)?;
    call.thread.process.uts().set_hostname(&n);
    Ok(0)
}

pub fn setdomainname(call: &Call<'_>, name: u64, len: i64) -> SysResult {
    let n = new_name(call, name, len)?;
    call.thread.process.uts().set_domainname(&n);
    Ok(0)
}
