//! splice(2), tee(2) and vmsplice(2): data moved between a pipe and
//! another file, between two pipes, or between a pipe and user memory.
//!
//! As Linux's `fs/splice.c` (do_splice, do_tee, vmsplice): zero `len` is
//! 0 before anything is checked (tee checks its flags first); unknown
//! flags are EINVAL; an offset for a pipe side is ESPIPE, an offset for a
//! side that has no positions (a socket) EINVAL, a negative one EINVAL; a
//! side opened without the needed access mode is EBADF; no pipe on either
//! side, the same pipe on both, or an O_APPEND output is EINVAL. The
//! waits are Linux's: for data in an input pipe (none while it is empty
//! with no writer: 0), for room in an output pipe (none without a reader:
//! EPIPE and SIGPIPE); SPLICE_F_NONBLOCK, or O_NONBLOCK on a pipe taking
//! part, makes them EAGAIN. SPLICE_F_MORE and SPLICE_F_MOVE are hints and
//! SPLICE_F_GIFT has no effect, as on Linux for these files.
//!
//! What is copied: between pipes and by tee nothing (pages are moved or
//! shared, [`crate::file::pipe::splice`]). A file's bytes are copied into
//! pipe pages and a pipe's bytes into a file or socket, since files and
//! sockets here keep their own storage, not page-cache pages a pipe could
//! point at; vmsplice copies user pages (Linux pins them instead, so
//! unlike Linux a later change to the user memory is not seen through the
//! pipe). A splice to a file or socket writes the bytes at the front of
//! the ring and then consumes what was written; a concurrent reader of
//! the same pipe may see them too (Linux holds the pipe's mutex instead).

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::super::Call;
use super::mm;
use super::readwrite::{iovecs, MAX_RW};
use crate::errno::{Errno, SysResult};
use crate::file::io::{self, Io};
use crate::file::pipe::{Pipe, PipeEnd};
use crate::file::{File, O_APPEND, O_NONBLOCK};
use crate::proc::Thread;
use crate::uaccess;

const SPLICE_F_NONBLOCK: u32 = 2;
const SPLICE_F_ALL: u32 = 0xf;
const PAGE: usize = 4096;

fn pipe_of(file: &File) -> Option<Arc<Pipe>> {
    file.downcast::<PipeEnd>().map(|e| e.pipe.clone())
}

fn sigpipe(t: &Arc<Thread>) {
    crate::signal::send_thread(t, crate::signal::SigInfo::user(crate::signal::SIGPIPE, 0, t.process.pid), true);
}

/// Waits for a buffer in `pipe` (splice_from_pipe_next, ipipe_prep):
/// false when it is empty with no writer left.
async fn wait_data(t: &Arc<Thread>, pipe: &Pipe, nonblock: bool) -> Result<bool, Errno> {
    let ready = || {
        if pipe.has_data() {
            Some(true)
        } else if pipe.writers() == 0 {
            Some(false)
        } else {
            None
        }
    };
    if let Some(r) = ready() {
        return Ok(r);
    }
    if nonblock {
        return Err(Errno::EAGAIN);
    }
    io::wait(t, pipe.events.wait_for(ready)).await
}

/// Waits for a free buffer in `pipe`: wait_for_space (`readers_first`,
/// no reader is EPIPE even with room) or opipe_prep (only a full pipe
/// with no reader is).
async fn wait_space(t: &Arc<Thread>, pipe: &Pipe, nonblock: bool, readers_first: bool) -> Result<(), Errno> {
    let ready = || {
        if pipe.readers() == 0 && (readers_first || !pipe.has_room()) {
            Some(Err(Errno::EPIPE))
        } else if pipe.has_room() {
            Some(Ok(()))
        } else {
            None
        }
    };
    let r = match ready() {
        Some(r) => r,
        None if nonblock => Err(Errno::EAGAIN),
        None => io::wait(t, pipe.events.wait_for(ready)).await?,
    };
    if r == Err(Errno::EPIPE) {
        sigpipe(t);
    }
    r
}

/// Reads a user offset (loff_t): negative is EINVAL.
fn read_off(call: &Call<'_>, p: u64) -> Result<Option<u64>, Errno> {
    if p == 0 {
        return Ok(None);
    }
    let o = uaccess::read_u64(&*mm(call)?, p)?;
    Ok(Some(o))
}

