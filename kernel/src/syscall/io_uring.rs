//! io_uring_setup(2), io_uring_enter(2), io_uring_register(2) and the
//! requests the submission queue carries (Linux's `io_uring/`).
//!
//! Setup follows Linux 6.1's checks: entries 1..=32768 (more is EINVAL,
//! or clamped with IORING_SETUP_CLAMP), rounded up to a power of two; the
//! CQ twice the SQ, or IORING_SETUP_CQSIZE's size (at least the SQ's, at
//! most 65536); reserved fields EINVAL. The features reported are what
//! this instance does: SINGLE_MMAP, NODROP, SUBMIT_STABLE, RW_CUR_POS.
//! SQPOLL, IOPOLL, SQE128/CQE32, registered rings and the other setup
//! flags are EINVAL (SUBMIT_ALL, COOP_TASKRUN and SINGLE_ISSUER change
//! nothing here and are accepted).
//!
//! Each request is started by io_uring_enter in the submitter's context.
//! What completes at once posts its CQE there; what would wait (a poll, a
//! timeout, a read or write of a pipe or socket that answered EAGAIN)
//! becomes a future spawned on the executor that posts its CQE straight
//! into the CQ ring when it completes: no worker threads. Opcodes: NOP,
//! READV, WRITEV, FSYNC, POLL_ADD (one-shot), POLL_REMOVE, TIMEOUT
//! (relative or IORING_TIMEOUT_ABS; with a count it ends with 0 after
//! that many other completions),
//! TIMEOUT_REMOVE, ASYNC_CANCEL, OPENAT, CLOSE, STATX, READ, WRITE,
//! ACCEPT, CONNECT, SEND, RECV (a socket request that would wait waits for
//! readiness in a future, then runs as accept4/sendto/recvfrom do;
//! CONNECT runs in io_uring_enter), LINK_TIMEOUT (cancels the request
//! before it in the chain if that is still waiting when time runs out:
//! -ETIME for the timeout, -ECANCELED for the request; -ECANCELED for the
//! timeout when the request completed first); any other is -EINVAL in
//! its CQE. user_data is echoed. IOSQE_IO_LINK:
//! after a request of the chain fails, the rest complete with -ECANCELED;
//! a chain does not wait for a request that went asynchronous, and
//! IOSQE_IO_DRAIN does not wait for asynchronous ones either (both
//! differences from Linux). A pending request keeps the ring alive until
//! it completes; closing the ring does not cancel it, but the exit of the
//! thread that submitted it does (-ECANCELED when its file next wakes it).

use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicBool, Ordering};

use executor::WaitQueue;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::io_uring::{Cqe, IoUring, Pending, OFF_CQ_RING, OFF_SQES, SQE_SIZE};
use crate::file::readiness::{POLLERR, POLLHUP};
use crate::file::{File, O_NONBLOCK, O_RDWR};
use crate::proc::Thread;
use crate::uaccess;

const SETUP_CQSIZE: u32 = 1 << 3;
const SETUP_CLAMP: u32 = 1 << 4;
const SETUP_SUBMIT_ALL: u32 = 1 << 7;
const SETUP_COOP_TASKRUN: u32 = 1 << 8;
const SETUP_SINGLE_ISSUER: u32 = 1 << 12;
const SETUP_KNOWN: u32 = SETUP_CQSIZE | SETUP_CLAMP | SETUP_SUBMIT_ALL | SETUP_COOP_TASKRUN | SETUP_SINGLE_ISSUER;
const MAX_ENTRIES: u32 = 32768;
const MAX_CQ_ENTRIES: u32 = 2 * MAX_ENTRIES;
const FEAT_SINGLE_MMAP: u32 = 1;
const FEAT_NODROP: u32 = 2;
const FEAT_SUBMIT_STABLE: u32 = 4;
const FEAT_RW_CUR_POS: u32 = 8;

const ENTER_GETEVENTS: u32 = 1;
const ENTER_SQ_WAKEUP: u32 = 2;
const ENTER_SQ_WAIT: u32 = 4;

