//! Linux's overcommit policy for memory a mapping commits (private
//! writable memory, which no file stands behind), after
//! `__vm_enough_memory` and vm.overcommit_memory:
//!
//! - 0 (heuristic, the default): one request larger than all of RAM plus
//!   swap (Aramid has no swap) is refused; anything smaller is granted;
//! - 1 (always): everything is granted;
//! - 2 (never): Linux refuses when the system's committed total would pass
//!   swap + RAM × overcommit_ratio (50%). Aramid keeps no committed
//!   total: it refuses a single request above that limit, so it is laxer
//!   than Linux only when many smaller mappings add up.
//!
//! MAP_NORESERVE exempts a mapping in modes 0 and 1 (not in 2), as Linux.
//! A refusal is ENOMEM.

use crate::errno::Errno;
use crate::procfs::sys::OVERCOMMIT_MEMORY;

/// Linux's default vm.overcommit_ratio.
const OVERCOMMIT_RATIO: u64 = 50;

/// Whether committing `bytes` more is allowed; `noreserve`: the mapping
/// asked for MAP_NORESERVE.
pub fn may_commit(bytes: u64, noreserve: bool) -> Result<(), Errno> {
    let ram = platform::mem::frame::total_bytes();
    let ok = match OVERCOMMIT_MEMORY.get() {
        1 => true,
        2 => bytes <= ram / 100 * OVERCOMMIT_RATIO,
        _ => noreserve || bytes <= ram,
    };
    if ok {
        Ok(())
    } else {
        Err(Errno::ENOMEM)
    }
}
