//! SysV IPC: message queues ([`msg`]), semaphore sets ([`sem`]) and shared
//! memory segments ([`shm`]), and POSIX message queues ([`mqueue`]), per
//! IPC namespace ([`IpcNs`], Linux's
//! `ipc_namespace`), with the key/id tables and permission rules of
//! [`ids`].
//!
//! A namespace holds the three tables and the limits /proc/sys/kernel
//! shows and sets (msgmax, msgmnb, msgmni, sem, shmmax, shmall, shmmni),
//! with Linux 6.1's defaults. A process reaches its namespace through
//! [`crate::proc::Process::ipc`]; clone/unshare(CLONE_NEWIPC) give it a
//! fresh, empty one.
//!
//! Lock order: a table, then an object's state, then (shm) address
//! spaces. Blocking calls (msgsnd, msgrcv, semop) wait on the object's
//! wait queue, re-trying their whole operation after every wake, and never
//! hold a lock across the wait.

pub mod ids;
pub mod mqueue;
pub mod mqueue_fs;
pub mod msg;
pub mod sem;
pub mod shm;

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use spin::Mutex;

/// PROC_IPC_INIT_INO: the initial namespace's inode number.
pub const PROC_IPC_INIT_INO: u64 = 0xEFFF_FFFF;

/// The tunables of one namespace (Linux's ipc_namespace fields).
pub struct Limits {
    /// msgmax, msgmnb, msgmni.
    pub msg_ctlmax: AtomicU64,
    pub msg_ctlmnb: AtomicU64,
    pub msg_ctlmni: AtomicU64,
    /// sem: semmsl, semmns, semopm, semmni.
    pub sem_ctls: Mutex<[i32; 4]>,
    /// shmmax (bytes), shmall (pages), shmmni.
    pub shm_ctlmax: AtomicU64,
    pub shm_ctlall: AtomicU64,
    pub shm_ctlmni: AtomicU64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            msg_ctlmax: AtomicU64::new(msg::MSGMAX),
            msg_ctlmnb: AtomicU64::new(msg::MSGMNB),
            msg_ctlmni: AtomicU64::new(msg::MSGMNI),
            sem_ctls: Mutex::new([sem::SEMMSL, sem::SEMMNS, sem::SEMOPM, sem::SEMMNI]),
            shm_ctlmax: AtomicU64::new(shm::SHMMAX),
            shm_ctlall: AtomicU64::new(shm::SHMALL),
            shm_ctlmni: AtomicU64::new(shm::SHMMNI),
        }
    }
}

impl Limits {
    pub fn get(v: &AtomicU64) -> u64 {
        v.load(Ordering::Relaxed)
    }
}

/// One IPC namespace.
pub struct IpcNs {
    pub ino: u64,
    pub limits: Limits,
    pub msg: Mutex<ids::Table<msg::MsgQueue>>,
    pub sem: Mutex<ids::Table<sem::SemSet>>,
    pub shm: Mutex<ids::Table<shm::Segment>>,
    /// POSIX message queues and their limits.
    pub mq: mqueue::MqTable,
}

impl IpcNs {
    fn new(ino: u64) -> Arc<IpcNs> {
        Arc::new(IpcNs {
            ino,
            limits: Limits::default(),
            msg: Mutex::new(ids::Table::default()),
            sem: Mutex::new(ids::Table::default()),
            shm: Mutex::new(ids::Table::default()),
            mq: mqueue::MqTable::default(),
        })
    }

    /// A fresh, empty namespace (CLONE_NEWIPC).
    pub fn fresh() -> Arc<IpcNs> {
        IpcNs::new(crate::ns::alloc_ino())
    }
}

static INITIAL: spin::Once<Arc<IpcNs>> = spin::Once::new();

/// The initial namespace (init's, and every process's that never made
/// its own).
pub fn initial() -> Arc<IpcNs> {
    INITIAL.call_once(|| IpcNs::new(PROC_IPC_INIT_INO)).clone()
}
