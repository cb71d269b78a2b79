//! The `strace` switch: one log line per system call with its name, its
//! arguments decoded as its row in the [`super::table`] says (numbers,
//! descriptors, strings read from the caller, flags in hex, modes in octal),
//! the result and the errno name, tagged with the thread and CPU.

use alloc::string::String;
use core::fmt::Write;

use super::table::{self, Kind};
use crate::errno::SysResult;
use crate::proc::Thread;

fn arg(thread: &Thread, kind: Kind, v: u64, out: &mut String) {
    let _ = match kind {
        Kind::Signed => write!(out, "{}", v as i64),
        Kind::Unsigned => write!(out, "{v}"),
        Kind::DirFd if v as i32 == -100 => write!(out, "AT_FDCWD"),
        Kind::Fd | Kind::DirFd => write!(out, "{}", v as i32),
        Kind::Octal => write!(out, "{:#o}", v as u32),
        Kind::Pointer | Kind::Path if v == 0 => write!(out, "NULL"),
        Kind::Path => match thread.process.mm().and_then(|mm| crate::uaccess::read_cbytes(&mm, v, 64).ok()) {
            Some(s) => write!(out, "\"{}\"", s.escape_ascii()),
            None => write!(out, "{v:#x}"),
        },
        Kind::Pointer | Kind::Hex => write!(out, "{v:#x}"),
    };
}

/// Logs one call (`result` None: the thread's last, exit or exit_group).
pub fn log(thread: &Thread, nr: u64, a: &[u64; 6], result: Option<&SysResult>) {
    let mut line = String::new();
    let name = match table::row(nr) {
        Some(row) => {
            for (i, &(_, kind)) in row.args.iter().enumerate() {
                if i > 0 {
                    line.push_str(", ");
                }
                arg(thread, kind, a[i], &mut line);
            }
            row.name
        }
        None => "unknown",
    };
    let cpu = platform::cpu::percpu::cpu_id();
    match result {
        None => log::info!(target: "strace", "[{} c{cpu}] {name}({line}) = ?", thread.tid()),
        Some(Ok(v)) if *v > 0xffff => log::info!(target: "strace", "[{} c{cpu}] {name}({line}) = {v:#x}", thread.tid()),
        Some(Ok(v)) => log::info!(target: "strace", "[{} c{cpu}] {name}({line}) = {v}", thread.tid()),
        Some(Err(e)) => log::info!(target: "strace", "[{} c{cpu}] {name}({line}) = -1 {}", thread.tid(), e.name()),
    }
}