const OP_NOP: u8 = 0;
const OP_READV: u8 = 1;
const OP_WRITEV: u8 = 2;
const OP_FSYNC: u8 = 3;
const OP_POLL_ADD: u8 = 6;
const OP_POLL_REMOVE: u8 = 7;
const OP_TIMEOUT: u8 = 11;
const OP_TIMEOUT_REMOVE: u8 = 12;
const OP_ACCEPT: u8 = 13;
const OP_ASYNC_CANCEL: u8 = 14;
const OP_LINK_TIMEOUT: u8 = 15;
const OP_CONNECT: u8 = 16;
const OP_OPENAT: u8 = 18;
const OP_CLOSE: u8 = 19;
const OP_STATX: u8 = 21;
const OP_READ: u8 = 22;
const OP_WRITE: u8 = 23;
const OP_SEND: u8 = 26;
const OP_RECV: u8 = 27;
/// IORING_OP_LAST in Linux 6.1.
const OP_LAST: u8 = 48;
const SUPPORTED: &[u8] = &[
    OP_NOP, OP_READV, OP_WRITEV, OP_FSYNC, OP_POLL_ADD, OP_POLL_REMOVE, OP_TIMEOUT, OP_TIMEOUT_REMOVE, OP_ACCEPT, OP_ASYNC_CANCEL, OP_LINK_TIMEOUT, OP_CONNECT,
    OP_OPENAT, OP_CLOSE, OP_STATX, OP_READ, OP_WRITE, OP_SEND, OP_RECV,
];

const IOSQE_FIXED_FILE: u8 = 1;
const IOSQE_IO_LINK: u8 = 4;
const IOSQE_IO_HARDLINK: u8 = 8;
const IOSQE_KNOWN: u8 = 0x7f;
const TIMEOUT_ABS: u32 = 1;
const FSYNC_DATASYNC: u32 = 1;

fn neg(e: Errno) -> i32 {
    -e.0
}

/// io_uring_setup(2).
pub fn io_uring_setup(call: &Call<'_>, entries: u32, params: u64) -> SysResult {
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let mut p = [0u8; 120];
    uaccess::read_bytes(&mm, params, &mut p)?;
    let u32_at = |b: &[u8; 120], o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
    let flags = u32_at(&p, 8);
    if p[28..40].iter().any(|&b| b != 0) || flags & !SETUP_KNOWN != 0 {
        return Err(Errno::EINVAL);
    }
    if entries == 0 {
        return Err(Errno::EINVAL);
    }
    let entries = if entries > MAX_ENTRIES {
        if flags & SETUP_CLAMP == 0 {
            return Err(Errno::EINVAL);
        }
        MAX_ENTRIES
    } else {
        entries
    };
    let sq = entries.next_power_of_two();
    let cq = if flags & SETUP_CQSIZE != 0 {
        let want = u32_at(&p, 4);
        if want == 0 {
            return Err(Errno::EINVAL);
        }
        let want = if want > MAX_CQ_ENTRIES {
            if flags & SETUP_CLAMP == 0 {
                return Err(Errno::EINVAL);
            }
            MAX_CQ_ENTRIES
        } else {
            want
        };
        let cq = want.next_power_of_two();
        if cq < sq {
            return Err(Errno::EINVAL);
        }
        cq
    } else {
        2 * sq
    };
    let ring = IoUring::new(sq, cq)?;
    let mut out = p;
    let put = |b: &mut [u8; 120], o: usize, v: u32| b[o..o + 4].copy_from_slice(&v.to_le_bytes());
    put(&mut out, 0, sq);
    put(&mut out, 4, cq);
    put(&mut out, 20, FEAT_SINGLE_MMAP | FEAT_NODROP | FEAT_SUBMIT_STABLE | FEAT_RW_CUR_POS);
    use crate::file::io_uring as r;
    // io_sqring_offsets: head, tail, ring_mask, ring_entries, flags,
    // dropped, array; io_cqring_offsets: head, tail, ring_mask,
    // ring_entries, overflow, cqes, flags.
    let sq_off = [r::SQ_HEAD, r::SQ_TAIL, r::SQ_MASK, r::SQ_ENTRIES, r::SQ_FLAGS, r::SQ_DROPPED, ring.sq_array];
    let cq_off = [r::CQ_HEAD, r::CQ_TAIL, r::CQ_MASK, r::CQ_ENTRIES, r::CQ_OVERFLOW, r::CQES, r::CQ_FLAGS];
    out[40..120].fill(0);
    for (i, v) in sq_off.iter().enumerate() {
        put(&mut out, 40 + 4 * i, *v as u32);
    }
    for (i, v) in cq_off.iter().enumerate() {
        put(&mut out, 80 + 4 * i, *v as u32);
    }
    uaccess::write_bytes(&mm, params, &out)?;
    // Linux's anon_inode_getfd(O_RDWR | O_CLOEXEC).
    call.install(Arc::new(File::new(ring, O_RDWR)), true)
}

