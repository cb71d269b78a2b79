//! Aramid's async executor: per-CPU run loops that drive kernel futures.
//!
//! Every blocking system call in Aramid is a Rust future; this crate runs
//! them. It is `no_std` + `alloc`, contains no architecture code and no
//! `unsafe`, and is tested on the host (OS threads stand in for CPUs, see
//! `sim`, feature `std`; the state machines are also model-checked with
//! loom).
//!
//! Map of the crate (each module's documentation states what it owns and the
//! rules it keeps):
//!
//! | module | owns |
//! |---|---|
//! | [`platform`] | the [`Platform`] trait: the hardware hooks (CPU id, clock, IPI, one-shot timer, halt, interrupt masking) |
//! | `executor` | the public [`Executor`] handle, [`Config`], how a CPU runs |
//! | [`state`] | the task state machine: one atomic per task |
//! | `task` | tasks, wakers, [`JoinHandle`] |
//! | `registry` | the owning reference to every task; the join handle / reaper hand-over |
//! | `reaper` | when and how much each CPU reaps finished tasks |
//! | `run_queue` | one CPU's queue: lock-free `ArrayQueue` + locked overflow |
//! | `scheduler` | placement: spawn, wake target, stealing, shutdown |
//! | `run_loop` | one turn of a CPU; timer expiry and programming |
//! | `idle` | the idle handshake and reschedule IPIs |
//! | `timer`, `sleep` | per-CPU timer heap; [`Sleep`], [`Timeout`] |
//! | `waiter_list`, `wait_queue`, `event` | [`WaitQueue`] (the one wait primitive) and [`Event`] (with a permit) |
//! | `watch` | persistent watchers of a wait queue (epoll's per-file registrations) |
//! | `select`, `interruptible`, `budget` | [`select`], [`interruptible`], [`yield_now`], [`Budget`] |
//! | [`irq`] | interrupt-safe locking for primitives woken from interrupt handlers |
//! | `sync` | the atomics/locks shim that loom replaces |
//!
//! Interrupt handlers may call exactly these: [`Executor::on_timer_interrupt`]
//! (sets a flag), `Waker::wake` / `wake_by_ref` of executor tasks,
//! [`WaitQueue::wake_one`] / `wake_n` / `wake_all`, [`Event::notify_one`] /
//! `notify_all`. None of them can drop the last reference to a task (the
//! registry holds one until the run loop reaps it) or spin on a lock the
//! interrupted code holds (the locks they take are taken with interrupts
//! disabled everywhere). Everything else, including dropping a
//! [`JoinHandle`], is task context only.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(clippy::large_futures, clippy::await_holding_lock)]

extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;

mod budget;
mod cpu;
mod event;
mod executor;
mod idle;
mod interruptible;
pub mod irq;
pub mod platform;
mod reaper;
mod registry;
mod run_loop;
mod run_queue;
mod scheduler;
mod select;
mod sleep;
pub mod state;
mod sync;
mod task;
mod timer;
mod wait_queue;
mod waiter_list;
mod watch;

#[cfg(any(test, feature = "std"))]
pub mod sim;

#[cfg(all(test, not(loom)))]
mod test_util;
#[cfg(all(test, not(loom)))]
mod tests;

pub use budget::{yield_now, Budget, Tick, YieldNow};
pub use event::{Event, Notified};
pub use executor::{BlockOnError, Config, ConfigError, Executor, SpawnError, Stats, WeakExecutor};
pub use interruptible::{interruptible, Interrupted, Interruptible, SignalFlag, SignalSource};
pub use platform::Platform;
pub use select::{select, select3, select_all, Either, Either3, Select, Select3, SelectAll};
pub use sleep::{Sleep, TimedOut, Timeout};
pub use task::{JoinError, JoinHandle, TaskId};
pub use wait_queue::{WaitFor, WaitQueue, Waiter};
pub use watch::WatchId;
