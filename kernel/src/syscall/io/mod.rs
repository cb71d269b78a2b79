//! The calls on open files' data and control: read and write in every form
//! ([`readwrite`]), close(2), ioctl(2), lseek(2), getrandom(2), and, each
//! in its module, getdents ([`getdents`]), sendfile and copy_file_range
//! ([`copy`]), fallocate ([`fallocate`]), pipe2 ([`pipe`]) and splice,
//! tee and vmsplice ([`splice`]).
//!
//! What a file does is its kind's ([`crate::file::FileOps`]); these
//! handlers decode the arguments, apply the rules every file shares, and
//! call the trait.

use core::sync::atomic::Ordering;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::{O_ASYNC, O_NONBLOCK};
use crate::uaccess;

mod copy;
mod fallocate;
mod getdents;
mod pipe;
mod readwrite;
mod splice;

pub use copy::{copy_file_range, sendfile};
pub use fallocate::fallocate;
pub use getdents::{getdents, getdents64};
pub use pipe::pipe2;
pub use splice::{splice, tee, vmsplice};
pub(crate) use readwrite::{gather, iovecs, scatter, transfer_segs};
pub use readwrite::{pread64, preadv, preadv2, pwrite64, pwritev, pwritev2, read, readv, write, writev};

fn mm(call: &Call<'_>) -> Result<alloc::sync::Arc<crate::mm::Mm>, Errno> {
    call.thread.process.mm().ok_or(Errno::EFAULT)
}

pub fn close(call: &Call<'_>, fd: u64) -> SysResult {
    let file = call.thread.process.files().lock().get_raw(fd)?;
    call.thread.process.files().lock().close(fd)?;
    crate::file::locks::release_process_locks(&file, call.thread.process.pid);
    crate::ipc::mqueue::flush(&file, call.thread.process.pid);
    Ok(0)
}

/// ioctl(2): the generic requests every file has (FIONBIO, FIOCLEX,
/// FIONCLEX, FIOASYNC), then the file's own; anything else is ENOTTY.
pub fn ioctl(call: &Call<'_>, fd: u64, request: u64, arg: u64) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    const FIONBIO: u64 = 0x5421;
    const FIOASYNC: u64 = 0x5452;
    const FIOCLEX: u64 = 0x5451;
    const FIONCLEX: u64 = 0x5450;
    match request {
        FIOCLEX | FIONCLEX => {
            call.thread.process.files().lock().set_cloexec(fd, request == FIOCLEX)?;
            Ok(0)
        }
        FIONBIO => {
            let on = uaccess::read_u32(&*mm(call)?, arg)? != 0;
            let f = file.status();
            file.flags.store(if on { f | O_NONBLOCK } else { f & !O_NONBLOCK }, Ordering::Relaxed);
            Ok(0)
        }
        FIOASYNC => {
            let on = uaccess::read_u32(&*mm(call)?, arg)? != 0;
            let f = file.status();
            if on != (f & O_ASYNC != 0) {
                // Only a file with an fasync method can change it.
                if !file.has_fasync() {
                    return Err(Errno::ENOTTY);
                }
                file.flags.store(f ^ O_ASYNC, Ordering::Relaxed);
            }
            Ok(0)
        }
        _ => file.ops().ioctl(&file, call.thread, request, arg),
    }
}

/// lseek(2): the file's own (pipes, ttys and event files are ESPIPE).
pub fn lseek(call: &Call<'_>, fd: u64, off: i64, whence: u64) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    file.ops().seek(&file, off, whence)
}

const GRND_NONBLOCK: u32 = 1;
const GRND_RANDOM: u32 = 2;
const GRND_INSECURE: u32 = 4;

pub fn getrandom(call: &Call<'_>, buf: u64, len: u64, flags: u32) -> SysResult {
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0 || flags & (GRND_RANDOM | GRND_INSECURE) == (GRND_RANDOM | GRND_INSECURE) {
        return Err(Errno::EINVAL);
    }
    // Linux caps one call at MAX_RW_COUNT; chunks end at page boundaries
    // so a buffer running into an unmapped page gets the bytes before it.
    let len = len.min(readwrite::MAX_RW) as usize;
    let mm = mm(call)?;
    let mut chunk = [0u8; 256];
    let mut done = 0;
    while done < len {
        let to_page = crate::mm::PAGE as usize - ((buf + done as u64) % crate::mm::PAGE) as usize;
        let n = (len - done).min(chunk.len()).min(to_page);
        crate::random::fill(&mut chunk[..n]);
        if let Err(e) = uaccess::write_bytes(&mm, buf + done as u64, &chunk[..n]) {
            return if done > 0 { Ok(done as u64) } else { Err(e) };
        }
        done += n;
    }
    Ok(done as u64)
}
