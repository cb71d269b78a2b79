//! SysV semaphores: semget(2), semop(2)/semtimedop(2), semctl(2), and
//! SEM_UNDO adjustments applied when a process exits (Linux's ipc/sem.c).
//!
//! A semop applies all its operations or none: they are tried in order on
//! the set's values and rolled back at the first that would block
//! (EAGAIN with IPC_NOWAIT, else the caller waits) or would take a value
//! past SEMVMX or an adjustment past SEMAEM (ERANGE). A waiting caller is
//! counted by GETNCNT (its blocking operation decrements) or GETZCNT (it
//! waits for zero) on the semaphore it blocks on, as Linux 6.1 counts;
//! it re-tries after every change of the set, until it succeeds, the set
//! is removed (EIDRM), its time-out passes (EAGAIN) or a signal arrives
//! (EINTR: Linux never restarts semop).
//!
//! SEM_UNDO keeps, per process and semaphore, the negated sum of the
//! operations done with it; SETVAL and SETALL clear them; when the
//! process's last thread ends each is added to its semaphore, clamped to
//! 0..=SEMVMX (Linux's exit_sem). A child of fork starts with none.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use executor::WaitQueue;
use spin::Mutex;

use super::ids::{self, Object, Perm, IPC_INFO, IPC_NOWAIT, IPC_RMID, IPC_SET, IPC_STAT, S_IRUGO, S_IWUGO};
use super::IpcNs;
use crate::abi::ipc::{SemBuf, SemInfo, SemidDs};
use crate::errno::{Errno, SysResult};
use crate::proc::{Process, Thread};
use crate::uaccess::UserPtr;

pub const SEMMSL: i32 = 32000;
pub const SEMMNS: i32 = 1_024_000_000;
pub const SEMOPM: i32 = 500;
pub const SEMMNI: i32 = 32000;
const SEMVMX: i32 = 32767;
const SEMAEM: i32 = SEMVMX;
const SEMUSZ: i32 = 20;

const SEM_UNDO: i16 = 0x1000;

const GETPID: i32 = 11;
const GETVAL: i32 = 12;
const GETALL: i32 = 13;
const GETNCNT: i32 = 14;
const GETZCNT: i32 = 15;
const SETVAL: i32 = 16;
const SETALL: i32 = 17;
const SEM_STAT: i32 = 18;
const SEM_INFO: i32 = 19;
const SEM_STAT_ANY: i32 = 20;

#[derive(Clone, Copy, Default)]
struct Sem {
    val: i32,
    pid: u32,
}

struct State {
    perm: Perm,
    sems: Vec<Sem>,
    otime: i64,
    ctime: i64,
    removed: bool,
    /// Waiting callers: the semaphore each blocks on and whether it waits
    /// for zero.
    waiters: BTreeMap<u64, (usize, bool)>,
    /// SEM_UNDO adjustments by process id.
    undo: BTreeMap<u32, Vec<i32>>,
}

pub struct SemSet {
    state: Mutex<State>,
    changes: WaitQueue,
}

impl Object for SemSet {
    fn perm(&self) -> Perm {
        self.state.lock().perm
    }
    fn set_key(&self, key: i32) {
        self.state.lock().perm.key = key;
    }
}

impl SemSet {
    fn stat(&self) -> SemidDs {
        let s = self.state.lock();
        SemidDs { perm: s.perm.to_abi(), otime: s.otime, ctime: s.ctime, nsems: s.sems.len() as u64, ..Default::default() }
    }

    /// What /proc/sysvipc/sem shows: permissions, size, otime, ctime.
    pub fn proc_line(&self) -> (Perm, usize, i64, i64) {
        let s = self.state.lock();
        (s.perm, s.sems.len(), s.otime, s.ctime)
    }
}

static NEXT_WAITER: AtomicU64 = AtomicU64::new(1);

fn used_sems(ns: &IpcNs) -> (usize, i64) {
    let t = ns.sem.lock();
    let n: i64 = t.all().map(|s| s.state.lock().sems.len() as i64).sum();
    (t.len(), n)
}

