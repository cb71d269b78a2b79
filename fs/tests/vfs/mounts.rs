//! Mounts: crossing into and out of mounts (`..`), stacking, bind and
//! recursive bind mounts, read-only remounts, umount rules, MS_MOVE,
//! propagation flags, mountinfo, EXDEV and EBUSY.

use std::sync::Arc;

use fs::flags::*;
use fs::mount::*;
use fs::*;

use crate::common::*;

#[test]
fn walking_into_and_out_of_a_mount() {
    let env = Env::new();
    env.mkdir("/mnt", 0o755);
    env.write("/mnt/hidden", b"");
    let m = env.mount_tmpfs("/mnt");
    assert_eq!(
        env.resolve("/mnt/hidden").err(),
        Some(Errno::ENOENT),
        "the mount covers the directory"
    );
    let top = env.resolve("/mnt").unwrap();
    assert!(Arc::ptr_eq(&top.mount, &m));
    assert!(top.is_mount_root());
    assert_eq!(top.inode.ino(), 1, "the mounted tmpfs's root");
    env.mkdir("/mnt/sub", 0o755);
    // .. from the mount's root crosses back to the parent mount.
    let sub = env.resolve("/mnt/sub").unwrap();
    let up = env
        .vfs
        .resolve(&env.ctx(), &sub, b"../..", Lookup::empty())
        .unwrap();
    assert!(up.same(&env.root));
    let back = env
        .vfs
        .resolve(&env.ctx(), &top, b"../mnt/sub", Lookup::empty())
        .unwrap();
    assert!(back.same(&sub));
    assert_eq!(env.path_of(&sub), "/mnt/sub");
    // Absolute symlinks resolve through the mount too.
    env.symlink("/mnt/sub", "/ls");
    assert!(env.resolve("/ls").unwrap().same(&sub));
}

#[test]
fn stacked_mounts_show_the_top() {
    let env = Env::new();
    env.mkdir("/mnt", 0o755);
    let first = env.mount_tmpfs("/mnt");
    env.write("/mnt/first", b"");
    let second = env.mount_tmpfs("/mnt");
    assert!(Arc::ptr_eq(&env.resolve("/mnt").unwrap().mount, &second));
    assert_eq!(env.resolve("/mnt/first").err(), Some(Errno::ENOENT));
    assert!(Arc::ptr_eq(&second.parent().unwrap().0, &first));
    let top = env.resolve("/mnt").unwrap();
    assert_eq!(
        env.vfs.umount(&top, 0).err(),
        Some(Errno::EBUSY),
        "`second` is held here"
    );
    drop(second);
    env.vfs.umount(&top, 0).unwrap();
    assert!(
        env.resolve("/mnt/first").is_ok(),
        "the lower mount shows again"
    );
}

#[test]
fn umount_rules() {
    let env = Env::new();
    env.mkdir("/mnt", 0o755);
    env.mkdir("/d", 0o755);
    env.mount_tmpfs("/mnt");
    env.mkdir("/mnt/inner", 0o755);
    let d = env.resolve("/d").unwrap();
    assert_eq!(
        env.vfs.umount(&d, 0).err(),
        Some(Errno::EINVAL),
        "not a mount point"
    );
    assert_eq!(
        env.vfs.umount(&env.root.clone(), 0).err(),
        Some(Errno::EINVAL),
        "the namespace root"
    );
    let mnt = env.resolve("/mnt").unwrap();
    assert_eq!(
        env.vfs.umount(&mnt, 0x100).err(),
        Some(Errno::EINVAL),
        "unknown flag"
    );
    assert_eq!(
        env.vfs.umount(&mnt, MNT_EXPIRE | MNT_DETACH).err(),
        Some(Errno::EINVAL)
    );
    // Busy while a mount sits below it...
    env.mount_tmpfs("/mnt/inner");
    assert_eq!(env.vfs.umount(&mnt, 0).err(), Some(Errno::EBUSY));
    let inner = env.resolve("/mnt/inner").unwrap();
    env.vfs.umount(&inner, 0).unwrap();
    drop(inner);
    // ...or while something else holds a location in it (an open file, a cwd).
    let cwd = env.resolve("/mnt/inner").unwrap();
    assert_eq!(env.vfs.umount(&mnt, 0).err(), Some(Errno::EBUSY));
    drop(cwd);
    env.vfs.umount(&mnt, 0).unwrap();
    drop(mnt);
    assert_eq!(env.resolve("/mnt/inner").err(), Some(Errno::ENOENT));
}

