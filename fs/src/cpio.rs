//! Reading the initramfs: a cpio archive in the "newc" format (magic
//! `070701`, or `070702` with checksums), as Linux's `init/initramfs.c`
//! accepts it.
//!
//! Each entry is a 110-byte ASCII-hex header, the NUL-terminated name padded
//! to 4 bytes, then the data padded to 4 bytes; `TRAILER!!!` ends an archive.
//! Like Linux, several archives may follow each other (with zero padding in
//! between), and the reader borrows names and data from the image without
//! copying. Malformed input yields [`CpioError`], never a panic.
//!
//! [`Reader`] walks an image held whole in memory; [`Parser`] is the same
//! format pushed through in pieces of any size (the output of a
//! decompressor), like the state machine of `init/initramfs.c`: it holds
//! at most one header, name and symlink target, and hands regular-file
//! data to its [`Sink`] as it arrives, so a decompressed image is never
//! held whole in memory.

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
    /// Length of the member's data (`c_filesize`).
    pub size: usize,
    /// File contents, or the target of a symbolic link. From a [`Parser`],
    /// empty for a regular file: its data goes to [`Sink::data`].
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
    /// Zero padding between archives ended off a 4-byte boundary (Linux:
    /// "broken padding").
    BadPadding { offset: usize },
}

impl core::fmt::Display for CpioError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CpioError::BadMagic { offset } => write!(f, "no cpio magic at offset {offset}"),
            CpioError::BadHeader { offset } => write!(f, "bad cpio header at offset {offset}"),
            CpioError::Truncated { offset } => write!(f, "cpio member at offset {offset} is truncated"),
            CpioError::BadName { offset } => write!(f, "bad name in the cpio member at offset {offset}"),
            CpioError::BadPadding { offset } => write!(f, "broken padding at offset {offset}"),
        }
    }
}

const HEADER: usize = 110;

/// Linux's PATH_MAX: longer names and symlink targets are skipped, as
/// `init/initramfs.c` does.
pub const PATH_MAX: usize = 4096;

/// The numeric fields of a header.
#[derive(Clone, Copy)]
struct Fields {
    ino: u32,
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u32,
    mtime: u32,
    size: usize,
    dev: (u32, u32),
    rdev: (u32, u32),
    namesize: usize,
}

/// Decodes the 110-byte header `h` found at `offset`.
fn parse_header(h: &[u8], offset: usize) -> Result<Fields, CpioError> {
    if h.len() < HEADER {
        return Err(CpioError::Truncated { offset });
    }
    if &h[..6] != b"070701" && &h[..6] != b"070702" {
        return Err(CpioError::BadMagic { offset });
    }
    let f = |index: usize| {
        let mut v = 0u32;
        for &b in &h[6 + index * 8..6 + index * 8 + 8] {
            let d = (b as char).to_digit(16).ok_or(CpioError::BadHeader { offset })?;
            v = v << 4 | d;
        }
        Ok(v)
    };
    Ok(Fields {
        ino: f(0)?,
        mode: f(1)?,
        uid: f(2)?,
        gid: f(3)?,
        nlink: f(4)?,
        mtime: f(5)?,
        size: f(6)? as usize,
        dev: (f(7)?, f(8)?),
        rdev: (f(9)?, f(10)?),
        namesize: f(11)? as usize,
    })
}

/// The name of a member from its NUL-terminated bytes, without a leading
/// `./` or `/`.
fn parse_name(bytes: &[u8], offset: usize) -> Result<&str, CpioError> {
    let (last, name) = bytes.split_last().ok_or(CpioError::BadName { offset })?;
    if *last != 0 {
        return Err(CpioError::BadName { offset });
    }
    core::str::from_utf8(name).map_err(|_| CpioError::BadName { offset })
}

fn strip(name: &str) -> &str {
    name.trim_start_matches("./").trim_start_matches('/')
}

