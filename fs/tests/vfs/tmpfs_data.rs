//! tmpfs regular files: reads and writes across pages, holes, truncate,
//! fallocate, SEEK_DATA/SEEK_HOLE, size limits, timestamps, statfs.

use fs::inode::*;
use fs::*;

use crate::common::*;

#[test]
fn write_then_read_across_pages() {
    let env = Env::new();
    let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let f = env.write("/f", &data);
    assert_eq!(env.read("/f"), data);
    let mut buf = [0u8; 100];
    assert_eq!(f.inode.read_at(4090, &mut buf), Ok(100));
    assert_eq!(&buf[..], &data[4090..4190]);
    // Past the end: short read, then nothing.
    assert_eq!(f.inode.read_at(9_950, &mut buf), Ok(50));
    assert_eq!(f.inode.read_at(10_000, &mut buf), Ok(0));
    assert_eq!(f.inode.read_at(u64::MAX, &mut buf), Ok(0));
    let m = f.inode.metadata();
    assert_eq!(m.size, 10_000);
    assert_eq!(m.blocks, 3 * 8);
    assert_eq!(m.blksize, 4096);
    assert_eq!(m.nlink, 1);
}

#[test]
fn sparse_writes_leave_zero_holes() {
    let env = Env::new();
    let f = env.write("/sparse", b"");
    assert_eq!(f.inode.write_at(8192, b"x"), Ok(1));
    let m = f.inode.metadata();
    assert_eq!(m.size, 8193);
    assert_eq!(m.blocks, 8, "only the written page is allocated");
    let content = read_all(&f.inode);
    assert!(content[..8192].iter().all(|&b| b == 0));
    assert_eq!(content[8192], b'x');
}

#[test]
fn seek_data_and_hole_at_page_granularity() {
    // Same sequence as on a Linux tmpfs: data at 8192, size 20000.
    let env = Env::new();
    let f = env.write("/s", b"");
    f.inode.write_at(8192, b"x").unwrap();
    f.inode.truncate(20_000).unwrap();
    assert_eq!(f.inode.seek_data(0), Ok(8192));
    assert_eq!(f.inode.seek_hole(0), Ok(0));
    assert_eq!(f.inode.seek_hole(8192), Ok(12_288));
    assert_eq!(f.inode.seek_data(8200), Ok(8200));
    assert_eq!(f.inode.seek_data(12_288), Err(Errno::ENXIO));
    assert_eq!(f.inode.seek_data(20_000), Err(Errno::ENXIO));
    assert_eq!(f.inode.seek_hole(19_999), Ok(19_999));
    assert_eq!(f.inode.seek_hole(20_000), Err(Errno::ENXIO));
    // A fully written file: one hole, at EOF.
    let g = env.write("/g", &[1u8; 5000]);
    assert_eq!(g.inode.seek_hole(0), Ok(5000));
    assert_eq!(g.inode.seek_data(4999), Ok(4999));
}

#[test]
fn truncate_shrinks_zeroes_tail_and_grows_with_holes() {
    let env = Env::new();
    let f = env.write("/t", &[7u8; 9000]);
    f.inode.truncate(4100).unwrap();
    assert_eq!(f.inode.metadata().size, 4100);
    assert_eq!(f.inode.metadata().blocks, 16);
    // Growing again shows zeros where data used to be.
    f.inode.truncate(9000).unwrap();
    let c = read_all(&f.inode);
    assert!(c[..4100].iter().all(|&b| b == 7));
    assert!(c[4100..].iter().all(|&b| b == 0));
    f.inode.truncate(0).unwrap();
    assert_eq!(f.inode.metadata().blocks, 0);
    assert_eq!(f.inode.truncate(u64::MAX), Err(Errno::EFBIG));
}

#[test]
fn fallocate_modes() {
    let env = Env::new();
    let f = env.write("/a", b"");
    // Allocate extends the size and makes data.
    f.inode.fallocate(0, 0, 5000).unwrap();
    assert_eq!(f.inode.metadata().size, 5000);
    assert_eq!(f.inode.metadata().blocks, 16);
    assert_eq!(f.inode.seek_hole(0), Ok(5000));
    // KEEP_SIZE allocates past EOF without growing.
    f.inode.fallocate(FALLOC_FL_KEEP_SIZE, 8192, 4096).unwrap();
    assert_eq!(f.inode.metadata().size, 5000);
    assert_eq!(f.inode.metadata().blocks, 24);
    // Punching frees whole pages and zeros partial ones.
    f.inode.write_at(0, &[9u8; 5000]).unwrap();
    f.inode
        .fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 4096)
        .unwrap();
    let c = read_all(&f.inode);
    assert!(c[..100].iter().all(|&b| b == 9));
    assert!(c[100..4196].iter().all(|&b| b == 0));
    assert!(c[4196..].iter().all(|&b| b == 9));
    f.inode
        .fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096)
        .unwrap();
    assert_eq!(f.inode.seek_data(0), Ok(4096));
    // What Linux's tmpfs refuses.
    assert_eq!(
        f.inode.fallocate(FALLOC_FL_PUNCH_HOLE, 0, 10),
        Err(Errno::EOPNOTSUPP)
    );
    assert_eq!(
        f.inode.fallocate(FALLOC_FL_ZERO_RANGE, 0, 10),
        Err(Errno::EOPNOTSUPP)
    );
    assert_eq!(
        f.inode.fallocate(FALLOC_FL_COLLAPSE_RANGE, 0, 4096),
        Err(Errno::EOPNOTSUPP)
    );
    assert_eq!(f.inode.fallocate(0, 0, 0), Err(Errno::EINVAL));
    assert_eq!(f.inode.fallocate(0, u64::MAX - 1, 10), Err(Errno::EFBIG));
    // Directories.
    assert_eq!(
        env.resolve("/").unwrap().inode.fallocate(0, 0, 1),
        Err(Errno::EISDIR)
    );
}

