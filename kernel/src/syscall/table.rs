//! The system call table: one row per x86-64 system call, in number order
//! (Linux's `arch/x86/entry/syscalls/syscall_64.tbl`).
//!
//! A row reads
//!
//! ```text
//!     NR name(arg: kind, ...) policy => handler call;
//! ```
//!
//! and is the only place that says what number a call has, what it is
//! called, how its arguments come out of their registers and are shown by
//! `strace`, what an interrupted wait becomes, and which function runs it.
//! The dispatcher, the names, the `strace` decoder and the restart rules
//! all come from these rows, so they cannot drift apart.
//!
//! **Argument kinds** (the Rust type the handler call sees, and how
//! `strace` shows it): `fd` a descriptor (`unsigned int`, zero-extended:
//! u64), `dfd` a directory descriptor or AT_FDCWD (i32), `int` (i32), `uint`
//! (u32), `flags` (u32, hex), `oct` a mode (u32, octal), `long` (i64),
//! `ulong` (u64), `size` (u64), `hex` a 64-bit value shown in hex (u64),
//! `ptr` a user address (u64), `path` a user address of a NUL-terminated
//! string, shown as the string (u64). 32-bit kinds take the low half of the
//! register, as Linux's `int` and `unsigned int` parameters do. A `ptr`
//! becomes what the handler's parameter is: a typed
//! [`crate::uaccess::UserPtr`] to an [`crate::abi`] structure (`fstat`'s
//! `UserPtr<Stat>`), or the address itself for buffers and arrays whose
//! handler checks them in pieces.
//!
//! **Restart policies** (signal(7), "Interruption of system calls and
//! library functions by signal handlers"; see [`crate::signal::restart`]).
//! A handler whose wait a signal interrupts returns `ERESTARTSYS` and
//! nothing else; its row decides:
//! - `sys`: restarted if no handler runs (a stop and SIGCONT, an ignored
//!   signal) or the handler has SA_RESTART; EINTR otherwise (Linux's
//!   -ERESTARTSYS): read, write, wait4, flock, fcntl(F_SETLKW), open of a FIFO...
//! - `nohand`: restarted only if no handler runs (-ERESTARTNOHAND): pause,
//!   rt_sigsuspend, select, pselect6, ppoll.
//! - `nointr`: always restarted (-ERESTARTNOINTR): fork, vfork, clone, clone3.
//! - `block`: the call saved how to resume ([`crate::signal::restart::RestartBlock`]);
//!   without a handler it resumes through restart_syscall(2) with the time
//!   left, after a handler it is EINTR (-ERESTART_RESTARTBLOCK): nanosleep,
//!   clock_nanosleep, poll, futex waits with a timeout (futex without one
//!   saves nothing and is `sys`).
//! - `never`: EINTR whatever happens (Linux returns -EINTR itself):
//!   epoll_wait, epoll_pwait, epoll_pwait2, rt_sigtimedwait.
//! - `none`: the call never waits interruptibly.
//!
//! **Gaps**: a `GAP` row is a call Aramid does not have yet; it answers
//! ENOSYS and logs one warning per boot, with the reason on the row. The
//! only silent ENOSYS is `rseq`, as on a kernel built without CONFIG_RSEQ.

use super::*;
use crate::errno::{Errno, SysResult};
use crate::signal::restart::Restart;

/// What running a row gave.
pub enum Outcome {
    /// The call's result, written back to RAX.
    Done(SysResult),
    /// The thread ends (exit, exit_group).
    Exit,
    /// The call set every register itself (rt_sigreturn).
    Registers,
    /// A `GAP` row: ENOSYS, with one warning per boot.
    Unimplemented,
    /// No row has this number: ENOSYS.
    Unknown,
}

impl From<SysResult> for Outcome {
    fn from(r: SysResult) -> Outcome {
        Outcome::Done(r)
    }
}

/// A call Aramid does not implement yet.
const GAP: Outcome = Outcome::Unimplemented;

const AT_FDCWD: i32 = -100;
const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
const AT_REMOVEDIR: u32 = 0x200;
const SIGCHLD: u64 = crate::signal::SIGCHLD as u64;

/// How an argument is shown by `strace`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Fd,
    DirFd,
    Signed,
    Unsigned,
    Hex,
    Octal,
    Path,
    Pointer,
}

/// What an interrupted wait of a call becomes (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    None,
    Sys,
    NoHand,
    NoIntr,
    Block,
    Never,
}

impl Policy {
    /// What a call of this row that a signal interrupted with `e`
    /// (ERESTARTSYS, or ERESTART_RESTARTBLOCK with a saved block) becomes:
    /// how the way back to user mode finishes it, or None for EINTR at once.
    pub fn on_interrupt(self, e: Errno) -> Option<Restart> {
        if e == Errno::ERESTART_RESTARTBLOCK {
            return Some(Restart::Block);
        }
        match self {
            Policy::Never => None,
            Policy::NoHand => Some(Restart::NoHand),
            Policy::NoIntr => Some(Restart::NoIntr),
            // A `block` call that saved nothing (a futex wait without a
            // time-out) is restarted as -ERESTARTSYS.
            Policy::Sys | Policy::Block | Policy::None => Some(Restart::Sys),
        }
    }
}

/// One system call.
pub struct Row {
    pub nr: u16,
    pub name: &'static str,
    /// Each argument's name (as in the man page) and kind.
    pub args: &'static [(&'static str, Kind)],
    pub policy: Policy,
}

/// What a `ptr` argument decodes to: the handler's parameter type says.
pub trait FromAddr {
    fn from_addr(addr: u64) -> Self;
}

impl FromAddr for u64 {
    fn from_addr(addr: u64) -> u64 {
        addr
    }
}

impl<T: zerocopy::FromBytes + zerocopy::IntoBytes + zerocopy::Immutable> FromAddr for crate::uaccess::UserPtr<T> {
    fn from_addr(addr: u64) -> Self {
        crate::uaccess::UserPtr::new(addr)
    }
}

