//! Choosing the accelerator: TCG or KVM.
//!
//! KVM is never chosen just because `/dev/kvm` exists: on the development
//! machines it is a nested PVM hypervisor that runs a standard kernel ~100x
//! slower than TCG and fails on `cmpxchg16b`/`xrstor`. So `auto` boots the
//! kernel under KVM (`-cpu host`) with `aramid.test=probe` — the kernel then
//! prints `aramid: N CPUs online` and exits with status 0 — and picks KVM
//! only if that succeeds within [`PROBE_TIMEOUT`] and is not slower than
//! the same probe under TCG (a trivial PVH kernel boots correctly under that
//! nested PVM, just ten times slower than TCG). The verdict is cached in
//! `build/accel-probe`, keyed by the kernel's path, size and mtime and the
//! QEMU binary, so it is probed once per kernel build.
//!
//! Precedence: an explicit `--accel tcg|kvm`, then `ACCEL=tcg|kvm`, then the
//! probe. Time-outs are written for TCG and scaled by [`Accel::scale_timeout`].

use std::fmt;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::monitor::{self, Echo, Options, Outcome};
use crate::qemu::{Console, QemuConfig};

/// How long the KVM probe may take.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);
/// The line the probe must print.
pub const PROBE_MARKER: &str = "CPUs online";
/// CPUs the probe boots with (SMP bring-up is where hypervisors break).
pub const PROBE_SMP: u32 = 2;
/// KVM time-outs are the TCG ones divided by this...
pub const KVM_TIMEOUT_DIVISOR: u32 = 4;
/// ...but not below this (nor above the TCG time-out).
pub const KVM_TIMEOUT_FLOOR: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accel {
    Tcg,
    Kvm,
}

impl Accel {
    pub fn name(self) -> &'static str {
        match self {
            Accel::Tcg => "tcg",
            Accel::Kvm => "kvm",
        }
    }

    /// `-accel tcg -cpu max` or `-accel kvm -cpu host`.
    pub fn qemu_args(self) -> [&'static str; 4] {
        match self {
            Accel::Tcg => ["-accel", "tcg", "-cpu", "max"],
            Accel::Kvm => ["-accel", "kvm", "-cpu", "host"],
        }
    }

    /// Scales a time-out written for TCG to this accelerator.
    pub fn scale_timeout(self, tcg: Duration) -> Duration {
        match self {
            Accel::Tcg => tcg,
            Accel::Kvm => (tcg / KVM_TIMEOUT_DIVISOR).max(KVM_TIMEOUT_FLOOR.min(tcg)),
        }
    }
}

impl fmt::Display for Accel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    Auto,
    Tcg,
    Kvm,
}

impl Request {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(Request::Auto),
            "tcg" => Ok(Request::Tcg),
            "kvm" => Ok(Request::Kvm),
            other => Err(format!(
                "unknown accelerator {other:?} (expected auto, tcg or kvm)"
            )),
        }
    }
}

/// The chosen accelerator and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub accel: Accel,
    pub reason: String,
}

impl Choice {
    /// The one line printed before booting.
    pub fn line(&self) -> String {
        format!("runner: accelerator {} ({})", self.accel, self.reason)
    }
}

/// What the probe needs.
#[derive(Debug, Clone)]
pub struct Probe {
    pub qemu: PathBuf,
    pub kernel: PathBuf,
    pub initrd: Option<PathBuf>,
    pub kvm_device: PathBuf,
    pub cache: PathBuf,
    pub timeout: Duration,
    /// Serial log of the probe boot.
    pub log: Option<PathBuf>,
    /// Print the probe's QEMU command line (`V=1`).
    pub verbose: bool,
}

