//! A process: PID, parent and children, address space, descriptor table,
//! exit status.
//!
//! Exit follows Linux: `exit_group` (or the last thread's `exit`) makes the
//! process a zombie holding only its wait status; its memory and files are
//! released at once; its children go to init; its parent is woken through
//! [`Process::child_events`]. `wait4` reaps the zombie. When PID 1 exits,
//! the kernel reports its status and powers off.

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use executor::WaitQueue;

use super::{pid, Thread};
use crate::file::FdTable;
use crate::mm::Mm;
use super::creds::Creds;
use super::limits::Limits;
use crate::signal::{self, SigAction, SigInfo};

/// What `wait4` finds.
#[derive(Clone, Copy, Debug)]
pub enum ExitState {
    Running,
    /// Exited with this wait status (`WEXITSTATUS << 8`, or the signal).
    Zombie(i32),
}

pub struct Process {
    pub pid: u32,
    /// When it was created (CLOCK_MONOTONIC ns): /proc/PID/stat's start time.
    pub start_ns: u64,
    /// /proc/PID/oom_score_adj (-1000..=1000), inherited by children.
    pub oom_score_adj: core::sync::atomic::AtomicI32,
    /// The audit login uid and session (/proc/PID/loginuid, sessionid):
    /// unset (u32::MAX) until written, inherited by children.
    pub loginuid: AtomicU32,
    pub sessionid: AtomicU32,
    parent: spin::Mutex<Weak<Process>>,
    mm: spin::Mutex<Option<Arc<Mm>>>,
    /// The descriptor table (shared between processes with CLONE_FILES).
    files: spin::Mutex<Arc<spin::Mutex<FdTable>>>,
    /// Exit signal sent to the parent (SIGCHLD for fork).
    pub exit_signal: u8,
    /// Set when a vfork child execs or exits: the parent waits for it.
    pub vfork_done: executor::Event,
    children: spin::Mutex<Vec<Arc<Process>>>,
    state: spin::Mutex<ExitState>,
    live_threads: AtomicU32,
    /// Woken whenever a thread of the process ends (execve waits on it),
    /// the last one included (pidfds), and when the process is reaped.
    pub thread_exits: WaitQueue,
    /// The TID of a thread that is execve-ing; the others must end.
    exec_leader: AtomicU32,
    exiting: AtomicBool,
    pending_status: spin::Mutex<i32>,
    /// Woken when a child changes state.
    pub child_events: WaitQueue,
    /// Signal dispositions, shared by the process's threads (and with
    /// other processes after clone(CLONE_SIGHAND) until one of them execs).
    actions: spin::Mutex<Arc<spin::Mutex<[SigAction; 64]>>>,
    /// Process-directed pending signals.
    pub shared_pending: crate::signal::SignalQueue,
    threads: spin::Mutex<Vec<Weak<Thread>>>,
    stopped: AtomicBool,
    /// Woken when the process is continued or killed while stopped.
    pub stop_wait: WaitQueue,
    /// A stop or continue not yet reported to wait (WUNTRACED/WCONTINUED):
    /// `Some(Ok(sig))` stopped by `sig`, `Some(Err(()))` continued.
    pub wait_report: spin::Mutex<Option<Result<u32, ()>>>,
    pub pgid: AtomicU32,
    pub sid: AtomicU32,
    /// Shared with the processes created with CLONE_FS, like `fs`.
    pub umask: Arc<AtomicU32>,
    /// The credentials of the last thread to end (a zombie's, for
    /// permission checks against it); live threads keep their own
    /// ([`Thread::creds`]).
    last_creds: spin::Mutex<Creds>,
    /// Root directory, working directory and mount namespace (Linux's
    /// `fs_struct`: shared between processes created with CLONE_FS).
    fs: spin::Mutex<Arc<spin::Mutex<crate::file::vfs::FsContext>>>,
    /// The UTS namespace (host and domain names).
    uts: spin::Mutex<Arc<crate::ns::uts::UtsNs>>,
    pub limits: spin::Mutex<Limits>,
    pub dumpable: AtomicBool,
    pub no_new_privs: AtomicBool,
    /// Set by a successful execve (Linux clears PF_FORKNOEXEC): the
    /// parent may no longer move the process to another group.
    pub execed: AtomicBool,
    pub subreaper: AtomicBool,
    /// PR_SET_PDEATHSIG: the signal sent when the parent dies — that is,
    /// when the thread that created this process ends (Linux's rule).
    pub pdeathsig: AtomicU32,
    /// ITIMER_REAL / alarm.
    pub real_timer: spin::Mutex<Option<crate::timer::real::RealTimer>>,
    /// Timers on this process's CPU time (and its threads').
    pub cpu_timers: spin::Mutex<crate::timer::cpu_timers::CpuTimers>,
    pub has_cpu_timers: AtomicBool,
    /// timer_create's timers, by id.
    pub posix_timers: spin::Mutex<alloc::collections::BTreeMap<i32, Arc<crate::timer::posix::PosixTimer>>>,
    pub next_timer_id: AtomicU32,
    /// The thread of the parent that created this process.
    pub creator_tid: AtomicU32,
    /// CPU time (ns) of threads that have ended, and of reaped children.
    pub dead_times: spin::Mutex<Times>,
    pub child_times: spin::Mutex<Times>,
    /// The peak resident set (KiB) of address spaces already let go.
    pub image_maxrss: core::sync::atomic::AtomicU64,
    /// The cgroup the process is in (`crate::cgroup::tree`).
    pub cgroup: core::sync::atomic::AtomicU64,
    /// Its cgroup is frozen: threads park before user mode.
    pub frozen: AtomicBool,
    /// CPU time (user, system ns) already charged to a cgroup.
    pub cg_cpu_base: spin::Mutex<(u64, u64)>,
}

