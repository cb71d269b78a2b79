//! AF_NETLINK message codec (netlink(7)): `nlmsghdr` framing, attributes
//! (`rtattr`/`nlattr`, 4-byte aligned), NLMSG_ERROR and NLMSG_DONE
//! replies, and the rtnetlink protocol for the loopback interface
//! ([`route`]).

use alloc::vec::Vec;

pub mod route;
pub mod uevent;

pub const NLMSG_HDRLEN: usize = 16;
pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;
pub const NLM_F_REQUEST: u16 = 1;
pub const NLM_F_MULTI: u16 = 2;
pub const NLM_F_ACK: u16 = 4;
pub const NLM_F_ROOT: u16 = 0x100;
pub const NLM_F_MATCH: u16 = 0x200;
pub const NLM_F_DUMP: u16 = NLM_F_ROOT | NLM_F_MATCH;
pub const NLM_F_EXCL: u16 = 0x200;
pub const NLM_F_CREATE: u16 = 0x400;

/// NLMSG_ALIGN / RTA_ALIGN.
pub const fn align(n: usize) -> usize {
    (n + 3) & !3
}

/// A request's header.
#[derive(Clone, Copy, Debug)]
pub struct Header {
    pub len: u32,
    pub ty: u16,
    pub flags: u16,
    pub seq: u32,
    pub pid: u32,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The messages of a datagram: each header with its whole message
/// (header included). Parsing stops at a header whose length is short or
/// runs past the datagram, as Linux's netlink_rcv_skb.
pub fn messages(dgram: &[u8]) -> Vec<(Header, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + NLMSG_HDRLEN <= dgram.len() {
        let (Some(len), Some(ty), Some(flags), Some(seq), Some(pid)) =
            (u32_at(dgram, at), u16_at(dgram, at + 4), u16_at(dgram, at + 6), u32_at(dgram, at + 8), u32_at(dgram, at + 12))
        else {
            break;
        };
        let l = len as usize;
        if l < NLMSG_HDRLEN || l > dgram.len() - at {
            break;
        }
        out.push((Header { len, ty, flags, seq, pid }, &dgram[at..at + l]));
        at += align(l);
    }
    out
}

/// Attributes of a payload: (type without the nested/byte-order bits,
/// data).
pub fn attrs(mut b: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    while b.len() >= 4 {
        let len = u16::from_ne_bytes([b[0], b[1]]) as usize;
        let ty = u16::from_ne_bytes([b[2], b[3]]) & 0x3fff;
        if len < 4 || len > b.len() {
            break;
        }
        out.push((ty, &b[4..len]));
        b = &b[align(len).min(b.len())..];
    }
    out
}

/// A message being built.
pub struct Builder {
    pub buf: Vec<u8>,
    start: usize,
}

impl Builder {
    /// Starts a message of `ty` in `buf`.
    pub fn new(buf: Vec<u8>, ty: u16, flags: u16, seq: u32, pid: u32) -> Builder {
        let mut buf = buf;
        let start = buf.len();
        buf.extend_from_slice(&0u32.to_ne_bytes());
        buf.extend_from_slice(&ty.to_ne_bytes());
        buf.extend_from_slice(&flags.to_ne_bytes());
        buf.extend_from_slice(&seq.to_ne_bytes());
        buf.extend_from_slice(&pid.to_ne_bytes());
        Builder { buf, start }
    }

    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }

    /// One attribute, padded.
    pub fn attr(&mut self, ty: u16, data: &[u8]) -> &mut Self {
        let len = 4 + data.len();
        self.buf.extend_from_slice(&(len as u16).to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(data);
        self.buf.resize(self.buf.len() + (align(len) - len), 0);
        self
    }

    /// Ends the message (sets its length) and returns the buffer.
    pub fn finish(mut self) -> Vec<u8> {
        let len = (self.buf.len() - self.start) as u32;
        self.buf[self.start..self.start + 4].copy_from_slice(&len.to_ne_bytes());
        let pad = align(self.buf.len()) - self.buf.len();
        self.buf.resize(self.buf.len() + pad, 0);
        self.buf
    }
}

/// NLMSG_ERROR for `req` with `errno` (0: an acknowledgement): the
/// request's header, and on an error its whole message (netlink_ack
/// without NETLINK_CAP_ACK).
pub fn ack(h: &Header, req: &[u8], errno: i32, portid: u32) -> Vec<u8> {
    let mut b = Builder::new(Vec::new(), NLMSG_ERROR, if errno == 0 { 0x100 } else { 0 }, h.seq, portid);
    b.bytes(&(-errno).to_ne_bytes());
    if errno == 0 {
        b.bytes(&req[..NLMSG_HDRLEN]);
    } else {
        b.bytes(req);
    }
    b.finish()
}

/// NLMSG_DONE ending a dump.
pub fn done(buf: Vec<u8>, h: &Header, portid: u32) -> Vec<u8> {
    let mut b = Builder::new(buf, NLMSG_DONE, NLM_F_MULTI, h.seq, portid);
    b.bytes(&0i32.to_ne_bytes());
    b.finish()
}
