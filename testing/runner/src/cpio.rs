//! The initramfs writer: cpio archives in the "newc" format (magic `070701`),
//! the format Linux's and Aramid's initramfs unpackers read.
//!
//! An [`Archive`] is an in-memory tree of entries keyed by path components,
//! filled from host directory trees ([`Archive::add_tree`]), single host files
//! ([`Archive::add_host_file`]) or bytes ([`Archive::add_bytes`]). File
//! contents are not held in memory: they are streamed from the host when the
//! archive is written.
//!
//! Output is deterministic: entries are written parent-first in component
//! order, inode numbers are assigned in that order starting at 1, uid and gid
//! are 0, modes and mtimes come from the host (directories created only to
//! hold a `--file` get mode 0755 and mtime 0). A directory's link count is
//! 2 + its subdirectories; every other entry has one link (host hard links
//! become separate files). The archive ends with the `TRAILER!!!` entry and is
//! zero-padded to a multiple of 512 bytes, as GNU cpio does.
//!
//! [`Archive::write_image`] writes a whole initramfs image the way Debian's
//! mkinitramfs lays one out: earlier images copied as they are (an
//! uncompressed early archive, say), then this archive, optionally
//! compressed by the host's `gzip` or `zstd` ([`Compression`]).

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// File-type bits of `st_mode`.
const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;

/// Length of a newc header (magic plus 13 eight-digit hex fields).
pub const HEADER_LEN: usize = 110;
/// The name of the entry that ends an archive.
pub const TRAILER: &str = "TRAILER!!!";

/// Path components of an archive entry, e.g. `["usr", "bin", "sh"]`.
type Key = Vec<Vec<u8>>;

#[derive(Debug, Clone)]
enum Data {
    /// A directory.
    Dir,
    /// A regular file whose contents are read from the host at write time.
    HostFile { path: PathBuf, size: u64 },
    /// A regular file with contents given in memory.
    Bytes(Vec<u8>),
    /// A symbolic link and its target.
    Symlink(Vec<u8>),
    /// A device node, FIFO or socket (no data; `rdev` for devices).
    Special { rdev_major: u32, rdev_minor: u32 },
}

#[derive(Debug, Clone)]
struct Entry {
    /// Full `st_mode`: type bits and permissions.
    mode: u32,
    mtime: u32,
    data: Data,
}

impl Entry {
    fn is_dir(&self) -> bool {
        matches!(self.data, Data::Dir)
    }

    fn size(&self) -> u64 {
        match &self.data {
            Data::Dir | Data::Special { .. } => 0,
            Data::HostFile { size, .. } => *size,
            Data::Bytes(b) => b.len() as u64,
            Data::Symlink(t) => t.len() as u64,
        }
    }
}

/// An initramfs under construction. See the module documentation.
#[derive(Debug, Default, Clone)]
pub struct Archive {
    entries: BTreeMap<Key, Entry>,
}

/// Splits an archive path into components: leading `/` and `./` are dropped,
/// empty and `.` components are skipped, `..` is refused.
pub fn archive_key(path: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut key = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => return Err(format!("archive path {path:?} must not contain \"..\"")),
            c => key.push(c.as_bytes().to_vec()),
        }
    }
    Ok(key)
}

fn display_key(key: &[Vec<u8>]) -> String {
    String::from_utf8_lossy(&key.join(&b'/')).into_owned()
}

fn clamp_mtime(mtime: i64) -> u32 {
    mtime.clamp(0, i64::from(u32::MAX)) as u32
}