/// User and system CPU time in nanoseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Times {
    pub user: u64,
    pub system: u64,
    /// Minor page faults, voluntary and involuntary context switches.
    pub minflt: u64,
    pub nvcsw: u64,
    pub nivcsw: u64,
    /// The largest resident set, in KiB (ru_maxrss): combined by maximum.
    pub maxrss: u64,
}

impl Times {
    pub fn add(&mut self, o: Times) {
        self.user += o.user;
        self.system += o.system;
        self.minflt += o.minflt;
        self.nvcsw += o.nvcsw;
        self.nivcsw += o.nivcsw;
        self.maxrss = self.maxrss.max(o.maxrss);
    }
}

impl Process {
    /// A new process whose inherited state (group, session, actions,
    /// credentials, limits, fs context) is copied from `creator` (the
    /// caller of clone, who is not the parent with CLONE_PARENT), or from
    /// the parent when there is none; `share_fs` (CLONE_FS) shares the
    /// root, working directory and umask instead of copying them.
    pub fn new(pid: u32, parent: Weak<Process>, creator: Option<&Process>, mm: Arc<Mm>, files: Arc<spin::Mutex<FdTable>>, share_fs: bool, exit_signal: u8) -> Arc<Process> {
        let parent_arc = parent.upgrade();
        let up: Option<&Process> = creator.or(parent_arc.as_deref());
        // The first process (init) starts in session 0 and process group
        // 0, as Linux's init_struct_pid: not a session leader, so its
        // setsid() succeeds (systemd calls it). Its children inherit both
        // until they call setsid or setpgid.
        let pgid = up.map_or(0, |p| p.pgid.load(Ordering::Relaxed));
        let sid = up.map_or(0, |p| p.sid.load(Ordering::Relaxed));
        let actions = up.map_or([SigAction::default(); 64], |p| *p.actions.lock().lock());
        let limits = up.map_or_else(Limits::default, |p| *p.limits.lock());
        let (umask, fsc) = match up {
            Some(p) if share_fs => (p.umask.clone(), p.fs()),
            Some(p) => (Arc::new(AtomicU32::new(p.umask.load(Ordering::Relaxed))), Arc::new(spin::Mutex::new(p.fs().lock().clone()))),
            None => (Arc::new(AtomicU32::new(0o022)), Arc::new(spin::Mutex::new(crate::file::vfs::FsContext::initial()))),
        };
        let dumpable = up.is_none_or(|p| p.dumpable.load(Ordering::Relaxed));
        let nnp = up.is_some_and(|p| p.no_new_privs.load(Ordering::Relaxed));
        let p = Arc::new(Process {
            pid,
            start_ns: platform::time::now_ns(),
            oom_score_adj: core::sync::atomic::AtomicI32::new(up.map_or(0, |p| p.oom_score_adj.load(Ordering::Relaxed))),
            loginuid: AtomicU32::new(up.map_or(u32::MAX, |p| p.loginuid.load(Ordering::Relaxed))),
            sessionid: AtomicU32::new(up.map_or(u32::MAX, |p| p.sessionid.load(Ordering::Relaxed))),
            parent: spin::Mutex::new(parent),
            mm: spin::Mutex::new(Some(mm)),
            files: spin::Mutex::new(files),
            exit_signal,
            vfork_done: executor::Event::new(),
            children: spin::Mutex::new(Vec::new()),
            state: spin::Mutex::new(ExitState::Running),
            live_threads: AtomicU32::new(0),
            thread_exits: WaitQueue::new(),
            exec_leader: AtomicU32::new(0),
            exiting: AtomicBool::new(false),
            pending_status: spin::Mutex::new(0),
            child_events: WaitQueue::new(),
            actions: spin::Mutex::new(Arc::new(spin::Mutex::new(actions))),
            shared_pending: crate::signal::SignalQueue::default(),
            threads: spin::Mutex::new(Vec::new()),
            stopped: AtomicBool::new(false),
            stop_wait: WaitQueue::new(),
            wait_report: spin::Mutex::new(None),
            pgid: AtomicU32::new(pgid),
            sid: AtomicU32::new(sid),
            umask,
            last_creds: spin::Mutex::new(Creds::root()),
            fs: spin::Mutex::new(fsc),
            uts: spin::Mutex::new(up.map_or_else(crate::ns::uts::UtsNs::initial, |p| p.uts())),
            limits: spin::Mutex::new(limits),
            dumpable: AtomicBool::new(dumpable),
            no_new_privs: AtomicBool::new(nnp),
            execed: AtomicBool::new(false),
            subreaper: AtomicBool::new(false),
            pdeathsig: AtomicU32::new(0),
            creator_tid: AtomicU32::new(0),
            real_timer: spin::Mutex::new(None),
            cpu_timers: spin::Mutex::new(Default::default()),
            has_cpu_timers: AtomicBool::new(false),
            posix_timers: spin::Mutex::new(alloc::collections::BTreeMap::new()),
            next_timer_id: AtomicU32::new(0),
            dead_times: spin::Mutex::new(Times::default()),
            child_times: spin::Mutex::new(Times::default()),
            image_maxrss: core::sync::atomic::AtomicU64::new(0),
            cgroup: core::sync::atomic::AtomicU64::new(up.map_or(fs::cgroup::ROOT, crate::cgroup::tree::cgroup_of)),
            frozen: AtomicBool::new(false),
            cg_cpu_base: spin::Mutex::new((0, 0)),
        });
        pid::register(&p);
        crate::cgroup::tree::enter_new(&p);
        p
    }

