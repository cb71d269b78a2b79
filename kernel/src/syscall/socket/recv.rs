//! recvfrom(2), recvmsg(2), recvmmsg(2).
//!
//! As Linux's ____sys_recvmsg: MSG_DONTWAIT makes one call non-blocking,
//! MSG_PEEK leaves the data queued, MSG_TRUNC returns a datagram's full
//! length, MSG_WAITALL keeps a stream read waiting until the buffer is
//! full (or end of file, an error, a signal or SO_RCVTIMEO end it: the
//! bytes already read are returned). msg_namelen becomes the sender's
//! address length (0 for an unnamed sender), msg_controllen what the
//! control messages took, msg_flags MSG_TRUNC/MSG_CTRUNC (and
//! MSG_CMSG_CLOEXEC if asked). The receive buffer is sized to what is
//! queued, so a small message costs no large allocation (MSG_WAITALL
//! waits for at most 1 MiB, where Linux waits for the whole request). recvmmsg
//! receives up to 1024 messages: after the first, MSG_WAITFORONE makes
//! it stop waiting, and its time-out is checked after each message.

use alloc::vec::Vec;

use super::super::io::{iovecs, scatter};
use super::super::Call;
use super::{mm, sf, socket, write_addr};
use crate::abi::{MMsgHdr, MsgHdr, Timespec};
use crate::errno::{Errno, SysResult};
use crate::file::io::Io;
use crate::file::socket::{RecvArgs, MSG_CMSG_CLOEXEC, MSG_DONTWAIT, MSG_OOB, MSG_PEEK, MSG_WAITALL};
use crate::file::File;
use crate::uaccess::{self, UserPtr};

const MAX_RW: u64 = 0x7fff_f000;
const SMALL: usize = 256;
const UIO_MAXIOV: u64 = 1024;
const MSG_WAITFORONE: u32 = 0x10000;
/// A MSG_WAITALL read waits for at most this much (Linux waits for the
/// whole request; beyond 1 MiB this returns the first MiB).
const WAITALL_MAX: usize = 1 << 20;

