//! The limits on creating tasks (Linux's copy_process checks): every
//! thread counts against `kernel.threads-max` (all users, root too), and
//! against its real user's RLIMIT_NPROC (root, CAP_SYS_RESOURCE and
//! CAP_SYS_ADMIN exempt). Past either, fork/clone answer EAGAIN.
//!
//! A thread is counted from its creation to its end, for the real uid it
//! has: a change of real uid moves it (Linux's set_user).

use alloc::collections::BTreeMap;
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::errno::Errno;

static TOTAL: AtomicUsize = AtomicUsize::new(0);
static PER_UID: spin::Mutex<BTreeMap<u32, usize>> = spin::Mutex::new(BTreeMap::new());

/// Linux's default threads-max: RAM over eight 16 KiB kernel stacks per
/// task (set_max_threads), within 20 and FUTEX_TID_MASK.
pub fn default_threads_max() -> i64 {
    (platform::mem::frame::total_bytes() / (8 * (16 << 10))).clamp(20, 0x3fff_ffff) as i64
}

/// Linux's default RLIMIT_NPROC (init's, inherited by all): half of
/// threads-max.
pub fn default_nproc() -> u64 {
    default_threads_max() as u64 / 2
}

/// Whether one more task may be made by a thread with real uid `uid`,
/// RLIMIT_NPROC `nproc`, and `exempt` from it.
pub fn may_create(uid: u32, nproc: u64, exempt: bool) -> Result<(), Errno> {
    if TOTAL.load(Ordering::Relaxed) as i64 >= crate::procfs::sys::threads_max() {
        return Err(Errno::EAGAIN);
    }
    let mine = PER_UID.lock().get(&uid).copied().unwrap_or(0) as u64;
    if mine >= nproc && uid != 0 && !exempt {
        return Err(Errno::EAGAIN);
    }
    Ok(())
}

/// A task of real uid `uid` begins.
pub fn add(uid: u32) {
    TOTAL.fetch_add(1, Ordering::Relaxed);
    *PER_UID.lock().entry(uid).or_insert(0) += 1;
}

/// A task of real uid `uid` ended.
pub fn remove(uid: u32) {
    TOTAL.fetch_sub(1, Ordering::Relaxed);
    let mut m = PER_UID.lock();
    if let Some(n) = m.get_mut(&uid) {
        *n -= 1;
        if *n == 0 {
            m.remove(&uid);
        }
    }
}

/// A task's real uid changed from `old` to `new`.
pub fn moved(old: u32, new: u32) {
    if old != new {
        remove(old);
        add(new);
    }
}
