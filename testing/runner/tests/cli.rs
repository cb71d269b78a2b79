//! The `aramid-runner` binary end to end, with `ARAMID_QEMU` pointing at a
//! fake QEMU: `test` (PASS/FAIL/TIME lines, the closing line, logs, exit
//! status), `run` (exit statuses), `cpio`, `symbolize` and usage errors.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{fixture, read, temp_dir};

fn runner(build: &Path) -> Command {
    let f = fixture();
    let mut c = Command::new(env!("CARGO_BIN_EXE_aramid-runner"));
    c.env("ARAMID_QEMU", &f.qemu)
        .env("ARAMID_BUILD_DIR", build)
        .env_remove("V")
        .env_remove("ACCEL");
    c.stdin(Stdio::null());
    c
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const SUITE: &str = r#"
[[case]]
name = "boot"
append = "aramid.test=boot"
expect = ["aramid: {smp} CPUs online", "selftest: all passed"]
forbid = ["WARN"]
timing = ["aramid: {smp} CPUs online", "never printed"]

[[case]]
name = "missing"
append = "aramid.test=missing"
smp = [1]
expect = ["aramid: {smp} CPUs online", "selftest: all passed"]

[[case]]
name = "page-fault"
append = "aramid.test=panic-exit"
smp = [1]
expect = ["page fault"]
outcome = "panic"

[[case]]
name = "hang"
append = "aramid.test=hang"
smp = [4]
expect = ["hanging now"]
outcome = "timeout"
timeout = 1

[[case]]
name = "init-exit"
append = "aramid.test=exit3"
smp = [1]
outcome = "exit:3"

[[case]]
name = "surprise-panic"
append = "aramid.test=panic-exit"
smp = [1]
"#;

#[test]
fn test_subcommand_reports_each_boot_and_the_totals() {
    let f = fixture();
    let dir = temp_dir("cli-test");
    let suite = dir.join("smoke.toml");
    fs::write(&suite, SUITE).unwrap();
    let build = dir.join("build");
    let out = runner(&build)
        .args(["test", "--accel", "tcg", "--suite"])
        .arg(&suite)
        .arg("--kernel")
        .arg(&f.kernel)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    let has_prefix = |p: &str| lines.iter().any(|l| l.starts_with(p));
    assert_eq!(lines[0], "runner: accelerator tcg (--accel tcg)");
    assert!(has_prefix("PASS boot smp=1 ("), "{stdout}");
    assert!(has_prefix("PASS boot smp=4 ("), "{stdout}");
    assert!(
        has_prefix("TIME boot smp=4 \"aramid: 4 CPUs online\" 0."),
        "{stdout}"
    );
    assert!(
        lines.contains(&"TIME boot smp=1 \"never printed\" not seen"),
        "{stdout}"
    );
    assert!(
        lines.contains(&"FAIL missing smp=1: missing marker \"selftest: all passed\""),
        "{stdout}"
    );
    assert!(lines.contains(&"  | selftest: 1 failed"), "{stdout}");
    assert!(has_prefix("PASS page-fault smp=1 ("), "{stdout}");
    assert!(has_prefix("PASS hang smp=4 ("), "{stdout}");
    assert!(has_prefix("PASS init-exit smp=1 ("), "{stdout}");
    assert!(
        lines.contains(
            &"FAIL surprise-panic smp=1: unexpected panic: aramid: kernel panic at mm/fault.rs:10: page fault at 0x0"
        ),
        "{stdout}"
    );
    assert_eq!(*lines.last().unwrap(), "5 passed, 2 failed");
    // Guest logs are not streamed without V=1.
    assert!(!stdout.contains("SeaBIOS"), "{stdout}");
    assert!(read(&build.join("logs/boot-smp4.log")).contains("aramid: 4 CPUs online"));
    assert!(read(&build.join("logs/hang-smp4.log")).contains("hanging now"));
}

#[test]
fn test_subcommand_filters_and_verbose_streaming() {
    let f = fixture();
    let dir = temp_dir("cli-only");
    let suite = dir.join("smoke.toml");
    fs::write(&suite, SUITE).unwrap();
    let out = runner(&dir.join("build"))
        .env("V", "1")
        .env("ACCEL", "tcg")
        .args(["test", "--only", "boot", "--smp", "4", "--suite"])
        .arg(&suite)
        .arg("--kernel")
        .arg(&f.kernel)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("runner: accelerator tcg (ACCEL=tcg)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("+ {} -kernel ", f.qemu.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains("'console=ttyS0 aramid.test=boot' -smp 4 -m 1G -nographic -no-reboot"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[boot smp=4] selftest: all passed"),
        "{stdout}"
    );
    assert!(!stdout.contains("smp=1"), "{stdout}");
    assert!(stdout.ends_with("1 passed, 0 failed\n"), "{stdout}");

    let out = runner(&dir.join("build"))
        .args(["test", "--accel", "tcg", "--only", "nope", "--suite"])
        .arg(&suite)
        .arg("--kernel")
        .arg(&f.kernel)
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("--only nope: no such case"), "{stderr}");
}

