//! POSIX message queues: mq_open(2), mq_unlink(2), mq_timedsend(2),
//! mq_timedreceive(2), mq_notify(2), mq_getsetattr(2) (Linux's
//! ipc/mqueue.c), per IPC namespace.
//!
//! A queue holds at most `mq_maxmsg` messages of at most `mq_msgsize`
//! bytes, received highest priority first and in arrival order within a
//! priority. A descriptor is an open file ([`MqFile`]): O_NONBLOCK makes a
//! full send or an empty receive EAGAIN, poll/select/epoll see POLLIN
//! while a message waits and POLLOUT while there is room, and read(2)
//! gives Linux's `QSIZE:... NOTIFY:... SIGNO:... NOTIFY_PID:...` line.
//! Waits end at the absolute CLOCK_REALTIME time-out (ETIMEDOUT, taken as
//! the monotonic time it stands for when the call starts) and are
//! restarted under SA_RESTART after a handler, as Linux's -ERESTARTSYS.
//! mq_notify registers one process per queue for SIGEV_SIGNAL or
//! SIGEV_NONE; the signal (si_code SI_MESGQ, the sender's pid and uid) is
//! sent when a message arrives on an empty queue with no receiver waiting,
//! and the registration ends then, or when the process closes any
//! descriptor of the queue. SIGEV_THREAD (glibc's netlink-based
//! helper) is EINVAL here: there is no NETLINK_ROUTE notification socket
//! to deliver through.
//!
//! The `mqueue` filesystem ([`super::mqueue_fs`]) lists a namespace's
//! queues. Differences from Linux, documented: queues are made and removed
//! through mq_open/mq_unlink only (not by creat/unlink in a mounted
//! mqueue directory), and RLIMIT_MSGQUEUE is not charged.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use executor::WaitQueue;
use spin::Mutex;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::abi::Sigevent;
use crate::errno::{Errno, SysResult};
use crate::file::io::Io;
use crate::file::readiness::{bits, IN, OUT};
use crate::file::{File, FileOps, O_NONBLOCK};
use crate::proc::Thread;
use crate::signal::SigInfo;
use crate::uaccess::{self, UserPtr};

/// `struct mq_attr`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct MqAttr {
    pub flags: i64,
    pub maxmsg: i64,
    pub msgsize: i64,
    pub curmsgs: i64,
    pub reserved: [i64; 4],
}

const MQ_PRIO_MAX: u32 = 32768;
const HARD_MSGMAX: i64 = 65536;
const HARD_MSGSIZEMAX: i64 = 16 * 1024 * 1024;
const NAME_MAX: usize = 255;
const SIGEV_SIGNAL: i32 = 0;
const SIGEV_NONE: i32 = 1;
const SI_MESGQ: i32 = -3;
const CAP_SYS_RESOURCE: u32 = 24;

const O_ACCMODE: u32 = 3;
const O_CREAT: u32 = 0o100;
const O_EXCL: u32 = 0o200;
const O_CLOEXEC: u32 = 0o2000000;

/// /proc/sys/fs/mqueue: msg_max, msgsize_max, queues_max, msg_default,
/// msgsize_default (Linux's defaults).
pub struct MqLimits {
    pub msg_max: AtomicU64,
    pub msgsize_max: AtomicU64,
    pub queues_max: AtomicU64,
    pub msg_default: AtomicU64,
    pub msgsize_default: AtomicU64,
}

impl Default for MqLimits {
    fn default() -> Self {
        MqLimits {
            msg_max: AtomicU64::new(10),
            msgsize_max: AtomicU64::new(8192),
            queues_max: AtomicU64::new(256),
            msg_default: AtomicU64::new(10),
            msgsize_default: AtomicU64::new(8192),
        }
    }
}

struct Notify {
    pid: u32,
    how: i32,
    signo: u32,
    value: u64,
}

struct State {
    /// Messages by priority (highest first), in arrival order.
    msgs: BTreeMap<u32, VecDeque<Vec<u8>>>,
    count: i64,
    bytes: u64,
    notify: Option<Notify>,
    receivers: u32,
}

pub struct Mqueue {
    maxmsg: i64,
    msgsize: i64,
    uid: u32,
    gid: u32,
    mode: u32,
    state: Mutex<State>,
    changes: WaitQueue,
}

impl Mqueue {
    /// What reading the queue shows (Linux's mqueue_read_file).
    pub fn status_line(&self) -> alloc::string::String {
        let s = self.state.lock();
        let (how, signo, pid) = s.notify.as_ref().map_or((0, 0, 0), |n| (n.how, if n.how == SIGEV_SIGNAL { n.signo } else { 0 }, n.pid));
        alloc::format!("QSIZE:{:<10} NOTIFY:{:<5} SIGNO:{:<5} NOTIFY_PID:{:<6}\n", s.bytes, how, signo, pid)
    }

