//! Unit tests that need an executor on simulated CPUs (the pure data
//! structures test themselves in their own modules).

mod budget;
mod event;
mod idle;
mod interruptible;
mod reap;
mod select;
mod sleep;
mod task;
mod wait_queue;

use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::task::{Context, Poll, Waker};
use std::sync::Mutex;

use crate::sim::SimPlatform;
use crate::{Config, Executor};

/// An executor on `cpus` simulated CPUs with a manual clock; the calling
/// test thread is CPU 0.
pub(crate) fn setup(cpus: usize) -> (Arc<SimPlatform>, Executor) {
    setup_with(Config::new(cpus))
}

pub(crate) fn setup_with(config: Config) -> (Arc<SimPlatform>, Executor) {
    let platform = SimPlatform::with_manual_clock(config.cpus);
    SimPlatform::bind_thread(0);
    let ex = Executor::new(platform.clone(), config).expect("valid config");
    (platform, ex)
}

/// A shared, ordered event log.
#[derive(Clone, Default)]
pub(crate) struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub(crate) fn push(&self, entry: impl ToString) {
        self.0.lock().unwrap().push(entry.to_string());
    }
    pub(crate) fn take(&self) -> Vec<String> {
        core::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// A condition the test opens by hand; futures waiting on it store their
/// waker and count their polls.
#[derive(Clone, Default)]
pub(crate) struct Gate(Arc<GateInner>);

#[derive(Default)]
pub(crate) struct GateInner {
    open: AtomicBool,
    polls: AtomicU64,
    waker: Mutex<Option<Waker>>,
}

impl Gate {
    pub(crate) fn new() -> Self {
        Self::default()
    }
    /// Opens the gate and wakes the waiter.
    pub(crate) fn open(&self) {
        self.0.open.store(true, Ordering::SeqCst);
        self.wake();
    }
    /// Opens the gate without waking anyone.
    pub(crate) fn set_open(&self) {
        self.0.open.store(true, Ordering::SeqCst);
    }
    /// Wakes the waiter without opening (a spurious wake).
    pub(crate) fn wake(&self) {
        let waker = self.0.waker.lock().unwrap().clone();
        if let Some(w) = waker {
            w.wake();
        }
    }
    pub(crate) fn polls(&self) -> u64 {
        self.0.polls.load(Ordering::SeqCst)
    }
    pub(crate) fn waker(&self) -> Option<Waker> {
        self.0.waker.lock().unwrap().clone()
    }
    pub(crate) fn wait(&self) -> GateWait {
        GateWait(self.clone())
    }
}

pub(crate) struct GateWait(Gate);

impl Future for GateWait {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let g = &self.0 .0;
        g.polls.fetch_add(1, Ordering::SeqCst);
        *g.waker.lock().unwrap() = Some(cx.waker().clone());
        if g.open.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// Sets its flag when dropped.
pub(crate) struct DropFlag(pub(crate) Arc<AtomicBool>);

impl DropFlag {
    pub(crate) fn new() -> (Self, Arc<AtomicBool>) {
        let flag = Arc::new(AtomicBool::new(false));
        (Self(flag.clone()), flag)
    }
}

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Polls `f` once with `waker`.
pub(crate) fn poll_once<F: Future + ?Sized>(f: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(waker))
}