pub fn semget(t: &Arc<Thread>, key: i32, nsems: i32, flg: u32) -> SysResult {
    let ns = t.process.ipc();
    let [semmsl, semmns, _, semmni] = *ns.limits.sem_ctls.lock();
    if nsems < 0 || nsems > semmsl {
        return Err(Errno::EINVAL);
    }
    let creds = t.creds.lock().clone();
    let (_, used) = used_sems(&ns);
    let mut table = ns.sem.lock();
    let fits = |s: &SemSet| if nsems as usize > s.state.lock().sems.len() { Err(Errno::EINVAL) } else { Ok(()) };
    if let Some(id) = ids::lookup(&table, &creds, key, flg, fits)? {
        return Ok(id as u64);
    }
    if nsems == 0 {
        return Err(Errno::EINVAL);
    }
    if used + nsems as i64 > semmns as i64 {
        return Err(Errno::ENOSPC);
    }
    let mut sems = Vec::new();
    sems.try_reserve_exact(nsems as usize).map_err(|_| Errno::ENOMEM)?;
    sems.resize(nsems as usize, Sem::default());
    let (idx, id, seq) = table.next_id(semmni.max(0) as u32)?;
    let set = SemSet {
        state: Mutex::new(State {
            perm: ids::new_perm(&creds, key, flg, id, seq),
            sems,
            otime: 0,
            ctime: ids::now_secs(),
            removed: false,
            waiters: BTreeMap::new(),
            undo: BTreeMap::new(),
        }),
        changes: WaitQueue::new(),
    };
    table.insert(idx, Arc::new(set));
    Ok(id as u64)
}

/// Tries `ops` on `s` for process `pid`: Ok(true) done, Ok(false) would
/// block (on the semaphore and kind stored in `blocked`), or the error.
fn try_ops(s: &mut State, ops: &[SemBuf], pid: u32, blocked: &mut (usize, bool)) -> Result<bool, Errno> {
    let mut adj = s.undo.get(&pid).cloned();
    let nsems = s.sems.len();
    let mut vals: Vec<i32> = s.sems.iter().map(|x| x.val).collect();
    for op in ops {
        let n = op.num as usize;
        let (cur, d) = (vals[n], op.op as i32);
        if (d == 0 && cur != 0) || cur + d < 0 {
            *blocked = (n, d == 0);
            return if op.flg as u32 & IPC_NOWAIT != 0 { Err(Errno::EAGAIN) } else { Ok(false) };
        }
        if cur + d > SEMVMX {
            return Err(Errno::ERANGE);
        }
        if op.flg & SEM_UNDO != 0 {
            let a = adj.get_or_insert_with(|| alloc::vec![0; nsems]);
            let undo = a[n] - d;
            if !(-SEMAEM - 1..=SEMAEM).contains(&undo) {
                return Err(Errno::ERANGE);
            }
            a[n] = undo;
        }
        vals[n] = cur + d;
    }
    for (i, v) in vals.into_iter().enumerate() {
        s.sems[i].val = v;
    }
    for op in ops {
        s.sems[op.num as usize].pid = pid;
    }
    if let Some(a) = adj {
        s.undo.insert(pid, a);
    }
    Ok(true)
}

/// Removes a waiter's entry when its wait ends, however it ends.
struct WaiterEntry<'a> {
    set: &'a SemSet,
    token: u64,
}

impl Drop for WaiterEntry<'_> {
    fn drop(&mut self) {
        self.set.state.lock().waiters.remove(&self.token);
    }
}