    /// The address space (a process always has one until it exits).
    /// Threads started and not yet ended (the exiting one included).
    pub fn live_threads(&self) -> u32 {
        self.live_threads.load(Ordering::Acquire)
    }

    pub fn mm(&self) -> Option<Arc<Mm>> {
        self.mm.lock().clone()
    }

    /// The descriptor table.
    pub fn files(&self) -> Arc<spin::Mutex<FdTable>> {
        self.files.lock().clone()
    }

    /// The root, working directory and mount namespace.
    pub fn fs(&self) -> Arc<spin::Mutex<crate::file::vfs::FsContext>> {
        self.fs.lock().clone()
    }

    /// Gives the process its own copy of its root, working directory and
    /// mount namespace (unshare(CLONE_FS)); `change` edits the copy.
    pub fn unshare_fs(&self, change: impl FnOnce(&mut crate::file::vfs::FsContext)) {
        let mut slot = self.fs.lock();
        let mut copy = slot.lock().clone();
        change(&mut copy);
        *slot = Arc::new(spin::Mutex::new(copy));
    }

    pub fn uts(&self) -> Arc<crate::ns::uts::UtsNs> {
        self.uts.lock().clone()
    }

    pub fn set_uts(&self, ns: Arc<crate::ns::uts::UtsNs>) {
        *self.uts.lock() = ns;
    }

