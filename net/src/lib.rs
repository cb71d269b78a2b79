//! Sockets: AF_UNIX stream/dgram/seqpacket and AF_NETLINK (DESIGN.md §6).
//!
//! Empty until the sockets issue; the crate exists so the workspace has the
//! layout DESIGN.md describes.
#![no_std]
#![forbid(unsafe_code)]
