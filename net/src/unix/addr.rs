//! AF_UNIX addresses (unix(7) "Address format"): parsing a `sockaddr_un`
//! the caller passed, and the bytes getsockname/getpeername/recvfrom give
//! back.
//!
//! As Linux's unix_validate_addr and unix_mkname_bsd: an address is at
//! least the family plus one byte and at most `sizeof(sockaddr_un)` (110);
//! a first path byte of NUL names the abstract namespace (every following
//! byte of the given length counts); otherwise the pathname ends at the
//! first NUL or the given length. Only the family (length 2) asks bind for
//! an autobind name.

use alloc::vec::Vec;

use crate::Errno;

pub const AF_UNIX: u16 = 1;
/// `offsetof(struct sockaddr_un, sun_path)`.
pub const PATH_OFFSET: usize = 2;
/// `sizeof(struct sockaddr_un)`.
pub const SOCKADDR_UN_LEN: usize = 110;

/// A socket's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Addr {
    /// An abstract name: the bytes after the leading NUL.
    Abstract(Vec<u8>),
    /// A filesystem name as the binder gave it (without the NUL).
    Path(Vec<u8>),
}

/// What a caller's `sockaddr` asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Only the family: autobind (bind), or nothing (connect: EINVAL).
    Unnamed,
    Name(Addr),
}

/// Parses `raw` (the `addrlen` bytes the caller gave).
pub fn parse(raw: &[u8]) -> Result<Parsed, Errno> {
    if raw.len() < PATH_OFFSET || raw.len() > SOCKADDR_UN_LEN {
        return Err(Errno::EINVAL);
    }
    if u16::from_ne_bytes([raw[0], raw[1]]) != AF_UNIX {
        return Err(Errno::EINVAL);
    }
    let path = &raw[PATH_OFFSET..];
    if path.is_empty() {
        return Ok(Parsed::Unnamed);
    }
    if path[0] == 0 {
        return Ok(Parsed::Name(Addr::Abstract(path[1..].to_vec())));
    }
    let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
    Ok(Parsed::Name(Addr::Path(path[..end].to_vec())))
}

impl Addr {
    /// The `sockaddr_un` bytes Linux reports for this name: the family,
    /// then a NUL and the abstract bytes, or the path and its NUL.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&AF_UNIX.to_ne_bytes());
        match self {
            Addr::Abstract(n) => {
                out.push(0);
                out.extend_from_slice(n);
            }
            Addr::Path(p) => {
                out.extend_from_slice(p);
                out.push(0);
            }
        }
    }

    /// The encoded length (what addrlen reads).
    pub fn len(&self) -> usize {
        PATH_OFFSET + 1 + match self {
            Addr::Abstract(n) => n.len(),
            Addr::Path(p) => p.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

/// The encoding of an unbound socket's name: the family alone.
pub fn encode_unnamed(out: &mut Vec<u8>) {
    out.extend_from_slice(&AF_UNIX.to_ne_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn raw(path: &[u8]) -> Vec<u8> {
        let mut v = vec![1, 0];
        v.extend_from_slice(path);
        v
    }

    #[test]
    fn parses_like_linux() {
        assert_eq!(parse(&[1]), Err(Errno::EINVAL));
        assert_eq!(parse(&[2, 0, b'a']), Err(Errno::EINVAL));
        assert_eq!(parse(&raw(b"")), Ok(Parsed::Unnamed));
        assert_eq!(parse(&raw(b"/tmp/x\0junk")), Ok(Parsed::Name(Addr::Path(b"/tmp/x".to_vec()))));
        assert_eq!(parse(&raw(b"\0ab\0")), Ok(Parsed::Name(Addr::Abstract(b"ab\0".to_vec()))));
        assert_eq!(parse(&raw(&[b'a'; 109])), Err(Errno::EINVAL));
        let a = Addr::Path(b"/x".to_vec());
        let mut out = Vec::new();
        a.encode(&mut out);
        assert_eq!(out.len(), a.len());
        assert_eq!(&out, &[1, 0, b'/', b'x', 0]);
    }
}
