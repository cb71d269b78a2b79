//! Unix98 pseudo-terminals (Linux's `drivers/tty/pty.c` with devpts):
//! opening /dev/ptmx (5:2) makes a pair and its node /dev/pts/N (136:N) in
//! the kernel's devpts instance ([`devpts`]).
//!
//! The slave is a tty with the console's line discipline
//! ([`super::tty::Tty`]): what the master writes is the slave's input
//! (canonical editing, echo, ISIG signals to the slave's foreground
//! group); what the slave writes, after output processing, is what the
//! master reads. Both ends wait on the slave tty's one queue.
//!
//! As Linux:
//! - a new pair is locked: opening the slave (or TIOCGPTPEER) is EIO until
//!   TIOCSPTLCK unlocks it; TIOCGPTN names it; the index is the lowest free
//!   one and is reused once both ends are closed;
//! - termios and window size ioctls on the master act on the slave;
//!   TIOCSWINSZ sends SIGWINCH to the slave's foreground group;
//! - a master read takes what the slave wrote; once every slave descriptor
//!   is closed and nothing is left it is EIO and poll adds POLLHUP (a
//!   master whose slave was never opened just waits);
//! - closing the master hangs the slave up: its node goes, the session
//!   leader of its session gets SIGHUP and SIGCONT, and slave descriptors
//!   read 0, write and ioctl EIO, poll everything;
//! - TIOCVHANGUP (CAP_SYS_ADMIN) on the slave hangs up the slave
//!   descriptions open then (new opens work) and signals the session
//!   leader; on the master it hangs up that master description only;
//! - opening a slave without O_NOCTTY makes it the controlling terminal of
//!   a session leader that has none; /dev/tty opens the controlling pty.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use executor::WaitQueue;
use fs::devpts::{Devpts, DevptsOptions, PTS_MAJOR};
use fs::inode::{makedev, Metadata, StatFs};

use super::io::Io;
use super::ops::{pseudo_metadata, FileOps};
use super::readiness::{bits, IN, OUT, POLLERR, POLLHUP};
use super::tty::{Output, Termios, Tty, OUTPUT_MAX, TTY};
use super::File;
use crate::errno::{Errno, SysResult};
use crate::proc::{Process, Thread};
use crate::uaccess;

const TIOCGPTN: u64 = 0x8004_5430;
const TIOCSPTLCK: u64 = 0x4004_5431;
const TIOCGPTLCK: u64 = 0x8004_5439;
const TIOCGPTPEER: u64 = 0x5441;
const FIONREAD: u64 = 0x541b;
const O_NOCTTY: u32 = 0o400;
/// Unread slave input a master may queue (bounds kernel memory; Linux's
/// N_TTY keeps 4 KiB and throttles the pty behind it).
const INPUT_MAX: usize = 65_536;

/// One pty pair.
pub struct Pty {
    pub index: u32,
    /// The slave's tty; its output is what the master reads.
    pub tty: Tty,
    locked: AtomicBool,
    /// Open slave descriptions.
    slaves: AtomicU32,
    /// Every slave description closed since one was opened (Linux's
    /// TTY_OTHER_CLOSED on the master).
    slave_closed: AtomicBool,
    /// The master is closed: the slave is hung up.
    hung_up: AtomicBool,
    /// Bumped by TIOCVHANGUP on the slave: slave descriptions opened
    /// before are hung up.
    generation: AtomicU32,
}

/// Live pairs by index (a pair leaves when both ends are closed).
static PTYS: spin::Mutex<BTreeMap<u32, Weak<Pty>>> = spin::Mutex::new(BTreeMap::new());
static DEVPTS: spin::Once<Devpts> = spin::Once::new();

/// The kernel's devpts instance (what a devpts mount shows).
pub fn devpts() -> &'static Devpts {
    DEVPTS.call_once(|| Devpts::new(Arc::new(super::vfs::Realtime), DevptsOptions::default()))
}

impl Drop for Pty {
    fn drop(&mut self) {
        let mut t = PTYS.lock();
        if t.get(&self.index).is_some_and(|w| w.strong_count() == 0) {
            t.remove(&self.index);
        }
    }
}