/// Picks the accelerator: explicit request, then `env` (the `ACCEL`
/// variable), then the (cached) probe.
pub fn choose(request: Request, env: Option<&str>, probe: &Probe) -> Result<Choice, String> {
    match request {
        Request::Tcg => {
            return Ok(Choice {
                accel: Accel::Tcg,
                reason: "--accel tcg".into(),
            })
        }
        Request::Kvm => {
            return Ok(Choice {
                accel: Accel::Kvm,
                reason: "--accel kvm".into(),
            })
        }
        Request::Auto => {}
    }
    if let Some(env) = env {
        match Request::parse(env).map_err(|e| format!("ACCEL: {e}"))? {
            Request::Tcg => {
                return Ok(Choice {
                    accel: Accel::Tcg,
                    reason: "ACCEL=tcg".into(),
                })
            }
            Request::Kvm => {
                return Ok(Choice {
                    accel: Accel::Kvm,
                    reason: "ACCEL=kvm".into(),
                })
            }
            Request::Auto => {}
        }
    }
    Ok(probe_kvm(probe))
}

/// The cache key: everything that, when changed, calls for a new probe.
fn cache_key(probe: &Probe) -> Option<String> {
    let meta = fs::metadata(&probe.kernel).ok()?;
    let kernel = fs::canonicalize(&probe.kernel).unwrap_or_else(|_| probe.kernel.clone());
    Some(format!(
        "kernel={}\nsize={}\nmtime={}.{:09}\nqemu={}\n",
        kernel.display(),
        meta.len(),
        meta.mtime(),
        meta.mtime_nsec(),
        probe.qemu.display()
    ))
}

/// Reads a cached verdict for `key`.
fn read_cache(path: &Path, key: &str) -> Option<Choice> {
    let text = fs::read_to_string(path).ok()?;
    let rest = text.strip_prefix(key)?;
    let mut accel = None;
    let mut reason = String::new();
    for line in rest.lines() {
        if let Some(v) = line.strip_prefix("accel=") {
            accel = match v {
                "kvm" => Some(Accel::Kvm),
                "tcg" => Some(Accel::Tcg),
                _ => None,
            };
        } else if let Some(v) = line.strip_prefix("reason=") {
            reason = v.to_string();
        }
    }
    Some(Choice {
        accel: accel?,
        reason,
    })
}

fn write_cache(path: &Path, key: &str, choice: &Choice) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension("tmp");
    let text = format!(
        "{key}accel={}\nreason={}\n",
        choice.accel,
        choice.reason.replace('\n', " ")
    );
    fs::write(&tmp, text).map_err(|e| format!("{}: {e}", tmp.display()))?;
    fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The probe itself (or its cached verdict).
pub fn probe_kvm(probe: &Probe) -> Choice {
    let tcg = |reason: String| Choice {
        accel: Accel::Tcg,
        reason,
    };
    if let Err(e) = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&probe.kvm_device)
    {
        return tcg(format!("{} not usable: {e}", probe.kvm_device.display()));
    }
    let key = cache_key(probe);
    if let Some(key) = &key {
        if let Some(mut cached) = read_cache(&probe.cache, key) {
            cached.reason = format!("{}; cached in {}", cached.reason, probe.cache.display());
            return cached;
        }
    }
    let choice = run_probe(probe);
    if let Some(key) = &key {
        if let Err(e) = write_cache(&probe.cache, key, &choice) {
            eprintln!("runner: cannot cache the accelerator probe: {e}");
        }
    }
    choice
}

