//! Sockets as open files (socket(7)): [`SocketFile`] is the file kind,
//! and [`Socket`] the per-family trait behind it. AF_UNIX is [`unix`] (its
//! protocol state is the `net` crate's), AF_NETLINK's uevent sockets
//! [`netlink`], AF_INET and AF_INET6 on loopback [`inet`]; a new family
//! implements [`Socket`] in its own module and
//! adds a row to [`create`].
//!
//! The split mirrors Linux's `struct socket` (what every socket has: the
//! file, the socket-level options SO_RCVTIMEO, SO_SNDTIMEO, SO_LINGER,
//! SO_TYPE, SO_DOMAIN, SO_PROTOCOL, handled here) and `struct proto_ops` (what a
//! family does). No family call waits: a call that would answers EAGAIN,
//! and the caller waits on [`Socket::events`] through the file layer
//! ([`crate::file::io`]), bounded by SO_RCVTIMEO/SO_SNDTIMEO (EAGAIN when
//! they run out, EINTR when a signal comes, as Linux's sock_intr_errno).
//! read(2) and write(2) on a socket are recvmsg and sendmsg without
//! flags; a stream write that finds the connection shut down is EPIPE
//! with SIGPIPE.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::{AtomicU64, Ordering};

use executor::WaitQueue;
use fs::inode::{makedev, Metadata, StatFs};

use super::io::Io;
use super::ops::{pseudo_metadata, pseudo_statfs};
use super::{File, FileOps};
use crate::errno::{Errno, SysResult};
use crate::proc::Thread;

pub mod cmsg;
pub mod inet;
pub mod netlink;
pub mod netlink_bus;
pub mod unix;
pub mod unix_gc;

pub const AF_UNIX: i32 = 1;
pub const SOCK_STREAM: i32 = 1;
pub const SOCK_DGRAM: i32 = 2;
pub const SOCK_RAW: i32 = 3;
pub const SOCK_SEQPACKET: i32 = 5;

/// send/recv flags (socket(2) family).
pub const MSG_OOB: u32 = 1;
pub const MSG_PEEK: u32 = 2;
pub const MSG_CTRUNC: u32 = 8;
pub const MSG_TRUNC: u32 = 0x20;
pub const MSG_DONTWAIT: u32 = 0x40;
pub const MSG_WAITALL: u32 = 0x100;
pub const MSG_NOSIGNAL: u32 = 0x4000;
pub const MSG_CMSG_CLOEXEC: u32 = 0x4000_0000;

const SOCKFS_MAGIC: u64 = 0x534f_434b;

/// What a send carries besides its bytes.
#[derive(Default)]
pub struct SendArgs {
    /// The destination address (sendto, msg_name), as the caller gave it.
    pub addr: Option<Vec<u8>>,
    /// The control messages (msg_control), as the caller gave them.
    pub control: Vec<u8>,
    pub flags: u32,
    /// The family's decoding of `addr` and `control`, made on the first
    /// attempt and kept across waits.
    pub prepared: Option<Box<dyn Any + Send>>,
}

/// What a receive asks for and gives back besides the bytes.
#[derive(Default)]
pub struct RecvArgs {
    pub flags: u32,
    /// The caller wants the sender's address (recvfrom, msg_name).
    pub want_name: bool,
    /// The room in msg_control.
    pub control_room: usize,
    /// Out: the sender's address (empty: none).
    pub name: Vec<u8>,
    /// Out: control messages to copy to msg_control.
    pub control: Vec<u8>,
    /// Out: msg_flags (MSG_TRUNC, MSG_CTRUNC).
    pub msg_flags: u32,
}

/// What a socket family does (Linux's `proto_ops`). See the module
/// documentation; every call that would wait answers EAGAIN.
pub trait Socket: Any + Send + Sync {
    fn family(&self) -> i32;
    fn sock_type(&self) -> i32;
    fn protocol(&self) -> i32 {
        0
    }
    /// Woken when the socket's readiness changes.
    fn events(&self) -> &WaitQueue;
    fn poll(&self) -> u16;
    /// Whether a send may be cut into pieces (a byte stream) rather than
    /// taken whole (a message).
    fn is_stream(&self) -> bool {
        self.sock_type() == SOCK_STREAM
    }
    fn bind(&self, t: &Arc<Thread>, addr: &[u8]) -> Result<(), Errno>;
    fn listen(&self, t: &Arc<Thread>, backlog: i32) -> Result<(), Errno>;
    fn connect(&self, t: &Arc<Thread>, addr: &[u8]) -> Result<(), Errno>;
    /// After a connect answered EINPROGRESS: EAGAIN while the connection
    /// is being made, then its outcome (what a blocking connect waits for).
    fn connect_result(&self) -> Result<(), Errno> {
        Ok(())
    }
    fn accept(&self, t: &Arc<Thread>) -> Result<Box<dyn Socket>, Errno>;
    /// getsockname: the address bytes.
    fn local_name(&self) -> Vec<u8>;
    /// getpeername.
    fn peer_name(&self) -> Result<Vec<u8>, Errno>;
    /// Sends `data`; a stream counts progress in `done` (see
    /// [`crate::file::io::Io::done`]) and returns the total.
    fn send(&self, t: &Arc<Thread>, data: &[u8], done: &mut usize, args: &mut SendArgs) -> Result<usize, Errno>;
    fn recv(&self, t: &Arc<Thread>, buf: &mut [u8], args: &mut RecvArgs) -> Result<usize, Errno>;
    /// The largest message a send may carry (EMSGSIZE beyond, checked
    /// before the message is gathered); None for a byte stream.
    fn msg_limit(&self) -> Option<usize> {
        None
    }
    /// How many bytes the next receive would find (a buffer of this size
    /// loses nothing); usize::MAX if unknown.
    fn recv_hint(&self) -> usize {
        usize::MAX
    }
    fn shutdown(&self, how: i32) -> Result<(), Errno>;
    fn setsockopt(&self, _t: &Arc<Thread>, _level: i32, _name: i32, _val: &[u8]) -> Result<(), Errno> {
        Err(Errno::ENOPROTOOPT)
    }
    fn getsockopt(&self, _t: &Arc<Thread>, _level: i32, _name: i32) -> Result<Vec<u8>, Errno> {
        Err(Errno::ENOPROTOOPT)
    }
    fn ioctl(&self, _t: &Arc<Thread>, _request: u64, _arg: u64) -> SysResult {
        Err(Errno::ENOTTY)
    }
    /// The file is closing.
    fn release(&self) {}
    /// The socket's inode number.
    fn ino(&self) -> u64;
}