fn check_off(file: &File, off: Option<u64>) -> Result<(), Errno> {
    match off {
        Some(_) if !file.ops().positional() => Err(Errno::EINVAL),
        Some(o) if (o as i64) < 0 => Err(Errno::EINVAL),
        _ => Ok(()),
    }
}

/// splice(2).
pub async fn splice(call: &Call<'_>, fd_in: u64, off_in: u64, fd_out: u64, off_out: u64, len: u64, flags: u32) -> SysResult {
    if len == 0 {
        return Ok(0);
    }
    if flags & !SPLICE_F_ALL != 0 {
        return Err(Errno::EINVAL);
    }
    let (input, output) = {
        let files = call.thread.process.files();
        let t = files.lock();
        (t.get(fd_in)?, t.get(fd_out)?)
    };
    let (ipipe, opipe) = (pipe_of(&input), pipe_of(&output));
    if (ipipe.is_some() && off_in != 0) || (opipe.is_some() && off_out != 0) {
        return Err(Errno::ESPIPE);
    }
    let out_off = read_off(call, off_out)?;
    let in_off = read_off(call, off_in)?;
    if !input.readable() || !output.writable() {
        return Err(Errno::EBADF);
    }
    let len = len.min(MAX_RW) as usize;
    let mut nonblock = flags & SPLICE_F_NONBLOCK != 0;
    let t = call.thread;
    let n = match (ipipe, opipe) {
        (Some(i), Some(o)) => {
            if Arc::ptr_eq(&i, &o) {
                return Err(Errno::EINVAL);
            }
            nonblock |= (input.status() | output.status()) & O_NONBLOCK != 0;
            pipe_to_pipe(t, &i, &o, len, nonblock).await?
        }
        (Some(i), None) => {
            check_off(&output, out_off)?;
            if output.status() & O_APPEND != 0 {
                return Err(Errno::EINVAL);
            }
            nonblock |= input.status() & O_NONBLOCK != 0;
            pipe_to_file(t, &i, &output, out_off, len, nonblock).await?
        }
        (None, Some(o)) => {
            check_off(&input, in_off)?;
            nonblock |= output.status() & O_NONBLOCK != 0;
            file_to_pipe(t, &input, &o, in_off, len, nonblock).await?
        }
        (None, None) => return Err(Errno::EINVAL),
    };
    let mm = mm(call)?;
    if let Some(o) = out_off {
        uaccess::write_u64(&mm, off_out, o + n as u64)?;
    }
    if let Some(o) = in_off {
        uaccess::write_u64(&mm, off_in, o + n as u64)?;
    }
    Ok(n as u64)
}

/// Between two pipes: waits for input, then for room, then moves buffers;
/// retries if another reader or writer took them meanwhile.
async fn pipe_to_pipe(t: &Arc<Thread>, i: &Pipe, o: &Pipe, len: usize, nonblock: bool) -> Result<usize, Errno> {
    loop {
        wait_data(t, i, nonblock).await?;
        wait_space(t, o, nonblock, false).await?;
        match i.move_to(o, len) {
            Some(Err(Errno::EPIPE)) => {
                sigpipe(t);
                return Err(Errno::EPIPE);
            }
            Some(r) => return r,
            None if nonblock => return Err(Errno::EAGAIN),
            None => {}
        }
    }
}

/// From a pipe to a file or socket: waits for data, writes what is queued
/// (up to `len`) as one write, then consumes what the file took.
pub(super) async fn pipe_to_file(t: &Arc<Thread>, pipe: &Pipe, output: &File, at: Option<u64>, len: usize, nonblock: bool) -> Result<usize, Errno> {
    if !wait_data(t, pipe, nonblock).await? {
        return Ok(0);
    }
    let data = pipe.peek(len);
    if data.is_empty() {
        return Ok(0);
    }
    let n = output.write_once(&mut Io::new(t, output, at, false, false), &data).await?;
    pipe.consume(n);
    Ok(n)
}

