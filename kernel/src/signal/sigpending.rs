//! RLIMIT_SIGPENDING: the signals queued for the processes of one real
//! uid, counted as Linux's ucounts do. A queued signal is charged to the
//! real uid of the process it is queued for and checked against that
//! process's limit; the charge goes when the signal leaves the queue.

use alloc::collections::BTreeMap;

static QUEUED: spin::Mutex<BTreeMap<u32, u64>> = spin::Mutex::new(BTreeMap::new());

/// Counts one more signal queued for `uid` if that stays within `limit`
/// (or `override_limit`); whether it was counted.
pub fn charge(uid: u32, limit: u64, override_limit: bool) -> bool {
    let mut q = QUEUED.lock();
    let n = q.entry(uid).or_insert(0);
    if !override_limit && *n >= limit {
        if *n == 0 {
            q.remove(&uid);
        }
        return false;
    }
    *n += 1;
    true
}

/// A charged signal left its queue.
pub fn uncharge(uid: u32) {
    let mut q = QUEUED.lock();
    if let Some(n) = q.get_mut(&uid) {
        *n -= 1;
        if *n == 0 {
            q.remove(&uid);
        }
    }
}
