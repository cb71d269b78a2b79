//! File seals (fcntl F_ADD_SEALS / F_GET_SEALS), as Linux keeps them for
//! shmem inodes (`mm/memfd.c`, `shmem_write_begin`, `shmem_setattr`).
//!
//! Every tmpfs regular file has a seal set; a file not created by
//! memfd_create with MFD_ALLOW_SEALING starts with F_SEAL_SEAL, so no seal
//! can be added to it (EPERM). The rules:
//! - F_SEAL_SEAL: no further seal may be added (EPERM);
//! - F_SEAL_SHRINK / F_SEAL_GROW: a size change in that direction is EPERM
//!   (truncate, fallocate past the end, a write past the end: cut short
//!   as Linux's page-by-page write, see [`write_len`]);
//! - F_SEAL_WRITE: writes, hole punching and new writable shared mappings
//!   are EPERM; adding it while a shared mapping that may write exists is
//!   EBUSY;
//! - F_SEAL_FUTURE_WRITE: as F_SEAL_WRITE for new writes and mappings,
//!   but existing writable mappings keep working (no EBUSY);
//! - F_SEAL_EXEC: the exec bits of the mode cannot change.
//!
//! Adding seals the set already has is allowed and changes nothing; an
//! unknown bit is EINVAL.

use spin::Mutex;

use crate::errno::{Errno, Result};

pub const F_SEAL_SEAL: u32 = 0x01;
pub const F_SEAL_SHRINK: u32 = 0x02;
pub const F_SEAL_GROW: u32 = 0x04;
pub const F_SEAL_WRITE: u32 = 0x08;
pub const F_SEAL_FUTURE_WRITE: u32 = 0x10;
pub const F_SEAL_EXEC: u32 = 0x20;
/// Every seal Linux knows.
pub const ALL: u32 = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC;

/// The seal set of one inode.
pub struct Seals(Mutex<u32>);

impl Default for Seals {
    /// A file that cannot be sealed (F_SEAL_SEAL).
    fn default() -> Self {
        Seals(Mutex::new(F_SEAL_SEAL))
    }
}

impl Seals {
    pub fn get(&self) -> u32 {
        *self.0.lock()
    }

    /// memfd_create's initial set: `seals` replaces the default.
    pub fn init(&self, seals: u32) {
        *self.0.lock() = seals & ALL;
    }

    /// F_ADD_SEALS: `writably_mapped` says whether a shared mapping that
    /// may write exists (asked only when F_SEAL_WRITE is being added).
    /// The mappings are looked at without the seal lock held (it is a
    /// leaf lock; the caller's check takes address-space locks).
    pub fn add(&self, seals: u32, writably_mapped: &dyn Fn() -> bool) -> Result<()> {
        if seals & !ALL != 0 {
            return Err(Errno::EINVAL);
        }
        let now = self.get();
        if now & F_SEAL_SEAL != 0 {
            return Err(Errno::EPERM);
        }
        if seals & F_SEAL_WRITE != 0 && now & F_SEAL_WRITE == 0 && writably_mapped() {
            return Err(Errno::EBUSY);
        }
        let mut s = self.0.lock();
        // F_SEAL_SEAL may have come in meanwhile.
        if *s & F_SEAL_SEAL != 0 {
            return Err(Errno::EPERM);
        }
        *s |= seals;
        Ok(())
    }

    /// A write of `len` bytes at `off` into a file of `size` bytes: how
    /// many of them may be written ([`write_len`]).
    pub fn write_len(&self, off: u64, len: u64, size: u64) -> Result<u64> {
        write_len(self.get(), off, len, size)
    }

    /// A size change from `old` to `new` (truncate).
    pub fn check_resize(&self, old: u64, new: u64) -> Result<()> {
        let s = self.get();
        if (new < old && s & F_SEAL_SHRINK != 0) || (new > old && s & F_SEAL_GROW != 0) {
            return Err(Errno::EPERM);
        }
        Ok(())
    }

