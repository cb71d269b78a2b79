//! Permission checks: search permission on the walk, open access modes,
//! root's bypass, sticky and set-group-ID directories, chmod/chown/utimens
//! rules, faccessat2, protected hard links. Expected results match a Linux
//! host (tmpfs, uid 65534 for the unprivileged cases).

use fs::flags::*;
use fs::inode::*;
use fs::*;

use crate::common::*;

fn setup() -> Env {
    let env = Env::new();
    env.mkdir("/priv", 0o700);
    env.write("/priv/x", b"");
    env.write("/rootfile", b"secret");
    env.write("/gw", b"");
    env.chmod("/gw", 0o666);
    env
}

#[test]
fn search_permission_on_every_directory() {
    let env = setup();
    let u = user();
    let ctx = env.ctx_as(&u);
    for p in ["/priv/x", "/priv/nonexist", "/priv/.", "/priv/.."] {
        assert_eq!(
            env.vfs
                .resolve(&ctx, &env.root, p.as_bytes(), Lookup::empty())
                .err(),
            Some(Errno::EACCES),
            "{p}"
        );
    }
    // The directory itself is reachable; root bypasses.
    assert!(env
        .vfs
        .resolve(&ctx, &env.root, b"/priv", Lookup::empty())
        .is_ok());
    assert!(env.resolve("/priv/x").is_ok());
    // Creating or removing inside needs search too.
    assert_eq!(
        fs::ops::mkdirat(&env.vfs, &ctx, &env.root, b"/priv/new", 0o755).err(),
        Some(Errno::EACCES)
    );
    assert_eq!(
        fs::ops::unlinkat(&env.vfs, &ctx, &env.root, b"/priv/nonexist", 0).err(),
        Some(Errno::EACCES)
    );
    // Owner, group, other classes.
    env.chown("/priv", 1000, 50);
    assert!(
        env.vfs
            .resolve(&ctx, &env.root, b"/priv/x", Lookup::empty())
            .is_ok(),
        "owner bits"
    );
    env.chmod("/priv", 0o070);
    assert_eq!(
        env.vfs
            .resolve(&ctx, &env.root, b"/priv/x", Lookup::empty())
            .err(),
        Some(Errno::EACCES),
        "owner bits only, even if the group may"
    );
    let mut member = other();
    member.groups.push(50);
    let mctx = env.ctx_as(&member);
    assert!(
        env.vfs
            .resolve(&mctx, &env.root, b"/priv/x", Lookup::empty())
            .is_ok(),
        "supplementary group"
    );
}

#[test]
fn open_access_modes() {
    let env = setup();
    let u = user();
    let ctx = env.ctx_as(&u);
    let o = |p: &str, f: u32| open(&env.vfs, &ctx, &env.root, p.as_bytes(), f, 0).err();
    assert_eq!(o("/rootfile", O_RDONLY), None, "0644 readable by others");
    assert_eq!(o("/rootfile", O_WRONLY), Some(Errno::EACCES));
    assert_eq!(o("/rootfile", O_RDWR), Some(Errno::EACCES));
    assert_eq!(
        o("/rootfile", O_RDONLY | O_TRUNC),
        Some(Errno::EACCES),
        "O_TRUNC needs write"
    );
    assert_eq!(
        o("/rootfile", O_ACCMODE),
        Some(Errno::EACCES),
        "mode 3 needs read and write"
    );
    assert_eq!(o("/gw", O_RDWR | O_TRUNC), None);
    assert_eq!(o("/rootfile", O_RDONLY | O_NOATIME), Some(Errno::EPERM));
    env.chmod("/rootfile", 0o000);
    assert_eq!(o("/rootfile", O_RDONLY), Some(Errno::EACCES));
    // Root reads and writes anything; O_PATH needs no permission.
    assert!(env.open("/rootfile", O_RDWR).is_ok());
    assert_eq!(o("/rootfile", O_PATH), None);
}

#[test]
fn root_needs_an_x_bit_to_execute() {
    let env = setup();
    let ctx = env.ctx();
    assert_eq!(
        attr::faccessat2(&env.vfs, &ctx, &env.root, b"/rootfile", X_OK, 0).err(),
        Some(Errno::EACCES)
    );
    env.chmod("/rootfile", 0o001);
    assert!(attr::faccessat2(
        &env.vfs,
        &ctx,
        &env.root,
        b"/rootfile",
        X_OK | R_OK | W_OK,
        0
    )
    .is_ok());
    assert!(
        attr::faccessat2(&env.vfs, &ctx, &env.root, b"/priv", X_OK, 0).is_ok(),
        "directories always"
    );
}

