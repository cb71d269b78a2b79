//! Linux AIO: io_setup(2), io_destroy(2), io_submit(2), io_cancel(2),
//! io_getevents(2) and io_pgetevents(2) (Linux's `fs/aio.c`).
//!
//! A context belongs to the address space that made it; its id is the
//! user address of a ring mapping, as on Linux, so a context id is never
//! 0 and libaio may read the ring header. Aramid keeps the completed
//! events in the kernel, not in that ring: the header's magic is left 0,
//! which sends libaio's io_getevents to the system call every time
//! (its user-space fast path trusts only a ring with AIO_RING_MAGIC).
//!
//! Requests run as Linux runs them for files without native async I/O:
//! IOCB_CMD_PREAD/PWRITE/PREADV/PWRITEV and FSYNC/FDSYNC are performed by
//! io_submit itself (a read of an empty pipe waits there, as on Linux),
//! and their result, or the error the file gave (an interrupted wait is
//! EINTR), becomes the event. IOCB_CMD_POLL completes at once when the
//! file is ready, or else is a future spawned on the executor that waits
//! on the file's wait queue and posts the event itself: no worker thread.
//! io_cancel cancels a pending poll (-EINPROGRESS; the event, with result
//! 0, still arrives through io_getevents); anything else is EINVAL.
//! IOCB_FLAG_RESFD adds 1 to an eventfd per completion. io_destroy
//! cancels pending polls, waits for in-flight requests and unmaps the
//! ring. Differences from Linux: the global aio-nr count is not kept (only
//! one io_setup's size is checked against aio-max-nr), and contexts a
//! process never destroyed are dropped when their address space is, not
//! cancelled at exit (a poll still pending then completes into nothing).

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use executor::WaitQueue;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::eventfd::EventFd;
use crate::file::readiness::{POLLERR, POLLHUP};
use crate::file::File;
use crate::mm::Mm;
use crate::uaccess;

const IOCB_CMD_PREAD: u16 = 0;
const IOCB_CMD_PWRITE: u16 = 1;
const IOCB_CMD_FSYNC: u16 = 2;
const IOCB_CMD_FDSYNC: u16 = 3;
const IOCB_CMD_POLL: u16 = 5;
const IOCB_CMD_PREADV: u16 = 7;
const IOCB_CMD_PWRITEV: u16 = 8;
const IOCB_FLAG_RESFD: u32 = 1;
/// /proc/sys/fs/aio-max-nr.
const AIO_MAX_NR: u32 = 65536;
const EVENT_SIZE: usize = 32;
const RING_HEADER: usize = 32;
const PAGE: usize = 4096;
const RWF_KNOWN: u32 = 0x1f;

/// struct io_event.
#[derive(Clone, Copy)]
struct IoEvent {
    data: u64,
    obj: u64,
    res: i64,
    res2: i64,
}

impl IoEvent {
    fn bytes(&self) -> [u8; EVENT_SIZE] {
        let mut b = [0u8; EVENT_SIZE];
        b[0..8].copy_from_slice(&self.data.to_le_bytes());
        b[8..16].copy_from_slice(&self.obj.to_le_bytes());
        b[16..24].copy_from_slice(&self.res.to_le_bytes());
        b[24..32].copy_from_slice(&self.res2.to_le_bytes());
        b
    }
}

/// struct iocb, decoded.
struct Iocb {
    data: u64,
    rw_flags: u32,
    opcode: u16,
    fildes: u32,
    buf: u64,
    nbytes: u64,
    offset: i64,
    reserved2: u64,
    flags: u32,
    resfd: u32,
}

impl Iocb {
    fn read(mm: &Mm, addr: u64) -> Result<Iocb, Errno> {
        let mut b = [0u8; 64];
        uaccess::read_bytes(mm, addr, &mut b)?;
        let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap_or_default());
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap_or_default());
        Ok(Iocb {
            data: u64_at(0),
            rw_flags: u32_at(12),
            opcode: u16::from_le_bytes([b[16], b[17]]),
            fildes: u32_at(20),
            buf: u64_at(24),
            nbytes: u64_at(32),
            offset: u64_at(40) as i64,
            reserved2: u64_at(48),
            flags: u32_at(56),
            resfd: u32_at(60),
        })
    }
}

