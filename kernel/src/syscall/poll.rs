//! poll(2), ppoll(2), select(2), pselect6(2): readiness of pipes, the
//! console, files and devices.
//!
//! A wait registers on the wait queue of every descriptor that is not ready
//! (the pipe's, the console's), re-checks, and sleeps until one of them is
//! woken, the time-out passes, or a signal arrives (ppoll and pselect6 swap
//! the signal mask in for the wait and restore it after, or after the
//! handler runs). What each file is ready for is its kind's
//! `FileOps::poll`, with the bits of `file::readiness`.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;

use super::time::{read_timespec, write_timespec};
use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::File;
use crate::proc::Thread;
use crate::signal::interruptible;
use crate::signal::restart::{self, RestartBlock};
use crate::abi::{PollFd, Timeval};
use crate::uaccess::{self, UserPtr};

pub use crate::file::readiness::*;

/// One polled descriptor: `file` is None for a closed descriptor and for
/// an O_PATH one (both POLLNVAL); `open` tells them apart for select.
struct Entry {
    file: Option<Arc<File>>,
    open: bool,
    events: u16,
}

fn revents(t: &Thread, e: &Entry) -> u16 {
    match &e.file {
        None => POLLNVAL,
        Some(f) => f.poll_events(t) & (e.events | POLLERR | POLLHUP | POLLNVAL),
    }
}

/// Waits until some entry is ready; returns the revents, or None on
/// time-out.
async fn wait_ready(call: &Call<'_>, entries: &[Entry], deadline: Option<u64>) -> Result<Option<Vec<u16>>, Errno> {
    loop {
        let now: Vec<u16> = entries.iter().map(|e| revents(call.thread, e)).collect();
        if now.iter().any(|&r| r != 0) {
            return Ok(Some(now));
        }
        if deadline.is_some_and(|d| d <= platform::time::now_ns()) {
            return Ok(None);
        }
        // Sleep on every queue a non-ready entry has, each re-checking the
        // whole set after registering (so no wake is lost in between). A
        // check keeps what it saw: some events are reported once (a
        // mountinfo change), so the check that sees one is what returns it.
        let caught: spin::Mutex<Option<Vec<u16>>> = spin::Mutex::new(None);
        let check = || {
            let now: Vec<u16> = entries.iter().map(|e| revents(call.thread, e)).collect();
            let ready = now.iter().any(|&r| r != 0);
            if ready {
                let mut c = caught.lock();
                match c.as_mut() {
                    Some(prev) => prev.iter_mut().zip(&now).for_each(|(p, n)| *p |= n),
                    None => *c = Some(now),
                }
            }
            ready
        };
        let mut waits: Vec<Pin<Box<dyn Future<Output = ()> + Send + '_>>> = Vec::new();
        for e in entries {
            if let Some(f) = &e.file {
                if let Some(q) = f.wait_queue() {
                    waits.push(Box::pin(q.wait_until(check)));
                }
            }
        }
        let any = async {
            if waits.is_empty() {
                core::future::pending::<()>().await;
            } else {
                executor::select_all(waits).await;
            }
        };
        let woke = interruptible(call.thread, async {
            match deadline {
                Some(d) => crate::sched::timeout(d, any).await.is_ok(),
                None => {
                    any.await;
                    true
                }
            }
        })
        .await?;
        if let Some(seen) = caught.lock().take() {
            let now = entries.iter().zip(seen).map(|(e, s)| revents(call.thread, e) | s).collect();
            return Ok(Some(now));
        }
        if !woke {
            let now: Vec<u16> = entries.iter().map(|e| revents(call.thread, e)).collect();
            return Ok(if now.iter().any(|&r| r != 0) { Some(now) } else { None });
        }
    }
}

fn entries_of(call: &Call<'_>, fds: &[(i32, u16)]) -> Vec<Entry> {
    let files = call.thread.process.files();
    let t = files.lock();
    fds.iter()
        .map(|&(fd, events)| {
            let open = fd >= 0 && t.get_raw(fd as u64).is_ok();
            Entry { file: if fd < 0 { None } else { t.get(fd as u64).ok() }, open, events }
        })
        .collect()
}

