//! /proc/PID/cmdline and /proc/PID/environ: the argument and environment
//! strings read from the process's memory between Linux's arg_start..
//! arg_end and env_start..env_end (so a process that rewrites its argv in
//! place shows the new text). A zombie, having no memory, shows nothing.
//! environ is mode 0400 and belongs to the process's owner, so other
//! users (not root) get EACCES at open, as Linux's ptrace check gives.

use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::synthetic::{Node, Opener, TextFile};

use super::task::Task;

/// Most bytes either file shows.
const MAX: u64 = 128 << 10;

fn read_range(task: &Task, which: usize) -> fs::Result<Vec<u8>> {
    let Some(mm) = task.mm()? else { return Ok(Vec::new()) };
    let [a0, a1, e0, e1] = mm.with(|m| m.args);
    let (start, end) = if which == 0 { (a0, a1) } else { (e0, e1) };
    let len = end.saturating_sub(start).min(MAX) as usize;
    let mut buf = alloc::vec![0u8; len];
    if len > 0 && crate::uaccess::read_bytes(&mm, start, &mut buf).is_err() {
        return Ok(Vec::new());
    }
    Ok(buf)
}

pub fn cmdline(task: &Task, _who: &Opener) -> fs::Result<Vec<u8>> {
    let mut args = read_range(task, 0)?;
    // setproctitle-style rewrites: the text ends at the first NUL when the
    // last byte was overwritten.
    if args.last().is_some_and(|&b| b != 0) {
        if let Some(i) = args.iter().position(|&b| b == 0) {
            args.truncate(i + 1);
        }
    }
    Ok(args)
}

fn show_environ(task: &Task, _who: &Opener) -> fs::Result<Vec<u8>> {
    read_range(task, 1)
}

pub fn environ(task: &Task) -> Arc<dyn Node> {
    TextFile::ro(task, 0o400, show_environ)
}