/// A submission queue entry, decoded.
struct Sqe {
    opcode: u8,
    flags: u8,
    fd: i32,
    off: u64,
    addr: u64,
    len: u32,
    op_flags: u32,
    user_data: u64,
}

impl Sqe {
    fn decode(b: &[u8; 64]) -> Sqe {
        let u32_at = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        let u64_at = |o: usize| u64::from(u32_at(o)) | (u64::from(u32_at(o + 4)) << 32);
        Sqe { opcode: b[0], flags: b[1], fd: u32_at(4) as i32, off: u64_at(8), addr: u64_at(16), len: u32_at(24), op_flags: u32_at(28), user_data: u64_at(32) }
    }
}

/// io_uring_enter(2).
pub async fn io_uring_enter(call: &Call<'_>, fd: u64, to_submit: u32, min_complete: u32, flags: u32, argp: u64, argsz: u64) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    let Some(ring) = file.downcast::<IoUring>() else { return Err(Errno::EOPNOTSUPP) };
    if flags & !(ENTER_GETEVENTS | ENTER_SQ_WAKEUP | ENTER_SQ_WAIT) != 0 {
        return Err(Errno::EINVAL);
    }
    let mut submitted = 0u64;
    let mut chain_failed = false;
    let mut in_chain = false;
    // The previous request of a chain, while it waits (LINK_TIMEOUT's
    // target), and whether it completed at once.
    let mut last: Option<Arc<Pending>> = None;
    while submitted < to_submit as u64 {
        let Some(slot) = ring.next_sqe() else { break };
        let Some(idx) = slot else { continue };
        let sqe = Sqe::decode(&ring.sqe(idx));
        let linked = sqe.flags & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK) != 0;
        submitted += 1;
        if in_chain && chain_failed {
            ring.post(Cqe { user_data: sqe.user_data, res: neg(Errno::ECANCELED), flags: 0 }, false);
        } else if sqe.opcode == OP_LINK_TIMEOUT {
            let res = link_timeout(call, &file, &sqe, in_chain, last.take());
            chain_failed = res.is_some();
            if let Some(res) = res {
                ring.post(Cqe { user_data: sqe.user_data, res, flags: 0 }, true);
            }
        } else {
            last = None;
            let res = start(call, &file, ring, &sqe, &mut last).await;
            chain_failed = matches!(res, Some(r) if r < 0) && sqe.flags & IOSQE_IO_HARDLINK == 0;
            if let Some(res) = res {
                ring.post(Cqe { user_data: sqe.user_data, res, flags: 0 }, sqe.opcode == OP_TIMEOUT);
            }
        }
        in_chain = linked;
        if !linked {
            chain_failed = false;
        }
    }
    if flags & ENTER_GETEVENTS == 0 {
        return Ok(submitted);
    }
    let want = min_complete.min(ring.cq_entries);
    if ring.ready() >= want {
        return Ok(submitted);
    }
    let old = super::poll::swap_mask(call, argp, argsz)?;
    let r = crate::file::io::wait(call.thread, ring.events.wait_until(|| ring.ready() >= want)).await;
    super::poll::restore_mask(call, old, r.is_err());
    match r {
        Ok(()) => Ok(submitted),
        Err(_) if submitted > 0 => Ok(submitted),
        Err(_) => Err(Errno::EINTR),
    }
}