#[test]
fn writes_past_the_largest_offset_are_efbig() {
    let env = Env::new();
    let f = env.write("/big", b"");
    assert_eq!(f.inode.write_at(i64::MAX as u64, b"x"), Err(Errno::EFBIG));
    assert_eq!(f.inode.write_at(i64::MAX as u64 - 1, b"xy"), Ok(1));
}

#[test]
fn size_limit_gives_enospc_and_short_writes() {
    let env = Env::with_options(TmpfsOptions {
        mode: 0o755,
        max_bytes: Some(8192),
        ..TmpfsOptions::default()
    });
    let f = env.write("/f", b"");
    assert_eq!(
        f.inode.write_at(0, &[1u8; 10_000]),
        Ok(8192),
        "short write at the limit"
    );
    assert_eq!(f.inode.write_at(8192, b"x"), Err(Errno::ENOSPC));
    let st = f.inode.statfs().unwrap();
    assert_eq!((st.blocks, st.bfree, st.bavail), (2, 0, 0));
    f.inode.truncate(0).unwrap();
    assert_eq!(
        f.inode.statfs().unwrap().bfree,
        2,
        "truncate gives the pages back"
    );
    assert_eq!(f.inode.fallocate(0, 0, 3 * 4096), Err(Errno::ENOSPC));
    // Unlinking the last name frees the data.
    f.inode.write_at(0, &[1u8; 8192]).unwrap();
    drop(f);
    env.unlink("/f").unwrap();
    assert_eq!(env.resolve("/").unwrap().inode.statfs().unwrap().bfree, 2);
}

#[test]
fn inode_limit_gives_enospc() {
    let env = Env::with_options(TmpfsOptions {
        mode: 0o755,
        max_inodes: Some(3),
        ..TmpfsOptions::default()
    });
    env.mkdir("/a", 0o755);
    env.write("/b", b"");
    assert_eq!(
        env.open("/c", flags::O_CREAT | flags::O_WRONLY).err(),
        Some(Errno::ENOSPC)
    );
    let st = env.resolve("/").unwrap().inode.statfs().unwrap();
    assert_eq!((st.files, st.ffree), (3, 0));
    env.unlink("/b").unwrap();
    assert!(env.open("/c", flags::O_CREAT | flags::O_WRONLY).is_ok());
}

#[test]
fn statfs_reports_tmpfs() {
    let env = Env::new();
    let st = attr::statfs(&env.root).unwrap();
    assert_eq!(st.fs_type, TMPFS_MAGIC);
    assert_eq!(st.bsize, 4096);
    assert_eq!(st.namelen, 255);
    assert_eq!(
        (st.blocks, st.files),
        (0, 0),
        "unlimited instance reports zeros"
    );
    assert_eq!(st.flags, attr::ST_VALID | attr::ST_RELATIME);
}

#[test]
fn timestamps_follow_the_clock() {
    let env = Env::new();
    let f = env.write("/f", b"abc");
    let t0 = f.inode.metadata();
    assert_eq!(t0.mtime, Timespec::new(1000, 0));
    assert_eq!(t0.btime, t0.mtime);
    env.clock.advance(5_000_000_000);
    f.inode.write_at(0, b"x").unwrap();
    let t1 = f.inode.metadata();
    assert_eq!(t1.mtime, Timespec::new(1005, 0));
    assert_eq!(t1.ctime, t1.mtime);
    assert_eq!(t1.btime, t0.btime);
    // A read updates atime (relatime: atime was not newer than mtime).
    env.clock.advance(1_000_000_000);
    let mut b = [0u8; 3];
    f.inode.read_at(0, &mut b).unwrap();
    assert_eq!(f.inode.metadata().atime, Timespec::new(1006, 0));
    // ...but not again until mtime moves or a day passes.
    env.clock.advance(1_000_000_000);
    f.inode.read_at(0, &mut b).unwrap();
    assert_eq!(f.inode.metadata().atime, Timespec::new(1006, 0));
    env.clock.advance(86_400_000_000_000);
    f.inode.read_at(0, &mut b).unwrap();
    assert_eq!(f.inode.metadata().atime.sec, 1007 + 86_400);
    // Empty writes change nothing.
    let before = f.inode.metadata();
    env.clock.advance(1_000_000_000);
    assert_eq!(f.inode.write_at(0, b""), Ok(0));
    assert_eq!(f.inode.metadata(), before);
}