/// The pty whose slave is `p`'s controlling terminal.
pub fn controlling(p: &Process) -> Option<Arc<Pty>> {
    let all: alloc::vec::Vec<Arc<Pty>> = PTYS.lock().values().filter_map(Weak::upgrade).collect();
    all.into_iter().find(|pty| pty.tty.is_controlling(p))
}

/// Whether `p`'s session has a controlling terminal (the console or a pty).
pub fn has_controlling_tty(p: &Process) -> bool {
    TTY.is_controlling(p) || controlling(p).is_some()
}

/// Opens character device (`major`, `minor`) if it is a pty's: /dev/ptmx,
/// /dev/pts/N, or /dev/tty when the controlling terminal is a pty. None
/// for every other device.
pub fn open(major: u32, minor: u32, t: &Thread, flags: u32) -> Result<Option<Box<dyn FileOps>>, Errno> {
    match (major, minor) {
        (5, 2) => Ok(Some(Box::new(new_master(t)?))),
        (PTS_MAJOR, n) => {
            let pty = PTYS.lock().get(&n).and_then(Weak::upgrade).ok_or(Errno::EIO)?;
            if pty.locked.load(Ordering::Acquire) {
                return Err(Errno::EIO);
            }
            Ok(Some(Box::new(Slave::open(pty, t, flags)?)))
        }
        (5, 0) if !TTY.is_controlling(&t.process) => match controlling(&t.process) {
            Some(pty) => Ok(Some(Box::new(Slave::open(pty, t, flags | O_NOCTTY)?))),
            None => Err(Errno::ENXIO),
        },
        _ => Ok(None),
    }
}

fn new_master(t: &Thread) -> Result<Master, Errno> {
    let (uid, gid) = {
        let c = t.creds.lock();
        (c.fsuid, c.fsgid)
    };
    let pty = {
        let mut table = PTYS.lock();
        table.retain(|_, w| w.strong_count() > 0);
        let index = (0..).find(|i| !table.contains_key(i)).unwrap_or(u32::MAX);
        if index >= devpts().max() {
            return Err(Errno::ENOSPC);
        }
        let pty = Arc::new(Pty {
            index,
            tty: Tty::new(Termios::pty_slave(), Output::Buffer(spin::Mutex::new(alloc::collections::VecDeque::new()))),
            locked: AtomicBool::new(true),
            slaves: AtomicU32::new(0),
            slave_closed: AtomicBool::new(false),
            hung_up: AtomicBool::new(false),
            generation: AtomicU32::new(0),
        });
        table.insert(index, Arc::downgrade(&pty));
        pty
    };
    devpts().add(pty.index, uid, gid);
    Ok(Master { pty, vhung: AtomicBool::new(false) })
}

/// The master end.
pub struct Master {
    pty: Arc<Pty>,
    /// TIOCVHANGUP on this description: reads 0, writes EIO (the slave
    /// is not affected, as Linux).
    vhung: AtomicBool,
}

/// A slave end.
pub struct Slave {
    pty: Arc<Pty>,
    /// The pair's generation when opened.
    generation: u32,
}

impl Slave {
    fn open(pty: Arc<Pty>, t: &Thread, flags: u32) -> Result<Slave, Errno> {
        if pty.hung_up.load(Ordering::Acquire) {
            return Err(Errno::EIO);
        }
        pty.slaves.fetch_add(1, Ordering::AcqRel);
        pty.slave_closed.store(false, Ordering::Release);
        // A session leader without a terminal takes this one (tty_open).
        let p = &t.process;
        if flags & O_NOCTTY == 0 && p.sid() == p.pid && !has_controlling_tty(p) && pty.tty.session.load(Ordering::Relaxed) == 0 {
            pty.tty.session.store(p.sid(), Ordering::Relaxed);
            pty.tty.fg_pgrp.store(p.pgid(), Ordering::Relaxed);
        }
        pty.tty.readable.wake_all();
        let generation = pty.generation.load(Ordering::Acquire);
        Ok(Slave { pty, generation })
    }