/// A socket as an open file.
pub struct SocketFile {
    pub sock: Box<dyn Socket>,
    /// SO_RCVTIMEO, SO_SNDTIMEO in nanoseconds (0: no limit).
    pub rcvtimeo: AtomicU64,
    pub sndtimeo: AtomicU64,
    /// SO_LINGER: the time in seconds (low 32 bits, kept when turned
    /// off, as Linux's sk_lingertime) and whether it is on (bit 32).
    pub linger: AtomicU64,
}

impl SocketFile {
    pub fn new(sock: Box<dyn Socket>) -> SocketFile {
        SocketFile { sock, rcvtimeo: AtomicU64::new(0), sndtimeo: AtomicU64::new(0), linger: AtomicU64::new(0) }
    }

    /// The socket open at `fd` of `t`'s process: EBADF, or ENOTSOCK for
    /// another kind of file.
    pub fn of(t: &Thread, fd: u64) -> Result<Arc<File>, Errno> {
        let file = t.process.files().lock().get(fd)?;
        if file.downcast::<SocketFile>().is_none() {
            return Err(Errno::ENOTSOCK);
        }
        Ok(file)
    }

    /// Sends `data` with `args`; a stream socket's EPIPE raises SIGPIPE
    /// unless MSG_NOSIGNAL (a datagram or seqpacket EPIPE does not, as on
    /// Linux).
    pub fn send(&self, t: &Arc<Thread>, data: &[u8], done: &mut usize, args: &mut SendArgs) -> Result<usize, Errno> {
        let r = self.sock.send(t, data, done, args);
        if r == Err(Errno::EPIPE) && args.flags & MSG_NOSIGNAL == 0 && self.sock.sock_type() == SOCK_STREAM {
            crate::signal::send_thread(t, crate::signal::SigInfo::user(crate::signal::SIGPIPE, 0, t.process.pid), true);
        }
        r
    }
}

/// FIONREAD (SIOCINQ) and SIOCOUTQ.
pub const SIOCINQ: u64 = 0x541b;
pub const SIOCOUTQ: u64 = 0x5411;

impl FileOps for SocketFile {
    fn read(&self, _file: &File, io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        self.sock.recv(io.thread, buf, &mut RecvArgs::default())
    }

    fn write(&self, _file: &File, io: &mut Io<'_>, data: &[u8]) -> Result<usize, Errno> {
        let mut args = SendArgs::default();
        self.send(io.thread, data, &mut io.done, &mut args)
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(self.sock.events())
    }

    fn poll(&self, _t: &Thread) -> u16 {
        self.sock.poll()
    }

    fn has_fasync(&self) -> bool {
        true
    }

    fn ioctl(&self, _file: &File, t: &Arc<Thread>, request: u64, arg: u64) -> SysResult {
        self.sock.ioctl(t, request, arg)
    }

    /// /proc/PID/fd/N of a socket reads "socket:[INODE]".
    fn proc_link(&self, _file: &File) -> Vec<u8> {
        alloc::format!("socket:[{}]", self.sock.ino()).into_bytes()
    }

    fn stat(&self) -> Metadata {
        let mut m = pseudo_metadata(0o140777, 0, self.sock.ino());
        m.dev = makedev(0, 8);
        m.blksize = 4096;
        m
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        Ok(pseudo_statfs(SOCKFS_MAGIC))
    }

    fn io_timeout(&self, write: bool) -> Option<u64> {
        let t = if write { &self.sndtimeo } else { &self.rcvtimeo }.load(Ordering::Relaxed);
        (t != 0).then_some(t)
    }

    fn release(&self, _file: &File) {
        self.sock.release();
    }
}

/// socket(2)'s family switch: a new socket of `family`, `ty` (without
/// the flags), `protocol`.
pub fn create(family: i32, ty: i32, protocol: i32) -> Result<Box<dyn Socket>, Errno> {
    match family {
        AF_UNIX => unix::UnixSock::create(ty, protocol),
        netlink::AF_NETLINK => netlink::NetlinkSock::create(ty, protocol),
        inet::AF_INET | inet::AF_INET6 => inet::InetSock::create(family, ty, protocol),
        _ => Err(Errno::EAFNOSUPPORT),
    }
}