/// A poll request still waiting.
struct PollReq {
    obj: u64,
    cancelled: AtomicBool,
    file: Arc<File>,
}

struct State {
    events: VecDeque<IoEvent>,
    /// Requests submitted and not yet completed.
    inflight: usize,
    polls: Vec<Arc<PollReq>>,
    dead: bool,
}

/// One AIO context (Linux's kioctx).
struct Ctx {
    mm: Weak<Mm>,
    id: u64,
    ring_len: u64,
    /// Events the ring holds (io_submit takes at most this many iocbs).
    ring_events: usize,
    /// Requests that may be outstanding (submitted and not reaped).
    capacity: usize,
    state: spin::Mutex<State>,
    /// Woken when an event is posted or a request ends.
    wq: WaitQueue,
}

impl Ctx {
    fn complete(&self, ev: IoEvent, resfd: Option<Arc<File>>) {
        let mut s = self.state.lock();
        s.inflight -= 1;
        if !s.dead {
            s.events.push_back(ev);
        }
        drop(s);
        self.wq.wake_all();
        if let Some(f) = resfd {
            if let Some(e) = f.downcast::<EventFd>() {
                e.signal(1);
            }
        }
    }

    fn release(&self) {
        self.state.lock().inflight -= 1;
        self.wq.wake_all();
    }
}

/// Every live context, by (address space, id).
static CTXS: spin::Mutex<BTreeMap<(usize, u64), Arc<Ctx>>> = spin::Mutex::new(BTreeMap::new());

fn mm(call: &Call<'_>) -> Result<Arc<Mm>, Errno> {
    call.thread.process.mm().ok_or(Errno::EFAULT)
}

fn lookup(call: &Call<'_>, id: u64) -> Result<Arc<Ctx>, Errno> {
    let mm = mm(call)?;
    let key = (Arc::as_ptr(&mm) as usize, id);
    let t = CTXS.lock();
    t.get(&key).filter(|c| c.mm.upgrade().is_some_and(|m| Arc::ptr_eq(&m, &mm))).cloned().ok_or(Errno::EINVAL)
}

/// io_setup(2).
pub fn io_setup(call: &Call<'_>, nr_events: u32, ctxp: u64) -> SysResult {
    let mm = mm(call)?;
    let old = uaccess::read_u64(&mm, ctxp)?;
    if old != 0 || nr_events == 0 {
        return Err(Errno::EINVAL);
    }
    let cpus = platform::smp::cpus_online().max(1) as u64;
    let n = (nr_events as u64).max(cpus * 4) * 2;
    if n > 0x1000_0000 / EVENT_SIZE as u64 {
        return Err(Errno::EINVAL);
    }
    if nr_events > AIO_MAX_NR {
        return Err(Errno::EAGAIN);
    }
    // Linux's aio_setup_ring: two spare events, whole pages.
    let bytes = RING_HEADER + EVENT_SIZE * (n as usize + 2);
    let ring_len = bytes.div_ceil(PAGE) * PAGE;
    let ring_events = (ring_len - RING_HEADER) / EVENT_SIZE;
    let id = super::mmap::mmap(call, 0, ring_len as u64, 3, 0x22, -1, 0)?;
    // The header: id, nr, head, tail, magic 0 (see the module doc),
    // compat features 1, incompat 0, header length.
    let mut hdr = [0u8; RING_HEADER];
    hdr[4..8].copy_from_slice(&(ring_events as u32).to_le_bytes());
    hdr[20..24].copy_from_slice(&1u32.to_le_bytes());
    hdr[28..32].copy_from_slice(&(RING_HEADER as u32).to_le_bytes());
    let ctx = Arc::new(Ctx {
        mm: Arc::downgrade(&mm),
        id,
        ring_len: ring_len as u64,
        ring_events,
        capacity: ring_events - 1,
        state: spin::Mutex::new(State { events: VecDeque::new(), inflight: 0, polls: Vec::new(), dead: false }),
        wq: WaitQueue::new(),
    });
    if let Err(e) = uaccess::write_bytes(&mm, id, &hdr).and_then(|()| uaccess::write_u64(&mm, ctxp, id)) {
        let _ = super::mmap::munmap(call, id, ring_len as u64);
        return Err(e);
    }
    let mut t = CTXS.lock();
    t.retain(|_, c| c.mm.strong_count() > 0);
    t.insert((Arc::as_ptr(&mm) as usize, id), ctx);
    Ok(0)
}