fn entry<'a>(f: &Fields, name: &'a str, data: &'a [u8]) -> Entry<'a> {
    Entry {
        name,
        mode: f.mode,
        uid: f.uid,
        gid: f.gid,
        nlink: f.nlink,
        mtime: f.mtime,
        ino: f.ino,
        rdev: f.rdev,
        dev: f.dev,
        size: f.size,
        data,
    }
}

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
            let truncated = CpioError::Truncated { offset: start };
            let header = self.image.get(start..start.saturating_add(HEADER)).ok_or(truncated)?;
            let f = parse_header(header, start)?;
            let name_start = start + HEADER;
            let name_end = name_start.checked_add(f.namesize).ok_or(truncated)?;
            let name = parse_name(self.image.get(name_start..name_end).ok_or(truncated)?, start)?;
            let data_start = name_end.next_multiple_of(4);
            let data_end = data_start.checked_add(f.size).ok_or(truncated)?;
            let data = self.image.get(data_start..data_end).ok_or(truncated)?;
            self.pos = data_end.next_multiple_of(4);
            if name == "TRAILER!!!" {
                self.trailers += 1;
                continue;
            }
            let name = strip(name);
            if name.is_empty() || name == "." {
                continue;
            }
            return Ok(Some(entry(&f, name, data)));
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

/// Receives what a [`Parser`] finds, in archive order.
pub trait Sink {
    /// A member. `archive` counts the trailers passed before it (hard
    /// links never cross archives). A regular file's data follows in
    /// [`Sink::data`] calls and then [`Sink::end`]; a symbolic link's
    /// target is in `e.data`; other members have no data.
    fn member(&mut self, e: &Entry<'_>, archive: usize);
    /// The next piece of the current regular file's data.
    fn data(&mut self, chunk: &[u8]);
    /// The current regular file is complete.
    fn end(&mut self);
}

#[derive(Clone, Copy)]
enum State {
    /// Between members or archives: zeros are padding, `0` starts a
    /// header, anything else ends the cpio data (Linux's `Reset`).
    Between,
    /// Collecting the 110-byte header into `buf`.
    Header,
    /// Collecting the name and its padding into `buf`.
    Name(Fields),
    /// Collecting a symbolic link's target into `buf`, after its name.
    Target(Fields, usize),
    /// Handing `left` bytes of regular-file data on, then `pad` bytes.
    Data { left: usize, pad: usize },
    /// Skipping `left` bytes; `pad_only` when they are only the alignment
    /// after a complete member (so the stream may end inside them).
    Skip { left: usize, pad_only: bool },
}

/// The newc format pushed through in pieces (see the module doc).
pub struct Parser {
    state: State,
    buf: alloc::vec::Vec<u8>,
    /// Stream offset of the next byte.
    pos: usize,
    /// Stream offset of the current member's header.
    start: usize,
    trailers: usize,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    pub fn new() -> Self {
        Parser {
            state: State::Between,
            buf: alloc::vec::Vec::new(),
            pos: 0,
            start: 0,
            trailers: 0,
        }
    }

    /// The stream offset of the next byte; headers must start at a
    /// multiple of 4 of it, and errors report it.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Starts counting offsets from `pos` (a new stream: the output of a
    /// decompressor counts from 0).
    pub fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// How many archive trailers have been passed.
    pub fn trailers_seen(&self) -> usize {
        self.trailers
    }

    /// Whether the data so far ends at a member or archive boundary.
    pub fn at_boundary(&self) -> bool {
        matches!(self.state, State::Between | State::Skip { pad_only: true, .. })
    }

    /// The data has ended: an error if it ended inside a member. At a
    /// boundary the parser is ready for a new stream (alignment padding
    /// the data ended without is not looked for in what follows).
    pub fn finish(&mut self) -> Result<(), CpioError> {
        if self.at_boundary() {
            self.state = State::Between;
            Ok(())
        } else {
            Err(CpioError::Truncated { offset: self.start })
        }
    }

    /// Takes up to `want` bytes in total into `buf`; true once it holds them.
    fn collect(&mut self, want: usize, input: &mut &[u8]) -> bool {
        let n = (want - self.buf.len()).min(input.len());
        self.buf.extend_from_slice(&input[..n]);
        self.advance(input, n);
        self.buf.len() == want
    }

    fn advance(&mut self, input: &mut &[u8], n: usize) {
        *input = &input[n..];
        self.pos += n;
    }

