//! Host tests of the loopback stack: a TCP connection made, carried and
//! refused; UDP datagrams with truncation; bind conflicts.

use alloc::vec::Vec;

use super::addr::encode;
use crate::poll::{POLLERR, POLLHUP, POLLIN, POLLRDHUP};
use super::*;

fn v4(port: u16) -> Vec<u8> {
    encode(Some(IpAddress::Ipv4(Ipv4Address::new(127, 0, 0, 1))), port, false)
}

fn run(s: &mut Stack, t: &mut u64) {
    let mut w = Vec::new();
    *t += 1_000_000;
    s.poll(*t, &mut w);
}

#[test]
fn tcp_connect_send_recv() {
    let mut t = 1;
    let mut s = Stack::new(t);
    let (l, _) = s.open(Proto::Tcp, false);
    s.bind(l, &v4(5000)).unwrap();
    s.listen(l, 4).unwrap();
    let (c, _) = s.open(Proto::Tcp, false);
    assert_eq!(s.tcp_connect(c, &v4(5000)), Err(Errno::EINPROGRESS));
    assert_eq!(s.connect_result(c), Err(Errno::EAGAIN));
    run(&mut s, &mut t);
    assert_eq!(s.connect_result(c), Ok(()));
    assert!(s.poll_mask(l) & POLLIN != 0);
    let (a, _) = s.accept(l).unwrap();
    assert_eq!(s.tcp_send(c, b"hello"), Ok(5));
    run(&mut s, &mut t);
    let mut b = [0u8; 16];
    assert_eq!(s.tcp_recv(a, &mut b, false), Ok(5));
    assert_eq!(&b[..5], b"hello");
    assert_eq!(s.tcp_recv(a, &mut b, false), Err(Errno::EAGAIN));
    s.close(c);
    run(&mut s, &mut t);
    assert_eq!(s.tcp_recv(a, &mut b, false), Ok(0));
    assert!(s.poll_mask(a) & POLLRDHUP != 0);
}

#[test]
fn tcp_refused() {
    let mut t = 1;
    let mut s = Stack::new(t);
    let (c, _) = s.open(Proto::Tcp, false);
    assert_eq!(s.tcp_connect(c, &v4(5001)), Err(Errno::EINPROGRESS));
    run(&mut s, &mut t);
    assert_eq!(s.connect_result(c), Err(Errno::ECONNREFUSED));
}

#[test]
fn udp_truncates() {
    let mut t = 1;
    let mut s = Stack::new(t);
    let (a, _) = s.open(Proto::Udp, false);
    s.bind(a, &v4(6000)).unwrap();
    let (b, _) = s.open(Proto::Udp, false);
    assert_eq!(s.udp_send(b, b"0123456789", Some(&v4(6000))), Ok(10));
    run(&mut s, &mut t);
    let mut buf = [0u8; 4];
    let d = s.udp_recv(a, &mut buf, false).unwrap();
    assert_eq!((d.copied, d.full), (4, 10));
    assert!(s.udp_recv(a, &mut buf, false).is_err());
}

#[test]
fn bind_rules() {
    let mut s = Stack::new(1);
    let (a, _) = s.open(Proto::Tcp, false);
    let (b, _) = s.open(Proto::Tcp, false);
    s.bind(a, &v4(7000)).unwrap();
    assert_eq!(s.bind(b, &v4(7000)), Err(Errno::EADDRINUSE));
    assert_eq!(s.bind(a, &v4(7001)), Err(Errno::EINVAL));
    let far = encode(Some(IpAddress::Ipv4(Ipv4Address::new(10, 0, 0, 1))), 7002, false);
    assert_eq!(s.bind(b, &far), Err(Errno::EADDRNOTAVAIL));
    let (c, _) = s.open(Proto::Tcp, true);
    let six = encode(Some(IpAddress::Ipv6(Ipv6Address::LOCALHOST)), 7000, true);
    s.bind(c, &six).unwrap();
}

#[test]
fn poll_wakes_only_changed_sockets() {
    let mut t = 1;
    let mut s = Stack::new(t);
    let (l, lq) = s.open(Proto::Tcp, false);
    s.bind(l, &v4(5100)).unwrap();
    s.listen(l, 1).unwrap();
    let (c, _) = s.open(Proto::Tcp, false);
    let _ = s.tcp_connect(c, &v4(5100));
    let mut w = Vec::new();
    t += 1000;
    s.poll(t, &mut w);
    assert!(w.iter().any(|q| Arc::ptr_eq(q, &lq)), "the listener is woken by a connection");
    let (a, aq) = s.accept(l).unwrap();
    w.clear();
    s.poll(t, &mut w);
    assert!(w.is_empty() || !w.iter().any(|q| Arc::ptr_eq(q, &aq)));
    s.tcp_send(c, b"x").unwrap();
    w.clear();
    s.poll(t + 1000, &mut w);
    assert!(w.iter().any(|q| Arc::ptr_eq(q, &aq)), "the reader is woken by data: {:x} {}", s.poll_mask(a), w.len());
    assert!(s.poll_mask(a) & POLLIN != 0);
}

