//! AF_UNIX as a [`Socket`] family: the `net` crate's [`UnixSocket`] with
//! what only the kernel knows — the caller's credentials, filesystem
//! names through the VFS, descriptors in flight, the socket options.
//!
//! As Linux's af_unix.c and net/core/sock.c:
//! - bind to a path creates a socket file (S_IFSOCK, mode 0777 less the
//!   umask) through mknod: an existing path is EADDRINUSE, a missing
//!   directory ENOENT. connect and sendto look the path up, need write
//!   permission on it (EACCES), and find ECONNREFUSED where the file is
//!   not a socket or nobody is bound to it any more, EPROTOTYPE where the
//!   socket there has another type. An abstract name is looked up with
//!   the caller's type (Linux hashes it in): another type's socket of
//!   that name is not found (ECONNREFUSED).
//! - SCM_RIGHTS carries open files (at most 253 per message, EINVAL
//!   beyond; EBADF for a closed descriptor); each is a [`Flight`] while in
//!   a queue, counted on its socket for the cycle collector
//!   ([`super::unix_gc`]). SCM_CREDENTIALS is checked as scm_check_creds
//!   (EPERM); a message carries the sender's tgid, uid and gid when either
//!   end has SO_PASSCRED. SO_PEERCRED reports tgid, euid and egid.
//! - Options at other levels than SOL_SOCKET are EOPNOTSUPP (AF_UNIX has
//!   none); SO_PEERSEC is ENOPROTOOPT as without an LSM.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use executor::WaitQueue;
use net::unix::addr::{self, Addr, Parsed};
use net::unix::names::{self, Key};
use net::unix::send::Ancillary;
use net::unix::{Attachment, Kind, UnixSocket};
use net::sockbuf::{self, Buf, SO_RCVBUF, SO_RCVBUFFORCE, SO_SNDBUF, SO_SNDBUFFORCE};
use net::Cred;

use super::cmsg::{self, Writer, SCM_CREDENTIALS, SCM_RIGHTS, SOL_SOCKET};
use super::{RecvArgs, SendArgs, Socket, SocketFile, MSG_CMSG_CLOEXEC, MSG_PEEK, MSG_TRUNC, SIOCINQ, SIOCOUTQ};
use super::{SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_STREAM};
use crate::errno::{Errno, SysResult};
use crate::file::File;
use crate::proc::Thread;

impl From<net::Errno> for Errno {
    fn from(e: net::Errno) -> Errno {
        Errno(e.0)
    }
}

/// SCM_MAX_FD.
const SCM_MAX_FD: usize = 253;

/// An open file in flight in a message. While it exists, a socket's
/// file is counted in its `inflight`.
pub struct Flight {
    pub file: Arc<File>,
    pub unix: Option<Arc<UnixSocket>>,
}

impl Flight {
    fn new(file: Arc<File>) -> Flight {
        let unix = file.downcast::<SocketFile>().and_then(|s| (&*s.sock as &dyn core::any::Any).downcast_ref::<UnixSock>()).map(|u| u.sock.clone());
        if let Some(u) = &unix {
            u.inflight.fetch_add(1, Ordering::AcqRel);
            super::unix_gc::note_inflight(1);
        }
        Flight { file, unix }
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        if let Some(u) = &self.unix {
            u.inflight.fetch_sub(1, Ordering::AcqRel);
            super::unix_gc::note_inflight(-1);
        }
    }
}

/// One AF_UNIX socket.
pub struct UnixSock {
    pub sock: Arc<UnixSocket>,
    /// Boolean socket options AF_UNIX keeps but does not act on
    /// (SO_REUSEADDR, SO_KEEPALIVE, SO_BROADCAST...).
    flags: spin::Mutex<Vec<(i32, i32)>>,
    closed: AtomicBool,
}

/// A sender's credentials in a message (tgid, real uid and gid).
pub fn msg_cred(t: &Thread) -> Cred {
    let c = t.creds.lock();
    Cred { pid: t.process.pid as i32, uid: c.ruid, gid: c.rgid }
}

/// SO_PEERCRED's view of a process (tgid, effective uid and gid).
pub fn peer_cred(t: &Thread) -> Cred {
    let c = t.creds.lock();
    Cred { pid: t.process.pid as i32, uid: c.euid, gid: c.egid }
}

