//! What a file is ready for: the poll mask every waiting call (poll,
//! select, epoll, and their variants) reads, and the wait queue that is
//! woken when it may have changed.
//!
//! Mirrors Linux's `f_op->poll`: a file type with events reports them and
//! names its queue; regular files, directories and /dev/null, zero and full
//! have no poll method, so poll and select see them always ready
//! (DEFAULT_POLLMASK) and epoll_ctl refuses them with EPERM. A file type
//! with a poll method reports only what is true now, never a default.

use executor::WaitQueue;

use super::{console, File, FileKind};
use crate::proc::Thread;

pub const POLLIN: u16 = 0x001;
pub const POLLPRI: u16 = 0x002;
pub const POLLOUT: u16 = 0x004;
pub const POLLERR: u16 = 0x008;
pub const POLLHUP: u16 = 0x010;
pub const POLLNVAL: u16 = 0x020;
pub const POLLRDNORM: u16 = 0x040;
pub const POLLWRNORM: u16 = 0x100;

/// Linux's DEFAULT_POLLMASK, for files without a poll method.
pub const DEFAULT_POLLMASK: u16 = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

/// The queue of a file that is always ready and never changes (urandom).
static NEVER: WaitQueue = WaitQueue::new();

const fn bits(on: bool, ev: u16) -> u16 {
    if on {
        ev
    } else {
        0
    }
}

impl File {
    /// The queue woken when this file's readiness may have changed, or
    /// None for a file without a poll method.
    pub fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(match &self.kind {
            FileKind::Inode(_) => return None,
            FileKind::Device(d) if !d.has_poll() => return None,
            FileKind::Device(_) => &NEVER,
            FileKind::EventFd(e) => &e.events,
            FileKind::TimerFd(t) => &t.events,
            FileKind::Console(_) => &console::READY,
            FileKind::Pipe(end) => &end.pipe.events,
            FileKind::Epoll(ep) => &ep.events,
            FileKind::SignalFd(s) => s.queue(),
            FileKind::PidFd(p) => p.queue(),
            FileKind::Inotify(i) => &i.events,
        })
    }

    /// The events this file has now, as seen by thread `t` (a signalfd
    /// reports the pending signals of the thread that asks, as on Linux).
    pub fn poll_events(&self, t: &Thread) -> u16 {
        const IN: u16 = POLLIN | POLLRDNORM;
        const OUT: u16 = POLLOUT | POLLWRNORM;
        match &self.kind {
            FileKind::Inode(_) | FileKind::Device(_) => DEFAULT_POLLMASK,
            FileKind::EventFd(e) => bits(e.readable(), IN) | bits(e.writable(), OUT),
            FileKind::TimerFd(tf) => bits(tf.readable(), IN),
            FileKind::Console(_) => bits(console::has_input(), IN) | OUT,
            FileKind::Pipe(end) => {
                let p = &end.pipe;
                let data = bits(p.available() > 0, IN);
                if end.both {
                    data | OUT
                } else if end.write {
                    if p.readers() == 0 {
                        POLLERR | OUT
                    } else {
                        bits(p.has_room(), OUT)
                    }
                } else {
                    data | bits(p.writers() == 0 && p.opens(true) != end.seen_writers, POLLHUP)
                }
            }
            FileKind::Epoll(ep) => bits(ep.has_events(t), IN),
            FileKind::SignalFd(s) => bits(s.has_signal(t), IN),
            FileKind::PidFd(p) => bits(p.exited(), IN) | bits(p.reaped(), POLLHUP),
            FileKind::Inotify(i) => bits(i.readable(), IN),
        }
    }
}
