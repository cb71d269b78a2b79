//! The socket calls (socket(2) and its family), one file per group:
//! creating ([`create`]: socket, socketpair), names and connections
//! ([`conn`]: bind, listen, connect, accept, accept4, getsockname,
//! getpeername, shutdown), sending ([`send`]: sendto, sendmsg, sendmmsg),
//! receiving ([`recv`]: recvfrom, recvmsg, recvmmsg) and options
//! ([`sockopt`]). They decode the caller's arguments as Linux's
//! net/socket.c does and call the socket's family
//! ([`crate::file::socket::Socket`]); a call that has to wait (accept,
//! connect to a full backlog, send, receive) waits on the socket's queue,
//! bounded by SO_RCVTIMEO/SO_SNDTIMEO (EAGAIN; EINTR on a signal, not
//! restarted), else restarted under SA_RESTART as the table's `sys` rows
//! say.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::Call;
use crate::errno::Errno;
use crate::file::io::{wait, wait_limited};
use crate::file::socket::SocketFile;
use crate::file::File;
use crate::proc::Thread;
use crate::uaccess;

pub mod conn;
pub mod create;
pub mod recv;
pub mod send;
pub mod sockopt;

/// `sizeof(struct sockaddr_storage)`.
const SOCKADDR_MAX: u32 = 128;

/// The socket open at `fd`.
fn socket(call: &Call<'_>, fd: u64) -> Result<Arc<File>, Errno> {
    SocketFile::of(call.thread, fd)
}

fn sf(file: &File) -> &SocketFile {
    file.downcast::<SocketFile>().expect("checked by socket()")
}

fn mm(call: &Call<'_>) -> Result<Arc<crate::mm::Mm>, Errno> {
    call.thread.process.mm().ok_or(Errno::EFAULT)
}

/// An address the caller passes (move_addr_to_kernel): EINVAL past
/// `sockaddr_storage`.
fn read_addr(call: &Call<'_>, addr: u64, len: u32) -> Result<Vec<u8>, Errno> {
    if len as i32 > SOCKADDR_MAX as i32 || (len as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let mut v = alloc::vec![0u8; len as usize];
    if len > 0 {
        uaccess::read_bytes(&*mm(call)?, addr, &mut v)?;
    }
    Ok(v)
}

/// An address the kernel gives back (move_addr_to_user): the caller's
/// `*len` bounds the copy, and `*len` becomes the address's full length.
fn write_addr(call: &Call<'_>, addr: u64, len_ptr: u64, bytes: &[u8]) -> Result<(), Errno> {
    if addr == 0 {
        return Ok(());
    }
    let mm = mm(call)?;
    let len = uaccess::read_u32(&mm, len_ptr)? as i32;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let n = (len as usize).min(bytes.len());
    if n > 0 {
        uaccess::write_bytes(&mm, addr, &bytes[..n])?;
    }
    uaccess::write_u32(&mm, len_ptr, bytes.len() as u32)
}

/// Runs `op` until it stops answering EAGAIN, waiting on the socket's
/// queue in between unless `nonblock`; `write` picks SO_SNDTIMEO over
/// SO_RCVTIMEO.
async fn wait_op<T>(t: &Arc<Thread>, s: &SocketFile, nonblock: bool, write: bool, mut op: impl FnMut() -> Result<T, Errno>) -> Result<T, Errno> {
    match op() {
        Err(Errno::EAGAIN) if !nonblock => {}
        r => return r,
    }
    let fut = s.sock.events().wait_for(|| match op() {
        Err(Errno::EAGAIN) => None,
        r => Some(r),
    });
    let limit = crate::file::FileOps::io_timeout(s, write);
    match limit {
        None => wait(t, fut).await?,
        Some(ns) => wait_limited(t, ns, fut).await?,
    }
}

fn nonblocking(file: &File) -> bool {
    file.status() & crate::file::O_NONBLOCK != 0
}
