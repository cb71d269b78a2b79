//! tmpfs directories: sizes and link counts, readdir contents and offsets
//! (stable under concurrent changes), removed directories.

use fs::inode::*;
use fs::*;

use crate::common::*;

#[test]
fn sizes_and_link_counts_like_linux() {
    let env = Env::new();
    let d = env.mkdir("/d", 0o755);
    let m = d.inode.metadata();
    assert_eq!((m.size, m.nlink, m.mode), (40, 2, S_IFDIR | 0o755));
    env.mkdir("/d/sub", 0o755);
    env.write("/d/f", b"");
    let m = d.inode.metadata();
    assert_eq!(
        (m.size, m.nlink),
        (80, 3),
        "one subdirectory adds a link; entries 20 bytes each"
    );
    env.rmdir("/d/sub").unwrap();
    env.unlink("/d/f").unwrap();
    let m = d.inode.metadata();
    assert_eq!((m.size, m.nlink), (40, 2));
}

#[test]
fn creating_and_removing_updates_directory_times() {
    let env = Env::new();
    let d = env.mkdir("/d", 0o755);
    env.clock.advance(1_000_000_000);
    env.write("/d/f", b"");
    assert_eq!(d.inode.metadata().mtime, Timespec::new(1001, 0));
    env.clock.advance(1_000_000_000);
    env.unlink("/d/f").unwrap();
    assert_eq!(d.inode.metadata().mtime, Timespec::new(1002, 0));
    assert_eq!(d.inode.metadata().ctime, Timespec::new(1002, 0));
}

#[test]
fn readdir_lists_dot_dotdot_and_entries_with_types() {
    let env = Env::new();
    let d = env.mkdir("/d", 0o755);
    env.write("/d/file", b"");
    env.mkdir("/d/dir", 0o755);
    env.symlink("file", "/d/link");
    fs::ops::mknodat(
        &env.vfs,
        &env.ctx(),
        &env.root,
        b"/d/fifo",
        S_IFIFO | 0o644,
        0,
    )
    .unwrap();
    let mut all = Vec::new();
    let mut off = 0;
    while let Some(e) = d.inode.readdir(off).unwrap() {
        off = e.next;
        all.push(e);
    }
    let names: Vec<_> = all
        .iter()
        .map(|e| String::from_utf8(e.name.clone()).unwrap())
        .collect();
    assert_eq!(names, [".", "..", "file", "dir", "link", "fifo"]);
    assert_eq!(all[0].ino, d.inode.ino());
    assert_eq!(all[1].ino, 1, ".. of /d is the root");
    let kinds: Vec<_> = all.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [DT_DIR, DT_DIR, DT_REG, DT_DIR, DT_LNK, DT_FIFO]);
    assert_eq!(all[2].ino, env.stat("/d/file").unwrap().ino);
    // The root's .. is itself.
    assert_eq!(env.root.inode.readdir(1).unwrap().unwrap().ino, 1);
    // Reading from the end offset stays at the end.
    assert_eq!(d.inode.readdir(off).unwrap(), None);
    assert_eq!(d.inode.readdir(u64::MAX).unwrap(), None);
}