#[test]
fn lazy_umount_detaches_the_subtree() {
    let env = Env::new();
    env.mkdir("/mnt", 0o755);
    env.mount_tmpfs("/mnt");
    env.mkdir("/mnt/inner", 0o755);
    env.mount_tmpfs("/mnt/inner");
    env.write("/mnt/inner/f", b"data");
    let open_file = env.resolve("/mnt/inner/f").unwrap();
    let cwd = env.resolve("/mnt/inner").unwrap();
    env.vfs
        .umount(&env.resolve("/mnt").unwrap(), MNT_DETACH)
        .unwrap();
    assert_eq!(env.resolve("/mnt/inner").err(), Some(Errno::ENOENT));
    assert_eq!(env.vfs.mounts(&env.root).len(), 1);
    // Users keep working; .. at a detached root stays put.
    assert_eq!(read_all(&open_file.inode), b"data");
    let up = env
        .vfs
        .resolve(&env.ctx(), &cwd, b"..", Lookup::empty())
        .unwrap();
    assert!(up.same(&cwd));
    assert_eq!(
        env.vfs.path_of(&env.root, &cwd).unwrap(),
        None,
        "unreachable"
    );
}

#[test]
fn bind_mounts_a_subtree_elsewhere() {
    let env = Env::new();
    env.mkdir("/src", 0o755);
    env.mkdir("/src/sub", 0o755);
    env.write("/src/sub/f", b"shared");
    env.mkdir("/dst", 0o755);
    let src = env.resolve("/src/sub").unwrap();
    let m = env
        .vfs
        .bind(&src, &env.resolve("/dst").unwrap(), false)
        .unwrap();
    assert_eq!(env.read("/dst/f"), b"shared");
    env.write("/dst/new", b"");
    assert!(env.exists("/src/sub/new"), "same inodes");
    assert!(Arc::ptr_eq(&env.resolve("/dst").unwrap().mount, &m));
    // .. at the bind root goes to the mount point's parent, not /src.
    let up = env
        .vfs
        .resolve(
            &env.ctx(),
            &env.resolve("/dst").unwrap(),
            b"..",
            Lookup::empty(),
        )
        .unwrap();
    assert!(up.same(&env.root));
    // File onto file; kinds must match.
    env.write("/file", b"a");
    env.write("/target", b"b");
    env.vfs
        .bind(
            &env.resolve("/file").unwrap(),
            &env.resolve("/target").unwrap(),
            false,
        )
        .unwrap();
    assert_eq!(env.read("/target"), b"a");
    assert_eq!(
        env.vfs
            .bind(
                &env.resolve("/file").unwrap(),
                &env.resolve("/src").unwrap(),
                false
            )
            .err(),
        Some(Errno::ENOTDIR)
    );
    // mountinfo shows the bind root within the filesystem.
    let info = env.vfs.mounts(&env.root);
    let dst = info.iter().find(|i| i.mount_point == b"/dst").unwrap();
    assert_eq!(dst.root, b"/src/sub");
    assert_eq!(dst.parent_id, info[0].id);
}

#[test]
fn recursive_bind_copies_submounts_inside_the_subtree() {
    let env = Env::new();
    env.mkdir("/src", 0o755);
    env.mkdir("/src/in", 0o755);
    env.mkdir("/outside", 0o755);
    env.mount_tmpfs("/src/in");
    env.write("/src/in/f", b"inner");
    env.mkdir("/src/in/deeper", 0o755);
    env.mount_tmpfs("/src/in/deeper");
    env.write("/src/in/deeper/g", b"deep");
    env.mount_tmpfs("/outside");
    env.mkdir("/copy", 0o755);
    env.mkdir("/flat", 0o755);
    let src = env.resolve("/src").unwrap();
    env.vfs
        .bind(&src, &env.resolve("/copy").unwrap(), true)
        .unwrap();
    assert_eq!(env.read("/copy/in/f"), b"inner");
    assert_eq!(env.read("/copy/in/deeper/g"), b"deep");
    env.vfs
        .bind(&src, &env.resolve("/flat").unwrap(), false)
        .unwrap();
    assert_eq!(
        env.resolve("/flat/in/f").err(),
        Some(Errno::ENOENT),
        "non-recursive bind shows the covered dir"
    );
    // Binding a directory onto itself recursively terminates.
    let before = env.vfs.mounts(&env.root).len();
    env.vfs
        .bind(&src, &env.resolve("/src").unwrap(), true)
        .unwrap();
    assert_eq!(env.vfs.mounts(&env.root).len(), before + 3);
    // Unbindable mounts are skipped in copies and refused as sources.
    let inner = env.resolve("/src/in").unwrap();
    env.vfs
        .set_propagation(&inner, PropagationChange::Unbindable, false)
        .unwrap();
    assert_eq!(
        env.vfs
            .bind(&inner, &env.resolve("/flat").unwrap(), false)
            .err(),
        Some(Errno::EINVAL)
    );
}