/// The decoders of the argument kinds: the register's value as the
/// handler call sees it.
#[allow(dead_code)]
mod decode {
    pub fn fd(v: u64) -> u64 {
        v as u32 as u64
    }
    pub fn dfd(v: u64) -> i32 {
        v as i32
    }
    pub fn int(v: u64) -> i32 {
        v as i32
    }
    pub fn uint(v: u64) -> u32 {
        v as u32
    }
    pub fn flags(v: u64) -> u32 {
        v as u32
    }
    pub fn oct(v: u64) -> u32 {
        v as u32
    }
    pub fn long(v: u64) -> i64 {
        v as i64
    }
    pub fn ulong(v: u64) -> u64 {
        v
    }
    pub fn size(v: u64) -> u64 {
        v
    }
    pub fn hex(v: u64) -> u64 {
        v
    }
    /// A user address: a typed [`crate::uaccess::UserPtr`] where the
    /// handler takes one, else the plain address.
    pub fn ptr<T: super::FromAddr>(v: u64) -> T {
        T::from_addr(v)
    }
    pub fn path(v: u64) -> u64 {
        v
    }
}

macro_rules! kind {
    (fd) => { Kind::Fd };
    (dfd) => { Kind::DirFd };
    (int) => { Kind::Signed };
    (long) => { Kind::Signed };
    (uint) => { Kind::Unsigned };
    (ulong) => { Kind::Unsigned };
    (size) => { Kind::Unsigned };
    (flags) => { Kind::Hex };
    (hex) => { Kind::Hex };
    (oct) => { Kind::Octal };
    (ptr) => { Kind::Pointer };
    (path) => { Kind::Path };
}

macro_rules! policy {
    (none) => { Policy::None };
    (sys) => { Policy::Sys };
    (nohand) => { Policy::NoHand };
    (nointr) => { Policy::NoIntr };
    (block) => { Policy::Block };
    (never) => { Policy::Never };
}

macro_rules! syscall_table {
    ($call:ident; $( $nr:literal $name:ident ( $( $arg:ident : $kind:ident ),* ) $policy:ident => $body:expr ; )*) => {
        /// Every row, in number order.
        pub static ROWS: &[Row] = &[
            $( Row { nr: $nr, name: stringify!($name), args: &[ $( (stringify!($arg), kind!($kind)) ),* ], policy: policy!($policy) } ),*
        ];

        /// Runs call `nr` with the argument registers `a`: its row's
        /// policy and what the handler gave.
        #[allow(unused_variables, unused_assignments, unused_mut, clippy::redundant_locals)]
        pub async fn run($call: &mut Call<'_>, nr: u64, a: &[u64; 6]) -> (Policy, Outcome) {
            match nr {
                $( $nr => {
                    let mut i = 0;
                    $( let $arg = decode::$kind(a[i]); i += 1; )*
                    (policy!($policy), Outcome::from($body))
                } )*
                _ => (Policy::None, Outcome::Unknown),
            }
        }
    };
}

/// The row of call `nr`.
pub fn row(nr: u64) -> Option<&'static Row> {
    let i = ROWS.binary_search_by_key(&nr, |r| r.nr as u64).ok()?;
    Some(&ROWS[i])
}

/// fcntl(2): the lock commands wait (F_SETLKW, F_OFD_SETLKW), the others
/// do not.
async fn fcntl_any(call: &Call<'_>, fd: u64, cmd: u64, arg: u64) -> SysResult {
    if lock::is_lock_cmd(cmd) {
        lock::fcntl_lock(call, fd, cmd, arg).await
    } else {
        fcntl::fcntl(call, fd, cmd, arg)
    }
}

