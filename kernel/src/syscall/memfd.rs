//! memfd_create(2) (Linux's mm/memfd.c): checks the flags and the name,
//! then [`crate::file::memfd`] makes the file.
//!
//! As Linux 6.18 with vm.memfd_noexec = 0: unknown flags are EINVAL,
//! MFD_EXEC with MFD_NOEXEC_SEAL is EINVAL, a name longer than 249 bytes
//! (NAME_MAX less "memfd:") is EINVAL; without MFD_NOEXEC_SEAL the file is
//! executable (mode 0777). MFD_HUGETLB answers as a kernel built without
//! hugetlbfs: its `hugetlb_file_setup` stub is ENOSYS.

use alloc::sync::Arc;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::memfd::{self, MemfdOptions};
use crate::uaccess;

const MFD_CLOEXEC: u32 = 0x1;
const MFD_ALLOW_SEALING: u32 = 0x2;
const MFD_HUGETLB: u32 = 0x4;
const MFD_NOEXEC_SEAL: u32 = 0x8;
const MFD_EXEC: u32 = 0x10;
const MFD_ALL: u32 = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC;
/// The huge page size encoding allowed with MFD_HUGETLB.
const MFD_HUGE_BITS: u32 = 0x3f << 26;
const NAME_MAX: usize = 255 - 6;

pub fn memfd_create(call: &Call<'_>, name: u64, flags: u32) -> SysResult {
    let allowed = if flags & MFD_HUGETLB != 0 { MFD_ALL | MFD_HUGE_BITS } else { MFD_ALL };
    if flags & !allowed != 0 || (flags & MFD_EXEC != 0 && flags & MFD_NOEXEC_SEAL != 0) {
        return Err(Errno::EINVAL);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let name = uaccess::read_cbytes(&mm, name, NAME_MAX).map_err(|e| if e == Errno::ENAMETOOLONG { Errno::EINVAL } else { e })?;
    if flags & MFD_HUGETLB != 0 {
        return Err(Errno::ENOSYS);
    }
    let opts = MemfdOptions { allow_sealing: flags & MFD_ALLOW_SEALING != 0, noexec_seal: flags & MFD_NOEXEC_SEAL != 0 };
    let file = memfd::create(call.thread, &name, opts)?;
    call.install(Arc::new(file), flags & MFD_CLOEXEC != 0)
}