fn kind_of(ty: i32) -> Option<Kind> {
    match ty {
        SOCK_STREAM => Some(Kind::Stream),
        SOCK_DGRAM | SOCK_RAW => Some(Kind::Dgram),
        SOCK_SEQPACKET => Some(Kind::SeqPacket),
        _ => None,
    }
}

fn encode(a: Option<Arc<Addr>>) -> Vec<u8> {
    let mut v = Vec::new();
    match a {
        Some(a) => a.encode(&mut v),
        None => addr::encode_unnamed(&mut v),
    }
    v
}

/// The socket a name refers to, for connect and sendto (see the module
/// documentation).
fn resolve(t: &Thread, a: &Addr, kind: Kind) -> Result<Arc<UnixSocket>, Errno> {
    match a {
        Addr::Abstract(n) => names::lookup(&Key::Abstract(n.clone(), kind as u8)).ok_or(Errno::ECONNREFUSED),
        Addr::Path(p) => {
            let meta = crate::file::vfs::with_ctx(t, |vfs, ctx, fsc| {
                let start = if p.first() == Some(&b'/') { &fsc.root } else { &fsc.cwd };
                let loc = vfs.resolve(ctx, start, p, fs::Lookup::empty())?;
                let meta = loc.inode.metadata();
                fs::cred::check_access(&meta, ctx.creds, fs::Access::WRITE)?;
                Ok::<_, fs::Errno>(meta)
            })?;
            if meta.mode & fs::inode::S_IFMT != fs::inode::S_IFSOCK {
                return Err(Errno::ECONNREFUSED);
            }
            names::lookup(&Key::Inode(meta.dev, meta.ino)).ok_or(Errno::ECONNREFUSED)
        }
    }
}

/// What a send decoded once: the destination and the ancillary data.
struct Prepared {
    target: Option<Arc<UnixSocket>>,
    to_given: bool,
    anc: Ancillary,
}

impl UnixSock {
    fn wrap(sock: Arc<UnixSocket>) -> UnixSock {
        UnixSock { sock, flags: spin::Mutex::new(Vec::new()), closed: AtomicBool::new(false) }
    }

    /// socket(AF_UNIX, ty, protocol).
    pub fn create(ty: i32, protocol: i32) -> Result<Box<dyn Socket>, Errno> {
        if protocol != 0 && protocol != super::AF_UNIX {
            return Err(Errno::EPROTONOSUPPORT);
        }
        let kind = kind_of(ty).ok_or(Errno::ESOCKTNOSUPPORT)?;
        Ok(Box::new(UnixSock::wrap(UnixSocket::new(kind))))
    }

    /// socketpair(AF_UNIX, ty, protocol).
    pub fn pair(t: &Thread, ty: i32, protocol: i32) -> Result<[Box<dyn Socket>; 2], Errno> {
        if protocol != 0 && protocol != super::AF_UNIX {
            return Err(Errno::EPROTONOSUPPORT);
        }
        let kind = kind_of(ty).ok_or(Errno::ESOCKTNOSUPPORT)?;
        let (a, b) = net::unix::conn::pair(kind, peer_cred(t));
        Ok([Box::new(UnixSock::wrap(a)), Box::new(UnixSock::wrap(b))])
    }

    fn prepare(&self, t: &Arc<Thread>, args: &SendArgs) -> Result<Prepared, Errno> {
        let mut p = Prepared { target: None, to_given: false, anc: Ancillary::plain(msg_cred(t)) };
        if let Some(raw) = &args.addr {
            match self.sock.kind() {
                Kind::Stream => p.to_given = true,
                // A seqpacket socket ignores the address (unix_seqpacket_sendmsg).
                Kind::SeqPacket => {}
                Kind::Dgram => match addr::parse(raw)? {
                    Parsed::Unnamed => return Err(Errno::EINVAL),
                    Parsed::Name(a) => {
                        p.target = Some(resolve(t, &a, self.sock.kind())?);
                        p.to_given = true;
                    }
                },
            }
        }
        for (level, ty, data) in cmsg::parse(&args.control)? {
            if level != SOL_SOCKET {
                continue;
            }
            match ty {
                SCM_RIGHTS => {
                    let n = data.len() / 4;
                    if p.anc.rights.len() + n > SCM_MAX_FD {
                        return Err(Errno::EINVAL);
                    }
                    let files = t.process.files();
                    let table = files.lock();
                    for c in data.chunks_exact(4) {
                        let fd = i32::from_ne_bytes([c[0], c[1], c[2], c[3]]);
                        if fd < 0 {
                            return Err(Errno::EBADF);
                        }
                        let f = table.get(fd as u64)?;
                        let a: Attachment = Arc::new(Flight::new(f));
                        p.anc.rights.push(a);
                    }
                }
                SCM_CREDENTIALS => {
                    if data.len() != 12 {
                        return Err(Errno::EINVAL);
                    }
                    let want = Cred {
                        pid: i32::from_ne_bytes([data[0], data[1], data[2], data[3]]),
                        uid: u32::from_ne_bytes([data[4], data[5], data[6], data[7]]),
                        gid: u32::from_ne_bytes([data[8], data[9], data[10], data[11]]),
                    };
                    check_creds(t, &want)?;
                    p.anc.cred = want;
                    p.anc.cred_given = true;
                }
                _ => return Err(Errno::EINVAL),
            }
        }
        Ok(p)
    }
}

