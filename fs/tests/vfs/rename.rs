//! renameat2: plain moves, replacing, NOREPLACE, EXCHANGE, directories
//! into their own subtree, type mismatches, trailing slashes, `.`/`..`,
//! hard links to the same inode. The errno for each case is what Linux's
//! tmpfs returned for the same call.

use fs::inode::*;
use fs::*;

use crate::common::*;

const NOREPLACE: u32 = 1;
const EXCHANGE: u32 = 2;
const WHITEOUT: u32 = 4;

fn setup() -> Env {
    let env = Env::new();
    env.mkdir("/d", 0o755);
    env.mkdir("/d/sub", 0o755);
    env.write("/d/sub/f", b"f");
    env.write("/file", b"file");
    env.mkdir("/e", 0o755);
    env.symlink("file", "/lfile");
    env
}

#[test]
fn moves_a_file_and_replaces_a_target() {
    let env = setup();
    let f = env.resolve("/file").unwrap();
    env.clock.advance(2_000_000_000);
    env.rename("/file", "/e/moved", 0).unwrap();
    assert!(!env.exists("/file"));
    assert!(env.resolve("/e/moved").unwrap().inode.ino() == f.inode.ino());
    assert_eq!(
        f.inode.metadata().ctime,
        Timespec::new(1002, 0),
        "the moved inode's ctime"
    );
    assert_eq!(env.stat("/").unwrap().mtime, Timespec::new(1002, 0));
    assert_eq!(env.stat("/e").unwrap().mtime, Timespec::new(1002, 0));
    // Replacing drops the old target's link.
    env.write("/other", b"other");
    let victim = env.resolve("/other").unwrap();
    env.rename("/e/moved", "/other", 0).unwrap();
    assert_eq!(env.read("/other"), b"file");
    assert_eq!(victim.inode.metadata().nlink, 0);
    assert_eq!(
        read_all(&victim.inode),
        b"other",
        "open files keep their data"
    );
    // Within one directory.
    env.rename("/other", "/renamed", 0).unwrap();
    assert_eq!(list(&env.root.inode), ["d", "e", "lfile", "renamed"]);
    assert_eq!(env.stat("/").unwrap().size, 40 + 4 * 20);
}

#[test]
fn moves_a_directory_between_parents() {
    let env = setup();
    let sub = env.resolve("/d/sub").unwrap();
    env.rename("/d/sub", "/e/sub2", 0).unwrap();
    assert_eq!(env.read("/e/sub2/f"), b"f");
    assert_eq!(env.stat("/d").unwrap().nlink, 2);
    assert_eq!(env.stat("/e").unwrap().nlink, 3);
    // .. follows the move.
    let up = env
        .vfs
        .resolve(&env.ctx(), &sub, b"..", Lookup::empty())
        .unwrap();
    assert!(up.same(&env.resolve("/e").unwrap()));
    assert_eq!(env.path_of(&sub), "/e/sub2");
    assert_eq!(
        sub.inode.readdir(1).unwrap().unwrap().ino,
        env.stat("/e").unwrap().ino
    );
    // Over an empty directory.
    env.mkdir("/d/empty", 0o755);
    let empty = env.resolve("/d/empty").unwrap();
    env.rename("/e/sub2", "/d/empty", 0).unwrap();
    assert_eq!(empty.inode.metadata().nlink, 0);
    assert_eq!(empty.inode.readdir(0).err(), Some(Errno::ENOENT));
    assert_eq!(
        (env.stat("/d").unwrap().nlink, env.stat("/e").unwrap().nlink),
        (3, 2)
    );
}

#[test]
fn errors_like_linux() {
    let env = setup();
    env.mkdir("/e2", 0o755);
    let cases: &[(&str, &str, u32, Option<Errno>)] = &[
        ("/d", "/d/sub/x", 0, Some(Errno::EINVAL)),
        ("/d", "/d", 0, None),
        ("/d/sub", "/d", 0, Some(Errno::ENOTEMPTY)),
        ("/e", "/d/sub/f", 0, Some(Errno::ENOTDIR)),
        ("/file", "/e", 0, Some(Errno::EISDIR)),
        ("/e", "/file", 0, Some(Errno::ENOTDIR)),
        ("/e", "/d", 0, Some(Errno::ENOTEMPTY)),
        ("/.", "/x", 0, Some(Errno::EBUSY)),
        ("/file", "/.", 0, Some(Errno::EBUSY)),
        ("/file", "/d/..", 0, Some(Errno::EBUSY)),
        ("/", "/x", 0, Some(Errno::EBUSY)),
        ("/file", "/.", NOREPLACE, Some(Errno::EEXIST)),
        ("/file", "/nonexist", EXCHANGE, Some(Errno::ENOENT)),
        ("/file", "/e", NOREPLACE, Some(Errno::EEXIST)),
        ("/file", "/e", NOREPLACE | EXCHANGE, Some(Errno::EINVAL)),
        ("/file", "/x", WHITEOUT | EXCHANGE, Some(Errno::EINVAL)),
        ("/file", "/x", 8, Some(Errno::EINVAL)),
        ("/d/sub", "/d", EXCHANGE, Some(Errno::EINVAL)),
        ("/d", "/d/sub", EXCHANGE, Some(Errno::EINVAL)),
        ("/file/", "/x", 0, Some(Errno::ENOTDIR)),
        ("/file", "/x/", 0, Some(Errno::ENOTDIR)),
        ("/lfile", "/lf3/", 0, Some(Errno::ENOTDIR)),
        ("/nonexist", "/x", 0, Some(Errno::ENOENT)),
        ("/file", "/nodir/x", 0, Some(Errno::ENOENT)),
        ("/file", "/file/x", 0, Some(Errno::ENOTDIR)),
    ];
    for (from, to, flags, want) in cases {
        assert_eq!(
            env.rename(from, to, *flags).err(),
            *want,
            "rename {from} {to} {flags:#x}"
        );
    }
    // Trailing slashes are fine on directories.
    env.rename("/e2/", "/e3/", 0).unwrap();
    assert!(env.exists("/e3"));
}