    /// A mode change from `old` to `new` (chmod): F_SEAL_EXEC freezes the
    /// exec bits.
    pub fn check_mode(&self, old: u32, new: u32) -> Result<()> {
        if self.get() & F_SEAL_EXEC != 0 && (old ^ new) & 0o111 != 0 {
            return Err(Errno::EPERM);
        }
        Ok(())
    }

    /// Whether a new shared mapping may write (mmap with MAP_SHARED).
    pub fn write_sealed(&self) -> bool {
        self.get() & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) != 0
    }
}

/// The write rule alone: nothing under F_SEAL_WRITE/FUTURE_WRITE (EPERM).
/// Under F_SEAL_GROW Linux writes page by page and refuses the first
/// piece that would end past `size`: the write is cut at the last page
/// boundary at or below `size` (EPERM if that leaves nothing), so a write
/// inside the last partial page that would extend the file is refused
/// whole.
pub fn write_len(seals: u32, off: u64, len: u64, size: u64) -> Result<u64> {
    if seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) != 0 {
        return Err(Errno::EPERM);
    }
    let end = off.saturating_add(len);
    if seals & F_SEAL_GROW == 0 || end <= size {
        return Ok(len);
    }
    let boundary = size & !(PAGE - 1);
    if boundary > off {
        Ok(boundary - off)
    } else {
        Err(Errno::EPERM)
    }
}

const PAGE: u64 = 4096;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_cannot_be_sealed() {
        let s = Seals::default();
        assert_eq!(s.get(), F_SEAL_SEAL);
        assert_eq!(s.add(F_SEAL_WRITE, &|| false), Err(Errno::EPERM));
    }

    #[test]
    fn add_and_seal() {
        let s = Seals::default();
        s.init(0);
        assert_eq!(s.add(0x40, &|| false), Err(Errno::EINVAL));
        s.add(F_SEAL_SHRINK, &|| false).unwrap();
        s.add(F_SEAL_SHRINK | F_SEAL_GROW, &|| false).unwrap();
        assert_eq!(s.get(), F_SEAL_SHRINK | F_SEAL_GROW);
        s.add(F_SEAL_SEAL, &|| false).unwrap();
        assert_eq!(s.add(F_SEAL_SHRINK, &|| false), Err(Errno::EPERM));
    }

    #[test]
    fn write_seal_busy_while_mapped() {
        let s = Seals::default();
        s.init(0);
        assert_eq!(s.add(F_SEAL_WRITE, &|| true), Err(Errno::EBUSY));
        s.add(F_SEAL_FUTURE_WRITE, &|| panic!("not asked")).unwrap();
        s.add(F_SEAL_WRITE, &|| false).unwrap();
        // Already there: not asked again.
        s.add(F_SEAL_WRITE, &|| true).unwrap();
        assert!(s.write_sealed());
    }

    #[test]
    fn size_rules() {
        let s = Seals::default();
        s.init(F_SEAL_GROW);
        assert_eq!(s.write_len(0, 10, 10), Ok(10));
        assert_eq!(s.write_len(5, 10, 10), Err(Errno::EPERM));
        // Page by page: the part up to the last page boundary goes in.
        assert_eq!(s.write_len(4094, 4, 4096), Ok(2));
        assert_eq!(s.write_len(4096, 4, 4096), Err(Errno::EPERM));
        assert_eq!(s.write_len(100, 8000, 4200), Ok(3996));
        assert_eq!(s.check_resize(10, 11), Err(Errno::EPERM));
        assert!(s.check_resize(10, 9).is_ok());
        s.init(F_SEAL_SHRINK);
        assert_eq!(s.check_resize(10, 9), Err(Errno::EPERM));
        assert!(s.check_resize(10, 10).is_ok());
        s.init(F_SEAL_WRITE);
        assert_eq!(s.write_len(0, 1, 10), Err(Errno::EPERM));
    }

    #[test]
    fn exec_seal() {
        let s = Seals::default();
        s.init(F_SEAL_EXEC);
        assert_eq!(s.check_mode(0o100666, 0o100766), Err(Errno::EPERM));
        assert!(s.check_mode(0o100666, 0o100644).is_ok());
    }
}
