//! Running QEMU non-interactively: reading the guest's serial output (QEMU's
//! stdout) and QEMU's own messages (stderr) line by line, symbolizing
//! backtrace frames, streaming lines to the terminal and a log file, and
//! deciding the [`Outcome`]:
//!
//! - a line containing `aramid: kernel panic` is a panic, whatever QEMU does
//!   next; QEMU gets [`Options::panic_grace`] (2 s by default) to print the
//!   rest of the report, then is killed;
//! - a line containing `reboot: System halted` (Linux's and Aramid's
//!   reboot(2) HALT) is a halt: the machine stays on with its CPUs stopped,
//!   so QEMU is killed after [`HALT_GRACE`];
//! - past [`Options::timeout`] QEMU is killed and the run has timed out;
//! - otherwise QEMU's exit status is decoded by [`crate::status`]. Status 1
//!   with an error message from QEMU on stderr is QEMU failing to start, not
//!   a guest success. Status 0 is a poweroff, or a reboot when QEMU's QMP
//!   `SHUTDOWN` event ([`crate::qmp`], with [`Options::qmp`]) gives the
//!   reason `guest-reset` (QEMU runs with `-no-reboot`).
//!
//! Each line is handed to a caller's observer with its arrival time since
//! QEMU was started, which is how suites check markers and time them.

use std::collections::VecDeque;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufReader, LineWriter, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use crate::status::{self, QemuExit};
use crate::symbolize::SymbolTable;

/// The start of the kernel's panic report.
pub const PANIC_MARKER: &str = "aramid: kernel panic";
/// The line reboot(2)'s HALT prints, on Linux and on Aramid.
pub const HALT_MARKER: &str = "reboot: System halted";
/// How long QEMU may go on after the halt line before it is killed.
pub const HALT_GRACE: Duration = Duration::from_millis(500);
/// How long QEMU may go on after a panic line before it is killed.
pub const DEFAULT_PANIC_GRACE: Duration = Duration::from_secs(2);
/// How many lines [`RunReport::tail`] keeps.
pub const DEFAULT_TAIL: usize = 60;

/// How often the loop checks whether QEMU has exited.
const POLL: Duration = Duration::from_millis(50);
/// After QEMU exits, how long to wait for output still in the pipes (a
/// process QEMU left behind may hold them open).
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(500);
/// After killing QEMU, how long to wait for the last output.
const DRAIN_AFTER_KILL: Duration = Duration::from_secs(1);

/// Where a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The guest's serial console.
    Serial,
    /// QEMU's stderr.
    Qemu,
}

/// One line of output.
#[derive(Debug, Clone)]
pub struct Line {
    /// Time since QEMU was started.
    pub at: Duration,
    /// The text, without line terminator, backtrace frames symbolized.
    pub text: String,
    pub source: Source,
}

/// How lines are echoed to the terminal while QEMU runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Echo {
    Quiet,
    /// Serial lines to stdout as they are, QEMU's to stderr.
    Plain,
    /// Every line to stdout after this prefix.
    Prefixed(String),
}