pub async fn semtimedop(t: &Arc<Thread>, id: i32, sops: u64, nsops: u64, timeout: u64) -> SysResult {
    if nsops < 1 || id < 0 {
        return Err(Errno::EINVAL);
    }
    let ns = t.process.ipc();
    let semopm = ns.limits.sem_ctls.lock()[2];
    if nsops > semopm.max(0) as u64 {
        return Err(Errno::E2BIG);
    }
    let mm = t.process.mm().ok_or(Errno::EFAULT)?;
    // semopm is root's to raise: an allocation that fails is ENOMEM.
    if Vec::<SemBuf>::new().try_reserve_exact(nsops as usize).is_err() {
        return Err(Errno::ENOMEM);
    }
    let ops = UserPtr::<SemBuf>::new(sops).read_array(&mm, nsops as usize)?;
    let deadline = if timeout != 0 {
        let ns = crate::syscall::time::read_timespec(&mm, timeout)?;
        Some(platform::time::now_ns().saturating_add(ns))
    } else {
        None
    };
    let max = ops.iter().map(|o| o.num).max().unwrap_or(0) as usize;
    let alter = ops.iter().any(|o| o.op != 0);
    let undo = ops.iter().any(|o| o.flg & SEM_UNDO != 0);
    let set = ns.sem.lock().by_id(id)?;
    let pid = t.process.pid;
    {
        let s = set.state.lock();
        if max >= s.sems.len() {
            return Err(Errno::EFBIG);
        }
        ids::check(&t.creds.lock(), &s.perm, if alter { S_IWUGO } else { S_IRUGO })?;
        if s.removed {
            return Err(Errno::EIDRM);
        }
    }
    if undo {
        t.process.note_sem_undo(&set);
    }
    let token = NEXT_WAITER.fetch_add(1, Ordering::Relaxed);
    let entry = WaiterEntry { set: &set, token };
    let mut attempt = || -> Option<Result<(), Errno>> {
        let mut s = set.state.lock();
        if s.removed {
            return Some(Err(Errno::EIDRM));
        }
        let mut blocked = (0, false);
        match try_ops(&mut s, &ops, pid, &mut blocked) {
            Ok(true) => {
                s.otime = ids::now_secs();
                s.waiters.remove(&token);
                Some(Ok(()))
            }
            Ok(false) => {
                // (With IPC_NOWAIT a blocking operation is EAGAIN: here
                // the caller is about to wait, or waits already.)
                s.waiters.insert(token, blocked);
                None
            }
            Err(e) => Some(Err(e)),
        }
    };
    let r = match attempt() {
        Some(r) => r,
        None => {
            let wait = set.changes.wait_for(&mut attempt);
            let r = match deadline {
                Some(d) => crate::signal::interruptible(t, crate::sched::timeout(d, wait)).await.map(|r| r.map_err(|_| Errno::EAGAIN)),
                None => crate::signal::interruptible(t, wait).await.map(Ok),
            };
            match r {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => Err(e),
                Err(_) => Err(Errno::EINTR),
            }
        }
    };
    drop(entry);
    if r.is_ok() && alter {
        set.changes.wake_all();
    }
    r.map(|_| 0)
}

/// Adds SEM_UNDO adjustments of process `pid` back (its last thread
/// ended).
pub fn exit_undo(pid: u32, sets: Vec<Weak<SemSet>>) {
    for set in sets.iter().filter_map(Weak::upgrade) {
        let mut s = set.state.lock();
        let Some(adj) = s.undo.remove(&pid) else { continue };
        if s.removed {
            continue;
        }
        for (i, a) in adj.into_iter().enumerate() {
            if a != 0 {
                let sem = &mut s.sems[i];
                sem.val = (sem.val + a).clamp(0, SEMVMX);
                sem.pid = pid;
            }
        }
        drop(s);
        set.changes.wake_all();
    }
}

impl Process {
    /// Records that this process holds SEM_UNDO adjustments on `set`.
    pub fn note_sem_undo(&self, set: &Arc<SemSet>) {
        let mut l = self.sem_undo.lock();
        l.retain(|w| w.strong_count() > 0);
        if !l.iter().any(|w| core::ptr::eq(w.as_ptr(), Arc::as_ptr(set))) {
            l.push(Arc::downgrade(set));
        }
    }
}

