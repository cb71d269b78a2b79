//! pipe(2), pipe2(2): a new pipe as two descriptors (O_CLOEXEC,
//! O_NONBLOCK on both ends, O_DIRECT packet mode on the write end).

use alloc::sync::Arc;

use super::super::Call;
use super::mm;
use crate::errno::{Errno, SysResult};
use crate::file::{File, O_CLOEXEC, O_DIRECT, O_NONBLOCK};
use crate::uaccess;

pub fn pipe2(call: &Call<'_>, fds: u64, flags: u32) -> SysResult {
    if flags & !(O_CLOEXEC | O_NONBLOCK | O_DIRECT) != 0 {
        return Err(Errno::EINVAL);
    }
    let (r, w) = crate::file::pipe::new();
    let nb = flags & O_NONBLOCK;
    // O_DIRECT (packet mode) belongs to the write end only, as on Linux.
    let rf = Arc::new(File::new(r, fs::flags::O_RDONLY | nb));
    let wf = Arc::new(File::new(w, fs::flags::O_WRONLY | nb | (flags & O_DIRECT)));
    let limit = call.thread.process.limits.lock().0[crate::proc::limits::RLIMIT_NOFILE].0.min(1 << 20) as usize;
    let files = call.thread.process.files();
    let mut t = files.lock();
    let a = t.install(rf, flags & O_CLOEXEC != 0, limit)?;
    let b = match t.install(wf, flags & O_CLOEXEC != 0, limit) {
        Ok(b) => b,
        Err(e) => {
            let _ = t.close(a as u64);
            return Err(e);
        }
    };
    drop(t);
    if let Err(e) = uaccess::UserPtr::<[i32; 2]>::new(fds).write(&*mm(call)?, &[a as i32, b as i32]) {
        let mut t = files.lock();
        let _ = t.close(a as u64);
        let _ = t.close(b as u64);
        return Err(e);
    }
    Ok(0)
}
