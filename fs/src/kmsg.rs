//! The kernel log ring behind /dev/kmsg and syslog(2) (Linux's printk
//! ringbuffer, `kernel/printk/printk.c`), as pure data: the kernel keeps
//! one [`Ring`] under a lock and wakes readers itself.
//!
//! A record has a sequence number (consecutive from 0), a priority
//! (`facility << 3 | level`), a timestamp in microseconds since boot and
//! its text (without the trailing newline). The ring holds at most
//! [`Ring::capacity`] bytes, counting each record as its text plus a fixed
//! header as Linux does; the oldest records go first.
//!
//! Formats, as Linux writes them:
//! - /dev/kmsg ([`Ring::format_dev`]): `PRIO,SEQ,USEC,-;TEXT\n`, with
//!   bytes below 0x20, from 0x7f up, and `\` written as `\xNN`;
//! - syslog(2) ([`Ring::format_syslog`]): `<PRIO>[SSSSS.UUUUUU] TEXT\n`,
//!   the prefix repeated on each line of a multi-line record.
//!
//! A /dev/kmsg reader ([`Reader`]) starts at the oldest record and reads
//! one record per call: EINVAL if the buffer cannot hold it (the record
//! is skipped, as Linux 6.x), EAGAIN at the end, EPIPE once when records it had not read were
//! dropped (it then continues from the oldest one left).
//!
//! Differences: a record is readable as soon as it is added (Linux keeps
//! a record whose text had no final newline open for continuation until
//! the next one arrives), and writes are not rate-limited.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::errno::{Errno, Result};

/// What a record costs besides its text (Linux's `struct printk_info`
/// and descriptor, roughly).
const RECORD_OVERHEAD: usize = 32;
/// The default facility of a write without one (LOG_USER) and the
/// default level (CONFIG_MESSAGE_LOGLEVEL_DEFAULT, KERN_WARNING).
pub const LOG_USER: u32 = 1;
pub const DEFAULT_LEVEL: u32 = 4;
/// Linux's PRINTKRB_RECORD_MAX: a longer /dev/kmsg write is EINVAL.
pub const WRITE_MAX: usize = 1024;

pub struct Record {
    pub seq: u64,
    pub prio: u32,
    pub usec: u64,
    pub text: Vec<u8>,
}

pub struct Ring {
    records: VecDeque<Record>,
    bytes: usize,
    capacity: usize,
    next_seq: u64,
    /// The first record after the last SYSLOG_ACTION_CLEAR (SEEK_DATA,
    /// READ_ALL start here).
    pub clear_seq: u64,
    /// Where SYSLOG_ACTION_READ (destructive) continues.
    pub syslog_seq: u64,
}

