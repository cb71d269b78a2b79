//! The `test` subcommand: boots every selected case of a suite once per CPU
//! count and reports, one line per boot:
//!
//! ```text
//! PASS boot smp=1 (1.23 s)
//! FAIL boot smp=4: missing marker "selftest: all passed"
//! TIME boot smp=1 "aramid: 1 CPUs online" 0.412 s
//! 3 passed, 1 failed
//! ```
//!
//! The guest log goes to `build/logs/CASE-smpN.log`; it is streamed to the
//! terminal (prefixed) only with `V=1`, and on failure its last 60 lines are
//! printed.

use std::path::PathBuf;
use std::time::Duration;

use crate::accel::{self, Probe, Request};
use crate::monitor::{self, Echo, Options, Source};
use crate::qemu::{Console, QemuConfig};
use crate::settings::{require_file, Settings};
use crate::suite::{self, load_suite, Check};
use crate::symbolize::SymbolTable;

#[derive(Debug, Clone)]
pub struct TestArgs {
    pub suite: PathBuf,
    pub kernel: PathBuf,
    pub initrd: Option<PathBuf>,
    /// Only these CPU counts (intersected with each case's list).
    pub smp: Option<Vec<u32>>,
    /// Only these cases.
    pub only: Vec<String>,
    /// Extra kernel command line after each case's `append`.
    pub append: String,
    pub mem: String,
    pub accel: Request,
    /// Time given after a panic line before QEMU is killed.
    pub panic_grace: Duration,
}

/// Counts of a suite run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
}

/// Runs the suite; `Err` for problems before any boot (bad suite file,
/// missing kernel, unknown `--only` name).
pub fn run_suite(args: &TestArgs, settings: &Settings) -> Result<Summary, String> {
    let suite = load_suite(&args.suite)?;
    for name in &args.only {
        if !suite.cases.iter().any(|c| &c.name == name) {
            let names: Vec<&str> = suite.cases.iter().map(|c| c.name.as_str()).collect();
            return Err(format!(
                "--only {name}: no such case in {} (cases: {})",
                args.suite.display(),
                names.join(", ")
            ));
        }
    }
    require_file("kernel", &args.kernel)?;
    if let Some(i) = &args.initrd {
        require_file("initrd", i)?;
    }

    let probe = Probe {
        qemu: settings.qemu.clone(),
        kernel: args.kernel.clone(),
        initrd: args.initrd.clone(),
        kvm_device: settings.kvm_device.clone(),
        cache: settings.probe_cache(),
        timeout: accel::PROBE_TIMEOUT,
        log: Some(settings.log_dir().join("accel-probe.log")),
        verbose: settings.verbose,
    };
    let choice = accel::choose(args.accel, settings.accel_env.as_deref(), &probe)?;
    println!("{}", choice.line());

    let symbols = match SymbolTable::from_elf_file(&args.kernel) {
        Ok(t) => Some(t),
        Err(e) => {
            println!("runner: backtraces will not be symbolized: {e}");
            None
        }
    };

    let mut summary = Summary::default();
    for case in suite
        .cases
        .iter()
        .filter(|c| args.only.is_empty() || args.only.contains(&c.name))
    {
        let smps: Vec<u32> = case
            .smp
            .iter()
            .copied()
            .filter(|n| args.smp.as_ref().is_none_or(|l| l.contains(n)))
            .collect();
        if smps.is_empty() {
            println!("SKIP {} (smp={:?} not selected)", case.name, case.smp);
            continue;
        }
        for smp in smps {
            let timeout = choice.accel.scale_timeout(case.timeout);
            let mut cfg = QemuConfig::new(&settings.qemu, &args.kernel);
            cfg.initrd = case.initrd.clone().or_else(|| args.initrd.clone());
            let qmp = crate::qmp::socket_path();
            cfg.qmp = Some(qmp.clone());
            cfg.append = format!("{} {}", case.append, args.append)
                .trim()
                .to_string();
            cfg.smp = smp;
            cfg.mem = args.mem.clone();
            cfg.accel = choice.accel;
            cfg.console = Console::Pipe;
            if settings.verbose {
                println!("+ {}", cfg.shell_line());
            }
            let label = format!("{} smp={smp}", case.name);
            let log = settings
                .log_dir()
                .join(format!("{}-smp{smp}.log", case.name));
            let opts = Options {
                timeout: Some(timeout),
                panic_grace: args.panic_grace,
                log: Some(log.clone()),
                echo: if settings.verbose {
                    Echo::Prefixed(format!("[{label}] "))
                } else {
                    Echo::Quiet
                },
                symbols: symbols.as_ref(),
                tail: monitor::DEFAULT_TAIL,
                input: case.input.iter().map(|(m, t)| (suite::substitute(m, smp), t.clone().into_bytes())).collect(),
                qmp: Some(qmp),
                keys: case.sendkey.iter().map(|(m, k)| (suite::substitute(m, smp), k.clone())).collect(),
            };
            let mut check = Check::new(case, smp, timeout)?;
            let result = monitor::run(&mut cfg.command(), &opts, &mut |l| {
                if l.source == Source::Serial {
                    check.observe(l.at, &l.text);
                }
            });
            let report = match result {
                Ok(r) => r,
                Err(e) => {
                    println!("FAIL {label}: {e}");
                    summary.failed += 1;
                    continue;
                }
            };
            let why = check.verdict(&report);
            if why.is_empty() {
                summary.passed += 1;
                println!("PASS {label} ({:.2} s)", report.elapsed.as_secs_f64());
            } else {
                summary.failed += 1;
                println!("FAIL {label}: {}", why.join("; "));
                if !settings.verbose {
                    println!("  last {} lines of {}:", report.tail.len(), log.display());
                    for line in &report.tail {
                        println!("  | {line}");
                    }
                }
            }
            for (marker, at) in check.timings() {
                match at {
                    Some(t) => println!("TIME {label} {marker:?} {:.3} s", t.as_secs_f64()),
                    None => println!("TIME {label} {marker:?} not seen"),
                }
            }
        }
    }
    println!("{} passed, {} failed", summary.passed, summary.failed);
    Ok(summary)
}
