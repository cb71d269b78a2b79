//! The collector of unreachable AF_UNIX sockets (Linux's unix_gc).
//!
//! A socket whose open file is referenced only by messages in flight
//! (SCM_RIGHTS) in the queues of other such sockets — a cycle, or a socket
//! sent over itself — can never be received: nobody holds a descriptor of
//! any socket whose queue would deliver it. Linux's rule, applied here on
//! every close of an AF_UNIX socket while anything is in flight:
//!
//! 1. candidates: sockets whose file's references all are in flight
//!    (file references == in-flight count);
//! 2. every in-flight reference found in a candidate's queue is
//!    subtracted from its target's count: a candidate left with a
//!    positive count is referenced from outside (a queue of a live
//!    socket), and so is everything reachable from it;
//! 3. the other candidates are garbage: their queues are dropped, which
//!    drops the files in flight and so closes the cycle's sockets.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

use net::unix::{names, UnixSocket};

use super::unix::Flight;

static TOTAL: AtomicIsize = AtomicIsize::new(0);
static RUNNING: AtomicBool = AtomicBool::new(false);

/// A socket's file went into (1) or out of (-1) flight.
pub fn note_inflight(d: isize) {
    TOTAL.fetch_add(d, Ordering::AcqRel);
}

/// Runs the collector if anything is in flight (not re-entered by the
/// closes it causes).
pub fn collect() {
    if TOTAL.load(Ordering::Acquire) <= 0 || RUNNING.swap(true, Ordering::AcqRel) {
        return;
    }
    let garbage = find();
    for s in garbage {
        drop(s.purge());
    }
    RUNNING.store(false, Ordering::Release);
}

fn find() -> Vec<Arc<UnixSocket>> {
    let all = names::all();
    let index: BTreeMap<usize, usize> = all.iter().enumerate().map(|(i, s)| (Arc::as_ptr(s) as usize, i)).collect();
    let n = all.len();
    let mut edges: Vec<Vec<usize>> = alloc::vec![Vec::new(); n];
    let mut refs: Vec<usize> = alloc::vec![0; n];
    for (i, s) in all.iter().enumerate() {
        s.for_each_attachment(&mut |a| {
            let Some(f) = (**a).downcast_ref::<Flight>() else { return };
            let Some(u) = &f.unix else { return };
            if let Some(&j) = index.get(&(Arc::as_ptr(u) as usize)) {
                edges[i].push(j);
                refs[j] = Arc::strong_count(&f.file);
            }
        });
    }
    let inflight: Vec<usize> = all.iter().map(|s| s.inflight.load(Ordering::Acquire)).collect();
    let candidate: Vec<bool> = (0..n).map(|j| inflight[j] > 0 && refs[j] == inflight[j]).collect();
    let mut remaining = inflight.clone();
    for i in (0..n).filter(|&i| candidate[i]) {
        for &j in &edges[i] {
            if candidate[j] {
                remaining[j] = remaining[j].saturating_sub(1);
            }
        }
    }
    let mut alive: Vec<bool> = (0..n).map(|j| !candidate[j] || remaining[j] > 0).collect();
    let mut stack: Vec<usize> = (0..n).filter(|&j| candidate[j] && alive[j]).collect();
    while let Some(i) = stack.pop() {
        for &j in &edges[i] {
            if !alive[j] {
                alive[j] = true;
                stack.push(j);
            }
        }
    }
    all.into_iter().enumerate().filter(|&(j, _)| candidate[j] && !alive[j]).map(|(_, s)| s).collect()
}
