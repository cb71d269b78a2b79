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
use core::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering};
use core::task::{Context, Poll};

use platform::user::fpu::FpuState;
use platform::user::{enter_user, Exit, UserContext};

use super::Process;
use crate::mm::FaultError;
use crate::sched;
use crate::signal::info::*;
use crate::signal::{self, SigInfo, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP};
use crate::syscall::{self, Flow};

pub struct Thread {
    /// Changes only when a non-main thread execs and takes the PID.
    tid: AtomicU32,
    pub process: Arc<Process>,
    /// `set_tid_address` / CLONE_CHILD_CLEARTID: zeroed and futex-woken at exit.
    pub clear_child_tid: AtomicU64,
    /// CLONE_CHILD_SETTID: written with the TID by the child itself before
    /// it first runs, in its own address space (as Linux's schedule_tail).
    pub set_child_tid: AtomicU64,
    pub fpu: spin::Mutex<FpuState>,
    pub signals: crate::signal::ThreadSignals,
    /// (trap number, error code, CR2) of the last exception, for the
    /// signal frame's sigcontext.
    pub last_trap: spin::Mutex<(u64, u64, u64)>,
    /// The CPU running this thread in user mode, or -1.
    running_on: AtomicI32,
    /// `comm`: the name in /proc and prctl(PR_GET_NAME), 15 bytes + NUL.
    pub name: spin::Mutex<[u8; 16]>,
    /// CPU time: all of it (every poll of the task) and the user-mode part.
    cpu_ns: AtomicU64,
    user_ns: AtomicU64,
    /// When the current poll of the task began (0: not running).
    poll_start: AtomicU64,
    /// Page faults resolved without I/O (ru_minflt); polls that ended with
    /// the thread waiting (ru_nvcsw) or preempted (ru_nivcsw, marked by
    /// `preempted` before the yield).
    minflt: AtomicU64,
    nvcsw: AtomicU64,
    nivcsw: AtomicU64,
    preempted: core::sync::atomic::AtomicBool,
    /// set_robust_list: the list head (futexes to release at exit).
    pub robust_list: AtomicU64,
    /// sched_setaffinity's mask (CPUs the thread may run on).
    pub affinity: AtomicU64,
    /// Nice value, policy and priority (getpriority, sched_getscheduler).
    pub sched: spin::Mutex<super::sched_attr::SchedAttr>,
    /// ioprio_set's I/O priority (0: never set, IOPRIO_CLASS_NONE).
    pub ioprio: AtomicU32,
    /// Set when the thread leaves its loop for good (Linux's PF_EXITING):
    /// process-directed signals go to other threads from then on.
    pub exiting: core::sync::atomic::AtomicBool,
    /// Set when the thread has ended (its times moved to the process).
    pub exited: core::sync::atomic::AtomicBool,
    /// Credentials are the thread's, as Linux's task->cred: a raw setuid
    /// changes the calling thread only (libc broadcasts its wrappers to
    /// every thread), and a new thread starts with its creator's.
    pub creds: spin::Mutex<super::creds::Creds>,
    /// ptrace: the link to the tracer and the stop in progress.
    pub trace: spin::Mutex<Option<crate::ptrace::Trace>>,
}

impl Thread {
    pub fn new(tid: u32, process: Arc<Process>, fpu: FpuState, creds: super::creds::Creds) -> Arc<Thread> {
        super::task_count::add(creds.ruid);
        let t = Arc::new(Thread {
            tid: AtomicU32::new(tid),
            process: process.clone(),
            clear_child_tid: AtomicU64::new(0),
            set_child_tid: AtomicU64::new(0),
            fpu: spin::Mutex::new(fpu),
            signals: crate::signal::ThreadSignals::default(),
            last_trap: spin::Mutex::new((0, 0, 0)),
            running_on: AtomicI32::new(-1),
            name: spin::Mutex::new([0; 16]),
            cpu_ns: AtomicU64::new(0),
            user_ns: AtomicU64::new(0),
            poll_start: AtomicU64::new(0),
            minflt: AtomicU64::new(0),
            nvcsw: AtomicU64::new(0),
            nivcsw: AtomicU64::new(0),
            preempted: core::sync::atomic::AtomicBool::new(false),
            exiting: core::sync::atomic::AtomicBool::new(false),
            exited: core::sync::atomic::AtomicBool::new(false),
            affinity: AtomicU64::new(u64::MAX),
            sched: spin::Mutex::new(super::sched_attr::SchedAttr::new()),
            robust_list: AtomicU64::new(0),
            ioprio: AtomicU32::new(0),
            creds: spin::Mutex::new(creds),
            trace: spin::Mutex::new(None),
        });
        process.thread_started(&t);
        super::pid::register_thread(&t);
        t
    }

