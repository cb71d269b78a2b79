//! sendto(2), sendmsg(2), sendmmsg(2).
//!
//! As Linux's ____sys_sendmsg: an iovec array of more than UIO_MAXIOV
//! segments is EMSGSIZE, control data past INT_MAX ENOBUFS; MSG_DONTWAIT
//! makes one call non-blocking; MSG_NOSIGNAL keeps SIGPIPE away from an
//! EPIPE. A byte stream is sent in pieces of at most 64 KiB, each moved
//! whole before the next (a signal or time-out after some bytes returns
//! them); a message is gathered whole and sent at once. sendmmsg sends up
//! to 1024 messages and returns how many went, the error only if none.

use alloc::vec::Vec;

use super::super::io::{gather, iovecs};
use super::super::Call;
use super::{mm, read_addr, sf, socket};
use crate::abi::{MMsgHdr, MsgHdr};
use crate::errno::{Errno, SysResult};
use crate::file::io::Io;
use crate::file::socket::{SendArgs, MSG_DONTWAIT, MSG_OOB};
use crate::file::File;
use crate::uaccess::{self, UserPtr};

const MAX_RW: u64 = 0x7fff_f000;
const CHUNK: usize = 64 * 1024;
const SMALL: usize = 256;
const UIO_MAXIOV: u64 = 1024;

/// One send of the bytes in `segs` with `args` on `file`.
async fn send_segs(call: &Call<'_>, file: &File, segs: &[(u64, u64)], mut args: SendArgs) -> SysResult {
    if args.flags & MSG_OOB != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let s = sf(file);
    let total = segs.iter().map(|s| s.1).sum::<u64>().min(MAX_RW) as usize;
    let stream = s.sock.is_stream();
    if s.sock.msg_limit().is_some_and(|max| total > max) {
        return Err(Errno::EMSGSIZE);
    }
    let mut io = Io::new(call.thread, file, None, args.flags & MSG_DONTWAIT != 0, false);
    let t = call.thread;
    let (mut small, mut big) = ([0u8; SMALL], Vec::new());
    let buf: &mut [u8] = if total <= SMALL {
        &mut small[..total]
    } else {
        big.resize(if stream { total.min(CHUNK) } else { total }, 0);
        &mut big
    };
    let mm = if total > 0 { Some(mm(call)?) } else { None };
    let mut done = 0;
    loop {
        let want = (total - done).min(buf.len());
        let n = match &mm {
            Some(mm) => match gather(mm, segs, done as u64, &mut buf[..want]) {
                Ok(n) => n,
                Err(e) => return if done > 0 { Ok(done as u64) } else { Err(e) },
            },
            None => 0,
        };
        let data = &buf[..n];
        match file.transfer(&mut io, true, |_, io| s.send(t, data, &mut io.done, &mut args)).await {
            Ok(w) => {
                done += w;
                if done >= total || w < n || !stream {
                    return Ok(done as u64);
                }
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => return Ok(done as u64),
        }
    }
}

pub async fn sendto(call: &Call<'_>, fd: u64, buf: u64, len: u64, flags: u32, addr: u64, addrlen: u32) -> SysResult {
    let file = socket(call, fd)?;
    let len = len.min(MAX_RW);
    if !platform::user::copy::is_user_range(buf, len as usize) {
        return Err(Errno::EFAULT);
    }
    let addr = if addr != 0 { Some(read_addr(call, addr, addrlen)?) } else { None };
    let args = SendArgs { addr, flags, ..SendArgs::default() };
    send_segs(call, &file, &[(buf, len)], args).await
}

/// One sendmsg of the msghdr `h`.
async fn send_one(call: &Call<'_>, file: &File, h: &MsgHdr, flags: u32) -> SysResult {
    if h.msg_iovlen > UIO_MAXIOV {
        return Err(Errno::EMSGSIZE);
    }
    if h.msg_controllen > i32::MAX as u64 {
        return Err(Errno::ENOBUFS);
    }
    let segs = iovecs(call, h.msg_iov, h.msg_iovlen)?;
    let addr = if h.msg_name != 0 && h.msg_namelen != 0 { Some(read_addr(call, h.msg_name, h.msg_namelen)?) } else { None };
    let mut control = Vec::new();
    if h.msg_controllen > 0 {
        if h.msg_controllen > 1 << 20 {
            return Err(Errno::ENOBUFS);
        }
        control.resize(h.msg_controllen as usize, 0);
        uaccess::read_bytes(&*mm(call)?, h.msg_control, &mut control)?;
    }
    send_segs(call, file, &segs, SendArgs { addr, control, flags, prepared: None }).await
}

pub async fn sendmsg(call: &Call<'_>, fd: u64, msg: UserPtr<MsgHdr>, flags: u32) -> SysResult {
    let file = socket(call, fd)?;
    let h = msg.read(&*mm(call)?)?;
    send_one(call, &file, &h, flags).await
}

pub async fn sendmmsg(call: &Call<'_>, fd: u64, vec: u64, vlen: u32, flags: u32) -> SysResult {
    let file = socket(call, fd)?;
    let vlen = vlen.min(UIO_MAXIOV as u32) as u64;
    let mut sent = 0u64;
    while sent < vlen {
        let base = vec + sent * core::mem::size_of::<MMsgHdr>() as u64;
        let p = UserPtr::<MMsgHdr>::new(base);
        let r = match p.read(&*mm(call)?) {
            Ok(m) => send_one(call, &file, &m.msg_hdr, flags).await,
            Err(e) => Err(e),
        };
        match r {
            Ok(n) => {
                let at = base + core::mem::size_of::<MsgHdr>() as u64;
                if let Err(e) = uaccess::write_u32(&*mm(call)?, at, n as u32) {
                    return if sent > 0 { Ok(sent) } else { Err(e) };
                }
                sent += 1;
            }
            Err(e) if sent == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(sent)
}
