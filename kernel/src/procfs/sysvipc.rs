//! SysV IPC in procfs: /proc/sysvipc/{msg,sem,shm} (one line per object
//! of the reader's IPC namespace, in id-slot order — readable or not, as
//! Linux lists them — with Linux's exact columns, which util-linux's `ipcs` parses)
//! and the namespace's limits in /proc/sys/kernel (msgmax, msgmnb,
//! msgmni, sem, shmmax, shmall, shmmni) and /proc/sys/fs/mqueue (the POSIX
//! queue limits), root-writable and used by the
//! IPC calls as their limits (Linux's ipc/ipc_sysctl.c).

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use fs::inode::FileType;
use fs::synthetic::{Node, Opener, TableEntry, TextFile};

use super::pid_misc::parse_int;
use crate::ipc::ids;
use crate::ipc::IpcNs;

/// The reader's namespace.
fn reader(pid: u32) -> fs::Result<Arc<IpcNs>> {
    Ok(crate::proc::pid::find(pid).ok_or(fs::Errno::ESRCH)?.ipc())
}

fn msg(_: &(), who: &Opener) -> fs::Result<Vec<u8>> {
    let ns = reader(who.caller.pid)?;
    let mut s = String::from("       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n");
    for q in ns.msg.lock().all() {
        let (p, cbytes, qnum, lspid, lrpid, stime, rtime, ctime) = q.proc_line();
        s += &format!(
            "{:>10} {:>10}  {:>4o}  {:>10} {:>10} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>10} {:>10} {:>10}\n",
            p.key, p.id, p.mode, cbytes, qnum, lspid, lrpid, p.uid, p.gid, p.cuid, p.cgid, stime, rtime, ctime
        );
    }
    Ok(s.into_bytes())
}

fn sem(_: &(), who: &Opener) -> fs::Result<Vec<u8>> {
    let ns = reader(who.caller.pid)?;
    let mut s = String::from("       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n");
    for set in ns.sem.lock().all() {
        let (p, nsems, otime, ctime) = set.proc_line();
        s += &format!("{:>10} {:>10}  {:>4o} {:>10} {:>5} {:>5} {:>5} {:>5} {:>10} {:>10}\n", p.key, p.id, p.mode, nsems, p.uid, p.gid, p.cuid, p.cgid, otime, ctime);
    }
    Ok(s.into_bytes())
}

fn shm(_: &(), who: &Opener) -> fs::Result<Vec<u8>> {
    let ns = reader(who.caller.pid)?;
    crate::ipc::shm::prune(&ns);
    let mut s = String::from(
        "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n",
    );
    for seg in ns.shm.lock().all() {
        let (p, size, cpid, lpid, nattch, atime, dtime, ctime, rss) = seg.proc_line();
        s += &format!(
            "{:>10} {:>10}  {:>4o} {:>21} {:>5} {:>5}  {:>5} {:>5} {:>5} {:>5} {:>5} {:>10} {:>10} {:>10} {:>21} {:>21}\n",
            p.key, p.id, p.mode, size, cpid, lpid, nattch, p.uid, p.gid, p.cuid, p.cgid, atime, dtime, ctime, rss, 0
        );
    }
    Ok(s.into_bytes())
}

/// /proc/sysvipc.
pub static SYSVIPC: &[TableEntry<()>] = &[
    TableEntry::file("msg", |s| TextFile::ro(s, 0o444, msg)),
    TableEntry::file("sem", |s| TextFile::ro(s, 0o444, sem)),
    TableEntry::file("shm", |s| TextFile::ro(s, 0o444, shm)),
];

/// Which limit a /proc/sys/kernel file shows.
#[derive(Clone, Copy)]
pub enum Limit {
    MsgMax,
    MsgMnb,
    MsgMni,
    Sem,
    ShmMax,
    ShmAll,
    ShmMni,
    /// /proc/sys/fs/mqueue: msg_max, msgsize_max, queues_max,
    /// msg_default, msgsize_default.
    MqMsgMax,
    MqMsgsizeMax,
    MqQueuesMax,
    MqMsgDefault,
    MqMsgsizeDefault,
}

struct LimitFile(Limit);

fn ns_of(who: &Opener) -> fs::Result<Arc<IpcNs>> {
    Ok(crate::proc::pid::find(who.caller.pid).ok_or(fs::Errno::ESRCH)?.ipc())
}

/// Parses whitespace-separated unsigned integers (proc_doulongvec).
fn parse_all(data: &[u8]) -> fs::Result<Vec<i64>> {
    let text = core::str::from_utf8(data).map_err(|_| fs::Errno::EINVAL)?;
    let v: Vec<i64> = text.split_ascii_whitespace().map(|w| w.parse::<i64>().map_err(|_| fs::Errno::EINVAL)).collect::<Result<_, _>>()?;
    if v.is_empty() {
        return Err(fs::Errno::EINVAL);
    }
    Ok(v)
}

