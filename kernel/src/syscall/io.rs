//! read(2), write(2), readv(2), writev(2), close(2), ioctl(2), getrandom(2)
//! on the descriptors that exist so far (the console).

use alloc::vec;
use alloc::vec::Vec;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::{File, FileKind};
use crate::uaccess;

/// Linux caps a single read or write at this many bytes.
const MAX_RW: u64 = 0x7fff_f000;

fn mm(call: &Call<'_>) -> Result<alloc::sync::Arc<crate::mm::Mm>, Errno> {
    call.thread.process.mm().ok_or(Errno::EFAULT)
}

pub async fn read(call: &Call<'_>, fd: u64, buf: u64, count: u64) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    let count = count.min(MAX_RW) as usize;
    let mm = mm(call)?;
    if !platform::user::copy::is_user_range(buf, count) {
        return Err(Errno::EFAULT);
    }
    let mut data = vec![0u8; count.min(64 * 1024)];
    let n = match &file.kind {
        FileKind::Console(c) => c.read(&mut data).await?,
    };
    uaccess::write_bytes(&mm, buf, &data[..n])?;
    Ok(n as u64)
}

fn write_file(file: &File, data: &[u8]) -> Result<usize, Errno> {
    Ok(match &file.kind {
        FileKind::Console(c) => c.write(data),
    })
}

pub fn write(call: &Call<'_>, fd: u64, buf: u64, count: u64) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    let count = count.min(MAX_RW) as usize;
    let mm = mm(call)?;
    let mut done = 0;
    let mut chunk = vec![0u8; count.min(64 * 1024)];
    while done < count {
        let n = (count - done).min(chunk.len());
        if let Err(e) = uaccess::read_bytes(&mm, buf + done as u64, &mut chunk[..n]) {
            return if done > 0 { Ok(done as u64) } else { Err(e) };
        }
        done += write_file(&file, &chunk[..n])?;
    }
    Ok(done as u64)
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

pub fn writev(call: &Call<'_>, fd: u64, iov: u64, cnt: u64) -> SysResult {
    call.thread.process.files().lock().get(fd)?;
    let mut total = 0;
    for (base, len) in iovecs(call, iov, cnt)? {
        if len == 0 {
            continue;
        }
        match write(call, fd, base, len) {
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

pub async fn readv(call: &Call<'_>, fd: u64, iov: u64, cnt: u64) -> SysResult {
    call.thread.process.files().lock().get(fd)?;
    for (base, len) in iovecs(call, iov, cnt)? {
        if len > 0 {
            // One read fills the first non-empty buffer; like a tty read,
            // it returns what is available.
            return read(call, fd, base, len).await;
        }
    }
    Ok(0)
}

pub fn close(call: &Call<'_>, fd: u64) -> SysResult {
    call.thread.process.files().lock().close(fd)?;
    Ok(0)
}

const TCGETS: u64 = 0x5401;
const TIOCGWINSZ: u64 = 0x5413;

pub fn ioctl(call: &Call<'_>, fd: u64, request: u64, _arg: u64) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    match (&file.kind, request) {
        // The console has no termios until the tty issue: answer like a
        // non-terminal, which every program handles.
        (FileKind::Console(_), TCGETS | TIOCGWINSZ) => Err(Errno::ENOTTY),
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
