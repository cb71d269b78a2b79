//! `aramid-runner`: argument parsing and dispatch to the library's
//! subcommands. Usage errors exit with status 2.

#![forbid(unsafe_code)]

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use runner::accel::Request;
use runner::cpio::{Archive, Compression};
use runner::monitor::DEFAULT_PANIC_GRACE;
use runner::runcmd::{self, RunArgs};
use runner::settings::Settings;
use runner::symbolize::SymbolTable;
use runner::testcmd::{self, TestArgs};

const USAGE: &str = "\
aramid-runner: boot Aramid under QEMU and check what it prints

USAGE:
  aramid-runner cpio --out FILE.cpio [--dir DIR]... [--file ARCHIVE_PATH=HOST_PATH]... [--char PATH=MAJ:MIN]...
                    [--prepend IMAGE]... [--compress gzip|zstd]
  aramid-runner run --kernel ELF [--initrd FILE.cpio] [--append \"...\"] [--smp N] [--mem 1G]
                    [--accel auto|tcg|kvm] [--interactive] [--timeout SECS] [--log FILE] [--gdb]
  aramid-runner test --suite FILE.toml --kernel ELF [--initrd FILE.cpio] [--smp 1,4]
                     [--only NAME]... [--append \"...\"] [--mem 1G] [--accel auto|tcg|kvm]
  aramid-runner symbolize --kernel ELF < LOG
  aramid-runner host-suite --out FILE.toml --program ARCHIVE_PATH=HOST_PATH... [--timeout SECS]
  aramid-runner bench --kernel ELF --initrd FILE.cpio [--linux VMLINUX] [--bzimage BZIMAGE]
                      [--reps N] [--smp 1,4] [--quick] [--out DIR] [--mem 1G] [--accel ...]

cpio       write a cpio \"newc\" initramfs: --dir packs a host tree at the archive root,
           --file adds one file (or a tree) at ARCHIVE_PATH, --char a character device node;
           later entries replace earlier ones; --prepend copies earlier images (an early
           uncompressed archive, ...) before it, --compress compresses it with the host's tool
run        boot once; --interactive gives QEMU the terminal (Ctrl-A x quits) and exits with
           QEMU's status; otherwise stream the serial log and exit 0 (success/poweroff),
           N (init exited N), 126 (timed out / QEMU failed) or 127 (kernel panic).
           --timeout is in TCG seconds (default 300, 0 = none; scaled down under KVM).
           The log goes to build/logs/run.log unless --log is given.
test       run a suite of guest test cases (see testing/runner/src/suite.rs for the
           schema); prints PASS/FAIL per case and CPU count and 'N passed, M failed';
           exits 1 if any failed
symbolize  append <symbol+0xoff> to each 'bt: 0x...' line read from stdin

ENVIRONMENT:
  V=1               print QEMU command lines; stream guest logs during 'test'
  ACCEL=tcg|kvm     force the accelerator when --accel is auto (the default)
  ARAMID_QEMU       QEMU binary (default qemu-system-x86_64)
  ARAMID_BUILD_DIR  where logs/ and accel-probe go (default build)
";

/// A usage error (exit status 2) or a failure (exit status 1).
enum Error {
    Usage(String),
    Failed(String),
}

impl From<String> for Error {
    fn from(s: String) -> Self {
        Error::Failed(s)
    }
}

/// An option: its name without `--`, and whether it takes a value.
struct Opt(&'static str, bool);

/// Parsed options in command-line order.
struct Parsed(Vec<(&'static str, Option<String>)>);

impl Parsed {
    /// The last value of a single-valued option (later ones win).
    fn value(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    fn values(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| *n == name)
            .filter_map(|(_, v)| v.as_deref())
            .collect()
    }

    fn flag(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| *n == name)
    }

    fn required(&self, name: &str) -> Result<&str, Error> {
        self.value(name)
            .ok_or_else(|| Error::Usage(format!("--{name} is required")))
    }
}

/// Parses `--name value`, `--name=value` and `--flag`; nothing positional.
fn parse(args: &[String], spec: &[Opt]) -> Result<Parsed, Error> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let Some(body) = arg.strip_prefix("--") else {
            return Err(Error::Usage(format!("unexpected argument {arg:?}")));
        };
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let Some(opt) = spec.iter().find(|o| o.0 == name) else {
            return Err(Error::Usage(format!("unknown option --{name}")));
        };
        let value = match (opt.1, inline) {
            (true, Some(v)) => Some(v),
            (true, None) => Some(
                it.next()
                    .cloned()
                    .ok_or_else(|| Error::Usage(format!("--{name} needs a value")))?,
            ),
            (false, Some(_)) => return Err(Error::Usage(format!("--{name} takes no value"))),
            (false, None) => None,
        };
        out.push((opt.0, value));
    }
    Ok(Parsed(out))
}

fn parse_smp(s: &str) -> Result<u32, Error> {
    match s.trim().parse::<u32>() {
        Ok(n) if (1..=255).contains(&n) => Ok(n),
        _ => Err(Error::Usage(format!(
            "--smp {s:?}: expected a CPU count in 1..=255"
        ))),
    }
}

fn parse_mem(s: &str) -> Result<String, Error> {
    let digits = s.trim_end_matches(['K', 'M', 'G', 'T', 'k', 'm', 'g', 't']);
    if !digits.is_empty()
        && digits.len() + 1 >= s.len()
        && digits.chars().all(|c| c.is_ascii_digit())
    {
        Ok(s.to_string())
    } else {
        Err(Error::Usage(format!(
            "--mem {s:?}: expected a size such as 1G or 512M"
        )))
    }
}

fn parse_accel(p: &Parsed) -> Result<Request, Error> {
    p.value("accel").map_or(Ok(Request::Auto), |s| {
        Request::parse(s).map_err(Error::Usage)
    })
}

fn cmd_cpio(args: &[String]) -> Result<ExitCode, Error> {
    let p = parse(
        args,
        &[
            Opt("out", true),
            Opt("dir", true),
            Opt("file", true),
            Opt("char", true),
            Opt("prepend", true),
            Opt("compress", true),
        ],
    )?;
    let out = PathBuf::from(p.required("out")?);
    let compress = p.value("compress").map(Compression::parse).transpose().map_err(Error::Usage)?;
    let prepend: Vec<PathBuf> = p.values("prepend").into_iter().map(PathBuf::from).collect();
    let mut archive = Archive::new();
    // Sources are applied in command-line order, so later ones replace earlier ones.
    for (name, value) in &p.0 {
        let value = value.as_deref().unwrap_or_default();
        match *name {
            "dir" => archive.add_tree("", Path::new(value))?,
            "file" => {
                let (dest, host) = value.split_once('=').ok_or_else(|| {
                    Error::Usage(format!("--file {value:?}: expected ARCHIVE_PATH=HOST_PATH"))
                })?;
                archive.add_host_file(dest, Path::new(host))?;
            }
            "char" => {
                let bad = || Error::Usage(format!("--char {value:?}: expected ARCHIVE_PATH=MAJOR:MINOR"));
                let (dest, num) = value.split_once('=').ok_or_else(bad)?;
                let (ma, mi) = num.split_once(':').ok_or_else(bad)?;
                let (ma, mi) = (ma.parse().map_err(|_| bad())?, mi.parse().map_err(|_| bad())?);
                archive.add_char_device(dest, 0o600, ma, mi)?;
            }
            _ => {}
        }
    }
    if prepend.is_empty() && compress.is_none() {
        archive.write_file(&out)?;
    } else {
        archive.write_image(&out, &prepend, compress)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_run(args: &[String], settings: &Settings) -> Result<ExitCode, Error> {
    let p = parse(
        args,
        &[
            Opt("kernel", true),
            Opt("initrd", true),
            Opt("append", true),
            Opt("smp", true),
            Opt("mem", true),
            Opt("accel", true),
            Opt("interactive", false),
            Opt("timeout", true),
            Opt("log", true),
            Opt("gdb", false),
        ],
    )?;
    let timeout = match p.value("timeout") {
        None => None,
        Some(s) => match s.parse::<f64>() {
            Ok(t) if t.is_finite() && t >= 0.0 => Some(t),
            _ => return Err(Error::Usage(format!("--timeout {s:?}: expected seconds"))),
        },
    };
    let run_args = RunArgs {
        kernel: PathBuf::from(p.required("kernel")?),
        initrd: p.value("initrd").map(PathBuf::from),
        append: p.value("append").unwrap_or_default().to_string(),
        smp: p.value("smp").map_or(Ok(1), parse_smp)?,
        mem: p.value("mem").map_or(Ok("1G".to_string()), parse_mem)?,
        accel: parse_accel(&p)?,
        interactive: p.flag("interactive"),
        timeout,
        log: p.value("log").map(PathBuf::from),
        gdb: p.flag("gdb"),
    };
    let code = runcmd::run(&run_args, settings)?;
    Ok(ExitCode::from(code.clamp(0, 255) as u8))
}

fn cmd_bench(args: &[String], settings: &Settings) -> Result<ExitCode, Error> {
    let p = parse(
        args,
        &[
            Opt("kernel", true),
            Opt("initrd", true),
            Opt("linux", true),
            Opt("bzimage", true),
            Opt("reps", true),
            Opt("smp", true),
            Opt("quick", false),
            Opt("out", true),
            Opt("mem", true),
            Opt("accel", true),
        ],
    )?;
    let smp = p.value("smp").unwrap_or("1,4").split(',').map(parse_smp).collect::<Result<Vec<_>, _>>()?;
    let reps = match p.value("reps") {
        None => 3,
        Some(s) => s.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| Error::Usage(format!("--reps {s:?}: expected a positive count")))?,
    };
    let bench_args = runner::bench::BenchArgs {
        kernel: PathBuf::from(p.required("kernel")?),
        initrd: PathBuf::from(p.required("initrd")?),
        linux: p.value("linux").map(PathBuf::from),
        bzimage: p.value("bzimage").map(PathBuf::from),
        reps,
        smp,
        quick: p.flag("quick"),
        out: p.value("out").map(PathBuf::from),
        accel: parse_accel(&p)?,
        mem: p.value("mem").map_or(Ok("1G".to_string()), parse_mem)?,
    };
    let code = runner::bench::run(&bench_args, settings)?;
    Ok(ExitCode::from(code.clamp(0, 255) as u8))
}

fn cmd_test(args: &[String], settings: &Settings) -> Result<ExitCode, Error> {
    let p = parse(
        args,
        &[
            Opt("suite", true),
            Opt("kernel", true),
            Opt("initrd", true),
            Opt("smp", true),
            Opt("only", true),
            Opt("append", true),
            Opt("mem", true),
            Opt("accel", true),
        ],
    )?;
    let smp = match p.value("smp") {
        None => None,
        Some(list) => Some(
            list.split(',')
                .map(parse_smp)
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let test_args = TestArgs {
        suite: PathBuf::from(p.required("suite")?),
        kernel: PathBuf::from(p.required("kernel")?),
        initrd: p.value("initrd").map(PathBuf::from),
        smp,
        only: p
            .values("only")
            .iter()
            .flat_map(|s| s.split(','))
            .map(String::from)
            .collect(),
        append: p.value("append").unwrap_or_default().to_string(),
        mem: p.value("mem").map_or(Ok("1G".to_string()), parse_mem)?,
        accel: parse_accel(&p)?,
        panic_grace: DEFAULT_PANIC_GRACE,
    };
    let summary = testcmd::run_suite(&test_args, settings)?;
    if summary.passed + summary.failed == 0 {
        return Err(Error::Failed(
            "no test case was run (check --smp and --only)".into(),
        ));
    }
    Ok(if summary.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn cmd_host_suite(args: &[String]) -> Result<ExitCode, Error> {
    let p = parse(args, &[Opt("out", true), Opt("program", true), Opt("timeout", true)])?;
    let out = PathBuf::from(p.required("out")?);
    let guest_timeout: u64 = p
        .value("timeout")
        .map_or(Ok(120), |t| t.parse().map_err(|_| Error::Usage(format!("--timeout {t:?}: expected seconds"))))?;
    let specs = p.values("program");
    let mut programs = Vec::new();
    for spec in &specs {
        let (archive_path, host) = spec
            .split_once('=')
            .ok_or_else(|| Error::Usage(format!("--program {spec:?}: expected ARCHIVE_PATH=HOST_PATH")))?;
        programs.push(runner::hostsuite::Program { archive_path, host_path: Path::new(host) });
    }
    let text = runner::hostsuite::build(&programs, std::time::Duration::from_secs(60), guest_timeout).map_err(Error::Failed)?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::Failed(format!("{}: {e}", dir.display())))?;
    }
    std::fs::write(&out, text).map_err(|e| Error::Failed(format!("{}: {e}", out.display())))?;
    println!("runner: {} programs passed on the host; wrote {}", programs.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

fn cmd_symbolize(args: &[String]) -> Result<ExitCode, Error> {
    let p = parse(args, &[Opt("kernel", true)])?;
    let table = SymbolTable::from_elf_file(Path::new(p.required("kernel")?))?;
    let stdin = io::stdin().lock();
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    let mut buf = Vec::new();
    let mut reader = io::BufReader::new(stdin);
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err(Error::Failed(format!("reading stdin: {e}"))),
        }
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches(['\n', '\r']);
        if writeln!(stdout, "{}", table.annotate(line)).is_err() {
            // Closed pipe (e.g. `| head`): nothing more to do.
            return Ok(ExitCode::SUCCESS);
        }
    }
    let _ = stdout.flush();
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let mut args = Vec::new();
    for a in std::env::args_os().skip(1) {
        match a.into_string() {
            Ok(s) => args.push(s),
            Err(a) => {
                eprintln!("aramid-runner: error: argument {a:?} is not valid UTF-8");
                return ExitCode::from(2);
            }
        }
    }
    let Some((cmd, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    if rest.iter().any(|a| a == "--help" || a == "-h") {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let settings = Settings::from_env();
    let result = match cmd.as_str() {
        "cpio" => cmd_cpio(rest),
        "run" => cmd_run(rest, &settings),
        "test" => cmd_test(rest, &settings),
        "symbolize" => cmd_symbolize(rest),
        "host-suite" => cmd_host_suite(rest),
        "bench" => cmd_bench(rest, &settings),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => Err(Error::Usage(format!("unknown subcommand {other:?}"))),
    };
    match result {
        Ok(code) => code,
        Err(Error::Usage(m)) => {
            eprintln!("aramid-runner: error: {m}\n(see aramid-runner --help)");
            ExitCode::from(2)
        }
        Err(Error::Failed(m)) => {
            eprintln!("aramid-runner: error: {m}");
            ExitCode::from(1)
        }
    }
}