#[test]
fn non_files_refuse_data_operations() {
    let env = Env::new();
    env.mkdir("/d", 0o755);
    env.symlink("d", "/l");
    let d = env.resolve("/d").unwrap();
    let l = env.lresolve("/l").unwrap();
    let mut b = [0u8; 4];
    assert_eq!(d.inode.read_at(0, &mut b), Err(Errno::EISDIR));
    assert_eq!(d.inode.write_at(0, b"x"), Err(Errno::EISDIR));
    assert_eq!(d.inode.truncate(0), Err(Errno::EISDIR));
    assert_eq!(l.inode.read_at(0, &mut b), Err(Errno::EINVAL));
    assert_eq!(l.inode.metadata().size, 1);
    assert_eq!(l.inode.metadata().mode, S_IFLNK | 0o777);
}

#[test]
fn device_numbers_round_trip() {
    for (ma, mi) in [
        (0, 0),
        (1, 3),
        (4, 64),
        (136, 2),
        (259, 1_048_575),
        (4095, 255),
    ] {
        let dev = makedev(ma, mi);
        assert_eq!((major(dev), minor(dev)), (ma, mi));
    }
    assert_eq!(makedev(1, 3), 0x103);
    let env = Env::new();
    let other = Env::new();
    assert_ne!(
        env.stat("/").unwrap().dev,
        other.stat("/").unwrap().dev,
        "each instance its own device"
    );
    assert_eq!(major(env.stat("/").unwrap().dev), 0);
    assert_eq!(env.stat("/").unwrap().ino, 1, "root is inode 1");
    assert_eq!(env.stat("/").unwrap().dev, env.fs.dev());
}

#[test]
fn mount_options_parse_like_shmem() {
    let o =
        TmpfsOptions::parse("size=8k,mode=0710,uid=65534,gid=100,nr_inodes=1m", 1 << 30).unwrap();
    assert_eq!(o.max_bytes, Some(8192));
    assert_eq!((o.mode, o.uid, o.gid), (0o710, 65534, 100));
    assert_eq!(o.max_inodes, Some(1 << 20));
    let o = TmpfsOptions::parse("size=50%,nr_blocks=0", 1 << 30);
    assert_eq!(
        o.unwrap().max_bytes,
        None,
        "the later nr_blocks=0 means unlimited"
    );
    assert_eq!(
        TmpfsOptions::parse("size=25%", 1 << 30).unwrap().max_bytes,
        Some(1 << 28)
    );
    assert_eq!(
        TmpfsOptions::parse("nr_blocks=2", 0).unwrap().max_bytes,
        Some(8192)
    );
    let d = TmpfsOptions::parse("size=1m", 1 << 30).unwrap();
    assert_eq!(
        (d.max_bytes, d.max_inodes),
        (Some(1 << 20), Some(1 << 17)),
        "nr_inodes defaults to half of RAM in pages"
    );
    let d = TmpfsOptions::parse("", 1 << 30).unwrap();
    assert_eq!(
        (d.max_bytes, d.max_inodes),
        (Some(1 << 29), Some(1 << 17)),
        "Linux's defaults"
    );
    let d = TmpfsOptions::parse("", 0).unwrap();
    assert_eq!((d.mode, d.max_bytes, d.max_inodes), (0o1777, None, None));
    assert!(TmpfsOptions::parse("rw,,noswap,huge=never", 0).is_ok());
    for bad in [
        "nosuchoption=1",
        "size",
        "size=12q",
        "mode=9",
        "uid=x",
        "uid=4294967296",
        "size=99999999999e",
    ] {
        assert_eq!(
            TmpfsOptions::parse(bad, 1 << 30).err(),
            Some(Errno::EINVAL),
            "{bad}"
        );
    }
}

#[test]
fn listing_a_directory_or_reading_a_link_updates_atime() {
    let env = Env::new();
    let d = env.mkdir("/d", 0o755);
    env.write("/d/f", b"");
    env.clock.advance(3_000_000_000);
    d.inode.accessed();
    assert_eq!(
        d.inode.metadata().atime,
        Timespec::new(1003, 0),
        "relatime: atime was not newer than mtime"
    );
    env.clock.advance(1_000_000_000);
    d.inode.accessed();
    assert_eq!(
        d.inode.metadata().atime,
        Timespec::new(1003, 0),
        "not again until it changes"
    );
    ops::symlinkat(&env.vfs, &env.ctx(), b"f", &env.root, b"/d/l").unwrap();
    env.clock.advance(1_000_000_000);
    assert_eq!(
        ops::readlinkat(&env.vfs, &env.ctx(), &env.root, b"/d/l").unwrap(),
        b"f"
    );
    let l = env
        .vfs
        .resolve(&env.ctx(), &env.root, b"/d/l", Lookup::NOFOLLOW)
        .unwrap();
    assert_eq!(l.inode.metadata().atime, Timespec::new(1005, 0));
}
