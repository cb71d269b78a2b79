//! Pipes: a 64 KiB ring buffer with a read end and a write end.
//!
//! Reads and writes are futures that wait on the pipe's wait queue: a read
//! waits until data arrives or no writer is left (end of file); a write
//! waits for room, and fails with EPIPE (and SIGPIPE, sent by the caller)
//! when no reader is left. Writes of at most PIPE_BUF (4096) bytes are
//! atomic: they wait until all of it fits. O_NONBLOCK turns each wait into
//! EAGAIN. F_SETPIPE_SZ / F_GETPIPE_SZ change and read the capacity.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicUsize, Ordering};

use executor::WaitQueue;

use crate::errno::Errno;

pub const PIPE_BUF: usize = 4096;
pub const DEFAULT_CAPACITY: usize = 64 * 1024;
/// /proc/sys/fs/pipe-max-size.
pub const MAX_CAPACITY: usize = 1 << 20;

struct State {
    data: VecDeque<u8>,
    capacity: usize,
}

pub struct Pipe {
    state: spin::Mutex<State>,
    readers: AtomicUsize,
    writers: AtomicUsize,
    /// How many times a read end and a write end have been opened (Linux's
    /// r_counter and w_counter): a FIFO open waiting for its partner ends
    /// once the partner's count moves, even if that partner has already
    /// written and closed again.
    read_opens: AtomicUsize,
    write_opens: AtomicUsize,
    /// Woken on every change: data, room, an end closing.
    pub events: WaitQueue,
}

/// One end of a pipe (or both, for a FIFO opened O_RDWR); dropping it
/// closes what it holds.
pub struct PipeEnd {
    pub pipe: Arc<Pipe>,
    pub write: bool,
    /// Holds a read and a write end (FIFO opened O_RDWR).
    pub both: bool,
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        // Under the state lock, so that a FIFO open sees the count and the
        // open generation of its partner at one instant.
        let _g = self.pipe.state.lock();
        if self.write || self.both {
            self.pipe.writers.fetch_sub(1, Ordering::AcqRel);
        }
        if !self.write || self.both {
            self.pipe.readers.fetch_sub(1, Ordering::AcqRel);
        }
        drop(_g);
        self.pipe.events.wake_all();
    }
}

impl Pipe {
    fn with_ends(readers: usize, writers: usize) -> Arc<Pipe> {
        Arc::new(Pipe {
            state: spin::Mutex::new(State { data: VecDeque::new(), capacity: DEFAULT_CAPACITY }),
            readers: AtomicUsize::new(readers),
            writers: AtomicUsize::new(writers),
            read_opens: AtomicUsize::new(0),
            write_opens: AtomicUsize::new(0),
            events: WaitQueue::new(),
        })
    }

    /// Opens another end of this pipe (a FIFO's open). Also returns, seen
    /// at the same instant (under the state lock, which closes take too),
    /// how many ends of the other kind are open and how many times one has
    /// been opened: an open that found no partner waits until that count
    /// of opens moves (Linux's wait_for_partner).
    pub fn open_end(self: &Arc<Pipe>, write: bool) -> (PipeEnd, usize, usize) {
        let g = self.state.lock();
        let partner = if write {
            self.writers.fetch_add(1, Ordering::AcqRel);
            self.write_opens.fetch_add(1, Ordering::AcqRel);
            (self.readers(), self.opens(false))
        } else {
            self.readers.fetch_add(1, Ordering::AcqRel);
            self.read_opens.fetch_add(1, Ordering::AcqRel);
            (self.writers(), self.opens(true))
        };
        drop(g);
        self.events.wake_all();
        (PipeEnd { pipe: self.clone(), write, both: false }, partner.0, partner.1)
    }

    /// Opens both ends at once (a FIFO opened O_RDWR).
    pub fn open_both(self: &Arc<Pipe>) -> PipeEnd {
        let g = self.state.lock();
        self.writers.fetch_add(1, Ordering::AcqRel);
        self.readers.fetch_add(1, Ordering::AcqRel);
        self.write_opens.fetch_add(1, Ordering::AcqRel);
        self.read_opens.fetch_add(1, Ordering::AcqRel);
        drop(g);
        self.events.wake_all();
        PipeEnd { pipe: self.clone(), write: false, both: true }
    }
}

/// FIFOs (named pipes): the pipe behind each FIFO inode while it is open.
static FIFOS: spin::Mutex<alloc::collections::BTreeMap<(u64, u64), alloc::sync::Weak<Pipe>>> =
    spin::Mutex::new(alloc::collections::BTreeMap::new());