#[test]
fn ipv6_and_mapped() {
    let mut t = 1;
    let mut s = Stack::new(t);
    let (l, _) = s.open(Proto::Tcp, true);
    s.bind(l, &encode(None, 5200, true)).unwrap();
    s.listen(l, 2).unwrap();
    let (c, _) = s.open(Proto::Tcp, false);
    let _ = s.tcp_connect(c, &v4(5200));
    run(&mut s, &mut t);
    let (a, _) = s.accept(l).unwrap();
    let peer = s.peer_name(a).unwrap();
    assert_eq!(peer.len(), 28);
    assert_eq!(&peer[8..20], &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);
    // A V6ONLY wildcard leaves IPv4 to others.
    let (x, _) = s.open(Proto::Tcp, true);
    s.setsockopt(x, opts::IPPROTO_IPV6, 26, &1i32.to_ne_bytes()).unwrap();
    s.bind(x, &encode(None, 5300, true)).unwrap();
    let (y, _) = s.open(Proto::Tcp, false);
    s.bind(y, &v4(5300)).unwrap();
}

#[test]
fn shutdown_and_hup() {
    let mut t = 1;
    let mut s = Stack::new(t);
    let (l, _) = s.open(Proto::Tcp, false);
    s.bind(l, &v4(5400)).unwrap();
    s.listen(l, 1).unwrap();
    let (c, _) = s.open(Proto::Tcp, false);
    let _ = s.tcp_connect(c, &v4(5400));
    run(&mut s, &mut t);
    let (a, _) = s.accept(l).unwrap();
    s.shutdown(a, 1).unwrap();
    run(&mut s, &mut t);
    assert_eq!(s.poll_mask(c) & (POLLIN | POLLRDHUP | POLLHUP), POLLIN | POLLRDHUP);
    s.shutdown(c, 1).unwrap();
    run(&mut s, &mut t);
    assert!(s.poll_mask(c) & POLLHUP != 0);
    assert_eq!(s.shutdown(c, 3), Err(Errno::EINVAL));
}

#[test]
fn full_accept_queue_drops_the_syn() {
    let mut t = 1;
    let mut s = Stack::new(t);
    let (l, _) = s.open(Proto::Tcp, false);
    s.bind(l, &v4(5002)).unwrap();
    // Backlog 0: one connection waits for accept.
    s.listen(l, 0).unwrap();
    let (c1, _) = s.open(Proto::Tcp, false);
    let (c2, _) = s.open(Proto::Tcp, false);
    assert_eq!(s.tcp_connect(c1, &v4(5002)), Err(Errno::EINPROGRESS));
    run(&mut s, &mut t);
    assert_eq!(s.connect_result(c1), Ok(()));
    assert_eq!(s.tcp_connect(c2, &v4(5002)), Err(Errno::EINPROGRESS));
    run(&mut s, &mut t);
    // Not refused: still connecting, the SYN was dropped.
    assert_eq!(s.connect_result(c2), Err(Errno::EAGAIN));
    assert_eq!(s.dev.overflows, 1);
    s.accept(l).unwrap();
    // The SYN's retransmission (within smoltcp's first RTO) gets in.
    let mut w = Vec::new();
    for _ in 0..30 {
        t += 100_000_000;
        s.poll(t, &mut w);
    }
    assert_eq!(s.connect_result(c2), Ok(()));
    s.accept(l).unwrap();
}

#[test]
fn close_with_unread_data_resets_the_peer() {
    let mut t = 1;
    let mut s = Stack::new(t);
    let (l, _) = s.open(Proto::Tcp, false);
    s.bind(l, &v4(5003)).unwrap();
    s.listen(l, 4).unwrap();
    let (c, _) = s.open(Proto::Tcp, false);
    assert_eq!(s.tcp_connect(c, &v4(5003)), Err(Errno::EINPROGRESS));
    run(&mut s, &mut t);
    let (a, _) = s.accept(l).unwrap();
    assert_eq!(s.tcp_send(c, b"unread"), Ok(6));
    run(&mut s, &mut t);
    s.close(a);
    run(&mut s, &mut t);
    assert!(s.poll_mask(c) & (POLLERR | POLLHUP) == POLLERR | POLLHUP);
    let mut b = [0u8; 8];
    assert_eq!(s.tcp_recv(c, &mut b, false), Err(Errno::ECONNRESET));
    assert_eq!(s.tcp_recv(c, &mut b, false), Ok(0));
    assert_eq!(s.tcp_send(c, b"x"), Err(Errno::EPIPE));
}