/// Writes the time left before `deadline` back to the timespec at `addr`
/// (ppoll, pselect6), as Linux does unless the timeout was zero.
fn write_back_timespec(call: &Call<'_>, addr: u64, deadline: Option<u64>) {
    let (Some(d), Some(mm)) = (deadline, call.thread.process.mm()) else { return };
    let Ok(was) = read_timespec(&mm, addr) else { return };
    if was != 0 {
        let _ = write_timespec(&mm, addr, d.saturating_sub(platform::time::now_ns()) as i64);
    }
}

/// Swaps in `sigmask` (ppoll/pselect6) for the wait.
pub fn swap_mask(call: &Call<'_>, sigmask: u64, size: u64) -> Result<Option<u64>, Errno> {
    if sigmask == 0 {
        return Ok(None);
    }
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let m = uaccess::read_u64(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, sigmask)?;
    let old = call.thread.sigmask();
    call.thread.set_sigmask(m);
    Ok(Some(old))
}

/// Puts the mask back: at once, or (interrupted) after the handler runs.
pub fn restore_mask(call: &Call<'_>, old: Option<u64>, interrupted: bool) {
    if let Some(old) = old {
        if interrupted {
            call.thread.signals.saved_mask.put(old);
        } else {
            call.thread.set_sigmask(old);
        }
    }
}

