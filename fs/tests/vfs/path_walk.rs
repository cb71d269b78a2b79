//! The path walk: absolute and relative paths, `.` and `..`, slashes,
//! symlinks (following rules, 40-link limit, loops), name lengths, chroot,
//! and recovering paths (getcwd).

use fs::*;

use crate::common::*;

fn tree() -> Env {
    let env = Env::new();
    env.mkdir("/a", 0o755);
    env.mkdir("/a/b", 0o755);
    env.write("/a/b/f", b"hello");
    env.write("/file", b"x");
    env
}

#[test]
fn absolute_relative_dots_and_slashes() {
    let env = tree();
    let ctx = env.ctx();
    let f = env.resolve("/a/b/f").unwrap();
    for p in [
        "//a///b//f",
        "/a/./b/./f",
        "/a/b/../b/f",
        "/../../a/b/f",
        "/a/../a/b/../../a/b/f",
    ] {
        let loc = env.resolve(p).unwrap_or_else(|e| panic!("{p}: {e:?}"));
        assert!(loc.same(&f), "{p}");
    }
    let a = env.resolve("/a").unwrap();
    let rel = env.vfs.resolve(&ctx, &a, b"b/f", Lookup::empty()).unwrap();
    assert!(rel.same(&f));
    let up = env.vfs.resolve(&ctx, &a, b"..", Lookup::empty()).unwrap();
    assert!(up.same(&env.root));
    assert!(
        env.resolve("/..").unwrap().same(&env.root),
        ".. at the root stays there"
    );
    assert!(env
        .vfs
        .resolve(&ctx, &a, b".", Lookup::empty())
        .unwrap()
        .same(&a));
    assert!(env.resolve("/").unwrap().same(&env.root));
    assert!(env.resolve("///").unwrap().same(&env.root));
}

#[test]
fn missing_and_non_directory_components() {
    let env = tree();
    assert_eq!(env.resolve("/nope").err(), Some(Errno::ENOENT));
    assert_eq!(env.resolve("/nope/x").err(), Some(Errno::ENOENT));
    assert_eq!(env.resolve("/file/x").err(), Some(Errno::ENOTDIR));
    assert_eq!(env.resolve("/file/..").err(), Some(Errno::ENOTDIR));
    assert_eq!(env.resolve("/file/.").err(), Some(Errno::ENOTDIR));
    assert_eq!(env.resolve("").err(), Some(Errno::ENOENT));
}

#[test]
fn trailing_slash_requires_a_directory() {
    let env = tree();
    assert!(env.resolve("/a/").is_ok());
    assert!(env.resolve("/a//").is_ok());
    assert_eq!(env.resolve("/file/").err(), Some(Errno::ENOTDIR));
    assert_eq!(env.resolve("/file//").err(), Some(Errno::ENOTDIR));
    // A trailing slash follows a final symlink even with NOFOLLOW.
    env.symlink("a", "/la");
    env.symlink("file", "/lf");
    let ctx = env.ctx();
    let via = env
        .vfs
        .resolve(&ctx, &env.root, b"/la/", Lookup::NOFOLLOW)
        .unwrap();
    assert!(via.same(&env.resolve("/a").unwrap()));
    assert_eq!(
        env.vfs
            .resolve(&ctx, &env.root, b"/lf/", Lookup::NOFOLLOW)
            .err(),
        Some(Errno::ENOTDIR)
    );
    // A link whose target ends in a slash needs a directory too.
    env.symlink("file/", "/lslash");
    assert_eq!(env.resolve("/lslash").err(), Some(Errno::ENOTDIR));
    assert_eq!(
        env.vfs
            .resolve(&ctx, &env.root, b"/file", Lookup::DIRECTORY)
            .err(),
        Some(Errno::ENOTDIR)
    );
}