/// The pipe of the FIFO inode (dev, ino), created on its first open.
pub fn fifo(dev: u64, ino: u64) -> Arc<Pipe> {
    let mut t = FIFOS.lock();
    t.retain(|_, w| w.strong_count() > 0);
    if let Some(p) = t.get(&(dev, ino)).and_then(alloc::sync::Weak::upgrade) {
        return p;
    }
    let p = Pipe::with_ends(0, 0);
    t.insert((dev, ino), Arc::downgrade(&p));
    p
}

/// A new pipe: (read end, write end).
pub fn new() -> (PipeEnd, PipeEnd) {
    let pipe = Pipe::with_ends(1, 1);
    (PipeEnd { pipe: pipe.clone(), write: false, both: false }, PipeEnd { pipe, write: true, both: false })
}

impl Pipe {
    /// Bytes available to read.
    pub fn available(&self) -> usize {
        self.state.lock().data.len()
    }

    pub fn readers(&self) -> usize {
        self.readers.load(Ordering::Acquire)
    }

    pub fn writers(&self) -> usize {
        self.writers.load(Ordering::Acquire)
    }

    /// How many times a write end (`write`) or a read end has been opened.
    pub fn opens(&self, write: bool) -> usize {
        if write { &self.write_opens } else { &self.read_opens }.load(Ordering::Acquire)
    }

    pub fn capacity(&self) -> usize {
        self.state.lock().capacity
    }

    /// F_SETPIPE_SZ: rounds up to a power of two pages; EBUSY if the data
    /// would not fit.
    pub fn set_capacity(&self, want: usize) -> Result<usize, Errno> {
        if want > MAX_CAPACITY || want > i32::MAX as usize {
            return Err(Errno::EPERM);
        }
        let cap = want.max(4096).next_power_of_two();
        let mut s = self.state.lock();
        if s.data.len() > cap {
            return Err(Errno::EBUSY);
        }
        s.capacity = cap;
        drop(s);
        self.events.wake_all();
        Ok(cap)
    }

    fn try_read(&self, buf: &mut [u8]) -> Option<usize> {
        let mut s = self.state.lock();
        if s.data.is_empty() {
            return if self.writers.load(Ordering::Acquire) == 0 { Some(0) } else { None };
        }
        let n = buf.len().min(s.data.len());
        for (i, b) in s.data.drain(..n).enumerate() {
            buf[i] = b;
        }
        Some(n)
    }

    /// Reads up to `buf.len()` bytes; 0 at end of file.
    pub async fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        if let Some(n) = self.try_read(buf) {
            self.events.wake_all();
            return Ok(n);
        }
        if nonblock {
            return Err(Errno::EAGAIN);
        }
        let n = self.events.wait_for(|| self.try_read(buf)).await;
        self.events.wake_all();
        Ok(n)
    }

    /// Writes what fits now: all of `data` if it is at most PIPE_BUF and
    /// fits, else as much as there is room for. None when nothing could be
    /// written yet; Err(EPIPE) without readers.
    fn try_write(&self, data: &[u8]) -> Option<Result<usize, Errno>> {
        if self.readers.load(Ordering::Acquire) == 0 {
            return Some(Err(Errno::EPIPE));
        }
        let mut s = self.state.lock();
        let room = s.capacity - s.data.len().min(s.capacity);
        if room == 0 || (data.len() <= PIPE_BUF && room < data.len()) {
            return None;
        }
        let n = room.min(data.len());
        s.data.extend(&data[..n]);
        Some(Ok(n))
    }

    /// Writes all of `data` (waiting for room) or returns what was written
    /// before EAGAIN / EPIPE. An interrupting signal is the caller's.
    pub async fn write(&self, data: &[u8], nonblock: bool) -> Result<usize, Errno> {
        let mut done = 0;
        while done < data.len() {
            let rest = &data[done..];
            let step = match self.try_write(rest) {
                Some(r) => r,
                None if nonblock => {
                    return if done > 0 { Ok(done) } else { Err(Errno::EAGAIN) };
                }
                None => self.events.wait_for(|| self.try_write(rest)).await,
            };
            match step {
                Ok(n) => {
                    done += n;
                    self.events.wake_all();
                }
                Err(e) => return if done > 0 { Ok(done) } else { Err(e) },
            }
        }
        Ok(done)
    }
}