#[test]
fn faccessat_real_versus_effective_ids() {
    let env = setup();
    env.write("/mine", b"");
    env.chown("/mine", 1000, 1000);
    env.chmod("/mine", 0o600);
    // Effective uid 1000, real uid 2000 (a set-uid program).
    let mut c = user();
    c.ruid = 2000;
    c.rgid = 2000;
    let ctx = env.ctx_as(&c);
    let acc =
        |mode, flags| attr::faccessat2(&env.vfs, &ctx, &env.root, b"/mine", mode, flags).err();
    assert_eq!(acc(R_OK, 0), Some(Errno::EACCES), "real ids by default");
    assert_eq!(acc(R_OK, AT_EACCESS), None);
    assert_eq!(acc(F_OK, 0), None);
    assert_eq!(acc(8, 0), Some(Errno::EINVAL));
    assert_eq!(acc(R_OK, 0x4), Some(Errno::EINVAL));
    // AT_SYMLINK_NOFOLLOW checks the link itself.
    env.symlink("/mine", "/lm");
    let lacc = attr::faccessat2(
        &env.vfs,
        &ctx,
        &env.root,
        b"/lm",
        W_OK,
        AT_SYMLINK_NOFOLLOW | AT_EACCESS,
    );
    assert_eq!(lacc, Ok(()), "links are 0777");
}

#[test]
fn sticky_directory_protects_other_users_files() {
    let env = setup();
    env.mkdir("/tmp", 0o777);
    env.chmod("/tmp", 0o1777);
    env.write("/tmp/rootfile", b"");
    let u = user();
    let ctx = env.ctx_as(&u);
    let unlink = |p: &str| fs::ops::unlinkat(&env.vfs, &ctx, &env.root, p.as_bytes(), 0).err();
    assert_eq!(unlink("/tmp/rootfile"), Some(Errno::EPERM));
    let rn = fs::rename::renameat2(
        &env.vfs,
        &ctx,
        &env.root,
        b"/tmp/rootfile",
        &env.root,
        b"/tmp/x",
        0,
    );
    assert_eq!(rn.err(), Some(Errno::EPERM));
    // Own files may go.
    open(
        &env.vfs,
        &ctx,
        &env.root,
        b"/tmp/mine",
        O_CREAT | O_WRONLY,
        0o644,
    )
    .unwrap();
    assert_eq!(unlink("/tmp/mine"), None);
    // Without the sticky bit, write permission on the directory suffices.
    env.chmod("/tmp", 0o777);
    assert_eq!(unlink("/tmp/rootfile"), None);
    // And without write permission nothing goes.
    env.write("/rf", b"");
    assert_eq!(unlink("/rf"), Some(Errno::EACCES));
}

#[test]
fn setgid_directory_inheritance() {
    let env = setup();
    env.mkdir("/sgid", 0o777);
    env.chown("/sgid", 0, 100);
    env.chmod("/sgid", 0o2777);
    let u = user();
    let ctx = env.ctx_as(&u);
    let d = fs::ops::mkdirat(&env.vfs, &ctx, &env.root, b"/sgid/d", 0o755).unwrap();
    let m = d.inode.metadata();
    assert_eq!((m.mode, m.gid, m.uid), (S_IFDIR | 0o2755, 100, 1000));
    let f = open(
        &env.vfs,
        &ctx,
        &env.root,
        b"/sgid/f",
        O_CREAT | O_WRONLY,
        0o2775,
    )
    .unwrap();
    let m = f.loc.inode.metadata();
    assert_eq!(
        (m.mode, m.gid),
        (S_IFREG | 0o755, 100),
        "S_ISGID dropped for a non-member"
    );
    // chmod by the owner, not in the group, silently drops S_ISGID.
    fs::attr::chmod(&ctx, &f.loc, 0o2755).unwrap();
    assert_eq!(f.loc.inode.metadata().mode, S_IFREG | 0o755);
    // mkdir never sets S_ISGID from the mode itself.
    let plain = fs::ops::mkdirat(&env.vfs, &ctx, &env.root, b"/sgid/d/../../plain", 0o2777);
    assert_eq!(
        plain.err(),
        Some(Errno::EACCES),
        "/ is not writable by the user"
    );
    let p = env.mkdir("/plain", 0o2777);
    assert_eq!(p.inode.metadata().mode, S_IFDIR | 0o755);
}