/// scm_check_creds: a process may claim its own tgid (or any with
/// CAP_SYS_ADMIN) and one of its real, effective or saved ids (or any
/// with CAP_SETUID / CAP_SETGID).
fn check_creds(t: &Thread, want: &Cred) -> Result<(), Errno> {
    let c = t.creds.lock();
    let cap = |n: u32| c.cap_effective & (1 << n) != 0;
    let pid_ok = want.pid == t.process.pid as i32 || cap(21);
    let uid_ok = [c.ruid, c.euid, c.suid].contains(&want.uid) || cap(7);
    let gid_ok = [c.rgid, c.egid, c.sgid].contains(&want.gid) || cap(6);
    if pid_ok && uid_ok && gid_ok {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

fn int_bytes(v: i32) -> Vec<u8> {
    v.to_ne_bytes().to_vec()
}

fn read_int(val: &[u8]) -> Result<i32, Errno> {
    let b = val.get(..4).ok_or(Errno::EINVAL)?;
    Ok(i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
}

pub const SO_DEBUG: i32 = 1;
pub const SO_REUSEADDR: i32 = 2;
pub const SO_ERROR: i32 = 4;
pub const SO_DONTROUTE: i32 = 5;
pub const SO_BROADCAST: i32 = 6;
pub const SO_KEEPALIVE: i32 = 9;
pub const SO_OOBINLINE: i32 = 10;
pub const SO_NO_CHECK: i32 = 11;
pub const SO_PRIORITY: i32 = 12;
pub const SO_REUSEPORT: i32 = 15;
pub const SO_PASSCRED: i32 = 16;
pub const SO_PEERCRED: i32 = 17;
pub const SO_RCVLOWAT: i32 = 18;
pub const SO_SNDLOWAT: i32 = 19;
pub const SO_TIMESTAMP: i32 = 29;
pub const SO_ACCEPTCONN: i32 = 30;
pub const SO_PEERSEC: i32 = 31;
pub const SO_PASSSEC: i32 = 34;
pub const SO_MARK: i32 = 36;

/// The options stored as plain values.
const PLAIN: &[i32] = &[SO_DEBUG, SO_REUSEADDR, SO_DONTROUTE, SO_BROADCAST, SO_KEEPALIVE, SO_OOBINLINE, SO_NO_CHECK, SO_PRIORITY, SO_REUSEPORT, SO_TIMESTAMP, SO_MARK, SO_RCVLOWAT];

impl Socket for UnixSock {
    fn family(&self) -> i32 {
        super::AF_UNIX
    }

    fn sock_type(&self) -> i32 {
        self.sock.kind() as i32
    }

    fn events(&self) -> &WaitQueue {
        &self.sock.events
    }

    fn poll(&self) -> u16 {
        self.sock.poll()
    }

    fn ino(&self) -> u64 {
        self.sock.ino()
    }

    fn bind(&self, t: &Arc<Thread>, raw: &[u8]) -> Result<(), Errno> {
        let a = match addr::parse(raw)? {
            // A bound socket keeps its name (unix_autobind).
            Parsed::Unnamed => return Ok(self.sock.autobind()?),
            Parsed::Name(a) => a,
        };
        match &a {
            Addr::Abstract(n) => {
                let key = Key::Abstract(n.clone(), self.sock.kind() as u8);
                Ok(self.sock.bind(a, key)?)
            }
            Addr::Path(p) => {
                let p = p.clone();
                let r = crate::file::vfs::with_ctx(t, |vfs, ctx, fsc| {
                    let start = if p.first() == Some(&b'/') { &fsc.root } else { &fsc.cwd };
                    let loc = fs::ops::mknodat(vfs, ctx, start, &p, fs::inode::S_IFSOCK | 0o777, 0).map_err(|e| if e == fs::Errno::EEXIST { Errno::EADDRINUSE } else { Errno::from(e) })?;
                    let meta = loc.inode.metadata();
                    match self.sock.bind(a.clone(), Key::Inode(meta.dev, meta.ino)) {
                        Ok(()) => Ok(()),
                        Err(e) => {
                            let _ = fs::ops::unlinkat(vfs, ctx, start, &p, 0);
                            Err(Errno::from(e))
                        }
                    }
                });
                r
            }
        }
    }

    fn listen(&self, t: &Arc<Thread>, backlog: i32) -> Result<(), Errno> {
        Ok(self.sock.listen(backlog, peer_cred(t))?)
    }

    fn connect(&self, t: &Arc<Thread>, raw: &[u8]) -> Result<(), Errno> {
        if self.sock.kind() == Kind::Dgram {
            // AF_UNSPEC dissolves the association.
            if raw.len() >= 2 && u16::from_ne_bytes([raw[0], raw[1]]) == 0 {
                return Ok(self.sock.connect_dgram(None)?);
            }
        }
        let a = match addr::parse(raw)? {
            Parsed::Unnamed => return Err(Errno::EINVAL),
            Parsed::Name(a) => a,
        };
        let target = resolve(t, &a, self.sock.kind())?;
        match self.sock.kind() {
            Kind::Dgram => Ok(self.sock.connect_dgram(Some(&target))?),
            _ => Ok(self.sock.connect_stream(&target, peer_cred(t))?),
        }
    }

    fn accept(&self, _t: &Arc<Thread>) -> Result<Box<dyn Socket>, Errno> {
        Ok(Box::new(UnixSock::wrap(self.sock.accept()?)))
    }

    fn local_name(&self) -> Vec<u8> {
        encode(self.sock.addr())
    }

    fn peer_name(&self) -> Result<Vec<u8>, Errno> {
        Ok(encode(self.sock.peer_addr()?))
    }

    fn send(&self, t: &Arc<Thread>, data: &[u8], done: &mut usize, args: &mut SendArgs) -> Result<usize, Errno> {
        if args.addr.is_none() && args.control.is_empty() {
            // The common case decodes nothing and allocates nothing.
            let mut anc = Ancillary::plain(msg_cred(t));
            return Ok(self.sock.send(data, done, &mut anc, None, false)?);
        }
        if args.prepared.is_none() {
            args.prepared = Some(Box::new(self.prepare(t, args)?));
        }
        let p = args.prepared.as_mut().and_then(|p| p.downcast_mut::<Prepared>()).ok_or(Errno::EINVAL)?;
        Ok(self.sock.send(data, done, &mut p.anc, p.target.as_ref(), p.to_given)?)
    }

    fn recv(&self, t: &Arc<Thread>, buf: &mut [u8], args: &mut RecvArgs) -> Result<usize, Errno> {
        let r = self.sock.recv(buf, args.flags & MSG_PEEK != 0)?;
        if args.want_name {
            if let Some(a) = &r.from {
                a.encode(&mut args.name);
            }
        }
        let mut w = Writer { out: &mut args.control, room: args.control_room, flags: &mut args.msg_flags };
        if let Some(c) = r.cred {
            let mut d = [0u8; 12];
            d[..4].copy_from_slice(&c.pid.to_ne_bytes());
            d[4..8].copy_from_slice(&c.uid.to_ne_bytes());
            d[8..].copy_from_slice(&c.gid.to_ne_bytes());
            w.put(SOL_SOCKET, SCM_CREDENTIALS, &d);
        }
        if !r.rights.is_empty() {
            let max = w.max_fds().min(r.rights.len());
            let cloexec = args.flags & MSG_CMSG_CLOEXEC != 0;
            let mut fds: Vec<u8> = Vec::with_capacity(max * 4);
            for a in r.rights.iter().take(max) {
                let Some(f) = a.clone().downcast::<Flight>().ok() else { break };
                match crate::syscall::install_file(t, f.file.clone(), cloexec) {
                    Ok(fd) => fds.extend_from_slice(&(fd as i32).to_ne_bytes()),
                    Err(_) => break,
                }
            }
            let n = fds.len() / 4;
            if n > 0 {
                w.put(SOL_SOCKET, SCM_RIGHTS, &fds);
            }
            if n < r.rights.len() {
                *w.flags |= super::MSG_CTRUNC;
            }
        }
        if r.full > r.len {
            args.msg_flags |= MSG_TRUNC;
        }
        Ok(if args.flags & MSG_TRUNC != 0 && self.sock.kind() != Kind::Stream { r.full } else { r.len })
    }

    /// unix_dgram_sendmsg's limit: the send buffer less 32 bytes.
    fn msg_limit(&self) -> Option<usize> {
        (self.sock.kind() != Kind::Stream).then(|| self.sock.sndbuf.load(Ordering::Relaxed).saturating_sub(32))
    }

    fn recv_hint(&self) -> usize {
        self.sock.next_len()
    }

    fn shutdown(&self, how: i32) -> Result<(), Errno> {
        Ok(self.sock.shutdown(how)?)
    }

    fn setsockopt(&self, t: &Arc<Thread>, level: i32, name: i32, val: &[u8]) -> Result<(), Errno> {
        if level != SOL_SOCKET {
            return Err(Errno::EOPNOTSUPP);
        }
        let v = read_int(val)?;
        let s = &self.sock;
        let cap_net_admin = t.creds.lock().cap_effective & (1 << 12) != 0;
        match name {
            SO_PASSCRED => s.passcred.store(v != 0, Ordering::Relaxed),
            SO_PASSSEC => s.passsec.store(v != 0, Ordering::Relaxed),
            SO_SNDBUF | SO_SNDBUFFORCE | SO_RCVBUF | SO_RCVBUFFORCE => match sockbuf::stored(name, v, cap_net_admin)? {
                (Buf::Snd, v) => {
                    s.sndbuf.store(v, Ordering::Relaxed);
                    s.events.wake_all();
                }
                (Buf::Rcv, v) => s.rcvbuf.store(v, Ordering::Relaxed),
            },
            n if PLAIN.contains(&n) => {
                let mut f = self.flags.lock();
                f.retain(|&(k, _)| k != n);
                f.push((n, v));
            }
            _ => return Err(Errno::ENOPROTOOPT),
        }
        Ok(())
    }

    fn getsockopt(&self, _t: &Arc<Thread>, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        if level != SOL_SOCKET {
            return Err(Errno::EOPNOTSUPP);
        }
        let s = &self.sock;
        Ok(match name {
            SO_PASSCRED => int_bytes(s.passcred.load(Ordering::Relaxed) as i32),
            SO_PASSSEC => int_bytes(s.passsec.load(Ordering::Relaxed) as i32),
            SO_SNDBUF => int_bytes(s.sndbuf.load(Ordering::Relaxed) as i32),
            SO_RCVBUF => int_bytes(s.rcvbuf.load(Ordering::Relaxed) as i32),
            SO_ACCEPTCONN => int_bytes(s.is_listening() as i32),
            SO_ERROR => int_bytes(s.take_error()),
            SO_PEERCRED => {
                let c = s.peer_cred().unwrap_or(Cred { pid: 0, uid: u32::MAX, gid: u32::MAX });
                let mut v = Vec::with_capacity(12);
                v.extend_from_slice(&c.pid.to_ne_bytes());
                v.extend_from_slice(&c.uid.to_ne_bytes());
                v.extend_from_slice(&c.gid.to_ne_bytes());
                v
            }
            SO_PEERSEC => return Err(Errno::ENOPROTOOPT),
            SO_SNDLOWAT => int_bytes(1),
            SO_RCVLOWAT => int_bytes(self.flags.lock().iter().find(|f| f.0 == name).map_or(1, |f| f.1)),
            n if PLAIN.contains(&n) => {
                let v = self.flags.lock().iter().find(|f| f.0 == n).map_or(0, |f| f.1);
                int_bytes(if n == SO_PRIORITY || n == SO_MARK { v } else { (v != 0) as i32 })
            }
            _ => return Err(Errno::ENOPROTOOPT),
        })
    }

    fn ioctl(&self, t: &Arc<Thread>, request: u64, arg: u64) -> SysResult {
        match request {
            SIOCINQ => {
                if self.sock.is_listening() {
                    return Err(Errno::EINVAL);
                }
                crate::file::ops::reply_int(t, arg, self.sock.inq() as i32)
            }
            SIOCOUTQ => crate::file::ops::reply_int(t, arg, self.sock.outq() as i32),
            _ => Err(Errno::ENOTTY),
        }
    }

    fn release(&self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            self.sock.release();
            super::unix_gc::collect();
        }
    }
}
