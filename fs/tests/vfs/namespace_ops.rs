//! mkdirat, mknodat, symlinkat, linkat, unlinkat, readlinkat, truncate:
//! results and errnos, each case checked against Linux's tmpfs.

use fs::flags::*;
use fs::inode::*;
use fs::*;

use crate::common::*;

fn setup() -> Env {
    let env = Env::new();
    env.mkdir("/d", 0o755);
    env.mkdir("/d/sub", 0o755);
    env.write("/d/sub/f", b"");
    env.write("/file", b"data");
    env.symlink("file", "/lfile");
    env.symlink("d", "/ldir");
    env.symlink("nonexist", "/dangling");
    env
}

#[test]
fn unlink_and_rmdir_errors() {
    let env = setup();
    let cases: &[(&str, u32, Option<Errno>)] = &[
        ("/d/.", AT_REMOVEDIR, Some(Errno::EINVAL)),
        ("/d/..", AT_REMOVEDIR, Some(Errno::ENOTEMPTY)),
        ("/", AT_REMOVEDIR, Some(Errno::EBUSY)),
        ("/file", AT_REMOVEDIR, Some(Errno::ENOTDIR)),
        ("/d", AT_REMOVEDIR, Some(Errno::ENOTEMPTY)),
        ("/ldir", AT_REMOVEDIR, Some(Errno::ENOTDIR)),
        ("/ldir/", AT_REMOVEDIR, Some(Errno::ENOTDIR)),
        ("/nonexist", AT_REMOVEDIR, Some(Errno::ENOENT)),
        ("/d/.", 0, Some(Errno::EISDIR)),
        ("/", 0, Some(Errno::EISDIR)),
        ("/d", 0, Some(Errno::EISDIR)),
        ("/file/", 0, Some(Errno::ENOTDIR)),
        ("/d/", 0, Some(Errno::EISDIR)),
        ("/nonexist/", 0, Some(Errno::ENOENT)),
        ("/nonexist", 0, Some(Errno::ENOENT)),
        ("/file/x", 0, Some(Errno::ENOTDIR)),
        ("/file", 1, Some(Errno::EINVAL)),
    ];
    for (path, flags, want) in cases {
        let got = fs::ops::unlinkat(&env.vfs, &env.ctx(), &env.root, path.as_bytes(), *flags).err();
        assert_eq!(got, *want, "unlinkat {path} {flags:#x}");
    }
}

#[test]
fn unlink_removes_one_name() {
    let env = setup();
    let ctx = env.ctx();
    fs::ops::linkat(
        &env.vfs, &ctx, &env.root, b"/file", &env.root, b"/d/hard", 0,
    )
    .unwrap();
    let f = env.resolve("/file").unwrap();
    assert_eq!(f.inode.metadata().nlink, 2);
    env.clock.advance(1_000_000_000);
    env.unlink("/file").unwrap();
    assert_eq!(f.inode.metadata().nlink, 1);
    assert_eq!(f.inode.metadata().ctime, Timespec::new(1001, 0));
    assert_eq!(env.read("/d/hard"), b"data");
    // Unlinking a symlink removes the link, not its target.
    env.unlink("/ldir").unwrap();
    assert!(env.exists("/d"));
    env.rmdir("/d/sub/").err();
    env.unlink("/d/sub/f").unwrap();
    env.rmdir("/d/sub/").unwrap();
    assert!(!env.exists("/d/sub"));
}

#[test]
fn mkdir_errors() {
    let env = setup();
    let cases: &[(&str, Option<Errno>)] = &[
        ("/d/.", Some(Errno::EEXIST)),
        ("/d/..", Some(Errno::EEXIST)),
        ("/", Some(Errno::EEXIST)),
        ("/file/", Some(Errno::EEXIST)),
        ("/dangling", Some(Errno::EEXIST)),
        ("/nodir/x", Some(Errno::ENOENT)),
        ("/file/x", Some(Errno::ENOTDIR)),
        ("/new/", None),
        ("/new2//", None),
    ];
    for (path, want) in cases {
        let got = fs::ops::mkdirat(&env.vfs, &env.ctx(), &env.root, path.as_bytes(), 0o755).err();
        assert_eq!(got, *want, "mkdir {path}");
    }
    // Mode: permission bits and sticky kept, umask applied.
    let d = fs::ops::mkdirat(&env.vfs, &env.ctx(), &env.root, b"/t", 0o7777).unwrap();
    assert_eq!(d.inode.metadata().mode, S_IFDIR | 0o1755);
    // Relative to a directory.
    let base = env.resolve("/d").unwrap();
    fs::ops::mkdirat(&env.vfs, &env.ctx(), &base, b"rel", 0o700).unwrap();
    assert!(env.stat("/d/rel").unwrap().is_dir());
}