pub fn semctl(t: &Arc<Thread>, id: i32, num: i32, cmd: i32, arg: u64) -> SysResult {
    if id < 0 {
        return Err(Errno::EINVAL);
    }
    let ns = t.process.ipc();
    let mm = t.process.mm().ok_or(Errno::EFAULT)?;
    let creds = t.creds.lock().clone();
    match cmd {
        IPC_INFO | SEM_INFO => {
            let [semmsl, semmns, semopm, semmni] = *ns.limits.sem_ctls.lock();
            let mut info = SemInfo { semmni, semmns, semmsl, semopm, semvmx: SEMVMX, semmnu: SEMMNS, semmap: SEMMNS, semume: SEMOPM, semusz: SEMUSZ, semaem: SEMAEM };
            if cmd == SEM_INFO {
                let (sets, sems) = used_sems(&ns);
                info.semusz = sets as i32;
                info.semaem = sems as i32;
            }
            let max = ns.sem.lock().max_index();
            UserPtr::<SemInfo>::new(arg).write(&mm, &info)?;
            Ok(max)
        }
        IPC_STAT | SEM_STAT | SEM_STAT_ANY => {
            let set = if cmd == IPC_STAT { ns.sem.lock().by_id(id)? } else { ns.sem.lock().by_index(id)? };
            let perm = set.perm();
            if cmd != SEM_STAT_ANY {
                ids::check(&creds, &perm, S_IRUGO)?;
            }
            if set.state.lock().removed {
                return Err(Errno::EIDRM);
            }
            UserPtr::<SemidDs>::new(arg).write(&mm, &set.stat())?;
            Ok(if cmd == IPC_STAT { 0 } else { perm.id as u64 })
        }
        GETALL | GETVAL | GETPID | GETNCNT | GETZCNT | SETALL => {
            let set = ns.sem.lock().by_id(id)?;
            let n = set.state.lock().sems.len();
            ids::check(&creds, &set.perm(), if cmd == SETALL { S_IWUGO } else { S_IRUGO })?;
            match cmd {
                GETALL => {
                    let s = set.state.lock();
                    if s.removed {
                        return Err(Errno::EIDRM);
                    }
                    let vals: Vec<u16> = s.sems.iter().map(|x| x.val as u16).collect();
                    drop(s);
                    UserPtr::<u16>::new(arg).write_array(&mm, &vals)?;
                    Ok(0)
                }
                SETALL => {
                    let vals = UserPtr::<u16>::new(arg).read_array(&mm, n)?;
                    if vals.iter().any(|v| *v as i32 > SEMVMX) {
                        return Err(Errno::ERANGE);
                    }
                    let mut s = set.state.lock();
                    if s.removed {
                        return Err(Errno::EIDRM);
                    }
                    for (i, v) in vals.into_iter().enumerate() {
                        s.sems[i] = Sem { val: v as i32, pid: t.process.pid };
                    }
                    s.undo.values_mut().for_each(|a| a.iter_mut().for_each(|x| *x = 0));
                    s.ctime = ids::now_secs();
                    drop(s);
                    set.changes.wake_all();
                    Ok(0)
                }
                _ => {
                    if num < 0 || num as usize >= n {
                        return Err(Errno::EINVAL);
                    }
                    let s = set.state.lock();
                    if s.removed {
                        return Err(Errno::EIDRM);
                    }
                    let i = num as usize;
                    Ok(match cmd {
                        GETVAL => s.sems[i].val as u64,
                        GETPID => s.sems[i].pid as u64,
                        GETNCNT => s.waiters.values().filter(|w| w.0 == i && !w.1).count() as u64,
                        _ => s.waiters.values().filter(|w| w.0 == i && w.1).count() as u64,
                    })
                }
            }
        }
        SETVAL => {
            let val = arg as i32;
            if !(0..=SEMVMX).contains(&val) {
                return Err(Errno::ERANGE);
            }
            let set = ns.sem.lock().by_id(id)?;
            let mut s = set.state.lock();
            if num < 0 || num as usize >= s.sems.len() {
                return Err(Errno::EINVAL);
            }
            ids::check(&creds, &s.perm, S_IWUGO)?;
            if s.removed {
                return Err(Errno::EIDRM);
            }
            let i = num as usize;
            s.undo.values_mut().for_each(|a| a[i] = 0);
            s.sems[i] = Sem { val, pid: t.process.pid };
            s.ctime = ids::now_secs();
            drop(s);
            set.changes.wake_all();
            Ok(0)
        }
        IPC_SET | IPC_RMID => {
            let new = if cmd == IPC_SET { Some(UserPtr::<SemidDs>::new(arg).read(&mm)?) } else { None };
            let mut table = ns.sem.lock();
            let set = table.by_id(id)?;
            ids::may_change(&creds, &set.perm())?;
            match new {
                Some(d) => {
                    let mut s = set.state.lock();
                    s.perm.update(&d.perm)?;
                    s.ctime = ids::now_secs();
                }
                None => {
                    table.remove(id);
                    let mut s = set.state.lock();
                    s.removed = true;
                    s.undo.clear();
                }
            }
            drop(table);
            set.changes.wake_all();
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}
