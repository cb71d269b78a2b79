//! Host tests of the protocol state (no waiting: EAGAIN where a call
//! would wait).

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::conn::pair;
use super::names::Key;
use crate::poll::*;
use super::send::Ancillary;
use super::*;
use crate::{Cred, Errno};

const ME: Cred = Cred { pid: 7, uid: 1000, gid: 100 };

fn send(s: &UnixSocket, data: &[u8]) -> Result<usize, Errno> {
    let mut done = 0;
    s.send(data, &mut done, &mut Ancillary::plain(ME), None, false)
}

fn recv(s: &UnixSocket, n: usize) -> Result<Vec<u8>, Errno> {
    let mut buf = alloc::vec![0; n];
    let r = s.recv(&mut buf, false)?;
    buf.truncate(r.len);
    Ok(buf)
}

#[test]
fn stream_pair_moves_bytes_and_joins_writes() {
    let (a, b) = pair(Kind::Stream, ME);
    assert_eq!(send(&a, b"hel"), Ok(3));
    assert_eq!(send(&a, b"lo"), Ok(2));
    assert_eq!(b.inq(), 5);
    assert_eq!(recv(&b, 16).unwrap(), b"hello");
    assert_eq!(recv(&b, 16), Err(Errno::EAGAIN));
    assert_eq!(a.outq(), 0);
}

#[test]
fn close_gives_eof_and_epipe() {
    let (a, b) = pair(Kind::Stream, ME);
    a.release();
    assert_eq!(recv(&b, 4).unwrap(), b"");
    assert_eq!(send(&b, b"x"), Err(Errno::EPIPE));
    assert_eq!(b.poll() & (POLLHUP | POLLRDHUP | POLLIN), POLLHUP | POLLRDHUP | POLLIN);
}

#[test]
fn close_with_unread_data_resets_peer() {
    let (a, b) = pair(Kind::Stream, ME);
    send(&b, b"unread").unwrap();
    a.release();
    assert_eq!(recv(&b, 4), Err(Errno::ECONNRESET));
    assert_eq!(recv(&b, 4).unwrap(), b"");
}

#[test]
fn datagram_boundaries_and_truncation() {
    let (a, b) = pair(Kind::Dgram, ME);
    send(&a, b"first").unwrap();
    send(&a, b"second").unwrap();
    let mut buf = [0u8; 3];
    let r = b.recv(&mut buf, false).unwrap();
    assert_eq!((r.len, r.full), (3, 5));
    assert_eq!(recv(&b, 16).unwrap(), b"second");
}

#[test]
fn full_receiver_blocks_unconnected_senders() {
    let r = UnixSocket::new(Kind::Dgram);
    r.bind(Addr::Abstract(b"t-full".to_vec()), Key::Abstract(b"t-full".to_vec(), 2)).unwrap();
    let s = UnixSocket::new(Kind::Dgram);
    let mut n = 0;
    loop {
        let mut done = 0;
        match s.send(b"x", &mut done, &mut Ancillary::plain(ME), Some(&r), true) {
            Ok(_) => n += 1,
            Err(e) => {
                assert_eq!(e, Errno::EAGAIN);
                break;
            }
        }
    }
    assert_eq!(n, MAX_DGRAM_QLEN + 1);
    recv(&r, 1).unwrap();
    let mut done = 0;
    assert_eq!(s.send(b"y", &mut done, &mut Ancillary::plain(ME), Some(&r), true), Ok(1));
}

#[test]
fn listen_connect_accept_with_backlog() {
    let l = UnixSocket::new(Kind::Stream);
    assert_eq!(l.listen(0, ME), Err(Errno::EINVAL));
    l.bind(Addr::Abstract(b"t-listen".to_vec()), Key::Abstract(b"t-listen".to_vec(), 1)).unwrap();
    l.listen(0, ME).unwrap();
    let c1 = UnixSocket::new(Kind::Stream);
    c1.connect_stream(&l, ME).unwrap();
    let c2 = UnixSocket::new(Kind::Stream);
    assert_eq!(c2.connect_stream(&l, ME), Err(Errno::EAGAIN));
    assert!(l.poll() & POLLIN != 0);
    send(&c1, b"early").unwrap();
    let s = l.accept().unwrap();
    assert_eq!(recv(&s, 8).unwrap(), b"early");
    c2.connect_stream(&l, ME).unwrap();
    assert_eq!(s.peer_cred(), Some(ME));
    let d = UnixSocket::new(Kind::Dgram);
    assert_eq!(d.connect_dgram(Some(&l)), Err(Errno::EPROTOTYPE));
}

