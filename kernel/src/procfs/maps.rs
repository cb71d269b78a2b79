//! /proc/PID/maps and /proc/PID/smaps_rollup (Linux's show_map_vma and
//! show_smaps_rollup): one line per area with its range, permissions,
//! offset, device, inode and name. Names: the executable's path for its
//! own file, "[heap]", "[stack]", "[vdso]" and "[vvar]"; other file
//! mappings show their device and inode (Aramid keeps no path for them).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use fs::inode::{major, minor};
use fs::synthetic::Opener;

use super::task::Task;
use crate::mm::vma::Kind;

pub fn maps(task: &Task, _who: &Opener) -> fs::Result<Vec<u8>> {
    let p = task.process()?;
    let Some(mm) = task.mm()? else { return Ok(Vec::new()) };
    let exe = mm.with(|m| m.exe_path.clone());
    let exe_ino = exe.as_ref().map(|j| (j.loc.inode.metadata().dev, j.loc.inode.ino()));
    let exe_name = exe.as_ref().and_then(|j| {
        let fsc = p.fs().lock().clone();
        fsc.mnt.vfs.path_of_entry(&fsc.root, &j.parent, &j.name, &j.loc).ok().flatten()
    });
    let mut out = Vec::new();
    mm.with(|m| {
        for v in m.vmas.values() {
            let r = if v.prot.read { 'r' } else { '-' };
            let w = if v.prot.write { 'w' } else { '-' };
            let x = if v.prot.exec { 'x' } else { '-' };
            let s = if v.shared { 's' } else { 'p' };
            let (off, (dev, ino)) = match &v.kind {
                Kind::File { backing, offset, .. } => (*offset, backing_id(backing.inode())),
                Kind::Pages { file, offset, .. } => (*offset, backing_id(Some(&file.inode))),
                _ => (0, (0, 0)),
            };
            let mut line = format!("{:08x}-{:08x} {r}{w}{x}{s} {off:08x} {:02x}:{:02x} {ino} ", v.start, v.end, major(dev), minor(dev));
            let name: Option<Vec<u8>> = if ino != 0 && Some((dev, ino)) == exe_ino {
                exe_name.clone()
            } else if v.grows_down {
                Some(b"[stack]".to_vec())
            } else if matches!(v.kind, Kind::Fixed { .. }) {
                // The vvar data page comes first, then the vDSO code.
                Some(if v.prot.exec { b"[vdso]".to_vec() } else { b"[vvar]".to_vec() })
            } else if matches!(v.kind, Kind::Anon) && v.start >= m.brk_start && v.end <= m.brk.max(m.brk_start) && m.brk > m.brk_start {
                Some(b"[heap]".to_vec())
            } else {
                None
            };
            match name {
                Some(n) => {
                    // Linux pads the name to column 73.
                    while line.len() < 73 {
                        line.push(' ');
                    }
                    out.extend_from_slice(line.as_bytes());
                    out.extend_from_slice(&n);
                }
                None => out.extend_from_slice(line.trim_end().as_bytes()),
            }
            out.push(b'\n');
        }
    });
    Ok(out)
}

fn backing_id(inode: Option<&fs::InodeRef>) -> (u64, u64) {
    inode.map_or((0, 0), |i| {
        let m = i.metadata();
        (m.dev, m.ino)
    })
}

pub fn smaps_rollup(task: &Task, _who: &Opener) -> fs::Result<Vec<u8>> {
    let Some(mm) = task.mm()? else { return Ok(Vec::new()) };
    let (lo, hi, rss, locked) = mm.with(|m| {
        let lo = m.vmas.values().next().map_or(0, |v| v.start);
        let hi = m.vmas.values().next_back().map_or(0, |v| v.end);
        // Resident pages of locked areas (Linux's "Locked:").
        let mut locked = 0;
        for v in m.vmas.values().filter(|v| v.lock.is_locked()) {
            let mut va = v.start;
            while let Some(at) = m.space.next_mapped(va, v.end) {
                locked += 4;
                va = at + crate::mm::PAGE;
            }
        }
        (lo, hi, m.space.resident_pages().0 * 4, locked)
    });
    let mut s = format!("{lo:08x}-{hi:08x} ---p 00000000 00:00 0");
    while s.len() < 73 {
        s.push(' ');
    }
    s.push_str("[rollup]\n");
    let mut body = String::new();
    for (k, v) in [("Rss", rss), ("Pss", rss), ("Pss_Dirty", rss), ("Pss_Anon", rss), ("Pss_File", 0), ("Pss_Shmem", 0), ("Shared_Clean", 0), ("Shared_Dirty", 0), ("Private_Clean", 0), ("Private_Dirty", rss), ("Referenced", rss), ("Anonymous", rss), ("KSM", 0), ("LazyFree", 0), ("AnonHugePages", 0), ("ShmemPmdMapped", 0), ("FilePmdMapped", 0), ("Shared_Hugetlb", 0), ("Private_Hugetlb", 0), ("Swap", 0), ("SwapPss", 0), ("Locked", locked)] {
        let _ = writeln!(body, "{:<16}{v:>8} kB", format!("{k}:"));
    }
    s.push_str(&body);
    Ok(s.into_bytes())
}
