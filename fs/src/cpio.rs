//! Reading the initramfs: a cpio archive in the "newc" format (magic
//! `070701`, or `070702` with checksums), as Linux's `init/initramfs.c`
//! accepts it.
//!
//! Each entry is a 110-byte ASCII-hex header, the NUL-terminated name padded
//! to 4 bytes, then the data padded to 4 bytes; `TRAILER!!!` ends an archive.
//! Like Linux, several archives may follow each other (with zero padding in
//! between), and the reader borrows names and data from the image without
//! copying. Malformed input yields [`CpioError`], never a panic.

/// One archive member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Path inside the archive, without a leading `./` or `/`.
    pub name: &'a str,
    /// `st_mode`: file type and permission bits.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    pub mtime: u32,
    pub ino: u32,
    /// Device number of a block or character device node (major, minor).
    pub rdev: (u32, u32),
    /// Device the file came from (major, minor): with `ino`, identifies
    /// hard links within one archive.
    pub dev: (u32, u32),
    /// File contents, or the target of a symbolic link.
    pub data: &'a [u8],
}

/// File-type bits of `mode`, as in `stat.h`.
pub const S_IFMT: u32 = 0o170000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFIFO: u32 = 0o010000;
pub const S_IFSOCK: u32 = 0o140000;

impl Entry<'_> {
    pub fn is_dir(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }
    pub fn is_file(&self) -> bool {
        self.mode & S_IFMT == S_IFREG
    }
    pub fn is_symlink(&self) -> bool {
        self.mode & S_IFMT == S_IFLNK
    }
}

/// Why an archive could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpioError {
    /// A header did not start with `070701` or `070702`.
    BadMagic { offset: usize },
    /// A header field was not hexadecimal.
    BadHeader { offset: usize },
    /// A name or data ran past the end of the image.
    Truncated { offset: usize },
    /// A name was not UTF-8 or not NUL-terminated.
    BadName { offset: usize },
}

const HEADER: usize = 110;

/// Iterator over the entries of an image; stops after the last trailer.
pub struct Reader<'a> {
    image: &'a [u8],
    pos: usize,
    failed: bool,
    trailers: usize,
}

impl<'a> Reader<'a> {
    pub fn new(image: &'a [u8]) -> Self {
        Self {
            image,
            pos: 0,
            failed: false,
            trailers: 0,
        }
    }

    /// How many archive trailers have been passed: entries read while this
    /// stays the same belong to one archive (hard links never cross it).
    pub fn trailers_seen(&self) -> usize {
        self.trailers
    }

    fn field(&self, header: &[u8], index: usize) -> Result<u32, CpioError> {
        let bytes = &header[6 + index * 8..6 + index * 8 + 8];
        let mut v = 0u32;
        for &b in bytes {
            let d = (b as char)
                .to_digit(16)
                .ok_or(CpioError::BadHeader { offset: self.pos })?;
            v = v << 4 | d;
        }
        Ok(v)
    }