    /// User and system CPU time so far.
    pub fn times(&self) -> super::process::Times {
        let start = self.poll_start.load(Ordering::Relaxed);
        let running = if start != 0 { platform::time::now_ns().saturating_sub(start) } else { 0 };
        let cpu = self.cpu_ns.load(Ordering::Relaxed) + running;
        let user = self.user_ns.load(Ordering::Relaxed).min(cpu);
        super::process::Times {
            user,
            system: cpu - user,
            minflt: self.minflt.load(Ordering::Relaxed),
            nvcsw: self.nvcsw.load(Ordering::Relaxed),
            nivcsw: self.nivcsw.load(Ordering::Relaxed),
            // The address space's, filled in where rusage is reported.
            maxrss: 0,
        }
    }

    /// Sets `comm` (truncated to 15 bytes).
    pub fn set_name(&self, name: &[u8]) {
        let mut n = [0u8; 16];
        let len = name.iter().position(|&b| b == 0).unwrap_or(name.len()).min(15);
        n[..len].copy_from_slice(&name[..len]);
        *self.name.lock() = n;
    }

    pub fn tid(&self) -> u32 {
        self.tid.load(Ordering::Relaxed)
    }

    /// execve from a non-main thread: the thread becomes the main one.
    pub fn take_tid(self: &Arc<Thread>, tid: u32) {
        super::pid::unregister_thread(self.tid());
        self.tid.store(tid, Ordering::Relaxed);
        super::pid::register_thread(self);
    }

    /// Whether the thread is running user code right now.
    pub fn in_user_mode(&self) -> bool {
        self.running_on.load(Ordering::SeqCst) >= 0
    }

    /// If the thread is in user mode on another CPU, interrupts that CPU
    /// so the thread comes back into the kernel (to take a signal or die).
    pub fn kick(&self) {
        // SeqCst: pairs with the running thread's store of its CPU and its
        // read of the pending set (a store then a load on each side).
        let cpu = self.running_on.load(Ordering::SeqCst);
        if cpu >= 0 && cpu as usize != platform::cpu::percpu::cpu_id() {
            platform::ipi::reschedule(cpu as usize);
        }
    }
}

/// Starts `thread` at `ctx` as a task.
pub fn spawn(thread: Arc<Thread>, ctx: UserContext) {
    spawn_at(thread, ctx, None);
}

/// Starts (or continues) `thread` as a task: anywhere (the executor
/// balances), or pinned to `cpu` when its affinity demands.
fn spawn_at(thread: Arc<Thread>, ctx: UserContext, cpu: Option<usize>) {
    let t = thread.clone();
    let fut = FpuRelease { thread: t, inner: alloc::boxed::Box::pin(run(thread, ctx)) };
    match cpu {
        Some(c) => drop(sched::spawn_on(c, fut)),
        None => drop(sched::executor().spawn(fut)),
    }
}

/// Saves the thread's FPU registers at the end of every poll (see module doc).
struct FpuRelease<F> {
    thread: Arc<Thread>,
    inner: Pin<alloc::boxed::Box<F>>,
}

impl<F: Future<Output = ()>> Future for FpuRelease<F> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let start = platform::time::now_ns();
        self.thread.poll_start.store(start, Ordering::Relaxed);
        let r = self.inner.as_mut().poll(cx);
        self.thread.fpu.lock().release();
        // Every poll is CPU time of this thread (user mode included; the
        // user part is counted around enter_user).
        self.thread.poll_start.store(0, Ordering::Relaxed);
        self.thread.cpu_ns.fetch_add(platform::time::now_ns() - start, Ordering::Relaxed);
        if r.is_pending() {
            let counter = if self.thread.preempted.swap(false, Ordering::Relaxed) { &self.thread.nivcsw } else { &self.thread.nvcsw };
            counter.fetch_add(1, Ordering::Relaxed);
        }
        r
    }
}

/// How long a thread runs in user mode before the kernel checks whether
/// other tasks wait for its CPU.
pub const SLICE_NS: u64 = 10_000_000;

/// The signal and si_code Linux sends for an exception vector.
fn exception_signal(vector: u8) -> (u32, i32) {
    match vector {
        0 => (SIGFPE, FPE_INTDIV),
        16 | 19 => (SIGFPE, 0),
        // #DB from user mode is a single step (no debug registers are
        // set): TRAP_TRACE; int3 is SI_KERNEL, as Linux's do_int3_user.
        1 => (SIGTRAP, TRAP_TRACE),
        3 => (SIGTRAP, SI_KERNEL),
        6 => (SIGILL, ILL_ILLOPN),
        17 => (SIGBUS, BUS_ADRALN),
        _ => (SIGSEGV, SI_KERNEL),
    }
}

