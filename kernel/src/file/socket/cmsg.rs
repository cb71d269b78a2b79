//! Control messages (cmsg(3)): walking the `msg_control` a sender passed,
//! and writing what a receiver gets back, with Linux's truncation rules
//! (put_cmsg, scm_detach_fds in net/core/scm.c).

use alloc::vec::Vec;

use super::MSG_CTRUNC;
use crate::errno::Errno;

pub const SOL_SOCKET: i32 = 1;
pub const SCM_RIGHTS: i32 = 1;
pub const SCM_CREDENTIALS: i32 = 2;
/// `sizeof(struct cmsghdr)`.
pub const HDR: usize = 16;

/// CMSG_ALIGN.
pub const fn align(n: usize) -> usize {
    (n + 7) & !7
}

/// CMSG_SPACE.
pub const fn space(n: usize) -> usize {
    HDR + align(n)
}

/// One control message: level, type, data.
pub type Cmsg<'a> = (i32, i32, &'a [u8]);

/// The control messages of `control`: (level, type, data). A header whose
/// length is below the header size or past the buffer is EINVAL, as
/// Linux's __scm_send.
pub fn parse(control: &[u8]) -> Result<Vec<Cmsg<'_>>, Errno> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + HDR <= control.len() {
        let len = u64::from_ne_bytes(control[at..at + 8].try_into().unwrap_or([0; 8])) as usize;
        let level = i32::from_ne_bytes(control[at + 8..at + 12].try_into().unwrap_or([0; 4]));
        let ty = i32::from_ne_bytes(control[at + 12..at + 16].try_into().unwrap_or([0; 4]));
        if len < HDR || len > control.len() - at {
            return Err(Errno::EINVAL);
        }
        out.push((level, ty, &control[at + HDR..at + len]));
        at += align(len);
    }
    Ok(out)
}

/// A receiver's control buffer being filled.
pub struct Writer<'a> {
    pub out: &'a mut Vec<u8>,
    /// Room left in msg_control.
    pub room: usize,
    pub flags: &'a mut u32,
}

impl Writer<'_> {
    /// put_cmsg: one message, cut (MSG_CTRUNC) to the room left.
    pub fn put(&mut self, level: i32, ty: i32, data: &[u8]) {
        if self.room < HDR {
            *self.flags |= MSG_CTRUNC;
            return;
        }
        let mut cmlen = HDR + data.len();
        if self.room < cmlen {
            *self.flags |= MSG_CTRUNC;
            cmlen = self.room;
        }
        self.out.extend_from_slice(&(cmlen as u64).to_ne_bytes());
        self.out.extend_from_slice(&level.to_ne_bytes());
        self.out.extend_from_slice(&ty.to_ne_bytes());
        self.out.extend_from_slice(&data[..cmlen - HDR]);
        let adv = space(data.len()).min(self.room);
        self.out.resize(self.out.len() + (adv - cmlen), 0);
        self.room -= adv;
    }

    /// How many descriptors fit (scm_max_fds).
    pub fn max_fds(&self) -> usize {
        if self.room > HDR {
            (self.room - HDR) / 4
        } else {
            0
        }
    }
}
