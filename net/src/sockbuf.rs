//! SO_SNDBUF, SO_RCVBUF and their FORCE variants (socket(7)) as Linux's
//! sk_setsockopt stores them, for every family: the value is capped at
//! net.core.wmem_max / rmem_max (the FORCE variants need CAP_NET_ADMIN
//! and pass the cap; a negative value is 0 for them, and capped like a
//! huge one otherwise, being taken as unsigned), kept below INT_MAX / 2,
//! doubled (the kernel's bookkeeping overhead), and raised to
//! SOCK_MIN_SNDBUF / SOCK_MIN_RCVBUF. Aramid's sysctls are Linux's
//! defaults.

use crate::Errno;

pub const SO_SNDBUF: i32 = 7;
pub const SO_RCVBUF: i32 = 8;
pub const SO_SNDBUFFORCE: i32 = 32;
pub const SO_RCVBUFFORCE: i32 = 33;

/// net.core.wmem_max, rmem_max, wmem_default, rmem_default.
pub const WMEM_MAX: u32 = 212_992;
pub const RMEM_MAX: u32 = 212_992;
pub const WMEM_DEFAULT: usize = 212_992;
pub const RMEM_DEFAULT: usize = 212_992;
/// Linux's SOCK_MIN_SNDBUF and SOCK_MIN_RCVBUF (two and one minimal TCP
/// skb truesizes).
pub const SOCK_MIN_SNDBUF: usize = 4608;
pub const SOCK_MIN_RCVBUF: usize = 2304;

/// Which buffer an option sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Buf {
    Snd,
    Rcv,
}

/// Whether `name` (at SOL_SOCKET) is one of the four buffer options.
pub fn is_buf_opt(name: i32) -> bool {
    matches!(name, SO_SNDBUF | SO_RCVBUF | SO_SNDBUFFORCE | SO_RCVBUFFORCE)
}

/// The buffer option `name` set to `val`: which buffer, and the value
/// Linux stores (and getsockopt reads back). EPERM for a FORCE variant
/// without CAP_NET_ADMIN; ENOPROTOOPT if `name` is no buffer option.
pub fn stored(name: i32, val: i32, cap_net_admin: bool) -> Result<(Buf, usize), Errno> {
    let (buf, force) = match name {
        SO_SNDBUF => (Buf::Snd, false),
        SO_RCVBUF => (Buf::Rcv, false),
        SO_SNDBUFFORCE => (Buf::Snd, true),
        SO_RCVBUFFORCE => (Buf::Rcv, true),
        _ => return Err(Errno::ENOPROTOOPT),
    };
    if force && !cap_net_admin {
        return Err(Errno::EPERM);
    }
    let max = if buf == Buf::Snd { WMEM_MAX } else { RMEM_MAX };
    let v = if force { val.max(0) as u32 } else { (val as u32).min(max) };
    let v = v.min(i32::MAX as u32 / 2) as usize;
    let min = if buf == Buf::Snd { SOCK_MIN_SNDBUF } else { SOCK_MIN_RCVBUF };
    Ok((buf, (v * 2).max(min)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_as_linux_stores_them() {
        assert_eq!(stored(SO_SNDBUF, 50_000, false), Ok((Buf::Snd, 100_000)));
        assert_eq!(stored(SO_RCVBUF, 0, false), Ok((Buf::Rcv, SOCK_MIN_RCVBUF)));
        assert_eq!(stored(SO_SNDBUF, 1, false), Ok((Buf::Snd, SOCK_MIN_SNDBUF)));
        assert_eq!(stored(SO_RCVBUF, 1 << 30, false), Ok((Buf::Rcv, 2 * RMEM_MAX as usize)));
        // Taken as unsigned: a negative value is a huge one.
        assert_eq!(stored(SO_SNDBUF, -1, false), Ok((Buf::Snd, 2 * WMEM_MAX as usize)));
        assert_eq!(stored(SO_RCVBUFFORCE, 1 << 30, false), Err(Errno::EPERM));
        assert_eq!(stored(SO_RCVBUFFORCE, 1 << 29, true), Ok((Buf::Rcv, 1 << 30)));
        assert_eq!(stored(SO_SNDBUFFORCE, -5, true), Ok((Buf::Snd, SOCK_MIN_SNDBUF)));
        assert_eq!(stored(SO_SNDBUFFORCE, i32::MAX, true), Ok((Buf::Snd, (i32::MAX as usize / 2) * 2)));
        assert_eq!(stored(3, 1, true), Err(Errno::ENOPROTOOPT));
    }
}
