//! The `log` crate's backend: one timestamped, per-CPU line per record on
//! the serial console, e.g. `[    1.234567 c2] INFO  kernel::smp: ...`.
//!
//! The filter comes from the command line: `log=LEVEL[,target=LEVEL...]`
//! (levels off, error, warn, info, debug, trace; a target matches as a
//! prefix) or Linux's `loglevel=N` (0-3 error, 4 warn, 5-6 info, 7 debug).
//! The default is `info`.
//!
//! The kernel may register a second sink ([`set_record_hook`]): each
//! record that passes the filter is also handed to it as (level 0-7 in
//! syslog terms, target, message) — the kernel log ring of /dev/kmsg.

use core::fmt::Write;

use log::{Level, LevelFilter, Log, Metadata, Record};

use crate::{cmdline, cpu, serial, time};

struct Logger;

static LOGGER: Logger = Logger;

/// The kernel's sink for records (see the module doc).
pub type RecordHook = fn(level: u8, target: &str, args: &core::fmt::Arguments);
static RECORD_HOOK: spin::Once<RecordHook> = spin::Once::new();

/// Registers the kernel's record sink (once).
pub fn set_record_hook(hook: RecordHook) {
    RECORD_HOOK.call_once(|| hook);
}

fn parse_level(s: &str) -> Option<LevelFilter> {
    Some(match s {
        "off" => LevelFilter::Off,
        "error" => LevelFilter::Error,
        "warn" => LevelFilter::Warn,
        "info" => LevelFilter::Info,
        "debug" => LevelFilter::Debug,
        "trace" => LevelFilter::Trace,
        _ => return None,
    })
}

/// The level that applies to `target` under the command line's filter.
fn level_for(target: &str) -> LevelFilter {
    let line = cmdline::get();
    if let Some(spec) = line.get("log") {
        let mut level = LevelFilter::Info;
        let mut best = 0;
        for part in spec.split(',') {
            match part.split_once('=') {
                None => {
                    if let Some(l) = parse_level(part) {
                        level = if best == 0 { l } else { level };
                    }
                }
                Some((prefix, l)) => {
                    if target.starts_with(prefix) && prefix.len() > best {
                        if let Some(l) = parse_level(l) {
                            level = l;
                            best = prefix.len();
                        }
                    }
                }
            }
        }
        return level;
    }
    match line.get("loglevel").and_then(|v| v.parse::<u8>().ok()) {
        Some(0..=3) => LevelFilter::Error,
        Some(4) => LevelFilter::Warn,
        Some(5 | 6) => LevelFilter::Info,
        Some(_) => LevelFilter::Debug,
        None => LevelFilter::Info,
    }
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= level_for(metadata.target())
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let ns = time::now_ns();
        let cpu = cpu::percpu::try_cpu_id().unwrap_or(0);
        let level = match record.level() {
            Level::Error => "ERROR",
            Level::Warn => "WARN ",
            Level::Info => "INFO ",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        };
        serial::with_console(|c| {
            let _ = writeln!(
                c,
                "[{:5}.{:06} c{}] {} {}: {}",
                ns / 1_000_000_000,
                (ns % 1_000_000_000) / 1000,
                cpu,
                level,
                record.target(),
                record.args()
            );
        });
        if let Some(hook) = RECORD_HOOK.get() {
            let syslog_level = match record.level() {
                Level::Error => 3,
                Level::Warn => 4,
                Level::Info => 6,
                Level::Debug | Level::Trace => 7,
            };
            hook(syslog_level, record.target(), record.args());
        }
    }

    fn flush(&self) {}
}

/// A user-space record (a line written to /dev/kmsg) on the console, as
/// Linux's printk shows one: only when its level (0-7) is below the console
/// log level (`loglevel=N`, 4 with `quiet`, else 7), as
/// `[    1.234567] text`.
pub fn user_line(level: u8, text: &[u8]) {
    let line = cmdline::get();
    let console_level = match line.get("loglevel").and_then(|v| v.parse::<u8>().ok()) {
        Some(l) => l,
        None if line.flag("quiet") => 4,
        None => 7,
    };
    if level >= console_level {
        return;
    }
    let ns = time::now_ns();
    serial::with_console(|c| {
        let _ = write!(c, "[{:5}.{:06}] ", ns / 1_000_000_000, (ns % 1_000_000_000) / 1000);
        for chunk in text.utf8_chunks() {
            let _ = c.write_str(chunk.valid());
            if !chunk.invalid().is_empty() {
                let _ = c.write_char(char::REPLACEMENT_CHARACTER);
            }
        }
        let _ = c.write_char('\n');
    });
}

/// Installs the logger. The filter is evaluated per record, so it can be
/// installed before the command line is known.
pub fn init() {
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(LevelFilter::Trace);
    }
}
