//! read(2), write(2), readv(2), writev(2), close(2), ioctl(2), getrandom(2)
//! on the descriptors that exist so far (the console).

use alloc::vec;
use alloc::vec::Vec;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::{File, FileKind, O_APPEND, O_NONBLOCK};
use crate::signal::interruptible;
use crate::uaccess;

/// Linux caps a single read or write at this many bytes.
const MAX_RW: u64 = 0x7fff_f000;

fn mm(call: &Call<'_>) -> Result<alloc::sync::Arc<crate::mm::Mm>, Errno> {
    call.thread.process.mm().ok_or(Errno::EFAULT)
}

/// Reads into `buf` from `file` at `at` (pread) or at the file position.
async fn read_file(call: &Call<'_>, file: &File, buf: &mut [u8], at: Option<u64>) -> Result<usize, Errno> {
    let nonblock = file.status() & O_NONBLOCK != 0;
    match &file.kind {
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
async fn write_file(call: &Call<'_>, file: &File, data: &[u8], at: Option<u64>) -> Result<usize, Errno> {
    let nonblock = file.status() & O_NONBLOCK != 0;
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
            match interruptible(call.thread, end.pipe.write(data, nonblock)).await {
                Ok(Err(Errno::EPIPE)) => {
                    crate::signal::send_thread(call.thread, crate::signal::SigInfo::user(crate::signal::SIGPIPE, 0, call.thread.process.pid), true);
                    Err(Errno::EPIPE)
                }
                Ok(r) => r,
                Err(_) => Err(Errno::ERESTARTSYS),
            }
        }
        FileKind::Inode(f) => {
            if f.loc.inode.metadata().is_dir() {
                return Err(Errno::EISDIR);
            }
            let append = file.status() & O_APPEND != 0;
            let mut pos = file.pos.lock();
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
            // A write by someone without CAP_FSETID clears set-user-ID (and
            // set-group-ID on a group-executable file), as Linux's
            // file_remove_privs.
            let mode = f.loc.inode.metadata().mode;
            if mode & 0o6000 != 0 && !call.thread.process.creds.lock().capable(4) {
                let mut clear = 0o4000;
                if mode & 0o2010 == 0o2010 {
                    clear |= 0o2000;
                }
                let attr = fs::SetAttr { mode: Some(mode & 0o7777 & !clear), ..fs::SetAttr::default() };
                let _ = f.loc.inode.setattr(&attr);
            }
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

async fn do_read(call: &Call<'_>, fd: u64, buf: u64, count: u64, at: Option<u64>) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    if !file.readable() {
        return Err(Errno::EBADF);
    }
    let count = count.min(MAX_RW) as usize;
    if !platform::user::copy::is_user_range(buf, count) {
        return Err(Errno::EFAULT);
    }
    let mm = mm(call)?;
    let mut data = vec![0u8; count.min(CHUNK)];
    let mut done = 0;
    while done < count {
        let want = (count - done).min(CHUNK);
        let n = match read_file(call, &file, &mut data[..want], at.map(|a| a + done as u64)).await {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        uaccess::write_bytes(&mm, buf + done as u64, &data[..n])?;
        done += n;
        // Regular files and the memory devices (zero, urandom, ...: they
        // always fill the buffer on Linux) keep reading after a full chunk;
        // a pipe or a tty returns what it had.
        if n < want || !matches!(file.kind, FileKind::Inode(_) | FileKind::Device(_)) {
            break;
        }
    }
    Ok(done as u64)
}

async fn do_write(call: &Call<'_>, fd: u64, buf: u64, count: u64, at: Option<u64>) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    if !file.writable() {
        return Err(Errno::EBADF);
    }
    let count = count.min(MAX_RW) as usize;
    // A zero-length write still reaches a device's driver (/dev/full
    // answers ENOSPC even then); other files return 0.
    if count == 0 {
        if let FileKind::Device(d) = &file.kind {
            d.write(&[])?;
        }
        return Ok(0);
    }
    let mm = mm(call)?;
    let mut done = 0;
    let mut chunk = vec![0u8; count.min(CHUNK)];
    while done < count {
        let n = (count - done).min(chunk.len());
        if let Err(e) = uaccess::read_bytes(&mm, buf + done as u64, &mut chunk[..n]) {
            return if done > 0 { Ok(done as u64) } else { Err(e) };
        }
        match write_file(call, &file, &chunk[..n], at.map(|a| a + done as u64)).await {
            Ok(w) => {
                done += w;
                if w < n {
                    break;
                }
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done as u64)
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

/// Reads an iovec array (at most IOV_MAX = 1024 entries).
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
        v.push((base, len));
    }
    Ok(v)
}

/// readv/writev/preadv/pwritev: one transfer per buffer, stopping at the
/// first short one; an error after some bytes moved returns the count.
async fn vectored(call: &Call<'_>, fd: u64, iov: u64, cnt: u64, off: Option<u64>, write: bool) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    if !(if write { file.writable() } else { file.readable() }) {
        return Err(Errno::EBADF);
    }
    let mut total = 0u64;
    for (base, len) in iovecs(call, iov, cnt)? {
        if len == 0 {
            continue;
        }
        let at = off.map(|o| o + total);
        let r = if write { do_write(call, fd, base, len, at).await } else { do_read(call, fd, base, len, at).await };
        match r {
            Ok(n) => {
                total += n;
                if n < len {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}

pub async fn writev(call: &Call<'_>, fd: u64, iov: u64, cnt: u64) -> SysResult {
    vectored(call, fd, iov, cnt, None, true).await
}

pub async fn readv(call: &Call<'_>, fd: u64, iov: u64, cnt: u64) -> SysResult {
    vectored(call, fd, iov, cnt, None, false).await
}

pub fn close(call: &Call<'_>, fd: u64) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    call.thread.process.files().lock().close(fd)?;
    super::lock::release_process_locks(&file, call.thread.process.pid);
    Ok(0)
}


pub fn ioctl(call: &Call<'_>, fd: u64, request: u64, _arg: u64) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    const FIONREAD: u64 = 0x541b;
    const FIONBIO: u64 = 0x5421;
    const FIOCLEX: u64 = 0x5451;
    const FIONCLEX: u64 = 0x5450;
    match (&file.kind, request) {
        (_, FIOCLEX | FIONCLEX) => {
            call.thread.process.files().lock().set_cloexec(fd, request == FIOCLEX)?;
            Ok(0)
        }
        (_, FIONBIO) => {
            let on = uaccess::read_u32(&*mm(call)?, _arg)? != 0;
            let f = file.status();
            file.flags.store(if on { f | O_NONBLOCK } else { f & !O_NONBLOCK }, core::sync::atomic::Ordering::Relaxed);
            Ok(0)
        }
        (FileKind::Inotify(i), FIONREAD) => {
            uaccess::write_u32(&*mm(call)?, _arg, i.pending_bytes() as u32)?;
            Ok(0)
        }
        (FileKind::Pipe(end), FIONREAD) => {
            uaccess::write_u32(&*mm(call)?, _arg, end.pipe.available() as u32)?;
            Ok(0)
        }
        (FileKind::Inode(f), FIONREAD) if f.loc.inode.metadata().is_regular() => {
            let left = f.loc.inode.metadata().size.saturating_sub(*file.pos.lock());
            uaccess::write_u32(&*mm(call)?, _arg, left.min(i32::MAX as u64) as u32)?;
            Ok(0)
        }
        (FileKind::Console(_), _) => super::tty::ioctl(call, request, _arg),
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
    let len = len.min(32 * 1024 * 1024) as usize;
    let mm = mm(call)?;
    let mut chunk = [0u8; 256];
    let mut done = 0;
    while done < len {
        let n = (len - done).min(chunk.len());
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
    let size = f.loc.inode.metadata().size as i64;
    let new = match whence {
        SEEK_SET => off,
        SEEK_CUR => (*pos as i64).checked_add(off).ok_or(Errno::EOVERFLOW)?,
        SEEK_END => size.checked_add(off).ok_or(Errno::EOVERFLOW)?,
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
    let mut pos = *pos_guard;
    while let Some(e) = f.loc.inode.readdir(pos)? {
        let reclen = (19 + e.name.len() + 1).next_multiple_of(8);
        if out.len() + reclen > count {
            if out.is_empty() {
                return Err(Errno::EINVAL);
            }
            break;
        }
        let start = out.len();
        out.extend_from_slice(&e.ino.to_le_bytes());
        out.extend_from_slice(&(e.next as i64).to_le_bytes());
        out.extend_from_slice(&(reclen as u16).to_le_bytes());
        out.push(e.kind);
        out.extend_from_slice(&e.name);
        out.resize(start + reclen, 0);
        pos = e.next;
    }
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
    let rf = alloc::sync::Arc::new(File::new(FileKind::Pipe(r), fs::flags::O_RDONLY | nb));
    let wf = alloc::sync::Arc::new(File::new(FileKind::Pipe(w), fs::flags::O_WRONLY | nb));
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

/// The offset of preadv2/pwritev2 (-1: the file position); RWF_* flags
/// are accepted when they are hints (RWF_HIPRI, DSYNC, SYNC, NOWAIT, APPEND).
fn vector_offset(off: i64, flags: u64) -> Result<Option<u64>, Errno> {
    if flags & !0x1f != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    match off {
        -1 => Ok(None),
        o if o < 0 => Err(Errno::EINVAL),
        o => Ok(Some(o as u64)),
    }
}

/// preadv(2), preadv2(2).
pub async fn preadv(call: &Call<'_>, fd: u64, iov: u64, cnt: u64, off: i64, flags: u64) -> SysResult {
    vectored(call, fd, iov, cnt, vector_offset(off, flags)?, false).await
}

/// pwritev(2), pwritev2(2).
pub async fn pwritev(call: &Call<'_>, fd: u64, iov: u64, cnt: u64, off: i64, flags: u64) -> SysResult {
    vectored(call, fd, iov, cnt, vector_offset(off, flags)?, true).await
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
        let n = match read_file(call, input, &mut buf[..want], in_off).await {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if n == 0 {
            break;
        }
        let w = match write_file(call, output, &buf[..n], out_off).await {
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
        let o = uaccess::read_u64(&mm, p)? as i64;
        if o < 0 {
            return Err(Errno::EINVAL);
        }
        Ok(Some(o as u64))
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
    if same && si < so + len && so < si + len {
        return Err(Errno::EINVAL);
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

/// fallocate(2) on tmpfs files (the filesystem validates the mode).
pub fn fallocate(call: &Call<'_>, fd: u64, mode: u32, off: i64, len: i64) -> SysResult {
    if off < 0 || len <= 0 {
        return Err(Errno::EINVAL);
    }
    let file = call.thread.process.files().lock().get(fd)?;
    if !file.writable() {
        return Err(Errno::EBADF);
    }
    match &file.kind {
        FileKind::Inode(f) => {
            f.loc.inode.fallocate(mode, off as u64, len as u64)?;
            crate::fsnotify::file_event(&file, crate::fsnotify::IN_MODIFY);
            Ok(0)
        }
        FileKind::Pipe(_) => Err(Errno::ESPIPE),
        _ => Err(Errno::ENODEV),
    }
}
