//! Sockets: the protocol state of AF_UNIX stream, datagram and seqpacket
//! sockets (DESIGN.md §6), host-tested.
//!
//! This crate owns what a socket *is* — its queues, its connection, its
//! names, its readiness — and nothing about processes or files: the kernel
//! (`kernel/src/net/`) turns system calls into calls on these objects,
//! supplies credentials ([`Cred`]), resolves filesystem names through the
//! VFS, carries descriptors as opaque [`unix::Attachment`]s, and waits on
//! each socket's wait queue. No call here waits: one that would answers
//! [`Errno::EAGAIN`] after arranging to wake the socket's queue when it may
//! go on, and the kernel's generic wait loop asks again.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod bpf;
pub mod inet;
pub mod netlink;
pub mod poll;
pub mod sockbuf;
pub mod unix;

/// A Linux error number (the kernel converts it to its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

#[allow(missing_docs)]
impl Errno {
    pub const EPERM: Errno = Errno(1);
    pub const EBADF: Errno = Errno(9);
    pub const EDESTADDRREQ: Errno = Errno(89);
    pub const ENOPROTOOPT: Errno = Errno(92);
    pub const EAFNOSUPPORT: Errno = Errno(97);
    pub const EADDRNOTAVAIL: Errno = Errno(99);
    pub const ENETUNREACH: Errno = Errno(101);
    pub const ECONNABORTED: Errno = Errno(103);
    pub const EALREADY: Errno = Errno(114);
    pub const EINPROGRESS: Errno = Errno(115);
    pub const ENOENT: Errno = Errno(2);
    pub const EAGAIN: Errno = Errno(11);
    pub const ENOMEM: Errno = Errno(12);
    pub const EINVAL: Errno = Errno(22);
    pub const EPIPE: Errno = Errno(32);
    pub const EPROTOTYPE: Errno = Errno(91);
    pub const EOPNOTSUPP: Errno = Errno(95);
    pub const EADDRINUSE: Errno = Errno(98);
    pub const ENOBUFS: Errno = Errno(105);
    pub const EISCONN: Errno = Errno(106);
    pub const ENOTCONN: Errno = Errno(107);
    pub const ECONNREFUSED: Errno = Errno(111);
    pub const ECONNRESET: Errno = Errno(104);
    pub const EMSGSIZE: Errno = Errno(90);
}

/// Who sent a message, or who is at the other end of a connection
/// (Linux's `struct ucred`: a process id and user and group ids).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Cred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

impl Cred {
    /// What Linux reports for a message that carries no credentials
    /// (no pid, the overflow ids).
    pub const NONE: Cred = Cred { pid: 0, uid: 65534, gid: 65534 };
}
