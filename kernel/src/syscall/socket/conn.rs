//! bind(2), listen(2), connect(2), accept(2), accept4(2),
//! getsockname(2), getpeername(2), shutdown(2).
//!
//! As Linux's net/socket.c around the family's calls: addresses are
//! copied in and out with move_addr_to_kernel/move_addr_to_user's rules;
//! connect waits (SO_SNDTIMEO) while the listener's backlog is full unless
//! the socket is non-blocking (EAGAIN), and for a TCP handshake to end
//! (EINPROGRESS when non-blocking); accept waits (SO_RCVTIMEO) for a
//! connection; accept4 takes SOCK_NONBLOCK and SOCK_CLOEXEC only (EINVAL)
//! and the new socket does not inherit O_NONBLOCK.

use alloc::sync::Arc;

use super::super::Call;
use super::{nonblocking, read_addr, sf, socket, wait_op, write_addr};
use crate::errno::{Errno, SysResult};
use crate::file::socket::SocketFile;
use crate::file::{File, O_CLOEXEC, O_NONBLOCK, O_RDWR};

pub fn bind(call: &Call<'_>, fd: u64, addr: u64, len: u32) -> SysResult {
    let file = socket(call, fd)?;
    let a = read_addr(call, addr, len)?;
    sf(&file).sock.bind(call.thread, &a)?;
    Ok(0)
}

pub fn listen(call: &Call<'_>, fd: u64, backlog: i32) -> SysResult {
    let file = socket(call, fd)?;
    sf(&file).sock.listen(call.thread, backlog)?;
    Ok(0)
}

pub async fn connect(call: &Call<'_>, fd: u64, addr: u64, len: u32) -> SysResult {
    let file = socket(call, fd)?;
    let a = read_addr(call, addr, len)?;
    let s = sf(&file);
    let t = call.thread;
    let nonblock = nonblocking(&file);
    match wait_op(t, s, nonblock, true, || s.sock.connect(t, &a)).await {
        // A connection under way (TCP): a blocking connect waits for its
        // outcome, a non-blocking one answers EINPROGRESS.
        Err(Errno::EINPROGRESS) if !nonblock => wait_op(t, s, false, true, || s.sock.connect_result()).await?,
        r => r?,
    }
    Ok(0)
}

pub async fn accept4(call: &Call<'_>, fd: u64, addr: u64, len_ptr: u64, flags: u32) -> SysResult {
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    let file = socket(call, fd)?;
    let s = sf(&file);
    let t = call.thread;
    let new = wait_op(t, s, nonblocking(&file), false, || s.sock.accept(t)).await?;
    let peer = new.peer_name().unwrap_or_default();
    let nf = Arc::new(File::new(SocketFile::new(new), O_RDWR | (flags & O_NONBLOCK)));
    write_addr(call, addr, len_ptr, &peer)?;
    call.install(nf, flags & O_CLOEXEC != 0)
}

pub fn getsockname(call: &Call<'_>, fd: u64, addr: u64, len_ptr: u64) -> SysResult {
    let file = socket(call, fd)?;
    let name = sf(&file).sock.local_name();
    write_addr(call, addr, len_ptr, &name)?;
    Ok(0)
}

pub fn getpeername(call: &Call<'_>, fd: u64, addr: u64, len_ptr: u64) -> SysResult {
    let file = socket(call, fd)?;
    let name = sf(&file).sock.peer_name()?;
    write_addr(call, addr, len_ptr, &name)?;
    Ok(0)
}

pub fn shutdown(call: &Call<'_>, fd: u64, how: i32) -> SysResult {
    let file = socket(call, fd)?;
    sf(&file).sock.shutdown(how)?;
    Ok(0)
}
