//! The global /proc files: cmdline, cpuinfo (from CPUID), stat (with
//! btime), uptime, loadavg, version, filesystems, swaps (none) and
//! devices, in Linux's formats. CPU times not tracked per CPU are split
//! evenly; idle time is what the processes did not use.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use fs::synthetic::Opener;

use super::{bytes, ticks};
use crate::proc::pid;
use crate::syscall::uname;

pub fn cmdline(_: &(), _who: &Opener) -> fs::Result<Vec<u8>> {
    bytes(format!("{}\n", platform::cmdline::get().as_str()))
}

fn cpuid(leaf: u32, sub: u32) -> [u32; 4] {
    let r = core::arch::x86_64::__cpuid_count(leaf, sub);
    [r.eax, r.ebx, r.ecx, r.edx]
}

/// Feature names of CPUID leaf 1 EDX and ECX bits Linux lists.
const EDX_FLAGS: [(u32, &str); 20] = [
    (0, "fpu"), (1, "vme"), (2, "de"), (3, "pse"), (4, "tsc"), (5, "msr"), (6, "pae"), (7, "mce"), (8, "cx8"), (9, "apic"),
    (11, "sep"), (12, "mtrr"), (13, "pge"), (14, "mca"), (15, "cmov"), (16, "pat"), (19, "clflush"), (23, "mmx"), (24, "fxsr"), (25, "sse"),
];
const ECX_FLAGS: [(u32, &str); 10] = [
    (0, "pni"), (1, "pclmulqdq"), (9, "ssse3"), (13, "cx16"), (19, "sse4_1"), (20, "sse4_2"), (22, "movbe"), (23, "popcnt"), (25, "aes"), (26, "xsave"),
];

pub fn cpuinfo(_: &(), _who: &Opener) -> fs::Result<Vec<u8>> {
    let v = cpuid(0, 0);
    let mut vendor = Vec::new();
    for r in [v[1], v[3], v[2]] {
        vendor.extend_from_slice(&r.to_le_bytes());
    }
    let vendor = String::from_utf8_lossy(&vendor).into_owned();
    let sig = cpuid(1, 0);
    let family = ((sig[0] >> 8) & 0xf) + if (sig[0] >> 8) & 0xf == 0xf { (sig[0] >> 20) & 0xff } else { 0 };
    let model = ((sig[0] >> 4) & 0xf) | if matches!((sig[0] >> 8) & 0xf, 6 | 0xf) { ((sig[0] >> 16) & 0xf) << 4 } else { 0 };
    let stepping = sig[0] & 0xf;
    let mut name = Vec::new();
    if cpuid(0x8000_0000, 0)[0] >= 0x8000_0004 {
        for leaf in 0x8000_0002..=0x8000_0004u32 {
            for r in cpuid(leaf, 0) {
                name.extend_from_slice(&r.to_le_bytes());
            }
        }
    }
    let name = String::from_utf8_lossy(&name).trim_end_matches('\0').trim().into();
    let name: String = if String::is_empty(&name) { String::from("QEMU Virtual CPU") } else { name };
    let mut flags = String::new();
    for (bit, f) in EDX_FLAGS {
        if sig[3] & (1 << bit) != 0 {
            flags.push_str(f);
            flags.push(' ');
        }
    }
    flags.push_str("syscall nx lm ");
    for (bit, f) in ECX_FLAGS {
        if sig[2] & (1 << bit) != 0 {
            flags.push_str(f);
            flags.push(' ');
        }
    }
    let flags = flags.trim_end();
    let n = platform::smp::cpus_online();
    let khz = platform::time::tsc::hz() / 1000;
    let mut s = String::new();
    for cpu in 0..n {
        let _ = write!(
            s,
            "processor\t: {cpu}\nvendor_id\t: {vendor}\ncpu family\t: {family}\nmodel\t\t: {model}\nmodel name\t: {name}\nstepping\t: {stepping}\ncpu MHz\t\t: {}.{:03}\ncache size\t: 16384 KB\nphysical id\t: 0\nsiblings\t: {n}\ncore id\t\t: {cpu}\ncpu cores\t: {n}\napicid\t\t: {cpu}\ninitial apicid\t: {cpu}\nfpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: {}\nwp\t\t: yes\nflags\t\t: {flags}\nbogomips\t: {}.{:02}\nclflush size\t: 64\ncache_alignment\t: 64\naddress sizes\t: 40 bits physical, 48 bits virtual\npower management:\n\n",
            khz / 1000,
            khz % 1000,
            v[0],
            khz * 2 / 1000,
            (khz * 2 % 1000) / 10
        );
    }
    bytes(s)
}