    /// Gives the process its own copy of the descriptor table.
    pub fn unshare_files(&self) {
        let mut slot = self.files.lock();
        let table = slot.lock().clone();
        *slot = Arc::new(spin::Mutex::new(table));
    }

    /// Gives the process its own copy of the descriptor table (execve
    /// after CLONE_FILES) and applies close-on-exec.
    pub fn unshare_files_for_exec(&self) {
        let mut slot = self.files.lock();
        let mut table = slot.lock().clone();
        table.close_on_exec();
        *slot = Arc::new(spin::Mutex::new(table));
    }

    /// The credentials the process is seen with from outside (kill,
    /// sched_setaffinity by pid, RLIMIT_SIGPENDING): its main thread's, as
    /// Linux looks up the thread-group leader; another live thread's once
    /// the leader has ended; the last thread's for a zombie.
    pub fn with_creds<R>(&self, f: impl FnOnce(&Creds) -> R) -> R {
        // The leader by its tid (no list of threads to build on every
        // signal sent); another live thread, or the last one's, otherwise.
        let leader = pid::find_thread(self.pid).filter(|t| core::ptr::eq(Arc::as_ptr(&t.process), self) && !t.exited.load(Ordering::Acquire));
        match leader.or_else(|| self.threads().into_iter().next()) {
            Some(t) => f(&t.creds.lock()),
            None => f(&self.last_creds.lock()),
        }
    }

    /// Keeps `t`'s credentials for when no thread is left.
    pub fn note_creds_of_ending(&self, t: &Thread) {
        *self.last_creds.lock() = t.creds.lock().clone();
    }

    /// Replaces the address space (execve).
    pub fn set_mm(&self, mm: Arc<Mm>) {
        let old = self.mm.lock().replace(mm);
        if let Some(old) = old {
            self.image_maxrss.fetch_max(old.peak_rss_kib(), Ordering::Relaxed);
        }
    }

    /// ru_maxrss: the largest resident set of this address space and of
    /// those the process had before (Linux keeps the high-water mark
    /// across execve), in KiB.
    pub fn maxrss_kib(&self) -> u64 {
        let now = self.mm().map_or(0, |m| m.peak_rss_kib());
        self.image_maxrss.load(Ordering::Relaxed).max(now)
    }

    pub fn parent(&self) -> Option<Arc<Process>> {
        self.parent.lock().upgrade()
    }

    pub fn ppid(&self) -> u32 {
        self.parent().map_or(0, |p| p.pid)
    }

    pub fn add_child(&self, child: Arc<Process>) {
        self.children.lock().push(child);
    }

    pub fn thread_started(&self, t: &Arc<Thread>) {
        self.live_threads.fetch_add(1, Ordering::AcqRel);
        let mut ts = self.threads.lock();
        ts.retain(|w| w.strong_count() > 0);
        ts.push(Arc::downgrade(t));
    }

