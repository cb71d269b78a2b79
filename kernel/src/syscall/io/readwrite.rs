//! read(2), write(2), pread64(2), pwrite64(2), readv(2), writev(2),
//! preadv(2), pwritev(2), preadv2(2), pwritev2(2): user buffers and iovecs
//! to one transfer on an open file.
//!
//! As Linux's vfs_read/vfs_write and do_iter_readv_writev: EBADF without
//! the access mode, at most MAX_RW_COUNT bytes, an iovec array of at most
//! IOV_MAX segments whose total fits in ssize_t; the segments make one
//! transfer (a gathered write of at most PIPE_BUF bytes to a pipe is
//! atomic). A stream returns what it has from one read, a file with
//! contents is read on to the end of the request ([`FileOps::is_stream`]);
//! a fault in a later segment ends the transfer with the bytes before it.
//! Transfers up to [`SMALL`] bytes use a buffer in the call's own state,
//! so a read or write that does not wait allocates nothing.
//!
//! [`FileOps::is_stream`]: crate::file::FileOps::is_stream

use alloc::vec::Vec;

use super::super::Call;
use super::mm;
use crate::errno::{Errno, SysResult};
use crate::file::io::Io;
use crate::file::File;
use crate::abi::Iovec;
use crate::uaccess::{self, UserPtr};

/// Linux caps a single read or write at this many bytes.
pub(super) const MAX_RW: u64 = 0x7fff_f000;

/// Per-call flags of preadv2/pwritev2 (RWF_NOWAIT, RWF_APPEND).
#[derive(Clone, Copy, Default)]
struct Rwf {
    /// Don't wait (a pipe or tty answers EAGAIN as with O_NONBLOCK).
    nowait: bool,
    /// Append, as with O_APPEND.
    append: bool,
}

pub(super) const CHUNK: usize = 64 * 1024;
/// Transfers up to this size use a buffer in the call's own state, not
/// the heap (most reads and writes are small).
const SMALL: usize = 256;
/// A read from a pipe or another stream takes what is there in one go, up
/// to the largest pipe.
const STREAM_CHUNK: usize = crate::file::pipe::MAX_CAPACITY;

/// User memory segments (an iovec array, or one buffer).
type Segs = [(u64, u64)];

/// Copies `data` into `segs` from byte `at` of them on.
pub(crate) fn scatter(mm: &crate::mm::Mm, segs: &Segs, mut at: u64, mut data: &[u8]) -> Result<(), Errno> {
    for &(base, len) in segs {
        if data.is_empty() {
            break;
        }
        if at >= len {
            at -= len;
            continue;
        }
        let n = ((len - at) as usize).min(data.len());
        uaccess::write_bytes(mm, base + at, &data[..n])?;
        data = &data[n..];
        at = 0;
    }
    Ok(())
}

/// Fills `out` from `segs` starting at byte `at` of them; returns the bytes
/// copied before the end of `out` or the first fault (Err if none).
pub(crate) fn gather(mm: &crate::mm::Mm, segs: &Segs, mut at: u64, out: &mut [u8]) -> Result<usize, Errno> {
    let mut done = 0;
    for &(base, len) in segs {
        if done == out.len() {
            break;
        }
        if at >= len {
            at -= len;
            continue;
        }
        let n = ((len - at) as usize).min(out.len() - done);
        if let Err(e) = uaccess::read_bytes(mm, base + at, &mut out[done..done + n]) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        done += n;
        at = 0;
    }
    Ok(done)
}

