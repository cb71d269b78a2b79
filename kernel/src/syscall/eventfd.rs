//! eventfd(2), eventfd2(2).

use alloc::sync::Arc;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::eventfd::EventFd;
use crate::file::{File, O_CLOEXEC, O_NONBLOCK, O_RDWR};

const EFD_SEMAPHORE: u32 = 1;

pub fn eventfd2(call: &Call<'_>, init: u64, flags: u32) -> SysResult {
    if flags & !(EFD_SEMAPHORE | O_CLOEXEC | O_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    let file = Arc::new(File::new(EventFd::new(init as u32 as u64, flags & EFD_SEMAPHORE != 0), O_RDWR | (flags & O_NONBLOCK)));
    let limit = call.thread.process.limits.lock().0[crate::proc::limits::RLIMIT_NOFILE].0.min(1 << 20) as usize;
    Ok(call.thread.process.files().lock().install(file, flags & O_CLOEXEC != 0, limit)? as u64)
}