#[test]
fn read_only_mounts_refuse_writes() {
    let env = Env::new();
    env.mkdir("/d", 0o755);
    env.mkdir("/d/sub", 0o755);
    env.write("/d/sub/f", b"x");
    env.mkdir("/ro", 0o755);
    env.vfs
        .bind(
            &env.resolve("/d").unwrap(),
            &env.resolve("/ro").unwrap(),
            false,
        )
        .unwrap();
    let ro = env.resolve("/ro").unwrap();
    env.vfs.remount(&ro, MountFlags::RDONLY).unwrap();
    assert_eq!(
        env.vfs
            .remount(&env.resolve("/ro/sub").unwrap(), MountFlags::RDONLY)
            .err(),
        Some(Errno::EINVAL)
    );
    let ctx = env.ctx();
    let r = &env.root;
    // The same answers as Linux for a read-only bind mount.
    assert_eq!(
        attr::faccessat2(&env.vfs, &ctx, r, b"/ro/sub/f", W_OK, 0).err(),
        Some(Errno::EROFS)
    );
    assert_eq!(env.open("/ro/sub/f", O_WRONLY).err(), Some(Errno::EROFS));
    assert_eq!(
        env.open("/ro/sub/f", O_RDONLY | O_TRUNC).err(),
        Some(Errno::EROFS)
    );
    assert!(env.open("/ro/sub/f", O_RDONLY).is_ok());
    assert_eq!(
        env.open("/ro/new", O_CREAT | O_WRONLY).err(),
        Some(Errno::EROFS)
    );
    assert_eq!(
        env.open("/ro/sub", O_CREAT | O_EXCL | O_WRONLY).err(),
        Some(Errno::EEXIST)
    );
    assert_eq!(
        fs::ops::mkdirat(&env.vfs, &ctx, r, b"/ro/sub", 0o755).err(),
        Some(Errno::EEXIST)
    );
    assert_eq!(
        fs::ops::mkdirat(&env.vfs, &ctx, r, b"/ro/new", 0o755).err(),
        Some(Errno::EROFS)
    );
    assert_eq!(env.unlink("/ro/nonexist").err(), Some(Errno::EROFS));
    assert_eq!(env.rmdir("/ro/sub").err(), Some(Errno::EROFS));
    assert_eq!(
        env.rename("/ro/sub/f", "/ro/g", 0).err(),
        Some(Errno::EROFS)
    );
    assert_eq!(
        fs::ops::symlinkat(&env.vfs, &ctx, b"x", r, b"/ro/l").err(),
        Some(Errno::EROFS)
    );
    assert_eq!(
        fs::ops::linkat(&env.vfs, &ctx, r, b"/d/sub/f", r, b"/ro/l", 0).err(),
        Some(Errno::EROFS)
    );
    assert_eq!(
        attr::fchmodat(&env.vfs, &ctx, r, b"/ro/sub/f", 0o600, 0).err(),
        Some(Errno::EROFS)
    );
    assert_eq!(
        attr::fchownat(&env.vfs, &ctx, r, b"/ro/sub/f", Some(1), None, 0).err(),
        Some(Errno::EROFS)
    );
    assert_eq!(
        attr::truncate_at(&env.vfs, &ctx, r, b"/ro/sub/f", 0).err(),
        Some(Errno::EROFS)
    );
    let t = Some(SetTime::Now);
    assert_eq!(
        attr::utimensat(&env.vfs, &ctx, r, b"/ro/sub/f", t, t, 0).err(),
        Some(Errno::EROFS)
    );
    let f = env.resolve("/ro/sub/f").unwrap();
    assert_eq!(
        xattr::setxattr(&ctx, &f, b"user.a", b"1", 0).err(),
        Some(Errno::EROFS)
    );
    // The underlying directory is still writable; statfs shows the flag.
    env.write("/d/sub/g", b"");
    assert_eq!(
        attr::statfs(&ro).unwrap().flags & attr::ST_RDONLY,
        attr::ST_RDONLY
    );
    // Remount read-write again.
    env.vfs.remount(&ro, MountFlags::NOSUID).unwrap();
    assert!(env.open("/ro/sub/f", O_WRONLY).is_ok());
    assert_eq!(
        attr::statfs(&ro).unwrap().flags & (attr::ST_RDONLY | attr::ST_NOSUID),
        attr::ST_NOSUID
    );
}

