//! utime(2), utimes(2), futimesat(2): the older ways to set a file's
//! access and modification times, as Linux implements them over
//! utimensat's code ([`super::fsops::set_times`]). A NULL times pointer
//! means "now" for both (which needs only write access); utime takes
//! whole seconds (`struct utimbuf`), utimes and futimesat microseconds
//! (`struct timeval[2]`, a tv_usec outside 0..1000000 is EINVAL).
//! Symbolic links are followed. futimesat with a NULL path sets the times
//! of `dirfd` itself, as Linux's do_futimesat.

use fs::inode::SetTime;
use fs::Timespec;

use super::open::AT_FDCWD;
use super::Call;
use crate::abi::time::Timeval;
use crate::errno::{Errno, SysResult};
use crate::uaccess::UserPtr;

fn mm(call: &Call<'_>) -> Result<alloc::sync::Arc<crate::mm::Mm>, Errno> {
    call.thread.process.mm().ok_or(Errno::EFAULT)
}

/// The two times of a `struct timeval[2]` at `times` (NULL: now).
fn timevals(call: &Call<'_>, times: u64) -> Result<(Option<SetTime>, Option<SetTime>), Errno> {
    if times == 0 {
        return Ok((Some(SetTime::Now), Some(SetTime::Now)));
    }
    let tv = UserPtr::<Timeval>::new(times).read_array(&*mm(call)?, 2)?;
    let conv = |t: &Timeval| -> Result<Option<SetTime>, Errno> {
        if !(0..1_000_000).contains(&t.tv_usec) {
            return Err(Errno::EINVAL);
        }
        Ok(Some(SetTime::At(Timespec::new(t.tv_sec, t.tv_usec as u32 * 1000))))
    };
    Ok((conv(&tv[0])?, conv(&tv[1])?))
}

pub fn utime(call: &Call<'_>, path: u64, times: u64) -> SysResult {
    let (atime, mtime) = if times == 0 {
        (Some(SetTime::Now), Some(SetTime::Now))
    } else {
        // struct utimbuf { time_t actime, modtime; }
        let t = UserPtr::<[i64; 2]>::new(times).read(&*mm(call)?)?;
        (Some(SetTime::At(Timespec::new(t[0], 0))), Some(SetTime::At(Timespec::new(t[1], 0))))
    };
    if path == 0 {
        return Err(Errno::EFAULT);
    }
    super::fsops::set_times(call, AT_FDCWD, path, atime, mtime, 0)
}

pub fn utimes(call: &Call<'_>, path: u64, times: u64) -> SysResult {
    futimesat(call, AT_FDCWD, path, times)
}

pub fn futimesat(call: &Call<'_>, dirfd: i32, path: u64, times: u64) -> SysResult {
    let (atime, mtime) = timevals(call, times)?;
    super::fsops::set_times(call, dirfd, path, atime, mtime, 0)
}
