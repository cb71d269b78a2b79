//! Pipes: Linux's ring of page buffers, with a read end and a write end.
//!
//! A pipe holds up to `slots` pages (16, 64 KiB, by default). A write first
//! appends to the last page if all of its sub-page remainder fits there
//! (so small writes merge), then fills new pages; its byte capacity thus
//! depends on the write sizes, as on Linux. A write of at most PIPE_BUF
//! (4096) bytes lands in one page at once, so it is atomic. An O_DIRECT
//! write end makes packets: a page per write (or per page of a larger
//! one), never merged, and a read returns at most one packet, discarding
//! what it did not take.
//!
//! Reads and writes never wait here: a read takes what is there, or finds
//! the end of file when no writer is left; a write fills free pages and
//! fails with EPIPE when no reader is left. When the ring is empty (or
//! full) the open end ([`end`]) answers EAGAIN and the generic layer waits
//! on the pipe's wait queue. A write counts its progress in the caller's
//! `done`, so one that waited and was interrupted returns the bytes
//! already written. F_SETPIPE_SZ / F_GETPIPE_SZ change and read the
//! number of pages. FIFOs are opened by [`fifo`].

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

use executor::WaitQueue;

use crate::errno::Errno;

pub mod end;
pub mod fifo;
pub mod splice;

pub use end::PipeEnd;

const PAGE: usize = 4096;
pub const DEFAULT_SLOTS: usize = 16;
/// /proc/sys/fs/pipe-max-size.
pub const MAX_CAPACITY: usize = 1 << 20;

/// One buffer of the ring: bytes `off..end` of a page are unread. The
/// page is shared (tee(2), a partial splice between pipes and vmsplice's
/// readers see the same bytes without a copy); only a page this buffer
/// holds alone, filled to `end` and marked `merge`, takes a later small
/// write (Linux's PIPE_BUF_FLAG_CAN_MERGE).
struct Buf {
    data: Arc<Vec<u8>>,
    off: usize,
    end: usize,
    /// A packet (O_DIRECT write): read whole or not at all, never merged.
    packet: bool,
    /// A write(2) page that later writes may append to (not a page that
    /// came from a file, vmsplice or a tee).
    merge: bool,
}

impl Buf {
    fn len(&self) -> usize {
        self.end - self.off
    }

    fn bytes(&self) -> &[u8] {
        &self.data[self.off..self.end]
    }
}

struct State {
    bufs: VecDeque<Buf>,
    /// The ring's size in pages.
    slots: usize,
    /// Unread bytes in all pages.
    len: usize,
}

impl State {
    fn full(&self) -> bool {
        self.bufs.len() >= self.slots
    }
}

pub struct Pipe {
    state: spin::Mutex<State>,
    readers: AtomicUsize,
    writers: AtomicUsize,
    /// How many times a read end and a write end have been opened (Linux's
    /// r_counter and w_counter): a FIFO open waiting for its partner ends
    /// once the partner's count moves, even if that partner has already
    /// written and closed again; a reader reports POLLHUP only once a
    /// writer has opened since it did.
    read_opens: AtomicUsize,
    write_opens: AtomicUsize,
    /// Woken on every change: data, room, an end closing.
    pub events: WaitQueue,
}

