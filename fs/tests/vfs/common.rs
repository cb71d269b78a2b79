//! Test fixture: a namespace on a fresh tmpfs with a fake clock, and
//! shorthands for the operations tests repeat.

use std::sync::Arc;
use std::vec::Vec;

use fs::flags::*;
use fs::*;

pub struct Env {
    pub clock: Arc<FakeClock>,
    pub fs: Arc<Tmpfs>,
    pub vfs: Vfs,
    pub root: PathLoc,
    pub root_creds: Creds,
}

/// An unprivileged user (uid 1000, gid 1000).
pub fn user() -> Creds {
    Creds::user(1000, 1000)
}

/// Another unprivileged user (uid 2000, gid 2000).
pub fn other() -> Creds {
    Creds::user(2000, 2000)
}

impl Env {
    /// A root directory with mode 0755 owned by root, clock at 1000 s.
    pub fn new() -> Env {
        Self::with_options(TmpfsOptions {
            mode: 0o755,
            ..TmpfsOptions::default()
        })
    }

    pub fn with_options(opts: TmpfsOptions) -> Env {
        let clock = Arc::new(FakeClock::new(1000));
        let fs = Tmpfs::new(clock.clone(), opts);
        let vfs = Vfs::new(fs.root(), "tmpfs", "rootfs");
        let root = vfs.root();
        Env {
            clock,
            fs,
            vfs,
            root,
            root_creds: Creds::root(),
        }
    }

    /// Root's context, umask 022.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            root: &self.root,
            creds: &self.root_creds,
            caller: Default::default(),
            umask: 0o022,
        }
    }

    /// `creds`' context, umask 022.
    pub fn ctx_as<'a>(&'a self, creds: &'a Creds) -> Ctx<'a> {
        Ctx {
            root: &self.root,
            creds,
            caller: Default::default(),
            umask: 0o022,
        }
    }

    /// A second tmpfs on the same clock (to mount).
    pub fn new_tmpfs(&self) -> InodeRef {
        Tmpfs::new(
            self.clock.clone(),
            TmpfsOptions {
                mode: 0o755,
                ..TmpfsOptions::default()
            },
        )
        .root()
    }

    pub fn resolve(&self, path: &str) -> Result<PathLoc> {
        self.vfs
            .resolve(&self.ctx(), &self.root, path.as_bytes(), Lookup::empty())
    }

    pub fn lresolve(&self, path: &str) -> Result<PathLoc> {
        self.vfs
            .resolve(&self.ctx(), &self.root, path.as_bytes(), Lookup::NOFOLLOW)
    }

    pub fn stat(&self, path: &str) -> Result<Metadata> {
        self.resolve(path).map(|l| l.inode.metadata())
    }

    pub fn lstat(&self, path: &str) -> Result<Metadata> {
        self.lresolve(path).map(|l| l.inode.metadata())
    }

    pub fn exists(&self, path: &str) -> bool {
        self.lresolve(path).is_ok()
    }

    pub fn mkdir(&self, path: &str, mode: u32) -> PathLoc {
        fs::ops::mkdirat(&self.vfs, &self.ctx(), &self.root, path.as_bytes(), mode)
            .unwrap_or_else(|e| panic!("mkdir {path}: {e:?}"))
    }

    /// Creates (or truncates) a file holding `data`, as root.
    pub fn write(&self, path: &str, data: &[u8]) -> PathLoc {
        let r = open(
            &self.vfs,
            &self.ctx(),
            &self.root,
            path.as_bytes(),
            O_WRONLY | O_CREAT | O_TRUNC,
            0o644,
        )
        .unwrap_or_else(|e| panic!("create {path}: {e:?}"));
        assert_eq!(r.loc.inode.write_at(0, data), Ok(data.len()));
        r.loc
    }

    pub fn read(&self, path: &str) -> Vec<u8> {
        let loc = self
            .resolve(path)
            .unwrap_or_else(|e| panic!("open {path}: {e:?}"));
        read_all(&loc.inode)
    }

    pub fn symlink(&self, target: &str, path: &str) {
        fs::ops::symlinkat(
            &self.vfs,
            &self.ctx(),
            target.as_bytes(),
            &self.root,
            path.as_bytes(),
        )
        .unwrap_or_else(|e| panic!("symlink {path}: {e:?}"));
    }

    pub fn chmod(&self, path: &str, mode: u32) {
        let loc = self.lresolve(path).unwrap();
        fs::attr::chmod(&self.ctx(), &loc, mode).unwrap();
    }

    pub fn chown(&self, path: &str, uid: u32, gid: u32) {
        let loc = self.lresolve(path).unwrap();
        fs::attr::chown(&self.ctx(), &loc, Some(uid), Some(gid)).unwrap();
    }

    /// Opens with `flags` as root.
    pub fn open(&self, path: &str, flags: u32) -> Result<OpenResult> {
        open(
            &self.vfs,
            &self.ctx(),
            &self.root,
            path.as_bytes(),
            flags,
            0o644,
        )
    }

    pub fn unlink(&self, path: &str) -> Result<()> {
        fs::ops::unlinkat(&self.vfs, &self.ctx(), &self.root, path.as_bytes(), 0)
    }

    pub fn rmdir(&self, path: &str) -> Result<()> {
        fs::ops::unlinkat(
            &self.vfs,
            &self.ctx(),
            &self.root,
            path.as_bytes(),
            AT_REMOVEDIR,
        )
    }

    pub fn rename(&self, from: &str, to: &str, flags: u32) -> Result<()> {
        fs::rename::renameat2(
            &self.vfs,
            &self.ctx(),
            &self.root,
            from.as_bytes(),
            &self.root,
            to.as_bytes(),
            flags,
        )
    }

    /// Mounts a fresh tmpfs at `path`.
    pub fn mount_tmpfs(&self, path: &str) -> Arc<Mount> {
        let at = self.resolve(path).unwrap();
        self.vfs
            .mount(self.new_tmpfs(), &at, "tmpfs", "tmpfs", MountFlags::empty())
            .unwrap()
    }

    /// Absolute path of a directory.
    pub fn path_of(&self, loc: &PathLoc) -> String {
        let p = self.vfs.path_of(&self.root, loc).unwrap().unwrap();
        String::from_utf8(p).unwrap()
    }
}

/// The whole contents of a file.
pub fn read_all(inode: &InodeRef) -> Vec<u8> {
    let size = inode.metadata().size as usize;
    let mut buf = vec![0u8; size + 16];
    let n = inode.read_at(0, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// Every entry name of a directory, in readdir order, without `.` and `..`.
pub fn list(inode: &InodeRef) -> Vec<String> {
    let mut out = Vec::new();
    let mut off = 0;
    while let Some(e) = inode.readdir(off).unwrap() {
        off = e.next;
        if e.name != b"." && e.name != b".." {
            out.push(String::from_utf8(e.name).unwrap());
        }
    }
    out
}
