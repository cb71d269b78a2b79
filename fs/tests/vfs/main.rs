//! Host tests of the VFS and tmpfs, one module per area. Expected errnos
//! are Linux's (checked against a tmpfs on a Linux 6.x host where noted).

mod common;

mod concurrency;
mod dirs;
mod initramfs;
mod locks;
mod mounts;
mod namespace_ops;
mod open;
mod path_walk;
mod perms;
mod rename;
mod synthetic;
mod tmpfs_data;
mod tmpfs_pages;
mod xattrs;

/// The kernel shares these between CPUs.
#[test]
fn shared_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<fs::Vfs>();
    check::<fs::PathLoc>();
    check::<fs::InodeRef>();
    check::<fs::Tmpfs>();
    check::<fs::FileLocks>();
    check::<std::sync::Arc<fs::Mount>>();
}

#[test]
fn errno_values_and_names() {
    use fs::Errno;
    assert_eq!(Errno::ENOENT.0, 2);
    assert_eq!(Errno::ENOTEMPTY.0, 39);
    assert_eq!(Errno::EOPNOTSUPP.0, 95);
    assert_eq!(Errno::EWOULDBLOCK, Errno::EAGAIN);
    assert_eq!(format!("{:?}", Errno::ELOOP), "ELOOP");
    assert_eq!(format!("{:?}", Errno(4242)), "Errno(4242)");
    assert_eq!(Errno::ENODATA.name(), Some("ENODATA"));
}