impl Pipe {
    fn with_ends(readers: usize, writers: usize) -> Arc<Pipe> {
        Arc::new(Pipe {
            state: spin::Mutex::new(State { bufs: VecDeque::new(), slots: DEFAULT_SLOTS, len: 0 }),
            readers: AtomicUsize::new(readers),
            writers: AtomicUsize::new(writers),
            read_opens: AtomicUsize::new(readers),
            write_opens: AtomicUsize::new(writers),
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
        let seen_writers = self.opens(true);
        drop(g);
        self.events.wake_all();
        (PipeEnd { pipe: self.clone(), write, both: false, seen_writers }, partner.0, partner.1)
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
        PipeEnd { pipe: self.clone(), write: false, both: true, seen_writers: self.opens(true) }
    }
}

/// A new pipe: (read end, write end).
pub fn new() -> (PipeEnd, PipeEnd) {
    let pipe = Pipe::with_ends(1, 1);
    (PipeEnd { pipe: pipe.clone(), write: false, both: false, seen_writers: 0 }, PipeEnd { pipe, write: true, both: false, seen_writers: 0 })
}

impl Pipe {
    /// Bytes available to read.
    pub fn available(&self) -> usize {
        self.state.lock().len
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

    /// The capacity in bytes (F_GETPIPE_SZ).
    pub fn capacity(&self) -> usize {
        self.state.lock().slots * PAGE
    }

    /// Whether a page is free (POLLOUT).
    pub fn has_room(&self) -> bool {
        !self.state.lock().full()
    }

    /// F_SETPIPE_SZ: rounds up to a power-of-two number of pages (at least
    /// one); EINVAL above 2^31, EPERM above pipe-max-size, EBUSY if the
    /// pages in use would not fit.
    pub fn set_capacity(&self, want: u32) -> Result<usize, Errno> {
        let want = want as usize;
        if want > 1 << 31 {
            return Err(Errno::EINVAL);
        }
        let size = want.max(PAGE).next_power_of_two();
        let mut s = self.state.lock();
        let slots = size / PAGE;
        if size > MAX_CAPACITY && slots > s.slots {
            return Err(Errno::EPERM);
        }
        if s.bufs.len() > slots {
            return Err(Errno::EBUSY);
        }
        s.slots = slots;
        drop(s);
        self.events.wake_all();
        Ok(size)
    }

    /// Takes what is there (one packet at most); None when empty with a
    /// writer left.
    fn try_read(&self, buf: &mut [u8]) -> Option<usize> {
        let mut s = self.state.lock();
        if s.bufs.is_empty() {
            return if self.writers.load(Ordering::Acquire) == 0 { Some(0) } else { None };
        }
        let mut n = 0;
        while n < buf.len() {
            let Some(b) = s.bufs.front_mut() else { break };
            let avail = b.len();
            let chars = avail.min(buf.len() - n);
            buf[n..n + chars].copy_from_slice(&b.bytes()[..chars]);
            n += chars;
            if b.packet {
                s.bufs.pop_front();
                s.len -= avail;
                break;
            }
            b.off += chars;
            if b.off == b.end {
                s.bufs.pop_front();
            }
            s.len -= chars;
        }
        Some(n)
    }

    /// Appends the sub-page remainder of a write to the last page if all
    /// of it fits there (Linux merges only then, and only into a page that
    /// is not a packet).
    fn try_merge(&self, data: &[u8], done: &mut usize) -> Result<(), Errno> {
        if self.readers.load(Ordering::Acquire) == 0 {
            return Err(Errno::EPIPE);
        }
        let chars = data.len() % PAGE;
        let mut s = self.state.lock();
        if let Some(last) = s.bufs.back_mut() {
            if chars != 0 && !last.packet && last.merge && last.end + chars <= PAGE {
                if let Some(page) = Arc::get_mut(&mut last.data).filter(|p| p.len() == last.end) {
                    page.extend_from_slice(&data[..chars]);
                    last.end += chars;
                    s.len += chars;
                    *done = chars;
                }
            }
        }
        Ok(())
    }

    /// Fills free pages with the rest of `data`: Some when the write is
    /// over (all written, or EPIPE), None when the ring is full.
    fn try_fill(&self, data: &[u8], packet: bool, done: &mut usize) -> Option<Result<(), Errno>> {
        if self.readers.load(Ordering::Acquire) == 0 {
            return Some(Err(Errno::EPIPE));
        }
        let mut s = self.state.lock();
        while *done < data.len() && !s.full() {
            let n = (data.len() - *done).min(PAGE);
            // Out of memory: what was written so far, else ENOMEM (Linux's
            // pipe_write when alloc_page fails).
            let mut page = Vec::new();
            if platform::mem::frame::short() || page.try_reserve_exact(if packet { n } else { PAGE }).is_err() {
                return Some(if *done > 0 { Ok(()) } else { Err(Errno::ENOMEM) });
            }
            page.extend_from_slice(&data[*done..*done + n]);
            s.bufs.push_back(Buf { data: Arc::new(page), off: 0, end: n, packet, merge: !packet });
            s.len += n;
            *done += n;
        }
        if *done == data.len() {
            Some(Ok(()))
        } else {
            None
        }
    }
}