#[test]
fn symlinks_relative_absolute_and_nofollow() {
    let env = tree();
    env.symlink("b/f", "/a/rel");
    env.symlink("/a/b", "/abs");
    env.symlink("../file", "/a/up");
    env.symlink("/a/rel", "/chain");
    let f = env.resolve("/a/b/f").unwrap();
    assert!(env.resolve("/a/rel").unwrap().same(&f));
    assert!(env.resolve("/abs/f").unwrap().same(&f));
    assert!(env.resolve("/chain").unwrap().same(&f));
    assert_eq!(env.read("/a/up"), b"x");
    // NOFOLLOW stops at a final link but not at one in the middle.
    let l = env.lresolve("/chain").unwrap();
    assert_eq!(l.inode.readlink().unwrap(), b"/a/rel");
    assert!(env.lresolve("/abs/f").unwrap().same(&f));
    // Dangling.
    env.symlink("/nowhere", "/dangling");
    assert_eq!(env.resolve("/dangling").err(), Some(Errno::ENOENT));
    assert!(env.lresolve("/dangling").is_ok());
}

#[test]
fn forty_links_resolve_the_forty_first_is_eloop() {
    // l0 -> f, l1 -> l0, ...: resolving lN follows N+1 links.
    let env = tree();
    env.symlink("file", "/l0");
    for i in 1..45 {
        env.symlink(&format!("l{}", i - 1), &format!("/l{i}"));
    }
    assert!(env.resolve("/l39").is_ok(), "40 links");
    assert_eq!(env.resolve("/l40").err(), Some(Errno::ELOOP), "41 links");
    assert_eq!(env.resolve("/l39/x").err(), Some(Errno::ENOTDIR));
    assert_eq!(env.resolve("/l40/x").err(), Some(Errno::ELOOP));
}

#[test]
fn symlink_loops_are_eloop() {
    let env = tree();
    env.symlink("loop2", "/loop1");
    env.symlink("loop1", "/loop2");
    env.symlink("self", "/self");
    env.symlink(".", "/dot");
    assert_eq!(env.resolve("/loop1").err(), Some(Errno::ELOOP));
    assert_eq!(env.resolve("/self/x").err(), Some(Errno::ELOOP));
    assert!(env.lresolve("/loop1").is_ok());
    // Links in the middle of a long path count too.
    let mut p = String::from("/dot");
    for _ in 0..40 {
        p.push_str("/dot");
    }
    assert_eq!(env.resolve(&p).err(), Some(Errno::ELOOP));
    assert!(env.resolve("/dot/dot/dot/a").is_ok());
}

#[test]
fn name_and_path_length_limits() {
    let env = tree();
    let long = "a".repeat(256);
    assert_eq!(
        env.resolve(&format!("/{long}")).err(),
        Some(Errno::ENAMETOOLONG)
    );
    assert_eq!(
        env.resolve(&format!("/a/{long}/x")).err(),
        Some(Errno::ENAMETOOLONG)
    );
    assert_eq!(
        env.resolve(&format!("/{}", "a".repeat(255))).err(),
        Some(Errno::ENOENT)
    );
    assert!(env.resolve(&"/".repeat(4095)).is_ok());
    assert_eq!(
        env.resolve(&"/".repeat(4096)).err(),
        Some(Errno::ENAMETOOLONG)
    );
    let ctx = env.ctx();
    assert_eq!(
        fs::ops::mkdirat(
            &env.vfs,
            &ctx,
            &env.root,
            format!("/{long}").as_bytes(),
            0o755
        )
        .err(),
        Some(Errno::ENAMETOOLONG)
    );
}

#[test]
fn paths_are_bytes() {
    let env = tree();
    let ctx = env.ctx();
    let name: &[u8] = b"/caf\xe9\xff";
    open(
        &env.vfs,
        &ctx,
        &env.root,
        name,
        flags::O_CREAT | flags::O_WRONLY,
        0o644,
    )
    .unwrap();
    assert!(env
        .vfs
        .resolve(&ctx, &env.root, name, Lookup::empty())
        .is_ok());
    let names: Vec<Vec<u8>> = std::iter::successors(env.root.inode.readdir(2).unwrap(), |e| {
        env.root.inode.readdir(e.next).unwrap()
    })
    .map(|e| e.name)
    .collect();
    assert!(names.contains(&b"caf\xe9\xff".to_vec()));
}

