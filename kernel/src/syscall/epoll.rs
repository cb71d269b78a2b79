//! epoll_create(2), epoll_create1(2), epoll_ctl(2), epoll_wait(2),
//! epoll_pwait(2), epoll_pwait2(2). The instance itself is
//! `file::epoll`.
//!
//! Linux's checks, in Linux's order: EBADF for either descriptor, EPERM for
//! a file without a poll method (regular files, directories, /dev/null),
//! EINVAL for a non-epoll epfd, for fd being the epoll itself, and for
//! EPOLLEXCLUSIVE with MOD, with an epoll target or with bits other than
//! IN/OUT/ERR/HUP/WAKEUP/ET. EPOLLERR and EPOLLHUP are always reported.
//! A wait interrupted by a signal fails with EINTR whatever SA_RESTART says
//! (Linux never restarts epoll_wait).

use alloc::sync::Arc;

use super::poll::{restore_mask, swap_mask};
use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::epoll::{Epoll, EPOLLERR, EPOLLET, EPOLLEXCLUSIVE, EPOLLHUP, EPOLLIN, EPOLLWAKEUP};
use crate::file::{File, O_CLOEXEC, O_RDWR};
use crate::signal::interruptible;
use crate::abi::EpollEvent;
use crate::uaccess::UserPtr;

const EPOLL_CTL_ADD: u64 = 1;
const EPOLL_CTL_DEL: u64 = 2;
const EPOLL_CTL_MOD: u64 = 3;
const EPOLLOUT: u32 = 0x004;
/// The only bits allowed with EPOLLEXCLUSIVE.
const EXCLUSIVE_OK: u32 = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;
/// sizeof(struct epoll_event): packed on x86-64.
const EVENT_SIZE: u64 = core::mem::size_of::<EpollEvent>() as u64;
/// Linux's EP_MAX_EVENTS.
const MAX_EVENTS: i32 = i32::MAX / EVENT_SIZE as i32;

pub fn epoll_create(call: &Call<'_>, size: i32) -> SysResult {
    if size <= 0 {
        return Err(Errno::EINVAL);
    }
    epoll_create1(call, 0)
}

pub fn epoll_create1(call: &Call<'_>, flags: u32) -> SysResult {
    if flags & !O_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    call.install(Arc::new(File::new(Epoll::new(), O_RDWR)), flags & O_CLOEXEC != 0)
}

pub fn epoll_ctl(call: &Call<'_>, epfd: u64, op: u64, fd: u64, event: UserPtr<EpollEvent>) -> SysResult {
    let (mut events, data) = if op == EPOLL_CTL_DEL {
        (0, 0)
    } else {
        let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
        let ev = event.read(&mm)?;
        (ev.events, ev.data)
    };
    let (epf, file) = {
        let files = call.thread.process.files();
        let t = files.lock();
        (t.get(epfd)?, t.get(fd)?)
    };
    if file.wait_queue().is_none() {
        return Err(Errno::EPERM);
    }
    let Some(ep) = epf.downcast::<Arc<Epoll>>() else { return Err(Errno::EINVAL) };
    if Arc::ptr_eq(&epf, &file) {
        return Err(Errno::EINVAL);
    }
    if events & EPOLLEXCLUSIVE != 0 {
        let epoll_target = file.downcast::<Arc<Epoll>>().is_some();
        if op == EPOLL_CTL_MOD || (op == EPOLL_CTL_ADD && (epoll_target || events & !EXCLUSIVE_OK != 0)) {
            return Err(Errno::EINVAL);
        }
    }
    events |= EPOLLERR | EPOLLHUP;
    let fd = fd as i32;
    match op {
        EPOLL_CTL_ADD => ep.add(call.thread, fd, &file, events, data)?,
        EPOLL_CTL_MOD => ep.modify(call.thread, fd, &file, events, data)?,
        EPOLL_CTL_DEL => ep.delete(fd, &file)?,
        _ => return Err(Errno::EINVAL),
    }
    Ok(0)
}

/// Waits for events on `epfd` until `deadline` (None: forever).
async fn wait(call: &Call<'_>, epfd: u64, events: u64, max: i32, deadline: Option<u64>) -> SysResult {
    if max <= 0 || max > MAX_EVENTS {
        return Err(Errno::EINVAL);
    }
    if events.checked_add(max as u64 * EVENT_SIZE).is_none_or(|end| end > platform::user::USER_END) {
        return Err(Errno::EFAULT);
    }
    let file = call.thread.process.files().lock().get(epfd)?;
    let Some(ep) = file.downcast::<Arc<Epoll>>() else { return Err(Errno::EINVAL) };
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let deliver = |n: usize, ev: u32, data: u64| {
        UserPtr::<EpollEvent>::new(events + n as u64 * EVENT_SIZE).write(&mm, &EpollEvent { events: ev, data })
    };
    loop {
        let n = ep.harvest(call.thread, max as usize, deliver)?;
        if n > 0 {
            return Ok(n as u64);
        }
        if deadline.is_some_and(|d| d <= platform::time::now_ns()) {
            return Ok(0);
        }
        let queued = ep.events.wait_until(|| ep.has_queued());
        interruptible(call.thread, async {
            match deadline {
                Some(d) => {
                    let _ = crate::sched::timeout(d, queued).await;
                }
                None => queued.await,
            }
        })
        .await?;
    }
}

pub async fn epoll_wait(call: &Call<'_>, epfd: u64, events: u64, max: i32, timeout_ms: i32) -> SysResult {
    let deadline = (timeout_ms >= 0).then(|| platform::time::now_ns().saturating_add(timeout_ms as u64 * 1_000_000));
    wait(call, epfd, events, max, deadline).await
}

/// epoll_pwait: epoll_wait with the signal mask swapped in for the wait,
/// as ppoll does.
pub async fn epoll_pwait(call: &Call<'_>, epfd: u64, events: u64, max: i32, timeout_ms: i32, sigmask: u64, size: u64) -> SysResult {
    let deadline = (timeout_ms >= 0).then(|| platform::time::now_ns().saturating_add(timeout_ms as u64 * 1_000_000));
    pwait(call, epfd, events, max, deadline, sigmask, size).await
}

/// epoll_pwait2: the time-out is a timespec (NULL: none).
pub async fn epoll_pwait2(call: &Call<'_>, epfd: u64, events: u64, max: i32, timeout: u64, sigmask: u64, size: u64) -> SysResult {
    let deadline = match timeout {
        0 => None,
        p => Some(platform::time::now_ns().saturating_add(super::time::read_timespec(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, p)?)),
    };
    pwait(call, epfd, events, max, deadline, sigmask, size).await
}

async fn pwait(call: &Call<'_>, epfd: u64, events: u64, max: i32, deadline: Option<u64>, sigmask: u64, size: u64) -> SysResult {
    let old = swap_mask(call, sigmask, size)?;
    let r = wait(call, epfd, events, max, deadline).await;
    restore_mask(call, old, r == Err(Errno::ERESTARTSYS));
    r
}
