//! The `strace` switch: one log line per system call with its name, its
//! arguments decoded by type (numbers, descriptors, strings read from the
//! caller, flags in hex), the result and the errno name, tagged with the
//! thread and CPU.

use alloc::string::String;
use core::fmt::Write;

use super::names;
use crate::errno::SysResult;
use crate::proc::Thread;

/// Argument kinds: `d` signed int, `u` unsigned, `x` hex, `s` string, `p`
/// pointer, `f` descriptor (AT_FDCWD shown by name), `-` unused.
fn spec(nr: u64) -> &'static str {
    match nr {
        0 | 1 | 17 | 18 => "fpud",          // read write pread64 pwrite64
        2 => "sxx",                          // open
        3 | 32 => "f",                       // close dup
        4 | 6 | 21 | 80 | 83 | 84 | 87 | 90 | 92 | 161 => "sx", // stat lstat access chdir mkdir rmdir unlink chmod chown chroot
        5 => "fp",                           // fstat
        9 => "pxxxfx",                       // mmap
        10 | 11 | 25 | 28 => "pxx",          // mprotect munmap mremap madvise
        12 => "p",                           // brk
        13 => "dppu",                        // rt_sigaction
        14 => "dppu",                        // rt_sigprocmask
        16 | 72 => "fxx",                    // ioctl fcntl
        19 | 20 => "fpd",                    // readv writev
        33 | 292 => "ffx",                   // dup2 dup3
        39 | 57 | 58 | 102 | 104 | 107 | 108 | 110 | 186 => "", // getpid fork vfork ids
        56 => "xppp",                        // clone
        59 => "spp",                         // execve
        60 | 231 => "d",                     // exit exit_group
        61 => "dpxp",                        // wait4
        62 => "dd",                          // kill
        89 => "spu",                         // readlink
        158 => "xp",                         // arch_prctl
        202 => "pxdpp",                      // futex
        228 | 229 => "dp",                   // clock_gettime clock_getres
        230 => "dxpp",                       // clock_nanosleep
        234 => "ddd",                        // tgkill
        257 => "fsxx",                       // openat
        262 => "fspx",                       // newfstatat
        267 => "fspu",                       // readlinkat
        322 => "fsppx",                      // execveat
        218 => "p",                          // set_tid_address
        273 => "pu",                         // set_robust_list
        302 => "ddpp",                       // prlimit64
        318 => "pux",                        // getrandom
        334 => "pudx",                       // rseq
        435 => "pu",                         // clone3
        _ => "xxxxxx",
    }
}

fn arg(thread: &Thread, kind: u8, v: u64, out: &mut String) {
    let _ = match kind {
        b'd' => write!(out, "{}", v as i64),
        b'u' => write!(out, "{v}"),
        b'f' if v as i32 == -100 => write!(out, "AT_FDCWD"),
        b'f' => write!(out, "{}", v as i32),
        b'p' if v == 0 => write!(out, "NULL"),
        b's' => match thread.process.mm().and_then(|mm| crate::uaccess::read_cstr(&mm, v, 64, crate::errno::Errno::E2BIG).ok()) {
            Some(s) => write!(out, "{s:?}"),
            None => write!(out, "{v:#x}"),
        },
        _ => write!(out, "{v:#x}"),
    };
}

/// Logs one call.
pub fn log(thread: &Thread, nr: u64, a: &[u64; 6], result: Option<&SysResult>) {
    let name = names::name(nr).unwrap_or("unknown");
    let mut line = String::new();
    for (i, k) in spec(nr).bytes().enumerate() {
        if k == b'-' {
            continue;
        }
        if i > 0 {
            line.push_str(", ");
        }
        arg(thread, k, a[i], &mut line);
    }
    let cpu = platform::cpu::percpu::cpu_id();
    match result {
        None => log::info!(target: "strace", "[{} c{cpu}] {name}({line}) = ?", thread.tid()),
        Some(Ok(v)) if *v > 0xffff => log::info!(target: "strace", "[{} c{cpu}] {name}({line}) = {v:#x}", thread.tid()),
        Some(Ok(v)) => log::info!(target: "strace", "[{} c{cpu}] {name}({line}) = {v}", thread.tid()),
        Some(Err(e)) => log::info!(target: "strace", "[{} c{cpu}] {name}({line}) = -1 {}", thread.tid(), e.name()),
    }
}
