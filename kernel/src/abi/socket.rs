//! Socket ABI structures: `struct msghdr`, `struct mmsghdr`, `struct
//! cmsghdr`, `struct ucred` (socket(7), cmsg(3), unix(7)).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `struct msghdr`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct MsgHdr {
    pub msg_name: u64,
    pub msg_namelen: u32,
    pub _pad1: u32,
    pub msg_iov: u64,
    pub msg_iovlen: u64,
    pub msg_control: u64,
    pub msg_controllen: u64,
    pub msg_flags: u32,
    pub _pad2: u32,
}

/// `struct mmsghdr`: a msghdr and the bytes moved.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct MMsgHdr {
    pub msg_hdr: MsgHdr,
    pub msg_len: u32,
    pub _pad: u32,
}

/// `struct cmsghdr` (its data follows, aligned to 8).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct CmsgHdr {
    pub cmsg_len: u64,
    pub cmsg_level: i32,
    pub cmsg_type: i32,
}

/// `struct ucred`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct UCred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

const _: () = assert!(core::mem::size_of::<MsgHdr>() == 56);
const _: () = assert!(core::mem::size_of::<MMsgHdr>() == 64);
const _: () = assert!(core::mem::size_of::<CmsgHdr>() == 16);
const _: () = assert!(core::mem::size_of::<UCred>() == 12);
