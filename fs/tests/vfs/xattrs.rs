//! Extended attributes on tmpfs through the VFS: namespaces, name and
//! value limits, CREATE/REPLACE, listing, permissions. Errnos match Linux.

use fs::xattr::*;
use fs::*;

use crate::common::*;

const CREATE: u32 = 1;
const REPLACE: u32 = 2;

#[test]
fn set_get_list_remove() {
    let env = Env::new();
    let f = env.write("/f", b"");
    let ctx = env.ctx();
    env.clock.advance(1_000_000_000);
    setxattr(&ctx, &f, b"user.a", b"1", CREATE).unwrap();
    assert_eq!(f.inode.metadata().ctime, Timespec::new(1001, 0));
    assert_eq!(
        setxattr(&ctx, &f, b"user.a", b"2", CREATE).err(),
        Some(Errno::EEXIST)
    );
    assert_eq!(
        setxattr(&ctx, &f, b"user.b", b"2", REPLACE).err(),
        Some(Errno::ENODATA)
    );
    setxattr(&ctx, &f, b"user.a", b"22", REPLACE).unwrap();
    setxattr(&ctx, &f, b"trusted.t", b"", 0).unwrap();
    setxattr(&ctx, &f, b"security.s", b"\0binary\xff", 0).unwrap();
    assert_eq!(getxattr(&ctx, &f, b"user.a").unwrap(), b"22");
    assert_eq!(getxattr(&ctx, &f, b"trusted.t").unwrap(), b"");
    assert_eq!(getxattr(&ctx, &f, b"security.s").unwrap(), b"\0binary\xff");
    assert_eq!(getxattr(&ctx, &f, b"user.zz").err(), Some(Errno::ENODATA));
    assert_eq!(
        listxattr(&ctx, &f).unwrap(),
        b"security.s\0trusted.t\0user.a\0"
    );
    removexattr(&ctx, &f, b"user.a").unwrap();
    assert_eq!(removexattr(&ctx, &f, b"user.a").err(), Some(Errno::ENODATA));
    assert_eq!(listxattr(&ctx, &f).unwrap(), b"security.s\0trusted.t\0");
    // Directories carry user attributes too.
    let d = env.mkdir("/d", 0o755);
    setxattr(&ctx, &d, b"user.dir", b"x", 0).unwrap();
}

#[test]
fn names_values_and_flags_are_validated() {
    let env = Env::new();
    let f = env.write("/f", b"");
    let ctx = env.ctx();
    let long = [b"user.".as_slice(), &[b'a'; 251]].concat();
    assert_eq!(
        setxattr(&ctx, &f, b"user.", b"x", 0).err(),
        Some(Errno::EINVAL)
    );
    assert_eq!(
        setxattr(&ctx, &f, &long, b"x", 0).err(),
        Some(Errno::ERANGE)
    );
    assert!(setxattr(&ctx, &f, &long[..255], b"x", 0).is_ok());
    assert_eq!(setxattr(&ctx, &f, b"", b"x", 0).err(), Some(Errno::ERANGE));
    assert_eq!(
        setxattr(&ctx, &f, b"foo.bar", b"x", 0).err(),
        Some(Errno::EOPNOTSUPP)
    );
    assert_eq!(
        setxattr(&ctx, &f, b"system.posix_acl_access", b"x", 0).err(),
        Some(Errno::EOPNOTSUPP)
    );
    assert_eq!(
        setxattr(&ctx, &f, b"user.b", b"x", 4).err(),
        Some(Errno::EINVAL)
    );
    assert_eq!(
        setxattr(&ctx, &f, b"user.big", &vec![0u8; XATTR_SIZE_MAX + 1], 0).err(),
        Some(Errno::E2BIG)
    );
    assert!(setxattr(&ctx, &f, b"user.max", &vec![0u8; XATTR_SIZE_MAX], 0).is_ok());
    assert_eq!(
        getxattr(&ctx, &f, b"nonamespace").err(),
        Some(Errno::EOPNOTSUPP)
    );
    // The kernel's buffer check.
    assert_eq!(fit(10, 0), Ok(()));
    assert_eq!(fit(10, 10), Ok(()));
    assert_eq!(fit(10, 9), Err(Errno::ERANGE));
}

