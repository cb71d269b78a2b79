//! Poll event bits, as every waiting call (poll, select, epoll, and their
//! variants) reads them from a file's [`FileOps::poll`](super::FileOps::poll).
//!
//! Mirrors Linux's `f_op->poll`: a file type with events reports them and
//! names its queue ([`FileOps::wait_queue`](super::FileOps::wait_queue));
//! regular files, directories and /dev/null, zero and full have no poll
//! method, so poll and select see them always ready (DEFAULT_POLLMASK) and
//! epoll_ctl refuses them with EPERM. A file type with a poll method
//! reports only what is true now, never a default.

pub const POLLIN: u16 = 0x001;
pub const POLLPRI: u16 = 0x002;
pub const POLLOUT: u16 = 0x004;
pub const POLLERR: u16 = 0x008;
pub const POLLHUP: u16 = 0x010;
pub const POLLNVAL: u16 = 0x020;
pub const POLLRDNORM: u16 = 0x040;
pub const POLLWRNORM: u16 = 0x100;

/// Readable, as a poll method reports it.
pub const IN: u16 = POLLIN | POLLRDNORM;
/// Writable, as a poll method reports it.
pub const OUT: u16 = POLLOUT | POLLWRNORM;

/// Linux's DEFAULT_POLLMASK, for files without a poll method.
pub const DEFAULT_POLLMASK: u16 = IN | OUT;

/// `ev` if `on`.
pub const fn bits(on: bool, ev: u16) -> u16 {
    if on {
        ev
    } else {
        0
    }
}
