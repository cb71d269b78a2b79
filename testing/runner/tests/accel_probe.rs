//! The KVM probe against a fake QEMU and a fake `/dev/kvm` (a regular file):
//! KVM only when its probe boot succeeds and is not slower than TCG; the
//! verdict is cached per kernel build.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::{fixture, temp_dir};
use runner::accel::{choose, Accel, Probe, Request};

/// A probe of a kernel named `mode.elf` (the fake QEMU's behaviour).
fn probe(dir: &Path, mode: &str) -> Probe {
    let f = fixture();
    let kernel = dir.join(format!("{mode}.elf"));
    if !kernel.exists() {
        fs::write(&kernel, mode).unwrap();
    }
    let kvm = dir.join("kvm");
    fs::write(&kvm, b"").unwrap();
    Probe {
        qemu: f.qemu.clone(),
        kernel,
        initrd: None,
        kvm_device: kvm,
        cache: dir.join("build/accel-probe"),
        timeout: Duration::from_secs(1),
        log: Some(dir.join("build/logs/accel-probe.log")),
        verbose: false,
    }
}

fn touch(p: &PathBuf, secs: u64) {
    let f = fs::File::options().write(true).open(p).unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

#[test]
fn real_kvm_is_chosen_and_cached_per_kernel_build() {
    let dir = temp_dir("probe-kvm");
    let p = probe(&dir, "kvm-fast");
    let c = choose(Request::Auto, None, &p).unwrap();
    assert_eq!(c.accel, Accel::Kvm, "{}", c.reason);
    assert!(c.reason.starts_with("KVM probe booted in"), "{}", c.reason);
    assert!(fs::read_to_string(&p.cache).unwrap().contains("accel=kvm"));
    assert!(dir.join("build/logs/accel-probe-kvm.log").exists());

    let cached = choose(Request::Auto, None, &p).unwrap();
    assert_eq!(cached.accel, Accel::Kvm);
    assert!(cached.reason.contains("cached in"), "{}", cached.reason);

    // A rebuilt kernel is probed again.
    touch(&p.kernel, 1_000_000);
    let again = choose(Request::Auto, None, &p).unwrap();
    assert!(!again.reason.contains("cached"), "{}", again.reason);
}

#[test]
fn emulating_kvm_slower_than_tcg_is_not_chosen() {
    let dir = temp_dir("probe-emulating");
    let c = choose(Request::Auto, None, &probe(&dir, "emulating")).unwrap();
    assert_eq!(c.accel, Accel::Tcg);
    assert!(c.reason.contains("emulates"), "{}", c.reason);
}

#[test]
fn hanging_kvm_probe_times_out_to_tcg() {
    let dir = temp_dir("probe-hang");
    let c = choose(Request::Auto, None, &probe(&dir, "kvm-hangs")).unwrap();
    assert_eq!(c.accel, Accel::Tcg);
    assert!(c.reason.contains("no result within 1.0 s"), "{}", c.reason);
}

#[test]
fn probe_without_the_marker_fails() {
    let dir = temp_dir("probe-silent");
    let c = choose(Request::Auto, None, &probe(&dir, "silent")).unwrap();
    assert_eq!(c.accel, Accel::Tcg);
    assert!(c.reason.contains("no \"CPUs online\" line"), "{}", c.reason);
}

#[test]
fn overrides_skip_the_probe() {
    let dir = temp_dir("probe-override");
    let p = probe(&dir, "kvm-hangs");
    assert_eq!(
        choose(Request::Auto, Some("tcg"), &p).unwrap().reason,
        "ACCEL=tcg"
    );
    assert_eq!(
        choose(Request::Kvm, None, &p).unwrap().reason,
        "--accel kvm"
    );
    assert!(!p.cache.exists());
}