/// One read(2)-family transfer into `segs`, as one operation on the file:
/// a stream returns what it has (across every segment), a file with
/// contents is read in chunks to the end of the request or of the file.
async fn read_segs(call: &Call<'_>, file: &File, segs: &Segs, at: Option<u64>, rwf: Rwf) -> SysResult {
    if !file.readable() {
        return Err(Errno::EBADF);
    }
    let total = segs.iter().map(|s| s.1).sum::<u64>().min(MAX_RW) as usize;
    let stream = file.ops().is_stream();
    let mut io = Io::new(call.thread, file, at, rwf.nowait, false);
    if total == 0 {
        // A zero-length read still asks the file (a directory is EISDIR,
        // an eventfd EINVAL), as Linux's vfs_read.
        return file.read_once(&mut io, &mut []).await.map(|n| n as u64);
    }
    let mm = mm(call)?;
    let (mut small, mut big) = ([0u8; SMALL], Vec::new());
    let data: &mut [u8] = if total <= SMALL {
        &mut small[..total]
    } else {
        big.resize(total.min(if stream { STREAM_CHUNK } else { CHUNK }), 0);
        &mut big
    };
    let mut done = 0;
    while done < total {
        let want = (total - done).min(data.len());
        io.at = at.map(|a| a + done as u64);
        let n = match file.read_once(&mut io, &mut data[..want]).await {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if let Err(e) = scatter(&mm, segs, done as u64, &data[..n]) {
            return if done > 0 { Ok(done as u64) } else { Err(e) };
        }
        done += n;
        // A file with contents keeps reading after a full chunk; a stream
        // returns what it had.
        if n < want || stream {
            break;
        }
    }
    Ok(done as u64)
}

/// One write(2)-family transfer from `segs`, as one operation on the file;
/// a fault in a later segment ends it with the bytes before.
async fn write_segs(call: &Call<'_>, file: &File, segs: &Segs, at: Option<u64>, rwf: Rwf) -> SysResult {
    if !file.writable() {
        return Err(Errno::EBADF);
    }
    let total = segs.iter().map(|s| s.1).sum::<u64>().min(MAX_RW) as usize;
    let mut io = Io::new(call.thread, file, at, rwf.nowait, rwf.append);
    if total == 0 {
        // Likewise a zero-length write (/dev/full is ENOSPC).
        return file.write_once(&mut io, &[]).await.map(|n| n as u64);
    }
    let mm = mm(call)?;
    let mut done = 0;
    let (mut small, mut big) = ([0u8; SMALL], Vec::new());
    let chunk: &mut [u8] = if total <= SMALL {
        &mut small[..total]
    } else {
        big.resize(total.min(CHUNK), 0);
        &mut big
    };
    while done < total {
        let want = (total - done).min(chunk.len());
        let n = match gather(&mm, segs, done as u64, &mut chunk[..want]) {
            Ok(n) => n,
            Err(e) => return if done > 0 { Ok(done as u64) } else { Err(e) },
        };
        io.at = at.map(|a| a + done as u64);
        match file.write_once(&mut io, &chunk[..n]).await {
            Ok(w) => {
                done += w;
                if w < n || n < want {
                    break;
                }
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done as u64)
}

async fn do_read(call: &Call<'_>, fd: u64, buf: u64, count: u64, at: Option<u64>) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    if !file.readable() {
        return Err(Errno::EBADF);
    }
    let count = count.min(MAX_RW);
    if !platform::user::copy::is_user_range(buf, count as usize) {
        return Err(Errno::EFAULT);
    }
    read_segs(call, &file, &[(buf, count)], at, Rwf::default()).await
}

async fn do_write(call: &Call<'_>, fd: u64, buf: u64, count: u64, at: Option<u64>) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    write_segs(call, &file, &[(buf, count.min(MAX_RW))], at, Rwf::default()).await
}

pub async fn read(call: &Call<'_>, fd: u64, buf: u64, count: u64) -> SysResult {
    do_read(call, fd, buf, count, None).await
}

pub async fn write(call: &Call<'_>, fd: u64, buf: u64, count: u64) -> SysResult {
    do_write(call, fd, buf, count, None).await
}

pub async fn pread64(call: &Call<'_>, fd: u64, buf: u64, count: u64, off: i64) -> SysResult {
    if off < 0 {
        return Err(Errno::EINVAL);
    }
    do_read(call, fd, buf, count, Some(off as u64)).await
}

pub async fn pwrite64(call: &Call<'_>, fd: u64, buf: u64, count: u64, off: i64) -> SysResult {
    if off < 0 {
        return Err(Errno::EINVAL);
    }
    do_write(call, fd, buf, count, Some(off as u64)).await
}

/// Reads an iovec array (at most IOV_MAX = 1024 entries; a total past
/// isize::MAX is EINVAL, a segment outside user space EFAULT).
pub(crate) fn iovecs(call: &Call<'_>, iov: u64, cnt: u64) -> Result<Vec<(u64, u64)>, Errno> {
    if cnt > 1024 {
        return Err(Errno::EINVAL);
    }
    let mm = mm(call)?;
    let raw = UserPtr::<Iovec>::new(iov).read_array(&mm, cnt as usize)?;
    let mut total: u64 = 0;
    let mut v = Vec::with_capacity(cnt as usize);
    for &Iovec { iov_base: base, iov_len: len } in &raw {
        total = total.checked_add(len).filter(|t| *t <= isize::MAX as u64).ok_or(Errno::EINVAL)?;
        if len != 0 {
            v.push((base, len));
        }
    }
    Ok(v)
}

/// readv/writev/preadv/pwritev and the v2 calls: the iovecs make one
/// transfer, as on Linux.
async fn vectored(call: &Call<'_>, fd: u64, iov: u64, cnt: u64, off: Option<u64>, write: bool, rwf: Rwf) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    if !(if write { file.writable() } else { file.readable() }) {
        return Err(Errno::EBADF);
    }
    let segs = iovecs(call, iov, cnt)?;
    if segs.iter().any(|&(b, l)| !platform::user::copy::is_user_range(b, l as usize)) {
        return Err(Errno::EFAULT);
    }
    if segs.is_empty() {
        return Ok(0);
    }
    if write {
        write_segs(call, &file, &segs, off, rwf).await
    } else {
        read_segs(call, &file, &segs, off, rwf).await
    }
}

pub async fn writev(call: &Call<'_>, fd: u64, iov: u64, cnt: u64) -> SysResult {
    vectored(call, fd, iov, cnt, None, true, Rwf::default()).await
}

pub async fn readv(call: &Call<'_>, fd: u64, iov: u64, cnt: u64) -> SysResult {
    vectored(call, fd, iov, cnt, None, false, Rwf::default()).await
}

const RWF_HIPRI: u64 = 0x01;
const RWF_DSYNC: u64 = 0x02;
const RWF_SYNC: u64 = 0x04;
const RWF_NOWAIT: u64 = 0x08;
const RWF_APPEND: u64 = 0x10;

/// The offset of preadv2/pwritev2 (-1: the file position) and their RWF_*
/// flags: RWF_NOWAIT and RWF_APPEND act, HIPRI/DSYNC/SYNC are hints (tmpfs
/// has nothing to sync), others are EOPNOTSUPP.
fn vector_args(off: i64, flags: u64) -> Result<(Option<u64>, Rwf), Errno> {
    if flags & !(RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND) != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let rwf = Rwf { nowait: flags & RWF_NOWAIT != 0, append: flags & RWF_APPEND != 0 };
    match off {
        -1 => Ok((None, rwf)),
        o if o < 0 => Err(Errno::EINVAL),
        o => Ok((Some(o as u64), rwf)),
    }
}

/// preadv(2): a negative offset is EINVAL (-1 means the position only
/// for preadv2).
pub async fn preadv(call: &Call<'_>, fd: u64, iov: u64, cnt: u64, off: i64) -> SysResult {
    if off < 0 {
        return Err(Errno::EINVAL);
    }
    preadv2(call, fd, iov, cnt, off, 0).await
}

/// pwritev(2).
pub async fn pwritev(call: &Call<'_>, fd: u64, iov: u64, cnt: u64, off: i64) -> SysResult {
    if off < 0 {
        return Err(Errno::EINVAL);
    }
    pwritev2(call, fd, iov, cnt, off, 0).await
}

/// preadv2(2).
pub async fn preadv2(call: &Call<'_>, fd: u64, iov: u64, cnt: u64, off: i64, flags: u64) -> SysResult {
    let (off, rwf) = vector_args(off, flags)?;
    vectored(call, fd, iov, cnt, off, false, Rwf { append: false, ..rwf }).await
}

/// pwritev2(2).
pub async fn pwritev2(call: &Call<'_>, fd: u64, iov: u64, cnt: u64, off: i64, flags: u64) -> SysResult {
    let (off, rwf) = vector_args(off, flags)?;
    vectored(call, fd, iov, cnt, off, true, rwf).await
}

/// One read (`write` false) or write of `file` into or from `segs` at
/// `at` (or the position), as preadv/pwritev do it: Linux AIO's
/// IOCB_CMD_PREAD/PWRITE/PREADV/PWRITEV, which run the file's own read and
/// write.
/// With `nowait`, a file that would block answers EAGAIN (io_uring's
/// first, non-blocking attempt).
pub(crate) async fn transfer_segs(call: &Call<'_>, file: &File, segs: &Segs, at: Option<u64>, write: bool, nowait: bool) -> SysResult {
    let rwf = Rwf { nowait, append: false };
    if write {
        write_segs(call, file, segs, at, rwf).await
    } else {
        read_segs(call, file, segs, at, rwf).await
    }
}
