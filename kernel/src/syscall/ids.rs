//! getuid(2), getgid(2), geteuid(2), getegid(2): every process runs as
//! root (uid 0, gid 0) until credentials land (processes issue).

use crate::errno::SysResult;

pub fn zero() -> SysResult {
    Ok(0)
}
