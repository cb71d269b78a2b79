//! The serial console as a file (/dev/console, /dev/tty, /dev/ttyS0):
//! reads and writes go through the console's tty ([`super::tty`]): line
//! discipline, echo, signals, termios; its ioctls are
//! [`super::tty_ioctl`].
//!
//! As Linux's tty: a read returns a line (canonical mode) or what is there
//! (raw mode) and waits while there is nothing; a read by a background
//! process of the terminal's session gets SIGTTIN; positions are ESPIPE;
//! fstat without a node reports /dev/ttyS0 (4, 64); O_ASYNC can be set.

use executor::WaitQueue;
use fs::inode::{makedev, Metadata, StatFs};

use super::io::Io;
use super::ops::{pseudo_metadata, pseudo_statfs, FileOps, TMPFS_MAGIC};
use super::readiness::{bits, IN, OUT};
use super::tty::TTY;
use super::File;
use crate::errno::{Errno, SysResult};
use crate::proc::Thread;

pub struct Console;

/// Called from the serial interrupt: the tty task does the rest.
fn input_arrived() {
    super::tty::INPUT.notify_one();
}

/// Routes serial input to the tty and starts its task.
pub fn init() {
    platform::serial::set_input_hook(input_arrived);
    drop(crate::sched::spawn_on(0, super::tty::run()));
}

impl FileOps for Console {
    fn read(&self, _file: &File, io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        if !io.retry {
            TTY.background_read_check(io.thread)?;
        }
        TTY.try_read(buf).ok_or(Errno::EAGAIN)
    }

    fn write(&self, _file: &File, _io: &mut Io<'_>, data: &[u8]) -> Result<usize, Errno> {
        Ok(TTY.write(data))
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&TTY.readable)
    }

    fn poll(&self, _t: &Thread) -> u16 {
        bits(TTY.readable(), IN) | OUT
    }

    fn has_fasync(&self) -> bool {
        true
    }

    fn ioctl(&self, _file: &File, t: &alloc::sync::Arc<Thread>, request: u64, arg: u64) -> SysResult {
        super::tty_ioctl::ioctl(&TTY, t, request, arg)
    }

    fn stat(&self) -> Metadata {
        pseudo_metadata(0o020620, makedev(4, 64), 64)
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        Ok(pseudo_statfs(TMPFS_MAGIC))
    }
}
