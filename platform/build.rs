//! Generates the 256 interrupt entry stubs (`trap_stubs.S`): each pushes a
//! zero error code where the CPU does not push one, then its vector number,
//! and jumps to `trap_common` (in `src/cpu/trap.S`).
use std::fmt::Write;

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
    println!("cargo:rerun-if-changed=build.rs");
}