/// Linux's encoding of `dev_t` (glibc's `gnu_dev_major`/`gnu_dev_minor`).
fn dev_major(dev: u64) -> u32 {
    (((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff)) as u32
}

fn dev_minor(dev: u64) -> u32 {
    ((dev & 0xff) | ((dev >> 12) & !0xff)) as u32
}

impl Archive {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of entries (without the trailer).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The archive paths in the order they will be written.
    pub fn paths(&self) -> Vec<String> {
        self.entries.keys().map(|k| display_key(k)).collect()
    }

    /// Inserts `entry` at `key`, creating missing parent directories.
    /// A later entry replaces an earlier one at the same path, except that a
    /// directory cannot be replaced by a non-directory; merging two
    /// directories keeps the children and takes the newer mode and mtime.
    fn insert(&mut self, key: Key, entry: Entry) -> Result<(), String> {
        if key.is_empty() {
            return Err("an archive entry needs a non-empty path".into());
        }
        for depth in 1..key.len() {
            let parent = &key[..depth];
            match self.entries.get(parent) {
                Some(e) if e.is_dir() => {}
                Some(_) => {
                    return Err(format!(
                        "cannot add {}: {} is not a directory in the archive",
                        display_key(&key),
                        display_key(parent)
                    ))
                }
                None => {
                    self.entries.insert(
                        parent.to_vec(),
                        Entry {
                            mode: S_IFDIR | 0o755,
                            mtime: 0,
                            data: Data::Dir,
                        },
                    );
                }
            }
        }
        if let Some(old) = self.entries.get(&key) {
            if old.is_dir() && !entry.is_dir() {
                return Err(format!(
                    "cannot replace directory {} with a non-directory",
                    display_key(&key)
                ));
            }
        }
        self.entries.insert(key, entry);
        Ok(())
    }

    /// Adds a regular file with the given contents and permission bits.
    pub fn add_bytes(
        &mut self,
        archive_path: &str,
        data: &[u8],
        perm: u32,
        mtime: u32,
    ) -> Result<(), String> {
        let key = archive_key(archive_path)?;
        self.insert(
            key,
            Entry {
                mode: S_IFREG | (perm & 0o7777),
                mtime,
                data: Data::Bytes(data.to_vec()),
            },
        )
    }

    /// Adds a character device node (Linux needs /dev/console in an
    /// initramfs to give init a console).
    pub fn add_char_device(&mut self, archive_path: &str, perm: u32, major: u32, minor: u32) -> Result<(), String> {
        let key = archive_key(archive_path)?;
        self.insert(
            key,
            Entry {
                mode: 0o020000 | (perm & 0o7777),
                mtime: 0,
                data: Data::Special { rdev_major: major, rdev_minor: minor },
            },
        )
    }

    /// Adds a directory with the given permission bits.
    pub fn add_dir(&mut self, archive_path: &str, perm: u32, mtime: u32) -> Result<(), String> {
        let key = archive_key(archive_path)?;
        self.insert(
            key,
            Entry {
                mode: S_IFDIR | (perm & 0o7777),
                mtime,
                data: Data::Dir,
            },
        )
    }

    /// Adds a symbolic link.
    pub fn add_symlink(
        &mut self,
        archive_path: &str,
        target: &str,
        mtime: u32,
    ) -> Result<(), String> {
        let key = archive_key(archive_path)?;
        self.insert(
            key,
            Entry {
                mode: S_IFLNK | 0o777,
                mtime,
                data: Data::Symlink(target.as_bytes().to_vec()),
            },
        )
    }

    /// Packs the host directory tree `dir` under `archive_prefix` (`""` for
    /// the archive root; the root directory itself is not an entry then).
    /// Symbolic links are stored as links, never followed.
    pub fn add_tree(&mut self, archive_prefix: &str, dir: &Path) -> Result<(), String> {
        let meta = fs::metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if !meta.is_dir() {
            return Err(format!("{}: not a directory", dir.display()));
        }
        let prefix = archive_key(archive_prefix)?;
        if !prefix.is_empty() {
            self.insert(
                prefix.clone(),
                Entry {
                    mode: meta.mode(),
                    mtime: clamp_mtime(meta.mtime()),
                    data: Data::Dir,
                },
            )?;
        }
        self.walk(&prefix, dir)
    }

    fn walk(&mut self, prefix: &Key, dir: &Path) -> Result<(), String> {
        let rd = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut children = Vec::new();
        for ent in rd {
            let ent = ent.map_err(|e| format!("{}: {e}", dir.display()))?;
            children.push(ent.file_name());
        }
        children.sort();
        for name in children {
            let host = dir.join(&name);
            let mut key = prefix.clone();
            key.push(name.as_bytes().to_vec());
            let meta =
                fs::symlink_metadata(&host).map_err(|e| format!("{}: {e}", host.display()))?;
            let entry = entry_from_metadata(&host, &meta)?;
            let is_dir = entry.is_dir();
            self.insert(key.clone(), entry)?;
            if is_dir {
                self.walk(&key, &host)?;
            }
        }
        Ok(())
    }

    /// Adds the host file `host` at `archive_path` (a symbolic link on the
    /// host is followed: the archive gets the file it points to). A host
    /// directory is packed as a tree under `archive_path`.
    pub fn add_host_file(&mut self, archive_path: &str, host: &Path) -> Result<(), String> {
        let meta = fs::metadata(host).map_err(|e| format!("{}: {e}", host.display()))?;
        if meta.is_dir() {
            return self.add_tree(archive_path, host);
        }
        let key = archive_key(archive_path)?;
        let entry = entry_from_metadata(host, &meta)?;
        self.insert(key, entry)
    }

    /// Writes the archive to `out`.
    pub fn write_to<W: Write>(&self, out: W) -> Result<(), String> {
        let mut w = CountingWriter {
            inner: out,
            written: 0,
        };
        self.write_entries(&mut w)
            .map_err(|e| format!("writing archive: {e}"))
    }

    fn write_entries<W: Write>(&self, w: &mut CountingWriter<W>) -> Result<(), String> {
        let io_err = |e: io::Error| format!("writing archive: {e}");
        // Link count of a directory: 2 + number of subdirectories.
        let mut subdirs: HashMap<&[Vec<u8>], u32> = HashMap::new();
        for (key, e) in &self.entries {
            if e.is_dir() && key.len() > 1 {
                *subdirs.entry(&key[..key.len() - 1]).or_insert(0) += 1;
            }
        }
        for (ino, (key, e)) in self.entries.iter().enumerate() {
            let name = key.join(&b'/');
            let size = e.size();
            let filesize = u32::try_from(size).map_err(|_| {
                format!(
                    "{}: too large for a newc archive (4 GiB limit)",
                    display_key(key)
                )
            })?;
            let nlink = if e.is_dir() {
                2 + subdirs.get(key.as_slice()).copied().unwrap_or(0)
            } else {
                1
            };
            let (rmaj, rmin) = match e.data {
                Data::Special {
                    rdev_major,
                    rdev_minor,
                } => (rdev_major, rdev_minor),
                _ => (0, 0),
            };
            let header = Header {
                ino: ino as u32 + 1,
                mode: e.mode,
                nlink,
                mtime: e.mtime,
                filesize,
                rdev_major: rmaj,
                rdev_minor: rmin,
            };
            header.write(w, &name).map_err(io_err)?;
            match &e.data {
                Data::Dir | Data::Special { .. } => {}
                Data::Bytes(b) => w.write_all(b).map_err(io_err)?,
                Data::Symlink(t) => w.write_all(t).map_err(io_err)?,
                Data::HostFile { path, size } => {
                    let f = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
                    let copied = io::copy(&mut f.take(*size), w)
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    if copied != *size {
                        return Err(format!(
                            "{}: file shrank while it was being packed",
                            path.display()
                        ));
                    }
                }
            }
            w.pad_to(4).map_err(io_err)?;
        }
        let trailer = Header {
            ino: 0,
            mode: 0,
            nlink: 1,
            mtime: 0,
            filesize: 0,
            rdev_major: 0,
            rdev_minor: 0,
        };
        trailer.write(w, TRAILER.as_bytes()).map_err(io_err)?;
        w.pad_to(512).map_err(io_err)?;
        w.flush().map_err(io_err)
    }

    /// Writes the archive to the file `path` (through a temporary file in the
    /// same directory, renamed into place once complete).
    pub fn write_file(&self, path: &Path) -> Result<(), String> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let result = File::create(&tmp)
            .map_err(|e| format!("{}: {e}", tmp.display()))
            .and_then(|f| self.write_to(BufWriter::new(f)))
            .and_then(|()| fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display())));
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }
}

