//! Concurrent namespace changes: renames across directories in opposite
//! directions, rmdir racing with creation, readers walking meanwhile. These
//! exercise the lock order (a deadlock hangs the test) and check the tree
//! stays consistent.

use std::sync::Arc;
use std::thread;

use fs::*;

use crate::common::*;

#[test]
fn cross_directory_renames_in_both_directions() {
    let env = Arc::new(Env::new());
    env.mkdir("/a", 0o755);
    env.mkdir("/a/inner", 0o755);
    env.mkdir("/a/inner/sub", 0o755);
    env.write("/a/inner/sub/h", b"");
    env.mkdir("/b", 0o755);
    for i in 0..8 {
        env.write(&format!("/a/f{i}"), b"");
        env.write(&format!("/b/g{i}"), b"");
    }
    let mut threads = Vec::new();
    for t in 0..4 {
        let env = env.clone();
        threads.push(thread::spawn(move || {
            for i in 0..2000 {
                let (from, to) = if t % 2 == 0 {
                    ("/a/f", "/b/f")
                } else {
                    ("/b/g", "/a/g")
                };
                let n = i % 8;
                let _ = env.rename(&format!("{from}{n}"), &format!("{to}{n}"), 0);
                let _ = env.rename(&format!("{to}{n}"), &format!("{from}{n}"), 0);
                // Directory moves between unrelated directories...
                let _ = env.rename("/a/inner", "/b/inner", 0);
                let _ = env.rename("/b/inner", "/a/inner", 0);
                // ...and between a directory and its descendant.
                let _ = env.rename("/a/inner/sub/h", "/a/h", 0);
                let _ = env.rename("/a/h", "/a/inner/sub/h", 0);
                // Never possible: into its own subtree.
                match env.rename("/a/inner", "/a/inner/sub/x", 0) {
                    Err(Errno::EINVAL | Errno::ENOENT) => {}
                    other => panic!("moved into itself: {other:?}"),
                }
                let _ = env.resolve("/a/inner/../f1");
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    // Every name still exists exactly once.
    let a = list(&env.resolve("/a").unwrap().inode);
    let b = list(&env.resolve("/b").unwrap().inode);
    let inner_parent = if a.contains(&"inner".to_string()) {
        "/a"
    } else {
        "/b"
    };
    let inner = env.resolve(&format!("{inner_parent}/inner")).unwrap();
    assert_eq!(env.path_of(&inner), format!("{inner_parent}/inner"));
    let h_count = usize::from(a.contains(&"h".to_string()))
        + usize::from(env.exists(&format!("{inner_parent}/inner/sub/h")));
    assert_eq!(h_count, 1);
    assert_eq!(
        a.len() + b.len(),
        16 + 1 + usize::from(a.contains(&"h".to_string()))
    );
    // Link counts and sizes agree with the contents.
    for (dir, names) in [("/a", &a), ("/b", &b)] {
        let m = env.stat(dir).unwrap();
        assert_eq!(m.size, 40 + 20 * names.len() as u64, "{dir}");
        assert_eq!(
            m.nlink,
            2 + u32::from(names.contains(&"inner".to_string())),
            "{dir}"
        );
    }
}

#[test]
fn rmdir_races_with_create() {
    let env = Arc::new(Env::new());
    let mut threads = Vec::new();
    for t in 0..2 {
        let env = env.clone();
        threads.push(thread::spawn(move || {
            for _ in 0..3000 {
                if t == 0 {
                    let _ = fs::ops::mkdirat(&env.vfs, &env.ctx(), &env.root, b"/d", 0o755);
                    let _ = env.rmdir("/d");
                } else {
                    match env.open("/d/f", flags::O_CREAT | flags::O_WRONLY) {
                        Ok(_) => {
                            let _ = env.unlink("/d/f");
                        }
                        Err(Errno::ENOENT) => {}
                        Err(e) => panic!("create: {e:?}"),
                    }
                }
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    // Whatever the interleaving, a surviving /d is consistent.
    if let Ok(d) = env.resolve("/d") {
        let n = list(&d.inode).len() as u64;
        assert_eq!(d.inode.metadata().size, 40 + 20 * n);
    }
}
