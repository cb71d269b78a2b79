//! The text of /proc/net/unix (Linux's unix_seq_show), for the procfs
//! that serves it: a header, then one line per socket with its kernel
//! address (zeros, as `%pK` prints for an unprivileged reader), reference
//! count, protocol (0), flags (__SO_ACCEPTCON for a listener), type,
//! state (SS_UNCONNECTED 1, SS_CONNECTED 3), inode number and name: a
//! path as bound, an abstract name with `@` for its leading NUL (and for
//! every NUL in it).

use alloc::string::String;
use alloc::sync::Arc;
use core::fmt::Write;

use super::{names, Addr, Conn, UnixSocket};

const SO_ACCEPTCON: u32 = 1 << 16;

/// One line for `s` (without the newline).
pub fn line(s: &Arc<UnixSocket>, out: &mut String) {
    let (listening, connected) = match s.state.lock().conn {
        Conn::Listening { .. } => (true, false),
        Conn::Connected(_) => (false, true),
        Conn::Unconnected => (false, false),
    };
    let _ = write!(
        out,
        "0000000000000000: {:08X} {:08X} {:08X} {:04X} {:02X} {:5}",
        Arc::strong_count(s),
        0,
        if listening { SO_ACCEPTCON } else { 0 },
        s.kind() as u32,
        if connected { 3 } else { 1 },
        s.ino()
    );
    if let Some(a) = s.addr() {
        out.push(' ');
        match &*a {
            Addr::Path(p) => p.iter().for_each(|&b| out.push(b as char)),
            Addr::Abstract(n) => {
                out.push('@');
                n.iter().for_each(|&b| out.push(if b == 0 { '@' } else { b as char }));
            }
        }
    }
}

/// The whole file.
pub fn net_unix() -> String {
    let mut out = String::from("Num       RefCount Protocol Flags    Type St Inode Path\n");
    for s in names::all().iter().filter(|s| !s.is_dead()) {
        line(s, &mut out);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unix::names::Key;
    use crate::unix::Kind;
    use alloc::vec::Vec;

    #[test]
    fn lists_a_listener_with_its_abstract_name() {
        let s = UnixSocket::new(Kind::Stream);
        s.bind(Addr::Abstract(b"proc-test".to_vec()), Key::Abstract(b"proc-test".to_vec(), 1)).unwrap();
        s.listen(5, crate::Cred::default()).unwrap();
        let text = net_unix();
        let mine: Vec<&str> = text.lines().filter(|l| l.ends_with("@proc-test")).collect();
        assert_eq!(mine.len(), 1);
        assert!(mine[0].contains(" 00010000 0001 01 "), "{}", mine[0]);
        assert!(text.starts_with("Num       RefCount Protocol Flags    Type St Inode Path\n"));
    }
}
