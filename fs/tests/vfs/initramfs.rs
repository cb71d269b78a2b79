//! Unpacking cpio archives into the root tmpfs: every entry type with its
//! mode, owner and mtime; hard links; overriding by later archives;
//! skipped entries; malformed input; gzip- and zstd-compressed members
//! made by the host's `gzip` and `zstd`, concatenated, corrupt, truncated.

use fs::cpio::CpioError;
use fs::initramfs::{unpack, UnpackError, UnpackStats};
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
    let stats = unpack(&env.vfs, &img).unwrap();
    assert_eq!(
        stats,
        UnpackStats {
            unpacked: 9,
            skipped: 0,
            compressed: 0
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
    unpack(&env.vfs, &img).unwrap();
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
    unpack(&env.vfs, &img).unwrap();
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
    unpack(&env.vfs, &img).unwrap();
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
        unpack(&env.vfs, &img),
        Ok(UnpackStats {
            unpacked: 1,
            skipped: 2,
            compressed: 0
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
        unpack(&env.vfs, &img),
        Err(UnpackError::Cpio {
            member: None,
            err: CpioError::Truncated { .. }
        })
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
        let _ = unpack(&env.vfs, &bad);
    }
}

/// `data` compressed by the host's `tool` (`gzip` or `zstd`) with `args`.
fn compress(tool: &str, args: &[&str], data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{tool} is needed for these tests (make deps): {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "{tool} failed");
    out.stdout
}

fn gzip(data: &[u8]) -> Vec<u8> {
    compress("gzip", &["-c", "-n"], data)
}

fn zstd(data: &[u8]) -> Vec<u8> {
    compress("zstd", &["-c", "-q", "-3"], data)
}

/// A megabyte that compresses, but not to nothing: several output pieces.
fn big() -> Vec<u8> {
    let mut x = 0x1234_5678u32;
    (0..1 << 20)
        .map(|i| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            if i % 3 == 0 { (x >> 24) as u8 } else { b'a' + (i % 26) as u8 }
        })
        .collect()
}

#[test]
fn compressed_members_after_a_plain_archive() {
    let env = Env::new();
    let big = big();
    // Debian's layout: an uncompressed (microcode) archive, then the main
    // archive compressed; here also a second compressed member.
    let mut img = archive(&[
        e("kernel", S_IFDIR | 0o755, b""),
        e("kernel/early", S_IFREG | 0o644, b"plain"),
    ]);
    img.extend_from_slice(&[0; 512]);
    img.extend(gzip(&archive(&[
        e("bin", S_IFDIR | 0o755, b""),
        e("bin/big", S_IFREG | 0o755, &big),
        e("bin/sh", S_IFLNK | 0o777, b"big"),
    ])));
    img.extend_from_slice(&[0; 3]);
    let mut two = archive(&[e("etc", S_IFDIR | 0o700, b"")]);
    two.extend(archive(&[e("etc/z", S_IFREG | 0o600, b"zstd")]));
    img.extend(zstd(&two));
    let stats = unpack(&env.vfs, &img).unwrap();
    assert_eq!(stats, UnpackStats { unpacked: 7, skipped: 0, compressed: 2 });
    assert_eq!(env.read("/kernel/early"), b"plain");
    assert_eq!(env.read("/bin/sh"), big, "through the symlink");
    assert_eq!(env.stat("/bin/big").unwrap().mode, S_IFREG | 0o755);
    assert_eq!(env.read("/etc/z"), b"zstd");
    assert_eq!(env.stat("/etc").unwrap().mode, S_IFDIR | 0o700);
}

#[test]
fn concatenated_gzip_members_and_zstd_frames() {
    // `cat a.gz b.gz`: two members, one archive each.
    let env = Env::new();
    let mut img = gzip(&archive(&[e("a", S_IFREG | 0o644, b"1")]));
    img.extend(gzip(&archive(&[e("b", S_IFREG | 0o644, b"22")])));
    assert_eq!(unpack(&env.vfs, &img).unwrap().compressed, 2);
    assert_eq!((env.read("/a"), env.read("/b")), (b"1".to_vec(), b"22".to_vec()));
    // One archive split across two zstd frames decodes as one stream.
    let env = Env::new();
    let whole = archive(&[e("f", S_IFREG | 0o644, &big()[..100_000])]);
    let mut img = zstd(&whole[..50_001]);
    img.extend(zstd(&whole[50_001..]));
    assert_eq!(unpack(&env.vfs, &img).unwrap().compressed, 2);
    assert_eq!(env.read("/f"), &big()[..100_000]);
}

#[test]
fn gzip_header_fields_are_skipped() {
    // Compressing a named file stores its name (FNAME).
    let dir = std::env::temp_dir().join(format!("aramid-fs-gz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("image.cpio");
    std::fs::write(&path, archive(&[e("named", S_IFREG | 0o644, b"yes")])).unwrap();
    let img = compress("gzip", &["-c", path.to_str().unwrap()], b"");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(img[3] & 8, 8, "FNAME set");
    let env = Env::new();
    unpack(&env.vfs, &img).unwrap();
    assert_eq!(env.read("/named"), b"yes");
}

#[test]
fn bad_compressed_images_are_errors_not_panics() {
    let payload = archive(&[
        e("d", S_IFDIR | 0o755, b""),
        e("d/f", S_IFREG | 0o644, &big()[..20_000]),
    ]);
    for (name, img) in [("gzip", gzip(&payload)), ("zstd", zstd(&payload))] {
        // Every truncation is reported.
        for cut in (1..img.len()).step_by(7) {
            let env = Env::new();
            assert!(unpack(&env.vfs, &img[..cut]).is_err(), "{name} cut at {cut}");
        }
        // Any corrupted byte: an error (or, in a header field nobody
        // checks, success), never a panic.
        for i in 0..img.len() {
            let mut bad = img.clone();
            bad[i] ^= 0x21;
            let env = Env::new();
            let _ = unpack(&env.vfs, &bad);
        }
        let mut bad = img.clone();
        let mid = bad.len() / 2;
        bad[mid] ^= 0xff;
        let env = Env::new();
        assert!(unpack(&env.vfs, &bad).is_err(), "{name} corrupted in the middle");
    }
    let env = Env::new();
    let err = unpack(&env.vfs, &gzip(&payload)[..40]).unwrap_err();
    assert!(
        matches!(&err, UnpackError::Decompress { offset: 0, method: "gzip", .. }),
        "{err:?}"
    );
    assert_eq!(
        unpack(&env.vfs, &compress("xz", &["-c"], &payload)),
        Err(UnpackError::Unsupported { offset: 0, method: "xz" })
    );
    let mut img = archive(&[e("x", S_IFREG, b"")]);
    let len = img.len();
    img.extend_from_slice(b"garbage!");
    assert_eq!(unpack(&env.vfs, &img), Err(UnpackError::BadMagic { offset: len }));
    // The compressed data holds something after its archive...
    let mut junk = payload.clone();
    junk.extend_from_slice(b"junk");
    assert_eq!(unpack(&env.vfs, &gzip(&junk)), Err(UnpackError::Junk { member: 0 }));
    // ... or ends inside an entry.
    assert!(matches!(
        unpack(&env.vfs, &zstd(&payload[..payload.len() - 200])),
        Err(UnpackError::Incomplete { member: 0, .. })
    ));
    // Messages for the kernel log.
    assert_eq!(
        UnpackError::Unsupported { offset: 8, method: "xz" }.to_string(),
        "compression method xz (at offset 8) not supported"
    );
}

#[test]
fn a_compressed_archive_without_its_last_padding_is_followed_cleanly() {
    // The compressed data ends right after a 5-byte file, without the 3
    // bytes of alignment and without a trailer; a plain archive follows.
    let env = Env::new();
    let mut inner = Vec::new();
    push(&mut inner, &e("odd", S_IFREG | 0o644, b"12345"));
    inner.truncate(inner.len() - 3);
    let mut img = gzip(&inner);
    while !img.len().is_multiple_of(4) {
        img.push(0);
    }
    img.extend(archive(&[e("next", S_IFREG | 0o644, b"after")]));
    assert_eq!(unpack(&env.vfs, &img).unwrap().unpacked, 2);
    assert_eq!(env.read("/odd"), b"12345");
    assert_eq!(env.read("/next"), b"after");
}
