//! Process and thread IDs: allocated upwards from 1 (PID 1 is init), and
//! the table from ID to process.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicU32, Ordering};

use super::{Process, Thread};

static NEXT: AtomicU32 = AtomicU32::new(1);
static TABLE: spin::Mutex<BTreeMap<u32, Weak<Process>>> = spin::Mutex::new(BTreeMap::new());
static THREADS: spin::Mutex<BTreeMap<u32, Weak<Thread>>> = spin::Mutex::new(BTreeMap::new());


/// A fresh ID for a process or thread.
pub fn alloc() -> u32 {
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The last ID handed out (/proc/loadavg's last pid) — 0 before any.
pub fn last() -> u32 {
    NEXT.load(Ordering::Relaxed) - 1
}

pub fn register(p: &Arc<Process>) {
    TABLE.lock().insert(p.pid, Arc::downgrade(p));
}

pub fn unregister(pid: u32) {
    TABLE.lock().remove(&pid);
}

pub fn find(pid: u32) -> Option<Arc<Process>> {
    TABLE.lock().get(&pid).and_then(Weak::upgrade)
}

pub fn register_thread(t: &Arc<Thread>) {
    THREADS.lock().insert(t.tid(), Arc::downgrade(t));
}

pub fn unregister_thread(tid: u32) {
    THREADS.lock().remove(&tid);
}

pub fn find_thread(tid: u32) -> Option<Arc<Thread>> {
    THREADS.lock().get(&tid).and_then(Weak::upgrade)
}

/// Every live process (kill -1, process groups).
pub fn all() -> alloc::vec::Vec<Arc<Process>> {
    TABLE.lock().values().filter_map(Weak::upgrade).collect()
}