    /// The live threads.
    pub fn threads(&self) -> Vec<Arc<Thread>> {
        self.threads
            .lock()
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|t| !t.exited.load(Ordering::Acquire))
            .collect()
    }

    pub fn action(&self, sig: u32) -> SigAction {
        self.actions.lock().lock().get(sig as usize - 1).copied().unwrap_or_default()
    }

    pub fn set_action(&self, sig: u32, a: SigAction) {
        if let Some(slot) = self.actions.lock().lock().get_mut(sig as usize - 1) {
            *slot = a;
        }
    }

    /// clone(CLONE_SIGHAND): use `other`'s dispositions, shared.
    pub fn share_actions_with(&self, other: &Process) {
        let table = other.actions.lock().clone();
        *self.actions.lock() = table;
    }

    /// Whether another process shares the dispositions (CLONE_SIGHAND).
    pub fn shares_actions(&self) -> bool {
        Arc::strong_count(&self.actions.lock()) > 1
    }

    /// execve: the process gets its own copy of the dispositions; handled
    /// signals go back to their default action, ignored ones stay ignored.
    pub fn reset_handlers_for_exec(&self) {
        let mut slot = self.actions.lock();
        let mut table = *slot.lock();
        for a in table.iter_mut() {
            if a.handler != signal::SIG_IGN {
                *a = SigAction::default();
            }
        }
        *slot = Arc::new(spin::Mutex::new(table));
    }

    pub fn is_zombie(&self) -> bool {
        matches!(self.state(), ExitState::Zombie(_))
    }

    pub fn pgid(&self) -> u32 {
        self.pgid.load(Ordering::Relaxed)
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Whether its cgroup is frozen (threads park before user mode).
    pub fn is_frozen(&self) -> bool {
        self.frozen.load(Ordering::Acquire)
    }

    /// Starts a group stop (a stop signal's default action): marks the
    /// process stopped and brings every thread in user mode back into the
    /// kernel, where it parks. Returns false if it was already stopped.
    /// The caller reports the stop with [`Process::report_stop`] once no
    /// thread runs user code any more, as Linux notifies the parent only
    /// when the group stop is complete.
    pub fn begin_stop(self: &Arc<Process>) -> bool {
        if self.stopped.swap(true, Ordering::AcqRel) {
            return false;
        }
        for t in self.threads() {
            t.kick();
        }
        true
    }

    /// Whether no thread of the stopped process still runs in user mode.
    pub fn stop_complete(&self) -> bool {
        self.threads().iter().all(|t| !t.in_user_mode())
    }

    /// Tells the parent the process stopped with `sig` (wait report and
    /// SIGCHLD unless SA_NOCLDSTOP).
    pub fn report_stop(self: &Arc<Process>, sig: u32) {
        *self.wait_report.lock() = Some(Ok(sig));
        if let Some(parent) = self.parent() {
            if parent.action(signal::SIGCHLD).flags & signal::SA_NOCLDSTOP == 0 {
                let info = SigInfo { signo: signal::SIGCHLD, code: signal::info::CLD_STOPPED, pid: self.pid, status: sig as i32, ..core::default::Default::default() };
                signal::send_process(&parent, info, true);
            }
            parent.child_events.wake_all();
        }
    }

    /// Resumes a stopped process (SIGCONT, or SIGKILL so it can die).
    pub fn continue_process(self: &Arc<Process>, report: bool) {
        if !self.stopped.swap(false, Ordering::AcqRel) {
            self.stop_wait.wake_all();
            return;
        }
        self.stop_wait.wake_all();
        if report {
            *self.wait_report.lock() = Some(Err(()));
            if let Some(parent) = self.parent() {
                if parent.action(signal::SIGCHLD).flags & signal::SA_NOCLDSTOP == 0 {
                    let info = SigInfo { signo: signal::SIGCHLD, code: signal::info::CLD_CONTINUED, pid: self.pid, status: signal::SIGCONT as i32, ..Default::default() };
                    signal::send_process(&parent, info, true);
                }
                parent.child_events.wake_all();
            }
        }
    }

    /// The TID of a thread currently execve-ing, if any (other threads
    /// must end).
    pub fn exec_leader(&self) -> Option<u32> {
        match self.exec_leader.load(Ordering::Acquire) {
            0 => None,
            t => Some(t),
        }
    }

    /// execve's de-threading: ends every other thread and waits until they
    /// are gone (Linux's de_thread). Returns false if the process is killed
    /// meanwhile.
    pub async fn end_other_threads(self: &Arc<Process>, leader: u32) -> bool {
        if self.live_threads.load(Ordering::Acquire) <= 1 {
            return true;
        }
        self.exec_leader.store(leader, Ordering::Release);
        for t in self.threads() {
            if t.tid() != leader {
                t.signals.wake.wake_all();
                t.kick();
            }
        }
        self.thread_exits.wait_until(|| self.live_threads.load(Ordering::Acquire) <= 1 || self.is_exiting()).await;
        self.exec_leader.store(0, Ordering::Release);
        !self.is_exiting()
    }

    pub fn is_exiting(&self) -> bool {
        self.exiting.load(Ordering::Acquire)
    }

    pub fn state(&self) -> ExitState {
        *self.state.lock()
    }

    /// Starts exiting with `status` (a wait status); the first call wins.
    /// Threads notice at their next return from user mode or wait.
    pub fn begin_exit(&self, status: i32) {
        // The core bit means a core was written: only for a dumpable
        // process with a non-zero RLIMIT_CORE. Aramid writes no core files
        // yet, which Linux also does when core_pattern leads nowhere.
        let status = if status & 0x80 != 0 && (!self.dumpable.load(Ordering::Relaxed) || self.limits.lock().0[super::limits::RLIMIT_CORE].0 == 0) {
            status & 0x7f
        } else {
            status
        };
        if !self.exiting.swap(true, Ordering::AcqRel) {
            *self.pending_status.lock() = status;
        }
        // End every thread's waits, and bring threads running in user mode
        // on other CPUs back into the kernel.
        for t in self.threads() {
            t.signals.wake.wake_all();
            t.kick();
        }
        self.stop_wait.wake_all();
    }

    /// Records `status` for when the last thread exits (`exit`), unless an
    /// `exit_group` or fatal signal already decided it.
    pub fn set_exit_status(&self, status: i32) {
        if !self.is_exiting() {
            *self.pending_status.lock() = status;
        }
    }

    /// Called by each thread as it ends; the last one turns the process
    /// into a zombie.
    pub fn thread_exited(self: &Arc<Process>) {
        if self.live_threads.fetch_sub(1, Ordering::AcqRel) != 1 {
            self.thread_exits.wake_all();
            return;
        }
        let status = *self.pending_status.lock();
        self.exiting.store(true, Ordering::Release);
        // Out of its cgroup before anyone can see it a zombie (Linux's
        // cgroup_exit): "populated 0" comes before SIGCHLD.
        crate::cgroup::tree::exit(self);
        crate::timer::posix::delete_all(self);
        // Release memory and files now; only the status waits for the parent
        // (and the peak resident set, for its rusage).
        let mm = self.mm.lock().take();
        if let Some(mm) = mm {
            self.image_maxrss.fetch_max(mm.peak_rss_kib(), Ordering::Relaxed);
        }
        for file in self.files().lock().all() {
            crate::file::locks::release_process_locks(&file, self.pid);
        }
        *self.files.lock() = Arc::new(spin::Mutex::new(FdTable::default()));
        self.vfork_done.notify_all();
        self.vfork_done.notify_one();
        // Children are handed on before this process can be reaped (Linux's
        // forget_original_parent, ahead of exit_notify): a parent that reaps
        // it finds them already its own (or its subreaper's) children.
        let orphans: Vec<Arc<Process>> = core::mem::take(&mut *self.children.lock());
        for o in orphans {
            let sig = o.pdeathsig.load(Ordering::Relaxed);
            if sig != 0 {
                signal::send_process(&o, SigInfo::kernel(sig), true);
            }
            // The nearest living subreaper ancestor adopts, else init.
            let mut heir = self.parent();
            while let Some(a) = heir.clone() {
                if a.subreaper.load(Ordering::Relaxed) && !a.is_exiting() {
                    break;
                }
                heir = a.parent();
            }
            let Some(heir) = heir.or_else(|| pid::find(1)) else { continue };
            if Arc::ptr_eq(&heir, self) {
                continue;
            }
            *o.parent.lock() = Arc::downgrade(&heir);
            let zombie = o.is_zombie();
            heir.add_child(o);
            if zombie {
                heir.child_events.wake_all();
            }
        }
        // Linux's do_notify_parent, under the parent's children lock: a wait
        // scans the children under it, so it sees this process a zombie and
        // its exit signal pending together (Linux holds tasklist_lock for
        // both), never one without the other. With SIGCHLD ignored or
        // SA_NOCLDWAIT a SIGCHLD child is reaped at once (nobody will wait),
        // and the signal is still sent unless its action is SIG_IGN.
        let parent = self.parent();
        let notify = parent.as_ref().map(|p| {
            let sigchld = p.action(signal::SIGCHLD);
            let autoreap = self.exit_signal as u32 == signal::SIGCHLD
                && (sigchld.handler == signal::SIG_IGN || sigchld.flags & signal::SA_NOCLDWAIT != 0);
            // An exit signal past _NSIG (the old clone takes any 8 bits)
            // sends nothing, as Linux's valid_signal check.
            let valid = self.exit_signal != 0 && u32::from(self.exit_signal) <= signal::NSIG;
            (autoreap, valid && !(autoreap && sigchld.handler == signal::SIG_IGN))
        });
        if let (Some(parent), Some((autoreap, send))) = (&parent, notify) {
            let mut children = parent.children.lock();
            *self.state.lock() = ExitState::Zombie(status);
            // Gone before the signal wakes the parent: a wait it interrupts
            // finds no such child (ECHILD), as Linux's EXIT_DEAD.
            if autoreap {
                children.retain(|c| c.pid != self.pid);
                pid::unregister(self.pid);
            }
            if send {
                let (code, st) = if status & 0x7f == 0 {
                    (signal::info::CLD_EXITED, (status >> 8) & 0xff)
                } else if status & 0x80 != 0 {
                    (signal::info::CLD_DUMPED, status & 0x7f)
                } else {
                    (signal::info::CLD_KILLED, status & 0x7f)
                };
                let info = SigInfo::child(self.exit_signal as u32, code, self.pid, self.with_creds(|c| c.ruid), st);
                // Not forced: init drops an exit signal it has no handler
                // for, as any other unhandled signal (Linux's
                // SIGNAL_UNKILLABLE).
                signal::send_process(parent, info, false);
            }
            drop(children);
            parent.child_events.wake_all();
        } else {
            *self.state.lock() = ExitState::Zombie(status);
        }
        if self.pid == 1 {
            report_init_exit(status);
        }
        // pidfds poll readable now.
        self.thread_exits.wake_all();
    }

    /// Finds a child matching `sel` with an event of a kind in `want`:
    /// exit (always reaped unless `peek`), stop or continue (reported once
    /// unless `peek`). `Err(())` when no child matches at all.
    pub fn child_event(&self, sel: Selector, want: Want, peek: bool) -> Result<Option<ChildEvent>, ()> {
        let mut children = self.children.lock();
        let mut matched = false;
        for (i, c) in children.iter().enumerate() {
            let hit = match sel {
                Selector::Any => true,
                Selector::Pid(p) => c.pid == p,
                Selector::Pgid(g) => c.pgid() == g,
            };
            // Without __WALL, a wait sees only SIGCHLD children, or with
            // __WCLONE only the others (Linux's "clone" children).
            let clone_child = c.exit_signal != signal::SIGCHLD as u8;
            if !hit || (!want.all && clone_child != want.clone) {
                continue;
            }
            matched = true;
            if let ExitState::Zombie(status) = c.state() {
                if !want.exited {
                    continue;
                }
                let pid = c.pid;
                let times = c.total_times();
                if !peek {
                    self.child_times.lock().add(times);
                    let c = children.remove(i);
                    pid::unregister(pid);
                    c.thread_exits.wake_all();
                }
                return Ok(Some(ChildEvent { pid, kind: EventKind::Exited(status), times }));
            }
            let mut report = c.wait_report.lock();
            let ev = match *report {
                Some(Ok(sig)) if want.stopped => Some(EventKind::Stopped(sig)),
                Some(Err(())) if want.continued => Some(EventKind::Continued),
                _ => None,
            };
            if let Some(kind) = ev {
                if !peek {
                    *report = None;
                }
                return Ok(Some(ChildEvent { pid: c.pid, kind, times: c.total_times() }));
            }
        }
        if matched {
            Ok(None)
        } else {
            Err(())
        }
    }

    /// CPU time of the process (its threads, live and dead) plus its
    /// reaped children: what the parent's rusage counts.
    pub fn total_times(&self) -> Times {
        let mut t = self.own_times();
        t.add(*self.child_times.lock());
        t
    }

    /// CPU time of the process's own threads.
    pub fn own_times(&self) -> Times {
        let mut t = *self.dead_times.lock();
        for th in self.threads() {
            t.add(th.times());
        }
        t.maxrss = t.maxrss.max(self.maxrss_kib());
        t
    }

    /// Sets the process group (setpgid) after the caller's checks.
    pub fn set_pgid(&self, pgid: u32) {
        self.pgid.store(pgid, Ordering::Relaxed);
    }

    pub fn sid(&self) -> u32 {
        self.sid.load(Ordering::Relaxed)
    }

    /// Whether this process's group is orphaned (POSIX; Linux's
    /// will_become_orphaned_pgrp): no live member has a parent in another
    /// group of the same session. Members whose parent is init do not
    /// count. Stop signals other than SIGSTOP are discarded in such a group.
    pub fn pgrp_is_orphaned(&self) -> bool {
        let pgid = self.pgid();
        !pid::all().iter().filter(|m| m.pgid() == pgid && !m.is_zombie()).any(|m| {
            m.parent().is_some_and(|parent| parent.pid != 1 && parent.pgid() != pgid && parent.sid() == m.sid())
        })
    }

    /// A thread of this process ended: children it created get their
    /// PDEATHSIG (when the whole process ends, reparenting sends it).
    pub fn creator_thread_ended(&self, tid: u32) {
        let children: Vec<Arc<Process>> = self.children.lock().clone();
        for c in children {
            let sig = c.pdeathsig.load(Ordering::Relaxed);
            if sig != 0 && c.creator_tid.load(Ordering::Relaxed) == tid && !c.is_zombie() {
                signal::send_process(&c, SigInfo::kernel(sig), true);
            }
        }
    }

    /// Whether `pid` is a child of this process.
    pub fn has_child(&self, pid: u32) -> bool {
        self.children.lock().iter().any(|c| c.pid == pid)
    }
}