/// Starts one request: Some(result) when it completed at once, None when
/// a spawned future will post its CQE.
async fn start(call: &Call<'_>, ring_file: &Arc<File>, ring: &IoUring, sqe: &Sqe, last: &mut Option<Arc<Pending>>) -> Option<i32> {
    if sqe.flags & !IOSQE_KNOWN != 0 {
        return Some(neg(Errno::EINVAL));
    }
    if sqe.flags & IOSQE_FIXED_FILE != 0 {
        return Some(neg(Errno::EBADF));
    }
    let get = |fd: i32| call.thread.process.files().lock().get(fd as u32 as u64);
    let res = |r: SysResult| match r {
        Ok(v) => v as i32,
        Err(Errno::ERESTARTSYS) => neg(Errno::EINTR),
        Err(e) => neg(e),
    };
    match sqe.opcode {
        OP_NOP => Some(0),
        OP_READ | OP_WRITE | OP_READV | OP_WRITEV => {
            let file = match get(sqe.fd) {
                Ok(f) => f,
                Err(e) => return Some(neg(e)),
            };
            let write = matches!(sqe.opcode, OP_WRITE | OP_WRITEV);
            if !(if write { file.writable() } else { file.readable() }) {
                return Some(neg(Errno::EBADF));
            }
            let segs = if matches!(sqe.opcode, OP_READV | OP_WRITEV) {
                match super::io::iovecs(call, sqe.addr, sqe.len as u64) {
                    Ok(s) => s,
                    Err(e) => return Some(neg(e)),
                }
            } else {
                alloc::vec![(sqe.addr, sqe.len as u64)]
            };
            let at = if sqe.off == u64::MAX || !file.ops().positional() {
                None
            } else if (sqe.off as i64) < 0 {
                return Some(neg(Errno::EINVAL));
            } else {
                Some(sqe.off)
            };
            let first = super::io::transfer_segs(call, &file, &segs, at, write, true).await;
            let Some(q) = file.ops().wait_queue().filter(|_| first == Err(Errno::EAGAIN) && file.status() & O_NONBLOCK == 0) else {
                return Some(res(first));
            };
            let _ = q;
            // Would block: a future retries when the file is ready.
            let pending = pending(ring, sqe.user_data, false, Some(file.clone()));
            *last = Some(pending.clone());
            let (tw, rf, user_data) = (Arc::downgrade(call.thread), ring_file.clone(), sqe.user_data);
            drop(crate::sched::executor().spawn(async move {
                let mask = if write { crate::file::readiness::OUT } else { crate::file::readiness::IN } | POLLERR | POLLHUP;
                let r = loop {
                    if !wait_ready(&tw, &file, &pending, mask).await {
                        break Err(Errno::ECANCELED);
                    }
                    let Some(t) = tw.upgrade() else { break Err(Errno::ECANCELED) };
                    let mut ctx = platform::user::UserContext::default();
                    let c = Call { thread: &t, ctx: &mut ctx };
                    match super::io::transfer_segs(&c, &file, &segs, at, write, true).await {
                        Err(Errno::EAGAIN) => continue,
                        r => break r,
                    }
                };
                finish(&rf, &pending, user_data, res(r));
            }));
            None
        }
        OP_FSYNC => {
            if sqe.op_flags & !FSYNC_DATASYNC != 0 || sqe.addr != 0 {
                return Some(neg(Errno::EINVAL));
            }
            Some(match get(sqe.fd) {
                Ok(f) => res(f.ops().fsync().map(|()| 0)),
                Err(e) => neg(e),
            })
        }
        OP_POLL_ADD => {
            if sqe.len != 0 || sqe.addr != 0 || sqe.off != 0 {
                return Some(neg(Errno::EINVAL));
            }
            let file = match get(sqe.fd) {
                Ok(f) => f,
                Err(e) => return Some(neg(e)),
            };
            let events = sqe.op_flags as u16 | POLLERR | POLLHUP;
            let now = file.ops().poll(call.thread) & events;
            if now != 0 || file.ops().wait_queue().is_none() {
                return Some(now as i32);
            }
            let pending = pending(ring, sqe.user_data, false, Some(file.clone()));
            *last = Some(pending.clone());
            let (tw, rf, user_data) = (Arc::downgrade(call.thread), ring_file.clone(), sqe.user_data);
            drop(crate::sched::executor().spawn(async move {
                let ready = wait_ready(&tw, &file, &pending, events).await;
                let r = match tw.upgrade() {
                    Some(t) if ready => (file.ops().poll(&t) & events) as i32,
                    _ => neg(Errno::ECANCELED),
                };
                finish(&rf, &pending, user_data, r);
            }));
            None
        }
        OP_POLL_REMOVE | OP_ASYNC_CANCEL | OP_TIMEOUT_REMOVE => {
            if sqe.op_flags != 0 {
                return Some(neg(Errno::EINVAL));
            }
            let which = match sqe.opcode {
                OP_POLL_REMOVE => Some(false),
                OP_TIMEOUT_REMOVE => Some(true),
                _ => None,
            };
            Some(if ring.cancel(sqe.addr, which) { 0 } else { neg(Errno::ENOENT) })
        }
        OP_TIMEOUT => {
            if sqe.len != 1 || sqe.op_flags & !TIMEOUT_ABS != 0 || sqe.off > u32::MAX as u64 {
                return Some(neg(Errno::EINVAL));
            }
            let Ok(mm) = call.thread.process.mm().ok_or(Errno::EFAULT) else { return Some(neg(Errno::EFAULT)) };
            let ns = match super::time::read_timespec(&mm, sqe.addr) {
                Ok(ns) => ns,
                Err(e) => return Some(neg(e)),
            };
            let deadline = if sqe.op_flags & TIMEOUT_ABS != 0 { ns } else { platform::time::now_ns().saturating_add(ns) };
            let pending = pending(ring, sqe.user_data, true, None);
            if sqe.off != 0 {
                ring.count_timeout(&pending, sqe.off as u32);
            }
            *last = Some(pending.clone());
            let (rf, user_data) = (ring_file.clone(), sqe.user_data);
            drop(crate::sched::executor().spawn(async move {
                let cancelled = crate::sched::timeout(deadline, pending.wake.wait_until(|| pending.cancelled.load(Ordering::Acquire))).await.is_ok();
                let r = if pending.hit.load(Ordering::Acquire) {
                    0
                } else {
                    neg(if cancelled { Errno::ECANCELED } else { Errno::ETIME })
                };
                finish(&rf, &pending, user_data, r);
            }));
            None
        }
        OP_OPENAT => Some(res(super::open::openat(call, sqe.fd, sqe.addr, sqe.op_flags, sqe.len).await)),
        OP_CLOSE => {
            if sqe.addr != 0 || sqe.len != 0 || sqe.off != 0 || sqe.op_flags != 0 {
                return Some(neg(Errno::EINVAL));
            }
            Some(res(super::io::close(call, sqe.fd as u32 as u64)))
        }
        OP_STATX => Some(res(super::stat::statx(call, sqe.fd, sqe.addr, sqe.op_flags, sqe.len, uaccess::UserPtr::new(sqe.off)))),
        OP_CONNECT => Some(res(super::socket::conn::connect(call, sqe.fd as u32 as u64, sqe.addr, sqe.off as u32).await)),
        OP_ACCEPT | OP_SEND | OP_RECV => {
            let op = NetOp { opcode: sqe.opcode, fd: sqe.fd as u32 as u64, addr: sqe.addr, off: sqe.off, len: sqe.len, flags: sqe.op_flags };
            let file = match get(sqe.fd) {
                Ok(f) => f,
                Err(e) => return Some(neg(e)),
            };
            let mask = if sqe.opcode == OP_SEND { crate::file::readiness::OUT } else { crate::file::readiness::IN } | POLLERR | POLLHUP;
            // Ready (or a descriptor that never waits): at once; else the
            // request waits for readiness in a future, then runs.
            if file.ops().poll(call.thread) & mask != 0 || file.ops().wait_queue().is_none() || file.status() & O_NONBLOCK != 0 {
                return Some(res(op.run(call).await));
            }
            let pending = pending(ring, sqe.user_data, false, Some(file.clone()));
            *last = Some(pending.clone());
            let (tw, rf, user_data) = (Arc::downgrade(call.thread), ring_file.clone(), sqe.user_data);
            drop(crate::sched::executor().spawn(async move {
                let ready = wait_ready(&tw, &file, &pending, mask).await;
                let r = match tw.upgrade() {
                    Some(t) if ready => {
                        let mut ctx = platform::user::UserContext::default();
                        res(op.run(&Call { thread: &t, ctx: &mut ctx }).await)
                    }
                    _ => neg(Errno::ECANCELED),
                };
                finish(&rf, &pending, user_data, r);
            }));
            None
        }
        _ => Some(neg(Errno::EINVAL)),
    }
}