#[test]
fn nodev_and_nosymfollow() {
    let env = Env::new();
    env.mkdir("/dev", 0o755);
    let m = env.mount_tmpfs("/dev");
    fs::ops::mknodat(
        &env.vfs,
        &env.ctx(),
        &env.root,
        b"/dev/null",
        inode::S_IFCHR | 0o666,
        inode::makedev(1, 3),
    )
    .unwrap();
    env.symlink("null", "/dev/link");
    assert!(env.open("/dev/null", O_RDWR).is_ok());
    let dev = env.resolve("/dev").unwrap();
    env.vfs
        .remount(&dev, MountFlags::NODEV | MountFlags::NOSYMFOLLOW)
        .unwrap();
    assert_eq!(env.open("/dev/null", O_RDWR).err(), Some(Errno::EACCES));
    assert_eq!(env.resolve("/dev/link").err(), Some(Errno::ELOOP));
    assert!(Arc::ptr_eq(&dev.mount, &m));
}

#[test]
fn cross_mount_rename_and_link_are_exdev() {
    let env = Env::new();
    env.mkdir("/mnt", 0o755);
    env.mount_tmpfs("/mnt");
    env.write("/f", b"");
    assert_eq!(env.rename("/f", "/mnt/f", 0).err(), Some(Errno::EXDEV));
    let ctx = env.ctx();
    assert_eq!(
        fs::ops::linkat(&env.vfs, &ctx, &env.root, b"/f", &env.root, b"/mnt/f", 0).err(),
        Some(Errno::EXDEV)
    );
    // A bind mount of the same filesystem is another mount: EXDEV too, as on Linux.
    env.mkdir("/d", 0o755);
    env.mkdir("/b", 0o755);
    env.vfs
        .bind(
            &env.resolve("/d").unwrap(),
            &env.resolve("/b").unwrap(),
            false,
        )
        .unwrap();
    assert_eq!(env.rename("/f", "/b/f", 0).err(), Some(Errno::EXDEV));
}

#[test]
fn mount_points_are_busy() {
    let env = Env::new();
    env.mkdir("/mnt", 0o755);
    env.mkdir("/e", 0o755);
    env.mount_tmpfs("/mnt");
    assert_eq!(env.rmdir("/mnt").err(), Some(Errno::EBUSY));
    assert_eq!(env.rename("/mnt", "/x", 0).err(), Some(Errno::EBUSY));
    assert_eq!(env.rename("/e", "/mnt", 0).err(), Some(Errno::EBUSY));
    assert_eq!(
        env.rename("/e", "/mnt", RENAME_EXCHANGE_FLAG).err(),
        Some(Errno::EBUSY)
    );
    // Files bind-mounted on are busy as well.
    env.write("/a", b"");
    env.write("/b", b"");
    env.vfs
        .bind(
            &env.resolve("/a").unwrap(),
            &env.resolve("/b").unwrap(),
            false,
        )
        .unwrap();
    assert_eq!(env.unlink("/b").err(), Some(Errno::EBUSY));
    assert_eq!(env.rmdir("/").err(), Some(Errno::EBUSY));
}

const RENAME_EXCHANGE_FLAG: u32 = 2;

