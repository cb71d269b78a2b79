//! QEMU's machine protocol (QMP) on a Unix socket, for what the serial
//! console cannot tell or do:
//!
//! - why QEMU stopped: its `SHUTDOWN` event says `"reason": "guest-reset"`
//!   when the guest reset the machine (QEMU runs with `-no-reboot`, so a
//!   reset ends it) and `"guest-shutdown"` for an ACPI poweroff, while the
//!   exit status is 0 for both;
//! - key presses on the emulated PC keyboard (`send-key`), e.g.
//!   Ctrl-Alt-Del, as the human monitor's `sendkey ctrl-alt-delete`.
//!
//! QEMU is started with `-qmp unix:PATH,server=on,wait=off`; [`Qmp::start`]
//! connects in the background (retrying while QEMU creates the socket),
//! negotiates capabilities, and reports events to a callback. Replies are
//! not awaited: a command that fails shows up as a missing marker.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long to keep trying to connect after QEMU was started.
const CONNECT_FOR: Duration = Duration::from_secs(20);

/// An event QEMU reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub name: String,
    /// `data.reason`, for `SHUTDOWN`.
    pub reason: Option<String>,
}

/// A fresh socket path for one QEMU (short: Unix socket paths are limited
/// to 107 bytes).
pub fn socket_path() -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    std::env::temp_dir().join(format!(
        "aramid-qmp-{}-{}.sock",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// The string value of `"key": "..."` in a QMP line (QEMU's JSON has no
/// escapes in the names and reasons looked for).
fn json_str(line: &str, key: &str) -> Option<String> {
    let at = line.find(&format!("\"{key}\""))? + key.len() + 2;
    let rest = line[at..].trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// Parses one line from QEMU: an event, or `None` (a reply, the greeting).
pub fn parse_event(line: &str) -> Option<Event> {
    let name = json_str(line, "event")?;
    Some(Event { name, reason: json_str(line, "reason") })
}

/// The QMP `send-key` command for keys written as the human monitor's
/// `sendkey` takes them: QEMU key names (qcodes) joined by `-`.
pub fn send_key_command(keys: &str) -> String {
    let list: Vec<String> = keys
        .split('-')
        .filter(|k| !k.is_empty())
        .map(|k| format!("{{\"type\": \"qcode\", \"data\": \"{k}\"}}"))
        .collect();
    format!("{{\"execute\": \"send-key\", \"arguments\": {{\"keys\": [{}]}}}}\n", list.join(", "))
}

/// A connection being made or made.
pub struct Qmp {
    writer: Arc<Mutex<Option<UnixStream>>>,
    path: PathBuf,
}

impl Qmp {
    /// Connects to `path` in the background; each event goes to
    /// `on_event`, and `on_end` runs when the connection ends (or never
    /// came).
    pub fn start(
        path: &Path,
        on_event: impl Fn(Event) + Send + 'static,
        on_end: impl FnOnce() + Send + 'static,
    ) -> Qmp {
        let writer = Arc::new(Mutex::new(None));
        let (w, p) = (writer.clone(), path.to_path_buf());
        thread::spawn(move || {
            let start = Instant::now();
            let stream = loop {
                match UnixStream::connect(&p) {
                    Ok(s) => break Some(s),
                    Err(_) if start.elapsed() < CONNECT_FOR => thread::sleep(Duration::from_millis(20)),
                    Err(_) => break None,
                }
            };
            if let Some(mut s) = stream {
                let reader = s.try_clone();
                if s.write_all(b"{\"execute\": \"qmp_capabilities\"}\n").is_ok() {
                    *w.lock().unwrap() = Some(s);
                }
                if let Ok(r) = reader {
                    for line in BufReader::new(r).lines() {
                        let Ok(line) = line else { break };
                        if let Some(e) = parse_event(&line) {
                            on_event(e);
                        }
                    }
                }
            }
            on_end();
        });
        Qmp { writer, path: path.to_path_buf() }
    }

    /// Presses and releases `keys` (e.g. `ctrl-alt-delete`). False when
    /// not connected.
    pub fn send_keys(&self, keys: &str) -> bool {
        let mut w = self.writer.lock().unwrap();
        match w.as_mut() {
            Some(s) => s.write_all(send_key_command(keys).as_bytes()).is_ok(),
            None => false,
        }
    }
}

impl Drop for Qmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_commands() {
        let line = r#"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-reset"}}"#;
        assert_eq!(
            parse_event(line),
            Some(Event { name: "SHUTDOWN".into(), reason: Some("guest-reset".into()) })
        );
        assert_eq!(parse_event(r#"{"return": {}}"#), None);
        assert_eq!(
            parse_event(r#"{"event": "RESET", "data": {}}"#),
            Some(Event { name: "RESET".into(), reason: None })
        );
        assert_eq!(
            send_key_command("ctrl-alt-delete"),
            "{\"execute\": \"send-key\", \"arguments\": {\"keys\": [{\"type\": \"qcode\", \"data\": \"ctrl\"}, \
             {\"type\": \"qcode\", \"data\": \"alt\"}, {\"type\": \"qcode\", \"data\": \"delete\"}]}}\n"
        );
    }
}
