//! Poll event bits (poll(2)'s `revents`, the low 16 bits of epoll's
//! events), one definition for every socket family here and for the
//! kernel's files (`kernel/src/file/readiness.rs` re-exports them).
//!
//! The combinations are what Linux's poll methods report together:
//! readable is POLLIN with POLLRDNORM; writable is POLLOUT with
//! POLLWRNORM (tcp_poll, pipes, ttys) and also POLLWRBAND where Linux
//! uses sock_writeable (datagram_poll, unix_poll).

pub const POLLIN: u16 = 0x001;
pub const POLLPRI: u16 = 0x002;
pub const POLLOUT: u16 = 0x004;
pub const POLLERR: u16 = 0x008;
pub const POLLHUP: u16 = 0x010;
pub const POLLNVAL: u16 = 0x020;
pub const POLLRDNORM: u16 = 0x040;
pub const POLLRDBAND: u16 = 0x080;
pub const POLLWRNORM: u16 = 0x100;
pub const POLLWRBAND: u16 = 0x200;
pub const POLLMSG: u16 = 0x400;
pub const POLLRDHUP: u16 = 0x2000;

/// Readable.
pub const IN: u16 = POLLIN | POLLRDNORM;
/// Writable.
pub const OUT: u16 = POLLOUT | POLLWRNORM;
/// Writable, as sock_writeable reports it (with POLLWRBAND).
pub const OUT_BAND: u16 = OUT | POLLWRBAND;
