//! Reading and writing user memory on behalf of a system call.
//!
//! Every pointer a process passes is an allegation: it is only ever touched
//! through platform's fault-tolerant copies. When a copy faults, the
//! process's memory manager gets one chance per page to map it (demand
//! paging, copy-on-write); if it cannot, the call fails with EFAULT. Nothing
//! a process passes can crash the kernel.

use alloc::string::String;
use alloc::vec::Vec;

use platform::user::copy::{copy_from_user, copy_to_user};

use crate::errno::Errno;
use crate::mm::Mm;

fn retries(len: usize) -> usize {
    len / 4096 + 3
}

/// Copies `buf.len()` bytes from user address `addr`.
pub fn read_bytes(mm: &Mm, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
    // A syscall may have waited while other address spaces ran here.
    mm.activate();
    for _ in 0..retries(buf.len()) {
        match copy_from_user(buf, addr) {
            Ok(()) => return Ok(()),
            Err(f) => mm.handle_fault(f.addr, false, false).map_err(|_| Errno::EFAULT)?,
        }
    }
    Err(Errno::EFAULT)
}

/// Copies `data` to user address `addr`.
pub fn write_bytes(mm: &Mm, addr: u64, data: &[u8]) -> Result<(), Errno> {
    mm.activate();
    for _ in 0..retries(data.len()) {
        match copy_to_user(addr, data) {
            Ok(()) => return Ok(()),
            Err(f) => mm.handle_fault(f.addr, true, false).map_err(|_| Errno::EFAULT)?,
        }
    }
    Err(Errno::EFAULT)
}

pub fn read_u64(mm: &Mm, addr: u64) -> Result<u64, Errno> {
    UserPtr::<u64>::new(addr).read(mm)
}

pub fn write_u64(mm: &Mm, addr: u64, v: u64) -> Result<(), Errno> {
    UserPtr::<u64>::new(addr).write(mm, &v)
}

pub fn write_u32(mm: &Mm, addr: u64, v: u32) -> Result<(), Errno> {
    UserPtr::<u32>::new(addr).write(mm, &v)
}

pub fn read_u32(mm: &Mm, addr: u64) -> Result<u32, Errno> {
    UserPtr::<u32>::new(addr).read(mm)
}

/// Reads a NUL-terminated string of at most `max` bytes (the NUL
/// excluded); longer is `too_long` (ENAMETOOLONG for paths, E2BIG for
/// exec arguments).
pub fn read_cstr(mm: &Mm, addr: u64, max: usize, too_long: Errno) -> Result<String, Errno> {
    let bytes = read_cbytes(mm, addr, max).map_err(|e| if e == Errno::ENAMETOOLONG { too_long } else { e })?;
    // Linux strings are bytes; the kernel's string users want UTF-8.
    String::from_utf8(bytes).map_err(|_| Errno::EINVAL)
}

/// Reads a NUL-terminated byte string of at most `max` bytes, page by page
/// so it never reads past a page the string does not reach.
pub fn read_cbytes(mm: &Mm, addr: u64, max: usize) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    let mut at = addr;
    loop {
        let chunk = (4096 - (at % 4096)) as usize;
        let mut buf = [0u8; 256];
        let n = chunk.min(buf.len());
        read_bytes(mm, at, &mut buf[..n])?;
        if let Some(z) = buf[..n].iter().position(|&b| b == 0) {
            out.extend_from_slice(&buf[..z]);
            return if out.len() > max { Err(Errno::ENAMETOOLONG) } else { Ok(out) };
        }
        out.extend_from_slice(&buf[..n]);
        if out.len() > max {
            return Err(Errno::ENAMETOOLONG);
        }
        at += n as u64;
    }
}

/// Reads a NULL-terminated array of string pointers (argv, envp): each a
/// byte string, any byte but NUL, as Linux.
pub fn read_str_array(mm: &Mm, addr: u64) -> Result<Vec<Vec<u8>>, Errno> {
    let mut v = Vec::new();
    let mut total = 0u64;
    if addr == 0 {
        return Ok(v);
    }
    for i in 0.. {
        // Linux's MAX_ARG_STRINGS; the caller's size budget ends it sooner.
        if i > 0x7fff_ffff || i * 8 + total > 8 << 20 {
            return Err(Errno::E2BIG);
        }
        let p = read_u64(mm, addr + 8 * i)?;
        if p == 0 {
            break;
        }
        v.push(read_cbytes(mm, p, 128 * 1024).map_err(|e| if e == Errno::ENAMETOOLONG { Errno::E2BIG } else { e })?);
        total += v.last().map_or(0, |s| s.len() as u64 + 1);
    }
    Ok(v)
}

/// Reads a NUL-terminated path (bytes, as Linux paths are) of at most
/// PATH_MAX - 1 bytes: ENAMETOOLONG beyond.
pub fn read_path(mm: &Mm, addr: u64) -> Result<Vec<u8>, Errno> {
    read_cbytes(mm, addr, 4095)
}

/// A user-space address of a `T` (a Linux ABI structure from
/// [`crate::abi`], or a plain integer): read and written only through the
/// fault-tolerant copies, so a bad pointer is EFAULT here and nowhere else.
pub struct UserPtr<T> {
    addr: u64,
    _t: core::marker::PhantomData<fn() -> T>,
}

impl<T> Clone for UserPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for UserPtr<T> {}

impl<T: zerocopy::FromBytes + zerocopy::IntoBytes + zerocopy::Immutable> UserPtr<T> {
    pub const fn new(addr: u64) -> Self {
        UserPtr { addr, _t: core::marker::PhantomData }
    }

    /// NULL: "none" for the arguments where Linux allows it.
    pub const fn is_null(self) -> bool {
        self.addr == 0
    }

    pub fn read(self, mm: &Mm) -> Result<T, Errno> {
        let mut v = T::new_zeroed();
        read_bytes(mm, self.addr, v.as_mut_bytes())?;
        Ok(v)
    }

    pub fn write(self, mm: &Mm, v: &T) -> Result<(), Errno> {
        write_bytes(mm, self.addr, v.as_bytes())
    }

    /// Reads an extensible structure of `size` bytes (clone3's
    /// clone_args, openat2's open_how), as Linux's copy_struct_from_user: a
    /// smaller (older) one reads zeros past its end, a larger (newer) one
    /// must be zero past what this kernel knows, else E2BIG.
    pub fn read_sized(self, mm: &Mm, size: usize) -> Result<T, Errno> {
        let mut v = T::new_zeroed();
        let known = size.min(core::mem::size_of::<T>());
        read_bytes(mm, self.addr, &mut v.as_mut_bytes()[..known])?;
        if size > known {
            let mut rest = alloc::vec![0u8; size - known];
            read_bytes(mm, self.addr + known as u64, &mut rest)?;
            if rest.iter().any(|&b| b != 0) {
                return Err(Errno::E2BIG);
            }
        }
        Ok(v)
    }

    /// Reads `n` consecutive values (an array argument).
    pub fn read_array(self, mm: &Mm, n: usize) -> Result<Vec<T>, Errno> {
        let mut v = Vec::new();
        v.resize_with(n, T::new_zeroed);
        read_bytes(mm, self.addr, v.as_mut_slice().as_mut_bytes())?;
        Ok(v)
    }

    /// Writes consecutive values (an array result).
    pub fn write_array(self, mm: &Mm, v: &[T]) -> Result<(), Errno> {
        write_bytes(mm, self.addr, v.as_bytes())
    }
}

use zerocopy::IntoBytes;
