//! read(2), write(2), readv(2), writev(2), close(2), ioctl(2), getrandom(2)
//! on the descriptors that exist so far (the console).

use alloc::vec;
use alloc::vec::Vec;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::{File, FileKind, O_APPEND, O_ASYNC, O_NONBLOCK};
use crate::signal::interruptible;
use crate::uaccess;

/// Linux caps a single read or write at this many bytes.
const MAX_RW: u64 = 0x7fff_f000;
/// Writes by a caller with this capability keep set-id bits.
const CAP_FSETID: u32 = 4;

fn mm(call: &Call<'_>) -> Result<alloc::sync::Arc<crate::mm::Mm>, Errno> {
    call.thread.process.mm().ok_or(Errno::EFAULT)
}

/// Per-call flags of preadv2/pwritev2 (RWF_NOWAIT, RWF_APPEND).
#[derive(Clone, Copy, Default)]
struct Rwf {
    /// Don't wait (a pipe or tty answers EAGAIN as with O_NONBLOCK).
    nowait: bool,
    /// Append, as with O_APPEND.
    append: bool,
}

/// Reads into `buf` from `file` at `at` (pread) or at the file position.
async fn read_file(call: &Call<'_>, file: &File, buf: &mut [u8], at: Option<u64>, rwf: Rwf) -> Result<usize, Errno> {
    let nonblock = file.status() & O_NONBLOCK != 0 || rwf.nowait;
    match &file.kind {
        FileKind::Console(_) if buf.is_empty() => Ok(0),
        FileKind::Console(c) => {
            background_read_check(call)?;
            interruptible(call.thread, c.read(buf)).await.map_err(|_| Errno::ERESTARTSYS)?
        }
        FileKind::Device(d) => d.read(buf),
        FileKind::Pipe(end) => {
            if at.is_some() {
                return Err(Errno::ESPIPE);
            }
            interruptible(call.thread, end.pipe.read(buf, nonblock)).await.map_err(|_| Errno::ERESTARTSYS)?
        }
        FileKind::EventFd(e) => {
            if buf.len() < 8 {
                return Err(Errno::EINVAL);
            }
            let v = interruptible(call.thread, e.read(nonblock)).await.map_err(|_| Errno::ERESTARTSYS)??;
            buf[..8].copy_from_slice(&v.to_le_bytes());
            Ok(8)
        }
        FileKind::TimerFd(t) => {
            if buf.len() < 8 {
                return Err(Errno::EINVAL);
            }
            let v = interruptible(call.thread, t.read(nonblock)).await.map_err(|_| Errno::ERESTARTSYS)??;
            buf[..8].copy_from_slice(&v.to_le_bytes());
            Ok(8)
        }
        FileKind::SignalFd(s) => {
            let max = buf.len() / crate::file::signalfd::RECORD;
            if max == 0 {
                return Err(Errno::EINVAL);
            }
            let got = interruptible(call.thread, s.read(call.thread, max, nonblock)).await.map_err(|_| Errno::ERESTARTSYS)??;
            for (i, info) in got.iter().enumerate() {
                let r = crate::file::signalfd::record(info);
                buf[i * r.len()..(i + 1) * r.len()].copy_from_slice(&r);
            }
            Ok(got.len() * crate::file::signalfd::RECORD)
        }
        FileKind::Epoll(_) | FileKind::PidFd(_) => Err(Errno::EINVAL),
        FileKind::Inotify(i) => {
            let data = interruptible(call.thread, i.read(buf.len(), nonblock)).await.map_err(|_| Errno::ERESTARTSYS)??;
            buf[..data.len()].copy_from_slice(&data);
            Ok(data.len())
        }
        FileKind::Inode(f) => {
            let meta = f.loc.inode.metadata();
            if meta.is_dir() {
                return Err(Errno::EISDIR);
            }
            let n = match at {
                Some(off) => f.loc.inode.read_at(off, buf)?,
                None => {
                    let mut pos = file.pos.lock();
                    let n = f.loc.inode.read_at(*pos, buf)?;
                    *pos += n as u64;
                    n
                }
            };
            if n > 0 {
                crate::fsnotify::file_event(file, crate::fsnotify::IN_ACCESS);
            }
            Ok(n)
        }
    }
}

