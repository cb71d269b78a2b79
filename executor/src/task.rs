//! Tasks: a spawned future, its header, its waker, and its [`JoinHandle`].
//!
//! Owns: the task object (`Task<F>`: header + the future or its output), how
//! a CPU runs it once (`Runnable::run`), what a wake does (`Wake` impl), and
//! the join side (awaiting the output, `abort`).
//!
//! The life cycle is the state machine in [`crate::state`]; this module only
//! acts on what that machine answers:
//! - A wake asks `TaskState::wake`; if it answers "enqueue", the waker pushes
//!   the task onto the run queue of the CPU the task last ran on (or was
//!   spawned for), once.
//! - A run pops the task, asks `start_poll`, records this CPU as the task's
//!   CPU, polls the future with a waker for the task (an `Arc` clone through
//!   `alloc::task::Wake`: no unsafe), then asks `end_poll` on `Pending` or
//!   `complete` on `Ready`.
//! - The future is dropped on the CPU that completes or cancels it, in the
//!   run loop, never in a waker.
//!
//! Ownership rule (why a task is never freed in an interrupt handler): from
//! spawn until it is reaped, every task is held by the executor's registry
//! ([`crate::registry`]). Wakers and run-queue entries are extra references,
//! so dropping one of them — wherever that happens, including inside an
//! interrupt handler that woke a task — never drops the last reference. Only
//! the run loop's reaper releases the registry's reference, and only when it
//! is the last one besides its own.
//!
//! A [`JoinHandle`] never drops its reference while the task is registered
//! (its `Drop` runs in task context): if the reaper parked the finished
//! task, it hands the reference to the reaper; otherwise it leaves it in the
//! registry for the task's examination. (After shutdown it just drops it.) That is what lets the reaper park tasks whose handles are
//! held instead of looking at them again and again, and reap them as soon as
//! the handle goes (see [`crate::registry`]).

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::task::Wake;
use core::fmt;
use core::future::Future;
use core::mem;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::registry::Released;
use crate::scheduler::Shared;
use crate::state::{EndPoll, StartPoll, State, TaskState};
use crate::sync::{AtomicUsize, Ordering, SpinLock};

/// A task's identity, unique within its executor (for traces and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub u64);

/// Why a task produced no output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinError {
    /// The task was aborted (or the executor shut down) before it completed.
    Cancelled,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Cancelled => f.write_str("task cancelled"),
        }
    }
}

/// What every task has, whatever its future's type.
pub(crate) struct Header {
    pub(crate) id: TaskId,
    pub(crate) state: TaskState,
    /// The CPU the task last ran on (before its first run: the CPU it was
    /// spawned for). Wakes push the task there.
    pub(crate) cpu: AtomicUsize,
    /// Never migrated by stealing.
    pub(crate) pinned: bool,
    /// Index in the executor's registry (set once, right after insertion).
    pub(crate) slot: AtomicUsize,
    pub(crate) shared: Arc<Shared>,
    /// Waker of whoever awaits the `JoinHandle`.
    join_waker: SpinLock<Option<Waker>>,
}

/// A reference to a task of any future type, as run queues hold it.
pub(crate) type TaskRef = Arc<dyn Runnable>;

/// What the run loop learns from running a task once.
pub(crate) enum RunResult {
    /// The poll returned `Pending` and the task now waits for a wake.
    Idle,
    /// Woken during the poll: push it once, at the tail of this CPU's queue.
    Requeue(TaskRef),
    /// Completed or cancelled: hand it to the reaper.
    Finished(TaskRef),
    /// It was not SCHEDULED (see [`StartPoll::NotScheduled`]).
    Skipped(State),
    /// `end_poll` found a state the machine does not allow.
    Invalid(State),
}

/// The type-erased side of a task that the executor drives.
pub(crate) trait Runnable: Send + Sync {
    fn header(&self) -> &Header;
    /// Runs the task once on `cpu` (see the module documentation).
    fn run(self: Arc<Self>, cpu: usize) -> RunResult;
    /// Shutdown: drops the future (if still there) and finishes the task as
    /// cancelled. Must not be called from inside this task's own poll.
    fn cancel_now(&self);
}