#[test]
fn mount_needs_a_live_directory() {
    let env = Env::new();
    env.write("/file", b"");
    let f = env.resolve("/file").unwrap();
    assert_eq!(
        env.vfs
            .mount(env.new_tmpfs(), &f, "tmpfs", "x", MountFlags::empty())
            .err(),
        Some(Errno::ENOTDIR)
    );
    let d = env.mkdir("/gone", 0o755);
    env.rmdir("/gone").unwrap();
    assert_eq!(
        env.vfs
            .mount(env.new_tmpfs(), &d, "tmpfs", "x", MountFlags::empty())
            .err(),
        Some(Errno::ENOENT)
    );
}

#[test]
fn move_mount() {
    let env = Env::new();
    env.mkdir("/a", 0o755);
    env.mkdir("/b", 0o755);
    let m = env.mount_tmpfs("/a");
    env.write("/a/f", b"moved");
    env.vfs
        .move_mount(&env.resolve("/a").unwrap(), &env.resolve("/b").unwrap())
        .unwrap();
    assert_eq!(env.read("/b/f"), b"moved");
    assert_eq!(env.resolve("/a/f").err(), Some(Errno::ENOENT));
    assert!(Arc::ptr_eq(&env.resolve("/b").unwrap().mount, &m));
    env.mkdir("/b/inside", 0o755);
    let into_itself = env.vfs.move_mount(
        &env.resolve("/b").unwrap(),
        &env.resolve("/b/inside").unwrap(),
    );
    assert_eq!(into_itself.err(), Some(Errno::ELOOP));
    assert_eq!(
        env.vfs
            .move_mount(&env.resolve("/a").unwrap(), &env.resolve("/b").unwrap())
            .err(),
        Some(Errno::EINVAL)
    );
    assert_eq!(
        env.vfs
            .move_mount(&env.root.clone(), &env.resolve("/a").unwrap())
            .err(),
        Some(Errno::EINVAL)
    );
}

#[test]
fn propagation_flags_are_stored() {
    let env = Env::new();
    env.mkdir("/a", 0o755);
    env.mkdir("/b", 0o755);
    env.mount_tmpfs("/a");
    let a = env.resolve("/a").unwrap();
    assert_eq!(a.mount.propagation(), Propagation::Private);
    env.vfs
        .set_propagation(&a, PropagationChange::Shared, false)
        .unwrap();
    let Propagation::Shared(group) = a.mount.propagation() else {
        panic!("not shared")
    };
    // A bind of a shared mount joins its peer group.
    let copy = env
        .vfs
        .bind(&a, &env.resolve("/b").unwrap(), false)
        .unwrap();
    assert_eq!(copy.propagation(), Propagation::Shared(group));
    env.vfs
        .set_propagation(&a, PropagationChange::Slave, false)
        .unwrap();
    assert_eq!(a.mount.propagation(), Propagation::Slave(group));
    // MS_REC applies to everything below.
    env.vfs
        .set_propagation(&env.root.clone(), PropagationChange::Private, true)
        .unwrap();
    assert!(env
        .vfs
        .mounts(&env.root)
        .iter()
        .all(|m| m.propagation == Propagation::Private));
    assert_eq!(
        env.vfs.set_propagation(
            &env.resolve("/a/.").unwrap(),
            PropagationChange::Shared,
            false
        ),
        Ok(())
    );
    env.mkdir("/a/x", 0o755);
    assert_eq!(
        env.vfs
            .set_propagation(
                &env.resolve("/a/x").unwrap(),
                PropagationChange::Shared,
                false
            )
            .err(),
        Some(Errno::EINVAL)
    );
    assert_eq!(
        PropagationChange::from_ms_flags(MS_SHARED | MS_REC),
        Ok(Some(PropagationChange::Shared))
    );
    assert_eq!(
        PropagationChange::from_ms_flags(MS_SHARED | MS_SLAVE).err(),
        Some(Errno::EINVAL)
    );
    assert_eq!(PropagationChange::from_ms_flags(MS_BIND), Ok(None));
}