    /// Hung up: the master closed, or TIOCVHANGUP since this was opened.
    fn hung_up(&self) -> bool {
        self.pty.hung_up.load(Ordering::Acquire) || self.pty.generation.load(Ordering::Acquire) != self.generation
    }
}

const TIOCVHANGUP: u64 = 0x5437;
const CAP_SYS_ADMIN: u32 = 21;

/// What fstat shows for an end opened without a node (TIOCGPTPEER).
fn node_metadata(index: Option<u32>) -> Metadata {
    let name = index.map_or(alloc::string::String::from("ptmx"), |i| alloc::format!("{i}"));
    match devpts().root().lookup(name.as_bytes()) {
        Ok(node) => node.metadata(),
        Err(_) => pseudo_metadata(0o020600, index.map_or(makedev(5, 2), |i| makedev(PTS_MAJOR, i)), 0),
    }
}

fn statfs() -> Result<StatFs, Errno> {
    Ok(devpts().root().statfs()?)
}

impl FileOps for Master {
    fn read(&self, _file: &File, _io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.is_empty() || self.vhung.load(Ordering::Acquire) {
            return Ok(0);
        }
        let n = self.pty.tty.take_output(buf);
        if n > 0 {
            return Ok(n);
        }
        if self.pty.slave_closed.load(Ordering::Acquire) {
            return Err(Errno::EIO);
        }
        Err(Errno::EAGAIN)
    }

    fn write(&self, _file: &File, io: &mut Io<'_>, data: &[u8]) -> Result<usize, Errno> {
        if self.vhung.load(Ordering::Acquire) {
            return Err(Errno::EIO);
        }
        // The slave's unread input is bounded: a master write past it waits
        // for the slave to read.
        let room = INPUT_MAX.saturating_sub(self.pty.tty.input_held());
        if room == 0 {
            return Err(Errno::EAGAIN);
        }
        let rest = &data[io.done..];
        let n = rest.len().min(room);
        self.pty.tty.receive(&rest[..n]);
        io.done += n;
        if io.done < data.len() {
            return Err(Errno::EAGAIN);
        }
        Ok(data.len())
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.pty.tty.readable)
    }

    fn poll(&self, _t: &Thread) -> u16 {
        if self.vhung.load(Ordering::Acquire) {
            return IN | OUT | POLLERR | POLLHUP;
        }
        let closed = self.pty.slave_closed.load(Ordering::Acquire);
        let tty = &self.pty.tty;
        bits(tty.output_len() > 0, IN) | bits(tty.input_held() < INPUT_MAX, OUT) | bits(closed, POLLHUP)
    }

    fn has_fasync(&self) -> bool {
        true
    }

    fn ioctl(&self, file: &File, t: &Arc<Thread>, request: u64, arg: u64) -> SysResult {
        if self.vhung.load(Ordering::Acquire) {
            return Err(Errno::EIO);
        }
        let mm = t.process.mm().ok_or(Errno::EFAULT)?;
        let pty = &self.pty;
        match request {
            TIOCVHANGUP => {
                if !t.creds.lock().capable(CAP_SYS_ADMIN) {
                    return Err(Errno::EPERM);
                }
                self.vhung.store(true, Ordering::Release);
                pty.tty.readable.wake_all();
                Ok(0)
            }
            TIOCGPTN => {
                uaccess::write_u32(&mm, arg, pty.index)?;
                Ok(0)
            }
            TIOCSPTLCK => {
                let lock = uaccess::read_u32(&mm, arg)?;
                pty.locked.store(lock != 0, Ordering::Release);
                Ok(0)
            }
            TIOCGPTLCK => {
                uaccess::write_u32(&mm, arg, pty.locked.load(Ordering::Acquire) as u32)?;
                Ok(0)
            }
            TIOCGPTPEER => open_peer(file, pty, t, arg as u32),
            FIONREAD => super::ops::reply_int(t, arg, pty.tty.output_len() as i32),
            // termios, window size and the rest act on the slave.
            _ => super::tty_ioctl::ioctl(&pty.tty, t, request, arg),
        }
    }

    fn stat(&self) -> Metadata {
        node_metadata(None)
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        statfs()
    }

    /// The slave hangs up; its node goes.
    fn release(&self, _file: &File) {
        let pty = &self.pty;
        pty.hung_up.store(true, Ordering::Release);
        devpts().remove(pty.index);
        super::tty_ioctl::hangup(&pty.tty);
        pty.tty.readable.wake_all();
    }
}