#[test]
fn run_subcommand_exit_statuses() {
    let f = fixture();
    let dir = temp_dir("cli-run");
    let build = dir.join("build");
    let run = |append: &str, extra: &[&str]| {
        let out = runner(&build)
            .args(["run", "--accel", "tcg", "--kernel"])
            .arg(&f.kernel)
            .args(["--append", append])
            .args(extra)
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        (out.status.code(), stdout, stderr)
    };
    let (code, stdout, stderr) = run("aramid.test=boot", &["--smp", "2"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("aramid: 2 CPUs online"));
    assert!(stderr.contains("runner: success after"), "{stderr}");
    assert!(read(&build.join("logs/run.log")).contains("selftest: all passed"));

    assert_eq!(run("aramid.test=exit3", &[]).0, Some(3));
    assert_eq!(run("aramid.test=poweroff", &[]).0, Some(0));
    assert_eq!(run("aramid.test=panic-exit", &[]).0, Some(127));
    let log = dir.join("custom.log");
    let (code, _, stderr) = run(
        "aramid.test=hang",
        &["--timeout", "1", "--log", log.to_str().unwrap()],
    );
    assert_eq!(code, Some(126));
    assert!(stderr.contains("timed out after 1 s"), "{stderr}");
    assert!(stderr.contains("  | hanging now"), "{stderr}");
    assert!(read(&log).contains("hanging now"));
}

#[test]
fn usage_errors_exit_2() {
    let dir = temp_dir("cli-usage");
    let build = dir.join("build");
    let code = |args: &[&str]| runner(&build).args(args).output().unwrap().status.code();
    assert_eq!(code(&[]), Some(2));
    assert_eq!(code(&["frobnicate"]), Some(2));
    assert_eq!(code(&["run"]), Some(2));
    assert_eq!(code(&["run", "--kernel", "k", "--smp", "0"]), Some(2));
    assert_eq!(code(&["run", "--kernel", "k", "--mem", "lots"]), Some(2));
    assert_eq!(code(&["run", "--kernel", "k", "--accel", "xen"]), Some(2));
    assert_eq!(
        code(&["cpio", "--out", "x", "--file", "no-equals-sign"]),
        Some(2)
    );
    assert_eq!(code(&["cpio", "--bogus"]), Some(2));
    assert_eq!(code(&["--help"]), Some(0));
    // A missing kernel is a failure, not a usage error.
    assert_eq!(
        code(&["run", "--kernel", "/nonexistent/k.elf", "--accel", "tcg"]),
        Some(1)
    );
}

#[test]
fn cpio_subcommand_packs_dirs_and_files() {
    fixture();
    let dir = temp_dir("cli-cpio");
    let tree = dir.join("tree");
    fs::create_dir_all(tree.join("etc")).unwrap();
    fs::write(tree.join("etc/motd"), b"hello\n").unwrap();
    let init = dir.join("init.sh");
    fs::write(&init, b"#!/bin/sh\n").unwrap();
    let out_file = dir.join("out/initrd.cpio");
    let out = runner(&dir.join("build"))
        .args(["cpio", "--out"])
        .arg(&out_file)
        .arg("--dir")
        .arg(&tree)
        .arg(format!("--file=sbin/init={}", init.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    let data = fs::read(&out_file).unwrap();
    assert!(data.starts_with(b"070701"));
    assert_eq!(data.len() % 512, 0);
    if let Ok(list) = Command::new("cpio")
        .args(["-t", "--quiet", "-F"])
        .arg(&out_file)
        .output()
    {
        assert_eq!(
            String::from_utf8_lossy(&list.stdout),
            "etc\netc/motd\nsbin\nsbin/init\n"
        );
    }
}

#[test]
fn cpio_subcommand_prepends_and_compresses() {
    fixture();
    let dir = temp_dir("cli-cpio-compress");
    let early = dir.join("early.cpio");
    fs::write(dir.join("a"), b"a\n").unwrap();
    let run = |args: &[String]| {
        let out = runner(&dir.join("build")).arg("cpio").args(args).output().unwrap();
        assert!(out.status.success(), "{:?}", text(&out));
    };
    let s = |p: &std::path::Path| p.display().to_string();
    run(&["--out".into(), s(&early), format!("--file=a={}", s(&dir.join("a")))]);
    let plain = fs::read(&early).unwrap();
    for (method, magic, tool) in [("gzip", &[0x1f, 0x8b][..], "gzip"), ("zstd", &[0x28, 0xb5, 0x2f, 0xfd][..], "zstd")] {
        let img = dir.join(format!("{method}.img"));
        run(&[
            "--out".into(),
            s(&img),
            "--prepend".into(),
            s(&early),
            "--compress".into(),
            method.into(),
            format!("--file=b={}", s(&dir.join("a"))),
        ]);
        let data = fs::read(&img).unwrap();
        assert!(data.starts_with(&plain), "{method}: the early archive first");
        assert!(data[plain.len()..].starts_with(magic), "{method}: then compressed data");
        let mut child = Command::new(tool)
            .args(["-d", "-c"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&data[plain.len()..]).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.stdout.starts_with(b"070701") && out.stdout.len().is_multiple_of(512), "{method}");
    }
    let out = runner(&dir.join("build"))
        .args(["cpio", "--out", "x", "--compress", "xz"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "unknown method: usage error");
}

#[test]
fn symbolize_subcommand_uses_the_elf_symbol_table() {
    fixture();
    // The runner binary itself is an ELF with symbols.
    let exe = Path::new(env!("CARGO_BIN_EXE_aramid-runner"));
    let table = runner::symbolize::SymbolTable::from_elf_file(exe).unwrap();
    let data = fs::read(exe).unwrap();
    let addr = {
        use object::{Object, ObjectSymbol, SymbolKind};
        let file = object::File::parse(&*data).unwrap();
        file.symbols()
            .find(|s| {
                s.kind() == SymbolKind::Text
                    && s.size() > 8
                    && s.name().is_ok_and(|n| n.contains("runner"))
            })
            .expect("a function of the runner in the symbol table")
            .address()
    };
    let described = table.describe(addr + 4).unwrap();
    assert!(described.ends_with("+0x4"), "{described}");
    let mut child = runner(Path::new("build"))
        .args(["symbolize", "--kernel"])
        .arg(exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "aramid: kernel panic").unwrap();
        writeln!(stdin, "  3: bt: {:#x}", addr + 4).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "aramid: kernel panic\n  3: bt: {:#x} <{described}>\n",
            addr + 4
        )
    );
}
