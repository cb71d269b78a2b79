//! SysV message queues: msgget(2), msgsnd(2), msgrcv(2), msgctl(2)
//! (Linux's ipc/msg.c).
//!
//! A queue holds typed messages in arrival order. msgsnd waits while the
//! message would pass `msg_qbytes` bytes or messages (EAGAIN with
//! IPC_NOWAIT); msgrcv picks by type — the first (0), the first of that
//! type (>0), of another type (MSG_EXCEPT), the lowest type up to |type|
//! (<0), or the N-th message without removing it (MSG_COPY, with
//! IPC_NOWAIT) — and waits while none fits (ENOMSG with IPC_NOWAIT). A
//! message longer than the buffer is E2BIG unless MSG_NOERROR truncates
//! it. Both waits end in EIDRM when the queue is removed, and a signal
//! restarts them only when no handler ran (the table rows say `nohand`,
//! Linux's -ERESTARTNOHAND). Where Linux hands a message straight to a
//! waiting receiver, every waiter is woken here and re-tries: the same
//! outcomes, without Linux's strict first-come order among receivers.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;

use executor::WaitQueue;
use spin::Mutex;

use super::ids::{self, Object, Perm, IPC_INFO, IPC_NOWAIT, IPC_RMID, IPC_SET, IPC_STAT, S_IRUGO, S_IWUGO};
use super::{IpcNs, Limits};
use crate::abi::ipc::{MsgInfo, MsqidDs};
use crate::errno::{Errno, SysResult};
use crate::proc::Thread;
use crate::uaccess::{self, UserPtr};

pub const MSGMAX: u64 = 8192;
pub const MSGMNB: u64 = 16384;
pub const MSGMNI: u64 = 32000;
const MSGSSZ: i32 = 16;
const MSGSEG: u16 = 0xffff;

const MSG_NOERROR: u32 = 0o10000;
const MSG_EXCEPT: u32 = 0o20000;
const MSG_COPY: u32 = 0o40000;

const MSG_STAT: i32 = 11;
const MSG_INFO: i32 = 12;
const MSG_STAT_ANY: i32 = 13;

struct State {
    perm: Perm,
    msgs: VecDeque<(i64, Vec<u8>)>,
    cbytes: u64,
    qbytes: u64,
    lspid: u32,
    lrpid: u32,
    stime: i64,
    rtime: i64,
    ctime: i64,
    removed: bool,
}

pub struct MsgQueue {
    state: Mutex<State>,
    /// Woken on every change: senders wait for room, receivers for a
    /// message.
    changes: WaitQueue,
}

impl Object for MsgQueue {
    fn perm(&self) -> Perm {
        self.state.lock().perm
    }
    fn set_key(&self, key: i32) {
        self.state.lock().perm.key = key;
    }
}

impl MsgQueue {
    fn stat(&self) -> MsqidDs {
        let s = self.state.lock();
        MsqidDs {
            perm: s.perm.to_abi(),
            stime: s.stime,
            rtime: s.rtime,
            ctime: s.ctime,
            cbytes: s.cbytes,
            qnum: s.msgs.len() as u64,
            qbytes: s.qbytes,
            lspid: s.lspid as i32,
            lrpid: s.lrpid as i32,
            ..Default::default()
        }
    }

    /// What /proc/sysvipc/msg shows for the queue.
    pub fn proc_line(&self) -> (Perm, u64, u64, u32, u32, i64, i64, i64) {
        let s = self.state.lock();
        (s.perm, s.cbytes, s.msgs.len() as u64, s.lspid, s.lrpid, s.stime, s.rtime, s.ctime)
    }
}

/// The queues and the bytes queued in a namespace (MSG_INFO).
fn usage(ns: &IpcNs) -> (usize, u64, u64) {
    let t = ns.msg.lock();
    let (mut msgs, mut bytes) = (0, 0);
    for q in t.all() {
        let s = q.state.lock();
        msgs += s.msgs.len() as u64;
        bytes += s.cbytes;
    }
    (t.len(), msgs, bytes)
}

