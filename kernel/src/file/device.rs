//! Character devices the kernel implements: /dev/null, zero, full, random,
//! urandom (Linux's `mem` driver, major 1) and the console (tty, console,
//! ttyS0). Opening another device number is ENXIO, as for a device without
//! a driver.

use super::console::Console;
use super::FileKind;
use crate::errno::Errno;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Null,
    Zero,
    Full,
    Random,
}

/// The file kind for character device (major, minor).
pub fn open_char(major: u32, minor: u32) -> Result<FileKind, Errno> {
    Ok(match (major, minor) {
        (1, 3) => FileKind::Device(Device::Null),
        (1, 5) => FileKind::Device(Device::Zero),
        (1, 7) => FileKind::Device(Device::Full),
        (1, 8) | (1, 9) => FileKind::Device(Device::Random),
        (5, 0) | (5, 1) | (4, 64) => FileKind::Console(Console),
        _ => return Err(Errno::ENXIO),
    })
}

impl Device {
    /// Whether Linux's driver has a poll method (random and urandom do;
    /// null, zero and full don't).
    pub fn has_poll(&self) -> bool {
        matches!(self, Device::Random)
    }

    pub fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
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

    pub fn write(&self, data: &[u8]) -> Result<usize, Errno> {
        match self {
            Device::Full => Err(Errno::ENOSPC),
            _ => Ok(data.len()),
        }
    }

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
