//! Interrupt-driven console input: the test asks for a line on the serial
//! console (the runner types it), then waits, as a future, for the serial
//! interrupt to deliver bytes through the I/O APIC. No polling: the task
//! sleeps on an [`Event`] the interrupt handler notifies.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use executor::Event;

static INPUT: Event = Event::new();

const TIMEOUT_NS: u64 = 30_000_000_000;

pub async fn read_line() -> Result<String, String> {
    platform::serial::set_input_hook(|| INPUT.notify_one());
    log::info!("selftest: serial_input waiting for a line");
    let deadline = platform::time::now_ns() + TIMEOUT_NS;
    let mut line = Vec::new();
    let mut interrupts = 0;
    loop {
        let mut buf = [0u8; 64];
        let n = platform::serial::read_input(&mut buf);
        for &b in &buf[..n] {
            if b == b'\r' || b == b'\n' {
                let text = String::from_utf8_lossy(&line).into_owned();
                return Ok(format!("got {text:?} after {interrupts} wake-up(s)"));
            }
            line.push(b);
        }
        if n == 0 {
            crate::sched::timeout(deadline, INPUT.notified())
                .await
                .map_err(|_| format!("no end of line within 30 s (got {:?})", String::from_utf8_lossy(&line)))?;
            interrupts += 1;
        }
    }
}