#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// Kill QEMU after this long; `None` waits forever.
    pub timeout: Option<Duration>,
    pub panic_grace: Duration,
    /// Write every line here (parent directories are created).
    pub log: Option<PathBuf>,
    pub echo: Echo,
    pub symbols: Option<&'a SymbolTable>,
    /// Number of lines kept for [`RunReport::tail`].
    pub tail: usize,
    /// A dialog with the serial console: `(marker, bytes)` steps taken in
    /// order; a step writes `bytes` to QEMU's stdin the first time serial
    /// output after the previous step contains `marker` (in a whole line, or
    /// in an unfinished one such as a `login: ` prompt).
    pub input: Vec<(String, Vec<u8>)>,
    /// QMP socket QEMU was told to listen on (`-qmp`): how a reset is told
    /// from a poweroff, and how keys are pressed.
    pub qmp: Option<PathBuf>,
    /// `(marker, keys)`: press `keys` (QEMU key names joined by `-`, like
    /// `ctrl-alt-delete`) on the PC keyboard the first time a serial line
    /// contains `marker`. Needs `qmp`.
    pub keys: Vec<(String, String)>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            timeout: None,
            panic_grace: DEFAULT_PANIC_GRACE,
            log: None,
            echo: Echo::Quiet,
            symbols: None,
            tail: DEFAULT_TAIL,
            input: Vec::new(),
            qmp: None,
            keys: Vec::new(),
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Debug-exit value 0.
    Success,
    /// Debug-exit value 1..=0x7d: init exited with N.
    Exit(u8),
    /// QEMU exited 0 without a debug-exit status (ACPI poweroff).
    PoweredOff,
    /// QEMU exited 0 because the guest reset the machine (`-no-reboot`).
    Rebooted,
    /// The guest printed the halt line; QEMU was then stopped.
    Halted,
    /// A panic line was printed, or the kernel wrote the panic value.
    Panic,
    /// Killed after the time-out.
    TimedOut,
    /// Debug-exit value the convention does not assign.
    Unassigned(u8),
    /// QEMU failed (could not start the guest, killed by a signal, ...).
    QemuFailed(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Success => write!(f, "success"),
            Outcome::Exit(n) => write!(f, "exit status {n}"),
            Outcome::PoweredOff => write!(f, "powered off without a status"),
            Outcome::Rebooted => write!(f, "reboot (machine reset)"),
            Outcome::Halted => write!(f, "halted"),
            Outcome::Panic => write!(f, "kernel panic"),
            Outcome::TimedOut => write!(f, "timed out"),
            Outcome::Unassigned(v) => write!(f, "unassigned debug-exit value {v:#x}"),
            Outcome::QemuFailed(m) => write!(f, "QEMU failed: {m}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RunReport {
    pub outcome: Outcome,
    /// From QEMU's start to the end of the run.
    pub elapsed: Duration,
    /// The first panic line, if any.
    pub panic_line: Option<String>,
    /// The last lines (both sources), oldest first.
    pub tail: Vec<String>,
    /// Everything QEMU printed on stderr.
    pub qemu_stderr: Vec<String>,
    /// The raw process status: `Ok(code)` or `Err(signal)`.
    pub raw_status: Result<i32, i32>,
}

enum Msg {
    Line(Source, Instant, String),
    Qmp(crate::qmp::Event),
    /// The unfinished line so far (a prompt waiting for input); seen by the
    /// dialog only.
    Partial(Source, String),
    Eof,
}

fn spawn_reader<R: Read + Send + 'static>(src: Source, pipe: R, tx: Sender<Msg>) {
    thread::spawn(move || {
        let mut r = BufReader::new(pipe);
        let mut line = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = match r.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            for &b in &chunk[..n] {
                if b != b'\n' {
                    line.push(b);
                    continue;
                }
                while matches!(line.last(), Some(b'\r')) {
                    line.pop();
                }
                let text = String::from_utf8_lossy(&line).into_owned();
                line.clear();
                if tx.send(Msg::Line(src, Instant::now(), text)).is_err() {
                    return;
                }
            }
            if !line.is_empty() && tx.send(Msg::Partial(src, String::from_utf8_lossy(&line).into_owned())).is_err() {
                return;
            }
        }
        if !line.is_empty() {
            let text = String::from_utf8_lossy(&line).into_owned();
            let _ = tx.send(Msg::Line(src, Instant::now(), text));
        }
        let _ = tx.send(Msg::Eof);
    });
}

/// Takes the dialog's step `step` if `text` contains its marker; returns
/// the next step. After the last step QEMU's stdin is closed.
fn dialog(steps: &[(String, Vec<u8>)], step: usize, text: &str, stdin: &mut Option<ChildStdin>) -> usize {
    let (Some((marker, bytes)), Some(pipe)) = (steps.get(step), stdin.as_mut()) else {
        return step;
    };
    if !text.contains(marker.as_str()) {
        return step;
    }
    // A failed write shows up as a missing marker later.
    let _ = pipe.write_all(bytes).and_then(|_| pipe.flush());
    if step + 1 == steps.len() {
        *stdin = None;
    }
    step + 1
}