    /// Its owner and permission bits.
    pub fn owner_mode(&self) -> (u32, u32, u32) {
        (self.uid, self.gid, self.mode)
    }
}

/// The queues of one IPC namespace, by name.
#[derive(Default)]
pub struct MqTable {
    pub queues: Mutex<BTreeMap<Vec<u8>, Arc<Mqueue>>>,
    pub limits: MqLimits,
}

/// An open queue descriptor.
pub struct MqFile(Arc<Mqueue>);

impl FileOps for MqFile {
    fn read(&self, file: &File, _io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        let text = self.0.status_line();
        let mut pos = file.pos.lock();
        let rest = text.as_bytes().get(*pos as usize..).unwrap_or(&[]);
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        *pos += n as u64;
        Ok(n)
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.0.changes)
    }

    fn poll(&self, _t: &Thread) -> u16 {
        let s = self.0.state.lock();
        bits(s.count > 0, IN) | bits(s.count < self.0.maxmsg, OUT)
    }

    fn stat(&self) -> fs::inode::Metadata {
        let mut m = crate::file::ops::pseudo_metadata(0o100000 | self.0.mode, 0, Arc::as_ptr(&self.0) as u64 >> 4);
        m.uid = self.0.uid;
        m.gid = self.0.gid;
        m
    }
}

/// A descriptor of `file` closed by process `pid` (close, exit): a queue's
/// notification registered by that process ends (Linux's
/// mqueue_flush_file).
pub fn flush(file: &File, pid: u32) {
    if let Some(f) = file.downcast::<MqFile>() {
        let mut s = f.0.state.lock();
        if s.notify.as_ref().is_some_and(|n| n.pid == pid) {
            s.notify = None;
        }
    }
}

fn table(t: &Thread) -> Arc<super::IpcNs> {
    t.process.ipc()
}

/// The name of a queue (without glibc's leading '/', which it strips).
fn read_name(t: &Thread, addr: u64) -> Result<Vec<u8>, Errno> {
    let mm = t.process.mm().ok_or(Errno::EFAULT)?;
    let name = uaccess::read_cbytes(&mm, addr, 4096)?;
    if name.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    if name.is_empty() {
        return Err(Errno::ENOENT);
    }
    if name.contains(&b'/') || name == b"." || name == b".." {
        return Err(Errno::EACCES);
    }
    Ok(name)
}

