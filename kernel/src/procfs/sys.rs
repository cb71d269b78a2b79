//! /proc/sys: the sysctls systemd and friends read, with Linux's values
//! and rules. Read-only entries are mode 0444; tunables are 0644 and
//! writable by root only (the mode bits enforce it), parsed as Linux's
//! proc_dointvec_minmax: one decimal integer with optional surrounding
//! whitespace, EINVAL outside the allowed range. `kernel/random/boot_id`
//! is fixed at the first read; `kernel/random/uuid` is fresh on each.
//! hostname and domainname are the opener's UTS namespace's (uname(2)'s);
//! the SysV IPC limits its IPC namespace's ([`super::sysvipc`]).

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicI64, Ordering};

use fs::inode::FileType;
use fs::synthetic::{Node, Opener, TableDir, TableEntry};

use super::bytes;
use super::sysvipc::{self, Limit};
use super::pid_misc::parse_int;
use crate::syscall::uname;

/// An integer sysctl with its bounds.
pub struct IntKnob {
    pub value: AtomicI64,
    pub min: i64,
    pub max: i64,
}

impl IntKnob {
    pub const fn new(value: i64, min: i64, max: i64) -> Self {
        Self { value: AtomicI64::new(value), min, max }
    }
    pub fn get(&self) -> i64 {
        self.value.load(Ordering::Relaxed)
    }
}

pub static KPTR_RESTRICT: IntKnob = IntKnob::new(0, 0, 2);
pub static DMESG_RESTRICT: IntKnob = IntKnob::new(0, 0, 1);
pub static PID_MAX: IntKnob = IntKnob::new(4_194_304, 301, 4_194_304);
/// kernel.threads-max: -1 until [`init_defaults`] or [`threads_max`] sets
/// Linux's default from RAM.
pub static THREADS_MAX: IntKnob = IntKnob::new(-1, 20, 0x3fff_ffff);

/// The current kernel.threads-max (fork's limit on all tasks).
pub fn threads_max() -> i64 {
    let v = THREADS_MAX.get();
    if v >= 0 {
        return v;
    }
    let d = crate::proc::task_count::default_threads_max();
    let _ = THREADS_MAX.value.compare_exchange(-1, d, Ordering::Relaxed, Ordering::Relaxed);
    THREADS_MAX.get()
}
/// fs.file-max: -1 until the first procfs instance sets Linux's default
/// ([`init_defaults`]).
pub static FILE_MAX: IntKnob = IntKnob::new(-1, 0, i64::MAX);

/// Sets the defaults that depend on the machine: fs.file-max is a tenth
/// of memory in KiB, at least NR_FILE (8192), as Linux's
/// files_maxfiles_init.
pub fn init_defaults() {
    let kib = platform::mem::frame::total_bytes() / 1024;
    let n = (kib / 10).max(8192) as i64;
    let _ = FILE_MAX.value.compare_exchange(-1, n, Ordering::Relaxed, Ordering::Relaxed);
    threads_max();
}
pub static NR_OPEN: IntKnob = IntKnob::new(1_048_576, 1024, 1_073_741_816);
pub static OVERCOMMIT_MEMORY: IntKnob = IntKnob::new(0, 0, 2);
pub static MAX_MAP_COUNT: IntKnob = IntKnob::new(65_530, 0, i32::MAX as i64);
pub static MAX_DGRAM_QLEN: IntKnob = IntKnob::new(512, i32::MIN as i64, i32::MAX as i64);
pub static INOTIFY_MAX_WATCHES: IntKnob = IntKnob::new(8192, 1, i32::MAX as i64);
pub static INOTIFY_MAX_INSTANCES: IntKnob = IntKnob::new(128, 1, i32::MAX as i64);
pub static INOTIFY_MAX_EVENTS: IntKnob = IntKnob::new(16_384, 1, i32::MAX as i64);

