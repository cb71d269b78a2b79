//! openat: O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_PATH,
//! O_TMPFILE, creation through dangling links, and the paths
//! /proc/self/fd would show. Errnos as Linux gives them on tmpfs.

use fs::flags::*;
use fs::inode::*;
use fs::*;

use crate::common::*;

fn setup() -> Env {
    let env = Env::new();
    env.mkdir("/d", 0o755);
    env.write("/file", b"content");
    env.symlink("file", "/lfile");
    env.symlink("d", "/ldir");
    env.symlink("nonexist", "/dangling");
    env.symlink("loop2", "/loop1");
    env.symlink("loop1", "/loop2");
    env
}

#[test]
fn creates_with_umask_and_reports_it() {
    let env = setup();
    let r = open(
        &env.vfs,
        &env.ctx(),
        &env.root,
        b"/d/new",
        O_CREAT | O_WRONLY,
        0o666,
    )
    .unwrap();
    assert!(r.created);
    assert_eq!(r.loc.inode.metadata().mode, S_IFREG | 0o644);
    assert_eq!(r.name, b"new");
    assert!(r.parent.same(&env.resolve("/d").unwrap()));
    let again = env.open("/d/new", O_CREAT | O_WRONLY).unwrap();
    assert!(!again.created);
    assert!(again.loc.same(&r.loc));
    // A new file is opened even if its mode forbids the access asked for.
    let u = user();
    env.chmod("/d", 0o777);
    let r = open(
        &env.vfs,
        &env.ctx_as(&u),
        &env.root,
        b"/d/ro",
        O_CREAT | O_RDWR,
        0o400,
    )
    .unwrap();
    assert!(r.created);
    assert_eq!(r.loc.inode.metadata().uid, 1000);
    assert_eq!(
        open(&env.vfs, &env.ctx_as(&u), &env.root, b"/d/ro", O_RDWR, 0).err(),
        Some(Errno::EACCES)
    );
}

#[test]
fn errors_like_linux() {
    let env = setup();
    let cases: &[(&str, u32, Option<Errno>)] = &[
        ("/file/", O_RDONLY, Some(Errno::ENOTDIR)),
        ("/nonexist/", O_CREAT | O_WRONLY, Some(Errno::EISDIR)),
        ("/lfile/", O_RDONLY, Some(Errno::ENOTDIR)),
        ("/d", O_WRONLY, Some(Errno::EISDIR)),
        ("/d", O_RDWR, Some(Errno::EISDIR)),
        ("/d", O_RDONLY | O_TRUNC, Some(Errno::EISDIR)),
        ("/d", O_CREAT | O_RDONLY, Some(Errno::EISDIR)),
        ("/d/.", O_CREAT | O_RDONLY, Some(Errno::EISDIR)),
        ("/d/..", O_CREAT | O_RDONLY, Some(Errno::EISDIR)),
        ("/", O_CREAT | O_RDONLY, Some(Errno::EISDIR)),
        ("/lfile", O_RDONLY | O_NOFOLLOW, Some(Errno::ELOOP)),
        ("/lfile", O_PATH | O_NOFOLLOW, None),
        ("/ldir/", O_RDONLY | O_NOFOLLOW, None),
        ("/loop1", O_RDONLY, Some(Errno::ELOOP)),
        ("/loop1", O_RDONLY | O_NOFOLLOW, Some(Errno::ELOOP)),
        ("/file", O_RDONLY | O_DIRECTORY, Some(Errno::ENOTDIR)),
        ("/lfile", O_RDONLY | O_DIRECTORY, Some(Errno::ENOTDIR)),
        ("/ldir", O_RDONLY | O_DIRECTORY, None),
        (
            "/dangling",
            O_CREAT | O_EXCL | O_WRONLY,
            Some(Errno::EEXIST),
        ),
        ("/file", O_CREAT | O_EXCL | O_WRONLY, Some(Errno::EEXIST)),
        ("/lfile", O_CREAT | O_EXCL | O_WRONLY, Some(Errno::EEXIST)),
        ("/nonexist", O_RDONLY, Some(Errno::ENOENT)),
        ("/nodir/x", O_CREAT | O_WRONLY, Some(Errno::ENOENT)),
        ("/file", O_ACCMODE, None),
        ("/d", O_RDONLY, None),
        ("/d/", O_RDONLY, None),
        (".", O_RDONLY, None),
        ("..", O_RDONLY, None),
        ("/", O_RDONLY | O_DIRECTORY, None),
        ("/d", O_TMPFILE | O_RDONLY, Some(Errno::EINVAL)),
        ("/d", O_TMPFILE | O_CREAT | O_RDWR, Some(Errno::EINVAL)),
        ("/file", O_TMPFILE | O_RDWR, Some(Errno::ENOTDIR)),
        (
            "/d",
            (O_TMPFILE & !O_DIRECTORY) | O_RDWR,
            Some(Errno::EINVAL),
        ),
    ];
    for (path, flags, want) in cases {
        assert_eq!(
            env.open(path, *flags).err(),
            *want,
            "open {path} {flags:#o}"
        );
    }
}