/// Which children a wait looks at.
#[derive(Clone, Copy, Debug)]
pub enum Selector {
    Any,
    Pid(u32),
    Pgid(u32),
}

/// Which state changes a wait reports.
#[derive(Clone, Copy, Debug)]
pub struct Want {
    pub exited: bool,
    pub stopped: bool,
    pub continued: bool,
    /// __WCLONE: only children with a non-SIGCHLD exit signal.
    pub clone: bool,
    /// __WALL: every child.
    pub all: bool,
}

#[derive(Clone, Copy, Debug)]
pub enum EventKind {
    /// The wait status.
    Exited(i32),
    Stopped(u32),
    Continued,
}

#[derive(Clone, Copy, Debug)]
pub struct ChildEvent {
    pub pid: u32,
    pub kind: EventKind,
    /// The child's CPU time (with its reaped children), for rusage.
    pub times: Times,
}

fn report_init_exit(status: i32) {
    let (code, what) = if status & 0x7f == 0 { ((status >> 8) & 0xff, "status") } else { (128 + (status & 0x7f), "signal") };
    if what == "status" {
        log::info!("aramid: init exited with status {code}");
    } else {
        log::info!("aramid: init killed by signal {}", status & 0x7f);
    }
    platform::power::exit(code.clamp(0, 0x7d) as u8)
}