#[test]
fn empty_path_needs_at_empty_path() {
    let env = tree();
    let ctx = env.ctx();
    let f = env.resolve("/file").unwrap();
    assert_eq!(
        env.vfs.resolve(&ctx, &f, b"", Lookup::empty()).err(),
        Some(Errno::ENOENT)
    );
    assert!(env
        .vfs
        .resolve(&ctx, &f, b"", Lookup::EMPTY_PATH)
        .unwrap()
        .same(&f));
    assert_eq!(
        env.vfs
            .resolve(&ctx, &f, b"", Lookup::EMPTY_PATH | Lookup::DIRECTORY)
            .err(),
        Some(Errno::ENOTDIR)
    );
    let st = fs::attr::stat_at(&env.vfs, &ctx, &f, b"", flags::AT_EMPTY_PATH).unwrap();
    assert!(st.same(&f));
    assert_eq!(
        fs::attr::stat_at(&env.vfs, &ctx, &f, b"", 0x4).err(),
        Some(Errno::EINVAL),
        "unknown flag"
    );
}

#[test]
fn chroot_confines_dotdot_and_absolute_links() {
    let env = tree();
    env.symlink("/b/f", "/a/abs");
    env.symlink("../../../../file", "/a/escape");
    let jail = env.resolve("/a").unwrap();
    let ctx = Ctx {
        root: &jail,
        creds: &env.root_creds,
        caller: Default::default(),
        umask: 0o022,
    };
    let f = env.resolve("/a/b/f").unwrap();
    assert!(env
        .vfs
        .resolve(&ctx, &jail, b"/b/f", Lookup::empty())
        .unwrap()
        .same(&f));
    assert!(env
        .vfs
        .resolve(&ctx, &jail, b"/../../b/f", Lookup::empty())
        .unwrap()
        .same(&f));
    assert!(env
        .vfs
        .resolve(&ctx, &jail, b"abs", Lookup::empty())
        .unwrap()
        .same(&f));
    assert!(env
        .vfs
        .resolve(&ctx, &jail, b"..", Lookup::empty())
        .unwrap()
        .same(&jail));
    assert_eq!(
        env.vfs
            .resolve(&ctx, &jail, b"escape", Lookup::empty())
            .err(),
        Some(Errno::ENOENT)
    );
    assert_eq!(
        env.vfs
            .resolve(&ctx, &jail, b"/file", Lookup::empty())
            .err(),
        Some(Errno::ENOENT)
    );
    // getcwd relative to the jail; outside it is unreachable.
    let b = env.resolve("/a/b").unwrap();
    assert_eq!(env.vfs.path_of(&jail, &b).unwrap().unwrap(), b"/b");
    assert_eq!(env.vfs.path_of(&jail, &jail).unwrap().unwrap(), b"/");
    assert_eq!(env.vfs.path_of(&b, &jail).unwrap(), None);
    // getcwd outside the root: "(unreachable)" and the namespace path.
    assert_eq!(env.vfs.cwd_path(&b, &jail).unwrap(), b"(unreachable)/a");
    assert_eq!(env.vfs.cwd_path(&jail, &b).unwrap(), b"/b");
    // chroot itself needs privilege (after the search-permission check).
    let u = user();
    let uctx = env.ctx_as(&u);
    assert_eq!(
        fs::attr::chroot(&env.vfs, &uctx, &env.root, b"/a").err(),
        Some(Errno::EPERM)
    );
    let rctx = env.ctx();
    assert!(fs::attr::chroot(&env.vfs, &rctx, &env.root, b"/a/b")
        .unwrap()
        .same(&b));
    assert_eq!(
        fs::attr::chroot(&env.vfs, &rctx, &env.root, b"/a/b/f").err(),
        Some(Errno::ENOTDIR)
    );
    assert!(
        fs::attr::chroot(&env.vfs, &ctx, &jail, b"/b")
            .unwrap()
            .same(&b),
        "relative to the current root"
    );
}

#[test]
fn path_of_recovers_directory_paths() {
    let env = tree();
    let b = env.resolve("/a/b").unwrap();
    assert_eq!(env.path_of(&b), "/a/b");
    assert_eq!(env.path_of(&env.root), "/");
    env.rename("/a", "/z", 0).unwrap();
    assert_eq!(env.path_of(&b), "/z/b", "follows renames");
    let cwd = fs::attr::chdir(&env.vfs, &env.ctx(), &env.root, b"/z/b").unwrap();
    assert!(cwd.same(&b));
    assert_eq!(
        fs::attr::chdir(&env.vfs, &env.ctx(), &env.root, b"/file").err(),
        Some(Errno::ENOTDIR)
    );
}