#[test]
fn creat_through_a_dangling_symlink_creates_the_target() {
    let env = setup();
    let r = env.open("/dangling", O_CREAT | O_WRONLY).unwrap();
    assert!(r.created);
    assert!(env.exists("/nonexist"));
    assert_eq!(r.name, b"nonexist");
    // An absolute dangling link into a directory.
    env.symlink("/d/target", "/abs");
    env.open("/abs", O_CREAT | O_WRONLY).unwrap();
    assert!(env.exists("/d/target"));
}

#[test]
fn trunc_empties_regular_files_only() {
    let env = setup();
    env.clock.advance(1_000_000_000);
    let r = env.open("/lfile", O_WRONLY | O_TRUNC).unwrap();
    let m = r.loc.inode.metadata();
    assert_eq!((m.size, m.mtime), (0, Timespec::new(1001, 0)));
    fs::ops::mknodat(
        &env.vfs,
        &env.ctx(),
        &env.root,
        b"/fifo",
        S_IFIFO | 0o666,
        0,
    )
    .unwrap();
    assert!(env.open("/fifo", O_WRONLY | O_TRUNC).is_ok());
    // O_CREAT of an existing file truncates it only with O_TRUNC.
    env.write("/file", b"again");
    env.open("/file", O_CREAT | O_WRONLY).unwrap();
    assert_eq!(env.read("/file"), b"again");
}

#[test]
fn o_path_skips_permission_checks_and_returns_links() {
    let env = setup();
    env.chmod("/file", 0);
    let u = user();
    let ctx = env.ctx_as(&u);
    assert!(open(&env.vfs, &ctx, &env.root, b"/file", O_PATH, 0).is_ok());
    assert!(
        open(
            &env.vfs,
            &ctx,
            &env.root,
            b"/file",
            O_PATH | O_TRUNC | O_RDWR,
            0
        )
        .is_ok(),
        "other flags ignored"
    );
    assert_eq!(env.read("/file"), b"content");
    let l = env.open("/lfile", O_PATH | O_NOFOLLOW).unwrap();
    assert_eq!(l.loc.inode.mode() & S_IFMT, S_IFLNK);
    assert_eq!(
        fs::ops::readlinkat(&env.vfs, &env.ctx(), &l.loc, b"").unwrap(),
        b"file"
    );
}

#[test]
fn tmpfile_is_unnamed_until_linked() {
    let env = setup();
    let r = env.open("/d", O_TMPFILE | O_RDWR).unwrap();
    assert!(r.created);
    assert_eq!(r.loc.inode.metadata().nlink, 0);
    r.loc.inode.write_at(0, b"tmp").unwrap();
    assert!(list(&env.resolve("/d").unwrap().inode).is_empty());
    let ctx = env.ctx();
    fs::ops::linkat(
        &env.vfs,
        &ctx,
        &r.loc,
        b"",
        &env.root,
        b"/d/named",
        AT_EMPTY_PATH,
    )
    .unwrap();
    assert_eq!(env.read("/d/named"), b"tmp");
    assert_eq!(r.loc.inode.metadata().nlink, 1);
    // With O_EXCL it can never get a name.
    let x = env.open("/d", O_TMPFILE | O_RDWR | O_EXCL).unwrap();
    let res = fs::ops::linkat(
        &env.vfs,
        &ctx,
        &x.loc,
        b"",
        &env.root,
        b"/d/x",
        AT_EMPTY_PATH,
    );
    assert_eq!(res.err(), Some(Errno::ENOENT));
    // Unprivileged callers cannot use AT_EMPTY_PATH here...
    let u = user();
    let res = fs::ops::linkat(
        &env.vfs,
        &env.ctx_as(&u),
        &r.loc,
        b"",
        &env.root,
        b"/d/y",
        AT_EMPTY_PATH,
    );
    assert_eq!(res.err(), Some(Errno::ENOENT));
    // ...on a file someone else opened; on their own (Linux 6.10+) they can.
    env.chmod("/d", 0o777);
    let uctx = env.ctx_as(&u);
    let mine =
        fs::open::open(&env.vfs, &uctx, &env.root, b"/d", O_TMPFILE | O_RDWR, 0o600).unwrap();
    let link = |opener: &Creds, to: &[u8]| {
        fs::ops::linkat_opened(
            &env.vfs,
            &uctx,
            &mine.loc,
            b"",
            &env.root,
            to,
            AT_EMPTY_PATH,
            Some(opener),
        )
    };
    assert_eq!(link(&env.root_creds, b"/d/y").err(), Some(Errno::ENOENT));
    assert_eq!(link(&u, b"/d/y").err(), None);
}