/// Whether a QEMU stderr line is an error (not a warning or a notice).
fn is_qemu_error(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    l.starts_with("qemu") && !l.contains("warning")
}

/// Per-run state while lines come in.
struct Stream<'a, 'b> {
    opts: &'b Options<'a>,
    start: Instant,
    log: Option<LineWriter<File>>,
    log_failed: bool,
    tail: VecDeque<String>,
    panic_line: Option<String>,
    qemu_stderr: Vec<String>,
}

impl Stream<'_, '_> {
    fn handle(&mut self, src: Source, when: Instant, text: String, on_line: &mut dyn FnMut(&Line)) {
        let text = match (src, self.opts.symbols) {
            (Source::Serial, Some(t)) => t.annotate(&text),
            _ => text,
        };
        if let Some(log) = &mut self.log {
            if let Err(e) = writeln!(log, "{text}") {
                if !self.log_failed {
                    eprintln!("runner: cannot write the log: {e}");
                    self.log_failed = true;
                }
            }
        }
        match (&self.opts.echo, src) {
            (Echo::Quiet, _) => {}
            // Write errors (a closed pipe after `| head`) must not stop the run.
            (Echo::Plain, Source::Serial) => {
                let _ = writeln!(io::stdout().lock(), "{text}");
            }
            (Echo::Plain, Source::Qemu) => {
                let _ = writeln!(io::stderr().lock(), "{text}");
            }
            (Echo::Prefixed(p), _) => {
                let _ = writeln!(io::stdout().lock(), "{p}{text}");
            }
        }
        if self.opts.tail > 0 {
            if self.tail.len() == self.opts.tail {
                self.tail.pop_front();
            }
            self.tail.push_back(text.clone());
        }
        match src {
            Source::Serial if self.panic_line.is_none() && text.contains(PANIC_MARKER) => {
                self.panic_line = Some(text.clone());
            }
            Source::Qemu => self.qemu_stderr.push(text.clone()),
            _ => {}
        }
        on_line(&Line {
            at: when.saturating_duration_since(self.start),
            text,
            source: src,
        });
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kill {
    Timeout,
    PanicGrace,
    Halted,
}

/// Runs `cmd` (its stdio is replaced: stdin null, stdout and stderr piped)
/// to the end, calling `on_line` for every line. `Err` only when QEMU cannot
/// be started or waited for, or the log cannot be created.
pub fn run(
    cmd: &mut Command,
    opts: &Options<'_>,
    on_line: &mut dyn FnMut(&Line),
) -> Result<RunReport, String> {
    let log = match &opts.log {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            Some(LineWriter::new(
                File::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
            ))
        }
        None => None,
    };
    let program = cmd.get_program().to_string_lossy().into_owned();
    cmd.stdin(if opts.input.is_empty() { Stdio::null() } else { Stdio::piped() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            format!("cannot start {program}: not found (Debian: apt-get install qemu-system-x86)")
        } else {
            format!("cannot start {program}: {e}")
        }
    })?;
    let (tx, rx): (Sender<Msg>, Receiver<Msg>) = mpsc::channel();
    let mut open = 0;
    if let Some(out) = child.stdout.take() {
        spawn_reader(Source::Serial, out, tx.clone());
        open += 1;
    }
    if let Some(err) = child.stderr.take() {
        spawn_reader(Source::Qemu, err, tx.clone());
        open += 1;
    }
    let qmp = opts.qmp.as_ref().map(|path| {
        open += 1;
        let (events, end) = (tx.clone(), tx.clone());
        crate::qmp::Qmp::start(
            path,
            move |e| {
                let _ = events.send(Msg::Qmp(e));
            },
            move || {
                let _ = end.send(Msg::Eof);
            },
        )
    });
    let mut keys_sent = vec![false; opts.keys.len()];
    let mut shutdown_reason: Option<String> = None;
    drop(tx);
    let mut stdin = child.stdin.take();
    let mut step = 0;

