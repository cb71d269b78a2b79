//! clone(2), fork(2), vfork(2).
//!
//! A new thread (CLONE_THREAD) joins the caller's process; otherwise a new
//! process is made, sharing the address space (CLONE_VM) or getting a
//! copy-on-write copy of it, and sharing (CLONE_FILES) or copying the
//! descriptor table. The child starts with the caller's registers, RAX = 0,
//! and the given stack and TLS. CLONE_VFORK suspends the caller until the
//! child execs or exits. Flag combinations Linux rejects are EINVAL.

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::proc::{pid, thread, Process, Thread};
use crate::abi::CloneArgs;
use crate::uaccess;

pub const CLONE_VM: u64 = 0x100;
pub const CLONE_FS: u64 = 0x200;
pub const CLONE_FILES: u64 = 0x400;
pub const CLONE_SIGHAND: u64 = 0x800;
pub const CLONE_PIDFD: u64 = 0x1000;
pub const CLONE_PTRACE: u64 = 0x2000;
pub const CLONE_VFORK: u64 = 0x4000;
pub const CLONE_PARENT: u64 = 0x8000;
pub const CLONE_THREAD: u64 = 0x1_0000;
pub const CLONE_SYSVSEM: u64 = 0x4_0000;
pub const CLONE_SETTLS: u64 = 0x8_0000;
pub const CLONE_PARENT_SETTID: u64 = 0x10_0000;
pub const CLONE_CHILD_CLEARTID: u64 = 0x20_0000;
pub const CLONE_DETACHED: u64 = 0x40_0000;
pub const CLONE_UNTRACED: u64 = 0x80_0000;
pub const CLONE_CHILD_SETTID: u64 = 0x100_0000;
pub const CLONE_IO: u64 = 0x8000_0000;
const SUPPORTED: u64 = 0xff
    | CLONE_VM
    | CLONE_FS
    | CLONE_FILES
    | CLONE_SIGHAND
    | CLONE_PTRACE
    | CLONE_VFORK
    | CLONE_PARENT
    | CLONE_THREAD
    | CLONE_SYSVSEM
    | CLONE_SETTLS
    | CLONE_PARENT_SETTID
    | CLONE_CHILD_CLEARTID
    | CLONE_DETACHED
    | CLONE_UNTRACED
    | CLONE_CHILD_SETTID
    | CLONE_IO
    | crate::ns::ALL_NS;

pub async fn clone(call: &mut Call<'_>, flags: u64, stack: u64, ptid: u64, ctid: u64, tls: u64) -> SysResult {
    clone_in(call, flags, stack, ptid, ctid, tls, None).await
}

