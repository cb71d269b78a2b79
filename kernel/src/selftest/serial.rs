//! Interrupt-driven console input: the test asks for a line on the serial
//! console (the runner types it), then reads it as the console file does:
//! waiting on the tty's queue, which the tty task wakes when the serial
//! interrupt (routed through the I/O APIC) brings input. No polling.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::file::tty::TTY;

const TIMEOUT_NS: u64 = 30_000_000_000;

pub async fn read_line() -> Result<String, String> {
    log::info!("selftest: serial_input waiting for a line");
    let deadline = platform::time::now_ns() + TIMEOUT_NS;
    let mut line = Vec::new();
    let mut reads = 0;
    loop {
        let mut buf = [0u8; 64];
        let n = crate::sched::timeout(deadline, TTY.readable.wait_for(|| TTY.try_read(&mut buf)))
            .await
            .map_err(|_| format!("no end of line within 30 s (got {:?})", String::from_utf8_lossy(&line)))?;
        reads += 1;
        for &b in &buf[..n] {
            if b == b'\r' || b == b'\n' {
                let text = String::from_utf8_lossy(&line).into_owned();
                return Ok(format!("got {text:?} after {reads} read(s)"));
            }
            line.push(b);
        }
    }
}