/// io_destroy(2): cancels pending polls, waits for what is in flight,
/// unmaps the ring.
pub async fn io_destroy(call: &Call<'_>, id: u64) -> SysResult {
    let ctx = lookup(call, id)?;
    let mm = mm(call)?;
    if CTXS.lock().remove(&(Arc::as_ptr(&mm) as usize, id)).is_none() {
        return Err(Errno::EINVAL);
    }
    let polls = {
        let mut s = ctx.state.lock();
        s.dead = true;
        s.events.clear();
        core::mem::take(&mut s.polls)
    };
    cancel_polls(&polls);
    ctx.wq.wait_until(|| ctx.state.lock().inflight == 0).await;
    let _ = super::mmap::munmap(call, ctx.id, ctx.ring_len);
    Ok(0)
}

fn cancel_polls(polls: &[Arc<PollReq>]) {
    for p in polls {
        p.cancelled.store(true, Ordering::Release);
        if let Some(q) = p.file.ops().wait_queue() {
            q.wake_all();
        }
    }
}

/// io_submit(2): submits up to `nr` iocbs (at most the ring's size); the
/// count submitted, or the first one's error.
pub async fn io_submit(call: &Call<'_>, id: u64, nr: i64, iocbpp: u64) -> SysResult {
    if nr < 0 {
        return Err(Errno::EINVAL);
    }
    let ctx = lookup(call, id)?;
    let mm = mm(call)?;
    let nr = (nr as u64).min(ctx.ring_events as u64);
    let mut i = 0;
    let mut err = Errno::EINVAL;
    while i < nr {
        let r = match uaccess::read_u64(&mm, iocbpp.wrapping_add(i * 8)) {
            Ok(p) => submit_one(call, &ctx, &mm, p).await,
            Err(e) => Err(e),
        };
        if let Err(e) = r {
            err = e;
            break;
        }
        i += 1;
    }
    if i > 0 || nr == 0 {
        Ok(i)
    } else {
        Err(err)
    }
}

