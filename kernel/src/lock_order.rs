//! The kernel's lock order (documentation only; no code).
//!
//! Every lock in this crate is a spin lock (`spin::Mutex`, or the executor's
//! interrupt-safe ones inside `Event` and `WaitQueue`), and none is held
//! across an `.await`. Most are leaves: taken, read or updated, and released
//! before anything else is locked (values are copied or `Arc`s cloned out,
//! and wake-ups, signal sends and task spawns happen after the guard is
//! dropped). The nestings that do exist, outer before inner, as the code
//! takes them today:
//!
//! ```text
//! process    Process::files (the slot)     -> FdTable (unshare_files*)
//!            Process::actions (the slot)   -> the shared action table
//!            Process::threads, children, state, parent, limits, creds,
//!            timers' tables (posix_timers, cpu_timers, real_timer): leaves
//! thread     Thread::fpu, creds, sched, name, last_trap, altstack: leaves
//!            (Process::limits is copied out before Thread::sched is taken)
//! signals    a SignalQueue (thread's or process's pending) -> sigpending
//!            QUEUED (RLIMIT_SIGPENDING charges, in push and drop); a
//!            process's queue is released before any thread's is taken
//!            (`prepare`), and a thread's before the process's (dequeue)
//! timers     PosixTimer::state, TimerFd::armed, RealTimer slot -> an
//!            Event's own lock (notify_one of a cancel or resume event);
//!            the signal is sent, the task spawned, after the guard goes
//! mm         Mm::inner of a parent -> Mm::inner of its child (fork)
//!            Mm::inner -> frames SHARED (page reference counts)
//!            Mm::inner -> filemap MAPPERS (a leaf)
//! futex      futex TABLE -> a waiter's waker slot
//! files      File::pos, pipe state, tty termios then line, epoll interest
//!            and ready lists, inotify: within `file/`, each a leaf
//!            except tty (termios is copied out before line is taken)
//! fs         the `fs` crate's own order (see fs/src: dentry and inode
//!            locks), always taken with no kernel lock above it
//! procfs     a generated directory's child cache (`fs::synthetic`'s
//!            SynthInode::children) -> what a node's `alive` reads: pid
//!            TABLE/THREADS, the process and thread leaves, FdTable (no
//!            kernel lock is ever held while a path is walked, so never
//!            the other way round)
//! netlink    NetlinkSock::st -> netlink_bus PORTS (binding a port id);
//!            an Endpoint's filter and rx: leaves (a delivery clones the
//!            endpoints out of PORTS before it queues on any)
//! pid        pid TABLE, THREADS: leaves (lookups clone an Arc out)
//! executor   a CPU's timer queue, run queue, wait-queue and event locks:
//!            innermost of all (any of the above may wake or notify)
//! ```
//!
//! Rules for new code: take at most one lock of a family above at a time
//! unless the pair is listed here, in the listed order; wake, send signals
//! and spawn tasks after releasing; add any new nesting to this list.