impl Node for LimitFile {
    fn file_type(&self) -> FileType {
        FileType::Regular
    }
    fn perm(&self) -> u32 {
        0o644
    }
    fn produce(&self, who: &Opener) -> fs::Result<Vec<u8>> {
        let ns = ns_of(who)?;
        let l = &ns.limits;
        let v = match self.0 {
            Limit::MsgMax => l.msg_ctlmax.load(Ordering::Relaxed),
            Limit::MsgMnb => l.msg_ctlmnb.load(Ordering::Relaxed),
            Limit::MsgMni => l.msg_ctlmni.load(Ordering::Relaxed),
            Limit::ShmMax => l.shm_ctlmax.load(Ordering::Relaxed),
            Limit::ShmAll => l.shm_ctlall.load(Ordering::Relaxed),
            Limit::ShmMni => l.shm_ctlmni.load(Ordering::Relaxed),
            Limit::MqMsgMax => ns.mq.limits.msg_max.load(Ordering::Relaxed),
            Limit::MqMsgsizeMax => ns.mq.limits.msgsize_max.load(Ordering::Relaxed),
            Limit::MqQueuesMax => ns.mq.limits.queues_max.load(Ordering::Relaxed),
            Limit::MqMsgDefault => ns.mq.limits.msg_default.load(Ordering::Relaxed),
            Limit::MqMsgsizeDefault => ns.mq.limits.msgsize_default.load(Ordering::Relaxed),
            Limit::Sem => {
                let s = *l.sem_ctls.lock();
                return Ok(format!("{}\t{}\t{}\t{}\n", s[0], s[1], s[2], s[3]).into_bytes());
            }
        };
        Ok(format!("{v}\n").into_bytes())
    }
    fn store(&self, who: &Opener, _offset: u64, data: &[u8]) -> fs::Result<usize> {
        let ns = ns_of(who)?;
        let l = &ns.limits;
        let range = |min: i64, max: i64| -> fs::Result<u64> {
            let v = parse_int(data)?;
            if !(min..=max).contains(&v) {
                return Err(fs::Errno::EINVAL);
            }
            Ok(v as u64)
        };
        let int = |max: i64| -> fs::Result<u64> {
            let v = parse_int(data)?;
            if !(0..=max).contains(&v) {
                return Err(fs::Errno::EINVAL);
            }
            Ok(v as u64)
        };
        let ulong = || -> fs::Result<u64> {
            let text = core::str::from_utf8(data).map_err(|_| fs::Errno::EINVAL)?;
            text.trim().parse::<u64>().map_err(|_| fs::Errno::EINVAL)
        };
        let mni = ids::IPCMNI as i64;
        match self.0 {
            Limit::MsgMax => l.msg_ctlmax.store(int(i32::MAX as i64)?, Ordering::Relaxed),
            Limit::MsgMnb => l.msg_ctlmnb.store(int(i32::MAX as i64)?, Ordering::Relaxed),
            Limit::MsgMni => l.msg_ctlmni.store(int(mni)?, Ordering::Relaxed),
            Limit::ShmMni => l.shm_ctlmni.store(int(mni)?, Ordering::Relaxed),
            Limit::MqMsgMax => ns.mq.limits.msg_max.store(range(1, 65536)?, Ordering::Relaxed),
            Limit::MqMsgsizeMax => ns.mq.limits.msgsize_max.store(range(128, 16 << 20)?, Ordering::Relaxed),
            Limit::MqQueuesMax => ns.mq.limits.queues_max.store(int(i32::MAX as i64)?, Ordering::Relaxed),
            Limit::MqMsgDefault => ns.mq.limits.msg_default.store(range(1, 65536)?, Ordering::Relaxed),
            Limit::MqMsgsizeDefault => ns.mq.limits.msgsize_default.store(range(128, 16 << 20)?, Ordering::Relaxed),
            Limit::ShmMax => l.shm_ctlmax.store(ulong()?, Ordering::Relaxed),
            Limit::ShmAll => l.shm_ctlall.store(ulong()?, Ordering::Relaxed),
            Limit::Sem => {
                let v = parse_all(data)?;
                let mut s = l.sem_ctls.lock();
                let mut new = *s;
                for (i, x) in v.iter().take(4).enumerate() {
                    new[i] = i32::try_from(*x).map_err(|_| fs::Errno::EINVAL)?;
                }
                // Linux: semmni within 0..=IPCMNI.
                if !(0..=mni as i32).contains(&new[3]) {
                    return Err(fs::Errno::EINVAL);
                }
                *s = new;
            }
        }
        Ok(data.len())
    }
}

/// The /proc/sys/kernel file of limit `l`.
pub fn limit(l: Limit) -> Arc<dyn Node> {
    Arc::new(LimitFile(l))
}