async fn do_poll(call: &Call<'_>, fds: u64, nfds: u64, deadline: Option<u64>) -> SysResult {
    // Linux: more entries than RLIMIT_NOFILE is EINVAL.
    let limit = call.thread.process.limits.lock().0[crate::proc::limits::RLIMIT_NOFILE].0;
    if nfds > limit {
        return Err(Errno::EINVAL);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let user = UserPtr::<PollFd>::new(fds);
    let mut pollfds = user.read_array(&mm, nfds as usize)?;
    let list: Vec<(i32, u16)> = pollfds.iter().map(|p| (p.fd, p.events)).collect();
    let entries = entries_of(call, &list);
    let result = wait_ready(call, &entries, deadline).await?;
    let revs = result.unwrap_or_else(|| alloc::vec![0; entries.len()]);
    for (i, r) in revs.iter().enumerate() {
        // revents of a negative fd is 0.
        let r = if list[i].0 < 0 { 0 } else { *r };
        pollfds[i].revents = r;
    }
    user.write_array(&mm, &pollfds)?;
    Ok(revs.iter().enumerate().filter(|(i, r)| list[*i].0 >= 0 && **r != 0).count() as u64)
}

/// poll(2). Interrupted, it saves its descriptors and deadline: after a
/// stop it resumes through restart_syscall, after a handler it is EINTR
/// (Linux's do_restart_poll).
pub async fn poll(call: &Call<'_>, fds: u64, nfds: u64, timeout_ms: i32) -> SysResult {
    let deadline = (timeout_ms >= 0).then(|| platform::time::now_ns().saturating_add(timeout_ms as u64 * 1_000_000));
    resume_poll(call, fds, nfds, deadline).await
}

/// poll(2) until `deadline`; restart_syscall of an interrupted poll.
pub async fn resume_poll(call: &Call<'_>, fds: u64, nfds: u64, deadline: Option<u64>) -> SysResult {
    match do_poll(call, fds, nfds, deadline).await {
        Err(Errno::ERESTARTSYS) => Err(restart::save(call.thread, RestartBlock::Poll { fds, nfds, deadline })),
        r => r,
    }
}

pub async fn ppoll(call: &Call<'_>, fds: u64, nfds: u64, tmo: u64, sigmask: u64, size: u64) -> SysResult {
    let deadline = if tmo != 0 {
        Some(platform::time::now_ns().saturating_add(read_timespec(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, tmo)?))
    } else {
        None
    };
    let old = swap_mask(call, sigmask, size)?;
    let r = do_poll(call, fds, nfds, deadline).await;
    restore_mask(call, old, r == Err(Errno::ERESTARTSYS));
    if tmo != 0 {
        write_back_timespec(call, tmo, deadline);
    }
    r
}

/// select/pselect6 on fd_sets (bit n of word n/64 is descriptor n). As on
/// Linux a negative `nfds` is EINVAL and one past the descriptor table's
/// size is cut down to it; a closed descriptor in a set is EBADF, an O_PATH
/// one is POLLNVAL and so in every set it was asked for.
async fn do_select(call: &Call<'_>, nfds: u64, sets: [u64; 3], deadline: Option<u64>) -> Result<u64, Errno> {
    let nfds = nfds as i32;
    if nfds < 0 {
        return Err(Errno::EINVAL);
    }
    let nfds = (nfds as u64).min(call.thread.process.files().lock().max_fds() as u64);
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let words = (nfds as usize).div_ceil(64);
    let mut bits = [alloc::vec![0u64; words], alloc::vec![0u64; words], alloc::vec![0u64; words]];
    for (k, addr) in sets.iter().enumerate() {
        if *addr != 0 {
            bits[k] = UserPtr::<u64>::new(*addr).read_array(&mm, words)?;
        }
    }
    let mut list = Vec::new();
    for fd in 0..nfds as usize {
        let (w, b) = (fd / 64, 1u64 << (fd % 64));
        let mut ev = 0;
        if bits[0][w] & b != 0 {
            ev |= POLLIN | POLLRDNORM;
        }
        if bits[1][w] & b != 0 {
            ev |= POLLOUT | POLLWRNORM;
        }
        if bits[2][w] & b != 0 {
            ev |= POLLPRI;
        }
        if ev != 0 {
            list.push((fd as i32, ev));
        }
    }
    let entries = entries_of(call, &list);
    if entries.iter().any(|e| !e.open) {
        return Err(Errno::EBADF);
    }
    let revs = wait_ready(call, &entries, deadline).await?.unwrap_or_else(|| alloc::vec![0; entries.len()]);
    let mut out = [alloc::vec![0u64; words], alloc::vec![0u64; words], alloc::vec![0u64; words]];
    let mut count = 0;
    for ((fd, ev), r) in list.iter().zip(&revs) {
        let (w, b) = (*fd as usize / 64, 1u64 << (*fd as usize % 64));
        if ev & POLLIN != 0 && r & (POLLIN | POLLHUP | POLLERR | POLLNVAL) != 0 {
            out[0][w] |= b;
            count += 1;
        }
        if ev & POLLOUT != 0 && r & (POLLOUT | POLLERR | POLLNVAL) != 0 {
            out[1][w] |= b;
            count += 1;
        }
        if ev & POLLPRI != 0 && r & (POLLPRI | POLLNVAL) != 0 {
            out[2][w] |= b;
            count += 1;
        }
    }
    for (k, addr) in sets.iter().enumerate() {
        if *addr != 0 {
            UserPtr::<u64>::new(*addr).write_array(&mm, &out[k])?;
        }
    }
    Ok(count)
}

pub async fn select(call: &Call<'_>, nfds: u64, r: u64, w: u64, e: u64, tv: u64) -> SysResult {
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let deadline = if tv != 0 {
        let Timeval { tv_sec: sec, tv_usec: usec } = UserPtr::<Timeval>::new(tv).read(&mm)?;
        // Linux folds whole seconds of tv_usec into tv_sec, then wants a
        // valid timespec (a negative remainder or tv_sec is EINVAL).
        let sec = sec.saturating_add(usec / 1_000_000);
        let nsec = (usec % 1_000_000) * 1000;
        if sec < 0 || nsec < 0 {
            return Err(Errno::EINVAL);
        }
        Some(platform::time::now_ns().saturating_add((sec as u64).saturating_mul(1_000_000_000).saturating_add(nsec as u64)))
    } else {
        None
    };
    let res = do_select(call, nfds, [r, w, e], deadline).await;
    if let Some(d) = deadline {
        // Linux writes back the time left.
        let left = d.saturating_sub(platform::time::now_ns());
        let _ = UserPtr::<Timeval>::new(tv).write(&mm, &Timeval::from_ns(left));
    }
    res
}

pub async fn pselect6(call: &Call<'_>, nfds: u64, r: u64, w: u64, e: u64, ts: u64, sig: u64) -> SysResult {
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let deadline = if ts != 0 { Some(platform::time::now_ns().saturating_add(read_timespec(&mm, ts)?)) } else { None };
    // The sixth argument points at { const sigset_t *ss; size_t ss_len; }.
    let (mask, size) = if sig != 0 { (uaccess::read_u64(&mm, sig)?, uaccess::read_u64(&mm, sig + 8)?) } else { (0, 0) };
    let old = swap_mask(call, mask, size)?;
    let res = do_select(call, nfds, [r, w, e], deadline).await;
    restore_mask(call, old, res == Err(Errno::ERESTARTSYS));
    if ts != 0 {
        write_back_timespec(call, ts, deadline);
    }
    res
}
