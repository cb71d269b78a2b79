//! The system call table.
//!
//! [`dispatch`] decodes RAX and the six argument registers, runs the
//! handler (an `async fn` where the call may block) and writes the result
//! or `-errno` back to RAX. Every x86-64 number has a name ([`names`]);
//! a number without a handler answers ENOSYS and logs one line, like a
//! kernel built without that feature. With `strace` on the command line
//! every call is logged with its arguments, result and errno name, per
//! thread and CPU.
//!
//! Stubs (answers Linux itself can give, which programs handle):
//! - `rseq`: ENOSYS, as on a kernel built without CONFIG_RSEQ; glibc then
//!   runs without restartable sequences.
//! - `unshare`, `setns` and the other namespace calls: ENOSYS (no
//!   namespaces yet), as a kernel built without CONFIG_NAMESPACES answers
//!   for the flags it lacks.
//! - sockets (`socket`, `socketpair`, ...): ENOSYS until the sockets work,
//!   as a kernel without CONFIG_NET.
//!
//! Partial answers, each explained where it is given: futex PI operations
//! (ENOSYS, as without CONFIG_FUTEX_PI; `futex.rs`), real-time scheduling
//! policies (EINVAL once permitted; `sched.rs`), clone3 `set_tid` and
//! CLONE_PIDFD/INTO_CGROUP (EINVAL; `clone.rs`), openat2 RESOLVE_* other
//! than NO_MAGICLINKS (EINVAL; `open.rs`), mount of proc/sysfs/cgroup2/
//! devpts (ENODEV until those filesystems; `mount.rs`), block devices on
//! open (ENXIO), RLIMIT_SIGPENDING (accepted, not enforced).

use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

use platform::user::UserContext;

use crate::errno::{Errno, SysResult};
use crate::proc::Thread;

mod arch_prctl;
mod brk;
mod clone;
mod epoll;
mod eventfd;
mod execve;
mod exit;
mod fcntl;
mod fsops;
mod futex;
mod ids;
mod madvise;
mod io;
pub mod itimer;
mod inotify;
pub mod lock;
mod mmap;
mod mount;
mod mremap;
mod msync;
mod names;
mod open;
mod pgrp;
mod pidfd;
mod poll;
mod signalfd;
mod prctl;
mod priority;
mod rusage;

mod sched;
mod rlimit;
mod signal;
mod stat;
mod tid;
mod timer;
mod timerfd;
mod tty;
mod trace;
pub mod time;
mod uname;
mod wait;
mod xattr;

/// What the thread does after a syscall.
pub enum Flow {
    Continue,
    ExitThread,
}

/// A syscall's view of the calling thread.
pub struct Call<'a> {
    pub thread: &'a Arc<Thread>,
    pub ctx: &'a mut UserContext,
}

impl Call<'_> {
    /// Installs a new open file at the lowest free descriptor (EMFILE past
    /// RLIMIT_NOFILE) and returns the descriptor.
    pub fn install(&self, file: Arc<crate::file::File>, cloexec: bool) -> SysResult {
        let limit = self.thread.process.limits.lock().0[crate::proc::limits::RLIMIT_NOFILE].0.min(1 << 20) as usize;
        Ok(self.thread.process.files().lock().install(file, cloexec, limit)? as u64)
    }
}

static TRACE: AtomicBool = AtomicBool::new(false);

/// Syscall numbers already reported as unimplemented (one warning each per
/// boot; later calls are logged at debug level).
static REPORTED: [core::sync::atomic::AtomicU64; 8] = [const { core::sync::atomic::AtomicU64::new(0) }; 8];

fn unimplemented(thread: &Arc<Thread>, nr: u64) {
    let name = names::name(nr).unwrap_or("unknown");
    let (w, b) = ((nr as usize / 64).min(7), 1u64 << (nr % 64));
    if nr < 512 && REPORTED[w].fetch_or(b, Ordering::Relaxed) & b == 0 {
        log::warn!("pid {} tid {}: unimplemented syscall {nr} ({name}): ENOSYS", thread.process.pid, thread.tid());
    } else {
        log::debug!("pid {} tid {}: unimplemented syscall {nr} ({name}): ENOSYS", thread.process.pid, thread.tid());
    }
}

