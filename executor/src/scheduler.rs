//! The executor's shared state and where tasks go: spawning, waking onto a
//! CPU's queue, stealing, reaping and shutdown.
//!
//! Owns: `Shared` (everything the public [`Executor`](crate::Executor) handle,
//! tasks and timers point at) and the placement rules:
//! - **Spawn** places a task on the CPU the caller names, or round-robin.
//! - **Wake** pushes the task onto the queue of the CPU it last ran on (its
//!   header's `cpu`), then runs the waking half of the idle handshake for
//!   that CPU (`notify_cpu`: one IPI if, and only if, it is idle). If that
//!   queue has grown to `Config::steal_kick_threshold` entries while other
//!   CPUs idle, one idle CPU is interrupted so that it comes to steal.
//! - **Steal**: a CPU that found nothing in its own queue visits the others
//!   in order starting after itself and takes up to half of the first
//!   non-empty queue (at most `Config::steal_batch`), running the first task
//!   and queueing the rest locally. Pinned tasks are handed back to their CPU.
//! - **Reap**: a finished task goes to the reaper of the CPU that finished
//!   it; see [`crate::reaper`] and [`crate::registry`].

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;
use core::sync::atomic::AtomicU64 as StatCounter;
use core::sync::atomic::AtomicUsize as RoundRobin;

use crate::cpu::{Cpu, NO_DEADLINE};
use crate::executor::Config;
use crate::platform::Platform;
use crate::registry::Registry;
use crate::run_queue::Pushed;
use crate::sync::{AtomicBool, AtomicUsize, CachePadded, Ordering};
use crate::task::{JoinHandle, Task, TaskId, TaskRef};

pub(crate) struct Shared {
    pub(crate) platform: Arc<dyn Platform>,
    pub(crate) cpus: Box<[CachePadded<Cpu>]>,
    pub(crate) config: Config,
    pub(crate) registry: Registry,
    /// How many CPUs are in their idle path (a hint for thief kicks).
    pub(crate) idle_cpus: AtomicUsize,
    stopping: AtomicBool,
    shut_down: AtomicBool,
    next_spawn_cpu: RoundRobin,
    next_task_id: StatCounter,
    pub(crate) spawned: StatCounter,
    pub(crate) violations: StatCounter,
}

impl Shared {
    pub(crate) fn new(platform: Arc<dyn Platform>, config: Config) -> Self {
        let cpus = (0..config.cpus)
            .map(|_| CachePadded(Cpu::new(config.queue_capacity)))
            .collect();
        Self {
            platform,
            cpus,
            config,
            registry: Registry::new(),
            idle_cpus: AtomicUsize::new(0),
            stopping: AtomicBool::new(false),
            shut_down: AtomicBool::new(false),
            next_spawn_cpu: RoundRobin::new(0),
            next_task_id: StatCounter::new(1),
            spawned: StatCounter::new(0),
            violations: StatCounter::new(0),
        }
    }

    pub(crate) fn cpu(&self, cpu: usize) -> Option<&Cpu> {
        self.cpus.get(cpu).map(|c| &c.0)
    }

    /// The CPU running the caller, clamped into range (a platform that
    /// answers out of range is treated as CPU 0 rather than trusted).
    pub(crate) fn current_cpu(&self) -> usize {
        let cpu = self.platform.cpu_id();
        if cpu < self.cpus.len() {
            cpu
        } else {
            0
        }
    }