/// Job control: a process of the terminal's session outside its
/// foreground group that reads from it gets SIGTTIN (EIO if it ignores or
/// blocks the signal, or its group is orphaned — not tracked yet).
fn background_read_check(call: &Call<'_>) -> Result<(), Errno> {
    use core::sync::atomic::Ordering;
    use crate::file::tty::TTY;
    let p = &call.thread.process;
    let session = TTY.session.load(Ordering::Relaxed);
    let fg = TTY.fg_pgrp.load(Ordering::Relaxed);
    if session == 0 || session != p.sid() || fg == 0 || p.pgid() == fg {
        return Ok(());
    }
    let action = p.action(crate::signal::SIGTTIN);
    if action.handler == crate::signal::SIG_IGN || call.thread.sigmask() & crate::signal::bit(crate::signal::SIGTTIN) != 0 {
        return Err(Errno::EIO);
    }
    for q in crate::proc::pid::all() {
        if q.pgid() == p.pgid() && !q.is_zombie() {
            crate::signal::send_process(&q, crate::signal::SigInfo::kernel(crate::signal::SIGTTIN), false);
        }
    }
    Err(Errno::ERESTARTSYS)
}

/// Writes `data` to `file` at `at` (pwrite) or at the file position (the
/// end with O_APPEND).
async fn write_file(call: &Call<'_>, file: &File, data: &[u8], at: Option<u64>, rwf: Rwf) -> Result<usize, Errno> {
    let nonblock = file.status() & O_NONBLOCK != 0 || rwf.nowait;
    match &file.kind {
        FileKind::Console(c) => Ok(c.write(data)),
        FileKind::Device(d) => d.write(data),
        FileKind::EventFd(e) => {
            if data.len() < 8 {
                return Err(Errno::EINVAL);
            }
            let v = u64::from_le_bytes(data[..8].try_into().map_err(|_| Errno::EINVAL)?);
            interruptible(call.thread, e.write(v, nonblock)).await.map_err(|_| Errno::ERESTARTSYS)??;
            Ok(8)
        }
        FileKind::TimerFd(_) | FileKind::SignalFd(_) | FileKind::Epoll(_) | FileKind::PidFd(_) | FileKind::Inotify(_) => Err(Errno::EINVAL),
        FileKind::Pipe(end) => {
            if at.is_some() {
                return Err(Errno::ESPIPE);
            }
            // An O_DIRECT write end writes packets.
            let packet = file.status() & crate::file::O_DIRECT != 0;
            let mut done = 0;
            let r = interruptible(call.thread, end.pipe.write(data, nonblock, packet, &mut done)).await;
            match r {
                Ok(Err(Errno::EPIPE)) => {
                    crate::signal::send_thread(call.thread, crate::signal::SigInfo::user(crate::signal::SIGPIPE, 0, call.thread.process.pid), true);
                    if done > 0 { Ok(done) } else { Err(Errno::EPIPE) }
                }
                Ok(Err(_)) | Err(_) if done > 0 => Ok(done),
                Ok(r) => r,
                Err(_) => Err(Errno::ERESTARTSYS),
            }
        }
        FileKind::Inode(f) => {
            if f.loc.inode.metadata().is_dir() {
                return Err(Errno::EISDIR);
            }
            // Nothing to write: no append, no RLIMIT_FSIZE check (Linux's
            // generic_write_checks).
            if data.is_empty() {
                return Ok(0);
            }
            let append = file.status() & O_APPEND != 0 || rwf.append;
            let mut pos = file.pos.lock();
            // Until the data is in: an append's end of file stays the end.
            let serial = crate::file::write_serial::lock(&f.loc.inode);
            // pwrite on an O_APPEND file appends too (a Linux quirk).
            let off = if append { f.loc.inode.metadata().size } else { at.unwrap_or(*pos) };
            // RLIMIT_FSIZE: a short write up to the limit, then EFBIG with
            // SIGXFSZ.
            let limit = call.thread.process.limits.lock().0[1].0;
            let data = if off.saturating_add(data.len() as u64) > limit {
                if off >= limit {
                    crate::signal::send_thread(call.thread, crate::signal::SigInfo::kernel(crate::signal::SIGXFSZ), true);
                    return Err(Errno::EFBIG);
                }
                &data[..(limit - off) as usize]
            } else {
                data
            };
            let n = f.loc.inode.write_at(off, data)?;
            // A write drops file capabilities, and by someone without
            // CAP_FSETID set-user-ID (and set-group-ID on a group-executable
            // file).
            if n > 0 {
                let _ = fs::attr::remove_privs(&f.loc.inode, call.thread.creds.lock().capable(CAP_FSETID));
            }
            drop(serial);
            if at.is_none() {
                *pos = off + n as u64;
            }
            drop(pos);
            if n > 0 {
                crate::fsnotify::file_event(file, crate::fsnotify::IN_MODIFY);
            }
            Ok(n)
        }
    }
}

