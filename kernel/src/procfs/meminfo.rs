//! /proc/meminfo (Linux's meminfo_proc_show): memory in kB from the frame
//! allocator, no swap, no huge pages; each line is the name padded to 16
//! columns and the value to 8, as Linux's show_val_kb.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use fs::synthetic::Opener;

use super::bytes;

pub fn meminfo(_: &(), _who: &Opener) -> fs::Result<Vec<u8>> {
    let total = platform::mem::frame::total_bytes() / 1024;
    let free = platform::mem::frame::free_bytes() / 1024;
    let mut s = String::new();
    let rows: [(&str, u64); 37] = [
        ("MemTotal", total),
        ("MemFree", free),
        ("MemAvailable", free),
        ("Buffers", 0),
        ("Cached", 0),
        ("SwapCached", 0),
        ("Active", 0),
        ("Inactive", 0),
        ("Active(anon)", 0),
        ("Inactive(anon)", 0),
        ("Active(file)", 0),
        ("Inactive(file)", 0),
        ("Unevictable", 0),
        ("Mlocked", 0),
        ("SwapTotal", 0),
        ("SwapFree", 0),
        ("Zswap", 0),
        ("Zswapped", 0),
        ("Dirty", 0),
        ("Writeback", 0),
        ("AnonPages", total - free),
        ("Mapped", 0),
        ("Shmem", 0),
        ("KReclaimable", 0),
        ("Slab", 0),
        ("SReclaimable", 0),
        ("SUnreclaim", 0),
        ("KernelStack", 0),
        ("PageTables", 0),
        ("NFS_Unstable", 0),
        ("Bounce", 0),
        ("WritebackTmp", 0),
        ("CommitLimit", total / 2),
        ("Committed_AS", total - free),
        ("VmallocTotal", 34_359_738_367),
        ("VmallocUsed", 0),
        ("VmallocChunk", 0),
    ];
    for (name, kb) in rows {
        let _ = writeln!(s, "{:<16}{kb:>8} kB", alloc::format!("{name}:"));
    }
    for name in ["HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp"] {
        let _ = writeln!(s, "{:<16}{:>8}", alloc::format!("{name}:"), 0);
    }
    let _ = writeln!(s, "{:<16}{:>8} kB", "Hugepagesize:", 2048);
    let _ = writeln!(s, "{:<16}{:>8} kB", "Hugetlb:", 0);
    bytes(s)
}