#[test]
fn rights_travel_and_stop_a_stream_read() {
    let (a, b) = pair(Kind::Stream, ME);
    let att: Attachment = Arc::new(5u32);
    let mut anc = Ancillary::plain(ME);
    anc.rights.push(att);
    let mut done = 0;
    a.send(b"ab", &mut done, &mut anc, None, false).unwrap();
    send(&a, b"cd").unwrap();
    let mut buf = [0u8; 8];
    let r = b.recv(&mut buf, false).unwrap();
    assert_eq!((r.len, r.rights.len()), (2, 1));
    assert_eq!(recv(&b, 8).unwrap(), b"cd");
}

#[test]
fn passcred_gives_sender_credentials() {
    let (a, b) = pair(Kind::Dgram, ME);
    b.passcred.store(true, core::sync::atomic::Ordering::Relaxed);
    send(&a, b"n").unwrap();
    let mut buf = [0u8; 4];
    assert_eq!(b.recv(&mut buf, false).unwrap().cred, Some(ME));
}

#[test]
fn seqpacket_keeps_records_and_ends_with_eof() {
    let (a, b) = pair(Kind::SeqPacket, ME);
    send(&a, b"one").unwrap();
    send(&a, b"two!").unwrap();
    let mut buf = [0u8; 2];
    let r = b.recv(&mut buf, false).unwrap();
    assert_eq!((r.len, r.full), (2, 3));
    assert_eq!(recv(&b, 8).unwrap(), b"two!");
    a.release();
    assert_eq!(recv(&b, 8).unwrap(), b"");
    assert_eq!(send(&b, b"x"), Err(Errno::EPIPE));
    let lone = UnixSocket::new(Kind::SeqPacket);
    assert_eq!(recv(&lone, 1), Err(Errno::ENOTCONN));
}

#[test]
fn shutdown_is_mirrored_on_the_peer() {
    let (a, b) = pair(Kind::Stream, ME);
    a.shutdown(1).unwrap();
    assert_eq!(send(&a, b"x"), Err(Errno::EPIPE));
    assert_eq!(recv(&b, 1).unwrap(), b"");
    assert_eq!(b.poll() & (POLLRDHUP | POLLHUP), POLLRDHUP);
    assert_eq!(a.shutdown(3), Err(Errno::EINVAL));
}

#[test]
fn datagram_peers_refuse_strangers_and_notice_a_closed_peer() {
    let (a, b) = pair(Kind::Dgram, ME);
    let stranger = UnixSocket::new(Kind::Dgram);
    let mut done = 0;
    assert_eq!(stranger.send(b"x", &mut done, &mut Ancillary::plain(ME), Some(&b), true), Err(Errno::EPERM));
    b.release();
    assert_eq!(send(&a, b"x"), Err(Errno::ECONNREFUSED));
    assert_eq!(send(&a, b"x"), Err(Errno::ENOTCONN));
}

#[test]
fn a_sender_is_charged_until_the_reader_consumes() {
    let (a, b) = pair(Kind::Stream, ME);
    send(&a, &[0u8; 1000]).unwrap();
    assert!(a.outq() >= 1000);
    assert_eq!(b.inq(), 1000);
    recv(&b, 400).unwrap();
    assert!(a.outq() >= 600);
    recv(&b, 600).unwrap();
    assert_eq!(a.outq(), 0);
}

#[test]
fn zero_length_stream_calls_neither_queue_nor_wait() {
    let (a, b) = pair(Kind::Stream, ME);
    assert_eq!(send(&a, b""), Ok(0));
    assert_eq!(b.inq(), 0);
    assert_eq!(recv(&b, 0).unwrap(), b"");
    a.shutdown(1).unwrap();
    assert_eq!(send(&a, b""), Err(Errno::EPIPE));
}