/// A compression for [`Archive::write_image`], done by the host's tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
}

impl Compression {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "gzip" => Ok(Compression::Gzip),
            "zstd" => Ok(Compression::Zstd),
            _ => Err(format!("--compress {s:?}: expected gzip or zstd")),
        }
    }

    /// The command that compresses stdin to stdout (mkinitramfs's levels).
    fn command(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Compression::Gzip => ("gzip", &["-c", "-n", "-9"]),
            Compression::Zstd => ("zstd", &["-c", "-q", "-19"]),
        }
    }
}

impl Archive {
    /// Writes to `path` the files `prepend` (whole, in order), then this
    /// archive, compressed with `compress` if given; through a temporary
    /// file renamed into place once complete.
    pub fn write_image(&self, path: &Path, prepend: &[PathBuf], compress: Option<Compression>) -> Result<(), String> {
        use std::process::{Command, Stdio};
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let write = || -> Result<(), String> {
            let mut out = File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
            for p in prepend {
                let mut f = File::open(p).map_err(|e| format!("{}: {e}", p.display()))?;
                io::copy(&mut f, &mut out).map_err(|e| format!("{}: {e}", p.display()))?;
            }
            let Some(c) = compress else {
                return self.write_to(BufWriter::new(out));
            };
            let (tool, args) = c.command();
            // The tool appends to the file through the shared offset.
            let stdout = out.try_clone().map_err(|e| format!("{}: {e}", tmp.display()))?;
            let mut child = Command::new(tool)
                .args(args)
                .stdin(Stdio::piped())
                .stdout(stdout)
                .spawn()
                .map_err(|e| format!("{tool}: {e} (install it: make deps)"))?;
            let written = self.write_to(BufWriter::new(child.stdin.take().expect("piped stdin")));
            let status = child.wait().map_err(|e| format!("{tool}: {e}"))?;
            written?;
            if !status.success() {
                return Err(format!("{tool} failed ({status})"));
            }
            Ok(())
        };
        let result = write().and_then(|()| fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display())));
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }
}