/// One receive into `segs`: (bytes, the family's out-arguments).
async fn recv_segs(call: &Call<'_>, file: &File, segs: &[(u64, u64)], mut args: RecvArgs, nowait: bool) -> Result<(u64, RecvArgs), Errno> {
    if args.flags & MSG_OOB != 0 {
        return Err(Errno::EINVAL);
    }
    let s = sf(file);
    let total = segs.iter().map(|s| s.1).sum::<u64>().min(MAX_RW) as usize;
    let waitall = args.flags & MSG_WAITALL != 0 && s.sock.is_stream() && args.flags & MSG_PEEK == 0;
    let mut io = Io::new(call.thread, file, None, args.flags & MSG_DONTWAIT != 0 || nowait, false);
    let t = call.thread;
    let mut small = [0u8; SMALL];
    let mut big: Vec<u8> = Vec::new();
    let mut in_big = false;
    let r = file
        .transfer(&mut io, false, |_, io| {
            // Size the buffer to what is queued (everything, to wait for
            // all of it).
            let need = if waitall { total.min(WAITALL_MAX) } else { total.min(s.sock.recv_hint().max(1)) };
            let buf: &mut [u8] = if need <= SMALL && !waitall {
                in_big = false;
                &mut small[..need]
            } else {
                if big.len() < need {
                    big.resize(need, 0);
                }
                in_big = true;
                &mut big[..need]
            };
            if !waitall {
                return s.sock.recv(t, buf, &mut args);
            }
            loop {
                match s.sock.recv(t, &mut buf[io.done..], &mut args) {
                    Ok(0) => return Ok(io.done),
                    Ok(n) => {
                        io.done += n;
                        if io.done >= need {
                            return Ok(io.done);
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
        })
        .await;
    let n = r?;
    let data: &[u8] = if in_big { &big } else { &small };
    let copy = n.min(total).min(data.len());
    if copy > 0 {
        scatter(&*mm(call)?, segs, 0, &data[..copy])?;
    }
    Ok((n as u64, args))
}

pub async fn recvfrom(call: &Call<'_>, fd: u64, buf: u64, len: u64, flags: u32, addr: u64, addrlen: u64) -> SysResult {
    let file = socket(call, fd)?;
    let len = len.min(MAX_RW);
    if !platform::user::copy::is_user_range(buf, len as usize) {
        return Err(Errno::EFAULT);
    }
    let args = RecvArgs { flags, want_name: addr != 0, ..RecvArgs::default() };
    let (n, args) = recv_segs(call, &file, &[(buf, len)], args, false).await?;
    if addr != 0 {
        write_addr(call, addr, addrlen, &args.name)?;
    }
    Ok(n)
}

/// One recvmsg into the msghdr at `at`.
async fn recv_one(call: &Call<'_>, file: &File, at: u64, flags: u32, nowait: bool) -> SysResult {
    let h = UserPtr::<MsgHdr>::new(at).read(&*mm(call)?)?;
    if h.msg_iovlen > UIO_MAXIOV {
        return Err(Errno::EMSGSIZE);
    }
    let segs = iovecs(call, h.msg_iov, h.msg_iovlen)?;
    let room = if h.msg_control == 0 { 0 } else { h.msg_controllen.min(i32::MAX as u64) as usize };
    let args = RecvArgs { flags, want_name: h.msg_name != 0, control_room: room, msg_flags: flags & MSG_CMSG_CLOEXEC, ..RecvArgs::default() };
    let (n, args) = recv_segs(call, file, &segs, args, nowait).await?;
    let mm = mm(call)?;
    let mut out = h;
    if h.msg_name != 0 {
        let len = (h.msg_namelen as i32).clamp(0, 128) as usize;
        let c = len.min(args.name.len());
        if c > 0 {
            uaccess::write_bytes(&mm, h.msg_name, &args.name[..c])?;
        }
        out.msg_namelen = args.name.len() as u32;
    }
    if !args.control.is_empty() {
        uaccess::write_bytes(&mm, h.msg_control, &args.control)?;
    }
    out.msg_controllen = args.control.len() as u64;
    out.msg_flags = args.msg_flags;
    UserPtr::<MsgHdr>::new(at).write(&mm, &out)?;
    Ok(n)
}

pub async fn recvmsg(call: &Call<'_>, fd: u64, msg: u64, flags: u32) -> SysResult {
    let file = socket(call, fd)?;
    recv_one(call, &file, msg, flags, false).await
}

pub async fn recvmmsg(call: &Call<'_>, fd: u64, vec: u64, vlen: u32, flags: u32, timeout: UserPtr<Timespec>) -> SysResult {
    let file = socket(call, fd)?;
    let deadline = if timeout.is_null() {
        None
    } else {
        let ts = timeout.read(&*mm(call)?)?;
        if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
            return Err(Errno::EINVAL);
        }
        Some(platform::time::now_ns().saturating_add(ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64))
    };
    let vlen = vlen.min(UIO_MAXIOV as u32) as u64;
    let mut got = 0u64;
    while got < vlen {
        let base = vec + got * core::mem::size_of::<MMsgHdr>() as u64;
        let nowait = got > 0 && flags & MSG_WAITFORONE != 0;
        match recv_one(call, &file, base, flags & !MSG_WAITFORONE, nowait).await {
            Ok(n) => {
                let at = base + core::mem::size_of::<MsgHdr>() as u64;
                uaccess::write_u32(&*mm(call)?, at, n as u32)?;
                got += 1;
            }
            Err(e) if got == 0 => return Err(e),
            Err(_) => break,
        }
        if deadline.is_some_and(|d| platform::time::now_ns() >= d) {
            break;
        }
    }
    Ok(got)
}
