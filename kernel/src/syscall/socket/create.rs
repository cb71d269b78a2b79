//! socket(2), socketpair(2): a new socket (or a connected pair) as open
//! files, with SOCK_NONBLOCK and SOCK_CLOEXEC.
//!
//! As Linux's __sys_socket: flags other than those two are EINVAL, a
//! family past AF_MAX or without support EAFNOSUPPORT, a type past
//! SOCK_MAX EINVAL; the family then judges the type (ESOCKTNOSUPPORT) and
//! the protocol (EPROTONOSUPPORT). socketpair exists for AF_UNIX only.

use alloc::sync::Arc;

use super::super::Call;
use super::mm;
use crate::errno::{Errno, SysResult};
use crate::file::socket::{self, unix::UnixSock, Socket, SocketFile, AF_UNIX};
use crate::file::{File, O_CLOEXEC, O_NONBLOCK, O_RDWR};
use crate::uaccess::UserPtr;

const SOCK_TYPE_MASK: i32 = 0xf;
const SOCK_MAX: i32 = 11;
const AF_MAX: i32 = 46;

/// Splits socket's `type` argument: (type, O_NONBLOCK, cloexec).
fn split_type(ty: i32, family: i32) -> Result<(i32, u32, bool), Errno> {
    let flags = (ty & !SOCK_TYPE_MASK) as u32;
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    if !(0..AF_MAX).contains(&family) {
        return Err(Errno::EAFNOSUPPORT);
    }
    let ty = ty & SOCK_TYPE_MASK;
    if ty >= SOCK_MAX {
        return Err(Errno::EINVAL);
    }
    Ok((ty, flags & O_NONBLOCK, flags & O_CLOEXEC != 0))
}

fn file_of(s: alloc::boxed::Box<dyn Socket>, nonblock: u32) -> Arc<File> {
    Arc::new(File::new(SocketFile::new(s), O_RDWR | nonblock))
}

pub fn socket(call: &Call<'_>, family: i32, ty: i32, protocol: i32) -> SysResult {
    let (ty, nonblock, cloexec) = split_type(ty, family)?;
    let s = socket::create(family, ty, protocol)?;
    call.install(file_of(s, nonblock), cloexec)
}

pub fn socketpair(call: &Call<'_>, family: i32, ty: i32, protocol: i32, sv: u64) -> SysResult {
    let (ty, nonblock, cloexec) = split_type(ty, family)?;
    if family != AF_UNIX {
        return Err(Errno::EAFNOSUPPORT);
    }
    let [a, b] = UnixSock::pair(call.thread, ty, protocol)?;
    let fa = call.install(file_of(a, nonblock), cloexec)?;
    let fb = match call.install(file_of(b, nonblock), cloexec) {
        Ok(f) => f,
        Err(e) => {
            let _ = call.thread.process.files().lock().close(fa);
            return Err(e);
        }
    };
    if let Err(e) = UserPtr::<[i32; 2]>::new(sv).write(&*mm(call)?, &[fa as i32, fb as i32]) {
        let files = call.thread.process.files();
        let mut t = files.lock();
        let _ = t.close(fa);
        let _ = t.close(fb);
        return Err(e);
    }
    Ok(0)
}
