//! A thread and its task.
//!
//! [`run`] is the thread's kernel life as one future:
//!
//! ```text
//! loop {
//!     process exiting? -> end
//!     enter_user(ctx)            (synchronous: returns on the next kernel entry)
//!     syscall   -> dispatch(...).await   (may block: the task just waits)
//!     #PF       -> demand paging / COW, or SIGSEGV
//!     interrupt -> yield if other tasks wait (preemption point)
//!     exception -> the matching signal (fatal until signals land)
//! }
//! ```
//! The user FPU state is saved when a poll of the task ends ([`FpuRelease`]),
//! so a syscall that completes at once costs no FPU save.

use alloc::sync::Arc;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll};

use platform::user::fpu::FpuState;
use platform::user::{enter_user, Exit, UserContext};

use super::Process;
use crate::sched;
use crate::syscall::{self, Flow};

pub struct Thread {
    pub tid: u32,
    pub process: Arc<Process>,
    /// `set_tid_address` / CLONE_CHILD_CLEARTID: zeroed and futex-woken at exit.
    pub clear_child_tid: AtomicU64,
    /// CLONE_CHILD_SETTID: written with the TID by the child itself before
    /// it first runs, in its own address space (as Linux's schedule_tail).
    pub set_child_tid: AtomicU64,
    pub fpu: spin::Mutex<FpuState>,
}

impl Thread {
    pub fn new(tid: u32, process: Arc<Process>, fpu: FpuState) -> Arc<Thread> {
        process.thread_started();
        Arc::new(Thread {
            tid,
            process,
            clear_child_tid: AtomicU64::new(0),
            set_child_tid: AtomicU64::new(0),
            fpu: spin::Mutex::new(fpu),
        })
    }
}

/// Starts `thread` at `ctx` as a task.
pub fn spawn(thread: Arc<Thread>, ctx: UserContext) {
    let t = thread.clone();
    drop(sched::executor().spawn(FpuRelease { thread: t, inner: alloc::boxed::Box::pin(run(thread, ctx)) }));
}

/// Saves the thread's FPU registers at the end of every poll (see module doc).
struct FpuRelease<F> {
    thread: Arc<Thread>,
    inner: Pin<alloc::boxed::Box<F>>,
}

impl<F: Future<Output = ()>> Future for FpuRelease<F> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let r = self.inner.as_mut().poll(cx);
        self.thread.fpu.lock().release();
        r
    }
}

/// Signal numbers used for fatal exceptions until signal delivery lands.
const SIGILL: i32 = 4;
const SIGTRAP: i32 = 5;
const SIGBUS: i32 = 7;
const SIGFPE: i32 = 8;
const SIGSEGV: i32 = 11;

fn exception_signal(vector: u8) -> i32 {
    match vector {
        0 | 16 | 19 => SIGFPE,
        1 | 3 => SIGTRAP,
        6 => SIGILL,
        17 => SIGBUS,
        _ => SIGSEGV,
    }
}

async fn run(thread: Arc<Thread>, mut ctx: UserContext) {
    let process = thread.process.clone();
    let settid = thread.set_child_tid.swap(0, Ordering::AcqRel);
    if settid != 0 {
        if let Some(mm) = process.mm() {
            mm.activate();
            // Linux ignores a failure here too.
            let _ = crate::uaccess::write_u32(&mm, settid, thread.tid);
        }
    }
    loop {
        if process.is_exiting() {
            break;
        }
        let Some(mm) = process.mm() else { break };
        mm.activate();
        let exit = {
            let fpu = thread.fpu.lock();
            enter_user(&mut ctx, &fpu)
        };
        match exit {
            Exit::Syscall => match syscall::dispatch(&thread, &mut ctx).await {
                Flow::Continue => {}
                Flow::ExitThread => break,
            },
            Exit::Trap { vector: 14, error_code, cr2 } => {
                let (write, exec) = (error_code & 2 != 0, error_code & 16 != 0);
                if let Err(e) = mm.handle_fault(cr2, write, exec) {
                    log::debug!("pid {} tid {}: segfault at {cr2:#x} ip {:#x} ({e:?})", process.pid, thread.tid, ctx.rip);
                    process.begin_exit(SIGSEGV);
                }
            }
            Exit::Trap { vector, .. } if vector >= 32 => {
                if sched::executor().should_yield() {
                    executor::yield_now().await;
                }
            }
            Exit::Trap { vector, error_code, .. } => {
                let sig = exception_signal(vector);
                log::debug!("pid {} tid {}: exception {vector} (error {error_code:#x}) at {:#x}: signal {sig}", process.pid, thread.tid, ctx.rip);
                process.begin_exit(sig);
            }
        }
    }
    let clear = thread.clear_child_tid.swap(0, Ordering::AcqRel);
    if clear != 0 {
        if let Some(mm) = process.mm() {
            let _ = crate::uaccess::write_u32(&mm, clear, 0);
        }
    }
    process.thread_exited();
}