/// A socket request, run by the same code as accept4, sendto and
/// recvfrom.
struct NetOp {
    opcode: u8,
    fd: u64,
    addr: u64,
    off: u64,
    len: u32,
    flags: u32,
}

impl NetOp {
    async fn run(&self, call: &Call<'_>) -> SysResult {
        match self.opcode {
            OP_ACCEPT => super::socket::conn::accept4(call, self.fd, self.addr, self.off, self.flags).await,
            OP_SEND => super::socket::send::sendto(call, self.fd, self.addr, self.len as u64, self.flags, 0, 0).await,
            _ => super::socket::recv::recvfrom(call, self.fd, self.addr, self.len as u64, self.flags, 0, 0).await,
        }
    }
}

/// IORING_OP_LINK_TIMEOUT: bounds the request before it in its chain.
/// Some(result) when it completes at once: -EINVAL outside a chain,
/// -ECANCELED when its target already completed.
fn link_timeout(call: &Call<'_>, ring_file: &Arc<File>, sqe: &Sqe, in_chain: bool, target: Option<Arc<Pending>>) -> Option<i32> {
    if !in_chain || sqe.len != 1 || sqe.op_flags & !TIMEOUT_ABS != 0 || sqe.off != 0 {
        return Some(neg(Errno::EINVAL));
    }
    let Some(target) = target else { return Some(neg(Errno::ECANCELED)) };
    let mm = call.thread.process.mm()?;
    let ns = match super::time::read_timespec(&mm, sqe.addr) {
        Ok(ns) => ns,
        Err(e) => return Some(neg(e)),
    };
    let deadline = if sqe.op_flags & TIMEOUT_ABS != 0 { ns } else { platform::time::now_ns().saturating_add(ns) };
    let (rf, user_data) = (ring_file.clone(), sqe.user_data);
    drop(crate::sched::executor().spawn(async move {
        let done_first = crate::sched::timeout(deadline, target.wake.wait_until(|| target.done.load(Ordering::Acquire))).await.is_ok();
        let Some(ring) = rf.downcast::<IoUring>() else { return };
        let fired = !done_first && ring.cancel_this(&target);
        ring.post(Cqe { user_data, res: neg(if fired { Errno::ETIME } else { Errno::ECANCELED }), flags: 0 }, true);
    }));
    None
}