#[test]
fn mknod_types() {
    let env = setup();
    let ctx = env.ctx();
    let mk = |p: &str, mode: u32| {
        fs::ops::mknodat(&env.vfs, &ctx, &env.root, p.as_bytes(), mode, makedev(8, 1))
    };
    assert_eq!(mk("/x", S_IFDIR | 0o755).err(), Some(Errno::EPERM));
    assert_eq!(mk("/x", 0o170000 | 0o755).err(), Some(Errno::EINVAL));
    assert_eq!(mk("/xx/", S_IFIFO | 0o644).err(), Some(Errno::ENOENT));
    assert_eq!(mk("/file", S_IFIFO | 0o644).err(), Some(Errno::EEXIST));
    let reg = mk("/x0", 0o644).unwrap();
    assert_eq!(
        reg.inode.metadata().mode,
        S_IFREG | 0o644,
        "type 0 is a regular file"
    );
    let b = mk("/blk", S_IFBLK | 0o600).unwrap();
    assert_eq!(
        (b.inode.metadata().mode, b.inode.metadata().rdev),
        (S_IFBLK | 0o600, makedev(8, 1))
    );
    let s = mk("/sock", S_IFSOCK | 0o777).unwrap();
    assert_eq!(
        (s.inode.metadata().mode, s.inode.metadata().rdev),
        (S_IFSOCK | 0o755, 0),
        "rdev only for devices"
    );
    assert_eq!(
        env.open("/blk", O_RDONLY).unwrap().loc.inode.mode() & S_IFMT,
        S_IFBLK
    );
}

#[test]
fn symlink_and_readlink() {
    let env = setup();
    let ctx = env.ctx();
    let sl = |t: &[u8], p: &str| fs::ops::symlinkat(&env.vfs, &ctx, t, &env.root, p.as_bytes());
    assert_eq!(sl(b"", "/x").err(), Some(Errno::ENOENT));
    assert_eq!(sl(b"d", "/sl/").err(), Some(Errno::ENOENT));
    assert_eq!(sl(b"d", "/file").err(), Some(Errno::EEXIST));
    assert_eq!(sl(&[b'a'; 4096], "/long").err(), Some(Errno::ENAMETOOLONG));
    let l = sl(b"any\xfftarget", "/bytes").unwrap();
    let m = l.inode.metadata();
    assert_eq!((m.mode, m.size, m.uid), (S_IFLNK | 0o777, 10, 0));
    let rl = |p: &str| fs::ops::readlinkat(&env.vfs, &ctx, &env.root, p.as_bytes());
    assert_eq!(rl("/bytes").unwrap(), b"any\xfftarget");
    assert_eq!(rl("/file").err(), Some(Errno::EINVAL));
    assert_eq!(rl("/nonexist").err(), Some(Errno::ENOENT));
    let f = env.resolve("/file").unwrap();
    assert_eq!(
        fs::ops::readlinkat(&env.vfs, &ctx, &f, b"").err(),
        Some(Errno::ENOENT),
        "empty path, not a link"
    );
    // A long target takes a block, as on Linux.
    let long = sl(&[b'a'; 200], "/long2").unwrap();
    assert_eq!(long.inode.metadata().blocks, 8);
}

#[test]
fn link_errors_and_follow() {
    let env = setup();
    let ctx = env.ctx();
    let ln = |from: &str, to: &str, flags| {
        fs::ops::linkat(
            &env.vfs,
            &ctx,
            &env.root,
            from.as_bytes(),
            &env.root,
            to.as_bytes(),
            flags,
        )
        .err()
    };
    assert_eq!(ln("/file", "/new/", 0), Some(Errno::ENOENT));
    assert_eq!(ln("/file", "/lfile/", 0), Some(Errno::EEXIST));
    assert_eq!(ln("/d", "/x", 0), Some(Errno::EPERM));
    assert_eq!(ln("/nonexist", "/x", 0), Some(Errno::ENOENT));
    assert_eq!(ln("/file", "/x", 0x1), Some(Errno::EINVAL));
    // Without AT_SYMLINK_FOLLOW the link itself gets the new name.
    assert_eq!(ln("/lfile", "/l2", 0), None);
    assert_eq!(env.lstat("/l2").unwrap().mode & S_IFMT, S_IFLNK);
    assert_eq!(env.lstat("/lfile").unwrap().nlink, 2);
    assert_eq!(ln("/lfile", "/f2", AT_SYMLINK_FOLLOW), None);
    assert_eq!(env.lstat("/f2").unwrap().mode & S_IFMT, S_IFREG);
    assert_eq!(env.stat("/file").unwrap().nlink, 2);
    assert_eq!(
        ln("/dangling", "/f3", AT_SYMLINK_FOLLOW),
        Some(Errno::ENOENT)
    );
}

#[test]
fn truncate_by_path() {
    let env = setup();
    let ctx = env.ctx();
    let tr = |p: &str, len| attr::truncate_at(&env.vfs, &ctx, &env.root, p.as_bytes(), len).err();
    assert_eq!(tr("/d", 0), Some(Errno::EISDIR));
    assert_eq!(tr("/file", -1), Some(Errno::EINVAL));
    assert_eq!(tr("/lfile", 2), None);
    assert_eq!(env.read("/file"), b"da");
    fs::ops::mknodat(&env.vfs, &ctx, &env.root, b"/fifo", S_IFIFO | 0o644, 0).unwrap();
    assert_eq!(tr("/fifo", 0), Some(Errno::EINVAL));
    let u = user();
    let uctx = env.ctx_as(&u);
    assert_eq!(
        attr::truncate_at(&env.vfs, &uctx, &env.root, b"/file", 0).err(),
        Some(Errno::EACCES)
    );
}
