//! uname(2): a 6.x release, so glibc and systemd take their modern paths;
//! the node and domain names of the caller's UTS namespace.

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::uaccess;

pub const SYSNAME: &str = "Linux";
pub const RELEASE: &str = "6.12.0-aramid";
pub const VERSION: &str = "#1 SMP PREEMPT Aramid";
pub const MACHINE: &str = "x86_64";

pub fn uname(call: &Call<'_>, buf: u64) -> SysResult {
    let mut u = [0u8; 65 * 6];
    let uts = call.thread.process.uts();
    let (host, domain) = (uts.hostname(), uts.domainname());
    let fields: [&[u8]; 6] = [SYSNAME.as_bytes(), &host, RELEASE.as_bytes(), VERSION.as_bytes(), MACHINE.as_bytes(), &domain];
    for (i, f) in fields.iter().enumerate() {
        u[i * 65..i * 65 + f.len()].copy_from_slice(f);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    uaccess::write_bytes(&mm, buf, &u)?;
    Ok(0)
}
