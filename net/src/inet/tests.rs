//! Host tests of the loopback stack: a TCP connection made, carried and
//! refused; UDP datagrams with truncation; bind conflicts.

use alloc::vec::Vec;

use super::addr::encode;
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
