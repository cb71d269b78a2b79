//! Everything the runner takes from the environment, read once in `main`
//! and passed down, so the library code never reads environment variables
//! itself (tests construct [`Settings`] directly).
//!
//! | variable           | effect                                                   |
//! |--------------------|----------------------------------------------------------|
//! | `V=1`              | print QEMU command lines; stream guest logs in `test`    |
//! | `ACCEL=tcg\|kvm`   | force the accelerator when `--accel` is `auto`           |
//! | `ARAMID_QEMU`      | the QEMU binary (default `qemu-system-x86_64`)           |
//! | `ARAMID_BUILD_DIR` | where logs and the probe cache go (default `build`)      |

use std::path::{Path, PathBuf};

/// The KVM device the probe opens.
pub const KVM_DEVICE: &str = "/dev/kvm";

#[derive(Debug, Clone)]
pub struct Settings {
    /// The QEMU binary to run.
    pub qemu: PathBuf,
    /// `V=1`: verbose output.
    pub verbose: bool,
    /// `ACCEL`, if set and non-empty.
    pub accel_env: Option<String>,
    /// The build directory (`build/` of the repository by default).
    pub build_dir: PathBuf,
    /// The KVM device to probe.
    pub kvm_device: PathBuf,
}

impl Settings {
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Settings {
            qemu: var("ARAMID_QEMU")
                .map_or_else(|| PathBuf::from("qemu-system-x86_64"), PathBuf::from),
            verbose: var("V").is_some_and(|v| v != "0"),
            accel_env: var("ACCEL"),
            build_dir: var("ARAMID_BUILD_DIR")
                .map_or_else(|| PathBuf::from("build"), PathBuf::from),
            kvm_device: PathBuf::from(KVM_DEVICE),
        }
    }

    /// Directory of the serial logs.
    pub fn log_dir(&self) -> PathBuf {
        self.build_dir.join("logs")
    }

    /// The accelerator probe's cache file.
    pub fn probe_cache(&self) -> PathBuf {
        self.build_dir.join("accel-probe")
    }
}

/// Checks that `path` names an existing file, with a readable error.
pub fn require_file(what: &str, path: &Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(format!("{what} {} is not a regular file", path.display())),
        Err(e) => Err(format!("{what} {}: {e}", path.display())),
    }
}
