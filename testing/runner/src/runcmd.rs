//! The `run` subcommand: one boot, interactive or not.
//!
//! Interactive (`make run`): QEMU owns the terminal — serial console and
//! monitor multiplexed on stdio, the serial output also logged by QEMU to
//! `build/logs/run.log` — and the runner exits with QEMU's own status.
//!
//! Non-interactive: the runner streams the serial output to stdout and the
//! log (backtraces symbolized) and exits with:
//!
//! | exit | meaning                                             |
//! |------|-----------------------------------------------------|
//! | 0    | success, or powered off without a status            |
//! | N    | init exited with N (1..=125)                        |
//! | 126  | timed out, QEMU failed, unassigned debug-exit value |
//! | 127  | kernel panic                                        |

use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::time::Duration;

use crate::accel::{self, Probe, Request};
use crate::monitor::{self, Echo, Options, Outcome};
use crate::qemu::{Console, QemuConfig};
use crate::settings::{require_file, Settings};
use crate::status;
use crate::symbolize::SymbolTable;

/// Default time-out of a non-interactive run, seconds under TCG.
pub const DEFAULT_TIMEOUT_SECS: f64 = 300.0;
/// Exit status for a time-out or a QEMU failure.
pub const EXIT_FAILED: i32 = 126;
/// Exit status for a kernel panic.
pub const EXIT_PANIC: i32 = 127;

#[derive(Debug, Clone)]
pub struct RunArgs {
    pub kernel: PathBuf,
    pub initrd: Option<PathBuf>,
    pub append: String,
    pub smp: u32,
    pub mem: String,
    pub accel: Request,
    pub interactive: bool,
    /// Seconds under TCG; `Some(0.0)` or `--gdb` disables the time-out.
    pub timeout: Option<f64>,
    pub log: Option<PathBuf>,
    pub gdb: bool,
}

/// The runner's exit status for a non-interactive outcome.
pub fn exit_code(outcome: &Outcome) -> i32 {
    match outcome {
        Outcome::Success | Outcome::PoweredOff | Outcome::Rebooted | Outcome::Halted => 0,
        Outcome::Exit(n) => i32::from(*n),
        Outcome::Panic => EXIT_PANIC,
        Outcome::TimedOut | Outcome::Unassigned(_) | Outcome::QemuFailed(_) => EXIT_FAILED,
    }
}

/// Boots once; returns the runner's exit status.
pub fn run(args: &RunArgs, settings: &Settings) -> Result<i32, String> {
    require_file("kernel", &args.kernel)?;
    if let Some(i) = &args.initrd {
        require_file("initrd", i)?;
    }
    let log = args
        .log
        .clone()
        .unwrap_or_else(|| settings.log_dir().join("run.log"));
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
    eprintln!("{}", choice.line());

    let mut cfg = QemuConfig::new(&settings.qemu, &args.kernel);
    cfg.initrd = args.initrd.clone();
    cfg.append = args.append.clone();
    cfg.smp = args.smp;
    cfg.mem = args.mem.clone();
    cfg.accel = choice.accel;
    cfg.gdb = args.gdb;
    // Interactively a reboot boots again, as on a real machine (Ctrl-A x
    // quits); a piped run ends at the reset and reports it (through QMP).
    cfg.no_reboot = !args.interactive;
    let qmp = (!args.interactive).then(crate::qmp::socket_path);
    cfg.qmp = qmp.clone();
    cfg.console = if args.interactive {
        Console::Interactive {
            log: Some(log.clone()),
        }
    } else {
        Console::Pipe
    };
    if settings.verbose {
        eprintln!("+ {}", cfg.shell_line());
    }
    if args.gdb {
        eprintln!(
            "runner: QEMU waits for gdb on :1234; attach with: gdb {} -ex 'target remote :1234'",
            crate::qemu::shell_quote(&args.kernel.to_string_lossy())
        );
    }
    if let Some(dir) = log.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }

    if args.interactive {
        eprintln!(
            "runner: serial console on this terminal (Ctrl-A x quits, Ctrl-A c toggles the QEMU monitor); log in {}",
            log.display()
        );
        let status = cfg
            .command()
            .status()
            .map_err(|e| format!("cannot start {}: {e}", settings.qemu.display()))?;
        let code = status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
        if status.code().is_some() {
            eprintln!(
                "runner: QEMU exited with status {code} ({})",
                status::decode(code)
            );
        } else {
            eprintln!("runner: QEMU was killed by signal {}", code - 128);
        }
        return Ok(code);
    }

    let secs = args.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS);
    let timeout = if args.gdb || secs <= 0.0 {
        None
    } else {
        Some(choice.accel.scale_timeout(Duration::from_secs_f64(secs)))
    };
    let symbols = match SymbolTable::from_elf_file(&args.kernel) {
        Ok(t) => Some(t),
        Err(e) => {
            eprintln!("runner: backtraces will not be symbolized: {e}");
            None
        }
    };
    let opts = Options {
        timeout,
        log: Some(log.clone()),
        echo: Echo::Plain,
        symbols: symbols.as_ref(),
        qmp,
        ..Options::default()
    };
    let report = monitor::run(&mut cfg.command(), &opts, &mut |_| {})?;
    match &report.outcome {
        Outcome::TimedOut => {
            eprintln!(
                "runner: timed out after {:.0} s; last lines:",
                timeout.unwrap_or_default().as_secs_f64()
            );
            for l in report.tail.iter().rev().take(20).rev() {
                eprintln!("  | {l}");
            }
        }
        other => eprintln!(
            "runner: {other} after {:.2} s (log: {})",
            report.elapsed.as_secs_f64(),
            log.display()
        ),
    }
    Ok(exit_code(&report.outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        assert_eq!(exit_code(&Outcome::Success), 0);
        assert_eq!(exit_code(&Outcome::PoweredOff), 0);
        assert_eq!(exit_code(&Outcome::Exit(3)), 3);
        assert_eq!(exit_code(&Outcome::Panic), EXIT_PANIC);
        assert_eq!(exit_code(&Outcome::TimedOut), EXIT_FAILED);
        assert_eq!(exit_code(&Outcome::QemuFailed("x".into())), EXIT_FAILED);
    }
}
