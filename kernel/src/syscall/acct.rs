//! acct(2): process accounting switched on and off, with Linux's checks —
//! CAP_SYS_PACCT (EPERM), then the file opened for appending as the
//! caller (ENOENT, EACCES, EISDIR, ELOOP... as open(2) answers), and a
//! file that is not regular refused with EACCES. NULL switches accounting
//! off. Aramid writes no accounting records: the file is checked, not
//! kept (the records are optional in the brief, and no Debian program on
//! the boot path reads them).

use fs::flags::{O_APPEND, O_WRONLY};

use super::open::{path_arg, start_dir, AT_FDCWD};
use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::vfs::with_ctx;

const CAP_SYS_PACCT: u32 = 20;

pub fn acct(call: &Call<'_>, path: u64) -> SysResult {
    if !call.thread.creds.lock().capable(CAP_SYS_PACCT) {
        return Err(Errno::EPERM);
    }
    if path == 0 {
        return Ok(0);
    }
    let p = path_arg(call, path)?;
    let dir = start_dir(call, AT_FDCWD, &p)?;
    let r = with_ctx(call.thread, |vfs, ctx, _| fs::open::open(vfs, ctx, &dir, &p, O_WRONLY | O_APPEND, 0))?;
    if !r.loc.inode.metadata().is_regular() {
        return Err(Errno::EACCES);
    }
    Ok(0)
}
