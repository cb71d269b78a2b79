//! sendfile(2) and copy_file_range(2): a copy between two open files
//! through a kernel buffer, each side read and written as read(2) and
//! write(2) would (sendfile takes any readable input but a pipe, and any
//! writable output, a pipe included;
//! copy_file_range regular files only, with Linux's order of checks).

use alloc::vec;

use super::super::Call;
use super::mm;
use super::readwrite::{CHUNK, MAX_RW};
use crate::errno::{Errno, SysResult};
use crate::file::io::Io;
use crate::file::{File, O_APPEND};
use crate::uaccess;

/// Copies up to `count` bytes from `input` (at `in_off`, or its position)
/// to `output` (at `out_off`, or its position), in chunks; returns the
/// bytes copied.
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
        let n = match input.read_once(&mut Io::new(call.thread, input, in_off, false, false), &mut buf[..want]).await {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if n == 0 {
            break;
        }
        let w = match output.write_once(&mut Io::new(call.thread, output, out_off, false, false), &buf[..n]).await {
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
    // A pipe cannot be read by sendfile (pipes have no splice_read on
    // Linux): ESPIPE with an offset, EINVAL without.
    if input.downcast::<crate::file::pipe::PipeEnd>().is_some() {
        return Err(if offset != 0 { Errno::ESPIPE } else { Errno::EINVAL });
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
    let (Some(a), Some(b)) = (input.inode_file(), output.inode_file()) else { return Err(Errno::EINVAL) };
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