syscall_table! { call;
    0 read(fd: fd, buf: ptr, count: size) sys => io::read(call, fd, buf, count).await;
    1 write(fd: fd, buf: ptr, count: size) sys => io::write(call, fd, buf, count).await;
    2 open(path: path, flags: flags, mode: oct) sys => open::open(call, path, flags, mode).await;
    3 close(fd: fd) none => io::close(call, fd);
    4 stat(path: path, buf: ptr) none => stat::stat(call, path, buf, false);
    5 fstat(fd: fd, buf: ptr) none => stat::fstat(call, fd, buf);
    6 lstat(path: path, buf: ptr) none => stat::stat(call, path, buf, true);
    7 poll(fds: ptr, nfds: size, timeout_ms: int) block => poll::poll(call, fds, nfds, timeout_ms).await;
    8 lseek(fd: fd, offset: long, whence: uint) none => io::lseek(call, fd, offset, whence as u64);
    9 mmap(addr: ptr, len: size, prot: hex, flags: hex, fd: int, off: hex) none => mmap::mmap(call, addr, len, prot, flags, fd, off);
    10 mprotect(addr: ptr, len: size, prot: hex) none => mmap::mprotect(call, addr, len, prot);
    11 munmap(addr: ptr, len: size) none => mmap::munmap(call, addr, len);
    12 brk(addr: ptr) none => brk::brk(call, addr);
    13 rt_sigaction(sig: ulong, act: ptr, oact: ptr, size: size) none => signal::rt_sigaction(call, sig, act, oact, size);
    14 rt_sigprocmask(how: ulong, set: ptr, oset: ptr, size: size) none => signal::rt_sigprocmask(call, how, set, oset, size);
    15 rt_sigreturn() none => sigreturn::rt_sigreturn(call);
    16 ioctl(fd: fd, request: flags, arg: hex) sys => io::ioctl(call, fd, request as u64, arg); // cmd is an unsigned int: musl passes it sign-extended
    17 pread64(fd: fd, buf: ptr, count: size, offset: long) sys => io::pread64(call, fd, buf, count, offset).await;
    18 pwrite64(fd: fd, buf: ptr, count: size, offset: long) sys => io::pwrite64(call, fd, buf, count, offset).await;
    19 readv(fd: fd, iov: ptr, iovcnt: size) sys => io::readv(call, fd, iov, iovcnt).await;
    20 writev(fd: fd, iov: ptr, iovcnt: size) sys => io::writev(call, fd, iov, iovcnt).await;
    21 access(path: path, mode: oct) none => fsops::faccessat2(call, AT_FDCWD, path, mode, 0);
    22 pipe(fds: ptr) none => io::pipe2(call, fds, 0);
    23 select(nfds: size, readfds: ptr, writefds: ptr, exceptfds: ptr, timeout: ptr) nohand => poll::select(call, nfds, readfds, writefds, exceptfds, timeout).await;
    24 sched_yield() none => tid::sched_yield().await;
    25 mremap(old: ptr, old_len: size, new_len: size, flags: hex, new: ptr) none => mremap::mremap(call, old, old_len, new_len, flags, new);
    26 msync(addr: ptr, len: size, flags: hex) none => msync::msync(call, addr, len, flags);
    27 mincore(addr: ptr, len: size, vec: ptr) none => msync::mincore(call, addr, len, vec);
    28 madvise(addr: ptr, len: size, advice: ulong) none => madvise::madvise(call, addr, len, advice);
    29 shmget(key: int, size: size, flags: oct) none => crate::ipc::shm::shmget(call.thread, key, size, flags);
    30 shmat(id: int, addr: ptr, flags: oct) none => crate::ipc::shm::shmat(call.thread, id, addr, flags);
    31 shmctl(id: int, cmd: int, buf: ptr) none => crate::ipc::shm::shmctl(call.thread, id, cmd, buf);
    32 dup(fd: fd) none => fcntl::dup(call, fd);
    33 dup2(old: fd, new: fd) none => fcntl::dup2(call, old, new);
    34 pause() nohand => signal::pause(call).await;
    35 nanosleep(req: ptr, rem: ptr) block => time::nanosleep(call, req, rem).await;
    36 getitimer(which: uint, value: ptr) none => itimer::getitimer(call, which as u64, value);
    37 alarm(seconds: uint) none => itimer::alarm(call, seconds as u64);
    38 setitimer(which: uint, value: ptr, old: ptr) none => itimer::setitimer(call, which as u64, value, old);
    39 getpid() none => tid::getpid(call);
    40 sendfile(out_fd: fd, in_fd: fd, offset: ptr, count: size) sys => io::sendfile(call, out_fd, in_fd, offset, count).await;
    41 socket(domain: int, kind: int, protocol: int) none => socket::create::socket(call, domain, kind, protocol);
    42 connect(fd: fd, addr: ptr, addrlen: uint) sys => socket::conn::connect(call, fd, addr, addrlen).await;
    43 accept(fd: fd, addr: ptr, addrlen: ptr) sys => socket::conn::accept4(call, fd, addr, addrlen, 0).await;
    44 sendto(fd: fd, buf: ptr, len: size, flags: flags, addr: ptr, addrlen: uint) sys => socket::send::sendto(call, fd, buf, len, flags, addr, addrlen).await;
    45 recvfrom(fd: fd, buf: ptr, len: size, flags: flags, addr: ptr, addrlen: ptr) sys => socket::recv::recvfrom(call, fd, buf, len, flags, addr, addrlen).await;
    46 sendmsg(fd: fd, msg: ptr, flags: flags) sys => socket::send::sendmsg(call, fd, msg, flags).await;
    47 recvmsg(fd: fd, msg: ptr, flags: flags) sys => socket::recv::recvmsg(call, fd, msg, flags).await;
    48 shutdown(fd: fd, how: int) none => socket::conn::shutdown(call, fd, how);
    49 bind(fd: fd, addr: ptr, addrlen: uint) none => socket::conn::bind(call, fd, addr, addrlen);
    50 listen(fd: fd, backlog: int) none => socket::conn::listen(call, fd, backlog);
    51 getsockname(fd: fd, addr: ptr, addrlen: ptr) none => socket::conn::getsockname(call, fd, addr, addrlen);
    52 getpeername(fd: fd, addr: ptr, addrlen: ptr) none => socket::conn::getpeername(call, fd, addr, addrlen);
    53 socketpair(domain: int, kind: int, protocol: int, sv: ptr) none => socket::create::socketpair(call, domain, kind, protocol, sv);
    54 setsockopt(fd: fd, level: int, name: int, val: ptr, len: uint) none => socket::sockopt::setsockopt(call, fd, level, name, val, len);
    55 getsockopt(fd: fd, level: int, name: int, val: ptr, len: ptr) none => socket::sockopt::getsockopt(call, fd, level, name, val, len);
    56 clone(flags: hex, stack: ptr, ptid: ptr, ctid: ptr, tls: hex) nointr => clone::clone(call, flags, stack, ptid, ctid, tls).await;
    57 fork() nointr => clone::clone(call, SIGCHLD, 0, 0, 0, 0).await;
    58 vfork() nointr => clone::clone(call, clone::CLONE_VM | clone::CLONE_VFORK | SIGCHLD, 0, 0, 0, 0).await;
    59 execve(path: path, argv: ptr, envp: ptr) none => execve::execve(call, path, argv, envp).await;
    60 exit(status: int) none => exit::exit(call, status);
    61 wait4(pid: int, status: ptr, options: flags, rusage: ptr) sys => wait::wait4(call, pid, status, options as u64, rusage).await;
    62 kill(pid: int, sig: ulong) none => signal::kill(call, pid as i64, sig);
    63 uname(buf: ptr) none => uname::uname(call, buf);
    64 semget(key: int, nsems: int, flags: oct) none => crate::ipc::sem::semget(call.thread, key, nsems, flags);
    65 semop(id: int, sops: ptr, nsops: uint) never => crate::ipc::sem::semtimedop(call.thread, id, sops, nsops as u64, 0).await; // Linux returns EINTR itself
    66 semctl(id: int, num: int, cmd: int, arg: hex) none => crate::ipc::sem::semctl(call.thread, id, num, cmd, arg);
    67 shmdt(addr: ptr) none => crate::ipc::shm::shmdt(call.thread, addr);
    68 msgget(key: int, flags: oct) none => crate::ipc::msg::msgget(call.thread, key, flags);
    69 msgsnd(id: int, msgp: ptr, size: size, flags: oct) nohand => crate::ipc::msg::msgsnd(call.thread, id, msgp, size, flags).await;
    70 msgrcv(id: int, msgp: ptr, size: size, msgtyp: long, flags: oct) nohand => crate::ipc::msg::msgrcv(call.thread, id, msgp, size, msgtyp, flags).await;
    71 msgctl(id: int, cmd: int, buf: ptr) none => crate::ipc::msg::msgctl(call.thread, id, cmd, buf);
    72 fcntl(fd: fd, cmd: uint, arg: hex) sys => fcntl_any(call, fd, cmd as u64, arg).await;
    73 flock(fd: fd, op: hex) sys => lock::flock(call, fd, op).await;
    74 fsync(fd: fd) none => fsops::fsync(call, fd);
    75 fdatasync(fd: fd) none => fsops::fsync(call, fd);
    76 truncate(path: path, length: long) none => fsops::truncate(call, path, length);
    77 ftruncate(fd: fd, length: long) none => fsops::ftruncate(call, fd, length);
    78 getdents(fd: fd, dirp: ptr, count: size) none => io::getdents(call, fd, dirp, count);
    79 getcwd(buf: ptr, size: size) none => fsops::getcwd(call, buf, size);
    80 chdir(path: path) none => fsops::chdir(call, path);
    81 fchdir(fd: fd) none => fsops::fchdir(call, fd);
    82 rename(old: path, new: path) none => fsops::renameat2(call, AT_FDCWD, old, AT_FDCWD, new, 0);
    83 mkdir(path: path, mode: oct) none => fsops::mkdirat(call, AT_FDCWD, path, mode);
    84 rmdir(path: path) none => fsops::unlinkat(call, AT_FDCWD, path, AT_REMOVEDIR);
    85 creat(path: path, mode: oct) sys => open::creat(call, path, mode).await;
    86 link(old: path, new: path) none => fsops::linkat(call, AT_FDCWD, old, AT_FDCWD, new, 0);
    87 unlink(path: path) none => fsops::unlinkat(call, AT_FDCWD, path, 0);
    88 symlink(target: path, linkpath: path) none => fsops::symlinkat(call, target, AT_FDCWD, linkpath);
    89 readlink(path: path, buf: ptr, size: size) none => fsops::readlinkat(call, AT_FDCWD, path, buf, size);
    90 chmod(path: path, mode: oct) none => fsops::fchmodat(call, AT_FDCWD, path, mode, 0);
    91 fchmod(fd: fd, mode: oct) none => fsops::fchmod(call, fd, mode);
    92 chown(path: path, uid: hex, gid: hex) none => fsops::fchownat(call, AT_FDCWD, path, uid, gid, 0);
    93 fchown(fd: fd, uid: hex, gid: hex) none => fsops::fchown(call, fd, uid, gid);
    94 lchown(path: path, uid: hex, gid: hex) none => fsops::fchownat(call, AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
    95 umask(mask: oct) none => ids::umask(call, mask as u64);
    96 gettimeofday(tv: ptr, tz: ptr) none => time::gettimeofday(call, tv, tz);
    97 getrlimit(resource: uint, rlim: ptr) none => rlimit::getrlimit(call, resource, rlim);
    98 getrusage(who: int, usage: ptr) none => rusage::getrusage(call, who as i64, usage);
    99 sysinfo(info: ptr) none => sched::sysinfo(call, info);
    100 times(buf: ptr) none => rusage::times(call, buf);
    101 ptrace(request: hex, pid: int, addr: ptr, data: ptr) none => ptrace::ptrace(call, request, pid, addr, data).await;
    102 getuid() none => ids::get(call, b'u');
    103 syslog(action: int, buf: ptr, len: int) sys => syslog::syslog(call, action, buf, len).await;
    104 getgid() none => ids::get(call, b'g');
    105 setuid(uid: hex) none => ids::setuid(call, uid);
    106 setgid(gid: hex) none => ids::setgid(call, gid);
    107 geteuid() none => ids::get(call, b'U');
    108 getegid() none => ids::get(call, b'G');
    109 setpgid(pid: int, pgid: int) none => pgrp::setpgid(call, pid, pgid);
    110 getppid() none => tid::getppid(call);
    111 getpgrp() none => pgrp::getpgid(call, 0);
    112 setsid() none => pgrp::setsid(call);
    113 setreuid(ruid: hex, euid: hex) none => ids::setreuid(call, ruid, euid);
    114 setregid(rgid: hex, egid: hex) none => ids::setregid(call, rgid, egid);
    115 getgroups(size: size, list: ptr) none => ids::getgroups(call, size, list);
    116 setgroups(size: size, list: ptr) none => ids::setgroups(call, size, list);
    117 setresuid(ruid: hex, euid: hex, suid: hex) none => ids::setresuid(call, ruid, euid, suid);
    118 getresuid(ruid: ptr, euid: ptr, suid: ptr) none => ids::getres(call, ruid, euid, suid, false);
    119 setresgid(rgid: hex, egid: hex, sgid: hex) none => ids::setresgid(call, rgid, egid, sgid);
    120 getresgid(rgid: ptr, egid: ptr, sgid: ptr) none => ids::getres(call, rgid, egid, sgid, true);
    121 getpgid(pid: int) none => pgrp::getpgid(call, pid);
    122 setfsuid(uid: hex) none => ids::setfs(call, uid, false);
    123 setfsgid(gid: hex) none => ids::setfs(call, gid, true);
    124 getsid(pid: int) none => pgrp::getsid(call, pid);
    125 capget(header: ptr, data: ptr) none => ids::capget(call, header, data);
    126 capset(header: ptr, data: ptr) none => ids::capset(call, header, data);
    127 rt_sigpending(set: ptr, size: size) none => signal::rt_sigpending(call, set, size);
    128 rt_sigtimedwait(set: ptr, info: ptr, timeout: ptr, size: size) never => signal::rt_sigtimedwait(call, set, info, timeout, size).await;
    129 rt_sigqueueinfo(tgid: int, sig: ulong, info: ptr) none => signal::rt_sigqueueinfo(call, tgid as i64, None, sig, info);
    130 rt_sigsuspend(mask: ptr, size: size) nohand => signal::rt_sigsuspend(call, mask, size).await;
    131 sigaltstack(ss: ptr, old: ptr) none => signal::sigaltstack(call, ss, old);
    132 utime(path: path, times: ptr) none => utimes::utime(call, path, times);
    133 mknod(path: path, mode: oct, dev: hex) none => fsops::mknodat(call, AT_FDCWD, path, mode, dev);
    134 uselib() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    135 personality(persona: hex) none => personality::personality(call, persona as u32);
    136 ustat() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    137 statfs(path: path, buf: ptr) none => stat::statfs(call, path, buf);
    138 fstatfs(fd: fd, buf: ptr) none => stat::fstatfs(call, fd, buf);
    139 sysfs() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    140 getpriority(which: uint, who: int) none => priority::getpriority(call, which, who);
    141 setpriority(which: uint, who: int, prio: int) none => priority::setpriority(call, which, who, prio);
    142 sched_setparam(pid: int, param: ptr) none => sched::sched_setscheduler(call, pid as i64, None, param);
    143 sched_getparam(pid: int, param: ptr) none => sched::sched_getparam(call, pid as i64, param);
    144 sched_setscheduler(pid: int, policy: ulong, param: ptr) none => sched::sched_setscheduler(call, pid as i64, Some(policy), param);
    145 sched_getscheduler(pid: int) none => sched::sched_getscheduler(call, pid as i64);
    146 sched_get_priority_max(policy: ulong) none => sched::priority_range(policy, true);
    147 sched_get_priority_min(policy: ulong) none => sched::priority_range(policy, false);
    148 sched_rr_get_interval(pid: int, interval: ptr) none => sched::sched_rr_get_interval(call, pid as i64, interval);
    149 mlock(addr: ptr, len: size) none => mlock::mlock(call, addr, len);
    150 munlock(addr: ptr, len: size) none => mlock::munlock(call, addr, len);
    151 mlockall(flags: flags) none => mlock::mlockall(call, flags);
    152 munlockall() none => mlock::munlockall(call);
    153 vhangup() none => vhangup::vhangup(call);
    154 modify_ldt() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    155 pivot_root(new_root: path, put_old: path) none => pivot_root::pivot_root(call, new_root, put_old);
    156 _sysctl() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    157 prctl(option: ulong, arg2: hex, arg3: hex, arg4: hex, arg5: hex) none => prctl::prctl(call, option, arg2, arg3, arg4, arg5);
    158 arch_prctl(code: hex, addr: hex) none => arch_prctl::arch_prctl(call, code, addr);
    159 adjtimex(buf: ptr) none => adjtimex::adjtimex(call, buf);
    160 setrlimit(resource: uint, rlim: ptr) none => rlimit::setrlimit(call, resource, rlim);
    161 chroot(path: path) none => fsops::chroot(call, path);
    162 sync() none => Ok(0); // tmpfs has nothing to write back
    163 acct(path: path) none => acct::acct(call, path);
    164 settimeofday(tv: ptr, tz: ptr) none => time::settimeofday(call, tv, tz);
    165 mount(source: path, target: path, fstype: path, flags: hex, data: ptr) none => mount::mount(call, source, target, fstype, flags, data);
    166 umount2(target: path, flags: flags) none => mount::umount2(call, target, flags);
    167 swapon() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    168 swapoff() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    169 reboot(magic1: hex, magic2: hex, cmd: hex, arg: ptr) none => reboot::reboot(call, magic1 as u32, magic2 as u32, cmd as u32, arg);
    170 sethostname(name: ptr, len: int) none => hostname::sethostname(call, name, len as i64);
    171 setdomainname(name: ptr, len: int) none => hostname::setdomainname(call, name, len as i64);
    172 iopl(level: uint) none => ioport::iopl(call, level);
    173 ioperm(from: ulong, num: ulong, turn_on: int) none => ioport::ioperm(call, from, num, turn_on);
    174 create_module() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    175 init_module() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    176 delete_module() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    177 get_kernel_syms() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    178 query_module() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    179 quotactl() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    180 nfsservctl() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    181 getpmsg() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    182 putpmsg() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    183 afs_syscall() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    184 tuxcall() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    185 security() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    186 gettid() none => tid::gettid(call);
    187 readahead(fd: fd, offset: long, count: size) none => file_hints::readahead(call, fd, offset, count);
    188 setxattr(path: path, name: path, value: ptr, size: size, flags: flags) none => xattr::setxattr(call, xattr::Target::Path { follow: true }, path, name, value, size, flags);
    189 lsetxattr(path: path, name: path, value: ptr, size: size, flags: flags) none => xattr::setxattr(call, xattr::Target::Path { follow: false }, path, name, value, size, flags);
    190 fsetxattr(fd: fd, name: path, value: ptr, size: size, flags: flags) none => xattr::setxattr(call, xattr::Target::Fd, fd, name, value, size, flags);
    191 getxattr(path: path, name: path, value: ptr, size: size) none => xattr::getxattr(call, xattr::Target::Path { follow: true }, path, name, value, size);
    192 lgetxattr(path: path, name: path, value: ptr, size: size) none => xattr::getxattr(call, xattr::Target::Path { follow: false }, path, name, value, size);
    193 fgetxattr(fd: fd, name: path, value: ptr, size: size) none => xattr::getxattr(call, xattr::Target::Fd, fd, name, value, size);
    194 listxattr(path: path, list: ptr, size: size) none => xattr::listxattr(call, xattr::Target::Path { follow: true }, path, list, size);
    195 llistxattr(path: path, list: ptr, size: size) none => xattr::listxattr(call, xattr::Target::Path { follow: false }, path, list, size);
    196 flistxattr(fd: fd, list: ptr, size: size) none => xattr::listxattr(call, xattr::Target::Fd, fd, list, size);
    197 removexattr(path: path, name: path) none => xattr::removexattr(call, xattr::Target::Path { follow: true }, path, name);
    198 lremovexattr(path: path, name: path) none => xattr::removexattr(call, xattr::Target::Path { follow: false }, path, name);
    199 fremovexattr(fd: fd, name: path) none => xattr::removexattr(call, xattr::Target::Fd, fd, name);
    200 tkill(tid: int, sig: ulong) none => signal::tgkill(call, None, tid as i64, sig);
    201 time(t: ptr) none => time::time(call, t);
    202 futex(uaddr: ptr, op: hex, val: hex, timeout: ptr, uaddr2: ptr, val3: hex) block => futex::futex(call, uaddr, op, val, timeout, uaddr2, val3).await;
    203 sched_setaffinity(pid: int, size: size, mask: ptr) none => sched::sched_setaffinity(call, pid, size, mask);
    204 sched_getaffinity(pid: int, size: size, mask: ptr) none => sched::sched_getaffinity(call, pid, size, mask);
    205 set_thread_area() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    206 io_setup(nr_events: uint, ctxp: ptr) none => aio::io_setup(call, nr_events, ctxp);
    207 io_destroy(ctx: hex) none => aio::io_destroy(call, ctx).await;
    208 io_getevents(ctx: hex, min_nr: long, nr: long, events: ptr, timeout: ptr) never => aio::io_getevents(call, ctx, min_nr, nr, events, timeout).await;
    209 io_submit(ctx: hex, nr: long, iocbpp: ptr) none => aio::io_submit(call, ctx, nr, iocbpp).await;
    210 io_cancel(ctx: hex, iocb: ptr, result: ptr) none => aio::io_cancel(call, ctx, iocb, result);
    211 get_thread_area() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    212 lookup_dcookie() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    213 epoll_create(size: int) none => epoll::epoll_create(call, size);
    214 epoll_ctl_old() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    215 epoll_wait_old() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    216 remap_file_pages(start: ptr, size: size, prot: hex, pgoff: ulong, flags: hex) none => remap_file_pages::remap_file_pages(call, start, size, prot, pgoff, flags);
    217 getdents64(fd: fd, dirp: ptr, count: size) none => io::getdents64(call, fd, dirp, count);
    218 set_tid_address(tidptr: ptr) none => tid::set_tid_address(call, tidptr);
    219 restart_syscall() block => restart::restart_syscall(call).await;
    220 semtimedop(id: int, sops: ptr, nsops: uint, timeout: ptr) never => crate::ipc::sem::semtimedop(call.thread, id, sops, nsops as u64, timeout).await; // Linux returns EINTR itself
    221 fadvise64(fd: fd, offset: long, len: long, advice: ulong) none => xattr::fadvise64(call, fd, offset, len, advice);
    222 timer_create(clock: uint, sevp: ptr, timerid: ptr) none => timer::timer_create(call, clock as u64, sevp, timerid);
    223 timer_settime(timerid: int, flags: flags, new: ptr, old: ptr) none => timer::timer_settime(call, timerid, flags, new, old);
    224 timer_gettime(timerid: int, value: ptr) none => timer::timer_gettime(call, timerid, value);
    225 timer_getoverrun(timerid: int) none => timer::timer_getoverrun(call, timerid);
    226 timer_delete(timerid: int) none => timer::timer_delete(call, timerid);
    227 clock_settime(clock: uint, tp: ptr) none => time::clock_settime(call, clock as u64, tp);
    228 clock_gettime(clock: uint, tp: ptr) none => time::clock_gettime(call, clock as u64, tp);
    229 clock_getres(clock: uint, res: ptr) none => time::clock_getres(call, clock as u64, res);
    230 clock_nanosleep(clock: uint, flags: flags, req: ptr, rem: ptr) block => time::clock_nanosleep(call, clock as u64, flags as u64, req, rem).await;
    231 exit_group(status: int) none => exit::exit_group(call, status);
    232 epoll_wait(epfd: fd, events: ptr, maxevents: int, timeout_ms: int) never => epoll::epoll_wait(call, epfd, events, maxevents, timeout_ms).await;
    233 epoll_ctl(epfd: fd, op: uint, fd: fd, event: ptr) none => epoll::epoll_ctl(call, epfd, op as u64, fd, event);
    234 tgkill(tgid: int, tid: int, sig: ulong) none => signal::tgkill(call, Some(tgid as i64), tid as i64, sig);
    235 utimes(path: path, times: ptr) none => utimes::utimes(call, path, times);
    236 vserver() none => GAP; // removed or never wired on x86-64 Linux: ENOSYS there too
    237 mbind() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    238 set_mempolicy() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    239 get_mempolicy() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    240 mq_open(name: path, oflag: flags, mode: oct, attr: ptr) none => crate::ipc::mqueue::mq_open(call.thread, name, oflag, mode, attr);
    241 mq_unlink(name: path) none => crate::ipc::mqueue::mq_unlink(call.thread, name);
    242 mq_timedsend(mqdes: fd, msg: ptr, len: size, prio: uint, abs_timeout: ptr) sys => crate::ipc::mqueue::mq_timedsend(call.thread, mqdes, msg, len, prio, abs_timeout).await;
    243 mq_timedreceive(mqdes: fd, msg: ptr, len: size, prio: ptr, abs_timeout: ptr) sys => crate::ipc::mqueue::mq_timedreceive(call.thread, mqdes, msg, len, prio, abs_timeout).await;
    244 mq_notify(mqdes: fd, sevp: ptr) none => crate::ipc::mqueue::mq_notify(call.thread, mqdes, sevp); // SIGEV_THREAD (glibc's netlink helper): EINVAL
    245 mq_getsetattr(mqdes: fd, new: ptr, old: ptr) none => crate::ipc::mqueue::mq_getsetattr(call.thread, mqdes, new, old);
    246 kexec_load() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    247 waitid(idtype: uint, id: uint, info: ptr, options: flags, rusage: ptr) sys => wait::waitid(call, idtype as u64, id as u64, info, options as u64, rusage).await;
    248 add_key() none => GAP; // as a kernel built without CONFIG_KEYS: ENOSYS there too (systemd falls back)
    249 request_key() none => GAP; // as a kernel built without CONFIG_KEYS: ENOSYS there too (systemd falls back)
    250 keyctl() none => GAP; // as a kernel built without CONFIG_KEYS: ENOSYS there too (systemd falls back)
    251 ioprio_set(which: uint, who: int, ioprio: int) none => ioprio::ioprio_set(call, which, who, ioprio);
    252 ioprio_get(which: uint, who: int) none => ioprio::ioprio_get(call, which, who);
    253 inotify_init() none => inotify::inotify_init1(call, 0);
    254 inotify_add_watch(fd: fd, path: path, mask: flags) none => inotify::inotify_add_watch(call, fd, path, mask);
    255 inotify_rm_watch(fd: fd, wd: int) none => inotify::inotify_rm_watch(call, fd, wd);
    256 migrate_pages() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    257 openat(dirfd: dfd, path: path, flags: flags, mode: oct) sys => open::openat(call, dirfd, path, flags, mode).await;
    258 mkdirat(dirfd: dfd, path: path, mode: oct) none => fsops::mkdirat(call, dirfd, path, mode);
    259 mknodat(dirfd: dfd, path: path, mode: oct, dev: hex) none => fsops::mknodat(call, dirfd, path, mode, dev);
    260 fchownat(dirfd: dfd, path: path, uid: hex, gid: hex, flags: flags) none => fsops::fchownat(call, dirfd, path, uid, gid, flags);
    261 futimesat(dirfd: dfd, path: path, times: ptr) none => utimes::futimesat(call, dirfd, path, times);
    262 newfstatat(dirfd: dfd, path: path, buf: ptr, flags: hex) none => stat::newfstatat(call, dirfd, path, buf, flags);
    263 unlinkat(dirfd: dfd, path: path, flags: flags) none => fsops::unlinkat(call, dirfd, path, flags);
    264 renameat(olddirfd: dfd, old: path, newdirfd: dfd, new: path) none => fsops::renameat2(call, olddirfd, old, newdirfd, new, 0);
    265 linkat(olddirfd: dfd, old: path, newdirfd: dfd, new: path, flags: flags) none => fsops::linkat(call, olddirfd, old, newdirfd, new, flags);
    266 symlinkat(target: path, dirfd: dfd, linkpath: path) none => fsops::symlinkat(call, target, dirfd, linkpath);
    267 readlinkat(dirfd: dfd, path: path, buf: ptr, size: size) none => fsops::readlinkat(call, dirfd, path, buf, size);
    268 fchmodat(dirfd: dfd, path: path, mode: oct) none => fsops::fchmodat(call, dirfd, path, mode, 0);
    269 faccessat(dirfd: dfd, path: path, mode: oct) none => fsops::faccessat2(call, dirfd, path, mode, 0);
    270 pselect6(nfds: size, readfds: ptr, writefds: ptr, exceptfds: ptr, timeout: ptr, sigmask: ptr) nohand => poll::pselect6(call, nfds, readfds, writefds, exceptfds, timeout, sigmask).await;
    271 ppoll(fds: ptr, nfds: size, timeout: ptr, sigmask: ptr, size: size) nohand => poll::ppoll(call, fds, nfds, timeout, sigmask, size).await;
    272 unshare(flags: hex) none => unshare::unshare(call, flags);
    273 set_robust_list(head: ptr, len: size) none => tid::set_robust_list(call, head, len);
    274 get_robust_list(pid: int, head: ptr, len: ptr) none => tid::get_robust_list(call, pid, head, len);
    275 splice(fd_in: fd, off_in: ptr, fd_out: fd, off_out: ptr, len: size, flags: flags) sys => io::splice(call, fd_in, off_in, fd_out, off_out, len, flags).await;
    276 tee(fd_in: fd, fd_out: fd, len: size, flags: flags) sys => io::tee(call, fd_in, fd_out, len, flags).await;
    277 sync_file_range(fd: fd, offset: long, nbytes: long, flags: flags) none => file_hints::sync_file_range(call, fd, offset, nbytes, flags);
    278 vmsplice(fd: fd, iov: ptr, nr_segs: ulong, flags: flags) sys => io::vmsplice(call, fd, iov, nr_segs, flags).await;
    279 move_pages() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    280 utimensat(dirfd: dfd, path: path, times: ptr, flags: flags) none => fsops::utimensat(call, dirfd, path, times, flags);
    281 epoll_pwait(epfd: fd, events: ptr, maxevents: int, timeout_ms: int, sigmask: ptr, size: size) never => epoll::epoll_pwait(call, epfd, events, maxevents, timeout_ms, sigmask, size).await;
    282 signalfd(fd: int, mask: ptr, size: size) none => signalfd::signalfd4(call, fd, mask, size, 0);
    283 timerfd_create(clock: uint, flags: flags) none => timerfd::timerfd_create(call, clock as u64, flags);
    284 eventfd(initval: uint) none => eventfd::eventfd2(call, initval as u64, 0);
    285 fallocate(fd: fd, mode: flags, offset: long, len: long) none => io::fallocate(call, fd, mode, offset, len);
    286 timerfd_settime(fd: fd, flags: flags, new: ptr, old: ptr) none => timerfd::timerfd_settime(call, fd, flags, new, old);
    287 timerfd_gettime(fd: fd, value: ptr) none => timerfd::timerfd_gettime(call, fd, value);
    288 accept4(fd: fd, addr: ptr, addrlen: ptr, flags: flags) sys => socket::conn::accept4(call, fd, addr, addrlen, flags).await;
    289 signalfd4(fd: int, mask: ptr, size: size, flags: flags) none => signalfd::signalfd4(call, fd, mask, size, flags);
    290 eventfd2(initval: uint, flags: flags) none => eventfd::eventfd2(call, initval as u64, flags);
    291 epoll_create1(flags: flags) none => epoll::epoll_create1(call, flags);
    292 dup3(old: fd, new: fd, flags: flags) none => fcntl::dup3(call, old, new, flags as u64);
    293 pipe2(fds: ptr, flags: flags) none => io::pipe2(call, fds, flags);
    294 inotify_init1(flags: flags) none => inotify::inotify_init1(call, flags);
    295 preadv(fd: fd, iov: ptr, iovcnt: size, offset: long) sys => io::preadv(call, fd, iov, iovcnt, offset).await;
    296 pwritev(fd: fd, iov: ptr, iovcnt: size, offset: long) sys => io::pwritev(call, fd, iov, iovcnt, offset).await;
    297 rt_tgsigqueueinfo(tgid: int, tid: int, sig: ulong, info: ptr) none => signal::rt_sigqueueinfo(call, tgid as i64, Some(tid as i64), sig, info);
    298 perf_event_open() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    299 recvmmsg(fd: fd, vec: ptr, vlen: uint, flags: flags, timeout: ptr) sys => socket::recv::recvmmsg(call, fd, vec, vlen, flags, timeout).await;
    300 fanotify_init() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    301 fanotify_mark() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    302 prlimit64(pid: int, resource: uint, new: ptr, old: ptr) none => rlimit::prlimit64(call, pid, resource, new, old);
    303 name_to_handle_at(dirfd: dfd, path: path, handle: ptr, mount_id: ptr, flags: flags) none => handle::name_to_handle_at(call, dirfd, path, handle, mount_id, flags);
    304 open_by_handle_at(mount_fd: int, handle: ptr, flags: flags) none => handle::open_by_handle_at(call, mount_fd, handle, flags);
    305 clock_adjtime(clock: int, buf: ptr) none => adjtimex::clock_adjtime(call, clock, buf);
    306 syncfs(fd: fd) none => fsops::fsync(call, fd);
    307 sendmmsg(fd: fd, vec: ptr, vlen: uint, flags: flags) sys => socket::send::sendmmsg(call, fd, vec, vlen, flags).await;
    308 setns(fd: fd, nstype: hex) none => setns::setns(call, fd, nstype);
    309 getcpu(cpu: ptr, node: ptr) none => sched::getcpu(call, cpu, node);
    310 process_vm_readv(pid: int, local_iov: ptr, liovcnt: ulong, remote_iov: ptr, riovcnt: ulong, flags: ulong) none => process_vm::process_vm_readv(call, pid, local_iov, liovcnt, remote_iov, riovcnt, flags);
    311 process_vm_writev(pid: int, local_iov: ptr, liovcnt: ulong, remote_iov: ptr, riovcnt: ulong, flags: ulong) none => process_vm::process_vm_writev(call, pid, local_iov, liovcnt, remote_iov, riovcnt, flags);
    312 kcmp(pid1: int, pid2: int, kind: int, idx1: ulong, idx2: ulong) none => kcmp::kcmp(call, pid1, pid2, kind, idx1, idx2);
    313 finit_module() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    314 sched_setattr(pid: int, attr: ptr, flags: flags) none => sched_setattr::sched_setattr(call, pid, attr, flags);
    315 sched_getattr(pid: int, attr: ptr, size: uint, flags: flags) none => sched_setattr::sched_getattr(call, pid, attr, size, flags);
    316 renameat2(olddirfd: dfd, old: path, newdirfd: dfd, new: path, flags: flags) none => fsops::renameat2(call, olddirfd, old, newdirfd, new, flags);
    317 seccomp() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    318 getrandom(buf: ptr, len: size, flags: flags) none => io::getrandom(call, buf, len, flags);
    319 memfd_create(name: path, flags: flags) none => memfd::memfd_create(call, name, flags);
    320 kexec_file_load() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    321 bpf() none => GAP; // as a kernel built without CONFIG_BPF_SYSCALL: ENOSYS there too (systemd skips BPF features)
    322 execveat(dirfd: dfd, path: path, argv: ptr, envp: ptr, flags: hex) none => execve::execveat(call, dirfd, path, argv, envp, flags).await;
    323 userfaultfd() none => GAP; // as a kernel built without CONFIG_USERFAULTFD: a fault-handling fd is a larger piece (issue 18)
    324 membarrier(cmd: int, flags: flags, cpu_id: int) none => membarrier::membarrier(call, cmd as u32, flags, cpu_id);
    325 mlock2(addr: ptr, len: size, flags: flags) none => mlock::mlock2(call, addr, len, flags);
    326 copy_file_range(fd_in: fd, off_in: ptr, fd_out: fd, off_out: ptr, len: size, flags: hex) sys => io::copy_file_range(call, fd_in, off_in, fd_out, off_out, len, flags).await;
    327 preadv2(fd: fd, iov: ptr, iovcnt: size, offset: long, _hi: hex, flags: hex) sys => io::preadv2(call, fd, iov, iovcnt, offset, flags).await;
    328 pwritev2(fd: fd, iov: ptr, iovcnt: size, offset: long, _hi: hex, flags: hex) sys => io::pwritev2(call, fd, iov, iovcnt, offset, flags).await;
    329 pkey_mprotect(addr: ptr, len: size, prot: hex, pkey: int) none => pkey::pkey_mprotect(call, addr, len, prot, pkey);
    330 pkey_alloc(flags: ulong, init_val: ulong) none => pkey::pkey_alloc(call, flags, init_val);
    331 pkey_free(pkey: int) none => pkey::pkey_free(call, pkey);
    332 statx(dirfd: dfd, path: path, flags: flags, mask: flags, buf: ptr) none => stat::statx(call, dirfd, path, flags, mask, buf);
    333 io_pgetevents(ctx: hex, min_nr: long, nr: long, events: ptr, timeout: ptr, usig: ptr) never => aio::io_pgetevents(call, ctx, min_nr, nr, events, timeout, usig).await;
    334 rseq(rseq: hex, len: size, flags: flags, sig: hex) none => Err(Errno::ENOSYS); // stub: as a kernel built without CONFIG_RSEQ; glibc then runs without restartable sequences
    424 pidfd_send_signal(pidfd: fd, sig: uint, info: ptr, flags: flags) none => pidfd::pidfd_send_signal(call, pidfd, sig as u64, info, flags);
    425 io_uring_setup(entries: uint, params: ptr) none => io_uring::io_uring_setup(call, entries, params);
    426 io_uring_enter(fd: fd, to_submit: uint, min_complete: uint, flags: flags, argp: ptr, argsz: size) never => io_uring::io_uring_enter(call, fd, to_submit, min_complete, flags, argp, argsz).await;
    427 io_uring_register(fd: fd, opcode: uint, arg: ptr, nr_args: uint) none => io_uring::io_uring_register(call, fd, opcode, arg, nr_args);
    428 open_tree(dfd: dfd, path: path, flags: hex) none => mount_api::open_tree(call, dfd, path, flags as u32);
    429 move_mount(from_dfd: dfd, from: path, to_dfd: dfd, to: path, flags: flags) none => mount_api::move_mount(call, from_dfd, from, to_dfd, to, flags);
    430 fsopen(fsname: path, flags: flags) none => mount_api::fsopen(call, fsname, flags);
    431 fsconfig(fd: int, cmd: uint, key: path, value: ptr, aux: int) none => mount_api::fsconfig(call, fd, cmd, key, value, aux);
    432 fsmount(fd: int, flags: flags, attr: flags) none => mount_api::fsmount(call, fd, flags, attr);
    433 fspick(dfd: dfd, path: path, flags: flags) none => mount_api::fspick(call, dfd, path, flags);
    434 pidfd_open(pid: int, flags: flags) none => pidfd::pidfd_open(call, pid, flags);
    435 clone3(args: ptr, size: size) nointr => clone::clone3(call, args, size).await;
    436 close_range(first: uint, last: uint, flags: flags) none => fcntl::close_range(call, first, last, flags);
    437 openat2(dirfd: dfd, path: path, how: ptr, size: size) sys => open::openat2(call, dirfd, path, how, size).await;
    438 pidfd_getfd(pidfd: fd, targetfd: int, flags: flags) none => pidfd::pidfd_getfd(call, pidfd, targetfd, flags);
    439 faccessat2(dirfd: dfd, path: path, mode: oct, flags: flags) none => fsops::faccessat2(call, dirfd, path, mode, flags);
    440 process_madvise() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    441 epoll_pwait2(epfd: fd, events: ptr, maxevents: int, timeout: ptr, sigmask: ptr, size: size) never => epoll::epoll_pwait2(call, epfd, events, maxevents, timeout, sigmask, size).await;
    442 mount_setattr(dfd: dfd, path: path, flags: flags, attr: ptr, size: size) none => mount_api::mount_setattr(call, dfd, path, flags, attr, size);
    443 quotactl_fd() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    444 landlock_create_ruleset() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    445 landlock_add_rule() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    446 landlock_restrict_self() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    447 memfd_secret() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    448 process_mrelease() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    449 futex_waitv() none => GAP; // not implemented yet
    450 set_mempolicy_home_node() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    451 cachestat() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    452 fchmodat2(dirfd: dfd, path: path, mode: oct, flags: flags) none => fsops::fchmodat(call, dirfd, path, mode, flags);
    453 map_shadow_stack() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    454 futex_wake() none => GAP; // not implemented yet
    455 futex_wait() none => GAP; // not implemented yet
    456 futex_requeue() none => GAP; // not implemented yet
    457 statmount() none => GAP; // the new mount API: systemd 252 falls back to mount(2)
    458 listmount() none => GAP; // the new mount API: systemd 252 falls back to mount(2)
    459 lsm_get_self_attr() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    460 lsm_set_self_attr() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    461 lsm_list_modules() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
    462 mseal() none => GAP; // optional in Linux (a config option or a feature this machine lacks): not implemented yet
}
