//! execve(2) and execveat(2): replace the process image.
//!
//! On success the process gets a fresh address space with the new program,
//! close-on-exec descriptors are closed, and the calling thread continues
//! at the new entry point with the new stack. A vfork parent is released.
//! On failure nothing has changed and the call returns the error.

use alloc::vec::Vec;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::uaccess;

/// Reads argv and envp within Linux's budget (bprm_stack_limits): a
/// quarter of RLIMIT_STACK, at most 6 MiB and at least 128 KiB, for the
/// pointers and the strings with their NULs; past it, E2BIG. An empty argv
/// gets one empty string, as Linux 6.1 forces (so argv[0] exists).
/// argv and envp, as byte strings.
type Args = (Vec<Vec<u8>>, Vec<Vec<u8>>);

fn read_args(call: &Call<'_>, mm: &crate::mm::Mm, argv: u64, envp: u64) -> Result<Args, Errno> {
    let mut argv = uaccess::read_str_array(mm, argv)?;
    let envp = uaccess::read_str_array(mm, envp)?;
    let stack = call.thread.process.limits.lock().0[crate::proc::limits::RLIMIT_STACK].0;
    let limit = (stack / 4).clamp(128 << 10, 6 << 20);
    let pointers = (argv.len().max(1) + envp.len()) as u64 * 8;
    let strings: u64 = argv.iter().chain(envp.iter()).map(|s| s.len() as u64 + 1).sum();
    if pointers + strings > limit {
        return Err(Errno::E2BIG);
    }
    if argv.is_empty() {
        argv.push(Vec::new());
    }
    Ok((argv, envp))
}

pub async fn execve(call: &mut Call<'_>, path: u64, argv: u64, envp: u64) -> SysResult {
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let path = uaccess::read_path(&mm, path)?;
    let (argv, envp) = read_args(call, &mm, argv, envp)?;
    drop(mm);
    exec(call, &path, argv, envp).await
}

/// execveat: the program named relative to `dirfd` (or, with
/// AT_EMPTY_PATH and an empty name, the file open on it), known to itself
/// as "/dev/fd/N[/name]" like Linux's bprm->filename.
pub async fn execveat(call: &mut Call<'_>, dirfd: i32, path: u64, argv: u64, envp: u64, flags: u64) -> SysResult {
    const AT_EMPTY_PATH: u64 = 0x1000;
    const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
    const AT_FDCWD: i32 = -100;
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let p = uaccess::read_path(&mm, path)?;
    let (argv, envp) = read_args(call, &mm, argv, envp)?;
    drop(mm);
    if p.is_empty() && flags & AT_EMPTY_PATH == 0 {
        return Err(Errno::ENOENT);
    }
    let absolute = p.starts_with(b"/");
    let by_fd = !absolute && dirfd != AT_FDCWD;
    let start = if by_fd { Some(super::open::start_dir_or_file(call, dirfd, &p)?) } else { None };
    let mut lookup = fs::Lookup::empty();
    if flags & AT_SYMLINK_NOFOLLOW != 0 {
        lookup |= fs::Lookup::NOFOLLOW;
    }
    if flags & AT_EMPTY_PATH != 0 {
        lookup |= fs::Lookup::EMPTY_PATH;
    }
    let (filename, inaccessible) = if by_fd {
        let mut name = alloc::format!("/dev/fd/{dirfd}").into_bytes();
        if !p.is_empty() {
            name.push(b'/');
            name.extend_from_slice(&p);
        }
        (name, call.thread.process.files().lock().cloexec(dirfd as u32 as u64)?)
    } else {
        (p.clone(), false)
    };
    let at = crate::exec::ExecAt { start, lookup, filename, inaccessible };
    let argv_b: Vec<&[u8]> = argv.iter().map(|s| s.as_slice()).collect();
    let envp_b: Vec<&[u8]> = envp.iter().map(|s| s.as_slice()).collect();
    let image = crate::exec::load_at(call.thread, &p, &at, &argv_b, &envp_b)?;
    commit(call, image).await
}

async fn exec(call: &mut Call<'_>, path: &[u8], argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>) -> SysResult {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let argv_b: Vec<&[u8]> = argv.iter().map(|s| s.as_slice()).collect();
    let envp_b: Vec<&[u8]> = envp.iter().map(|s| s.as_slice()).collect();
    let image = crate::exec::load(Some(call.thread), path, &argv_b, &envp_b)?;
    commit(call, image).await
}

/// Replaces the process image with the loaded `image`.
async fn commit(call: &mut Call<'_>, image: crate::exec::Image) -> SysResult {
    let process = &call.thread.process;
    // The point of no return: the other threads go, and a non-main thread
    // becomes the main one.
    if !process.end_other_threads(call.thread.tid()).await {
        return Err(Errno::EINTR);
    }
    let old_tid = call.thread.tid();
    if old_tid != process.pid {
        call.thread.take_tid(process.pid);
    }
    // Linux releases the robust futexes at exec (futex_exec_release) and
    // forgets the list.
    if let Some(old_mm) = process.mm() {
        let head = call.thread.robust_list.swap(0, core::sync::atomic::Ordering::AcqRel);
        crate::futex::release_robust_list(&old_mm, head, call.thread.tid());
    }
    call.thread.set_name(&image.name);
    // Set-ID bits count unless PR_SET_NO_NEW_PRIVS; set-group-ID needs
    // group execute permission too (without it the bit marks mandatory
    // locking).
    let f = image.file;
    let privs = !process.no_new_privs.load(core::sync::atomic::Ordering::Relaxed);
    let setuid = (privs && f.mode & 0o4000 != 0).then_some(f.uid);
    let setgid = (privs && f.mode & 0o2010 == 0o2010).then_some(f.gid);
    let dumpable = call.thread.creds.lock().exec(setuid, setgid);
    process.dumpable.store(dumpable, core::sync::atomic::Ordering::Relaxed);
    process.execed.store(true, core::sync::atomic::Ordering::Relaxed);
    process.set_mm(image.mm);
    process.unshare_files_for_exec();
    process.reset_handlers_for_exec();
    // POSIX timers do not survive execve (interval timers do).
    crate::timer::posix::delete_all(process);
    *call.thread.signals.altstack.lock() = (0, crate::signal::SS_DISABLE, 0);
    *call.ctx = image.ctx;
    *call.thread.fpu.lock() = platform::user::fpu::FpuState::new();
    process.vfork_done.notify_all();
    process.vfork_done.notify_one();
    crate::ptrace::exec_stop(call.thread, call.ctx, old_tid).await;
    Ok(0)
}