pub fn msgget(t: &Arc<Thread>, key: i32, flg: u32) -> SysResult {
    let ns = t.process.ipc();
    let creds = t.creds.lock().clone();
    let mut table = ns.msg.lock();
    if let Some(id) = ids::lookup(&table, &creds, key, flg, |_| Ok(()))? {
        return Ok(id as u64);
    }
    let (idx, id, seq) = table.next_id(Limits::get(&ns.limits.msg_ctlmni) as u32)?;
    let q = MsgQueue {
        state: Mutex::new(State {
            perm: ids::new_perm(&creds, key, flg, id, seq),
            msgs: VecDeque::new(),
            cbytes: 0,
            qbytes: Limits::get(&ns.limits.msg_ctlmnb),
            lspid: 0,
            lrpid: 0,
            stime: 0,
            rtime: 0,
            ctime: ids::now_secs(),
            removed: false,
        }),
        changes: WaitQueue::new(),
    };
    table.insert(idx, Arc::new(q));
    Ok(id as u64)
}

fn find(t: &Thread, id: i32) -> Result<(Arc<IpcNs>, Arc<MsgQueue>), Errno> {
    let ns = t.process.ipc();
    let q = ns.msg.lock().by_id(id)?;
    Ok((ns, q))
}

pub async fn msgsnd(t: &Arc<Thread>, id: i32, msgp: u64, size: u64, flg: u32) -> SysResult {
    let ns = t.process.ipc();
    if size > Limits::get(&ns.limits.msg_ctlmax) || (size as i64) < 0 || id < 0 {
        return Err(Errno::EINVAL);
    }
    let mm = t.process.mm().ok_or(Errno::EFAULT)?;
    let mtype = uaccess::read_u64(&mm, msgp)? as i64;
    if mtype < 1 {
        return Err(Errno::EINVAL);
    }
    let mut text = Vec::new();
    text.try_reserve_exact(size as usize).map_err(|_| Errno::ENOMEM)?;
    text.resize(size as usize, 0);
    uaccess::read_bytes(&mm, msgp + 8, &mut text)?;
    let (_, q) = find(t, id)?;
    let pid = t.process.pid;
    let mut text = Some(text);
    let mut attempt = || -> Option<Result<(), Errno>> {
        let creds = t.creds.lock().clone();
        let mut s = q.state.lock();
        if let Err(e) = ids::check(&creds, &s.perm, S_IWUGO) {
            return Some(Err(e));
        }
        if s.removed {
            return Some(Err(Errno::EIDRM));
        }
        if s.cbytes + size > s.qbytes || s.msgs.len() as u64 + 1 > s.qbytes {
            return None;
        }
        s.msgs.push_back((mtype, text.take().unwrap_or_default()));
        s.cbytes += size;
        s.lspid = pid;
        s.stime = ids::now_secs();
        Some(Ok(()))
    };
    let r = match attempt() {
        Some(r) => r,
        None if flg & IPC_NOWAIT != 0 => Err(Errno::EAGAIN),
        None => crate::signal::interruptible(t, q.changes.wait_for(&mut attempt)).await?,
    };
    if r.is_ok() {
        q.changes.wake_all();
    }
    r.map(|_| 0)
}

/// How msgrcv picks (Linux's convert_mode and find_msg).
#[derive(Clone, Copy)]
enum Search {
    Any,
    Equal(i64),
    NotEqual(i64),
    LessEqual(i64),
    Number(i64),
}

fn pick(msgs: &VecDeque<(i64, Vec<u8>)>, how: Search) -> Option<usize> {
    match how {
        Search::Any => (!msgs.is_empty()).then_some(0),
        Search::Equal(ty) => msgs.iter().position(|m| m.0 == ty),
        Search::NotEqual(ty) => msgs.iter().position(|m| m.0 != ty),
        Search::LessEqual(ty) => {
            let mut best: Option<usize> = None;
            for (i, m) in msgs.iter().enumerate() {
                if m.0 <= ty && best.is_none_or(|b| m.0 < msgs[b].0) {
                    best = Some(i);
                }
            }
            best
        }
        Search::Number(n) => (n >= 0 && (n as usize) < msgs.len()).then_some(n as usize),
    }
}

