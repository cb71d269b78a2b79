//! Unpacking cpio archives into the root tmpfs: every entry type with its
//! mode, owner and mtime; hard links; overriding by later archives;
//! skipped entries; malformed input.

use fs::cpio::CpioError;
use fs::initramfs::{unpack_cpio, UnpackStats};
use fs::inode::*;
use fs::*;

use crate::common::*;

#[derive(Clone, Copy)]
struct E<'a> {
    name: &'a str,
    mode: u32,
    data: &'a [u8],
    ino: u32,
    nlink: u32,
    uid: u32,
    gid: u32,
    mtime: u32,
    rdev: (u32, u32),
}

fn e<'a>(name: &'a str, mode: u32, data: &'a [u8]) -> E<'a> {
    E {
        name,
        mode,
        data,
        ino: 0,
        nlink: 1,
        uid: 0,
        gid: 0,
        mtime: 0,
        rdev: (0, 0),
    }
}

fn push(out: &mut Vec<u8>, x: &E<'_>) {
    let fields = [
        x.ino,
        x.mode,
        x.uid,
        x.gid,
        x.nlink,
        x.mtime,
        x.data.len() as u32,
        8,
        1,
        x.rdev.0,
        x.rdev.1,
        x.name.len() as u32 + 1,
        0,
    ];
    out.extend_from_slice(b"070701");
    for f in fields {
        out.extend_from_slice(format!("{f:08X}").as_bytes());
    }
    out.extend_from_slice(x.name.as_bytes());
    out.push(0);
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
    out.extend_from_slice(x.data);
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

fn archive(entries: &[E<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for x in entries {
        push(&mut out, x);
    }
    push(&mut out, &e("TRAILER!!!", 0, b""));
    out
}

#[test]
fn unpacks_every_entry_type() {
    let env = Env::new();
    let img = archive(&[
        E {
            mtime: 111,
            ..e(".", S_IFDIR | 0o755, b"")
        },
        E {
            mtime: 500,
            uid: 1,
            gid: 2,
            ..e("bin", S_IFDIR | 0o711, b"")
        },
        E {
            mtime: 600,
            uid: 3,
            gid: 4,
            ..e("bin/sh", S_IFREG | 0o4755, b"#!/bin/sh\n")
        },
        E {
            mtime: 700,
            uid: 5,
            gid: 6,
            ..e("init", S_IFLNK | 0o777, b"bin/sh")
        },
        e("dev", S_IFDIR | 0o755, b""),
        E {
            rdev: (5, 1),
            mtime: 800,
            ..e("dev/console", S_IFCHR | 0o600, b"")
        },
        E {
            rdev: (8, 0),
            ..e("dev/sda", S_IFBLK | 0o660, b"")
        },
        e("dev/fifo", S_IFIFO | 0o644, b""),
        e("./dev/sock", S_IFSOCK | 0o755, b""),
        e("/empty", S_IFREG | 0o600, b""),
    ]);
    let stats = unpack_cpio(&env.vfs, &img).unwrap();
    assert_eq!(
        stats,
        UnpackStats {
            unpacked: 9,
            skipped: 0
        }
    );
    let bin = env.stat("/bin").unwrap();
    assert_eq!((bin.mode, bin.uid, bin.gid), (S_IFDIR | 0o711, 1, 2));
    assert_eq!(
        bin.mtime,
        Timespec::new(500, 0),
        "directory mtimes are set last"
    );
    let sh = env.stat("/bin/sh").unwrap();
    assert_eq!(
        (sh.mode, sh.uid, sh.gid, sh.mtime),
        (S_IFREG | 0o4755, 3, 4, Timespec::new(600, 0))
    );
    assert_eq!(sh.atime, sh.mtime);
    assert_eq!(env.read("/init"), b"#!/bin/sh\n");
    let init = env.lstat("/init").unwrap();
    assert_eq!(
        (init.mode, init.uid, init.gid, init.mtime),
        (S_IFLNK | 0o777, 5, 6, Timespec::new(700, 0))
    );
    let con = env.stat("/dev/console").unwrap();
    assert_eq!(
        (con.mode, con.rdev, con.mtime),
        (S_IFCHR | 0o600, makedev(5, 1), Timespec::new(800, 0))
    );
    assert_eq!(env.stat("/dev/sda").unwrap().rdev, makedev(8, 0));
    assert_eq!(env.stat("/dev/fifo").unwrap().mode, S_IFIFO | 0o644);
    assert_eq!(env.stat("/dev/sock").unwrap().mode, S_IFSOCK | 0o755);
    assert_eq!(env.stat("/empty").unwrap().size, 0);
}

#[test]
fn hard_links_share_one_inode() {
    let env = Env::new();
    // GNU cpio style: data on the last link only.
    let img = archive(&[
        E {
            ino: 42,
            nlink: 3,
            ..e("a", S_IFREG | 0o644, b"")
        },
        e("d", S_IFDIR | 0o755, b""),
        E {
            ino: 42,
            nlink: 3,
            ..e("d/b", S_IFREG | 0o644, b"")
        },
        E {
            ino: 42,
            nlink: 3,
            ..e("c", S_IFREG | 0o644, b"payload")
        },
        // Same inode number, other mode: not the same file.
        E {
            ino: 42,
            nlink: 2,
            ..e("x", S_IFREG | 0o600, b"other")
        },
    ]);
    unpack_cpio(&env.vfs, &img).unwrap();
    let a = env.stat("/a").unwrap();
    assert_eq!(a.nlink, 3);
    assert_eq!(env.stat("/d/b").unwrap().ino, a.ino);
    assert_eq!(env.stat("/c").unwrap().ino, a.ino);
    assert_eq!(env.read("/a"), b"payload");
    assert_eq!(env.read("/x"), b"other");
    assert_ne!(env.stat("/x").unwrap().ino, a.ino);
}

#[test]
fn hard_links_do_not_cross_archives() {
    let env = Env::new();
    let mut img = archive(&[E {
        ino: 9,
        nlink: 2,
        ..e("one", S_IFREG | 0o644, b"1")
    }]);
    img.extend(archive(&[E {
        ino: 9,
        nlink: 2,
        ..e("two", S_IFREG | 0o644, b"2")
    }]));
    unpack_cpio(&env.vfs, &img).unwrap();
    assert_eq!(env.read("/one"), b"1");
    assert_eq!(env.read("/two"), b"2");
    assert_ne!(env.stat("/one").unwrap().ino, env.stat("/two").unwrap().ino);
}

#[test]
fn later_entries_override_earlier_ones() {
    let env = Env::new();
    let mut img = archive(&[
        e("etc", S_IFDIR | 0o755, b""),
        e("etc/conf", S_IFREG | 0o644, b"old contents"),
        e("thing", S_IFDIR | 0o755, b""),
        e("link", S_IFLNK | 0o777, b"old"),
    ]);
    img.extend(archive(&[
        e("etc", S_IFDIR | 0o700, b""),
        e("etc/conf", S_IFREG | 0o600, b"new"),
        e("thing", S_IFREG | 0o644, b"now a file"),
        e("link", S_IFLNK | 0o777, b"new"),
    ]));
    unpack_cpio(&env.vfs, &img).unwrap();
    assert_eq!(
        env.stat("/etc").unwrap().mode,
        S_IFDIR | 0o700,
        "existing directory kept, re-chmod'ed"
    );
    assert_eq!(env.read("/etc/conf"), b"new");
    assert_eq!(env.stat("/etc/conf").unwrap().mode, S_IFREG | 0o600);
    assert_eq!(env.read("/thing"), b"now a file");
    assert_eq!(
        env.lresolve("/link").unwrap().inode.readlink().unwrap(),
        b"new"
    );
}

#[test]
fn bad_entries_are_skipped_and_bad_archives_stop() {
    let env = Env::new();
    let img = archive(&[
        e("missing/parent", S_IFREG | 0o644, b"x"),
        e("weird", 0o170000 | 0o644, b""),
        e("ok", S_IFREG | 0o644, b"fine"),
    ]);
    assert_eq!(
        unpack_cpio(&env.vfs, &img),
        Ok(UnpackStats {
            unpacked: 1,
            skipped: 2
        })
    );
    assert_eq!(env.read("/ok"), b"fine");
    // A truncated archive keeps what came before and reports the error.
    let env = Env::new();
    let mut img = archive(&[
        e("first", S_IFREG | 0o644, b"1"),
        e("second", S_IFREG | 0o644, b"2"),
    ]);
    let cut = img.len() - 40;
    img.truncate(cut);
    assert!(matches!(
        unpack_cpio(&env.vfs, &img),
        Err(CpioError::Truncated { .. })
    ));
    assert_eq!(env.read("/first"), b"1");
    // Garbage anywhere never panics.
    let good = archive(&[
        e("d", S_IFDIR | 0o755, b""),
        e("d/f", S_IFREG | 0o644, b"data"),
    ]);
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x5a;
        let env = Env::new();
        let _ = unpack_cpio(&env.vfs, &bad);
    }
}