    /// Skips a member's data and alignment (the name is already read).
    fn skip_body(&mut self, size: usize) {
        let left = size.next_multiple_of(4);
        self.state = if left == 0 {
            State::Between
        } else {
            State::Skip { left, pad_only: false }
        };
    }

    /// Parses `input`, the next bytes of the stream, handing members to
    /// `sink`. Returns how many bytes were taken: all of them, unless
    /// the cpio data ends (at a boundary, the next byte neither padding nor
    /// a header: a compressed archive follows).
    pub fn feed(&mut self, mut input: &[u8], sink: &mut impl Sink) -> Result<usize, CpioError> {
        let total = input.len();
        while !input.is_empty() {
            match self.state {
                State::Between => {
                    let zeros = input.iter().take_while(|&&b| b == 0).count();
                    self.advance(&mut input, zeros);
                    let Some(&b) = input.first() else { break };
                    if b != b'0' {
                        return Ok(total - input.len());
                    }
                    if !self.pos.is_multiple_of(4) {
                        return Err(CpioError::BadPadding { offset: self.pos });
                    }
                    self.start = self.pos;
                    self.buf.clear();
                    self.state = State::Header;
                }
                State::Header => {
                    if !self.collect(HEADER, &mut input) {
                        break;
                    }
                    let f = parse_header(&self.buf, self.start)?;
                    self.buf.clear();
                    if f.namesize == 0 || f.namesize > PATH_MAX {
                        // Linux skips a member whose name is too long.
                        let left = (HEADER + f.namesize).next_multiple_of(4) - HEADER;
                        self.state = State::Skip { left: left + f.size.next_multiple_of(4), pad_only: false };
                    } else {
                        self.state = State::Name(f);
                    }
                }
                State::Name(f) => {
                    let want = (HEADER + f.namesize).next_multiple_of(4) - HEADER;
                    if !self.collect(want, &mut input) {
                        break;
                    }
                    self.buf.truncate(f.namesize);
                    let name = parse_name(&self.buf, self.start)?;
                    let stripped = strip(name);
                    if name == "TRAILER!!!" {
                        self.trailers += 1;
                        self.skip_body(f.size);
                    } else if stripped.is_empty() || stripped == "." {
                        self.skip_body(f.size);
                    } else if f.mode & S_IFMT == S_IFREG {
                        sink.member(&entry(&f, stripped, &[]), self.trailers);
                        let pad = f.size.next_multiple_of(4) - f.size;
                        if f.size == 0 {
                            sink.end();
                        }
                        self.state = State::Data { left: f.size, pad };
                    } else if f.mode & S_IFMT == S_IFLNK {
                        if f.size > PATH_MAX {
                            self.skip_body(f.size);
                        } else {
                            self.state = State::Target(f, f.namesize);
                        }
                    } else {
                        sink.member(&entry(&f, stripped, &[]), self.trailers);
                        self.skip_body(f.size);
                    }
                    if let State::Data { left: 0, pad } = self.state {
                        self.state = State::Skip { left: pad, pad_only: true };
                    }
                }
                State::Target(f, name_len) => {
                    if !self.collect(name_len + f.size, &mut input) {
                        break;
                    }
                    let (name, target) = self.buf.split_at(name_len);
                    let name = strip(parse_name(name, self.start)?);
                    sink.member(&entry(&f, name, target), self.trailers);
                    let pad = f.size.next_multiple_of(4) - f.size;
                    self.state = State::Skip { left: pad, pad_only: true };
                }
                State::Data { left, pad } => {
                    let n = left.min(input.len());
                    sink.data(&input[..n]);
                    self.advance(&mut input, n);
                    if n == left {
                        sink.end();
                        self.state = State::Skip { left: pad, pad_only: true };
                    } else {
                        self.state = State::Data { left: left - n, pad };
                    }
                }
                State::Skip { left, pad_only } => {
                    let n = left.min(input.len());
                    self.advance(&mut input, n);
                    self.state = if n == left {
                        State::Between
                    } else {
                        State::Skip { left: left - n, pad_only }
                    };
                }
            }
            if let State::Skip { left: 0, .. } = self.state {
                self.state = State::Between;
            }
        }
        Ok(total)
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

    /// Records what a parser hands on, in the shape of [`Reader`]'s entries.
    #[derive(Default)]
    struct Record {
        members: Vec<(String, u32, Vec<u8>, usize)>,
        open: bool,
    }

    impl Sink for Record {
        fn member(&mut self, e: &Entry<'_>, archive: usize) {
            assert!(!self.open, "a file ended before the next member");
            self.members.push((e.name.into(), e.mode, e.data.to_vec(), archive));
            self.open = e.is_file();
        }
        fn data(&mut self, chunk: &[u8]) {
            assert!(self.open);
            self.members.last_mut().unwrap().2.extend_from_slice(chunk);
        }
        fn end(&mut self) {
            assert!(self.open);
            self.open = false;
        }
    }

    fn parse_in_pieces(img: &[u8], piece: usize) -> (Record, Result<(), CpioError>) {
        let mut p = Parser::new();
        let mut r = Record::default();
        for chunk in img.chunks(piece) {
            match p.feed(chunk, &mut r) {
                Ok(n) if n == chunk.len() => {}
                // The cpio data ended: what follows is not cpio.
                Ok(_) => return (r, Err(CpioError::BadMagic { offset: p.pos() })),
                Err(e) => return (r, Err(e)),
            }
        }
        let end = p.finish();
        (r, end)
    }

    #[test]
    fn parser_matches_reader_for_any_piece_size() {
        let mut img = archive(&[
            (".", S_IFDIR | 0o755, b""),
            ("bin", S_IFDIR | 0o755, b""),
            ("bin/sh", S_IFREG | 0o755, b"#!x\n"),
            ("odd", S_IFREG | 0o644, b"12345"),
            ("empty", S_IFREG | 0o644, b""),
            ("init", S_IFLNK | 0o777, b"bin/sh"),
        ]);
        img.extend_from_slice(&[0; 12]);
        img.extend(archive(&[("second", S_IFREG | 0o600, b"abc")]));
        let want: Vec<_> = Reader::new(&img)
            .map(|e| e.unwrap())
            .map(|e| (String::from(e.name), e.mode, e.data.to_vec()))
            .collect();
        for piece in 1..=9 {
            let (r, end) = parse_in_pieces(&img, piece);
            assert_eq!(end, Ok(()), "piece {piece}");
            let got: Vec<_> = r.members.iter().map(|(n, m, d, _)| (n.clone(), *m, d.clone())).collect();
            assert_eq!(got, want, "piece {piece}");
            assert_eq!(r.members.last().unwrap().3, 1, "the second archive");
        }
    }

    #[test]
    fn parser_stops_at_the_end_of_cpio_data() {
        let mut img = archive(&[("a", S_IFREG, b"1")]);
        let len = img.len();
        img.extend_from_slice(&[0, 0, 0, 0, 0x1f, 0x8b, 8, 0]);
        let mut p = Parser::new();
        let mut r = Record::default();
        assert_eq!(p.feed(&img, &mut r), Ok(len + 4));
        assert!(p.at_boundary());
        // Padding that ends off a 4-byte boundary.
        let mut img = archive(&[("a", S_IFREG, b"1")]);
        img.push(0);
        img.extend(archive(&[("b", S_IFREG, b"2")]));
        let (_, end) = parse_in_pieces(&img, 7);
        assert!(matches!(end, Err(CpioError::BadPadding { .. })));
    }

    #[test]
    fn parser_reports_truncation_and_garbage() {
        let img = archive(&[("file", S_IFREG, b"0123456789"), ("l", S_IFLNK | 0o777, b"file")]);
        for cut in 1..img.len() {
            let (_, end) = parse_in_pieces(&img[..cut], 3);
            // The first member ends at 126 (header 110, name 5, pad, data 10).
            if cut < 126 {
                assert_eq!(end, Err(CpioError::Truncated { offset: 0 }), "cut {cut}");
            }
        }
        for i in 0..img.len() {
            let mut bad = img.clone();
            bad[i] ^= 0x5a;
            let _ = parse_in_pieces(&bad, 5);
        }
        let mut huge = archive(&[("a", S_IFREG, b"")]);
        huge[54..62].copy_from_slice(b"FFFFFFFF");
        assert!(matches!(parse_in_pieces(&huge, 64).1, Err(CpioError::Truncated { .. })));
    }
}