async fn submit_one(call: &Call<'_>, ctx: &Arc<Ctx>, mm: &Arc<Mm>, user_iocb: u64) -> Result<(), Errno> {
    let cb = Iocb::read(mm, user_iocb)?;
    if cb.reserved2 != 0 || (cb.nbytes as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    {
        let mut s = ctx.state.lock();
        if s.events.len() + s.inflight >= ctx.capacity {
            return Err(Errno::EAGAIN);
        }
        s.inflight += 1;
    }
    let r = run(call, ctx, mm, user_iocb, &cb).await;
    if r.is_err() {
        ctx.release();
    }
    r
}

/// Starts (and for all but a waiting poll, finishes) one request; an
/// Err is io_submit's, with no event.
async fn run(call: &Call<'_>, ctx: &Arc<Ctx>, mm: &Arc<Mm>, user_iocb: u64, cb: &Iocb) -> Result<(), Errno> {
    let file = call.thread.process.files().lock().get(cb.fildes as u64)?;
    let resfd = if cb.flags & IOCB_FLAG_RESFD != 0 {
        let f = call.thread.process.files().lock().get(cb.resfd as u64)?;
        if f.downcast::<EventFd>().is_none() {
            return Err(Errno::EINVAL);
        }
        Some(f)
    } else {
        None
    };
    uaccess::write_u32(mm, user_iocb.wrapping_add(8), 0)?;
    let ev = |res: i64| IoEvent { data: cb.data, obj: user_iocb, res, res2: 0 };
    let errno_res = |r: SysResult| match r {
        Ok(n) => n as i64,
        Err(Errno::ERESTARTSYS) => -(Errno::EINTR.0 as i64),
        Err(e) => -(e.0 as i64),
    };
    match cb.opcode {
        IOCB_CMD_PREAD | IOCB_CMD_PWRITE | IOCB_CMD_PREADV | IOCB_CMD_PWRITEV => {
            if cb.rw_flags & !RWF_KNOWN != 0 {
                return Err(Errno::EOPNOTSUPP);
            }
            let write = matches!(cb.opcode, IOCB_CMD_PWRITE | IOCB_CMD_PWRITEV);
            if !(if write { file.writable() } else { file.readable() }) {
                return Err(Errno::EBADF);
            }
            let segs = if matches!(cb.opcode, IOCB_CMD_PREADV | IOCB_CMD_PWRITEV) {
                super::io::iovecs(call, cb.buf, cb.nbytes)?
            } else {
                alloc::vec![(cb.buf, cb.nbytes)]
            };
            if segs.iter().any(|&(b, l)| !platform::user::copy::is_user_range(b, l as usize)) {
                return Err(Errno::EFAULT);
            }
            let at = if file.ops().positional() {
                if cb.offset < 0 {
                    return Err(Errno::EINVAL);
                }
                Some(cb.offset as u64)
            } else {
                None
            };
            let r = super::io::transfer_segs(call, &file, &segs, at, write, false).await;
            ctx.complete(ev(errno_res(r)), resfd);
        }
        IOCB_CMD_FSYNC | IOCB_CMD_FDSYNC => {
            if cb.buf != 0 || cb.offset != 0 || cb.nbytes != 0 || cb.rw_flags != 0 {
                return Err(Errno::EINVAL);
            }
            match file.ops().fsync() {
                Err(Errno::EINVAL) => return Err(Errno::EINVAL),
                r => ctx.complete(ev(errno_res(r.map(|()| 0))), resfd),
            }
        }
        IOCB_CMD_POLL => {
            if cb.buf as u16 as u64 != cb.buf || cb.offset != 0 || cb.nbytes != 0 || cb.rw_flags != 0 {
                return Err(Errno::EINVAL);
            }
            let events = cb.buf as u16 | POLLERR | POLLHUP;
            let mask = file.ops().poll(call.thread) & events;
            if mask != 0 || file.ops().wait_queue().is_none() {
                ctx.complete(ev(mask as i64), resfd);
                return Ok(());
            }
            let req = Arc::new(PollReq { obj: user_iocb, cancelled: AtomicBool::new(false), file });
            ctx.state.lock().polls.push(req.clone());
            // The submitter is held weakly: a poll keeps no exited thread alive.
            let (ctx, tw, data) = (ctx.clone(), Arc::downgrade(call.thread), cb.data);
            drop(crate::sched::executor().spawn(async move {
                let f = &req.file;
                let ready = || {
                    if req.cancelled.load(Ordering::Acquire) {
                        return Some(0);
                    }
                    let Some(t) = tw.upgrade() else { return Some(0) };
                    let m = f.ops().poll(&t) & events;
                    (m != 0).then_some(m)
                };
                let mask = match f.ops().wait_queue() {
                    Some(q) => q.wait_for(ready).await,
                    None => 0,
                };
                ctx.state.lock().polls.retain(|p| !Arc::ptr_eq(p, &req));
                ctx.complete(IoEvent { data, obj: req.obj, res: mask as i64, res2: 0 }, resfd);
            }));
        }
        _ => return Err(Errno::EINVAL),
    }
    Ok(())
}

/// io_cancel(2): a pending poll is cancelled (EINPROGRESS; its event
/// still comes); any other request is EINVAL.
pub fn io_cancel(call: &Call<'_>, id: u64, iocb: u64, _result: u64) -> SysResult {
    let mm = mm(call)?;
    let key = uaccess::read_u32(&mm, iocb.wrapping_add(8))?;
    if key != 0 {
        return Err(Errno::EINVAL);
    }
    let ctx = lookup(call, id)?;
    let req = {
        let mut s = ctx.state.lock();
        let i = s.polls.iter().position(|p| p.obj == iocb).ok_or(Errno::EINVAL)?;
        s.polls.remove(i)
    };
    cancel_polls(&[req]);
    Err(Errno::EINPROGRESS)
}

/// io_getevents(2).
pub async fn io_getevents(call: &Call<'_>, id: u64, min_nr: i64, nr: i64, events: u64, timeout: u64) -> SysResult {
    getevents(call, id, min_nr, nr, events, timeout).await
}

/// io_pgetevents(2): io_getevents with a signal mask swapped in for the
/// wait (`usig` points at { sigmask, sigsetsize }).
pub async fn io_pgetevents(call: &Call<'_>, id: u64, min_nr: i64, nr: i64, events: u64, timeout: u64, usig: u64) -> SysResult {
    let old = if usig != 0 {
        let mm = mm(call)?;
        let (mask, size) = (uaccess::read_u64(&mm, usig)?, uaccess::read_u64(&mm, usig.wrapping_add(8))?);
        super::poll::swap_mask(call, mask, size)?
    } else {
        None
    };
    let r = getevents(call, id, min_nr, nr, events, timeout).await;
    super::poll::restore_mask(call, old, r == Err(Errno::EINTR));
    r
}

/// Waits until `min_nr` events are there (or the time-out passes, or a
/// signal comes), then hands back up to `nr`; EINTR when a signal ended
/// a wait that got nothing.
async fn getevents(call: &Call<'_>, id: u64, min_nr: i64, nr: i64, events: u64, timeout: u64) -> SysResult {
    let mm = mm(call)?;
    let tmo = if timeout != 0 { Some(super::time::read_timespec(&mm, timeout)?) } else { None };
    let ctx = lookup(call, id)?;
    if min_nr < 0 || min_nr > nr {
        return Err(Errno::EINVAL);
    }
    let (min, max) = (min_nr as usize, nr as usize);
    let take = |all: bool| -> Option<Result<Vec<IoEvent>, Errno>> {
        let mut s = ctx.state.lock();
        if s.dead {
            return Some(Err(Errno::EINVAL));
        }
        if !all && s.events.len() < min.max(1) {
            return None;
        }
        let n = s.events.len().min(max);
        Some(Ok(s.events.drain(..n).collect()))
    };
    let got = match take(min == 0 || tmo == Some(0)) {
        Some(r) => r?,
        None => {
            let deadline = tmo.map(|ns| platform::time::now_ns().saturating_add(ns));
            let wait = ctx.wq.wait_for(|| take(false));
            let r = match deadline {
                None => crate::file::io::wait(call.thread, wait).await,
                Some(d) => crate::file::io::wait(call.thread, crate::sched::timeout(d, wait)).await.map(|r| r.unwrap_or(Ok(Vec::new()))),
            };
            match r {
                Ok(r) => {
                    let mut v = r?;
                    if v.is_empty() {
                        // The time ran out: what is there now.
                        v = take(true).unwrap_or(Ok(Vec::new()))?;
                    }
                    v
                }
                Err(_) => {
                    let v = take(true).unwrap_or(Ok(Vec::new()))?;
                    if v.is_empty() {
                        return Err(Errno::EINTR);
                    }
                    v
                }
            }
        }
    };
    let mut out = Vec::with_capacity(got.len() * EVENT_SIZE);
    for e in &got {
        out.extend_from_slice(&e.bytes());
    }
    uaccess::write_bytes(&mm, events, &out)?;
    Ok(got.len() as u64)
}