    let mut st = Stream {
        opts,
        start,
        log,
        log_failed: false,
        tail: VecDeque::new(),
        panic_line: None,
        qemu_stderr: Vec::new(),
    };
    let deadline = opts.timeout.map(|t| start + t);
    let mut panic_deadline: Option<Instant> = None;
    let mut halt_deadline: Option<Instant> = None;
    let mut status = None;
    let mut exited_at: Option<Instant> = None;
    let mut kill = None;

    loop {
        let now = Instant::now();
        if status.is_none() {
            if let Some(s) = child
                .try_wait()
                .map_err(|e| format!("waiting for {program}: {e}"))?
            {
                status = Some(s);
                exited_at = Some(now);
            }
        }
        let next_deadline = [deadline, panic_deadline, halt_deadline].into_iter().flatten().min();
        if let Some(t) = exited_at {
            if open == 0 || now.duration_since(t) >= DRAIN_AFTER_EXIT {
                break;
            }
        } else if let Some(d) = next_deadline {
            if now >= d {
                kill = Some(if panic_deadline.is_some_and(|p| now >= p) {
                    Kill::PanicGrace
                } else if halt_deadline.is_some_and(|h| now >= h) {
                    Kill::Halted
                } else {
                    Kill::Timeout
                });
                break;
            }
        }
        let mut wait = POLL;
        if let Some(d) = next_deadline {
            wait = wait.min(d.saturating_duration_since(now));
        }
        if open == 0 {
            thread::sleep(wait);
            continue;
        }
        match rx.recv_timeout(wait) {
            Ok(Msg::Partial(src, text)) => {
                if src == Source::Serial {
                    step = dialog(&opts.input, step, &text, &mut stdin);
                    press_keys(&opts.keys, &mut keys_sent, &text, qmp.as_ref());
                }
            }
            Ok(Msg::Line(src, when, text)) => {
                if src == Source::Serial {
                    step = dialog(&opts.input, step, &text, &mut stdin);
                    press_keys(&opts.keys, &mut keys_sent, &text, qmp.as_ref());
                    if halt_deadline.is_none() && text.contains(HALT_MARKER) {
                        halt_deadline = Some(Instant::now() + HALT_GRACE);
                    }
                }
                st.handle(src, when, text, on_line);
                if st.panic_line.is_some() && panic_deadline.is_none() {
                    panic_deadline = Some(Instant::now() + opts.panic_grace);
                }
            }
            Ok(Msg::Qmp(e)) => {
                if e.name == "SHUTDOWN" {
                    shutdown_reason = e.reason;
                }
            }
            Ok(Msg::Eof) => open -= 1,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => open = 0,
        }
    }

    if kill.is_some() {
        let _ = child.kill();
        status = Some(
            child
                .wait()
                .map_err(|e| format!("waiting for {program}: {e}"))?,
        );
        let until = Instant::now() + DRAIN_AFTER_KILL;
        while open > 0 {
            match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
                Ok(Msg::Line(src, when, text)) => st.handle(src, when, text, on_line),
                Ok(Msg::Qmp(_)) => {}
                Ok(Msg::Partial(..)) => {}
                Ok(Msg::Eof) => open -= 1,
                Err(_) => break,
            }
        }
    } else {
        // Lines that arrived after the loop's last look.
        while let Ok(msg) = rx.try_recv() {
            match msg {
                Msg::Line(src, when, text) => st.handle(src, when, text, on_line),
                Msg::Qmp(e) if e.name == "SHUTDOWN" => shutdown_reason = e.reason,
                _ => {}
            }
        }
    }
    let elapsed = start.elapsed();
    let status = status.expect("the loop ends with a status or a kill");
    let raw_status = status.code().ok_or_else(|| status.signal().unwrap_or(0));

    let outcome = if st.panic_line.is_some() {
        Outcome::Panic
    } else if kill == Some(Kill::Timeout) {
        Outcome::TimedOut
    } else if kill == Some(Kill::Halted) {
        Outcome::Halted
    } else {
        match outcome_from_status(raw_status, &st.qemu_stderr) {
            Outcome::PoweredOff if shutdown_reason.as_deref() == Some("guest-reset") => Outcome::Rebooted,
            o => o,
        }
    };
    drop(qmp);
    Ok(RunReport {
        outcome,
        elapsed,
        panic_line: st.panic_line,
        tail: st.tail.into(),
        qemu_stderr: st.qemu_stderr,
        raw_status,
    })
}

