//! SysV IPC structures (sys/ipc.h, sys/msg.h, sys/sem.h, sys/shm.h): the
//! kernel's 64-bit forms (`ipc64_perm`, `msqid64_ds`, `semid64_ds`,
//! `shmid64_ds`), which x86-64 user space uses directly (no IPC_64 flag),
//! and the `*info` structures of IPC_INFO/MSG_INFO/SEM_INFO/SHM_INFO.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `struct ipc64_perm` (x86-64: a 32-bit mode, then the sequence number).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct IpcPerm64 {
    pub key: i32,
    pub uid: u32,
    pub gid: u32,
    pub cuid: u32,
    pub cgid: u32,
    pub mode: u32,
    pub seq: u16,
    pub pad2: u16,
    pub pad3: u32,
    pub unused1: u64,
    pub unused2: u64,
}

/// `struct msqid64_ds`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct MsqidDs {
    pub perm: IpcPerm64,
    pub stime: i64,
    pub rtime: i64,
    pub ctime: i64,
    pub cbytes: u64,
    pub qnum: u64,
    pub qbytes: u64,
    pub lspid: i32,
    pub lrpid: i32,
    pub unused4: u64,
    pub unused5: u64,
}

/// `struct semid64_ds`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct SemidDs {
    pub perm: IpcPerm64,
    pub otime: i64,
    pub unused1: u64,
    pub ctime: i64,
    pub unused2: u64,
    pub nsems: u64,
    pub unused3: u64,
    pub unused4: u64,
}

/// `struct shmid64_ds`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct ShmidDs {
    pub perm: IpcPerm64,
    pub segsz: u64,
    pub atime: i64,
    pub dtime: i64,
    pub ctime: i64,
    pub cpid: i32,
    pub lpid: i32,
    pub nattch: u64,
    pub unused4: u64,
    pub unused5: u64,
}

/// `struct msginfo` (IPC_INFO, MSG_INFO).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct MsgInfo {
    pub msgpool: i32,
    pub msgmap: i32,
    pub msgmax: i32,
    pub msgmnb: i32,
    pub msgmni: i32,
    pub msgssz: i32,
    pub msgtql: i32,
    pub msgseg: u16,
    pub pad: u16,
}

/// `struct seminfo` (IPC_INFO, SEM_INFO).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct SemInfo {
    pub semmap: i32,
    pub semmni: i32,
    pub semmns: i32,
    pub semmnu: i32,
    pub semmsl: i32,
    pub semopm: i32,
    pub semume: i32,
    pub semusz: i32,
    pub semvmx: i32,
    pub semaem: i32,
}

/// `struct shminfo64` (IPC_INFO).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct ShmInfo64 {
    pub shmmax: u64,
    pub shmmin: u64,
    pub shmmni: u64,
    pub shmseg: u64,
    pub shmall: u64,
    pub unused: [u64; 4],
}

/// `struct shm_info` (SHM_INFO).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct ShmUsage {
    pub used_ids: i32,
    pub pad: u32,
    pub shm_tot: u64,
    pub shm_rss: u64,
    pub shm_swp: u64,
    pub swap_attempts: u64,
    pub swap_successes: u64,
}

/// `struct sembuf`: one operation of semop(2).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct SemBuf {
    pub num: u16,
    pub op: i16,
    pub flg: i16,
}

const _: () = assert!(core::mem::size_of::<IpcPerm64>() == 48);
const _: () = assert!(core::mem::size_of::<MsqidDs>() == 120);
const _: () = assert!(core::mem::size_of::<SemidDs>() == 104);
const _: () = assert!(core::mem::size_of::<ShmidDs>() == 112);
const _: () = assert!(core::mem::size_of::<MsgInfo>() == 32);
const _: () = assert!(core::mem::size_of::<SemInfo>() == 40);
const _: () = assert!(core::mem::size_of::<ShmInfo64>() == 72);
const _: () = assert!(core::mem::size_of::<ShmUsage>() == 48);
const _: () = assert!(core::mem::size_of::<SemBuf>() == 6);