/// Linux's inode permission check for opening with `acc` (O_ACCMODE).
fn may_open(t: &Thread, q: &Mqueue, acc: u32) -> Result<(), Errno> {
    let c = t.creds.lock();
    let want = match acc {
        0 => 4,
        1 => 2,
        _ => 6,
    };
    let bits = if c.fsuid == q.uid {
        q.mode >> 6
    } else if c.fsgid == q.gid || c.groups.contains(&q.gid) {
        q.mode >> 3
    } else {
        q.mode
    } & 7;
    // CAP_DAC_OVERRIDE (1) allows anything.
    if bits & want == want || c.capable(1) {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

pub fn mq_open(t: &Arc<Thread>, name: u64, oflag: u32, mode: u32, attr: u64) -> SysResult {
    let name = read_name(t, name)?;
    let acc = oflag & O_ACCMODE;
    if acc == O_ACCMODE {
        return Err(Errno::EINVAL);
    }
    let ns = table(t);
    let mut queues = ns.mq.queues.lock();
    let q = match queues.get(&name) {
        Some(_) if oflag & O_CREAT != 0 && oflag & O_EXCL != 0 => return Err(Errno::EEXIST),
        Some(q) => {
            let q = q.clone();
            may_open(t, &q, acc)?;
            q
        }
        None if oflag & O_CREAT == 0 => return Err(Errno::ENOENT),
        None => {
            let l = &ns.mq.limits;
            let privileged = t.creds.lock().capable(CAP_SYS_RESOURCE);
            let (maxmsg, msgsize) = if attr != 0 {
                let mm = t.process.mm().ok_or(Errno::EFAULT)?;
                let a = UserPtr::<MqAttr>::new(attr).read(&mm)?;
                if a.maxmsg <= 0 || a.msgsize <= 0 {
                    return Err(Errno::EINVAL);
                }
                let (mmax, smax) = if privileged { (HARD_MSGMAX, HARD_MSGSIZEMAX) } else { (l.msg_max.load(Ordering::Relaxed) as i64, l.msgsize_max.load(Ordering::Relaxed) as i64) };
                if a.maxmsg > mmax || a.msgsize > smax {
                    return Err(Errno::EINVAL);
                }
                (a.maxmsg, a.msgsize)
            } else {
                (
                    l.msg_default.load(Ordering::Relaxed).min(l.msg_max.load(Ordering::Relaxed)) as i64,
                    l.msgsize_default.load(Ordering::Relaxed).min(l.msgsize_max.load(Ordering::Relaxed)) as i64,
                )
            };
            if queues.len() as u64 >= l.queues_max.load(Ordering::Relaxed) && !privileged {
                return Err(Errno::ENOSPC);
            }
            let c = t.creds.lock().clone();
            let umask = t.process.umask.load(Ordering::Relaxed);
            let q = Arc::new(Mqueue {
                maxmsg,
                msgsize,
                uid: c.fsuid,
                gid: c.fsgid,
                mode: mode & 0o777 & !umask,
                state: Mutex::new(State { msgs: BTreeMap::new(), count: 0, bytes: 0, notify: None, receivers: 0 }),
                changes: WaitQueue::new(),
            });
            queues.insert(name, q.clone());
            q
        }
    };
    drop(queues);
    let file = File::new(MqFile(q), acc | oflag & O_NONBLOCK);
    let c = crate::syscall::install_file(t, Arc::new(file), oflag & O_CLOEXEC != 0)?;
    Ok(c)
}

pub fn mq_unlink(t: &Arc<Thread>, name: u64) -> SysResult {
    let name = read_name(t, name)?;
    let ns = table(t);
    let mut queues = ns.mq.queues.lock();
    let q = queues.get(&name).ok_or(Errno::ENOENT)?;
    // The queue directory is sticky (01777): the owner or CAP_FOWNER.
    let c = t.creds.lock();
    if c.fsuid != q.uid && c.fsuid != 0 && !c.capable(3) {
        return Err(Errno::EPERM);
    }
    drop(c);
    queues.remove(&name);
    Ok(0)
}

fn mq_file(t: &Thread, fd: u64) -> Result<(Arc<File>, Arc<Mqueue>), Errno> {
    let f = t.process.files().lock().get(fd).map_err(|_| Errno::EBADF)?;
    let q = f.downcast::<MqFile>().ok_or(Errno::EBADF)?.0.clone();
    Ok((f, q))
}

/// The monotonic deadline of an absolute CLOCK_REALTIME time-out.
fn deadline(t: &Thread, abs: u64) -> Result<Option<u64>, Errno> {
    if abs == 0 {
        return Ok(None);
    }
    let mm = t.process.mm().ok_or(Errno::EFAULT)?;
    let ns = crate::syscall::time::read_timespec(&mm, abs)?;
    Ok(Some(crate::clock_set::mono_deadline(ns as i64)))
}

/// Waits on `q` until `attempt` gives an answer, the deadline passes
/// (ETIMEDOUT) or a signal comes (ERESTARTSYS).
async fn wait<T>(t: &Thread, q: &Mqueue, deadline: Option<u64>, attempt: impl FnMut() -> Option<T>) -> Result<T, Errno> {
    let w = q.changes.wait_for(attempt);
    match deadline {
        Some(d) => crate::signal::interruptible(t, crate::sched::timeout(d, w)).await?.map_err(|_| Errno::ETIMEDOUT),
        None => crate::signal::interruptible(t, w).await,
    }
}

pub async fn mq_timedsend(t: &Arc<Thread>, fd: u64, msg: u64, len: u64, prio: u32, abs: u64) -> SysResult {
    if prio >= MQ_PRIO_MAX {
        return Err(Errno::EINVAL);
    }
    let deadline = deadline(t, abs)?;
    let (f, q) = mq_file(t, fd)?;
    if !f.writable() {
        return Err(Errno::EBADF);
    }
    if len as i64 > q.msgsize {
        return Err(Errno::EMSGSIZE);
    }
    let mm = t.process.mm().ok_or(Errno::EFAULT)?;
    let mut text = alloc::vec![0u8; len as usize];
    uaccess::read_bytes(&mm, msg, &mut text)?;
    let mut text = Some(text);
    let mut attempt = || -> Option<Option<Notify>> {
        let mut s = q.state.lock();
        if s.count >= q.maxmsg {
            return None;
        }
        let m = text.take().unwrap_or_default();
        s.bytes += m.len() as u64;
        s.count += 1;
        s.msgs.entry(prio).or_default().push_back(m);
        // A message on an empty queue with nobody waiting to receive it
        // fires the registered notification, once.
        let fire = if s.count == 1 && s.receivers == 0 { s.notify.take() } else { None };
        Some(fire)
    };
    let fire = match attempt() {
        Some(n) => n,
        None if f.status() & O_NONBLOCK != 0 => return Err(Errno::EAGAIN),
        None => wait(t, &q, deadline, &mut attempt).await?,
    };
    q.changes.wake_all();
    if let Some(n) = fire {
        if n.how == SIGEV_SIGNAL {
            if let Some(p) = crate::proc::pid::find(n.pid) {
                let uid = t.creds.lock().ruid;
                let info = SigInfo { signo: n.signo, code: SI_MESGQ, pid: t.process.pid, uid, value: n.value, ..Default::default() };
                crate::signal::send_process(&p, info, false);
            }
        }
    }
    Ok(0)
}

/// Counts a waiting receiver while it waits (notifications skip a queue
/// someone waits on).
struct Receiver<'a>(&'a Mqueue);

impl Drop for Receiver<'_> {
    fn drop(&mut self) {
        self.0.state.lock().receivers -= 1;
    }
}