#[test]
fn chmod_rules() {
    let env = setup();
    let u = user();
    let ctx = env.ctx_as(&u);
    let rf = env.resolve("/rootfile").unwrap();
    assert_eq!(fs::attr::chmod(&ctx, &rf, 0o777).err(), Some(Errno::EPERM));
    env.chown("/rootfile", 1000, 1000);
    env.clock.advance(1_000_000_000);
    fs::attr::chmod(&ctx, &rf, 0o4711).unwrap();
    let m = rf.inode.metadata();
    assert_eq!(m.mode, S_IFREG | 0o4711);
    assert_eq!(m.ctime, Timespec::new(1001, 0));
    // Only permission bits change.
    fs::attr::chmod(&env.ctx(), &rf, 0o177777).unwrap();
    assert_eq!(rf.inode.metadata().mode, S_IFREG | 0o7777);
    // fchmodat: AT_SYMLINK_NOFOLLOW on a link is EOPNOTSUPP; bad flags EINVAL.
    env.symlink("/rootfile", "/lr");
    let c = env.ctx();
    assert_eq!(
        attr::fchmodat(&env.vfs, &c, &env.root, b"/lr", 0o600, AT_SYMLINK_NOFOLLOW).err(),
        Some(Errno::EOPNOTSUPP)
    );
    assert_eq!(
        attr::fchmodat(&env.vfs, &c, &env.root, b"/lr", 0o600, 0x4).err(),
        Some(Errno::EINVAL)
    );
    attr::fchmodat(&env.vfs, &c, &env.root, b"/lr", 0o600, 0).unwrap();
    assert_eq!(env.stat("/rootfile").unwrap().mode & 0o7777, 0o600);
}

#[test]
fn chown_rules_and_setid_clearing() {
    let env = setup();
    env.write("/mine", b"");
    env.chown("/mine", 1000, 1000);
    let u = user();
    let ctx = env.ctx_as(&u);
    let mine = env.resolve("/mine").unwrap();
    assert_eq!(
        attr::chown(&ctx, &mine, None, Some(0)).err(),
        Some(Errno::EPERM),
        "not in group 0"
    );
    assert_eq!(
        attr::chown(&ctx, &mine, Some(2000), None).err(),
        Some(Errno::EPERM)
    );
    assert!(
        attr::chown(&ctx, &mine, Some(1000), None).is_ok(),
        "to itself"
    );
    let mut member = user();
    member.groups.push(50);
    attr::chown(&env.ctx_as(&member), &mine, None, Some(50)).unwrap();
    assert_eq!(mine.inode.metadata().gid, 50);
    let rf = env.resolve("/rootfile").unwrap();
    assert_eq!(
        attr::chown(&ctx, &rf, None, Some(1000)).err(),
        Some(Errno::EPERM),
        "not the owner"
    );
    // Like Linux: chown clears S_ISUID, and S_ISGID when group-executable, even by root
    // and even with -1/-1.
    let root = env.ctx();
    env.chmod("/rootfile", 0o6755);
    attr::chown(&root, &rf, None, None).unwrap();
    assert_eq!(rf.inode.metadata().mode & 0o7777, 0o755);
    env.chmod("/rootfile", 0o6745);
    attr::chown(&root, &rf, Some(0), Some(0)).unwrap();
    assert_eq!(rf.inode.metadata().mode & 0o7777, 0o2745);
    // Directories keep their bits.
    env.chmod("/priv", 0o2755);
    attr::chown(&root, &env.resolve("/priv").unwrap(), Some(5), Some(5)).unwrap();
    let m = env.stat("/priv").unwrap();
    assert_eq!((m.mode & 0o7777, m.uid, m.gid), (0o2755, 5, 5));
    // fchownat without following.
    env.symlink("/rootfile", "/lr");
    attr::fchownat(
        &env.vfs,
        &root,
        &env.root,
        b"/lr",
        Some(7),
        Some(7),
        AT_SYMLINK_NOFOLLOW,
    )
    .unwrap();
    assert_eq!(env.lstat("/lr").unwrap().uid, 7);
    assert_eq!(env.stat("/lr").unwrap().uid, 0);
}