/// The typed side that a [`JoinHandle`] uses.
trait Joinable<T>: Send + Sync {
    fn header(&self) -> &Header;
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>>;
    fn abort(self: Arc<Self>);
    /// The handle is dropped: hands its reference to the registry or the
    /// reaper.
    fn release_handle(self: Arc<Self>);
}

enum Stage<F: Future> {
    Pending(Pin<Box<F>>),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

pub(crate) struct Task<F: Future> {
    header: Header,
    stage: SpinLock<Stage<F>>,
}

impl<F> Task<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    pub(crate) fn new(
        id: TaskId,
        shared: Arc<Shared>,
        cpu: usize,
        pinned: bool,
        future: F,
    ) -> Self {
        Self {
            header: Header {
                id,
                state: TaskState::new_scheduled(),
                cpu: AtomicUsize::new(cpu),
                pinned,
                slot: AtomicUsize::new(usize::MAX),
                shared,
                join_waker: SpinLock::new(None),
            },
            stage: SpinLock::new(Stage::Pending(Box::pin(future))),
        }
    }

    /// A task that is cancelled from the start (spawned after shutdown). The
    /// future is dropped here, by the spawner.
    pub(crate) fn new_cancelled(id: TaskId, shared: Arc<Shared>, future: F) -> Self {
        drop(future);
        Self {
            header: Header {
                id,
                state: TaskState::new_done(),
                cpu: AtomicUsize::new(0),
                pinned: false,
                slot: AtomicUsize::new(usize::MAX),
                shared,
                join_waker: SpinLock::new(None),
            },
            stage: SpinLock::new(Stage::Finished(Err(JoinError::Cancelled))),
        }
    }

    fn wake_joiner(&self) {
        let waker = self.header.join_waker.lock().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Finishes the task as cancelled if its future is still there
    /// (shutdown). The future is dropped outside the stage lock.
    fn finish_cancelled(&self) {
        let old = {
            let mut stage = self.stage.lock();
            match *stage {
                Stage::Pending(_) => {
                    mem::replace(&mut *stage, Stage::Finished(Err(JoinError::Cancelled)))
                }
                _ => return,
            }
        };
        drop(old);
        self.header.state.complete();
        self.wake_joiner();
    }
}

impl<F> Runnable for Task<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn header(&self) -> &Header {
        &self.header
    }

    fn run(self: Arc<Self>, cpu: usize) -> RunResult {
        let cancel = match self.header.state.start_poll() {
            StartPoll::Poll => false,
            StartPoll::Cancel => true,
            StartPoll::NotScheduled(state) => return RunResult::Skipped(state),
        };
        self.header.cpu.store(cpu, Ordering::Relaxed);

        // `old` is what the stage held before it became `Finished`: the
        // future, dropped after the stage lock is released.
        let (finished, old) = {
            let mut stage = self.stage.lock();
            match &mut *stage {
                Stage::Pending(_) if cancel => (
                    true,
                    mem::replace(&mut *stage, Stage::Finished(Err(JoinError::Cancelled))),
                ),
                Stage::Pending(future) => {
                    let waker = Waker::from(self.clone());
                    let mut cx = Context::from_waker(&waker);
                    match future.as_mut().poll(&mut cx) {
                        Poll::Ready(output) => {
                            (true, mem::replace(&mut *stage, Stage::Finished(Ok(output))))
                        }
                        Poll::Pending => (false, Stage::Consumed),
                    }
                }
                // Finished by shutdown between our pop and this lock.
                Stage::Finished(_) | Stage::Consumed => return RunResult::Skipped(State::Done),
            }
        };
        drop(old);

        if finished {
            self.header.state.complete();
            self.wake_joiner();
            return RunResult::Finished(self);
        }
        match self.header.state.end_poll() {
            EndPoll::Idle => RunResult::Idle,
            EndPoll::Requeue => RunResult::Requeue(self),
            EndPoll::Done => RunResult::Skipped(State::Done),
            EndPoll::Invalid(state) => RunResult::Invalid(state),
        }
    }

    fn cancel_now(&self) {
        self.header.state.cancel();
        self.finish_cancelled();
    }
}

