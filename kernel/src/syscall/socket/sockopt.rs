//! setsockopt(2), getsockopt(2).
//!
//! The socket-level options every socket has are here, as Linux's
//! sock_setsockopt/sk_getsockopt: SO_RCVTIMEO and SO_SNDTIMEO (a struct
//! timeval: EINVAL if shorter, EDOM for microseconds outside a second;
//! zero is no limit), SO_TYPE, SO_DOMAIN, SO_PROTOCOL (read-only:
//! ENOPROTOOPT to set), SO_LINGER (a struct linger: EINVAL if shorter;
//! kept here and also offered to the family, which may act on it: TCP's
//! close resets with a zero time; l_onoff reads back as 0 or 1 and the
//! time stays when it is turned off, as Linux's sk_lingertime). The rest
//! goes to the socket's family. A negative
//! optlen is EINVAL; an int option needs at least an int; a value read
//! back is cut to the caller's optlen, which becomes its length.

use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use super::super::Call;
use super::{mm, sf, socket};
use crate::errno::{Errno, SysResult};
use crate::file::socket::cmsg::SOL_SOCKET;
use crate::file::socket::SocketFile;
use crate::uaccess;

const SO_TYPE: i32 = 3;
const SO_LINGER: i32 = 13;
const SO_RCVTIMEO: i32 = 20;
const SO_SNDTIMEO: i32 = 21;
const SO_PROTOCOL: i32 = 38;
const SO_DOMAIN: i32 = 39;

fn timeo(s: &SocketFile, name: i32) -> &core::sync::atomic::AtomicU64 {
    if name == SO_RCVTIMEO {
        &s.rcvtimeo
    } else {
        &s.sndtimeo
    }
}

pub fn setsockopt(call: &Call<'_>, fd: u64, level: i32, name: i32, val: u64, len: u32) -> SysResult {
    let file = socket(call, fd)?;
    let s = sf(&file);
    if (len as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let mut v = alloc::vec![0u8; (len as usize).min(256)];
    if !v.is_empty() {
        uaccess::read_bytes(&*mm(call)?, val, &mut v)?;
    }
    if level == SOL_SOCKET {
        match name {
            SO_RCVTIMEO | SO_SNDTIMEO => {
                if v.len() < 16 {
                    return Err(Errno::EINVAL);
                }
                let sec = i64::from_ne_bytes(v[..8].try_into().unwrap_or([0; 8]));
                let usec = i64::from_ne_bytes(v[8..16].try_into().unwrap_or([0; 8]));
                if !(0..1_000_000).contains(&usec) {
                    return Err(Errno::EDOM);
                }
                // A negative time is "do not wait" (Linux stores 0 jiffies).
                let ns = if sec < 0 { 1 } else { (sec as u64).saturating_mul(1_000_000_000).saturating_add(usec as u64 * 1000) };
                timeo(s, name).store(ns, Ordering::Relaxed);
                return Ok(0);
            }
            SO_LINGER => {
                if v.len() < 8 {
                    return Err(Errno::EINVAL);
                }
                let on = i32::from_ne_bytes([v[0], v[1], v[2], v[3]]) != 0;
                let secs = u32::from_ne_bytes([v[4], v[5], v[6], v[7]]);
                let old = s.linger.load(Ordering::Relaxed);
                // Turning it off keeps the time (Linux only clears SOCK_LINGER).
                let new = if on { 1 << 32 | u64::from(secs) } else { old & 0xffff_ffff };
                s.linger.store(new, Ordering::Relaxed);
                return match s.sock.setsockopt(call.thread, level, name, &v[..8]) {
                    Ok(()) | Err(Errno::ENOPROTOOPT) => Ok(0),
                    Err(e) => Err(e),
                };
            }
            SO_TYPE | SO_PROTOCOL | SO_DOMAIN => return Err(Errno::ENOPROTOOPT),
            _ => {
                if v.len() < 4 {
                    return Err(Errno::EINVAL);
                }
            }
        }
    }
    s.sock.setsockopt(call.thread, level, name, &v)?;
    Ok(0)
}

fn int(v: i32) -> Vec<u8> {
    v.to_ne_bytes().to_vec()
}

pub fn getsockopt(call: &Call<'_>, fd: u64, level: i32, name: i32, val: u64, len_ptr: u64) -> SysResult {
    let file = socket(call, fd)?;
    let s = sf(&file);
    let mm = mm(call)?;
    let len = uaccess::read_u32(&mm, len_ptr)? as i32;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let v = if level == SOL_SOCKET {
        match name {
            SO_TYPE => int(s.sock.sock_type()),
            SO_DOMAIN => int(s.sock.family()),
            SO_PROTOCOL => int(s.sock.protocol()),
            SO_LINGER => {
                let l = s.linger.load(Ordering::Relaxed);
                let mut b = Vec::with_capacity(8);
                b.extend_from_slice(&((l >> 32) as i32).to_ne_bytes());
                b.extend_from_slice(&(l as u32).to_ne_bytes());
                b
            }
            SO_RCVTIMEO | SO_SNDTIMEO => {
                let ns = timeo(s, name).load(Ordering::Relaxed);
                let ns = if ns == 1 { 0 } else { ns };
                let mut b = Vec::with_capacity(16);
                b.extend_from_slice(&((ns / 1_000_000_000) as i64).to_ne_bytes());
                b.extend_from_slice(&(((ns % 1_000_000_000) / 1000) as i64).to_ne_bytes());
                b
            }
            _ => s.sock.getsockopt(call.thread, level, name)?,
        }
    } else {
        s.sock.getsockopt(call.thread, level, name)?
    };
    let n = (len as usize).min(v.len());
    if n > 0 {
        uaccess::write_bytes(&mm, val, &v[..n])?;
    }
    uaccess::write_u32(&mm, len_ptr, n as u32)?;
    Ok(0)
}