struct Knob(&'static IntKnob);

impl Node for Knob {
    fn file_type(&self) -> FileType {
        FileType::Regular
    }
    fn perm(&self) -> u32 {
        0o644
    }
    fn produce(&self, _who: &Opener) -> fs::Result<Vec<u8>> {
        bytes(format!("{}\n", self.0.get()))
    }
    fn store(&self, _who: &Opener, _offset: u64, data: &[u8]) -> fs::Result<usize> {
        let v = parse_int(data)?;
        if v < self.0.min || v > self.0.max {
            return Err(fs::Errno::EINVAL);
        }
        self.0.value.store(v, Ordering::Relaxed);
        Ok(data.len())
    }
}

fn knob(k: &'static IntKnob) -> Arc<dyn Node> {
    Arc::new(Knob(k))
}

/// A constant text.
fn text(s: &'static str) -> Arc<dyn Node> {
    struct Fixed(&'static str);
    impl Node for Fixed {
        fn file_type(&self) -> FileType {
            FileType::Regular
        }
        fn perm(&self) -> u32 {
            0o444
        }
        fn open(&self, _who: &Opener, flags: u32) -> fs::Result<()> {
            deny_write(flags)
        }
        fn produce(&self, _who: &Opener) -> fs::Result<Vec<u8>> {
            Ok(self.0.as_bytes().to_vec())
        }
    }
    Arc::new(Fixed(s))
}

/// A sysctl without write permission cannot be opened for writing, even
/// by root (Linux's proc_sys_permission).
fn deny_write(flags: u32) -> fs::Result<()> {
    if flags & 3 != 0 {
        return Err(fs::Errno::EACCES);
    }
    Ok(())
}

/// A read-only sysctl whose text `show` produces.
fn ro(show: fn(&Opener) -> fs::Result<Vec<u8>>) -> Arc<dyn Node> {
    struct Ro(fn(&Opener) -> fs::Result<Vec<u8>>);
    impl Node for Ro {
        fn file_type(&self) -> FileType {
            FileType::Regular
        }
        fn perm(&self) -> u32 {
            0o444
        }
        fn open(&self, _who: &Opener, flags: u32) -> fs::Result<()> {
            deny_write(flags)
        }
        fn produce(&self, who: &Opener) -> fs::Result<Vec<u8>> {
            (self.0)(who)
        }
    }
    Arc::new(Ro(show))
}

/// A string sysctl (root-writable); `check` accepts a new value.
struct StrKnob {
    value: &'static spin::Mutex<String>,
    check: fn(&str) -> bool,
}

impl Node for StrKnob {
    fn file_type(&self) -> FileType {
        FileType::Regular
    }
    fn perm(&self) -> u32 {
        0o644
    }
    fn produce(&self, _who: &Opener) -> fs::Result<Vec<u8>> {
        bytes(format!("{}\n", self.value.lock()))
    }
    fn store(&self, _who: &Opener, _offset: u64, data: &[u8]) -> fs::Result<usize> {
        let s = core::str::from_utf8(data).map_err(|_| fs::Errno::EINVAL)?;
        let s = s.strip_suffix('\n').unwrap_or(s);
        if !(self.check)(s) {
            return Err(fs::Errno::EINVAL);
        }
        *self.value.lock() = String::from(s);
        Ok(data.len())
    }
}

static CORE_PATTERN: spin::Mutex<String> = spin::Mutex::new(String::new());
static PRINTK_DEVKMSG: spin::Mutex<String> = spin::Mutex::new(String::new());

fn core_pattern() -> Arc<dyn Node> {
    {
        let mut c = CORE_PATTERN.lock();
        if c.is_empty() {
            c.push_str("core");
        }
    }
    Arc::new(StrKnob { value: &CORE_PATTERN, check: |s| s.len() < 128 })
}

fn printk_devkmsg() -> Arc<dyn Node> {
    {
        let mut c = PRINTK_DEVKMSG.lock();
        if c.is_empty() {
            c.push_str("on");
        }
    }
    Arc::new(StrKnob { value: &PRINTK_DEVKMSG, check: |s| matches!(s, "on" | "off" | "ratelimit") })
}

/// A UUID in Linux's text form from 16 random bytes (version 4).
fn uuid(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}\n", h[0..4].concat(), h[4..6].concat(), h[6..8].concat(), h[8..10].concat(), h[10..16].concat())
}

static BOOT_ID: spin::Once<String> = spin::Once::new();

fn boot_id(_who: &Opener) -> fs::Result<Vec<u8>> {
    let id = BOOT_ID.call_once(|| {
        let mut b = [0u8; 16];
        crate::random::fill(&mut b);
        uuid(b)
    });
    Ok(id.as_bytes().to_vec())
}

fn fresh_uuid(_who: &Opener) -> fs::Result<Vec<u8>> {
    let mut b = [0u8; 16];
    crate::random::fill(&mut b);
    Ok(uuid(b).into_bytes())
}

/// The UTS namespace of whoever opened the file.
fn uts_of(who: &Opener) -> fs::Result<Arc<crate::ns::uts::UtsNs>> {
    let p = crate::proc::pid::find(who.caller.pid).ok_or(fs::Errno::ESRCH)?;
    Ok(p.uts())
}

/// A name as proc_dostring takes it: up to the first newline or NUL, at
/// most 64 bytes (the rest is dropped).
fn name_of(data: &[u8]) -> &[u8] {
    let end = data.iter().position(|&b| b == b'\n' || b == 0).unwrap_or(data.len());
    &data[..end.min(crate::ns::uts::MAX_NAME)]
}

fn hostname(_: &(), who: &Opener) -> fs::Result<Vec<u8>> {
    let mut v = uts_of(who)?.hostname();
    v.push(b'\n');
    Ok(v)
}

fn set_hostname(_: &(), who: &Opener, data: &[u8]) -> fs::Result<usize> {
    uts_of(who)?.set_hostname(name_of(data));
    Ok(data.len())
}

fn domainname(_: &(), who: &Opener) -> fs::Result<Vec<u8>> {
    let mut v = uts_of(who)?.domainname();
    v.push(b'\n');
    Ok(v)
}

fn set_domainname(_: &(), who: &Opener, data: &[u8]) -> fs::Result<usize> {
    uts_of(who)?.set_domainname(name_of(data));
    Ok(data.len())
}

/// hostname or domainname: a text file whose open files poll
/// POLLERR|POLLPRI once a name changed since the open or the last poll
/// (Linux's proc_sys_poll with hostname_poll).
fn uts_name(show: fn(&(), &Opener) -> fs::Result<Vec<u8>>, store: fn(&(), &Opener, &[u8]) -> fs::Result<usize>) -> Arc<dyn Node> {
    use crate::file::events::{Watch, Watched};
    use executor::WaitQueue;
    struct Names;
    impl Watch for Names {
        fn count(&self) -> u64 {
            crate::ns::uts::NAME_CHANGES.load(core::sync::atomic::Ordering::Acquire)
        }
        fn queue(&self) -> &WaitQueue {
            &crate::ns::uts::NAME_QUEUE
        }
    }
    struct UtsName {
        show: fn(&(), &Opener) -> fs::Result<Vec<u8>>,
        store: fn(&(), &Opener, &[u8]) -> fs::Result<usize>,
    }
    impl Node for UtsName {
        fn file_type(&self) -> FileType {
            FileType::Regular
        }
        fn perm(&self) -> u32 {
            0o644
        }
        fn produce(&self, who: &Opener) -> fs::Result<Vec<u8>> {
            (self.show)(&(), who)
        }
        fn store(&self, who: &Opener, _offset: u64, data: &[u8]) -> fs::Result<usize> {
            (self.store)(&(), who, data)
        }
        fn events(&self) -> Option<Arc<dyn fs::inode::EventSource>> {
            Some(Arc::new(Watched(Arc::new(Names))))
        }
    }
    Arc::new(UtsName { show, store })
}

fn file_nr(_who: &Opener) -> fs::Result<Vec<u8>> {
    let open: usize = crate::proc::pid::all().iter().map(|p| p.files().lock().open_fds().len()).sum();
    bytes(format!("{open}\t0\t9223372036854775807\n"))
}

static RANDOM: &[TableEntry<()>] = &[
    TableEntry::file("boot_id", |_| ro(boot_id)),
    TableEntry::file("uuid", |_| ro(fresh_uuid)),
    TableEntry::file("entropy_avail", |_| text("256\n")),
    TableEntry::file("poolsize", |_| text("256\n")),
];

static KERNEL: &[TableEntry<()>] = &[
    TableEntry::file("osrelease", |_| text(uname::RELEASE_NL)),
    TableEntry::file("ostype", |_| text("Linux\n")),
    TableEntry::file("version", |_| text(uname::VERSION_NL)),
    TableEntry::file("hostname", |_| uts_name(hostname, set_hostname)),
    TableEntry::file("domainname", |_| uts_name(domainname, set_domainname)),
    TableEntry::dir("random", |_| TableDir::node((), 0o555, RANDOM)),
    TableEntry::file("pid_max", |_| knob(&PID_MAX)),
    TableEntry::file("threads-max", |_| knob(&THREADS_MAX)),
    TableEntry::file("cap_last_cap", |_| text("40\n")),
    TableEntry::file("overflowuid", |_| text("65534\n")),
    TableEntry::file("overflowgid", |_| text("65534\n")),
    TableEntry::file("ngroups_max", |_| text("65536\n")),
    TableEntry::file("printk", |_| text("4\t4\t1\t7\n")),
    TableEntry::file("printk_devkmsg", |_| printk_devkmsg()),
    TableEntry::file("core_pattern", |_| core_pattern()),
    TableEntry::file("kptr_restrict", |_| knob(&KPTR_RESTRICT)),
    TableEntry::file("dmesg_restrict", |_| knob(&DMESG_RESTRICT)),
    TableEntry::file("msgmax", |_| sysvipc::limit(Limit::MsgMax)),
    TableEntry::file("msgmnb", |_| sysvipc::limit(Limit::MsgMnb)),
    TableEntry::file("msgmni", |_| sysvipc::limit(Limit::MsgMni)),
    TableEntry::file("sem", |_| sysvipc::limit(Limit::Sem)),
    TableEntry::file("shmall", |_| sysvipc::limit(Limit::ShmAll)),
    TableEntry::file("shmmax", |_| sysvipc::limit(Limit::ShmMax)),
    TableEntry::file("shmmni", |_| sysvipc::limit(Limit::ShmMni)),
];

static INOTIFY: &[TableEntry<()>] = &[
    TableEntry::file("max_queued_events", |_| knob(&INOTIFY_MAX_EVENTS)),
    TableEntry::file("max_user_instances", |_| knob(&INOTIFY_MAX_INSTANCES)),
    TableEntry::file("max_user_watches", |_| knob(&INOTIFY_MAX_WATCHES)),
];

static MQUEUE: &[TableEntry<()>] = &[
    TableEntry::file("msg_default", |_| sysvipc::limit(Limit::MqMsgDefault)),
    TableEntry::file("msg_max", |_| sysvipc::limit(Limit::MqMsgMax)),
    TableEntry::file("msgsize_default", |_| sysvipc::limit(Limit::MqMsgsizeDefault)),
    TableEntry::file("msgsize_max", |_| sysvipc::limit(Limit::MqMsgsizeMax)),
    TableEntry::file("queues_max", |_| sysvipc::limit(Limit::MqQueuesMax)),
];

static FS: &[TableEntry<()>] = &[
    TableEntry::dir("mqueue", |_| TableDir::node((), 0o555, MQUEUE)),
    TableEntry::file("file-max", |_| knob(&FILE_MAX)),
    TableEntry::file("file-nr", |_| ro(file_nr)),
    TableEntry::file("nr_open", |_| knob(&NR_OPEN)),
    TableEntry::dir("inotify", |_| TableDir::node((), 0o555, INOTIFY)),
];

static VM: &[TableEntry<()>] = &[
    TableEntry::file("overcommit_memory", |_| knob(&OVERCOMMIT_MEMORY)),
    TableEntry::file("max_map_count", |_| knob(&MAX_MAP_COUNT)),
];

static UNIX: &[TableEntry<()>] = &[TableEntry::file("max_dgram_qlen", |_| knob(&MAX_DGRAM_QLEN))];

static NET: &[TableEntry<()>] = &[TableEntry::dir("unix", |_| TableDir::node((), 0o555, UNIX))];

/// /proc/sys.
pub static SYS: &[TableEntry<()>] = &[
    TableEntry::dir("fs", |_| TableDir::node((), 0o555, FS)),
    TableEntry::dir("kernel", |_| TableDir::node((), 0o555, KERNEL)),
    TableEntry::dir("net", |_| TableDir::node((), 0o555, NET)),
    TableEntry::dir("vm", |_| TableDir::node((), 0o555, VM)),
];
