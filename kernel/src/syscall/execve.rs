//! execve(2) and execveat(2): replace the process image.
//!
//! On success the process gets a fresh address space with the new program,
//! close-on-exec descriptors are closed, and the calling thread continues
//! at the new entry point with the new stack. A vfork parent is released.
//! On failure nothing has changed and the call returns the error.

use alloc::string::String;
use alloc::vec::Vec;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::uaccess;

pub async fn execve(call: &mut Call<'_>, path: u64, argv: u64, envp: u64) -> SysResult {
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let path = uaccess::read_cstr(&mm, path, 4095, Errno::ENAMETOOLONG)?;
    let argv = uaccess::read_str_array(&mm, argv)?;
    let envp = uaccess::read_str_array(&mm, envp)?;
    drop(mm);
    exec(call, &path, argv, envp).await
}

pub async fn execveat(call: &mut Call<'_>, dirfd: i32, path: u64, argv: u64, envp: u64, flags: u64) -> SysResult {
    const AT_EMPTY_PATH: u64 = 0x1000;
    const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let p = uaccess::read_cstr(&mm, path, 4095, Errno::ENAMETOOLONG)?;
    if !p.starts_with('/') && dirfd != -100 {
        // Relative lookups against a directory fd need the VFS.
        return Err(Errno::ENOENT);
    }
    let argv = uaccess::read_str_array(&mm, argv)?;
    let envp = uaccess::read_str_array(&mm, envp)?;
    drop(mm);
    exec(call, &p, argv, envp).await
}

async fn exec(call: &mut Call<'_>, path: &str, argv: Vec<String>, envp: Vec<String>) -> SysResult {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let argv_b: Vec<&[u8]> = argv.iter().map(|s| s.as_bytes()).collect();
    let envp_b: Vec<&[u8]> = envp.iter().map(|s| s.as_bytes()).collect();
    let image = crate::exec::load(Some(&call.thread.process), path, &argv_b, &envp_b)?;
    let process = &call.thread.process;
    // The point of no return: the other threads go, and a non-main thread
    // becomes the main one.
    if !process.end_other_threads(call.thread.tid()).await {
        return Err(Errno::EINTR);
    }
    if call.thread.tid() != process.pid {
        call.thread.take_tid(process.pid);
    }
    call.thread.set_name(image.name.as_bytes());
    // Set-ID bits count unless PR_SET_NO_NEW_PRIVS; set-group-ID needs
    // group execute permission too (without it the bit marks mandatory
    // locking).
    let f = image.file;
    let privs = !process.no_new_privs.load(core::sync::atomic::Ordering::Relaxed);
    let setuid = (privs && f.mode & 0o4000 != 0).then_some(f.uid);
    let setgid = (privs && f.mode & 0o2010 == 0o2010).then_some(f.gid);
    let dumpable = process.creds.lock().exec(setuid, setgid);
    process.dumpable.store(dumpable, core::sync::atomic::Ordering::Relaxed);
    process.set_mm(image.mm);
    process.unshare_files_for_exec();
    process.reset_handlers_for_exec();
    // POSIX timers do not survive execve (interval timers do).
    crate::timer::posix::delete_all(&process);
    *call.thread.signals.altstack.lock() = (0, crate::signal::SS_DISABLE, 0);
    *call.ctx = image.ctx;
    *call.thread.fpu.lock() = platform::user::fpu::FpuState::new();
    process.vfork_done.notify_all();
    process.vfork_done.notify_one();
    Ok(0)
}