impl<F> Joinable<F::Output> for Task<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn header(&self) -> &Header {
        &self.header
    }

    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, JoinError>> {
        if !self.header.state.is_done() {
            let old = {
                let mut slot = self.header.join_waker.lock();
                match &*slot {
                    Some(waker) if waker.will_wake(cx.waker()) => None,
                    _ => slot.replace(cx.waker().clone()),
                }
            };
            drop(old);
            // Re-check after registering: completion sets DONE before it
            // takes the join waker, so either it sees ours or we see DONE.
            if !self.header.state.is_done() {
                return Poll::Pending;
            }
        }
        let mut stage = self.stage.lock();
        match mem::replace(&mut *stage, Stage::Consumed) {
            Stage::Finished(result) => Poll::Ready(result),
            other => {
                // Polled again after it returned the output: a caller bug.
                debug_assert!(false, "JoinHandle polled after completion");
                *stage = other;
                Poll::Pending
            }
        }
    }

    fn abort(self: Arc<Self>) {
        if self.header.state.cancel() {
            let shared = self.header.shared.clone();
            shared.schedule(self);
        }
    }

    fn release_handle(self: Arc<Self>) {
        let shared = self.header.shared.clone();
        // A parked task finished: its `cpu` is the CPU that finished it
        // (whose reaper parked it) and no longer changes.
        // PARKED is final until this drop, so no lock is needed to see it.
        if self.header.state.is_parked() {
            self.header.state.drop_handle();
            let cpu = self.header.cpu.load(Ordering::Relaxed);
            shared.hand_to_reaper(cpu, self);
            return;
        }
        match shared.registry.leave_behind(self) {
            Released::LeftBehind => {}
            Released::ToReaper(task) => {
                let cpu = task.header().cpu.load(Ordering::Relaxed);
                shared.hand_to_reaper(cpu, task);
            }
            Released::Unregistered(task) => drop(task),
        }
    }
}

impl<F> Wake for Task<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn wake(self: Arc<Self>) {
        if self.header.state.wake() {
            let shared = self.header.shared.clone();
            shared.schedule(self);
        }
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.header.state.wake() {
            self.header.shared.schedule(self.clone());
        }
    }
}

/// An owned permission to await a task's output. Dropping it detaches the
/// task (it keeps running); [`abort`](JoinHandle::abort) cancels it.
///
/// Drop it in task context, not in an interrupt handler: its drop takes the
/// executor's registry lock to hand its reference over (see the module
/// documentation), which is what lets a finished task be reaped as soon as
/// its handle is gone.
#[must_use = "dropping a JoinHandle detaches the task"]
pub struct JoinHandle<T> {
    id: TaskId,
    /// `Some` until the handle is dropped.
    task: Option<Arc<dyn Joinable<T>>>,
}

impl<T: Send + 'static> JoinHandle<T> {
    pub(crate) fn new<F>(task: Arc<Task<F>>) -> Self
    where
        F: Future<Output = T> + Send + 'static,
    {
        Self {
            id: task.header.id,
            task: Some(task),
        }
    }
}

impl<T> JoinHandle<T> {
    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Whether the task has completed or been cancelled.
    pub fn is_finished(&self) -> bool {
        self.task
            .as_ref()
            .is_none_or(|task| task.header().state.is_done())
    }

    /// Requests cancellation. If the task has not completed, its future is
    /// dropped (on the CPU that next runs it, never inside this call) and
    /// awaiting the handle yields `Err(JoinError::Cancelled)`. If it already
    /// completed, this does nothing and the output is still delivered.
    pub fn abort(&self) {
        if let Some(task) = &self.task {
            task.clone().abort();
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &self.task {
            Some(task) => task.poll_join(cx),
            // Unreachable: only `drop` takes the task.
            None => Poll::Ready(Err(JoinError::Cancelled)),
        }
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.release_handle();
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("JoinHandle");
        d.field("id", &self.id);
        if let Some(task) = &self.task {
            let (state, cancel) = task.header().state.load();
            d.field("state", &state).field("cancel_requested", &cancel);
        }
        d.finish()
    }
}