/// Presses the keys whose marker `text` (a line, or an unfinished one such
/// as a prompt) contains, each once.
fn press_keys(keys: &[(String, String)], sent: &mut [bool], text: &str, qmp: Option<&crate::qmp::Qmp>) {
    for (i, (marker, k)) in keys.iter().enumerate() {
        if !sent[i] && text.contains(marker.as_str()) {
            sent[i] = true;
            // Not connected: the guest misses the keys, which its markers
            // show.
            if let Some(q) = qmp {
                q.send_keys(k);
            }
        }
    }
}

/// Decides the outcome of a run that ended by itself (no panic line seen).
pub fn outcome_from_status(raw: Result<i32, i32>, qemu_stderr: &[String]) -> Outcome {
    let errors: Vec<&str> = qemu_stderr
        .iter()
        .map(String::as_str)
        .filter(|l| is_qemu_error(l))
        .collect();
    match raw {
        Err(sig) => Outcome::QemuFailed(format!("QEMU was killed by signal {sig}")),
        Ok(code) => match status::decode(code) {
            QemuExit::Success if !errors.is_empty() => Outcome::QemuFailed(errors.join("; ")),
            QemuExit::Success => Outcome::Success,
            QemuExit::Failed(n) => Outcome::Exit(n),
            QemuExit::PoweredOff => Outcome::PoweredOff,
            QemuExit::Panic => Outcome::Panic,
            QemuExit::Unassigned(v) => Outcome::Unassigned(v),
            QemuExit::QemuError(c) if errors.is_empty() => {
                Outcome::QemuFailed(format!("exit status {c}"))
            }
            QemuExit::QemuError(c) => {
                Outcome::QemuFailed(format!("exit status {c}: {}", errors.join("; ")))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_one_with_a_qemu_error_is_a_qemu_failure() {
        let err = vec![
            "qemu-system-x86_64: -accel kvm: failed to initialize kvm: Permission denied"
                .to_string(),
        ];
        assert!(
            matches!(outcome_from_status(Ok(1), &err), Outcome::QemuFailed(m) if m.contains("Permission denied"))
        );
        let warn =
            vec!["qemu-system-x86_64: warning: host doesn't support requested feature".to_string()];
        assert_eq!(outcome_from_status(Ok(1), &warn), Outcome::Success);
        assert_eq!(outcome_from_status(Ok(1), &[]), Outcome::Success);
    }

    #[test]
    fn statuses_map_to_outcomes() {
        assert_eq!(outcome_from_status(Ok(0), &[]), Outcome::PoweredOff);
        assert_eq!(outcome_from_status(Ok(5), &[]), Outcome::Exit(2));
        assert_eq!(outcome_from_status(Ok(0xff), &[]), Outcome::Panic);
        assert_eq!(
            outcome_from_status(Ok(0xfd), &[]),
            Outcome::Unassigned(0x7e)
        );
        assert_eq!(
            outcome_from_status(Ok(4), &[]),
            Outcome::QemuFailed("exit status 4".into())
        );
        assert_eq!(
            outcome_from_status(Err(9), &[]),
            Outcome::QemuFailed("QEMU was killed by signal 9".into())
        );
    }
}