#[test]
fn mountinfo_lists_mounts_relative_to_the_root() {
    let env = Env::new();
    env.mkdir("/proc", 0o755);
    env.mkdir("/jail", 0o755);
    env.mkdir("/jail/tmp", 0o755);
    let proc_root = env.new_tmpfs();
    let at = env.resolve("/proc").unwrap();
    let p = env
        .vfs
        .mount(
            proc_root,
            &at,
            "proc",
            "proc",
            MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC,
        )
        .unwrap();
    env.mount_tmpfs("/jail/tmp");
    let info = env.vfs.mounts(&env.root);
    assert_eq!(info.len(), 3);
    assert_eq!(info[0].mount_point, b"/");
    assert_eq!(info[0].parent_id, info[0].id);
    assert_eq!(
        (info[0].fstype.as_str(), info[0].source.as_str()),
        ("tmpfs", "rootfs")
    );
    assert_eq!(info[1].id, p.id());
    assert_eq!(info[1].mount_point, b"/proc");
    assert_eq!(info[1].parent_id, info[0].id);
    assert_eq!(info[1].root, b"/");
    assert_eq!(
        mount_options(info[1].flags),
        "rw,nosuid,nodev,noexec,relatime"
    );
    assert_eq!(info[2].mount_point, b"/jail/tmp");
    // From inside a chroot only what is below it shows, with paths relative to it.
    let jail = env.resolve("/jail").unwrap();
    let seen = env.vfs.mounts(&jail);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].mount_point, b"/tmp");
    assert_eq!(
        mount_options(MountFlags::RDONLY | MountFlags::NOATIME),
        "ro,noatime"
    );
}

#[test]
fn dropping_a_namespace_with_deep_mount_stacks_does_not_recurse() {
    // Run on a small stack: freeing a chain of stacked mounts must not
    // recurse once per mount.
    let t = std::thread::Builder::new().stack_size(64 * 1024).spawn(|| {
        let env = Env::new();
        env.mkdir("/mnt", 0o755);
        // Two instances in turn: one mounted on itself would be EBUSY.
        let roots = [env.new_tmpfs(), env.new_tmpfs()];
        for i in 0..1500 {
            let at = env.resolve("/mnt").unwrap();
            env.vfs
                .mount(roots[i % 2].clone(), &at, "tmpfs", "x", MountFlags::empty())
                .unwrap();
        }
        drop(env);
    });
    t.unwrap().join().unwrap();
}

#[test]
fn read_only_remount_is_ebusy_while_a_file_is_open_for_writing() {
    let env = Env::new();
    env.mkdir("/m", 0o755);
    env.mount_tmpfs("/m");
    env.write("/m/f", b"x");
    let m = env.resolve("/m").unwrap();
    let w = env.open("/m/f", O_WRONLY).unwrap();
    assert!(w.write.is_some(), "a writable open holds write access");
    let r = env.open("/m/f", O_RDONLY).unwrap();
    assert!(r.write.is_none());
    assert_eq!(
        env.vfs.remount(&m, MountFlags::RDONLY).err(),
        Some(Errno::EBUSY)
    );
    assert!(
        env.open("/m/f", O_RDWR).is_ok(),
        "the failed remount left the mount writable"
    );
    let copy = w.clone();
    drop(w);
    assert_eq!(
        env.vfs.remount(&m, MountFlags::RDONLY).err(),
        Some(Errno::EBUSY),
        "a clone still counts"
    );
    drop(copy);
    env.vfs.remount(&m, MountFlags::RDONLY).unwrap();
    assert_eq!(env.open("/m/f", O_WRONLY).err(), Some(Errno::EROFS));
    drop(r);
    env.vfs.remount(&m, MountFlags::empty()).unwrap();
    let t = env.open("/m", O_TMPFILE | O_RDWR).unwrap();
    assert_eq!(
        env.vfs.remount(&m, MountFlags::RDONLY).err(),
        Some(Errno::EBUSY),
        "O_TMPFILE counts"
    );
    drop(t);
    env.vfs
        .remount(&m, MountFlags::RDONLY | MountFlags::NOSUID)
        .unwrap();
    env.vfs.remount(&m, MountFlags::RDONLY).unwrap();
}

