//! Aramid's filesystems: the VFS and tmpfs, initramfs, procfs, sysfs, devfs,
//! devpts and cgroup2 (DESIGN.md §5). Pure logic, tested on the host.
//!
//! So far it holds the initramfs reader ([`cpio`]); the VFS arrives with the
//! files issue.
#![no_std]
#![forbid(unsafe_code)]

#[cfg(test)]
extern crate std;

pub mod cpio;
