//! Poll event bits, as every waiting call (poll, select, epoll, and their
//! variants) reads them from a file's [`FileOps::poll`](super::FileOps::poll).
//!
//! Mirrors Linux's `f_op->poll`: a file type with events reports them and
//! names its queue ([`FileOps::wait_queue`](super::FileOps::wait_queue));
//! regular files, directories and /dev/null, zero and full have no poll
//! method, so poll and select see them always ready (DEFAULT_POLLMASK) and
//! epoll_ctl refuses them with EPERM. A file type with a poll method
//! reports only what is true now, never a default.

/// The bits and their readable/writable sets are defined once, in the
/// `net` crate, for its sockets and for every file here.
pub use net::poll::{IN, OUT, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDNORM, POLLWRNORM};

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