/// clone, with the child started in cgroup `into` (clone3's
/// CLONE_INTO_CGROUP, checked already) instead of the caller's.
async fn clone_in(call: &mut Call<'_>, flags: u64, stack: u64, ptid: u64, ctid: u64, tls: u64, into: Option<fs::cgroup::Id>) -> SysResult {
    if flags & CLONE_THREAD != 0 && flags & CLONE_SIGHAND == 0 {
        return Err(Errno::EINVAL);
    }
    if flags & CLONE_SIGHAND != 0 && flags & CLONE_VM == 0 {
        return Err(Errno::EINVAL);
    }
    if flags & !SUPPORTED != 0 {
        return Err(Errno::EINVAL);
    }
    // A new mount namespace comes with its own root and working directory.
    let kinds = flags & crate::ns::ALL_NS;
    if kinds & crate::ns::CLONE_NEWNS != 0 && flags & CLONE_FS != 0 {
        return Err(Errno::EINVAL);
    }
    crate::ns::check_new(kinds, call.thread.creds.lock().capable(21))?;
    // Aramid keeps namespaces per process (see syscall/unshare.rs).
    if kinds != 0 && flags & CLONE_THREAD != 0 {
        return Err(Errno::EINVAL);
    }
    // Linux's copy_thread sets the TLS through arch_prctl's check.
    if flags & CLONE_SETTLS != 0 && tls >= platform::user::USER_END {
        return Err(Errno::EPERM);
    }
    let parent = call.thread.process.clone();
    let parent_mm = parent.mm().ok_or(Errno::ENOMEM)?;
    // The child's FPU state is the parent's current one.
    let fpu = {
        let mut f = call.thread.fpu.lock();
        f.release();
        f.clone()
    };
    let mut ctx = *call.ctx;
    ctx.rax = 0;
    if stack != 0 {
        ctx.rsp = stack;
    }
    if flags & CLONE_SETTLS != 0 {
        ctx.fs_base = tls;
    }
    // The pids controller's limit (EAGAIN past it).
    crate::cgroup::pids::may_fork(into.unwrap_or_else(|| crate::cgroup::tree::cgroup_of(&parent)))?;
    let tid = pid::alloc();
    let (process, child) = if flags & CLONE_THREAD != 0 {
        (parent.clone(), Thread::new(tid, parent.clone(), fpu, call.thread.creds.lock().clone()))
    } else {
        let mm = if flags & CLONE_VM != 0 { parent_mm.clone() } else { parent_mm.fork()? };
        let files = if flags & CLONE_FILES != 0 {
            parent.files()
        } else {
            Arc::new(spin::Mutex::new(parent.files().lock().clone()))
        };
        let real_parent = if flags & CLONE_PARENT != 0 { parent.parent().unwrap_or(parent.clone()) } else { parent.clone() };
        let p = Process::new(tid, Arc::downgrade(&real_parent), Some(&parent), mm, files, flags & CLONE_FS != 0, (flags & 0xff) as u8);
        if flags & CLONE_SIGHAND != 0 {
            p.share_actions_with(&parent);
        }
        crate::ns::create_new(&p, kinds);
        if let Some(id) = into {
            // Checked before anything was made; the child has not run.
            let _ = crate::cgroup::tree::migrate(&p, id);
        }
        p.creator_tid.store(call.thread.tid(), Ordering::Relaxed);
        real_parent.add_child(p.clone());
        (p.clone(), Thread::new(tid, p, fpu, call.thread.creds.lock().clone()))
    };
    // comm is inherited (Linux's dup_task_struct copies it).
    *child.name.lock() = *call.thread.name.lock();
    // The signal mask is inherited by threads and processes alike; the
    // alternate stack by fork/vfork children (not by CLONE_VM threads).
    child.signals.mask.store(call.thread.sigmask(), Ordering::Release);
    // The CPU affinity and the scheduling attributes come from the
    // creating thread (sched_fork).
    child.affinity.store(call.thread.affinity.load(Ordering::Relaxed), Ordering::Relaxed);
    *child.sched.lock() = call.thread.sched.lock().for_child();
    if flags & CLONE_VM == 0 || flags & CLONE_VFORK != 0 {
        *child.signals.altstack.lock() = *call.thread.signals.altstack.lock();
    }
    // A fault here is ignored, as Linux's kernel_clone: the child exists
    // already and must run (and so can be killed and reaped).
    if flags & CLONE_PARENT_SETTID != 0 {
        let _ = uaccess::write_u32(&parent_mm, ptid, tid);
    }
    if flags & CLONE_CHILD_SETTID != 0 {
        child.set_child_tid.store(ctid, Ordering::Release);
    }
    if flags & CLONE_CHILD_CLEARTID != 0 {
        child.clear_child_tid.store(ctid, Ordering::Release);
    }
    thread::spawn(child, ctx);
    if flags & CLONE_VFORK != 0 {
        process.vfork_done.notified().await;
    }
    Ok(tid as u64)
}

const CLONE_CLEAR_SIGHAND: u64 = 0x1_0000_0000;
const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// clone3(2): the same as clone with the arguments in a struct. Sizes from
/// 64 (VER0) to a page are accepted; bytes past the known struct must be
/// zero (else E2BIG), as Linux's copy_struct_from_user demands.
pub async fn clone3(call: &mut Call<'_>, args: uaccess::UserPtr<CloneArgs>, size: u64) -> SysResult {
    if size < 64 {
        return Err(Errno::EINVAL);
    }
    if size > 4096 {
        return Err(Errno::E2BIG);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let args_struct = args.read_sized(&mm, size as usize)?;
    let CloneArgs { flags, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, .. } = args_struct;
    if flags & 0xff != 0 || exit_signal > 64 {
        return Err(Errno::EINVAL);
    }
    if (stack == 0) != (stack_size == 0) {
        return Err(Errno::EINVAL);
    }
    if set_tid != 0 || set_tid_size != 0 {
        // Choosing the child's TID (checkpoint/restore) needs CAP_CHECKPOINT_RESTORE
        // in a PID namespace: not supported yet.
        return Err(Errno::EINVAL);
    }
    if flags & CLONE_PIDFD != 0 {
        return Err(Errno::EINVAL);
    }
    // CLONE_INTO_CGROUP: the child starts in the cgroup whose directory
    // args.cgroup is open on (cgroup_css_set_fork's checks).
    let into = if flags & CLONE_INTO_CGROUP != 0 {
        if args_struct.cgroup > i32::MAX as u64 || size < 88 {
            return Err(Errno::EINVAL);
        }
        Some(crate::cgroup::procs::vet_clone_into(call.thread, args_struct.cgroup, flags & CLONE_THREAD != 0)?)
    } else {
        None
    };
    let flags = flags & !(CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP);
    let stack_top = if stack != 0 { stack.checked_add(stack_size).ok_or(Errno::EINVAL)? } else { 0 };
    clone_in(call, flags | exit_signal, stack_top, parent_tid, child_tid, tls, into).await
}