/// (user, system) ticks of every live process.
fn busy_ticks() -> (u64, u64) {
    pid::all().iter().fold((0, 0), |(u, s), p| {
        let t = p.total_times();
        (u + ticks(t.user), s + ticks(t.system))
    })
}

fn uptime_ns() -> u64 {
    platform::time::now_ns()
}

pub fn stat(_: &(), _who: &Opener) -> fs::Result<Vec<u8>> {
    let n = platform::smp::cpus_online() as u64;
    let (user, system) = busy_ticks();
    let idle = (ticks(uptime_ns()) * n).saturating_sub(user + system);
    let mut s = format!("cpu  {user} 0 {system} {idle} 0 0 0 0 0 0\n");
    for cpu in 0..n {
        let _ = writeln!(s, "cpu{cpu} {} 0 {} {} 0 0 0 0 0 0", user / n, system / n, idle / n);
    }
    let btime = (platform::time::realtime_ns() - uptime_ns() as i64).max(0) / 1_000_000_000;
    let running = pid::all().iter().flat_map(|p| p.threads()).filter(|t| t.in_user_mode()).count().max(1);
    let _ = write!(s, "intr 0\nctxt 0\nbtime {btime}\nprocesses {}\nprocs_running {running}\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n", pid::last());
    bytes(s)
}

pub fn uptime(_: &(), _who: &Opener) -> fs::Result<Vec<u8>> {
    let up = uptime_ns();
    let n = platform::smp::cpus_online() as u64;
    let (user, system) = busy_ticks();
    let idle = (ticks(up) * n).saturating_sub(user + system);
    let cs = up / 10_000_000;
    bytes(format!("{}.{:02} {}.{:02}\n", cs / 100, cs % 100, idle / 100, idle % 100))
}

pub fn loadavg(_: &(), _who: &Opener) -> fs::Result<Vec<u8>> {
    let all = pid::all();
    let threads: usize = all.iter().map(|p| p.live_threads() as usize).sum();
    let running = all.iter().flat_map(|p| p.threads()).filter(|t| t.in_user_mode()).count().max(1);
    bytes(format!("0.00 0.00 0.00 {running}/{threads} {}\n", pid::last()))
}

pub fn version(_: &(), _who: &Opener) -> fs::Result<Vec<u8>> {
    bytes(format!("{} version {} (aramid@aramid) (rustc) {}\n", uname::SYSNAME, uname::RELEASE, uname::VERSION))
}

/// The filesystem types mount(2) knows, none needing a device (`nodev`).
pub fn filesystems(_: &(), _who: &Opener) -> fs::Result<Vec<u8>> {
    let mut s = String::new();
    for name in crate::file::fs_types::TYPES {
        let _ = writeln!(s, "nodev\t{name}");
    }
    bytes(s)
}

pub fn swaps(_: &(), _who: &Opener) -> fs::Result<Vec<u8>> {
    Ok(b"Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n".to_vec())
}

/// /proc/swaps: pollable, as Linux's (POLLPRI after swapon/swapoff, which
/// never happen here), so systemd can watch it with epoll.
pub fn swaps_node(_: &()) -> alloc::sync::Arc<dyn fs::synthetic::Node> {
    use alloc::sync::Arc;
    use executor::WaitQueue;
    use fs::inode::{EventSource, FileType};
    use fs::synthetic::Node;

    use crate::file::events::{Watch, Watched};

    struct NoSwap;
    static QUEUE: WaitQueue = WaitQueue::new();
    impl Watch for NoSwap {
        fn count(&self) -> u64 {
            0
        }
        fn queue(&self) -> &WaitQueue {
            &QUEUE
        }
    }
    struct Swaps;
    impl Node for Swaps {
        fn file_type(&self) -> FileType {
            FileType::Regular
        }
        fn perm(&self) -> u32 {
            0o444
        }
        fn produce(&self, who: &Opener) -> fs::Result<Vec<u8>> {
            swaps(&(), who)
        }
        fn events(&self) -> Option<Arc<dyn EventSource>> {
            Some(Arc::new(Watched(Arc::new(NoSwap))))
        }
    }
    Arc::new(Swaps)
}

/// Character device majors the kernel drives.
const CHAR_DEVICES: &[(u32, &str)] = &[(1, "mem"), (4, "/dev/vc/0"), (4, "tty"), (4, "ttyS"), (5, "/dev/tty"), (5, "/dev/console"), (5, "/dev/ptmx")];

pub fn devices(_: &(), _who: &Opener) -> fs::Result<Vec<u8>> {
    let mut s = String::from("Character devices:\n");
    for (major, name) in CHAR_DEVICES {
        let _ = writeln!(s, "{major:3} {name}");
    }
    s.push_str("\nBlock devices:\n");
    bytes(s)
}
