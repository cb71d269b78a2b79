//! Parsing of tmpfs mount options (the `data` string of mount(2)), as
//! Linux's shmem_parse_one: `size=` (bytes with a k/m/g/t/p/e suffix, or a
//! percentage of RAM), `nr_blocks=`, `nr_inodes=`, `mode=` (octal), `uid=`,
//! `gid=`; options tmpfs accepts but this one ignores (`huge=`, `mpol=`,
//! `inode32`, `inode64`, `noswap`, ...) and the generic superblock flags
//! (`ro`, `rw`, `sync`, ...) pass; anything else is EINVAL.

use super::{TmpfsOptions, PAGE_SIZE};
use crate::errno::{Errno, Result};

/// The options seen in one `data` string; `None` where not given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParsedOptions {
    /// Data limit in pages; `Some(0)` is unlimited.
    pub pages: Option<u64>,
    /// Inode limit; `Some(0)` is unlimited.
    pub inodes: Option<u64>,
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

impl ParsedOptions {
    /// Parses `data`; `ram_bytes` is the total memory `size=N%` refers to.
    pub fn parse(data: &str, ram_bytes: u64) -> Result<ParsedOptions> {
        let mut p = ParsedOptions::default();
        for opt in data.split(',').filter(|o| !o.is_empty()) {
            let (key, val) = match opt.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (opt, None),
            };
            match (key, val) {
                ("size", Some(v)) => {
                    let bytes = match v.strip_suffix('%') {
                        Some(pct) => {
                            let pct = parse_int(pct, 10)?;
                            ram_bytes / 100 * pct
                        }
                        None => memparse(v)?,
                    };
                    p.pages = Some(bytes.div_ceil(PAGE_SIZE as u64));
                }
                ("nr_blocks", Some(v)) => p.pages = Some(memparse(v)?),
                ("nr_inodes", Some(v)) => p.inodes = Some(memparse(v)?),
                ("mode", Some(v)) => p.mode = Some(to_u32(parse_int(v, 8)?)? & 0o7777),
                ("uid", Some(v)) => p.uid = Some(to_u32(parse_int(v, 10)?)?),
                ("gid", Some(v)) => p.gid = Some(to_u32(parse_int(v, 10)?)?),
                ("huge" | "mpol", Some(_)) => {}
                ("inode32" | "inode64" | "noswap" | "quota" | "usrquota" | "grpquota", None) => {}
                ("ro" | "rw" | "sync" | "async" | "dirsync" | "lazytime" | "nolazytime" | "mand" | "nomand"
                | "silent", None) => {}
                _ => return Err(Errno::EINVAL),
            }
        }
        Ok(p)
    }

    /// The options of a new instance: the defaults overridden by these.
    pub fn to_options(self) -> TmpfsOptions {
        let d = TmpfsOptions::default();
        TmpfsOptions {
            mode: self.mode.unwrap_or(d.mode),
            uid: self.uid.unwrap_or(d.uid),
            gid: self.gid.unwrap_or(d.gid),
            max_bytes: self.pages.filter(|&n| n != 0).map(|n| n.saturating_mul(PAGE_SIZE as u64)),
            max_inodes: self.inodes.filter(|&n| n != 0),
        }
    }
}

fn to_u32(v: u64) -> Result<u32> {
    u32::try_from(v).map_err(|_| Errno::EINVAL)
}

/// An unsigned integer in `radix`, the whole string.
fn parse_int(s: &str, radix: u32) -> Result<u64> {
    if s.is_empty() {
        return Err(Errno::EINVAL);
    }
    u64::from_str_radix(s, radix).map_err(|_| Errno::EINVAL)
}

/// Linux's memparse: a number (0x hex, leading 0 octal, else decimal) with
/// an optional k/m/g/t/p/e suffix (either case); nothing may follow.
fn memparse(s: &str) -> Result<u64> {
    let (num, shift) = match s.as_bytes().last().map(|c| c.to_ascii_lowercase()) {
        Some(b'k') => (&s[..s.len() - 1], 10),
        Some(b'm') => (&s[..s.len() - 1], 20),
        Some(b'g') => (&s[..s.len() - 1], 30),
        Some(b't') => (&s[..s.len() - 1], 40),
        Some(b'p') => (&s[..s.len() - 1], 50),
        Some(b'e') => (&s[..s.len() - 1], 60),
        _ => (s, 0),
    };
    let v = if let Some(h) = num.strip_prefix("0x").or_else(|| num.strip_prefix("0X")) {
        parse_int(h, 16)?
    } else if num.len() > 1 && num.starts_with('0') {
        parse_int(&num[1..], 8)?
    } else {
        parse_int(num, 10)?
    };
    v.checked_mul(1u64 << shift).ok_or(Errno::EINVAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_modes() {
        let p = ParsedOptions::parse("size=10k,nr_inodes=1k,mode=0750,uid=5,gid=6", 0).unwrap();
        assert_eq!(p.pages, Some(3));
        assert_eq!(p.inodes, Some(1024));
        assert_eq!(p.mode, Some(0o750));
        assert_eq!((p.uid, p.gid), (Some(5), Some(6)));
        assert_eq!(ParsedOptions::parse("size=2m", 0).unwrap().pages, Some(512));
        assert_eq!(ParsedOptions::parse("size=50%", 400 << 20).unwrap().pages, Some(51200));
        assert_eq!(ParsedOptions::parse("", 0).unwrap(), ParsedOptions::default());
    }

    #[test]
    fn bad_options() {
        for bad in ["size=abc", "bogus=1", "mode=999", "size", "uid=-1", "size=1q", "uid=4294967296"] {
            assert_eq!(ParsedOptions::parse(bad, 0), Err(Errno::EINVAL), "{bad}");
        }
    }
}
