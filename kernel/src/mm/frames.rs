//! Sharing of user page frames between address spaces (copy-on-write after
//! fork, MAP_SHARED): a count per shared frame. A frame with no entry has
//! one owner; [`put`] frees a frame when its last owner lets go.

use alloc::collections::BTreeMap;

use platform::mem::frame;

static SHARED: spin::Mutex<BTreeMap<u64, u32>> = spin::Mutex::new(BTreeMap::new());

/// Adds an owner to `phys`.
pub fn get(phys: u64) {
    *SHARED.lock().entry(phys).or_insert(1) += 1;
}

/// Drops an owner of `phys`; frees it when none is left.
pub fn put(phys: u64) {
    let mut shared = SHARED.lock();
    match shared.get_mut(&phys) {
        Some(n) if *n > 2 => *n -= 1,
        Some(_) => {
            shared.remove(&phys);
        }
        None => {
            drop(shared);
            frame::free(phys);
        }
    }
}

/// Whether `phys` has more than one owner.
pub fn is_shared(phys: u64) -> bool {
    SHARED.lock().contains_key(&phys)
}