    /// Whether `shutdown` has started (a push onto a reaper inbox checks
    /// this after pushing; shutdown sets it before it empties the inboxes).
    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::SeqCst)
    }

    pub(crate) fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Asks every `run_until_stopped` loop to return, and wakes idle CPUs.
    pub(crate) fn request_stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        for cpu in 0..self.cpus.len() {
            self.notify_cpu(cpu);
        }
    }

    pub(crate) fn next_spawn_cpu(&self) -> usize {
        self.next_spawn_cpu
            .fetch_add(1, core::sync::atomic::Ordering::Relaxed)
            % self.cpus.len()
    }

    /// Creates, registers and queues a task on `cpu` (in range).
    pub(crate) fn spawn<F>(
        self: &Arc<Self>,
        cpu: usize,
        pinned: bool,
        future: F,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let id = TaskId(
            self.next_task_id
                .fetch_add(1, core::sync::atomic::Ordering::Relaxed),
        );
        if self.shut_down.load(Ordering::SeqCst) {
            return JoinHandle::new(Arc::new(Task::new_cancelled(id, self.clone(), future)));
        }
        let task = Arc::new(Task::new(id, self.clone(), cpu, pinned, future));
        let task_ref: TaskRef = task.clone();
        if self.registry.insert(&task_ref).is_err() {
            // Shut down meanwhile: finish it here, unqueued.
            task_ref.cancel_now();
            return JoinHandle::new(task);
        }
        self.spawned
            .fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        self.push(cpu, task_ref);
        JoinHandle::new(task)
    }

    /// A woken (or aborted) task that the state machine says must be queued:
    /// it goes to the CPU it last ran on.
    pub(crate) fn schedule(&self, task: TaskRef) {
        let cpu = task.header().cpu.load(Ordering::Relaxed);
        let cpu = if cpu < self.cpus.len() { cpu } else { 0 };
        self.push(cpu, task);
    }

    /// Pushes at the tail of `cpu`'s queue, then notifies that CPU.
    pub(crate) fn push(&self, cpu: usize, task: TaskRef) {
        let Some(c) = self.cpu(cpu) else {
            // Unreachable: callers pass an index in range.
            self.violations
                .fetch_add(1, core::sync::atomic::Ordering::Relaxed);
            return;
        };
        if c.queue.push(task, &*self.platform) == Pushed::Overflow {
            c.stats
                .overflow_pushes
                .fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        }
        self.notify_cpu(cpu);
        if self.cpus.len() > 1
            && self.idle_cpus.load(Ordering::SeqCst) > 0
            && c.queue.len() >= self.config.steal_kick_threshold
        {
            self.kick_idle_thief(cpu);
        }
    }

    /// Takes work from another CPU's queue (see the module documentation).
    pub(crate) fn steal(&self, cpu: usize) -> Option<TaskRef> {
        let n = self.cpus.len();
        let own = self.cpu(cpu)?;
        for offset in 1..n {
            let victim_index = (cpu + offset) % n;
            let victim = &self.cpus[victim_index];
            let available = victim.queue.len();
            if available == 0 {
                continue;
            }
            let want = available.div_ceil(2).min(self.config.steal_batch);
            let mut first = None;
            let mut stolen = 0u64;
            for _ in 0..want {
                let Some(task) = victim.queue.pop(&*self.platform) else {
                    break;
                };
                if task.header().pinned {
                    self.push(victim_index, task);
                    continue;
                }
                stolen += 1;
                match first {
                    None => first = Some(task),
                    Some(_) => {
                        if own.queue.push(task, &*self.platform) == Pushed::Overflow {
                            own.stats
                                .overflow_pushes
                                .fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                        }
                    }
                }
            }
            if stolen > 0 {
                own.stats
                    .steals
                    .fetch_add(stolen, core::sync::atomic::Ordering::Relaxed);
                return first;
            }
        }
        None
    }

    /// Cancels every task and empties every queue. The futures are dropped
    /// in the caller's context; call it after the run loops have returned,
    /// never from inside a task.
    pub(crate) fn shutdown(&self) {
        self.shut_down.store(true, Ordering::SeqCst);
        self.request_stop();
        let mut refs: Vec<TaskRef> = Vec::new();
        let tasks = self.registry.close_and_take_all(&mut refs);
        for task in &tasks {
            task.cancel_now();
        }
        for c in self.cpus.iter() {
            c.queue.drain(&*self.platform, &mut refs);
            c.reap_inbox.drain(&mut refs);
            c.reaper.lock().drain(&mut refs);
            c.recheck_at.store(NO_DEADLINE, Ordering::SeqCst);
            let wakers = c.timers.lock().clear();
            c.next_deadline.store(NO_DEADLINE, Ordering::SeqCst);
            drop(wakers);
        }
        drop(refs);
        drop(tasks);
    }
}