/// Reads the `strace` switch from the command line.
pub fn init() {
    TRACE.store(platform::cmdline::get().flag("strace"), Ordering::Relaxed);
}

/// Runs the syscall in `ctx` for `thread`.
pub async fn dispatch(thread: &Arc<Thread>, ctx: &mut UserContext) -> Flow {
    let nr = ctx.rax;
    let a = [ctx.rdi, ctx.rsi, ctx.rdx, ctx.r10, ctx.r8, ctx.r9];
    let mut call = Call { thread, ctx };
    let result: SysResult = match nr {
        0 => io::read(&call, a[0], a[1], a[2]).await,
        1 => io::write(&call, a[0], a[1], a[2]).await,
        19 => io::readv(&call, a[0], a[1], a[2]).await,
        20 => io::writev(&call, a[0], a[1], a[2]).await,
        3 => io::close(&call, a[0]),
        5 => stat::fstat(&call, a[0], a[1]),
        262 => stat::newfstatat(&call, a[0] as i32, a[1], a[2], a[3]),
        9 => mmap::mmap(&call, a[0], a[1], a[2], a[3], a[4] as i32, a[5]),
        10 => mmap::mprotect(&call, a[0], a[1], a[2]),
        11 => mmap::munmap(&call, a[0], a[1]),
        12 => brk::brk(&call, a[0]),
        56 => clone::clone(&mut call, a[0], a[1], a[2], a[3], a[4]).await,
        57 => clone::clone(&mut call, 17, 0, 0, 0, 0).await, // fork
        58 => clone::clone(&mut call, clone::CLONE_VM | clone::CLONE_VFORK | 17, 0, 0, 0, 0).await, // vfork
        435 => clone::clone3(&mut call, a[0], a[1]).await,
        28 => madvise::madvise(&call, a[0], a[1], a[2]),
        25 => mremap::mremap(&call, a[0], a[1], a[2], a[3], a[4]),
        26 => msync::msync(&call, a[0], a[1], a[2]),
        27 => msync::mincore(&call, a[0], a[1], a[2]),
        59 => execve::execve(&mut call, a[0], a[1], a[2]).await,
        322 => execve::execveat(&mut call, a[0] as i32, a[1], a[2], a[3], a[4]).await,
        61 => wait::wait4(&call, a[0] as i32, a[1], a[2] as u32 as u64, a[3]).await,
        247 => wait::waitid(&call, a[0] as u32 as u64, a[1] as u32 as u64, a[2], a[3] as u32 as u64, a[4]).await,
        109 => pgrp::setpgid(&call, a[0] as i32, a[1] as i32),
        121 => pgrp::getpgid(&call, a[0] as i32),
        111 => pgrp::getpgid(&call, 0), // getpgrp
        112 => pgrp::setsid(&call),
        124 => pgrp::getsid(&call, a[0] as i32),
        16 => io::ioctl(&call, a[0], a[1], a[2]),
        72 if lock::is_lock_cmd(a[1] as u32 as u64) => lock::fcntl_lock(&call, a[0], a[1] as u32 as u64, a[2]).await,
        72 => fcntl::fcntl(&call, a[0], a[1], a[2]),
        73 => lock::flock(&call, a[0], a[1]).await,
        89 => fsops::readlinkat(&call, -100, a[0], a[1], a[2]),
        267 => fsops::readlinkat(&call, a[0] as i32, a[1], a[2], a[3]),
        2 => open::open(&call, a[0], a[1] as u32, a[2] as u32).await,
        257 => open::openat(&call, a[0] as i32, a[1], a[2] as u32, a[3] as u32).await,
        85 => open::creat(&call, a[0], a[1] as u32).await,
        437 => open::openat2(&call, a[0] as i32, a[1], a[2], a[3]).await,
        295 => io::preadv(&call, a[0], a[1], a[2], a[3] as i64).await,
        296 => io::pwritev(&call, a[0], a[1], a[2], a[3] as i64).await,
        327 => io::preadv2(&call, a[0], a[1], a[2], a[3] as i64, a[5]).await,
        328 => io::pwritev2(&call, a[0], a[1], a[2], a[3] as i64, a[5]).await,
        4 => stat::stat(&call, a[0], a[1], false),
        6 => stat::stat(&call, a[0], a[1], true),
        332 => stat::statx(&call, a[0] as i32, a[1], a[2] as u32, a[3] as u32, a[4]),
        137 => stat::statfs(&call, a[0], a[1]),
        138 => stat::fstatfs(&call, a[0], a[1]),
        8 => io::lseek(&call, a[0], a[1] as i64, a[2] as u32 as u64),
        17 => io::pread64(&call, a[0], a[1], a[2], a[3] as i64).await,
        18 => io::pwrite64(&call, a[0], a[1], a[2], a[3] as i64).await,
        78 => io::getdents(&call, a[0], a[1], a[2]),
        217 => io::getdents64(&call, a[0], a[1], a[2]),
        284 => eventfd::eventfd2(&call, a[0], 0),
        290 => eventfd::eventfd2(&call, a[0], a[1] as u32),
        283 => timerfd::timerfd_create(&call, a[0] as u32 as u64, a[1] as u32),
        286 => timerfd::timerfd_settime(&call, a[0], a[1] as u32, a[2], a[3]),
        287 => timerfd::timerfd_gettime(&call, a[0], a[1]),
        40 => io::sendfile(&call, a[0], a[1], a[2], a[3]).await,
        326 => io::copy_file_range(&call, a[0], a[1], a[2], a[3], a[4], a[5]).await,
        285 => io::fallocate(&call, a[0], a[1] as u32, a[2] as i64, a[3] as i64),
        22 => io::pipe2(&call, a[0], 0),
        293 => io::pipe2(&call, a[0], a[1] as u32),
        83 => fsops::mkdirat(&call, -100, a[0], a[1] as u32),
        258 => fsops::mkdirat(&call, a[0] as i32, a[1], a[2] as u32),
        133 => fsops::mknodat(&call, -100, a[0], a[1] as u32, a[2]),
        259 => fsops::mknodat(&call, a[0] as i32, a[1], a[2] as u32, a[3]),
        87 => fsops::unlinkat(&call, -100, a[0], 0),
        84 => fsops::unlinkat(&call, -100, a[0], 0x200), // rmdir
        263 => fsops::unlinkat(&call, a[0] as i32, a[1], a[2] as u32),
        82 => fsops::renameat2(&call, -100, a[0], -100, a[1], 0),
        264 => fsops::renameat2(&call, a[0] as i32, a[1], a[2] as i32, a[3], 0),
        316 => fsops::renameat2(&call, a[0] as i32, a[1], a[2] as i32, a[3], a[4] as u32),
        86 => fsops::linkat(&call, -100, a[0], -100, a[1], 0),
        265 => fsops::linkat(&call, a[0] as i32, a[1], a[2] as i32, a[3], a[4] as u32),
        88 => fsops::symlinkat(&call, a[0], -100, a[1]),
        266 => fsops::symlinkat(&call, a[0], a[1] as i32, a[2]),
        90 => fsops::fchmodat(&call, -100, a[0], a[1] as u32, 0),
        91 => fsops::fchmod(&call, a[0], a[1] as u32),
        268 => fsops::fchmodat(&call, a[0] as i32, a[1], a[2] as u32, 0),
        452 => fsops::fchmodat(&call, a[0] as i32, a[1], a[2] as u32, a[3] as u32),
        92 => fsops::fchownat(&call, -100, a[0], a[1], a[2], 0),
        94 => fsops::fchownat(&call, -100, a[0], a[1], a[2], 0x100), // lchown
        93 => fsops::fchown(&call, a[0], a[1], a[2]),
        260 => fsops::fchownat(&call, a[0] as i32, a[1], a[2], a[3], a[4] as u32),
        76 => fsops::truncate(&call, a[0], a[1] as i64),
        77 => fsops::ftruncate(&call, a[0], a[1] as i64),
        280 => fsops::utimensat(&call, a[0] as i32, a[1], a[2], a[3] as u32),
        21 => fsops::faccessat2(&call, -100, a[0], a[1] as u32, 0),
        269 => fsops::faccessat2(&call, a[0] as i32, a[1], a[2] as u32, 0),
        439 => fsops::faccessat2(&call, a[0] as i32, a[1], a[2] as u32, a[3] as u32),
        80 => fsops::chdir(&call, a[0]),
        81 => fsops::fchdir(&call, a[0]),
        79 => fsops::getcwd(&call, a[0], a[1]),
        161 => fsops::chroot(&call, a[0]),
        74 | 75 => fsops::fsync(&call, a[0]),
        162 => Ok(0), // sync: tmpfs has nothing to write back
        37 => itimer::alarm(&call, a[0]),
        222 => timer::timer_create(&call, a[0] as u32 as u64, a[1], a[2]),
        223 => timer::timer_settime(&call, a[0] as i32, a[1] as u32, a[2], a[3]),
        224 => timer::timer_gettime(&call, a[0] as i32, a[1]),
        225 => timer::timer_getoverrun(&call, a[0] as i32),
        226 => timer::timer_delete(&call, a[0] as i32),
        36 => itimer::getitimer(&call, a[0] as u32 as u64, a[1]),
        38 => itimer::setitimer(&call, a[0] as u32 as u64, a[1], a[2]),
        165 => mount::mount(&call, a[0], a[1], a[2], a[3], a[4]),
        166 => mount::umount2(&call, a[0], a[1] as u32),
        436 => fcntl::close_range(&call, a[0] as u32, a[1] as u32, a[2] as u32),
        188 => xattr::setxattr(&call, xattr::Target::Path { follow: true }, a[0], a[1], a[2], a[3], a[4] as u32),
        189 => xattr::setxattr(&call, xattr::Target::Path { follow: false }, a[0], a[1], a[2], a[3], a[4] as u32),
        190 => xattr::setxattr(&call, xattr::Target::Fd, a[0], a[1], a[2], a[3], a[4] as u32),
        191 => xattr::getxattr(&call, xattr::Target::Path { follow: true }, a[0], a[1], a[2], a[3]),
        192 => xattr::getxattr(&call, xattr::Target::Path { follow: false }, a[0], a[1], a[2], a[3]),
        193 => xattr::getxattr(&call, xattr::Target::Fd, a[0], a[1], a[2], a[3]),
        194 => xattr::listxattr(&call, xattr::Target::Path { follow: true }, a[0], a[1], a[2]),
        195 => xattr::listxattr(&call, xattr::Target::Path { follow: false }, a[0], a[1], a[2]),
        196 => xattr::listxattr(&call, xattr::Target::Fd, a[0], a[1], a[2]),
        197 => xattr::removexattr(&call, xattr::Target::Path { follow: true }, a[0], a[1]),
        198 => xattr::removexattr(&call, xattr::Target::Path { follow: false }, a[0], a[1]),
        199 => xattr::removexattr(&call, xattr::Target::Fd, a[0], a[1]),
        7 => poll::poll(&call, a[0], a[1], a[2] as i32).await,
        213 => epoll::epoll_create(&call, a[0] as i32),
        291 => epoll::epoll_create1(&call, a[0] as u32),
        233 => epoll::epoll_ctl(&call, a[0], a[1] as u32 as u64, a[2] as u32 as u64, a[3]),
        232 => epoll::epoll_wait(&call, a[0], a[1], a[2] as i32, a[3] as i32).await,
        281 => epoll::epoll_pwait(&call, a[0], a[1], a[2] as i32, a[3] as i32 as u64, false, a[4], a[5]).await,
        441 => epoll::epoll_pwait(&call, a[0], a[1], a[2] as i32, a[3], true, a[4], a[5]).await,
        253 => inotify::inotify_init1(&call, 0),
        294 => inotify::inotify_init1(&call, a[0] as u32),
        254 => inotify::inotify_add_watch(&call, a[0], a[1], a[2] as u32),
        255 => inotify::inotify_rm_watch(&call, a[0], a[1] as i32),
        434 => pidfd::pidfd_open(&call, a[0] as i32, a[1] as u32),
        424 => pidfd::pidfd_send_signal(&call, a[0], a[1] as u32 as u64, a[2], a[3] as u32),
        282 => signalfd::signalfd4(&call, a[0] as i32, a[1], a[2], 0),
        289 => signalfd::signalfd4(&call, a[0] as i32, a[1], a[2], a[3] as u32),
        271 => poll::ppoll(&call, a[0], a[1], a[2], a[3], a[4]).await,
        23 => poll::select(&call, a[0], a[1], a[2], a[3], a[4]).await,
        270 => poll::pselect6(&call, a[0], a[1], a[2], a[3], a[4], a[5]).await,
        221 => xattr::fadvise64(&call, a[0], a[1] as i64, a[2] as i64, a[3]),
        306 => fsops::fsync(&call, a[0]), // syncfs
        32 => fcntl::dup(&call, a[0]),
        33 => fcntl::dup2(&call, a[0], a[1]),
        292 => fcntl::dup3(&call, a[0], a[1], a[2]),
        24 => tid::sched_yield().await,
        39 => tid::getpid(&call),
        60 => return exit::exit(&mut call, a[0] as i32),
        63 => uname::uname(&call, a[0]),
        102 => ids::get(&call, b'u'),
        104 => ids::get(&call, b'g'),
        107 => ids::get(&call, b'U'),
        108 => ids::get(&call, b'G'),
        105 => ids::setuid(&call, a[0]),
        106 => ids::setgid(&call, a[0]),
        113 => ids::setreuid(&call, a[0], a[1]),
        114 => ids::setregid(&call, a[0], a[1]),
        115 => ids::getgroups(&call, a[0], a[1]),
        116 => ids::setgroups(&call, a[0], a[1]),
        117 => ids::setresuid(&call, a[0], a[1], a[2]),
        118 => ids::getres(&call, a[0], a[1], a[2], false),
        119 => ids::setresgid(&call, a[0], a[1], a[2]),
        120 => ids::getres(&call, a[0], a[1], a[2], true),
        122 => ids::setfs(&call, a[0], false),
        123 => ids::setfs(&call, a[0], true),
        125 => ids::capget(&call, a[0], a[1]),
        126 => ids::capset(&call, a[0], a[1]),
        95 => ids::umask(&call, a[0]),
        157 => prctl::prctl(&call, a[0], a[1], a[2], a[3], a[4]),
        160 => rlimit::setrlimit(&call, a[0] as u32, a[1]),
        98 => rusage::getrusage(&call, a[0] as i32 as i64, a[1]),
        100 => rusage::times(&call, a[0]),
        99 => sched::sysinfo(&call, a[0]),
        203 => sched::sched_setaffinity(&call, a[0] as i32, a[1], a[2]),
        204 => sched::sched_getaffinity(&call, a[0] as i32, a[1], a[2]),
        309 => sched::getcpu(&call, a[0], a[1]),
        142 => sched::sched_setscheduler(&call, a[0] as i32 as i64, None, a[1]), // sched_setparam
        143 => sched::sched_getparam(&call, a[0] as i32 as i64, a[1]),
        144 => sched::sched_setscheduler(&call, a[0] as i32 as i64, Some(a[1]), a[2]),
        145 => sched::sched_getscheduler(&call, a[0] as i32 as i64),
        140 => priority::getpriority(&call, a[0] as u32, a[1] as i32),
        141 => priority::setpriority(&call, a[0] as u32, a[1] as i32, a[2] as i32),
        148 => sched::sched_rr_get_interval(&call, a[0] as i32 as i64, a[1]),
        146 => sched::priority_range(a[0], true),
        147 => sched::priority_range(a[0], false),
        110 => tid::getppid(&call),
        158 => arch_prctl::arch_prctl(&mut call, a[0], a[1]),
        186 => tid::gettid(&call),
        218 => tid::set_tid_address(&call, a[0]),
        231 => return exit::exit_group(&mut call, a[0] as i32),
        273 => tid::set_robust_list(&call, a[0], a[1]),
        274 => tid::get_robust_list(&call, a[0] as i32, a[1], a[2]),
        302 => rlimit::prlimit64(&call, a[0] as i32, a[1] as u32, a[2], a[3]),
        97 => rlimit::getrlimit(&call, a[0] as u32, a[1]),
        318 => io::getrandom(&call, a[0], a[1], a[2] as u32),
        334 => Err(Errno::ENOSYS), // rseq: see the module doc
        13 => signal::rt_sigaction(&call, a[0], a[1], a[2], a[3]),
        14 => signal::rt_sigprocmask(&call, a[0], a[1], a[2], a[3]),
        15 => {
            // rt_sigreturn: the restored registers are the result.
            if crate::signal::frame::restore(call.thread, call.ctx).is_err() {
                crate::signal::force_fault(call.thread, crate::signal::SigInfo::kernel(crate::signal::SIGSEGV));
            }
            trace_exit(call.thread, nr, 0);
            return Flow::Continue;
        }
        34 => signal::pause(&call).await,
        62 => signal::kill(&call, a[0] as i32 as i64, a[1]),
        127 => signal::rt_sigpending(&call, a[0], a[1]),
        128 => signal::rt_sigtimedwait(&call, a[0], a[1], a[2], a[3]).await,
        129 => signal::rt_sigqueueinfo(&call, a[0] as i32 as i64, None, a[1], a[2]),
        130 => signal::rt_sigsuspend(&call, a[0], a[1]).await,
        131 => signal::sigaltstack(&call, a[0], a[1]),
        200 => signal::tgkill(&call, None, a[0] as i32 as i64, a[1]), // tkill
        234 => signal::tgkill(&call, Some(a[0] as i32 as i64), a[1] as i32 as i64, a[2]),
        297 => signal::rt_sigqueueinfo(&call, a[0] as i32 as i64, Some(a[1] as i32 as i64), a[2], a[3]),
        202 => futex::futex(&call, a[0], a[1], a[2], a[3], a[4], a[5]).await,
        35 => time::nanosleep(&call, a[0], a[1]).await,
        96 => time::gettimeofday(&call, a[0], a[1]),
        201 => time::time(&call, a[0]),
        228 => time::clock_gettime(&call, a[0] as u32 as u64, a[1]),
        227 => time::clock_settime(&call, a[0] as u32 as u64, a[1]),
        164 => time::settimeofday(&call, a[0], a[1]),
        229 => time::clock_getres(&call, a[0] as u32 as u64, a[1]),
        230 => time::clock_nanosleep(&call, a[0] as u32 as u64, a[1] as u32 as u64, a[2], a[3]).await,
        _ => {
            unimplemented(thread, nr);
            Err(Errno::ENOSYS)
        }
    };
    finish(&mut call, nr, &a, result);
    Flow::Continue
}

fn finish(call: &mut Call<'_>, nr: u64, a: &[u64; 6], result: SysResult) {
    use crate::signal::deliver::Restart;
    // An interrupted call: signal delivery decides between restarting it
    // and EINTR (Linux's -ERESTART* protocol); until then it reads EINTR.
    let result = match result {
        Err(e) if e == Errno::ERESTARTSYS || e == Errno::ERESTARTNOHAND => {
            let kind = if e == Errno::ERESTARTSYS { Restart::Sys } else { Restart::NoHand };
            call.thread.signals.set_restart(nr, kind);
            Err(Errno::EINTR)
        }
        r => r,
    };
    if TRACE.load(Ordering::Relaxed) {
        trace::log(call.thread, nr, a, Some(&result));
    }
    call.ctx.rax = match result {
        Ok(v) => v,
        Err(e) => (-(e.0 as i64)) as u64,
    };
}

/// Logs the final call of a thread (exit, exit_group) under `strace`.
pub(crate) fn trace_exit(thread: &Arc<Thread>, nr: u64, code: i32) {
    if TRACE.load(Ordering::Relaxed) {
        trace::log(thread, nr, &[code as u64, 0, 0, 0, 0, 0], None);
    }
}