#[test]
fn utimensat_rules() {
    let env = setup();
    let u = user();
    let ctx = env.ctx_as(&u);
    let now = Some(SetTime::Now);
    let at = Some(SetTime::At(Timespec::new(1, 2)));
    let ut =
        |p: &str, a, m| attr::utimensat(&env.vfs, &ctx, &env.root, p.as_bytes(), a, m, 0).err();
    assert_eq!(
        ut("/gw", at, at),
        Some(Errno::EPERM),
        "explicit times need ownership"
    );
    env.clock.advance(3_000_000_000);
    assert_eq!(
        ut("/gw", now, now),
        None,
        "now is fine with write permission"
    );
    assert_eq!(env.stat("/gw").unwrap().mtime, Timespec::new(1003, 0));
    assert_eq!(ut("/rootfile", now, now), Some(Errno::EACCES));
    assert_eq!(
        ut("/rootfile", now, None),
        Some(Errno::EPERM),
        "now+omit counts as explicit"
    );
    assert_eq!(
        ut("/rootfile", None, None),
        None,
        "both omitted does nothing"
    );
    assert_eq!(
        ut("/nonexist", None, None),
        None,
        "...without even looking the path up"
    );
    // The owner sets explicit times; omitted ones stay.
    let root = env.ctx();
    let before = env.stat("/rootfile").unwrap();
    attr::utimensat(&env.vfs, &root, &env.root, b"/rootfile", None, at, 0).unwrap();
    let m = env.stat("/rootfile").unwrap();
    assert_eq!((m.atime, m.mtime), (before.atime, Timespec::new(1, 2)));
    assert_eq!(m.ctime, Timespec::new(1003, 0));
    assert_eq!(
        attr::utimensat(&env.vfs, &root, &env.root, b"/gw", now, now, 0x4).err(),
        Some(Errno::EINVAL)
    );
}

#[test]
fn protected_hardlinks() {
    let env = setup();
    let u = user();
    let ctx = env.ctx_as(&u);
    env.mkdir("/pub", 0o777);
    env.chmod("/pub", 0o777);
    let link = |from: &str, to: &str| {
        fs::ops::linkat(
            &env.vfs,
            &ctx,
            &env.root,
            from.as_bytes(),
            &env.root,
            to.as_bytes(),
            0,
        )
        .err()
    };
    assert_eq!(
        link("/rootfile", "/pub/l1"),
        Some(Errno::EPERM),
        "not writable by the user"
    );
    assert_eq!(
        link("/gw", "/pub/l2"),
        None,
        "read-write regular file is fine"
    );
    env.chmod("/gw", 0o4666);
    assert_eq!(link("/gw", "/pub/l3"), Some(Errno::EPERM), "set-uid");
}

#[test]
fn device_nodes_need_privilege() {
    let env = setup();
    env.mkdir("/pub", 0o777);
    env.chmod("/pub", 0o777);
    let u = user();
    let ctx = env.ctx_as(&u);
    let mk = |p: &str, mode| {
        fs::ops::mknodat(&env.vfs, &ctx, &env.root, p.as_bytes(), mode, makedev(1, 3)).err()
    };
    assert_eq!(mk("/pub/chr", S_IFCHR | 0o644), Some(Errno::EPERM));
    assert_eq!(
        mk("/priv/chr", S_IFCHR | 0o644),
        Some(Errno::EACCES),
        "EACCES comes first"
    );
    assert_eq!(mk("/pub/fifo", S_IFIFO | 0o644), None);
    let n = fs::ops::mknodat(
        &env.vfs,
        &env.ctx(),
        &env.root,
        b"/null",
        S_IFCHR | 0o666,
        makedev(1, 3),
    )
    .unwrap();
    let m = n.inode.metadata();
    assert_eq!(
        (m.mode, m.rdev),
        (S_IFCHR | 0o644, makedev(1, 3)),
        "umask 022 applies"
    );
}

#[test]
fn truncate_by_an_unprivileged_caller_removes_set_id_bits() {
    let env = Env::new();
    let u = user();
    env.write("/f", b"0123456789");
    let f = env.resolve("/f").unwrap();
    f.inode
        .setattr(&SetAttr {
            uid: Some(u.uid),
            mode: Some(0o6755),
            ..SetAttr::default()
        })
        .unwrap();
    let ctx = env.ctx_as(&u);
    attr::truncate_at(&env.vfs, &ctx, &env.root, b"/f", 4).unwrap();
    assert_eq!(
        f.inode.mode() & 0o7777,
        0o755,
        "even the owner's truncate clears both"
    );
    f.inode
        .setattr(&SetAttr {
            mode: Some(0o6745),
            ..SetAttr::default()
        })
        .unwrap();
    attr::truncate_at(&env.vfs, &ctx, &env.root, b"/f", 2).unwrap();
    assert_eq!(
        f.inode.mode() & 0o7777,
        0o2745,
        "setgid without group execute stays"
    );
    f.inode
        .setattr(&SetAttr {
            mode: Some(0o6755),
            ..SetAttr::default()
        })
        .unwrap();
    attr::truncate_at(&env.vfs, &env.ctx(), &env.root, b"/f", 1).unwrap();
    assert_eq!(f.inode.mode() & 0o7777, 0o6755, "root keeps them");
    attr::remove_privs(&f.inode, false).unwrap();
    assert_eq!(f.inode.mode() & 0o7777, 0o755);
}