#[test]
fn noreplace_moves_when_free() {
    let env = setup();
    env.rename("/file", "/new", NOREPLACE).unwrap();
    assert_eq!(env.read("/new"), b"file");
}

#[test]
fn exchange_swaps_atomically() {
    let env = setup();
    let f = env.resolve("/file").unwrap();
    let sub = env.resolve("/d/sub").unwrap();
    // A file and a directory in different parents.
    env.rename("/file", "/d/sub", EXCHANGE).unwrap();
    assert_eq!(env.read("/d/sub"), b"file");
    assert_eq!(env.read("/file/f"), b"f");
    assert!(env.resolve("/file").unwrap().same(&sub));
    assert!(env.resolve("/d/sub").unwrap().same(&f));
    // Link counts move with the directory; .. follows.
    assert_eq!(
        env.stat("/").unwrap().nlink,
        5,
        "/, d, e and now the directory at /file"
    );
    assert_eq!(env.stat("/d").unwrap().nlink, 2);
    let up = env
        .vfs
        .resolve(&env.ctx(), &sub, b"..", Lookup::empty())
        .unwrap();
    assert!(up.same(&env.root));
    // Within one directory: names keep their readdir slots.
    let before = list(&env.root.inode);
    env.rename("/file", "/lfile", EXCHANGE).unwrap();
    assert_eq!(list(&env.root.inode), before);
    assert_eq!(env.lstat("/file").unwrap().mode & S_IFMT, S_IFLNK);
    assert!(env.resolve("/lfile/f").is_ok());
    // Exchanging a trailing-slash target needs directories.
    assert_eq!(
        env.rename("/d/sub", "/file/", EXCHANGE).err(),
        Some(Errno::ENOTDIR)
    );
}

#[test]
fn hard_links_to_the_same_inode_are_a_no_op() {
    let env = setup();
    let ctx = env.ctx();
    fs::ops::linkat(
        &env.vfs, &ctx, &env.root, b"/file", &env.root, b"/e/hard", 0,
    )
    .unwrap();
    env.rename("/file", "/e/hard", 0).unwrap();
    assert!(
        env.exists("/file") && env.exists("/e/hard"),
        "both names remain, as on Linux"
    );
    assert_eq!(env.stat("/file").unwrap().nlink, 2);
}

#[test]
fn moving_a_directory_needs_write_permission_on_it() {
    let env = setup();
    let u = user();
    env.mkdir("/pub", 0o777);
    env.mkdir("/pub2", 0o777);
    env.chmod("/pub", 0o777);
    env.chmod("/pub2", 0o777);
    let ctx = env.ctx_as(&u);
    fs::ops::mkdirat(&env.vfs, &ctx, &env.root, b"/pub/myd", 0o555).unwrap();
    let rn = |from: &[u8], to: &[u8]| {
        fs::rename::renameat2(&env.vfs, &ctx, &env.root, from, &env.root, to, 0)
    };
    assert_eq!(
        rn(b"/pub/myd", b"/pub2/x").err(),
        Some(Errno::EACCES),
        "its .. would change"
    );
    assert_eq!(rn(b"/pub/myd", b"/pub/y"), Ok(()), "same parent: fine");
    assert_eq!(
        rn(b"/pub/y", b"/e/y").err(),
        Some(Errno::EACCES),
        "no write permission on /e"
    );
}

#[test]
fn whiteout_leaves_a_character_device_at_the_old_name() {
    let env = setup();
    let ctx = env.ctx();
    let r = &env.root;
    fs::rename::renameat2(&env.vfs, &ctx, r, b"/file", r, b"/moved", WHITEOUT).unwrap();
    let w = env.resolve("/file").unwrap().inode.metadata();
    assert_eq!(
        (w.mode, w.rdev),
        (S_IFCHR, 0),
        "a 0:0 character device with mode 0"
    );
    assert!(env.resolve("/moved").is_ok());
    // The caller needs CAP_MKNOD.
    let u = user();
    assert_eq!(
        fs::rename::renameat2(&env.vfs, &env.ctx_as(&u), r, b"/moved", r, b"/m2", WHITEOUT).err(),
        Some(Errno::EPERM)
    );
    // Onto another link of the same inode: nothing happens, no whiteout.
    fs::ops::linkat(&env.vfs, &ctx, r, b"/moved", r, b"/hard", 0).unwrap();
    fs::rename::renameat2(&env.vfs, &ctx, r, b"/moved", r, b"/hard", WHITEOUT).unwrap();
    assert!(env.resolve("/moved").unwrap().inode.metadata().mode & S_IFMT == S_IFREG);
}