async fn run(thread: Arc<Thread>, mut ctx: UserContext) {
    let process = thread.process.clone();
    let settid = thread.set_child_tid.swap(0, Ordering::AcqRel);
    if settid != 0 {
        if let Some(mm) = process.mm() {
            mm.activate();
            // Linux ignores a failure here too.
            let _ = crate::uaccess::write_u32(&mm, settid, thread.tid());
        }
    }
    loop {
        if !signal::deliver::deliver(&thread, &mut ctx).await {
            break;
        }
        // sched_setaffinity excluded this CPU: continue as a new task pinned
        // to an allowed one (the FPU state is saved first, so the new task
        // finds it up to date whichever CPU runs it).
        let cpu = platform::cpu::percpu::cpu_id();
        let mask = thread.affinity.load(Ordering::Relaxed);
        if mask & (1 << cpu) == 0 && mask != 0 {
            let target = mask.trailing_zeros() as usize;
            if target < platform::smp::cpus_online() {
                thread.fpu.lock().release();
                spawn_at(thread.clone(), ctx, Some(target));
                return;
            }
        }
        // Wake-up preemption: tasks woken onto this CPU run first. Once per
        // trip (the check below does not look at the queue again), or two
        // threads would hand the CPU to each other for ever.
        if sched::executor().has_queued() {
            thread.preempted.store(true, Ordering::Relaxed);
            executor::yield_now().await;
        }
        let Some(mm) = process.mm() else { break };
        mm.activate();
        // A time slice: a task woken onto this CPU while the thread runs
        // in user mode gets no IPI (the CPU is busy), so the LAPIC is armed
        // to bring the thread back within SLICE_NS — never later than the
        // executor's own next timer.
        // CPU-time timers: fire what expired, and come back no later than
        // the next expiry (CPU time only advances while running).
        let cpu_budget = crate::timer::cpu_timers::check(&process).unwrap_or(SLICE_NS);
        // Interrupts stay off from arming the timer until user mode: a
        // timer interrupt taken here, in kernel mode, would not end the user
        // run, and the thread would then run with no timer armed, starving
        // every other task of this CPU (enter_user turns them back on).
        platform::cpu::interrupts::disable();
        // One clock read serves the slice, the LAPIC and the user-time
        // account (each read is an exit from emulated code under TCG).
        let now = platform::time::now_ns();
        let timer = sched::deadline::for_user_run(cpu, now, SLICE_NS, cpu_budget);
        let exit = {
            let fpu = thread.fpu.lock();
            thread.running_on.store(platform::cpu::percpu::cpu_id() as i32, Ordering::SeqCst);
            // A signal sent after `deliver` looked: its kick may have missed
            // us, so check again with the CPU published. A timer already
            // due is served first: the executor fires timers between turns,
            // so the thread yields instead of entering user mode with a
            // deadline in the past.
            let timer_due = timer.is_some_and(|d| d <= now);
            // A group stop begun meanwhile: park in `deliver` instead.
            if thread.has_deliverable_signal() || timer_due || process.is_stopped() || process.is_frozen() {
                thread.running_on.store(-1, Ordering::Release);
                platform::cpu::interrupts::enable();
                None
            } else {
                let t0 = now;
                let e = enter_user(&mut ctx, &fpu);
                thread.user_ns.fetch_add(platform::time::now_ns() - t0, Ordering::Relaxed);
                thread.running_on.store(-1, Ordering::Release);
                if process.is_stopped() {
                    // The thread that began the group stop waits for us.
                    process.stop_wait.wake_all();
                }
                Some(e)
            }
        };
        let Some(exit) = exit else {
            // The FPU guard is gone: yield to the due timer (fired first, so
            // what it wakes runs ahead of us).
            sched::executor().expire_timers();
            if sched::executor().should_yield() {
                thread.preempted.store(true, Ordering::Relaxed);
                executor::yield_now().await;
            }
            continue;
        };
        match exit {
            Exit::Syscall => match syscall::dispatch(&thread, &mut ctx).await {
                Flow::Continue => {}
                Flow::ExitThread => break,
            },
            Exit::Trap { vector: 14, error_code, cr2 } => {
                let (write, exec) = (error_code & 2 != 0, error_code & 16 != 0);
                let mut r = mm.handle_fault(cr2, write, exec);
                if r == Err(FaultError::Unmapped) {
                    // Below a MAP_GROWSDOWN area: grow it, then try again.
                    let stack_limit = process.limits.lock().0[crate::proc::limits::RLIMIT_STACK].0;
                    if mm.grow_down(cr2, stack_limit) {
                        r = mm.handle_fault(cr2, write, exec);
                    }
                }
                // No free frame: the OOM killer frees some, then the fault
                // is tried again (a few times; a victim may be this process).
                let mut tries = 0;
                while r == Err(FaultError::NoMemory) && tries < 4 && !process.is_exiting() {
                    if !crate::mm::oom::out_of_memory(&process).await {
                        break;
                    }
                    tries += 1;
                    r = mm.handle_fault(cr2, write, exec);
                }
                if r.is_err() && process.is_exiting() {
                    // Killed meanwhile (by the OOM killer or anyone): the
                    // exit goes on, no fault signal.
                    continue;
                }
                if r.is_ok() {
                    thread.minflt.fetch_add(1, Ordering::Relaxed);
                    // The cgroup's memory.max (its OOM killer).
                    crate::cgroup::memory::charge_fault(&process);
                }
                if let Err(e) = r {
                    log::debug!("pid {} tid {}: segfault at {cr2:#x} ip {:#x} ({e:?})", process.pid, thread.tid(), ctx.rip);
                    *thread.last_trap.lock() = (14, error_code, cr2);
                    let info = match e {
                        FaultError::PastEof | FaultError::NoSpace => SigInfo::fault(SIGBUS, 2 /* BUS_ADRERR */, cr2),
                        FaultError::Protection => SigInfo::fault(SIGSEGV, SEGV_ACCERR, cr2),
                        _ => SigInfo::fault(SIGSEGV, SEGV_MAPERR, cr2),
                    };
                    signal::force_fault(&thread, info);
                }
            }
            Exit::Trap { vector, .. } if vector >= 32 => {
                // Wake-up preemption, as Linux's: the timers due now (a
                // sleeper's deadline, the usual reason for this interrupt)
                // wake their tasks into the queue first, so they run
                // before this thread rather than a whole slice after it.
                sched::executor().expire_timers();
                if sched::executor().should_yield() {
                    thread.preempted.store(true, Ordering::Relaxed);
                    executor::yield_now().await;
                }
            }
            Exit::Trap { vector, error_code, cr2 } => {
                let (sig, code) = exception_signal(vector);
                log::debug!("pid {} tid {}: exception {vector} (error {error_code:#x}) at {:#x}: signal {sig}", process.pid, thread.tid(), ctx.rip);
                *thread.last_trap.lock() = (vector as u64, error_code, cr2);
                let addr = if code == SI_KERNEL { 0 } else { ctx.rip };
                signal::force_fault(&thread, SigInfo::fault(sig, code, addr));
            }
        }
    }
    // PTRACE_O_TRACEEXIT: the tracer sees the thread before it goes.
    if process.traced.load(Ordering::Acquire) > 0 {
        crate::ptrace::exit_stop(&thread, &mut ctx).await;
    }
    // Signals sent to the process and meant for this thread go to another
    // (Linux's exit_signals): a sender either sees the flag or its signal
    // is seen here (both sides store, then load, sequentially consistent).
    thread.exiting.store(true, Ordering::SeqCst);
    // Not in a group exit, where every thread is ending anyway (Linux's
    // exit_signals skips it under SIGNAL_GROUP_EXIT): retargeting there
    // would wake every other thread once per ending thread.
    if !process.is_exiting() {
        signal::retarget_shared(&thread, !thread.sigmask());
    }
    if let Some(mm) = process.mm() {
        crate::futex::release_robust_list(&mm, thread.robust_list.load(Ordering::Acquire), thread.tid());
    }
    let clear = thread.clear_child_tid.swap(0, Ordering::AcqRel);
    if clear != 0 {
        // As Linux's mm_release, only when someone else still uses the
        // address space (another thread, or a CLONE_VM process: the Arc
        // held by this process and the one taken here are ours).
        let shared = |mm: &Arc<crate::mm::Mm>| process.live_threads() > 1 || Arc::strong_count(mm) > 2;
        if let Some(mm) = process.mm().filter(shared) {
            // pthread_join waits on this word: clear it and wake the joiner.
            if crate::uaccess::write_u32(&mm, clear, 0).is_ok() {
                // A shared-futex wake, as Linux's: in a private mapping its
                // key is the private one, so either kind of waiter meets it.
                if let Ok(key) = crate::futex::key(&mm, clear, false) {
                    let _ = crate::futex::wake(key, 1, u32::MAX);
                }
            }
        }
    }
    super::pid::unregister_thread(thread.tid());
    super::task_count::remove(thread.creds.lock().ruid);
    if process.live_threads() > 1 {
        process.creator_thread_ended(thread.tid());
    }
    // The last poll's time is added after this; close enough.
    process.dead_times.lock().add(thread.times());
    process.note_creds_of_ending(&thread);
    thread.exited.store(true, Ordering::Release);
    let tracer = crate::ptrace::tracer_of(&thread);
    process.thread_exited();
    // A tracer that is not the parent waits for this too.
    if let Some(tracer) = tracer {
        tracer.child_events.wake_all();
    }
}