    fn next_entry(&mut self) -> Result<Option<Entry<'a>>, CpioError> {
        loop {
            // Skip the zero padding between concatenated archives.
            while self.pos < self.image.len() && self.image[self.pos] == 0 {
                self.pos += 1;
            }
            if self.pos >= self.image.len() {
                return Ok(None);
            }
            let start = self.pos;
            let header = self
                .image
                .get(start..start + HEADER)
                .ok_or(CpioError::Truncated { offset: start })?;
            if &header[..6] != b"070701" && &header[..6] != b"070702" {
                return Err(CpioError::BadMagic { offset: start });
            }
            let f = |i| self.field(header, i);
            let (ino, mode, uid, gid, nlink, mtime, size) =
                (f(0)?, f(1)?, f(2)?, f(3)?, f(4)?, f(5)?, f(6)? as usize);
            let (dmaj, dmin, rmaj, rmin, namesize) = (f(7)?, f(8)?, f(9)?, f(10)?, f(11)? as usize);
            let name_start = start + HEADER;
            let name_bytes = self
                .image
                .get(
                    name_start
                        ..name_start
                            .checked_add(namesize)
                            .ok_or(CpioError::Truncated { offset: start })?,
                )
                .ok_or(CpioError::Truncated { offset: start })?;
            let (last, name_bytes) = name_bytes
                .split_last()
                .ok_or(CpioError::BadName { offset: start })?;
            if *last != 0 {
                return Err(CpioError::BadName { offset: start });
            }
            let name = core::str::from_utf8(name_bytes)
                .map_err(|_| CpioError::BadName { offset: start })?;
            let data_start = (name_start + namesize).next_multiple_of(4);
            let data_end = data_start
                .checked_add(size)
                .ok_or(CpioError::Truncated { offset: start })?;
            let data = self
                .image
                .get(data_start..data_end)
                .ok_or(CpioError::Truncated { offset: start })?;
            self.pos = data_end.next_multiple_of(4);
            if name == "TRAILER!!!" {
                self.trailers += 1;
                continue;
            }
            let name = name.trim_start_matches("./").trim_start_matches('/');
            if name.is_empty() || name == "." {
                continue;
            }
            let (rdev, dev) = ((rmaj, rmin), (dmaj, dmin));
            return Ok(Some(Entry {
                name,
                mode,
                uid,
                gid,
                nlink,
                mtime,
                ino,
                rdev,
                dev,
                data,
            }));
        }
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Result<Entry<'a>, CpioError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.next_entry() {
            Ok(e) => e.map(Ok),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// Finds `path` (without a leading `/`) in the image.
pub fn find<'a>(image: &'a [u8], path: &str) -> Result<Option<Entry<'a>>, CpioError> {
    let path = path.trim_start_matches('/');
    for e in Reader::new(image) {
        let e = e?;
        if e.name == path {
            return Ok(Some(e));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    fn push(out: &mut Vec<u8>, name: &str, mode: u32, data: &[u8]) {
        let mut h = String::from("070701");
        for v in [
            7,
            mode,
            0,
            0,
            1,
            0,
            data.len() as u32,
            0,
            0,
            0,
            0,
            name.len() as u32 + 1,
            0,
        ] {
            h.push_str(&std::format!("{v:08X}"));
        }
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
        out.extend_from_slice(data);
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
    }

    fn archive(entries: &[(&str, u32, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (n, m, d) in entries {
            push(&mut out, n, *m, d);
        }
        push(&mut out, "TRAILER!!!", 0, b"");
        out
    }

    #[test]
    fn reads_files_dirs_and_symlinks() {
        let img = archive(&[
            (".", S_IFDIR | 0o755, b""),
            ("bin", S_IFDIR | 0o755, b""),
            ("bin/sh", S_IFREG | 0o755, b"#!x\n"),
            ("init", S_IFLNK | 0o777, b"bin/sh"),
        ]);
        let all: Vec<_> = Reader::new(&img).collect::<Result<_, _>>().unwrap();
        assert_eq!(all.len(), 3);
        assert!(all[0].is_dir() && all[0].name == "bin");
        assert!(all[1].is_file() && all[1].data == b"#!x\n");
        assert!(all[2].is_symlink() && all[2].data == b"bin/sh");
        assert_eq!(find(&img, "/bin/sh").unwrap().unwrap().mode & 0o777, 0o755);
        assert_eq!(find(&img, "/nope").unwrap(), None);
    }

    #[test]
    fn concatenated_archives_with_padding() {
        let mut img = archive(&[("a", S_IFREG | 0o644, b"1")]);
        img.extend_from_slice(&[0; 512]);
        img.extend(archive(&[("b", S_IFREG | 0o644, b"22")]));
        let names: Vec<_> = Reader::new(&img).map(|e| e.unwrap().name).collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        assert_eq!(
            Reader::new(b"garbage").next(),
            Some(Err(CpioError::Truncated { offset: 0 }))
        );
        let mut bad = archive(&[("a", S_IFREG, b"data")]);
        bad[0] = b'1';
        assert_eq!(
            Reader::new(&bad).next(),
            Some(Err(CpioError::BadMagic { offset: 0 }))
        );
        let img = archive(&[("file", S_IFREG, b"0123456789")]);
        for cut in 0..img.len() {
            // Every truncation either ends cleanly or reports an error.
            for e in Reader::new(&img[..cut]) {
                let _ = e;
            }
        }
        let mut hex = archive(&[("a", S_IFREG, b"")]);
        hex[10] = b'z';
        assert_eq!(
            Reader::new(&hex).next(),
            Some(Err(CpioError::BadHeader { offset: 0 }))
        );
        // A huge size field does not overflow.
        let mut huge = archive(&[("a", S_IFREG, b"")]);
        huge[54..62].copy_from_slice(b"FFFFFFFF");
        assert!(matches!(
            Reader::new(&huge).next(),
            Some(Err(CpioError::Truncated { .. }))
        ));
    }
}
