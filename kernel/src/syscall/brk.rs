//! brk(2): the program break. The heap is one anonymous area from the end
//! of the executable's data (`brk_start`) to the break, page-granular.
//! Like Linux, a request that cannot be met (below the start, or running
//! into another mapping or the page below it, or past RLIMIT_AS /
//! RLIMIT_DATA, or past RLIMIT_MEMLOCK under mlockall(MCL_FUTURE)) leaves
//! the break unchanged and returns it. Linux keeps one
//! free page between the heap and the next mapping.

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::mm::vma::{Prot, Vma};
use crate::mm::{page_up, MapLimits};

pub fn brk(call: &Call<'_>, want: u64) -> SysResult {
    let mm = call.thread.process.mm().ok_or(Errno::ENOMEM)?;
    let limits = MapLimits::of(&call.thread.process);
    let before = mm.with(|m| m.brk);
    let after = mm.with(|m| {
        let (start, cur) = (m.brk_start, m.brk);
        if want < start || want > platform::user::USER_END {
            return cur;
        }
        let (Some(old_end), Some(new_end)) = (page_up(cur), page_up(want)) else { return cur };
        if new_end > old_end {
            let Some(gap_end) = new_end.checked_add(crate::mm::PAGE) else { return cur };
            if m.overlaps(old_end, gap_end) || !m.may_expand(limits, new_end - old_end, true) {
                return cur;
            }
            // Under mlockall(MCL_FUTURE) the growth is locked: it must fit
            // RLIMIT_MEMLOCK (Linux's check_brk_limits).
            if m.lock_future.is_locked() && super::mlock::may_lock_more(call, m.locked_bytes(), new_end - old_end).is_err() {
                return cur;
            }
            // Extend the heap area (or create it).
            let heap_start = page_up(start).unwrap_or(start);
            let existing = m.find(old_end.saturating_sub(1)).filter(|v| v.start >= heap_start && v.end == old_end).map(|v| v.start);
            match existing {
                Some(s) => {
                    if let Some(v) = m.vmas.get_mut(&s) {
                        v.end = new_end;
                    }
                }
                None => m.insert(Vma::anon(old_end, new_end, Prot { read: true, write: true, exec: false })),
            }
        } else if new_end < old_end {
            m.remove(new_end, old_end);
        }
        m.brk = want;
        want
    });
    // Under mlockall(MCL_FUTURE) the new heap pages are faulted in.
    if let (Some(lo), Some(hi)) = (page_up(before), page_up(after)) {
        if hi > lo {
            super::mlock::populate_new(&mm, lo, hi);
        }
    }
    Ok(after)
}