#[test]
fn readdir_offsets_survive_concurrent_changes() {
    let env = Env::new();
    let d = env.mkdir("/d", 0o755);
    for i in 0..10 {
        env.write(&format!("/d/f{i}"), b"");
    }
    // Read five entries (. .. f0 f1 f2), then change the directory.
    let mut off = 0;
    let mut seen = Vec::new();
    for _ in 0..5 {
        let e = d.inode.readdir(off).unwrap().unwrap();
        off = e.next;
        seen.push(String::from_utf8(e.name).unwrap());
    }
    env.unlink("/d/f1").unwrap(); // already seen
    env.unlink("/d/f3").unwrap(); // not yet seen
    env.write("/d/new", b""); // created meanwhile
    while let Some(e) = d.inode.readdir(off).unwrap() {
        off = e.next;
        seen.push(String::from_utf8(e.name).unwrap());
    }
    let survivors: Vec<String> = ["f0", "f2", "f4", "f5", "f6", "f7", "f8", "f9"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for s in &survivors {
        assert_eq!(
            seen.iter().filter(|n| *n == s).count(),
            1,
            "{s} seen exactly once: {seen:?}"
        );
    }
    assert!(!seen.contains(&"f3".to_string()));
    // A rename moves an entry to a fresh offset (it may show up again, as on Linux).
    let before: Vec<_> = list(&d.inode);
    env.rename("/d/f0", "/d/zz", 0).unwrap();
    let after = list(&d.inode);
    assert_eq!(after.last().map(String::as_str), Some("zz"));
    assert_eq!(before.len(), after.len());
}

#[test]
fn removed_directory_is_dead() {
    let env = Env::new();
    let d = env.mkdir("/d", 0o755);
    env.rmdir("/d").unwrap();
    assert_eq!(d.inode.metadata().nlink, 0);
    assert_eq!(d.inode.readdir(0), Err(Errno::ENOENT));
    // Creating inside it (e.g. from a cwd there) fails with ENOENT.
    let ctx = env.ctx();
    assert_eq!(
        fs::ops::mkdirat(&env.vfs, &ctx, &d, b"x", 0o755).err(),
        Some(Errno::ENOENT)
    );
    assert_eq!(
        open(
            &env.vfs,
            &ctx,
            &d,
            b"x",
            flags::O_CREAT | flags::O_WRONLY,
            0o644
        )
        .err(),
        Some(Errno::ENOENT)
    );
    // Its .. still leads to the old parent, and getcwd reports it gone.
    assert_eq!(
        env.vfs
            .resolve(&ctx, &d, b"..", Lookup::empty())
            .unwrap()
            .inode
            .ino(),
        1
    );
    assert_eq!(env.vfs.path_of(&env.root, &d).err(), Some(Errno::ENOENT));
}

#[test]
fn deep_trees_are_freed_without_recursion() {
    // On a small stack: dropping a 20000-level tree must not recurse per level.
    let t = std::thread::Builder::new().stack_size(64 * 1024).spawn(|| {
        let env = Env::new();
        let mut cur = env.root.clone();
        for _ in 0..20_000 {
            cur = fs::ops::mkdirat(&env.vfs, &env.ctx(), &cur, b"d", 0o755).unwrap();
        }
        assert_eq!(
            env.vfs.path_of(&env.root, &cur).unwrap().unwrap().len(),
            2 * 20_000
        );
        drop(cur);
        drop(env);
    });
    t.unwrap().join().unwrap();
}

/// getdents's batch reader gives the entries `readdir` gives, stops where
/// the callback refuses one (that entry is not consumed), and goes on from
/// the offset it returned; a rename exchange keeps both entries' nodes.
#[test]
fn readdir_batch_matches_readdir_and_resumes() {
    let env = Env::new();
    let d = env.mkdir("/d", 0o755);
    for i in 0..20 {
        env.write(&format!("/d/f{i:02}"), b"");
    }
    env.mkdir("/d/sub", 0o755);
    env.rename("/d/f00", "/d/sub", fs::inode::RenameFlags::EXCHANGE.bits()).unwrap();
    let mut one = Vec::new();
    let mut off = 0;
    while let Some(e) = d.inode.readdir(off).unwrap() {
        off = e.next;
        one.push((e.ino, e.kind, e.name, e.next));
    }
    // Batches of at most 3 entries each.
    let mut batched = Vec::new();
    let mut pos = 0;
    loop {
        let mut taken = 0;
        let next = d
            .inode
            .readdir_batch(pos, &mut |e| {
                if taken == 3 {
                    return false;
                }
                taken += 1;
                batched.push((e.ino, e.kind, e.name.to_vec(), e.next));
                true
            })
            .unwrap();
        if taken == 0 {
            assert_eq!(next, pos, "at the end the offset stays");
            break;
        }
        assert_eq!(next, batched.last().unwrap().3);
        pos = next;
    }
    assert_eq!(batched, one);
    let sub = one.iter().find(|e| e.2 == b"sub").unwrap();
    assert_eq!((sub.0, sub.1), (env.stat("/d/sub").unwrap().ino, DT_REG));
    let f00 = one.iter().find(|e| e.2 == b"f00").unwrap();
    assert_eq!(f00.1, DT_DIR);
}