/// From a file or socket into a pipe: waits for room, then reads at most
/// what the free buffers hold and queues it a page piece per buffer (a
/// regular file's pieces end at its page boundaries, as page-cache pages
/// would).
pub(super) async fn file_to_pipe(t: &Arc<Thread>, input: &File, pipe: &Pipe, at: Option<u64>, len: usize, nonblock: bool) -> Result<usize, Errno> {
    wait_space(t, pipe, nonblock, true).await?;
    let want = len.min(pipe.free_slots().max(1) * PAGE);
    let positional = input.ops().positional();
    let start = match at {
        Some(o) => o,
        None if positional => *input.pos.lock(),
        None => 0,
    };
    let mut buf = alloc::vec![0u8; want];
    let n = match input.read_once(&mut Io::new(t, input, at, nonblock, false), &mut buf).await {
        Ok(n) => n,
        Err(Errno::EISDIR) => return Err(Errno::EINVAL),
        Err(e) => return Err(e),
    };
    buf.truncate(n);
    let mut pages = Vec::new();
    let mut rest = &buf[..];
    let mut pos = if positional { start as usize % PAGE } else { 0 };
    while !rest.is_empty() {
        let k = rest.len().min(PAGE - pos);
        pages.push(rest[..k].to_vec());
        rest = &rest[k..];
        pos = 0;
    }
    Ok(pipe.push_pages(pages))
}

/// tee(2).
pub async fn tee(call: &Call<'_>, fd_in: u64, fd_out: u64, len: u64, flags: u32) -> SysResult {
    if flags & !SPLICE_F_ALL != 0 {
        return Err(Errno::EINVAL);
    }
    if len == 0 {
        return Ok(0);
    }
    let (input, output) = {
        let files = call.thread.process.files();
        let t = files.lock();
        (t.get(fd_in)?, t.get(fd_out)?)
    };
    if !input.readable() || !output.writable() {
        return Err(Errno::EBADF);
    }
    let (Some(i), Some(o)) = (pipe_of(&input), pipe_of(&output)) else { return Err(Errno::EINVAL) };
    if Arc::ptr_eq(&i, &o) {
        return Err(Errno::EINVAL);
    }
    let nonblock = flags & SPLICE_F_NONBLOCK != 0 || (input.status() | output.status()) & O_NONBLOCK != 0;
    let t = call.thread;
    wait_data(t, &i, nonblock).await?;
    wait_space(t, &o, nonblock, false).await?;
    let r = i.link_to(&o, len.min(MAX_RW) as usize);
    if r == Err(Errno::EPIPE) {
        sigpipe(t);
    }
    r.map(|n| n as u64)
}

/// vmsplice(2): user memory into a pipe opened for writing, or out of one
/// opened only for reading.
pub async fn vmsplice(call: &Call<'_>, fd: u64, iov: u64, nr_segs: u64, flags: u32) -> SysResult {
    if flags & !SPLICE_F_ALL != 0 {
        return Err(Errno::EINVAL);
    }
    let file = call.thread.process.files().lock().get(fd)?;
    let to_pipe = if file.writable() {
        true
    } else if file.readable() {
        false
    } else {
        return Err(Errno::EBADF);
    };
    let segs = iovecs(call, iov, nr_segs)?;
    if segs.is_empty() {
        return Ok(0);
    }
    let pipe = pipe_of(&file).ok_or(Errno::EBADF)?;
    let nonblock = flags & SPLICE_F_NONBLOCK != 0;
    let t = call.thread;
    let mm = mm(call)?;
    if to_pipe {
        wait_space(t, &pipe, nonblock, true).await?;
        // A buffer per user page piece, as many as the ring has room for.
        let room = pipe.free_slots().max(1);
        let mut pages: Vec<Vec<u8>> = Vec::new();
        'segs: for &(base, len) in &segs {
            let mut at = 0;
            while at < len {
                if pages.len() == room {
                    break 'segs;
                }
                let addr = base.wrapping_add(at);
                let k = (len - at).min(PAGE as u64 - addr % PAGE as u64) as usize;
                let mut page = alloc::vec![0u8; k];
                if let Err(e) = uaccess::read_bytes(&mm, addr, &mut page) {
                    if pages.is_empty() {
                        return Err(e);
                    }
                    break 'segs;
                }
                pages.push(page);
                at += k as u64;
            }
        }
        Ok(pipe.push_pages(pages) as u64)
    } else {
        if !wait_data(t, &pipe, nonblock).await? {
            return Ok(0);
        }
        let total = segs.iter().map(|s| s.1).sum::<u64>().min(MAX_RW) as usize;
        let data = pipe.peek(total);
        super::readwrite::scatter(&mm, &segs, 0, &data)?;
        pipe.consume(data.len());
        Ok(data.len() as u64)
    }
}