pub async fn mq_timedreceive(t: &Arc<Thread>, fd: u64, msg: u64, len: u64, prio_ptr: u64, abs: u64) -> SysResult {
    let deadline = deadline(t, abs)?;
    let (f, q) = mq_file(t, fd)?;
    if !f.readable() {
        return Err(Errno::EBADF);
    }
    if (len as i64) < q.msgsize {
        return Err(Errno::EMSGSIZE);
    }
    let attempt = || -> Option<(u32, Vec<u8>)> {
        let mut s = q.state.lock();
        let (&prio, list) = s.msgs.iter_mut().next_back()?;
        let m = list.pop_front()?;
        if list.is_empty() {
            s.msgs.remove(&prio);
        }
        s.count -= 1;
        s.bytes -= m.len() as u64;
        Some((prio, m))
    };
    let mut attempt = attempt;
    let (prio, m) = match attempt() {
        Some(r) => r,
        None if f.status() & O_NONBLOCK != 0 => return Err(Errno::EAGAIN),
        None => {
            q.state.lock().receivers += 1;
            let _r = Receiver(&q);
            wait(t, &q, deadline, &mut attempt).await?
        }
    };
    q.changes.wake_all();
    let mm = t.process.mm().ok_or(Errno::EFAULT)?;
    uaccess::write_bytes(&mm, msg, &m)?;
    if prio_ptr != 0 {
        uaccess::write_u32(&mm, prio_ptr, prio)?;
    }
    Ok(m.len() as u64)
}

pub fn mq_notify(t: &Arc<Thread>, fd: u64, sevp: u64) -> SysResult {
    let ev = if sevp != 0 {
        let mm = t.process.mm().ok_or(Errno::EFAULT)?;
        let ev = UserPtr::<Sigevent>::new(sevp).read(&mm)?;
        match ev.sigev_notify {
            SIGEV_NONE => {}
            SIGEV_SIGNAL if (0..=64).contains(&ev.sigev_signo) => {}
            _ => return Err(Errno::EINVAL),
        }
        Some(ev)
    } else {
        None
    };
    let (_, q) = mq_file(t, fd)?;
    let pid = t.process.pid;
    let mut s = q.state.lock();
    match ev {
        None => {
            if s.notify.as_ref().is_some_and(|n| n.pid == pid) {
                s.notify = None;
            }
        }
        Some(ev) => {
            if s.notify.as_ref().is_some_and(|n| crate::proc::pid::find(n.pid).is_some_and(|p| !p.is_zombie())) {
                return Err(Errno::EBUSY);
            }
            s.notify = Some(Notify { pid, how: ev.sigev_notify, signo: ev.sigev_signo as u32, value: ev.sigev_value });
        }
    }
    Ok(0)
}

pub fn mq_getsetattr(t: &Arc<Thread>, fd: u64, new: u64, old: u64) -> SysResult {
    let mm = t.process.mm().ok_or(Errno::EFAULT)?;
    let new = if new != 0 {
        let a = UserPtr::<MqAttr>::new(new).read(&mm)?;
        if a.flags & !(O_NONBLOCK as i64) != 0 {
            return Err(Errno::EINVAL);
        }
        Some(a)
    } else {
        None
    };
    let (f, q) = mq_file(t, fd)?;
    let cur = MqAttr { flags: (f.status() & O_NONBLOCK) as i64, maxmsg: q.maxmsg, msgsize: q.msgsize, curmsgs: q.state.lock().count, reserved: [0; 4] };
    if let Some(a) = new {
        let _ = f.flags.fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| Some((s & !O_NONBLOCK) | a.flags as u32 & O_NONBLOCK));
    }
    if old != 0 {
        UserPtr::<MqAttr>::new(old).write(&mm, &cur)?;
    }
    Ok(0)
}
