//! Outcome detection of `runner::monitor` against a fake QEMU: success,
//! init exit status, panics (with QEMU exiting and with QEMU hanging),
//! time-outs, poweroff, halt, QEMU's own failures, and streaming (log, tail,
//! symbolization, timing).

mod common;

use std::time::{Duration, Instant};

use common::{fixture, read, temp_dir};
use runner::monitor::{self, Echo, Line, Options, Outcome, RunReport, Source};
use runner::qemu::QemuConfig;
use runner::symbolize::SymbolTable;

fn boot(test: &str, smp: u32, opts: &Options<'_>) -> (RunReport, Vec<Line>) {
    let f = fixture();
    let mut cfg = QemuConfig::new(&f.qemu, &f.kernel);
    cfg.append = format!("aramid.test={test}");
    cfg.smp = smp;
    let mut lines = Vec::new();
    let report = monitor::run(&mut cfg.command(), opts, &mut |l| lines.push(l.clone())).unwrap();
    (report, lines)
}

fn quick() -> Options<'static> {
    Options {
        timeout: Some(Duration::from_secs(20)),
        ..Options::default()
    }
}

#[test]
fn success_streams_lines_to_log_and_observer() {
    let dir = temp_dir("success");
    let log = dir.join("logs/boot.log");
    let opts = Options {
        log: Some(log.clone()),
        ..quick()
    };
    let (r, lines) = boot("boot", 4, &opts);
    assert_eq!(r.outcome, Outcome::Success);
    assert_eq!(r.raw_status, Ok(1));
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "SeaBIOS (version fake)",
            "Booting from ROM..aramid: 4 CPUs online",
            "selftest: all passed"
        ]
    );
    assert!(lines.iter().all(|l| l.source == Source::Serial));
    assert!(lines.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(
        read(&log),
        "SeaBIOS (version fake)\nBooting from ROM..aramid: 4 CPUs online\nselftest: all passed\n"
    );
    assert_eq!(r.tail.len(), 3);
    assert!(r.panic_line.is_none());
}

#[test]
fn init_exit_status_is_decoded() {
    let (r, _) = boot("exit3", 1, &quick());
    assert_eq!(r.outcome, Outcome::Exit(3));
    assert_eq!(r.raw_status, Ok(7));
}

#[test]
fn panic_with_qemu_exiting() {
    let (r, lines) = boot("panic-exit", 1, &quick());
    assert_eq!(r.outcome, Outcome::Panic);
    assert_eq!(
        r.panic_line.as_deref(),
        Some("aramid: kernel panic at mm/fault.rs:10: page fault at 0x0")
    );
    assert_eq!(lines.len(), 3);
    assert!(r.elapsed < Duration::from_secs(2), "{:?}", r.elapsed);
}

#[test]
fn panic_with_qemu_running_is_killed_after_the_grace_period() {
    let symbols = SymbolTable::new([(
        0x1000,
        0x20,
        "_ZN8platform5fault17h0123456789abcdefE".to_string(),
    )]);
    let opts = Options {
        panic_grace: Duration::from_millis(300),
        symbols: Some(&symbols),
        ..quick()
    };
    let start = Instant::now();
    let (r, lines) = boot("panic-hang", 1, &opts);
    assert_eq!(r.outcome, Outcome::Panic);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert!(r.elapsed >= Duration::from_millis(300));
    // The rest of the report, printed after the panic line, is captured and symbolized.
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "aramid: kernel panic at sched.rs:1: oops",
            "  0: bt: 0x1010 <platform::fault+0x10>",
            "report continues"
        ]
    );
    assert!(r.raw_status.is_err(), "QEMU was killed: {:?}", r.raw_status);
}

#[test]
fn hang_times_out_and_keeps_the_last_lines() {
    let opts = Options {
        timeout: Some(Duration::from_secs(1)),
        ..Options::default()
    };
    let start = Instant::now();
    let (r, _) = boot("hang", 1, &opts);
    assert_eq!(r.outcome, Outcome::TimedOut);
    let took = start.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(4),
        "{took:?}"
    );
    // The partial last line arrives once QEMU is killed.
    assert_eq!(r.tail, ["hanging now", "partial line without newline"]);
}

#[test]
fn hang_with_an_orphan_holding_the_pipe_still_ends() {
    let opts = Options {
        timeout: Some(Duration::from_millis(500)),
        ..Options::default()
    };
    let start = Instant::now();
    let (r, _) = boot("hang-orphan", 1, &opts);
    assert_eq!(r.outcome, Outcome::TimedOut);
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn halt_line_ends_the_run_as_halted() {
    let start = Instant::now();
    let (r, _) = boot("halt", 1, &quick());
    assert_eq!(r.outcome, Outcome::Halted);
    assert!(start.elapsed() < Duration::from_secs(10), "killed after the grace period, not the time-out");
}

#[test]
fn poweroff_without_status() {
    let (r, _) = boot("poweroff", 1, &quick());
    assert_eq!(r.outcome, Outcome::PoweredOff);
}

#[test]
fn qemu_error_with_status_one_is_not_a_success() {
    let (r, lines) = boot("qemu-error", 1, &quick());
    match &r.outcome {
        Outcome::QemuFailed(m) => assert!(m.contains("failed to initialize kvm"), "{m}"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].source, Source::Qemu);
    assert_eq!(r.qemu_stderr.len(), 1);
}

#[test]
fn qemu_warnings_do_not_fail_a_run() {
    let (r, lines) = boot("warn", 2, &quick());
    assert_eq!(r.outcome, Outcome::Success);
    assert!(lines
        .iter()
        .any(|l| l.source == Source::Qemu && l.text.contains("warning")));
}

#[test]
fn prefixed_echo_and_small_tail() {
    let opts = Options {
        echo: Echo::Prefixed("[t] ".into()),
        tail: 2,
        ..quick()
    };
    let (r, _) = boot("boot", 1, &opts);
    assert_eq!(
        r.tail,
        [
            "Booting from ROM..aramid: 1 CPUs online",
            "selftest: all passed"
        ]
    );
}

#[test]
fn missing_qemu_is_an_error() {
    fixture();
    let cfg = QemuConfig::new("/nonexistent/qemu-system-x86_64", "/nonexistent/kernel");
    let err = monitor::run(&mut cfg.command(), &quick(), &mut |_| {}).unwrap_err();
    assert!(
        err.contains("cannot start /nonexistent/qemu-system-x86_64"),
        "{err}"
    );
}
