//! Host-side tools for booting Aramid under QEMU.
//!
//! The `aramid-runner` binary (src/main.rs) is a thin argument parser over
//! these modules; they are a library so the integration tests in `tests/`
//! can drive the same code against a fake QEMU.
//!
//! | module        | owns                                                         |
//! |---------------|--------------------------------------------------------------|
//! | [`cpio`]      | the initramfs writer (cpio "newc")                           |
//! | [`status`]    | the kernel's isa-debug-exit status convention                |
//! | [`qemu`]      | the QEMU command line                                        |
//! | [`accel`]     | choosing TCG or KVM (probe, cache, timeout scaling)          |
//! | [`monitor`]   | running QEMU non-interactively: streaming, log, outcome      |
//! | [`symbolize`] | turning `bt: 0x...` frames into symbol names                 |
//! | [`suite`]     | the suite TOML schema and per-case marker checks             |
//! | [`runcmd`]    | the `run` subcommand                                         |
//! | [`testcmd`]   | the `test` subcommand (running a suite)                      |
//! | [`settings`]  | environment variables and the build directory layout         |

#![forbid(unsafe_code)]

pub mod accel;
pub mod bench;
pub mod cpio;
pub mod hostsuite;
pub mod monitor;
pub mod qemu;
pub mod qmp;
pub mod runcmd;
pub mod settings;
pub mod status;
pub mod suite;
pub mod symbolize;
pub mod testcmd;
