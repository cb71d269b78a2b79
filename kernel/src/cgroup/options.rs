//! cgroup2's mount options, which belong to the one hierarchy (Linux's
//! cgrp_dfl_root flags): each mount or remount sets them anew, and
//! mountinfo shows them after the read-write state.

use alloc::string::String;
use core::sync::atomic::{AtomicU8, Ordering};

use fs::errno::{Errno, Result};

const OPTIONS: [&str; 5] = ["nsdelegate", "favordynmods", "memory_localevents", "memory_recursiveprot", "memory_hugetlb_accounting"];

static SET: AtomicU8 = AtomicU8::new(0);

/// Parses mount(2)'s data: comma-separated known options (EINVAL for any
/// other), replacing the current set.
pub fn apply(data: &str) -> Result<()> {
    let mut bits = 0u8;
    for opt in data.split(',').filter(|o| !o.is_empty()) {
        let i = OPTIONS.iter().position(|o| *o == opt).ok_or(Errno::EINVAL)?;
        bits |= 1 << i;
    }
    SET.store(bits, Ordering::Release);
    Ok(())
}

/// Whether `opt` is one of cgroup2's options (fsconfig's per-option
/// check): EINVAL otherwise.
pub fn apply_check(opt: &str) -> Result<()> {
    if OPTIONS.contains(&opt) {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    }
}

/// ",nsdelegate,memory_recursiveprot" style, for mountinfo.
pub fn shown() -> String {
    let bits = SET.load(Ordering::Acquire);
    let mut s = String::new();
    for (i, o) in OPTIONS.iter().enumerate() {
        if bits & (1 << i) != 0 {
            s.push(',');
            s.push_str(o);
        }
    }
    s
}