impl Ring {
    /// An empty ring of `capacity` bytes.
    pub const fn new(capacity: usize) -> Ring {
        Ring { records: VecDeque::new(), bytes: 0, capacity, next_seq: 0, clear_seq: 0, syslog_seq: 0 }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Appends a record, dropping the oldest ones to make room; its
    /// sequence number.
    pub fn push(&mut self, prio: u32, usec: u64, text: &[u8]) -> u64 {
        let text = text.strip_suffix(b"\n").unwrap_or(text);
        let text = &text[..text.len().min(self.capacity.saturating_sub(RECORD_OVERHEAD))];
        let cost = text.len() + RECORD_OVERHEAD;
        while self.bytes + cost > self.capacity {
            match self.records.pop_front() {
                Some(r) => self.bytes -= r.text.len() + RECORD_OVERHEAD,
                None => break,
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.bytes += cost;
        self.records.push_back(Record { seq, prio, usec, text: text.to_vec() });
        seq
    }

    /// The oldest record still held (`next_seq` when empty).
    pub fn first_seq(&self) -> u64 {
        self.records.front().map_or(self.next_seq, |r| r.seq)
    }

    /// The sequence number the next record will have.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The record `seq`, if still held.
    pub fn get(&self, seq: u64) -> Option<&Record> {
        let first = self.first_seq();
        if seq < first {
            return None;
        }
        self.records.get((seq - first) as usize)
    }

    /// The /dev/kmsg form of `r`.
    pub fn format_dev(r: &Record, out: &mut Vec<u8>) {
        use core::fmt::Write;
        let mut head = alloc::string::String::new();
        let _ = write!(head, "{},{},{},-;", r.prio, r.seq, r.usec);
        out.extend_from_slice(head.as_bytes());
        for &c in &r.text {
            if !(b' '..0x7f).contains(&c) || c == b'\\' {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[b'\\', b'x', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
            } else {
                out.push(c);
            }
        }
        out.push(b'\n');
    }

    /// The syslog(2) form of `r` (with Linux's printk.time on): each line
    /// of a record's text gets the prefix.
    pub fn format_syslog(r: &Record, out: &mut Vec<u8>) {
        use core::fmt::Write;
        let mut head = alloc::string::String::new();
        let _ = write!(head, "<{}>[{:5}.{:06}] ", r.prio, r.usec / 1_000_000, r.usec % 1_000_000);
        for line in r.text.split(|&c| c == b'\n') {
            out.extend_from_slice(head.as_bytes());
            out.extend_from_slice(line);
            out.push(b'\n');
        }
    }

    /// The syslog(2) text of the records from `from` on, at most `max`
    /// bytes of it: the newest records that fit whole (READ_ALL).
    pub fn syslog_tail(&self, from: u64, max: usize) -> Vec<u8> {
        let mut lines: Vec<Vec<u8>> = Vec::new();
        let mut total = 0;
        for r in self.records.iter().rev() {
            if r.seq < from {
                break;
            }
            let mut line = Vec::new();
            Ring::format_syslog(r, &mut line);
            if total + line.len() > max {
                break;
            }
            total += line.len();
            lines.push(line);
        }
        lines.into_iter().rev().flatten().collect()
    }

    /// Bytes of syslog(2) text from `from` on (SIZE_UNREAD counts them).
    pub fn syslog_len(&self, from: u64) -> usize {
        let mut n = 0;
        for r in self.records.iter().filter(|r| r.seq >= from) {
            let mut line = Vec::new();
            Ring::format_syslog(r, &mut line);
            n += line.len();
        }
        n
    }
}

/// Splits a /dev/kmsg write into its priority and text: a leading `<N>`
/// sets the level (N & 7) and, when its facility (N >> 3) is not 0, the
/// facility; otherwise LOG_USER at the default level. A NUL byte ends
/// the text.
pub fn parse_write(data: &[u8]) -> (u32, &[u8]) {
    // Linux prints the text with "%s": it ends at the first NUL.
    let data = &data[..data.iter().position(|&c| c == 0).unwrap_or(data.len())];
    let default = LOG_USER << 3 | DEFAULT_LEVEL;
    if data.first() != Some(&b'<') {
        return (default, data);
    }
    let digits = data[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if data.get(1 + digits) != Some(&b'>') {
        return (default, data);
    }
    // simple_strtoul: no digits is 0; overflow wraps (u32 here).
    let mut u: u32 = 0;
    for &c in &data[1..1 + digits] {
        u = u.wrapping_mul(10).wrapping_add((c - b'0') as u32);
    }
    let facility = if u >> 3 != 0 { u >> 3 } else { LOG_USER };
    (facility << 3 | (u & 7), &data[2 + digits..])
}

/// One open /dev/kmsg: the next record it reads.
pub struct Reader {
    pub seq: u64,
}

impl Reader {
    /// A reader starting at the oldest record.
    pub fn new(ring: &Ring) -> Reader {
        Reader { seq: ring.first_seq() }
    }

    /// Whether records it had not read were dropped.
    pub fn lost(&self, ring: &Ring) -> bool {
        self.seq < ring.first_seq()
    }

    /// Whether a read would return a record now.
    pub fn ready(&self, ring: &Ring) -> bool {
        self.seq < ring.next_seq()
    }

    /// Reads one record into `buf` (see the module documentation).
    pub fn read(&mut self, ring: &Ring, buf: &mut [u8]) -> Result<usize> {
        if self.lost(ring) {
            self.seq = ring.first_seq();
            return Err(Errno::EPIPE);
        }
        let r = ring.get(self.seq).ok_or(Errno::EAGAIN)?;
        let mut out = Vec::new();
        Ring::format_dev(r, &mut out);
        // Linux 6.x moves past the record before checking the size.
        self.seq += 1;
        if out.len() > buf.len() {
            return Err(Errno::EINVAL);
        }
        buf[..out.len()].copy_from_slice(&out);
        Ok(out.len())
    }

    /// lseek(2): offset 0 only (else ESPIPE); SEEK_SET to the oldest
    /// record, SEEK_DATA to the first after the last clear, SEEK_END past
    /// the newest; another whence is EINVAL.
    pub fn seek(&mut self, ring: &Ring, off: i64, whence: u64) -> Result<u64> {
        if off != 0 {
            return Err(Errno::ESPIPE);
        }
        self.seq = match whence {
            0 => ring.first_seq(),
            3 => ring.clear_seq.max(ring.first_seq()),
            2 => ring.next_seq(),
            _ => return Err(Errno::EINVAL),
        };
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(r: &mut Reader, ring: &Ring) -> Result<alloc::string::String> {
        let mut buf = [0u8; 256];
        let n = r.read(ring, &mut buf)?;
        Ok(alloc::string::String::from_utf8(buf[..n].to_vec()).unwrap())
    }

    #[test]
    fn write_priorities() {
        assert_eq!(parse_write(b"hello"), (12, &b"hello"[..]));
        assert_eq!(parse_write(b"<3>err"), (11, &b"err"[..]));
        assert_eq!(parse_write(b"<14>info"), (14, &b"info"[..]));
        assert_eq!(parse_write(b"<0>x"), (8, &b"x"[..]));
        assert_eq!(parse_write(b"<30>d"), (30, &b"d"[..]));
        assert_eq!(parse_write(b"<>x"), (8, &b"x"[..]));
        assert_eq!(parse_write(b"<3x"), (12, &b"<3x"[..]));
        assert_eq!(parse_write(b"<5>a\0b\n"), (13, &b"a"[..]));
    }

    #[test]
    fn records_and_format() {
        let mut ring = Ring::new(4096);
        let mut r = Reader::new(&ring);
        assert_eq!(r.read(&ring, &mut [0; 64]), Err(Errno::EAGAIN));
        ring.push(6, 1_500_000, b"one\n");
        ring.push(12, 2_000_001, b"a\tb\\c\xff");
        assert_eq!(read_str(&mut r, &ring).unwrap(), "6,0,1500000,-;one\n");
        assert_eq!(read_str(&mut r, &ring).unwrap(), "12,1,2000001,-;a\\x09b\\x5cc\\xff\n");
        ring.push(6, 0, b"long enough");
        assert_eq!(r.read(&ring, &mut [0; 8]), Err(Errno::EINVAL));
        assert_eq!(r.read(&ring, &mut [0; 64]), Err(Errno::EAGAIN));
        let mut out = Vec::new();
        Ring::format_syslog(ring.get(0).unwrap(), &mut out);
        assert_eq!(out, b"<6>[    1.500000] one\n");
        ring.push(14, 0, b"x\ny");
        let mut out = Vec::new();
        Ring::format_syslog(ring.get(3).unwrap(), &mut out);
        assert_eq!(out, b"<14>[    0.000000] x\n<14>[    0.000000] y\n");
    }

    #[test]
    fn overwrite_is_epipe_once() {
        let mut ring = Ring::new(RECORD_OVERHEAD * 3 + 30);
        let mut r = Reader::new(&ring);
        for i in 0..10u8 {
            ring.push(6, 0, &[b'0' + i; 10]);
        }
        assert_eq!(ring.first_seq(), 7);
        assert!(r.lost(&ring));
        assert_eq!(r.read(&ring, &mut [0; 64]), Err(Errno::EPIPE));
        assert!(read_str(&mut r, &ring).unwrap().starts_with("6,7,0,-;7777"));
    }

    #[test]
    fn seeks() {
        let mut ring = Ring::new(4096);
        for _ in 0..5 {
            ring.push(6, 0, b"x");
        }
        ring.clear_seq = 3;
        let mut r = Reader::new(&ring);
        assert_eq!(r.seek(&ring, 1, 0), Err(Errno::ESPIPE));
        assert_eq!(r.seek(&ring, 0, 1), Err(Errno::EINVAL));
        r.seek(&ring, 0, 2).unwrap();
        assert_eq!(r.seq, 5);
        r.seek(&ring, 0, 3).unwrap();
        assert_eq!(r.seq, 3);
        r.seek(&ring, 0, 0).unwrap();
        assert_eq!(r.seq, 0);
    }

    #[test]
    fn syslog_tail_keeps_newest() {
        let mut ring = Ring::new(4096);
        ring.push(6, 0, b"first");
        ring.push(6, 0, b"second");
        let all = ring.syslog_tail(0, 1000);
        assert_eq!(all, b"<6>[    0.000000] first\n<6>[    0.000000] second\n");
        assert_eq!(ring.syslog_len(0), all.len());
        assert_eq!(ring.syslog_tail(0, 30), b"<6>[    0.000000] second\n");
    }
}
