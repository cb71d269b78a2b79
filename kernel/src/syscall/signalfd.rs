//! signalfd(2), signalfd4(2): create a signalfd or change its mask. Reading
//! is `file::signalfd`.

use alloc::sync::Arc;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::signalfd::SignalFd;
use crate::file::{File, O_CLOEXEC, O_NONBLOCK, O_RDWR};
use crate::uaccess;

pub fn signalfd4(call: &Call<'_>, fd: i32, mask: u64, size: u64, flags: u32) -> SysResult {
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 || size != 8 {
        return Err(Errno::EINVAL);
    }
    let mask = uaccess::read_u64(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, mask)?;
    if fd == -1 {
        let file = Arc::new(File::new(SignalFd::new(mask), O_RDWR | (flags & O_NONBLOCK)));
        return call.install(file, flags & O_CLOEXEC != 0);
    }
    let file = call.thread.process.files().lock().get(fd as u32 as u64)?;
    let Some(s) = file.downcast::<SignalFd>() else { return Err(Errno::EINVAL) };
    s.set_mask(mask);
    Ok(fd as u64)
}