fn entry_from_metadata(host: &Path, meta: &fs::Metadata) -> Result<Entry, String> {
    let mode = meta.mode();
    let mtime = clamp_mtime(meta.mtime());
    let data = match mode & S_IFMT {
        S_IFDIR => Data::Dir,
        S_IFREG => Data::HostFile {
            path: host.to_path_buf(),
            size: meta.len(),
        },
        S_IFLNK => {
            let target = fs::read_link(host).map_err(|e| format!("{}: {e}", host.display()))?;
            Data::Symlink(target.as_os_str().as_bytes().to_vec())
        }
        _ => Data::Special {
            rdev_major: dev_major(meta.rdev()),
            rdev_minor: dev_minor(meta.rdev()),
        },
    };
    Ok(Entry { mode, mtime, data })
}

struct Header {
    ino: u32,
    mode: u32,
    nlink: u32,
    mtime: u32,
    filesize: u32,
    rdev_major: u32,
    rdev_minor: u32,
}

impl Header {
    /// Writes the header, the NUL-terminated name and the padding after it.
    fn write<W: Write>(&self, w: &mut CountingWriter<W>, name: &[u8]) -> io::Result<()> {
        let namesize = name.len() as u32 + 1;
        let fields = [
            self.ino,
            self.mode,
            0, // uid
            0, // gid
            self.nlink,
            self.mtime,
            self.filesize,
            0, // devmajor
            0, // devminor
            self.rdev_major,
            self.rdev_minor,
            namesize,
            0, // check
        ];
        let mut header = String::with_capacity(HEADER_LEN);
        header.push_str("070701");
        for f in fields {
            header.push_str(&format!("{f:08X}"));
        }
        debug_assert_eq!(header.len(), HEADER_LEN);
        w.write_all(header.as_bytes())?;
        w.write_all(name)?;
        w.write_all(&[0])?;
        w.pad_to(4)
    }
}

/// A writer that knows its offset, for the format's 4-byte alignment.
struct CountingWriter<W> {
    inner: W,
    written: u64,
}

