//! System calls: the table ([`table`]), one file per call or family, and
//! the dispatcher.
//!
//! [`dispatch`] runs the table's row for RAX with the six argument
//! registers (the handler is an `async fn` where the call may block), turns
//! an interrupted wait into the row's restart rule
//! ([`crate::signal::restart`]) and writes the result or `-errno` back to
//! RAX. A number without a row, or a `GAP` row, answers ENOSYS and logs one
//! warning per number and boot, like a kernel built without that feature.
//! With `strace` on the command line every call is logged with its
//! arguments decoded as the row says, its result and errno name, per thread
//! and CPU. Every stub and partial answer is listed in the table, with its
//! reason; partial answers are explained where they are given: futex PI
//! operations (ENOSYS, as without CONFIG_FUTEX_PI; `futex.rs`), real-time
//! scheduling policies (EINVAL once permitted; `sched.rs`), clone3
//! `set_tid` and CLONE_PIDFD/INTO_CGROUP (EINVAL; `clone.rs`), openat2
//! RESOLVE_* other than NO_MAGICLINKS (EINVAL; `open.rs`), mount of
//! proc/sysfs/cgroup2/devpts (ENODEV until those filesystems; `mount.rs`),
//! block devices on open (ENXIO), sockets of families other than AF_UNIX
//! and AF_NETLINK (EAFNOSUPPORT, as without CONFIG_INET), netlink
//! protocols other than NETLINK_ROUTE (lo only) and NETLINK_KOBJECT_UEVENT
//! (quiet) (EPROTONOSUPPORT), MSG_OOB (EOPNOTSUPP/EINVAL) and MSG_WAITALL
//! past 1 MiB (`socket/`), adjtimex without clock slewing (`adjtimex.rs`),
//! acct without records (`acct.rs`), iopl/ioperm as in lockdown
//! (`ioport.rs`), protection keys as on a CPU without PKU (`pkey.rs`),
//! MADV_HWPOISON without CONFIG_MEMORY_FAILURE (`madvise.rs`), overcommit
//! mode 2 per request rather than system-wide (`mm/overcommit.rs`).

use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

use platform::user::UserContext;

use crate::errno::{Errno, SysResult};
use crate::proc::Thread;

mod aio;
mod arch_prctl;
mod brk;
mod clone;
mod epoll;
mod eventfd;
mod execve;
mod exit;
mod fcntl;
mod fsops;
mod handle;
mod hostname;
mod futex;
mod ids;
mod madvise;
mod io;
mod io_uring;
mod ioprio;
mod kcmp;
pub mod itimer;
mod inotify;
pub mod lock;
mod memfd;
mod mlock;
mod mmap;
mod acct;
mod remap_file_pages;
mod adjtimex;
mod utimes;
mod vhangup;
mod ioport;
mod pkey;
mod personality;
mod sched_setattr;
mod file_hints;
mod membarrier;
mod mount;
mod mount_api;
mod mremap;
mod msync;
mod open;
mod pgrp;
mod pivot_root;
mod pidfd;
mod poll;
mod setns;
mod signalfd;
mod socket;
mod prctl;
mod ptrace;
mod process_vm;
mod reboot;
mod restart;
mod sigreturn;
pub mod table;
mod priority;
mod rusage;

mod sched;
mod rlimit;
mod signal;
mod stat;
mod syslog;
mod tid;
mod timer;
mod timerfd;
mod trace;
pub mod time;
pub mod uname;
mod unshare;
mod wait;
mod xattr;

/// What the thread does after a syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// Installs `file` in `t`'s descriptor table (lowest free slot below
/// RLIMIT_NOFILE), as [`Call::install`] does, for code without a `Call`
/// (descriptors received with SCM_RIGHTS).
pub fn install_file(t: &Thread, file: Arc<crate::file::File>, cloexec: bool) -> SysResult {
    let limit = t.process.limits.lock().0[crate::proc::limits::RLIMIT_NOFILE].0.min(1 << 20) as usize;
    Ok(t.process.files().lock().install(file, cloexec, limit)? as u64)
}

static TRACE: AtomicBool = AtomicBool::new(false);

/// Syscall numbers already reported as unimplemented (one warning each per
/// boot; later calls are logged at debug level).
static REPORTED: [core::sync::atomic::AtomicU64; 8] = [const { core::sync::atomic::AtomicU64::new(0) }; 8];

fn unimplemented(thread: &Arc<Thread>, nr: u64) {
    let name = table::row(nr).map_or("unknown", |r| r.name);
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
    let mut nr = ctx.rax;
    // Untraced processes (nearly all) pay one atomic load.
    let traced = if thread.process.traced.load(Ordering::Relaxed) > 0 {
        thread.trace.lock().as_mut().map(|tr| {
            tr.orig_rax = nr;
            tr.syscall
        })
    } else {
        None
    };
    if traced == Some(true) {
        // syscall-enter-stop: the tracer may change the call or skip it
        // (orig_rax -1 keeps the rax it set, -ENOSYS by default).
        nr = crate::ptrace::syscall_entry_stop(thread, ctx, nr).await;
        if nr == u64::MAX {
            if crate::ptrace::syscall_traced(thread) {
                crate::ptrace::syscall_exit_stop(thread, ctx).await;
            }
            return Flow::Continue;
        }
    }
    let a = [ctx.rdi, ctx.rsi, ctx.rdx, ctx.r10, ctx.r8, ctx.r9];
    let flow = run_call(thread, ctx, nr, &a).await;
    if traced.is_some() && flow == Flow::Continue && crate::ptrace::syscall_traced(thread) {
        crate::ptrace::syscall_exit_stop(thread, ctx).await;
    }
    flow
}

async fn run_call(thread: &Arc<Thread>, ctx: &mut UserContext, nr: u64, a: &[u64; 6]) -> Flow {
    let mut call = Call { thread, ctx };
    let (policy, outcome) = table::run(&mut call, nr, a).await;
    let result = match outcome {
        table::Outcome::Done(r) => r,
        table::Outcome::Exit => return Flow::ExitThread,
        table::Outcome::Registers => return Flow::Continue,
        table::Outcome::Unimplemented | table::Outcome::Unknown => {
            unimplemented(thread, nr);
            Err(Errno::ENOSYS)
        }
    };
    let result = interrupted(thread, nr, policy, result);
    if TRACE.load(Ordering::Relaxed) {
        trace::log(thread, nr, a, Some(&result));
    }
    call.ctx.rax = match result {
        Ok(v) => v,
        Err(e) => (-(e.0 as i64)) as u64,
    };
    Flow::Continue
}

/// An interrupted call: records, by the row's policy, how the way back to
/// user mode finishes it (restart or EINTR, [`crate::signal::restart`]);
/// until then it reads EINTR.
fn interrupted(thread: &Thread, nr: u64, policy: table::Policy, result: SysResult) -> SysResult {
    match result {
        Err(e) if e == Errno::ERESTARTSYS || e == Errno::ERESTART_RESTARTBLOCK => {
            if let Some(kind) = policy.on_interrupt(e) {
                crate::signal::restart::set(thread, nr, kind);
            }
            Err(Errno::EINTR)
        }
        r => r,
    }
}

/// Logs the final call of a thread (exit, exit_group) under `strace`.
pub(crate) fn trace_exit(thread: &Arc<Thread>, nr: u64, code: i32) {
    if TRACE.load(Ordering::Relaxed) {
        trace::log(thread, nr, &[code as u64, 0, 0, 0, 0, 0], None);
    }
}