#[test]
fn user_namespace_only_on_files_and_directories() {
    let env = Env::new();
    env.write("/f", b"");
    env.symlink("f", "/l");
    let ctx = env.ctx();
    let l = env.lresolve("/l").unwrap();
    assert_eq!(
        setxattr(&ctx, &l, b"user.a", b"x", 0).err(),
        Some(Errno::EPERM)
    );
    assert_eq!(getxattr(&ctx, &l, b"user.a").err(), Some(Errno::ENODATA));
    assert!(
        setxattr(&ctx, &l, b"trusted.a", b"x", 0).is_ok(),
        "trusted works on links"
    );
}

#[test]
fn permissions() {
    let env = Env::new();
    let rootfile = env.write("/rootfile", b"");
    let gw = env.write("/gw", b"");
    env.chmod("/gw", 0o666);
    let ctx = env.ctx();
    setxattr(&ctx, &rootfile, b"user.a", b"1", 0).unwrap();
    setxattr(&ctx, &rootfile, b"trusted.t", b"1", 0).unwrap();
    let u = user();
    let uctx = env.ctx_as(&u);
    assert_eq!(
        getxattr(&uctx, &rootfile, b"user.a").unwrap(),
        b"1",
        "read permission suffices"
    );
    assert_eq!(
        setxattr(&uctx, &rootfile, b"user.a", b"2", 0).err(),
        Some(Errno::EACCES)
    );
    assert_eq!(
        removexattr(&uctx, &rootfile, b"user.a").err(),
        Some(Errno::EACCES)
    );
    assert!(setxattr(&uctx, &gw, b"user.a", b"2", 0).is_ok());
    assert_eq!(
        getxattr(&uctx, &rootfile, b"trusted.t").err(),
        Some(Errno::ENODATA)
    );
    assert_eq!(
        setxattr(&uctx, &gw, b"trusted.t", b"x", 0).err(),
        Some(Errno::EPERM)
    );
    assert_eq!(
        listxattr(&uctx, &rootfile).unwrap(),
        b"user.a\0",
        "trusted names hidden"
    );
    env.chmod("/rootfile", 0o000);
    assert_eq!(
        getxattr(&uctx, &rootfile, b"user.a").err(),
        Some(Errno::EACCES)
    );
    // Sticky directories: only the owner writes user attributes.
    let tmp = env.mkdir("/tmp", 0o777);
    env.chmod("/tmp", 0o1777);
    assert_eq!(
        setxattr(&uctx, &tmp, b"user.a", b"x", 0).err(),
        Some(Errno::EPERM)
    );
}

#[test]
fn xattr_store_accounting() {
    let mut m = XattrMap::default();
    m.set(b"user.a", b"12345", inode::XattrFlags::empty())
        .unwrap();
    m.set(b"user.a", b"1", inode::XattrFlags::empty()).unwrap();
    m.remove(b"user.a").unwrap();
    // Everything freed: a full-size store fits again.
    let big = vec![0u8; 60_000];
    for i in 0..17 {
        m.set(
            format!("user.{i}").as_bytes(),
            &big,
            inode::XattrFlags::empty(),
        )
        .unwrap();
    }
    assert_eq!(
        m.set(b"user.more", &big, inode::XattrFlags::empty()).err(),
        Some(Errno::ENOSPC)
    );
}

#[test]
fn file_capabilities_are_validated_and_removed_by_chown_and_writes() {
    let env = Env::new();
    let f = env.write("/f", b"x");
    let ctx = env.ctx();
    let caps: Vec<u8> = [0x0200_0001u32, 1 << 13, 0, 0, 0]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect();
    let name = fs::xattr::XATTR_NAME_CAPS;
    assert_eq!(
        fs::xattr::setxattr(&ctx, &f, name, b"junk", 0).err(),
        Some(Errno::EINVAL)
    );
    let u = user();
    assert_eq!(
        fs::xattr::setxattr(&env.ctx_as(&u), &f, name, &caps, 0).err(),
        Some(Errno::EPERM)
    );
    fs::xattr::setxattr(&ctx, &f, name, &caps, 0).unwrap();
    assert_eq!(f.inode.get_xattr(name).unwrap(), caps);
    fs::attr::chown(&ctx, &f, Some(5), None).unwrap();
    assert_eq!(
        f.inode.get_xattr(name).err(),
        Some(Errno::ENODATA),
        "chown removes them"
    );
    fs::xattr::setxattr(&ctx, &f, name, &caps, 0).unwrap();
    fs::attr::remove_privs(&f.inode, true).unwrap();
    assert_eq!(
        f.inode.get_xattr(name).err(),
        Some(Errno::ENODATA),
        "so does a write, even root's"
    );
}