impl<W: Write> CountingWriter<W> {
    fn pad_to(&mut self, align: u64) -> io::Result<()> {
        let pad = (align - self.written % align) % align;
        self.write_all(&vec![0; pad as usize])
    }
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};
    use std::process::{Command, Stdio};
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::{Duration, SystemTime};

    /// One entry read back from an archive.
    #[derive(Debug, Clone, PartialEq)]
    struct Parsed {
        name: String,
        ino: u32,
        mode: u32,
        uid: u32,
        gid: u32,
        nlink: u32,
        mtime: u32,
        rdev: (u32, u32),
        data: Vec<u8>,
    }

    /// A strict newc reader, independent of the writer above.
    fn parse(buf: &[u8]) -> Vec<Parsed> {
        let mut off = 0;
        let mut out = Vec::new();
        loop {
            assert_eq!(off % 4, 0, "header not 4-byte aligned");
            let h = &buf[off..off + HEADER_LEN];
            assert_eq!(&h[..6], b"070701");
            let field = |i: usize| {
                let s = std::str::from_utf8(&h[6 + i * 8..14 + i * 8]).unwrap();
                u32::from_str_radix(s, 16).unwrap()
            };
            let namesize = field(11) as usize;
            let filesize = field(6) as usize;
            let name_start = off + HEADER_LEN;
            assert_eq!(buf[name_start + namesize - 1], 0, "name not NUL-terminated");
            let name =
                String::from_utf8(buf[name_start..name_start + namesize - 1].to_vec()).unwrap();
            let data_start = (name_start + namesize).next_multiple_of(4);
            let data = buf[data_start..data_start + filesize].to_vec();
            off = (data_start + filesize).next_multiple_of(4);
            if name == TRAILER {
                assert!(buf[off..].iter().all(|&b| b == 0));
                assert_eq!(buf.len() % 512, 0);
                return out;
            }
            out.push(Parsed {
                name,
                ino: field(0),
                mode: field(1),
                uid: field(2),
                gid: field(3),
                nlink: field(4),
                mtime: field(5),
                rdev: (field(9), field(10)),
                data,
            });
        }
    }

    fn bytes(a: &Archive) -> Vec<u8> {
        let mut v = Vec::new();
        a.write_to(&mut v).unwrap();
        v
    }

    fn temp_dir(tag: &str) -> PathBuf {
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "aramid-cpio-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        p
    }

    fn set_mtime(p: &Path, secs: u64) {
        let f = File::options().write(true).open(p).unwrap();
        f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
            .unwrap();
    }

    /// A host tree with a file, an executable, an empty file, nested dirs and links.
    fn sample_tree() -> PathBuf {
        let root = temp_dir("tree");
        fs::create_dir_all(root.join("bin")).unwrap();
        fs::create_dir_all(root.join("etc/init.d")).unwrap();
        fs::create_dir_all(root.join("usr/lib")).unwrap();
        fs::write(root.join("bin/sh"), b"#!fake shell\n").unwrap();
        fs::set_permissions(root.join("bin/sh"), fs::Permissions::from_mode(0o4755)).unwrap();
        fs::write(root.join("etc/hostname"), b"aramid\n").unwrap();
        fs::set_permissions(root.join("etc/hostname"), fs::Permissions::from_mode(0o640)).unwrap();
        fs::write(root.join("etc/empty"), b"").unwrap();
        fs::write(root.join("etc/init.d/rcS"), b"echo hi\n").unwrap();
        symlink("usr/lib", root.join("lib")).unwrap();
        symlink("sh", root.join("bin/ash")).unwrap();
        set_mtime(&root.join("bin/sh"), 1_600_000_000);
        set_mtime(&root.join("etc/hostname"), 1_600_000_123);
        root
    }

    #[test]
    fn empty_archive_is_only_the_trailer() {
        let buf = bytes(&Archive::new());
        assert_eq!(buf.len(), 512);
        // ino, mode, uid, gid 0; nlink 1; everything else 0; namesize 11.
        let expected = format!(
            "070701{}00000001{}0000000B00000000",
            "0".repeat(32),
            "0".repeat(48)
        );
        assert_eq!(&buf[..HEADER_LEN], expected.as_bytes());
        assert_eq!(&buf[HEADER_LEN..HEADER_LEN + 11], b"TRAILER!!!\0");
        assert!(parse(&buf).is_empty());
    }

    #[test]
    fn header_fields_and_alignment() {
        let mut a = Archive::new();
        a.add_bytes("init", b"12345", 0o755, 42).unwrap();
        let buf = bytes(&a);
        let h = std::str::from_utf8(&buf[..HEADER_LEN]).unwrap();
        assert_eq!(
            h,
            "070701\
             00000001000081ED000000000000000000000001\
             0000002A0000000500000000000000000000000000000000\
             0000000500000000"
        );
        // 110-byte header + "init\0" = 115, padded to 116; data at 116..121, padded to 124.
        assert_eq!(&buf[110..116], b"init\0\0");
        assert_eq!(&buf[116..121], b"12345");
        assert_eq!(&buf[121..124], &[0, 0, 0]);
        assert_eq!(&buf[124..130], b"070701");
    }

    #[test]
    fn parents_are_created_and_dir_nlink_counts_subdirs() {
        let mut a = Archive::new();
        a.add_bytes("/usr/bin/prog", b"x", 0o755, 1).unwrap();
        a.add_bytes("./usr/lib/libc.so", b"y", 0o644, 1).unwrap();
        a.add_dir("usr/share", 0o700, 5).unwrap();
        a.add_bytes("usr/share/z", b"", 0o644, 1).unwrap();
        let p = parse(&bytes(&a));
        let names: Vec<_> = p.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "usr",
                "usr/bin",
                "usr/bin/prog",
                "usr/lib",
                "usr/lib/libc.so",
                "usr/share",
                "usr/share/z"
            ]
        );
        let get = |n: &str| p.iter().find(|e| e.name == n).unwrap().clone();
        assert_eq!(get("usr").nlink, 5);
        assert_eq!(get("usr").mode, 0o40755);
        assert_eq!(get("usr").mtime, 0);
        assert_eq!(get("usr/bin").nlink, 2);
        assert_eq!(get("usr/share").mode, 0o40700);
        assert_eq!(get("usr/share").mtime, 5);
        assert_eq!(get("usr/bin/prog").nlink, 1);
        assert_eq!(get("usr/bin/prog").mode, 0o100755);
        // Unique inodes, uid/gid 0.
        let mut inos: Vec<_> = p.iter().map(|e| e.ino).collect();
        inos.sort();
        inos.dedup();
        assert_eq!(inos.len(), p.len());
        assert!(p.iter().all(|e| e.uid == 0 && e.gid == 0));
    }

    #[test]
    fn bad_paths_and_type_conflicts_are_errors() {
        let mut a = Archive::new();
        assert!(a
            .add_bytes("../etc/passwd", b"", 0o644, 0)
            .unwrap_err()
            .contains(".."));
        assert!(a.add_bytes("/", b"", 0o644, 0).is_err());
        a.add_bytes("etc/file", b"", 0o644, 0).unwrap();
        let e = a.add_bytes("etc/file/sub", b"", 0o644, 0).unwrap_err();
        assert!(e.contains("etc/file is not a directory"), "{e}");
        let e = a.add_bytes("etc", b"", 0o644, 0).unwrap_err();
        assert!(e.contains("cannot replace directory etc"), "{e}");
        a.add_symlink("lib", "usr/lib", 0).unwrap();
        assert!(a.add_bytes("lib/libc.so", b"", 0o644, 0).is_err());
        // A later file replaces an earlier one.
        a.add_bytes("etc/file", b"new", 0o600, 0).unwrap();
        let p = parse(&bytes(&a));
        assert_eq!(
            p.iter().find(|e| e.name == "etc/file").unwrap().data,
            b"new"
        );
        assert!(a.add_tree("", Path::new("/nonexistent/aramid")).is_err());
    }

    #[test]
    fn packs_a_host_tree_deterministically() {
        let root = sample_tree();
        let mut a = Archive::new();
        a.add_tree("", &root).unwrap();
        let extra = root.join("../extra-init");
        fs::write(&extra, b"#!/bin/sh\n").unwrap();
        a.add_host_file("/sbin/init", &extra).unwrap();
        let first = bytes(&a);
        let mut b = Archive::new();
        b.add_tree("", &root).unwrap();
        b.add_host_file("/sbin/init", &extra).unwrap();
        assert_eq!(first, bytes(&b), "output must be deterministic");

        let p = parse(&first);
        let names: Vec<_> = p.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "bin",
                "bin/ash",
                "bin/sh",
                "etc",
                "etc/empty",
                "etc/hostname",
                "etc/init.d",
                "etc/init.d/rcS",
                "lib",
                "sbin",
                "sbin/init",
                "usr",
                "usr/lib"
            ]
        );
        let get = |n: &str| p.iter().find(|e| e.name == n).unwrap().clone();
        assert_eq!(get("bin/sh").mode, 0o104755);
        assert_eq!(get("bin/sh").mtime, 1_600_000_000);
        assert_eq!(get("bin/sh").data, b"#!fake shell\n");
        assert_eq!(get("etc/hostname").mode, 0o100640);
        assert_eq!(get("etc/hostname").mtime, 1_600_000_123);
        assert_eq!(get("etc/empty").data, b"");
        assert_eq!(get("lib").mode, 0o120777);
        assert_eq!(get("lib").data, b"usr/lib");
        assert_eq!(get("bin/ash").data, b"sh");
        assert_eq!(get("etc").nlink, 3);
        assert_eq!(get("usr").nlink, 3);
        assert_eq!(get("sbin/init").data, b"#!/bin/sh\n");
        fs::remove_file(&extra).unwrap();
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn device_numbers_decode() {
        // makedev(4, 64) (/dev/ttyS0) and makedev(259, 70000).
        assert_eq!((dev_major(0x440), dev_minor(0x440)), (4, 64));
        let dev: u64 =
            ((259 & 0xfff) << 8) | ((70000 & 0xff) as u64) | (((70000u64) & !0xff) << 12);
        assert_eq!((dev_major(dev), dev_minor(dev)), (259, 70000));
    }

    fn have_cpio() -> bool {
        Command::new("cpio")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    }

    /// Round trip through the system's GNU cpio: list and extract.
    #[test]
    fn round_trip_with_system_cpio() {
        if !have_cpio() {
            eprintln!("cpio not installed; skipping the round trip (apt-get install cpio)");
            return;
        }
        let root = sample_tree();
        let mut a = Archive::new();
        a.add_tree("", &root).unwrap();
        a.add_bytes("deep/new/dir/file", b"payload", 0o600, 1_234_567)
            .unwrap();
        let work = temp_dir("roundtrip");
        let archive = work.join("out.cpio");
        a.write_file(&archive).unwrap();

        let listing = Command::new("cpio")
            .args(["-t", "--quiet", "-F"])
            .arg(&archive)
            .output()
            .unwrap();
        assert!(
            listing.status.success(),
            "{}",
            String::from_utf8_lossy(&listing.stderr)
        );
        let listed: Vec<String> = String::from_utf8(listing.stdout)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        assert_eq!(listed, a.paths());

        let out = work.join("x");
        fs::create_dir(&out).unwrap();
        let st = Command::new("cpio")
            .args(["-i", "-d", "-m", "--quiet", "--no-absolute-filenames", "-F"])
            .arg(&archive)
            .current_dir(&out)
            .status()
            .unwrap();
        assert!(st.success());
        for rel in ["bin/sh", "etc/hostname", "etc/empty", "etc/init.d/rcS"] {
            let (x, y) = (root.join(rel), out.join(rel));
            assert_eq!(fs::read(&x).unwrap(), fs::read(&y).unwrap(), "{rel}");
            let (mx, my) = (fs::metadata(&x).unwrap(), fs::metadata(&y).unwrap());
            assert_eq!(mx.mode() & 0o7777, my.mode() & 0o7777, "{rel}");
            assert_eq!(mx.mtime(), my.mtime(), "{rel}");
        }
        assert_eq!(
            fs::read_link(out.join("lib")).unwrap(),
            Path::new("usr/lib")
        );
        assert_eq!(fs::read_link(out.join("bin/ash")).unwrap(), Path::new("sh"));
        assert_eq!(fs::read(out.join("deep/new/dir/file")).unwrap(), b"payload");
        assert_eq!(
            fs::metadata(out.join("deep/new/dir/file")).unwrap().mode() & 0o7777,
            0o600
        );
        assert!(fs::metadata(out.join("usr/lib")).unwrap().is_dir());
        fs::remove_dir_all(&root).unwrap();
        fs::remove_dir_all(&work).unwrap();
    }
}
