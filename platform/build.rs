//! Generates the 256 interrupt entry stubs (`trap_stubs.S`): each pushes a
//! zero error code where the CPU does not push one, then its vector number,
//! and jumps to `trap_common` (in `src/cpu/trap.S`). Builds the vDSO
//! (`vdso/`, its own crate and target directory) into `$OUT_DIR/vdso.so`
//! for `src/vdso.rs` to embed.
use std::fmt::Write;
use std::path::Path;
use std::process::Command;

/// Builds vdso/ as a position-independent shared object without
/// relocations (-Bsymbolic, local data found PC-relative).
fn build_vdso(out: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("vdso");
    let d = dir.display();
    let flags = [
        "-C".to_string(),
        "relocation-model=pic".to_string(),
        "-C".to_string(),
        "link-arg=-shared".to_string(),
        "-C".to_string(),
        "link-arg=-Bsymbolic".to_string(),
        "-C".to_string(),
        format!("link-arg=-T{d}/vdso.lds"),
        "-C".to_string(),
        format!("link-arg=--version-script={d}/vdso.map"),
        "-C".to_string(),
        "link-arg=-soname=linux-vdso.so.1".to_string(),
        "-C".to_string(),
        "link-arg=--hash-style=both".to_string(),
        "-C".to_string(),
        "link-arg=--build-id=none".to_string(),
        "-C".to_string(),
        "link-arg=-znorelro".to_string(),
        "-C".to_string(),
        "link-arg=-zlazy".to_string(),
        "-C".to_string(),
        "link-arg=--no-pie".to_string(),
    ];
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = format!("{out}/vdso-target");
    let status = Command::new(cargo)
        .args(["build", "--release", "--target", "x86_64-unknown-none", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .args(["--target-dir", &target_dir])
        .env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .expect("running cargo for the vDSO");
    assert!(status.success(), "building the vDSO failed");
    std::fs::copy(format!("{target_dir}/x86_64-unknown-none/release/vdso"), format!("{out}/vdso.so")).expect("copying the vDSO");
    for f in ["src/main.rs", "src/vvar.rs", "vdso.lds", "vdso.map", "Cargo.toml"] {
        println!("cargo:rerun-if-changed={}", dir.join(f).display());
    }
}

fn main() {
    let has_error_code = |v: u32| matches!(v, 8 | 10..=14 | 17 | 21 | 29 | 30);
    let mut s = String::from(".section .text.trap_stubs, \"ax\"\n.code64\n");
    for v in 0..256u32 {
        writeln!(s, ".align 16\ntrap_stub_{v}:").unwrap();
        if !has_error_code(v) {
            writeln!(s, "    pushq $0").unwrap();
        }
        writeln!(s, "    pushq ${v}\n    jmp trap_common").unwrap();
    }
    s.push_str(".section .rodata.trap_stubs, \"a\"\n.align 8\n.global trap_stub_table\ntrap_stub_table:\n");
    for v in 0..256u32 {
        writeln!(s, "    .quad trap_stub_{v}").unwrap();
    }
    let out = std::env::var("OUT_DIR").unwrap();
    std::fs::write(format!("{out}/trap_stubs.S"), s).unwrap();
    build_vdso(&out);
    println!("cargo:rerun-if-changed=build.rs");
}