/// One probe boot under `accel`: `Ok(boot time)` when the kernel printed
/// the marker and exited with success in time, else why not.
fn probe_boot(probe: &Probe, accel: Accel) -> Result<Duration, String> {
    let mut cfg = QemuConfig::new(&probe.qemu, &probe.kernel);
    cfg.initrd = probe.initrd.clone();
    cfg.append = "aramid.test=probe".into();
    cfg.smp = PROBE_SMP;
    cfg.accel = accel;
    cfg.console = Console::Pipe;
    if probe.verbose {
        eprintln!("+ {}", cfg.shell_line());
    }
    let log = probe.log.as_ref().map(|l| {
        let mut name = l.file_stem().unwrap_or_default().to_os_string();
        name.push(format!("-{accel}.log"));
        l.with_file_name(name)
    });
    let opts = Options {
        timeout: Some(probe.timeout),
        log,
        echo: Echo::Quiet,
        panic_grace: Duration::from_millis(200),
        ..Options::default()
    };
    let mut online = false;
    let report = monitor::run(&mut cfg.command(), &opts, &mut |l| {
        if l.source == monitor::Source::Serial && l.text.contains(PROBE_MARKER) {
            online = true;
        }
    })?;
    match report.outcome {
        Outcome::Success if online => Ok(report.elapsed),
        Outcome::Success => Err(format!("no \"{PROBE_MARKER}\" line")),
        Outcome::TimedOut => Err(format!("no result within {}", secs(probe.timeout))),
        other => Err(other.to_string()),
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Boots the probe under KVM and, if that works, under TCG too: KVM is
/// chosen only when it is not slower than TCG, since an emulating
/// hypervisor (nested PVM) can boot a small kernel correctly yet slowly.
fn run_probe(probe: &Probe) -> Choice {
    let kvm = match probe_boot(probe, Accel::Kvm) {
        Ok(t) => t,
        Err(why) => {
            return Choice {
                accel: Accel::Tcg,
                reason: format!("KVM probe failed: {why}"),
            }
        }
    };
    match probe_boot(probe, Accel::Tcg) {
        Ok(tcg) if tcg < kvm => Choice {
            accel: Accel::Tcg,
            reason: format!(
                "KVM probe booted in {} but TCG in {}: this KVM emulates rather than virtualizes",
                secs(kvm),
                secs(tcg)
            ),
        },
        Ok(tcg) => Choice {
            accel: Accel::Kvm,
            reason: format!("KVM probe booted in {}, TCG in {}", secs(kvm), secs(tcg)),
        },
        Err(why) => Choice {
            accel: Accel::Kvm,
            reason: format!("KVM probe booted in {}; TCG probe failed: {why}", secs(kvm)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_scale() {
        let s = Duration::from_secs;
        assert_eq!(Accel::Tcg.scale_timeout(s(60)), s(60));
        assert_eq!(Accel::Kvm.scale_timeout(s(60)), s(15));
        assert_eq!(Accel::Kvm.scale_timeout(s(12)), s(5));
        assert_eq!(Accel::Kvm.scale_timeout(s(2)), s(2));
    }

    #[test]
    fn requests_parse() {
        assert_eq!(Request::parse("auto").unwrap(), Request::Auto);
        assert_eq!(Request::parse("TCG").unwrap(), Request::Tcg);
        assert_eq!(Request::parse("kvm").unwrap(), Request::Kvm);
        assert!(Request::parse("hvf").is_err());
    }

    fn probe_without_kvm() -> Probe {
        Probe {
            qemu: "/nonexistent/qemu".into(),
            kernel: "/nonexistent/kernel".into(),
            initrd: None,
            kvm_device: "/nonexistent/kvm".into(),
            cache: "/nonexistent/cache".into(),
            timeout: Duration::from_secs(1),
            log: None,
            verbose: false,
        }
    }

    #[test]
    fn explicit_requests_and_env_skip_the_probe() {
        let p = probe_without_kvm();
        assert_eq!(
            choose(Request::Kvm, Some("tcg"), &p).unwrap().accel,
            Accel::Kvm
        );
        assert_eq!(choose(Request::Tcg, None, &p).unwrap().accel, Accel::Tcg);
        let c = choose(Request::Auto, Some("kvm"), &p).unwrap();
        assert_eq!((c.accel, c.reason.as_str()), (Accel::Kvm, "ACCEL=kvm"));
        assert!(choose(Request::Auto, Some("xen"), &p).is_err());
    }

    #[test]
    fn no_device_means_tcg() {
        let c = choose(Request::Auto, None, &probe_without_kvm()).unwrap();
        assert_eq!(c.accel, Accel::Tcg);
        assert!(
            c.reason.contains("/nonexistent/kvm not usable"),
            "{}",
            c.reason
        );
        assert!(c.line().starts_with("runner: accelerator tcg ("));
    }
}