#[test]
fn noexec_mount_denies_x_ok_for_regular_files() {
    let env = Env::new();
    env.mkdir("/m", 0o755);
    env.mount_tmpfs("/m");
    env.write("/m/f", b"#!/bin/sh\n");
    env.mkdir("/m/d", 0o755);
    let ctx = env.ctx();
    let r = &env.root;
    attr::chmod(&ctx, &env.resolve("/m/f").unwrap(), 0o755).unwrap();
    assert!(attr::faccessat2(&env.vfs, &ctx, r, b"/m/f", X_OK, 0).is_ok());
    let m = env.resolve("/m").unwrap();
    env.vfs.remount(&m, MountFlags::NOEXEC).unwrap();
    assert_eq!(
        attr::faccessat2(&env.vfs, &ctx, r, b"/m/f", X_OK, 0).err(),
        Some(Errno::EACCES)
    );
    assert_eq!(
        ops::check_exec_mount(&env.resolve("/m/f").unwrap()).err(),
        Some(Errno::EACCES)
    );
    assert!(
        attr::faccessat2(&env.vfs, &ctx, r, b"/m/d", X_OK, 0).is_ok(),
        "directories stay searchable"
    );
    assert!(attr::faccessat2(&env.vfs, &ctx, r, b"/m/f", R_OK, 0).is_ok());
}

#[test]
fn getcwd_inside_a_detached_mount_is_unreachable_plus_the_inner_path() {
    let env = Env::new();
    env.mkdir("/mnt", 0o755);
    env.mount_tmpfs("/mnt");
    env.mkdir("/mnt/sub", 0o755);
    let cwd = env.resolve("/mnt/sub").unwrap();
    assert_eq!(env.vfs.cwd_path(&env.root, &cwd).unwrap(), b"/mnt/sub");
    env.vfs
        .umount(&env.resolve("/mnt").unwrap(), MNT_DETACH)
        .unwrap();
    assert_eq!(
        env.vfs.cwd_path(&env.root, &cwd).unwrap(),
        b"(unreachable)/sub"
    );
    assert_eq!(env.vfs.path_of(&env.root, &cwd).unwrap(), None);
}

#[test]
fn remount_without_bind_makes_the_filesystem_read_only_for_its_binds() {
    let env = Env::new();
    env.mkdir("/a", 0o755);
    env.mkdir("/b", 0o755);
    env.mount_tmpfs("/a");
    let a = env.resolve("/a").unwrap();
    env.vfs
        .bind(&a, &env.resolve("/b").unwrap(), false)
        .unwrap();
    env.vfs.remount_super(&a, MountFlags::RDONLY).unwrap();
    assert_eq!(
        env.open("/b/f", O_CREAT | O_WRONLY).err(),
        Some(Errno::EROFS),
        "the bind follows the filesystem"
    );
    assert_ne!(
        attr::statfs(&env.resolve("/b").unwrap()).unwrap().flags & attr::ST_RDONLY,
        0
    );
    env.vfs.remount_super(&a, MountFlags::empty()).unwrap();
    let w = env.open("/b/f", O_CREAT | O_WRONLY).unwrap();
    // A writer through the bind blocks a read-only remount of the original...
    assert_eq!(
        env.vfs.remount_super(&a, MountFlags::RDONLY).err(),
        Some(Errno::EBUSY)
    );
    // ...but not a per-mount (MS_BIND) one of it.
    env.vfs.remount(&a, MountFlags::RDONLY).unwrap();
    assert!(
        env.open("/b/f", O_WRONLY).is_ok(),
        "the bind itself stays writable"
    );
    drop(w);
}

#[test]
fn an_instance_mounted_on_itself_is_ebusy() {
    let env = Env::new();
    env.mkdir("/mnt", 0o755);
    let root = env.new_tmpfs();
    let at = env.resolve("/mnt").unwrap();
    env.vfs.mount(root.clone(), &at, "tmpfs", "x", MountFlags::empty()).unwrap();
    let top = env.resolve("/mnt").unwrap();
    assert_eq!(
        env.vfs.mount(root.clone(), &top, "tmpfs", "x", MountFlags::empty()).err(),
        Some(Errno::EBUSY)
    );
    // Elsewhere, the same instance mounts again (a second view of it).
    env.mkdir("/other", 0o755);
    let other = env.resolve("/other").unwrap();
    assert!(env.vfs.mount(root, &other, "tmpfs", "x", MountFlags::empty()).is_ok());
}

