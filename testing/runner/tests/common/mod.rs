//! Shared fixtures of the integration tests: temporary directories and a
//! fake `qemu-system-x86_64` (a shell script) whose behaviour is chosen by
//! the `aramid.test=` word of its `-append` argument and by `-accel`.
//!
//! Every test calls [`fixture`] before starting any process, so the scripts
//! are written (once per test binary) before anything forks; that avoids
//! "text file busy" when a script is executed.

#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// A fresh, empty temporary directory.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let p = std::env::temp_dir().join(format!(
        "aramid-runner-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&p);
    fs::create_dir_all(&p).unwrap();
    p
}

const FAKE_QEMU: &str = r#"#!/bin/sh
# A stand-in for qemu-system-x86_64 used by the runner's tests.
smp=1; append=""; accel=tcg; kernel=""
while [ $# -gt 0 ]; do
  case "$1" in
    -smp) smp=$2; shift ;;
    -append) append=$2; shift ;;
    -accel) accel=$2; shift ;;
    -kernel) kernel=$2; shift ;;
  esac
  shift
done
case "$append" in
  *aramid.test=boot*)
    echo "SeaBIOS (version fake)"
    printf 'Booting from ROM..aramid: %s CPUs online\r\n' "$smp"
    echo "selftest: all passed"
    exit 1 ;;
  *aramid.test=missing*)
    echo "aramid: $smp CPUs online"
    echo "selftest: 1 failed"
    exit 1 ;;
  *aramid.test=exit3*)
    echo "init: exiting with 3"
    exit 7 ;;
  *aramid.test=panic-exit*)
    echo "aramid: kernel panic at mm/fault.rs:10: page fault at 0x0"
    echo "  0: bt: 0x1010"
    echo "  1: bt: 0x2004"
    exit 255 ;;
  *aramid.test=panic-hang*)
    echo "aramid: kernel panic at sched.rs:1: oops"
    echo "  0: bt: 0x1010"
    echo "report continues"
    exec sleep 100 ;;
  *aramid.test=hang-orphan*)
    echo "hanging with a child holding the pipe"
    sleep 5 ;;
  *aramid.test=hang*)
    echo "hanging now"
    printf 'partial line without newline'
    exec sleep 100 ;;
  *aramid.test=halt*)
    echo "reboot: System halted"
    exec sleep 100 ;;
  *aramid.test=poweroff*)
    echo "reboot: Power down"
    exit 0 ;;
  *aramid.test=qemu-error*)
    echo "qemu-system-x86_64: -accel kvm: failed to initialize kvm: No such file or directory" >&2
    exit 1 ;;
  *aramid.test=warn*)
    echo "qemu-system-x86_64: warning: TCG doesn't support requested feature" >&2
    echo "aramid: $smp CPUs online"
    echo "WARN: something odd"
    exit 1 ;;
  *aramid.test=probe*)
    # The probe's behaviour is chosen by the kernel's file name.
    case "$(basename "$kernel" .elf):$accel" in
      kvm-fast:tcg|emulating:kvm) sleep 0.6 ;;
      kvm-hangs:kvm) exec sleep 100 ;;
      silent:kvm) exit 1 ;;
    esac
    echo "aramid: $smp CPUs online"
    exit 1 ;;
  *)
    echo "fake qemu: unknown test '$append'" >&2
    exit 2 ;;
esac
"#;

pub struct Fixture {
    pub dir: PathBuf,
    /// The fake QEMU.
    pub qemu: PathBuf,
    /// A file that is not an ELF, used as a kernel.
    pub kernel: PathBuf,
}

/// Writes the fake QEMU once per test binary.
pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = temp_dir("fixture");
        let qemu = dir.join("fake-qemu");
        fs::write(&qemu, FAKE_QEMU).unwrap();
        fs::set_permissions(&qemu, fs::Permissions::from_mode(0o755)).unwrap();
        let kernel = dir.join("kernel.elf");
        fs::write(&kernel, b"not really a kernel").unwrap();
        Fixture { dir, qemu, kernel }
    })
}

/// Reads a file to a string, panicking with its name.
pub fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}
