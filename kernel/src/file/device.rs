//! Character devices the kernel implements: /dev/null, zero, full, random,
//! urandom (Linux's `mem` driver, major 1); kmsg (1:11) opens
//! [`super::kmsg`]. The console's numbers (tty,
//! console, ttyS0) open [`super::console`]. Opening another device number
//! is ENXIO, as for a device without a driver.
//!
//! As Linux's drivers: reads fill the whole buffer (null reads nothing),
//! writes are swallowed (full says ENOSPC), lseek answers 0, pread and
//! pwrite are allowed; /dev/zero maps as anonymous memory. random and
//! urandom have a poll method (always ready) and fasync; null, zero and
//! full have neither.

use alloc::boxed::Box;

use executor::WaitQueue;
use fs::inode::{makedev, Metadata, StatFs};

use super::console::Console;
use super::io::Io;
use super::ops::{pseudo_metadata, pseudo_statfs, FileOps, MapRequest, TMPFS_MAGIC};
use super::File;
use crate::errno::Errno;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Null,
    Zero,
    Full,
    Random,
}

/// The queue of a file that is always ready and never changes (urandom).
static NEVER: WaitQueue = WaitQueue::new();

/// The open file for character device (major, minor).
pub fn open_char(major: u32, minor: u32) -> Result<Box<dyn FileOps>, Errno> {
    Ok(match (major, minor) {
        (1, 3) => Box::new(Device::Null),
        (1, 5) => Box::new(Device::Zero),
        (1, 7) => Box::new(Device::Full),
        (1, 8) | (1, 9) => Box::new(Device::Random),
        (1, 11) => Box::new(super::kmsg::Kmsg::open()),
        (5, 0) | (5, 1) | (4, 64) => Box::new(Console),
        _ => return Err(Errno::ENXIO),
    })
}

impl Device {
    /// st_rdev's (major, minor).
    pub fn number(&self) -> (u32, u32) {
        match self {
            Device::Null => (1, 3),
            Device::Zero => (1, 5),
            Device::Full => (1, 7),
            Device::Random => (1, 9),
        }
    }
}

impl FileOps for Device {
    fn read(&self, _file: &File, _io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        match self {
            Device::Null => Ok(0),
            Device::Zero | Device::Full => {
                buf.fill(0);
                Ok(buf.len())
            }
            Device::Random => {
                crate::random::fill(buf);
                Ok(buf.len())
            }
        }
    }

    fn write(&self, _file: &File, _io: &mut Io<'_>, data: &[u8]) -> Result<usize, Errno> {
        match self {
            Device::Full => Err(Errno::ENOSPC),
            _ => Ok(data.len()),
        }
    }

    /// zero and urandom always fill the buffer on Linux: a long read goes
    /// on to the end of the request.
    fn is_stream(&self) -> bool {
        false
    }

    fn positional(&self) -> bool {
        true
    }

    fn seek(&self, _file: &File, _off: i64, _whence: u64) -> Result<u64, Errno> {
        Ok(0)
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        (*self == Device::Random).then_some(&NEVER)
    }

    fn has_fasync(&self) -> bool {
        *self == Device::Random
    }

    fn stat(&self) -> Metadata {
        let (ma, mi) = self.number();
        pseudo_metadata(0o020666, makedev(ma, mi), (ma * 256 + mi) as u64)
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        Ok(pseudo_statfs(TMPFS_MAGIC))
    }

    fn mmap(&self, _file: &File, _req: &MapRequest) -> Result<crate::mm::vma::Kind, Errno> {
        match self {
            Device::Zero => Ok(crate::mm::vma::Kind::Anon),
            _ => Err(Errno::ENODEV),
        }
    }
}