/// TIOCGPTPEER: a new descriptor of the slave, opened with `flags` (the
/// access mode, O_NOCTTY, O_NONBLOCK, O_APPEND, O_CLOEXEC count; Linux
/// ignores the rest).
fn open_peer(_master: &File, pty: &Arc<Pty>, t: &Arc<Thread>, flags: u32) -> SysResult {
    if pty.locked.load(Ordering::Acquire) {
        return Err(Errno::EIO);
    }
    let slave = Slave::open(pty.clone(), t, flags)?;
    let file = Arc::new(File::new(slave, flags & (0o3 | super::O_NONBLOCK | super::O_APPEND)));
    let limit = t.process.limits.lock().0[crate::proc::limits::RLIMIT_NOFILE].0.min(1 << 20) as usize;
    Ok(t.process.files().lock().install(file, flags & super::O_CLOEXEC != 0, limit)? as u64)
}

impl FileOps for Slave {
    fn read(&self, _file: &File, io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        let tty = &self.pty.tty;
        if self.hung_up() || buf.is_empty() {
            return Ok(0);
        }
        if !io.retry {
            tty.background_read_check(io.thread)?;
        }
        let n = tty.try_read(buf).ok_or(Errno::EAGAIN)?;
        if n > 0 {
            // A master waiting for room may go on.
            tty.readable.wake_all();
        }
        Ok(n)
    }

    fn write(&self, _file: &File, io: &mut Io<'_>, data: &[u8]) -> Result<usize, Errno> {
        if self.hung_up() {
            return Err(Errno::EIO);
        }
        let tty = &self.pty.tty;
        let room = OUTPUT_MAX.saturating_sub(tty.output_len());
        if room == 0 {
            return Err(Errno::EAGAIN);
        }
        let rest = &data[io.done..];
        let n = rest.len().min(room);
        tty.write(&rest[..n]);
        io.done += n;
        if io.done < data.len() {
            return Err(Errno::EAGAIN);
        }
        Ok(data.len())
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.pty.tty.readable)
    }

    fn poll(&self, _t: &Thread) -> u16 {
        if self.hung_up() {
            return IN | OUT | POLLERR | POLLHUP;
        }
        let tty = &self.pty.tty;
        bits(tty.readable(), IN) | bits(tty.output_len() < OUTPUT_MAX, OUT)
    }

    fn has_fasync(&self) -> bool {
        true
    }

    fn ioctl(&self, _file: &File, t: &Arc<Thread>, request: u64, arg: u64) -> SysResult {
        if self.hung_up() {
            return Err(Errno::EIO);
        }
        if matches!(request, TIOCGPTN | TIOCSPTLCK | TIOCGPTLCK | TIOCGPTPEER) {
            return Err(Errno::ENOTTY);
        }
        if request == TIOCVHANGUP {
            // Every slave description open now is hung up; new opens work.
            if !t.creds.lock().capable(CAP_SYS_ADMIN) {
                return Err(Errno::EPERM);
            }
            let pty = &self.pty;
            pty.generation.fetch_add(1, Ordering::AcqRel);
            pty.slaves.store(0, Ordering::Release);
            super::tty_ioctl::hangup(&pty.tty);
            pty.tty.readable.wake_all();
            return Ok(0);
        }
        super::tty_ioctl::ioctl(&self.pty.tty, t, request, arg)
    }

    fn stat(&self) -> Metadata {
        node_metadata(Some(self.pty.index))
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        statfs()
    }

    fn release(&self, _file: &File) {
        // A description a vhangup already counted out does not count.
        let current = self.pty.generation.load(Ordering::Acquire) == self.generation;
        if current && self.pty.slaves.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.pty.slave_closed.store(true, Ordering::Release);
        }
        self.pty.tty.readable.wake_all();
    }
}