fn pending(ring: &IoUring, user_data: u64, timeout: bool, file: Option<Arc<File>>) -> Arc<Pending> {
    let p = Arc::new(Pending {
        user_data,
        timeout,
        cancelled: AtomicBool::new(false),
        done: AtomicBool::new(false),
        count_target: core::sync::atomic::AtomicU32::new(0),
        counted: AtomicBool::new(false),
        hit: AtomicBool::new(false),
        wake: WaitQueue::new(),
        file,
    });
    ring.add_pending(p.clone());
    p
}

/// Waits until `file` polls one of `mask`: false when cancelled first, or
/// when the submitting thread has gone (a pending request holds it
/// weakly, so it keeps no exited thread alive).
async fn wait_ready(t: &Weak<Thread>, file: &Arc<File>, p: &Pending, mask: u16) -> bool {
    let Some(q) = file.ops().wait_queue() else { return !p.cancelled.load(Ordering::Acquire) };
    q.wait_for(|| {
        let Some(t) = t.upgrade() else { return Some(false) };
        if p.cancelled.load(Ordering::Acquire) {
            Some(false)
        } else if file.ops().poll(&t) & mask != 0 {
            Some(true)
        } else {
            None
        }
    })
    .await
}

fn finish(ring_file: &Arc<File>, p: &Arc<Pending>, user_data: u64, res: i32) {
    if let Some(ring) = ring_file.downcast::<IoUring>() {
        ring.remove_pending(p);
        ring.post(Cqe { user_data, res, flags: 0 }, p.timeout);
    }
    p.done.store(true, Ordering::Release);
    p.wake.wake_all();
}

const REGISTER_PROBE: u32 = 8;
const IO_URING_OP_SUPPORTED: u16 = 1;

/// io_uring_register(2): IORING_REGISTER_PROBE; registered buffers and
/// files are not kept (EINVAL).
pub fn io_uring_register(call: &Call<'_>, fd: u64, opcode: u32, arg: u64, nr_args: u32) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    if file.downcast::<IoUring>().is_none() {
        return Err(Errno::EOPNOTSUPP);
    }
    if opcode != REGISTER_PROBE {
        return Err(Errno::EINVAL);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let n = nr_args.min(OP_LAST as u32) as usize;
    let size = 16 + 8 * n;
    let mut buf = alloc::vec![0u8; size];
    uaccess::read_bytes(&mm, arg, &mut buf)?;
    if buf.iter().any(|&b| b != 0) {
        return Err(Errno::EINVAL);
    }
    buf[0] = OP_LAST - 1;
    buf[1] = n as u8;
    for i in 0..n {
        let o = 16 + 8 * i;
        buf[o] = i as u8;
        if SUPPORTED.contains(&(i as u8)) {
            buf[o + 2..o + 4].copy_from_slice(&IO_URING_OP_SUPPORTED.to_le_bytes());
        }
    }
    uaccess::write_bytes(&mm, arg, &buf)?;
    Ok(0)
}

const _: () = assert!(OFF_CQ_RING < OFF_SQES && SQE_SIZE == 64);
