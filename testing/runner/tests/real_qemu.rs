//! The runner against the real `qemu-system-x86_64` (TCG), booting tiny PVH
//! stub kernels assembled here with binutils: they print a message on the
//! serial port and write a value to `isa-debug-exit` (or halt forever).
//! Checks the command line's shape, serial capture, the exit-status
//! convention end to end and symbolization from a real ELF.
//! Skipped (with a note) when QEMU or binutils are not installed.

mod common;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{fixture, temp_dir};
use runner::monitor::{self, Options, Outcome, RunReport};
use runner::qemu::QemuConfig;
use runner::symbolize::SymbolTable;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn tools() -> bool {
    fixture();
    let ok = have("qemu-system-x86_64") && have("as") && have("ld");
    if !ok {
        eprintln!("qemu-system-x86_64 or binutils missing: skipping the real-QEMU tests");
    }
    ok
}

/// Assembles a PVH kernel that prints `msg` on COM1 and then writes `exit`
/// to the debug-exit port, or halts forever when `exit` is `None`.
fn stub_kernel(dir: &Path, msg: &str, exit: Option<u8>) -> PathBuf {
    let mut bytes = String::new();
    for b in msg.bytes().chain([0]) {
        let _ = write!(bytes, "{b},");
    }
    let exit_code = match exit {
        Some(v) => format!("mov ${v}, %al\n    mov $0xf4, %dx\n    out %al, %dx"),
        None => String::new(),
    };
    let asm = format!(
        r#"
    .section .note.Xen, "a", @note
    .balign 4
    .long 4, 8, 18          # namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .balign 4
    .quad _start

    .text
    .code32
    .globl _start
    .type _start, @function
_start:
    mov $msg, %esi
1:  lodsb
    test %al, %al
    jz 2f
    mov $0x3f8, %dx
    out %al, %dx
    jmp 1b
2:  {exit_code}
3:  hlt
    jmp 3b
    .size _start, . - _start
msg: .byte {bytes}
"#,
        bytes = bytes.trim_end_matches(',')
    );
    let script = "ENTRY(_start)\nPHDRS { text PT_LOAD; note PT_NOTE; }\n\
                  SECTIONS { . = 0x100000; .text : { *(.text) } :text .note : { *(.note.Xen) } :text :note }\n";
    fs::write(dir.join("k.s"), asm).unwrap();
    fs::write(dir.join("k.ld"), script).unwrap();
    let run = |cmd: &mut Command| {
        let out = cmd.current_dir(dir).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(Command::new("as").args(["--64", "-o", "k.o", "k.s"]));
    run(Command::new("ld").args(["-m", "elf_x86_64", "-T", "k.ld", "-o", "k.elf", "k.o"]));
    dir.join("k.elf")
}

fn boot(kernel: &Path, smp: u32, timeout: Duration) -> (RunReport, Vec<String>) {
    let symbols = SymbolTable::from_elf_file(kernel).unwrap();
    let mut cfg = QemuConfig::new("qemu-system-x86_64", kernel);
    cfg.smp = smp;
    cfg.append = "aramid.test=stub".into();
    let opts = Options {
        timeout: Some(timeout),
        symbols: Some(&symbols),
        ..Options::default()
    };
    let mut lines = Vec::new();
    let r = monitor::run(&mut cfg.command(), &opts, &mut |l| {
        lines.push(l.text.clone())
    })
    .unwrap();
    (r, lines)
}

#[test]
fn success_with_symbolized_backtrace() {
    if !tools() {
        return;
    }
    let dir = temp_dir("real-success");
    let k = stub_kernel(&dir, "aramid: 2 CPUs online\n  0: bt: 0x100004\n", Some(0));
    let (r, lines) = boot(&k, 2, Duration::from_secs(60));
    assert_eq!(r.outcome, Outcome::Success, "{lines:?} {:?}", r.qemu_stderr);
    assert_eq!(r.raw_status, Ok(1));
    assert!(
        lines.iter().any(|l| l.ends_with("aramid: 2 CPUs online")),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"  0: bt: 0x100004 <_start+0x4>".to_string()),
        "{lines:?}"
    );
}

#[test]
fn init_exit_status_and_panic_value() {
    if !tools() {
        return;
    }
    let dir = temp_dir("real-exit");
    let k = stub_kernel(&dir, "init exited\n", Some(3));
    assert_eq!(
        boot(&k, 1, Duration::from_secs(60)).0.outcome,
        Outcome::Exit(3)
    );
    let dir = temp_dir("real-panic-value");
    let k = stub_kernel(&dir, "no panic line, just the value\n", Some(0x7f));
    let (r, _) = boot(&k, 1, Duration::from_secs(60));
    assert_eq!((r.outcome, r.raw_status), (Outcome::Panic, Ok(0xff)));
}

#[test]
fn panic_line_and_hang() {
    if !tools() {
        return;
    }
    let dir = temp_dir("real-panic-line");
    let k = stub_kernel(&dir, "aramid: kernel panic at stub\n", None);
    let (r, _) = boot(&k, 1, Duration::from_secs(60));
    assert_eq!(r.outcome, Outcome::Panic);
    assert!(r
        .panic_line
        .unwrap()
        .ends_with("aramid: kernel panic at stub"));
    let dir = temp_dir("real-hang");
    let k = stub_kernel(&dir, "hanging\n", None);
    let (r, lines) = boot(&k, 1, Duration::from_secs(2));
    assert_eq!(r.outcome, Outcome::TimedOut);
    assert!(lines.iter().any(|l| l.ends_with("hanging")), "{lines:?}");
}