#[test]
fn paths_for_proc_self_fd() {
    let env = setup();
    let r = env.open("/d/../lfile", O_RDONLY).unwrap();
    let p = env
        .vfs
        .path_of_entry(&env.root, &r.parent, &r.name, &r.loc)
        .unwrap()
        .unwrap();
    assert_eq!(p, b"/file");
    let r = env.open("/d", O_RDONLY).unwrap();
    assert_eq!(
        env.vfs
            .path_of_entry(&env.root, &r.parent, &r.name, &r.loc)
            .unwrap()
            .unwrap(),
        b"/d"
    );
    let r = env.open("/d/..", O_RDONLY).unwrap();
    assert_eq!(
        env.vfs
            .path_of_entry(&env.root, &r.parent, &r.name, &r.loc)
            .unwrap()
            .unwrap(),
        b"/"
    );
    let f = env.open("/d/gone", O_CREAT | O_RDWR).unwrap();
    env.unlink("/d/gone").unwrap();
    assert_eq!(
        env.vfs
            .path_of_entry(&env.root, &f.parent, &f.name, &f.loc)
            .unwrap()
            .unwrap(),
        b"/d/gone (deleted)"
    );
}

#[test]
fn a_race_with_unlink_is_safe() {
    // Files removed and created again while others open them: no panics,
    // only success or ENOENT.
    let env = std::sync::Arc::new(setup());
    let mut threads = Vec::new();
    for t in 0..2 {
        let env = env.clone();
        threads.push(std::thread::spawn(move || {
            for i in 0..300 {
                let name = format!("/d/r{}", i % 5);
                if t == 0 {
                    let _ = env.open(&name, O_CREAT | O_WRONLY);
                } else {
                    match env.unlink(&name) {
                        Ok(()) | Err(Errno::ENOENT) => {}
                        Err(e) => panic!("unlink: {e:?}"),
                    }
                }
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
}

/// Linux's i_writecount: a file being executed cannot be opened for
/// writing or truncated (ETXTBSY, nothing truncated), a file open for
/// writing cannot be executed, and each side's guards give their count
/// back when dropped.
#[test]
fn running_executables_are_not_writable() {
    let env = Env::new();
    let prog = env.write("/prog", b"\x7fELF program");
    let running = fs::deny_write::deny_write_access(&prog.inode).unwrap();
    let forked = running.clone();
    assert_eq!(env.open("/prog", O_WRONLY).err(), Some(Errno::ETXTBSY));
    assert_eq!(env.open("/prog", O_RDWR).err(), Some(Errno::ETXTBSY));
    assert_eq!(env.open("/prog", O_RDONLY | O_TRUNC).err(), Some(Errno::ETXTBSY));
    assert_eq!(env.stat("/prog").unwrap().size, 12, "not truncated");
    assert!(env.open("/prog", O_RDONLY).is_ok());
    let ctx = env.ctx();
    assert_eq!(fs::attr::truncate_at(&env.vfs, &ctx, &env.root, b"/prog", 0), Err(Errno::ETXTBSY));
    drop(running);
    assert_eq!(env.open("/prog", O_WRONLY).err(), Some(Errno::ETXTBSY), "the fork still runs it");
    drop(forked);
    let writer = env.open("/prog", O_WRONLY).unwrap();
    assert_eq!(fs::deny_write::deny_write_access(&prog.inode).err(), Some(Errno::ETXTBSY));
    let second = env.open("/prog", O_RDWR).unwrap();
    drop(writer);
    assert_eq!(fs::deny_write::deny_write_access(&prog.inode).err(), Some(Errno::ETXTBSY));
    drop(second);
    assert!(fs::deny_write::deny_write_access(&prog.inode).is_ok());
    // Another file is unaffected.
    env.write("/other", b"x");
    assert!(env.open("/other", O_WRONLY).is_ok());
}
