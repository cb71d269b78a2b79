//! The Linux x86-64 ABI structures that cross the system-call boundary,
//! declared once as plain old data: each is `#[repr(C)]` with Linux's
//! field order and padding, and copied to and from user memory as bytes by
//! [`crate::uaccess::UserPtr`] through the `zerocopy` derives, so no
//! syscall encodes or decodes a structure by hand (and no `unsafe` is
//! needed). The layouts are checked against Linux's sizes at compile time.

pub mod fs;
pub mod ipc;
pub mod proc;
pub mod signal;
pub mod socket;
pub mod time;

pub use fs::*;
pub use proc::*;
pub use signal::*;
pub use socket::*;
pub use time::*;