#[test]
fn a_copied_namespace_has_its_own_mounts() {
    let env = Env::new();
    env.mkdir("/a", 0o755);
    env.mkdir("/b", 0o755);
    env.mkdir("/a/in", 0o755);
    let a = env.mount_tmpfs("/a");
    env.mkdir("/a/deep", 0o755);
    env.mount_tmpfs("/a/deep");
    let gen = env.vfs.generation();
    let copy = env.vfs.copy_namespace();
    let new_root = copy.translate(&env.root);
    assert!(!Arc::ptr_eq(&new_root.mount, &env.root.mount));
    let old: Vec<_> = env.vfs.mounts(&env.root);
    let new: Vec<_> = copy.vfs.mounts(&new_root);
    assert_eq!(old.len(), 3);
    let points = |v: &[MountInfo]| v.iter().map(|m| m.mount_point.clone()).collect::<Vec<_>>();
    assert_eq!(points(&old), points(&new), "same tree, same order");
    for (o, n) in old.iter().zip(&new) {
        assert_ne!(o.id, n.id, "mount ids are global");
        assert_eq!(o.dev, n.dev, "same filesystems");
    }
    // A mount in the copy does not appear in the original, nor the reverse.
    let ctx = Ctx { root: &new_root, creds: &env.root_creds, umask: 0o022, caller: Default::default() };
    let b = copy.vfs.resolve(&ctx, &new_root, b"/b", Lookup::empty()).unwrap();
    let t = Tmpfs::new(env.clock.clone(), TmpfsOptions::default());
    copy.vfs.mount(t.root(), &b, "tmpfs", "x", MountFlags::empty()).unwrap();
    assert_eq!(copy.vfs.mounts(&new_root).len(), 4);
    assert_eq!(env.vfs.mounts(&env.root).len(), 3);
    assert_eq!(env.vfs.generation(), gen, "the original did not change");
    assert!(copy.vfs.generation() > 0);
    // Unmounting in the original leaves the copy's /a in place.
    let deep = env.resolve("/a/deep").unwrap();
    env.vfs.umount(&deep, 0).unwrap();
    assert_eq!(copy.vfs.mounts(&new_root).len(), 4);
    let a_in_copy = copy.translate(&PathLoc::new(a.clone(), a.root().clone()));
    assert!(a_in_copy.is_mount_root());
    assert!(!Arc::ptr_eq(&a_in_copy.mount, &a));
}

#[test]
fn mounts_propagate_between_peers_and_to_slaves() {
    let env = Env::new();
    env.mkdir("/a", 0o755);
    env.mkdir("/b", 0o755);
    env.vfs
        .set_propagation(&env.root, PropagationChange::Shared, true)
        .unwrap();
    let copy = env.vfs.copy_namespace();
    let new_root = copy.translate(&env.root);
    let in_copy = |path: &[u8]| {
        let ctx = Ctx { root: &new_root, creds: &env.root_creds, umask: 0o022, caller: Default::default() };
        copy.vfs.resolve(&ctx, &new_root, path, Lookup::empty()).unwrap()
    };
    // A mount in the original appears in its peer, the copy, as shared.
    let m = env.mount_tmpfs("/a");
    assert!(matches!(m.propagation(), Propagation::Shared(_)), "a mount under a shared parent is shared");
    let a = in_copy(b"/a");
    assert!(a.is_mount_root() && fs::inode::same_inode(&a.inode, m.root()), "the same tree");
    assert_eq!(a.mount.propagation(), m.propagation(), "the copy joins the new mount's peer group");
    assert_eq!(copy.vfs.mounts(&new_root).len(), 2);
    // Unmounting it in the original unmounts the copy too.
    let at = env.resolve("/a").unwrap();
    drop(a);
    env.vfs.umount(&at, fs::mount::MNT_DETACH).unwrap();
    assert_eq!(copy.vfs.mounts(&new_root).len(), 1);
    // A slave receives from the original but does not send back.
    copy.vfs
        .set_propagation(&new_root, PropagationChange::Slave, true)
        .unwrap();
    let t = Tmpfs::new(env.clock.clone(), TmpfsOptions::default());
    copy.vfs.mount(t.root(), &in_copy(b"/b"), "tmpfs", "x", MountFlags::empty()).unwrap();
    assert_eq!(env.vfs.mounts(&env.root).len(), 1, "nothing goes back from a slave");
    env.mount_tmpfs("/a");
    assert!(in_copy(b"/a").is_mount_root(), "the slave receives");
    // A private mount neither sends nor receives.
    let other = Env::new();
    other.mkdir("/x", 0o755);
    other.mount_tmpfs("/x");
    assert_eq!(other.vfs.mounts(&other.root).len(), 2);
}