const CHUNK: usize = 64 * 1024;
/// Transfers up to this size use a buffer in the call's own state, not
/// the heap (most reads and writes are small).
const SMALL: usize = 256;
/// A read from a pipe or another stream takes what is there in one go, up
/// to the largest pipe.
const STREAM_CHUNK: usize = crate::file::pipe::MAX_CAPACITY;

/// User memory segments (an iovec array, or one buffer).
type Segs = [(u64, u64)];

/// Copies `data` into `segs` from byte `at` of them on.
fn scatter(mm: &crate::mm::Mm, segs: &Segs, mut at: u64, mut data: &[u8]) -> Result<(), Errno> {
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
fn gather(mm: &crate::mm::Mm, segs: &Segs, mut at: u64, out: &mut [u8]) -> Result<usize, Errno> {
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

/// Pipes and ttys have no position: pread/pwrite and friends are ESPIPE.
fn no_offset_on_streams(file: &File, at: Option<u64>) -> Result<(), Errno> {
    match (at, &file.kind) {
        (Some(_), FileKind::Pipe(_) | FileKind::Console(_)) => Err(Errno::ESPIPE),
        _ => Ok(()),
    }
}

/// One read(2)-family transfer into `segs`, as one operation on the file:
/// a pipe or tty returns what it has (across every segment), a regular
/// file or memory device is read in chunks to the end of the request or of
/// the file.
async fn read_segs(call: &Call<'_>, file: &File, segs: &Segs, at: Option<u64>, rwf: Rwf) -> SysResult {
    if !file.readable() {
        return Err(Errno::EBADF);
    }
    no_offset_on_streams(file, at)?;
    let total = segs.iter().map(|s| s.1).sum::<u64>().min(MAX_RW) as usize;
    let stream = !matches!(file.kind, FileKind::Inode(_) | FileKind::Device(_));
    let mm = mm(call)?;
    if total == 0 {
        // A zero-length read still asks the file (a directory is EISDIR,
        // an eventfd EINVAL), as Linux's vfs_read.
        return read_file(call, file, &mut [], at, rwf).await.map(|n| n as u64);
    }
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
        let n = match read_file(call, file, &mut data[..want], at.map(|a| a + done as u64), rwf).await {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if let Err(e) = scatter(&mm, segs, done as u64, &data[..n]) {
            return if done > 0 { Ok(done as u64) } else { Err(e) };
        }
        done += n;
        // Regular files and the memory devices (zero, urandom, ...: they
        // always fill the buffer on Linux) keep reading after a full chunk;
        // a pipe or a tty returns what it had.
        if n < want || stream {
            break;
        }
    }
    Ok(done as u64)
}

/// One write(2)-family transfer from `segs`, as one operation on the file
/// (a gathered write of at most PIPE_BUF bytes to a pipe is atomic); a
/// fault in a later segment ends it with the bytes before.
async fn write_segs(call: &Call<'_>, file: &File, segs: &Segs, at: Option<u64>, rwf: Rwf) -> SysResult {
    if !file.writable() {
        return Err(Errno::EBADF);
    }
    no_offset_on_streams(file, at)?;
    let total = segs.iter().map(|s| s.1).sum::<u64>().min(MAX_RW) as usize;
    let mm = mm(call)?;
    if total == 0 {
        // Likewise a zero-length write (/dev/full is ENOSPC).
        return write_file(call, file, &[], at, rwf).await.map(|n| n as u64);
    }
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
        match write_file(call, file, &chunk[..n], at.map(|a| a + done as u64), rwf).await {
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
fn iovecs(call: &Call<'_>, iov: u64, cnt: u64) -> Result<Vec<(u64, u64)>, Errno> {
    if cnt > 1024 {
        return Err(Errno::EINVAL);
    }
    let mm = mm(call)?;
    let mut raw = vec![0u8; cnt as usize * 16];
    uaccess::read_bytes(&mm, iov, &mut raw)?;
    let mut total: u64 = 0;
    let mut v = Vec::with_capacity(cnt as usize);
    for c in raw.chunks_exact(16) {
        let base = u64::from_le_bytes(c[..8].try_into().map_err(|_| Errno::EFAULT)?);
        let len = u64::from_le_bytes(c[8..].try_into().map_err(|_| Errno::EFAULT)?);
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

pub fn close(call: &Call<'_>, fd: u64) -> SysResult {
    let file = call.thread.process.files().lock().get_raw(fd)?;
    call.thread.process.files().lock().close(fd)?;
    super::lock::release_process_locks(&file, call.thread.process.pid);
    Ok(0)
}


/// ioctl(2): the generic requests every file has (FIONBIO, FIOCLEX,
/// FIONCLEX, FIOASYNC, FIONREAD on regular files), then the file's own;
/// anything else is ENOTTY.
pub fn ioctl(call: &Call<'_>, fd: u64, request: u64, arg: u64) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    const FIONREAD: u64 = 0x541b;
    const FIONBIO: u64 = 0x5421;
    const FIOASYNC: u64 = 0x5452;
    const FIOCLEX: u64 = 0x5451;
    const FIONCLEX: u64 = 0x5450;
    match (&file.kind, request) {
        (_, FIOCLEX | FIONCLEX) => {
            call.thread.process.files().lock().set_cloexec(fd, request == FIOCLEX)?;
            Ok(0)
        }
        (_, FIONBIO) => {
            let on = uaccess::read_u32(&*mm(call)?, arg)? != 0;
            let f = file.status();
            file.flags.store(if on { f | O_NONBLOCK } else { f & !O_NONBLOCK }, core::sync::atomic::Ordering::Relaxed);
            Ok(0)
        }
        (_, FIOASYNC) => {
            let on = uaccess::read_u32(&*mm(call)?, arg)? != 0;
            let f = file.status();
            if on != (f & O_ASYNC != 0) {
                // Only a file with an fasync method can change it.
                if !file.has_fasync() {
                    return Err(Errno::ENOTTY);
                }
                file.flags.store(f ^ O_ASYNC, core::sync::atomic::Ordering::Relaxed);
            }
            Ok(0)
        }
        (FileKind::Inotify(i), FIONREAD) => {
            uaccess::write_u32(&*mm(call)?, arg, i.pending_bytes() as u32)?;
            Ok(0)
        }
        (FileKind::Pipe(end), FIONREAD) => {
            uaccess::write_u32(&*mm(call)?, arg, end.pipe.available() as u32)?;
            Ok(0)
        }
        (FileKind::Inode(f), FIONREAD) if f.loc.inode.metadata().is_regular() => {
            // Linux stores i_size - f_pos as an int: negative past EOF.
            let left = (f.loc.inode.metadata().size as i64).wrapping_sub(*file.pos.lock() as i64);
            uaccess::write_u32(&*mm(call)?, arg, left as i32 as u32)?;
            Ok(0)
        }
        (FileKind::Console(_), _) => super::tty::ioctl(call, request, arg),
        _ => Err(Errno::ENOTTY),
    }
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
    let len = len.min(0x7fff_f000) as usize;
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

const SEEK_SET: u64 = 0;
const SEEK_CUR: u64 = 1;
const SEEK_END: u64 = 2;
const SEEK_DATA: u64 = 3;
const SEEK_HOLE: u64 = 4;

/// lseek(2). Pipes and ttys are ESPIPE; SEEK_DATA/SEEK_HOLE ask the file.
pub fn lseek(call: &Call<'_>, fd: u64, off: i64, whence: u64) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    let FileKind::Inode(f) = &file.kind else {
        return match file.kind {
            FileKind::Device(_) => Ok(0),
            _ => Err(Errno::ESPIPE),
        };
    };
    let mut pos = file.pos.lock();
    let meta = f.loc.inode.metadata();
    // tmpfs directories seek only to an offset or by one (Linux's
    // offset_dir_llseek): SEEK_END, SEEK_DATA and SEEK_HOLE are EINVAL.
    if meta.is_dir() && whence != SEEK_SET && whence != SEEK_CUR {
        return Err(Errno::EINVAL);
    }
    let size = meta.size as i64;
    let new = match whence {
        SEEK_SET => off,
        // Linux adds with wrap-around: past the largest offset is negative,
        // so EINVAL.
        SEEK_CUR => (*pos as i64).wrapping_add(off),
        SEEK_END => size.wrapping_add(off),
        SEEK_DATA | SEEK_HOLE => {
            if off < 0 {
                return Err(Errno::ENXIO);
            }
            let r = if whence == SEEK_DATA { f.loc.inode.seek_data(off as u64)? } else { f.loc.inode.seek_hole(off as u64)? };
            r as i64
        }
        _ => return Err(Errno::EINVAL),
    };
    if new < 0 {
        return Err(Errno::EINVAL);
    }
    *pos = new as u64;
    Ok(new as u64)
}

/// getdents64(2): directory entries from the file position on.
pub fn getdents64(call: &Call<'_>, fd: u64, dirp: u64, count: u64) -> SysResult {
    read_dir(call, fd, dirp, count, false)
}

/// getdents(2), the original call: `struct linux_dirent` records (ino,
/// offset, length, name, NUL, and the type in the record's last byte).
pub fn getdents(call: &Call<'_>, fd: u64, dirp: u64, count: u64) -> SysResult {
    read_dir(call, fd, dirp, count, true)
}

/// One getdents call: as many whole records as fit in `count` bytes (EINVAL
/// if not even one does), in the 64-bit or the old layout.
fn read_dir(call: &Call<'_>, fd: u64, dirp: u64, count: u64, old: bool) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    let FileKind::Inode(f) = &file.kind else { return Err(Errno::ENOTDIR) };
    if !f.loc.inode.metadata().is_dir() {
        return Err(Errno::ENOTDIR);
    }
    if file.status() & fs::flags::O_PATH != 0 {
        return Err(Errno::EBADF);
    }
    let count = count.min(1 << 20) as usize;
    let mut out = Vec::with_capacity(count.min(4096));
    let mut pos_guard = file.pos.lock();
    // The position moves only if the entries reach the caller.
    let mut too_small = false;
    let pos = f.loc.inode.readdir_batch(*pos_guard, &mut |e| {
        // linux_dirent64: ino, off, reclen, type, name, NUL; linux_dirent:
        // ino, off, reclen, name, NUL, padding, type.
        let reclen = if old { 18 + e.name.len() + 2 } else { 19 + e.name.len() + 1 }.next_multiple_of(8);
        if out.len() + reclen > count {
            too_small = out.is_empty();
            return false;
        }
        let start = out.len();
        out.extend_from_slice(&e.ino.to_le_bytes());
        out.extend_from_slice(&(e.next as i64).to_le_bytes());
        out.extend_from_slice(&(reclen as u16).to_le_bytes());
        if !old {
            out.push(e.kind);
        }
        out.extend_from_slice(e.name);
        out.resize(start + reclen, 0);
        if old {
            out[start + reclen - 1] = e.kind;
        }
        true
    })?;
    if too_small {
        return Err(Errno::EINVAL);
    }
    // Every successful call counts as an access (Linux's iterate_dir).
    f.loc.inode.accessed();
    uaccess::write_bytes(&*mm(call)?, dirp, &out)?;
    *pos_guard = pos;
    drop(pos_guard);
    crate::fsnotify::file_event(&file, crate::fsnotify::IN_ACCESS);
    Ok(out.len() as u64)
}

/// pipe(2), pipe2(2).
pub fn pipe2(call: &Call<'_>, fds: u64, flags: u32) -> SysResult {
    use crate::file::O_CLOEXEC;
    const O_DIRECT: u32 = 0o40000;
    if flags & !(O_CLOEXEC | O_NONBLOCK | O_DIRECT) != 0 {
        return Err(Errno::EINVAL);
    }
    let (r, w) = crate::file::pipe::new();
    let nb = flags & O_NONBLOCK;
    // O_DIRECT (packet mode) belongs to the write end only, as on Linux.
    let rf = alloc::sync::Arc::new(File::new(FileKind::Pipe(r), fs::flags::O_RDONLY | nb));
    let wf = alloc::sync::Arc::new(File::new(FileKind::Pipe(w), fs::flags::O_WRONLY | nb | (flags & O_DIRECT)));
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
    let mut bytes = [0u8; 8];
    bytes[..4].copy_from_slice(&(a as u32).to_le_bytes());
    bytes[4..].copy_from_slice(&(b as u32).to_le_bytes());
    if let Err(e) = uaccess::write_bytes(&*mm(call)?, fds, &bytes) {
        let mut t = files.lock();
        let _ = t.close(a as u64);
        let _ = t.close(b as u64);
        return Err(e);
    }
    Ok(0)
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

/// Copies up to `count` bytes from `input` (at `in_off`, or its position)
/// to `output` (at `out_off`, or its position), in chunks; returns the
/// bytes copied and the new offsets.
async fn copy_between(
    call: &Call<'_>,
    input: &File,
    output: &File,
    mut in_off: Option<u64>,
    mut out_off: Option<u64>,
    count: usize,
) -> Result<usize, Errno> {
    let mut done = 0;
    let mut buf = vec![0u8; count.clamp(1, CHUNK)];
    while done < count {
        let want = (count - done).min(buf.len());
        let n = match read_file(call, input, &mut buf[..want], in_off, Rwf::default()).await {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if n == 0 {
            break;
        }
        let w = match write_file(call, output, &buf[..n], out_off, Rwf::default()).await {
            Ok(w) => w,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        done += w;
        in_off = in_off.map(|o| o + w as u64);
        out_off = out_off.map(|o| o + w as u64);
        if w < n || n < want {
            break;
        }
    }
    Ok(done)
}

/// sendfile(2).
pub async fn sendfile(call: &Call<'_>, out_fd: u64, in_fd: u64, offset: u64, count: u64) -> SysResult {
    let (input, output) = {
        let files = call.thread.process.files();
        let t = files.lock();
        (t.get(in_fd)?, t.get(out_fd)?)
    };
    if !input.readable() || !output.writable() {
        return Err(Errno::EBADF);
    }
    if output.status() & O_APPEND != 0 {
        return Err(Errno::EINVAL);
    }
    let mm = mm(call)?;
    let start = if offset != 0 {
        let o = uaccess::read_u64(&mm, offset)? as i64;
        if o < 0 {
            return Err(Errno::EINVAL);
        }
        Some(o as u64)
    } else {
        None
    };
    let count = count.min(MAX_RW) as usize;
    let n = copy_between(call, &input, &output, start, None, count).await?;
    if let Some(s) = start {
        uaccess::write_u64(&mm, offset, s + n as u64)?;
    }
    Ok(n as u64)
}

/// copy_file_range(2): between regular files; flags must be 0.
pub async fn copy_file_range(call: &Call<'_>, fd_in: u64, off_in: u64, fd_out: u64, off_out: u64, len: u64, flags: u64) -> SysResult {
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let (input, output) = {
        let files = call.thread.process.files();
        let t = files.lock();
        (t.get(fd_in)?, t.get(fd_out)?)
    };
    if !input.readable() || !output.writable() || output.status() & O_APPEND != 0 {
        return Err(Errno::EBADF);
    }
    let (FileKind::Inode(a), FileKind::Inode(b)) = (&input.kind, &output.kind) else { return Err(Errno::EINVAL) };
    if a.loc.inode.metadata().is_dir() || b.loc.inode.metadata().is_dir() {
        return Err(Errno::EISDIR);
    }
    if !a.loc.inode.metadata().is_regular() || !b.loc.inode.metadata().is_regular() {
        return Err(Errno::EINVAL);
    }
    let mm = mm(call)?;
    let read_off = |p: u64| -> Result<Option<u64>, Errno> {
        if p == 0 {
            return Ok(None);
        }
        Ok(Some(uaccess::read_u64(&mm, p)?))
    };
    let (ri, ro) = (read_off(off_in)?, read_off(off_out)?);
    let same = fs::inode::same_inode(&a.loc.inode, &b.loc.inode);
    // One statement per lock: fd_in and fd_out may be the same description.
    let si = match ri {
        Some(o) => o,
        None => *input.pos.lock(),
    };
    let so = match ro {
        Some(o) => o,
        None => *output.pos.lock(),
    };
    // Linux: offsets that wrap (a negative one included) are EOVERFLOW;
    // the count is cut to the input's EOF before the overlap check.
    if si.checked_add(len).is_none() || so.checked_add(len).is_none() {
        return Err(Errno::EOVERFLOW);
    }
    let size_in = a.loc.inode.metadata().size;
    let len = if si >= size_in { 0 } else { len.min(size_in - si) };
    if same && si < so + len && so < si + len {
        return Err(Errno::EINVAL);
    }
    if len == 0 {
        return Ok(0);
    }
    let n = copy_between(call, &input, &output, Some(si), Some(so), len.min(MAX_RW) as usize).await?;
    match ri {
        Some(o) => uaccess::write_u64(&mm, off_in, o + n as u64)?,
        None => *input.pos.lock() += n as u64,
    }
    match ro {
        Some(o) => uaccess::write_u64(&mm, off_out, o + n as u64)?,
        None => *output.pos.lock() += n as u64,
    }
    Ok(n as u64)
}

const FALLOC_FL_KEEP_SIZE: u32 = 0x01;
const FALLOC_FL_PUNCH_HOLE: u32 = 0x02;
const FALLOC_FL_COLLAPSE_RANGE: u32 = 0x08;
const FALLOC_FL_ZERO_RANGE: u32 = 0x10;
const FALLOC_FL_INSERT_RANGE: u32 = 0x20;
const FALLOC_FL_UNSHARE_RANGE: u32 = 0x40;
const FALLOC_FL_WRITE_ZEROES: u32 = 0x80;
const FALLOC_FL_MODE_MASK: u32 = FALLOC_FL_PUNCH_HOLE
    | FALLOC_FL_COLLAPSE_RANGE
    | FALLOC_FL_ZERO_RANGE
    | FALLOC_FL_INSERT_RANGE
    | FALLOC_FL_UNSHARE_RANGE
    | FALLOC_FL_WRITE_ZEROES;

/// fallocate(2) on tmpfs files, in Linux's order: EINVAL for the range,
/// EOPNOTSUPP for a mode no filesystem knows (before looking at the fd),
/// EBADF without write access, ESPIPE/EISDIR/ENODEV by file type, EFBIG
/// past the largest offset, then RLIMIT_FSIZE (as tmpfs checks it) and the
/// filesystem's own mode check.
pub fn fallocate(call: &Call<'_>, fd: u64, mode: u32, off: i64, len: i64) -> SysResult {
    if off < 0 || len <= 0 {
        return Err(Errno::EINVAL);
    }
    if mode & !(FALLOC_FL_MODE_MASK | FALLOC_FL_KEEP_SIZE) != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let keep = mode & FALLOC_FL_KEEP_SIZE != 0;
    let known = match mode & FALLOC_FL_MODE_MASK {
        0 | FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_ZERO_RANGE => true,
        FALLOC_FL_PUNCH_HOLE => keep,
        FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE | FALLOC_FL_WRITE_ZEROES => !keep,
        _ => false,
    };
    if !known {
        return Err(Errno::EOPNOTSUPP);
    }
    let file = call.thread.process.files().lock().get(fd)?;
    if !file.writable() {
        return Err(Errno::EBADF);
    }
    match &file.kind {
        FileKind::Inode(f) => {
            let meta = f.loc.inode.metadata();
            if meta.is_dir() {
                return Err(Errno::EISDIR);
            }
            if !meta.is_regular() {
                return Err(Errno::ENODEV);
            }
            let end = off.checked_add(len).ok_or(Errno::EFBIG)?;
            if mode & FALLOC_FL_PUNCH_HOLE == 0 {
                super::fsops::newsize_ok(call, meta.size, end as u64)?;
            }
            f.loc.inode.fallocate(mode, off as u64, len as u64)?;
            crate::fsnotify::file_event(&file, crate::fsnotify::IN_MODIFY);
            Ok(0)
        }
        FileKind::Pipe(_) => Err(Errno::ESPIPE),
        _ => Err(Errno::ENODEV),
    }
}