pub async fn msgrcv(t: &Arc<Thread>, id: i32, msgp: u64, size: u64, msgtyp: i64, flg: u32) -> SysResult {
    if id < 0 || (size as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let how = if flg & MSG_COPY != 0 {
        if flg & MSG_EXCEPT != 0 || flg & IPC_NOWAIT == 0 {
            return Err(Errno::EINVAL);
        }
        Search::Number(msgtyp)
    } else if msgtyp == 0 {
        Search::Any
    } else if msgtyp < 0 {
        Search::LessEqual(if msgtyp == i64::MIN { i64::MAX } else { -msgtyp })
    } else if flg & MSG_EXCEPT != 0 {
        Search::NotEqual(msgtyp)
    } else {
        Search::Equal(msgtyp)
    };
    let (_, q) = find(t, id)?;
    let pid = t.process.pid;
    let copy = flg & MSG_COPY != 0;
    let mut attempt = || -> Option<Result<(i64, Vec<u8>), Errno>> {
        let creds = t.creds.lock().clone();
        let mut s = q.state.lock();
        if let Err(e) = ids::check(&creds, &s.perm, S_IRUGO) {
            return Some(Err(e));
        }
        if s.removed {
            return Some(Err(Errno::EIDRM));
        }
        let i = pick(&s.msgs, how)?;
        if size < s.msgs[i].1.len() as u64 && flg & MSG_NOERROR == 0 {
            return Some(Err(Errno::E2BIG));
        }
        if copy {
            return Some(Ok(s.msgs[i].clone()));
        }
        let m = s.msgs.remove(i)?;
        s.cbytes -= m.1.len() as u64;
        s.lrpid = pid;
        s.rtime = ids::now_secs();
        Some(Ok(m))
    };
    let r = match attempt() {
        Some(r) => r,
        None if flg & IPC_NOWAIT != 0 => Err(Errno::ENOMSG),
        None => crate::signal::interruptible(t, q.changes.wait_for(&mut attempt)).await?,
    };
    let (mtype, text) = r?;
    if !copy {
        q.changes.wake_all();
    }
    let n = text.len().min(size as usize);
    let mm = t.process.mm().ok_or(Errno::EFAULT)?;
    uaccess::write_u64(&mm, msgp, mtype as u64)?;
    uaccess::write_bytes(&mm, msgp + 8, &text[..n])?;
    Ok(n as u64)
}

pub fn msgctl(t: &Arc<Thread>, id: i32, cmd: i32, buf: u64) -> SysResult {
    if id < 0 || cmd < 0 {
        return Err(Errno::EINVAL);
    }
    let ns = t.process.ipc();
    let mm = t.process.mm().ok_or(Errno::EFAULT)?;
    let creds = t.creds.lock().clone();
    match cmd {
        IPC_INFO | MSG_INFO => {
            let mut info = MsgInfo {
                msgmni: Limits::get(&ns.limits.msg_ctlmni) as i32,
                msgmax: Limits::get(&ns.limits.msg_ctlmax) as i32,
                msgmnb: Limits::get(&ns.limits.msg_ctlmnb) as i32,
                msgssz: MSGSSZ,
                msgseg: MSGSEG,
                msgpool: (MSGMNI * MSGMNB / 1024) as i32,
                msgmap: MSGMNB as i32,
                msgtql: MSGMNB as i32,
                pad: 0,
            };
            if cmd == MSG_INFO {
                let (queues, msgs, bytes) = usage(&ns);
                info.msgpool = queues as i32;
                info.msgmap = msgs as i32;
                info.msgtql = bytes as i32;
            }
            let max = ns.msg.lock().max_index();
            UserPtr::<MsgInfo>::new(buf).write(&mm, &info)?;
            Ok(max)
        }
        IPC_STAT | MSG_STAT | MSG_STAT_ANY => {
            let q = if cmd == IPC_STAT { ns.msg.lock().by_id(id)? } else { ns.msg.lock().by_index(id)? };
            let perm = q.perm();
            if cmd != MSG_STAT_ANY {
                ids::check(&creds, &perm, S_IRUGO)?;
            }
            if q.state.lock().removed {
                return Err(Errno::EIDRM);
            }
            UserPtr::<MsqidDs>::new(buf).write(&mm, &q.stat())?;
            Ok(if cmd == IPC_STAT { 0 } else { perm.id as u64 })
        }
        IPC_SET | IPC_RMID => {
            let new = if cmd == IPC_SET { Some(UserPtr::<MsqidDs>::new(buf).read(&mm)?) } else { None };
            let mut table = ns.msg.lock();
            let q = table.by_id(id)?;
            ids::may_change(&creds, &q.perm())?;
            match new {
                Some(d) => {
                    let mut s = q.state.lock();
                    if d.qbytes > Limits::get(&ns.limits.msg_ctlmnb) && !creds.capable(ids::CAP_SYS_RESOURCE) {
                        return Err(Errno::EPERM);
                    }
                    s.perm.update(&d.perm)?;
                    s.qbytes = d.qbytes;
                    s.ctime = ids::now_secs();
                }
                None => {
                    table.remove(id);
                    let mut s = q.state.lock();
                    s.removed = true;
                    s.msgs.clear();
                    s.cbytes = 0;
                }
            }
            drop(table);
            q.changes.wake_all();
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}
